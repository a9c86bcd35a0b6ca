//! One group made ready for modelling: the variants passing QC on its
//! samples, and its GRM (built, read from a file or given as an
//! eigendecomposition), centred on its samples and decomposed, with the
//! provenance an eigen file written from it records. Files kindred derived
//! are checked against this run's fileset and settings before use, and the
//! memory the GRM will need is checked before it is allocated.

mod fileset;
mod memory;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use faer::Par;
use genotype::{Chrom, Dataset, Progress, Qc, QcReport, SampleId, SampleSubset, VariantStats, Window};
use kinship::{build, BuildOptions, FilesetFingerprint, GrmFile, GrmKind, GrmOrigin, GrmSums, Precision, Provenance};

use crate::eigen::{center, Eigen, EigenFile, EigenRecord, FitRecord, Spectrum};
use crate::error::{Error, Result};
use crate::fit::{fit_group, PhenoFit};
use crate::group::Group;
use crate::likelihood::Method;
use crate::optimize::Search;
use crate::scan::{scan_variants, AssocRow, Fitted, Model};
pub use fileset::{GrmFileset, Unmatched};
use memory::Plan;

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
    pub stats: Vec<VariantStats>,
    /// QC counts.
    pub qc: QcReport,
    /// Eigendecomposition of the (centred) GRM.
    pub eigen: Eigen,
    /// Its spectrum.
    pub spectrum: Spectrum,
    /// Variants in the GRM (0 when read from a file that does not say).
    pub grm_variants: usize,
    /// QC of the GRM fileset's variants on the group's samples, when the
    /// GRM was built from another fileset ([`GrmSource::BuildFrom`]).
    pub grm_qc: Option<QcReport>,
    /// The whole-genome sums and how they were built, for LOCO (each
    /// chromosome's own sums are built when its turn comes).
    pub loco: Option<LocoSums>,
    /// The fileset and the GRM's origin, as an eigen file records them.
    pub provenance: Provenance,
    /// The null fits recorded in the eigen file the GRM was read from
    /// (empty for a GRM built or read from a GRM file).
    pub recorded_fits: Vec<FitRecord>,
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
    ///
    /// # Errors
    /// `Genotype` when a dosage reader fails on a variant.
    pub fn scan(
        &self,
        ds: &Dataset,
        fits: &[PhenoFit],
        model: Model,
        par: Par,
        progress: &dyn Progress,
    ) -> Result<Vec<Vec<AssocRow>>> {
        self.scan_some(ds, fits, model, &self.variants, par, progress)
    }

    /// [`Prepared::scan`] of `variants` only (`.bim` positions, in order,
    /// a subset of [`Prepared::variants`]).
    ///
    /// # Errors
    /// As [`Prepared::scan`].
    pub fn scan_some(
        &self,
        ds: &Dataset,
        fits: &[PhenoFit],
        model: Model,
        variants: &[u32],
        par: Par,
        progress: &dyn Progress,
    ) -> Result<Vec<Vec<AssocRow>>> {
        let u = match model {
            Model::Lmm(_) => Some(self.eigen.vectors()),
            Model::Linear(_) => None,
        };
        let fitted = Fitted { u, fits, model };
        scan_variants(ds, &self.group, &fitted, variants, par, progress)
    }

    /// Writes the eigendecomposition with its samples, provenance and the
    /// null fits `fits` made against it (`PREFIX.eigen.bin`,
    /// `PREFIX.eigen.id`), for later `--eigen`.
    ///
    /// # Errors
    /// `Io` naming the file on a failed write.
    pub fn write_eigen(&self, prefix: &Path, fits: Vec<FitRecord>) -> Result<()> {
        self.write_other(&self.eigen, prefix, None, fits)
    }

    /// Writes another decomposition of this group's samples (a LOCO GRM's,
    /// leaving out `left_out`) with this group's provenance.
    ///
    /// # Errors
    /// `Io` naming the file on a failed write.
    pub fn write_other(
        &self,
        eigen: &Eigen,
        prefix: &Path,
        left_out: Option<&Chrom>,
        null_fits: Vec<FitRecord>,
    ) -> Result<()> {
        let record = EigenRecord {
            provenance: self.provenance.clone(),
            left_out: left_out.map(Chrom::to_string),
            null_fits,
        };
        eigen.write(prefix, &self.ids, &record)
    }
}

/// Applies QC on the group's samples, builds or reads its GRM, centres it
/// on the group's samples (GEMMA's convention) and decomposes it.
/// `loco` keeps the whole-genome sums for LOCO (only with [`GrmSource::Build`]).
///
/// # Errors
/// Reading errors; `Inconsistent` when a GRM or eigendecomposition does not
/// cover the group's samples, or was made from another fileset or (an
/// eigendecomposition) with other `--kind`, `--maf` or `--geno`; `Malformed`
/// when such a file is damaged; `Degenerate` when the group has no sample
/// or no variant passes QC; `OutOfMemory` (a [`kinship::Error`]) when the
/// GRM and its decomposition would need more memory than is available.
pub fn prepare(
    ds: &Dataset,
    group: Group,
    source: &GrmSource,
    qc: &Qc,
    loco: bool,
    par: Par,
    progress: &dyn Progress,
) -> Result<Prepared> {
    prepare_in(ds, group, source, qc, None, loco, par, progress)
}

