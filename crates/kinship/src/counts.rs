//! `X Xᵀ` for a block of allele counts (0, 1, 2; no missing call) in
//! integer arithmetic: the centered GRM's exact path (`block.rs`).
//!
//! The counts are packed as bytes and multiplied with AVX2's byte
//! multiply-add (`vpmaddubsw`: 16 lanes of two byte products summed into
//! 16 bits per instruction), accumulated in 16-bit lanes and widened to 32
//! bits at the end. That is four times the products per instruction of an
//! `f32` multiply-add, and exact: a lane adds at most `2·2 + 2·2 = 8` per
//! pair of variants, so 16 bits hold [`MAX_VARIANTS`] variants. Integer
//! sums do not depend on their order, so the result equals the `f32`
//! product's (whose integer sums are exact too) bit for bit, whatever the
//! thread count.

use rayon::prelude::*;

/// Rows of a packed panel (two 32-byte registers of 16 rows each).
const MR: usize = 32;
/// Columns of a tile (one broadcast each).
const NR: usize = 4;

/// Most variants one product may hold: a 16-bit lane gains at most 8 per
/// pair of variants, and `8 · 4095 < 2¹⁵`.
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

/// The block's counts packed for the kernel: panels of [`MR`] rows, and
/// within a panel, for each pair of variants, each row's two counts as
/// adjacent bytes (rows past `n` and the variant past an odd `b` are 0).
pub(crate) struct Packed {
    n: usize,
    pairs: usize,
    bytes: Vec<u8>,
}

impl Packed {
    /// Packs the `n x b` column-major counts `x` (each 0, 1 or 2).
    pub fn new(x: &[f64], n: usize, b: usize) -> Self {
        debug_assert_eq!(x.len(), n * b);
        let pairs = b.div_ceil(2);
        let panels = n.div_ceil(MR);
        let panel_len = pairs * MR * 2;
        let mut bytes = vec![0u8; panels * panel_len];
        bytes.par_chunks_mut(panel_len).enumerate().for_each(|(p, panel)| {
            let i0 = p * MR;
            let rows = MR.min(n - i0);
            for v in 0..b {
                let col = &x[v * n + i0..v * n + i0 + rows];
                let (kp, half) = (v / 2, v % 2);
                let dst = &mut panel[kp * MR * 2..(kp + 1) * MR * 2];
                for (r, &c) in col.iter().enumerate() {
                    dst[2 * r + half] = c as u8;
                }
            }
        });
        Self { n, pairs, bytes }
    }

    fn panel(&self, p: usize) -> &[u8] {
        let len = self.pairs * MR * 2;
        &self.bytes[p * len..(p + 1) * len]
    }
}

/// `X Xᵀ` of the packed counts, lower triangle (and the diagonal tiles'
/// upper parts), as 32-bit integers in row panels: `out[p]` holds rows
/// `p·MR..` of every column `j`, at `j · MR + r` (`out` is resized).
/// Requires [`available`] and at most [`MAX_VARIANTS`] variants.
pub(crate) fn syrk(x: &Packed, out: &mut Vec<i32>) {
    assert!(available() && 2 * x.pairs <= MAX_VARIANTS + 1);
    let n = x.n;
    let panels = n.div_ceil(MR);
    let cols = panels * MR;
    out.clear();
    out.resize(panels * MR * cols, 0);
    out.par_chunks_mut(MR * cols).enumerate().for_each(|(p, rows)| {
        let a = x.panel(p);
        // tiles of NR columns up to the panel's last row
        let last = ((p + 1) * MR).min(n);
        for j0 in (0..last).step_by(NR) {
            let bp = x.panel(j0 / MR);
            let off = j0 % MR;
            // SAFETY: `available()` checked AVX2 above.
            let tile = unsafe { tile_avx2(a, bp, off, x.pairs) };
            for (jj, col) in tile.iter().enumerate() {
                rows[(j0 + jj) * MR..(j0 + jj + 1) * MR].copy_from_slice(col);
            }
        }
    });
}

/// Reads entry `(i, j)`, `j <= i`, of [`syrk`]'s output for `n` rows.
#[inline]
pub(crate) fn at(out: &[i32], n: usize, i: usize, j: usize) -> i32 {
    let cols = n.div_ceil(MR) * MR;
    out[(i / MR) * MR * cols + j * MR + i % MR]
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
