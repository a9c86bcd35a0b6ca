//! The error type of the `association` crate.

use std::path::PathBuf;

pub use genotype::{ErrorKind, Location};

/// Everything that can go wrong while fitting models and scanning variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading genotypes or tables failed.
    #[error(transparent)]
    Genotype(#[from] genotype::Error),
    /// Building or reading a GRM failed.
    #[error(transparent)]
    Kinship(#[from] kinship::Error),
    /// Reading or writing a file failed.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file written by kindred (eigendecomposition) is damaged.
    #[error("{at}: {what}")]
    Malformed {
        /// Where.
        at: Location,
        /// What is wrong.
        what: String,
    },
    /// Inputs disagree (a GRM or eigendecomposition for other samples).
    #[error("{0}")]
    Inconsistent(String),
    /// An option cannot be honoured (e.g. `--loco` with a GRM read from a file).
    #[error("{0}")]
    InvalidArgument(String),
    /// The data leave nothing to estimate (constant phenotype, collinear
    /// covariates, fewer samples than covariates).
    #[error("{0}")]
    Degenerate(String),
    /// A numerical routine failed.
    #[error("{0}")]
    NoConvergence(String),
    /// The run would need more memory than it was allowed (`--memory`).
    /// Its class is [`ErrorKind::OutOfMemory`].
    #[error(
        "--memory {} is less than this run needs ({estimate}); raise it, or analyse fewer samples (--keep, --remove)",
        kinship::memory::format_bytes(*.limit)
    )]
    MemoryLimit {
        /// The limit, in bytes.
        limit: u64,
        /// The estimate, as [`crate::MemoryEstimate::describe`] gives it.
        estimate: String,
    },
}

impl Error {
    /// The error's class (shared with the other kindred crates).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Genotype(e) => e.kind(),
            Error::Kinship(e) => e.kind(),
            Error::Io { .. } => ErrorKind::Io,
            Error::Malformed { .. } => ErrorKind::MalformedInput,
            Error::Inconsistent(_) => ErrorKind::InconsistentInput,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Degenerate(_) | Error::NoConvergence(_) => ErrorKind::DegenerateData,
            Error::MemoryLimit { .. } => ErrorKind::OutOfMemory,
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
