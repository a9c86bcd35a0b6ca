//! The random effects the flags `--mgrm`, `--mgrm-chr` and `--random`
//! name, for `kindred reml` (which fits them) and `kindred assoc`/`gwas`
//! (which scan against their fitted combination).

use std::path::{Path, PathBuf};

use association::components::KernelSource;
use association::GrmSource;
use genotype::{Chrom, CovariateValues, Dataset};
use kinship::GrmFile;

use crate::args::{ComponentArgs, GrmSource as GrmArgs};
use crate::cmd::model;
use crate::runlog::RunLog;

/// The kernels, in output order: the GRMs (`--mgrm`'s files,
/// `--mgrm-chr`'s chromosome sets, or the run's one GRM), then each
/// `--random` column, taken out of `ds`'s covariates.
///
/// # Errors
/// As the helpers below: an unreadable list, a bad chromosome set, an
/// eigen file, an unknown column.
pub fn sources(
    vc: &ComponentArgs,
    g: &GrmArgs,
    grm: &GrmSource,
    ds: &mut Dataset,
    log: &mut RunLog,
) -> anyhow::Result<Vec<KernelSource>> {
    let mut kernels = grm_kernels(vc, g, grm)?;
    for col in &vc.random {
        kernels.push(take_random(ds, col, log)?);
    }
    Ok(kernels)
}

/// The GRM kernels: `--mgrm`'s files, `--mgrm-chr`'s chromosome sets, or
/// the one GRM of `--grm` / built from the genotypes.
fn grm_kernels(vc: &ComponentArgs, g: &GrmArgs, grm: &GrmSource) -> anyhow::Result<Vec<KernelSource>> {
    if let Some(list) = &vc.mgrm {
        return Ok(read_mgrm(list)?.into_iter().map(KernelSource::File).collect());
    }
    let (kind, precision) = model::kind_precision(g.kind, g.grm_precision);
    if let Some(sets) = &vc.mgrm_chr {
        return sets
            .iter()
            .map(|s| {
                let chroms = chrom_set(s)?;
                Ok(KernelSource::Build {
                    name: format!("chr{s}"),
                    chroms: Some(chroms),
                    kind,
                    precision,
                })
            })
            .collect();
    }
    match grm {
        GrmSource::File(f) => Ok(vec![KernelSource::File(f.clone())]),
        GrmSource::Build { kind, precision } => Ok(vec![KernelSource::Build {
            name: "grm".into(),
            chroms: None,
            kind: *kind,
            precision: *precision,
        }]),
        GrmSource::BuildFrom { .. } => Err(model::invalid(
            "--grm-bfile with several variance components (--mgrm, --mgrm-chr, --random) is not implemented",
        )
        .into()),
        GrmSource::Eigen { .. } | GrmSource::Matrix(_) => Err(model::invalid(
            "several variance components need the GRMs themselves, not an eigendecomposition: drop --eigen",
        )
        .into()),
    }
}

/// `--mgrm LIST`: one GRM per non-empty line (`#` starts a comment), a
/// GCTA prefix or a GEMMA text file, as `--grm` takes.
fn read_mgrm(list: &Path) -> anyhow::Result<Vec<GrmFile>> {
    let text = std::fs::read_to_string(list)
        .map_err(|e| association::Error::InvalidArgument(format!("{}: cannot read: {e}", list.display())))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        let f = GrmFile::locate(&PathBuf::from(entry))
            .map_err(|e| association::Error::InvalidArgument(format!("{}:{}: {e}", list.display(), i + 1)))?;
        out.push(f);
    }
    if out.is_empty() {
        anyhow::bail!(model::invalid(&format!("{}: lists no GRM", list.display())));
    }
    Ok(out)
}

/// A chromosome set: comma-separated chromosomes or numeric ranges
/// (`1-10`, `11-19,X`).
fn chrom_set(s: &str) -> anyhow::Result<Vec<Chrom>> {
    let bad = || {
        model::invalid(&format!(
            "--mgrm-chr: '{s}' is not a chromosome set such as 1-10 or 11-19,X"
        ))
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
                if a > b {
                    anyhow::bail!(bad());
                }
                out.extend((a..=b).map(|c| Chrom::parse(&c.to_string())));
            }
            None if !part.is_empty() => out.push(Chrom::parse(part)),
            None => anyhow::bail!(bad()),
        }
    }
    Ok(out)
}

/// Takes `--random COL` out of the covariates (it is no longer a fixed
/// effect) and leaves out the samples without a value.
fn take_random(ds: &mut Dataset, col: &str, log: &mut RunLog) -> anyhow::Result<KernelSource> {
    let Some(pos) = ds.covariates.columns.iter().position(|c| c.name == col) else {
        anyhow::bail!(model::invalid(&format!(
            "--random {col}: no such column in the covariate file (columns: {})",
            ds.covariates.names().join(", ")
        )));
    };
    let column = ds.covariates.columns.remove(pos);
    let labels: Vec<Option<String>> = match column.values {
        CovariateValues::Categorical { levels, codes } => {
            codes.iter().map(|c| c.map(|c| levels[c as usize].clone())).collect()
        }
        CovariateValues::Numeric(v) => v.iter().map(|x| x.map(|x| x.to_string())).collect(),
    };
    let mut dropped = 0;
    for (s, l) in labels.iter().enumerate() {
        if l.is_none() && ds.sample_mask[s] {
            ds.sample_mask[s] = false;
            dropped += 1;
        }
    }
    if dropped > 0 {
        log.warn(format!(
            "--random {col}: {dropped} samples without a value are left out"
        ));
    }
    Ok(KernelSource::Groups {
        name: col.to_string(),
        labels,
    })
}
