//! Progress of the long loops, on stderr: a bar when stderr is a terminal;
//! otherwise (a batch job, stderr in a file or pipe) a line every
//! [`INTERVAL_VAR`] seconds (10 by default), also written to the `.log`:
//!
//! ```text
//! scan: 120000/1000000 variants (12%), 45 s elapsed, ~330 s left
//! grm: 52000 variants, 20 s elapsed
//! ```
//!
//! (the GRM's length is not known before QC, so its line gives the count
//! alone). Nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runlog::LogLines;

/// The environment variable that sets the seconds between progress lines
/// (a positive number; 10 when unset or not one), e.g. shorter for tests.
pub const INTERVAL_VAR: &str = "KINDRED_PROGRESS_SECONDS";

/// Seconds between progress lines by default.
const DEFAULT_INTERVAL: f64 = 10.0;

/// Progress of one loop, fed by the library through [`genotype::Progress`];
/// the bar is removed, or the line thread stopped, when it is dropped.
pub struct Meter(Shown);

enum Shown {
    Bar(ProgressBar),
    Lines(Lines),
    Hidden,
}

impl Meter {
    /// Progress of `len` variants (0: not known) labelled `label` (`GRM`,
    /// `scan`; lines use it in lower case), as a bar on a terminal, as
    /// lines on stderr and in `log` otherwise; hidden when `quiet`.
    pub fn new(label: &str, len: u64, quiet: bool, log: &LogLines) -> Self {
        if quiet {
            return Self(Shown::Hidden);
        }
        if std::io::stderr().is_terminal() {
            return Self(Shown::Bar(bar(label, len)));
        }
        match Lines::start(label.to_lowercase(), len, interval(), log.clone()) {
            Some(lines) => Self(Shown::Lines(lines)),
            None => Self(Shown::Hidden),
        }
    }
}

impl genotype::Progress for Meter {
    fn inc(&self, n: u64) {
        match &self.0 {
            Shown::Bar(pb) => pb.inc(n),
            Shown::Lines(l) => {
                l.done.fetch_add(n, Ordering::Relaxed);
            }
            Shown::Hidden => {}
        }
    }
}

impl Drop for Meter {
    /// Removes the bar from the terminal.
    fn drop(&mut self) {
        if let Shown::Bar(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

/// An indicatif bar on stderr.
fn bar(label: &str, len: u64) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(label.to_string());
    pb
}

/// The seconds between lines: [`INTERVAL_VAR`], or 10.
fn interval() -> Duration {
    std::env::var(INTERVAL_VAR)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
        .map_or(Duration::from_secs_f64(DEFAULT_INTERVAL), Duration::from_secs_f64)
}

/// A thread that prints a progress line every interval until dropped.
struct Lines {
    done: Arc<AtomicU64>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Lines {
    /// Starts the thread; `None` if it cannot be started.
    fn start(label: String, len: u64, every: Duration, log: LogLines) -> Option<Self> {
        let done = Arc::new(AtomicU64::new(0));
        let (stop, wait) = mpsc::channel::<()>();
        let count = Arc::clone(&done);
        let start = Instant::now();
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(every) {
                    let l = line(&label, count.load(Ordering::Relaxed), len, start.elapsed());
                    eprintln!("{l}");
                    log.push(l);
                }
            })
            .ok()?;
        Some(Self {
            done,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Lines {
    /// Stops the thread (closing its channel) and waits for it.
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One progress line: `done` of `len` variants (0: not known) after `elapsed`.
fn line(label: &str, done: u64, len: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if len == 0 {
        return format!("{label}: {done} variants, {secs:.0} s elapsed");
    }
    let pct = u128::from(done) * 100 / u128::from(len);
    let mut s = format!("{label}: {done}/{len} variants ({pct}%), {secs:.0} s elapsed");
    if done > 0 && done < len {
        let left = secs * (len - done) as f64 / done as f64;
        s.push_str(&format!(", ~{left:.0} s left"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use genotype::Progress;

    #[test]
    fn lines_say_how_far_how_long_and_how_long_left() {
        let s = |x| Duration::from_secs(x);
        assert_eq!(
            line("scan", 120_000, 1_000_000, s(45)),
            "scan: 120000/1000000 variants (12%), 45 s elapsed, ~330 s left"
        );
        assert_eq!(line("scan", 0, 10, s(3)), "scan: 0/10 variants (0%), 3 s elapsed");
        assert_eq!(line("scan", 10, 10, s(3)), "scan: 10/10 variants (100%), 3 s elapsed");
        assert_eq!(line("grm", 52_000, 0, s(20)), "grm: 52000 variants, 20 s elapsed");
    }

    #[test]
    fn the_line_thread_writes_to_the_log_until_dropped() {
        let log = LogLines::default();
        let lines = Lines::start("scan".into(), 100, Duration::from_millis(20), log.clone()).unwrap();
        let meter = Meter(Shown::Lines(lines));
        meter.inc(40);
        std::thread::sleep(Duration::from_millis(150));
        drop(meter);
        let text = log.text();
        let after = text.lines().count();
        assert!(after >= 2, "{text}");
        assert!(text.contains("scan: 40/100 variants (40%)"), "{text}");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(log.text().lines().count(), after, "no line after the drop");
    }
}
