//! The `.pgen` header: magic, storage mode, counts, and the index that says
//! where each variant record lies and how it is stored.
//!
//! Bytes 0-1 are `6c 1b`, byte 2 the storage mode, bytes 3-6 the variant
//! count `M` and 7-10 the sample count `N` (little-endian), byte 11 says how
//! the rest of the header is laid out. Fixed-width modes follow with an
//! optional provisional-REF bitarray and then `M` records of one width;
//! variable-width modes with a record index (`index`).

use std::fmt;
use std::path::Path;

use crate::error::{Error, Location, Result};

use super::index::{self, Records};

/// How a `.pgen` stores its variant records (byte 2 of the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageMode {
    /// `0x02`: every record a plain 2-bit array (`plink2 --make-pgen format=2`).
    FixedHardCalls,
    /// `0x03`: every record a 2-bit array and one 16-bit dosage per sample.
    FixedDosage,
    /// `0x04`: as `0x03`, plus one phased-dosage difference per sample.
    FixedPhasedDosage,
    /// `0x10`: variable-width, compressed records (plink2's default).
    Variable,
    /// `0x11`: `0x10` with header and footer extensions, which are ignored.
    VariableWithExtensions,
}

impl StorageMode {
    /// The mode byte.
    pub fn code(self) -> u8 {
        match self {
            StorageMode::FixedHardCalls => 0x02,
            StorageMode::FixedDosage => 0x03,
            StorageMode::FixedPhasedDosage => 0x04,
            StorageMode::Variable => 0x10,
            StorageMode::VariableWithExtensions => 0x11,
        }
    }
}

/// The checked header of a `.pgen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgenHeader {
    /// How the records are stored.
    pub mode: StorageMode,
    /// Variant records in the file (`M`), multiallelic ones included.
    pub n_variants: u32,
    /// Samples (`N`).
    pub n_samples: u32,
}

/// A variant record's type byte (PLINK 2's "vrtype"): bits 0-2 say how
/// the main 2-bit track is stored, bit 3 flags multiallelic hard calls,
/// bit 4 hard-call phase, bits 5-6 dosages and bit 7 phased dosages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordType(pub u8);

impl RecordType {
    /// Bits 0-2: 0 plain 2-bit array, 1 "1-bit" array plus exceptions, 2
    /// LD-compressed, 3 LD-compressed and inverted, 4/6/7 a list of the
    /// samples outside genotype 0/2/missing, 5 all homozygous REF.
    pub fn main_track(self) -> u8 {
        self.0 & 7
    }

    /// Whether the main track is a list of differences from the last
    /// record that is not LD-compressed (storage 2 or 3).
    pub fn is_ld_compressed(self) -> bool {
        self.0 & 6 == 2
    }

    /// Bit 3: calls involving a second ALT allele.
    pub fn has_multiallelic_calls(self) -> bool {
        self.0 & 0x08 != 0
    }

    /// Bit 4: phase of heterozygous hard calls.
    pub fn has_phase(self) -> bool {
        self.0 & 0x10 != 0
    }

    /// Bits 5-6: ALT dosages.
    pub fn has_dosage(self) -> bool {
        self.0 & 0x60 != 0
    }

    /// Bit 7: phased (per-haplotype) dosages.
    pub fn has_phased_dosage(self) -> bool {
        self.0 & 0x80 != 0
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02x}", self.0)
    }
}

/// What [`parse`] found.
pub(super) struct Parsed {
    pub(super) header: PgenHeader,
    pub(super) records: Records,
    /// Allele count of every record, when the header stores them.
    pub(super) allele_counts: Option<Vec<u8>>,
}

/// Reads and checks the header and record index of the mapped file `bytes`.
///
/// # Errors
/// `MalformedInput` naming `path` (and the variant, 1-based, when one is at
/// fault) for a bad magic, a storage mode kindred does not read, a sample
/// count of 0, a header cut short, a file size that the fixed-width layout
/// does not explain, a record running past the end of the file, bytes after
/// the last record, block offsets that disagree with the record lengths, or
/// an LD-compressed record at the start of a block.
pub(super) fn parse(bytes: &[u8], path: &Path) -> Result<Parsed> {
    let bad = |what: String| Error::malformed(Location::file(path), what);
    if bytes.len() < 3 || bytes[..2] != [0x6c, 0x1b] {
        let head: Vec<String> = bytes.iter().take(2).map(|b| format!("{b:02x}")).collect();
        return Err(bad(format!(
            "not a PGEN file: it starts with [{}], expected the magic bytes 6c 1b and a storage mode",
            head.join(" ")
        )));
    }
    let mode = match bytes[2] {
        0x02 => StorageMode::FixedHardCalls,
        0x03 => StorageMode::FixedDosage,
        0x04 => StorageMode::FixedPhasedDosage,
        0x10 => StorageMode::Variable,
        0x11 => StorageMode::VariableWithExtensions,
        0x01 => {
            return Err(bad(
                "storage mode 0x01 is a PLINK 1 .bed inside a .pgen: open it as a PLINK 1 fileset \
                 (.bed/.bim/.fam) instead"
                    .into(),
            ))
        }
        0x20 | 0x21 => {
            return Err(bad(format!(
                "storage mode 0x{:02x} keeps the record index in a separate .pgen.pgi file, which kindred does \
                 not read: rewrite the fileset with plink2 --make-pgen",
                bytes[2]
            )))
        }
        code => {
            return Err(bad(format!(
                "storage mode 0x{code:02x} is not supported (kindred reads 0x02, 0x03, 0x04, 0x10 and 0x11)"
            )))
        }
    };
    if bytes.len() < 12 {
        return Err(bad(format!(
            "{} bytes is too short for a PGEN header (12 bytes at least)",
            bytes.len()
        )));
    }
    let m = u32::from_le_bytes([bytes[3], bytes[4], bytes[5], bytes[6]]);
    let n = u32::from_le_bytes([bytes[7], bytes[8], bytes[9], bytes[10]]);
    if n == 0 {
        return Err(bad("the header declares 0 samples".into()));
    }
    let header = PgenHeader {
        mode,
        n_variants: m,
        n_samples: n,
    };
    let ctrl = bytes[11];
    let (m, n) = (m as usize, n as usize);
    let nonref_bytes = |k: usize| if ctrl >> 6 == 3 { k.div_ceil(8) } else { 0 };
    if mode.code() < 0x10 {
        if ctrl & 0x3f != 0 {
            return Err(bad(format!(
                "header byte 11 is 0x{ctrl:02x}, but a fixed-width storage mode needs its low 6 bits zero"
            )));
        }
        let (width, kind) = match mode {
            StorageMode::FixedHardCalls => (n.div_ceil(4), 0x00),
            StorageMode::FixedDosage => (n.div_ceil(4) + 2 * n, 0x40),
            _ => (n.div_ceil(4) + 4 * n, 0xc0),
        };
        let first = 12 + nonref_bytes(m);
        let want = (m as u128) * (width as u128) + first as u128;
        if bytes.len() as u128 != want {
            return Err(bad(format!(
                "has {} bytes but {m} variants x {width} bytes per record (storage mode 0x{:02x}, {n} samples) \
                 and a {first}-byte header need {want}: truncated file or wrong counts in the header",
                bytes.len(),
                mode.code()
            )));
        }
        let records = Records::Fixed {
            first,
            width,
            kind: RecordType(kind),
        };
        return Ok(Parsed {
            header,
            records,
            allele_counts: None,
        });
    }
    let (records, allele_counts) = index::variable(bytes, &bad, mode, ctrl, m)?;
    Ok(Parsed {
        header,
        records,
        allele_counts,
    })
}
