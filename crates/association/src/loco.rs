//! Leave one chromosome out: each chromosome's variants are tested against
//! the GRM without that chromosome. Which variance ratio each chromosome
//! is tested at is [`LocoRatio`]'s choice:
//!
//! * [`LocoRatio::Chromosome`] (the default, as FaST-LMM): re-estimated
//!   against the chromosome's GRM. The exact test (which needs the
//!   eigenbasis) and LOCO eigen files eigendecompose that GRM for its own
//!   null fits; a fixed-ratio scan without eigen files and without the
//!   score test (whose ML ratio would double the work) finds the REML ratio
//!   from a few Cholesky factorisations (`factored::fit_ratio`) and tests
//!   on the whitened data, no eigendecomposition;
//! * [`LocoRatio::Genome`] (fixed-ratio scans only, as BOLT-LMM and REGENIE
//!   keep one set of variance parameters): the whole-genome null model's
//!   `lambda`s, so a chromosome costs one Cholesky factorisation of
//!   `lambda K_-c + I` and a triangular solve of its variants
//!   (`scan::whitened`), no eigendecomposition.
//!
//! The GRM is the whole-genome sums minus the chromosome's own, built when
//! its turn comes (so memory does not grow with the number of
//! chromosomes), or it comes from the eigen files
//! `E.loco.CHR.eigen.bin` that an earlier run wrote with `--write-eigen E`
//! (one job for all chromosomes, or one per chromosome), so that the jobs
//! of a scattered scan reuse them. Chromosomes on eigendecompositions run
//! [`LocoPlan::jobs`] at a time (two with two threads): the same bits
//! as one at a time, for a second chromosome's matrices in memory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use faer::Par;
use genotype::{Chrom, Dataset, NoProgress, Progress, Qc, SampleSubset};
use kinship::format::loco_prefix;
use kinship::GrmKind;
use rayon::prelude::*;

use crate::eigen::{Arithmetic, Eigen, FitRecord, Reuse};
use crate::error::{Error, Result};
use crate::fit::{fit_group, PhenoFit};
use crate::likelihood::Method;
use crate::optimize::Search;
use crate::prepare::{decompose_reusing, open_eigen, Prepared};
use crate::scan::{scan_variants, scan_whitened, AssocRow, Fitted, Mode, Model, Ratios, ScanOptions, Spare};

/// Which variance ratio a LOCO scan tests each chromosome at (see the
/// module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LocoRatio {
    /// Re-estimated against each chromosome's GRM (FaST-LMM's choice).
    #[default]
    Chromosome,
    /// The whole-genome null model's, for a fixed-ratio scan without
    /// eigen files: one factorisation per chromosome.
    Genome,
}

/// One chromosome's part of a LOCO scan.
#[derive(Debug)]
pub struct LocoPart {
    /// The chromosome left out of the GRM (and tested).
    pub chrom: Chrom,
    /// Null fits against the GRM without it (empty when the scan ran on
    /// a Cholesky factor, which estimates the ratios only).
    pub fits: Vec<PhenoFit>,
    /// Per phenotype, the `(REML, ML)` `lambda` its variants were tested
    /// at (`NaN` where no test used it).
    pub lambdas: Vec<(f64, f64)>,
    /// Rows per phenotype for its variants (empty without a scan).
    pub rows: Vec<Vec<AssocRow>>,
}

