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

/// Digit matrices per component.
const PIECES: usize = 3;
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
    digits: Aligned<i8>,
    scale: Vec<f64>,
    one_gap: Vec<f64>,
}

impl Int8Basis {
    /// Splits the eigenvectors `u` into digits; `ut_one` is `Uᵀ1` in f64.
    pub(crate) fn new(u: MatRef<'_, f64>, ut_one: &[f64]) -> Self {
        let n = u.nrows();
        let (kp, mp) = (round_up(n.max(1), TILE_K), round_up(n.max(1), ROW_STEP));
        let mut digits = Aligned::<i8>::zeroed(PIECES * mp * kp);
        let mut scale = vec![0.0; n];
        let mut one_q = vec![0.0; n];
        {
            let (d1, rest) = digits.split_at_mut(mp * kp);
            let (d2, d3) = rest.split_at_mut(mp * kp);
            d1.par_chunks_mut(kp)
                .zip(d2.par_chunks_mut(kp))
                .zip(d3.par_chunks_mut(kp))
                .zip(scale.par_iter_mut().zip(one_q.par_iter_mut()))
                .enumerate()
                .for_each(|(k, (((r1, r2), r3), (s, oq)))| {
                    let col = u.col(k);
                    let top = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    if top == 0.0 || !top.is_finite() {
                        return;
                    }
                    let to_units = TOP / top;
                    let mut sums = [0i64; PIECES];
                    for (i, &v) in col.iter().enumerate() {
                        let mut rem = v * to_units;
                        let mut d = [0i8; PIECES];
                        for (p, dp) in d.iter_mut().enumerate() {
                            let r = rem.round();
                            *dp = r.clamp(-127.0, 127.0) as i8;
                            sums[p] += i64::from(*dp);
                            rem = (rem - r) * BASE;
                        }
                        (r1[i], r2[i], r3[i]) = (d[0], d[1], d[2]);
                    }
                    *s = top / TOP;
                    *oq = *s * weigh(sums.map(|x| x as f64));
                });
        }
        let one_gap = ut_one.iter().zip(&one_q).map(|(a, b)| a - b).collect();
        Self {
            n,
            kp,
            mp,
            digits,
            scale,
            one_gap,
        }
    }

    /// `U_q` entry `(i, k)` in f64, from the digits.
    #[cfg(test)]
    fn entry(&self, i: usize, k: usize) -> f64 {
        let d = |p: usize| f64::from(self.digits[(p * self.mp + k) * self.kp + i]);
        self.scale[k] * weigh([d(0), d(1), d(2)])
    }
}

/// Bytes of an [`Int8Basis`] over `n` samples, and of an [`Int8Block`]
/// for blocks of `block` variants (the codes and the sums).
pub(crate) fn bytes(n: usize, block: usize) -> (u64, u64) {
    let (kp, mp) = (round_up(n.max(1), TILE_K) as u64, round_up(n.max(1), ROW_STEP) as u64);
    let stride = round_up(block.max(1), ROW_STEP) as u64;
    let basis = (PIECES as u64 * mp).saturating_mul(kp);
    (basis, kp.saturating_mul(stride).saturating_add(basis / kp * stride * 4))
}

/// `d1 + d2/254 + d3/254²`.
fn weigh(d: [f64; PIECES]) -> f64 {
    d[0] + d[1] / BASE + d[2] / (BASE * BASE)
}

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
            sums: Aligned::zeroed(PIECES * basis.mp * stride),
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
        let (n, b, mp, stride) = (basis.n, means.len(), basis.mp, self.stride);
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
                    let (d1, d2, d3) = (row(0), row(1), row(2));
                    let (s, gap) = (basis.scale[k], basis.one_gap[k]);
                    for (jj, col) in cols.iter_mut().enumerate() {
                        let d = [f64::from(d1[jj]), f64::from(d2[jj]), f64::from(d3[jj])];
                        col[kk] = s * weigh(d) + means[j0 + jj] * gap;
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

/// Asks for the lines of `x` ahead of their use.
fn prefetch(x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    for line in x.chunks(16) {
        // SAFETY: a prefetch reads nothing and `line` is a valid address.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
    }
}

/// `y += v x`, in AVX-512 where the CPU has it (every CPU with AMX does).
fn axpy(y: &mut [f64], v: f64, x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F.
        unsafe { axpy_avx512(y, v, x) };
        return;
    }
    axpy_plain(y, v, x);
}

fn axpy_plain(y: &mut [f64], v: f64, x: &[f32]) {
    for (o, &u) in y.iter_mut().zip(x) {
        *o += v * f64::from(u);
    }
}

