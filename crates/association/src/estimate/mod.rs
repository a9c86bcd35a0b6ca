//! The memory and work of an analysis, estimated before it runs, so that a
//! run says up front what it will need (a scheduler's memory request), and
//! refuses at once when that is more than it may use, instead of being
//! killed half-way.
//!
//! The peak resident memory is modelled step by step as the analysis
//! allocates (see [`Step`]): for each group of samples, the GRM pass (its
//! sums, the variant block and the `f32` block product), forming the GRM,
//! the eigendecomposition (matrix, eigenvectors, faer's workspace), the
//! scan (eigenvectors, their `f32` copy, the variant blocks, per-phenotype
//! caches, per-thread buffers and the result rows) and, with LOCO, the same
//! per chromosome beside the per-chromosome sums. To the largest step are
//! added the memory of the program and its dataset and the file pages the
//! run maps and reads (the `.bed` and an eigen file), which count in the
//! resident set too. The estimate depends only on the inputs, the options
//! and the thread count (nothing is measured), so that `kindred plan` on a
//! login node prints what the job computes on its node.
//!
//! Modules: `memory` (the estimate's types and log lines), `steps` (one
//! group's steps and what each holds), `resident` (the program, its
//! dataset and the mapped file pages).

mod memory;
mod resident;
mod steps;

use std::collections::BTreeSet;

use faer::Par;
use genotype::{CovariateValues, Dataset};
use kinship::memory::square_bytes;
use kinship::{GrmKind, Precision};

pub use memory::{MemoryEstimate, Step, StepMemory};
use resident::{bed_pages, eigen_file_bytes, resident};
use steps::GroupRun;

use crate::analysis::Options;
use crate::group::selected_groups;
use crate::prepare::GrmSource;
use crate::scan::Model;

/// The memory and work of [`crate::analysis::run`] with `opts` on `ds`,
/// without running it (reads only the size of an eigen file).
///
/// A LOCO scan on eigendecompositions runs two chromosomes at once with
/// two or more threads ([`MemoryEstimate::loco_jobs`]), one at a time when
/// two would pass `opts.memory_limit`.
pub fn estimate(ds: &Dataset, opts: &Options) -> MemoryEstimate {
    let wanted = if threads(opts.par) > 1 && loco_run(opts) && !whitened_loco(opts) {
        2
    } else {
        1
    };
    let e = estimate_with(ds, opts, wanted);
    if wanted > 1 && e.check(opts.memory_limit).is_err() {
        return estimate_with(ds, opts, 1);
    }
    e
}

/// [`estimate`] with `loco_jobs` LOCO chromosomes at once.
fn estimate_with(ds: &Dataset, opts: &Options, loco_jobs: usize) -> MemoryEstimate {
    let threads = threads(opts.par);
    let groups = selected_groups(ds, opts.phenotypes.as_deref());
    let n_fam = ds.n_samples();
    let m = ds.variants.kept.len();
    let c = 1 + ds
        .covariates
        .columns
        .iter()
        .map(|col| match &col.values {
            CovariateValues::Numeric(_) => 1,
            CovariateValues::Categorical { levels, .. } => levels.len().saturating_sub(1),
        })
        .sum::<usize>();
    let chroms = chromosomes(ds);
    let loco_chroms = match &opts.loco_chroms {
        Some(only) => only.len().min(chroms),
        None => chroms,
    };
    let loco = loco_run(opts);
    // (no more jobs than chromosomes; one without LOCO)
    let loco_jobs = if loco { loco_jobs.min(loco_chroms.max(1)) } else { 1 };
    let mut mapped = bed_pages(ds);
    if let GrmSource::BuildFrom { fileset, .. } = &opts.grm {
        // the GRM fileset's .bed, read whole
        let bytes = std::fs::metadata(genotype::with_extension(fileset.prefix(), "bed")).map_or(0, |m| m.len());
        mapped = mapped.saturating_add(bytes);
    }
    if let GrmSource::Eigen { prefix, .. } = &opts.grm {
        mapped = mapped.saturating_add(eigen_file_bytes(prefix, ds.n_samples()));
    }
    let mut held_rows = 0u64;
    let mut steps = Vec::new();
    let mut decompositions = 0;
    // A group without samples is refused before any allocation.
    for g in groups.iter().filter(|g| !g.samples.is_empty()) {
        let run = GroupRun {
            n: g.samples.len(),
            n_fam,
            n_pheno: g.phenotypes.len(),
            m,
            c,
            loco: loco.then_some(loco_chroms),
            loco_jobs,
        };
        let (group_steps, rows, decomps) = run.steps(opts);
        decompositions += decomps;
        steps.extend(group_steps.into_iter().map(|mut s| {
            s.rows = s.rows.saturating_add(held_rows);
            s
        }));
        held_rows = held_rows.saturating_add(rows);
    }
    let mut e = finish(ds, m, groups.len(), decompositions, threads, mapped, steps);
    e.loco_jobs = loco_jobs;
    e
}

