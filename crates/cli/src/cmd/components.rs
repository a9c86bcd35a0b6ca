//! `kindred reml` with several variance components (`--mgrm`,
//! `--mgrm-chr`, `--random`, `--method he`): the kernels the flags name,
//! one library call, `PREFIX.vc.tsv` and `PREFIX.json`.

use association::components::{fit_components, ComponentsOptions, KernelSource, RemlControl, VcMethod};
use association::output::write_components;
use association::report::ComponentsReport;
use genotype::with_extension;

use crate::args::{MethodArg, RemlArgs};
use crate::cmd::{kernels, model, setup};
use crate::reporter::{Command, LogReporter};
use crate::runlog::RunLog;

/// Fits and reports.
pub fn run(a: &RemlArgs) -> anyhow::Result<()> {
    setup::claim(&a.data, &a.out, a.common.quiet)?.run(|log| body(a, log))
}

fn body(a: &RemlArgs, log: &mut RunLog) -> anyhow::Result<()> {
    refuse_others(a)?;
    let (mut ds, opts) = setup::reml(a, log)?;
    let kernels = kernels::sources(&a.vc, &a.data.grm, &opts.grm, &mut ds, log)?;
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
