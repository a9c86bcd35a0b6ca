//! `X Xᵀ` for a block of allele counts (0, 1, 2; no missing call) in
//! integer arithmetic: the centered GRM's exact path (`block.rs`).
//!
//! The counts are packed as bytes and multiplied with AVX2's byte
//! multiply-add (`vpmaddubsw`: 16 lanes of two byte products summed into
//! 16 bits per instruction), accumulated in 16-bit lanes and widened to 32
//! bits every [`KC`] pairs of variants. That is four times the products
//! per instruction of an `f32` multiply-add, and exact: a lane adds at
//! most `2·2 + 2·2 = 8` per pair of variants, far from overflowing 16 bits
//! between widenings. Integer sums do not depend on their order, so the
//! result equals the `f32` product's (whose integer sums are exact too)
//! bit for bit, whatever the thread count.

use rayon::prelude::*;

use crate::error::Result;
use crate::memory::try_vec;

/// Rows of a packed panel (two 32-byte registers of 16 rows each).
const MR: usize = 32;
/// Columns of a tile (one broadcast each).
const NR: usize = 4;

/// Most variants one product holds: their packed bytes (`n` per variant)
/// take about the memory of the `f64` block of 1024 variants they are
/// decoded through. A 16-bit lane gains at most 8 per pair of variants,
/// and [`syrk`] widens them to 32 bits every [`KC`] pairs.
pub(crate) const MAX_VARIANTS: usize = 2 * 4095;

/// Whether this CPU runs the byte kernel (checked once by the standard
/// library); without it the caller keeps its `f32` path.
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Counts packed for the kernel: panels of [`MR`] rows, and within a
/// panel, for each pair of variants, each row's two counts as adjacent
/// bytes (rows past `n` and the variant past an odd count are 0). Blocks
/// of variants are appended until the capacity is reached, so that one
/// product (and one pass over the `n x n` sums) serves up to
/// [`MAX_VARIANTS`] variants.
pub(crate) struct Packed {
    n: usize,
    /// Pairs of variants each panel has room for.
    cap_pairs: usize,
    /// Variants appended so far.
    len: usize,
    bytes: Vec<u8>,
}

impl Packed {
    /// Room for `variants` variants (at most [`MAX_VARIANTS`], rounded up
    /// to a pair) over `n` rows.
    ///
    /// # Errors
    /// `OutOfMemory` when the buffer does not fit.
    pub fn with_capacity(n: usize, variants: usize) -> Result<Self> {
        let cap_pairs = capacity_pairs(variants);
        let len = n.div_ceil(MR) * cap_pairs * MR * 2;
        let bytes = try_vec(
            len,
            0u8,
            &format!("packed counts of {variants} variants over {n} samples"),
        )?;
        Ok(Self {
            n,
            cap_pairs,
            len: 0,
            bytes,
        })
    }

    /// Packs the `n x b` column-major counts `x` (each 0, 1 or 2).
    #[cfg(test)]
    pub fn new(x: &[f64], n: usize, b: usize) -> Self {
        let mut p = Self::with_capacity(n, b).expect("fits");
        p.push(x, b);
        p
    }

    /// Variants it can hold.
    pub fn capacity(&self) -> usize {
        2 * self.cap_pairs
    }

    /// Variants appended.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends the `n x b` column-major counts `x` (each 0, 1 or 2).
    pub fn push(&mut self, x: &[f64], b: usize) {
        let n = self.n;
        debug_assert_eq!(x.len(), n * b);
        assert!(self.len + b <= self.capacity(), "packed counts overfilled");
        let start = self.len;
        let stride = self.cap_pairs * MR * 2;
        self.bytes.par_chunks_mut(stride).enumerate().for_each(|(p, panel)| {
            let i0 = p * MR;
            let rows = MR.min(n - i0);
            for v in 0..b {
                let col = &x[v * n + i0..v * n + i0 + rows];
                let (kp, half) = ((start + v) / 2, (start + v) % 2);
                let dst = &mut panel[kp * MR * 2..(kp + 1) * MR * 2];
                for (r, &c) in col.iter().enumerate() {
                    dst[2 * r + half] = c as u8;
                }
            }
        });
        self.len += b;
    }

