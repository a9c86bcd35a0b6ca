//! The gather step of a scattered scan: chunks written by `kindred assoc
//! --chunk I/N` (or `--range`) checked against each other and joined into
//! the summary statistics one run over the whole fileset writes.
//!
//! [`merge`] refuses, with one line naming the file, chunks that differ in
//! model, mode, LOCO, fileset, phenotypes, null-model fit or columns,
//! chunks of different cuts (`I/N` with different `N`), overlapping chunks,
//! and gaps (unless asked to accept them). Rows stay as the chunks wrote
//! them, in `.bim` order; genomic control is recomputed over all rows from
//! the written p-values, which gives the single run's figure exactly (see
//! [`crate::lambda_gc`]).
//!
//! Modules: `chunk` (a chunk as read), `checks` (what is refused),
//! `columns` (the header's columns), `summary` (the merged report's parts).

mod checks;
mod chunk;
mod columns;
mod summary;

use std::path::Path;

use genotype::Fileset;
use kinship::FilesetFingerprint;

use checks::{check_fileset, coverage, same_settings, BimIndex};
pub use chunk::{Chunk, Rows};
use columns::Columns;
use summary::{chunk_report, chunk_warnings, scan_report};

use crate::error::{Error, Result};
use crate::report::AssocReport;

/// The merged result: the summary and, per phenotype, the rows to write.
#[derive(Debug)]
pub struct Merged {
    /// The merged `.json` (files named by the caller).
    pub report: AssocReport,
    /// Per phenotype, the merged table.
    pub tables: Vec<Table>,
    /// `.bim` lines no chunk covered (`[first, end)`), with `partial`.
    pub gaps: Vec<[usize; 2]>,
}

/// One phenotype's merged summary statistics.
#[derive(Debug)]
pub struct Table {
    /// The header line.
    pub header: String,
    /// The rows of all chunks, in the order one run writes them.
    pub rows: Vec<String>,
    /// What the chunks' file names add to their prefix (`assoc.tsv`,
    /// `NAME.assoc.txt.gz`, ...).
    pub suffix: String,
    /// The columns of chromosome and position, for a tabix index (GWAS-SSF).
    pub locus: Option<(usize, usize)>,
}

/// Merges `chunks` (in any order). With `fileset` (`--bfile`), checks that
/// the chunks scanned it and that every row is one of its variants, inside
/// its chunk's span, in `.bim` order. With `partial`, gaps between the
/// chunks are returned instead of refused.
///
/// # Errors
/// `Inconsistent` or `Malformed`, naming the file, for the mismatches in
/// the module docs; `Io` for a file that cannot be read.
pub fn merge(
    mut chunks: Vec<Chunk>,
    fileset: Option<(&Fileset, &FilesetFingerprint)>,
    partial: bool,
) -> Result<Merged> {
    if chunks.is_empty() {
        return Err(Error::InvalidArgument("merge: no chunk given".into()));
    }
    chunks.sort_by_key(|c| c.span());
    let first = &chunks[0];
    for c in &chunks[1..] {
        same_settings(first, c)?;
    }
    if let Some((_, fp)) = fileset {
        for c in &chunks {
            check_fileset(c, fp)?;
        }
    }
    let gaps = coverage(&chunks, partial)?;
    let n_pheno = first.report.phenotypes.len();
    let index = fileset.map(|(fs, _)| BimIndex::new(fs));
    let mut tables = Vec::new();
    let mut phenotypes = Vec::new();
    for k in 0..n_pheno {
        let mut header: Option<(String, &Path)> = None;
        let mut all = Vec::new();
        let mut file_name = String::new();
        for c in &chunks {
            let path = c.file(k);
            let rows = Rows::read(&path, c.report.phenotypes[k].n_variants_tested)?;
            match &header {
                None => header = Some((rows.header.clone(), &c.json)),
                Some((h, from)) if *h != rows.header => {
                    return Err(Error::Inconsistent(format!(
                        "{}: columns differ from those of the chunk of {} (other tests or layout)",
                        path.display(),
                        from.display()
                    )))
                }
                Some(_) => {}
            }
            if let Some(ix) = &index {
                ix.check(&rows, c.span())?;
            }
            file_name = suffix(&c.prefix, &path);
            all.extend(rows.lines);
        }
        let header = header.map(|(h, _)| h).unwrap_or_default();
        let cols = Columns::of(&header);
        let locus = match &cols {
            Some(c) if c.sorted => {
                // One run sorts by chromosome and position, ties in `.bim`
                // order: chunks in `.bim` order, each sorted, then a
                // stable sort gives the same.
                let mut keyed: Vec<_> = all.into_iter().map(|l| (c.key(&l), l)).collect();
                keyed.sort_by(|a, b| a.0.cmp(&b.0));
                all = keyed.into_iter().map(|(_, l)| l).collect();
                Some((c.chrom, c.pos))
            }
            _ => None,
        };
        phenotypes.push(scan_report(&chunks, k, &header, &all)?);
        tables.push(Table {
            header,
            rows: all,
            suffix: file_name,
            locus,
        });
    }
    let report = AssocReport {
        schema_version: first.report.schema_version,
        command: "merge".into(),
        model: first.report.model.clone(),
        mode: first.report.mode.clone(),
        loco: first.report.loco,
        n_variants_in_bim: first.report.n_variants_in_bim,
        fileset: first.report.fileset.clone(),
        grm_fileset: first.report.grm_fileset.clone(),
        window: None,
        phenotypes,
        chunks: chunks.iter().map(chunk_report).collect(),
        seconds: 0.0,
        warnings: chunk_warnings(&chunks),
    };
    Ok(Merged { report, tables, gaps })
}

/// What the file name of `path` adds to the prefix `prefix`.
fn suffix(prefix: &Path, path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = prefix
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    name.strip_prefix(&format!("{stem}."))
        .map_or(name.clone(), str::to_string)
}
