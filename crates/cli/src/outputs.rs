//! The life of a run's outputs. Before any computation, [`Outputs::claim`]
//! checks that files can be created where they go, records the inputs'
//! state and takes the prefix's lock; [`Outputs::run`] then starts the
//! `.log`, runs the command with every output staged as a temporary file,
//! and publishes them all only when all are written and no input changed.
//! A failed run publishes none of them, and its `.log` ends with the error;
//! an interrupted one ([`crate::interrupt`]) publishes none either, and its
//! `.log` ends with the signal.

use std::path::{Path, PathBuf};

use anyhow::Context;
use genotype::{with_extension, AtomicFile, OutputSet};

use crate::lock::OutputLock;
use crate::runlog::RunLog;
use crate::watch::InputSnapshot;
use crate::{exit, interrupt};

/// A run that owns its `--out` prefix.
pub struct Outputs {
    prefix: PathBuf,
    lock: OutputLock,
    inputs: InputSnapshot,
    quiet: bool,
}

impl Outputs {
    /// Checks that files can be created beside `out` and beside every
    /// prefix of `also` (e.g. `--write-eigen`), records the state of the
    /// `inputs` and takes `out`'s lock.
    ///
    /// # Errors
    /// The directory that cannot be written to (exit code 3), or the run
    /// that holds the lock ([`crate::lock::Busy`]).
    pub fn claim(out: &Path, also: &[&Path], inputs: &[PathBuf], quiet: bool) -> anyhow::Result<Self> {
        for prefix in std::iter::once(out).chain(also.iter().copied()) {
            check_writable(prefix)?;
        }
        // Recorded before the lock is visible, so that a change made once
        // the lock file exists is always found.
        let inputs = InputSnapshot::record(inputs);
        let lock = OutputLock::acquire(out)?;
        Ok(Self {
            prefix: out.to_path_buf(),
            lock,
            inputs,
            quiet,
        })
    }

    /// Runs `body` with the run's log, then publishes every file it wrote
    /// (the log last), or, when it or the publication fails, none of them:
    /// the log is then written alone, ending with the error and exit code.
    ///
    /// # Errors
    /// Those of `body`; an input that changed during the run
    /// ([`crate::watch::InputChanged`]); a file that cannot be published.
    pub fn run(self, body: impl FnOnce(&mut RunLog) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let mut log = RunLog::start(&self.prefix, self.quiet);
        interrupt::log_started(&log);
        if let Some(pid) = self.lock.stale_pid {
            log.warn(format!(
                "took over {}, left by a run (PID {pid}) that ended without removing it",
                self.lock.path().display()
            ));
        }
        let set = OutputSet::open();
        let result = body(&mut log).and_then(|()| {
            self.inputs.verify()?;
            log.finish()?;
            interrupt::finalizing(|| set.publish())?;
            Ok(())
        });
        // The set is closed here (published, or its files removed).
        if let Err(e) = &result {
            if !exit::is_broken_pipe(e) {
                if let Err(le) = interrupt::finalizing(|| log.fail(e, exit::code(e))) {
                    eprintln!("kindred: warning: the log could not be written: {le:#}");
                }
            }
        }
        interrupt::log_ended();
        result
    }
}

/// Fails, naming the directory, when no file can be created beside
/// `prefix`: a temporary file is created there and removed.
fn check_writable(prefix: &Path) -> anyhow::Result<()> {
    let dir = match prefix.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let probe = AtomicFile::create(&with_extension(prefix, "probe"));
    let cause = match probe {
        Ok(_) => return Ok(()),
        Err(genotype::Error::Io { source, .. }) => anyhow::Error::new(source),
        Err(e) => anyhow::Error::new(e),
    };
    Err(cause).with_context(|| {
        format!(
            "cannot create files in the output directory {} (for {})",
            dir.display(),
            prefix.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_8_unwritable_output_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        check_writable(&dir.path().join("x")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let missing = dir.path().join("missing");
        let e = check_writable(&missing.join("x")).unwrap_err();
        assert!(format!("{e:#}").contains(&*missing.to_string_lossy()), "{e:#}");
        assert_eq!(exit::code(&e), exit::IO);
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let e = check_writable(&file.join("x")).unwrap_err();
        assert!(format!("{e:#}").contains("file"), "{e:#}");
    }
}
