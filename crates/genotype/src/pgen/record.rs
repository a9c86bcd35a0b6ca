//! Decoding one variant record into per-sample genotype categories and,
//! when the record has them, 16-bit ALT dosages.
//!
//! The main track gives every sample a category: 0 homozygous REF, 1
//! heterozygous, 2 homozygous ALT, 3 missing. It is stored as a 2-bit
//! array, as a "1-bit" array of the two commonest categories plus a
//! difflist of the others, as a difflist from the last record that is not
//! LD-compressed (optionally with 0 and 2 swapped afterwards), or as a
//! difflist from one category. Then come, when the record type says so:
//! multiallelic hard calls (refused), hard-call phase (stepped over),
//! dosages (read), and phased dosages (stepped over: the dosage track
//! already holds each sample's total).

use super::difflist::{self, Cursor, TrackError};
use super::header::RecordType;
use super::Pgen;

/// A dosage slot without a value from the dosage track (the hard call
/// stands); no stored value can be 65534.
pub(super) const NO_DOSAGE: u16 = 0xfffe;
/// A dosage slot holding the missing code of the fixed-width dosage track.
pub(super) const MISSING_DOSAGE: u16 = 0xffff;
/// The stored value of a dosage of 2 (dosage = value / 2^14).
const DOSAGE_TWO: u16 = 1 << 15;

/// Per-thread buffers, reused across variants.
pub(crate) struct Scratch {
    /// Category of every sample in the file (0, 1, 2, 3 = missing).
    pub(super) geno: Vec<u8>,
    /// Stored dosage of every sample, or [`NO_DOSAGE`]; valid when
    /// `has_dosage`.
    pub(super) dosage: Vec<u16>,
    /// Whether the last record read had a dosage track.
    pub(super) has_dosage: bool,
    /// Main track of the record `base_of`, kept for LD-compressed records.
    base: Vec<u8>,
    base_of: Option<usize>,
    /// Sample IDs of a dosage list.
    ids: Vec<u32>,
}

impl Scratch {
    /// Buffers for a file of `n` samples.
    pub(super) fn new(n: usize) -> Self {
        Self {
            geno: vec![0; n],
            dosage: Vec::new(),
            has_dosage: false,
            base: vec![0; n],
            base_of: None,
            ids: Vec::new(),
        }
    }
}

impl Pgen {
    /// Reads record `rec` (file order) into `scratch`.
    ///
    /// # Errors
    /// A description of what is wrong with the record (the caller names
    /// the file and variant).
    pub(super) fn read_record(&self, rec: usize, scratch: &mut Scratch) -> Result<(), TrackError> {
        let (kind, range) = self.records.get(rec);
        let mut cur = Cursor::new(&self.map[range]);
        let n = scratch.geno.len();
        if kind.is_ld_compressed() {
            let base = self.ld_base(rec);
            if scratch.base_of != Some(base) {
                let (base_kind, base_range) = self.records.get(base);
                self.main_track(base_kind, &mut Cursor::new(&self.map[base_range]), &mut scratch.base)
                    .map_err(|e| format!("its LD base, variant {} (record type {base_kind}): {e}", base + 1))?;
                scratch.base_of = Some(base);
            }
            scratch.geno.copy_from_slice(&scratch.base);
            let geno = &mut scratch.geno;
            difflist::read(&mut cur, n, true, "LD difflist", |i, g| geno[i] = g)?;
            if kind.main_track() == 3 {
                for g in geno.iter_mut().filter(|g| **g != 1 && **g != 3) {
                    *g = 2 - *g;
                }
            }
        } else {
            self.main_track(kind, &mut cur, &mut scratch.geno)?;
            let next_is_ld = rec + 1 < self.header.n_variants as usize && self.records.kind(rec + 1).is_ld_compressed();
            if next_is_ld {
                scratch.base.copy_from_slice(&scratch.geno);
                scratch.base_of = Some(rec);
            }
        }
        if kind.has_multiallelic_calls() {
            return Err(
                "it holds multiallelic hard calls (record type bit 3), but the variant file lists two \
                 alleles"
                    .into(),
            );
        }
        if kind.has_phase() {
            let hets = scratch.geno.iter().filter(|&&g| g == 1).count();
            let first = cur.take(1 + hets / 8, "hard-call phase track")?;
            if first[0] & 1 == 1 {
                let phased = first.iter().map(|b| b.count_ones() as usize).sum::<usize>() - 1;
                cur.take(phased.div_ceil(8), "hard-call phase track")?;
            }
        }
        scratch.has_dosage = kind.has_dosage();
        if kind.has_dosage() {
            self.dosage_tracks(kind, &mut cur, scratch)?;
        } else if kind.has_phased_dosage() {
            return Err("its phased-dosage bit is set without a dosage track".into());
        }
        if cur.remaining() != 0 {
            return Err(format!(
                "{} bytes are left after its last track (record of {} bytes)",
                cur.remaining(),
                cur.position() + cur.remaining()
            ));
        }
        Ok(())
    }

