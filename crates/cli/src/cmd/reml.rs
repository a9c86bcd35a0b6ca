//! `kindred reml`: null models and heritability for one or more phenotypes.

use association::analysis;
use association::output::write_reml;
use association::report::RemlReport;
use genotype::with_extension;

use crate::args::RemlArgs;
use crate::cmd::setup;
use crate::reporter::{Command, LogReporter};
use crate::runlog::RunLog;

/// Fits and reports.
pub fn run(a: &RemlArgs) -> anyhow::Result<()> {
    setup::claim(&a.data, &a.out, a.common.quiet)?.run(|log| body(a, log))
}

fn body(a: &RemlArgs, log: &mut RunLog) -> anyhow::Result<()> {
    let (ds, opts) = setup::reml(a, log)?;
    log.info(format!("GRM {}", opts.grm.describe()));
    let reporter = LogReporter::new(log, a.common.quiet, Command::Reml);
    let results = analysis::run(&ds, &opts, &reporter)?;
    let path = write_reml(&a.out, &ds, &results)?;
    let report = RemlReport::new(&ds, &results, log.warnings().to_vec());
    crate::memory::write_json_with_peak(&with_extension(&a.out, "json"), &report)?;
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
