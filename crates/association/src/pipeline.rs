//! From a [`Dataset`] to fitted models and scanned variants: groups
//! phenotypes by their analysed samples, builds or reads the GRM for each
//! group, decomposes it once, fits every phenotype's null model and scans
//! the variants block by block (one rotation per block shared by the
//! group's phenotypes). Used by `kindred reml`, `assoc` and `gwas`.

use std::collections::HashMap;
use std::path::Path;

use faer::{Mat, MatRef, Par};
use genotype::{AlleleStats, Dataset, Encoding, Genotypes, Progress, Qc, QcFail, SampleId, SampleSubset};
use kinship::{build, format, BuildOptions, Grm, GrmKind, GrmSums, Precision};
use rayon::prelude::*;

use crate::eigen::{center, Eigen, Spectrum};
use crate::error::{Error, Result};
use crate::likelihood::Method;
use crate::null_model::{fit_null, NullModel, Rotated};
use crate::optimize::Search;
use crate::scan::{rotate_block, AssocRow, ScanOptions, Scanner, Tests};

/// Where the GRM of an analysis comes from.
#[derive(Debug, Clone, Copy)]
pub enum GrmInput<'a> {
    /// Built from the analysed samples and the variants passing QC.
    Build {
        /// Kind.
        kind: GrmKind,
        /// Arithmetic of the block multiply.
        precision: Precision,
    },
    /// A GCTA binary GRM (`PREFIX.grm.bin`), matched to samples by ID.
    Gcta(&'a Path),
    /// A GEMMA text GRM over every `.fam` sample, in `.fam` order.
    Gemma(&'a Path),
    /// An eigendecomposition written by kindred for exactly these samples.
    Eigen(&'a Path),
}

/// Phenotypes that share their analysed samples (and so one GRM,
/// eigendecomposition and rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `.fam` positions of the analysed samples.
    pub samples: Vec<u32>,
    /// Indices into [`Dataset::phenotypes`].
    pub phenotypes: Vec<usize>,
}

/// Groups the dataset's phenotypes by analysed sample set, in first-seen order.
pub fn groups(ds: &Dataset) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
    for k in 0..ds.phenotypes.len() {
        let s = ds.analysed_samples(k);
        match index.get(&s) {
            Some(&g) => out[g].phenotypes.push(k),
            None => {
                index.insert(s.clone(), out.len());
                out.push(Group {
                    samples: s,
                    phenotypes: vec![k],
                });
            }
        }
    }
    out
}

/// Outcome of variant QC on one group's samples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QcReport {
    /// Variants considered (after lists and chromosome choice).
    pub n_candidates: usize,
    /// Failed the missing-rate threshold.
    pub n_missing: usize,
    /// Failed the allele-frequency threshold.
    pub n_maf: usize,
    /// Fewer than two genotype classes.
    pub n_monomorphic: usize,
    /// Passed.
    pub n_pass: usize,
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
    /// LOCO sums, when asked for.
    pub loco: Option<GrmSums>,
}

/// Applies QC on a sample subset; returns the passing variants, their counts and the report.
pub fn qc_variants(ds: &Dataset, samples: &SampleSubset, qc: &Qc) -> (Vec<u32>, Vec<AlleleStats>, QcReport) {
    let g = Genotypes::new(&ds.fileset.bed, samples);
    let stats = g.stats_many(&ds.variants.kept);
    let mut rep = QcReport {
        n_candidates: stats.len(),
        ..Default::default()
    };
    let mut kept = Vec::new();
    let mut kept_stats = Vec::new();
    for (&v, st) in ds.variants.kept.iter().zip(&stats) {
        match qc.check(st) {
            Ok(()) => {
                kept.push(v);
                kept_stats.push(*st);
            }
            Err(QcFail::Missing) => rep.n_missing += 1,
            Err(QcFail::Maf) => rep.n_maf += 1,
            Err(QcFail::Monomorphic) => rep.n_monomorphic += 1,
        }
    }
    rep.n_pass = kept.len();
    (kept, kept_stats, rep)
}

fn ids_of(ds: &Dataset, samples: &[u32]) -> Vec<SampleId> {
    samples
        .iter()
        .map(|&s| ds.fileset.fam.samples[s as usize].id.clone())
        .collect()
}

/// Options of [`prepare`].
#[derive(Debug, Clone, Copy)]
pub struct PrepareOptions<'a> {
    /// GRM source.
    pub grm: GrmInput<'a>,
    /// Variant QC.
    pub qc: Qc,
    /// Keep per-chromosome sums for LOCO (only with [`GrmInput::Build`]).
    pub loco: bool,
}

