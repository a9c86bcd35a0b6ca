//! Command-line flags (clap). Values are checked here only for form; the
//! commands turn them into library types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

/// GRM kinds.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Kind {
    /// GEMMA -gk 1: centered genotypes.
    Centered,
    /// GEMMA -gk 2: genotypes centered and scaled to unit variance.
    Standardized,
    /// PLINK 2 --make-rel / --make-grm-bin: (x - 2p) / sqrt(2p(1-p)), diagonal z'z / M.
    Plink,
    /// GCTA --make-grm: as plink, with GCTA's diagonal and per-pair counts of observed variants.
    Gcta,
}

/// Where the GRM comes from.
#[derive(Debug, Args)]
pub struct GrmSource {
    /// Reuse a GRM: PREFIX.grm.bin (GCTA / PLINK 2 / kindred) or a GEMMA .cXX.txt/.sXX.txt file.
    #[arg(long, value_name = "PREFIX", conflicts_with = "eigen")]
    pub grm: Option<PathBuf>,
    /// Reuse an eigendecomposition written by --write-eigen.
    #[arg(long, value_name = "PREFIX")]
    pub eigen: Option<PathBuf>,
    /// How to build the GRM when none is given.
    #[arg(long, value_enum, default_value_t = Kind::Centered)]
    pub kind: Kind,
    /// Write the eigendecomposition (PREFIX.eigen.bin + PREFIX.eigen.id) for later --eigen.
    #[arg(long, value_name = "PREFIX")]
    pub write_eigen: Option<PathBuf>,
    /// Arithmetic of the GRM block multiply when the GRM is built (not with
    /// --grm or --eigen).
    #[arg(long, value_enum, default_value_t = Precision::F64, conflicts_with_all = ["grm", "eigen"])]
    pub grm_precision: Precision,
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

/// GRM output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GrmFormat {
    /// GCTA binary: PREFIX.grm.bin, PREFIX.grm.N.bin, PREFIX.grm.id.
    Gcta,
    /// GEMMA text: PREFIX.cXX.txt (centered) or PREFIX.sXX.txt (standardized).
    Gemma,
}

/// Floating-point width of a matrix multiply (`--grm-precision`: the GRM
/// blocks; `--scan-precision`: the rotation of variant blocks).
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Precision {
    /// f64 throughout.
    F64,
    /// f32 inputs and products, results carried on in f64 (faster).
    F32,
}

/// `kindred grm`.
#[derive(Debug, Args)]
pub struct GrmArgs {
    #[command(flatten)]
    pub input: Input,
    /// GRM kind.
    #[arg(long, value_enum, default_value_t = Kind::Centered)]
    pub kind: Kind,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GrmFormat::Gcta)]
    pub format: GrmFormat,
    /// Also write one GRM per chromosome left out (PREFIX.loco.CHR.*), from the same pass.
    #[arg(long)]
    pub loco: bool,
    /// Arithmetic of the block multiply.
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    pub grm_precision: Precision,
    /// Samples whose phenotype decides the GEMMA SNP filter (.fam column K);
    /// 0 = filter on all samples.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub qc_pheno_col: usize,
    /// Output prefix.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

/// Likelihood maximised for the null model.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MethodArg {
    /// Restricted maximum likelihood.
    Reml,
    /// Maximum likelihood.
    Ml,
}

/// What a null model is fitted to, shared by `reml`, `assoc` and `gwas`:
/// the genotypes and their filters, the phenotypes and covariates, and where
/// K comes from.
#[derive(Debug, Args)]
pub struct ModelData {
    #[command(flatten)]
    pub input: Input,
    #[command(flatten)]
    pub pheno: Pheno,
    #[command(flatten)]
    pub grm: GrmSource,
}

/// `kindred reml`.
#[derive(Debug, Args)]
pub struct RemlArgs {
    #[command(flatten)]
    pub data: ModelData,
    /// REML (default) or ML.
    #[arg(long, value_enum, default_value_t = MethodArg::Reml)]
    pub method: MethodArg,
    /// With --write-eigen: also write one eigendecomposition per chromosome
    /// left out (PREFIX.loco.CHR.eigen.*), for `assoc --loco --eigen`.
    #[arg(long, requires = "write_eigen")]
    pub loco: bool,
    /// With --loco: write only these chromosomes' LOCO decompositions (and
    /// not the whole-genome one), so that a workflow runs one job per
    /// chromosome.
    #[arg(long, value_name = "CHR", value_delimiter = ',', requires = "loco")]
    pub loco_chr: Option<Vec<String>>,
    /// Output prefix (PREFIX.reml.tsv, PREFIX.json, PREFIX.log).
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

/// Per-variant tests.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TestArg {
    /// Wald test, lambda re-estimated by REML per variant (GEMMA -lmm 1).
    Wald,
    /// Likelihood-ratio test, ML lambda (GEMMA -lmm 2).
    Lrt,
    /// Score test at the null lambda (GEMMA -lmm 3).
    Score,
    /// All three (GEMMA -lmm 4).
    All,
}

