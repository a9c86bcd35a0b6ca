//! Per-variant tests on rotated data: Wald (REML lambda per variant), LRT
//! (ML lambda per variant), score (null lambda), and the fixed-ratio mode
//! that keeps the null lambda for every variant.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use genotype::AlleleStats;
use rayon::prelude::*;

use crate::likelihood::{evaluate, evaluate_cached, logdet_xtx, Columns, GridPoint, LikEval, Method, Need, Work};
use crate::null_model::{NullModel, Rotated};
use crate::optimize::{maximize, Objective, Search};
use crate::pvalue::{chi2_1_sf, f1_sf};

/// Which tests to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tests {
    /// Wald test (GEMMA `-lmm 1`).
    pub wald: bool,
    /// Likelihood-ratio test (GEMMA `-lmm 2`).
    pub lrt: bool,
    /// Score test (GEMMA `-lmm 3`).
    pub score: bool,
}

impl Tests {
    /// All three (GEMMA `-lmm 4`).
    pub const ALL: Tests = Tests {
        wald: true,
        lrt: true,
        score: true,
    };
    /// Wald only.
    pub const WALD: Tests = Tests {
        wald: true,
        lrt: false,
        score: false,
    };
}

/// How `lambda` is chosen per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Re-estimated for every variant (GEMMA).
    Exact,
    /// The null model's, for every variant (EMMAX / FaST-LMM).
    FixedRatio,
}

/// Options of a scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Tests to run.
    pub tests: Tests,
    /// Per-variant or fixed `lambda`.
    pub mode: Mode,
    /// Search range for per-variant `lambda`.
    pub search: Search,
    /// Skip variants whose `r²` with the covariates (uncentred, as GEMMA)
    /// exceeds this; only applies with covariates beyond the intercept.
    pub r2_max: f64,
    /// Arithmetic of the rotation `Uᵀ X`: `F32` (default: twice the
    /// multiply rate of f64 on the scan's dominant cost; variants are
    /// centred before rounding and the f32 products carry ~1e-6 relative
    /// error, which moves p-values by a few 1e-6 in log10) or `F64`
    /// (GEMMA's arithmetic, for digit-by-digit comparison).
    pub rotation: kinship::Precision,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            tests: Tests::WALD,
            mode: Mode::Exact,
            search: Search::default(),
            r2_max: 0.9999,
            rotation: kinship::Precision::F32,
        }
    }
}

/// One variant's results. Fields not computed are `NaN` (or `None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssocRow {
    /// `.bim` position of the variant.
    pub variant: u32,
    /// Genotype counts over the analysed samples.
    pub stats: AlleleStats,
    /// Effect of one more copy of A1.
    pub beta: f64,
    /// Standard error of `beta`.
    pub se: f64,
    /// Log-likelihood under H1 (ML when the LRT ran, else REML).
    pub logl_h1: f64,
    /// Per-variant REML `lambda` (Wald).
    pub lambda_remle: f64,
    /// Per-variant ML `lambda` (LRT).
    pub lambda_mle: f64,
    /// Wald p-value.
    pub p_wald: Option<f64>,
    /// Likelihood-ratio p-value.
    pub p_lrt: Option<f64>,
    /// Score p-value.
    pub p_score: Option<f64>,
}

/// Quantities of the null projection `P_W` at a fixed `lambda`, for O(n c)
/// tests per variant.
#[derive(Debug, Clone)]
struct AtLambda {
    /// `1 / (lambda s_i + 1)`.
    w: Vec<f64>,
    /// `P_W y`.
    py: Vec<f64>,
    /// `(Wᵀ D⁻¹ W)⁻¹`, `c x c`.
    ainv: Vec<f64>,
    /// `yᵀ P_W y`.
    ypy: f64,
}

