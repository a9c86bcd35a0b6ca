//! One analysis, from a [`Dataset`] to fitted null models and scanned
//! variants: the one entry point `kindred reml`, `assoc` and `gwas` call.
//!
//! [`run`] groups the phenotypes by their analysed samples; for each group
//! it applies QC, builds or reads the GRM, decomposes it, fits every
//! phenotype's null model and, when asked, scans the variants (linear
//! mixed model, exact or fixed-ratio, optionally leaving each chromosome
//! out; or ordinary least squares). It reports each step to a
//! [`Reporter`] as it happens and returns typed results per phenotype.
//!
//! Modules: `events` (what the [`Reporter`] receives), `recorded` (the
//! null fits an eigen file records, checked on reuse).

mod events;
mod recorded;

use std::path::PathBuf;
use std::time::Instant;

use faer::Par;
use genotype::{Chrom, Dataset, Qc, SampleSubset, Window};

pub use events::{Event, Reporter, Stage};
pub(crate) use recorded::{check_recorded, fit_records};

use crate::blup::{predict, Blup, BlupOptions};
use crate::eigen::Arithmetic;
use crate::error::{Error, Result};
use crate::fit::fit_linear;
use crate::group::{selected_groups, Group};
use crate::likelihood::Method;
use crate::loco::{merge, scan_loco, LocoPlan, LocoRatio};
use crate::null_model::NullModel;
use crate::optimize::Search;
use crate::prepare::{prepare_in, GrmSource};
use crate::pvalue::lambda_gc;
use crate::scan::{scan_variants, AssocRow, Fitted, Mode, Model, ScanOptions};

/// What to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the GRM comes from.
    pub grm: GrmSource,
    /// Variant QC on each group's samples.
    pub qc: Qc,
    /// Likelihood of the null models (`kindred reml --method`; the scans use REML).
    pub method: Method,
    /// The scan to run after the null fits; `None` fits null models only.
    pub scan: Option<Model>,
    /// Test each chromosome against the GRM without it (needs a built GRM).
    pub loco: bool,
    /// With `loco`: the variance ratio each chromosome is tested at.
    pub loco_ratio: LocoRatio,
    /// Write the eigendecomposition here (one sample set only), with the
    /// null fits; with `loco`, also one per chromosome left out
    /// (`PREFIX.loco.CHR`).
    pub write_eigen: Option<PathBuf>,
    /// Test only the variants of this window (a chunk of the `.bim` or a
    /// region); the GRM and the null fits still use every variant.
    pub window: Option<Window>,
    /// With `loco` and no scan: the chromosomes whose LOCO decomposition is
    /// made (and written); `None` = every chromosome. Skips the
    /// whole-genome eigen file (another job writes it).
    pub loco_chroms: Option<Vec<Chrom>>,
    /// Parallelism of the matrix multiplies and the eigensolver; the
    /// per-variant loops run on the global rayon pool.
    pub par: Par,
    /// Refuse the run, before any heavy work, when its estimated peak
    /// memory ([`crate::estimate`]) is more than this many bytes.
    pub memory_limit: Option<u64>,
    /// Predict genetic values (and SNP effects) from each null model
    /// (`kindred reml --blup`); not with a window.
    pub blup: Option<BlupOptions>,
    /// Analyse only these phenotypes (indices into
    /// [`Dataset::phenotypes`]); `None` = every one. A scan with several
    /// variance components runs one phenotype at a time, each with its own
    /// combined kernel ([`GrmSource::Matrix`]).
    pub phenotypes: Option<Vec<usize>>,
}

impl Options {
    /// Null models only, REML, with the GRM from `grm`, the default QC, no
    /// LOCO, window or eigen output, no memory limit, sequential matrix
    /// routines: the base the commands (and tests) change what they need on.
    pub fn new(grm: GrmSource) -> Self {
        Self {
            grm,
            qc: Qc::default(),
            method: Method::Reml,
            scan: None,
            loco: false,
            loco_ratio: LocoRatio::Chromosome,
            write_eigen: None,
            window: None,
            loco_chroms: None,
            par: Par::Seq,
            memory_limit: None,
            blup: None,
            phenotypes: None,
        }
    }
}

impl Options {
    /// The mixed-model scan's options (`None`: no scan, or least squares).
    pub(crate) fn lmm_scan(&self) -> Option<ScanOptions> {
        match self.scan {
            Some(Model::Lmm(s)) => Some(s),
            _ => None,
        }
    }