    /// The last record before `rec` that is not LD-compressed (there is
    /// one in `rec`'s block: open checks that no block starts with an
    /// LD-compressed record).
    fn ld_base(&self, rec: usize) -> usize {
        (0..rec)
            .rev()
            .find(|&k| !self.records.kind(k).is_ld_compressed())
            .unwrap_or(0)
    }

    /// Decodes a main track that is not LD-compressed into `geno`.
    fn main_track(&self, kind: RecordType, cur: &mut Cursor<'_>, geno: &mut [u8]) -> Result<(), TrackError> {
        let n = geno.len();
        match kind.main_track() {
            0 => {
                let packed = cur.take(n.div_ceil(4), "2-bit genotype array")?;
                for (i, g) in geno.iter_mut().enumerate() {
                    *g = (packed[i / 4] >> (2 * (i % 4))) & 3;
                }
            }
            1 => {
                let code = cur.take(1, "1-bit genotype array")?[0];
                let (low, step) = (code >> 2, code & 3);
                if step == 0 || low + step > 3 {
                    return Err(format!(
                        "its 1-bit genotype array starts with 0x{code:02x}, which names no pair of categories"
                    ));
                }
                let bits = cur.take(n.div_ceil(8), "1-bit genotype array")?;
                for (i, g) in geno.iter_mut().enumerate() {
                    *g = low + step * ((bits[i / 8] >> (i % 8)) & 1);
                }
                difflist::read(cur, n, true, "list of rarer genotypes", |i, g| geno[i] = g)?;
            }
            common @ (4 | 6 | 7) => {
                geno.fill(common - 4);
                difflist::read(cur, n, true, "genotype difflist", |i, g| geno[i] = g)?;
            }
            5 => geno.fill(0),
            _ => return Err("an LD-compressed record is used as an LD base".into()),
        }
        Ok(())
    }

    /// Reads the dosage track (and steps over a phased-dosage track) into
    /// `scratch.dosage`.
    fn dosage_tracks(&self, kind: RecordType, cur: &mut Cursor<'_>, scratch: &mut Scratch) -> Result<(), TrackError> {
        let n = scratch.geno.len();
        let dosage = &mut scratch.dosage;
        dosage.clear();
        let check = |v: u16| {
            if v > DOSAGE_TWO {
                Err(format!("its dosage track holds {v}, above 32768 (a dosage of 2)"))
            } else {
                Ok(v)
            }
        };
        let stored = match kind.0 & 0x60 {
            0x40 => {
                let values = cur.take(2 * n, "dosage track")?;
                for v in values.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])) {
                    dosage.push(if v == MISSING_DOSAGE { v } else { check(v)? });
                }
                n
            }
            0x20 => {
                dosage.resize(n, NO_DOSAGE);
                let ids = &mut scratch.ids;
                ids.clear();
                difflist::read(cur, n, false, "dosage list", |i, _| ids.push(i as u32))?;
                let values = cur.take(2 * ids.len(), "dosage track")?;
                for (&i, c) in ids.iter().zip(values.chunks_exact(2)) {
                    dosage[i as usize] = check(u16::from_le_bytes([c[0], c[1]]))?;
                }
                ids.len()
            }
            _ => {
                dosage.resize(n, NO_DOSAGE);
                let present = cur.take(n.div_ceil(8), "dosage bitarray")?;
                if !n.is_multiple_of(8) && present[n / 8] >> (n % 8) != 0 {
                    return Err("its dosage bitarray has bits set past the last sample".into());
                }
                let count = present.iter().map(|b| b.count_ones() as usize).sum::<usize>();
                let values = cur.take(2 * count, "dosage track")?;
                let mut values = values.chunks_exact(2);
                for i in (0..n).filter(|&i| (present[i / 8] >> (i % 8)) & 1 == 1) {
                    let c = values
                        .next()
                        .ok_or("its dosage bitarray has bits set past the last sample")?;
                    dosage[i] = check(u16::from_le_bytes([c[0], c[1]]))?;
                }
                count
            }
        };
        if kind.has_phased_dosage() {
            if kind.0 & 0x60 == 0x40 {
                cur.take(2 * n, "phased-dosage track")?;
            } else {
                let flags = cur.take(stored.div_ceil(8), "phased-dosage flags")?;
                let phased = flags.iter().map(|b| b.count_ones() as usize).sum::<usize>();
                cur.take(2 * phased, "phased-dosage track")?;
            }
        }
        Ok(())
    }
}
