//! The CLI's [`association::Reporter`]: each event of an analysis becomes
//! lines of the run's `.log` (echoed on stderr), each stage a progress bar
//! (or progress lines, without a terminal).

use std::sync::{Mutex, MutexGuard};

use association::{Event, Reporter, Stage};
use genotype::Progress;

use crate::progress::Meter;
use crate::runlog::{LogLines, RunLog};

/// Which command is reporting (they log null fits differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `kindred reml`: a warning for a boundary estimate.
    Reml,
    /// `kindred assoc` / `gwas`: one line per fitted phenotype.
    Assoc,
}

/// Log lines and progress (bars, or lines without a terminal) for one run.
pub struct LogReporter<'a> {
    log: Mutex<&'a mut RunLog>,
    lines: LogLines,
    quiet: bool,
    command: Command,
}

impl<'a> LogReporter<'a> {
    /// Reports into `log`; progress hidden when `quiet`.
    pub fn new(log: &'a mut RunLog, quiet: bool, command: Command) -> Self {
        Self {
            lines: log.lines(),
            log: Mutex::new(log),
            quiet,
            command,
        }
    }

    /// The log, for lines outside the analysis.
    pub fn log(&self) -> MutexGuard<'_, &'a mut RunLog> {
        // A poisoned lock means a panic elsewhere, which ends the run anyway.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Reporter for LogReporter<'_> {
    fn event(&self, event: Event<'_>) {
        let mut log = self.log();
        match event {
            Event::Planned { estimate } => {
                log.info(estimate.describe_work());
                log.info(estimate.describe());
            }
            Event::Prepared {
                names,
                prepared: p,
                seconds,
            } => {
                if p.eigen.has_vectors() {
                    log.info(format!("GRM and eigendecomposition: {seconds:.2} s"));
                } else {
                    log.info(format!(
                        "GRM and eigenvalues: {seconds:.2} s (a tridiagonal reduction: nothing here needs eigenvectors)"
                    ));
                }
                log.info(format!(
                    "phenotype(s) {}: {} analysed samples",
                    names.join(", "),
                    p.group.samples.len()
                ));
                let q = &p.qc;
                log.info(format!(
                    "variants: {} considered, {} fail the missing rate, {} the MAF, {} are monomorphic; {} pass",
                    q.n_candidates, q.n_missing, q.n_maf, q.n_monomorphic, q.n_pass
                ));
                if let Some(q) = &p.grm_qc {
                    log.info(format!(
                        "GRM variants ({}): {} considered, {} fail the missing rate, {} the MAF, {} are monomorphic; {} pass",
                        p.provenance.grm.describe(),
                        q.n_candidates,
                        q.n_missing,
                        q.n_maf,
                        q.n_monomorphic,
                        q.n_pass
                    ));
                }
                let s = &p.spectrum;
                if s.n_negative > 0 {
                    log.warn(format!(
                        "the GRM is not positive semi-definite: smallest eigenvalue {:.3e}, {} negative; eigenvalues below 1e-10 are set to 0 (as GEMMA does)",
                        s.min, s.n_negative
                    ));
                }
                let arith = match p.eigen.mixed() {
                    Some(k) => format!("; the {k} largest found in f64, the rest in f32"),
                    None => String::new(),
                };
                log.info(format!(
                    "GRM eigenvalues: min {:.3e}, max {:.3e}, tr(K)/n {:.6}{arith}",
                    s.min, s.max, s.trace_over_n
                ));
            }
            Event::EigenWritten { prefix } => {
                let p = prefix.display();
                log.info(format!("wrote {p}.eigen.bin and {p}.eigen.id"));
            }
            Event::LinearQc { n_samples, report } => log.info(format!(
                "{n_samples} samples, {} variants pass QC (of {})",
                report.n_pass, report.n_candidates
            )),
            Event::NullFitted { name, null: m } => match self.command {
                Command::Assoc => log.info(format!(
                    "phenotype '{name}': pve {:.6} (se {:.6}), sigma_g2 {:.6}, sigma_e2 {:.6}, REML loglik {:.3}",
                    m.pve, m.pve_se, m.sigma_g2, m.sigma_e2, m.reml.1
                )),
                Command::Reml if m.at_boundary => log.warn(format!(
                    "phenotype '{name}': lambda is at the edge of its range (pve {:.4}): the estimate is a boundary value",
                    m.pve
                )),
                Command::Reml => {}
            },
            Event::Scanned { loco, seconds } => {
                let step = if loco { "LOCO scan" } else { "scan" };
                log.info(format!("{step}: {seconds:.2} s"));
            }
        }
    }

    fn progress(&self, stage: Stage, len: u64) -> Box<dyn Progress + '_> {
        let what = match stage {
            Stage::Grm => "GRM",
            Stage::Scan => "scan",
        };
        Box::new(Meter::new(what, len, self.quiet, &self.lines))
    }
}
