//! The end of a run interrupted by `SIGTERM` or `SIGINT` (what a scheduler
//! sends at its time limit, and Ctrl-C): no partial output, a line in the
//! `.log`, the prefix's lock removed, and exit code 128 + the signal's
//! number. [`crate::signals`] waits for the signals on a thread of its own
//! and calls [`stop`] there.
//!
//! The state the interrupted run must clean up is registered here as the
//! run goes: its `PREFIX.lock` ([`crate::lock::OutputLock`]), its log
//! ([`crate::outputs::Outputs::run`]), and whether its last writes are done
//! ([`finalizing`]). Lock order, everywhere: this state, then `genotype`'s
//! publication lock, then its list of temporary files, then the log's lines.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;

use crate::exit;
use crate::runlog::{LogLines, RunLog};

/// The log of the run in progress.
struct Log {
    path: PathBuf,
    lines: LogLines,
    start: Instant,
}

/// What an interruption must clean up.
pub struct Run {
    locks: Vec<PathBuf>,
    log: Option<Log>,
    finished: bool,
}

static RUN: Mutex<Run> = Mutex::new(Run {
    locks: Vec::new(),
    log: None,
    finished: false,
});

/// When the process started (for a run interrupted before its log).
static START: OnceLock<Instant> = OnceLock::new();

/// Records the process's start time (call first thing in `main`).
pub fn mark_start() {
    START.get_or_init(Instant::now);
}

/// The state, locked: an interruption waits until it is released.
pub fn state() -> MutexGuard<'static, Run> {
    // Every change is a push or a removal: a panic elsewhere leaves it valid.
    RUN.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Run {
    /// A lock file this process now holds, to be removed if it is interrupted.
    pub fn add_lock(&mut self, path: &Path) {
        self.locks.push(path.to_path_buf());
    }
}

/// A lock file this process no longer holds.
pub fn forget_lock(path: &Path) {
    state().locks.retain(|p| p != path);
}

/// The run's log: an interruption writes it, with the signal.
pub fn log_started(log: &RunLog) {
    let mut s = state();
    s.log = Some(Log {
        path: log.path().to_path_buf(),
        lines: log.lines(),
        start: log.started(),
    });
    s.finished = false;
}

/// The run's log is written: an interruption leaves it alone.
pub fn log_ended() {
    state().log = None;
}

/// Runs the last writes of a run (publishing its outputs, or writing the
/// log of a failure) so that an interruption either comes before them, and
/// then nothing is published, or waits for them and then leaves what they
/// wrote alone.
pub fn finalizing<T>(f: impl FnOnce() -> T) -> T {
    let mut s = state();
    let out = f();
    s.finished = true;
    out
}

/// Ends the process on signal `signo`: waits for a publication in progress,
/// removes every temporary file, writes the log with the interruption
/// (unless the run had already written its outputs), removes the lock
/// files, and exits with 128 + `signo`.
pub fn stop(signo: i32) -> ! {
    let name = match signo {
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "a signal",
    };
    let code = exit::interrupted(signo);
    let run = state();
    let (stopped, _removed) = genotype::stop_outputs();
    let since = run
        .log
        .as_ref()
        .map(|l| l.start)
        .or_else(|| START.get().copied())
        .unwrap_or_else(Instant::now);
    let what = format!("interrupted by {name} after {} s", since.elapsed().as_secs());
    let mut message = if run.finished {
        format!("kindred: {what}, once its outputs were written\n")
    } else {
        format!("kindred: {what}; nothing was published\n")
    };
    if let (Some(log), false) = (&run.log, run.finished) {
        let text = format!("{}{what}; nothing was published\nexit code: {code}\n", log.lines.text());
        if let Err(e) = stopped.write(&log.path, text.as_bytes()) {
            message.push_str(&format!("kindred: warning: the log could not be written: {e}\n"));
        }
    }
    for lock in &run.locks {
        let _ = std::fs::remove_file(lock);
    }
    // Written with write(2): another thread may hold std's stderr lock.
    // SAFETY: a write of a valid buffer to descriptor 2.
    unsafe { libc::write(2, message.as_ptr().cast(), message.len()) };
    std::process::exit(i32::from(code));
}
