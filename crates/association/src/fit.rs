//! Null-model fits of a group's phenotypes: each phenotype and the design
//! rotated into the eigenbasis (or left unrotated for ordinary least
//! squares), then REML / ML.

use faer::{MatRef, Par};
use genotype::Dataset;

use crate::eigen::Eigen;
use crate::error::{Error, Result};
use crate::group::Group;
use crate::likelihood::Method;
use crate::null_model::{fit_null, NullModel, Rotated};
use crate::optimize::Search;

/// One phenotype's fitted null model.
#[derive(Debug, Clone)]
pub struct PhenoFit {
    /// Index into [`Dataset::phenotypes`].
    pub phenotype: usize,
    /// Its data in the eigenbasis.
    pub rot: Rotated,
    /// The fitted null model.
    pub null: NullModel,
}

/// Fits the null model of every phenotype of `group` in the eigenbasis of
/// `eigen` (the group's GRM).
///
/// # Errors
/// `Degenerate` for a constant phenotype, collinear covariates or too few
/// samples; `NoConvergence` when the likelihood cannot be evaluated. Both
/// name the phenotype.
pub fn fit_group(
    ds: &Dataset,
    group: &Group,
    eigen: &Eigen,
    method: Method,
    search: &Search,
    par: Par,
) -> Result<Vec<PhenoFit>> {
    fit_each(ds, group, method, search, |w, names, y| {
        Rotated::new(eigen, w, names, y, par)
    })
}

/// Null fits for ordinary least squares (no GRM).
///
/// # Errors
/// As [`fit_group`].
pub fn fit_linear(ds: &Dataset, group: &Group) -> Result<Vec<PhenoFit>> {
    fit_each(ds, group, Method::Ml, &Search::default(), Rotated::unrotated)
}

/// Fits every phenotype of `group`, with `rotate` turning its design and
/// phenotype into a [`Rotated`]; errors name the phenotype.
fn fit_each(
    ds: &Dataset,
    group: &Group,
    method: Method,
    search: &Search,
    rotate: impl Fn(MatRef<'_, f64>, &[String], &[f64]) -> Result<Rotated>,
) -> Result<Vec<PhenoFit>> {
    let (w, names) = group.design(ds);
    group
        .phenotypes
        .iter()
        .map(|&k| {
            let name = &ds.phenotypes[k].name;
            let y = group.values(ds, k);
            let rot = rotate(w.as_ref(), &names, &y).map_err(|e| with_pheno(e, name))?;
            let null = fit_null(&rot, method, search).map_err(|e| with_pheno(e, name))?;
            Ok(PhenoFit {
                phenotype: k,
                rot,
                null,
            })
        })
        .collect()
}

pub(crate) fn with_pheno(e: Error, name: &str) -> Error {
    match e {
        Error::Degenerate(m) => Error::Degenerate(format!("phenotype '{name}': {m}")),
        Error::NoConvergence(m) => Error::NoConvergence(format!("phenotype '{name}': {m}")),
        other => other,
    }
}