    /// The decomposition's arithmetic: f64 throughout with an f64
    /// rotation (GEMMA's arithmetic) or with breeding values (reported to
    /// GEMMA's printed digits, which the f32 part moves by ~3e-6 of the
    /// largest); mixed otherwise.
    pub(crate) fn arithmetic(&self) -> Arithmetic {
        if self.blup.is_some() {
            return Arithmetic::F64;
        }
        match self.scan {
            Some(Model::Lmm(s)) if s.rotation == kinship::Precision::F64 => Arithmetic::F64,
            _ => Arithmetic::Mixed,
        }
    }

    /// Whether a group of `phenotypes` is better served without the
    /// GRM's eigenvectors ([`crate::Eigen::values_only`]): the null fits
    /// need only the eigenvalues and each phenotype's rotated design, and a
    /// fixed-ratio scan can whiten by a Cholesky factor instead of
    /// rotating. Not when anything needs the vectors (an exact scan of the
    /// whole genome, BLUP, eigen files written) or comes with them (eigen
    /// files read), nor where whitening costs more than the vectors save:
    /// it solves every variant once per phenotype and test pass (the score
    /// test is a second pass, at the ML ratio), where a rotation is shared
    /// by every phenotype and test. A LOCO scan tests against each
    /// chromosome's own GRM: the whole genome's serves the null fits only.
    /// Each phenotype's rotation reruns the tridiagonal QR sweeps (`O(n²)`),
    /// so a fit-only run takes this route for a few phenotypes only.
    pub(crate) fn values_only(&self, phenotypes: usize) -> bool {
        if self.write_eigen.is_some() || self.blup.is_some() || matches!(self.grm, GrmSource::Eigen { .. }) {
            return false;
        }
        let few = phenotypes <= 4;
        match self.scan {
            None => few,
            Some(Model::Lmm(_)) if self.loco => few,
            Some(Model::Lmm(s)) => s.mode == Mode::FixedRatio && phenotypes == 1 && !s.tests.score,
            Some(Model::Linear(_)) => false,
        }
    }
}

/// One phenotype's results.
#[derive(Debug, Clone)]
pub struct PhenotypeResult {
    /// Index into [`Dataset::phenotypes`].
    pub phenotype: usize,
    /// Analysed samples.
    pub n_samples: usize,
    /// The null model (`None` for ordinary least squares; with LOCO, the
    /// whole-genome GRM's).
    pub null: Option<NullModel>,
    /// Per-variant results in `.bim` order (empty without a scan).
    pub rows: Vec<AssocRow>,
    /// Genomic control of the main p-values (`None` without a scan).
    pub lambda_gc: Option<f64>,
    /// Mean of the phenotype over the analysed samples.
    pub trait_mean: f64,
    /// Its standard deviation (n - 1 denominator).
    pub trait_sd: f64,
    /// Predicted genetic values, when asked for ([`Options::blup`]).
    pub blup: Option<Blup>,
}

