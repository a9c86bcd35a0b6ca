//! Phenotype and covariate tables: `FID IID value...`, whitespace-separated,
//! with an optional header line.

use std::collections::HashMap;
use std::path::Path;

use crate::covariate::CovariateTable;
use crate::error::{Error, Result};
use crate::sample::{Fam, SampleId};
use crate::text::{parse_value, TextFile};

/// Numeric columns keyed by sample: a phenotype file, a covariate file after
/// expansion of categorical columns, or the `.fam` phenotype columns.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column names (from the header, or `<file stem>_1`, ... without one).
    pub names: Vec<String>,
    /// Sample of each row.
    pub ids: Vec<SampleId>,
    /// 1-based file line of each row (empty for a table made from a `.fam`,
    /// whose rows are the `.fam` samples themselves).
    pub lines: Vec<usize>,
    /// `columns[j][i]`: value of column `j` for row `i` (`None` = missing).
    pub columns: Vec<Vec<Option<f64>>>,
}

/// Result of matching a table's rows to the `.fam` samples.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// `columns[j][s]`: value for `.fam` sample `s` (`None` when missing or
    /// absent from the table).
    pub columns: Vec<Vec<Option<f64>>>,
    /// `.fam` samples that have no row in the table.
    pub n_absent: usize,
    /// Table rows whose sample is not in the `.fam` (ignored).
    pub n_unknown: usize,
}

/// How the rows of a table match the `.fam` samples by (FID, IID).
#[derive(Debug, Clone)]
pub struct RowMatch {
    /// For each `.fam` sample, its table row (`None`: absent from the table).
    pub row_of: Vec<Option<usize>>,
    /// Table rows whose sample is not in the `.fam`.
    pub n_unknown: usize,
    /// The first of those rows (an index into the table's rows).
    pub first_unknown: Option<usize>,
}

impl RowMatch {
    /// Matches `ids` (a table's rows) to the samples of `fam`.
    pub fn new(ids: &[SampleId], fam: &Fam) -> Self {
        let index = fam.index();
        let mut row_of = vec![None; fam.len()];
        let mut n_unknown = 0;
        let mut first_unknown = None;
        for (row, id) in ids.iter().enumerate() {
            match index.get(id) {
                Some(&s) => row_of[s] = Some(row),
                None => {
                    n_unknown += 1;
                    first_unknown.get_or_insert(row);
                }
            }
        }
        Self {
            row_of,
            n_unknown,
            first_unknown,
        }
    }

    /// `.fam` samples with no row.
    pub fn n_absent(&self) -> usize {
        self.row_of.iter().filter(|r| r.is_none()).count()
    }

    /// A table column in `.fam` order, `absent` for samples without a row.
    pub fn gather<T: Clone>(&self, column: &[T], absent: T) -> Vec<T> {
        self.row_of
            .iter()
            .map(|r| r.map_or_else(|| absent.clone(), |r| column[r].clone()))
            .collect()
    }
}

/// A side table's rows, column names and sample IDs: what every reader
/// of phenotype and covariate tables needs before reading its values.
pub(crate) fn parse_table(file: &TextFile) -> Result<(RawTable<'_>, Vec<String>, Vec<SampleId>)> {
    let raw = split_rows(file)?;
    let names = names_of(file, &raw)?;
    let ids = ids_of(file, &raw)?;
    Ok((raw, names, ids))
}

