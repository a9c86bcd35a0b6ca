//! Exit codes, one per error class (documented in README.md).

/// Unexpected internal failure, or more memory needed than the machine has.
pub const INTERNAL: u8 = 1;
// 2 is clap's usage error.
/// A file could not be opened, read or written; the output directory is not
/// writable; another run holds the `--out` prefix's lock; an input changed
/// during the run.
pub const IO: u8 = 3;
/// An input file is malformed.
pub const MALFORMED: u8 = 4;
/// Input files disagree with each other.
pub const INCONSISTENT: u8 = 5;
/// An option value cannot be honoured.
pub const INVALID_ARGUMENT: u8 = 6;
/// Nothing left to analyse (no samples, singular covariates, ...).
pub const DEGENERATE: u8 = 7;

/// The exit code of a run interrupted by signal `signo`: 128 + `signo`, as
/// a shell reports a process the signal killed (130 for `SIGINT`, 143 for
/// `SIGTERM`), so that a scheduler or workflow engine reads it the same way.
pub fn interrupted(signo: i32) -> u8 {
    u8::try_from(128 + signo).unwrap_or(INTERNAL)
}

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
        } else if let Some(p) = cause.downcast_ref::<plot::Error>() {
            match p.kind() {
                Some(k) => k,
                None => return INTERNAL,
            }
        } else if cause.is::<std::io::Error>()
            || cause.is::<crate::lock::Busy>()
            || cause.is::<crate::watch::InputChanged>()
        {
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
            K::OutOfMemory => INTERNAL,
        };
    }
    INTERNAL
}

/// A hint appended to the message of some system errors: a write past a
/// file-size limit (`EFBIG`, e.g. `ulimit -f`).
pub fn hint(e: &anyhow::Error) -> &'static str {
    let efbig = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::FileTooLarge)
    });
    if efbig {
        " (a file-size limit was reached: see `ulimit -f`); nothing was published"
    } else {
        ""
    }
}

/// Whether the error is a closed stdout (`kindred ... | head`): not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
