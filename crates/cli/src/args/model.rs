//! The mixed model's commands: what a null model is fitted to, `kindred
//! reml` and the scans of `kindred assoc` and `kindred gwas`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Common, GrmSource, Input, Pheno, Precision};

/// Likelihood maximised for the null model.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MethodArg {
    /// Restricted maximum likelihood.
    Reml,
    /// Maximum likelihood.
    Ml,
    /// Haseman-Elston regression of the variance components (GEMMA -vc 1):
    /// moments, no likelihood, no matrix inversion.
    He,
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

/// Several variance components, shared by `reml` (which fits them) and
/// `assoc`/`gwas` (which test each variant against the fitted covariance).
#[derive(Debug, Args)]
pub struct ComponentArgs {
    /// Several GRMs, each its own variance component: a file listing one
    /// GRM per line (a GCTA prefix or a GEMMA text file, as --grm takes),
    /// fitted by AI-REML (reml: or --method he; writes PREFIX.vc.tsv).
    #[arg(long, value_name = "LIST", conflicts_with_all = ["grm", "eigen", "mgrm_chr"])]
    pub mgrm: Option<PathBuf>,
    /// Several GRMs built here, one per chromosome set, each its own
    /// variance component: e.g. --mgrm-chr 1-10 11-19,X.
    #[arg(long, value_name = "SET", num_args = 1.., conflicts_with_all = ["grm", "eigen"])]
    pub mgrm_chr: Option<Vec<String>>,
    /// A grouping column of --covar (cage, litter, batch, site) fitted as a
    /// random effect (its indicator kernel) beside the GRM(s), instead of
    /// as a fixed covariate; repeat for several. Samples without a value
    /// are left out.
    #[arg(long, value_name = "COL", requires = "covar")]
    pub random: Vec<String>,
}

impl ComponentArgs {
    /// Whether any of the flags asks for several variance components.
    pub fn any(&self) -> bool {
        self.mgrm.is_some() || self.mgrm_chr.is_some() || !self.random.is_empty()
    }
}

/// `kindred reml`.
#[derive(Debug, Args)]
pub struct RemlArgs {
    #[command(flatten)]
    pub data: ModelData,
    /// REML (default), ML, or Haseman-Elston regression (he: variance
    /// components by moments, GEMMA -vc 1).
    #[arg(long, value_enum, default_value_t = MethodArg::Reml)]
    pub method: MethodArg,
    #[command(flatten)]
    pub vc: ComponentArgs,
    /// With --write-eigen: also write one eigendecomposition per chromosome
    /// left out (PREFIX.loco.CHR.eigen.*), for `assoc --loco --eigen`.
    #[arg(long, requires = "write_eigen")]
    pub loco: bool,
    /// With --loco: write only these chromosomes' LOCO decompositions (and
    /// not the whole-genome one), so that a workflow runs one job per
    /// chromosome.
    #[arg(long, value_name = "CHR", value_delimiter = ',', requires = "loco")]
    pub loco_chr: Option<Vec<String>>,
    /// Also predict each sample's genetic value (BLUP) with its prediction
    /// error variance and reliability, samples without a phenotype from
    /// their relatives: PREFIX.blup.tsv (PREFIX.NAME.blup.tsv for several
    /// phenotypes).
    #[arg(long)]
    pub blup: bool,
    /// With --blup: also back-solve SNP effects per copy of A1
    /// (PREFIX.snpblup.tsv), the input of `kindred score`.
    #[arg(long, requires = "blup")]
    pub blup_snp: bool,
    /// Output prefix (PREFIX.reml.tsv, PREFIX.json, PREFIX.log).
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

impl RemlArgs {
    /// Whether the run fits several variance components (`--mgrm`,
    /// `--mgrm-chr`, `--random`) or Haseman-Elston, rather than one GRM.
    pub fn components(&self) -> bool {
        self.vc.any() || self.method == MethodArg::He
    }
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

/// The variance ratio of a LOCO scan's chromosomes.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LocoRatioArg {
    /// Re-estimated against each chromosome's GRM.
    Chromosome,
    /// The whole-genome null model's (fixed-ratio scans).
    Genome,
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
    #[command(flatten)]
    pub vc: ComponentArgs,
    /// Test each chromosome against a GRM built without it (or read from
    /// the LOCO eigen files of --eigen).
    #[arg(long)]
    pub loco: bool,
    /// With --loco --fixed-ratio: the variance ratio each chromosome is
    /// tested at. `chromosome` re-estimates it against each chromosome's
    /// GRM (FaST-LMM; a few Cholesky factorisations per chromosome);
    /// `genome` keeps the whole-genome null model's (BOLT-LMM, REGENIE; one
    /// factorisation per chromosome).
    #[arg(long, value_enum, default_value_t = LocoRatioArg::Chromosome, requires = "loco")]
    pub loco_ratio: LocoRatioArg,
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
    /// comparison, which also decomposes the GRM wholly in f64; from 2048
    /// samples on the default finds its largest eigenpairs in f64 and the
    /// rest in f32). Model fits are always f64. Not with --model linear
    /// (nothing is rotated).
    #[arg(long, value_enum)]
    pub scan_precision: Option<Precision>,
    /// Output prefix.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub common: Common,
}
