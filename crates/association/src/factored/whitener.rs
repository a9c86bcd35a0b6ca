//! [`Whitener`]: the Cholesky factor of `H = lambda K + I`, one `lambda`
//! at a time, and what the fits and scans need from it (solves, `H v`,
//! `ln|H|`, `tr(H⁻¹)`).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::triangular_solve::{solve_lower_triangular_in_place, solve_upper_triangular_in_place};
use faer::{Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::eigen::fixed_split;
use crate::error::{Error, Result};

/// The Cholesky factor of `H = lambda K + I` for a symmetric `K`, for
/// one `lambda` at a time, made in place of `K` (faer's factorisation
/// also writes the upper triangle). When more than one `lambda` is to be
/// factored, `K`'s lower triangle is kept packed (half an `n x n` matrix)
/// to start each one from.
#[derive(Debug)]
pub(crate) struct Whitener {
    m: Mat<f64>,
    /// `K`'s lower triangle, column by column, when kept.
    packed: Option<Vec<f64>>,
    /// Whether `m` still holds `K`.
    pristine: bool,
    /// The `lambda` of the factor `m` holds.
    factored: Option<f64>,
}

impl Whitener {
    /// Takes `k` (`n x n`, symmetric, lower triangle read); `keep`: more
    /// than one `lambda` will be factored.
    pub fn new(k: Mat<f64>, keep: bool) -> Self {
        let n = k.nrows();
        let packed = keep.then(|| {
            (0..n)
                .flat_map(|j| (j..n).map(move |i| (i, j)))
                .map(|(i, j)| k[(i, j)])
                .collect()
        });
        Self {
            m: k,
            packed,
            pristine: true,
            factored: None,
        }
    }

    /// Factors `lambda K + I` (the previous factor is overwritten; nothing
    /// to do when it is already of this `lambda`).
    ///
    /// `par` is replaced by a fixed split (as the eigensolver's, see
    /// [`crate::Eigen::decompose`]) so that the factor does not depend on
    /// the number of threads.
    ///
    /// # Errors
    /// `NoConvergence` when `lambda K + I` is not positive definite (`K`
    /// far from positive semi-definite).
    ///
    /// # Panics
    /// On a second `lambda` when `K` was not kept.
    pub fn factor(&mut self, lambda: f64, par: Par) -> Result<()> {
        if self.factored == Some(lambda) {
            return Ok(());
        }
        self.factored = None;
        let n = self.m.nrows();
        let packed = if self.pristine {
            None
        } else {
            Some(self.packed.as_deref().expect("K kept for a second lambda"))
        };
        self.pristine = false;
        let mut at = 0;
        for j in 0..n {
            // the lower part of column j: K's (kept, or still in place),
            // scaled by lambda, plus 1 on the diagonal
            let col = self
                .m
                .col_mut(j)
                .try_as_col_major_mut()
                .expect("contiguous")
                .as_slice_mut();
            if let Some(p) = packed {
                col[j..].copy_from_slice(&p[at..at + n - j]);
                at += n - j;
            }
            col[j] = lambda * col[j] + 1.0;
            for v in &mut col[j + 1..] {
                *v *= lambda;
            }
        }
        let par = fixed_split(par);
        let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(n, par, Default::default()));
        cholesky_in_place(
            self.m.as_mut(),
            Default::default(),
            par,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .map_err(|_| {
            Error::NoConvergence(format!(
                "lambda K + I is not positive definite at lambda = {lambda:e}: the GRM is not positive semi-definite"
            ))
        })?;
        self.factored = Some(lambda);
        Ok(())
    }

    /// `x <- L⁻¹ x`.
    pub fn solve(&self, x: MatMut<'_, f64>, par: Par) {
        solve_lower_triangular_in_place(self.m.as_ref(), x, fixed_split(par));
    }

    /// `H v = L Lᵀ v` from the current factor (`n²` flops, columns of `L`
    /// read in order).
    pub fn mul_h(&self, v: &[f64]) -> Vec<f64> {
        let n = self.m.nrows();
        let u: Vec<f64> = (0..n)
            .map(|j| {
                let col = self.m.col(j).try_as_col_major().expect("contiguous").as_slice();
                col[j..].iter().zip(&v[j..]).map(|(l, x)| l * x).sum()
            })
            .collect();
        let mut out = vec![0.0; n];
        for (j, uj) in u.iter().enumerate() {
            let col = self.m.col(j).try_as_col_major().expect("contiguous").as_slice();
            for (o, l) in out[j..].iter_mut().zip(&col[j..]) {
                *o += l * uj;
            }
        }
        out
    }

    /// `ln|H| = 2 Σ ln L_ii` of the current factor.
    pub fn logdet(&self) -> f64 {
        2.0 * (0..self.m.nrows()).map(|i| self.m[(i, i)].ln()).sum::<f64>()
    }

    /// `x <- H⁻¹ x = L⁻ᵀ L⁻¹ x`.
    pub fn solve_h(&self, mut x: MatMut<'_, f64>, par: Par) {
        self.solve(x.as_mut(), par);
        solve_upper_triangular_in_place(self.m.as_ref().transpose(), x, fixed_split(par));
    }

    /// `tr(H⁻¹) = ‖L⁻¹‖²_F`, from `L⁻¹` made a block of columns at a time
    /// (the rows above a block are zero: `n³/3` flops in all); the squares
    /// are added in one order whatever the threads.
    pub fn trace_inverse(&self, par: Par) -> f64 {
        let mut total = 0.0;
        self.inverse_blocks(par, |x| {
            for k in 0..x.ncols() {
                total += x.col(k).iter().map(|v| v * v).sum::<f64>();
            }
        });
        total
    }

    /// `L` rounded to f32 (lower triangle; the upper one zero) and the row
    /// sums of its inverse `L⁻¹1` in f64 (a solve): the f32 whitening of
    /// variant blocks by triangular solves
    /// (`crate::rotation::Rotator::solve_lower_f32`), half the multiply of
    /// a rotation. Written into `into` when that is `n x n` (a previous
    /// one's storage: no fresh pages).
    pub fn factor_f32(&self, par: Par, into: Option<Mat<f32>>) -> (Mat<f32>, Vec<f64>) {
        let n = self.m.nrows();
        let mut l = match into {
            Some(m) if m.nrows() == n && m.ncols() == n => m,
            _ => Mat::<f32>::zeros(n, n),
        };
        l.as_mut().par_col_iter_mut().enumerate().for_each(|(j, col)| {
            let dst = col.try_as_col_major_mut().expect("contiguous").as_slice_mut();
            let src = self.m.col(j).try_as_col_major().expect("contiguous").as_slice();
            dst[..j].fill(0.0);
            for (d, &v) in dst[j..].iter_mut().zip(&src[j..]) {
                *d = v as f32;
            }
        });
        let mut one = Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
        self.solve(one.as_mut(), par);
        (l, one.col(0).iter().copied().collect())
    }

    /// The `n x n` storage (K, or a factor), for reuse.
    pub fn into_matrix(self) -> Mat<f64> {
        self.m
    }

    /// Replaces the factor by its inverse `L⁻¹` (the strict upper
    /// triangle zero) and returns it: the whitening of variant blocks by a
    /// multiply, where the AMX tiles multiply in exact integer arithmetic
    /// (`crate::rotation::Rotator::inverse_f32`). `n³/3` flops, made in
    /// place 256 columns at a time (each block of columns of `L⁻¹` needs
    /// only the columns of `L` from its own on), so no second `n x n`
    /// matrix is held; in a split fixed as the factor's (the bits do not
    /// depend on the threads). Afterwards no factor is held: the next
    /// [`Whitener::factor`] starts again from `K`.
    ///
    /// # Panics
    /// When no factor is held.
    pub fn invert(&mut self, par: Par) -> MatRef<'_, f64> {
        assert!(self.factored.is_some(), "a factor to invert");
        self.factored = None;
        let n = self.m.nrows();
        self.m.as_mut().par_col_iter_mut().enumerate().for_each(|(j, col)| {
            let dst = col.try_as_col_major_mut().expect("contiguous").as_slice_mut();
            dst[..j].fill(0.0);
        });
        let mut buf = Mat::<f64>::zeros(n, INVERSE_BLOCK.min(n));
        for j0 in (0..n).step_by(INVERSE_BLOCK) {
            let x = inverse_block(self.m.as_ref(), j0, buf.as_mut(), par);
            let b = x.ncols();
            self.m.as_mut().submatrix_mut(j0, j0, n - j0, b).copy_from(x);
        }
        self.m.as_ref()
    }

    /// `L⁻¹` a block of columns at a time: `f(X)` with `X` the rows
    /// `j0..n` of columns `j0..j0 + b` (the rows above are zero), blocks
    /// in order.
    fn inverse_blocks(&self, par: Par, mut f: impl FnMut(MatRef<'_, f64>)) {
        let n = self.m.nrows();
        let mut buf = Mat::<f64>::zeros(n, INVERSE_BLOCK.min(n));
        for j0 in (0..n).step_by(INVERSE_BLOCK) {
            f(inverse_block(self.m.as_ref(), j0, buf.as_mut(), par).as_ref());
        }
    }
}

/// Columns of `L⁻¹` made at a time.
const INVERSE_BLOCK: usize = 256;

/// The rows `j0..n` of the columns `j0..j0 + b` of `L⁻¹` (`l`'s lower
/// triangle read from column `j0` on), solved in `buf` (`n x b`).
fn inverse_block<'a>(l: MatRef<'_, f64>, j0: usize, buf: MatMut<'a, f64>, par: Par) -> MatMut<'a, f64> {
    let n = l.nrows();
    let (rows, b) = (n - j0, INVERSE_BLOCK.min(n - j0));
    let mut x = buf.submatrix_mut(0, 0, rows, b);
    x.fill(0.0);
    for k in 0..b {
        x[(k, k)] = 1.0;
    }
    solve_lower_triangular_in_place(l.submatrix(j0, j0, rows, rows), x.as_mut(), fixed_split(par));
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Mat<f64> {
        let z = Mat::<f64>::from_fn(n, 2 * n, |i, j| ((i * 7 + j * 3) % 5) as f64 - 2.0);
        let k = &z * z.transpose() * (1.0 / (2 * n) as f64);
        let mut k = k;
        crate::eigen::center(&mut k);
        k
    }

    /// The factor is that of `lambda K + I` through any number of
    /// factorisations, and the solve inverts `L`.
    #[test]
    fn every_factor_is_of_lambda_k_plus_i() {
        for n in [1, 5, 70, 150] {
            let k = spd(n);
            let mut wh = Whitener::new(k.clone(), true);
            for lambda in [0.3, 4.0, 1e-3] {
                wh.factor(lambda, Par::Seq).expect("positive definite");
                let h = Mat::<f64>::from_fn(n, n, |i, j| lambda * k[(i, j)] + f64::from(u8::from(i == j)));
                let mut x = Mat::<f64>::from_fn(n, 3, |i, j| ((i + 2 * j) % 4) as f64);
                let want = x.clone();
                wh.solve(x.as_mut(), Par::Seq);
                // L L' (L⁻¹ x) ... check H (L⁻ᵀ L⁻¹ x) = x through a second solve
                let l = Mat::<f64>::from_fn(n, n, |i, j| if i >= j { wh.m[(i, j)] } else { 0.0 });
                let back = &l * &x;
                assert!((&back - &want).norm_max() < 1e-10, "n {n} lambda {lambda}");
                let llt = &l * l.transpose();
                assert!((&llt - &h).norm_max() < 1e-10 * (1.0 + lambda * k.norm_max()));
            }
        }
    }

    /// A matrix far from positive semi-definite is refused, not factored.
    #[test]
    fn an_indefinite_matrix_is_refused() {
        let k = Mat::<f64>::from_fn(3, 3, |i, j| if i == j { -2.0 } else { 0.0 });
        let mut wh = Whitener::new(k, false);
        let e = wh.factor(1.0, Par::Seq).expect_err("-2 + 1 < 0");
        assert!(e.to_string().contains("not positive definite"), "{e}");
    }

    /// Parallel and sequential factors and solves are bit-identical.
    #[test]
    fn results_do_not_depend_on_the_split() {
        let n = 300;
        let k = spd(n);
        let mut a = Whitener::new(k.clone(), false);
        let mut b = Whitener::new(k, false);
        a.factor(2.0, Par::rayon(1)).expect("pd");
        b.factor(2.0, Par::rayon(2)).expect("pd");
        let mut xa = Mat::<f64>::from_fn(n, 40, |i, j| ((i * 3 + j) % 3) as f64);
        let mut xb = xa.clone();
        a.solve(xa.as_mut(), Par::rayon(1));
        b.solve(xb.as_mut(), Par::rayon(2));
        assert_eq!(xa, xb);
    }

    /// `factor_f32` is `L` rounded to f32 (lower triangular) with the f64
    /// row sums of `L⁻¹`, in fresh storage or over a previous matrix.
    #[test]
    fn the_f32_factor_is_the_rounded_factor() {
        let n = 300;
        let mut wh = Whitener::new(spd(n), false);
        wh.factor(3.0, Par::rayon(2)).expect("pd");
        let garbage = Mat::<f32>::from_fn(n, n, |i, j| (i + j) as f32);
        let (l32, one) = wh.factor_f32(Par::rayon(2), Some(garbage));
        assert_eq!(l32, wh.factor_f32(Par::Seq, None).0);
        for j in 0..n {
            for i in 0..n {
                let want = if i >= j { wh.m[(i, j)] as f32 } else { 0.0 };
                assert_eq!(l32[(i, j)], want);
            }
        }
        let l = Mat::<f64>::from_fn(n, n, |i, j| if i >= j { wh.m[(i, j)] } else { 0.0 });
        let back = &l * Mat::<f64>::from_fn(n, 1, |i, _| one[i]);
        assert!(back.col(0).iter().all(|v| (v - 1.0).abs() < 1e-12));
    }

    /// `invert` leaves `L⁻¹` in place of the factor (its strict upper
    /// triangle zero; over 256 columns here, two blocks and part of a
    /// third), the same bits on one thread or two; the next `factor`
    /// starts again from K.
    #[test]
    fn the_factor_is_inverted_in_place() {
        let n = 600;
        let k = spd(n);
        let invert = |par| {
            let mut wh = Whitener::new(k.clone(), true);
            wh.factor(3.0, par).expect("pd");
            let l = Mat::<f64>::from_fn(n, n, |i, j| if i >= j { wh.m[(i, j)] } else { 0.0 });
            let inv = wh.invert(par).to_owned();
            (wh, l, inv)
        };
        let (mut wh, l, inv) = invert(Par::rayon(2));
        assert_eq!(inv, invert(Par::Seq).2);
        let err = (&l * &inv - Mat::<f64>::identity(n, n)).norm_max();
        assert!(err < 1e-12, "{err}");
        assert!((0..n).all(|j| (0..j).all(|i| inv[(i, j)] == 0.0)));
        wh.factor(3.0, Par::rayon(2)).expect("pd");
        assert!((0..n).all(|j| (j..n).all(|i| wh.m[(i, j)] == l[(i, j)])));
    }
}
