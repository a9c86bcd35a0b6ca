//! Association.
pub use genotype::ErrorKind;
/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading genotypes failed.
    #[error(transparent)]
    Genotype(#[from] genotype::Error),
}
impl Error {
    /// Class.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Genotype(e) => e.kind(),
        }
    }
}
