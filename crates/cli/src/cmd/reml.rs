//! `kindred reml`: null models and heritability for one or more phenotypes.

use association::analysis;
use association::analysis::PhenotypeResult;
use association::output::{phenotype_path, write_blup, write_reml, write_snp_blup};
use association::report::RemlReport;
use genotype::{with_extension, Dataset};

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
    write_blups(a, &ds, &results, log)?;
    let mut report = RemlReport::new(&ds, &results, log.warnings().to_vec());
    report.grm_fileset = opts.grm.grm_fileset().map(|f| f.fingerprint().clone());
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

/// `--blup`'s files, one (or two, with `--blup-snp`) per phenotype.
fn write_blups(a: &RemlArgs, ds: &Dataset, results: &[PhenotypeResult], log: &mut RunLog) -> anyhow::Result<()> {
    let several = results.len() > 1;
    for r in results {
        let Some(b) = &r.blup else { continue };
        let name = &ds.phenotypes[r.phenotype].name;
        if let Some(why) = &b.skipped {
            log.warn(format!("phenotype '{name}': {why}"));
        }
        let predicted = b.rows.iter().filter(|r| !r.observed).count();
        let path = phenotype_path(&a.out, name, several, "blup.tsv");
        write_blup(&path, ds, r.phenotype, b)?;
        log.info(format!(
            "phenotype '{name}': genetic values of {} analysed samples and {predicted} predicted from relatives; wrote {}",
            b.rows.len() - predicted,
            path.display()
        ));
        if a.blup_snp {
            let path = phenotype_path(&a.out, name, several, "snpblup.tsv");
            write_snp_blup(&path, ds, b)?;
            log.info(format!(
                "phenotype '{name}': {} SNP effects; wrote {}",
                b.snp_effects.len(),
                path.display()
            ));
        }
    }
    Ok(())
}
