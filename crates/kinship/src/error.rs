//! The error type of the `kinship` crate.

use std::path::PathBuf;

pub use genotype::{ErrorKind, Location};

/// Everything that can go wrong while building, reading or writing a GRM.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading genotypes failed.
    #[error(transparent)]
    Genotype(#[from] genotype::Error),
    /// Reading or writing a GRM file failed.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A GRM file is not in the expected format.
    #[error("{at}: {what}")]
    Malformed {
        /// Where.
        at: Location,
        /// What is wrong.
        what: String,
    },
    /// A GRM does not fit the samples it is used with.
    #[error("{0}")]
    Inconsistent(String),
    /// Nothing to build a GRM from.
    #[error("{0}")]
    Degenerate(String),
    /// A request that cannot be honoured (a GRM file that does not exist).
    #[error("{0}")]
    InvalidArgument(String),
    /// An allocation larger than the memory available (or than can be
    /// addressed): refused before allocating, or failed without a panic.
    /// Its class is [`ErrorKind::OutOfMemory`] (exit code 1): the request cannot be
    /// honoured on this machine.
    #[error("{}", out_of_memory(what, *needed, *available))]
    OutOfMemory {
        /// What the memory is for (`the GRM sums of 60000 samples`).
        what: String,
        /// Bytes needed; `None` beyond what can be addressed.
        needed: Option<u64>,
        /// Bytes available, when the system says.
        available: Option<u64>,
    },
}

fn out_of_memory(what: &str, needed: Option<u64>, available: Option<u64>) -> String {
    use crate::memory::format_bytes;
    let needed = needed.map_or("more than can be addressed".to_string(), |b| {
        format!("about {} needed", format_bytes(b))
    });
    let available = available.map_or("the allocation failed".to_string(), |a| {
        format!("only {} available", format_bytes(a))
    });
    format!(
        "not enough memory for {what}: {needed}, {available}; analyse fewer samples (--keep, --remove) \
         or use a machine with more memory"
    )
}

impl Error {
    /// The error's class (shared with the other kindred crates).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Genotype(e) => e.kind(),
            Error::Io { .. } => ErrorKind::Io,
            Error::Malformed { .. } => ErrorKind::MalformedInput,
            Error::Inconsistent(_) => ErrorKind::InconsistentInput,
            Error::Degenerate(_) => ErrorKind::DegenerateData,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::OutOfMemory { .. } => ErrorKind::OutOfMemory,
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
