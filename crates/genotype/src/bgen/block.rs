//! One variant's genotype data block: decompression into a reusable buffer
//! and the checks of its layout-2 header.
//!
//! Uncompressed, the block is: the sample count `N` (4 bytes), the allele
//! count `K` (2), the minimum and maximum ploidy (1 each), one byte per
//! sample (low 6 bits ploidy, top bit missing), the phased flag (1), the
//! bits per probability `B` (1), then the probabilities packed `B` bits
//! each, least significant bit first. For a diploid biallelic variant each
//! sample stores two values: `P(11), P(12)` unphased (`P(22)` is implied),
//! or `P(h1 = 1), P(h2 = 1)` phased.

use std::fmt::Display;

use flate2::{Decompress, FlushDecompress, Status};

use crate::error::{Error, Result};

use super::header::{u32_at, Compression};
use super::Bgen;

/// Bytes of zeros kept after the probabilities so that an 8-byte read at
/// any value's first byte stays inside the buffer.
pub(super) const PADDING: usize = 8;

/// Per-thread state for decoding: the buffer that receives each block and
/// the decompressors, made once and reused across variants.
pub(crate) struct Scratch {
    buf: Vec<u8>,
    zlib: Decompress,
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl Scratch {
    /// Empty state; the zstd context is made on first use.
    pub(super) fn new() -> Self {
        Self {
            buf: Vec::new(),
            zlib: Decompress::new(true),
            zstd: None,
        }
    }
}

/// Makes `buf` hold at least `len` bytes followed by [`PADDING`] zeros,
/// growing it only when needed (the first `len` bytes are then overwritten
/// by the caller).
fn prepare(buf: &mut Vec<u8>, len: usize) {
    if buf.len() < len + PADDING {
        buf.resize(len + PADDING, 0);
    }
    buf[len..len + PADDING].fill(0);
}

/// A checked, uncompressed genotype block of a diploid biallelic variant.
#[derive(Debug)]
pub(super) struct GenotypeBlock<'a> {
    /// One byte per sample: bit 7 missing, low 6 bits ploidy (all 2).
    pub(super) ploidy: &'a [u8],
    /// Whether the values are haplotype probabilities.
    pub(super) phased: bool,
    /// Bits per stored value, 1 to 32.
    pub(super) bits: u32,
    /// The packed values, followed by [`PADDING`] zero bytes.
    pub(super) probs: &'a [u8],
    /// Uncompressed length `D` of the block.
    pub(super) len: usize,
}

/// Facts about one variant's genotype block, for reports such as `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    /// Bits per stored probability (1 to 32).
    pub bits: u8,
    /// Whether the block holds haplotype (phased) probabilities.
    pub phased: bool,
    /// Bytes of the block in the file after its length field (`C`).
    pub stored_len: u32,
    /// Bytes of the block once decompressed (`D`).
    pub len: u32,
}

impl Bgen {
    /// An error naming the file and variant `v` (position in `variants()`).
    pub(super) fn variant_error(&self, v: usize, what: impl Display) -> Error {
        Error::malformed(
            crate::error::Location::file(&self.path),
            format!(
                "variant {} of {} ('{}'): {what}",
                self.blocks[v].file_index + 1,
                self.header.n_variants,
                self.variants[v].id
            ),
        )
    }

