//! `kindred grm`: the genomic relationship matrix in GCTA or GEMMA format,
//! optionally with one LOCO matrix per chromosome from the same pass.

use std::time::Instant;

use anyhow::Context;
use association::report::{GrmReport, LocoGrmReport, SCHEMA_VERSION};
use genotype::{with_extension, PhenoSpec, SampleSubset};
use kinship::format::{self, loco_prefix};
use kinship::{build, BuildOptions, FilesetFingerprint, GrmFormat, GrmOrigin, Provenance};

use crate::args::{self, GrmArgs};
use crate::cmd::{input, model, par, warnings};
use crate::memory;
use crate::outputs::Outputs;
use crate::progress::Meter;
use crate::runlog::RunLog;
use crate::watch;

/// Builds and writes the GRM.
pub fn run(a: &GrmArgs) -> anyhow::Result<()> {
    let inputs = watch::input_files(&a.input, None, None);
    Outputs::claim(&a.out, &[], &inputs, a.common.quiet)?.run(|log| body(a, log))
}

fn body(a: &GrmArgs, log: &mut RunLog) -> anyhow::Result<()> {
    let spec = PhenoSpec::fam_column(a.qc_pheno_col.max(1));
    let ds = input::open(&a.input, &spec, false)?;
    for w in warnings::inputs(&ds) {
        log.warn(w);
    }
    let n_fam = ds.n_samples();
    let kept: Vec<u32> = (0..n_fam as u32).filter(|&s| ds.sample_mask[s as usize]).collect();
    let (kind, precision) = model::kind_precision(a.kind, a.grm_precision);
    let estimate = association::estimate_grm(&ds, kept.len(), kind, precision, a.loco, par());
    log.info(estimate.describe());
    estimate.check(memory::limit(&a.common))?;
    // GEMMA filters variants on the samples with the phenotype and builds the
    // matrix over all samples; --qc-pheno-col K reproduces that.
    let qc_samples = if a.qc_pheno_col > 0 {
        ds.analysed_samples(0)
    } else {
        kept.clone()
    };
    let n_qc = qc_samples.len();
    let qc_subset = SampleSubset::new(qc_samples, n_fam);
    let thresholds = input::qc(&a.input);
    let qc = thresholds.apply(ds.decoder(&qc_subset), &ds.variants.kept)?;
    let (variants, rep) = (qc.variants, qc.report);
    log.info(format!(
        "{} samples in the GRM; variant QC on {n_qc} samples",
        kept.len()
    ));
    log.info(format!(
        "{} variants considered: {} fail the missing rate, {} the MAF, {} are monomorphic; {} used",
        rep.n_candidates, rep.n_missing, rep.n_maf, rep.n_monomorphic, rep.n_pass
    ));
    let subset = SampleSubset::new(kept.clone(), n_fam);
    let g = ds.decoder(&subset);
    let ids = kept.iter().map(|&s| ds.samples()[s as usize].id.clone()).collect();
    let opts = BuildOptions {
        kind,
        precision,
        loco: a.loco,
        ..BuildOptions::default()
    };
    let bar = Meter::new("GRM", variants.len() as u64, a.common.quiet, &log.lines());
    let t = Instant::now();
    let chrom = |v: u32| &ds.variants()[v as usize].chrom;
    let sums = build(g, ids, &variants, chrom, &opts, par(), &bar)?;
    drop(bar);
    let secs = t.elapsed().as_secs_f64();
    let n = kept.len() as f64;
    let gflops = n * (n + 1.0) * variants.len() as f64 / secs / 1e9;
    log.info(format!(
        "GRM ({} kind, {:?}) built in {secs:.2} s: {gflops:.1} GFLOP/s",
        opts.kind.name(),
        opts.precision
    ));
    let out_format = match a.format {
        args::GrmFormat::Gcta => GrmFormat::Gcta,
        args::GrmFormat::Gemma => GrmFormat::Gemma,
    };
    // What the files record beside them (PREFIX.grm.kindred.json).
    let fileset = FilesetFingerprint::of_source(&ds.source.files())?;
    let provenance = |n_variants| Provenance {
        fileset: fileset.clone(),
        grm: GrmOrigin::built(
            opts.kind,
            opts.precision,
            thresholds.min_maf,
            thresholds.max_missing,
            n_variants,
        ),
    };
    // Without LOCO the sums are done with: the GRM is formed in their matrix.
    let (grm, sums) = if a.loco {
        (sums.grm()?, Some(sums))
    } else {
        (sums.into_grm()?, None)
    };
    let path = log.timed("writing", || {
        format::write(&a.out, &grm, out_format, &provenance(grm.n_variants))
    })?;
    log.info(format!("wrote {}", path.display()));
    let mut loco = Vec::new();
    if let Some(sums) = &sums {
        for c in sums.chromosomes() {
            let k = sums.loco(&c)?;
            let p = format::write(&loco_prefix(&a.out, &c), &k, out_format, &provenance(k.n_variants))
                .with_context(|| format!("writing the LOCO GRM for chromosome {c}"))?;
            loco.push(LocoGrmReport {
                chromosome: c.to_string(),
                file: p.display().to_string(),
                n_variants: k.n_variants,
            });
        }
        log.info(format!(
            "wrote {} LOCO matrices ({}.loco.CHR.*)",
            loco.len(),
            a.out.display()
        ));
    }
    let report = GrmReport {
        schema_version: SCHEMA_VERSION,
        command: "grm".into(),
        kind: opts.kind.name().into(),
        n_samples: kept.len(),
        n_variants: grm.n_variants,
        file: path.display().to_string(),
        loco,
        seconds: secs,
        gflops,
    };
    crate::memory::write_json_with_peak(&with_extension(&a.out, "json"), &report)?;
    Ok(())
}
