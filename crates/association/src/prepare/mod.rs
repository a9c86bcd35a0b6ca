//! One group made ready for modelling: the variants passing QC on its
//! samples, and its GRM (built, read from a file or given as an
//! eigendecomposition), centred on its samples and decomposed, with the
//! provenance an eigen file written from it records. Files kindred derived
//! are checked against this run's fileset and settings before use, and the
//! memory the GRM will need is checked before it is allocated.

mod decompose;
mod fileset;
mod memory;
mod source;

use std::collections::BTreeSet;
use std::path::Path;

use faer::Par;
use genotype::{Chrom, Dataset, Progress, Qc, QcReport, SampleId, SampleSubset, VariantStats, Window};
use kinship::{FilesetFingerprint, GrmOrigin, Provenance};

use crate::eigen::{Arithmetic, Eigen, EigenRecord, FitRecord, Spectrum};
use crate::error::{Error, Result};
use crate::fit::{fit_group, PhenoFit};
use crate::group::Group;
use crate::likelihood::Method;
use crate::optimize::Search;
use crate::scan::{scan_variants, scan_whitened, AssocRow, Fitted, Mode, Model, Ratios, Spare};
pub use decompose::LocoSums;
use decompose::{build_decompose, build_options, decompose_with, Want};
pub(crate) use decompose::{decompose_reusing, open_eigen};
pub use fileset::{GrmFileset, Unmatched};
use memory::Plan;
pub use source::GrmSource;

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
    /// a subset of [`Prepared::variants`]). A GRM reduced without
    /// eigenvectors ([`Eigen::values_only`]) is scanned at a fixed ratio
    /// on data whitened by the Cholesky factor of `lambda K + I`
    /// (`scan::whitened`), with the same statistics.
    ///
    /// # Errors
    /// As [`Prepared::scan`]; `InvalidArgument` for an exact scan without
    /// eigenvectors.
    pub fn scan_some(
        &self,
        ds: &Dataset,
        fits: &[PhenoFit],
        model: Model,
        variants: &[u32],
        par: Par,
        progress: &dyn Progress,
    ) -> Result<Vec<Vec<AssocRow>>> {
        if let (Model::Lmm(opts), Some(k)) = (model, self.eigen.kinship()) {
            if opts.mode != Mode::FixedRatio {
                return Err(Error::InvalidArgument(
                    "the exact scan needs the GRM's eigenvectors, and this preparation reduced it without them".into(),
                ));
            }
            let spare = &mut Spare::default();
            let (rows, _) = scan_whitened(
                ds,
                &self.group,
                k,
                fits,
                Ratios::Fitted,
                opts,
                variants,
                self.variants.len(),
                par,
                progress,
                spare,
            )?;
            return Ok(rows);
        }
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
/// `loco` keeps the whole-genome sums for LOCO (only with [`GrmSource::Build`]);
/// `arith` is the decomposition's arithmetic.
///
/// # Errors
/// Reading errors; `Inconsistent` when a GRM or eigendecomposition does not
/// cover the group's samples, or was made from another fileset or (an
/// eigendecomposition) with other `--kind`, `--maf` or `--geno`; `Malformed`
/// when such a file is damaged; `Degenerate` when the group has no sample
/// or no variant passes QC; `OutOfMemory` (a [`kinship::Error`]) when the
/// GRM and its decomposition would need more memory than is available.
#[allow(clippy::too_many_arguments)] // what is prepared, and how
pub fn prepare(
    ds: &Dataset,
    group: Group,
    source: &GrmSource,
    qc: &Qc,
    loco: bool,
    arith: Arithmetic,
    par: Par,
    progress: &dyn Progress,
) -> Result<Prepared> {
    prepare_in(ds, group, source, qc, None, loco, false, arith, par, progress)
}

/// [`prepare`] for a scan of `window` only: with an eigendecomposition
/// read from a file nothing needs the variants outside the window, so only
/// the window's variants are read and QC'd (a chunk job of a genome cut
/// into many then reads its own slice of the `.bed`, not all of it) and a
/// window with no variant is no error. Building or reading a GRM needs the
/// whole genome, whatever the window. `values_only`: a built or read GRM
/// is reduced without eigenvectors ([`Eigen::values_only`]), for a run
/// that fits null models and scans at a fixed ratio only (an eigen file
/// read keeps its vectors). `arith`: the decomposition's arithmetic when
/// it has eigenvectors.
#[allow(clippy::too_many_arguments)] // prepare's arguments and the window
pub(crate) fn prepare_in(
    ds: &Dataset,
    group: Group,
    source: &GrmSource,
    qc: &Qc,
    window: Option<&Window>,
    loco: bool,
    values_only: bool,
    arith: Arithmetic,
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
    // a reduction without eigenvectors rotates the first null fit's design
    // in the sweeps that find the eigenvalues
    let want = match values_only {
        true => Want::Values(first_design(ds, &group)),
        false => Want::Vectors(arith),
    };
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
            let opts = build_options(*kind, *precision);
            let (eigen, n_variants, loco) =
                build_decompose(g, ids.clone(), &kept.variants, chrom, opts, loco, want, par, progress)?;
            let origin = GrmOrigin::built(*kind, *precision, qc.min_maf, qc.max_missing, n_variants);
            (eigen, n_variants, loco, origin)
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
            let opts = build_options(*kind, *precision);
            let other_chrom = |v: u32| &other.variants()[v as usize].chrom;
            let (eigen, n_variants, _) = build_decompose(
                g,
                ids.clone(),
                &passed.variants,
                other_chrom,
                opts,
                false,
                want,
                par,
                progress,
            )?;
            grm_qc = Some(passed.report);
            let origin = GrmOrigin::built(*kind, *precision, qc.min_maf, qc.max_missing, n_variants)
                .from_fileset(other.fingerprint().clone());
            (eigen, n_variants, None, origin)
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
                let m = grm.n_variants;
                (grm.into_selected(&ids, file.path())?, m)
            };
            let origin = GrmOrigin::File {
                path: file.path().display().to_string(),
                n_variants: m,
            };
            (decompose_with(k, want, par)?, m, None, origin)
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
            (decompose_with(k.as_ref().clone(), want, par)?, 0, None, origin)
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

/// What the null fit of `group`'s first phenotype will rotate
/// ([`crate::null_model::to_rotate`]); `None` where that fails (the fit
/// itself will say why).
fn first_design(ds: &Dataset, group: &Group) -> Option<faer::Mat<f64>> {
    let &k = group.phenotypes.first()?;
    let (w, names) = group.design(ds);
    crate::null_model::to_rotate(w.as_ref(), &names, &group.values(ds, k))
        .ok()
        .map(|(_, m)| m)
}
