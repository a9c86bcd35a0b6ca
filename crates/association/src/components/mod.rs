//! Several variance components: `V = Σ σ_i² K_i + σ_e² I` with one kernel
//! per random effect (GRMs of chromosome sets, the indicator kernel of a
//! cage or batch), fitted by average-information REML (GCTA's and GEMMA's
//! `-vc 2` algorithm) or by Haseman-Elston regression (GEMMA's `-vc 1`,
//! which needs no inversion and gives REML its start).
//!
//! Shares of the phenotypic variance follow GEMMA: with `t_i` the mean
//! diagonal of the centred kernel `K_i`,
//! `pve_i = t_i σ_i² / (Σ_j t_j σ_j² + σ_e²)`, their standard errors by the
//! delta method from the inverse average-information matrix. With one kernel, REML gives today's
//! single-component fit (the same optimum, found another way).
//!
//! Modules: `kernel` (the matrices, centred), `he` (Haseman-Elston),
//! `reml` (AI-REML with non-negativity), `run` (a dataset's phenotypes).

mod he;
mod kernel;
mod reml;
mod run;
#[cfg(test)]
mod tests;

use faer::MatRef;

pub use he::haseman_elston;
pub use kernel::{n_levels, Kernel};
pub use reml::{ai_reml, reml_loglik, RemlControl};
pub use run::{fit_and_combine, fit_components, ComponentsOptions, ComponentsResult, KernelSource};

use crate::error::{Error, Result};

/// How the components are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcMethod {
    /// Average-information REML, started from Haseman-Elston.
    Reml,
    /// Haseman-Elston regression (moments; no likelihood).
    He,
}

impl VcMethod {
    /// Its name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            VcMethod::Reml => "reml",
            VcMethod::He => "he",
        }
    }
}

/// One variance component's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// The kernel's name, or `residual`.
    pub name: String,
    /// Its variance `σ_i²` (per unit of its kernel).
    pub sigma2: f64,
    /// Standard error of `sigma2`.
    pub sigma2_se: f64,
    /// Its share of the phenotypic variance (for the residual: one minus
    /// the kernels' total).
    pub pve: f64,
    /// Standard error of `pve`.
    pub pve_se: f64,
    /// REML held it at zero (the likelihood increases only below zero).
    pub at_boundary: bool,
    /// Mean diagonal of the centred kernel (1 for the residual).
    pub trace_over_n: f64,
}

/// A fitted model with several variance components.
#[derive(Debug, Clone, PartialEq)]
pub struct VcFit {
    /// How it was estimated.
    pub method: VcMethod,
    /// One per kernel, in the order given, then the residual.
    pub components: Vec<Component>,
    /// The kernels' total share of the phenotypic variance.
    pub total_pve: f64,
    /// Its standard error.
    pub total_pve_se: f64,
    /// Restricted log-likelihood at the estimate (GEMMA's constants, as
    /// [`crate::NullModel::loglik`]); `None` for Haseman-Elston.
    pub loglik: Option<f64>,
    /// GLS fixed effects at the estimate (REML; empty for Haseman-Elston).
    pub beta: Vec<f64>,
    /// Their standard errors.
    pub beta_se: Vec<f64>,
    /// AI iterations (0 for Haseman-Elston).
    pub iterations: usize,
    /// Analysed samples.
    pub n: usize,
    /// Columns of the design (intercept included).
    pub n_covariates: usize,
}

impl VcFit {
    /// The residual component (always the last).
    pub fn residual(&self) -> &Component {
        self.components.last().expect("a fit has a residual")
    }

    /// The kernels' components.
    pub fn kernels(&self) -> &[Component] {
        &self.components[..self.components.len() - 1]
    }
}

/// Shares of the phenotypic variance and their delta-method standard
/// errors from the variances `sigma` (kernels then residual), the kernels'
/// mean diagonals `t` and the covariance `cov` of `sigma` (GEMMA's
/// formulas). Returns (pve per kernel, its SE, total, total's SE).
pub(crate) fn shares(sigma: &[f64], t: &[f64], cov: MatRef<'_, f64>) -> (Vec<f64>, Vec<f64>, f64, f64) {
    let m = t.len();
    let e = sigma[m];
    let s: f64 = (0..m).map(|i| t[i] * sigma[i]).sum::<f64>() + e;
    let quad = |g: &[f64]| -> f64 {
        let mut v = 0.0;
        for i in 0..=m {
            for j in 0..=m {
                v += g[i] * g[j] * cov[(i, j)];
            }
        }
        v.max(0.0).sqrt()
    };
    let mut pve = Vec::with_capacity(m);
    let mut pve_se = Vec::with_capacity(m);
    for k in 0..m {
        pve.push(t[k] * sigma[k] / s);
        let g: Vec<f64> = (0..=m)
            .map(|i| {
                if i == k {
                    t[k] * (s - t[k] * sigma[k]) / (s * s)
                } else if i == m {
                    -t[k] * sigma[k] / (s * s)
                } else {
                    -t[i] * t[k] * sigma[k] / (s * s)
                }
            })
            .collect();
        pve_se.push(quad(&g));
    }
    let total = (s - e) / s;
    let g: Vec<f64> = (0..=m)
        .map(|i| if i == m { -(s - e) / (s * s) } else { t[i] * e / (s * s) })
        .collect();
    (pve, pve_se, total, quad(&g))
}

/// Checks the shapes of a fit's inputs: `kernels` non-empty, all `n x n`,
/// `x` with `n` rows and fewer columns than samples, finite `y`.
pub(crate) fn check_inputs(y: &[f64], x: MatRef<'_, f64>, kernels: &[Kernel]) -> Result<()> {
    let n = y.len();
    if kernels.is_empty() {
        return Err(Error::InvalidArgument(
            "a variance-component fit needs at least one kernel".into(),
        ));
    }
    assert!(kernels.iter().all(|k| k.n() == n), "one kernel row per sample");
    assert_eq!(x.nrows(), n, "one design row per sample");
    if n <= x.ncols() + kernels.len() + 1 {
        return Err(Error::Degenerate(format!(
            "{n} samples are too few for {} fixed effects and {} variance components",
            x.ncols(),
            kernels.len() + 1
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::Degenerate(
            "the phenotype has a missing or non-finite value".into(),
        ));
    }
    Ok(())
}
