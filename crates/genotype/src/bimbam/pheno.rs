//! The BIMBAM phenotype file (GEMMA's `-p`): one line per sample, in the
//! order of the mean-genotype file's dosage columns, no header and no IDs;
//! one or more phenotype columns (GEMMA's `-n 1`, `-n 2`, ...) separated by
//! runs of spaces, commas and tabs.
//!
//! Missing is `NA`, exactly: GEMMA treats nothing else as missing in this
//! file, so `-9` is the number -9 here (unlike in a `.fam`, where GEMMA and
//! PLINK read it as missing). Where GEMMA would read a word as 0 (`atof`),
//! kindred refuses it. Every line must have as many columns as the first.

use std::path::Path;

use super::lines::{fields, text, Lines};
use crate::error::{Error, Location, Result};

/// A parsed phenotype file.
#[derive(Debug)]
pub(super) struct PhenoFile {
    /// Columns, each with one value per sample (`None` = `NA`).
    pub(super) columns: Vec<Vec<Option<f64>>>,
    /// The 1-based line of each sample.
    pub(super) lines: Vec<usize>,
}

impl PhenoFile {
    /// Checks that the file (at `path`) has one line per dosage column: `n`
    /// columns on line `line` of `geno`.
    ///
    /// # Errors
    /// `InconsistentInput` naming the file's first extra line, or its last
    /// line when it has too few.
    pub(super) fn check_sample_count(&self, path: &Path, n: usize, geno: &Path, line: usize) -> Result<()> {
        let m = self.lines.len();
        let (at, what) = match m.cmp(&n) {
            std::cmp::Ordering::Equal => return Ok(()),
            std::cmp::Ordering::Greater => (self.lines[n], format!("sample {} has no dosage column", n + 1)),
            std::cmp::Ordering::Less => (self.lines[m - 1], format!("the file ends after sample {m}")),
        };
        Err(Error::inconsistent(
            Location::line(path, at),
            format!(
                "{what}: {} (line {line}) has {n} dosage columns, so the phenotype file needs {n} lines, one per \
                 sample in the same order; it has {m}",
                geno.display()
            ),
        ))
    }
}

/// A phenotype field: `NA` (`None`) or a finite number.
fn value(field: &[u8]) -> Result<Option<f64>, String> {
    if field == b"NA" {
        return Ok(None);
    }
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|x| x.is_finite())
        .map(Some)
        .ok_or_else(|| format!("'{}' is not a number (a missing phenotype is written NA)", text(field)))
}

/// Reads every line of `lines`.
///
/// # Errors
/// `MalformedInput` naming the line for a value that is neither `NA` nor a
/// finite number, a line whose column count differs from the first line's,
/// and the file for an empty file; those of the reader.
pub(super) fn read(lines: &mut Lines) -> Result<PhenoFile> {
    let path = lines.path().to_path_buf();
    let mut columns: Vec<Vec<Option<f64>>> = Vec::new();
    let mut numbers = Vec::new();
    while let Some((no, line)) = lines.next_line()? {
        let at = || Location::line(&path, no);
        let mut k = 0;
        for field in fields(line) {
            if numbers.is_empty() {
                columns.push(Vec::new());
            } else if k == columns.len() {
                k = fields(line).count();
                break;
            }
            let x = value(field).map_err(|e| Error::malformed(at(), format!("column {}: {e}", k + 1)))?;
            columns[k].push(x);
            k += 1;
        }
        if k != columns.len() {
            return Err(Error::malformed(
                at(),
                format!(
                    "{k} column(s), but the first line (line {}) has {} (one per phenotype)",
                    numbers[0],
                    columns.len()
                ),
            ));
        }
        numbers.push(no);
    }
    if numbers.is_empty() {
        return Err(Error::malformed(
            Location::file(&path),
            "no samples: the phenotype file is empty",
        ));
    }
    Ok(PhenoFile {
        columns,
        lines: numbers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &'static [u8]) -> Result<PhenoFile> {
        read(&mut Lines::from_reader(Path::new("p.txt"), Box::new(text), false))
    }

    #[test]
    fn columns_with_gemma_missing_code() {
        let p = parse(b"0.5\tNA\t1\n\n-9, 2e-1 NA\r\n").unwrap();
        assert_eq!(
            p.columns,
            vec![
                vec![Some(0.5), Some(-9.0)],
                vec![None, Some(0.2)],
                vec![Some(1.0), None]
            ]
        );
        assert_eq!(p.lines, [1, 3]);
    }

    #[test]
    fn ragged_lines_and_words_are_refused() {
        for (text, want) in [
            (
                &b"1 2\n3\n"[..],
                "p.txt, line 2: 1 column(s), but the first line (line 1) has 2 (one per phenotype)",
            ),
            (
                b"1 2\n3 4 5\n",
                "p.txt, line 2: 3 column(s), but the first line (line 1) has 2 (one per phenotype)",
            ),
            (
                b"1\nna\n",
                "p.txt, line 2: column 1: 'na' is not a number (a missing phenotype is written NA)",
            ),
            (b"\n \n", "p.txt: no samples: the phenotype file is empty"),
        ] {
            assert_eq!(parse(text).unwrap_err().to_string(), want);
        }
    }
}
