//! `kindred grm`: the genomic relationship matrix in GCTA or GEMMA format,
//! optionally with one LOCO matrix per chromosome from the same pass.

use std::time::Instant;

use anyhow::Context;
use association::pipeline::qc_variants;
use faer::Par;
use genotype::{with_extension, Genotypes, PhenoSelect, PhenoSpec, SampleSubset};
use kinship::{build, format, BuildOptions, Grm};

use crate::args::{GrmArgs, GrmFormat};
use crate::cmd::{input, model};
use crate::progress::Bar;
use crate::runlog::{write_json, RunLog};

fn write(a: &GrmArgs, prefix: &std::path::Path, grm: &Grm) -> anyhow::Result<std::path::PathBuf> {
    Ok(match a.format {
        GrmFormat::Gcta => {
            format::gcta::write(prefix, grm)?;
            with_extension(prefix, "grm.bin")
        }
        GrmFormat::Gemma => {
            let kind = grm.kind.map_or("cXX", |k| k.gemma_suffix());
            let path = with_extension(prefix, &format!("{kind}.txt"));
            format::gemma::write(&path, grm)?;
            path
        }
    })
}

/// Builds and writes the GRM.
pub fn run(a: &GrmArgs) -> anyhow::Result<()> {
    let mut log = RunLog::start(&a.out, a.common.quiet);
    let select = PhenoSelect::Column(a.qc_pheno_col.max(1));
    let spec = PhenoSpec {
        file: None,
        select,
        covar: None,
    };
    let ds = input::open(&a.input, &spec)?;
    for w in input::warnings(&ds) {
        log.warn(w);
    }
    let n_fam = ds.fileset.fam.len();
    let kept: Vec<u32> = (0..n_fam as u32).filter(|&s| ds.sample_mask[s as usize]).collect();
    // GEMMA filters variants on the samples with the phenotype and builds the
    // matrix over all samples; --qc-pheno-col K reproduces that.
    let qc_samples = if a.qc_pheno_col > 0 {
        ds.analysed_samples(0)
    } else {
        kept.clone()
    };
    let qc = input::qc(&a.input);
    let (variants, _, rep) = qc_variants(&ds, &SampleSubset::new(qc_samples.clone(), n_fam), &qc);
    log.info(format!(
        "{} samples in the GRM; variant QC on {} samples",
        kept.len(),
        qc_samples.len()
    ));
    log.info(format!(
        "{} variants considered: {} fail the missing rate, {} the MAF, {} are monomorphic; {} used",
        rep.n_candidates, rep.n_missing, rep.n_maf, rep.n_monomorphic, rep.n_pass
    ));
    let subset = SampleSubset::new(kept.clone(), n_fam);
    let g = Genotypes::new(&ds.fileset.bed, &subset);
    let ids = kept
        .iter()
        .map(|&s| ds.fileset.fam.samples[s as usize].id.clone())
        .collect();
    let opts = BuildOptions {
        kind: model::kind(a.kind),
        precision: model::precision(a.precision),
        block_size: 1024,
        loco: a.loco,
    };
    let bar = Bar::new(variants.len() as u64, "GRM", a.common.quiet);
    let t = Instant::now();
    let sums = build(
        &g,
        ids,
        &variants,
        |v| &ds.fileset.variants[v as usize].chrom,
        &opts,
        Par::rayon(0),
        &bar,
    )?;
    bar.finish();
    let secs = t.elapsed().as_secs_f64();
    let n = kept.len() as f64;
    let gflops = n * (n + 1.0) * variants.len() as f64 / secs / 1e9;
    log.info(format!(
        "GRM ({} kind, {:?}) built in {secs:.2} s: {gflops:.1} GFLOP/s",
        opts.kind.name(),
        opts.precision
    ));
    let grm = sums.grm();
    let path = log.timed("writing", || write(a, &a.out, &grm))?;
    log.info(format!("wrote {}", path.display()));
    let mut loco = Vec::new();
    if a.loco {
        for c in sums.chromosomes() {
            let k = sums.loco(&c)?;
            let prefix = with_extension(&a.out, &format!("loco.{c}"));
            let p = write(a, &prefix, &k).with_context(|| format!("writing the LOCO GRM for chromosome {c}"))?;
            loco.push(serde_json::json!({"chromosome": c.to_string(), "file": p.display().to_string(), "n_variants": k.n_variants}));
        }
        log.info(format!(
            "wrote {} LOCO matrices ({}.loco.CHR.*)",
            loco.len(),
            a.out.display()
        ));
    }
    write_json(
        &with_extension(&a.out, "json"),
        &serde_json::json!({
            "command": "grm",
            "kind": opts.kind.name(),
            "n_samples": kept.len(),
            "n_variants": grm.n_variants,
            "file": path.display().to_string(),
            "loco": loco,
            "seconds": secs,
            "gflops": gflops,
        }),
    )?;
    log.finish()
}
