//! The GRM's spectrum without its eigenvectors: a tridiagonal reduction
//! `K = Q T Qᵀ` (faer's one-stage reduction, or from `band::MIN_N`
//! samples the two-stage one of module `band`; Householder reflections
//! kept in place of `K`'s lower triangle), `T`'s eigenvalues by the implicit symmetric QR
//! algorithm with Wilkinson shifts, and `Uᵀ W = Zᵀ Qᵀ W` for a few
//! columns `W` (a phenotype and its covariates) by applying the reflections
//! and then the QR steps' plane rotations to `W` alone (Golub & Van Loan,
//! *Matrix Computations*, 4th ed., §8.3).
//!
//! A null fit needs only the eigenvalues and the rotated design, and a
//! fixed-ratio scan whitens the variants with a Cholesky factor of
//! `lambda K + I` (`scan::whitened`): neither needs `U`. The reduction is
//! the memory-bound half of an eigendecomposition; skipping the rest (the
//! tridiagonal eigenvectors and their back-transformation, `~3n³` flops
//! and an `n x n` matrix) is what this saves. `K` itself is kept in the
//! strict upper triangle the reduction leaves alone, and its diagonal
//! aside, so one `n x n` matrix holds both.
//!
//! The QR sweeps are rerun for each rotation (`O(n²)` per call, the same
//! rotations every time: they depend on `T` only), so nothing `n²` in size
//! is stored beyond the reduced matrix.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::tridiag::{tridiag_in_place, tridiag_in_place_scratch};
use faer::linalg::householder::{
    apply_block_householder_sequence_transpose_on_the_left_in_place_scratch,
    apply_block_householder_sequence_transpose_on_the_left_in_place_with_conj,
};
use faer::{Conj, Mat, MatMut, MatRef, Par};

use super::band;
use crate::error::{Error, Result};

/// `K` reduced to tridiagonal form, with `K` kept (see the module's
/// documentation).
#[derive(Debug)]
pub(super) struct Tridiagonal {
    /// Lower triangle: the reflections' essential parts (below the
    /// subdiagonal, faer's layout; or below the band, see [`Route`]);
    /// strict upper triangle: `K`'s.
    reduced: Mat<f64>,
    /// `K`'s diagonal.
    k_diag: Vec<f64>,
    /// How `K` was reduced, and what applies `Qᵀ`.
    route: Route,
    /// `T`'s diagonal and subdiagonal (`n - 1` entries).
    diag: Vec<f64>,
    sub: Vec<f64>,
    /// Eigenvalue order: position `i` of the ascending values is QR's
    /// `order[i]`.
    order: Vec<usize>,
    /// A matrix rotated by the sweeps that found the eigenvalues, and
    /// `Uᵀ` of it: [`Tridiagonal::rotate`] of that matrix again returns it
    /// without sweeping again.
    carried: Option<(Mat<f64>, Mat<f64>)>,
}

/// The reduction's transformation `Q` (`K = Q T Qᵀ`).
#[derive(Debug)]
enum Route {
    /// faer's one-stage reduction: its reflections' block factors.
    OneStage(Mat<f64>),
    /// Through a band (module `band`), from [`band::MIN_N`] samples, where
    /// the one-stage reduction is bound by memory.
    TwoStage(band::TwoStage),
}

/// QR sweeps allowed per eigenvalue before giving up (LAPACK allows 30).
const MAX_SWEEPS_PER_VALUE: usize = 30;

impl Tridiagonal {
    /// Reduces `k` (symmetric, lower triangle read) in place; returns the
    /// reduction and the eigenvalues, ascending.
    ///
    /// # Errors
    /// `NoConvergence` when the QR iteration does not converge or gives
    /// values that are not finite; `OutOfMemory` for the workspace.
    ///
    /// `carry` (`n` rows: the first phenotype's design, when known) is
    /// rotated in the same sweeps, which depend on `T` only: its
    /// [`Tridiagonal::rotate`] then costs nothing, where another rotation
    /// sweeps again (`O(n²)` steps, each waiting on the last: 25-30 ms at
    /// n = 1410).
    pub(super) fn reduce(k: Mat<f64>, carry: Option<Mat<f64>>, par: Par) -> Result<(Self, Vec<f64>)> {
        let two_stage = k.nrows() >= band::MIN_N;
        Self::reduce_by(k, two_stage, carry, par)
    }

