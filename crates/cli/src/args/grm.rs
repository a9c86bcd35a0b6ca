//! The GRM: its kinds, where it comes from (built, a GRM file or an
//! eigendecomposition), the arithmetic of its multiply, and `kindred grm`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Common, Input};

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
    /// Build K from this PLINK 1 fileset's genotypes instead of the
    /// analysed ones (e.g. scan imputed --bgen dosages, K from the
    /// hard-called array .bed): samples matched by FID and IID, only those
    /// in both analysed; its variants pass --maf/--geno on them (--chr,
    /// --extract, --exclude and --min-info apply to the scanned genotypes
    /// only). With --eigen: the fileset that eigendecomposition's GRM was
    /// built from. Not with --grm, --loco, --mgrm/--mgrm-chr/--random.
    #[arg(long, value_name = "PREFIX")]
    pub grm_bfile: Option<PathBuf>,
    /// How to build the GRM when none is given.
    #[arg(long, value_enum, default_value_t = Kind::Centered)]
    pub kind: Kind,
    /// Write the eigendecomposition (PREFIX.eigen.bin + PREFIX.eigen.id) for later --eigen.
    #[arg(long, value_name = "PREFIX")]
    pub write_eigen: Option<PathBuf>,
    /// Arithmetic of the GRM block multiply when the GRM is built (not with
    /// --grm or --eigen). Default: f32 blocks for --kind standardized
    /// (within 1e-6 of GEMMA -gk 2 at twice the speed), f64 otherwise (the
    /// centered kind sums hard calls exactly at f32 speed anyway).
    #[arg(long, value_enum, conflicts_with_all = ["grm", "eigen"])]
    pub grm_precision: Option<Precision>,
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
    /// Arithmetic of the block multiply. Default: f32 blocks for --kind
    /// standardized (within 1e-6 of GEMMA -gk 2 at twice the speed), f64
    /// otherwise.
    #[arg(long, value_enum)]
    pub grm_precision: Option<Precision>,
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
