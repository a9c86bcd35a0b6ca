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

use std::collections::BTreeSet;
use std::path::Path;

use faer::Par;
use genotype::{bytes_per_variant, CovariateValues, Dataset};
use kinship::memory::{format_bytes, square_bytes};
use kinship::{GrmKind, Precision};

use crate::analysis::Options;
use crate::eigen::{bin_path, workspace_bytes};
use crate::error::{Error, Result};
use crate::group::groups;
use crate::prepare::GrmSource;
use crate::scan::{AssocRow, Mode, Model, SCAN_BLOCK};

/// Variants per block of the GRM pass (`kinship::BuildOptions`' default).
const GRM_BLOCK: usize = 1024;

/// Memory of each worker thread beyond the buffers counted per step: its
/// stack and faer's packing buffers (measured: a few MB).
const THREAD_BYTES: u64 = 4 << 20;

/// Mapped file pages enter the resident set in windows of this size (the
/// kernel's fault-around).
const PAGE_WINDOW: u64 = 64 << 10;

/// Resident memory of the program itself (code, libraries, threads), to
/// which the dataset adds [`PER_VARIANT`], [`PER_SAMPLE`] and [`PER_VALUE`]
/// (measured on Linux x86-64: 6.5 MB, 188 bytes per `.bim` line, ~700 per
/// `.fam` line).
const PROGRAM: u64 = 7_000_000;
/// Bytes of a `.bim` record in memory (the record, its three strings).
const PER_VARIANT: u64 = 190;
/// Bytes of a `.fam` record in memory (the record, its four strings, IDs
/// in the tables' indexes).
const PER_SAMPLE: u64 = 700;
/// Bytes of a phenotype or covariate value.
const PER_VALUE: u64 = 16;

/// A step of the analysis that holds memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The GRM pass over the variants: sums, block, block product.
    Build,
    /// The GRM formed from the sums.
    Form,
    /// A GRM file read, and the analysed samples' copy of it.
    Read,
    /// The eigendecomposition of the GRM.
    Decompose,
    /// The scan of the variants against the whole-genome GRM (or the
    /// ordinary least squares scan).
    Scan,
    /// LOCO: a chromosome's GRM formed from the sums.
    LocoForm,
    /// LOCO: a chromosome's eigendecomposition.
    LocoDecompose,
    /// LOCO: a chromosome's scan.
    LocoScan,
}

impl Step {
    /// What the step does, for logs.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Build => "the GRM pass",
            Step::Form => "forming the GRM",
            Step::Read => "reading the GRM file",
            Step::Decompose => "the eigendecomposition",
            Step::Scan => "the scan",
            Step::LocoForm => "forming a LOCO GRM",
            Step::LocoDecompose => "a LOCO eigendecomposition",
            Step::LocoScan => "a LOCO scan",
        }
    }
}

/// The memory one step holds, by kind, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepMemory {
    /// The step.
    pub step: Step,
    /// Samples of its group.
    pub n: usize,
    /// `n x n` matrices (`f64`, and `f32` copies), and LOCO sums.
    pub matrices: u64,
    /// The eigensolver's workspace.
    pub workspace: u64,
    /// Variant blocks and per-phenotype caches (`O(n)` columns).
    pub blocks: u64,
    /// Each worker thread's own buffers.
    pub per_thread: u64,
    /// Result rows held (this group's and earlier groups').
    pub rows: u64,
}

impl StepMemory {
    fn new(step: Step, n: usize) -> Self {
        Self {
            step,
            n,
            matrices: 0,
            workspace: 0,
            blocks: 0,
            per_thread: THREAD_BYTES,
            rows: 0,
        }
    }

    /// Its total with `threads` worker threads.
    pub fn bytes(&self, threads: usize) -> u64 {
        self.matrices
            .saturating_add(self.workspace)
            .saturating_add(self.blocks)
            .saturating_add(self.per_thread.saturating_mul(threads as u64))
            .saturating_add(self.rows)
    }
}

/// The memory and work of one analysis ([`estimate`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryEstimate {
    /// Samples of the largest group (phenotypes analysed on the same
    /// samples share one GRM and decomposition).
    pub n_samples: usize,
    /// Groups of samples.
    pub n_groups: usize,
    /// Phenotypes.
    pub n_phenotypes: usize,
    /// Variants selected, before QC (the QC pass, the GRM and the scan read
    /// at most these).
    pub n_variants: usize,
    /// Eigendecompositions of an `n x n` matrix the run makes.
    pub decompositions: usize,
    /// Worker threads.
    pub threads: usize,
    /// Memory of the program and the dataset (modelled from the dataset's
    /// size, so that the estimate does not depend on the machine).
    pub resident_bytes: u64,
    /// File pages the run maps and reads (`.bed`, eigen file).
    pub mapped_bytes: u64,
    /// The step at the peak (`None` when nothing is computed).
    pub peak_step: Option<StepMemory>,
    /// Estimated peak resident memory, in bytes; `None` beyond what can be
    /// addressed.
    pub peak_bytes: Option<u64>,
}

