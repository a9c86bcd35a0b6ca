//! Two-stage reduction of a symmetric matrix to tridiagonal form, for
//! large `n`: `K = Q₁ B Q₁ᵀ` with `B` banded (`WIDTH` subdiagonals), then
//! `B = Q₂ T Q₂ᵀ` by chasing bulges down the band (Bischof, Lang & Sun's
//! successive band reduction; the stages of LAPACK's `dsytrd_2stage`).
//!
//! Why: a one-stage reduction (faer's, LAPACK's `dsytrd`) reads the whole
//! trailing matrix once per column, `n³/6` values, so at `n` in the
//! thousands it runs at the speed of memory (~12 s of reads alone at
//! n = 5000 on a 2-core machine here). The first stage here reads the
//! trailing matrix once per panel of `WIDTH` columns and writes it once
//! per group of panels, all by matrix products (`4n³/3` flops at level-3
//! rates), and the second works on the band
//! alone (`~6 n² WIDTH` flops on a few MB that stay in cache). Both
//! transformations are kept, so that `Qᵀ w = Q₂ᵀ Q₁ᵀ w` can be applied to a
//! few columns later (a phenotype and its covariates); `Q` itself is never
//! formed, which is why this serves the routes without eigenvectors only
//! (applying `Q₂` to `n` columns would cost more than it saves).
//!
//! Layout: the first stage works on the lower triangle of the caller's
//! matrix and leaves there, below the band, its reflectors' essential
//! parts (as LAPACK's `dsytrd_sy2sb` does); the strict upper triangle is
//! never touched. The band is then copied into a compact column-major
//! store with room for the bulges (`2 WIDTH` rows per column), and the
//! second stage's reflectors (about `n²/2` values) are kept in a list.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_transpose_on_the_left_in_place_scratch,
    apply_block_householder_transpose_on_the_left_in_place_with_conj,
};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{matmul as triangular, BlockStructure};
use faer::linalg::qr::no_pivoting::factor::{qr_in_place, qr_in_place_scratch};
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Accum, Conj, Mat, MatMut, MatRef, Par};

/// Subdiagonals of the band. Wider bands run the first stage's products
/// nearer faer's square-matrix rate but make the chase (single-threaded,
/// `~6 n² WIDTH` flops) longer; at n = 5000 a width of 32 gave the
/// shortest sum of the two (16, 24, 48 and 64 measured).
pub(super) const WIDTH: usize = 32;

/// Panels of the first stage whose updates of the trailing matrix are
/// gathered into one product of inner width `2 GROUP WIDTH`: at n = 5000
/// the first stage took 6.7 s a panel at a time and 5.4 s by four (eight
/// no faster); the update then runs near faer's square-product rate and
/// the trailing matrix is written once per group.
const GROUP: usize = 4;

/// Column blocks of the first stage's products with the trailing matrix:
/// off-diagonal blocks go to faer's general product, which runs at about
/// 1.5 times its triangular one on these shapes (128 to 2048 measured).
const BLOCK: usize = 512;

/// `n` from which [`super::implicit`] takes this route: below it the
/// matrix stays in cache and faer's one-stage reduction is faster
/// (n = 1410: 0.15 s against 0.29 s; n = 2000: 0.75 s against 0.64 s).
pub(super) const MIN_N: usize = 2048;

/// The chase's reflectors for `n` samples: how many, and their values.
/// Sweep `j` covers rows `j + 1 .. n` once, [`WIDTH`] rows per reflector.
fn chase_sizes(n: usize) -> (usize, usize) {
    (0..n.saturating_sub(2))
        .map(|j| n - 1 - j)
        .filter(|&rows| rows >= 2)
        .fold((0, 0), |(count, values), rows| {
            (count + rows.div_ceil(WIDTH), values + rows)
        })
}

/// Bytes a [`TwoStage`] holds for `n` samples beyond the reduced matrix:
/// the chase's reflectors (about `n²/2` values) and the panels' factors.
pub(super) fn held_bytes(n: usize) -> u64 {
    let (count, values) = chase_sizes(n);
    let panels = n.saturating_sub(WIDTH + 1).div_ceil(WIDTH) * WIDTH * WIDTH;
    8 * (values + panels) as u64 + (count * std::mem::size_of::<(usize, f64, usize)>()) as u64
}

