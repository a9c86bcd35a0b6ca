//! Flag -> library-type conversions shared by grm, reml, assoc and gwas.

use std::path::Path;

use association::pipeline::GrmInput;
use association::{Method, Tests};
use kinship::{GrmKind, Precision};

use crate::args::{GrmSource, Kind, MethodArg, Precision as PrecisionArg, TestArg};

/// The GRM kind a `--kind` value names.
pub fn kind(k: Kind) -> GrmKind {
    match k {
        Kind::Centered => GrmKind::Centered,
        Kind::Standardized => GrmKind::Standardized,
        Kind::Plink => GrmKind::Plink,
        Kind::Gcta => GrmKind::Gcta,
    }
}

/// The arithmetic a `--precision` value names.
pub fn precision(p: PrecisionArg) -> Precision {
    match p {
        PrecisionArg::F64 => Precision::F64,
        PrecisionArg::F32 => Precision::F32,
    }
}

/// Where the GRM comes from: `--eigen`, `--grm` (GCTA binary when
/// `PREFIX.grm.bin` exists, else a GEMMA text file), or built.
pub fn grm_input(g: &GrmSource) -> anyhow::Result<GrmInput<'_>> {
    if let Some(e) = &g.eigen {
        return Ok(GrmInput::Eigen(e));
    }
    if let Some(p) = &g.grm {
        if kinship::format::gcta::exists(p) {
            return Ok(GrmInput::Gcta(p));
        }
        if Path::new(p).is_file() {
            return Ok(GrmInput::Gemma(p));
        }
        anyhow::bail!(
            "--grm {}: neither {}.grm.bin (GCTA / PLINK 2 / kindred) nor a GEMMA text file of that name exists",
            p.display(),
            p.display()
        );
    }
    Ok(GrmInput::Build {
        kind: kind(g.kind),
        precision: Precision::F64,
    })
}

/// A human description of the GRM source, for logs.
pub fn describe(g: &GrmInput<'_>) -> String {
    match g {
        GrmInput::Build { kind, .. } => format!("built from the genotypes ({} kind)", kind.name()),
        GrmInput::Gcta(p) => format!("read from {}.grm.bin (GCTA format)", p.display()),
        GrmInput::Gemma(p) => format!("read from {} (GEMMA format)", p.display()),
        GrmInput::Eigen(p) => format!("eigendecomposition read from {}.eigen.bin", p.display()),
    }
}

/// The likelihood a `--method` names.
pub fn method(m: MethodArg) -> Method {
    match m {
        MethodArg::Reml => Method::Reml,
        MethodArg::Ml => Method::Ml,
    }
}

/// The tests a `--test` value names.
pub fn tests(t: TestArg) -> Tests {
    match t {
        TestArg::Wald => Tests::WALD,
        TestArg::Lrt => Tests {
            wald: false,
            lrt: true,
            score: false,
        },
        TestArg::Score => Tests {
            wald: false,
            lrt: false,
            score: true,
        },
        TestArg::All => Tests::ALL,
    }
}