impl MemoryEstimate {
    /// The peak in megabytes (10⁶ bytes), rounded up, as a workflow's
    /// `mem_mb` wants it.
    pub fn peak_mb(&self) -> Option<u64> {
        self.peak_bytes.map(|b| b.div_ceil(1_000_000))
    }

    /// One line for logs: the peak and what it is made of.
    pub fn describe(&self) -> String {
        let Some(peak) = self.peak_bytes else {
            return format!("memory: more than can be addressed ({} samples)", self.n_samples);
        };
        let mut parts = Vec::new();
        if let Some(s) = self.peak_step {
            let mut add = |what: &str, b: u64| {
                if b > 0 {
                    parts.push(format!("{what} {}", format_bytes(b)));
                }
            };
            add("n x n matrices", s.matrices);
            add("eigensolver workspace", s.workspace);
            add("variant blocks", s.blocks);
            add("result rows", s.rows);
            parts.push(format!("{} threads x {}", self.threads, format_bytes(s.per_thread)));
            let step = format!("{} of {} samples: {}", s.step.describe(), s.n, parts.join(", "));
            parts = vec![step];
        }
        parts.push(format!("mapped files {}", format_bytes(self.mapped_bytes)));
        parts.push(format!("program and data {}", format_bytes(self.resident_bytes)));
        format!(
            "memory: about {} at the peak ({})",
            format_bytes(peak),
            parts.join("; ")
        )
    }

    /// One line for logs: the work.
    pub fn describe_work(&self) -> String {
        let plural = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
        format!(
            "work: {} ({}), {} selected (before QC), {}, {}",
            plural(self.n_samples, "sample", "samples"),
            if self.n_groups == 1 {
                "one sample set".to_string()
            } else {
                format!("the largest of {} sample sets", self.n_groups)
            },
            plural(self.n_variants, "variant", "variants"),
            plural(self.n_phenotypes, "phenotype", "phenotypes"),
            plural(self.decompositions, "eigendecomposition", "eigendecompositions")
        )
    }

    /// Refuses the run when its peak is more than `limit` bytes
    /// (`kindred --memory`); any estimate passes without a limit.
    ///
    /// # Errors
    /// `MemoryLimit` with the estimate (exit code as for out of memory).
    pub fn check(&self, limit: Option<u64>) -> Result<()> {
        match (limit, self.peak_bytes) {
            (None, _) => Ok(()),
            (Some(l), Some(p)) if p <= l => Ok(()),
            (Some(l), _) => Err(Error::MemoryLimit {
                limit: l,
                estimate: self.describe(),
            }),
        }
    }
}

/// The memory and work of [`crate::analysis::run`] with `opts` on `ds`,
/// without running it (reads only the size of an eigen file).
pub fn estimate(ds: &Dataset, opts: &Options) -> MemoryEstimate {
    let threads = threads(opts.par);
    let groups = groups(ds);
    let n_fam = ds.fileset.fam.len();
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
    let mut mapped = bed_pages(ds);
    if let GrmSource::Eigen { prefix, .. } = &opts.grm {
        mapped = mapped.saturating_add(eigen_file_bytes(prefix, ds.fileset.fam.len()));
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
            loco: loco_run(opts).then_some(loco_chroms),
        };
        let (group_steps, rows, decomps) = run.steps(opts);
        decompositions += decomps;
        steps.extend(group_steps.into_iter().map(|mut s| {
            s.rows = s.rows.saturating_add(held_rows);
            s
        }));
        held_rows = held_rows.saturating_add(rows);
    }
    finish(ds, m, groups.len(), decompositions, threads, mapped, steps)
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
        n_fam: ds.fileset.fam.len(),
        n_pheno: 0,
        m,
        c: 1,
        loco: loco.then_some(chroms),
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
        threads,
        resident_bytes: resident,
        mapped_bytes: mapped,
        peak_step: peak,
        peak_bytes: (total < u64::MAX / 2).then_some(total),
    }
}

/// The program's and the dataset's resident memory, modelled from the
/// dataset alone (not measured), so that `kindred plan` prints the same
/// estimate on any machine as the run computes on its node.
fn resident(ds: &Dataset) -> u64 {
    let n = ds.fileset.fam.len() as u64;
    let values = (ds.phenotypes.len() + ds.covariates.len()) as u64;
    PROGRAM
        .saturating_add(PER_VARIANT.saturating_mul(ds.fileset.variants.len() as u64))
        .saturating_add(PER_SAMPLE.saturating_mul(n))
        .saturating_add(PER_VALUE.saturating_mul(n).saturating_mul(values))
}

