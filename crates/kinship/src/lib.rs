//! Genomic relationship matrices (GRMs) for kindred, built from streamed
//! genotype blocks with faer's parallel matrix multiply, in the kinds and
//! file formats other tools use.
//!
//! | item | what it does |
//! |---|---|
//! | [`build`] | one pass over variant blocks: `S += Z Zᵀ` (lower triangle), optional per-chromosome sums |
//! | [`GrmSums::grm`], [`GrmSums::loco`] | the GRM, and the GRM without one chromosome, from those sums |
//! | [`GrmKind`] | GEMMA `-gk 1` (centered), `-gk 2` (standardized), GCTA |
//! | [`Grm::select`] | the rows and columns of given samples, matched by ID |
//! | [`format::gcta`] | `.grm.bin` / `.grm.N.bin` / `.grm.id` reader and writer |
//! | [`format::gemma`] | `.cXX.txt` / `.sXX.txt` reader (also `.gz`) and writer |
//! | [`format::write()`], [`GrmFormat`], [`format::loco_prefix`] | a GRM written under a prefix, the file named after format and kind |
//! | [`GrmFile::locate`], [`GrmFile::read`] | which format a user's GRM path is in, and reading it |
//!
//! Memory: the sums (`n²` `f64`, plus one `n²` per chromosome with LOCO)
//! and one `n x block` genotype block; never the genotype matrix.

mod block;
mod builder;
mod error;
pub mod format;
mod grm;
mod kind;
mod part;
mod sums;

pub use block::Precision;
pub use builder::{build, BuildOptions};
pub use error::{Error, ErrorKind, Result};
pub use format::{GrmFile, GrmFormat};
pub use grm::Grm;
pub use kind::GrmKind;
pub use sums::GrmSums;
