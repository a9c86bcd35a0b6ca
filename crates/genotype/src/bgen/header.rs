//! The BGEN header block, its flags, and the optional sample identifier
//! block: everything before the first variant.
//!
//! Layout (all integers unsigned little-endian): a 4-byte offset of the first
//! variant block counted from byte 4; then the header block: its length
//! `L_H`, the variant count `M`, the sample count `N`, the magic `bgen` (or
//! four zero bytes), `L_H - 20` bytes of free data, and a 4-byte flag word
//! (bits 0-1 compression, bits 2-5 layout, bit 31 sample identifiers
//! present); then, when flagged, the sample identifier block: its length
//! `L_SI`, `N` again, and `N` strings of a 2-byte length and the bytes.

use std::path::Path;

use crate::error::{Error, Location, Result};

/// How the genotype data of each variant block is compressed (header flag
/// bits 0-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Code 0: stored as is.
    None,
    /// Code 1: zlib (BGEN v1.1 and later; PLINK 2's `--export bgen-1.2`).
    Zlib,
    /// Code 2: Zstandard (BGEN v1.3; PLINK 2's `--export bgen-1.3`).
    Zstd,
}

/// The header block of a BGEN file, checked: layout 2, a known compression,
/// lengths inside the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgenHeader {
    /// Byte offset of the first variant block from the start of the file
    /// (the first four bytes of the file, plus 4).
    pub first_variant: usize,
    /// Length of the header block in bytes (`L_H`, at least 20).
    pub header_len: u32,
    /// Number of variant blocks the header declares (`M`), multiallelic
    /// ones included.
    pub n_variants: u32,
    /// Number of samples (`N`).
    pub n_samples: u32,
    /// Compression of the genotype data blocks.
    pub compression: Compression,
    /// Genotype block layout: always 2 in an opened file (layout 1 is refused).
    pub layout: u8,
    /// Whether the file stores sample identifiers (flag bit 31).
    pub has_sample_ids: bool,
    /// The free data area of the header (`L_H - 20` bytes, often empty).
    pub free_data: Box<[u8]>,
}

/// Little-endian reads over a byte slice that report running out as `None`,
/// so that each caller can say which field of which block was cut short.
pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at byte `pos` of `bytes`.
    pub(super) fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    /// The current byte offset.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// A 2-byte unsigned integer.
    pub(super) fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    /// A 4-byte unsigned integer.
    pub(super) fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// A 4-byte little-endian integer at `at` of a slice known to hold it.
pub(super) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Parses and checks the header block and, when the flags say so, the
/// sample identifiers (returned in file order).
///
/// # Errors
/// `MalformedInput` naming `path` for a short file, wrong magic bytes,
/// lengths that point outside the file, an unknown compression code, a
/// layout other than 2, or a sample identifier block that disagrees with
/// the header.
pub(super) fn parse(bytes: &[u8], path: &Path) -> Result<(BgenHeader, Option<Vec<Box<str>>>)> {
    let bad = |what: String| Error::malformed(Location::file(path), what);
    let len = bytes.len();
    if len < 24 {
        return Err(bad(format!(
            "{len} bytes is too short for a BGEN file (its header alone takes at least 24)"
        )));
    }
    let magic = &bytes[16..20];
    if magic != b"bgen" && magic != [0; 4] {
        return Err(bad(format!(
            "not a BGEN file: magic bytes are {:02x} {:02x} {:02x} {:02x}, expected 'bgen' (62 67 65 6e)",
            magic[0], magic[1], magic[2], magic[3]
        )));
    }
    let offset = u32_at(bytes, 0) as usize;
    let header_len = u32_at(bytes, 4);
    let first_variant = offset + 4;
    if first_variant > len {
        return Err(bad(format!(
            "the first variant block would start at byte {first_variant} (offset {offset} + 4), \
             past the end of the {len}-byte file"
        )));
    }
    if header_len < 20 {
        return Err(bad(format!(
            "header block length {header_len} is below the minimum of 20"
        )));
    }
    if header_len as usize > offset {
        return Err(bad(format!(
            "header block length {header_len} is larger than the offset {offset} of the first variant block"
        )));
    }
    let n_variants = u32_at(bytes, 8);
    let n_samples = u32_at(bytes, 12);
    let flags_at = 4 + header_len as usize - 4;
    let flags = u32_at(bytes, flags_at);
    let compression = match flags & 3 {
        0 => Compression::None,
        1 => Compression::Zlib,
        2 => Compression::Zstd,
        c => {
            return Err(bad(format!(
                "unknown compression code {c} in the header flags (0, 1 or 2)"
            )))
        }
    };
    let layout = ((flags >> 2) & 0xf) as u8;
    match layout {
        2 => {}
        0 | 1 => {
            return Err(bad(format!(
                "layout {layout} (BGEN v1.{layout} genotype blocks) is not supported: kindred reads layout 2 \
                 (BGEN v1.2 and v1.3); convert the file, e.g. with `qctool -og out.bgen -ofiletype bgen_v1.2`"
            )))
        }
        l => return Err(bad(format!("unknown genotype block layout {l} in the header flags"))),
    }
    let has_sample_ids = flags >> 31 == 1;
    let header = BgenHeader {
        first_variant,
        header_len,
        n_variants,
        n_samples,
        compression,
        layout,
        has_sample_ids,
        free_data: bytes[20..flags_at].into(),
    };
    let ids = if has_sample_ids {
        Some(sample_ids(bytes, &header, path)?)
    } else {
        None
    };
    Ok((header, ids))
}

/// The sample identifier block, which starts right after the header block
/// and must end at or before the first variant block.
fn sample_ids(bytes: &[u8], header: &BgenHeader, path: &Path) -> Result<Vec<Box<str>>> {
    let bad = |what: String| Error::malformed(Location::file(path), format!("sample identifier block: {what}"));
    let start = 4 + header.header_len as usize;
    // Only the bytes before the first variant block belong to the block.
    let mut cur = Cursor::new(&bytes[..header.first_variant], start);
    let cut = |what: &str| {
        bad(format!(
            "ends before {what} (the first variant block starts at byte {})",
            header.first_variant
        ))
    };
    let block_len = cur.u32().ok_or_else(|| cut("its length field"))? as usize;
    let n = cur.u32().ok_or_else(|| cut("its sample count"))?;
    if n != header.n_samples {
        return Err(bad(format!(
            "lists {n} samples but the header declares {}",
            header.n_samples
        )));
    }
    if start + block_len > header.first_variant {
        return Err(bad(format!(
            "its length {block_len} runs past the first variant block at byte {}",
            header.first_variant
        )));
    }
    // Each identifier takes at least its 2-byte length: never trust a huge `N`.
    let mut ids = Vec::with_capacity((n as usize).min(block_len / 2));
    for k in 0..n as usize {
        let id = cur
            .u16()
            .and_then(|l| cur.take(usize::from(l)))
            .ok_or_else(|| cut(&format!("sample {} of {n}", k + 1)))?;
        let id =
            std::str::from_utf8(id).map_err(|_| bad(format!("identifier of sample {} is not UTF-8 text", k + 1)))?;
        ids.push(id.into());
    }
    if cur.pos() - start != block_len {
        return Err(bad(format!(
            "its length field says {block_len} bytes but its {n} identifiers take {}",
            cur.pos() - start
        )));
    }
    Ok(ids)
}