/// Bytes [`TwoStage::reduce`] uses while it runs, beyond what it holds:
/// the band with room for bulges, a group's `[V Y]` and `[Y V]`, and a
/// panel's `X`.
pub(super) fn workspace_bytes(n: usize) -> u64 {
    8 * (n * LD + n * (4 * GROUP + 1) * WIDTH) as u64
}

/// The two transformations of a reduction, the first's reflectors kept
/// in the reduced matrix (see the module's documentation).
#[derive(Debug)]
pub(super) struct TwoStage {
    /// Each first-stage panel's block factor (`T` of faer's
    /// `Q = I - V T⁻¹ Vᵀ`), panel `p` starting at column `p WIDTH`.
    panels: Vec<Mat<f64>>,
    /// The chase's reflectors `I - tau v vᵀ` in the order they were made:
    /// first row, `tau`, and the offset of `v` (`v[0] = 1` stored) in
    /// `vectors`, which ends where the next one starts.
    reflectors: Vec<(usize, f64, usize)>,
    vectors: Vec<f64>,
}

impl TwoStage {
    /// Reduces the symmetric `k` (lower triangle read and overwritten,
    /// strict upper untouched); returns the reduction and `T`'s diagonal
    /// and subdiagonal.
    pub(super) fn reduce(mut k: MatMut<'_, f64>, par: Par) -> (Self, Vec<f64>, Vec<f64>) {
        let n = k.nrows();
        let panels = to_band(k.as_mut(), par);
        let mut band = Band::from_lower(k.as_ref());
        let (reflectors, vectors) = band.chase();
        let diag = (0..n).map(|i| band.at(i, i)).collect();
        let sub = (1..n).map(|i| band.at(i, i - 1)).collect();
        (
            Self {
                panels,
                reflectors,
                vectors,
            },
            diag,
            sub,
        )
    }

    /// `w <- Qᵀ w = Q₂ᵀ Q₁ᵀ w`, `reduced` being the matrix [`TwoStage::reduce`]
    /// worked on. Sequential: a few columns, and the same bits on any pool.
    pub(super) fn apply_transpose(&self, reduced: MatRef<'_, f64>, mut w: MatMut<'_, f64>) {
        let n = reduced.nrows();
        for (p, t) in self.panels.iter().enumerate() {
            let (k, r) = (p * WIDTH, t.nrows());
            let m = n - k - WIDTH;
            let req = apply_block_householder_transpose_on_the_left_in_place_scratch::<f64>(m, r, w.ncols());
            let mut mem = MemBuffer::new(req);
            apply_block_householder_transpose_on_the_left_in_place_with_conj(
                reduced.submatrix(k + WIDTH, k, m, r),
                t.as_ref(),
                Conj::No,
                w.as_mut().subrows_mut(k + WIDTH, m),
                Par::Seq,
                MemStack::new(&mut mem),
            );
        }
        for (i, &(s, tau, at)) in self.reflectors.iter().enumerate() {
            let end = self.reflectors.get(i + 1).map_or(self.vectors.len(), |r| r.2);
            let v = &self.vectors[at..end];
            for j in 0..w.ncols() {
                let mut col = w.as_mut().col_mut(j);
                let d: f64 = v.iter().enumerate().map(|(i, &vi)| vi * col[s + i]).sum();
                let f = tau * d;
                for (i, &vi) in v.iter().enumerate() {
                    col[s + i] -= f * vi;
                }
            }
        }
    }
}