impl AtLambda {
    fn new(rot: &Rotated, lambda: f64) -> Option<Self> {
        let n = rot.n();
        let c = rot.n_covariates();
        let cols = rot.columns();
        let mut work = Work::new(n, c + 1);
        let data = Columns {
            s: &rot.s,
            cols: &cols,
            logdet_xtx: 0.0,
        };
        let e = evaluate(&data, lambda, Method::Ml, Need { f: false, d2: false }, &mut work)?;
        let w: Vec<f64> = rot.s.iter().map(|&s| 1.0 / (lambda * s + 1.0)).collect();
        let py = (0..n)
            .map(|i| w[i] * (rot.y[i] - (0..c).map(|j| rot.w[j][i] * work.beta[j]).sum::<f64>()))
            .collect();
        Some(Self {
            w,
            py,
            ainv: work.ainv[..c * c].to_vec(),
            ypy: e.ypy,
        })
    }

    /// `(xᵀ P_W y, xᵀ P_W x)`.
    fn project(&self, rot: &Rotated, x: &[f64], t: &mut [f64]) -> (f64, f64) {
        let c = t.len();
        let mut xpy = 0.0;
        let mut xdx = 0.0;
        for ((xi, pyi), wi) in x.iter().zip(&self.py).zip(&self.w) {
            xpy += xi * pyi;
            xdx += wi * xi * xi;
        }
        for (j, tj) in t.iter_mut().enumerate() {
            *tj = rot.w[j].iter().zip(x).zip(&self.w).map(|((a, b), w)| a * b * w).sum();
        }
        let mut quad = 0.0;
        for i in 0..c {
            for j in 0..c {
                quad += t[i] * self.ainv[j * c + i] * t[j];
            }
        }
        (xpy, xdx - quad)
    }
}

/// Runs the tests for one phenotype over blocks of rotated variants.
#[derive(Debug)]
pub struct Scanner<'a> {
    rot: &'a Rotated,
    opts: ScanOptions,
    /// Null ML log-likelihood (LRT baseline).
    logl0_ml: f64,
    /// `lambda` of the fixed-ratio Wald test (null REML).
    wald_fixed: AtLambda,
    /// `lambda` of the score test (null ML, as GEMMA).
    score: AtLambda,
    /// `(WᵀW)⁻¹` for the collinearity filter.
    wtw_inv: Vec<f64>,
    /// Weights and covariate/phenotype sums at the lambdas every variant
    /// visits (exact mode): the search grid, then the two null lambdas
    /// where the REML and ML root searches start.
    points: Vec<GridPoint>,
    /// The points' weights times the fixed columns, `n x 3P(c+1)`: column
    /// `3(k(c+1) + o) + t` is `w_t(lambda_k) ⊙ col_o` (`t` = 0, 1, 2 for
    /// `1/d`, `s/d²`, `s²/d³`; `o` over the covariates then `y`). One
    /// multiply of a block of rotated variants by it gives every variant's
    /// sums at every point.
    point_fixed: Mat<f64>,
    /// The points' weights alone, `n x 3P` (column `3k + t`), for the sums of `x²`.
    point_weights: Mat<f64>,
    /// Null REML and ML `lambda`: where per-variant root searches start.
    hint_reml: f64,
    hint_ml: f64,
}

impl<'a> Scanner<'a> {
    /// A scanner for the phenotype `rot` with its fitted null model.
    ///
    /// # Panics
    /// If the null model's `lambda` cannot be evaluated (it just was).
    pub fn new(rot: &'a Rotated, null: &NullModel, opts: ScanOptions) -> Self {
        Self::with_lambdas(rot, null.reml.0, null.ml.0, null.ml.1, opts)
    }

    /// Ordinary least squares with the same covariates: every test at
    /// `lambda = 0` on unrotated data (`rot` from [`Rotated::unrotated`]).
    pub fn linear(rot: &'a Rotated, tests: Tests) -> Self {
        let opts = ScanOptions {
            tests,
            mode: Mode::FixedRatio,
            ..ScanOptions::default()
        };
        let n = rot.n() as f64;
        let at0 = AtLambda::new(rot, 0.0).expect("covariates were checked");
        let logl0 = -0.5 * n * at0.ypy.ln();
        Self::with_lambdas(rot, 0.0, 0.0, logl0, opts)
    }

