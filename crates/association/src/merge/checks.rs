//! What `merge` refuses: chunks made with other settings or from another
//! fileset, overlapping chunks and gaps, and rows that are not the `.bim`'s
//! variants of their chunk's span.

use std::collections::HashMap;

use genotype::Fileset;
use kinship::FilesetFingerprint;

use super::columns::Columns;
use super::{Chunk, Rows};
use crate::error::{Error, Result};
use crate::output::ChromCodes;
use crate::report::{AssocReport, ScanReport};

/// A refusal naming the chunk `c` and the first chunk it disagrees with.
fn differ(c: &Chunk, first: &Chunk, what: &str, theirs: &str, ours: &str) -> Error {
    Error::Inconsistent(format!(
        "{}: {what} {theirs}, but {} has {ours}; all chunks must come from one set of options",
        c.json.display(),
        first.json.display()
    ))
}

/// Model, mode, LOCO, fileset, GRM fileset, phenotypes, null fits and cut are those of
/// `first`.
pub(super) fn same_settings(first: &Chunk, c: &Chunk) -> Result<()> {
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
    let grm = |r: &AssocReport| {
        r.grm_fileset.clone().map(|f| FilesetFingerprint {
            prefix: String::new(),
            ..f
        })
    };
    if grm(a) != grm(b) {
        let say = |r: &AssocReport| {
            r.grm_fileset
                .as_ref()
                .map_or("the analysed genotypes".to_string(), |f| f.prefix.clone())
        };
        return Err(differ(c, first, "K built from", &say(b), &say(a)));
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
pub(super) fn check_fileset(c: &Chunk, fp: &FilesetFingerprint) -> Result<()> {
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
pub(super) fn coverage(chunks: &[Chunk], partial: bool) -> Result<Vec<[usize; 2]>> {
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

/// `.bim` lines by (position, ID), to place rows.
pub(super) struct BimIndex<'a> {
    fs: &'a Fileset,
    at: HashMap<(i64, &'a str), Vec<usize>>,
}

impl<'a> BimIndex<'a> {
    pub(super) fn new(fs: &'a Fileset) -> Self {
        let mut at: HashMap<(i64, &str), Vec<usize>> = HashMap::new();
        for (i, v) in fs.variants.iter().enumerate() {
            at.entry((v.pos, &*v.id)).or_default().push(i);
        }
        Self { fs, at }
    }

    /// Every row is a variant of the `.bim` (same chromosome, as the
    /// `.bim` writes it or in the GWAS-SSF human code), inside `span`, and
    /// no variant comes twice.
    pub(super) fn check(&self, rows: &Rows, span: [usize; 2]) -> Result<()> {
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
