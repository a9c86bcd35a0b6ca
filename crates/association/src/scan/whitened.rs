//! Fixed-ratio scans without an eigendecomposition.
//!
//! With the variance ratio `lambda` fixed, every statistic of a fixed-ratio
//! test is an inner product under `H⁻¹`, `H = lambda K + I`. With the
//! Cholesky factor `L` (`L Lᵀ = H`), the whitened data `L⁻¹y`, `L⁻¹W`,
//! `L⁻¹x` have covariance `sigma_e2 I`, so the fixed-ratio tests are the
//! same formulas at eigenvalues zero ([`Scanner::whitened`]). One
//! factorisation (`n³/3` flops, against about `4n³` and a memory-bound
//! reduction for an eigendecomposition) and one triangular product per
//! variant block replace the decomposition. The product is a triangular
//! solve in f64 (`--scan-precision f64`: `n²` flops per variant, the time
//! of the f32 rotation `Uᵀx`, which costs `2n²`) or, by default, the same
//! solve in f32 by `L` rounded to f32, with the same centring as the f32
//! rotation (`crate::rotation`): half the rotation's multiply, at f32
//! rates. Where the CPU has AMX tiles and the factor serves enough
//! variants ([`multiplies_by_inverse`]), `L⁻¹` is formed instead (`n³/3`
//! flops, in place of the factor) and multiplied in exact integer
//! arithmetic, as the rotation's `Uᵀ` is, in four digits rather than three
//! (`L⁻¹`'s rows sum to values far smaller than their entries): the full
//! product on the tiles takes a fraction of the f32 solve's time, and its
//! p-values are closer to f64's (mouse: 3.5e-7 in log10, against 3.7e-6
//! for the f32 solve). A whole-genome fixed-ratio scan of one phenotype
//! without the score test (and without eigen files or BLUP) runs here
//! too, its null fits on the eigenvalues of a tridiagonal reduction
//! ([`crate::Eigen::values_only`]): no eigenvectors at all. This is what
//! makes a LOCO scan at the whole genome's ratio cost one factorisation
//! per chromosome; re-estimating each chromosome's ratio adds the few
//! factorisations of [`crate::factored::fit_ratio`], still a fraction of
//! one eigendecomposition.
//!
//! The score test uses the null ML `lambda`, the Wald and likelihood-ratio
//! tests the null REML one: with the score test asked for, a second
//! factorisation runs at the ML `lambda` and its rows lend their score
//! columns. The collinearity filter is an `r²` on the data before
//! whitening (whitening is not a rotation, so `r²` is not preserved by
//! it); it keeps exactly the variants the eigenbasis scan keeps.

use faer::{Mat, MatRef, Par};
use genotype::{Dataset, Encoding, Progress, SampleSubset, VariantStats};
use kinship::Precision;

use super::options::{AssocRow, Mode, ScanOptions, Test, Tests};
use super::scanner::{Collinearity, Scanner};
use super::SCAN_BLOCK;
use crate::error::Result;
use crate::factored::{fit_ratio, Whitener};
use crate::fit::{with_pheno, PhenoFit};
use crate::group::Group;
use crate::likelihood::Method;
use crate::null_model::Rotated;
use crate::optimize::Search;
use crate::rotation::Rotator;

/// A whitened scan's rows per phenotype, and the `(REML, ML)` `lambda`
/// each phenotype was tested at (`NaN` where no test used it).
pub(crate) type Whitened = (Vec<Vec<AssocRow>>, Vec<(f64, f64)>);

/// Storage one whitened scan hands to the next (a LOCO scan's next
/// chromosome): its `n x n` f64 matrix (`K`, then the factor) and the f32
/// copy of the factor. At n = 5000 that is 300 MB a chromosome would
/// otherwise fault in and clear afresh (about 5% of a LOCO scan's CPU in
/// the kernel).
#[derive(Debug, Default)]
pub(crate) struct Spare {
    /// An `n x n` f64 matrix, any contents.
    pub(crate) k: Option<Mat<f64>>,
    /// An `n x n` f32 matrix, any contents.
    pub(crate) l32: Option<Mat<f32>>,
}

/// Whether a whitened scan of `n_pheno` phenotypes with `tests` (`refit`:
/// re-estimating the ratios) factors more than one `lambda`, and so keeps
/// `K`'s packed lower triangle (half an `n x n` matrix) to start each
/// factorisation from: the scan's rule, which the memory plan follows.
pub(crate) fn keeps_k(tests: Tests, n_pheno: usize, refit: bool) -> bool {
    let passes_each = usize::from(tests.wald || tests.lrt) + usize::from(tests.score);
    refit || n_pheno * passes_each > 1
}

/// Whether a whitened scan in f32 multiplies by `L⁻¹` on the AMX tiles
/// rather than solving by `L`: where the CPU has tiles, the genotypes are
/// hard calls (`hard_calls`: dosages would go the f32 way, a full product
/// where the solve is half of one) and the factor serves at least twice
/// as many of the fileset's variants as there are samples. Forming `L⁻¹`
/// (`n³/3` flops) pays for itself after about `1.4 n` variants (5000
/// samples: the whole-genome scan of 50,000 variants 0.83x the solve
/// route's wall time, LOCO chromosomes of 5000 variants each 1.04x).
/// Decided on the variants of the fileset (`serves`), not of the window
/// scanned, so that a chunk takes the whole run's route and gets its
/// bits.
pub(crate) fn multiplies_by_inverse(n: usize, serves: usize, hard_calls: bool) -> bool {
    tiles::available() && hard_calls && serves >= 2 * n
}

