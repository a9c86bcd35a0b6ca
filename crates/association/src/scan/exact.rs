//! The exact scan's shared work: the likelihood's weights and fixed-column
//! sums at the lambdas every variant visits (the search grid), the power
//! series of the sums around the null maxima where root searches start,
//! and every variant's block-wide sums and moments as two matrix
//! multiplies.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

use crate::likelihood::{
    evaluate_cached, evaluate_point, Columns, Expansion, GridPoint, LikEval, Method, Need, Work, MOMENTS,
};
use crate::null_model::Rotated;
use crate::optimize::{Objective, Search};

/// Weights and covariate/phenotype sums at the lambdas every variant
/// visits, with the matrices that give a block's per-variant sums there.
#[derive(Debug)]
pub(crate) struct Points {
    /// The cached points: the search grid.
    pub points: Vec<GridPoint>,
    /// The expansions around the centres where root searches start.
    pub expansions: Vec<Expansion>,
    /// The points' weights times the fixed columns, `n x 2P(c+1)`: column
    /// `2(k(c+1) + o) + t` is `w_t(lambda_k) ⊙ col_o` (`t` = 0, 1 for
    /// `1/d`, `s/d²`, what the grid's first derivatives need; `o` over the
    /// covariates then `y`); then the expansions' moment weights times
    /// them, column `2P(c+1) + (e(c+1) + o) MOMENTS + j`. One multiply of a block of
    /// rotated variants by it gives every variant's sums at every point
    /// and its moments at every centre.
    fixed: Mat<f64>,
    /// The points' weights alone, `n x 2P` (column `2k + t`), then the
    /// moment weights (column `2P + e MOMENTS + j`), for the sums of `x²`.
    weights: Mat<f64>,
}

/// Columns of squared rotated genotypes made at a time in
/// [`Points::block_sums`] (`n x 64` doubles: 0.7 MB at mouse size).
const SQUARE_CHUNK: usize = 64;

/// A block's sums at every point: `fixedᵀ UᵀX` and `weightsᵀ (UᵀX)²`.
pub(crate) type BlockSums = (Mat<f64>, Mat<f64>);

impl Points {
    /// The points of `search`'s grid and the expansions around `centres`
    /// (the null maxima, where root searches start), for `rot`.
    pub fn new(rot: &Rotated, search: &Search, centres: &[f64]) -> Self {
        let c = rot.n_covariates();
        let zero = vec![0.0; rot.n()];
        let mut cols: Vec<&[f64]> = rot.w.iter().map(Vec::as_slice).collect();
        cols.push(&zero);
        cols.push(&rot.y);
        let points: Vec<GridPoint> = search
            .grid()
            .into_iter()
            .map(|l| GridPoint::new(&rot.s, &cols, c, l))
            .collect();
        let mut expansions: Vec<Expansion> = Vec::new();
        for &l in centres {
            if !expansions.iter().any(|e| e.lambda0 == l) {
                expansions.push(Expansion::new(&rot.s, &cols, c, l));
            }
        }
        let n = rot.n();
        let fixed_cols = rot.columns();
        let weight = |p: &GridPoint, t: usize, i: usize| if t == 0 { p.weights.w1[i] } else { p.weights.w2[i] };
        let at_points = 2 * points.len();
        let fixed = Mat::from_fn(n, (at_points + expansions.len() * MOMENTS) * (c + 1), |i, j| {
            if j < at_points * (c + 1) {
                let (t, ko) = (j % 2, j / 2);
                let (k, o) = (ko / (c + 1), ko % (c + 1));
                weight(&points[k], t, i) * fixed_cols[o][i]
            } else {
                let jj = j - at_points * (c + 1);
                let (e, o, mom) = (jj / MOMENTS / (c + 1), jj / MOMENTS % (c + 1), jj % MOMENTS);
                expansions[e].weights[mom][i] * fixed_cols[o][i]
            }
        });
        let weights = Mat::from_fn(n, at_points + expansions.len() * MOMENTS, |i, j| {
            if j < at_points {
                weight(&points[j / 2], j % 2, i)
            } else {
                let jj = j - at_points;
                expansions[jj / MOMENTS].weights[jj % MOMENTS][i]
            }
        });
        Self {
            points,
            expansions,
            fixed,
            weights,
        }
    }

    /// Length of the scratch [`PointSums::buf`] for `c` covariates.
    pub fn scratch_len(c: usize) -> usize {
        // the grid's A and B sums need 2 (c + 2), the moments more
        const { assert!(MOMENTS >= 2) };
        (c + 2) * MOMENTS
    }

