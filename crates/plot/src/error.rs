//! The crate's error type.

use std::path::{Path, PathBuf};

/// What can go wrong reading summary statistics or drawing them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The header has no column the plots need.
    #[error("{}: no {wanted} column (looked for {candidates}); header: {header}", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// What the column holds (e.g. "p-value").
        wanted: &'static str,
        /// The names looked for.
        candidates: String,
        /// The header line read.
        header: String,
    },
    /// A data line that cannot be read.
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The file holds no row with a p-value.
    #[error("{}: no row with a p-value to plot", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Drawing failed (an error of the drawing library).
    #[error("drawing {}: {message}", path.display())]
    Draw {
        /// The figure being drawn.
        path: PathBuf,
        /// The drawing library's message.
        message: String,
    },
    /// An output file cannot be written.
    #[error(transparent)]
    Output(#[from] genotype::Error),
}

impl Error {
    /// The class of the error, as the other crates of the workspace report
    /// it (`None` for a failure of the drawing library: an internal error).
    pub fn kind(&self) -> Option<genotype::ErrorKind> {
        use genotype::ErrorKind as K;
        match self {
            Error::Io { .. } => Some(K::Io),
            Error::MissingColumn { .. } | Error::Malformed { .. } => Some(K::MalformedInput),
            Error::Empty { .. } => Some(K::DegenerateData),
            Error::Draw { .. } => None,
            Error::Output(e) => Some(e.kind()),
        }
    }

    /// An I/O error on `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A drawing error for the figure at `path`.
    pub(crate) fn draw(path: &Path, e: impl std::fmt::Display) -> Self {
        Self::Draw {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
