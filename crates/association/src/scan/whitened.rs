//! Fixed-ratio scans without an eigendecomposition.
//!
//! With the variance ratio `lambda` fixed, every statistic of a fixed-ratio
//! test is an inner product under `H⁻¹`, `H = lambda K + I`. With the
//! Cholesky factor `L` (`L Lᵀ = H`), the whitened data `L⁻¹y`, `L⁻¹W`,
//! `L⁻¹x` have covariance `sigma_e2 I`, so the fixed-ratio tests are the
//! same formulas at eigenvalues zero ([`Scanner::whitened`]). One
//! factorisation (`n³/3` flops, against about `4n³` and a memory-bound
//! reduction for an eigendecomposition) and one triangular solve per
//! variant block (`n²` flops per variant in f64: the time of the f32
//! rotation `Uᵀx`, which costs `2n²`) replace the decomposition. This is
//! what makes a LOCO scan at the whole genome's ratio cost one
//! factorisation per chromosome.
//!
//! The score test uses the null ML `lambda`, the Wald and likelihood-ratio
//! tests the null REML one: with the score test asked for, a second
//! factorisation runs at the ML `lambda` and its rows lend their score
//! columns. The collinearity filter is an `r²` on the data before
//! whitening (whitening is not a rotation, so `r²` is not preserved by
//! it); it keeps exactly the variants the eigenbasis scan keeps.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, MatMut, MatRef, Par};
use genotype::{Dataset, Encoding, Progress, SampleSubset, VariantStats};

use super::options::{AssocRow, Mode, ScanOptions, Test, Tests};
use super::scanner::{Collinearity, Scanner};
use super::SCAN_BLOCK;
use crate::error::{Error, Result};
use crate::fit::{with_pheno, PhenoFit};
use crate::group::Group;
use crate::null_model::Rotated;

/// The Cholesky factor of `H = lambda K + I` for a symmetric `K`, for
/// one `lambda` at a time, made in place of `K` (faer's factorisation
/// also writes the upper triangle). When more than one `lambda` is to be
/// factored, `K`'s lower triangle is kept packed (half an `n x n` matrix)
/// to start each one from.
#[derive(Debug)]
pub(crate) struct Whitener {
    m: Mat<f64>,
    /// `K`'s lower triangle, column by column, when kept.
    packed: Option<Vec<f64>>,
    /// Whether `m` still holds `K`.
    pristine: bool,
}

impl Whitener {
    /// Takes `k` (`n x n`, symmetric, lower triangle read); `keep`: more
    /// than one `lambda` will be factored.
    pub fn new(k: Mat<f64>, keep: bool) -> Self {
        let n = k.nrows();
        let packed = keep.then(|| {
            (0..n)
                .flat_map(|j| (j..n).map(move |i| (i, j)))
                .map(|(i, j)| k[(i, j)])
                .collect()
        });
        Self {
            m: k,
            packed,
            pristine: true,
        }
    }

    /// Factors `lambda K + I` (the previous factor is overwritten).
    ///
    /// `par` is replaced by a fixed split (as the eigensolver's, see
    /// [`crate::Eigen::decompose`]) so that the factor does not depend on
    /// the number of threads.
    ///
    /// # Errors
    /// `NoConvergence` when `lambda K + I` is not positive definite (`K`
    /// far from positive semi-definite).
    ///
    /// # Panics
    /// On a second `lambda` when `K` was not kept.
    pub fn factor(&mut self, lambda: f64, par: Par) -> Result<()> {
        let n = self.m.nrows();
        if !self.pristine {
            let packed = self.packed.as_ref().expect("K kept for a second lambda");
            let mut at = 0;
            for j in 0..n {
                let col = self
                    .m
                    .col_mut(j)
                    .try_as_col_major_mut()
                    .expect("contiguous")
                    .as_slice_mut();
                col[j..].copy_from_slice(&packed[at..at + n - j]);
                at += n - j;
            }
        }
        self.pristine = false;
        for j in 0..n {
            let col = self
                .m
                .col_mut(j)
                .try_as_col_major_mut()
                .expect("contiguous")
                .as_slice_mut();
            col[j] = lambda * col[j] + 1.0;
            for v in &mut col[j + 1..] {
                *v *= lambda;
            }
        }
        let par = fixed_split(par);
        let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(n, par, Default::default()));
        cholesky_in_place(
            self.m.as_mut(),
            Default::default(),
            par,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .map_err(|_| {
            Error::NoConvergence(format!(
                "lambda K + I is not positive definite at lambda = {lambda:e}: the GRM is not positive semi-definite"
            ))
        })?;
        Ok(())
    }

