//! Progress bars on stderr, only when stderr is a terminal and not `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar that the library loops feed through [`genotype::Progress`].
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar of `len` units labelled `what`; hidden when `quiet` or when
    /// stderr is not a terminal (indicatif checks).
    pub fn new(len: u64, what: &str, quiet: bool) -> Self {
        let pb = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
        };
        if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})") {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(what.to_string());
        Self(pb)
    }
}

impl Drop for Bar {
    /// Removes the bar from the terminal.
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl genotype::Progress for Bar {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
}
