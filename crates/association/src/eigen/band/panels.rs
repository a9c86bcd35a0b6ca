//! The first stage: the lower triangle reduced to a band of [`WIDTH`]
//! subdiagonals by blocked Householder panels, all by matrix products.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{matmul as triangular, BlockStructure};
use faer::linalg::qr::no_pivoting::factor::{qr_in_place, qr_in_place_scratch};
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Accum, Mat, MatMut, MatRef, Par};

use super::WIDTH;

/// Panels of the first stage whose updates of the trailing matrix are
/// gathered into one product of inner width `2 GROUP WIDTH`: at n = 5000
/// the first stage took 6.7 s a panel at a time and 5.4 s by four (eight
/// no faster); the update then runs near faer's square-product rate and
/// the trailing matrix is written once per group.
pub(super) const GROUP: usize = 4;

/// Column blocks of the first stage's update of the trailing matrix:
/// off-diagonal blocks go to faer's general product, which runs at about
/// 1.5 times its triangular one on these shapes (128 to 2048 measured).
const BLOCK: usize = 512;

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
pub(super) fn to_band(mut a: MatMut<'_, f64>, par: Par) -> Vec<Mat<f64>> {
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
            // the panel's own factorisation, solves and small products
            // run on one thread: split, their wake-ups cost more than the
            // split saved (the panel QR at n = 5000: 0.33 s split, 0.10 s
            // on one thread)
            let req = qr_in_place_scratch::<f64>(m, b, r, Par::Seq, Default::default());
            let mut mem = MemBuffer::new(req);
            qr_in_place(
                a.as_mut().submatrix_mut(k + b, k, m, b),
                t.as_mut(),
                Par::Seq,
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
                matmul(h.as_mut(), Accum::Replace, yp.transpose(), v, 1.0, Par::Seq);
                matmul(x.as_mut(), Accum::Add, vp, h.as_ref(), -1.0, Par::Seq);
                matmul(h.as_mut(), Accum::Replace, vp.transpose(), v, 1.0, Par::Seq);
                matmul(x.as_mut(), Accum::Add, yp, h.as_ref(), -1.0, Par::Seq);
            }
            // X T = A V, i.e. Tᵀ Xᵀ = (A V)ᵀ
            solve_lower_triangular_in_place(t.as_ref().transpose(), x.as_mut().transpose_mut(), Par::Seq);
            let mut h = Mat::<f64>::zeros(r, r);
            matmul(h.as_mut(), Accum::Replace, v.transpose(), x.as_ref(), 1.0, Par::Seq);
            solve_lower_triangular_in_place(t.as_ref().transpose(), h.as_mut(), Par::Seq);
            matmul(x.as_mut(), Accum::Add, v, h.as_ref(), -0.5, Par::Seq);
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

/// Output rows per task of [`symmetric_product`] (64 and 128 measured
/// alike at n = 1410 and 3000).
const ROWS: usize = 128;

/// `out <- A v` for symmetric `A` of which the lower triangle is read,
/// by blocks of [`ROWS`] output rows, each a task of its own: the block's
/// rows left of its diagonal block and its diagonal block (lower triangle)
/// as stored, the columns below it transposed. Every entry is summed by
/// one task in the same order whatever the thread count.
fn symmetric_product(a: MatRef<'_, f64>, v: MatRef<'_, f64>, out: MatMut<'_, f64>, par: Par) {
    use rayon::prelude::*;
    let m = a.nrows();
    let task = |(bi, mut o): (usize, MatMut<'_, f64>)| {
        let j = bi * ROWS;
        let w = o.nrows();
        let seq = Par::Seq;
        use BlockStructure::{Rectangular, StrictTriangularUpper, TriangularLower};
        let d = a.submatrix(j, j, w, w);
        let vj = v.subrows(j, w);
        o.fill(0.0);
        matmul(
            o.as_mut(),
            Accum::Add,
            a.submatrix(j, 0, w, j),
            v.subrows(0, j),
            1.0,
            seq,
        );
        triangular(
            o.as_mut(),
            Rectangular,
            Accum::Add,
            d,
            TriangularLower,
            vj,
            Rectangular,
            1.0,
            seq,
        );
        triangular(
            o.as_mut(),
            Rectangular,
            Accum::Add,
            d.transpose(),
            StrictTriangularUpper,
            vj,
            Rectangular,
            1.0,
            seq,
        );
        let below = m - j - w;
        if below > 0 {
            matmul(
                o.as_mut(),
                Accum::Add,
                a.submatrix(j + w, j, below, w).transpose(),
                v.subrows(j + w, below),
                1.0,
                seq,
            );
        }
    };
    let blocks: Vec<_> = split_rows(out, ROWS);
    if par.degree() > 1 {
        blocks.into_par_iter().enumerate().for_each(task);
    } else {
        blocks.into_iter().enumerate().for_each(task);
    }
}

/// `m`'s rows in blocks of `rows` (the last one shorter).
fn split_rows(m: MatMut<'_, f64>, rows: usize) -> Vec<MatMut<'_, f64>> {
    let mut out = Vec::new();
    let mut rest = m;
    while rest.nrows() > rows {
        let (top, bottom) = rest.split_at_row_mut(rows);
        out.push(top);
        rest = bottom;
    }
    if rest.nrows() > 0 {
        out.push(rest);
    }
    out
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
