//! The summary of `kindred reml` with several variance components.

use genotype::Dataset;
use serde::{Deserialize, Serialize};

use super::SCHEMA_VERSION;

/// One variance component in [`ComponentsReport`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComponentReport {
    /// Kernel name, or `residual`.
    pub name: String,
    /// Variance per unit of its kernel.
    pub sigma2: f64,
    /// Its standard error.
    pub sigma2_se: f64,
    /// Share of the phenotypic variance (GEMMA's trace-scaled definition).
    pub pve: f64,
    /// Its standard error.
    pub pve_se: f64,
    /// REML held it at zero.
    pub at_boundary: bool,
    /// Variants in the kernel (a GRM), when known.
    pub n_variants: Option<usize>,
    /// Levels of a grouping kernel among the analysed samples.
    pub n_levels: Option<usize>,
}

/// One phenotype's fit in [`ComponentsReport`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComponentsPhenotype {
    /// Phenotype name.
    pub name: String,
    /// Analysed samples.
    pub n: usize,
    /// Covariates, intercept included.
    pub n_covariates: usize,
    /// `reml` or `he`.
    pub method: String,
    /// The kernels, then the residual.
    pub components: Vec<ComponentReport>,
    /// The kernels' total share.
    pub total_pve: f64,
    /// Its standard error.
    pub total_pve_se: f64,
    /// REML log-likelihood (none for Haseman-Elston).
    pub loglik_reml: Option<f64>,
    /// GLS fixed effects (REML), intercept first.
    pub beta: Vec<f64>,
    /// Their standard errors.
    pub beta_se: Vec<f64>,
    /// AI-REML iterations.
    pub iterations: usize,
    /// Seconds building or reading the kernels of its sample set.
    pub kernel_seconds: f64,
    /// Seconds fitting.
    pub fit_seconds: f64,
}

/// `kindred reml`'s summary with several variance components.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComponentsReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `reml`.
    pub command: String,
    /// Fits in phenotype-column order.
    pub phenotypes: Vec<ComponentsPhenotype>,
    /// Warnings of the run.
    pub warnings: Vec<String>,
}

impl ComponentsReport {
    /// The summary of variance-component fits.
    pub fn new(ds: &Dataset, results: &[crate::components::ComponentsResult], warnings: Vec<String>) -> Self {
        let phenotypes = results
            .iter()
            .map(|r| {
                let f = &r.fit;
                let components = f
                    .components
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ComponentReport {
                        name: c.name.clone(),
                        sigma2: c.sigma2,
                        sigma2_se: c.sigma2_se,
                        pve: c.pve,
                        pve_se: c.pve_se,
                        at_boundary: c.at_boundary,
                        n_variants: r.n_variants.get(i).copied().flatten(),
                        n_levels: r.n_levels.get(i).copied().flatten(),
                    })
                    .collect();
                ComponentsPhenotype {
                    name: ds.phenotypes[r.phenotype].name.clone(),
                    n: f.n,
                    n_covariates: f.n_covariates,
                    method: f.method.name().into(),
                    components,
                    total_pve: f.total_pve,
                    total_pve_se: f.total_pve_se,
                    loglik_reml: f.loglik,
                    beta: f.beta.clone(),
                    beta_se: f.beta_se.clone(),
                    iterations: f.iterations,
                    kernel_seconds: r.kernel_seconds,
                    fit_seconds: r.fit_seconds,
                }
            })
            .collect();
        Self {
            schema_version: SCHEMA_VERSION,
            command: "reml".into(),
            phenotypes,
            warnings,
        }
    }
}