/// Chromosomes of the selected variants.
fn chromosomes(ds: &Dataset) -> usize {
    ds.variants
        .kept
        .iter()
        .map(|&v| &ds.fileset.variants[v as usize].chrom)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Whether the run makes per-chromosome decompositions (or reads them).
fn loco_run(opts: &Options) -> bool {
    opts.loco && (matches!(opts.scan, Some(Model::Lmm(_))) || opts.write_eigen.is_some())
}

/// Threads of `par` (the global pool runs the per-variant loops alike).
fn threads(par: Par) -> usize {
    match par {
        Par::Seq => 1,
        Par::Rayon(n) => n.get(),
    }
}

/// Resident bytes of the `.bed` pages the run reads: every selected
/// variant's bytes (QC reads them all), in fault-around windows.
fn bed_pages(ds: &Dataset) -> u64 {
    let bpv = bytes_per_variant(ds.fileset.fam.len()) as u64;
    let mut windows = 0u64;
    let mut last: Option<u64> = None;
    for &v in &ds.variants.kept {
        let start = 3 + u64::from(v) * bpv;
        let end = start + bpv.max(1) - 1;
        let (first, end_w) = (start / PAGE_WINDOW, end / PAGE_WINDOW);
        let from = last.map_or(first, |l| first.max(l + 1));
        if end_w >= from {
            windows += end_w - from + 1;
        }
        last = Some(last.map_or(end_w, |l| l.max(end_w)));
    }
    let file = 3 + bpv.saturating_mul(ds.fileset.variants.len() as u64);
    windows.saturating_mul(PAGE_WINDOW).min(file.next_multiple_of(4096))
}

/// The size of the eigen file `PREFIX.eigen.bin` (its vectors are mapped
/// and read whole), or that of `n` samples' vectors when it cannot be read.
fn eigen_file_bytes(prefix: &Path, n: usize) -> u64 {
    std::fs::metadata(bin_path(prefix))
        .map(|m| m.len())
        .unwrap_or_else(|_| square_bytes(n).unwrap_or(u64::MAX).saturating_add(8 * n as u64))
}

/// The GRM pass of a group.
struct Built {
    build: StepMemory,
    form: StepMemory,
    /// One part of the sums.
    part: u64,
    /// The sums kept after the pass (LOCO's).
    kept_sums: u64,
}

/// One group's share of the run.
struct GroupRun {
    /// Its samples.
    n: usize,
    /// Samples of the `.fam` (a GRM file holds them all).
    n_fam: usize,
    /// Its phenotypes.
    n_pheno: usize,
    /// Variants selected.
    m: usize,
    /// Model columns: intercept and covariates.
    c: usize,
    /// Chromosomes with a LOCO decomposition, when there are any.
    loco: Option<usize>,
}

impl GroupRun {
    /// Its steps, the bytes of its result rows and its decompositions.
    fn steps(&self, opts: &Options) -> (Vec<StepMemory>, u64, usize) {
        let n = self.n;
        let a = square_bytes(n).unwrap_or(u64::MAX / 4);
        let at = |step| StepMemory::new(step, n);
        let mut steps = Vec::new();
        let rows = if opts.scan.is_some() {
            (self.m as u64)
                .saturating_mul(self.n_pheno as u64)
                .saturating_mul(std::mem::size_of::<AssocRow>() as u64)
        } else {
            0
        };
        if let Some(Model::Linear(_)) = opts.scan {
            let mut s = at(Step::Scan);
            s.blocks = self.blocks(false, false, None);
            s.rows = rows;
            return (vec![s], rows, 0);
        }
        let ws = workspace_bytes(n, Par::Seq);
        let mut decomps = 0;
        // The group's eigenvectors while it is fitted and scanned (mapped
        // with an eigen file: counted with the mapped pages).
        let mut u = a;
        // Per-chromosome sums kept for LOCO.
        let mut sums = 0;
        let mut part = a;
        match opts.grm {
            GrmSource::Build { kind, precision } => {
                let b = self.build(kind, precision);
                (part, sums) = (b.part, b.kept_sums);
                steps.extend([b.build, b.form]);
            }
            GrmSource::File(_) => {
                let mut s = at(Step::Read);
                s.matrices = square_bytes(self.n_fam).unwrap_or(u64::MAX / 4).saturating_add(a);
                steps.push(s);
            }
            GrmSource::Eigen { .. } => u = 0,
        }
        if !matches!(opts.grm, GrmSource::Eigen { .. }) {
            let mut s = at(Step::Decompose);
            s.matrices = sums.saturating_add(a.saturating_mul(2));
            s.workspace = ws;
            steps.push(s);
            decomps += 1;
        }
        let f32_copy = match opts.scan {
            Some(Model::Lmm(o)) if o.rotation == Precision::F32 => a / 2,
            _ => 0,
        };
        // The exact mode's cached points: the search grid and two lambdas.
        let exact = match opts.scan {
            Some(Model::Lmm(o)) if o.mode == Mode::Exact => Some(o.search.grid().len() as u64 + 2),
            _ => None,
        };
        let scanning = matches!(opts.scan, Some(Model::Lmm(_)));
        match self.loco {
            Some(l) => {
                let held = sums.saturating_add(u);
                if sums > 0 {
                    let mut s = at(Step::LocoForm);
                    s.matrices = held.saturating_add(part).saturating_add(a);
                    steps.push(s);
                    let mut s = at(Step::LocoDecompose);
                    s.matrices = held.saturating_add(a.saturating_mul(2));
                    s.workspace = ws;
                    steps.push(s);
                    decomps += l;
                }
                if scanning {
                    // A chromosome's eigenvectors (decomposed, or mapped
                    // from its eigen file), their f32 copy; the rows of
                    // every chromosome, merged at the end (twice).
                    let mut s = at(Step::LocoScan);
                    s.matrices = held.saturating_add(a).saturating_add(f32_copy);
                    s.blocks = self.blocks(true, f32_copy > 0, exact);
                    s.per_thread = THREAD_BYTES.saturating_add(self.thread_bytes());
                    s.rows = rows.saturating_mul(2);
                    steps.push(s);
                }
            }
            None if scanning => {
                let mut s = at(Step::Scan);
                s.matrices = u.saturating_add(f32_copy);
                s.blocks = self.blocks(true, f32_copy > 0, exact);
                s.per_thread = THREAD_BYTES.saturating_add(self.thread_bytes());
                s.rows = rows;
                steps.push(s);
            }
            None => {}
        }
        (steps, rows, decomps)
    }

    /// The GRM pass and the forming of the GRM from its sums.
    fn build(&self, kind: GrmKind, precision: Precision) -> Built {
        let n = self.n;
        let a = square_bytes(n).unwrap_or(u64::MAX / 4);
        // GCTA's kind may add per-pair counts to each part of the sums.
        let part = if kind == GrmKind::Gcta { a.saturating_mul(2) } else { a };
        // The centered kind's exact blocks, and f32 blocks, have an f32
        // copy of the block and an f32 n x n block product.
        let f32s = kind == GrmKind::Centered || precision == Precision::F32;
        let b = GRM_BLOCK.min(self.m.max(1)) as u64 * n as u64;
        // With LOCO: the total, each chromosome's sums and the run being added.
        let (built, kept) = match self.loco {
            Some(l) => (l as u64 + 2, l as u64 + 1),
            None => (1, 0),
        };
        let mut build = StepMemory::new(Step::Build, n);
        build.matrices = part.saturating_mul(built).saturating_add(if f32s { a / 2 } else { 0 });
        build.blocks = b.saturating_mul(if f32s { 12 } else { 8 });
        let mut form = StepMemory::new(Step::Form, n);
        let counts = if kind == GrmKind::Gcta { a / 2 } else { 0 };
        form.matrices = part
            .saturating_mul(kept.max(1))
            .saturating_add(a)
            .saturating_add(counts);
        Built {
            build,
            form,
            part,
            kept_sums: part.saturating_mul(kept),
        }
    }

    /// The scan's variant blocks and caches: the decoded block, with
    /// `rotated` its rotation (and the f32 pair of blocks with `f32`), and
    /// in the exact mode (`exact`: its cached points) the block's squares
    /// and each phenotype's weights at the points.
    fn blocks(&self, rotated: bool, f32: bool, exact: Option<u64>) -> u64 {
        let n = self.n as u64;
        let bs = SCAN_BLOCK.min(self.m.max(1)) as u64;
        let col = n.saturating_mul(bs).saturating_mul(8);
        let mut b = if rotated { col.saturating_mul(2) } else { col };
        if f32 {
            b = b.saturating_add(col);
        }
        if let Some(points) = exact {
            let per_pheno = n
                .saturating_mul(8)
                .saturating_mul(3 * points * (self.c as u64 + 1) + 3 * points + 4 * points);
            b = b
                .saturating_add(col)
                .saturating_add(per_pheno.saturating_mul(self.n_pheno as u64));
        }
        b
    }

    /// A scan thread's own vectors: the variant's column and the
    /// likelihood's weights.
    fn thread_bytes(&self) -> u64 {
        (self.n as u64).saturating_mul(8 * 6)
    }
}

#[cfg(test)]
#[path = "estimate_tests.rs"]
mod tests;
