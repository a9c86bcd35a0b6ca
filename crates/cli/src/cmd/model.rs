//! Flags -> library options: GRM kind and source, arithmetic, likelihood,
//! tests; each flag's meaning is decided here, once.

use std::sync::Arc;

use association::{GrmFileset, GrmSource, Method, Mode, Model, ScanOptions, Search, Tests};
use genotype::Window;
use kinship::{GrmFile, GrmKind, Precision};

use crate::args::{AssocArgs, GrmSource as GrmArgs, Kind, MethodArg, ModelArg, Precision as PrecisionArg, TestArg};

/// The part of the `.bim` an `assoc` tests: `--chunk I/N`, `--range
/// C:A-B`, or `--chr C --from-bp A --to-bp B`; `None` for all of it.
///
/// # Errors
/// A malformed value, or `--from-bp` without exactly one `--chr`.
pub fn window(a: &AssocArgs) -> anyhow::Result<Option<Window>> {
    let w = if let Some(c) = &a.chunk {
        Window::parse_chunk(c)
    } else if let Some(r) = &a.range {
        Window::parse_range(r)
    } else if let (Some(from), Some(to)) = (a.from_bp, a.to_bp) {
        match a.data.input.chr.as_deref() {
            Some([c]) => Window::range(c, from, to).map_err(|e| format!("--from-bp/--to-bp: {e}")),
            _ => Err("--from-bp and --to-bp need exactly one --chr (the region's chromosome)".to_string()),
        }
    } else {
        return Ok(None);
    };
    w.map(Some).map_err(|e| invalid(&e).into())
}

/// The GRM kind a `--kind` value names.
pub fn kind(k: Kind) -> GrmKind {
    match k {
        Kind::Centered => GrmKind::Centered,
        Kind::Standardized => GrmKind::Standardized,
        Kind::Plink => GrmKind::Plink,
        Kind::Gcta => GrmKind::Gcta,
    }
}

/// The GRM's kind and block arithmetic: `--grm-precision` when given, else
/// f32 blocks for the standardized kind (within 1e-6 of GEMMA `-gk 2`,
/// twice the speed: `kinship` tests it) and f64 for the others (the
/// centered kind sums complete hard calls exactly at f32 speed anyway).
pub fn kind_precision(k: Kind, p: Option<PrecisionArg>) -> (GrmKind, Precision) {
    let kind = kind(k);
    let precision = match (p, kind) {
        (Some(p), _) => precision(p),
        (None, GrmKind::Standardized) => Precision::F32,
        (None, _) => Precision::F64,
    };
    (kind, precision)
}

/// The arithmetic a `--grm-precision` / `--scan-precision` value names.
pub fn precision(p: PrecisionArg) -> Precision {
    match p {
        PrecisionArg::F64 => Precision::F64,
        PrecisionArg::F32 => Precision::F32,
    }
}

/// Where the GRM comes from: `--eigen`, `--grm` (GCTA binary when
/// `PREFIX.grm.bin` exists, else a GEMMA text file), or built (from the
/// analysed genotypes, or from `grm_fileset`, the `--grm-bfile` fileset
/// opened by the caller, which also names the fileset an `--eigen` file's
/// GRM was built from).
pub fn grm_source(g: &GrmArgs, grm_fileset: Option<Arc<GrmFileset>>) -> anyhow::Result<GrmSource> {
    if let Some(e) = &g.eigen {
        return Ok(GrmSource::Eigen {
            prefix: e.clone(),
            kind: kind(g.kind),
            grm_fileset,
        });
    }
    if let Some(p) = &g.grm {
        return Ok(GrmSource::File(GrmFile::locate(p)?));
    }
    let (kind, precision) = kind_precision(g.kind, g.grm_precision);
    Ok(match grm_fileset {
        Some(fileset) => GrmSource::BuildFrom {
            fileset,
            kind,
            precision,
        },
        None => GrmSource::Build { kind, precision },
    })
}

/// The likelihood a `--method` names for one GRM (`he` is only for
/// variance components, which `kindred reml` routes before asking).
pub fn method(m: MethodArg) -> Method {
    match m {
        MethodArg::Reml | MethodArg::He => Method::Reml,
        MethodArg::Ml => Method::Ml,
    }
}

/// The tests a `--test` value names.
pub fn tests(t: TestArg) -> Tests {
    match t {
        TestArg::Wald => Tests::WALD,
        TestArg::Lrt => Tests::LRT,
        TestArg::Score => Tests::SCORE,
        TestArg::All => Tests::ALL,
    }
}

/// The scan `kindred assoc`'s flags describe.
///
/// # Errors
/// `--scan-precision` with `--model linear` (nothing is rotated).
pub fn scan(a: &AssocArgs) -> anyhow::Result<Model> {
    let tests = tests(a.test);
    if !(a.r2 > 0.0 && a.r2 <= 1.0) {
        anyhow::bail!(invalid(&format!(
            "--r2 must be in (0, 1] (variants with r² above it against the covariates are skipped), got {}",
            a.r2
        )));
    }
    if a.model == ModelArg::Linear {
        if a.scan_precision.is_some() {
            anyhow::bail!(invalid(
                "--scan-precision does nothing with --model linear: no variant is rotated"
            ));
        }
        return Ok(Model::Linear(tests));
    }
    Ok(Model::Lmm(ScanOptions {
        tests,
        mode: if a.fixed_ratio { Mode::FixedRatio } else { Mode::Exact },
        search: Search::default(),
        r2_max: a.r2,
        rotation: precision(a.scan_precision.unwrap_or(PrecisionArg::F32)),
    }))
}

/// An invalid-option error (exit code 6).
pub fn invalid(msg: &str) -> association::Error {
    association::Error::InvalidArgument(msg.to_string())
}