/// First stage: reduces the lower triangle of `a` to a band of [`WIDTH`]
/// subdiagonals, panel by panel: a QR factorisation of the panel below
/// the band, `Q = I - V T⁻¹ Vᵀ`, then the trailing matrix `A₂₂ <- Qᵀ A₂₂ Q`
/// as `A₂₂ - V Yᵀ - Y Vᵀ` with `X = A₂₂ V T⁻¹` and
/// `Y = X - V (T⁻ᵀ Vᵀ X) / 2` (Golub & Van Loan, §5.1.7, §8.3.1). The
/// updates of [`GROUP`] panels are gathered into one product (as LAPACK's
/// `dlatrd` gathers a block of columns): within a group only the next
/// panel's columns are brought up to date, and `A₂₂ V` is taken from the
/// group's starting matrix with the gathered `V`, `Y` subtracted. Returns
/// the panels' block factors.
fn to_band(mut a: MatMut<'_, f64>, par: Par) -> Vec<Mat<f64>> {
    let n = a.nrows();
    let b = WIDTH;
    let g = GROUP * b;
    let mut panels = Vec::new();
    // the group's `[V Y]` and `[Y V]` (V, Y zero outside each panel's rows
    // and in columns no panel filled), on the rows of `a`
    let mut left = Mat::<f64>::zeros(n, 2 * g);
    let mut right = Mat::<f64>::zeros(n, 2 * g);
    let mut k = 0;
    // a panel with at least two rows below the band has something to do
    while k + b + 2 <= n {
        left.as_mut().subrows_mut(k, n - k).fill(0.0);
        right.as_mut().subrows_mut(k, n - k).fill(0.0);
        let mut cols = 0;
        for _ in 0..GROUP {
            if k + b + 2 > n {
                break;
            }
            if cols > 0 {
                // the panel's columns (its band block too) brought up to date
                let rows = n - k;
                let v = left.as_ref().submatrix(k, 0, rows, cols);
                let y = left.as_ref().submatrix(k, g, rows, cols);
                let mut block = a.as_mut().submatrix_mut(k, k, rows, b);
                subtract_lower(block.as_mut(), v, y.subrows(0, b), par);
                subtract_lower(block, y, v.subrows(0, b), par);
            }
            let m = n - k - b;
            let r = m.min(b);
            let mut t = Mat::<f64>::zeros(r, r);
            let req = qr_in_place_scratch::<f64>(m, b, r, par, Default::default());
            let mut mem = MemBuffer::new(req);
            qr_in_place(
                a.as_mut().submatrix_mut(k + b, k, m, b),
                t.as_mut(),
                par,
                MemStack::new(&mut mem),
                Default::default(),
            );
            let s = k + b;
            let mut v = left.as_mut().submatrix_mut(s, cols, m, r);
            for j in 0..r {
                v[(j, j)] = 1.0;
                for i in j + 1..m {
                    v[(i, j)] = a[(s + i, k + j)];
                }
            }
            let v = left.as_ref().submatrix(s, cols, m, r);
            let mut x = Mat::<f64>::zeros(m, r);
            symmetric_product(a.as_ref().submatrix(s, s, m, m), v, x.as_mut(), par);
            if cols > 0 {
                // the earlier panels' updates, not yet applied: -(V Yᵀ + Y Vᵀ) v
                let vp = left.as_ref().submatrix(s, 0, m, cols);
                let yp = left.as_ref().submatrix(s, g, m, cols);
                let mut h = Mat::<f64>::zeros(cols, r);
                matmul(h.as_mut(), Accum::Replace, yp.transpose(), v, 1.0, par);
                matmul(x.as_mut(), Accum::Add, vp, h.as_ref(), -1.0, par);
                matmul(h.as_mut(), Accum::Replace, vp.transpose(), v, 1.0, par);
                matmul(x.as_mut(), Accum::Add, yp, h.as_ref(), -1.0, par);
            }
            // X T = A V, i.e. Tᵀ Xᵀ = (A V)ᵀ
            solve_lower_triangular_in_place(t.as_ref().transpose(), x.as_mut().transpose_mut(), par);
            let mut h = Mat::<f64>::zeros(r, r);
            matmul(h.as_mut(), Accum::Replace, v.transpose(), x.as_ref(), 1.0, par);
            solve_lower_triangular_in_place(t.as_ref().transpose(), h.as_mut(), par);
            matmul(x.as_mut(), Accum::Add, v, h.as_ref(), -0.5, par);
            // Y into [V Y] and [Y V], V into [Y V]
            left.as_mut().submatrix_mut(s, g + cols, m, r).copy_from(&x);
            right.as_mut().submatrix_mut(s, cols, m, r).copy_from(&x);
            let (mut vr, vl) = (right.as_mut().submatrix_mut(s, g + cols, m, r), left.as_ref());
            vr.copy_from(vl.submatrix(s, cols, m, r));
            cols += r;
            panels.push(t);
            k += b;
        }
        // the group's update of what follows it (the band's tail at the
        // end), one product of inner width 2 GROUP WIDTH
        let m = n - k;
        for j in (0..m).step_by(BLOCK) {
            let (w, at) = (BLOCK.min(m - j), k + j);
            let block = a.as_mut().submatrix_mut(at, at, m - j, w);
            subtract_lower(
                block,
                left.as_ref().subrows(at, m - j),
                right.as_ref().subrows(at, w),
                par,
            );
        }
    }
    panels
}