/// Where the LOCO decompositions come from and go.
#[derive(Debug, Clone, Copy)]
pub struct LocoPlan<'a> {
    /// Read `E.loco.CHR` eigen files of this prefix, made with this kind
    /// and QC; `None`: decompose the per-chromosome sums of the prepared
    /// group.
    pub read: Option<(&'a Path, GrmKind, &'a Qc)>,
    /// Write each decomposition, with its fits, as `E.loco.CHR`.
    pub write: Option<&'a Path>,
    /// Likelihood and search of the null fits.
    pub method: Method,
    /// Search of the variance ratio.
    pub search: Search,
    /// The scan; `None` fits (and writes) only.
    pub scan: Option<ScanOptions>,
    /// Arithmetic of the decompositions.
    pub arith: Arithmetic,
    /// The variance ratio of each chromosome; [`LocoRatio::Genome`] needs a
    /// fixed-ratio scan and neither `read` nor `write`.
    pub ratio: LocoRatio,
    /// Chromosomes decomposed at once (scans on eigendecompositions only;
    /// [`crate::MemoryEstimate::loco_jobs`]): with two threads, two
    /// decompositions fill each other's sequential stretches (mouse LOCO
    /// 0.86 of one at a time), for a second chromosome's matrices in
    /// memory. The results are the same bits for any value.
    pub jobs: usize,
}

impl LocoRatio {
    /// Why a LOCO scan with `scan` (`None`: fits only), reading or writing
    /// LOCO eigen files or not, cannot use this ratio, if it cannot.
    pub fn refusal(self, scan: Option<ScanOptions>, eigen_files: bool) -> Option<&'static str> {
        if self != LocoRatio::Genome {
            None
        } else if !scan.is_some_and(|s| s.mode == Mode::FixedRatio) {
            Some("the whole genome's variance ratio applies to a fixed-ratio LOCO scan (--fixed-ratio)")
        } else if eigen_files {
            Some(
                "LOCO eigen files hold each chromosome's own fits: the whole genome's variance ratio \
                 tests without them (drop --eigen/--write-eigen, or test at each chromosome's ratio)",
            )
        } else {
            None
        }
    }
}

/// The scan a LOCO run with `scan` (`None`: fits only) at `ratio`, reading
/// or writing LOCO eigen files or not, runs on whitened data (a Cholesky
/// factor of each chromosome's `lambda K + I`, no eigendecomposition), if
/// it does: a fixed-ratio scan without eigen files, unless each
/// chromosome's ML ratio is to be re-estimated too (for the score test),
/// where one eigendecomposition serving both fits and one rotation is as
/// cheap as doubling the factorisations and solves. The memory plan
/// follows the same rule.
pub(crate) fn whitened_scan(scan: Option<ScanOptions>, ratio: LocoRatio, eigen_files: bool) -> Option<ScanOptions> {
    scan.filter(|s| s.mode == Mode::FixedRatio && !eigen_files && (ratio == LocoRatio::Genome || !s.tests.score))
}

/// The LOCO eigen file of chromosome `chrom` for the prefix `prefix`.
pub fn loco_eigen_prefix(prefix: &Path, chrom: &Chrom) -> PathBuf {
    loco_prefix(prefix, chrom)
}

/// LOCO fits (and scans of `tested`, `.bim` positions in order) of a
/// prepared group for each of `chroms`, in order; `genome` are the group's
/// whole-genome fits; `written` receives each eigen file written.
///
/// # Errors
/// `InvalidArgument` for a ratio the plan cannot use ([`LocoRatio::refusal`]);
/// `Inconsistent` when the group has no per-chromosome sums and no eigen
/// files are given, or an eigen file was made for other samples, another
/// chromosome, fileset or settings, or other phenotypes; fit errors.
#[allow(clippy::too_many_arguments)]
pub fn scan_loco(
    ds: &Dataset,
    prep: &Prepared,
    plan: &LocoPlan<'_>,
    genome: &[PhenoFit],
    chroms: &[Chrom],
    tested: &[u32],
    par: Par,
    progress: &dyn Progress,
    written: &mut dyn FnMut(&Path),
) -> Result<Vec<LocoPart>> {
    if let Some(why) = plan
        .ratio
        .refusal(plan.scan, plan.read.is_some() || plan.write.is_some())
    {
        return Err(Error::InvalidArgument(why.into()));
    }
    let whitened = whitened_scan(plan.scan, plan.ratio, plan.read.is_some() || plan.write.is_some());
    let Some(opts) = whitened else {
        return exact_parts(ds, prep, plan, chroms, tested, par, progress, written);
    };
    let mut parts = Vec::new();
    // the last chromosome's matrices, for the next one's
    let mut spare = Spare::default();
    for chrom in chroms {
        let mut k = loco_grm(ds, prep, chrom, par, spare.k.take())?;
        crate::eigen::center(&mut k);
        let ratios = match plan.ratio {
            LocoRatio::Genome => Ratios::Fitted,
            LocoRatio::Chromosome => Ratios::Refit(&plan.search),
        };
        let vs = on_chrom(ds, tested, chrom);
        // (the chromosome's variants in the fileset, not the window's)
        let serves = on_chrom(ds, &prep.variants, chrom).len();
        let (rows, lambdas) = scan_whitened(
            ds,
            &prep.group,
            k,
            genome,
            ratios,
            opts,
            &vs,
            serves,
            par,
            progress,
            &mut spare,
        )?;
        parts.push(LocoPart {
            chrom: chrom.clone(),
            fits: Vec::new(),
            lambdas,
            rows,
        });
    }
    Ok(parts)
}

