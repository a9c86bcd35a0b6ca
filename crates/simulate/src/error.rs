//! The error type of the `simulate` crate.

pub use genotype::ErrorKind;

/// Everything that can go wrong while simulating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing an output file failed (the error names the file).
    #[error(transparent)]
    Genotype(#[from] genotype::Error),
    /// A parameter of [`SimConfig`](crate::SimConfig) is out of range or
    /// contradicts another.
    #[error("{0}")]
    InvalidArgument(String),
    /// The simulated data cannot carry what was asked (for example, every
    /// causal variant of a phenotype came out monomorphic, so no genetic
    /// variance can be scaled to the requested heritability).
    #[error("{0}")]
    Degenerate(String),
}

impl Error {
    /// The error's class (shared with the other kindred crates).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Genotype(e) => e.kind(),
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Degenerate(_) => ErrorKind::DegenerateData,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
