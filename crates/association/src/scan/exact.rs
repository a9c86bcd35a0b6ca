//! The exact scan's shared work: the likelihood's weights and fixed-column
//! sums at the lambdas every variant visits (the search grid and the two
//! null lambdas where root searches start), and the block-wide sums of
//! every variant there as two matrix multiplies.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use crate::likelihood::{evaluate_cached, Columns, GridPoint, LikEval, Method, Need, Work};
use crate::null_model::Rotated;
use crate::optimize::{Objective, Search};

/// Weights and covariate/phenotype sums at the lambdas every variant
/// visits, with the matrices that give a block's per-variant sums there.
#[derive(Debug)]
pub(crate) struct Points {
    /// The cached points: the search grid, then the REML and ML null lambdas.
    pub points: Vec<GridPoint>,
    /// The points' weights times the fixed columns, `n x 3P(c+1)`: column
    /// `3(k(c+1) + o) + t` is `w_t(lambda_k) ⊙ col_o` (`t` = 0, 1, 2 for
    /// `1/d`, `s/d²`, `s²/d³`; `o` over the covariates then `y`). One
    /// multiply of a block of rotated variants by it gives every variant's
    /// sums at every point.
    fixed: Mat<f64>,
    /// The points' weights alone, `n x 3P` (column `3k + t`), for the sums of `x²`.
    weights: Mat<f64>,
}

/// A block's sums at every point: `fixedᵀ UᵀX` and `weightsᵀ (UᵀX)²`.
pub(crate) type BlockSums = (Mat<f64>, Mat<f64>);

impl Points {
    /// The points of `search`'s grid and of the null lambdas, for `rot`.
    pub fn new(rot: &Rotated, search: &Search, l_reml: f64, l_ml: f64) -> Self {
        let c = rot.n_covariates();
        let zero = vec![0.0; rot.n()];
        let mut cols: Vec<&[f64]> = rot.w.iter().map(Vec::as_slice).collect();
        cols.push(&zero);
        cols.push(&rot.y);
        let mut lambdas = search.grid();
        lambdas.extend([l_reml, l_ml]);
        let points: Vec<GridPoint> = lambdas
            .into_iter()
            .map(|l| GridPoint::new(&rot.s, &cols, c, l))
            .collect();
        let n = rot.n();
        let fixed_cols = rot.columns();
        let weight = |p: &GridPoint, t: usize, i: usize| match t {
            0 => p.weights.w1[i],
            1 => p.weights.w2[i],
            _ => p.weights.w3[i],
        };
        let fixed = Mat::from_fn(n, 3 * points.len() * (c + 1), |i, j| {
            let (t, ko) = (j % 3, j / 3);
            let (k, o) = (ko / (c + 1), ko % (c + 1));
            weight(&points[k], t, i) * fixed_cols[o][i]
        });
        let weights = Mat::from_fn(n, 3 * points.len(), |i, j| weight(&points[j / 3], j % 3, i));
        Self { points, fixed, weights }
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
        let squares = Mat::<f64>::from_fn(n, b, |i, j| utx[(i, j)] * utx[(i, j)]);
        let mut with_square = Mat::<f64>::zeros(self.weights.ncols(), b);
        matmul(
            with_square.as_mut(),
            Accum::Replace,
            self.weights.transpose(),
            squares.as_ref(),
            1.0,
            par,
        );
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
    /// Scratch, `3 (c + 2)`.
    pub buf: &'a mut [f64],
}

impl PointSums<'_> {
    /// Memoises the sums of every cached point in `work` (columns: `c`
    /// covariates, the variant, `y`).
    pub fn prefill(self, points: &[GridPoint], c: usize, work: &mut Work) {
        let m = c + 2;
        let (ax, rest) = self.buf.split_at_mut(m);
        let (bx, cx) = rest.split_at_mut(m);
        for (k, point) in points.iter().enumerate() {
            for o in 0..=c {
                let at = 3 * (k * (c + 1) + o);
                // other column `o` of the fixed ones: covariates, then y (index c + 1)
                let col = if o < c { o } else { c + 1 };
                ax[col] = self.fixed[at];
                bx[col] = self.fixed[at + 1];
                cx[col] = self.fixed[at + 2];
            }
            ax[c] = self.square[3 * k];
            bx[c] = self.square[3 * k + 1];
            cx[c] = self.square[3 * k + 2];
            work.prefill(k, point, m, c, [&*ax, &*bx, &*cx]);
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
