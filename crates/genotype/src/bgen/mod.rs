//! BGEN genotype files (v1.2 and v1.3, layout 2), memory-mapped and indexed
//! on open, decoded into dosage blocks shaped like the `.bed` path's.
//!
//! The format is Gavin Band's specification
//! (<https://www.well.ox.ac.uk/~gav/bgen_format/>). kindred reads:
//! - layout 2 only (layout 1, BGEN v1.1, is refused with an error);
//! - genotype blocks stored as is, zlib- or zstd-compressed, 1 to 32 bits
//!   per probability, phased or unphased;
//! - biallelic variants (others are left out on open and counted in
//!   [`Bgen::skipped`]), diploid samples (a block with any other ploidy is
//!   an error when decoded: never misread);
//! - sample IDs from the file's sample identifier block, or from an Oxford
//!   `.sample` file ([`read_sample_file`]), which wins when both exist.
//!
//! **Conventions.** The decoded value is the dosage of the variant's FIRST
//! allele, which is [`Variant::a1`]: `2 P(11) + P(12)` unphased,
//! `P(h1 = 1) + P(h2 = 1)` phased. PLINK 2's `--export bgen-1.2/1.3` writes
//! the `.bim` A1 allele (its ALT) first, so a `.bed` exported to BGEN
//! decodes to the `.bed` path's A1 counts. [`Variant::id`] is the rsID, as
//! PLINK 2 uses it when importing BGEN (its exports store the ID there and
//! leave the variant ID empty), or the variant ID when the rsID is empty;
//! the variant ID is kept in [`Bgen::varids`]. BGEN has no genetic
//! position: [`Variant::cm`] is 0. Samples with a single ID get FID `0`
//! ([`SINGLE_ID_FID`]), as in the `.fam` PLINK 2 writes for them.

mod block;
mod dosage;
mod header;
mod index;
mod sample_file;
mod stats;

#[cfg(test)]
mod malformed_tests;
#[cfg(test)]
mod test_file;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::dosage_block::DosageReader;
use crate::error::{Error, Location, Result};
use crate::sample::{Sample, SampleId, Sex};
use crate::variant::Variant;
use memmap2::Mmap;

pub use block::BlockInfo;
pub use header::{BgenHeader, Compression};
pub use index::{SkippedVariant, SkippedVariants};
pub use sample_file::{read_sample_file, SINGLE_ID_FID};
pub use stats::DosageStats;

use block::Scratch;
use index::BlockRef;

/// A BGEN file, memory-mapped, its header and variant index checked.
///
/// Opening reads the header, the sample IDs and every variant's identifying
/// data (stepping over the genotype data by their stored length); genotype
/// blocks are decompressed and checked only when decoded. The file must not
/// be changed by another process while it is mapped (the contract of every
/// memory-mapped reader); kindred only reads it. `Send + Sync`.
///
/// Decoding ([`DosageDecode`](crate::DosageDecode)) gives the dosage of
/// each variant's first allele, each worker reusing one decompression
/// buffer. It reports corrupt compressed data, a compressed length or
/// decompressed size that is wrong, a sample count, allele count, phased
/// flag or size that disagrees with the file, bits per probability of 0 or
/// above 32, a sample of ploidy other than 2, and unphased probabilities
/// adding up to more than 1 beyond rounding.
///
/// ```
/// use genotype::{Bgen, DosageDecode, DosageStats, Encoding, SampleSubset, VariantMoments};
/// // data/tiny exported by PLINK 2; rs4 (position 3) has two missing samples
/// let b = Bgen::open(std::path::Path::new("../../data/bgen/tiny_v12_zlib_b8.bgen"), None).unwrap();
/// let samples = SampleSubset::all(b.n_samples());
/// let mut block = vec![0.0; samples.len() * 2];
/// let mut stats = vec![DosageStats::default(); 2];
/// b.decode_block(&[0, 3], &samples, Encoding::MeanImputed, &mut block, &mut stats).unwrap();
/// assert_eq!(&block[..7], [2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 1.0]);
/// assert_eq!((stats[1].n_missing, stats[1].mean()), (2, 0.8));
/// assert_eq!(block[7 + 2], 0.8); // a missing sample takes the mean
/// ```
#[derive(Debug)]
pub struct Bgen {
    map: Mmap,
    path: PathBuf,
    header: BgenHeader,
    samples: Vec<Sample>,
    sample_file: Option<PathBuf>,
    variants: Vec<Variant>,
    varids: Vec<Box<str>>,
    blocks: Vec<BlockRef>,
    skipped: SkippedVariants,
}

