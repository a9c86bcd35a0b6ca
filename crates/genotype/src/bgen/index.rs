//! The walk over the variant blocks that builds the index on open.
//!
//! A layout-2 variant block is its identifying data (variant ID, rsID and
//! chromosome as 2-byte-length strings, a 4-byte position, a 2-byte allele
//! count `K` and `K` alleles as 4-byte-length strings), then the genotype
//! data: a 4-byte length `C` and `C` bytes. Only the identifying data are
//! read; `C` lets the walk step over the probabilities without
//! decompressing them.

use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::variant::{Chrom, Variant};

use super::header::{BgenHeader, Compression, Cursor};

/// Where the genotype data of one kept variant lie in the file.
#[derive(Debug, Clone, Copy)]
pub(super) struct BlockRef {
    /// 0-based position of the variant among all blocks of the file.
    pub(super) file_index: u32,
    /// Byte offset of the genotype data, just after the length field `C`.
    pub(super) start: usize,
    /// `C`: bytes of genotype data (for compressed files, the 4-byte
    /// uncompressed length and the compressed bytes).
    pub(super) len: u32,
}

/// Variants left out of [`super::Bgen::variants`] on open because they do
/// not have exactly two alleles (kindred reads biallelic variants only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkippedVariants {
    /// How many were left out.
    pub n_not_biallelic: usize,
    /// The first of them, for a warning that names it.
    pub first: Option<SkippedVariant>,
}

/// One variant left out on open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedVariant {
    /// 1-based position of its block in the file.
    pub block: u32,
    /// Its ID (the rsID, or the variant ID when the rsID is empty).
    pub id: Box<str>,
    /// Its number of alleles.
    pub n_alleles: u16,
}

/// What the walk found.
pub(super) struct Index {
    pub(super) variants: Vec<Variant>,
    pub(super) varids: Vec<Box<str>>,
    pub(super) blocks: Vec<BlockRef>,
    pub(super) skipped: SkippedVariants,
}

/// Walks all `M` variant blocks the header declares, from the first variant
/// offset to the end of the file.
///
/// # Errors
/// `MalformedInput` naming the file and the variant (1-based block number,
/// and its ID once read) for a block cut short by the end of the file, text
/// that is not UTF-8, a compressed block too short for its length field, or
/// bytes left after the last block.
pub(super) fn walk(bytes: &[u8], header: &BgenHeader, path: &Path) -> Result<Index> {
    let m = header.n_variants as usize;
    // A variant block takes at least 16 bytes: never trust a huge `M`.
    let cap = m.min((bytes.len() - header.first_variant) / 16);
    let mut out = Index {
        variants: Vec::with_capacity(cap),
        varids: Vec::with_capacity(cap),
        blocks: Vec::with_capacity(cap),
        skipped: SkippedVariants::default(),
    };
    let mut cur = Cursor::new(bytes, header.first_variant);
    for k in 0..m {
        let start = cur.pos();
        let bad = |id: &str, what: String| {
            let name = if id.is_empty() {
                String::new()
            } else {
                format!(" ('{id}')")
            };
            Error::malformed(
                Location::file(path),
                format!("variant {} of {m}{name}, block at byte {start}: {what}", k + 1),
            )
        };
        let cut = |id: &str, field: &str| {
            bad(
                id,
                format!("the file ends inside its {field} (truncated file, or a wrong length earlier in the block?)"),
            )
        };
        let text = |cur: &mut Cursor<'_>, id: &str, field: &str, wide: bool| -> Result<Box<str>> {
            let n = if wide {
                cur.u32().map(|n| n as usize)
            } else {
                cur.u16().map(usize::from)
            };
            let raw = n.and_then(|n| cur.take(n)).ok_or_else(|| cut(id, field))?;
            let s = std::str::from_utf8(raw).map_err(|_| bad(id, format!("its {field} is not UTF-8 text")))?;
            Ok(s.into())
        };
        let varid = text(&mut cur, "", "variant ID", false)?;
        let rsid = text(&mut cur, &varid, "rsID", false)?;
        let id = if rsid.is_empty() { varid.clone() } else { rsid };
        let chrom = text(&mut cur, &id, "chromosome", false)?;
        let pos = cur.u32().ok_or_else(|| cut(&id, "position"))?;
        let n_alleles = cur.u16().ok_or_else(|| cut(&id, "allele count"))?;
        let mut first_two = [None, None];
        for a in 0..usize::from(n_alleles) {
            let allele = text(&mut cur, &id, &format!("allele {}", a + 1), true)?;
            if let Some(slot) = first_two.get_mut(a) {
                *slot = Some(allele);
            }
        }
        let len = cur.u32().ok_or_else(|| cut(&id, "genotype data length"))?;
        let data_start = cur.pos();
        if cur.take(len as usize).is_none() {
            return Err(bad(
                &id,
                format!(
                    "its genotype data length is {len} bytes but only {} remain in the file \
                     (truncated file, or a wrong compressed length)",
                    bytes.len() - data_start
                ),
            ));
        }
        if header.compression != Compression::None && len < 4 {
            return Err(bad(
                &id,
                format!(
                    "its compressed genotype data length {len} is too short to hold the 4-byte uncompressed length"
                ),
            ));
        }
        let (2, [Some(a1), Some(a2)]) = (n_alleles, first_two) else {
            out.skipped.n_not_biallelic += 1;
            out.skipped.first.get_or_insert_with(|| SkippedVariant {
                block: k as u32 + 1,
                id,
                n_alleles,
            });
            continue;
        };
        out.variants.push(Variant {
            chrom: Chrom::parse(&chrom),
            id,
            cm: 0.0,
            pos: i64::from(pos),
            a1,
            a2,
        });
        out.varids.push(varid);
        out.blocks.push(BlockRef {
            file_index: k as u32,
            start: data_start,
            len,
        });
    }
    let rest = bytes.len() - cur.pos();
    if rest != 0 {
        return Err(Error::malformed(
            Location::file(path),
            format!(
                "{rest} bytes follow the last of the {m} variant blocks the header declares \
                 (a wrong variant count in the header?)"
            ),
        ));
    }
    Ok(out)
}