/// The variants of `list` (`.bim` positions) on `chrom`, in order.
fn on_chrom(ds: &Dataset, list: &[u32], chrom: &Chrom) -> Vec<u32> {
    list.iter()
        .copied()
        .filter(|&v| ds.variants()[v as usize].chrom == *chrom)
        .collect()
}

/// The parts of a scan on each chromosome's eigendecomposition, made
/// `plan.jobs` chromosomes at a time (returned in order; eigen files
/// reported to `written` in order). Each of `plan.jobs` workers takes the
/// next chromosome as soon as it is done with one, in its own eigensolver
/// workspace, so that at most `plan.jobs` chromosomes are in flight and no
/// worker waits for another (chromosomes differ in their variants' work).
/// Each chromosome's part is the same whatever the number of jobs and
/// whichever worker makes it: its decomposition, fits and scan run with
/// `par`, whose splits are fixed, on the one thread pool.
#[allow(clippy::too_many_arguments)]
fn exact_parts(
    ds: &Dataset,
    prep: &Prepared,
    plan: &LocoPlan<'_>,
    chroms: &[Chrom],
    tested: &[u32],
    par: Par,
    progress: &dyn Progress,
    written: &mut dyn FnMut(&Path),
) -> Result<Vec<LocoPart>> {
    let next = AtomicUsize::new(0);
    // Each worker's chromosomes, by position; after a failure the counter
    // is moved past the end, so that no worker starts another.
    let mut done: Vec<_> = (0..plan.jobs.max(1))
        .into_par_iter()
        .flat_map_iter(|_| {
            let mut reuse = Reuse::default();
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(chrom) = chroms.get(i) else { break mine };
                let part = exact_part(ds, prep, plan, chrom, tested, par, progress, &mut reuse);
                if part.is_err() {
                    next.store(chroms.len(), Ordering::Relaxed);
                }
                mine.push((i, part));
            }
        })
        .collect();
    done.sort_by_key(|(i, _)| *i);
    let mut parts = Vec::with_capacity(done.len());
    let mut first_error = None;
    for (_, d) in done {
        match d {
            Ok((part, wrote)) => {
                if let Some(p) = wrote {
                    written(&p);
                }
                parts.push(part);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(parts),
    }
}

/// One chromosome's part on its own eigendecomposition (in `reuse`'s
/// workspace): null fits, its eigen file written (the path returned), its
/// variants of `tested` scanned.
#[allow(clippy::too_many_arguments)]
fn exact_part(
    ds: &Dataset,
    prep: &Prepared,
    plan: &LocoPlan<'_>,
    chrom: &Chrom,
    tested: &[u32],
    par: Par,
    progress: &dyn Progress,
    reuse: &mut Reuse,
) -> Result<(LocoPart, Option<PathBuf>)> {
    let (eigen, recorded) = loco_eigen(ds, prep, plan, chrom, par, reuse)?;
    let fits = fit_group(ds, &prep.group, &eigen, plan.method, &plan.search, par)?;
    if let (Some(recorded), Some((prefix, ..))) = (&recorded, plan.read) {
        crate::analysis::check_recorded(ds, recorded, &fits, &loco_eigen_prefix(prefix, chrom))?;
    }
    let mut wrote = None;
    if let Some(out) = plan.write {
        let p = loco_eigen_prefix(out, chrom);
        prep.write_other(&eigen, &p, Some(chrom), crate::analysis::fit_records(ds, &fits))?;
        wrote = Some(p);
    }
    let rows = match plan.scan {
        Some(opts) => {
            let vs = on_chrom(ds, tested, chrom);
            let fitted = Fitted {
                u: Some(eigen.vectors()),
                fits: &fits,
                model: Model::Lmm(opts),
            };
            scan_variants(ds, &prep.group, &fitted, &vs, par, progress)?
        }
        None => Vec::new(),
    };
    let part = LocoPart {
        chrom: chrom.clone(),
        lambdas: fits.iter().map(|f| (f.null.reml.0, f.null.ml.0)).collect(),
        fits,
        rows,
    };
    Ok((part, wrote))
}

/// The decomposition of the GRM without `chrom` (in `reuse`'s workspace),
/// and the fits its eigen file recorded when it was read from one.
fn loco_eigen(
    ds: &Dataset,
    prep: &Prepared,
    plan: &LocoPlan<'_>,
    chrom: &Chrom,
    par: Par,
    reuse: &mut Reuse,
) -> Result<(Eigen, Option<Vec<FitRecord>>)> {
    if let Some((prefix, kind, qc)) = plan.read {
        let p = loco_eigen_prefix(prefix, chrom);
        let from = prep.provenance.grm.genotypes();
        let file = open_eigen(&p, Some(chrom), &prep.ids, &prep.provenance.fileset, from, kind, qc)?;
        return Ok((file.eigen, Some(file.record.null_fits)));
    }
    Ok((
        decompose_reusing(loco_grm(ds, prep, chrom, par, None)?, plan.arith, par, reuse)?,
        None,
    ))
}

/// The GRM without `chrom`, from the prepared group's whole-genome sums
/// (not centred), in `spare`'s storage when that is `n x n`.
fn loco_grm(
    ds: &Dataset,
    prep: &Prepared,
    chrom: &Chrom,
    par: Par,
    spare: Option<faer::Mat<f64>>,
) -> Result<faer::Mat<f64>> {
    let loco = prep.loco.as_ref().ok_or_else(|| {
        Error::Inconsistent("LOCO needs a GRM built from the genotypes or LOCO eigen files, not a GRM file".into())
    })?;
    let own: Vec<u32> = prep
        .variants
        .iter()
        .copied()
        .filter(|&v| ds.variants()[v as usize].chrom == *chrom)
        .collect();
    if own.is_empty() {
        return Err(Error::Inconsistent(format!(
            "no variant of chromosome {chrom} is in the GRM: nothing to leave out"
        )));
    }
    let subset = SampleSubset::new(prep.group.samples.clone(), ds.n_samples());
    let part = kinship::build_in(
        ds.decoder(&subset),
        prep.ids.clone(),
        &own,
        |v| &ds.variants()[v as usize].chrom,
        &loco.options,
        par,
        &NoProgress,
        spare,
    )?;
    Ok(loco.sums.without(part)?.matrix)
}

/// Per phenotype, the parts' rows merged back into `.bim` order.
pub fn merge(parts: Vec<LocoPart>, n_phenotypes: usize) -> Vec<Vec<AssocRow>> {
    let mut rows: Vec<Vec<AssocRow>> = vec![Vec::new(); n_phenotypes];
    for part in parts {
        for (acc, r) in rows.iter_mut().zip(part.rows) {
            acc.extend(r);
        }
    }
    for r in &mut rows {
        r.sort_by_key(|row| row.variant);
    }
    rows
}
