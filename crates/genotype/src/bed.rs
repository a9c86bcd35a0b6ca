//! The memory-mapped `.bed` matrix: header and size checks, and raw access to
//! one variant's packed bytes.

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::error::{Error, Location, Result};

/// The three header bytes of a variant-major PLINK 1 `.bed` file.
pub const BED_MAGIC: [u8; 3] = [0x6c, 0x1b, 0x01];

/// Bytes holding one variant's genotypes for `n_samples` samples (4 per byte).
pub fn bytes_per_variant(n_samples: usize) -> usize {
    n_samples.div_ceil(4)
}

/// A PLINK 1 `.bed` file, memory-mapped and validated.
///
/// The file must not be changed by another process while it is mapped
/// (the same contract as any memory-mapped reader): kindred only reads it.
#[derive(Debug)]
pub struct Bed {
    map: Mmap,
    path: PathBuf,
    n_samples: usize,
    n_variants: usize,
    stride: usize,
}

impl Bed {
    /// Maps `path` and checks it against the sample count (from the `.fam`)
    /// and the variant count (from the `.bim`): magic bytes `6c 1b 01`
    /// (variant-major only) and a size of exactly `3 + M * ceil(n / 4)`.
    ///
    /// # Errors
    /// `Io` when the file cannot be opened or mapped, `MalformedInput` for an
    /// empty or short file, wrong magic or sample-major mode,
    /// `InconsistentInput` for a size that disagrees with the counts.
    pub fn open(path: &Path, n_samples: usize, n_variants: usize) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len() as usize;
        let at = || Location::file(path);
        if len == 0 {
            return Err(Error::malformed(
                at(),
                "empty file: expected a PLINK 1 .bed (magic bytes 6c 1b 01)",
            ));
        }
        if len < 3 {
            return Err(Error::malformed(
                at(),
                format!("{len} bytes is too short for the 3-byte .bed header"),
            ));
        }
        // SAFETY: the mapping is read-only and kindred never writes the file;
        // another process truncating it while mapped is outside our contract
        // (documented above), as for every memory-mapped reader.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        #[cfg(unix)]
        {
            // Advice only: a failure changes nothing but speed.
            let _ = map.advise(memmap2::Advice::Sequential);
        }
        if map[..2] != BED_MAGIC[..2] {
            return Err(Error::malformed(
                at(),
                format!(
                    "not a PLINK 1 .bed file: magic bytes are {:02x} {:02x}, expected 6c 1b",
                    map[0], map[1]
                ),
            ));
        }
        match map[2] {
            0x01 => {}
            0x00 => {
                return Err(Error::malformed(
                    at(),
                    "sample-major .bed (mode byte 00) is not supported; rewrite it with `plink --make-bed`",
                ))
            }
            b => {
                return Err(Error::malformed(
                    at(),
                    format!("unknown .bed mode byte {b:02x}, expected 01"),
                ))
            }
        }
        let stride = bytes_per_variant(n_samples);
        let expected = 3 + stride * n_variants;
        if len != expected {
            return Err(Error::inconsistent(
                at(),
                format!(
                    "has {len} bytes but {n_samples} samples (.fam) x {n_variants} variants (.bim) need {expected}{}",
                    if len < expected {
                        "; the file looks truncated"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Ok(Self {
            map,
            path: path.to_path_buf(),
            n_samples,
            n_variants,
            stride,
        })
    }

    /// Number of samples (`.fam` rows).
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// Number of variants (`.bim` rows).
    pub fn n_variants(&self) -> usize {
        self.n_variants
    }

    /// The file this matrix was mapped from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The packed bytes of variant `v` (`ceil(n/4)` bytes, first sample in the
    /// two lowest bits).
    ///
    /// # Panics
    /// If `v >= n_variants`.
    #[inline]
    pub fn variant_bytes(&self, v: usize) -> &[u8] {
        let start = 3 + v * self.stride;
        &self.map[start..start + self.stride]
    }
}
