//! The BIMBAM annotation file (GEMMA's `-a`): where each variant is.
//!
//! One line per variant, no header: the variant ID, the base-pair position,
//! then optionally the chromosome and the genetic position (cM); fields
//! separated by runs of spaces, commas and tabs. GEMMA's rules, kept here:
//! a position `NA` is unknown (GEMMA stores `-9`), a position `0` is an
//! error; a missing or `NA` chromosome or cM is unknown. Annotation lines
//! are matched to the genotype file by ID: lines for IDs the genotype file
//! does not have are ignored, and variants without a line stay unplaced
//! (GEMMA prints chromosome and position `-9` for them). Both are counted
//! in an [`AnnotationMatch`] so that callers can warn. kindred is stricter
//! than GEMMA where GEMMA would silently read garbage: a position that is
//! not an integer, more than four fields, an ID annotated twice (GEMMA
//! keeps the last line) and an annotation file that places no variant at
//! all (surely the wrong file) are errors.

use std::collections::HashMap;

use super::geno::UNKNOWN_POSITION;
use super::lines::{fields, text, Lines};
use crate::error::{Error, Location, Result};
use crate::variant::{Chrom, Variant};

/// How the lines of an annotation file matched the genotype file's
/// variants, for warnings that name a line or a variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationMatch {
    /// Variants of the genotype file placed by an annotation line.
    pub n_placed: usize,
    /// Variants without an annotation line (chromosome 0, position `-9`).
    pub n_unplaced: usize,
    /// The first of them, by ID.
    pub first_unplaced: Option<Box<str>>,
    /// Annotation lines whose ID is not in the genotype file (ignored).
    pub n_unused: usize,
    /// The first of them: its 1-based line and its ID.
    pub first_unused: Option<(usize, Box<str>)>,
}

/// One annotation line.
struct Place {
    line: usize,
    pos: i64,
    chrom: Chrom,
    cm: f64,
}

/// A position field: `NA` or `-9` (unknown) or a positive integer.
fn position(field: &str) -> Option<i64> {
    match field {
        "NA" | "-9" => Some(UNKNOWN_POSITION),
        _ => field.parse::<i64>().ok().filter(|&p| p > 0),
    }
}

