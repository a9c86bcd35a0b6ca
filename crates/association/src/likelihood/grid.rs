//! The weighted cross-products `A`, `B`, `C` of the design columns at one
//! `lambda`, and [`GridPoint`], their part that is the same for every
//! variant (pairs of covariates and phenotype) precomputed at a grid
//! `lambda`, so that an evaluation there sums only the pairs with the
//! variant.

use super::schur::Schur;
use super::sums::{dot3, Weights};

/// Fills `out = [A, B, C]` (full `m x m`, column-major, `m = cols.len()`)
/// with the sums over the first `n` samples of `w1 a b`, `w2 a b`, `w3 a b`
/// for every pair of columns `a`, `b`. With `fixed = Some((x, sums))`,
/// pairs not involving column `x` are copied from `sums` (same layout)
/// instead. The summed entries of `C` are 0 unless `third` is set.
pub(super) fn cross_products(
    w: &Weights,
    n: usize,
    cols: &[&[f64]],
    third: bool,
    fixed: Option<(usize, &[Vec<f64>; 3])>,
    out: [&mut [f64]; 3],
) {
    let m = cols.len();
    let (w1, w2, w3) = (&w.w1[..n], &w.w2[..n], &w.w3[..n]);
    let [oa, ob, oc] = out;
    for a in 0..m {
        for b in a..m {
            let (p1, p2, p3) = match fixed {
                Some((x, f)) if a != x && b != x => (f[0][a * m + b], f[1][a * m + b], f[2][a * m + b]),
                _ if third => dot3::<true>(w1, w2, w3, cols[a], cols[b]),
                _ => dot3::<false>(w1, w2, w3, cols[a], cols[b]),
            };
            for (mat, v) in [(&mut *oa, p1), (&mut *ob, p2), (&mut *oc, p3)] {
                mat[a * m + b] = v;
                mat[b * m + a] = v;
            }
        }
    }
}

/// Weights and the weighted cross-products of the columns that do not
/// change between variants (covariates and phenotype), at one grid
/// `lambda`: a variant's evaluation there only sums the pairs with `x`.
#[derive(Debug, Clone)]
pub(crate) struct GridPoint {
    /// The weights at the point's `lambda`, with `Σ ln d`.
    pub weights: Weights,
    /// `(A, B, C)` entries for pairs of fixed columns, full `m x m` layout
    /// (entries involving the variant column are unused).
    pub fixed: [Vec<f64>; 3],
    /// The covariates' terms of the rank-one path ([`Schur`]), when the
    /// variant's column is the one before `y` and `A_WW` is not singular.
    pub schur: Option<Schur>,
}

impl GridPoint {
    /// Precomputes at `lambda` for columns `cols` whose column `x` is the variant's.
    pub fn new(s: &[f64], cols: &[&[f64]], x: usize, lambda: f64) -> Self {
        let weights = Weights::new(s, lambda, true);
        let m = cols.len();
        let mut fixed = [vec![0.0; m * m], vec![0.0; m * m], vec![0.0; m * m]];
        for a in 0..m {
            for b in a..m {
                if a == x || b == x {
                    continue;
                }
                let (p1, p2, p3) = dot3::<true>(&weights.w1, &weights.w2, &weights.w3, cols[a], cols[b]);
                for (mat, v) in fixed.iter_mut().zip([p1, p2, p3]) {
                    mat[a * m + b] = v;
                    mat[b * m + a] = v;
                }
            }
        }
        let schur = if x + 2 == m {
            Schur::new(&fixed[0], &fixed[1], m)
        } else {
            None
        };
        Self { weights, fixed, schur }
    }
}
