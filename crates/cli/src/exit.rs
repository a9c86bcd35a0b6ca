//! Exit codes, one per error class (documented in README.md).

/// Unexpected internal failure.
pub const INTERNAL: u8 = 1;
// 2 is clap's usage error.
/// A file could not be opened, read or written.
pub const IO: u8 = 3;
/// An input file is malformed.
pub const MALFORMED: u8 = 4;
/// Input files disagree with each other.
pub const INCONSISTENT: u8 = 5;
/// An option value cannot be honoured.
pub const INVALID_ARGUMENT: u8 = 6;
/// Nothing left to analyse (no samples, singular covariates, ...).
pub const DEGENERATE: u8 = 7;

/// The exit code for an error chain: the class of the first library error in it.
pub fn code(e: &anyhow::Error) -> u8 {
    use genotype::ErrorKind as K;
    for cause in e.chain() {
        let kind = if let Some(g) = cause.downcast_ref::<genotype::Error>() {
            g.kind()
        } else if let Some(k) = cause.downcast_ref::<kinship::Error>() {
            k.kind()
        } else if let Some(a) = cause.downcast_ref::<association::Error>() {
            a.kind()
        } else if let Some(s) = cause.downcast_ref::<simulate::Error>() {
            s.kind()
        } else if cause.downcast_ref::<std::io::Error>().is_some() {
            K::Io
        } else {
            continue;
        };
        return match kind {
            K::Io => IO,
            K::MalformedInput => MALFORMED,
            K::InconsistentInput => INCONSISTENT,
            K::InvalidArgument => INVALID_ARGUMENT,
            K::DegenerateData => DEGENERATE,
        };
    }
    INTERNAL
}

/// Whether the error is a closed stdout (`kindred ... | head`): not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
