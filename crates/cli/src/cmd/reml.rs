//! `kindred reml`: null models and heritability for one or more phenotypes.

use std::io::Write;

use association::pipeline::{fit_group, groups, prepare, PhenoFit, PrepareOptions, Prepared};
use association::Search;
use faer::Par;
use genotype::{with_extension, AtomicFile, Dataset};

use crate::args::RemlArgs;
use crate::cmd::{input, model};
use crate::progress::Bar;
use crate::runlog::{write_json, RunLog};

/// Logs how a group was prepared (QC counts, spectrum).
pub fn log_prepared(log: &mut RunLog, ds: &Dataset, prep: &Prepared) {
    let names: Vec<&str> = prep
        .group
        .phenotypes
        .iter()
        .map(|&k| ds.phenotypes[k].name.as_str())
        .collect();
    log.info(format!(
        "phenotype(s) {}: {} analysed samples",
        names.join(", "),
        prep.group.samples.len()
    ));
    let q = &prep.qc;
    log.info(format!(
        "variants: {} considered, {} fail the missing rate, {} the MAF, {} are monomorphic; {} pass",
        q.n_candidates, q.n_missing, q.n_maf, q.n_monomorphic, q.n_pass
    ));
    let s = &prep.spectrum;
    if s.n_negative > 0 {
        log.warn(format!(
            "the GRM is not positive semi-definite: smallest eigenvalue {:.3e}, {} negative; eigenvalues below 1e-10 are set to 0 (as GEMMA does)",
            s.min, s.n_negative
        ));
    }
    log.info(format!(
        "GRM eigenvalues: min {:.3e}, max {:.3e}, tr(K)/n {:.6}",
        s.min, s.max, s.trace_over_n
    ));
}

/// Refuses `--write-eigen` when the phenotypes need several eigendecompositions.
pub fn check_write_eigen(write_eigen: Option<&std::path::Path>, n_groups: usize) -> anyhow::Result<()> {
    if write_eigen.is_some() && n_groups > 1 {
        anyhow::bail!(
            "--write-eigen needs one sample set, but the phenotypes have {n_groups} different sets of non-missing samples"
        );
    }
    Ok(())
}

/// Builds or reads one group's GRM and decomposes it (with a progress bar),
/// logs the outcome and writes the eigendecomposition when asked.
pub fn prepare_group(
    log: &mut RunLog,
    ds: &Dataset,
    group: association::pipeline::Group,
    opts: &PrepareOptions<'_>,
    write_eigen: Option<&std::path::Path>,
    quiet: bool,
) -> anyhow::Result<Prepared> {
    let bar = Bar::new(0, "GRM", quiet);
    let prep = log.timed("GRM and eigendecomposition", || {
        prepare(ds, group, opts, Par::rayon(0), &bar)
    })?;
    bar.finish();
    log_prepared(log, ds, &prep);
    if let Some(p) = write_eigen {
        prep.eigen.write(p, &prep.ids)?;
        log.info(format!("wrote {}.eigen.bin and {}.eigen.id", p.display(), p.display()));
    }
    Ok(prep)
}

/// JSON of one fitted phenotype.
pub fn fit_json(ds: &Dataset, f: &PhenoFit) -> serde_json::Value {
    let m = &f.null;
    serde_json::json!({
        "name": ds.phenotypes[f.phenotype].name,
        "n": m.n,
        "n_covariates": m.n_covariates,
        "method": format!("{:?}", m.method).to_lowercase(),
        "pve": m.pve,
        "pve_se": m.pve_se,
        "sigma_g2": m.sigma_g2,
        "sigma_e2": m.sigma_e2,
        "lambda": m.lambda,
        "at_boundary": m.at_boundary,
        "loglik_reml": m.reml.1,
        "loglik_ml": m.ml.1,
        "lambda_reml": m.reml.0,
        "lambda_ml": m.ml.0,
        "beta": m.beta,
        "beta_se": m.beta_se,
    })
}

/// Fits and reports.
pub fn run(a: &RemlArgs) -> anyhow::Result<()> {
    let mut log = RunLog::start(&a.out, a.common.quiet);
    let ds = input::open(&a.input, &input::pheno_spec(&a.pheno))?;
    for w in input::warnings(&ds) {
        log.warn(w);
    }
    let grm = model::grm_input(&a.grm)?;
    log.info(format!("GRM {}", model::describe(&grm)));
    let groups = groups(&ds);
    check_write_eigen(a.grm.write_eigen.as_deref(), groups.len())?;
    let opts = PrepareOptions {
        grm,
        qc: input::qc(&a.input),
        loco: false,
    };
    let method = model::method(a.method);
    let mut fits = Vec::new();
    for group in groups {
        let prep = prepare_group(
            &mut log,
            &ds,
            group,
            &opts,
            a.grm.write_eigen.as_deref(),
            a.common.quiet,
        )?;
        for f in fit_group(&ds, &prep, method, &Search::default(), Par::rayon(0))? {
            if f.null.at_boundary {
                log.warn(format!(
                    "phenotype '{}': lambda is at the edge of its range (pve {:.4}): the estimate is a boundary value",
                    ds.phenotypes[f.phenotype].name, f.null.pve
                ));
            }
            fits.push(f);
        }
    }
    // Groups follow sample sets; report in phenotype-column order (as assoc does).
    fits.sort_by_key(|f| f.phenotype);
    let path = with_extension(&a.out, "reml.tsv");
    let mut out = AtomicFile::create(&path)?;
    writeln!(
        out,
        "phenotype\tn\tpve\tpve_se\tsigma_g2\tsigma_e2\tlambda\tloglik_reml\tloglik_ml"
    )?;
    for f in &fits {
        let m = &f.null;
        writeln!(
            out,
            "{}\t{}\t{:.6}\t{:.6}\t{:.6e}\t{:.6e}\t{:.6e}\t{:.4}\t{:.4}",
            ds.phenotypes[f.phenotype].name, m.n, m.pve, m.pve_se, m.sigma_g2, m.sigma_e2, m.lambda, m.reml.1, m.ml.1
        )?;
    }
    out.commit()?;
    let phen: Vec<serde_json::Value> = fits.iter().map(|f| fit_json(&ds, f)).collect();
    write_json(
        &with_extension(&a.out, "json"),
        &serde_json::json!({"command": "reml", "phenotypes": phen, "warnings": log.warnings()}),
    )?;
    if !a.common.quiet {
        println!(
            "{:<16} {:>6} {:>10} {:>10} {:>12} {:>12} {:>12}",
            "phenotype", "n", "pve", "se", "sigma_g2", "sigma_e2", "loglik"
        );
        for f in &fits {
            let m = &f.null;
            println!(
                "{:<16} {:>6} {:>10.6} {:>10.6} {:>12.6} {:>12.6} {:>12.3}",
                ds.phenotypes[f.phenotype].name, m.n, m.pve, m.pve_se, m.sigma_g2, m.sigma_e2, m.loglik
            );
        }
    }
    log.info(format!("wrote {}", path.display()));
    log.finish()
}
