//! What is read: the fileset and its sample and variant filters, the
//! phenotypes and covariates, and `kindred info`, which describes them.

use std::path::PathBuf;

use clap::Args;

use super::Common;

/// Which genotypes to read and which to keep. Exactly one genotype source:
/// `--bfile`, `--bgen`, `--pfile` or `--bimbam`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("genotypes").required(true).args(["bfile", "bgen", "pfile", "bimbam"]))]
pub struct Input {
    /// PLINK 1 binary fileset prefix (PREFIX.bed, PREFIX.bim, PREFIX.fam).
    #[arg(long, value_name = "PREFIX")]
    pub bfile: Option<PathBuf>,
    /// BGEN v1.2/v1.3 file of dosages (the first allele's dosage is tested).
    #[arg(long, value_name = "FILE")]
    pub bgen: Option<PathBuf>,
    /// Oxford .sample file naming the BGEN's samples (wins over the IDs
    /// stored in the .bgen).
    #[arg(long, value_name = "FILE", requires = "bgen")]
    pub sample: Option<PathBuf>,
    /// PLINK 2 fileset prefix (PREFIX.pgen, PREFIX.pvar or .pvar.zst,
    /// PREFIX.psam); ALT dosages are tested.
    #[arg(long, value_name = "PREFIX")]
    pub pfile: Option<PathBuf>,
    /// BIMBAM mean-genotype file (GEMMA's -g; gzipped or not).
    #[arg(long, value_name = "FILE", requires = "bimbam_pheno")]
    pub bimbam: Option<PathBuf>,
    /// BIMBAM phenotype file (GEMMA's -p): one line per sample, column K
    /// is --pheno-col K.
    #[arg(long, value_name = "FILE", requires = "bimbam")]
    pub bimbam_pheno: Option<PathBuf>,
    /// BIMBAM annotation file (GEMMA's -a): rsid, position, chromosome.
    #[arg(long, value_name = "FILE", requires = "bimbam")]
    pub bimbam_anno: Option<PathBuf>,
    /// Drop imputed variants whose quality on the analysed samples is
    /// below X: IMPUTE2 info for BGEN, MACH r2 for PGEN and BIMBAM (which
    /// store no genotype probabilities). Not for --bfile.
    #[arg(long, value_name = "X")]
    pub min_info: Option<f64>,
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