    /// Empties it (the used bytes back to 0).
    pub fn clear(&mut self) {
        let used = self.pairs() * MR * 2;
        self.bytes
            .par_chunks_mut(self.cap_pairs * MR * 2)
            .for_each(|panel| panel[..used].fill(0));
        self.len = 0;
    }

    fn pairs(&self) -> usize {
        self.len.div_ceil(2)
    }

    fn panel(&self, p: usize) -> &[u8] {
        let stride = self.cap_pairs * MR * 2;
        &self.bytes[p * stride..p * stride + self.pairs() * MR * 2]
    }
}

/// Pairs of variants each panel of [`Packed::with_capacity`] holds.
fn capacity_pairs(variants: usize) -> usize {
    variants.min(MAX_VARIANTS).div_ceil(2).max(1)
}

/// Bytes of the packed counts the exact centered path gathers for one
/// product, with `variants` variants to build from over `n` samples: a
/// memory estimate's share of the GRM pass.
pub fn packed_bytes(n: usize, variants: usize) -> u64 {
    (n.div_ceil(MR) as u64)
        .saturating_mul(capacity_pairs(variants) as u64)
        .saturating_mul((MR * 2) as u64)
}

/// Pairs of variants per pass over a pair of panels: both panels' chunks
/// (16 KB each) and the output tile (4 KB) stay in the core's own caches
/// while the pair's tiles are formed.
const KC: usize = 256;

/// `X Xᵀ` of the packed counts, lower triangle (and the diagonal tiles'
/// upper parts), as 32-bit integers in row panels: `out[p]` holds rows
/// `p·MR..` of every column `j`, at `j · MR + r` (`out` is resized).
/// Requires [`available`].
pub(crate) fn syrk(x: &Packed, out: &mut Vec<i32>) {
    assert!(available() && x.len <= MAX_VARIANTS + 1);
    let n = x.n;
    let pairs = x.pairs();
    let panels = n.div_ceil(MR);
    let cols = panels * MR;
    out.clear();
    out.resize(panels * MR * cols, 0);
    out.par_chunks_mut(MR * cols).enumerate().for_each(|(p, rows)| {
        let a = x.panel(p);
        // Column panel by column panel up to the diagonal, a chunk of
        // pairs at a time (see `KC`). Integer sums: the order does not
        // matter.
        let last = ((p + 1) * MR).min(n);
        for q in 0..=p {
            let bp = x.panel(q);
            let out = &mut rows[q * MR * MR..(q + 1) * MR * MR];
            for k0 in (0..pairs).step_by(KC) {
                let kn = KC.min(pairs - k0);
                let ak = &a[k0 * MR * 2..(k0 + kn) * MR * 2];
                let bk = &bp[k0 * MR * 2..(k0 + kn) * MR * 2];
                for off in (0..MR).step_by(NR).take_while(|&off| q * MR + off < last) {
                    // SAFETY: `available()` checked AVX2 above.
                    let tile = unsafe { tile_avx2(ak, bk, off, kn) };
                    for (jj, col) in tile.iter().enumerate() {
                        for (o, t) in out[(off + jj) * MR..(off + jj + 1) * MR].iter_mut().zip(col) {
                            *o += t;
                        }
                    }
                }
            }
        }
    });
}

/// Reads entry `(i, j)`, `j <= i`, of [`syrk`]'s output for `n` rows.
#[cfg(test)]
pub(crate) fn at(out: &[i32], n: usize, i: usize, j: usize) -> i32 {
    let cols = n.div_ceil(MR) * MR;
    out[(i / MR) * MR * cols + j * MR + i % MR]
}

