//! Synthetic PGEN filesets for unit tests: records encoded from genotype
//! categories by the format's rules (written here from the specification,
//! independently of the reader), a header around them, a `.pvar` and a
//! `.psam`.

use std::path::{Path, PathBuf};

use super::difflist::id_bytes;
use super::Pgen;
use crate::decode::{Encoding, SampleSubset};
use crate::DosageDecode;

/// A fileset to write: `n` samples and one record per variant.
pub(super) struct TestSet {
    pub(super) n: usize,
    /// Storage mode byte.
    pub(super) mode: u8,
    /// Header byte 11 of variable-width modes (8-bit types, 4-byte lengths).
    pub(super) ctrl: u8,
    /// (record type, bytes) of every record.
    pub(super) records: Vec<(u8, Vec<u8>)>,
    /// ALT column of each record (`G` when absent).
    pub(super) alts: Vec<&'static str>,
    /// Bytes between the header and the first record (mode 0x11).
    pub(super) extension: Vec<u8>,
    /// Bytes after the last record (mode 0x11 footer).
    pub(super) footer: Vec<u8>,
}

impl TestSet {
    /// An empty variable-width set of `n` samples.
    pub(super) fn new(n: usize) -> Self {
        Self {
            n,
            mode: 0x10,
            ctrl: 0x07,
            records: Vec::new(),
            alts: Vec::new(),
            extension: Vec::new(),
            footer: Vec::new(),
        }
    }

    /// Adds a record.
    pub(super) fn push(&mut self, kind: u8, bytes: Vec<u8>) -> &mut Self {
        self.records.push((kind, bytes));
        self
    }

    /// The `.pgen` bytes.
    pub(super) fn pgen_bytes(&self) -> Vec<u8> {
        let m = self.records.len();
        let mut out = vec![0x6c, 0x1b, self.mode];
        out.extend_from_slice(&(m as u32).to_le_bytes());
        out.extend_from_slice(&(self.n as u32).to_le_bytes());
        if self.mode < 0x10 {
            out.push(0);
        } else {
            out.push(self.ctrl);
            let blocks = m.div_ceil(1 << 16);
            let offsets_at = out.len();
            out.resize(offsets_at + 8 * blocks, 0);
            let mut starts = Vec::new();
            for blk in 0..blocks {
                let recs = &self.records[blk << 16..m.min((blk + 1) << 16)];
                out.extend(recs.iter().map(|r| r.0));
                for r in recs {
                    out.extend_from_slice(&(r.1.len() as u32).to_le_bytes());
                }
                starts.push(recs);
            }
            out.extend_from_slice(&self.extension);
            let mut at = out.len() as u64;
            for (blk, recs) in starts.iter().enumerate() {
                out[offsets_at + 8 * blk..offsets_at + 8 * blk + 8].copy_from_slice(&at.to_le_bytes());
                at += recs.iter().map(|r| r.1.len() as u64).sum::<u64>();
            }
        }
        for r in &self.records {
            out.extend_from_slice(&r.1);
        }
        out.extend_from_slice(&self.footer);
        out
    }

    /// The `.pvar` text: variants `v1`, `v2`, ... at positions 10, 20, ...
    pub(super) fn pvar_text(&self) -> String {
        let mut s = String::from("##source=test\n#CHROM\tPOS\tID\tREF\tALT\n");
        for k in 0..self.records.len() {
            let alt = self.alts.get(k).copied().unwrap_or("G");
            s.push_str(&format!("1\t{}\tv{}\tA\t{alt}\n", 10 * (k + 1), k + 1));
        }
        s
    }

    /// The `.psam` text: samples `s1`, `s2`, ... in families of two.
    pub(super) fn psam_text(&self) -> String {
        let mut s = String::from("#FID\tIID\tSEX\n");
        for i in 0..self.n {
            s.push_str(&format!("f{}\ts{}\t{}\n", i / 2 + 1, i + 1, 1 + i % 2));
        }
        s
    }

    /// Writes `dir/t.{pgen,pvar,psam}` and returns the prefix.
    pub(super) fn write(&self, dir: &Path) -> PathBuf {
        let prefix = dir.join("t");
        std::fs::write(dir.join("t.pgen"), self.pgen_bytes()).unwrap();
        std::fs::write(dir.join("t.pvar"), self.pvar_text()).unwrap();
        std::fs::write(dir.join("t.psam"), self.psam_text()).unwrap();
        prefix
    }