/// Reads `lines` and places `variants` (their positions in the genotype
/// file given by `index`).
///
/// # Errors
/// `MalformedInput` naming the line (and the ID) for a line with fewer than
/// two or more than four fields, a position that is not a positive integer,
/// `NA` or `-9`, a cM that is not a finite number or `NA`, an ID already
/// annotated on an earlier line, a field that is not UTF-8 text, and the
/// file for an empty file; `InconsistentInput` naming the first line when
/// no ID is in the genotype file.
pub(super) fn apply(
    lines: &mut Lines,
    variants: &mut [Variant],
    index: &HashMap<Box<str>, u32>,
    geno: &std::path::Path,
) -> Result<AnnotationMatch> {
    let path = lines.path().to_path_buf();
    let mut places: HashMap<Box<str>, Place> = HashMap::new();
    let mut first_line = None;
    let mut first_unused = None;
    let mut n_unused = 0;
    while let Some((no, line)) = lines.next_line()? {
        let at = || Location::line(&path, no);
        let f = fields(line)
            .map(std::str::from_utf8)
            .collect::<Result<Vec<&str>, _>>()
            .map_err(|_| Error::malformed(at(), format!("the line '{}' is not UTF-8 text", text(line))))?;
        if !(2..=4).contains(&f.len()) {
            return Err(Error::malformed(
                at(),
                format!(
                    "found {} field(s); an annotation line holds the variant ID, its base-pair position, and \
                     optionally its chromosome and cM position",
                    f.len()
                ),
            ));
        }
        let id = f[0];
        let named = |what: String| Error::malformed(at(), format!("variant '{id}': {what}"));
        let pos = position(f[1]).ok_or_else(|| {
            named(format!(
                "position '{}' is not a positive integer (an unknown position is written NA)",
                f[1]
            ))
        })?;
        let chrom = match f.get(2) {
            None | Some(&"NA") | Some(&"-9") => Chrom::Unplaced,
            Some(code) => Chrom::parse(code),
        };
        let cm = match f.get(3) {
            None | Some(&"NA") => 0.0,
            Some(t) => t
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| named(format!("cM position '{t}' is not a number")))?,
        };
        first_line.get_or_insert((no, Box::<str>::from(id)));
        if !index.contains_key(id) {
            n_unused += 1;
            first_unused.get_or_insert((no, id.into()));
        }
        let place = Place {
            line: no,
            pos,
            chrom,
            cm,
        };
        if let Some(earlier) = places.insert(id.into(), place) {
            return Err(named(format!("already annotated on line {}", earlier.line)));
        }
    }
    let Some((line, id)) = first_line else {
        return Err(Error::malformed(
            Location::file(&path),
            "no variants: the annotation file is empty",
        ));
    };
    let mut out = AnnotationMatch {
        n_placed: 0,
        n_unplaced: 0,
        first_unplaced: None,
        n_unused,
        first_unused,
    };
    for v in variants.iter_mut() {
        match places.get(&v.id) {
            Some(p) => {
                out.n_placed += 1;
                (v.pos, v.chrom, v.cm) = (p.pos, p.chrom.clone(), p.cm);
            }
            None => {
                out.n_unplaced += 1;
                out.first_unplaced.get_or_insert_with(|| v.id.clone());
            }
        }
    }
    if out.n_placed == 0 {
        return Err(Error::inconsistent(
            Location::line(&path, line),
            format!(
                "no variant ID of the file is in {} (the first is '{id}'): is it the annotation of another data set?",
                geno.display()
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn variant(id: &str) -> Variant {
        Variant {
            chrom: Chrom::Unplaced,
            id: id.into(),
            cm: 0.0,
            pos: UNKNOWN_POSITION,
            a1: "A".into(),
            a2: "G".into(),
        }
    }

    fn run(text: &'static [u8], ids: &[&str]) -> Result<(Vec<Variant>, AnnotationMatch)> {
        let mut variants: Vec<Variant> = ids.iter().map(|id| variant(id)).collect();
        let index = ids
            .iter()
            .enumerate()
            .map(|(k, id)| (Box::from(*id), k as u32))
            .collect();
        let mut lines = Lines::from_reader(Path::new("a.txt"), Box::new(text), false);
        let m = apply(&mut lines, &mut variants, &index, Path::new("g.txt"))?;
        Ok((variants, m))
    }

    #[test]
    fn places_variants_as_gemma_does() {
        let text = b"rs1\t3197400\t1\t0\nrs2, NA, 19\nrs9 100 2 1.5\nrs3 -9\nrs4 12 chrX NA\n";
        let (v, m) = run(text, &["rs1", "rs2", "rs3", "rs4", "rs5"]).unwrap();
        assert_eq!(
            (v[0].chrom.clone(), v[0].pos, v[0].cm),
            (Chrom::Auto(1), 3_197_400, 0.0)
        );
        assert_eq!((v[1].chrom.clone(), v[1].pos), (Chrom::Auto(19), -9));
        assert_eq!((v[2].chrom.clone(), v[2].pos), (Chrom::Unplaced, -9));
        assert_eq!((v[3].chrom.clone(), v[3].pos), (Chrom::X, 12));
        assert_eq!((v[4].chrom.clone(), v[4].pos), (Chrom::Unplaced, -9));
        assert_eq!(
            m,
            AnnotationMatch {
                n_placed: 4,
                n_unplaced: 1,
                first_unplaced: Some("rs5".into()),
                n_unused: 1,
                first_unused: Some((3, "rs9".into())),
            }
        );
    }

    #[test]
    fn positions() {
        assert_eq!(position("1"), Some(1));
        assert_eq!(position("NA"), Some(-9));
        for bad in ["0", "-1", "1.5", "1e6", "x", "na"] {
            assert_eq!(position(bad), None, "{bad}");
        }
    }
}
