//! What is read: the fileset and its sample and variant filters, the
//! phenotypes and covariates, and `kindred info`, which describes them.

use std::path::PathBuf;

use clap::Args;

use super::Common;

/// Which genotypes to read and which to keep.
#[derive(Debug, Args)]
pub struct Input {
    /// PLINK 1 binary fileset prefix (PREFIX.bed, PREFIX.bim, PREFIX.fam).
    #[arg(long, value_name = "PREFIX")]
    pub bfile: PathBuf,
    /// Keep only the samples listed (FID IID per line).
    #[arg(long, value_name = "FILE")]
    pub keep: Option<PathBuf>,
    /// Remove the samples listed (FID IID per line).
    #[arg(long, value_name = "FILE")]
    pub remove: Option<PathBuf>,
    /// Keep only the variant IDs listed (one per line).
    #[arg(long, value_name = "FILE")]
    pub extract: Option<PathBuf>,
    /// Drop the variant IDs listed (one per line).
    #[arg(long, value_name = "FILE")]
    pub exclude: Option<PathBuf>,
    /// Keep only these chromosomes (comma-separated, e.g. 1,2,X).
    #[arg(long, value_delimiter = ',')]
    pub chr: Option<Vec<String>>,
    /// Minimum minor allele frequency among analysed samples (GEMMA's default).
    #[arg(long, default_value_t = 0.01)]
    pub maf: f64,
    /// Maximum missing-genotype rate among analysed samples (GEMMA's default).
    #[arg(long, default_value_t = 0.05)]
    pub geno: f64,
}

/// Phenotype and covariate choice.
#[derive(Debug, Args)]
pub struct Pheno {
    /// Phenotype table: FID IID value... (optional header FID IID name...).
    /// Without it, the .fam columns 6 onwards are the phenotypes.
    #[arg(long, value_name = "FILE")]
    pub pheno: Option<PathBuf>,
    /// Analyse the K-th phenotype column, 1-based (.fam column 6 is 1; GEMMA's -n K).
    #[arg(long, value_name = "K", conflicts_with_all = ["pheno_name", "all_phenos"])]
    pub pheno_col: Option<usize>,
    /// Analyse the phenotype column with this header name.
    #[arg(long, value_name = "NAME", conflicts_with = "all_phenos")]
    pub pheno_name: Option<String>,
    /// Analyse every phenotype column.
    #[arg(long)]
    pub all_phenos: bool,
    /// Covariate table: FID IID value... Words become indicator columns.
    /// An intercept is always included; do not add a column of ones.
    #[arg(long, value_name = "FILE")]
    pub covar: Option<PathBuf>,
}

/// `kindred info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub input: Input,
    #[command(flatten)]
    pub pheno: Pheno,
    #[command(flatten)]
    pub common: Common,
}
