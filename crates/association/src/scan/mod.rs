//! The scan: every variant of a group decoded in blocks (mean-imputed A1
//! counts), rotated once per block (`Uᵀ X`, shared by the group's
//! phenotypes) and tested for each phenotype.
//!
//! | module | holds |
//! |---|---|
//! | `options` | [`Tests`], [`Mode`], [`ScanOptions`], [`AssocRow`] |
//! | `scanner` | [`Scanner`]: one phenotype's tests over rotated blocks |
//! | `gls` | the fixed-`lambda` projection and the one estimate of `beta`, `se` |
//! | `exact` | the exact mode's cached lambdas and block-wide sums |
//! | `whitened` | fixed-ratio scans by a Cholesky factor, no eigendecomposition |

mod exact;
mod gls;
mod options;
mod scanner;
mod whitened;

use faer::{MatRef, Par};
use genotype::{Dataset, Encoding, Progress, SampleSubset, VariantStats};

pub use options::{AssocRow, Mode, ScanOptions, Statistic, Test, Tests};
pub use scanner::Scanner;
pub(crate) use whitened::{keeps_k, multiplies_by_inverse, scan_whitened, Ratios, Spare};

use crate::error::Result;
use crate::fit::PhenoFit;
use crate::group::Group;
use crate::rotation::Rotator;

/// Variants per rotation block.
pub const SCAN_BLOCK: usize = 512;

/// How a group is scanned.
#[derive(Debug, Clone, Copy)]
pub enum Model {
    /// Linear mixed model with the given options.
    Lmm(ScanOptions),
    /// Ordinary least squares, same covariates.
    Linear(Tests),
}

impl Model {
    /// The tests that run.
    pub fn tests(&self) -> Tests {
        match self {
            Model::Lmm(o) => o.tests,
            Model::Linear(t) => *t,
        }
    }
}

/// What a scan tests against: the eigenvectors to rotate by (`None` for
/// ordinary least squares), the fitted phenotypes and the model.
#[derive(Debug, Clone, Copy)]
pub struct Fitted<'a> {
    /// Eigenvectors `U` of the group's GRM.
    pub u: Option<MatRef<'a, f64>>,
    /// Fitted null models, one per phenotype of the group.
    pub fits: &'a [PhenoFit],
    /// Model and tests.
    pub model: Model,
}

/// Scans `variants` for every fitted phenotype of one group: decode a
/// block, rotate it once (the dominant cost), test it for each phenotype.
/// Returns one row list per phenotype, in `variants` order.
///
/// # Errors
/// `Genotype` when a dosage reader fails on a variant.
pub fn scan_variants(
    ds: &Dataset,
    group: &Group,
    fitted: &Fitted<'_>,
    variants: &[u32],
    par: Par,
    progress: &dyn Progress,
) -> Result<Vec<Vec<AssocRow>>> {
    let Fitted { u, fits, model } = *fitted;
    let n = group.samples.len();
    let subset = SampleSubset::new(group.samples.clone(), ds.n_samples());
    let g = ds.decoder(&subset);
    let scanners: Vec<Scanner<'_>> = fits
        .iter()
        .map(|f| match model {
            Model::Lmm(opts) => Scanner::new(&f.rot, &f.null, opts),
            Model::Linear(tests) => Scanner::linear(&f.rot, tests),
        })
        .collect();
    let mut out: Vec<Vec<AssocRow>> = vec![Vec::with_capacity(variants.len()); fits.len()];
    let bs = SCAN_BLOCK.min(variants.len().max(1));
    let mut block = vec![0.0; n * bs];
    let mut stats = vec![VariantStats::default(); bs];
    let precision = match model {
        Model::Lmm(o) => o.rotation,
        Model::Linear(_) => kinship::Precision::F64,
    };
    let mut rotator = Rotator::new(u, precision, bs);
    for chunk in variants.chunks(bs) {
        let b = chunk.len();
        g.decode_block(chunk, Encoding::MeanImputed, &mut block[..n * b], &mut stats[..b])?;
        let x = MatRef::from_column_major_slice(&block[..n * b], n, b);
        let tx = rotator.rotate(x, &stats[..b], par);
        for (sc, rows) in scanners.iter().zip(out.iter_mut()) {
            sc.test_block(tx, chunk, &stats[..b], par, rows);
        }
        progress.inc(b as u64);
    }
    Ok(out)
}
