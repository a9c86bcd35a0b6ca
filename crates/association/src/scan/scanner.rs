//! [`Scanner`]: one phenotype's tests over blocks of rotated variants.

use faer::{MatRef, Par};
use genotype::VariantStats;
use rayon::prelude::*;

use super::exact::{PointSums, Points, SnpObjective};
use super::gls::{AtLambda, Estimate};
use super::options::{AssocRow, Mode, ScanOptions, Statistic, Test, Tests};
use crate::likelihood::{chol_inverse, cholesky, dot, logdet_xtx, Columns, Method, Work};
use crate::null_model::{null_maxima, NullModel, Rotated};
use crate::optimize::{maximize, Objective};

/// Runs the tests for one phenotype over blocks of rotated variants.
#[derive(Debug)]
pub struct Scanner<'a> {
    rot: &'a Rotated,
    opts: ScanOptions,
    /// Null ML log-likelihood at the null ML `lambda` (LRT baseline), of
    /// the standardised data like the per-variant likelihoods.
    logl0_ml: f64,
    /// `lambda` of the fixed-ratio Wald test (null REML).
    wald_fixed: AtLambda,
    /// `lambda` of the score test (null ML, as GEMMA).
    score: AtLambda,
    /// The collinearity filter on the scanned data (`None`: the caller
    /// filtered the variants before whitening them).
    filter: Option<Collinearity<'a>>,
    /// Exact mode: the lambdas every variant visits.
    points: Option<Points>,
    /// Exact mode: the null REML and ML likelihoods' interior maxima,
    /// where per-variant root searches start.
    hints_reml: Vec<f64>,
    hints_ml: Vec<f64>,
}

impl<'a> Scanner<'a> {
    /// A scanner for the phenotype `rot` with its fitted null model.
    ///
    /// # Panics
    /// If the null model's `lambda` cannot be evaluated (it just was).
    pub fn new(rot: &'a Rotated, null: &NullModel, opts: ScanOptions) -> Self {
        Self::with_lambdas(rot, null.reml.0, null.ml.0, opts)
    }

    /// Ordinary least squares with the same covariates: every test at
    /// `lambda = 0` on unrotated data (`rot` from [`Rotated::unrotated`]).
    ///
    /// # Panics
    /// If the covariates are collinear ([`Rotated::unrotated`] refuses them).
    pub fn linear(rot: &'a Rotated, tests: Tests) -> Self {
        let opts = ScanOptions {
            tests,
            mode: Mode::FixedRatio,
            ..ScanOptions::default()
        };
        Self::with_lambdas(rot, 0.0, 0.0, opts)
    }

    /// The fixed-ratio tests on whitened data (`rot` from
    /// [`Rotated::whitened`], eigenvalues zero, so any `lambda` is the
    /// whitening's), without the collinearity filter: the caller applies
    /// it before whitening.
    pub(crate) fn whitened(rot: &'a Rotated, opts: ScanOptions) -> Self {
        assert_eq!(opts.mode, Mode::FixedRatio, "whitened data has no per-variant lambda");
        let mut sc = Self::with_lambdas(rot, 0.0, 0.0, opts);
        sc.filter = None;
        sc
    }

    fn with_lambdas(rot: &'a Rotated, l_wald: f64, l_score: f64, opts: ScanOptions) -> Self {
        let wald_fixed = AtLambda::new(rot, l_wald).expect("null lambda evaluates");
        let score = AtLambda::new(rot, l_score).expect("null lambda evaluates");
        let exact = opts.mode == Mode::Exact;
        let hints = |method| {
            if exact {
                null_maxima(rot, method, &opts.search)
            } else {
                Vec::new()
            }
        };
        let (hints_reml, hints_ml) = (hints(Method::Reml), hints(Method::Ml));
        let points = exact.then(|| {
            let centres: Vec<f64> = hints_reml.iter().chain(&hints_ml).copied().collect();
            Points::new(rot, &opts.search, &centres)
        });
        Self {
            rot,
            opts,
            logl0_ml: score.logl_ml,
            wald_fixed,
            score,
            filter: Some(Collinearity::new(&rot.w, opts.r2_max)),
            points,
            hints_reml,
            hints_ml,
        }
    }

