//! The genomic relationship matrix and its sample identities.

use faer::Mat;
use genotype::SampleId;

use crate::kind::GrmKind;

/// A genomic relationship matrix: full symmetric `n x n` in `f64`, with the
/// samples of its rows (and columns) in order.
#[derive(Debug, Clone)]
pub struct Grm {
    /// The matrix, both triangles filled.
    pub matrix: Mat<f64>,
    /// Sample of each row.
    pub ids: Vec<SampleId>,
    /// Variants that entered it (`M`).
    pub n_variants: usize,
    /// Per-pair counts of variants observed in both samples (GCTA's `N`),
    /// lower triangle meaningful; `None` when every pair saw every variant.
    pub pair_counts: Option<Mat<f32>>,
    /// How it was built, when known (`None` for a matrix read from a file).
    pub kind: Option<GrmKind>,
}

impl Grm {
    /// Number of samples.
    pub fn n(&self) -> usize {
        self.ids.len()
    }

    /// The sub-matrix for rows/columns `idx` (in that order).
    pub fn subset(&self, idx: &[usize]) -> Mat<f64> {
        Mat::from_fn(idx.len(), idx.len(), |i, j| self.matrix[(idx[i], idx[j])])
    }

    /// Largest absolute element-wise difference to another matrix of the same shape.
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn max_abs_diff(&self, other: &Mat<f64>) -> f64 {
        assert_eq!(
            (self.matrix.nrows(), self.matrix.ncols()),
            (other.nrows(), other.ncols())
        );
        let mut d = 0.0f64;
        for j in 0..other.ncols() {
            for i in 0..other.nrows() {
                d = d.max((self.matrix[(i, j)] - other[(i, j)]).abs());
            }
        }
        d
    }
}