/// Calls `f(i0, run)` for the contiguous runs of column `j`'s entries
/// `i >= j` of [`syrk`]'s output for `n` rows (`run[k]` is entry `i0 + k`).
#[inline]
pub(crate) fn lower_column(out: &[i32], n: usize, j: usize, mut f: impl FnMut(usize, &[i32])) {
    let cols = n.div_ceil(MR) * MR;
    for p in j / MR..n.div_ceil(MR) {
        let (i0, i1) = ((p * MR).max(j), ((p + 1) * MR).min(n));
        let base = p * MR * cols + j * MR - p * MR;
        f(i0, &out[base + i0..base + i1]);
    }
}

/// One `MR x NR` tile: rows of panel `a`, columns `off..off + NR` of panel
/// `b`, over `pairs` pairs of variants.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn tile_avx2(a: &[u8], b: &[u8], off: usize, pairs: usize) -> [[i32; MR]; NR] {
    use std::arch::x86_64::*;
    debug_assert!(a.len() >= pairs * MR * 2 && b.len() >= pairs * MR * 2 && off + NR <= MR);
    let mut acc = [[_mm256_setzero_si256(); 2]; NR];
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    for kp in 0..pairs {
        let base = kp * MR * 2;
        // SAFETY: `base + 64 <= a.len()`, and the reads of `b` stay within
        // this pair's 64 bytes (`off + NR <= MR`); unaligned loads.
        unsafe {
            let a0 = _mm256_loadu_si256(pa.add(base) as *const __m256i);
            let a1 = _mm256_loadu_si256(pa.add(base + 32) as *const __m256i);
            for (jj, accj) in acc.iter_mut().enumerate() {
                let two = (pb.add(base + 2 * (off + jj)) as *const i16).read_unaligned();
                let bj = _mm256_set1_epi16(two);
                accj[0] = _mm256_add_epi16(accj[0], _mm256_maddubs_epi16(a0, bj));
                accj[1] = _mm256_add_epi16(accj[1], _mm256_maddubs_epi16(a1, bj));
            }
        }
    }
    let mut out = [[0i32; MR]; NR];
    for (jj, accj) in acc.iter().enumerate() {
        for (h, v) in accj.iter().enumerate() {
            let lo = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(*v));
            let hi = _mm256_cvtepi16_epi32(_mm256_extracti128_si256::<1>(*v));
            // SAFETY: 16 i32 fit in `out[jj][16h..16h + 16]`.
            unsafe {
                let dst = out[jj].as_mut_ptr().add(16 * h);
                _mm256_storeu_si256(dst as *mut __m256i, lo);
                _mm256_storeu_si256(dst.add(8) as *mut __m256i, hi);
            }
        }
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn tile_avx2(_: &[u8], _: &[u8], _: usize, _: usize) -> [[i32; MR]; NR] {
    unreachable!("the byte kernel is only called where `available()`")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic counts 0, 1, 2 with runs of each.
    fn counts(n: usize, b: usize, seed: usize) -> Vec<f64> {
        (0..n * b)
            .map(|k| (((k * 7919 + seed * 104_729) >> 3) % 3) as f64)
            .collect()
    }

    /// Every lower entry equals the integer product, for shapes that do
    /// not divide the panel or the tile, an odd number of variants and
    /// the most variants a product may hold, all 2 (the largest sums).
    #[test]
    fn byte_product_equals_integer_product() {
        if !available() {
            return;
        }
        let mut out = Vec::new();
        for (n, b) in [(1, 1), (5, 3), (32, 2), (37, 7), (70, 64), (131, 255)] {
            let x = counts(n, b, n + b);
            syrk(&Packed::new(&x, n, b), &mut out);
            for j in 0..n {
                for i in j..n {
                    let want: i64 = (0..b).map(|v| (x[v * n + i] * x[v * n + j]) as i64).sum();
                    assert_eq!(i64::from(at(&out, n, i, j)), want, "{n} x {b}: ({i}, {j})");
                }
            }
        }
        let (n, b) = (40, MAX_VARIANTS);
        let twos = vec![2.0; n * b];
        syrk(&Packed::new(&twos, n, b), &mut out);
        assert_eq!(at(&out, n, n - 1, 0), 4 * b as i32);
        assert_eq!(at(&out, n, 17, 17), 4 * b as i32);
    }
}
