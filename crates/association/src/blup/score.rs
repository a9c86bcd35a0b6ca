//! Polygenic scores from SNP effects (`kindred score`): `Σ_j (x_j - mean_j)
//! effect_j` over the variants of an effects file (`kindred reml
//! --blup-snp`'s `.snpblup.tsv`, or any table with the same columns) that
//! a fileset also has.
//!
//! Variants are matched by ID and alleles. Listed with the fileset's A1 as
//! the effect allele they count as written; listed swapped, the effect is
//! negated and the centre becomes `2 - mean` (the count of the other
//! allele). A palindromic variant (A/T or C/G) listed swapped is ambiguous
//! (a strand flip looks the same) and left out, as are variants whose
//! alleles differ; each reason is counted. A missing genotype counts as
//! the centre (it adds nothing), as in the GRM.

use std::collections::HashMap;
use std::path::Path;

use genotype::{AlleleStats, Encoding, Fileset, Genotypes, Location, SampleSubset};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// One variant's effect as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Variant ID.
    pub id: String,
    /// The allele the effect counts.
    pub effect_allele: String,
    /// The other allele.
    pub other_allele: String,
    /// Centre of the effect allele's count.
    pub mean: f64,
    /// Effect per copy of the effect allele.
    pub effect: f64,
}

/// Reads an effects table: a header naming at least `variant_id`,
/// `effect_allele`, `other_allele`, `mean` and `effect` (any order, tab or
/// space separated), then one variant per line.
///
/// # Errors
/// `Io` for an unreadable file; `Malformed` naming the file and line for
/// a missing column, a short line, a value that is not a finite number, or
/// a variant listed twice.
pub fn read_effects(path: &Path) -> Result<Vec<Effect>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let bad = |line: usize, what: String| Error::Malformed {
        at: Location::line(path, line),
        what,
    };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((h, header)) = lines.next() else {
        return Err(bad(
            1,
            "is empty: expected a header naming variant_id, effect_allele, other_allele, mean and effect".into(),
        ));
    };
    let names: Vec<&str> = header.split_whitespace().collect();
    let col = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| bad(h + 1, format!("the header has no column '{name}'")))
    };
    let cols = [
        col("variant_id")?,
        col("effect_allele")?,
        col("other_allele")?,
        col("mean")?,
        col("effect")?,
    ];
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, line) in lines {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() != names.len() {
            return Err(bad(
                i + 1,
                format!("has {} fields, the header {}", t.len(), names.len()),
            ));
        }
        let number = |j: usize, what: &str| {
            t[j].parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(i + 1, format!("{what} '{}' is not a finite number", t[j])))
        };
        let e = Effect {
            id: t[cols[0]].to_string(),
            effect_allele: t[cols[1]].to_string(),
            other_allele: t[cols[2]].to_string(),
            mean: number(cols[3], "mean")?,
            effect: number(cols[4], "effect")?,
        };
        if let Some(first) = seen.insert(e.id.clone(), i + 1) {
            return Err(bad(
                i + 1,
                format!("variant {} is listed twice (first on line {first})", e.id),
            ));
        }
        out.push(e);
    }
    Ok(out)
}

/// How the effects matched the fileset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matching {
    /// Effects listed.
    pub listed: usize,
    /// Used as listed.
    pub used: usize,
    /// Used with the alleles swapped.
    pub flipped: usize,
    /// Not in the fileset's `.bim`.
    pub absent: usize,
    /// Alleles that are not the `.bim`'s pair.
    pub other_alleles: usize,
    /// Palindromic variants listed swapped (left out).
    pub ambiguous: usize,
}

/// A variant to score: `.bim` position, centre and effect of A1.
struct Term {
    variant: u32,
    mean: f64,
    effect: f64,
}

fn complement(a: &str) -> Option<&'static str> {
    match a {
        "A" => Some("T"),
        "T" => Some("A"),
        "C" => Some("G"),
        "G" => Some("C"),
        _ => None,
    }
}

/// Matches `effects` to `fileset`'s `.bim` (module docs).
fn match_effects(fileset: &Fileset, effects: &[Effect]) -> (Vec<Term>, Matching) {
    let mut index: HashMap<&str, u32> = HashMap::new();
    for (j, v) in fileset.variants.iter().enumerate().rev() {
        index.insert(&v.id, j as u32);
    }
    let mut m = Matching {
        listed: effects.len(),
        ..Matching::default()
    };
    let mut terms = Vec::new();
    for e in effects {
        let Some(&j) = index.get(e.id.as_str()) else {
            m.absent += 1;
            continue;
        };
        let v = &fileset.variants[j as usize];
        let (a1, a2) = (&*v.a1, &*v.a2);
        let (ea, oa) = (e.effect_allele.as_str(), e.other_allele.as_str());
        if (ea, oa) == (a1, a2) {
            m.used += 1;
            terms.push(Term {
                variant: j,
                mean: e.mean,
                effect: e.effect,
            });
        } else if (ea, oa) == (a2, a1) {
            if complement(a1) == Some(a2) {
                m.ambiguous += 1;
                continue;
            }
            m.flipped += 1;
            terms.push(Term {
                variant: j,
                mean: 2.0 - e.mean,
                effect: -e.effect,
            });
        } else {
            m.other_alleles += 1;
        }
    }
    terms.sort_by_key(|t| t.variant);
    (terms, m)
}

/// Variants per decoded block.
const BLOCK: usize = 512;

/// Scores `samples` of `fileset` with `effects`: one score per sample in
/// the subset's order, and how the effects matched. The sum runs in `.bim`
/// order for every sample, whatever the number of threads.
pub fn score(fileset: &Fileset, samples: &SampleSubset, effects: &[Effect]) -> (Vec<f64>, Matching) {
    let (terms, matching) = match_effects(fileset, effects);
    let g = Genotypes::new(&fileset.bed, samples);
    let n = samples.len();
    let mut scores = vec![0.0; n];
    let mut block = vec![0.0; n * BLOCK];
    let mut stats = vec![AlleleStats::default(); BLOCK];
    for chunk in terms.chunks(BLOCK) {
        let variants: Vec<u32> = chunk.iter().map(|t| t.variant).collect();
        let b = chunk.len();
        g.decode_block(&variants, Encoding::Raw, &mut block[..n * b], &mut stats[..b]);
        let block = &block[..n * b];
        scores.par_iter_mut().enumerate().for_each(|(i, s)| {
            for (j, t) in chunk.iter().enumerate() {
                let x = block[j * n + i];
                if !x.is_nan() {
                    *s += (x - t.mean) * t.effect;
                }
            }
        });
    }
    (scores, matching)
}

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
