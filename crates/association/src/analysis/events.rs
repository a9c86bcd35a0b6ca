//! What an analysis tells as it runs: its [`Event`]s and the [`Stage`]s
//! that show progress, received by a [`Reporter`] the caller implements.

use std::path::Path;

use genotype::{Progress, QcReport};

use crate::null_model::NullModel;
use crate::prepare::Prepared;

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
    /// The memory and work the run will need, estimated before any heavy
    /// work (and checked against [`Options::memory_limit`](super::Options::memory_limit)).
    Planned {
        /// The estimate.
        estimate: &'a crate::MemoryEstimate,
    },
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
