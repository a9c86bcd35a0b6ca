//! `kindred simulate`: a fileset with structure and families, phenotypes
//! with known truth.

use ::simulate::{Relation, SimConfig};
use anyhow::Context;

use crate::args::{RelationArg, SimulateArgs};
use crate::outputs::Outputs;
use crate::progress::Meter;
use crate::runlog::RunLog;

/// The library configuration from the flags (checked by the library).
fn config(a: &SimulateArgs) -> SimConfig {
    let mut relations: Vec<Relation> = Vec::new();
    for r in &a.relations {
        let r = match r {
            RelationArg::Sibs => Relation::FullSibs,
            RelationArg::ParentOffspring => Relation::ParentOffspring,
            RelationArg::HalfSibs => Relation::HalfSibs,
        };
        relations.push(r);
    }
    SimConfig {
        n_samples: a.n_samples,
        n_variants: a.n_variants,
        seed: a.seed,
        n_pops: a.n_pops,
        fst: a.fst,
        ancestral_freq: (a.af_min, a.af_max),
        family_fraction: a.family_fraction,
        relations,
        n_chrom: a.n_chrom,
        missing_rate: a.missing_rate,
        n_phenos: a.n_phenos,
        n_null: a.n_null,
        h2: a.h2,
        n_causal: a.n_causal,
        strat_shift: a.strat_shift,
        n_covar: a.n_covar,
        covar_var: a.covar_var,
        block_variants: 0,
    }
}

/// Simulates, writes the files and `PREFIX.log`, and prints a summary.
pub fn run(a: &SimulateArgs) -> anyhow::Result<()> {
    let cfg = config(a);
    cfg.validate()?;
    Outputs::claim(&a.out, &[], &[], a.common.quiet)?.run(|log| body(a, &cfg, log))
}

fn body(a: &SimulateArgs, cfg: &SimConfig, log: &mut RunLog) -> anyhow::Result<()> {
    let relations: Vec<&str> = cfg.relations.iter().map(|r| r.name()).collect();
    log.info(format!(
        "options: --n-samples {} --n-variants {} --seed {} --n-pops {} --fst {} --af-min {} --af-max {} \
         --family-fraction {} --relations {} --n-chrom {} --missing-rate {} --n-phenos {} --n-null {} \
         --h2 {} --n-causal {} --strat-shift {} --n-covar {} --covar-var {}",
        cfg.n_samples,
        cfg.n_variants,
        cfg.seed,
        cfg.n_pops,
        cfg.fst,
        cfg.ancestral_freq.0,
        cfg.ancestral_freq.1,
        cfg.family_fraction,
        relations.join(","),
        cfg.n_chrom,
        cfg.missing_rate,
        cfg.n_phenos,
        cfg.n_null,
        cfg.h2,
        cfg.n_causal,
        cfg.strat_shift,
        cfg.n_covar,
        cfg.covar_var
    ));
    let bar = Meter::new("simulate", cfg.n_variants as u64, a.common.quiet, &log.lines());
    let report = log.timed("simulation", || ::simulate::simulate(cfg, &a.out, &bar));
    drop(bar);
    let report = report.with_context(|| format!("simulating into {}", a.out.display()))?;

    let families: Vec<String> = report
        .families
        .iter()
        .map(|(r, n)| format!("{n} {}", r.name()))
        .collect();
    log.info(format!(
        "samples: {} in {} subpopulation(s); families: {} ({} unobserved parents simulated)",
        report.n_samples,
        cfg.n_pops,
        if families.is_empty() {
            "none".to_string()
        } else {
            families.join(", ")
        },
        report.n_hidden_parents
    ));
    let calls = report.n_samples as f64 * report.n_variants as f64;
    log.info(format!(
        "variants: {} on {} chromosome(s); mean A1 frequency {:.4}; {} monomorphic; {} missing calls ({:.4} %)",
        report.n_variants,
        cfg.n_chrom,
        report.mean_a1_freq,
        report.n_monomorphic,
        report.n_missing,
        100.0 * report.n_missing as f64 / calls
    ));
    if cfg.n_null > 0 {
        log.info(format!(
            "null phenotypes' test set: snp{}..snp{} ({} variants)",
            report.test_set.start + 1,
            report.test_set.end,
            report.test_set.len()
        ));
    }
    for t in &report.traits {
        log.info(format!(
            "phenotype {}: h2 {} (realised {:.4}), {} causal variants",
            t.name,
            t.h2,
            t.realised_h2,
            t.causal.len()
        ));
    }
    for f in &report.files {
        log.info(format!("wrote {}", f.display()));
    }
    Ok(())
}
