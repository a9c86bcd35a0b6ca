//! The eigen file: `PREFIX.eigen.bin` (binary, memory-mapped back) and
//! `PREFIX.eigen.id` (the samples of the rows, `FID IID`).
//!
//! Layout of `PREFIX.eigen.bin`, format `KDEIGEN2` (all integers `u64`,
//! little-endian):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 8 | magic `KDEIGEN2` |
//! | 8 | 8 | `n`, samples |
//! | 16 | 8 | `m`, bytes of the metadata (a multiple of 8) |
//! | 24 | 8 | checksum of the payload (eigenvalues and eigenvectors) |
//! | 32 | 8 | checksum of bytes 0..32 and the metadata |
//! | 40 | `m` | metadata: UTF-8 JSON, padded with spaces |
//! | 40 + `m` | `8 n` | eigenvalues, `f64`, ascending |
//! | 40 + `m` + `8 n` | `8 n²` | eigenvectors, `f64`, column by column |
//!
//! The metadata holds the size and checksum of `PREFIX.eigen.id` and the
//! [`Provenance`]: the fileset's fingerprint and how the GRM was obtained
//! (kind, precision, `--maf`, `--geno`, variant count), the chromosome a
//! LOCO GRM leaves out and the null fits made against it ([`EigenRecord`]).
//! Checksums are
//! [`kinship::checksum()`]. Sizes are computed with checked arithmetic, every
//! checksum is verified on open (one pass over the payload) and the
//! eigenvalues must be finite with a positive largest one (at most 1e100); a GRM that is
//! positive semi-definite by construction may have no eigenvalue below
//! `-1e-6` times the largest, any other none below minus the largest.
//! The older `KDEIGEN1` (no checksum or provenance) is refused.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use genotype::{with_extension, AtomicFile, Location, SampleId};
use kinship::{checksum, checksum_file, hex, Checksum, Provenance};
use memmap2::Mmap;
use serde::{Deserialize, Serialize};

use super::{Eigen, Vectors};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"KDEIGEN2";
const MAGIC_V1: &[u8; 8] = b"KDEIGEN1";
const HEADER: usize = 40;

/// The JSON metadata of an eigen file.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    /// Bytes of `PREFIX.eigen.id`.
    ids_bytes: u64,
    /// Its checksum.
    ids_checksum: String,
    #[serde(flatten)]
    record: EigenRecord,
}

/// What an eigen file records beside the decomposition: where its GRM
/// came from, the chromosome it leaves out (LOCO), and the null model of
/// each phenotype fitted against it, so that the jobs of a scattered scan
/// can check they analyse what the file was made for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EigenRecord {
    /// The fileset and the GRM's origin.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The chromosome whose variants the GRM leaves out (LOCO), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_out: Option<String>,
    /// The null fits of the run that wrote it, in phenotype-column order.
    #[serde(default)]
    pub null_fits: Vec<FitRecord>,
}

/// One phenotype's null fit as an eigen file records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitRecord {
    /// Phenotype name.
    pub phenotype: String,
    /// Analysed samples.
    pub n: usize,
    /// The variance ratio `sigma_g2 / sigma_e2`, for people.
    pub lambda: f64,
    /// Its exact bits (hexadecimal), which a refit must reproduce.
    pub lambda_bits: String,
}

impl FitRecord {
    /// The record of phenotype `name`'s fit of `n` samples at `lambda`.
    pub fn new(name: &str, n: usize, lambda: f64) -> Self {
        Self {
            phenotype: name.to_string(),
            n,
            lambda,
            lambda_bits: format!("{:016x}", lambda.to_bits()),
        }
    }
}

/// An eigendecomposition read back with [`Eigen::open`].
#[derive(Debug)]
pub struct EigenFile {
    /// The decomposition, its vectors mapped from the file.
    pub eigen: Eigen,
    /// The samples of its rows (`PREFIX.eigen.id`).
    pub ids: Vec<SampleId>,
    /// Its provenance, chromosome left out and null fits.
    pub record: EigenRecord,
}

/// `PREFIX.eigen.bin`.
pub(crate) fn bin_path(prefix: &Path) -> PathBuf {
    with_extension(prefix, "eigen.bin")
}

