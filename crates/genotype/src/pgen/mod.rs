//! PLINK 2 binary filesets (`.pgen` + `.pvar` + `.psam`): the `.pgen`
//! memory-mapped with its record index checked on open, decoded into ALT
//! dosage blocks shaped like the `.bed` path's.
//!
//! The format is PLINK 2's own specification (`pgen_spec` in
//! <https://github.com/chrchang/plink-ng>). kindred reads:
//! - storage modes `0x02` (fixed-width hard calls, `--make-pgen format=2`),
//!   `0x03` and `0x04` (fixed-width dosages), `0x10` (plink2's default,
//!   variable-width records) and `0x11` (`0x10` with extensions, ignored);
//!   the PLINK 1 mode `0x01`, the separate-index modes `0x20`/`0x21` and
//!   the single-sample header layouts are refused with an error;
//! - every main-track storage: 2-bit arrays, 1-bit arrays with exceptions,
//!   difflists from genotype 0, 2 or missing, all homozygous REF, and
//!   LD-compressed records (plain and inverted) against the last record of
//!   their block that is not;
//! - hard-call phase (stepped over: dosages do not depend on it), dosages
//!   (as a sample list, a bitarray or one value per sample), and phased
//!   dosages (stepped over: the dosage track already holds their sum);
//! - biallelic variants: variants the `.pvar` lists with more than one ALT
//!   allele are left out on open and counted in [`Pgen::skipped`] (never
//!   misread), and a record of a biallelic variant with multiallelic hard
//!   calls is an error when decoded;
//! - the `.pvar` plain or zstd-compressed (`.pvar.zst`), with a `#CHROM`
//!   header or none (`.bim` layout); the `.psam` with a `#FID`/`#IID`
//!   header or none (`.fam` layout).
//!
//! **Conventions.** The decoded value is the ALT allele dosage, which is
//! [`Variant::a1`] (`a2` is REF): a sample's dosage when the record has
//! one (stored in units of 2^-14, so exact in `f64`), else its hard call
//! (0, 1, 2), else missing. This is the allele `plink2 --make-bed` writes
//! as A1, so a `.bed` made from a `.pgen` decodes to the same hard calls,
//! and a `.pgen` made from a `.bed` (A1 becomes ALT) counts the `.bed`'s
//! A1. [`Variant::cm`] is the `CM` column, or 0 without one. Samples
//! without an FID column get FID `0` ([`crate::SINGLE_ID_FID`]), as in the
//! `.fam` PLINK 2 writes for them.

mod decode;
mod difflist;
mod header;
mod index;
mod lines;
mod psam;
mod pvar;
mod record;
mod values;

#[cfg(test)]
mod malformed_tests;
#[cfg(test)]
mod test_file;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::bgen::SkippedVariants;
use crate::error::{Error, Location, Result};
use crate::fileset::with_extension;
use crate::sample::Sample;
use crate::variant::Variant;

pub use header::{PgenHeader, RecordType, StorageMode};

use index::Records;
use lines::Lines;

/// A PLINK 2 fileset: the `.pgen` memory-mapped and indexed, its samples
/// and variants read.
///
/// Opening reads the `.pgen` header and record index (every record's type
/// and extent, checked against the file size), the `.psam` and the
/// `.pvar`, and checks their counts against the header; records are
/// decoded and checked only when asked for. The `.pgen` must not be changed
/// by another process while it is mapped (the contract of every
/// memory-mapped reader); kindred only reads it. `Send + Sync`.
///
/// Decoding ([`DosageDecode`](crate::DosageDecode)) gives each sample's ALT
/// dosage, each worker keeping the last LD base it decoded. PGEN keeps no
/// genotype probabilities, so `sum_second_moment` (hence
/// [`DosageStats::impute_info`]) is `NaN` for a variant with any dosage
/// value, while hard calls count as certain. Its errors name the record
/// type too: a track that runs past the record or leaves bytes after it, a
/// difflist with repeated or out-of-range samples, a dosage above 2, an
/// invalid 1-bit header, or multiallelic hard calls in a biallelic
/// variant's record.
///
/// ```
/// use genotype::{DosageDecode, DosageStats, Encoding, Pgen, SampleSubset, VariantMoments};
/// // simulated dosages imported by plink2 (data/pgen/README.md)
/// let p = Pgen::open(std::path::Path::new("../../data/pgen/sim")).unwrap();
/// let samples = SampleSubset::all(p.n_samples());
/// let mut block = vec![0.0; samples.len() * 2];
/// let mut stats = vec![DosageStats::default(); 2];
/// p.decode_block(&[0, 29], &samples, Encoding::Raw, &mut block, &mut stats).unwrap();
/// assert_eq!(block[243], 23593.0 / 16384.0); // 1.44, stored as 23593 / 2^14
/// assert_eq!(stats[0].n_obs + stats[0].n_missing, 243);
/// ```
#[derive(Debug)]
pub struct Pgen {
    map: Mmap,
    path: PathBuf,
    pvar_path: PathBuf,
    psam_path: PathBuf,
    header: PgenHeader,
    records: Records,
    samples: Vec<Sample>,
    variants: Vec<Variant>,
    record_of: Vec<u32>,
    skipped: SkippedVariants,
}

