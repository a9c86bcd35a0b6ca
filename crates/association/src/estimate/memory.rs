//! The estimate's types: the steps of an analysis that hold memory, the
//! memory each holds by kind, and the whole estimate with the lines logs
//! print and the check against `--memory`.

use kinship::memory::format_bytes;

use crate::error::{Error, Result};

/// Memory of each worker thread beyond the buffers counted per step: its
/// stack and faer's packing buffers (measured: a few MB).
pub(super) const THREAD_BYTES: u64 = 4 << 20;

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
    /// LOCO chromosomes at this step at once (1 otherwise): what one
    /// holds is counted that many times.
    pub jobs: usize,
}

impl StepMemory {
    pub(super) fn new(step: Step, n: usize) -> Self {
        Self {
            step,
            n,
            matrices: 0,
            workspace: 0,
            blocks: 0,
            per_thread: THREAD_BYTES,
            rows: 0,
            jobs: 1,
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

/// The memory and work of one analysis ([`estimate`](super::estimate)).
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
    /// LOCO chromosomes decomposed and scanned at once: two with two or
    /// more threads (their sequential stretches fill each other's), one
    /// with one thread, for a whitened scan, or when two would pass the
    /// memory limit.
    pub loco_jobs: usize,
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
            let at_once = if s.jobs > 1 {
                format!(", {} chromosomes at once,", s.jobs)
            } else {
                String::new()
            };
            let step = format!(
                "{}{at_once} of {} samples: {}",
                s.step.describe(),
                s.n,
                parts.join(", ")
            );
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