impl Eigen {
    /// Feeds the payload (eigenvalues, then eigenvectors column by column)
    /// to `put` as little-endian bytes, one column at a time.
    fn payload(&self, mut put: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let n = self.n();
        let mut buf = Vec::with_capacity(8 * n);
        for v in &self.values {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        put(&buf)?;
        let u = self.vectors();
        for j in 0..n {
            buf.clear();
            for i in 0..n {
                buf.extend_from_slice(&u[(i, j)].to_le_bytes());
            }
            put(&buf)?;
        }
        Ok(())
    }

    /// Writes `PREFIX.eigen.bin` (format `KDEIGEN2`, see the module docs) and
    /// `PREFIX.eigen.id`, each crash-safe, with `record` in the metadata.
    ///
    /// # Errors
    /// `Io` naming the file on a failed write.
    pub fn write(&self, prefix: &Path, ids: &[SampleId], record: &EigenRecord) -> Result<()> {
        assert_eq!(ids.len(), self.n());
        let id_path = with_extension(prefix, "eigen.id");
        let mut id_text = String::new();
        for id in ids {
            id_text.push_str(&format!("{}\t{}\n", id.fid, id.iid));
        }
        let mut f = AtomicFile::create(&id_path)?;
        f.write_all(id_text.as_bytes()).map_err(|e| Error::io(&id_path, e))?;
        let bin_path = bin_path(prefix);
        let meta = Meta {
            ids_bytes: id_text.len() as u64,
            ids_checksum: hex(checksum(id_text.as_bytes())),
            record: record.clone(),
        };
        let mut json = serde_json::to_string(&meta).map_err(|e| Error::Malformed {
            at: Location::file(&bin_path),
            what: e.to_string(),
        })?;
        while json.len() % 8 != 0 {
            json.push(' ');
        }
        let mut sum = Checksum::new();
        self.payload(|b| {
            sum.update(b);
            Ok(())
        })?;
        let mut header = Vec::with_capacity(HEADER + json.len());
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&(self.n() as u64).to_le_bytes());
        header.extend_from_slice(&(json.len() as u64).to_le_bytes());
        header.extend_from_slice(&sum.finish().to_le_bytes());
        let mut head_sum = Checksum::new();
        head_sum.update(&header);
        head_sum.update(json.as_bytes());
        header.extend_from_slice(&head_sum.finish().to_le_bytes());
        header.extend_from_slice(json.as_bytes());
        let mut b = AtomicFile::create(&bin_path)?;
        b.write_all(&header).map_err(|e| Error::io(&bin_path, e))?;
        self.payload(|bytes| b.write_all(bytes).map_err(|e| Error::io(&bin_path, e)))?;
        f.commit()?;
        b.commit()?;
        Ok(())
    }

