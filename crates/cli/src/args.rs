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
    /// Test each chromosome against a GRM built without it.
    #[arg(long)]
    pub loco: bool,
    /// Mixed model (default) or ordinary least squares.
    #[arg(long, value_enum, default_value_t = ModelArg::Lmm)]
    pub model: ModelArg,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = AssocFormat::Tsv)]
    pub format: AssocFormat,
    /// Compress the summary statistics (adds .gz).
    #[arg(long)]
    pub gz: bool,
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