/// Builds or reads the group's GRM, centres it on the group's samples
/// (GEMMA's convention) and decomposes it.
///
/// # Errors
/// Reading errors; `Inconsistent` when a GRM or eigendecomposition does not
/// cover the group's samples; `Degenerate` when no variant passes QC.
pub fn prepare(
    ds: &Dataset,
    group: Group,
    opts: &PrepareOptions<'_>,
    par: Par,
    progress: &dyn Progress,
) -> Result<Prepared> {
    let n_fam = ds.fileset.fam.len();
    if group.samples.is_empty() {
        let names: Vec<&str> = group
            .phenotypes
            .iter()
            .map(|&k| ds.phenotypes[k].name.as_str())
            .collect();
        return Err(Error::Degenerate(format!(
            "no sample has a value for phenotype {}{} (all missing, or removed by --keep/--remove); \
             give phenotypes with --pheno",
            names.join(", "),
            if ds.covariates.is_empty() {
                ""
            } else {
                " and every covariate"
            }
        )));
    }
    let subset = SampleSubset::new(group.samples.clone(), n_fam);
    let (variants, stats, qc) = qc_variants(ds, &subset, &opts.qc);
    if variants.is_empty() {
        return Err(Error::Degenerate(format!(
            "no variant passes QC on the {} analysed samples (MAF >= {}, missing rate <= {})",
            group.samples.len(),
            opts.qc.min_maf,
            opts.qc.max_missing
        )));
    }
    let ids = ids_of(ds, &group.samples);
    let (mut k, grm_variants, loco) = match opts.grm {
        GrmInput::Eigen(prefix) => {
            let (eigen, eids) = Eigen::open(prefix)?;
            if eids != ids {
                return Err(Error::Inconsistent(format!(
                    "the eigendecomposition {} was made for other samples ({} listed, {} analysed here, or in another order)",
                    prefix.display(),
                    eids.len(),
                    ids.len()
                )));
            }
            let spectrum = eigen.spectrum();
            return Ok(Prepared {
                group,
                ids,
                variants,
                stats,
                qc,
                eigen,
                spectrum,
                grm_variants: 0,
                loco: None,
            });
        }
        GrmInput::Build { kind, precision } => {
            let g = Genotypes::new(&ds.fileset.bed, &subset);
            let bo = BuildOptions {
                kind,
                precision,
                block_size: 1024,
                loco: opts.loco,
            };
            let sums = build(
                &g,
                ids.clone(),
                &variants,
                |v| &ds.fileset.variants[v as usize].chrom,
                &bo,
                par,
                progress,
            )?;
            let grm = sums.grm();
            let m = grm.n_variants;
            (grm.matrix, m, opts.loco.then_some(sums))
        }
        GrmInput::Gcta(prefix) => {
            let grm = format::gcta::read(prefix)?;
            let m = grm.n_variants;
            (subset_grm(&grm, &ids, prefix)?, m, None)
        }
        GrmInput::Gemma(path) => {
            let all: Vec<SampleId> = ds.fileset.fam.samples.iter().map(|s| s.id.clone()).collect();
            let grm = format::gemma::read(path, all)?;
            (subset_grm(&grm, &ids, path)?, 0, None)
        }
    };
    center(&mut k);
    let eigen = Eigen::decompose(k.as_ref(), par)?;
    let spectrum = eigen.spectrum();
    Ok(Prepared {
        group,
        ids,
        variants,
        stats,
        qc,
        eigen,
        spectrum,
        grm_variants,
        loco,
    })
}

