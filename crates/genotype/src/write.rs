//! Writing PLINK 1 filesets (crash-safe, through [`AtomicFile`]).

use std::io::Write;
use std::path::Path;

use crate::atomic::AtomicFile;
use crate::bed::{bytes_per_variant, BED_MAGIC};
use crate::error::Result;
use crate::sample::{Sample, Sex};
use crate::variant::Variant;

/// Packs one variant's A1 counts (0, 1, 2; any other value = missing) into
/// PLINK 1 bytes (`out.len() == ceil(n/4)`).
///
/// Works four samples (one output byte) at a time through a code table, so
/// the loop has no data-dependent branch and no read-modify-write of `out`.
pub fn pack_variant(counts: &[u8], out: &mut [u8]) {
    /// PLINK 1 code of an A1 count: 2 -> 00, 1 -> 10, 0 -> 11, missing -> 01.
    const CODE: [u8; 4] = [0b11, 0b10, 0b00, 0b01];
    let code = |c: u8| CODE[usize::from(c.min(3))];
    debug_assert_eq!(out.len(), bytes_per_variant(counts.len()));
    let quads = counts.chunks_exact(4);
    let tail = quads.remainder();
    for (byte, q) in out.iter_mut().zip(quads) {
        *byte = code(q[0]) | code(q[1]) << 2 | code(q[2]) << 4 | code(q[3]) << 6;
    }
    if !tail.is_empty() {
        out[counts.len() / 4] = tail.iter().enumerate().fold(0, |b, (k, &c)| b | code(c) << (2 * k));
    }
}

/// Streams a variant-major `.bed` to disk, variant by variant.
#[derive(Debug)]
pub struct BedWriter {
    file: AtomicFile,
    stride: usize,
    n_written: usize,
}

impl BedWriter {
    /// Starts a `.bed` for `n_samples` samples (writes the magic bytes).
    ///
    /// # Errors
    /// `Io` when the file cannot be created.
    pub fn create(path: &Path, n_samples: usize) -> Result<Self> {
        let mut file = AtomicFile::create(path)?;
        file.write_all(&BED_MAGIC).map_err(|e| file.err(e))?;
        Ok(Self {
            file,
            stride: bytes_per_variant(n_samples),
            n_written: 0,
        })
    }

    /// Appends already-packed variants (a multiple of `ceil(n/4)` bytes).
    ///
    /// # Errors
    /// `Io` on a failed write.
    pub fn write_packed(&mut self, bytes: &[u8]) -> Result<()> {
        assert_eq!(bytes.len() % self.stride.max(1), 0, "partial variant");
        self.n_written += bytes.len() / self.stride.max(1);
        self.file.write_all(bytes).map_err(|e| self.file.err(e))
    }

    /// Variants written so far.
    pub fn n_written(&self) -> usize {
        self.n_written
    }

    /// Finishes the file and renames it into place.
    ///
    /// # Errors
    /// `Io` on a failed flush or rename.
    pub fn finish(self) -> Result<()> {
        self.file.commit()
    }
}

/// Writes a `.bim` file (crash-safe).
///
/// # Errors
/// `Io` on a failed write.
pub fn write_bim(path: &Path, variants: &[Variant]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    for v in variants {
        writeln!(f, "{}\t{}\t{}\t{}\t{}\t{}", v.chrom, v.id, v.cm, v.pos, v.a1, v.a2).map_err(|e| f.err(e))?;
    }
    f.commit()
}

/// Writes a `.fam` file (crash-safe) with one phenotype column (`-9` = missing).
///
/// # Errors
/// `Io` on a failed write.
pub fn write_fam(path: &Path, samples: &[Sample], phenotype: Option<&[f64]>) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    for (i, s) in samples.iter().enumerate() {
        let sex = match s.sex {
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::Unknown => 0,
        };
        let ph = phenotype.map_or(-9.0, |p| p[i]);
        writeln!(
            f,
            "{}\t{}\t{}\t{}\t{sex}\t{ph}",
            s.id.fid,
            s.id.iid,
            s.father.as_deref().unwrap_or("0"),
            s.mother.as_deref().unwrap_or("0"),
        )
        .map_err(|e| f.err(e))?;
    }
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_matches_plink_codes() {
        let mut out = [0u8; 2];
        pack_variant(&[2, 9, 1, 0, 0], &mut out);
        assert_eq!(out, [0b1110_0100, 0b11]);
    }

    /// The byte-at-a-time packer agrees with packing sample by sample, for
    /// every length whose last byte is full or partial and every code.
    #[test]
    fn pack_matches_sample_by_sample_packing() {
        for n in 0..=13 {
            let counts: Vec<u8> = (0..n).map(|k| [0, 1, 2, 7, 255][(k * 3 + n) % 5]).collect();
            let mut expect = vec![0u8; bytes_per_variant(n)];
            for (k, &c) in counts.iter().enumerate() {
                let code = match c {
                    2 => 0b00,
                    1 => 0b10,
                    0 => 0b11,
                    _ => 0b01,
                };
                expect[k / 4] |= code << ((k % 4) * 2);
            }
            let mut out = vec![0xAA; bytes_per_variant(n)];
            pack_variant(&counts, &mut out);
            assert_eq!(out, expect, "n = {n}");
        }
    }
}