    fn with_lambdas(rot: &'a Rotated, l_wald: f64, l_score: f64, logl0_ml: f64, opts: ScanOptions) -> Self {
        let c = rot.n_covariates();
        let wald_fixed = AtLambda::new(rot, l_wald).expect("null lambda evaluates");
        let score = AtLambda::new(rot, l_score).expect("null lambda evaluates");
        let mut g = vec![0.0; c * c];
        for a in 0..c {
            for b in 0..c {
                g[b * c + a] = rot.w[a].iter().zip(&rot.w[b]).map(|(x, y)| x * y).sum();
            }
        }
        let mut l = vec![0.0; c * c];
        let mut wtw_inv = vec![0.0; c * c];
        let mut tmp = vec![0.0; c];
        if crate::likelihood::cholesky(&g, c, c, &mut l).is_some() {
            crate::likelihood::chol_inverse(&l, c, &mut wtw_inv, &mut tmp);
        }
        let points: Vec<GridPoint> = if opts.mode == Mode::Exact {
            let zero = vec![0.0; rot.n()];
            let mut cols: Vec<&[f64]> = rot.w.iter().map(Vec::as_slice).collect();
            cols.push(&zero);
            cols.push(&rot.y);
            let mut lambdas = opts.search.grid();
            lambdas.extend([l_wald, l_score]);
            lambdas
                .into_iter()
                .map(|l| GridPoint::new(&rot.s, &cols, c, l))
                .collect()
        } else {
            Vec::new()
        };
        let n = rot.n();
        let fixed_cols = rot.columns();
        let weight = |p: &GridPoint, t: usize, i: usize| match t {
            0 => p.weights.w1[i],
            1 => p.weights.w2[i],
            _ => p.weights.w3[i],
        };
        let point_fixed = Mat::from_fn(n, 3 * points.len() * (c + 1), |i, j| {
            let (t, ko) = (j % 3, j / 3);
            let (k, o) = (ko / (c + 1), ko % (c + 1));
            weight(&points[k], t, i) * fixed_cols[o][i]
        });
        let point_weights = Mat::from_fn(n, 3 * points.len(), |i, j| weight(&points[j / 3], j % 3, i));
        Self {
            rot,
            opts,
            logl0_ml,
            wald_fixed,
            score,
            wtw_inv,
            points,
            point_fixed,
            point_weights,
            hint_reml: l_wald,
            hint_ml: l_score,
        }
    }