    /// Tests the rotated variants `utx` (`n x B`, column `j` = `Uᵀ x_j`,
    /// `x_j` mean-imputed A1 counts) whose `.bim` positions and counts are
    /// `variants` and `stats`; appends one row per variant that passes the
    /// collinearity filter, in order. `par` runs the block multiplies of
    /// the exact mode (sequential for small blocks); the per-variant loop
    /// runs on the global rayon pool. The results do not depend on the
    /// number of threads.
    pub fn test_block(
        &self,
        utx: MatRef<'_, f64>,
        variants: &[u32],
        stats: &[VariantStats],
        par: Par,
        out: &mut Vec<AssocRow>,
    ) {
        let n = self.rot.n();
        let c = self.rot.n_covariates();
        assert_eq!(utx.nrows(), n);
        let b = utx.ncols();
        let par = if n * b >= 1 << 16 { par } else { Par::Seq };
        let block = self.points.as_ref().map(|p| p.block_sums(utx, par));
        let rows: Vec<Option<AssocRow>> = (0..b)
            .into_par_iter()
            .with_min_len(16)
            .map_init(
                || {
                    (
                        Work::new(n, c + 2),
                        vec![0.0; c],
                        vec![0.0; n],
                        vec![0.0; Points::scratch_len(c)],
                    )
                },
                |(work, t, x, ab), j| {
                    let col = utx.col(j);
                    for i in 0..n {
                        x[i] = col[i];
                    }
                    let sums = block.as_ref().map(|(f, q)| PointSums {
                        fixed: f.col(j).try_as_col_major().expect("contiguous").as_slice(),
                        square: q.col(j).try_as_col_major().expect("contiguous").as_slice(),
                        buf: ab,
                    });
                    self.test_one(x, variants[j], stats[j], work, t, sums)
                },
            )
            .collect();
        out.extend(rows.into_iter().flatten());
    }

    fn test_one(
        &self,
        x: &[f64],
        variant: u32,
        stats: VariantStats,
        work: &mut Work,
        t: &mut [f64],
        sums: Option<PointSums<'_>>,
    ) -> Option<AssocRow> {
        if self.filter.as_ref().is_some_and(|f| f.collinear(x, t)) {
            return None;
        }
        let n = self.rot.n() as f64;
        let df = n - self.rot.n_covariates() as f64 - 1.0;
        let tests = self.opts.tests;
        let mut row = AssocRow::empty(variant, stats);
        if tests.score {
            let (xpy, xpx) = self.score.project(self.rot, x, t);
            let ypy = self.score.ypy;
            row.set(
                Test::Score,
                Statistic::F1 {
                    f: n * xpy * xpy / (xpx * ypy),
                    df,
                },
            );
            let e = Estimate::from_projection(xpy, xpx, ypy, df);
            (row.beta, row.se) = (e.beta, e.se);
        }
        match self.opts.mode {
            Mode::FixedRatio => {
                let (xpy, xpx) = self.wald_fixed.project(self.rot, x, t);
                let e = Estimate::from_projection(xpy, xpx, self.wald_fixed.ypy, df);
                (row.beta, row.se) = (e.beta, e.se);
                if tests.wald {
                    row.set(Test::Wald, Statistic::F1 { f: e.wald(), df });
                }
                if tests.lrt {
                    // ML profile at the fixed lambda: 2 Δl = n ln(yᵀP_W y / yᵀP_{W,x} y)
                    row.set(
                        Test::Lrt,
                        Statistic::Chi2 {
                            x: n * (self.wald_fixed.ypy / e.ypy_h1).ln(),
                        },
                    );
                }
            }
            Mode::Exact => self.exact(x, df, work, sums, &mut row)?,
        }
        // Back to the phenotype's units (the fit saw it standardised).
        let sc = &self.rot.scaling;
        row.beta *= sc.y_sd;
        row.se *= sc.y_sd;
        if row.logl_h1.is_finite() {
            // ML when the LRT ran, else REML with the variant's column too
            row.logl_h1 = sc.loglik(row.logl_h1, if tests.lrt { n } else { df });
        }
        Some(row)
    }