    /// [`Tridiagonal::reduce`] by the route asked for.
    fn reduce_by(mut k: Mat<f64>, two_stage: bool, carry: Option<Mat<f64>>, par: Par) -> Result<(Self, Vec<f64>)> {
        let n = k.nrows();
        assert_eq!(n, k.ncols(), "a GRM is square");
        // Mirror the lower triangle into the upper one: the reduction
        // reads and writes the lower triangle only.
        mirror(k.as_mut(), true);
        let k_diag: Vec<f64> = (0..n).map(|i| k[(i, i)]).collect();
        let (route, diag, sub) = if two_stage {
            let (r, diag, sub) = band::TwoStage::reduce(k.as_mut(), par);
            (Route::TwoStage(r), diag, sub)
        } else {
            let factors = one_stage(k.as_mut(), par)?;
            let diag = (0..n).map(|i| k[(i, i)]).collect();
            let sub = (1..n).map(|i| k[(i, i - 1)]).collect();
            (Route::OneStage(factors), diag, sub)
        };
        let mut t = Self {
            reduced: k,
            k_diag,
            route,
            diag,
            sub,
            order: Vec::new(),
            carried: None,
        };
        let mut values = t.diag.clone();
        let mut w = match &carry {
            Some(m) => t.to_reduced_basis(m.as_ref()),
            None => Mat::<f64>::zeros(n, 0),
        };
        qr_sweeps(&mut values, &mut t.sub.clone(), w.as_mut())?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::NoConvergence(
                "the tridiagonal QR iteration gave eigenvalues that are not finite (GRM values too large?)".into(),
            ));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
        let sorted = order.iter().map(|&i| values[i]).collect();
        t.carried = carry.map(|m| (m, Mat::from_fn(n, w.ncols(), |i, j| w[(order[i], j)])));
        t.order = order;
        Ok((t, sorted))
    }

    /// `Uᵀ m` (`n x p`), rows in the order of the ascending eigenvalues.
    ///
    /// # Errors
    /// `NoConvergence` as in [`Tridiagonal::reduce`] (the same iteration).
    pub(super) fn rotate(&self, m: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let n = self.diag.len();
        assert_eq!(m.nrows(), n, "rotating columns of another length");
        if let Some((carried, rotated)) = &self.carried {
            // (faer's equality assumes the column counts agree)
            if carried.ncols() == m.ncols() && carried.as_ref() == m {
                return Ok(rotated.clone());
            }
        }
        let mut w = self.to_reduced_basis(m);
        let mut d = self.diag.clone();
        qr_sweeps(&mut d, &mut self.sub.clone(), w.as_mut())?;
        Ok(Mat::from_fn(n, w.ncols(), |i, j| w[(self.order[i], j)]))
    }

    /// `Qᵀ m`: `m` in the basis where `K` is the tridiagonal `T`.
    fn to_reduced_basis(&self, m: MatRef<'_, f64>) -> Mat<f64> {
        let n = self.diag.len();
        let mut w = m.to_owned();
        match &self.route {
            Route::TwoStage(r) => r.apply_transpose(self.reduced.as_ref(), w.as_mut()),
            Route::OneStage(factors) if n > 1 => {
                let p = w.ncols();
                let req = apply_block_householder_sequence_transpose_on_the_left_in_place_scratch::<f64>(
                    n - 1,
                    factors.nrows(),
                    p,
                );
                let mut mem = MemBuffer::new(req);
                // Sequential: a few columns, and the same bits on any pool.
                apply_block_householder_sequence_transpose_on_the_left_in_place_with_conj(
                    self.reduced.as_ref().submatrix(1, 0, n - 1, n - 1),
                    factors.as_ref(),
                    Conj::No,
                    w.as_mut().subrows_mut(1, n - 1),
                    Par::Seq,
                    MemStack::new(&mut mem),
                );
            }
            Route::OneStage(_) => {}
        }
        w
    }

    /// `K` (both triangles), as it was before the reduction.
    pub(super) fn kinship(&self) -> Mat<f64> {
        let n = self.k_diag.len();
        let mut k = Mat::<f64>::zeros(n, n);
        for j in 0..n {
            k[(j, j)] = self.k_diag[j];
            for i in 0..j {
                k[(i, j)] = self.reduced[(i, j)];
            }
        }
        mirror(k.as_mut(), false);
        k
    }
}

/// faer's one-stage reduction of `k` (lower triangle) in place; returns
/// the reflections' block factors.
fn one_stage(k: MatMut<'_, f64>, par: Par) -> Result<Mat<f64>> {
    let n = k.nrows();
    let bs = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(n, n);
    let mut factors = Mat::<f64>::zeros(bs, n.saturating_sub(1));
    if n > 0 {
        let req = tridiag_in_place_scratch::<f64>(n, par, Default::default());
        let mut mem = MemBuffer::try_new(req).map_err(|_| kinship::Error::OutOfMemory {
            what: format!("the tridiagonal reduction's workspace for {n} samples"),
            needed: Some(req.size_bytes() as u64),
            available: kinship::memory::available(),
        })?;
        tridiag_in_place(k, factors.as_mut(), par, MemStack::new(&mut mem), Default::default());
    }
    Ok(factors)
}

