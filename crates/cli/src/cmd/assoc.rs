//! `kindred assoc` and `kindred gwas`: the association scan (GRM, null
//! model and per-variant tests), summary statistics, genomic control.

use association::output::{assoc_path, write_assoc, write_json, AssocFormat};
use association::report::{top_hits, AssocReport, ScanReport, SCHEMA_VERSION};
use association::{analysis, Model, PhenotypeResult};
use genotype::{with_extension, Dataset};

use crate::args::{AssocArgs, AssocFormat as FormatArg};
use crate::cmd::model;
use crate::reporter::{Command, LogReporter};
use crate::runlog::RunLog;

/// Runs the scan; `gwas` adds the terminal summary of the strongest hits.
pub fn run(a: &AssocArgs, gwas: bool) -> anyhow::Result<()> {
    model::claim(&a.data, &a.out, a.common.quiet)?.run(|log| body(a, gwas, log))
}

fn body(a: &AssocArgs, gwas: bool, log: &mut RunLog) -> anyhow::Result<()> {
    let (ds, mut opts) = model::open(&a.data, log)?;
    let scan = model::scan(a)?;
    if matches!(scan, Model::Lmm(_)) {
        log.info(format!("GRM {}", opts.grm.describe()));
    }
    opts.scan = Some(scan);
    opts.loco = a.loco;
    let reporter = LogReporter::new(log, a.common.quiet, Command::Assoc);
    let results = analysis::run(&ds, &opts, &reporter)?;
    let format = match a.format {
        FormatArg::Tsv => AssocFormat::Tsv,
        FormatArg::Gemma => AssocFormat::Gemma,
    };
    let mut phenotypes = Vec::new();
    for r in &results {
        let name = &ds.phenotypes[r.phenotype].name;
        let path = assoc_path(&a.out, name, results.len() > 1, format, a.gz);
        write_assoc(&path, format, scan.tests(), &r.rows, &ds.fileset.variants)?;
        log.info(format!(
            "phenotype '{name}': {} variants tested, lambda_GC {}; wrote {}",
            r.rows.len(),
            fmt_lambda(r.lambda_gc),
            path.display()
        ));
        if gwas && !a.common.quiet {
            print_summary(&ds, r, &path.display().to_string());
        }
        phenotypes.push(ScanReport::new(&ds, r, path.display().to_string()));
    }
    let report = AssocReport {
        schema_version: SCHEMA_VERSION,
        command: if gwas { "gwas" } else { "assoc" },
        model: if matches!(scan, Model::Linear(_)) {
            "linear"
        } else {
            "lmm"
        },
        mode: if a.fixed_ratio { "fixed-ratio" } else { "exact" },
        loco: a.loco,
        n_variants_in_bim: ds.fileset.variants.len(),
        phenotypes,
        warnings: log.warnings().to_vec(),
    };
    write_json(&with_extension(&a.out, "json"), &report)?;
    Ok(())
}

fn fmt_lambda(l: Option<f64>) -> String {
    l.map_or("NA".into(), |l| format!("{l:.4}"))
}

/// `kindred gwas`'s terminal summary of one phenotype.
fn print_summary(ds: &Dataset, r: &PhenotypeResult, file: &str) {
    println!("phenotype {}", ds.phenotypes[r.phenotype].name);
    match &r.null {
        Some(m) => println!(
            "  n {}   variants {}   h2 (pve) {:.4} (se {:.4})",
            m.n,
            r.rows.len(),
            m.pve,
            m.pve_se
        ),
        None => println!("  n {}   variants {}   (linear model)", r.n_samples, r.rows.len()),
    }
    println!("  lambda_GC {}", fmt_lambda(r.lambda_gc));
    println!(
        "  {:<4} {:<16} {:>12} {:>8} {:>12} {:>12}",
        "chr", "variant", "position", "A1", "beta", "p"
    );
    for row in top_hits(&r.rows, 10) {
        let v = &ds.fileset.variants[row.variant as usize];
        println!(
            "  {:<4} {:<16} {:>12} {:>8} {:>12.4e} {:>12.3e}",
            v.chrom.to_string(),
            v.id,
            v.pos,
            v.a1,
            row.beta,
            row.p_value()
        );
    }
    println!("  results: {file}");
}
