//! `kindred simulate`: the fileset, phenotypes and covariates to simulate.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Common;

/// Kinds of simulated relative pairs.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RelationArg {
    /// Full siblings (relatedness 1/2); their parents are not in the output.
    Sibs,
    /// A parent and its child (relatedness 1/2).
    ParentOffspring,
    /// Half siblings (relatedness 1/4).
    HalfSibs,
}

/// `kindred simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Number of samples.
    #[arg(long)]
    pub n_samples: usize,
    /// Number of variants.
    #[arg(long)]
    pub n_variants: usize,
    /// Output prefix (PREFIX.bed/.bim/.fam, PREFIX.pheno.tsv, PREFIX.truth.tsv).
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    /// Random seed: the same seed gives the same files, whatever the thread count.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of subpopulations.
    #[arg(long, default_value_t = 2)]
    pub n_pops: usize,
    /// Fst between subpopulations (Balding-Nichols).
    #[arg(long, default_value_t = 0.05)]
    pub fst: f64,
    /// Fraction of samples that belong to families.
    #[arg(long, default_value_t = 0.3)]
    pub family_fraction: f64,
    /// Number of chromosomes.
    #[arg(long, default_value_t = 10)]
    pub n_chrom: usize,
    /// Rate of missing genotype calls.
    #[arg(long, default_value_t = 0.0)]
    pub missing_rate: f64,
    /// Number of phenotype columns.
    #[arg(long, default_value_t = 1)]
    pub n_phenos: usize,
    /// Heritability of each phenotype.
    #[arg(long, default_value_t = 0.5)]
    pub h2: f64,
    /// Causal variants per phenotype.
    #[arg(long, default_value_t = 100)]
    pub n_causal: usize,
    /// Phenotype mean shift between subpopulations, in phenotypic SDs (stratification).
    #[arg(long, default_value_t = 0.0)]
    pub strat_shift: f64,
    /// Number of extra null phenotypes (polygenic background on a marked set, no causal test variant).
    #[arg(long, default_value_t = 0)]
    pub n_null: usize,
    /// Kinds of family, dealt to families in turn (comma-separated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "sibs,parent-offspring,half-sibs"
    )]
    pub relations: Vec<RelationArg>,
    /// Lowest ancestral allele frequency (ancestral frequencies are uniform on [min, max]).
    #[arg(long, default_value_t = 0.05)]
    pub af_min: f64,
    /// Highest ancestral allele frequency.
    #[arg(long, default_value_t = 0.95)]
    pub af_max: f64,
    /// Number of covariates (standard normal columns in PREFIX.covar.tsv; 0 = no file).
    #[arg(long, default_value_t = 2)]
    pub n_covar: usize,
    /// Phenotypic variance explained by the covariates (genetic + noise variance = 1).
    #[arg(long, default_value_t = 0.1)]
    pub covar_var: f64,
    #[command(flatten)]
    pub common: Common,
}
