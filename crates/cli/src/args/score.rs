//! `kindred score`: a polygenic score from SNP effects.

use std::path::PathBuf;

use clap::Args;

use super::Common;

/// `kindred score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// PLINK 1 binary fileset prefix of the samples to score.
    #[arg(long, value_name = "PREFIX")]
    pub bfile: PathBuf,
    /// SNP effects: `kindred reml --blup-snp`'s .snpblup.tsv, or any table
    /// whose header names variant_id, effect_allele, other_allele, mean and
    /// effect (the score is the sum of (count - mean) x effect).
    #[arg(long, value_name = "FILE")]
    pub effects: PathBuf,
    /// Score only the samples listed (FID IID per line).
    #[arg(long, value_name = "FILE")]
    pub keep: Option<PathBuf>,
    /// Do not score the samples listed (FID IID per line).
    #[arg(long, value_name = "FILE")]
    pub remove: Option<PathBuf>,
    /// Output prefix: PREFIX.score.tsv (FID IID score), PREFIX.log.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub common: Common,
}
