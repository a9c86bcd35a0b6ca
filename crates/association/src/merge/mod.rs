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

mod chunk;

use std::collections::HashMap;
use std::path::Path;

use genotype::{Fileset, Location};
use kinship::FilesetFingerprint;

pub use chunk::{Chunk, Rows};

use crate::error::{Error, Result};
use crate::output::{order_key, ChromCodes};
use crate::pvalue::lambda_gc;
use crate::report::{AssocReport, ChunkReport, ScanReport, TopHit, WindowReport};

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

/// A refusal naming the chunk `c` and the first chunk it disagrees with.
fn differ(c: &Chunk, first: &Chunk, what: &str, theirs: &str, ours: &str) -> Error {
    Error::Inconsistent(format!(
        "{}: {what} {theirs}, but {} has {ours}; all chunks must come from one set of options",
        c.json.display(),
        first.json.display()
    ))
}

/// Model, mode, LOCO, fileset, phenotypes, null fits and cut are those of
/// `first`.
fn same_settings(first: &Chunk, c: &Chunk) -> Result<()> {
    let (a, b) = (&first.report, &c.report);
    for (what, x, y) in [("model", &a.model, &b.model), ("mode", &a.mode, &b.mode)] {
        if x != y {
            return Err(differ(c, first, what, y, x));
        }
    }
    if a.loco != b.loco {
        return Err(differ(c, first, "--loco", &b.loco.to_string(), &a.loco.to_string()));
    }
    if a.n_variants_in_bim != b.n_variants_in_bim || fingerprint(a) != fingerprint(b) {
        return Err(Error::Inconsistent(format!(
            "{}: scanned another fileset ({} variants in its .bim) than {} ({}) or a changed one",
            c.json.display(),
            b.n_variants_in_bim,
            first.json.display(),
            a.n_variants_in_bim
        )));
    }
    let names = |r: &AssocReport| {
        r.phenotypes
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join(",")
    };
    if names(a) != names(b) {
        return Err(differ(c, first, "phenotype(s)", &names(b), &names(a)));
    }
    for (p, q) in a.phenotypes.iter().zip(&b.phenotypes) {
        let fit = |s: &ScanReport| s.null_model.as_ref().map(|m| (m.n, m.lambda.to_bits(), m.n_covariates));
        if fit(p) != fit(q) || p.n != q.n {
            return Err(Error::Inconsistent(format!(
                "{}: the null model of '{}' differs from that of {} (samples, covariates or variance ratio): \
                 chunks must share one eigen file and one phenotype table",
                c.json.display(),
                q.name,
                first.json.display()
            )));
        }
    }
    let cut = |r: &AssocReport| r.window.as_ref().and_then(|w| w.chunk).map(|[_, n]| n);
    if cut(a) != cut(b) {
        let say = |n: Option<usize>| n.map_or("no --chunk".to_string(), |n| format!("--chunk I/{n}"));
        return Err(differ(c, first, "was cut with", &say(cut(b)), &say(cut(a))));
    }
    Ok(())
}

/// The fingerprint without the prefix it was read from.
fn fingerprint(r: &AssocReport) -> Option<FilesetFingerprint> {
    r.fileset.clone().map(|f| FilesetFingerprint {
        prefix: String::new(),
        ..f
    })
}

/// The chunk scanned the fileset of `--bfile`.
fn check_fileset(c: &Chunk, fp: &FilesetFingerprint) -> Result<()> {
    let here = FilesetFingerprint {
        prefix: String::new(),
        ..fp.clone()
    };
    if fingerprint(&c.report) != Some(here) {
        return Err(Error::Inconsistent(format!(
            "{}: scanned another fileset than {} (or the fileset changed since)",
            c.json.display(),
            fp.prefix
        )));
    }
    Ok(())
}

/// Spans must not overlap; gaps are refused, or returned with `partial`.
fn coverage(chunks: &[Chunk], partial: bool) -> Result<Vec<[usize; 2]>> {
    let m = chunks[0].report.n_variants_in_bim;
    let mut gaps = Vec::new();
    let mut end = 0;
    let mut last: Option<&Chunk> = None;
    for c in chunks {
        let [a, b] = c.span();
        if a < end {
            let other = last.map_or_else(String::new, |l| l.json.display().to_string());
            return Err(Error::Inconsistent(format!(
                "{}: its variants (.bim lines {}-{}) overlap those of {other}",
                c.json.display(),
                a + 1,
                b
            )));
        }
        if a > end {
            gaps.push([end, a]);
        }
        end = end.max(b);
        last = Some(c);
    }
    if end < m {
        gaps.push([end, m]);
    }
    if let (Some([a, b]), false) = (gaps.first(), partial) {
        return Err(Error::Inconsistent(format!(
            "no chunk covers .bim lines {}-{} ({} gap(s) in all, e.g. a missing chunk{}); \
             give every chunk, or --partial to merge regions",
            a + 1,
            b,
            gaps.len(),
            missing_chunks(chunks)
        )));
    }
    Ok(gaps)
}