/// [`prepare`] for a scan of `window` only: with an eigendecomposition
/// read from a file nothing needs the variants outside the window, so only
/// the window's variants are read and QC'd (a chunk job of a genome cut
/// into many then reads its own slice of the `.bed`, not all of it) and a
/// window with no variant is no error. Building or reading a GRM needs the
/// whole genome, whatever the window.
#[allow(clippy::too_many_arguments)] // prepare's arguments and the window
pub(crate) fn prepare_in(
    ds: &Dataset,
    group: Group,
    source: &GrmSource,
    qc: &Qc,
    window: Option<&Window>,
    loco: bool,
    par: Par,
    progress: &dyn Progress,
) -> Result<Prepared> {
    let n_fam = ds.n_samples();
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
    let chrom = |v: u32| &ds.variants()[v as usize].chrom;
    let plan = Plan {
        n: group.samples.len(),
        built: match source {
            GrmSource::Build { kind, .. } | GrmSource::BuildFrom { kind, .. } => Some(*kind),
            _ => None,
        },
        loco_chroms: loco.then(|| {
            ds.variants
                .kept
                .iter()
                .map(|&v| chrom(v))
                .collect::<BTreeSet<_>>()
                .len()
        }),
    };
    if !matches!(source, GrmSource::Eigen { .. }) {
        plan.check(par)?;
    }
    let subset = SampleSubset::new(group.samples.clone(), n_fam);
    let g = ds.decoder(&subset);
    let eigen_read = matches!(source, GrmSource::Eigen { .. });
    let window = window.filter(|_| eigen_read);
    let kept = match window {
        Some(w) => qc.apply(g, &w.filter(&ds.variants.kept, ds.variants()))?,
        None => qc.apply(g, &ds.variants.kept)?,
    };
    if kept.variants.is_empty() && window.is_none() {
        return Err(Error::Degenerate(format!(
            "no variant passes QC on the {} analysed samples (MAF >= {}, missing rate <= {})",
            group.samples.len(),
            qc.min_maf,
            qc.max_missing
        )));
    }
    let ids = group.ids(ds);
    let fileset = FilesetFingerprint::of_source(&ds.source.files())?;
    let mut recorded_fits = Vec::new();
    let mut grm_qc = None;
    let (eigen, grm_variants, loco, origin) = match source {
        GrmSource::Eigen {
            prefix,
            kind,
            grm_fileset,
        } => {
            let from = grm_fileset.as_deref().map(GrmFileset::fingerprint);
            let file = open_eigen(prefix, None, &ids, &fileset, from, *kind, qc)?;
            let origin = file.record.provenance.grm;
            recorded_fits = file.record.null_fits;
            let m = match &origin {
                GrmOrigin::Built { n_variants, .. } | GrmOrigin::File { n_variants, .. } => *n_variants,
            };
            (file.eigen, m, None, origin)
        }
        GrmSource::Build { kind, precision } => {
            let opts = BuildOptions {
                kind: *kind,
                precision: *precision,
                ..BuildOptions::default()
            };
            let sums = build(g, ids.clone(), &kept.variants, chrom, &opts, par, progress)?;
            // Without LOCO the sums (and GCTA's counts) go before the
            // decomposition (one n x n less at the peak).
            let kinship::Grm { matrix, n_variants, .. } = sums.grm()?;
            let loco = loco.then_some(LocoSums { sums, options: opts });
            let origin = GrmOrigin::built(*kind, *precision, qc.min_maf, qc.max_missing, n_variants);
            (decompose(matrix, par)?, n_variants, loco, origin)
        }
        GrmSource::BuildFrom {
            fileset: other,
            kind,
            precision,
        } => {
            if loco {
                return Err(Error::InvalidArgument(
                    "--loco with --grm-bfile: leaving each chromosome out of a GRM built from another fileset \
                     is not implemented"
                        .into(),
                ));
            }
            let subset = SampleSubset::new(other.positions(&ids)?, other.source().n_samples());
            let g = other.source().decoder(&subset);
            let all: Vec<u32> = (0..other.variants().len() as u32).collect();
            // Hard calls: no imputation quality to filter on.
            let grm_filter = Qc { min_info: None, ..*qc };
            let passed = grm_filter.apply(g, &all)?;
            if passed.variants.is_empty() {
                return Err(Error::Degenerate(format!(
                    "no variant of the GRM fileset {} passes QC on the {} analysed samples (MAF >= {}, \
                     missing rate <= {})",
                    other.prefix().display(),
                    ids.len(),
                    qc.min_maf,
                    qc.max_missing
                )));
            }
            let opts = BuildOptions {
                kind: *kind,
                precision: *precision,
                ..BuildOptions::default()
            };
            let other_chrom = |v: u32| &other.variants()[v as usize].chrom;
            let sums = build(g, ids.clone(), &passed.variants, other_chrom, &opts, par, progress)?;
            let kinship::Grm { matrix, n_variants, .. } = sums.grm()?;
            grm_qc = Some(passed.report);
            let origin = GrmOrigin::built(*kind, *precision, qc.min_maf, qc.max_missing, n_variants)
                .from_fileset(other.fingerprint().clone());
            (decompose(matrix, par)?, n_variants, None, origin)
        }
        GrmSource::File(file) => {
            if let Some(p) = file.provenance()? {
                let remedy = format!(
                    "build the GRM again from this fileset, or delete {} to use it anyway",
                    file.record().display()
                );
                p.check_fileset(&fileset, file.path(), &remedy)?;
            }
            let all: Vec<SampleId> = ds.samples().iter().map(|s| s.id.clone()).collect();
            // The whole file's matrix goes before the decomposition.
            let (k, m) = {
                let grm = file.read(all)?;
                (grm.select(&ids, file.path())?, grm.n_variants)
            };
            let origin = GrmOrigin::File {
                path: file.path().display().to_string(),
                n_variants: m,
            };
            (decompose(k, par)?, m, None, origin)
        }
        GrmSource::Matrix(k) => {
            if k.nrows() != ids.len() || k.ncols() != ids.len() {
                return Err(Error::Inconsistent(format!(
                    "a combined kernel of {} x {} for {} analysed samples",
                    k.nrows(),
                    k.ncols(),
                    ids.len()
                )));
            }
            let origin = GrmOrigin::File {
                path: "(several variance components, combined)".into(),
                n_variants: 0,
            };
            (decompose(k.as_ref().clone(), par)?, 0, None, origin)
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
        grm_qc,
        loco,
        provenance: Provenance { fileset, grm: origin },
        recorded_fits,
    })
}

