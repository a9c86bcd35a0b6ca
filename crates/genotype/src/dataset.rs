//! Everything an analysis reads before any statistics: the fileset, the
//! samples kept by `--keep/--remove`, the variants kept by
//! `--extract/--exclude/--chr`, the phenotypes and the covariates, all
//! aligned to `.fam` order.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fileset::Fileset;
use crate::select::{SampleFilter, VariantFilter, VariantSelection};
use crate::table::Table;

/// Which phenotype columns to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhenoSelect {
    /// The K-th column, 1-based (GEMMA's `-n K`; `.fam` column 6 is 1).
    Column(usize),
    /// The column with this header name.
    Name(String),
    /// Every column.
    All,
}

/// Where phenotypes and covariates come from.
#[derive(Debug, Clone)]
pub struct PhenoSpec {
    /// A phenotype table; `None` = the `.fam` columns 6 onwards.
    pub file: Option<PathBuf>,
    /// Which columns.
    pub select: PhenoSelect,
    /// A covariate table (an intercept is always added by the model).
    pub covar: Option<PathBuf>,
}

/// One phenotype aligned to `.fam` order.
#[derive(Debug, Clone)]
pub struct Phenotype {
    /// Column name.
    pub name: String,
    /// Value per `.fam` sample (`None` = missing or absent).
    pub values: Vec<Option<f64>>,
}

/// Inputs of an analysis, aligned to the `.fam`.
#[derive(Debug)]
pub struct Dataset {
    /// The genotype files.
    pub fileset: Fileset,
    /// `.fam` rows kept by the sample lists.
    pub sample_mask: Vec<bool>,
    /// Variants kept by lists and chromosomes (before frequency filters).
    pub variants: VariantSelection,
    /// Selected phenotypes.
    pub phenotypes: Vec<Phenotype>,
    /// Covariate names (after categorical expansion), without the intercept.
    pub covariate_names: Vec<String>,
    /// `covariates[j][s]`: covariate `j` of `.fam` sample `s`.
    pub covariates: Vec<Vec<Option<f64>>>,
    /// `.fam` samples absent from the phenotype table.
    pub n_absent_pheno: usize,
    /// `.fam` samples absent from the covariate table.
    pub n_absent_covar: usize,
}

impl Dataset {
    /// Opens the fileset and applies lists, phenotype and covariate choices.
    ///
    /// # Errors
    /// Those of the readers; `InvalidArgument` for a phenotype column that
    /// does not exist.
    pub fn open(
        prefix: &Path,
        samples: &SampleFilter<'_>,
        variants: &VariantFilter<'_>,
        pheno: &PhenoSpec,
    ) -> Result<Self> {
        let fileset = Fileset::open(prefix)?;
        let sample_mask = samples.apply(&fileset.fam)?;
        let variants = variants.apply(&fileset.variants)?;
        let (table, source) = match &pheno.file {
            Some(p) => (Table::read_phenotypes(p)?, p.display().to_string()),
            None => (Table::from_fam(&fileset.fam), format!("{}.fam", prefix.display())),
        };
        let aligned = table.align(&fileset.fam);
        let pick = |j: usize| Phenotype {
            name: table.names[j].clone(),
            values: aligned.columns[j].clone(),
        };
        let phenotypes = match &pheno.select {
            PhenoSelect::All => (0..table.names.len()).map(pick).collect(),
            PhenoSelect::Column(k) => {
                if *k == 0 || *k > table.names.len() {
                    return Err(Error::InvalidArgument(format!(
                        "phenotype column {k} does not exist: {source} has {} phenotype column(s)",
                        table.names.len()
                    )));
                }
                vec![pick(k - 1)]
            }
            PhenoSelect::Name(name) => {
                let j = table.column_index(name).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "no phenotype named '{name}' in {source} (columns: {})",
                        table.names.join(", ")
                    ))
                })?;
                vec![pick(j)]
            }
        };
        let (covariate_names, covariates, n_absent_covar) = match &pheno.covar {
            Some(p) => {
                let t = Table::read_covariates(p)?;
                let a = t.align(&fileset.fam);
                (t.names, a.columns, a.n_absent)
            }
            None => (Vec::new(), Vec::new(), 0),
        };
        let n_absent_pheno = if pheno.file.is_some() { aligned.n_absent } else { 0 };
        Ok(Self {
            fileset,
            sample_mask,
            variants,
            phenotypes,
            covariate_names,
            covariates,
            n_absent_pheno,
            n_absent_covar,
        })
    }

    /// `.fam` positions analysed for phenotype `k`: kept by the lists, with
    /// the phenotype and every covariate present.
    pub fn analysed_samples(&self, k: usize) -> Vec<u32> {
        let ph = &self.phenotypes[k].values;
        (0..self.fileset.fam.len())
            .filter(|&s| self.sample_mask[s] && ph[s].is_some() && self.covariates.iter().all(|c| c[s].is_some()))
            .map(|s| s as u32)
            .collect()
    }
}