/// Where a whitened scan's `lambda`s come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ratios<'a> {
    /// The fits' own (null REML for Wald and LRT, null ML for score).
    Fitted,
    /// Re-estimated against `k` in this range, searched from the fits'.
    Refit(&'a Search),
}

/// The fixed-ratio scan of `variants` for every fitted phenotype of
/// `group` against the centred GRM `k` (both triangles), at the `lambda`s
/// `ratios` says. Rows as [`super::scan_variants`] gives them with the
/// eigendecomposition of `k` and null fits at these `lambda`s; also
/// returns each phenotype's `(REML, ML)` `lambda` (`NaN` where no test
/// used it). `k`'s storage, and the f32 factor's, are left in `spare`
/// (whose f32 matrix, if any, is used). `serves`: the fileset's variants
/// this `k` serves, of which `variants` may be a window
/// ([`multiplies_by_inverse`]).
///
/// # Errors
/// `NoConvergence` when `lambda K + I` cannot be factored or a ratio's
/// search fails; `Degenerate` for a design the fits accepted (not
/// expected); `Genotype` from the decoder.
#[allow(clippy::too_many_arguments)] // the scan's inputs, one argument each
pub(crate) fn scan_whitened(
    ds: &Dataset,
    group: &Group,
    k: Mat<f64>,
    fits: &[PhenoFit],
    ratios: Ratios<'_>,
    opts: ScanOptions,
    variants: &[u32],
    serves: usize,
    par: Par,
    progress: &dyn Progress,
    spare: &mut Spare,
) -> Result<Whitened> {
    assert_eq!(opts.mode, Mode::FixedRatio, "a whitened scan is at a fixed ratio");
    let refit = matches!(ratios, Ratios::Refit(_));
    let mut wh = Whitener::new(k, keeps_k(opts.tests, fits.len(), refit));
    let mut lambdas = Vec::with_capacity(fits.len());
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
        let mut lambda = |method: Method, fitted: f64| -> Result<f64> {
            match ratios {
                Ratios::Fitted => Ok(fitted),
                Ratios::Refit(search) => {
                    fit_ratio(&mut wh, &raw, method, search, fitted, par).map_err(|e| with_pheno(e, name))
                }
            }
        };
        let mut passes = Vec::new();
        let mut used = (f64::NAN, f64::NAN);
        if t.wald || t.lrt {
            used.0 = lambda(Method::Reml, f.null.reml.0)?;
            passes.push((used.0, Tests { score: false, ..t }));
        }
        if t.score {
            used.1 = lambda(Method::Ml, f.null.ml.0)?;
            passes.push((used.1, Tests::SCORE));
        }
        lambdas.push(used);
        let mut rows: Option<Vec<AssocRow>> = None;
        for (lambda, tests) in passes {
            wh.factor(lambda, par)?;
            let rot = Rotated::whitened(&raw, |m| wh.solve(m, par)).map_err(|e| with_pheno(e, name))?;
            let sc = Scanner::whitened(&rot, ScanOptions { tests, ..opts });
            let mut got = Vec::with_capacity(variants.len());
            let mut block = Block::new(n, SCAN_BLOCK.min(variants.len().max(1)));
            // In f32 (the default scan precision) the blocks are solved by
            // L in f32, or, where the CPU has AMX tiles, multiplied by L⁻¹
            // on them (either way a variant's bits do not depend on its
            // block, so a chunk of a scan gets the whole scan's bits).
            let mut in_f32 = (opts.rotation == Precision::F32).then(|| {
                if multiplies_by_inverse(n, serves, g.is_hard_calls()) {
                    Rotator::inverse_f32(wh.invert(par), block.cap, spare.l32.take())
                } else {
                    let (l, l_one) = wh.factor_f32(par, spare.l32.take());
                    Rotator::solve_lower_f32(l, l_one, block.cap)
                }
            });
            for chunk in variants.chunks(block.cap) {
                let kept = block.fill(&g, chunk, &filter)?;
                let x = match &mut in_f32 {
                    Some(r) => r.rotate(block.x.as_ref().subcols(0, kept), &block.stats[..kept], par),
                    None => {
                        wh.solve(block.x.as_mut().subcols_mut(0, kept), par);
                        block.x.as_ref().subcols(0, kept)
                    }
                };
                sc.test_block(x, &block.variants[..kept], &block.stats[..kept], par, &mut got);
                if !counted {
                    progress.inc(chunk.len() as u64);
                }
            }
            counted = true;
            if let Some(l) = in_f32.and_then(Rotator::into_f32) {
                spare.l32 = Some(l);
            }
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
    spare.k = Some(wh.into_matrix());
    Ok((out, lambdas))
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
        let prep = crate::prepare(
            &ds,
            group,
            &source,
            &Qc::default(),
            false,
            crate::Arithmetic::default(),
            Par::Seq,
            &NoProgress,
        )
        .expect("prepares");
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
            let (got, _) = scan_whitened(
                &ds,
                &prep.group,
                k.clone(),
                &fits,
                Ratios::Fitted,
                opts,
                &prep.variants,
                prep.variants.len(),
                Par::rayon(2),
                &NoProgress,
                &mut Spare::default(),
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
