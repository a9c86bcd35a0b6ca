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
