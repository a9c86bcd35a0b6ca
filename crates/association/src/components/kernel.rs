//! The covariance matrices of the random effects: a GRM (of the whole
//! genome, or of a set of chromosomes) or the indicator kernel of a
//! grouping factor (cage, litter, batch, site), each centred on the
//! analysed samples as GEMMA centres every kernel it is given.

use std::collections::HashMap;

use faer::Mat;

use crate::eigen::center;

/// One random effect's covariance matrix over the analysed samples.
#[derive(Debug, Clone)]
pub struct Kernel {
    /// Its name in outputs (a GRM file's name, `chr1-10`, a column name).
    pub name: String,
    /// `n x n`, symmetric, centred (`1ᵀ K = 0`).
    pub matrix: Mat<f64>,
    /// Mean of its diagonal after centring: the factor that turns its
    /// variance into a share of the phenotypic variance (GEMMA's
    /// `traceG`).
    pub trace_over_n: f64,
}

impl Kernel {
    /// A kernel from a symmetric matrix over the analysed samples, centred
    /// here (double-centring with the vector of ones, so that the intercept
    /// absorbs the kernel's mean, as GEMMA does with every `-mk` matrix).
    pub fn new(name: impl Into<String>, mut matrix: Mat<f64>) -> Self {
        assert_eq!(matrix.nrows(), matrix.ncols(), "a kernel is square");
        center(&mut matrix);
        let n = matrix.nrows();
        let trace_over_n = (0..n).map(|i| matrix[(i, i)]).sum::<f64>() / n as f64;
        Self {
            name: name.into(),
            matrix,
            trace_over_n,
        }
    }

    /// The indicator kernel of a grouping factor: `K_ij = 1` when samples
    /// `i` and `j` share a level, else 0 (the covariance of a random effect
    /// per level, with variance one per unit), then centred.
    pub fn indicator<L: Eq + std::hash::Hash>(name: impl Into<String>, levels: &[L]) -> Self {
        let mut code: HashMap<&L, usize> = HashMap::new();
        let codes: Vec<usize> = levels
            .iter()
            .map(|l| {
                let next = code.len();
                *code.entry(l).or_insert(next)
            })
            .collect();
        let n = codes.len();
        let matrix = Mat::from_fn(n, n, |i, j| f64::from(u8::from(codes[i] == codes[j])));
        Self::new(name, matrix)
    }

    /// Number of samples.
    pub fn n(&self) -> usize {
        self.matrix.nrows()
    }
}

/// The number of distinct levels among `levels`.
pub fn n_levels<L: Eq + std::hash::Hash>(levels: &[L]) -> usize {
    levels.iter().collect::<std::collections::HashSet<_>>().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_kernel_is_centred_block_structure() {
        let k = Kernel::indicator("cage", &["a", "b", "a", "c"]);
        let n = 4;
        for i in 0..n {
            let row: f64 = (0..n).map(|j| k.matrix[(i, j)]).sum();
            assert!(row.abs() < 1e-12, "row {i} sums to {row}");
        }
        // Before centring: diag 1, (0, 2) share a level. Centring subtracts
        // row and column means and adds the grand mean (6 ones / 16).
        let raw = [
            [1.0, 0.0, 1.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [1.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let rm: Vec<f64> = raw.iter().map(|r| r.iter().sum::<f64>() / 4.0).collect();
        let g = rm.iter().sum::<f64>() / 4.0;
        for i in 0..n {
            for j in 0..n {
                let want = raw[i][j] - rm[i] - rm[j] + g;
                assert!((k.matrix[(i, j)] - want).abs() < 1e-15);
            }
        }
        let want_trace = (0..n).map(|i| raw[i][i] - 2.0 * rm[i] + g).sum::<f64>() / 4.0;
        assert!((k.trace_over_n - want_trace).abs() < 1e-15);
        assert_eq!(n_levels(&["a", "b", "a", "c"]), 3);
    }
}