    /// Tests the rotated variants `utx` (`n x B`, column `j` = `Uᵀ x_j`,
    /// `x_j` mean-imputed A1 counts) whose `.bim` positions and counts are
    /// `variants` and `stats`; appends one row per variant that passes the
    /// collinearity filter, in order. Parallel over variants; the results do
    /// not depend on the number of threads.
    pub fn test_block(&self, utx: MatRef<'_, f64>, variants: &[u32], stats: &[AlleleStats], out: &mut Vec<AssocRow>) {
        let n = self.rot.n();
        let c = self.rot.n_covariates();
        assert_eq!(utx.nrows(), n);
        let b = utx.ncols();
        // Exact mode: every variant's sums at every grid lambda and at the
        // roots' starting points, as two matrix multiplies for the whole
        // block (instead of O(n) dot products per variant and point).
        let point_sums = (self.opts.mode == Mode::Exact && !self.points.is_empty()).then(|| {
            let mut with_fixed = Mat::<f64>::zeros(self.point_fixed.ncols(), b);
            matmul(
                with_fixed.as_mut(),
                Accum::Replace,
                self.point_fixed.transpose(),
                utx,
                1.0,
                par_for(n, b),
            );
            let squares = Mat::<f64>::from_fn(n, b, |i, j| utx[(i, j)] * utx[(i, j)]);
            let mut with_square = Mat::<f64>::zeros(self.point_weights.ncols(), b);
            matmul(
                with_square.as_mut(),
                Accum::Replace,
                self.point_weights.transpose(),
                squares.as_ref(),
                1.0,
                par_for(n, b),
            );
            (with_fixed, with_square)
        });
        let rows: Vec<Option<AssocRow>> = (0..b)
            .into_par_iter()
            .with_min_len(16)
            .map_init(
                || (Work::new(n, c + 2), vec![0.0; c], vec![0.0; n], vec![0.0; 3 * (c + 2)]),
                |(work, t, x, ab), j| {
                    let col = utx.col(j);
                    for i in 0..n {
                        x[i] = col[i];
                    }
                    let sums = point_sums.as_ref().map(|(f, q)| PointSums {
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

    fn collinear(&self, x: &[f64], t: &mut [f64]) -> bool {
        let c = t.len();
        if c <= 1 {
            return false;
        }
        let vx: f64 = x.iter().map(|v| v * v).sum();
        for (j, tj) in t.iter_mut().enumerate() {
            *tj = self.rot.w[j].iter().zip(x).map(|(a, b)| a * b).sum();
        }
        let mut vw = 0.0;
        for i in 0..c {
            for j in 0..c {
                vw += t[i] * self.wtw_inv[j * c + i] * t[j];
            }
        }
        vw / vx > self.opts.r2_max
    }

    fn test_one(
        &self,
        x: &[f64],
        variant: u32,
        stats: AlleleStats,
        work: &mut Work,
        t: &mut [f64],
        sums: Option<PointSums<'_>>,
    ) -> Option<AssocRow> {
        if self.collinear(x, t) {
            return None;
        }
        let n = self.rot.n() as f64;
        let c = self.rot.n_covariates();
        let df = n - c as f64 - 1.0;
        let tests = self.opts.tests;
        let mut row = AssocRow {
            variant,
            stats,
            beta: f64::NAN,
            se: f64::NAN,
            logl_h1: f64::NAN,
            lambda_remle: f64::NAN,
            lambda_mle: f64::NAN,
            p_wald: None,
            p_lrt: None,
            p_score: None,
        };
        if tests.score {
            let (xpy, xpx) = self.score.project(self.rot, x, t);
            let ypy = self.score.ypy;
            row.p_score = Some(f1_sf(n * xpy * xpy / (xpx * ypy), df));
            let tau = df / (ypy - xpy * xpy / xpx);
            row.beta = xpy / xpx;
            row.se = (1.0 / (tau * xpx)).sqrt();
        }
        match self.opts.mode {
            Mode::FixedRatio => {
                let (xpy, xpx) = self.wald_fixed.project(self.rot, x, t);
                let ypy1 = self.wald_fixed.ypy - xpy * xpy / xpx;
                let tau = df / ypy1;
                row.beta = xpy / xpx;
                row.se = (1.0 / (tau * xpx)).sqrt();
                if tests.wald {
                    row.p_wald = Some(f1_sf(row.beta * row.beta * xpx * tau, df));
                }
                if tests.lrt {
                    // ML profile at the fixed lambda: 2 Δl = n ln(yᵀP_W y / yᵀP_{W,x} y)
                    row.p_lrt = Some(chi2_1_sf(n * (self.wald_fixed.ypy / ypy1).ln()));
                }
            }
            Mode::Exact => {
                let mut cols: Vec<&[f64]> = self.rot.w.iter().map(Vec::as_slice).collect();
                cols.push(x);
                cols.push(&self.rot.y);
                let logdet = logdet_xtx(&cols, work)?;
                work.clear_memo();
                if let Some(g) = sums {
                    g.prefill(&self.points, c, work);
                }
                let mut obj = SnpObjective {
                    data: Columns {
                        s: &self.rot.s,
                        cols: &cols,
                        logdet_xtx: logdet,
                    },
                    method: Method::Reml,
                    work,
                    points: &self.points,
                    x: c,
                };
                if tests.wald {
                    let opt = maximize(&mut obj, &self.opts.search, Some(self.hint_reml))?;
                    let e = obj.eval(opt.lambda, false, false)?;
                    let k = c + 1;
                    let xpx = 1.0 / obj.work.ainv[c * k + c];
                    let beta = obj.work.beta[c];
                    let tau = df / e.ypy;
                    row.beta = beta;
                    row.se = (1.0 / (tau * xpx)).sqrt();
                    row.p_wald = Some(f1_sf(beta * beta * xpx * tau, df));
                    row.lambda_remle = opt.lambda;
                    row.logl_h1 = opt.f;
                }
                if tests.lrt {
                    obj.method = Method::Ml;
                    let opt = maximize(&mut obj, &self.opts.search, Some(self.hint_ml))?;
                    row.lambda_mle = opt.lambda;
                    row.logl_h1 = opt.f;
                    row.p_lrt = Some(chi2_1_sf(2.0 * (opt.f - self.logl0_ml)));
                    if !tests.wald && !tests.score {
                        let e = obj.eval(opt.lambda, false, false)?;
                        let k = c + 1;
                        let xpx = 1.0 / obj.work.ainv[c * k + c];
                        row.beta = obj.work.beta[c];
                        row.se = (1.0 / (df / e.ypy * xpx)).sqrt();
                    }
                }
            }
        }
        Some(row)
    }
}

/// One variant's block-computed sums at the cached points (see
/// `Scanner::point_fixed`).
struct PointSums<'a> {
    /// Column of `point_fixedᵀ Uᵀx`.
    fixed: &'a [f64],
    /// Column of `point_weightsᵀ (Uᵀx)²`.
    square: &'a [f64],
    /// Scratch, `3 (c + 2)`.
    buf: &'a mut [f64],
}

impl PointSums<'_> {
    /// Memoises the sums of every cached point in `work` (columns: `c`
    /// covariates, the variant, `y`).
    fn prefill(self, points: &[GridPoint], c: usize, work: &mut Work) {
        let m = c + 2;
        let (ax, rest) = self.buf.split_at_mut(m);
        let (bx, cx) = rest.split_at_mut(m);
        for (k, point) in points.iter().enumerate() {
            for o in 0..=c {
                let at = 3 * (k * (c + 1) + o);
                // other column `o` of the fixed ones: covariates, then y (index c + 1)
                let col = if o < c { o } else { c + 1 };
                ax[col] = self.fixed[at];
                bx[col] = self.fixed[at + 1];
                cx[col] = self.fixed[at + 2];
            }
            ax[c] = self.square[3 * k];
            bx[c] = self.square[3 * k + 1];
            cx[c] = self.square[3 * k + 2];
            work.prefill(k, point, m, c, [&*ax, &*bx, &*cx]);
        }
    }
}

/// Threads for a block multiply of `n` samples by `b` variants: parallel
/// unless tiny. (The sums do not depend on it: faer splits the output, not
/// the inner dimension.)
fn par_for(n: usize, b: usize) -> Par {
    if n * b >= 1 << 16 {
        Par::rayon(0)
    } else {
        Par::Seq
    }
}

struct SnpObjective<'a, 'w> {
    data: Columns<'a>,
    method: Method,
    work: &'w mut Work,
    points: &'a [GridPoint],
    /// Index of the variant's column.
    x: usize,
}

impl Objective for SnpObjective<'_, '_> {
    fn eval(&mut self, lambda: f64, need_f: bool, need_d2: bool) -> Option<LikEval> {
        let point = self
            .points
            .iter()
            .enumerate()
            .find(|(_, g)| g.weights.lambda == lambda)
            .map(|(k, g)| (self.x, k, g));
        evaluate_cached(
            &self.data,
            lambda,
            self.method,
            Need { f: need_f, d2: need_d2 },
            self.work,
            point,
        )
    }
}

/// `out = Uᵀ x` for a block of variants (the scan's dominant cost: one
/// parallel matrix multiply per block).
pub fn rotate_block(u: MatRef<'_, f64>, x: MatRef<'_, f64>, out: MatMut<'_, f64>, par: Par) {
    faer::linalg::matmul::matmul(out, faer::Accum::Replace, u.transpose(), x, 1.0, par);
}