/// Model of the scan.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ModelArg {
    /// Linear mixed model.
    Lmm,
    /// Ordinary least squares, same covariates (no GRM).
    Linear,
}

/// Summary-statistics layouts.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AssocFormat {
    /// GWAS-SSF-style tab-separated columns.
    Tsv,
    /// GEMMA's .assoc.txt columns.
    Gemma,
}

/// `kindred assoc` and `kindred gwas`.
#[derive(Debug, Args)]
pub struct AssocArgs {
    #[command(flatten)]
    pub data: ModelData,
    /// Which test(s).
    #[arg(long, value_enum, default_value_t = TestArg::Wald)]
    pub test: TestArg,
    /// Reuse the null model's lambda for every variant (EMMAX / FaST-LMM style).
    #[arg(long)]
    pub fixed_ratio: bool,
    /// Test each chromosome against a GRM built without it (or read from
    /// the LOCO eigen files of --eigen).
    #[arg(long)]
    pub loco: bool,
    /// Test only the I-th of N slices of the .bim, of equal variant counts
    /// (e.g. 3/8); the GRM and null model still use every variant, so the
    /// rows are exactly those of one run over the whole fileset.
    #[arg(long, value_name = "I/N", conflicts_with_all = ["range", "from_bp", "to_bp"])]
    pub chunk: Option<String>,
    /// Test only the variants of a region, CHR:FROM-TO in base pairs
    /// (inclusive); the GRM and null model use every variant.
    #[arg(long, value_name = "CHR:FROM-TO", conflicts_with_all = ["from_bp", "to_bp"])]
    pub range: Option<String>,
    /// With --chr C and --to-bp: the region's first base pair (as --range
    /// C:FROM-TO; --chr then names the region, not a filter of the GRM).
    #[arg(long, value_name = "BP", requires = "to_bp")]
    pub from_bp: Option<i64>,
    /// With --chr C and --from-bp: the region's last base pair.
    #[arg(long, value_name = "BP", requires = "from_bp")]
    pub to_bp: Option<i64>,
    /// Mixed model (default) or ordinary least squares.
    #[arg(long, value_enum, default_value_t = ModelArg::Lmm)]
    pub model: ModelArg,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = AssocFormat::Tsv)]
    pub format: AssocFormat,
    /// Compress the summary statistics as BGZF (adds .gz), with a tabix
    /// index (.tbi) for the GWAS-SSF layout.
    #[arg(long)]
    pub gz: bool,
    /// Genome assembly of the positions (e.g. GRCh38), for the GWAS-SSF
    /// metadata; a non-human assembly keeps the .bim's chromosome codes.
    #[arg(long, value_name = "BUILD")]
    pub genome_build: Option<String>,
    /// Trait description for the metadata (default: the phenotype's name).
    #[arg(long, value_name = "TEXT")]
    pub trait_description: Option<String>,
    /// Sample ancestry for the metadata (e.g. European).
    #[arg(long, value_name = "TEXT")]
    pub ancestry: Option<String>,
    /// Genotyping technology for the metadata (e.g. "Genome-wide genotyping array").
    #[arg(long, value_name = "TEXT")]
    pub genotyping_technology: Option<String>,
    /// Draw no Manhattan and QQ plots (`gwas` draws them by default).
    #[arg(long)]
    pub no_plots: bool,
    /// Skip variants whose r^2 with the covariates exceeds this (GEMMA's -r2).
    #[arg(long, default_value_t = 0.9999)]
    pub r2: f64,
    /// Arithmetic of the variant rotation Uᵀx, the scan's dominant cost:
    /// f32 (the default: twice the multiply rate; p-values within ~5e-6 in
    /// log10 of f64's) or f64 (GEMMA's arithmetic, for digit-by-digit
    /// comparison). Eigendecomposition and model fits are always f64. Not
    /// with --model linear (nothing is rotated).
    #[arg(long, value_enum)]
    pub scan_precision: Option<Precision>,
    /// Output prefix.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

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
