//! Phenotypes grouped by their analysed samples: phenotypes with the same
//! samples share one GRM, one eigendecomposition and one rotation of every
//! variant block.

use std::collections::HashMap;

use faer::Mat;
use genotype::{Dataset, SampleId};

/// Phenotypes that share their analysed samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `.fam` positions of the analysed samples.
    pub samples: Vec<u32>,
    /// Indices into [`Dataset::phenotypes`].
    pub phenotypes: Vec<usize>,
}

/// Groups the dataset's phenotypes by analysed sample set, in first-seen order.
pub fn groups(ds: &Dataset) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
    for k in 0..ds.phenotypes.len() {
        let s = ds.analysed_samples(k);
        match index.get(&s) {
            Some(&g) => out[g].phenotypes.push(k),
            None => {
                index.insert(s.clone(), out.len());
                out.push(Group {
                    samples: s,
                    phenotypes: vec![k],
                });
            }
        }
    }
    out
}

/// [`groups`] of the phenotypes in `only` (all when `None`); groups left
/// without a phenotype are dropped.
pub(crate) fn selected_groups(ds: &Dataset, only: Option<&[usize]>) -> Vec<Group> {
    let mut out = groups(ds);
    if let Some(only) = only {
        for g in &mut out {
            g.phenotypes.retain(|k| only.contains(k));
        }
        out.retain(|g| !g.phenotypes.is_empty());
    }
    out
}

impl Group {
    /// IDs of the group's samples, in order.
    pub fn ids(&self, ds: &Dataset) -> Vec<SampleId> {
        self.samples
            .iter()
            .map(|&s| ds.samples()[s as usize].id.clone())
            .collect()
    }

    /// Names of the group's phenotypes.
    pub fn names<'d>(&self, ds: &'d Dataset) -> Vec<&'d str> {
        self.phenotypes
            .iter()
            .map(|&k| ds.phenotypes[k].name.as_str())
            .collect()
    }

    /// The design matrix: intercept, then the dataset's covariates expanded
    /// on the group's samples (categorical levels, and the dropped first
    /// level, from these samples only), with their names.
    pub fn design(&self, ds: &Dataset) -> (Mat<f64>, Vec<String>) {
        let (covariate_names, columns) = ds.covariates.expand(&self.samples);
        let w = Mat::<f64>::from_fn(self.samples.len(), columns.len() + 1, |i, j| match j {
            0 => 1.0,
            j => columns[j - 1][i].unwrap_or(f64::NAN),
        });
        let mut names = vec!["intercept".to_string()];
        names.extend(covariate_names);
        (w, names)
    }

    /// Phenotype `k`'s values on the group's samples.
    pub fn values(&self, ds: &Dataset, k: usize) -> Vec<f64> {
        let ph = &ds.phenotypes[k];
        self.samples
            .iter()
            .map(|&s| ph.values[s as usize].unwrap_or(f64::NAN))
            .collect()
    }
}
