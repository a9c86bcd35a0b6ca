//! Flags -> library options: GRM kind and source, arithmetic, likelihood,
//! tests; each flag's meaning is decided here, once.

use std::path::{Path, PathBuf};

use association::{GrmSource, Method, Mode, Model, Options, ScanOptions, Search, Tests};
use genotype::Dataset;
use kinship::{GrmFile, GrmKind, Precision};

use crate::args::{
    AssocArgs, GrmSource as GrmArgs, Kind, MethodArg, ModelArg, ModelData, Precision as PrecisionArg, TestArg,
};
use crate::cmd::{input, par};
use crate::outputs::Outputs;
use crate::runlog::RunLog;
use crate::watch;

/// Claims a model command's outputs: the prefix `out` and any eigen prefix
/// `--write-eigen` names, watching every input file the command reads.
pub fn claim(d: &ModelData, out: &Path, quiet: bool) -> anyhow::Result<Outputs> {
    let inputs = watch::input_files(&d.input, Some(&d.pheno), Some(&d.grm));
    let also: Vec<&Path> = d.grm.write_eigen.iter().map(PathBuf::as_path).collect();
    Outputs::claim(out, &also, &inputs, quiet)
}

/// Opens the dataset (its warnings go to the log) and the options every
/// model command shares: the GRM source, QC, eigen output and threads; the
/// caller sets the likelihood, the scan and LOCO.
pub fn open(d: &ModelData, log: &mut RunLog) -> anyhow::Result<(Dataset, Options)> {
    let ds = input::open(&d.input, &input::pheno_spec(&d.pheno))?;
    for w in input::warnings(&ds) {
        log.warn(w);
    }
    let opts = Options {
        grm: grm_source(&d.grm)?,
        qc: input::qc(&d.input),
        method: Method::Reml,
        scan: None,
        loco: false,
        write_eigen: d.grm.write_eigen.clone(),
        par: par(),
    };
    Ok((ds, opts))
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

/// The arithmetic a `--grm-precision` / `--scan-precision` value names.
pub fn precision(p: PrecisionArg) -> Precision {
    match p {
        PrecisionArg::F64 => Precision::F64,
        PrecisionArg::F32 => Precision::F32,
    }
}

/// Where the GRM comes from: `--eigen`, `--grm` (GCTA binary when
/// `PREFIX.grm.bin` exists, else a GEMMA text file), or built.
pub fn grm_source(g: &GrmArgs) -> anyhow::Result<GrmSource> {
    if let Some(e) = &g.eigen {
        return Ok(GrmSource::Eigen {
            prefix: e.clone(),
            kind: kind(g.kind),
        });
    }
    if let Some(p) = &g.grm {
        return Ok(GrmSource::File(GrmFile::locate(p)?));
    }
    Ok(GrmSource::Build {
        kind: kind(g.kind),
        precision: precision(g.grm_precision),
    })
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
