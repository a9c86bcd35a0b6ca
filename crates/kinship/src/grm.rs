//! The genomic relationship matrix and its sample identities.

use std::collections::HashMap;
use std::path::Path;

use faer::Mat;
use genotype::SampleId;

use crate::error::{Error, Result};
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

    /// The sub-matrix for the samples `ids` (rows and columns in that order),
    /// matched by (FID, IID); `source` names the GRM's file in errors.
    ///
    /// # Errors
    /// `Inconsistent` naming the first sample of `ids` the GRM lacks.
    pub fn select(&self, ids: &[SampleId], source: &Path) -> Result<Mat<f64>> {
        Ok(self.subset(&self.positions(ids, source)?))
    }

    /// As [`Grm::select`], consuming the GRM: when `ids` are all its
    /// samples in its order, the matrix itself, with no copy (at 20,000
    /// samples a copy is 3.2 GB of fresh pages).
    ///
    /// # Errors
    /// As [`Grm::select`].
    pub fn into_selected(self, ids: &[SampleId], source: &Path) -> Result<Mat<f64>> {
        let idx = self.positions(ids, source)?;
        if idx.len() == self.ids.len() && idx.iter().enumerate().all(|(i, &p)| i == p) {
            return Ok(self.matrix);
        }
        Ok(self.subset(&idx))
    }

    /// Positions of `ids` among the GRM's samples.
    fn positions(&self, ids: &[SampleId], source: &Path) -> Result<Vec<usize>> {
        let pos: HashMap<&SampleId, usize> = self.ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
        let idx = ids
            .iter()
            .map(|id| {
                pos.get(id).copied().ok_or_else(|| {
                    Error::Inconsistent(format!(
                        "sample '{id}' is analysed but not in the GRM {}",
                        source.display()
                    ))
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        Ok(idx)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn grm() -> Grm {
        let ids = ["a", "b", "c"].map(|i| SampleId::new("F", i)).to_vec();
        Grm {
            matrix: Mat::from_fn(3, 3, |i, j| (10 * i + j) as f64),
            ids,
            n_variants: 5,
            pair_counts: None,
            kind: None,
        }
    }

    #[test]
    fn select_follows_the_order_of_the_ids() {
        let g = grm();
        let ids = [SampleId::new("F", "c"), SampleId::new("F", "a")];
        let k = g.select(&ids, Path::new("x")).unwrap();
        assert_eq!((k.nrows(), k.ncols()), (2, 2));
        assert_eq!([k[(0, 0)], k[(0, 1)], k[(1, 0)], k[(1, 1)]], [22.0, 20.0, 2.0, 0.0]);
    }

    #[test]
    fn into_selected_equals_select_in_any_order() {
        let g = grm();
        for order in [["a", "b", "c"], ["c", "a", "b"]] {
            let ids: Vec<SampleId> = order.iter().map(|i| SampleId::new("F", i)).collect();
            let want = g.select(&ids, Path::new("x")).unwrap();
            let got = g.clone().into_selected(&ids, Path::new("x")).unwrap();
            assert_eq!(got, want, "{order:?}");
        }
    }

    #[test]
    fn select_names_the_first_unknown_sample_and_the_file() {
        let g = grm();
        let ids = [
            SampleId::new("F", "a"),
            SampleId::new("G", "b"),
            SampleId::new("F", "z"),
        ];
        let e = g.select(&ids, Path::new("dir/k.cXX.txt")).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InconsistentInput);
        assert_eq!(
            e.to_string(),
            "sample 'G b' is analysed but not in the GRM dir/k.cXX.txt"
        );
    }
}
