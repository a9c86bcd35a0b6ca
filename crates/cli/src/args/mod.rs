//! Command-line flags (clap). Values are checked here only for form; the
//! commands turn them into library types.
//!
//! Modules by command: `input` (the fileset, phenotypes and covariates;
//! `info`), `grm` (the GRM's source and kind; `grm`), `model` (`reml`,
//! `assoc`, `gwas`), `simulate`, `results` (`merge`, `plot`), `score`; `plan` takes
//! the flags of the command it estimates.

mod grm;
mod input;
mod model;
mod results;
mod score;
mod simulate;

use clap::{Args, Parser, Subcommand};

pub use grm::{GrmArgs, GrmFormat, GrmSource, Kind, Precision};
pub use input::{InfoArgs, Input, Pheno};
pub use model::{
    AssocArgs, AssocFormat, ComponentArgs, LocoRatioArg, MethodArg, ModelArg, ModelData, RemlArgs, TestArg,
};
pub use results::{MergeArgs, PlotArgs};
pub use score::ScoreArgs;
pub use simulate::{RelationArg, SimulateArgs};

/// kindred: genome-wide association studies with linear mixed models.
#[derive(Debug, Parser)]
#[command(name = "kindred", version, about, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// `--threads` of whichever subcommand was given (0 = all cores).
    pub fn threads(&self) -> usize {
        match &self.command {
            Command::Info(a) => a.common.threads,
            Command::Simulate(a) => a.common.threads,
            Command::Grm(a) => a.common.threads,
            Command::Reml(a) => a.common.threads,
            Command::Assoc(a) => a.common.threads,
            Command::Gwas(a) => a.common.threads,
            Command::Merge(a) => a.common.threads,
            Command::Plan(a) => a.common().threads,
            Command::Plot(a) => a.common.threads,
            Command::Score(a) => a.common.threads,
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Describe a PLINK fileset: samples, variants, chromosomes, phenotypes, missingness.
    Info(InfoArgs),
    /// Simulate genotypes with structure and relatedness, and phenotypes with known truth.
    Simulate(SimulateArgs),
    /// Build the genomic relationship matrix (GRM).
    Grm(GrmArgs),
    /// Fit the null linear mixed model by REML and report heritability.
    Reml(RemlArgs),
    /// Test every variant with the linear mixed model.
    Assoc(AssocArgs),
    /// GRM, REML and the association scan in one command.
    Gwas(AssocArgs),
    /// Gather the summary statistics of scan chunks (--chunk, --range) into one.
    Merge(MergeArgs),
    /// Estimate the memory and work of a grm, reml, assoc or gwas command
    /// without running it (e.g. `kindred plan assoc --bfile P ... --out Q`).
    Plan(PlanArgs),
    /// Draw Manhattan and QQ plots (PNG and SVG) of summary statistics:
    /// kindred's, GEMMA's .assoc.txt or PLINK 2's .glm.linear.
    Plot(PlotArgs),
    /// Apply SNP effects (`reml --blup-snp`) to the samples of a fileset:
    /// a polygenic score, variants matched by ID and alleles.
    Score(ScoreArgs),
}

/// Flags every command has.
#[derive(Debug, Args)]
pub struct Common {
    /// Worker threads (0 = one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bars and no terminal summary.
    #[arg(long)]
    pub quiet: bool,
    /// Refuse to start, with the estimate (exit code 1), when the run would
    /// need more than MB megabytes (10^6 bytes) of memory at its peak
    /// (grm, reml, assoc, gwas; `kindred plan` prints the estimate).
    #[arg(long, value_name = "MB")]
    pub memory: Option<u64>,
}

/// `kindred plan`: the command to estimate, with its flags.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// One JSON object on stdout instead of `key=value` lines.
    #[arg(long)]
    pub json: bool,
    /// The command whose memory and work to estimate.
    #[command(subcommand)]
    pub command: Planned,
}

impl PlanArgs {
    /// The common flags of the planned command.
    pub fn common(&self) -> &Common {
        match &self.command {
            Planned::Grm(a) => &a.common,
            Planned::Reml(a) => &a.common,
            Planned::Assoc(a) | Planned::Gwas(a) => &a.common,
        }
    }
}

/// The commands `kindred plan` estimates, with exactly their flags.
#[derive(Debug, Subcommand)]
pub enum Planned {
    /// `kindred grm ...`.
    Grm(GrmArgs),
    /// `kindred reml ...`.
    Reml(RemlArgs),
    /// `kindred assoc ...`.
    Assoc(AssocArgs),
    /// `kindred gwas ...`.
    Gwas(AssocArgs),
}