/// A table split into tokens: the header (with its line) and the data rows.
pub(crate) struct RawTable<'a> {
    header: Option<(usize, Vec<&'a str>)>,
    pub(crate) rows: Vec<(usize, Vec<&'a str>)>,
}

/// Splits a table into its optional header (`FID IID name...`, or
/// `#FID IID name...`) and rows of at least three columns, all as wide as
/// the first.
pub(crate) fn split_rows(file: &TextFile) -> Result<RawTable<'_>> {
    let mut header = None;
    let mut rows: Vec<(usize, Vec<&str>)> = Vec::new();
    let mut width = None;
    for line in file.lines() {
        let (no, text) = line?;
        let toks: Vec<&str> = text.split_ascii_whitespace().collect();
        let first = header.is_none() && rows.is_empty();
        if first {
            let f0 = toks[0].trim_start_matches('#');
            if f0.eq_ignore_ascii_case("FID") && toks.get(1).is_some_and(|t| t.eq_ignore_ascii_case("IID")) {
                if toks.len() < 3 {
                    return Err(Error::malformed(
                        file.at(no),
                        "header names no value column after FID IID",
                    ));
                }
                width = Some(toks.len());
                header = Some((no, toks));
                continue;
            }
        }
        if toks.len() < 3 {
            return Err(Error::malformed(
                file.at(no),
                format!("expected FID, IID and at least one value, found {} columns", toks.len()),
            ));
        }
        let w = *width.get_or_insert(toks.len());
        if toks.len() != w {
            return Err(Error::malformed(
                file.at(no),
                format!("found {} columns where {} are expected", toks.len(), w),
            ));
        }
        rows.push((no, toks));
    }
    if rows.is_empty() {
        return Err(Error::malformed(file.whole(), "no data rows"));
    }
    Ok(RawTable { header, rows })
}

/// Column names: the header's (each at most once), else `<file stem>_1`, ...
///
/// # Errors
/// `MalformedInput` naming the header line for a name used twice.
pub(crate) fn names_of(file: &TextFile, raw: &RawTable<'_>) -> Result<Vec<String>> {
    Ok(match &raw.header {
        Some((no, h)) => {
            let mut seen = HashMap::new();
            for (j, name) in h.iter().enumerate().skip(2) {
                if let Some(first) = seen.insert(*name, j) {
                    return Err(Error::malformed(
                        file.at(*no),
                        format!(
                            "column name '{name}' appears twice (columns {} and {}); names must be unique",
                            first + 1,
                            j + 1
                        ),
                    ));
                }
            }
            h[2..].iter().map(|s| s.to_string()).collect()
        }
        None => {
            let stem = file
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (1..raw.rows[0].1.len() - 1).map(|j| format!("{stem}_{j}")).collect()
        }
    })
}

/// The sample of each row, each at most once.
///
/// # Errors
/// `InconsistentInput` naming the line of a sample listed twice.
pub(crate) fn ids_of(file: &TextFile, raw: &RawTable<'_>) -> Result<Vec<SampleId>> {
    let mut seen = HashMap::new();
    raw.rows
        .iter()
        .map(|(no, toks)| {
            let id = SampleId::new(toks[0], toks[1]);
            if let Some(first) = seen.insert(id.clone(), *no) {
                return Err(Error::inconsistent(
                    file.at(*no),
                    format!("sample '{id}' appears twice (first on line {first})"),
                ));
            }
            Ok(id)
        })
        .collect()
}

impl Table {
    /// Reads a phenotype table: every value must be a number or a missing
    /// code (`NA`, `-9`, `nan`, `.`).
    ///
    /// # Errors
    /// `MalformedInput` naming the line for a non-numeric value, a wrong
    /// column count or a column name used twice; `InconsistentInput` for a
    /// sample listed twice.
    pub fn read_phenotypes(path: &Path) -> Result<Self> {
        let file = TextFile::read(path)?;
        let (raw, names, ids) = parse_table(&file)?;
        let lines = raw.rows.iter().map(|(no, _)| *no).collect();
        let mut columns = vec![Vec::with_capacity(raw.rows.len()); names.len()];
        for (no, toks) in &raw.rows {
            for (j, tok) in toks[2..].iter().enumerate() {
                let v = parse_value(tok)
                    .map_err(|m| Error::malformed(file.at(*no), format!("column '{}': {m}", names[j])))?;
                columns[j].push(v);
            }
        }
        Ok(Self {
            names,
            ids,
            lines,
            columns,
        })
    }

    /// Reads a covariate table ([`CovariateTable::read`]) and expands each
    /// categorical column over all its rows: one 0/1 indicator column per
    /// level except the first (levels sorted), named `name=level`.
    ///
    /// # Errors
    /// Those of [`CovariateTable::read`].
    pub fn read_covariates(path: &Path) -> Result<Self> {
        let t = CovariateTable::read(path)?;
        let rows: Vec<u32> = (0..t.ids.len() as u32).collect();
        let (names, columns) = t.covariates.expand(&rows);
        Ok(Self {
            names,
            ids: t.ids,
            lines: t.lines,
            columns,
        })
    }