/// The rows and columns of `grm` for `ids`, in that order.
fn subset_grm(grm: &Grm, ids: &[SampleId], source: &Path) -> Result<Mat<f64>> {
    let pos: HashMap<&SampleId, usize> = grm.ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
    let idx = ids
        .iter()
        .map(|id| {
            pos.get(id).copied().ok_or_else(|| {
                Error::Inconsistent(format!(
                    "sample '{id}' is analysed but not in the GRM {}",
                    source.display()
                ))
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok(grm.subset(&idx))
}

/// The design matrix of a group: intercept, then the dataset's covariates.
pub fn design(ds: &Dataset, group: &Group) -> (Mat<f64>, Vec<String>) {
    let n = group.samples.len();
    let c = ds.covariates.len() + 1;
    let mut w = Mat::<f64>::zeros(n, c);
    for (i, &s) in group.samples.iter().enumerate() {
        w[(i, 0)] = 1.0;
        for (j, col) in ds.covariates.iter().enumerate() {
            w[(i, j + 1)] = col[s as usize].unwrap_or(f64::NAN);
        }
    }
    let mut names = vec!["intercept".to_string()];
    names.extend(ds.covariate_names.iter().cloned());
    (w, names)
}

/// One phenotype's fitted null model.
#[derive(Debug, Clone)]
pub struct PhenoFit {
    /// Index into [`Dataset::phenotypes`].
    pub phenotype: usize,
    /// Its data in the eigenbasis.
    pub rot: Rotated,
    /// The fitted null model.
    pub null: NullModel,
}

/// Fits the null model of every phenotype of a prepared group.
///
/// # Errors
/// `Degenerate` for a constant phenotype, collinear covariates or too few
/// samples; `NoConvergence` when the likelihood cannot be evaluated.
pub fn fit_group(ds: &Dataset, prep: &Prepared, method: Method, search: &Search, par: Par) -> Result<Vec<PhenoFit>> {
    fit_with(ds, &prep.group, &prep.eigen, method, search, par)
}

fn fit_with(
    ds: &Dataset,
    group: &Group,
    eigen: &Eigen,
    method: Method,
    search: &Search,
    par: Par,
) -> Result<Vec<PhenoFit>> {
    fit_each(ds, group, method, search, |w, names, y| {
        Rotated::new(eigen, w, names, y, par)
    })
}

/// Fits every phenotype of `group`, with `rotate` turning its design and
/// phenotype into a [`Rotated`]; errors name the phenotype.
fn fit_each(
    ds: &Dataset,
    group: &Group,
    method: Method,
    search: &Search,
    rotate: impl Fn(MatRef<'_, f64>, &[String], &[f64]) -> Result<Rotated>,
) -> Result<Vec<PhenoFit>> {
    let (w, names) = design(ds, group);
    group
        .phenotypes
        .iter()
        .map(|&k| {
            let ph = &ds.phenotypes[k];
            let y: Vec<f64> = group
                .samples
                .iter()
                .map(|&s| ph.values[s as usize].unwrap_or(f64::NAN))
                .collect();
            let rot = rotate(w.as_ref(), &names, &y).map_err(|e| with_pheno(e, &ph.name))?;
            let null = fit_null(&rot, method, search).map_err(|e| with_pheno(e, &ph.name))?;
            Ok(PhenoFit {
                phenotype: k,
                rot,
                null,
            })
        })
        .collect()
}

fn with_pheno(e: Error, name: &str) -> Error {
    match e {
        Error::Degenerate(m) => Error::Degenerate(format!("phenotype '{name}': {m}")),
        Error::NoConvergence(m) => Error::NoConvergence(format!("phenotype '{name}': {m}")),
        other => other,
    }
}

/// How a group is scanned.
#[derive(Debug, Clone, Copy)]
pub enum Model {
    /// Linear mixed model with the given options.
    Lmm(ScanOptions),
    /// Ordinary least squares, same covariates.
    Linear(Tests),
}

/// Variants per rotation block.
pub const SCAN_BLOCK: usize = 512;

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
/// block (mean-imputed A1 counts), rotate it once (`Uᵀ X`, the dominant
/// cost), test it for each phenotype. Returns one row list per phenotype,
/// in `variants` order.
pub fn scan_variants(
    ds: &Dataset,
    group: &Group,
    fitted: &Fitted<'_>,
    variants: &[u32],
    par: Par,
    progress: &dyn Progress,
) -> Vec<Vec<AssocRow>> {
    let Fitted { u, fits, model } = *fitted;
    let n = group.samples.len();
    let subset = SampleSubset::new(group.samples.clone(), ds.fileset.fam.len());
    let g = Genotypes::new(&ds.fileset.bed, &subset);
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
    let mut stats = vec![AlleleStats::default(); bs];
    let mut rotated = Mat::<f64>::zeros(n, bs);
    let f32_rotation = match model {
        Model::Lmm(o) => o.rotation == Precision::F32,
        Model::Linear(_) => false,
    };
    // f32 rotation: Uᵀ converted once; each block is centred on its
    // variants' means before rounding (so the f32 sums are of centred
    // values, which keeps their rounding error small) and the means are
    // added back in f64 as `mean_j Uᵀ1`.
    let u32 = u
        .filter(|_| f32_rotation)
        .map(|u| Mat::<f32>::from_fn(n, n, |i, j| u[(j, i)] as f32));
    let ut_one: Vec<f64> = match (u, &u32) {
        (Some(u), Some(_)) => (0..n).map(|i| u.col(i).iter().sum()).collect(),
        _ => Vec::new(),
    };
    let mut x32 = Mat::<f32>::zeros(if u32.is_some() { n } else { 0 }, bs);
    let mut r32 = Mat::<f32>::zeros(if u32.is_some() { n } else { 0 }, bs);
    for chunk in variants.chunks(bs) {
        let b = chunk.len();
        g.decode_block(chunk, Encoding::MeanImputed, &mut block[..n * b], &mut stats[..b]);
        let x = MatRef::from_column_major_slice(&block[..n * b], n, b);
        let tx = match (u, &u32) {
            (Some(_), Some(ut)) => {
                let means: Vec<f64> = stats[..b]
                    .iter()
                    .map(|st| Some(st.mean()).filter(|m| m.is_finite()).unwrap_or(0.0))
                    .collect();
                x32.as_mut()
                    .subcols_mut(0, b)
                    .par_col_iter_mut()
                    .enumerate()
                    .for_each(|(j, mut col)| {
                        for i in 0..n {
                            col[i] = (x[(i, j)] - means[j]) as f32;
                        }
                    });
                faer::linalg::matmul::matmul(
                    r32.as_mut().subcols_mut(0, b),
                    faer::Accum::Replace,
                    ut.as_ref(),
                    x32.as_ref().subcols(0, b),
                    1.0f32,
                    par,
                );
                let r = r32.as_ref();
                rotated
                    .as_mut()
                    .subcols_mut(0, b)
                    .par_col_iter_mut()
                    .enumerate()
                    .for_each(|(j, mut col)| {
                        for i in 0..n {
                            col[i] = f64::from(r[(i, j)]) + means[j] * ut_one[i];
                        }
                    });
                rotated.as_ref().subcols(0, b)
            }
            (Some(u), None) => {
                rotate_block(u, x, rotated.as_mut().subcols_mut(0, b), par);
                rotated.as_ref().subcols(0, b)
            }
            (None, _) => x,
        };
        for (sc, rows) in scanners.iter().zip(out.iter_mut()) {
            sc.test_block(tx, chunk, &stats[..b], rows);
        }
        progress.inc(b as u64);
    }
    out
}

/// Scans a prepared group (whole-genome GRM).
pub fn scan_group(
    ds: &Dataset,
    prep: &Prepared,
    fits: &[PhenoFit],
    model: Model,
    par: Par,
    progress: &dyn Progress,
) -> Vec<Vec<AssocRow>> {
    let u = match model {
        Model::Lmm(_) => Some(prep.eigen.vectors()),
        Model::Linear(_) => None,
    };
    scan_variants(
        ds,
        &prep.group,
        &Fitted { u, fits, model },
        &prep.variants,
        par,
        progress,
    )
}

/// Null fits of `ds`'s phenotypes for ordinary least squares (no GRM).
///
/// # Errors
/// As [`fit_group`].
pub fn fit_linear(ds: &Dataset, group: &Group) -> Result<Vec<PhenoFit>> {
    fit_each(ds, group, Method::Ml, &Search::default(), Rotated::unrotated)
}

/// One chromosome's part of a LOCO scan.
#[derive(Debug)]
pub struct LocoPart {
    /// The chromosome left out of the GRM (and tested).
    pub chrom: genotype::Chrom,
    /// Null fits against the GRM without it.
    pub fits: Vec<PhenoFit>,
    /// Rows per phenotype for its variants.
    pub rows: Vec<Vec<AssocRow>>,
}

/// LOCO scan of a prepared group (built with `loco: true`): each
/// chromosome's variants are tested against the GRM without that
/// chromosome, with its own eigendecomposition and null fits.
///
/// # Errors
/// `InvalidArgument`-like `Inconsistent` when LOCO sums are absent; fit errors.
pub fn scan_loco(
    ds: &Dataset,
    prep: &Prepared,
    method: Method,
    opts: ScanOptions,
    par: Par,
    progress: &dyn Progress,
) -> Result<Vec<LocoPart>> {
    let sums = prep
        .loco
        .as_ref()
        .ok_or_else(|| Error::Inconsistent("LOCO needs a GRM built from the genotypes, not read from a file".into()))?;
    let mut parts = Vec::new();
    for chrom in sums.chromosomes() {
        let mut k = sums.loco(&chrom)?.matrix;
        center(&mut k);
        let eigen = Eigen::decompose(k.as_ref(), par)?;
        let fits = fit_with(ds, &prep.group, &eigen, method, &opts.search, par)?;
        let vs: Vec<u32> = prep
            .variants
            .iter()
            .copied()
            .filter(|&v| ds.fileset.variants[v as usize].chrom == chrom)
            .collect();
        let fitted = Fitted {
            u: Some(eigen.vectors()),
            fits: &fits,
            model: Model::Lmm(opts),
        };
        let rows = scan_variants(ds, &prep.group, &fitted, &vs, par, progress);
        parts.push(LocoPart { chrom, fits, rows });
    }
    Ok(parts)
}
