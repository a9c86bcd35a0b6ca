//! Progress reporting from library loops to whoever owns the terminal.

/// Receives progress from long library loops. Libraries never print; the
/// CLI implements this with a progress bar. Must be cheap and thread-safe.
pub trait Progress: Sync {
    /// `n` more units (variants, usually) are done.
    fn inc(&self, n: u64);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn inc(&self, _n: u64) {}
}