    /// Writes the set into a new temporary directory and opens it.
    pub(super) fn open(&self) -> (tempfile::TempDir, Pgen) {
        let dir = tempfile::tempdir().unwrap();
        let prefix = self.write(dir.path());
        let p = Pgen::open(&prefix).unwrap_or_else(|e| panic!("{e}"));
        (dir, p)
    }
}

/// Every variant of `p` over all samples, raw (`NaN` = missing).
pub(super) fn decode_all(p: &Pgen) -> Vec<Vec<f64>> {
    let all = SampleSubset::all(p.n_samples());
    (0..p.variants().len())
        .map(|v| {
            let mut col = vec![0.0; p.n_samples()];
            p.decode_one(v, &all, Encoding::Raw, &mut col)
                .unwrap_or_else(|e| panic!("{e}"));
            col
        })
        .collect()
}

/// The values categories stand for (3 = missing).
pub(super) fn values(codes: &[u8]) -> Vec<f64> {
    codes.iter().map(|&c| [0.0, 1.0, 2.0, f64::NAN][c as usize]).collect()
}

/// Equal, `NaN` included.
pub(super) fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Appends a base-128 varint.
pub(super) fn varint(mut v: u32, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Categories packed 2 bits each, first sample in the low bits.
pub(super) fn two_bit(codes: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; codes.len().div_ceil(4)];
    for (i, &c) in codes.iter().enumerate() {
        out[i / 4] |= c << (2 * (i % 4));
    }
    out
}

/// A difflist of `(sample, category)` in increasing sample order, for a file
/// of `n` samples; categories are written only when `genotypes`.
pub(super) fn difflist(n: usize, entries: &[(usize, u8)], genotypes: bool) -> Vec<u8> {
    let mut out = Vec::new();
    varint(entries.len() as u32, &mut out);
    if entries.is_empty() {
        return out;
    }
    let w = id_bytes(n);
    let groups: Vec<&[(usize, u8)]> = entries.chunks(64).collect();
    let gaps: Vec<Vec<u8>> = groups
        .iter()
        .map(|g| {
            let mut bytes = Vec::new();
            for pair in g.windows(2) {
                varint((pair[1].0 - pair[0].0) as u32, &mut bytes);
            }
            bytes
        })
        .collect();
    for g in &groups {
        out.extend_from_slice(&(g[0].0 as u32).to_le_bytes()[..w]);
    }
    for gap in &gaps[..gaps.len() - 1] {
        out.push((gap.len() - 63) as u8);
    }
    if genotypes {
        let codes: Vec<u8> = entries.iter().map(|e| e.1).collect();
        out.extend(two_bit(&codes));
    }
    for gap in gaps {
        out.extend(gap);
    }
    out
}

/// Main track storage 1: the two categories `low < high` as bits, the
/// others in a difflist.
pub(super) fn onebit(codes: &[u8], low: u8, high: u8) -> Vec<u8> {
    let mut out = vec![(low << 2) | (high - low)];
    let mut bits = vec![0u8; codes.len().div_ceil(8)];
    for (i, &c) in codes.iter().enumerate() {
        if c == high {
            bits[i / 8] |= 1 << (i % 8);
        }
    }
    out.extend(bits);
    let rare: Vec<(usize, u8)> = codes
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != low && c != high)
        .map(|(i, &c)| (i, c))
        .collect();
    out.extend(difflist(codes.len(), &rare, true));
    out
}

/// The samples whose category differs from `base`, as a difflist.
pub(super) fn diff_from(codes: &[u8], base: &[u8]) -> Vec<u8> {
    let d: Vec<(usize, u8)> = codes
        .iter()
        .zip(base)
        .enumerate()
        .filter(|(_, (c, b))| c != b)
        .map(|(i, (&c, _))| (i, c))
        .collect();
    difflist(codes.len(), &d, true)
}

/// Categories with 0 and 2 swapped.
pub(super) fn inverted(codes: &[u8]) -> Vec<u8> {
    codes
        .iter()
        .map(|&c| if c == 0 || c == 2 { 2 - c } else { c })
        .collect()
}

/// 16-bit little-endian values.
pub(super) fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A pseudo-random category sequence of length `n` (3 = missing).
pub(super) fn codes(n: usize, seed: u64, weights: [u64; 4]) -> Vec<u8> {
    let total: u64 = weights.iter().sum();
    let mut x = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let mut r = (x >> 33) % total;
            let mut c = 0;
            while r >= weights[c] {
                r -= weights[c];
                c += 1;
            }
            c as u8
        })
        .collect()
}