/// Tile edge of [`mirror`]: a tile's rows and columns stay in cache while
/// it is read across (an element loop reads the matrix along its rows, a
/// cache miss per element: ~0.5 s at n = 5000).
const TILE: usize = 64;

/// Copies the strict lower triangle of the square `m` onto its upper one
/// (`from_lower`), or the upper onto the lower, tile by tile.
fn mirror(mut m: MatMut<'_, f64>, from_lower: bool) {
    let n = m.nrows();
    for j0 in (0..n).step_by(TILE) {
        for i0 in (j0..n).step_by(TILE) {
            for j in j0..(j0 + TILE).min(n) {
                for i in i0.max(j + 1)..(i0 + TILE).min(n) {
                    if from_lower {
                        m[(j, i)] = m[(i, j)];
                    } else {
                        m[(i, j)] = m[(j, i)];
                    }
                }
            }
        }
    }
}

/// Diagonalises the symmetric tridiagonal matrix `(d, e)` in place by
/// implicit QR steps with Wilkinson shifts, deflating from the bottom;
/// every plane rotation `G` (`T <- Gᵀ T G`) is applied to the rows of `w`
/// as `w <- Gᵀ w`, so that `w` ends as `Zᵀ w` for `T = Z diag(d) Zᵀ`.
fn qr_sweeps(d: &mut [f64], e: &mut [f64], mut w: MatMut<'_, f64>) -> Result<()> {
    let n = d.len();
    let small = |e: f64, a: f64, b: f64| e.abs() <= f64::EPSILON * (a.abs() + b.abs()) || e.abs() < f64::MIN_POSITIVE;
    let limit = MAX_SWEEPS_PER_VALUE * n.max(1);
    let mut sweeps = 0;
    let mut hi = n.saturating_sub(1);
    while hi > 0 {
        if small(e[hi - 1], d[hi - 1], d[hi]) {
            e[hi - 1] = 0.0;
            hi -= 1;
            continue;
        }
        let mut lo = hi - 1;
        while lo > 0 && !small(e[lo - 1], d[lo - 1], d[lo]) {
            lo -= 1;
        }
        if lo > 0 {
            e[lo - 1] = 0.0;
        }
        sweeps += 1;
        if sweeps > limit {
            return Err(Error::NoConvergence(format!(
                "the tridiagonal QR iteration did not converge in {limit} sweeps"
            )));
        }
        // Wilkinson's shift: the eigenvalue of the trailing 2 x 2 block
        // nearer its last diagonal entry.
        let half = (d[hi - 1] - d[hi]) / 2.0;
        let b = e[hi - 1];
        let root = half.hypot(b);
        let mu = d[hi] - b * b / (half + if half >= 0.0 { root } else { -root });
        let mut x = d[lo] - mu;
        let mut z = e[lo];
        for k in lo..hi {
            // G = [c s; -s c] on (k, k+1) with Gᵀ [x; z] = [r; 0].
            // (values of a GRM's scale: no overflow to guard against)
            let r = (x * x + z * z).sqrt();
            let (c, s) = if r == 0.0 { (1.0, 0.0) } else { (x / r, -z / r) };
            if k > lo {
                e[k - 1] = r;
            }
            let (a, bk, dk) = (d[k], e[k], d[k + 1]);
            d[k] = c * c * a - 2.0 * c * s * bk + s * s * dk;
            d[k + 1] = s * s * a + 2.0 * c * s * bk + c * c * dk;
            e[k] = c * s * (a - dk) + (c * c - s * s) * bk;
            if k + 1 < hi {
                z = -s * e[k + 1];
                e[k + 1] *= c;
                x = e[k];
            }
            for j in 0..w.ncols() {
                let (p, q) = (w[(k, j)], w[(k + 1, j)]);
                w[(k, j)] = c * p - s * q;
                w[(k + 1, j)] = s * p + c * q;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eigen::Eigen;

    /// A GRM-like matrix: `Z Zᵀ / m` of random ±1/0 columns, plus some
    /// repeated eigenvalues (a duplicated sample).
    fn grm(n: usize, m: usize, seed: u64) -> Mat<f64> {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 3) as f64 - 1.0
        };
        let mut z = Mat::<f64>::from_fn(n, m, |_, _| next());
        for j in 0..m {
            z[(n - 1, j)] = z[(0, j)];
        }
        let mut k = &z * z.transpose();
        for v in k.as_mut().col_iter_mut() {
            for x in v.iter_mut() {
                *x /= m as f64;
            }
        }
        k
    }

    #[test]
    fn values_and_rotations_equal_the_full_decomposition() {
        // Both routes; the two-stage one on a band of 32 with no panel
        // (n <= 33), a last panel shorter than the band (n = 60) and many.
        let sizes = [(1, 3), (2, 5), (7, 3), (33, 20), (34, 20), (60, 40), (300, 120)];
        for ((n, m), two_stage) in sizes.into_iter().flat_map(|s| [(s, false), (s, true)]) {
            let k = grm(n, m, n as u64);
            let full = Eigen::decompose(k.as_ref(), Par::Seq).unwrap();
            let (t, values) = Tridiagonal::reduce_by(k.clone(), two_stage, None, Par::Seq).unwrap();
            let scale = full.values().iter().fold(1.0f64, |a, v| a.max(v.abs()));
            for (a, b) in values.iter().zip(full.values()) {
                assert!((a - b).abs() <= 1e-12 * scale, "n {n}: {a} vs {b}");
            }
            // Uᵀw up to each vector's sign, compared where the eigenvalue
            // is simple (a repeated one's vectors are any basis).
            let w = Mat::<f64>::from_fn(n, 2, |i, j| ((i * (j + 3)) % 7) as f64 - 2.5);
            let got = t.rotate(w.as_ref()).unwrap();
            let want = full.vectors().transpose() * &w;
            for i in 0..n {
                let gap = |j: usize| (values[j] - values[i]).abs();
                let isolated = (i == 0 || gap(i - 1) > 1e-6 * scale) && (i + 1 == n || gap(i + 1) > 1e-6 * scale);
                if !isolated {
                    continue;
                }
                let sign = if got[(i, 0)] * want[(i, 0)] < 0.0 { -1.0 } else { 1.0 };
                for j in 0..2 {
                    let (a, b) = (sign * got[(i, j)], want[(i, j)]);
                    assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "n {n} row {i}: {a} vs {b}");
                }
            }
            // Invariants that hold whatever the basis of repeated values:
            // wᵀw and wᵀKw.
            let kw = &k * &w;
            for j in 0..2 {
                let norm: f64 = (0..n).map(|i| got[(i, j)] * got[(i, j)]).sum();
                let want_norm: f64 = (0..n).map(|i| w[(i, j)] * w[(i, j)]).sum();
                assert!((norm - want_norm).abs() <= 1e-10 * want_norm.max(1.0));
                let quad: f64 = (0..n).map(|i| values[i] * got[(i, j)] * got[(i, j)]).sum();
                let want_quad: f64 = (0..n).map(|i| w[(i, j)] * kw[(i, j)]).sum();
                assert!(
                    (quad - want_quad).abs() <= 1e-9 * want_quad.abs().max(1.0),
                    "{quad} vs {want_quad}"
                );
            }
            assert_eq!(t.kinship(), k);
        }
    }

    /// A matrix carried through the eigenvalue sweeps rotates to the same
    /// bits as one rotated afterwards, the values are the same, and another
    /// matrix still sweeps for itself.
    #[test]
    fn a_carried_matrix_is_rotated_as_afterwards() {
        for (n, two_stage) in [(60, false), (300, true)] {
            let k = grm(n, n / 2, 4);
            let w = Mat::<f64>::from_fn(n, 3, |i, j| ((i * (j + 2)) % 9) as f64 - 4.0);
            let (plain, values) = Tridiagonal::reduce_by(k.clone(), two_stage, None, Par::Seq).unwrap();
            let (carrying, carried_values) =
                Tridiagonal::reduce_by(k.clone(), two_stage, Some(w.clone()), Par::Seq).unwrap();
            assert_eq!(values, carried_values);
            assert_eq!(carrying.rotate(w.as_ref()).unwrap(), plain.rotate(w.as_ref()).unwrap());
            let other = Mat::<f64>::from_fn(n, 1, |i, _| (i % 4) as f64);
            assert_eq!(
                carrying.rotate(other.as_ref()).unwrap(),
                plain.rotate(other.as_ref()).unwrap()
            );
        }
    }

    #[test]
    fn the_reduction_gives_the_same_bits_on_any_pool() {
        // 1100: the two-stage route's products split in row blocks and
        // its chase pipelined over the pool
        let k = grm(1100, 150, 9);
        let w = Mat::<f64>::from_fn(1100, 1, |i, _| (i % 5) as f64);
        for two_stage in [false, true] {
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    let par = Par::rayon(crate::eigen::EIGEN_SPLIT);
                    let (t, v) = Tridiagonal::reduce_by(k.clone(), two_stage, None, par).unwrap();
                    (v, t.rotate(w.as_ref()).unwrap())
                })
            };
            assert_eq!(run(1), run(2), "two-stage: {two_stage}");
        }
    }
}
