//! Samples: the `.fam` file and sample identifiers.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::text::{parse_value, TextFile};

/// A sample's identity: family ID and individual ID, as in PLINK.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleId {
    /// Family ID (`.fam` column 1).
    pub fid: Box<str>,
    /// Individual ID (`.fam` column 2).
    pub iid: Box<str>,
}

impl SampleId {
    /// Builds an ID from its two parts.
    pub fn new(fid: &str, iid: &str) -> Self {
        Self {
            fid: fid.into(),
            iid: iid.into(),
        }
    }
}

impl std::fmt::Display for SampleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.fid, self.iid)
    }
}

/// Sex as coded in `.fam` column 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Code 1.
    Male,
    /// Code 2.
    Female,
    /// Code 0 or anything else.
    Unknown,
}

/// One `.fam` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Family and individual ID.
    pub id: SampleId,
    /// Father's IID, `None` when `0`.
    pub father: Option<Box<str>>,
    /// Mother's IID, `None` when `0`.
    pub mother: Option<Box<str>>,
    /// Sex.
    pub sex: Sex,
}

impl Sample {
    /// Whether both parents are absent from the record (a founder in PLINK's sense).
    pub fn is_founder(&self) -> bool {
        self.father.is_none() && self.mother.is_none()
    }
}

/// The error message of a `.fam` without samples.
pub(crate) const EMPTY_FAM: &str = "no samples: the .fam file is empty";

/// The samples of a `.fam` file with its phenotype columns (column 6 and
/// beyond; GEMMA's `-n 1` is column 6).
#[derive(Debug, Clone)]
pub struct Fam {
    /// Samples in file order: this order is the `.bed` order.
    pub samples: Vec<Sample>,
    /// Phenotype columns, each one value per sample (`None` = missing).
    pub phenotypes: Vec<Vec<Option<f64>>>,
}

impl Fam {
    /// Reads and validates a `.fam` file.
    ///
    /// # Errors
    /// `MalformedInput` for fewer than six columns, a line whose column count
    /// differs from the first line's, a non-numeric phenotype or an empty file;
    /// `InconsistentInput` for a duplicate (FID, IID).
    pub fn read(path: &Path) -> Result<Self> {
        Self::parse(&TextFile::read(path)?)
    }

    pub(crate) fn parse(file: &TextFile) -> Result<Self> {
        let mut samples = Vec::new();
        let mut phenotypes: Vec<Vec<Option<f64>>> = Vec::new();
        let mut width = None;
        let mut seen: HashMap<SampleId, usize> = HashMap::new();
        for line in file.lines() {
            let (no, text) = line?;
            let toks: Vec<&str> = text.split_ascii_whitespace().collect();
            if toks.len() < 6 {
                return Err(Error::malformed(
                    file.at(no),
                    format!(
                        "expected at least 6 columns (FID IID father mother sex phenotype), found {}",
                        toks.len()
                    ),
                ));
            }
            let w = *width.get_or_insert(toks.len());
            if toks.len() != w {
                return Err(Error::malformed(
                    file.at(no),
                    format!("found {} columns where earlier lines have {w}", toks.len()),
                ));
            }
            if phenotypes.is_empty() {
                phenotypes = vec![Vec::new(); w - 5];
            }
            let id = SampleId::new(toks[0], toks[1]);
            if let Some(first) = seen.insert(id.clone(), no) {
                return Err(Error::inconsistent(
                    file.at(no),
                    format!("duplicate sample '{id}' (first seen on line {first})"),
                ));
            }
            let parent = |t: &str| (t != "0").then(|| t.into());
            let sex = match toks[4] {
                "1" => Sex::Male,
                "2" => Sex::Female,
                _ => Sex::Unknown,
            };
            for (col, tok) in phenotypes.iter_mut().zip(&toks[5..]) {
                let v = parse_value(tok).map_err(|m| Error::malformed(file.at(no), format!("phenotype: {m}")))?;
                col.push(v);
            }
            samples.push(Sample {
                id,
                father: parent(toks[2]),
                mother: parent(toks[3]),
                sex,
            });
        }
        if samples.is_empty() {
            return Err(Error::malformed(file.whole(), EMPTY_FAM));
        }
        Ok(Self { samples, phenotypes })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether there are no samples (never true for a file read successfully).
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Position of each ID in the file, for matching tables and lists.
    pub fn index(&self) -> HashMap<&SampleId, usize> {
        self.samples.iter().enumerate().map(|(i, s)| (&s.id, i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Fam> {
        Fam::parse(&TextFile::from_bytes(Path::new("t.fam"), text.as_bytes()))
    }

    #[test]
    fn reads_extra_phenotype_columns_and_missing_codes() {
        let fam = parse("f1 a 0 0 1 1.5 NA\nf1 b a 0 2 -9 2\r\n\nf2 c 0 0 0 nan 3\n").unwrap();
        assert_eq!(fam.len(), 3);
        assert_eq!(fam.phenotypes.len(), 2);
        assert_eq!(fam.phenotypes[0], vec![Some(1.5), None, None]);
        assert_eq!(fam.phenotypes[1], vec![None, Some(2.0), Some(3.0)]);
        assert_eq!(fam.samples[1].father.as_deref(), Some("a"));
        assert_eq!(fam.samples[2].sex, Sex::Unknown);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("f a 0 0 1 1\nf b 0 0 1\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "t.fam, line 2: expected at least 6 columns (FID IID father mother sex phenotype), found 5"
        );
        let e = parse("f a 0 0 1 1\nf a 0 0 1 2\n").unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("duplicate sample 'f a' (first seen on line 1)"),
            "{e}"
        );
        let e = parse("f a 0 0 1 abc\n").unwrap_err().to_string();
        assert!(e.starts_with("t.fam, line 1: phenotype: 'abc'"), "{e}");
        assert!(parse("\n \n").unwrap_err().to_string().contains("empty"));
    }
}