impl Pgen {
    /// Opens `PREFIX.pgen` with `PREFIX.pvar` (or, when there is none,
    /// `PREFIX.pvar.zst`) and `PREFIX.psam`.
    ///
    /// # Errors
    /// As [`Pgen::open_files`].
    pub fn open(prefix: &Path) -> Result<Self> {
        let pvar = with_extension(prefix, "pvar");
        let zst = with_extension(prefix, "pvar.zst");
        let pvar = if !pvar.exists() && zst.exists() { zst } else { pvar };
        Self::open_files(&with_extension(prefix, "pgen"), &pvar, &with_extension(prefix, "psam"))
    }

    /// Opens a `.pgen` with the given variant and sample files: a `.pvar`
    /// or `.bim` (zstd-compressed when the name ends in `.zst`), a `.psam`
    /// or `.fam` (as `plink2 --make-bpgen` writes).
    ///
    /// # Errors
    /// `Io` when a file cannot be read or mapped; `MalformedInput` naming
    /// the file (and the variant or line) for a bad `.pgen` header or record
    /// index (see [`StorageMode`] for what is read), a truncated file, or a
    /// bad `.pvar` / `.psam` line; `InconsistentInput` when the `.psam` or
    /// `.pvar` lists a different number of samples or variants than the
    /// `.pgen` header, or a sample (FID, IID) repeats.
    pub fn open_files(pgen: &Path, pvar: &Path, psam: &Path) -> Result<Self> {
        let file = File::open(pgen).map_err(|e| Error::io(pgen, e))?;
        // SAFETY: the mapping is read-only and kindred never writes the file;
        // another process changing it while mapped is outside our contract
        // (documented above), as for every memory-mapped reader.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(pgen, e))?;
        let parsed = header::parse(&map, pgen)?;
        let (m, n) = (parsed.header.n_variants as usize, parsed.header.n_samples as usize);
        let samples = psam::read_psam(&Lines::read(psam)?)?;
        if samples.len() != n {
            return Err(Error::inconsistent(
                Location::file(psam),
                format!("lists {} samples but {} holds {n}", samples.len(), pgen.display()),
            ));
        }
        let records = pvar::read_pvar(&Lines::read(pvar)?, parsed.allele_counts.as_deref())?;
        if records.n_records != m {
            return Err(Error::inconsistent(
                Location::file(pvar),
                format!("lists {} variants but {} holds {m}", records.n_records, pgen.display()),
            ));
        }
        Ok(Self {
            map,
            path: pgen.to_path_buf(),
            pvar_path: pvar.to_path_buf(),
            psam_path: psam.to_path_buf(),
            header: parsed.header,
            records: parsed.records,
            samples,
            variants: records.variants,
            record_of: records.record_of,
            skipped: records.skipped,
        })
    }

    /// The `.pgen` this reader mapped.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The variant file the variants came from.
    pub fn pvar_path(&self) -> &Path {
        &self.pvar_path
    }

    /// The sample file the samples came from.
    pub fn psam_path(&self) -> &Path {
        &self.psam_path
    }

    /// The checked header (storage mode, counts).
    pub fn header(&self) -> &PgenHeader {
        &self.header
    }

    /// Number of samples (rows of a block decoded over all samples).
    pub fn n_samples(&self) -> usize {
        self.samples.len()
    }

    /// Samples in file order (the order of the genotypes).
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Biallelic variants in file order; `decode_block` takes positions in
    /// this list. `a1` is ALT (the allele whose dosage is decoded), `a2` REF.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// Variants left out because they do not have two alleles
    /// ([`crate::SkippedVariant::block`] is the 1-based record number in the
    /// `.pgen`, which is also its position among the `.pvar` records).
    pub fn skipped(&self) -> &SkippedVariants {
        &self.skipped
    }

    /// The record type of variant `v` (position in [`Pgen::variants`]), for
    /// reports: how its genotypes are stored.
    ///
    /// # Panics
    /// If `v >= self.variants().len()`.
    pub fn record_type(&self, v: usize) -> RecordType {
        self.records.kind(self.record_of[v] as usize)
    }
}