    /// Decompresses variant `v`'s genotype data into `scratch` and checks
    /// its header against the file's: `N` samples, 2 alleles, ploidy 2 for
    /// every sample, phased flag 0 or 1, `B` in 1..=32, and a length that
    /// fits exactly `N` samples of two `B`-bit values.
    pub(super) fn genotype_block<'s>(&self, v: usize, scratch: &'s mut Scratch) -> Result<GenotypeBlock<'s>> {
        let at = self.blocks[v];
        let stored = &self.map[at.start..at.start + at.len as usize];
        let n = self.header.n_samples as usize;
        // A diploid biallelic block holds at most 8 bytes (two 32-bit values)
        // and one ploidy byte per sample after its 10 bytes of header.
        let max_len = 10 + 9 * n;
        let len = match self.header.compression {
            Compression::None => {
                prepare(&mut scratch.buf, stored.len());
                scratch.buf[..stored.len()].copy_from_slice(stored);
                stored.len()
            }
            Compression::Zlib | Compression::Zstd => {
                let len = u32_at(stored, 0) as usize;
                if len > max_len {
                    return Err(self.variant_error(
                        v,
                        format!(
                            "declares {len} bytes of uncompressed genotype data, more than the {max_len} that \
                             {n} diploid samples of a biallelic variant can take"
                        ),
                    ));
                }
                prepare(&mut scratch.buf, len);
                self.decompress(v, &stored[4..], len, scratch)?;
                len
            }
        };
        self.check_block(v, &scratch.buf, len)
    }

    /// Inflates `src` into the first `len` bytes of `scratch.buf`, which
    /// must come out exactly `len` bytes long from exactly `src`.
    fn decompress(&self, v: usize, src: &[u8], len: usize, scratch: &mut Scratch) -> Result<()> {
        let dst = &mut scratch.buf[..len];
        match self.header.compression {
            Compression::Zlib => {
                let z = &mut scratch.zlib;
                z.reset(true);
                let status = z
                    .decompress(src, dst, FlushDecompress::Finish)
                    .map_err(|e| self.variant_error(v, format!("its zlib data are corrupt ({e})")))?;
                let (read, wrote) = (z.total_in() as usize, z.total_out() as usize);
                match status {
                    Status::StreamEnd if wrote != len => Err(self.variant_error(
                        v,
                        format!("its genotype data decompress to {wrote} bytes, but the block declares {len}"),
                    )),
                    Status::StreamEnd if read != src.len() => Err(self.variant_error(
                        v,
                        format!(
                            "its zlib stream ends after {read} of its {} compressed bytes: the compressed length is wrong",
                            src.len()
                        ),
                    )),
                    Status::StreamEnd => Ok(()),
                    _ if wrote == len && read < src.len() => Err(self.variant_error(
                        v,
                        format!("its genotype data decompress to more than the {len} bytes the block declares"),
                    )),
                    _ => Err(self.variant_error(
                        v,
                        format!(
                            "its zlib stream is cut short after {wrote} of {len} bytes: the compressed length is wrong"
                        ),
                    )),
                }
            }
            Compression::Zstd => {
                let z = match &mut scratch.zstd {
                    Some(z) => z,
                    empty => empty.insert(zstd::bulk::Decompressor::new().map_err(|e| Error::io(&self.path, e))?),
                };
                let wrote = z.decompress_to_buffer(src, dst).map_err(|e| {
                    self.variant_error(
                        v,
                        format!(
                            "its zstd data do not decompress to the {len} bytes the block declares ({e}): \
                             corrupt data or a wrong length"
                        ),
                    )
                })?;
                if wrote != len {
                    return Err(self.variant_error(
                        v,
                        format!("its genotype data decompress to {wrote} bytes, but the block declares {len}"),
                    ));
                }
                Ok(())
            }
            Compression::None => Ok(()),
        }
    }

    /// Checks the layout-2 header of an uncompressed block (`data`: `len`
    /// bytes and the padding) and splits it.
    fn check_block<'s>(&self, v: usize, data: &'s [u8], len: usize) -> Result<GenotypeBlock<'s>> {
        let bad = |what: String| self.variant_error(v, what);
        let n = self.header.n_samples as usize;
        if len < 8 {
            return Err(bad(format!(
                "its genotype data are {len} bytes, too short for their 8-byte header"
            )));
        }
        let n_block = u32_at(data, 0);
        if n_block as usize != n {
            return Err(bad(format!(
                "its genotype data hold {n_block} samples but the file header declares {n}"
            )));
        }
        let k = u16::from_le_bytes([data[4], data[5]]);
        if k != 2 {
            return Err(bad(format!(
                "its genotype data hold {k} alleles where its identifying data list 2"
            )));
        }
        if len < 10 + n {
            return Err(bad(format!(
                "its genotype data are {len} bytes, too short for the ploidy of {n} samples"
            )));
        }
        let ploidy = &data[8..8 + n];
        let (p_min, p_max) = (data[6], data[7]);
        if let Some(i) = ploidy.iter().position(|&p| p & 0x3f != 2) {
            return Err(bad(format!(
                "sample {} ('{}') has ploidy {} (the block's range is {p_min} to {p_max}): kindred reads \
                 diploid samples only (chrX males, chrY and MT are often haploid; exclude them)",
                i + 1,
                self.samples[i].id,
                ploidy[i] & 0x3f
            )));
        }
        if (p_min, p_max) != (2, 2) {
            return Err(bad(format!(
                "its ploidy range {p_min} to {p_max} disagrees with its samples, all of ploidy 2"
            )));
        }
        let phased = match data[8 + n] {
            0 => false,
            1 => true,
            f => return Err(bad(format!("its phased flag is {f}, expected 0 or 1"))),
        };
        let bits = u32::from(data[9 + n]);
        if !(1..=32).contains(&bits) {
            return Err(bad(format!(
                "{bits} bits per probability is outside the allowed 1 to 32"
            )));
        }
        let expected = 10 + n + (2 * n * bits as usize).div_ceil(8);
        if len != expected {
            return Err(bad(format!(
                "its genotype data are {len} bytes but {n} diploid samples at {bits} bits per probability take {expected}"
            )));
        }
        Ok(GenotypeBlock {
            ploidy,
            phased,
            bits,
            probs: &data[10 + n..len + PADDING],
            len,
        })
    }

    /// Bits, phasing and sizes of variant `v`'s genotype block (decompressed
    /// and checked as for decoding).
    ///
    /// # Errors
    /// As [`Bgen::decode_block`].
    ///
    /// # Panics
    /// If `v >= self.variants().len()`.
    pub fn block_info(&self, v: usize) -> Result<BlockInfo> {
        let mut scratch = Scratch::new();
        let block = self.genotype_block(v, &mut scratch)?;
        Ok(BlockInfo {
            bits: block.bits as u8,
            phased: block.phased,
            stored_len: self.blocks[v].len,
            len: block.len as u32,
        })
    }
}