/// Runs the analysis; results come back in phenotype-column order.
///
/// # Errors
/// `MemoryLimit` when the estimated peak memory is more than
/// `memory_limit` (checked first, before any heavy work);
/// `InvalidArgument` for `write_eigen` with several sample sets, the
/// whole genome's LOCO ratio where it cannot run ([`LocoRatio::refusal`]), `loco`
/// with a GRM read from a GRM file or built from another fileset, `loco_chroms` without `loco` and
/// `write_eigen`, BLUP with a window or the linear model, SNP effects from
/// a GRM file (all before any work); `Inconsistent` for an eigen file made for other samples,
/// phenotypes, settings or fileset; the errors of QC, GRM,
/// eigendecomposition and fits, naming the file or phenotype.
pub fn run(ds: &Dataset, opts: &Options, reporter: &dyn Reporter) -> Result<Vec<PhenotypeResult>> {
    let other_genotypes = matches!(
        opts.grm,
        GrmSource::BuildFrom { .. }
            | GrmSource::Eigen {
                grm_fileset: Some(_),
                ..
            }
    );
    if opts.loco && other_genotypes {
        return Err(Error::InvalidArgument(
            "--loco with --grm-bfile is not implemented: per-chromosome GRMs are built from the analysed \
             genotypes; drop --grm-bfile (or --loco)"
                .into(),
        ));
    }
    if opts.loco && matches!(opts.grm, GrmSource::File(_) | GrmSource::Matrix(_)) {
        return Err(Error::InvalidArgument(
            "--loco needs the genotypes (to build per-chromosome GRMs) or LOCO eigen files (--eigen); \
             it cannot be combined with --grm"
                .into(),
        ));
    }
    let scan = opts.lmm_scan();
    let eigen_files = opts.write_eigen.is_some() || matches!(opts.grm, GrmSource::Eigen { .. });
    if let Some(why) = opts.loco_ratio.refusal(scan, eigen_files) {
        return Err(Error::InvalidArgument(why.into()));
    }
    if opts.loco_ratio == LocoRatio::Genome && !opts.loco {
        return Err(Error::InvalidArgument("the LOCO variance ratio needs --loco".into()));
    }
    if opts.loco_chroms.is_some() && !(opts.loco && opts.write_eigen.is_some() && opts.scan.is_none()) {
        return Err(Error::InvalidArgument(
            "--loco-chr names the LOCO eigendecompositions to write: it needs --loco and --write-eigen, without a scan"
                .into(),
        ));
    }
    if opts.blup.is_some() && (opts.window.is_some() || matches!(opts.scan, Some(Model::Linear(_)))) {
        return Err(Error::InvalidArgument(
            "BLUP predicts from the mixed model of the whole genome: not with a window or the linear model".into(),
        ));
    }
    if matches!(opts.blup, Some(b) if b.snp_effects) && matches!(opts.grm, GrmSource::File(_) | GrmSource::Matrix(_)) {
        return Err(Error::InvalidArgument(
            "--blup-snp: the GRM is read from a file, so the genotypes behind it are unknown; let kindred build it \
             (drop --grm)"
                .into(),
        ));
    }
    let estimate = crate::estimate(ds, opts);
    reporter.event(Event::Planned { estimate: &estimate });
    estimate.check(opts.memory_limit)?;
    let groups = selected_groups(ds, opts.phenotypes.as_deref());
    if opts.write_eigen.is_some() && groups.len() > 1 {
        return Err(Error::InvalidArgument(format!(
            "--write-eigen needs one sample set, but the phenotypes have {} different sets of non-missing samples",
            groups.len()
        )));
    }
    let mut results = Vec::new();
    for group in groups {
        if let Some(Model::Linear(tests)) = opts.scan {
            let g_samples = SampleSubset::new(group.samples.clone(), ds.n_samples());
            let candidates = in_window(ds, opts.window.as_ref(), &ds.variants.kept);
            let kept = opts.qc.apply(ds.decoder(&g_samples), &candidates)?;
            reporter.event(Event::LinearQc {
                n_samples: group.samples.len(),
                report: &kept.report,
            });
            let fits = fit_linear(ds, &group)?;
            let progress = reporter.progress(Stage::Scan, kept.variants.len() as u64);
            let fitted = Fitted {
                u: None,
                fits: &fits,
                model: Model::Linear(tests),
            };
            let rows = scan_variants(ds, &group, &fitted, &kept.variants, opts.par, &*progress)?;
            for (f, r) in fits.into_iter().zip(rows) {
                results.push(result(ds, &group.samples, f.phenotype, None, r));
            }
            continue;
        }
        results.extend(mixed_model(ds, group, opts, estimate.loco_jobs, reporter)?);
    }
    results.sort_by_key(|r| r.phenotype);
    Ok(results)
}

