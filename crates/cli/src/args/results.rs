//! Commands on summary statistics already written: `kindred merge`
//! (gathers scan chunks) and `kindred plot`.

use std::path::PathBuf;

use clap::Args;

use super::Common;

/// `kindred merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The chunks' output prefixes (each --out of `kindred assoc --chunk`).
    #[arg(value_name = "CHUNK")]
    pub chunks: Vec<PathBuf>,
    /// A file listing chunk prefixes, one per line (added to CHUNK...).
    #[arg(long, value_name = "FILE")]
    pub list: Option<PathBuf>,
    /// The fileset the chunks scanned: checks it is the one they record and
    /// that every row is a variant of its .bim, in .bim order, once.
    #[arg(long, value_name = "PREFIX")]
    pub bfile: Option<PathBuf>,
    /// Accept chunks that do not cover the whole .bim (regions): the gaps
    /// are logged instead of refused.
    #[arg(long)]
    pub partial: bool,
    /// Draw no Manhattan and QQ plots (drawn by default).
    #[arg(long)]
    pub no_plots: bool,
    /// Output prefix.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

/// `kindred plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Summary statistics: kindred's .assoc.tsv, GEMMA's .assoc.txt or
    /// PLINK 2's .glm.linear (columns found by name; .gz read too).
    #[arg(long, value_name = "FILE")]
    pub assoc: PathBuf,
    /// Output prefix: PREFIX.manhattan.png/.svg, PREFIX.qq.png/.svg, PREFIX.log.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    /// Caption of both plots (the QQ plot adds lambda_GC).
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    #[command(flatten)]
    pub common: Common,
}
