//! `kindred assoc` and `kindred gwas`: the association scan (GRM, null
//! model and per-variant tests), summary statistics, genomic control.

use association::output::{assoc_path, write_assoc, AssocFormat, ChromCodes};
use association::report::{top_hits, AssocReport, ScanReport, WindowReport, SCHEMA_VERSION};
use std::sync::Arc;

use association::components::{fit_and_combine, ComponentsOptions, KernelSource, RemlControl, VcMethod};
use association::{analysis, GrmSource, Mode, Model, Options, PhenotypeResult};
use genotype::{with_extension, Dataset, Window};
use kinship::FilesetFingerprint;

use crate::args::{AssocArgs, AssocFormat as FormatArg};
use crate::cmd::{kernels, model, setup, sumstats};
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
        if a.loco || !setup::is_lmm(&opts) {
            anyhow::bail!(model::invalid(
                "several variance components (--mgrm, --mgrm-chr, --random) are tested with the mixed model and \
                 the whole genome: not with --loco or --model linear"
            ));
        }
        if let Some(Model::Lmm(s)) = &mut opts.scan {
            s.mode = Mode::FixedRatio;
        }
        kernels::sources(&a.vc, &a.data.grm, &opts.grm, &mut ds, log)?
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
        scan_components(&ds, &opts, kernels, &reporter)?
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
            fmt_lambda(r.lambda_gc),
            path.display()
        ));
        if gwas && !a.common.quiet {
            print_summary(&ds, r, &path.display().to_string());
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
        window: window.map(|w| window_report(&w, &ds)),
        phenotypes,
        chunks: Vec::new(),
        seconds: started.elapsed().as_secs_f64(),
        warnings: log.warnings().to_vec(),
    };
    crate::memory::write_json_with_peak(&with_extension(&a.out, "json"), &report)?;
    Ok(())
}

/// The scan with several variance components: each phenotype's
/// components fitted by AI-REML, then its variants tested against the
/// fitted covariance (variance ratios held fixed, EMMAX style: several
/// kernels share no eigendecomposition, so each phenotype decomposes its
/// fitted combination of them once).
fn scan_components(
    ds: &Dataset,
    opts: &Options,
    kernels: Vec<KernelSource>,
    reporter: &LogReporter<'_>,
) -> anyhow::Result<Vec<PhenotypeResult>> {
    let names: Vec<String> = kernels.iter().map(KernelSource::name).collect();
    reporter.log().info(format!(
        "several variance components ({}): each variant is tested against the covariance the null model fitted, \
         variance ratios held fixed (EMMAX style)",
        names.join(", ")
    ));
    let copts = ComponentsOptions {
        kernels,
        method: VcMethod::Reml,
        qc: opts.qc,
        control: RemlControl::default(),
        par: opts.par,
    };
    let mut results = Vec::new();
    for (fit, k) in fit_and_combine(ds, &copts, reporter)? {
        let parts: Vec<String> = fit
            .fit
            .components
            .iter()
            .map(|c| format!("{} {:.4}", c.name, c.pve))
            .collect();
        reporter.log().info(format!(
            "phenotype '{}': variance shares {}",
            ds.phenotypes[fit.phenotype].name,
            parts.join(", ")
        ));
        let o = Options {
            grm: GrmSource::Matrix(Arc::new(k)),
            phenotypes: Some(vec![fit.phenotype]),
            ..opts.clone()
        };
        results.extend(analysis::run(ds, &o, reporter)?);
    }
    Ok(results)
}

/// What the `.json` says of the window, for `kindred merge`.
fn window_report(w: &Window, ds: &Dataset) -> WindowReport {
    let span = w.span(ds.variants());
    WindowReport {
        window: w.to_string(),
        chunk: match w {
            Window::Chunk { index, count } => Some([*index, *count]),
            Window::Range { .. } => None,
        },
        bim_span: [span.start, span.end],
    }
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
        let v = &ds.variants()[row.variant as usize];
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
