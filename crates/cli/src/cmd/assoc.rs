//! `kindred assoc` and `kindred gwas`: the association scan (GRM, null
//! model and per-variant tests), summary statistics, genomic control.

use association::output::{write_assoc, AssocFormat};
use association::pipeline::{fit_group, fit_linear, groups, scan_group, scan_loco, Model, PhenoFit, PrepareOptions};
use association::{lambda_gc, AssocRow, Mode, ScanOptions, Search, Tests};
use faer::Par;
use genotype::{with_extension, Dataset};

use crate::args::{AssocArgs, AssocFormat as FormatArg, ModelArg};
use crate::cmd::reml::{check_write_eigen, fit_json, prepare_group};
use crate::cmd::{input, model};
use crate::progress::Bar;
use crate::runlog::{write_json, RunLog};

struct Result1 {
    phenotype: usize,
    fit: Option<PhenoFit>,
    rows: Vec<AssocRow>,
}

/// Runs the scan; `gwas` adds the terminal summary of the strongest hits.
pub fn run(a: &AssocArgs, gwas: bool) -> anyhow::Result<()> {
    let mut log = RunLog::start(&a.out, a.common.quiet);
    let ds = input::open(&a.input, &input::pheno_spec(&a.pheno))?;
    for w in input::warnings(&ds) {
        log.warn(w);
    }
    let tests = model::tests(a.test);
    let mode = if a.fixed_ratio { Mode::FixedRatio } else { Mode::Exact };
    let sopts = ScanOptions {
        tests,
        mode,
        search: Search::default(),
        r2_max: a.r2,
        rotation: model::precision(a.grm.precision),
    };
    let grm = model::grm_input(&a.grm)?;
    if a.loco && !matches!(grm, association::pipeline::GrmInput::Build { .. }) {
        anyhow::bail!(
            "--loco builds per-chromosome GRMs from the genotypes; it cannot be combined with --grm or --eigen"
        );
    }
    if a.model == ModelArg::Lmm {
        log.info(format!("GRM {}", model::describe(&grm)));
    }
    let groups = groups(&ds);
    check_write_eigen(a.grm.write_eigen.as_deref(), groups.len())?;
    let opts = PrepareOptions {
        grm,
        qc: input::qc(&a.input),
        loco: a.loco,
    };
    let mut results: Vec<Result1> = Vec::new();
    for group in groups {
        if a.model == ModelArg::Linear {
            let (variants, _, rep) = association::pipeline::qc_variants(
                &ds,
                &genotype::SampleSubset::new(group.samples.clone(), ds.fileset.fam.len()),
                &opts.qc,
            );
            log.info(format!(
                "{} samples, {} variants pass QC (of {})",
                group.samples.len(),
                rep.n_pass,
                rep.n_candidates
            ));
            let fits = fit_linear(&ds, &group)?;
            let bar = Bar::new(variants.len() as u64, "scan", a.common.quiet);
            let fitted = association::pipeline::Fitted {
                u: None,
                fits: &fits,
                model: Model::Linear(tests),
            };
            let rows = association::pipeline::scan_variants(&ds, &group, &fitted, &variants, Par::rayon(0), &bar);
            bar.finish();
            for (f, r) in fits.into_iter().zip(rows) {
                results.push(Result1 {
                    phenotype: f.phenotype,
                    fit: None,
                    rows: r,
                });
            }
            continue;
        }
        let prep = prepare_group(
            &mut log,
            &ds,
            group,
            &opts,
            a.grm.write_eigen.as_deref(),
            a.common.quiet,
        )?;
        let fits = fit_group(&ds, &prep, association::Method::Reml, &sopts.search, Par::rayon(0))?;
        for f in &fits {
            let m = &f.null;
            log.info(format!(
                "phenotype '{}': pve {:.6} (se {:.6}), sigma_g2 {:.6}, sigma_e2 {:.6}, REML loglik {:.3}",
                ds.phenotypes[f.phenotype].name, m.pve, m.pve_se, m.sigma_g2, m.sigma_e2, m.reml.1
            ));
        }
        let bar = Bar::new(prep.variants.len() as u64, "scan", a.common.quiet);
        if a.loco {
            let parts = log.timed("LOCO scan", || {
                scan_loco(&ds, &prep, association::Method::Reml, sopts, Par::rayon(0), &bar)
            })?;
            let mut rows: Vec<Vec<AssocRow>> = vec![Vec::new(); fits.len()];
            for part in parts {
                for (acc, r) in rows.iter_mut().zip(part.rows) {
                    acc.extend(r);
                }
            }
            for (f, mut r) in fits.into_iter().zip(rows) {
                r.sort_by_key(|row| row.variant);
                results.push(Result1 {
                    phenotype: f.phenotype,
                    fit: Some(f),
                    rows: r,
                });
            }
        } else {
            let rows = log.timed("scan", || {
                scan_group(&ds, &prep, &fits, Model::Lmm(sopts), Par::rayon(0), &bar)
            });
            for (f, r) in fits.into_iter().zip(rows) {
                results.push(Result1 {
                    phenotype: f.phenotype,
                    fit: Some(f),
                    rows: r,
                });
            }
        }
        bar.finish();
    }
    results.sort_by_key(|r| r.phenotype);
    report(a, gwas, &ds, tests, &results, &mut log)?;
    log.finish()
}

