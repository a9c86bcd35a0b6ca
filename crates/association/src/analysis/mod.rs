//! One analysis, from a [`Dataset`] to fitted null models and scanned
//! variants: the one entry point `kindred reml`, `assoc` and `gwas` call.
//!
//! [`run`] groups the phenotypes by their analysed samples; for each group
//! it applies QC, builds or reads the GRM, decomposes it, fits every
//! phenotype's null model and, when asked, scans the variants (linear
//! mixed model, exact or fixed-ratio, optionally leaving each chromosome
//! out; or ordinary least squares). It reports each step to a
//! [`Reporter`] as it happens and returns typed results per phenotype.

use std::path::{Path, PathBuf};
use std::time::Instant;

use faer::Par;
use genotype::{Dataset, Genotypes, Progress, Qc, QcReport, SampleSubset};

use crate::error::{Error, Result};
use crate::fit::fit_linear;
use crate::group::groups;
use crate::likelihood::Method;
use crate::loco::{merge, scan_loco};
use crate::null_model::NullModel;
use crate::optimize::Search;
use crate::prepare::{prepare, GrmSource, Prepared};
use crate::pvalue::lambda_gc;
use crate::scan::{scan_variants, AssocRow, Fitted, Model};

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
    /// Write the eigendecomposition here (one sample set only).
    pub write_eigen: Option<PathBuf>,
    /// Parallelism of the matrix multiplies and the eigensolver; the
    /// per-variant loops run on the global rayon pool.
    pub par: Par,
}

/// A step of the analysis that shows progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Building the GRM (length unknown: 0).
    Grm,
    /// Scanning variants (length: variants to test).
    Scan,
}

/// What happened, reported as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// A group's GRM is built (or read) and decomposed.
    Prepared {
        /// The group's phenotype names.
        names: Vec<&'a str>,
        /// The group, its QC and spectrum.
        prepared: &'a Prepared,
        /// Wall time of QC, GRM and eigendecomposition.
        seconds: f64,
    },
    /// The eigendecomposition was written (`PREFIX.eigen.bin`, `.eigen.id`).
    EigenWritten {
        /// Its prefix.
        prefix: &'a Path,
    },
    /// Ordinary least squares: QC of a group.
    LinearQc {
        /// Analysed samples.
        n_samples: usize,
        /// QC counts.
        report: &'a QcReport,
    },
    /// A phenotype's null model is fitted.
    NullFitted {
        /// Phenotype name.
        name: &'a str,
        /// The fit.
        null: &'a NullModel,
    },
    /// A group's scan is done.
    Scanned {
        /// Whether it left each chromosome out.
        loco: bool,
        /// Wall time.
        seconds: f64,
    },
}

/// Receives the analysis's events and progress; the CLI implements it
/// with log lines and progress bars. The library never prints.
pub trait Reporter: Sync {
    /// One step happened.
    fn event(&self, event: Event<'_>);
    /// A counter for `stage` (`len` units, 0 when unknown), ended when dropped.
    fn progress(&self, stage: Stage, len: u64) -> Box<dyn Progress + '_>;
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
}

/// Runs the analysis; results come back in phenotype-column order.
///
/// # Errors
/// `InvalidArgument` for `write_eigen` with several sample sets or `loco`
/// with a GRM read from a file; the errors of QC, GRM, eigendecomposition
/// and fits, naming the file or phenotype.
pub fn run(ds: &Dataset, opts: &Options, reporter: &dyn Reporter) -> Result<Vec<PhenotypeResult>> {
    if opts.loco && !matches!(opts.grm, GrmSource::Build { .. }) {
        return Err(Error::InvalidArgument(
            "--loco builds per-chromosome GRMs from the genotypes; it cannot be combined with --grm or --eigen".into(),
        ));
    }
    let groups = groups(ds);
    if opts.write_eigen.is_some() && groups.len() > 1 {
        return Err(Error::InvalidArgument(format!(
            "--write-eigen needs one sample set, but the phenotypes have {} different sets of non-missing samples",
            groups.len()
        )));
    }
    let mut results = Vec::new();
    for group in groups {
        if let Some(Model::Linear(tests)) = opts.scan {
            let g_samples = SampleSubset::new(group.samples.clone(), ds.fileset.fam.len());
            let kept = opts
                .qc
                .apply(&Genotypes::new(&ds.fileset.bed, &g_samples), &ds.variants.kept);
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
            let rows = scan_variants(ds, &group, &fitted, &kept.variants, opts.par, &*progress);
            for (f, r) in fits.into_iter().zip(rows) {
                results.push(result(f.phenotype, group.samples.len(), None, r));
            }
            continue;
        }
        let t = Instant::now();
        let progress = reporter.progress(Stage::Grm, 0);
        let prep = prepare(ds, group, &opts.grm, &opts.qc, opts.loco, opts.par, &*progress)?;
        drop(progress);
        reporter.event(Event::Prepared {
            names: prep.group.names(ds),
            prepared: &prep,
            seconds: t.elapsed().as_secs_f64(),
        });
        if let Some(p) = &opts.write_eigen {
            prep.write_eigen(p)?;
            reporter.event(Event::EigenWritten { prefix: p });
        }
        let search = match opts.scan {
            Some(Model::Lmm(s)) => s.search,
            _ => Search::default(),
        };
        let fits = prep.fit(ds, opts.method, &search, opts.par)?;
        for f in &fits {
            reporter.event(Event::NullFitted {
                name: &ds.phenotypes[f.phenotype].name,
                null: &f.null,
            });
        }
        let n = prep.group.samples.len();
        let Some(Model::Lmm(sopts)) = opts.scan else {
            results.extend(
                fits.into_iter()
                    .map(|f| result(f.phenotype, n, Some(f.null), Vec::new())),
            );
            continue;
        };
        let progress = reporter.progress(Stage::Scan, prep.variants.len() as u64);
        let t = Instant::now();
        let rows = if opts.loco {
            let parts = scan_loco(ds, &prep, opts.method, sopts, opts.par, &*progress)?;
            merge(parts, fits.len())
        } else {
            prep.scan(ds, &fits, Model::Lmm(sopts), opts.par, &*progress)
        };
        reporter.event(Event::Scanned {
            loco: opts.loco,
            seconds: t.elapsed().as_secs_f64(),
        });
        for (f, r) in fits.into_iter().zip(rows) {
            results.push(result(f.phenotype, n, Some(f.null), r));
        }
    }
    results.sort_by_key(|r| r.phenotype);
    Ok(results)
}

fn result(phenotype: usize, n_samples: usize, null: Option<NullModel>, rows: Vec<AssocRow>) -> PhenotypeResult {
    PhenotypeResult {
        phenotype,
        n_samples,
        null,
        lambda_gc: lambda_gc(rows.iter().map(AssocRow::p_value)),
        rows,
    }
}

#[cfg(test)]
mod tests;