    /// `x <- L⁻¹ x`.
    pub fn solve(&self, x: MatMut<'_, f64>, par: Par) {
        solve_lower_triangular_in_place(self.m.as_ref(), x, fixed_split(par));
    }
}

fn fixed_split(par: Par) -> Par {
    match par {
        Par::Seq => Par::Seq,
        _ => Par::rayon(crate::eigen::EIGEN_SPLIT),
    }
}

/// The fixed-ratio scan of `variants` for every fitted phenotype of
/// `group`, at each fit's own null `lambda`s, against the centred GRM `k`
/// (both triangles). Rows as [`super::scan_variants`] gives them with the
/// eigendecomposition of `k`.
///
/// # Errors
/// `NoConvergence` when `lambda K + I` cannot be factored; `Degenerate`
/// for a design the fits accepted (not expected); `Genotype` from the
/// decoder.
#[allow(clippy::too_many_arguments)] // the scan's inputs, one argument each
pub(crate) fn scan_whitened(
    ds: &Dataset,
    group: &Group,
    k: Mat<f64>,
    fits: &[PhenoFit],
    opts: ScanOptions,
    variants: &[u32],
    par: Par,
    progress: &dyn Progress,
) -> Result<Vec<Vec<AssocRow>>> {
    assert_eq!(opts.mode, Mode::FixedRatio, "a whitened scan is at a fixed ratio");
    let passes_each = usize::from(opts.tests.wald || opts.tests.lrt) + usize::from(opts.tests.score);
    let mut wh = Whitener::new(k, fits.len() * passes_each > 1);
    let (w, names) = group.design(ds);
    let subset = SampleSubset::new(group.samples.clone(), ds.n_samples());
    let g = ds.decoder(&subset);
    let n = group.samples.len();
    let t = opts.tests;
    let mut out = Vec::with_capacity(fits.len());
    let mut counted = false;
    for f in fits {
        let y = group.values(ds, f.phenotype);
        let name = &ds.phenotypes[f.phenotype].name;
        let raw = Rotated::unrotated(w.as_ref(), &names, &y).map_err(|e| with_pheno(e, name))?;
        let filter = Collinearity::new(&raw.w, opts.r2_max);
        let mut passes = Vec::new();
        if t.wald || t.lrt {
            passes.push((f.null.reml.0, Tests { score: false, ..t }));
        }
        if t.score {
            passes.push((f.null.ml.0, Tests::SCORE));
        }
        let mut rows: Option<Vec<AssocRow>> = None;
        for (lambda, tests) in passes {
            wh.factor(lambda, par)?;
            let rot = Rotated::whitened(&raw, |m| wh.solve(m, par)).map_err(|e| with_pheno(e, name))?;
            let sc = Scanner::whitened(&rot, ScanOptions { tests, ..opts });
            let mut got = Vec::with_capacity(variants.len());
            let mut block = Block::new(n, SCAN_BLOCK.min(variants.len().max(1)));
            for chunk in variants.chunks(block.cap) {
                let kept = block.fill(&g, chunk, &filter)?;
                wh.solve(block.x.as_mut().subcols_mut(0, kept), par);
                let x = block.x.as_ref().subcols(0, kept);
                sc.test_block(x, &block.variants[..kept], &block.stats[..kept], par, &mut got);
                if !counted {
                    progress.inc(chunk.len() as u64);
                }
            }
            counted = true;
            rows = Some(match rows {
                None => got,
                Some(mut first) => {
                    lend_score(&mut first, &got);
                    first
                }
            });
        }
        out.push(rows.unwrap_or_default());
    }
    Ok(out)
}

/// Copies the score columns of `score` (same variants, same order) into
/// `rows`.
fn lend_score(rows: &mut [AssocRow], score: &[AssocRow]) {
    assert_eq!(rows.len(), score.len(), "both passes keep the same variants");
    for (r, s) in rows.iter_mut().zip(score) {
        debug_assert_eq!(r.variant, s.variant);
        r.p_score = s.p_score;
        r.statistics[Test::Score as usize] = s.statistics[Test::Score as usize];
    }
}