impl Bgen {
    /// Opens and indexes `path`, taking sample IDs from `sample` (an Oxford
    /// `.sample` file) when given, else from the file.
    ///
    /// # Errors
    /// `Io` when a file cannot be read or mapped; `MalformedInput` naming the
    /// file (and the variant, by 1-based block number and ID) for a bad
    /// magic, a header or sample block that disagrees with itself or runs
    /// past the end, layout 1, a variant block cut short, bytes after the
    /// last variant, or a bad `.sample`; `InconsistentInput` when the
    /// `.sample` lists a different number of samples than the file, or a
    /// sample ID repeats; `InvalidArgument` when the file stores no sample
    /// IDs and no `.sample` is given.
    pub fn open(path: &Path, sample: Option<&Path>) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: the mapping is read-only and kindred never writes the file;
        // another process changing it while mapped is outside our contract
        // (documented above), as for every memory-mapped reader.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let (header, ids) = header::parse(&map, path)?;
        let n = header.n_samples as usize;
        let samples = match (sample, ids) {
            (Some(sample_path), _) => {
                let samples = read_sample_file(sample_path)?;
                if samples.len() != n {
                    return Err(Error::inconsistent(
                        Location::file(sample_path),
                        format!("lists {} samples but {} holds {n}", samples.len(), path.display()),
                    ));
                }
                samples
            }
            (None, Some(ids)) => single_id_samples(ids, path)?,
            (None, None) => {
                return Err(Error::InvalidArgument(format!(
                    "{}: the file stores no sample IDs; give its Oxford .sample file",
                    path.display()
                )))
            }
        };
        let index = index::walk(&map, &header, path)?;
        Ok(Self {
            map,
            path: path.to_path_buf(),
            header,
            samples,
            sample_file: sample.map(Path::to_path_buf),
            variants: index.variants,
            varids: index.varids,
            blocks: index.blocks,
            skipped: index.skipped,
        })
    }

    /// The file this reader mapped.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The checked header block (compression, counts, flags).
    pub fn header(&self) -> &BgenHeader {
        &self.header
    }

    /// The `.sample` file the sample IDs came from, `None` when they came
    /// from the BGEN file itself.
    pub fn sample_file(&self) -> Option<&Path> {
        self.sample_file.as_deref()
    }

    /// Number of samples (rows of a block decoded over all samples).
    pub fn n_samples(&self) -> usize {
        self.samples.len()
    }

    /// Samples in file order (the order of the probabilities).
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Biallelic variants in file order; `decode_block` takes positions in
    /// this list. `a1` is the first allele (the one whose dosage is decoded).
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// The BGEN variant ID field ("SNPID") of each of [`Bgen::variants`]
    /// (often empty: PLINK 2 writes its IDs into the rsID field).
    pub fn varids(&self) -> &[Box<str>] {
        &self.varids
    }

    /// Variants left out because they do not have two alleles.
    pub fn skipped(&self) -> &SkippedVariants {
        &self.skipped
    }
}

impl DosageReader for Bgen {
    type Scratch = Scratch;
    const FORMAT: &'static str = "BGEN";
    const MIN_LEN: usize = 4;

    fn file_samples(&self) -> usize {
        self.n_samples()
    }

    fn scratch(&self) -> Scratch {
        Scratch::new()
    }

    fn fill(&self, v: usize, positions: &[u32], col: &mut [f64], scratch: &mut Scratch) -> Result<DosageStats> {
        let block = self.genotype_block(v, scratch)?;
        dosage::fill(&block, positions, col).map_err(|e| {
            let (a, b, max) = e.values;
            self.variant_error(
                v,
                format!(
                    "sample {} ('{}') has P(11) + P(12) = ({a} + {b}) / {max} = {:.6}, more than 1",
                    e.sample + 1,
                    self.samples[e.sample].id,
                    (a + b) as f64 / max as f64
                ),
            )
        })
    }
}

/// Samples named by single IDs (the file's sample block): IID = the ID, FID
/// [`SINGLE_ID_FID`], sex unknown.
///
/// # Errors
/// `InconsistentInput` when an ID repeats.
fn single_id_samples(ids: Vec<Box<str>>, path: &Path) -> Result<Vec<Sample>> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    for (k, id) in ids.iter().enumerate() {
        if let Some(first) = seen.insert(id, k) {
            return Err(Error::inconsistent(
                Location::file(path),
                format!(
                    "sample identifier block: sample {} repeats the ID '{id}' of sample {}",
                    k + 1,
                    first + 1
                ),
            ));
        }
    }
    Ok(ids
        .into_iter()
        .map(|iid| Sample {
            id: SampleId {
                fid: SINGLE_ID_FID.into(),
                iid,
            },
            father: None,
            mother: None,
            sex: Sex::Unknown,
        })
        .collect())
}
