//! The `.log` file beside every output (PLINK 2's shape: version, command
//! line, host, directory, threads, counts, timings, warnings; for a failed
//! run, the error and exit code).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use genotype::{with_extension, AtomicFile};

/// Collects log lines, echoes them to stderr and writes `PREFIX.log` at the
/// end of the run, whether it succeeds or fails.
pub struct RunLog {
    path: PathBuf,
    lines: Vec<String>,
    start: Instant,
    quiet: bool,
    warnings: Vec<String>,
}

impl RunLog {
    /// Starts the log of a run writing to `prefix`.
    pub fn start(prefix: &Path, quiet: bool) -> Self {
        let mut log = Self {
            path: with_extension(prefix, "log"),
            lines: Vec::new(),
            start: Instant::now(),
            quiet,
            warnings: Vec::new(),
        };
        log.lines.push(format!("kindred {}", env!("CARGO_PKG_VERSION")));
        log.lines
            .push(format!("command: {}", std::env::args().collect::<Vec<_>>().join(" ")));
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        log.lines.push(format!("host: {}", host.trim()));
        if let Ok(dir) = std::env::current_dir() {
            log.lines.push(format!("directory: {}", dir.display()));
        }
        log.lines.push(format!("threads: {}", rayon::current_num_threads()));
        log
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
        let total = self.elapsed();
        self.lines.push(format!("total time: {total:.2} s"));
        self.write()
    }

    /// Writes the log of a failed run: it ends with the error and the exit
    /// code (the error itself is printed by `main`, not echoed here).
    pub fn fail(&mut self, e: &anyhow::Error, code: u8) -> anyhow::Result<()> {
        let total = self.elapsed();
        self.lines.push(format!("total time: {total:.2} s"));
        self.lines.push(format!("error: {e:#}"));
        self.lines.push(format!("exit code: {code}"));
        self.write()
    }

    fn write(&self) -> anyhow::Result<()> {
        let mut f = AtomicFile::create(&self.path)?;
        for l in &self.lines {
            writeln!(f, "{l}").with_context(|| format!("writing {}", self.path.display()))?;
        }
        f.commit()?;
        Ok(())
    }
}