    /// The exact mode's per-variant REML (Wald) and ML (LRT) searches.
    fn exact(
        &self,
        x: &[f64],
        df: f64,
        work: &mut Work,
        sums: Option<PointSums<'_>>,
        row: &mut AssocRow,
    ) -> Option<()> {
        let c = self.rot.n_covariates();
        let tests = self.opts.tests;
        let all = self.points.as_ref();
        let points = all.map_or(&[][..], |p| &p.points[..]);
        let mut cols: Vec<&[f64]> = self.rot.w.iter().map(Vec::as_slice).collect();
        cols.push(x);
        cols.push(&self.rot.y);
        let logdet = logdet_xtx(&cols, work)?;
        work.clear_memo();
        if let (Some(g), Some(all)) = (sums, all) {
            g.prefill(all, c, work);
        }
        let mut obj = SnpObjective {
            data: Columns {
                s: &self.rot.s,
                cols: &cols,
                logdet_xtx: logdet,
            },
            method: Method::Reml,
            work,
            points,
            x: c,
        };
        // The variant's coefficient and `xᵀP_W x` at the last evaluation.
        let fitted = |obj: &SnpObjective<'_, '_>, ypy: f64| {
            let xpx = 1.0 / obj.work.ainv[c * (c + 1) + c];
            Estimate::new(obj.work.beta[c], xpx, ypy, df)
        };
        if tests.wald {
            let opt = maximize(&mut obj, &self.opts.search, &self.hints_reml)?;
            let e = obj.eval(opt.lambda, false, false)?;
            let est = fitted(&obj, e.ypy);
            (row.beta, row.se) = (est.beta, est.se);
            row.set(Test::Wald, Statistic::F1 { f: est.wald(), df });
            row.lambda_remle = opt.lambda;
            row.logl_h1 = opt.f;
        }
        if tests.lrt {
            obj.method = Method::Ml;
            let opt = maximize(&mut obj, &self.opts.search, &self.hints_ml)?;
            row.lambda_mle = opt.lambda;
            row.logl_h1 = opt.f;
            row.set(
                Test::Lrt,
                Statistic::Chi2 {
                    x: 2.0 * (opt.f - self.logl0_ml),
                },
            );
            if !tests.wald && !tests.score {
                let e = obj.eval(opt.lambda, false, false)?;
                let est = fitted(&obj, e.ypy);
                (row.beta, row.se) = (est.beta, est.se);
            }
        }
        Some(())
    }
}

/// The collinearity filter: a variant whose uncentred `r²` with the
/// covariates exceeds `r2_max` is skipped, as GEMMA's `-r2`. An
/// orthogonal rotation keeps `r²`, so it runs on rotated data alike; it
/// applies only with covariates beyond the intercept.
#[derive(Debug)]
pub(crate) struct Collinearity<'a> {
    w: &'a [Vec<f64>],
    /// `(WᵀW)⁻¹`, `c x c`.
    wtw_inv: Vec<f64>,
    r2_max: f64,
}

impl<'a> Collinearity<'a> {
    /// The filter of the covariate columns `w`.
    pub fn new(w: &'a [Vec<f64>], r2_max: f64) -> Self {
        let c = w.len();
        let mut g = vec![0.0; c * c];
        for a in 0..c {
            for b in 0..c {
                g[b * c + a] = w[a].iter().zip(&w[b]).map(|(x, y)| x * y).sum();
            }
        }
        let mut l = vec![0.0; c * c];
        let mut wtw_inv = vec![0.0; c * c];
        let mut tmp = vec![0.0; c];
        if cholesky(&g, c, c, &mut l).is_some() {
            chol_inverse(&l, c, &mut wtw_inv, &mut tmp);
        }
        Self { w, wtw_inv, r2_max }
    }

    /// Number of covariates (the length of the scratch `t`).
    pub fn n_covariates(&self) -> usize {
        self.w.len()
    }

    /// Whether `x` is to be skipped; `t` is scratch of length `c`.
    pub fn collinear(&self, x: &[f64], t: &mut [f64]) -> bool {
        let c = t.len();
        if c <= 1 {
            return false;
        }
        let vx = dot(x, x);
        for (j, tj) in t.iter_mut().enumerate() {
            *tj = dot(&self.w[j], x);
        }
        let mut vw = 0.0;
        for i in 0..c {
            for j in 0..c {
                vw += t[i] * self.wtw_inv[j * c + i] * t[j];
            }
        }
        vw / vx > self.r2_max
    }
}

#[cfg(test)]
mod tests {
    use faer::Mat;

    use super::*;
    use crate::pvalue::f1_sf;

    fn stats() -> VariantStats {
        genotype::AlleleStats {
            n_hom_a1: 1,
            n_het: 1,
            n_hom_a2: 1,
            n_missing: 0,
        }
        .into()
    }

    /// Ordinary least squares by hand: slope, its SE and the F-test p-value
    /// of regressing `y` on an intercept and `x`.
    fn ols(x: &[f64], y: &[f64]) -> (f64, f64, f64) {
        let n = x.len() as f64;
        let mx = x.iter().sum::<f64>() / n;
        let my = y.iter().sum::<f64>() / n;
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
        let syy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
        let beta = sxy / sxx;
        let rss = syy - beta * sxy;
        let se = (rss / (n - 2.0) / sxx).sqrt();
        (beta, se, f1_sf(beta * beta / (se * se), n - 2.0))
    }

