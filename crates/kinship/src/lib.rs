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
//! | [`GrmFile::locate`], [`GrmFile::read`], [`GrmFile::provenance`] | which format a user's GRM path is in, reading it, and kindred's record of it |
//! | [`Provenance`], [`FilesetFingerprint`], [`GrmOrigin`] | the fileset and settings a derived file (GRM, eigendecomposition) came from |
//! | [`checksum()`], [`Checksum`] | the fast 64-bit checksum of derived files and fingerprints |
//! | [`memory`] | free memory, estimates and fallible `n x n` allocations |
//!
//! Memory: the sums (`n²` `f64`, plus one `n²` per chromosome with LOCO)
//! and one `n x block` genotype block; never the genotype matrix. Every
//! `n x n` allocation is checked against the free memory and made
//! fallibly ([`memory::try_zeros`]): too many samples for the machine is an
//! [`Error::OutOfMemory`], never a panic.

mod block;
mod builder;
mod checksum;
mod counts;
mod error;
pub mod format;
mod grm;
mod kind;
pub mod memory;
mod part;
mod provenance;
mod sums;

pub use block::{syrk_lower, Precision};
pub use builder::{build, build_fileset, build_in, BuildOptions};
pub use checksum::{checksum, checksum_file, hex, Checksum};
pub use counts::packed_bytes;
pub use error::{Error, ErrorKind, Result};
pub use format::{GrmFile, GrmFormat};
pub use grm::Grm;
pub use kind::GrmKind;
pub use provenance::{FilesetFingerprint, GrmOrigin, Provenance};
pub use sums::GrmSums;