/// One block of decoded variants, the collinear ones dropped.
struct Block {
    cap: usize,
    raw: Vec<f64>,
    raw_stats: Vec<VariantStats>,
    x: Mat<f64>,
    variants: Vec<u32>,
    stats: Vec<VariantStats>,
}

impl Block {
    fn new(n: usize, cap: usize) -> Self {
        Self {
            cap,
            raw: vec![0.0; n * cap],
            raw_stats: vec![VariantStats::default(); cap],
            x: Mat::zeros(n, cap),
            variants: Vec::with_capacity(cap),
            stats: Vec::with_capacity(cap),
        }
    }

    /// Decodes `chunk` (mean-imputed A1 counts) and keeps in the first
    /// columns of `x` those `filter` passes; returns how many.
    fn fill(&mut self, g: &genotype::Decoder<'_>, chunk: &[u32], filter: &Collinearity<'_>) -> Result<usize> {
        let n = self.x.nrows();
        let b = chunk.len();
        g.decode_block(
            chunk,
            Encoding::MeanImputed,
            &mut self.raw[..n * b],
            &mut self.raw_stats[..b],
        )?;
        let raw = MatRef::from_column_major_slice(&self.raw[..n * b], n, b);
        self.variants.clear();
        self.stats.clear();
        let mut t = vec![0.0; filter.n_covariates()];
        for (j, &v) in chunk.iter().enumerate() {
            let col = raw.col(j).try_as_col_major().expect("contiguous").as_slice();
            if filter.collinear(col, &mut t) {
                continue;
            }
            let k = self.variants.len();
            self.x.as_mut().col_mut(k).copy_from(raw.col(j));
            self.variants.push(v);
            self.stats.push(self.raw_stats[j]);
        }
        Ok(self.variants.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Mat<f64> {
        let z = Mat::<f64>::from_fn(n, 2 * n, |i, j| ((i * 7 + j * 3) % 5) as f64 - 2.0);
        let k = &z * z.transpose() * (1.0 / (2 * n) as f64);
        let mut k = k;
        crate::eigen::center(&mut k);
        k
    }

    /// The factor is that of `lambda K + I` through any number of
    /// factorisations, and the solve inverts `L`.
    #[test]
    fn every_factor_is_of_lambda_k_plus_i() {
        for n in [1, 5, 70, 150] {
            let k = spd(n);
            let mut wh = Whitener::new(k.clone(), true);
            for lambda in [0.3, 4.0, 1e-3] {
                wh.factor(lambda, Par::Seq).expect("positive definite");
                let h = Mat::<f64>::from_fn(n, n, |i, j| lambda * k[(i, j)] + f64::from(u8::from(i == j)));
                let mut x = Mat::<f64>::from_fn(n, 3, |i, j| ((i + 2 * j) % 4) as f64);
                let want = x.clone();
                wh.solve(x.as_mut(), Par::Seq);
                // L L' (L⁻¹ x) ... check H (L⁻ᵀ L⁻¹ x) = x through a second solve
                let l = Mat::<f64>::from_fn(n, n, |i, j| if i >= j { wh.m[(i, j)] } else { 0.0 });
                let back = &l * &x;
                assert!((&back - &want).norm_max() < 1e-10, "n {n} lambda {lambda}");
                let llt = &l * l.transpose();
                assert!((&llt - &h).norm_max() < 1e-10 * (1.0 + lambda * k.norm_max()));
            }
        }
    }

    /// A matrix far from positive semi-definite is refused, not factored.
    #[test]
    fn an_indefinite_matrix_is_refused() {
        let k = Mat::<f64>::from_fn(3, 3, |i, j| if i == j { -2.0 } else { 0.0 });
        let mut wh = Whitener::new(k, false);
        let e = wh.factor(1.0, Par::Seq).expect_err("-2 + 1 < 0");
        assert!(e.to_string().contains("not positive definite"), "{e}");
    }

    /// Parallel and sequential factors and solves are bit-identical.
    #[test]
    fn results_do_not_depend_on_the_split() {
        let n = 300;
        let k = spd(n);
        let mut a = Whitener::new(k.clone(), false);
        let mut b = Whitener::new(k, false);
        a.factor(2.0, Par::rayon(1)).expect("pd");
        b.factor(2.0, Par::rayon(2)).expect("pd");
        let mut xa = Mat::<f64>::from_fn(n, 40, |i, j| ((i * 3 + j) % 3) as f64);
        let mut xb = xa.clone();
        a.solve(xa.as_mut(), Par::rayon(1));
        b.solve(xb.as_mut(), Par::rayon(2));
        assert_eq!(xa, xb);
    }

    /// The whitened scan equals the eigenbasis scan (its rotation in f64)
    /// at the same `lambda`s: every test of every variant within 1e-6 in
    /// log10 p (the bar; they agree to ~1e-9), two phenotypes with
    /// two covariates, and with the collinearity filter dropping variants
    /// (`r2_max` 0.75: about 40% kept) the same ones dropped.
    #[test]
    fn whitened_scan_equals_the_eigenbasis_scan_at_the_same_lambdas() {
        use genotype::{NoProgress, PhenoSelect, PhenoSpec, Qc, SampleFilter, VariantFilter};
        use kinship::{GrmKind, Precision};

        use crate::likelihood::Method;
        use crate::optimize::Search;
        use crate::prepare::GrmSource;
        use crate::scan::{scan_variants, Fitted, Model};

        let dir = tempfile::tempdir().expect("temp dir");
        let prefix = crate::analysis::tests::simulate_small(dir.path(), |cfg| cfg.n_phenos = 2);
        let spec = PhenoSpec {
            file: Some(dir.path().join("sim.pheno.tsv")),
            select: PhenoSelect::All,
            covar: Some(dir.path().join("sim.covar.tsv")),
        };
        let ds = Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec).expect("opens");
        let group = crate::groups(&ds).remove(0);
        assert_eq!(group.phenotypes.len(), 2);
        let source = GrmSource::Build {
            kind: GrmKind::Centered,
            precision: Precision::F64,
        };
        let prep = crate::prepare(&ds, group, &source, &Qc::default(), false, Par::Seq, &NoProgress).expect("prepares");
        let fits = prep.fit(&ds, Method::Reml, &Search::default(), Par::Seq).expect("fits");
        assert!(fits[0].rot.n_covariates() == 3 && fits[0].null.reml.0 != fits[0].null.ml.0);
        let u = prep.eigen.vectors();
        let s = prep.eigen.clipped_values();
        let n = s.len();
        let us = Mat::<f64>::from_fn(n, n, |i, j| u[(i, j)] * s[j]);
        let k = &us * u.transpose();
        for r2_max in [0.9999, 0.75] {
            let opts = ScanOptions {
                tests: Tests::ALL,
                mode: Mode::FixedRatio,
                r2_max,
                rotation: Precision::F64,
                ..ScanOptions::default()
            };
            let fitted = Fitted {
                u: Some(u),
                fits: &fits,
                model: Model::Lmm(opts),
            };
            let want = scan_variants(&ds, &prep.group, &fitted, &prep.variants, Par::Seq, &NoProgress).expect("scans");
            let got = scan_whitened(
                &ds,
                &prep.group,
                k.clone(),
                &fits,
                opts,
                &prep.variants,
                Par::rayon(2),
                &NoProgress,
            )
            .expect("scans");
            let mut worst: f64 = 0.0;
            for (w, g) in want.iter().zip(&got) {
                assert_eq!(w.len(), g.len(), "the same variants kept");
                if r2_max < 0.9 {
                    let kept = w.len();
                    assert!(
                        kept > 100 && kept < prep.variants.len() - 100,
                        "the filter dropped some: {kept}"
                    );
                }
                for (a, b) in w.iter().zip(g) {
                    assert_eq!(a.variant, b.variant);
                    for t in [Test::Wald, Test::Lrt, Test::Score] {
                        let (x, y) = (a.neg_log10_p(t).expect("ran"), b.neg_log10_p(t).expect("ran"));
                        worst = worst.max((x - y).abs());
                    }
                    assert!((a.beta - b.beta).abs() <= 1e-9 * a.se && (a.se / b.se - 1.0).abs() < 1e-9);
                }
            }
            assert!(worst < 1e-6, "max |delta log10 p| {worst:e} at r2_max {r2_max}");
        }
    }
}
