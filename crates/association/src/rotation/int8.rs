//! `Uᵀ X` for blocks of hard calls in exact integer arithmetic: `U` split
//! into three signed-byte digit matrices, the genotype codes (0, 1, 2) as
//! bytes, their products summed exactly in `i32` by AMX tiles
//! (the `tiles` crate), and the digits' sums weighted back in f64.
//!
//! Component `k` (column `k` of `U`) is scaled by its largest entry `M`:
//! `U_ik = M/127 (d1 + d2/254 + d3/254²) + e_ik` with digits `|d| <= 127`
//! rounded to nearest, so `|e_ik| <= M/127 · 0.5/254² < 1.3e-7 M`: about
//! f32's rounding of `U` for the entries that matter, and, unlike an f32
//! product, no rounding at all in the `n`-term sums. What is left of the
//! digits' error is centred as the f32 route centres (its error is
//! `(U_q - U)ᵀ(x - m1)`, not `(U_q - U)ᵀ x`): `m (Uᵀ1 - U_qᵀ1)` is added
//! with each variant's mean `m`.
//!
//! A value that is not a code (a mean imputed for a missing call, a
//! dosage) enters the product as 0 and is added afterwards from `Uᵀ`'s
//! f32 copy, `v U[i, :]`: `n` multiply-adds per such value. A variant
//! with more than one value in eight that is not a code (a dosage) goes
//! the f32 way instead ([`Int8Block::pack`] lists them), by itself, so
//! that its bits do not depend on the block it is in.

use faer::{Mat, MatMut, MatRef};
use rayon::prelude::*;

use tiles::{Aligned, TILE_K};

use super::kernels::{axpy, prefetch};

/// Digit matrices per component at most.
const PIECES: usize = 4;

/// How many digits a basis is split into. Each digit costs one pass of
/// the product; each cuts the entries' error by 254.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digits {
    /// `|e| < 1.3e-7 M`: eigenvectors, whose products are as accurate as
    /// the f32 product with them (closer to f64, measured on mouse).
    Three = 3,
    /// `|e| < 5.1e-10 M`: `L⁻¹`, whose rows hold entries far larger than
    /// the whitened values they sum to (a sample's prediction from its
    /// relatives cancels most of its own value); with three digits the
    /// mouse fixed-ratio p-values moved 1.2e-5 in log10 from f64, three
    /// times the f32 solve's error, with four 3.5e-7.
    Four = 4,
}
/// The first digit's range: `|d1| <= 127`.
const TOP: f64 = 127.0;
/// Each later digit's weight relative to the one before (`|d| <= 127` as
/// the remainder before it is at most half a unit).
const BASE: f64 = 254.0;
/// Rows of the basis per tile-pair step, and columns per pair of panels.
const ROW_STEP: usize = 32;

fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

/// `U` (`n x n`) as [`PIECES`] digit matrices stacked by rows (digit `p`
/// of component `k` is row `p mp + k`, over `kp` padded samples), with the
/// per-component scales and the gap `Uᵀ1 - U_qᵀ1` that centres the error.
#[derive(Debug)]
pub(crate) struct Int8Basis {
    n: usize,
    /// Samples padded to the tile depth.
    kp: usize,
    /// Components padded to the row step (rows per digit matrix).
    mp: usize,
    /// Digit matrices in use ([`Digits`]).
    pieces: usize,
    digits: Aligned<i8>,
    scale: Vec<f64>,
    one_gap: Vec<f64>,
}

impl Int8Basis {
    /// Splits the eigenvectors `u` into `digits` digits each; `ut_one` is
    /// `Uᵀ1` in f64.
    pub(crate) fn new(u: MatRef<'_, f64>, ut_one: &[f64], digits: Digits) -> Self {
        let top: Vec<f64> = (0..u.ncols())
            .into_par_iter()
            .map(|k| u.col(k).iter().fold(0.0f64, |m, v| m.max(v.abs())))
            .collect();
        Self::of_operator(u.transpose(), &top, ut_one, digits)
    }