    /// Every variant's sums at every point, for the rotated block `utx`
    /// (`n x B`): two matrix multiplies instead of O(n) dot products per
    /// variant and point.
    pub fn block_sums(&self, utx: MatRef<'_, f64>, par: Par) -> BlockSums {
        let (n, b) = (utx.nrows(), utx.ncols());
        let mut with_fixed = Mat::<f64>::zeros(self.fixed.ncols(), b);
        matmul(
            with_fixed.as_mut(),
            Accum::Replace,
            self.fixed.transpose(),
            utx,
            1.0,
            par,
        );
        // The squares go through a buffer of a few columns rather than one
        // `n x B` matrix: a block's worth (5.8 MB at mouse size) would be a
        // fresh mapping per block, faulted in page by page, while a
        // buffer under the allocator's mapping threshold is reused from its
        // heap. Each output column's sum is the same product either way.
        let mut with_square = Mat::<f64>::zeros(self.weights.ncols(), b);
        let chunk = SQUARE_CHUNK.min(b.max(1));
        let mut squares = Mat::<f64>::zeros(n, chunk);
        for start in (0..b).step_by(chunk) {
            let w = chunk.min(b - start);
            let mut sq = squares.as_mut().subcols_mut(0, w);
            sq.as_mut()
                .par_col_iter_mut()
                .zip(utx.subcols(start, w).par_col_iter())
                .for_each(|(mut col, x)| {
                    for i in 0..n {
                        col[i] = x[i] * x[i];
                    }
                });
            matmul(
                with_square.as_mut().subcols_mut(start, w),
                Accum::Replace,
                self.weights.transpose(),
                sq.as_ref(),
                1.0,
                par,
            );
        }
        (with_fixed, with_square)
    }
}

/// One variant's block-computed sums at the cached points (a column of
/// each of [`BlockSums`]).
pub(crate) struct PointSums<'a> {
    /// Column of `fixedᵀ Uᵀx`.
    pub fixed: &'a [f64],
    /// Column of `weightsᵀ (Uᵀx)²`.
    pub square: &'a [f64],
    /// Scratch, [`Points::scratch_len`].
    pub buf: &'a mut [f64],
}

impl PointSums<'_> {
    /// Memoises the sums of every cached point and the moments of every
    /// expansion in `work` (columns: `c` covariates, the variant, `y`).
    pub fn prefill(self, all: &Points, c: usize, work: &mut Work) {
        let points = &all.points;
        let m = c + 2;
        let base = 2 * points.len();
        for (e, exp) in all.expansions.iter().enumerate() {
            let xs = &mut self.buf[..m * MOMENTS];
            for o in 0..=c {
                let col = if o < c { o } else { c + 1 };
                let at = base * (c + 1) + (e * (c + 1) + o) * MOMENTS;
                xs[col * MOMENTS..][..MOMENTS].copy_from_slice(&self.fixed[at..at + MOMENTS]);
            }
            let at = base + e * MOMENTS;
            xs[c * MOMENTS..][..MOMENTS].copy_from_slice(&self.square[at..at + MOMENTS]);
            work.prefill_series(e, exp, m, c, xs);
        }
        let (ax, rest) = self.buf.split_at_mut(m);
        let bx = &mut rest[..m];
        for k in 0..points.len() {
            for o in 0..=c {
                let at = 2 * (k * (c + 1) + o);
                // other column `o` of the fixed ones: covariates, then y (index c + 1)
                let col = if o < c { o } else { c + 1 };
                ax[col] = self.fixed[at];
                bx[col] = self.fixed[at + 1];
            }
            ax[c] = self.square[2 * k];
            bx[c] = self.square[2 * k + 1];
            work.prefill(k, m, c, [&*ax, &*bx]);
        }
    }
}

/// The per-variant likelihood the optimiser maximises: cached points are
/// read from `work`'s memo, other lambdas summed afresh.
pub(crate) struct SnpObjective<'a, 'w> {
    pub data: Columns<'a>,
    pub method: Method,
    pub work: &'w mut Work,
    pub points: &'a [GridPoint],
    /// Index of the variant's column.
    pub x: usize,
}

impl Objective for SnpObjective<'_, '_> {
    fn eval_grid(&mut self, k: usize, lambda: f64, need_f: bool) -> Option<LikEval> {
        if let Some(point) = self.points.get(k).filter(|g| g.weights.lambda == lambda) {
            if let Some(result) = evaluate_point(&self.data, point, k, self.method, need_f, self.work) {
                return result;
            }
        }
        self.eval(lambda, need_f, false)
    }

    fn eval(&mut self, lambda: f64, need_f: bool, need_d2: bool) -> Option<LikEval> {
        let point = self
            .points
            .iter()
            .enumerate()
            .find(|(_, g)| g.weights.lambda == lambda)
            .map(|(k, g)| (self.x, k, g));
        evaluate_cached(
            &self.data,
            lambda,
            self.method,
            Need { f: need_f, d2: need_d2 },
            self.work,
            point,
        )
    }
}