/// `out <- A v` for symmetric `A` of which the lower triangle is read:
/// diagonal blocks by faer's triangular products, the blocks below them
/// (read twice, as themselves and transposed) by its general product.
fn symmetric_product(a: MatRef<'_, f64>, v: MatRef<'_, f64>, mut out: MatMut<'_, f64>, par: Par) {
    let m = a.nrows();
    out.fill(0.0);
    for j in (0..m).step_by(BLOCK) {
        let w = BLOCK.min(m - j);
        let d = a.submatrix(j, j, w, w);
        let (vj, below) = (v.subrows(j, w), m - j - w);
        use BlockStructure::{Rectangular, StrictTriangularUpper, TriangularLower};
        triangular(
            out.as_mut().subrows_mut(j, w),
            Rectangular,
            Accum::Add,
            d,
            TriangularLower,
            vj,
            Rectangular,
            1.0,
            par,
        );
        triangular(
            out.as_mut().subrows_mut(j, w),
            Rectangular,
            Accum::Add,
            d.transpose(),
            StrictTriangularUpper,
            vj,
            Rectangular,
            1.0,
            par,
        );
        if below > 0 {
            let blk = a.submatrix(j + w, j, below, w);
            matmul(out.as_mut().subrows_mut(j + w, below), Accum::Add, blk, vj, 1.0, par);
            matmul(
                out.as_mut().subrows_mut(j, w),
                Accum::Add,
                blk.transpose(),
                v.subrows(j + w, below),
                1.0,
                par,
            );
        }
    }
}

/// `A <- A - L Rᵀ` on the lower triangle of the columns `a` holds (`a` is
/// `rows x w`, its top `w x w` block on the diagonal; `left` on its rows,
/// `right` on its columns): the diagonal block by faer's triangular
/// product, the rows below by its general one. The strict upper triangle
/// is untouched.
fn subtract_lower(mut a: MatMut<'_, f64>, left: MatRef<'_, f64>, right: MatRef<'_, f64>, par: Par) {
    let (rows, w) = (a.nrows(), a.ncols());
    let rt = right.transpose();
    triangular(
        a.as_mut().subrows_mut(0, w),
        BlockStructure::TriangularLower,
        Accum::Add,
        left.subrows(0, w),
        BlockStructure::Rectangular,
        rt,
        BlockStructure::Rectangular,
        -1.0,
        par,
    );
    if rows > w {
        matmul(
            a.subrows_mut(w, rows - w),
            Accum::Add,
            left.subrows(w, rows - w),
            rt,
            -1.0,
            par,
        );
    }
}

/// A symmetric band in compact column-major storage: column `c` holds
/// rows `c .. c + 2 WIDTH` (the band and room for a bulge).
struct Band {
    n: usize,
    values: Vec<f64>,
}

/// Rows stored per column of a [`Band`].
const LD: usize = 2 * WIDTH;

impl Band {
    /// The band of the lower triangle of `a` (which the first stage left
    /// banded).
    fn from_lower(a: MatRef<'_, f64>) -> Self {
        let n = a.nrows();
        let mut values = vec![0.0; n * LD];
        for c in 0..n {
            for d in 0..=WIDTH.min(n - 1 - c) {
                values[c * LD + d] = a[(c + d, c)];
            }
        }
        Self { n, values }
    }

    /// Entry `(r, c)`, `c <= r < c + LD`.
    fn at(&self, r: usize, c: usize) -> f64 {
        self.values[c * LD + r - c]
    }

    /// Column `c`'s stored rows `c + offset ..` (`len` of them).
    fn column(&mut self, c: usize, offset: usize, len: usize) -> &mut [f64] {
        let at = c * LD + offset;
        &mut self.values[at..at + len]
    }

