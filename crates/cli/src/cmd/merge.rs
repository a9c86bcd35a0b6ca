//! `kindred merge`: the gather step of a scan cut into `--chunk`/`--range`
//! jobs. Checks the chunks against each other (and the fileset, with
//! `--bfile`), writes the merged summary statistics in `.bim` order, the
//! `.json` with genome-wide lambda_GC, and a `.log` with each chunk's time
//! and counts.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use association::merge::{merge, Chunk};
use association::output::write_lines;
use genotype::{with_extension, Fileset};
use kinship::FilesetFingerprint;

use crate::args::MergeArgs;
use crate::cmd::sumstats;
use crate::outputs::Outputs;
use crate::runlog::RunLog;

/// Merges and reports.
pub fn run(a: &MergeArgs) -> anyhow::Result<()> {
    let prefixes = chunk_prefixes(a)?;
    let mut inputs: Vec<PathBuf> = prefixes.iter().map(|p| with_extension(p, "json")).collect();
    if let Some(b) = &a.bfile {
        inputs.extend(["bim", "fam"].iter().map(|e| with_extension(b, e)));
    }
    Outputs::claim(&a.out, &[], &inputs, a.common.quiet)?.run(|log| body(a, &prefixes, log))
}

/// The chunk prefixes of the command line, then those of `--list`.
fn chunk_prefixes(a: &MergeArgs) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = a.chunks.clone();
    if let Some(list) = &a.list {
        let text = std::fs::read_to_string(list).with_context(|| format!("{}", list.display()))?;
        out.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(PathBuf::from),
        );
    }
    if out.is_empty() {
        anyhow::bail!(association::Error::InvalidArgument(
            "merge: give the chunks' output prefixes (CHUNK... or --list FILE)".into()
        ));
    }
    Ok(out)
}

fn body(a: &MergeArgs, prefixes: &[PathBuf], log: &mut RunLog) -> anyhow::Result<()> {
    let started = Instant::now();
    let chunks = prefixes.iter().map(|p| Chunk::read(p)).collect::<Result<Vec<_>, _>>()?;
    let fileset = match &a.bfile {
        Some(b) => Some((Fileset::open(b)?, FilesetFingerprint::of(b)?)),
        None => None,
    };
    let mut merged = merge(chunks, fileset.as_ref().map(|(f, p)| (f, p)), a.partial)?;
    for g in &merged.gaps {
        log.warn(format!(
            "no chunk covers .bim lines {}-{} (--partial): their variants are not in the output",
            g[0] + 1,
            g[1]
        ));
    }
    for c in &merged.report.chunks {
        log.info(format!(
            "{}: {}, .bim lines {}-{}, {} row(s), {:.2} s",
            c.json,
            c.window.window,
            c.window.bim_span[0] + 1,
            c.window.bim_span[1],
            c.n_variants_tested
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/"),
            c.seconds
        ));
    }
    let total: f64 = merged.report.chunks.iter().map(|c| c.seconds).sum();
    log.info(format!(
        "{} chunks, {total:.2} s of chunk time in all",
        merged.report.chunks.len()
    ));
    let several = merged.report.phenotypes.len() > 1;
    for (t, p) in merged.tables.iter().zip(&mut merged.report.phenotypes) {
        let path = with_extension(&a.out, &t.suffix);
        let written = write_lines(&path, &t.header, &t.rows, t.locus)?;
        p.files = sumstats::publish(&written, p.sumstats_meta.as_ref())?;
        if !a.no_plots {
            let prefix = if several {
                with_extension(&a.out, &p.name)
            } else {
                a.out.clone()
            };
            p.files.extend(sumstats::plots(&path, &prefix, &p.name, log)?);
        }
        p.file = path.display().to_string();
        log.info(format!(
            "phenotype '{}': {} variants, lambda_GC {}; wrote {}",
            p.name,
            t.rows.len(),
            p.lambda_gc.map_or("NA".into(), |l| format!("{l:.4}")),
            path.display()
        ));
    }
    merged.report.warnings.extend(log.warnings().iter().cloned());
    merged.report.seconds = started.elapsed().as_secs_f64();
    crate::memory::write_json_with_peak(&with_extension(&a.out, "json"), &merged.report)?;
    Ok(())
}