/// The whole-genome GRM sums of a LOCO run and their build options: a
/// chromosome's GRM is these minus that chromosome's sums, built alone
/// (two sums held at a time, whatever the number of chromosomes).
#[derive(Debug)]
pub struct LocoSums {
    /// Sums over every variant of the GRM.
    pub sums: GrmSums,
    /// How they were built (kind, precision, block size).
    pub options: BuildOptions,
}

/// Centres `k` on its samples (GEMMA's convention) and decomposes it.
pub(crate) fn decompose(mut k: faer::Mat<f64>, par: Par) -> Result<Eigen> {
    center(&mut k);
    Eigen::decompose(k.as_ref(), par)
}

/// Maps an eigendecomposition and checks it was made for `ids`, in order,
/// from this fileset, leaving out chromosome `left_out` (a LOCO GRM's) or
/// none, and (a built GRM) from the genotypes of `grm_fileset` (`None`:
/// the analysed ones) with this kind and these QC thresholds.
#[allow(clippy::too_many_arguments)] // what is checked, one argument each
pub(crate) fn open_eigen(
    prefix: &Path,
    left_out: Option<&Chrom>,
    ids: &[SampleId],
    fileset: &FilesetFingerprint,
    grm_fileset: Option<&FilesetFingerprint>,
    kind: GrmKind,
    qc: &Qc,
) -> Result<EigenFile> {
    let file = Eigen::open(prefix)?;
    let bin = crate::eigen::bin_path(prefix);
    if file.ids != ids {
        return Err(Error::Inconsistent(format!(
            "the eigendecomposition {} was made for other samples ({} listed, {} analysed here, or in another order)",
            prefix.display(),
            file.ids.len(),
            ids.len()
        )));
    }
    let remedy = "write it again with --write-eigen from this fileset";
    file.record.provenance.check_fileset(fileset, &bin, remedy)?;
    file.record.provenance.grm.check_genotypes(grm_fileset, &bin)?;
    let wanted = left_out.map(Chrom::to_string);
    if file.record.left_out != wanted {
        let say = |c: &Option<String>| {
            c.as_ref()
                .map_or("no chromosome".to_string(), |c| format!("chromosome {c}"))
        };
        return Err(Error::Inconsistent(format!(
            "{} is the decomposition of a GRM leaving out {}, but this run needs one leaving out {}",
            bin.display(),
            say(&file.record.left_out),
            say(&wanted)
        )));
    }
    let d = file.record.provenance.grm.differences(kind, qc.min_maf, qc.max_missing);
    if !d.is_empty() {
        let was: Vec<String> = d.iter().map(|(f, rec, _)| format!("{f} {rec}")).collect();
        let now: Vec<String> = d.iter().map(|(f, _, asked)| format!("{f} {asked}")).collect();
        return Err(Error::Inconsistent(format!(
            "{} was made from a GRM built with {} but this run asks for {}; use the same settings, \
             or write it again with --write-eigen",
            bin.display(),
            was.join(" "),
            now.join(" ")
        )));
    }
    Ok(file)
}