    /// The phenotype columns of a `.fam` (column 6 onwards), named
    /// `pheno1`, `pheno2`, ... (GEMMA's `-n 1`, `-n 2`, ...).
    pub fn from_fam(fam: &Fam) -> Self {
        Self {
            names: (1..=fam.phenotypes.len()).map(|k| format!("pheno{k}")).collect(),
            ids: fam.samples.iter().map(|s| s.id.clone()).collect(),
            lines: Vec::new(),
            columns: fam.phenotypes.clone(),
        }
    }

    /// Index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Matches rows to `.fam` samples by (FID, IID).
    pub fn align(&self, fam: &Fam) -> Aligned {
        let rows = RowMatch::new(&self.ids, fam);
        Aligned {
            columns: self.columns.iter().map(|c| rows.gather(c, None)).collect(),
            n_absent: rows.n_absent(),
            n_unknown: rows.n_unknown,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A temporary file holding `text`, shared by the module tests of the
    /// text readers (tables, covariates, ID lists).
    pub(crate) fn file(text: &str) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn phenotypes_with_header_and_missing() {
        let f = file("FID IID h1 h2\na 1 1.5 NA\nb 2 -9 3\n\nc 3 nan .\n");
        let t = Table::read_phenotypes(f.path()).unwrap();
        assert_eq!(t.names, vec!["h1", "h2"]);
        assert_eq!(t.columns[0], vec![Some(1.5), None, None]);
        assert_eq!(t.columns[1], vec![None, Some(3.0), None]);
    }

    #[test]
    fn phenotype_errors_name_line_and_column() {
        let f = file("a 1 1.5\nb 2 x\n");
        let e = Table::read_phenotypes(f.path()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("'x' is neither a number"), "{e}");
        let f = file("a 1 1.5 2\nb 2 3\n");
        let e = Table::read_phenotypes(f.path()).unwrap_err().to_string();
        assert!(e.contains("line 2: found 3 columns where 4 are expected"), "{e}");
        let f = file("FID IID h\n");
        assert!(Table::read_phenotypes(f.path())
            .unwrap_err()
            .to_string()
            .contains("no data rows"));
    }

    #[test]
    fn issue_17_7_duplicate_column_names_are_refused() {
        let f = file("\nFID IID h1 h2 h1\na 1 1 2 3\n");
        let e = Table::read_phenotypes(f.path()).unwrap_err().to_string();
        assert!(
            e.contains(", line 2: column name 'h1' appears twice (columns 3 and 5)"),
            "{e}"
        );
        let f = file("FID IID age age\na 1 1 2\n");
        let e = Table::read_covariates(f.path()).unwrap_err().to_string();
        assert!(e.contains(", line 1: column name 'age' appears twice"), "{e}");
    }

    #[test]
    fn rows_match_fam_samples_by_id() {
        let fam = Fam::parse(&TextFile::from_bytes(
            Path::new("t.fam"),
            b"a 1 0 0 1 1\nb 2 0 0 1 1\nc 3 0 0 1 1\n",
        ))
        .unwrap();
        let ids = [
            SampleId::new("c", "3"),
            SampleId::new("x", "9"),
            SampleId::new("a", "1"),
        ];
        let rows = RowMatch::new(&ids, &fam);
        assert_eq!(rows.row_of, vec![Some(2), None, Some(0)]);
        assert_eq!((rows.n_absent(), rows.n_unknown, rows.first_unknown), (1, 1, Some(1)));
        assert_eq!(rows.gather(&[10, 11, 12], 0), vec![12, 0, 10]);
    }

    #[test]
    fn categorical_covariates_become_indicators() {
        let f = file("FID IID age site\na 1 30 B\nb 2 40 A\nc 3 NA C\nd 4 50 NA\n");
        let t = Table::read_covariates(f.path()).unwrap();
        assert_eq!(t.names, vec!["age", "site=B", "site=C"]);
        assert_eq!(t.columns[1], vec![Some(1.0), Some(0.0), Some(0.0), None]);
        assert_eq!(t.columns[2], vec![Some(0.0), Some(0.0), Some(1.0), None]);
        assert_eq!(t.columns[0][2], None);
    }
}