/// The memory and work of `kindred grm`: the GRM of `n` samples built
/// from every selected variant with `kind` and `precision`, written, and
/// with `loco` each chromosome's GRM formed from the sums and written.
pub fn estimate_grm(
    ds: &Dataset,
    n: usize,
    kind: GrmKind,
    precision: Precision,
    loco: bool,
    par: Par,
) -> MemoryEstimate {
    let m = ds.variants.kept.len();
    let chroms = chromosomes(ds);
    let run = GroupRun {
        n,
        n_fam: ds.n_samples(),
        n_pheno: 0,
        m,
        c: 1,
        loco: loco.then_some(chroms),
        loco_jobs: 1,
    };
    let b = run.build(kind, precision);
    let a = square_bytes(n).unwrap_or(u64::MAX / 4);
    let mut steps = vec![b.build, b.form];
    if loco {
        // the sums, the whole GRM (written first, kept), a chromosome's
        // difference of sums and its GRM
        let mut s = StepMemory::new(Step::LocoForm, n);
        s.matrices = b.kept_sums.saturating_add(a).saturating_add(b.part).saturating_add(a);
        steps.push(s);
    }
    finish(ds, m, 1, 0, threads(par), bed_pages(ds), steps)
}

/// The estimate from the steps of every group.
fn finish(
    ds: &Dataset,
    m: usize,
    n_groups: usize,
    decompositions: usize,
    threads: usize,
    mapped: u64,
    steps: Vec<StepMemory>,
) -> MemoryEstimate {
    let peak = steps
        .into_iter()
        .reduce(|p, s| if s.bytes(threads) > p.bytes(threads) { s } else { p });
    let resident = resident(ds);
    let total = resident
        .saturating_add(mapped)
        .saturating_add(peak.map_or(0, |s| s.bytes(threads)));
    MemoryEstimate {
        n_samples: peak.map_or(0, |s| s.n),
        n_groups,
        n_phenotypes: ds.phenotypes.len(),
        n_variants: m,
        decompositions,
        loco_jobs: 1,
        threads,
        resident_bytes: resident,
        mapped_bytes: mapped,
        peak_step: peak,
        peak_bytes: (total < u64::MAX / 2).then_some(total),
    }
}

/// Chromosomes of the selected variants.
fn chromosomes(ds: &Dataset) -> usize {
    ds.variants
        .kept
        .iter()
        .map(|&v| &ds.variants()[v as usize].chrom)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Whether the run makes per-chromosome decompositions (or reads them).
fn loco_run(opts: &Options) -> bool {
    opts.loco && (matches!(opts.scan, Some(Model::Lmm(_))) || opts.write_eigen.is_some())
}

/// Whether a LOCO run scans on Cholesky factors (no decompositions, one
/// chromosome at a time).
fn whitened_loco(opts: &Options) -> bool {
    let eigen_files = opts.write_eigen.is_some() || matches!(opts.grm, GrmSource::Eigen { .. });
    crate::loco::whitened_scan(opts.lmm_scan(), opts.loco_ratio, eigen_files).is_some()
}

/// Threads of `par` (the global pool runs the per-variant loops alike).
fn threads(par: Par) -> usize {
    match par {
        Par::Seq => 1,
        Par::Rayon(n) => n.get(),
    }
}

#[cfg(test)]
mod tests;
