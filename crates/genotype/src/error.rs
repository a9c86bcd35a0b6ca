//! The one error type of the `genotype` crate.

use std::fmt;
use std::path::{Path, PathBuf};

/// Broad class of an [`Error`], after PLINK 2's error classes: the CLI maps
/// each class to one documented exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The operating system refused a read or a write.
    Io,
    /// A file is not in the format it claims (bad magic, short file, bad token).
    MalformedInput,
    /// Files disagree with each other (.fam/.bed sizes, unknown sample).
    InconsistentInput,
    /// A request makes no sense (bad threshold, empty selection asked for).
    InvalidArgument,
    /// The data leave nothing to analyse (no samples, zero variance).
    DegenerateData,
    /// The run needs more memory than the machine has (the message gives
    /// the estimate).
    OutOfMemory,
}

/// A place in an input file: the path and, when the problem is on one line,
/// its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number, when the problem is on one line.
    pub line: Option<usize>,
}

impl Location {
    /// A whole file.
    pub fn file(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
        }
    }
    /// One line of a file (1-based).
    pub fn line(path: &Path, line: usize) -> Self {
        Self {
            path: path.to_path_buf(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {}", self.path.display(), line),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// Everything that can go wrong while reading genotypes and tables.
///
/// Each variant names the file (and line when there is one) so the message
/// alone tells the user what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening, mapping, reading or writing a file failed.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file is not in the expected format.
    #[error("{at}: {what}")]
    Malformed {
        /// Where.
        at: Location,
        /// What is wrong.
        what: String,
    },
    /// Two inputs disagree.
    #[error("{at}: {what}")]
    Inconsistent {
        /// Where.
        at: Location,
        /// What is wrong.
        what: String,
    },
    /// A request that cannot be honoured.
    #[error("{0}")]
    InvalidArgument(String),
    /// Nothing left to analyse.
    #[error("{0}")]
    Degenerate(String),
}

impl Error {
    /// The error's class.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::Malformed { .. } => ErrorKind::MalformedInput,
            Error::Inconsistent { .. } => ErrorKind::InconsistentInput,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Degenerate(_) => ErrorKind::DegenerateData,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn malformed(at: Location, what: impl Into<String>) -> Self {
        Error::Malformed { at, what: what.into() }
    }

    pub(crate) fn inconsistent(at: Location, what: impl Into<String>) -> Self {
        Error::Inconsistent { at, what: what.into() }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