    /// Second stage: reduces the band to tridiagonal form in place, one
    /// column at a time: a reflector on the rows below column `j`'s
    /// diagonal zeroes it below the subdiagonal; applied from the right
    /// to the block below, it fills that block (the bulge), whose first
    /// column the next reflector zeroes; and so on down the band. Returns
    /// the reflectors as [`TwoStage`] keeps them.
    fn chase(&mut self) -> (Vec<(usize, f64, usize)>, Vec<f64>) {
        let n = self.n;
        let b = WIDTH;
        let (count, values) = chase_sizes(n);
        let mut reflectors = Vec::with_capacity(count);
        let mut vectors = Vec::with_capacity(values);
        let (mut v, mut next, mut w) = (vec![0.0; b], vec![0.0; b], vec![0.0; b]);
        for j in 0..n.saturating_sub(2) {
            let (mut s, mut e) = (j + 1, (j + b).min(n - 1));
            let l = e - s + 1;
            if l < 2 {
                continue;
            }
            let col = self.column(j, 1, l);
            v[..l].copy_from_slice(col);
            let (mut tau, beta) = householder(&mut v[..l]);
            col[0] = beta;
            col[1..].fill(0.0);
            self.two_sided(s, &v[..l], tau, &mut w);
            reflectors.push((s, tau, vectors.len()));
            vectors.extend_from_slice(&v[..l]);
            while e + 1 < n {
                let l = e - s + 1;
                let (s2, e2) = (e + 1, (e + b).min(n - 1));
                let l2 = e2 - s2 + 1;
                // the block M = A[s2..=e2, s..=e] <- M H: fills it
                let y = &mut next[..l2];
                y.fill(0.0);
                for (c, &vc) in v[..l].iter().enumerate() {
                    for (yi, &m) in y.iter_mut().zip(&*self.column(s + c, s2 - s - c, l2)) {
                        *yi += m * vc;
                    }
                }
                for (c, &vc) in v[..l].iter().enumerate() {
                    let f = tau * vc;
                    let y = &next[..l2];
                    for (m, &yi) in self.column(s + c, s2 - s - c, l2).iter_mut().zip(y) {
                        *m -= yi * f;
                    }
                }
                // the next reflector zeroes M's first column below its top
                let col = self.column(s, s2 - s, l2);
                next[..l2].copy_from_slice(col);
                let (tau2, beta2) = householder(&mut next[..l2]);
                col[0] = beta2;
                col[1..].fill(0.0);
                let u = &next[..l2];
                for c in 1..l {
                    let m = self.column(s + c, s2 - s - c, l2);
                    let d: f64 = u.iter().zip(m.iter()).map(|(a, b)| a * b).sum();
                    let f = tau2 * d;
                    for (x, &ui) in m.iter_mut().zip(u) {
                        *x -= f * ui;
                    }
                }
                self.two_sided(s2, u, tau2, &mut w);
                reflectors.push((s2, tau2, vectors.len()));
                vectors.extend_from_slice(u);
                std::mem::swap(&mut v, &mut next);
                (s, e, tau) = (s2, e2, tau2);
            }
        }
        (reflectors, vectors)
    }

    /// `S <- H S H` for the symmetric block `S` on rows and columns
    /// `s .. s + v.len()`, `H = I - tau v vᵀ`: `S - v wᵀ - w vᵀ` with
    /// `w = tau S v - (tau² vᵀ S v / 2) v`.
    fn two_sided(&mut self, s: usize, v: &[f64], tau: f64, w: &mut [f64]) {
        let l = v.len();
        let w = &mut w[..l];
        w.fill(0.0);
        for c in 0..l {
            let col = self.column(s + c, 0, l - c);
            let mut acc = col[0] * v[c];
            for i in 1..l - c {
                acc += col[i] * v[c + i];
                w[c + i] += col[i] * v[c];
            }
            w[c] += acc;
        }
        let mut d = 0.0;
        for (wi, &vi) in w.iter_mut().zip(v) {
            *wi *= tau;
            d += *wi * vi;
        }
        let h = 0.5 * tau * d;
        for (wi, &vi) in w.iter_mut().zip(v) {
            *wi -= h * vi;
        }
        for c in 0..l {
            let (vc, wc) = (v[c], w[c]);
            let col = self.column(s + c, 0, l - c);
            for i in 0..l - c {
                col[i] -= v[c + i] * wc + w[c + i] * vc;
            }
        }
    }
}

/// A reflector `H = I - tau v vᵀ` with `H x = beta e₁` (LAPACK's `dlarfg`
/// convention, `v[0] = 1`): `x` becomes `v`; returns `(tau, beta)`.
fn householder(x: &mut [f64]) -> (f64, f64) {
    let alpha = x[0];
    let tail = x[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
    x[0] = 1.0;
    if tail == 0.0 {
        return (0.0, alpha);
    }
    let beta = -alpha.signum() * alpha.hypot(tail);
    let scale = 1.0 / (alpha - beta);
    for v in &mut x[1..] {
        *v *= scale;
    }
    ((beta - alpha) / beta, beta)
}