    #[test]
    fn linear_scan_is_least_squares() {
        let n = 30;
        let names = vec!["intercept".to_string()];
        let w = Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.9).sin() + 0.05 * i as f64).collect();
        let rot = Rotated::unrotated(w.as_ref(), &names, &y).expect("valid");
        let xs = Mat::<f64>::from_fn(n, 3, |i, j| ((i * (j + 1) * 7 + j) % 5) as f64 / 2.0);
        let sc = Scanner::linear(&rot, Tests::ALL);
        let mut rows = Vec::new();
        sc.test_block(xs.as_ref(), &[7, 8, 9], &[stats(); 3], Par::Seq, &mut rows);
        assert_eq!(rows.iter().map(|r| r.variant).collect::<Vec<_>>(), [7, 8, 9]);
        for (j, r) in rows.iter().enumerate() {
            let x: Vec<f64> = (0..n).map(|i| xs[(i, j)]).collect();
            let (beta, se, p) = ols(&x, &y);
            assert!((r.beta - beta).abs() < 1e-12 && (r.se - se).abs() < 1e-12, "{j}");
            let pw = r.p_wald.expect("wald ran");
            assert!((pw.log10() - p.log10()).abs() < 1e-10, "{pw} vs {p}");
            assert!(r.p_lrt.is_some() && r.p_score.is_some());
            assert!(r.lambda_remle.is_nan(), "no per-variant lambda at a fixed ratio");
        }
    }

    /// The exact scan's series around the null maxima give the results of
    /// summing at every `lambda` directly (a scanner without expansions):
    /// p-values within 1e-9 in log10, `lambda`s within 1e-7 relative.
    #[test]
    fn series_equal_direct_sums_in_the_exact_scan() {
        use crate::null_model::{fit_null, tests::problem};
        let n = 150;
        let rot = problem(n);
        let null = fit_null(&rot, Method::Reml, &Default::default()).expect("fits");
        let b = 40;
        let xs = Mat::<f64>::from_fn(n, b, |i, j| {
            let effect = if j % 5 == 0 { 0.5 } else { 0.0 };
            ((i * (j + 3)) as f64 * 0.37 + j as f64).sin() + effect * rot.y[i]
        });
        let opts = ScanOptions {
            tests: Tests::ALL,
            ..ScanOptions::default()
        };
        let series = Scanner::new(&rot, &null, opts);
        let n_exp = series.points.as_ref().map_or(0, |p| p.expansions.len());
        assert!(n_exp >= 1, "the null likelihoods have interior maxima");
        let mut direct = Scanner::new(&rot, &null, opts);
        direct.points = Some(Points::new(&rot, &opts.search, &[]));
        let ids: Vec<u32> = (0..b as u32).collect();
        let (mut a, mut d) = (Vec::new(), Vec::new());
        series.test_block(xs.as_ref(), &ids, &vec![stats(); b], Par::Seq, &mut a);
        direct.test_block(xs.as_ref(), &ids, &vec![stats(); b], Par::Seq, &mut d);
        assert_eq!(a.len(), b);
        assert_eq!(d.len(), b);
        let lg = |p: Option<f64>| p.expect("tested").log10();
        for (r, q) in a.iter().zip(&d) {
            for (u, v) in [(r.p_wald, q.p_wald), (r.p_lrt, q.p_lrt), (r.p_score, q.p_score)] {
                assert!((lg(u) - lg(v)).abs() < 1e-9, "{}: {u:?} vs {v:?}", r.variant);
            }
            assert!((r.lambda_remle / q.lambda_remle - 1.0).abs() < 1e-7);
            assert!((r.lambda_mle / q.lambda_mle - 1.0).abs() < 1e-7);
            assert!((r.beta - q.beta).abs() < 1e-9 * q.beta.abs().max(1e-3));
        }
    }

    /// A variant (almost) equal to a covariate is skipped, not tested.
    #[test]
    fn collinear_variants_are_skipped() {
        let n = 20;
        let names = vec!["intercept".to_string(), "c".to_string()];
        let w = Mat::<f64>::from_fn(n, 2, |i, j| if j == 0 { 1.0 } else { (i % 3) as f64 });
        let y: Vec<f64> = (0..n).map(|i| (i as f64).sqrt()).collect();
        let rot = Rotated::unrotated(w.as_ref(), &names, &y).expect("valid");
        let xs = Mat::<f64>::from_fn(n, 2, |i, j| if j == 0 { (i % 3) as f64 } else { (i % 2) as f64 });
        let mut rows = Vec::new();
        Scanner::linear(&rot, Tests::WALD).test_block(xs.as_ref(), &[0, 1], &[stats(); 2], Par::Seq, &mut rows);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].variant, 1);
    }
}