/// `: 2/8, 5/8` when the chunks are `I/N` cuts with some `I` absent.
fn missing_chunks(chunks: &[Chunk]) -> String {
    let Some(n) = chunks[0].report.window.as_ref().and_then(|w| w.chunk).map(|[_, n]| n) else {
        return String::new();
    };
    let have: Vec<usize> = chunks
        .iter()
        .filter_map(|c| c.report.window.as_ref()?.chunk.map(|[i, _]| i))
        .collect();
    let absent: Vec<String> = (1..=n)
        .filter(|i| !have.contains(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    format!(": {} absent", absent.join(", "))
}

fn chunk_report(c: &Chunk) -> ChunkReport {
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
fn chunk_warnings(chunks: &[Chunk]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in chunks.iter().flat_map(|c| &c.report.warnings) {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out
}

/// Columns of a summary-statistics header: GWAS-SSF or GEMMA's layout.
struct Columns {
    chrom: usize,
    pos: usize,
    id: usize,
    beta: usize,
    p: usize,
    neg_log10: Option<usize>,
    /// GWAS-SSF: rows sorted by chromosome and position (GEMMA's: `.bim`
    /// order).
    sorted: bool,
}

impl Columns {
    fn of(header: &str) -> Option<Self> {
        let names: Vec<&str> = header.split('\t').collect();
        let at = |n: &str| names.iter().position(|&x| x == n);
        let p = at("p_value")
            .or_else(|| at("p_wald"))
            .or_else(|| at("p_lrt"))
            .or_else(|| at("p_score"))?;
        Some(Self {
            chrom: at("chromosome").or_else(|| at("chr"))?,
            pos: at("base_pair_location").or_else(|| at("ps"))?,
            id: at("bim_id").or_else(|| at("rs"))?,
            beta: at("beta")?,
            p,
            neg_log10: at("neg_log_10_p_value"),
            sorted: at("chromosome").is_some(),
        })
    }

    /// The sort key of a GWAS-SSF row.
    fn key(&self, line: &str) -> (bool, u64, String, i64) {
        let f: Vec<&str> = line.split('\t').collect();
        let pos = f.get(self.pos).and_then(|p| p.parse().ok()).unwrap_or(i64::MIN);
        order_key(f.get(self.chrom).copied().unwrap_or(""), pos)
    }
}

/// Phenotype `k`'s merged report: the first chunk's null model, the rows'
/// count, genomic control and strongest hits from the written values.
fn scan_report(chunks: &[Chunk], k: usize, header: &str, rows: &[String]) -> Result<ScanReport> {
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

/// `.bim` lines by (position, ID), to place rows.
struct BimIndex<'a> {
    fs: &'a Fileset,
    at: HashMap<(i64, &'a str), Vec<usize>>,
}

impl<'a> BimIndex<'a> {
    fn new(fs: &'a Fileset) -> Self {
        let mut at: HashMap<(i64, &str), Vec<usize>> = HashMap::new();
        for (i, v) in fs.variants.iter().enumerate() {
            at.entry((v.pos, &*v.id)).or_default().push(i);
        }
        Self { fs, at }
    }

    /// Every row is a variant of the `.bim` (same chromosome, as the
    /// `.bim` writes it or in the GWAS-SSF human code), inside `span`, and
    /// no variant comes twice.
    fn check(&self, rows: &Rows, span: [usize; 2]) -> Result<()> {
        let Some(cols) = Columns::of(&rows.header) else {
            return Ok(());
        };
        let mut seen = vec![false; span[1].saturating_sub(span[0])];
        for (i, line) in rows.lines.iter().enumerate() {
            let f: Vec<&str> = line.split('\t').collect();
            let chrom = f.get(cols.chrom).copied().unwrap_or("");
            let pos: i64 = f.get(cols.pos).and_then(|p| p.parse().ok()).unwrap_or(i64::MIN);
            let id = f.get(cols.id).copied().unwrap_or("");
            let same_chrom = |l: usize| {
                let c = &self.fs.variants[l].chrom;
                c.to_string() == chrom || ChromCodes::Human.code(c) == chrom
            };
            let place = self.at.get(&(pos, id)).and_then(|lines| {
                lines
                    .iter()
                    .copied()
                    .find(|&l| l >= span[0] && l < span[1] && same_chrom(l) && !seen[l - span[0]])
            });
            let Some(l) = place else {
                return Err(Error::Inconsistent(format!(
                    "{}, line {}: variant {id} at {chrom}:{pos} is not a variant of {}.bim in this chunk's span, \
                     or comes twice",
                    rows.path.display(),
                    i + 2,
                    self.fs.prefix.display()
                )));
            };
            seen[l - span[0]] = true;
        }
        Ok(())
    }
}
