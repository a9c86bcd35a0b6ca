//! The merged `.json`'s parts: each chunk's entry, the chunks' warnings,
//! and each phenotype's report recomputed from the merged rows.

use genotype::Location;

use super::columns::Columns;
use super::Chunk;
use crate::error::{Error, Result};
use crate::pvalue::lambda_gc;
use crate::report::{ChunkReport, ScanReport, TopHit, WindowReport};

/// A chunk's entry in the merged report.
pub(super) fn chunk_report(c: &Chunk) -> ChunkReport {
    ChunkReport {
        json: c.json.display().to_string(),
        window: c.report.window.clone().unwrap_or(WindowReport {
            window: "whole genome".into(),
            chunk: None,
            bim_span: c.span(),
        }),
        n_variants_tested: c.report.phenotypes.iter().map(|p| p.n_variants_tested).collect(),
        seconds: c.report.seconds,
    }
}

/// The chunks' warnings, each once.
pub(super) fn chunk_warnings(chunks: &[Chunk]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in chunks.iter().flat_map(|c| &c.report.warnings) {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out
}

/// Phenotype `k`'s merged report: the first chunk's null model, the rows'
/// count, genomic control and strongest hits from the written values.
pub(super) fn scan_report(chunks: &[Chunk], k: usize, header: &str, rows: &[String]) -> Result<ScanReport> {
    let first = &chunks[0].report.phenotypes[k];
    let cols = Columns::of(header).ok_or_else(|| Error::Malformed {
        at: Location::file(&chunks[0].file(k)),
        what: "its header lacks the chromosome, position, ID, beta or p-value column".into(),
    })?;
    let num = |s: Option<&str>| s.and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    let mut ps = Vec::with_capacity(rows.len());
    // Strongest first: by -log10 p where written (p may underflow), else p.
    let mut hits: Vec<(f64, f64, usize)> = Vec::new();
    for (i, line) in rows.iter().enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        let p = num(f.get(cols.p).copied());
        ps.push(p);
        let strength = cols.neg_log10.map_or(-p, |c| num(f.get(c).copied()));
        if !strength.is_nan() {
            hits.push((strength, p, i));
        }
    }
    hits.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.2.cmp(&y.2)));
    let top_hits = hits
        .iter()
        .take(10)
        .map(|&(_, p, i)| {
            let f: Vec<&str> = rows[i].split('\t').collect();
            TopHit {
                variant_id: f[cols.id].to_string(),
                chromosome: f[cols.chrom].to_string(),
                position: f[cols.pos].parse().unwrap_or(-1),
                beta: num(Some(f[cols.beta])),
                p_value: p,
                neg_log_10_p_value: cols.neg_log10.map(|c| num(f.get(c).copied())),
            }
        })
        .collect();
    Ok(ScanReport {
        name: first.name.clone(),
        n_variants_tested: rows.len(),
        lambda_gc: lambda_gc(ps),
        file: String::new(),
        top_hits,
        null_model: first.null_model.clone(),
        n: first.n,
        pve: first.pve,
        pve_se: first.pve_se,
        trait_mean: first.trait_mean,
        trait_sd: first.trait_sd,
        files: Vec::new(),
        sumstats_meta: first.sumstats_meta.clone(),
    })
}
