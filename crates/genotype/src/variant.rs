//! Variants: the `.bim` file and chromosome codes.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::text::TextFile;

/// A chromosome, parsed once so that hot code never compares strings.
///
/// Codes follow PLINK's: `1`-`22` autosomes (larger numbers are kept as
/// autosomes too, for species with more), `23`/`X`, `24`/`Y`, `25`/`XY`,
/// `26`/`MT`/`M`, `0` unplaced, a `chr` prefix ignored; anything else is a
/// named contig.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chrom {
    /// Numbered autosome (1-based).
    Auto(u8),
    /// X chromosome.
    X,
    /// Y chromosome.
    Y,
    /// Pseudo-autosomal region of X (PLINK's `XY`).
    XY,
    /// Mitochondrial.
    MT,
    /// Code `0`: unplaced.
    Unplaced,
    /// Any other contig name.
    Other(Box<str>),
}

impl Chrom {
    /// Parses a `.bim` chromosome code (never fails: unknown names are contigs).
    pub fn parse(code: &str) -> Self {
        let bare = code
            .strip_prefix("chr")
            .or_else(|| code.strip_prefix("Chr"))
            .or_else(|| code.strip_prefix("CHR"))
            .filter(|b| !b.is_empty())
            .unwrap_or(code);
        if let Ok(n) = bare.parse::<u16>() {
            return match n {
                0 => Chrom::Unplaced,
                23 => Chrom::X,
                24 => Chrom::Y,
                25 => Chrom::XY,
                26 => Chrom::MT,
                n if n <= 95 => Chrom::Auto(n as u8),
                _ => Chrom::Other(code.into()),
            };
        }
        match bare.to_ascii_uppercase().as_str() {
            "X" => Chrom::X,
            "Y" => Chrom::Y,
            "XY" => Chrom::XY,
            "MT" | "M" => Chrom::MT,
            _ => Chrom::Other(code.into()),
        }
    }

    /// Whether this is a numbered autosome.
    pub fn is_autosome(&self) -> bool {
        matches!(self, Chrom::Auto(_))
    }
}

impl std::fmt::Display for Chrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Chrom::Auto(n) => write!(f, "{n}"),
            Chrom::X => f.write_str("X"),
            Chrom::Y => f.write_str("Y"),
            Chrom::XY => f.write_str("XY"),
            Chrom::MT => f.write_str("MT"),
            Chrom::Unplaced => f.write_str("0"),
            Chrom::Other(name) => f.write_str(name),
        }
    }
}

/// One `.bim` row. Genotypes count copies of `a1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Chromosome.
    pub chrom: Chrom,
    /// Variant ID (may repeat; `.` is common).
    pub id: Box<str>,
    /// Genetic position in centimorgans.
    pub cm: f64,
    /// Base-pair position; PLINK uses negative values (often `-9`) for unknown.
    pub pos: i64,
    /// Counted allele (`.bim` column 5).
    pub a1: Box<str>,
    /// Other allele (`.bim` column 6).
    pub a2: Box<str>,
}

/// Variant IDs that a `.bim` uses on more than one line. PLINK accepts
/// them, but an ID list (`--extract`, `--exclude`) then selects every copy,
/// so commands warn about them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepeatedIds {
    /// Distinct IDs found on more than one line.
    pub n_ids: usize,
    /// Lines whose ID an earlier line already used.
    pub n_lines: usize,
    /// The first of those lines, for a warning that names it.
    pub first: Option<RepeatedId>,
}

/// A `.bim` line whose variant ID an earlier line already used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedId {
    /// 1-based line of the repeat.
    pub line: usize,
    /// 1-based line where the ID first appears.
    pub first_line: usize,
    /// The ID.
    pub id: Box<str>,
}

/// A `.bim` read whole: its variants, and the IDs it repeats (found while
/// parsing, where the line numbers are known).
#[derive(Debug, Clone)]
pub struct Bim {
    /// Variants, in file order.
    pub variants: Vec<Variant>,
    /// Variant IDs used on more than one line.
    pub repeated_ids: RepeatedIds,
}

/// The error message of a `.bim` without variants.
pub(crate) const EMPTY_BIM: &str = "no variants: the .bim file is empty";

/// Reads a `.bim` file: exactly six whitespace-separated columns per line.
///
/// # Errors
/// `MalformedInput` naming the line for a wrong column count, a
/// non-numeric cM or position, or an empty file.
pub fn read_bim(path: &Path) -> Result<Bim> {
    parse_bim(&TextFile::read(path)?)
}

