//! One group made ready for modelling: the variants passing QC on its
//! samples, and its GRM (built, read from a file or given as an
//! eigendecomposition), centred on its samples and decomposed.

use std::path::{Path, PathBuf};

use faer::Par;
use genotype::{AlleleStats, Dataset, Genotypes, Progress, Qc, QcReport, SampleId, SampleSubset};
use kinship::{build, BuildOptions, GrmFile, GrmKind, GrmSums, Precision};

use crate::eigen::{center, Eigen, Spectrum};
use crate::error::{Error, Result};
use crate::fit::{fit_group, PhenoFit};
use crate::group::Group;
use crate::likelihood::Method;
use crate::optimize::Search;
use crate::scan::{scan_variants, AssocRow, Fitted, Model};

/// Where the GRM of an analysis comes from.
#[derive(Debug, Clone)]
pub enum GrmSource {
    /// Built from the analysed samples and the variants passing QC.
    Build {
        /// Kind.
        kind: GrmKind,
        /// Arithmetic of the block multiply.
        precision: Precision,
    },
    /// A GRM file (GCTA binary matched by ID, or GEMMA text over the `.fam`).
    File(GrmFile),
    /// An eigendecomposition written by kindred for exactly these samples
    /// (`PREFIX.eigen.bin`, `PREFIX.eigen.id`).
    Eigen(PathBuf),
}

impl GrmSource {
    /// How the GRM is obtained, for logs.
    pub fn describe(&self) -> String {
        match self {
            GrmSource::Build { kind, .. } => format!("built from the genotypes ({} kind)", kind.name()),
            GrmSource::File(f) => f.describe(),
            GrmSource::Eigen(p) => format!("eigendecomposition read from {}.eigen.bin", p.display()),
        }
    }
}

/// One group ready for modelling: its variants, its GRM's eigendecomposition.
#[derive(Debug)]
pub struct Prepared {
    /// The group.
    pub group: Group,
    /// IDs of its samples.
    pub ids: Vec<SampleId>,
    /// Variants passing QC on its samples (`.bim` positions, in order).
    pub variants: Vec<u32>,
    /// Their counts on its samples.
    pub stats: Vec<AlleleStats>,
    /// QC counts.
    pub qc: QcReport,
    /// Eigendecomposition of the (centred) GRM.
    pub eigen: Eigen,
    /// Its spectrum.
    pub spectrum: Spectrum,
    /// Variants in the GRM (0 when read from a file that does not say).
    pub grm_variants: usize,
    /// Per-chromosome sums for LOCO, when asked for.
    pub loco: Option<GrmSums>,
}

impl Prepared {
    /// Fits the null model of every phenotype of the group against its GRM.
    ///
    /// # Errors
    /// As [`fit_group`].
    pub fn fit(&self, ds: &Dataset, method: Method, search: &Search, par: Par) -> Result<Vec<PhenoFit>> {
        fit_group(ds, &self.group, &self.eigen, method, search, par)
    }

    /// Scans every variant passing QC for the fitted phenotypes `fits`
    /// (whole-genome GRM); one row list per phenotype, in `.bim` order.
    pub fn scan(
        &self,
        ds: &Dataset,
        fits: &[PhenoFit],
        model: Model,
        par: Par,
        progress: &dyn Progress,
    ) -> Vec<Vec<AssocRow>> {
        let u = match model {
            Model::Lmm(_) => Some(self.eigen.vectors()),
            Model::Linear(_) => None,
        };
        let fitted = Fitted { u, fits, model };
        scan_variants(ds, &self.group, &fitted, &self.variants, par, progress)
    }
}

/// Applies QC on the group's samples, builds or reads its GRM, centres it
/// on the group's samples (GEMMA's convention) and decomposes it.
/// `loco` keeps per-chromosome sums (only with [`GrmSource::Build`]).
///
/// # Errors
/// Reading errors; `Inconsistent` when a GRM or eigendecomposition does not
/// cover the group's samples; `Degenerate` when the group has no sample or
/// no variant passes QC.
pub fn prepare(
    ds: &Dataset,
    group: Group,
    source: &GrmSource,
    qc: &Qc,
    loco: bool,
    par: Par,
    progress: &dyn Progress,
) -> Result<Prepared> {
    let n_fam = ds.fileset.fam.len();
    if group.samples.is_empty() {
        return Err(Error::Degenerate(format!(
            "no sample has a value for phenotype {}{} (all missing, or removed by --keep/--remove); \
             give phenotypes with --pheno",
            group.names(ds).join(", "),
            if ds.covariates.is_empty() {
                ""
            } else {
                " and every covariate"
            }
        )));
    }
    let subset = SampleSubset::new(group.samples.clone(), n_fam);
    let g = Genotypes::new(&ds.fileset.bed, &subset);
    let kept = qc.apply(&g, &ds.variants.kept);
    if kept.variants.is_empty() {
        return Err(Error::Degenerate(format!(
            "no variant passes QC on the {} analysed samples (MAF >= {}, missing rate <= {})",
            group.samples.len(),
            qc.min_maf,
            qc.max_missing
        )));
    }
    let ids = group.ids(ds);
    let (eigen, grm_variants, loco) = match source {
        GrmSource::Eigen(prefix) => (open_eigen(prefix, &ids)?, 0, None),
        GrmSource::Build { kind, precision } => {
            let opts = BuildOptions {
                kind: *kind,
                precision: *precision,
                loco,
                ..BuildOptions::default()
            };
            let chrom = |v: u32| &ds.fileset.variants[v as usize].chrom;
            let sums = build(&g, ids.clone(), &kept.variants, chrom, &opts, par, progress)?;
            let grm = sums.grm();
            (decompose(grm.matrix, par)?, grm.n_variants, loco.then_some(sums))
        }
        GrmSource::File(file) => {
            let all: Vec<SampleId> = ds.fileset.fam.samples.iter().map(|s| s.id.clone()).collect();
            let grm = file.read(all)?;
            let path = match file {
                GrmFile::Gcta(p) | GrmFile::Gemma(p) => p,
            };
            (decompose(grm.select(&ids, path)?, par)?, grm.n_variants, None)
        }
    };
    let spectrum = eigen.spectrum();
    Ok(Prepared {
        group,
        ids,
        variants: kept.variants,
        stats: kept.stats,
        qc: kept.report,
        eigen,
        spectrum,
        grm_variants,
        loco,
    })
}

/// Centres `k` on its samples (GEMMA's convention) and decomposes it.
pub(crate) fn decompose(mut k: faer::Mat<f64>, par: Par) -> Result<Eigen> {
    center(&mut k);
    Eigen::decompose(k.as_ref(), par)
}

/// Maps an eigendecomposition and checks it was made for `ids`, in order.
fn open_eigen(prefix: &Path, ids: &[SampleId]) -> Result<Eigen> {
    let (eigen, eids) = Eigen::open(prefix)?;
    if eids != ids {
        return Err(Error::Inconsistent(format!(
            "the eigendecomposition {} was made for other samples ({} listed, {} analysed here, or in another order)",
            prefix.display(),
            eids.len(),
            ids.len()
        )));
    }
    Ok(eigen)
}