/// The p-value of the `p_value` column: Wald, else LRT, else score.
fn main_p(r: &AssocRow) -> f64 {
    r.p_wald.or(r.p_lrt).or(r.p_score).unwrap_or(f64::NAN)
}

fn report(
    a: &AssocArgs,
    gwas: bool,
    ds: &Dataset,
    tests: Tests,
    results: &[Result1],
    log: &mut RunLog,
) -> anyhow::Result<()> {
    let (format, ext) = match a.format {
        FormatArg::Tsv => (AssocFormat::Tsv, "assoc.tsv"),
        FormatArg::Gemma => (AssocFormat::Gemma, "assoc.txt"),
    };
    let mut entries = Vec::new();
    for r in results {
        let name = &ds.phenotypes[r.phenotype].name;
        let stem = if results.len() == 1 {
            ext.to_string()
        } else {
            format!("{name}.{ext}")
        };
        let path = with_extension(&a.out, &if a.gz { format!("{stem}.gz") } else { stem });
        write_assoc(&path, format, tests, &r.rows, &ds.fileset.variants)?;
        let lgc = lambda_gc(r.rows.iter().map(main_p));
        log.info(format!(
            "phenotype '{name}': {} variants tested, lambda_GC {}; wrote {}",
            r.rows.len(),
            lgc.map_or("NA".into(), |l| format!("{l:.4}")),
            path.display()
        ));
        let mut top: Vec<&AssocRow> = r.rows.iter().collect();
        top.sort_by(|x, y| main_p(x).total_cmp(&main_p(y)));
        top.truncate(10);
        if gwas && !a.common.quiet {
            println!("phenotype {name}");
            if let Some(f) = &r.fit {
                println!(
                    "  n {}   variants {}   h2 (pve) {:.4} (se {:.4})",
                    f.null.n,
                    r.rows.len(),
                    f.null.pve,
                    f.null.pve_se
                );
            } else {
                println!(
                    "  n {}   variants {}   (linear model)",
                    r.rows.first().map_or(0, |x| x.stats.n_total()),
                    r.rows.len()
                );
            }
            println!("  lambda_GC {}", lgc.map_or("NA".into(), |l| format!("{l:.4}")));
            println!(
                "  {:<4} {:<16} {:>12} {:>8} {:>12} {:>12}",
                "chr", "variant", "position", "A1", "beta", "p"
            );
            for row in &top {
                let v = &ds.fileset.variants[row.variant as usize];
                println!(
                    "  {:<4} {:<16} {:>12} {:>8} {:>12.4e} {:>12.3e}",
                    v.chrom.to_string(),
                    v.id,
                    v.pos,
                    v.a1,
                    row.beta,
                    main_p(row)
                );
            }
            println!("  results: {}", path.display());
        }
        let top_json: Vec<serde_json::Value> = top
            .iter()
            .map(|row| {
                let v = &ds.fileset.variants[row.variant as usize];
                serde_json::json!({"variant_id": v.id.to_string(), "chromosome": v.chrom.to_string(), "position": v.pos, "beta": row.beta, "p_value": main_p(row)})
            })
            .collect();
        let mut e = serde_json::json!({
            "name": name,
            "n_variants_tested": r.rows.len(),
            "lambda_gc": lgc,
            "file": path.display().to_string(),
            "top_hits": top_json,
        });
        if let Some(f) = &r.fit {
            e["null_model"] = fit_json(ds, f);
            e["n"] = f.null.n.into();
            e["pve"] = f.null.pve.into();
            e["pve_se"] = f.null.pve_se.into();
        }
        entries.push(e);
    }
    write_json(
        &with_extension(&a.out, "json"),
        &serde_json::json!({
            "command": if gwas { "gwas" } else { "assoc" },
            "model": if a.model == ModelArg::Linear { "linear" } else { "lmm" },
            "mode": if a.fixed_ratio { "fixed-ratio" } else { "exact" },
            "loco": a.loco,
            "n_variants_in_bim": ds.fileset.variants.len(),
            "phenotypes": entries,
            "warnings": log.warnings(),
        }),
    )
}
