//! `kindred reml` with several variance components (`--mgrm`,
//! `--mgrm-chr`, `--random`, `--method he`): the kernels the flags name,
//! one library call, `PREFIX.vc.tsv` and `PREFIX.json`.

use std::path::{Path, PathBuf};

use association::components::{fit_components, ComponentsOptions, KernelSource, RemlControl, VcMethod};
use association::output::write_components;
use association::report::ComponentsReport;
use association::GrmSource;
use genotype::{with_extension, Chrom, CovariateValues, Dataset};
use kinship::GrmFile;

use crate::args::{MethodArg, RemlArgs};
use crate::cmd::{model, setup};
use crate::reporter::{Command, LogReporter};
use crate::runlog::RunLog;

/// Fits and reports.
pub fn run(a: &RemlArgs) -> anyhow::Result<()> {
    setup::claim(&a.data, &a.out, a.common.quiet)?.run(|log| body(a, log))
}

fn body(a: &RemlArgs, log: &mut RunLog) -> anyhow::Result<()> {
    refuse_others(a)?;
    let (mut ds, opts) = setup::reml(a, log)?;
    let mut kernels = grm_kernels(a, &opts.grm)?;
    for col in &a.random {
        kernels.push(take_random(&mut ds, col, log)?);
    }
    let method = match a.method {
        MethodArg::He => VcMethod::He,
        _ => VcMethod::Reml,
    };
    let names: Vec<String> = kernels.iter().map(KernelSource::name).collect();
    log.info(format!(
        "{} random effects ({}) and the residual, by {}",
        kernels.len(),
        names.join(", "),
        match method {
            VcMethod::Reml => "AI-REML",
            VcMethod::He => "Haseman-Elston regression",
        }
    ));
    let copts = ComponentsOptions {
        kernels,
        method,
        qc: opts.qc,
        control: RemlControl::default(),
        par: opts.par,
    };
    let reporter = LogReporter::new(log, a.common.quiet, Command::Reml);
    let results = fit_components(&ds, &copts, &reporter)?;
    let path = write_components(&a.out, &ds, &results)?;
    for r in &results {
        for c in r.fit.kernels().iter().filter(|c| c.at_boundary) {
            log.warn(format!(
                "phenotype '{}': the variance of '{}' is held at zero (REML would take it below zero)",
                ds.phenotypes[r.phenotype].name, c.name
            ));
        }
    }
    let report = ComponentsReport::new(&ds, &results, log.warnings().to_vec());
    crate::memory::write_json_with_peak(&with_extension(&a.out, "json"), &report)?;
    if !a.common.quiet {
        println!(
            "{:<16} {:<24} {:>12} {:>12} {:>10} {:>10}",
            "phenotype", "component", "sigma2", "se", "pve", "se"
        );
        for r in &results {
            let name = &ds.phenotypes[r.phenotype].name;
            for c in &r.fit.components {
                println!(
                    "{:<16} {:<24} {:>12.6} {:>12.6} {:>10.6} {:>10.6}",
                    name, c.name, c.sigma2, c.sigma2_se, c.pve, c.pve_se
                );
            }
        }
    }
    log.info(format!("wrote {}", path.display()));
    Ok(())
}

/// Flags that belong to the single-GRM fit.
fn refuse_others(a: &RemlArgs) -> anyhow::Result<()> {
    let other = if a.blup {
        Some("--blup")
    } else if a.loco {
        Some("--loco")
    } else if a.data.grm.write_eigen.is_some() {
        Some("--write-eigen")
    } else if a.method == MethodArg::Ml {
        Some("--method ml")
    } else {
        None
    };
    match other {
        Some(flag) => Err(model::invalid(&format!(
            "{flag} is for one GRM; with several variance components (--mgrm, --mgrm-chr, --random, --method he) \
             only REML or Haseman-Elston estimates are offered"
        ))
        .into()),
        None => Ok(()),
    }
}

/// The GRM kernels: `--mgrm`'s files, `--mgrm-chr`'s chromosome sets, or
/// the one GRM of `--grm` / built from the genotypes.
fn grm_kernels(a: &RemlArgs, grm: &GrmSource) -> anyhow::Result<Vec<KernelSource>> {
    if let Some(list) = &a.mgrm {
        return Ok(read_mgrm(list)?.into_iter().map(KernelSource::File).collect());
    }
    let (kind, precision) = (model::kind(a.data.grm.kind), model::precision(a.data.grm.grm_precision));
    if let Some(sets) = &a.mgrm_chr {
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
        GrmSource::Eigen { .. } => Err(model::invalid(
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
