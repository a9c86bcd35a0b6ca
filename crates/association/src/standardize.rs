//! The phenotype and the covariates centred and scaled before any
//! likelihood sum, and the fitted quantities brought back to the data's
//! units afterwards.
//!
//! The model has an intercept, so `y -> a y + b` and `x_j -> a_j x_j + b_j`
//! change nothing but the units of the estimates. Summing squares of
//! uncentred values does not respect that: a phenotype offset by 1e6 loses
//! most of its digits to cancellation in `yᵀPy`, and one scaled by 1e155
//! overflows. So every fit sees `y' = (y - mean) / sd` and covariates
//! `x'_j = (x_j - mean_j) / sd_j` (the intercept, column 0, unchanged);
//! with `W' = W T` the covariate effects are `beta = sd_y T beta' + mean_y e_0`,
//! their covariance `sd_y² T Cov(beta') Tᵀ`, the variance components
//! `sd_y²` times the fitted ones and the log-likelihoods lower by
//! `df ln sd_y` (`df` = samples, or samples minus columns for REML).

use faer::{Mat, MatRef};

use crate::error::{Error, Result};

/// How the data were centred and scaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaling {
    /// Mean of the phenotype.
    pub y_mean: f64,
    /// Population standard deviation of the phenotype.
    pub y_sd: f64,
    /// Mean and scale of each design column (the intercept: `(0, 1)`).
    pub columns: Vec<(f64, f64)>,
}

/// Mean and population standard deviation, without overflow for any
/// finite values (the deviations are scaled by their largest before
/// squaring).
fn moments(v: impl Iterator<Item = f64> + Clone, n: usize) -> (f64, f64) {
    let nf = n as f64;
    let mean = v.clone().map(|x| x / nf).sum::<f64>();
    let big = v.clone().map(|x| (x - mean).abs()).fold(0.0, f64::max);
    if big == 0.0 || !big.is_finite() {
        return (mean, big);
    }
    let ss = v.map(|x| ((x - mean) / big).powi(2)).sum::<f64>();
    (mean, big * (ss / nf).sqrt())
}

/// Whether values with this mean and standard deviation are constant to
/// working precision (relative to their magnitude, not in absolute terms).
fn is_constant(mean: f64, sd: f64) -> bool {
    sd == 0.0 || sd <= 1e-12 * mean.abs()
}

impl Scaling {
    /// The scaling that changes nothing, for `c` columns.
    pub fn identity(c: usize) -> Self {
        Self {
            y_mean: 0.0,
            y_sd: 1.0,
            columns: vec![(0.0, 1.0); c],
        }
    }

    /// Centres and scales `y` and the columns of `w` after the first (the
    /// intercept). A constant covariate is only centred (it becomes zero,
    /// and the collinearity check names it).
    ///
    /// # Errors
    /// `Degenerate` for a constant phenotype, non-finite values, or a
    /// phenotype whose variance cannot be represented (`sd²` overflows or
    /// underflows f64).
    pub fn standardize(w: MatRef<'_, f64>, y: &[f64]) -> Result<(Self, Mat<f64>, Vec<f64>)> {
        let n = y.len();
        if y.iter().any(|v| !v.is_finite()) {
            return Err(Error::Degenerate(
                "the phenotype has a value that is not a finite number".into(),
            ));
        }
        let (y_mean, y_sd) = moments(y.iter().copied(), n);
        if is_constant(y_mean, y_sd) {
            return Err(Error::Degenerate(
                "the phenotype is constant over the analysed samples".into(),
            ));
        }
        let var = y_sd * y_sd;
        if !var.is_finite() || !var.is_normal() {
            return Err(Error::Degenerate(format!(
                "the phenotype's standard deviation {y_sd:e} is too large or too small for its variance to be represented; rescale it"
            )));
        }
        let ys = y.iter().map(|v| (v - y_mean) / y_sd).collect();
        let mut columns = vec![(0.0, 1.0); w.ncols()];
        for (j, col) in columns.iter_mut().enumerate().skip(1) {
            let (m, s) = moments((0..n).map(|i| w[(i, j)]), n);
            *col = if is_constant(m, s) || !s.is_finite() {
                (m, 1.0)
            } else {
                (m, s)
            };
        }
        let ws = Mat::from_fn(n, w.ncols(), |i, j| {
            let (m, s) = columns[j];
            if j == 0 {
                w[(i, 0)]
            } else {
                (w[(i, j)] - m) / s
            }
        });
        Ok((Self { y_mean, y_sd, columns }, ws, ys))
    }

    /// Log-likelihood of the original data from that of the standardised
    /// data, for a likelihood with `df` degrees of freedom (`n` for ML,
    /// `n - columns` for REML).
    pub fn loglik(&self, l: f64, df: f64) -> f64 {
        l - df * self.y_sd.ln()
    }

    /// A variance in the phenotype's units.
    pub fn variance(&self, v: f64) -> f64 {
        v * self.y_sd * self.y_sd
    }

    /// Covariate effects and their standard errors in the data's units,
    /// from the fitted `beta'` and the covariance `cov` (`c x c`,
    /// column-major) of the standardised fit.
    pub fn effects(&self, beta: &[f64], cov: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let c = beta.len();
        // T: column 0 = e_0; column j = (e_j - m_j e_0) / s_j
        let t = |a: usize, b: usize| -> f64 {
            match (a, b) {
                (0, 0) => 1.0,
                (0, j) => -self.columns[j].0 / self.columns[j].1,
                (i, j) if i == j => 1.0 / self.columns[j].1,
                _ => 0.0,
            }
        };
        let mut out = vec![0.0; c];
        let mut se = vec![0.0; c];
        for (a, (o, s)) in out.iter_mut().zip(se.iter_mut()).enumerate() {
            *o = self.y_sd * (0..c).map(|b| t(a, b) * beta[b]).sum::<f64>();
            let var: f64 = (0..c)
                .flat_map(|p| (0..c).map(move |q| (p, q)))
                .map(|(p, q)| t(a, p) * cov[q * c + p] * t(a, q))
                .sum();
            *s = self.y_sd * var.sqrt();
        }
        out[0] += self.y_mean;
        (out, se)
    }
}