/// [`axpy_plain`] compiled for AVX-512.
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn axpy_avx512(y: &mut [f64], v: f64, x: &[f32]) {
    axpy_plain(y, v, x);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orthogonal(n: usize) -> Mat<f64> {
        let a = Mat::<f64>::from_fn(n, n, |i, j| {
            ((i * 7 + j * 3) % 11) as f64 + if i == j { n as f64 } else { 0.0 } + ((i * j) % 5) as f64 * 0.1
        });
        let s = Mat::<f64>::from_fn(n, n, |i, j| a[(i, j)] + a[(j, i)]);
        let evd = s.self_adjoint_eigen(faer::Side::Lower).expect("symmetric");
        evd.U().to_owned()
    }

    fn ut_one(u: &Mat<f64>) -> Vec<f64> {
        (0..u.ncols()).map(|k| u.col(k).iter().sum()).collect()
    }

    /// Each entry of `U` is within half a last digit of its digits, the
    /// digits stay in the signed-byte range the tiles read, and a zero
    /// column stays zero.
    #[test]
    fn digits_reproduce_u_within_half_a_last_digit() {
        let n = 70;
        let mut u = orthogonal(n);
        u.col_mut(3).fill(0.0);
        let q = Int8Basis::new(u.as_ref(), &ut_one(&u));
        for k in 0..n {
            let top = u.col(k).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let bound = top / TOP * 0.5 / (BASE * BASE) * (1.0 + 1e-9);
            for i in 0..n {
                assert!((q.entry(i, k) - u[(i, k)]).abs() <= bound, "({i}, {k})");
            }
        }
        assert!(q.digits.iter().all(|&d| d != i8::MIN));
        assert!((0..n).all(|i| q.entry(i, 3) == 0.0));
        // the padding (samples beyond n) is zero, so stale codes there add nothing
        for r in 0..PIECES * q.mp {
            assert!(q.digits[r * q.kp + n..(r + 1) * q.kp].iter().all(|&d| d == 0));
        }
    }

    /// A block of codes with some missing calls imputed to the mean (and a
    /// dosage) rotates to `Uᵀ x` within the f32 route's bound, identically
    /// on one thread or two; a block of dosages is refused.
    #[test]
    fn int8_rotation_is_u_transpose_x_within_the_f32_bound() {
        let (n, b) = (150, 37);
        let u = orthogonal(n);
        let one = ut_one(&u);
        let q = Int8Basis::new(u.as_ref(), &one);
        let mut x = Mat::<f64>::from_fn(n, b, |i, j| ((i * 13 + j * 5 + i * j) % 3) as f64);
        let mut means = vec![0.0; b];
        for j in 0..b {
            for i in (j % 7..n).step_by(11) {
                x[(i, j)] = f64::NAN;
            }
            let called: Vec<f64> = x.col(j).iter().copied().filter(|v| v.is_finite()).collect();
            means[j] = called.iter().sum::<f64>() / called.len() as f64;
            for i in 0..n {
                if x[(i, j)].is_nan() {
                    x[(i, j)] = means[j];
                }
            }
        }
        x[(4, 2)] = 0.37;
        let ut = Mat::<f32>::from_fn(n, n, |k, i| u[(i, k)] as f32);
        let want = u.transpose() * &x;
        let run = |parallel: bool| {
            let mut blk = Int8Block::new(&q, 40);
            assert!(blk.pack(&q, x.as_ref()).is_empty());
            assert!(blk.others[2].contains(&(4, 0.37)));
            let mut out = Mat::<f64>::zeros(n, 40);
            blk.rotate(&q, &ut, &means, out.as_mut(), parallel);
            out.subcols(0, b).to_owned()
        };
        let got = run(false);
        let scale = x.norm_max() * (n as f64).sqrt();
        let err = (&got - &want).norm_max();
        assert!(err > 0.0 && err < 1e-6 * scale, "{err} vs {scale}");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        assert_eq!(got, pool.install(|| run(true)));
        // columns of dosages, and one a few calls short of the limit
        let mut mixed = x.clone();
        for i in 0..n {
            mixed[(i, 5)] = (i % 20) as f64 * 0.1 + 0.05;
            mixed[(i, 30)] = (i % 20) as f64 * 0.1 + 0.05;
            if i < n / 8 {
                mixed[(i, 31)] = 0.5;
            }
        }
        assert_eq!(Int8Block::new(&q, 40).pack(&q, mixed.as_ref()), [5, 30]);
    }
}
