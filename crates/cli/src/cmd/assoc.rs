//! `kindred assoc` and `kindred gwas`: the association scan (GRM, null
//! model and per-variant tests), summary statistics, genomic control.

use association::output::{assoc_path, write_assoc, AssocFormat, ChromCodes};
use association::report::{AssocReport, ScanReport, SCHEMA_VERSION};
use association::{analysis, Model};
use genotype::with_extension;
use kinship::FilesetFingerprint;

use crate::args::{AssocArgs, AssocFormat as FormatArg};
use crate::cmd::{setup, summary, sumstats, vc_scan};
use crate::reporter::{Command, LogReporter};
use crate::runlog::RunLog;

/// Runs the scan; `gwas` adds the terminal summary of the strongest hits.
pub fn run(a: &AssocArgs, gwas: bool) -> anyhow::Result<()> {
    setup::claim(&a.data, &a.out, a.common.quiet)?.run(|log| body(a, gwas, log))
}

fn body(a: &AssocArgs, gwas: bool, log: &mut RunLog) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let (mut ds, mut opts, window) = setup::assoc(a, log)?;
    let components = a.vc.any();
    let kernels = if components {
        vc_scan::kernels(a, &mut ds, &mut opts, log)?
    } else {
        Vec::new()
    };
    let scan = opts.scan.expect("assoc always scans");
    if let Some(w) = &window {
        let span = w.span(ds.variants());
        log.info(format!(
            "testing {w}: .bim lines {}-{} of {}",
            span.start + 1,
            span.end,
            ds.variants().len()
        ));
    }
    if setup::is_lmm(&opts) {
        log.info(format!("GRM {}", opts.grm.describe()));
    }
    let reporter = LogReporter::new(log, a.common.quiet, Command::Assoc);
    let results = if components {
        vc_scan::scan(&ds, &opts, kernels, &reporter)?
    } else {
        analysis::run(&ds, &opts, &reporter)?
    };
    let format = match a.format {
        FormatArg::Tsv => AssocFormat::Tsv,
        FormatArg::Gemma => AssocFormat::Gemma,
    };
    let codes = ChromCodes::choose(ds.variants(), a.genome_build.as_deref());
    let mut phenotypes = Vec::new();
    for r in &results {
        let name = &ds.phenotypes[r.phenotype].name;
        let path = assoc_path(&a.out, name, results.len() > 1, format, a.gz);
        let info = ds.source.info_measure().is_some();
        let written = write_assoc(&path, format, scan, &r.rows, ds.variants(), codes, info)?;
        let meta = (format == AssocFormat::Tsv).then(|| sumstats::meta(a, &ds, r, codes));
        log.info(format!(
            "phenotype '{name}': {} variants tested, lambda_GC {}; wrote {}",
            r.rows.len(),
            summary::fmt_lambda(r.lambda_gc),
            path.display()
        ));
        if gwas && !a.common.quiet {
            summary::print(&ds, r, &path.display().to_string());
        }
        let mut report = ScanReport::new(&ds, r, path.display().to_string());
        report.files = sumstats::publish(&written, meta.as_ref())?;
        if gwas && !a.no_plots {
            let prefix = if results.len() > 1 {
                with_extension(&a.out, name)
            } else {
                a.out.clone()
            };
            report.files.extend(sumstats::plots(&path, &prefix, name, log)?);
        }
        report.sumstats_meta = meta;
        phenotypes.push(report);
    }
    let report = AssocReport {
        schema_version: SCHEMA_VERSION,
        command: if gwas { "gwas" } else { "assoc" }.into(),
        model: if matches!(scan, Model::Linear(_)) {
            "linear"
        } else {
            "lmm"
        }
        .into(),
        mode: if a.fixed_ratio || components {
            "fixed-ratio"
        } else {
            "exact"
        }
        .into(),
        loco: a.loco,
        n_variants_in_bim: ds.variants().len(),
        fileset: Some(FilesetFingerprint::of_source(&ds.source.files())?),
        grm_fileset: opts.grm.grm_fileset().map(|f| f.fingerprint().clone()),
        window: window.map(|w| summary::window_report(&w, &ds)),
        phenotypes,
        chunks: Vec::new(),
        seconds: started.elapsed().as_secs_f64(),
        warnings: log.warnings().to_vec(),
    };
    crate::memory::write_json_with_peak(&with_extension(&a.out, "json"), &report)?;
    Ok(())
}