pub(crate) fn parse_bim(file: &TextFile) -> Result<Bim> {
    let mut out = Vec::new();
    let mut repeated_ids = RepeatedIds::default();
    // ID -> (its first line, whether it has been seen again)
    let mut seen: HashMap<&str, (usize, bool)> = HashMap::new();
    for line in file.lines() {
        let (no, text) = line?;
        let toks: Vec<&str> = text.split_ascii_whitespace().collect();
        if toks.len() != 6 {
            return Err(Error::malformed(
                file.at(no),
                format!(
                    "expected 6 columns (chromosome, id, cM, position, A1, A2), found {}",
                    toks.len()
                ),
            ));
        }
        let cm = toks[2].parse::<f64>().ok().filter(|c| c.is_finite()).ok_or_else(|| {
            Error::malformed(
                file.at(no),
                format!("genetic position '{}' is not a finite number", toks[2]),
            )
        })?;
        let pos = toks[3].parse::<i32>().map_err(|_| {
            Error::malformed(
                file.at(no),
                format!(
                    "base-pair position '{}' is not an integer in PLINK's 32-bit range",
                    toks[3]
                ),
            )
        })?;
        let (first_line, again) = seen.entry(toks[1]).or_insert((no, false));
        if *first_line != no {
            repeated_ids.n_lines += 1;
            repeated_ids.n_ids += usize::from(!*again);
            *again = true;
            repeated_ids.first.get_or_insert_with(|| RepeatedId {
                line: no,
                first_line: *first_line,
                id: toks[1].into(),
            });
        }

        out.push(Variant {
            chrom: Chrom::parse(toks[0]),
            id: toks[1].into(),
            cm,
            pos: i64::from(pos),
            a1: toks[4].into(),
            a2: toks[5].into(),
        });
    }
    if out.is_empty() {
        return Err(Error::malformed(file.whole(), EMPTY_BIM));
    }
    Ok(Bim {
        variants: out,
        repeated_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromosome_codes() {
        assert_eq!(Chrom::parse("1"), Chrom::Auto(1));
        assert_eq!(Chrom::parse("chr19"), Chrom::Auto(19));
        assert_eq!(Chrom::parse("23"), Chrom::X);
        assert_eq!(Chrom::parse("x"), Chrom::X);
        assert_eq!(Chrom::parse("25"), Chrom::XY);
        assert_eq!(Chrom::parse("M"), Chrom::MT);
        assert_eq!(Chrom::parse("0"), Chrom::Unplaced);
        assert_eq!(Chrom::parse("scaffold_7"), Chrom::Other("scaffold_7".into()));
        assert_eq!(Chrom::parse("chr"), Chrom::Other("chr".into()));
        assert_eq!(Chrom::parse("26").to_string(), "MT");
    }

    #[test]
    fn parses_and_reports_lines() {
        let f = TextFile::from_bytes(Path::new("t.bim"), b"1 rs1 0 100 A G\r\n1\trs2 0.5 -9 C T\n");
        let v = parse_bim(&f).unwrap().variants;
        assert_eq!(v[1].pos, -9);
        assert_eq!(&*v[1].a1, "C");
        let f = TextFile::from_bytes(Path::new("t.bim"), b"1 rs1 0 100 A G\n1 rs2 0 x A G\n");
        assert_eq!(
            parse_bim(&f).unwrap_err().to_string(),
            "t.bim, line 2: base-pair position 'x' is not an integer in PLINK's 32-bit range"
        );
        for cm in ["nan", "inf", "-inf", "NaN"] {
            let text = format!("1 rs1 0 100 A G\n1 rs2 {cm} 200 A G\n");
            let f = TextFile::from_bytes(Path::new("t.bim"), text.as_bytes());
            assert_eq!(
                parse_bim(&f).unwrap_err().to_string(),
                format!("t.bim, line 2: genetic position '{cm}' is not a finite number")
            );
        }
    }

    /// Repeated IDs are counted per ID and per line, and the first repeat
    /// is named by its file line (blank lines included in the count).
    #[test]
    fn finds_repeated_ids_with_their_lines() {
        let f = TextFile::from_bytes(
            Path::new("t.bim"),
            b"1 a 0 1 A G\n\n1 b 0 2 A G\n1 a 0 3 A G\n1 a 0 4 A G\n1 b 0 5 A G\n1 c 0 6 A G\n",
        );
        let r = parse_bim(&f).unwrap().repeated_ids;
        assert_eq!((r.n_ids, r.n_lines), (2, 3));
        let first = r.first.unwrap();
        assert_eq!((first.line, first.first_line, &*first.id), (4, 1, "a"));
        let f = TextFile::from_bytes(Path::new("t.bim"), b"1 a 0 1 A G\n1 b 0 2 A G\n");
        assert_eq!(parse_bim(&f).unwrap().repeated_ids, RepeatedIds::default());
    }
}