    /// Splits `A` (`n x n`), the operator of a product `A x` (`Uᵀ`, or a
    /// whitened scan's `L⁻¹`), into `digits` digits per row (component),
    /// given its rows' largest absolute entries `top` and sums `a_one`
    /// (`A1`) in f64 ([`row_extents`]).
    pub(crate) fn of_operator(a: MatRef<'_, f64>, top: &[f64], a_one: &[f64], digits: Digits) -> Self {
        /// Components per task (each reads its rows of `A`'s columns).
        const ROWS: usize = 64;
        let n = a.nrows();
        let pieces = digits as usize;
        let (kp, mp) = (round_up(n.max(1), TILE_K), round_up(n.max(1), ROW_STEP));
        let mut digits = Aligned::<i8>::zeroed(pieces * mp * kp);
        let units: Vec<f64> = top
            .iter()
            .map(|&t| if t > 0.0 && t.is_finite() { TOP / t } else { 0.0 })
            .collect();
        let mut sums = vec![[0i64; PIECES]; n];
        {
            // component k's row of every digit matrix
            let mut by_piece: Vec<_> = digits.chunks_mut(mp * kp).map(|d| d.chunks_mut(kp)).collect();
            let mut rows: Vec<Vec<&mut [i8]>> = (0..n)
                .map(|_| by_piece.iter_mut().map(|p| p.next().expect("mp >= n rows")).collect())
                .collect();
            rows.par_chunks_mut(ROWS)
                .zip(sums.par_chunks_mut(ROWS))
                .zip(units.par_chunks(ROWS))
                .enumerate()
                .for_each(|(t, ((rows, sums), units))| {
                    let r0 = t * ROWS;
                    // a tile of the rows at a time, read along whichever side
                    // of `A` is contiguous (rows for `Uᵀ`, columns for `L⁻¹`)
                    // into row order, so that each digit row is written
                    // along (n = 4000, four digits: by columns 0.37 s before,
                    // 0.16 s now; by rows 0.20 and 0.15 s)
                    let mut tile = vec![0.0f64; ROWS * ROWS];
                    for c0 in (0..n).step_by(ROWS) {
                        let w = ROWS.min(n - c0);
                        if a.row_stride() == 1 {
                            for r in 0..rows.len() {
                                let src = a.row(r0 + r).subcols(c0, w);
                                for (t, &v) in tile[r * ROWS..r * ROWS + w].iter_mut().zip(src.iter()) {
                                    *t = v;
                                }
                            }
                        } else {
                            for c in 0..w {
                                for (r, &v) in a.col(c0 + c).subrows(r0, rows.len()).iter().enumerate() {
                                    tile[r * ROWS + c] = v;
                                }
                            }
                        }
                        for (r, ((row, s), &u)) in rows.iter_mut().zip(sums.iter_mut()).zip(units).enumerate() {
                            if u != 0.0 {
                                split(&mut tile[r * ROWS..r * ROWS + w], u, row, c0, s);
                            }
                        }
                    }
                });
        }
        let scale: Vec<f64> = top
            .iter()
            .zip(&units)
            .map(|(&t, &u)| if u == 0.0 { 0.0 } else { t / TOP })
            .collect();
        let one_gap = (0..n)
            .map(|k| a_one[k] - scale[k] * weigh(sums[k].map(|x| x as f64)))
            .collect();
        Self {
            n,
            kp,
            mp,
            pieces,
            digits,
            scale,
            one_gap,
        }
    }

    /// `U_q` entry `(i, k)` in f64, from the digits.
    #[cfg(test)]
    fn entry(&self, i: usize, k: usize) -> f64 {
        let d = |p: usize| match p < self.pieces {
            true => f64::from(self.digits[(p * self.mp + k) * self.kp + i]),
            false => 0.0,
        };
        self.scale[k] * weigh(std::array::from_fn(d))
    }
}

/// The largest absolute entry and the sum of each row of `a` (`n x n`,
/// read by columns), in f64: the scales of [`Int8Basis::of_operator`] and
/// the row sums that centre its error.
pub(crate) fn row_extents(a: MatRef<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    /// Rows per task.
    const ROWS: usize = 256;
    let n = a.nrows();
    let (mut top, mut one) = (vec![0.0f64; n], vec![0.0f64; n]);
    top.par_chunks_mut(ROWS)
        .zip(one.par_chunks_mut(ROWS))
        .enumerate()
        .for_each(|(t, (top, one))| {
            let r0 = t * ROWS;
            for c in 0..a.ncols() {
                let col = a.col(c).subrows(r0, top.len());
                for ((m, s), &v) in top.iter_mut().zip(one.iter_mut()).zip(col.iter()) {
                    *m = m.max(v.abs());
                    *s += v;
                }
            }
        });
    (top, one)
}

/// Bytes of an [`Int8Basis`] over `n` samples, and of an [`Int8Block`]
/// for blocks of `block` variants (the codes and the sums).
pub(crate) fn bytes(n: usize, block: usize, digits: Digits) -> (u64, u64) {
    let (kp, mp) = (round_up(n.max(1), TILE_K) as u64, round_up(n.max(1), ROW_STEP) as u64);
    let stride = round_up(block.max(1), ROW_STEP) as u64;
    let basis = (digits as u64 * mp).saturating_mul(kp);
    (basis, kp.saturating_mul(stride).saturating_add(basis / kp * stride * 4))
}

