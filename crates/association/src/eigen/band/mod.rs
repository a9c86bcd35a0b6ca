//! Two-stage reduction of a symmetric matrix to tridiagonal form, from
//! about a thousand samples ([`MIN_N`]): `K = Q₁ B Q₁ᵀ` with `B` banded (`WIDTH` subdiagonals), then
//! `B = Q₂ T Q₂ᵀ` by chasing bulges down the band (Bischof, Lang & Sun's
//! successive band reduction; the stages of LAPACK's `dsytrd_2stage`).
//!
//! Why: a one-stage reduction (faer's, LAPACK's `dsytrd`) reads the whole
//! trailing matrix once per column, `n³/6` values, so at `n` in the
//! thousands it runs at the speed of memory (~12 s of reads alone at
//! n = 5000 on a 2-core machine here). The first stage here reads the
//! trailing matrix once per panel of `WIDTH` columns and writes it once
//! per group of panels, all by matrix products (`4n³/3` flops at level-3
//! rates; the panels' own small products run on one thread, where a
//! split costs more than it saves), and the second works on the band
//! alone (`~6 n² WIDTH` flops on a few MB that stay in cache, its sweeps
//! pipelined over the threads). Even in cache (n = 1410, 16 MB) the two
//! stages take two thirds of the one-stage reduction's time. Both
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

mod chase;
mod panels;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_transpose_on_the_left_in_place_scratch,
    apply_block_householder_transpose_on_the_left_in_place_with_conj,
};
use faer::{Conj, Mat, MatMut, MatRef, Par};

use chase::{chase_sizes, Band, LD};
use panels::{to_band, GROUP};

/// Subdiagonals of the band. Wider bands run the first stage's products
/// nearer faer's square-matrix rate but make the chase (`~6 n² WIDTH`
/// flops in steps of `WIDTH²`) longer; at n = 5000 a width of 32 gave the
/// shortest sum of the two (16, 24, 48 and 64 measured).
pub(super) const WIDTH: usize = 32;

/// `n` from which [`super::implicit`] takes this route. Below it faer's
/// one-stage reduction is as fast (best of 5 on 2 threads: n = 500
/// one-stage 15 ms, two-stage 19 ms; n = 800 36 and 35 ms; n = 1000 72
/// and 57 ms; n = 1410 0.20 and 0.13 s).
pub(super) const MIN_N: usize = 1024;

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
        // the pool's threads (the chase's own, not faer's split)
        let threads = if par.degree() > 1 {
            rayon::current_num_threads()
        } else {
            1
        };
        let (reflectors, vectors) = band.chase(threads);
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
        // the first panel is the tallest: its scratch serves them all
        let req = apply_block_householder_transpose_on_the_left_in_place_scratch::<f64>(
            n.saturating_sub(WIDTH),
            WIDTH,
            w.ncols(),
        );
        let mut mem = MemBuffer::new(req);
        for (p, t) in self.panels.iter().enumerate() {
            let (k, r) = (p * WIDTH, t.nrows());
            let m = n - k - WIDTH;
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
