//! The `.log` file beside every output (PLINK 2's shape: version, command
//! line, host, directory, threads, counts, timings, peak memory, warnings; for a failed
//! run, the error and exit code; for an interrupted one, the signal).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use anyhow::Context;
use genotype::{with_extension, AtomicFile};
use kinship::memory::format_bytes;

/// The lines of a run's log, shared by the threads that add to it (the
/// run, its progress lines) and the one that writes them when the run is
/// interrupted.
#[derive(Debug, Clone, Default)]
pub struct LogLines(Arc<Mutex<Vec<String>>>);

impl LogLines {
    fn lock(&self) -> MutexGuard<'_, Vec<String>> {
        // A line pushed is whole: a panic elsewhere leaves the list valid.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a line to the log only (the caller prints it if it should).
    pub fn push(&self, line: String) {
        self.lock().push(line);
    }

    /// The lines so far, as the text of a log file.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in self.lock().iter() {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// Collects log lines, echoes them to stderr and writes `PREFIX.log` at the
/// end of the run, whether it succeeds or fails.
pub struct RunLog {
    path: PathBuf,
    lines: LogLines,
    start: Instant,
    quiet: bool,
    warnings: Vec<String>,
}

impl RunLog {
    /// Starts the log of a run writing to `prefix`.
    pub fn start(prefix: &Path, quiet: bool) -> Self {
        let log = Self {
            path: with_extension(prefix, "log"),
            lines: LogLines::default(),
            start: Instant::now(),
            quiet,
            warnings: Vec::new(),
        };
        let l = &log.lines;
        l.push(format!("kindred {}", env!("CARGO_PKG_VERSION")));
        l.push(format!("command: {}", std::env::args().collect::<Vec<_>>().join(" ")));
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        l.push(format!("host: {}", host.trim()));
        if let Ok(dir) = std::env::current_dir() {
            l.push(format!("directory: {}", dir.display()));
        }
        l.push(format!("threads: {}", rayon::current_num_threads()));
        log
    }

    /// The file this log is written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its lines, for the threads that add to them or write them.
    pub fn lines(&self) -> LogLines {
        self.lines.clone()
    }

    /// When the run started.
    pub fn started(&self) -> Instant {
        self.start
    }

    /// Records a line (also printed on stderr unless quiet).
    pub fn info(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if !self.quiet {
            eprintln!("{msg}");
        }
        self.lines.push(msg);
    }

    /// Records a warning (always printed on stderr).
    pub fn warn(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        eprintln!("warning: {msg}");
        self.lines.push(format!("warning: {msg}"));
        self.warnings.push(msg);
    }

    /// Warnings so far.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Records how long a step took.
    pub fn timed<T>(&mut self, step: &str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.info(format!("{step}: {:.2} s", t.elapsed().as_secs_f64()));
        out
    }

    /// Seconds since the start of the run.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Writes the log file (atomically; published with the run's other
    /// outputs while an [`genotype::OutputSet`] is open).
    pub fn finish(&mut self) -> anyhow::Result<()> {
        self.totals();
        self.write()
    }

    /// The closing lines: total time and peak resident memory.
    fn totals(&self) {
        let total = self.elapsed();
        self.lines.push(format!("total time: {total:.2} s"));
        if let Some(b) = crate::memory::peak_resident_bytes() {
            self.lines.push(format!("peak memory: {}", format_bytes(b)));
        }
    }

    /// Writes the log of a failed run: it ends with the error and the exit
    /// code (the error itself is printed by `main`, not echoed here).
    pub fn fail(&mut self, e: &anyhow::Error, code: u8) -> anyhow::Result<()> {
        self.totals();
        self.lines.push(format!("error: {e:#}"));
        self.lines.push(format!("exit code: {code}"));
        self.write()
    }

    fn write(&self) -> anyhow::Result<()> {
        let text = self.lines.text();
        let mut f = AtomicFile::create(&self.path)?;
        f.write_all(text.as_bytes())
            .with_context(|| format!("writing {}", self.path.display()))?;
        f.commit()?;
        Ok(())
    }
}