/// `d1 + d2/254 + d3/254² + d4/254³` (digits not in use are zero):
/// [`in_last_digits`] over `254³`.
fn weigh(d: [f64; PIECES]) -> f64 {
    in_last_digits(d) / (BASE * BASE * BASE)
}

/// The digits `d` (or sums of them) as one number in units of the last
/// digit, `((d1 254 + d2) 254 + d3) 254 + d4`: exact in f64 (integers
/// below 2⁵³: a sum over n samples of codes times digits stays below
/// 254 n 254³), so that a weighted value costs one rounding and no
/// division, where `d1 + d2/254 + ...` cost three divisions per value of
/// every rotated block.
#[inline]
fn in_last_digits(d: [f64; PIECES]) -> f64 {
    ((d[0] * BASE + d[1]) * BASE + d[2]) * BASE + d[3]
}

/// Writes `values` times `unit` (so in units of the first digit) as the
/// digits at samples `at..` of each of `rows` (one row per digit
/// matrix), rounded to nearest, and adds them to `sums`. Digit by digit
/// over the values: each value's digits are a chain of dependent steps,
/// which across values can run side by side.
fn split(values: &mut [f64], unit: f64, rows: &mut [&mut [i8]], at: usize, sums: &mut [i64; PIECES]) {
    for v in values.iter_mut() {
        *v *= unit;
    }
    for (p, row) in rows.iter_mut().enumerate() {
        let mut sum = 0i64;
        for (d, v) in row[at..at + values.len()].iter_mut().zip(values.iter_mut()) {
            let r = round(*v);
            *d = r.clamp(-127, 127) as i8;
            sum += i64::from(*d);
            *v = (*v - f64::from(r)) * BASE;
        }
        sums[p] += sum;
    }
}

/// `v` rounded to the nearest integer, halves away from zero: `f64::round`
/// for `|v| < 2³¹` (a digit's value is at most 127.5), without its call
/// into the C library (a portable build has no rounding instruction), so
/// that [`split`]'s loop calls nothing. Adding the largest double below
/// one half and truncating rounds the same way: a sum reaches the next
/// integer only from a half or more.
#[inline]
fn round(v: f64) -> i32 {
    const BELOW_HALF: f64 = 0.499_999_999_999_999_94;
    // truncation toward zero by the conversion (NaN becomes 0, as a digit)
    (v + BELOW_HALF.copysign(v)) as i32
}

/// The sums of a digit not in use.
const NO_SUMS: [i32; 16] = [0; 16];

/// The buffers of one block's int8 rotation: the packed codes, the exact
/// sums, and the values that were not codes, by column.
#[derive(Debug)]
pub(crate) struct Int8Block {
    codes: Aligned<i8>,
    sums: Aligned<i32>,
    stride: usize,
    others: Vec<Vec<(u32, f64)>>,
    fixes: Vec<(u32, u32, f64)>,
}

impl Int8Block {
    /// Buffers for blocks of at most `cap` variants over `basis`.
    pub(crate) fn new(basis: &Int8Basis, cap: usize) -> Self {
        let stride = round_up(cap.max(1), ROW_STEP);
        Self {
            codes: Aligned::zeroed(basis.kp * stride),
            sums: Aligned::zeroed(basis.pieces * basis.mp * stride),
            stride,
            others: vec![Vec::new(); stride],
            fixes: Vec::new(),
        }
    }

    /// Packs `x` (`n x b`, mean-imputed counts) as codes, panel by panel
    /// (16 columns, four samples of a column side by side), keeping the
    /// values that are not 0, 1 or 2 aside, and returns the columns with
    /// more than one such value in eight (dosages): those are left to the
    /// f32 product. The choice is the column's own, so that a variant gets
    /// the same bits whatever block it is rotated in (a chunk of a scan
    /// equals the whole run's rows).
    pub(crate) fn pack(&mut self, basis: &Int8Basis, x: MatRef<'_, f64>) -> Vec<usize> {
        let (n, b, kp) = (basis.n, x.ncols(), basis.kp);
        let panels = round_up(b, ROW_STEP) / 16;
        let dense: Vec<Vec<usize>> = self
            .codes
            .par_chunks_mut(kp * 16)
            .zip(self.others.par_chunks_mut(16))
            .take(panels)
            .enumerate()
            .map(|(q, (panel, others))| {
                let mut dense = Vec::new();
                for (lane, other) in others.iter_mut().enumerate() {
                    other.clear();
                    let j = q * 16 + lane;
                    if j >= b {
                        continue;
                    }
                    let col = x.col(j);
                    for i in 0..n {
                        let v = col[i];
                        // without a branch on the code (random genotypes
                        // mispredict one time in two)
                        let code = v as i8;
                        let is_code = f64::from(code) == v && (0..=2).contains(&code);
                        if !is_code {
                            other.push((i as u32, v));
                        }
                        panel[(i / 4) * 64 + lane * 4 + i % 4] = code * i8::from(is_code);
                    }
                    if other.len() * 8 > n {
                        other.clear();
                        dense.push(j);
                    }
                }
                dense
            })
            .collect();
        dense.concat()
    }

