//! The record index of the variable-width storage modes: one 8-byte file
//! offset per block of 2^16 variants, then per block the record types (4
//! or 8 bits each), the record lengths (1 to 4 bytes each), optional
//! allele counts and an optional provisional-REF bitarray.

use std::ops::Range;

use crate::error::{Error, Result};

use super::header::{RecordType, StorageMode};

/// Variants per block of a variable-width `.pgen`.
const BLOCK: usize = 1 << 16;

/// Where the records lie.
#[derive(Debug)]
pub(super) enum Records {
    /// Fixed-width modes: record `k` at `first + k * width`, all of one type.
    Fixed {
        first: usize,
        width: usize,
        kind: RecordType,
    },
    /// Variable-width modes: each record's type, and `M + 1` start offsets.
    Variable { types: Vec<u8>, starts: Vec<usize> },
}

impl Records {
    /// Type and byte range of record `k` (`k < M`).
    pub(super) fn get(&self, k: usize) -> (RecordType, Range<usize>) {
        match self {
            Records::Fixed { first, width, kind } => (*kind, first + k * width..first + (k + 1) * width),
            Records::Variable { types, starts } => (RecordType(types[k]), starts[k]..starts[k + 1]),
        }
    }

    /// Type of record `k`.
    pub(super) fn kind(&self, k: usize) -> RecordType {
        match self {
            Records::Fixed { kind, .. } => *kind,
            Records::Variable { types, .. } => RecordType(types[k]),
        }
    }
}

/// Reads the record index that follows the 12-byte header of a
/// variable-width file of `m` variants (`ctrl` = header byte 11); returns
/// the records and the allele counts, when stored.
///
/// # Errors
/// As [`super::header::parse`], through `bad`.
pub(super) fn variable(
    bytes: &[u8],
    bad: &dyn Fn(String) -> Error,
    mode: StorageMode,
    ctrl: u8,
    m: usize,
) -> Result<(Records, Option<Vec<u8>>)> {
    let nonref_bytes = |k: usize| if ctrl >> 6 == 3 { k.div_ceil(8) } else { 0 };
    let layout = ctrl & 0x0f;
    if layout >= 8 {
        return Err(bad(format!(
            "header byte 11 is 0x{ctrl:02x}: record index layout {layout} (PLINK 2's single-sample encodings) is \
             not supported"
        )));
    }
    let count_bytes = usize::from((ctrl >> 4) & 3);
    if count_bytes > 1 {
        return Err(bad(format!(
            "header byte 11 is 0x{ctrl:02x}: allele counts of {count_bytes} bytes (more than 254 ALT alleles) \
             are not supported"
        )));
    }
    let type_nibbles = layout < 4;
    let len_bytes = 1 + usize::from(layout & 3);
    let n_blocks = m.div_ceil(BLOCK);
    let mut at: usize = 12;
    let mut take = |len: usize, what: &str| -> Result<&[u8]> {
        let slice = bytes.get(at..at.saturating_add(len)).ok_or_else(|| {
            bad(format!(
                "the header ends inside its {what} (byte {at}, {len} bytes needed, file of {} bytes): truncated file",
                bytes.len()
            ))
        })?;
        at += len;
        Ok(slice)
    };
    let offsets: Vec<u64> = take(8 * n_blocks, "block offsets")?
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    let mut types = Vec::with_capacity(m.min(2 * bytes.len()));
    let mut lens = Vec::with_capacity(m.min(bytes.len()));
    let mut counts = Vec::new();
    for blk in 0..n_blocks {
        let k = BLOCK.min(m - blk * BLOCK);
        if type_nibbles {
            let t = take(k.div_ceil(2), "record types")?;
            types.extend((0..k).map(|i| (t[i / 2] >> (4 * (i % 2))) & 0x0f));
        } else {
            types.extend_from_slice(take(k, "record types")?);
        }
        let l = take(k * len_bytes, "record lengths")?;
        lens.extend(l.chunks_exact(len_bytes).map(|c| {
            let mut word = [0u8; 8];
            word[..len_bytes].copy_from_slice(c);
            u64::from_le_bytes(word)
        }));
        if count_bytes == 1 {
            counts.extend_from_slice(take(k, "allele counts")?);
        }
        take(nonref_bytes(k), "provisional-REF flags")?;
    }
    let header_end = at;
    let starts = record_starts(bytes.len(), header_end, mode, &offsets, &lens, &bad)?;
    if let Some(blk) = (0..n_blocks).find(|&b| RecordType(types[b * BLOCK]).is_ld_compressed()) {
        return Err(bad(format!(
            "variant {} of {m}: the first record of a block is LD-compressed (record type 0x{:02x}), which \
             has no record to refer to",
            blk * BLOCK + 1,
            types[blk * BLOCK]
        )));
    }
    Ok((
        Records::Variable { types, starts },
        (count_bytes == 1).then_some(counts),
    ))
}

/// The start of every record and the end of the last, from the block
/// offsets and the record lengths, checked against each other and against
/// the file size `file_len`.
fn record_starts(
    file_len: usize,
    header_end: usize,
    mode: StorageMode,
    offsets: &[u64],
    lens: &[u64],
    bad: &dyn Fn(String) -> Error,
) -> Result<Vec<usize>> {
    let m = lens.len();
    let mut starts = Vec::with_capacity(m + 1);
    let mut end = offsets.first().copied().unwrap_or(header_end as u64);
    let first_ok = match mode {
        StorageMode::VariableWithExtensions => end >= header_end as u64,
        _ => end == header_end as u64,
    };
    if !first_ok {
        return Err(bad(format!(
            "the first variant record is said to start at byte {end}, but the header ends at byte {header_end}"
        )));
    }
    for (k, &len) in lens.iter().enumerate() {
        if k % BLOCK == 0 && offsets[k / BLOCK] != end {
            return Err(bad(format!(
                "block {} of variants is said to start at byte {}, but the records before it end at byte {end}",
                k / BLOCK + 1,
                offsets[k / BLOCK]
            )));
        }
        starts.push(end as usize);
        end += len;
        if end > file_len as u64 {
            return Err(bad(format!(
                "variant {} of {m}: its record of {len} bytes at byte {} runs past the end of the file \
                 ({file_len} bytes): truncated file, or a wrong record length in the header",
                k + 1,
                end - len
            )));
        }
    }
    starts.push(end as usize);
    if mode == StorageMode::Variable && end != file_len as u64 {
        return Err(bad(format!(
            "{} bytes follow the last variant record (byte {end} of {file_len}): wrong record lengths in the \
             header, or a damaged file",
            file_len as u64 - end
        )));
    }
    Ok(starts)
}