/// One group under the mixed model: GRM, decomposition, null fits, and
/// the scan (whole-genome or LOCO, `loco_jobs` chromosomes at once) of the
/// window's variants.
fn mixed_model(
    ds: &Dataset,
    group: Group,
    opts: &Options,
    loco_jobs: usize,
    reporter: &dyn Reporter,
) -> Result<Vec<PhenotypeResult>> {
    let t = Instant::now();
    let progress = reporter.progress(Stage::Grm, 0);
    let values_only = opts.values_only(group.phenotypes.len());
    let prep = prepare_in(
        ds,
        group,
        &opts.grm,
        &opts.qc,
        opts.window.as_ref(),
        opts.loco,
        values_only,
        opts.arithmetic(),
        opts.par,
        &*progress,
    )?;
    drop(progress);
    reporter.event(Event::Prepared {
        names: prep.group.names(ds),
        prepared: &prep,
        seconds: t.elapsed().as_secs_f64(),
    });
    let search = match opts.scan {
        Some(Model::Lmm(s)) => s.search,
        _ => Search::default(),
    };
    let fits = prep.fit(ds, opts.method, &search, opts.par)?;
    let eigen_in = match &opts.grm {
        GrmSource::Eigen { prefix, kind, .. } => Some((prefix.as_path(), *kind)),
        _ => None,
    };
    if let Some((prefix, _)) = eigen_in {
        check_recorded(ds, &prep.recorded_fits, &fits, prefix)?;
    }
    for f in &fits {
        reporter.event(Event::NullFitted {
            name: &ds.phenotypes[f.phenotype].name,
            null: &f.null,
        });
    }
    if let (Some(p), None) = (&opts.write_eigen, &opts.loco_chroms) {
        prep.write_eigen(p, fit_records(ds, &fits))?;
        reporter.event(Event::EigenWritten { prefix: p });
    }
    let mut blups: Vec<Option<Blup>> = match opts.blup {
        Some(b) => predict(ds, &prep, &fits, b, opts.par)?.into_iter().map(Some).collect(),
        None => vec![None; fits.len()],
    };
    let tested = in_window(ds, opts.window.as_ref(), &prep.variants);
    let sopts = opts.lmm_scan();
    let mut rows = vec![Vec::new(); fits.len()];
    if opts.loco && (sopts.is_some() || opts.write_eigen.is_some()) {
        // Only the chromosomes with something to test (or to write).
        let pool = if sopts.is_some() { &tested } else { &prep.variants };
        let mut chroms: Vec<Chrom> = pool.iter().map(|&v| ds.variants()[v as usize].chrom.clone()).collect();
        chroms.sort();
        chroms.dedup();
        if let Some(only) = &opts.loco_chroms {
            for c in only {
                if !chroms.contains(c) {
                    return Err(Error::InvalidArgument(format!(
                        "--loco-chr {c}: no variant of chromosome {c} passes QC, so no GRM leaves it out"
                    )));
                }
            }
            chroms.retain(|c| only.contains(c));
        }
        let plan = LocoPlan {
            read: eigen_in.map(|(p, k)| (p, k, &opts.qc)),
            write: opts.write_eigen.as_deref(),
            method: opts.method,
            search,
            scan: sopts,
            arith: opts.arithmetic(),
            ratio: opts.loco_ratio,
            jobs: loco_jobs,
        };
        let progress = reporter.progress(Stage::Scan, tested.len() as u64);
        let t = Instant::now();
        let parts = scan_loco(
            ds,
            &prep,
            &plan,
            &fits,
            &chroms,
            &tested,
            opts.par,
            &*progress,
            &mut |p| reporter.event(Event::EigenWritten { prefix: p }),
        )?;
        if sopts.is_some() {
            rows = merge(parts, fits.len());
            reporter.event(Event::Scanned {
                loco: true,
                seconds: t.elapsed().as_secs_f64(),
            });
        }
    } else if let Some(s) = sopts {
        let progress = reporter.progress(Stage::Scan, tested.len() as u64);
        let t = Instant::now();
        rows = prep.scan_some(ds, &fits, Model::Lmm(s), &tested, opts.par, &*progress)?;
        reporter.event(Event::Scanned {
            loco: false,
            seconds: t.elapsed().as_secs_f64(),
        });
    }
    Ok(fits
        .into_iter()
        .zip(rows)
        .zip(blups.iter_mut())
        .map(|((f, r), b)| PhenotypeResult {
            blup: b.take(),
            ..result(ds, &prep.group.samples, f.phenotype, Some(f.null), r)
        })
        .collect())
}

/// The variants of `variants` (`.bim` positions) inside `window` (all
/// without one).
fn in_window(ds: &Dataset, window: Option<&Window>, variants: &[u32]) -> Vec<u32> {
    match window {
        None => variants.to_vec(),
        Some(w) => w.filter(variants, ds.variants()),
    }
}

/// One phenotype's result over the analysed `samples` (`.fam` indices),
/// with the phenotype's mean and standard deviation over them.
fn result(
    ds: &Dataset,
    samples: &[u32],
    phenotype: usize,
    null: Option<NullModel>,
    rows: Vec<AssocRow>,
) -> PhenotypeResult {
    let y: Vec<f64> = samples
        .iter()
        .filter_map(|&s| ds.phenotypes[phenotype].values[s as usize])
        .collect();
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    PhenotypeResult {
        phenotype,
        n_samples: samples.len(),
        null,
        lambda_gc: lambda_gc(rows.iter().map(AssocRow::p_value)),
        rows,
        trait_mean: mean,
        trait_sd: var.sqrt(),
        blup: None,
    }
}

#[cfg(test)]
pub(crate) mod tests;