    /// `out = Uᵀ x` for the block [`Int8Block::pack`] packed (`b`
    /// variants with means `means`), the values that were not codes taken
    /// from `ut` (`Uᵀ` in f32); the columns `pack` left to the f32 product
    /// hold nothing of use.
    pub(crate) fn rotate(
        &mut self,
        basis: &Int8Basis,
        ut: &Mat<f32>,
        means: &[f64],
        out: MatMut<'_, f64>,
        parallel: bool,
    ) {
        let (n, b, mp, stride, pieces) = (basis.n, means.len(), basis.mp, self.stride, basis.pieces);
        let panels = round_up(b, ROW_STEP) / 16;
        tiles::product(
            &basis.digits,
            basis.kp,
            &self.codes[..panels * basis.kp * 16],
            panels,
            &mut self.sums,
            stride,
            parallel,
        );
        // the values that were not codes, by sample: each sample's row of
        // `U` (a column of `ut`) is then read once per block and row chunk
        let fixes = &mut self.fixes;
        fixes.clear();
        for (j, others) in self.others[..b].iter().enumerate() {
            fixes.extend(others.iter().map(|&(i, v)| (i, j as u32, v)));
        }
        fixes.sort_unstable_by_key(|&(i, j, _)| (i, j));
        let (sums, fixes) = (&self.sums, &*fixes);
        // rows in chunks (the chunk of every column stays in L2 while the
        // fixes are added), each basis row's 16 sums of a panel one line
        let chunk = |(c, mut rows): (usize, MatMut<'_, f64>)| {
            let k0 = c * COMBINE_ROWS;
            let h = rows.nrows();
            for j0 in (0..b).step_by(16) {
                let mut cols: Vec<&mut [f64]> = rows
                    .as_mut()
                    .subcols_mut(j0, 16.min(b - j0))
                    .col_iter_mut()
                    .map(|c| {
                        c.try_as_col_major_mut()
                            .expect("an owned matrix's column")
                            .as_slice_mut()
                    })
                    .collect();
                let w = cols.len();
                for kk in 0..h {
                    let k = k0 + kk;
                    let row = |p: usize| &sums[tiles::sum_index(stride, p * mp + k, j0)..][..w];
                    let digit_sums: [&[i32]; PIECES] =
                        std::array::from_fn(|p| if p < pieces { row(p) } else { &NO_SUMS[..w] });
                    // the row's scale in units of the last digit
                    let (s, gap) = (basis.scale[k] / (BASE * BASE * BASE), basis.one_gap[k]);
                    for (jj, col) in cols.iter_mut().enumerate() {
                        let d = digit_sums.map(|r| f64::from(r[jj]));
                        col[kk] = s * in_last_digits(d) + means[j0 + jj] * gap;
                    }
                }
            }
            let piece = |i: u32| {
                &ut.col(i as usize)
                    .try_as_col_major()
                    .expect("an owned matrix's column")
                    .as_slice()[k0..k0 + h]
            };
            for (at, &(i, j, v)) in fixes.iter().enumerate() {
                // the pieces are 512 bytes 20 KiB apart (n = 5000): fetched
                // a few fixes ahead, or each waits on memory
                if let Some(&(ahead, _, _)) = fixes.get(at + FETCH_AHEAD) {
                    prefetch(piece(ahead));
                }
                let u = piece(i);
                let col = rows
                    .as_mut()
                    .col_mut(j as usize)
                    .try_as_col_major_mut()
                    .expect("an owned matrix's column");
                axpy(col.as_slice_mut(), v, u);
            }
        };
        let out = out.subcols_mut(0, b);
        debug_assert_eq!(out.nrows(), n);
        if parallel {
            out.par_row_chunks_mut(COMBINE_ROWS).enumerate().for_each(chunk);
        } else {
            let mut out = out;
            for k0 in (0..n).step_by(COMBINE_ROWS) {
                chunk((
                    k0 / COMBINE_ROWS,
                    out.as_mut().subrows_mut(k0, COMBINE_ROWS.min(n - k0)),
                ));
            }
        }
    }
}

/// Rows of the result per task of the combining pass: 128 rows of 512
/// columns are 512 KiB.
const COMBINE_ROWS: usize = 128;

/// Fixes looked ahead for [`prefetch`].
const FETCH_AHEAD: usize = 16;

#[cfg(test)]
#[path = "int8_tests.rs"]
mod tests;
