//! `kindred reml`: null models and heritability for one or more phenotypes.

use std::path::{Path, PathBuf};

use association::output::{write_json, write_reml};
use association::report::RemlReport;
use association::{analysis, Options};
use genotype::with_extension;

use crate::args::RemlArgs;
use crate::cmd::{input, model, par};
use crate::outputs::Outputs;
use crate::reporter::{Command, LogReporter};
use crate::runlog::RunLog;
use crate::watch;

/// Fits and reports.
pub fn run(a: &RemlArgs) -> anyhow::Result<()> {
    let inputs = watch::input_files(&a.input, Some(&a.pheno), Some(&a.grm));
    let also: Vec<&Path> = a.grm.write_eigen.iter().map(PathBuf::as_path).collect();
    Outputs::claim(&a.out, &also, &inputs, a.common.quiet)?.run(|log| body(a, log))
}

fn body(a: &RemlArgs, log: &mut RunLog) -> anyhow::Result<()> {
    let ds = input::open(&a.input, &input::pheno_spec(&a.pheno))?;
    for w in input::warnings(&ds) {
        log.warn(w);
    }
    let grm = model::grm_source(&a.grm)?;
    log.info(format!("GRM {}", grm.describe()));
    let opts = Options {
        grm,
        qc: input::qc(&a.input),
        method: model::method(a.method),
        scan: None,
        loco: false,
        write_eigen: a.grm.write_eigen.clone(),
        par: par(),
    };
    let reporter = LogReporter::new(log, a.common.quiet, Command::Reml);
    let results = analysis::run(&ds, &opts, &reporter)?;
    let path = write_reml(&a.out, &ds, &results)?;
    let report = RemlReport::new(&ds, &results, log.warnings().to_vec());
    write_json(&with_extension(&a.out, "json"), &report)?;
    if !a.common.quiet {
        println!(
            "{:<16} {:>6} {:>10} {:>10} {:>12} {:>12} {:>12}",
            "phenotype", "n", "pve", "se", "sigma_g2", "sigma_e2", "loglik"
        );
        for r in &results {
            let Some(m) = &r.null else { continue };
            println!(
                "{:<16} {:>6} {:>10.6} {:>10.6} {:>12.6} {:>12.6} {:>12.3}",
                ds.phenotypes[r.phenotype].name, m.n, m.pve, m.pve_se, m.sigma_g2, m.sigma_e2, m.loglik
            );
        }
    }
    log.info(format!("wrote {}", path.display()));
    Ok(())
}
