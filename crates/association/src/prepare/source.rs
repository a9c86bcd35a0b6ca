//! Where an analysis's GRM comes from.

use std::path::PathBuf;
use std::sync::Arc;

use kinship::{GrmFile, GrmKind, Precision};

use super::GrmFileset;

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
    /// Built as [`GrmSource::Build`] does, from the genotypes of another
    /// PLINK 1 fileset (`--grm-bfile`): the analysed samples matched by
    /// (FID, IID), in the analysis's order (each must be there:
    /// [`GrmFileset::restrict`] the dataset first), and its variants
    /// passing the QC thresholds (`--maf`, `--geno`) on them.
    BuildFrom {
        /// The fileset.
        fileset: Arc<GrmFileset>,
        /// Kind.
        kind: GrmKind,
        /// Arithmetic of the block multiply.
        precision: Precision,
    },
    /// A GRM file (GCTA binary matched by ID, or GEMMA text over the `.fam`).
    File(GrmFile),
    /// An eigendecomposition written by kindred for exactly these samples
    /// (`PREFIX.eigen.bin`, `PREFIX.eigen.id`), from this fileset, with a
    /// GRM of `kind` and the run's QC thresholds (when it was built), from
    /// the genotypes of `grm_fileset` when one is given and from the
    /// analysed genotypes when not.
    Eigen {
        /// Its prefix.
        prefix: PathBuf,
        /// The kind the run asks for (`--kind`).
        kind: GrmKind,
        /// The fileset its GRM was built from when not the analysed one
        /// (`--grm-bfile`).
        grm_fileset: Option<Arc<GrmFileset>>,
    },
    /// A matrix already over the group's samples, in their order: the
    /// fitted combination of several variance components' kernels
    /// ([`crate::components::fit_and_combine`]), whose scan then holds the
    /// fitted variance ratios.
    Matrix(std::sync::Arc<faer::Mat<f64>>),
}

impl GrmSource {
    /// The fileset K is built from when not the analysed one
    /// ([`GrmSource::BuildFrom`], or the one an eigen file's GRM was built from).
    pub fn grm_fileset(&self) -> Option<&GrmFileset> {
        match self {
            GrmSource::BuildFrom { fileset, .. } => Some(fileset),
            GrmSource::Eigen { grm_fileset, .. } => grm_fileset.as_deref(),
            _ => None,
        }
    }

    /// How the GRM is obtained, for logs.
    pub fn describe(&self) -> String {
        match self {
            GrmSource::Build { kind, .. } => format!("built from the genotypes ({} kind)", kind.name()),
            GrmSource::BuildFrom { fileset, kind, .. } => format!(
                "built from the genotypes of {} (--grm-bfile; {} kind)",
                fileset.prefix().display(),
                kind.name()
            ),
            GrmSource::File(f) => f.describe(),
            GrmSource::Eigen {
                prefix, grm_fileset, ..
            } => {
                let from = grm_fileset.as_ref().map_or(String::new(), |f| {
                    format!(" (its GRM built from the genotypes of {})", f.prefix().display())
                });
                format!("eigendecomposition read from {}.eigen.bin{from}", prefix.display())
            }
            GrmSource::Matrix(_) => "the fitted combination of several variance components' kernels".into(),
        }
    }
}