    /// Maps `PREFIX.eigen.bin` back, reads `PREFIX.eigen.id` and verifies
    /// both (module docs).
    ///
    /// # Errors
    /// `Io` for a missing file; `Malformed` naming the file for a wrong
    /// magic, an old format, a size that does not follow from the header,
    /// a checksum that differs, or eigenvalues out of range.
    pub fn open(prefix: &Path) -> Result<EigenFile> {
        let id_path = with_extension(prefix, "eigen.id");
        let bin_path = bin_path(prefix);
        let bad = |what: String| Error::Malformed {
            at: Location::file(&bin_path),
            what,
        };
        let file = File::open(&bin_path).map_err(|e| Error::io(&bin_path, e))?;
        // SAFETY: read-only mapping of a file kindred wrote; it must not be
        // modified while mapped (the usual memory-map contract).
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(&bin_path, e))?;
        if map.len() >= 8 && &map[..8] == MAGIC_V1 {
            return Err(bad(
                "written by an older kindred (format KDEIGEN1, without checksum or provenance); \
                 write it again with --write-eigen"
                    .into(),
            ));
        }
        if map.len() < 8 || &map[..8] != MAGIC {
            return Err(bad("not a kindred eigendecomposition (bad magic bytes)".into()));
        }
        if map.len() < HEADER {
            return Err(bad(format!("has {} bytes, shorter than its header", map.len())));
        }
        let word = |at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&map[at..at + 8]);
            u64::from_le_bytes(w)
        };
        let (n, meta_len, payload_sum, head_sum) = (word(8), word(16), word(24), word(32));
        let meta_end = usize::try_from(meta_len)
            .ok()
            .and_then(|m| m.checked_add(HEADER))
            .filter(|&e| e <= map.len() && meta_len % 8 == 0)
            .ok_or_else(|| {
                bad(format!(
                    "its header gives {meta_len} bytes of metadata in a file of {}",
                    map.len()
                ))
            })?;
        let mut c = Checksum::new();
        c.update(&map[..32]);
        c.update(&map[HEADER..meta_end]);
        if c.finish() != head_sum {
            return Err(bad("the header's checksum differs: the file is damaged".into()));
        }
        let meta: Meta = std::str::from_utf8(&map[HEADER..meta_end])
            .ok()
            .and_then(|s| serde_json::from_str(s.trim_end()).ok())
            .ok_or_else(|| bad("its metadata is not what kindred writes".into()))?;
        let need = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(n)?.checked_add(n)?.checked_mul(8)?.checked_add(meta_end));
        let Some(need) = need.filter(|&need| need == map.len()) else {
            return Err(bad(format!("has {} bytes, which {n} samples do not fill", map.len())));
        };
        debug_assert_eq!(need, map.len());
        let n = n as usize;
        let (ids_bytes, ids_sum) = checksum_file(&id_path).map_err(|e| Error::io(&id_path, e))?;
        if (ids_bytes, hex(ids_sum)) != (meta.ids_bytes, meta.ids_checksum.clone()) {
            return Err(Error::Malformed {
                at: Location::file(&id_path),
                what: format!(
                    "differs from the sample list {} was written with; write both again with --write-eigen",
                    bin_path.display()
                ),
            });
        }
        let ids: Vec<SampleId> = genotype::read_unique_sample_list(&id_path)?;
        if n != ids.len() {
            return Err(bad(format!(
                "holds {n} samples but {} lists {}",
                id_path.display(),
                ids.len()
            )));
        }
        if checksum(&map[meta_end..]) != payload_sum {
            return Err(bad(
                "the checksum of its eigenvalues and eigenvectors differs: the file was changed or damaged \
                 since kindred wrote it; write it again with --write-eigen"
                    .into(),
            ));
        }
        let values = as_f64(&map[meta_end..meta_end + 8 * n]).to_vec();
        check_values(&values, meta.record.provenance.grm.is_psd()).map_err(bad)?;
        if let Some(k) = as_f64(&map[meta_end + 8 * n..]).iter().position(|v| !v.is_finite()) {
            return Err(bad(format!(
                "eigenvector {} holds {} in row {}, not a finite number",
                k / n + 1,
                as_f64(&map[meta_end + 8 * n..])[k],
                k % n + 1
            )));
        }
        Ok(EigenFile {
            eigen: Self {
                values,
                vectors: Vectors::Mapped(map, meta_end + 8 * n),
                mixed: None,
            },
            ids,
            record: meta.record,
        })
    }
}

/// Larger eigenvalues are refused: no relationship matrix has them, and
/// their squares would overflow the likelihood's sums.
const MAX_EIGENVALUE: f64 = 1e100;

/// Eigenvalues (ascending) a GRM can have: finite, the largest positive
/// (and at most [`MAX_EIGENVALUE`]), and none below `-1e-6` times it when
/// the GRM is positive semi-definite by construction (`psd`), none below
/// minus it otherwise.
fn check_values(values: &[f64], psd: bool) -> Result<(), String> {
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(format!("eigenvalue {} is {v}, not a finite number", i + 1));
    }
    if values.is_empty() {
        return Ok(());
    }
    if let Some(i) = (1..values.len()).find(|&i| values[i] < values[i - 1]) {
        return Err(format!(
            "eigenvalue {} ({:e}) is below eigenvalue {i} ({:e}): kindred writes them in ascending order",
            i + 1,
            values[i],
            values[i - 1]
        ));
    }
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    if max <= 0.0 || max > MAX_EIGENVALUE {
        return Err(format!("its largest eigenvalue is {max:e}: no GRM has that"));
    }
    let floor = if psd { -1e-6 * max } else { -max };
    if min < floor {
        return Err(format!(
            "its smallest eigenvalue {min:e} is below {floor:e}, impossible for the GRM it records (largest eigenvalue {max:e})"
        ));
    }
    Ok(())
}

/// Views little-endian `f64` bytes in place (the map is page-aligned and
/// every offset used is a multiple of 8).
pub(super) fn as_f64(bytes: &[u8]) -> &[f64] {
    #[cfg(not(target_endian = "little"))]
    compile_error!("the eigen file layout is little-endian");
    assert_eq!(
        bytes.as_ptr() as usize % std::mem::align_of::<f64>(),
        0,
        "misaligned eigen data"
    );
    // SAFETY: aligned (checked), length is a multiple of 8, every bit pattern is a valid f64,
    // and the lifetime is tied to `bytes`.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<f64>(), bytes.len() / 8) }
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
