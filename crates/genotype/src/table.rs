//! Phenotype and covariate tables: `FID IID value...`, whitespace-separated,
//! with an optional header line.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::error::{Error, Result};
use crate::sample::{Fam, SampleId};
use crate::text::{is_missing_token, parse_value, TextFile};

/// Numeric columns keyed by sample: a phenotype file, a covariate file after
/// expansion of categorical columns, or the `.fam` phenotype columns.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column names (from the header, or `<file stem>_1`, ... without one).
    pub names: Vec<String>,
    /// Sample of each row.
    pub ids: Vec<SampleId>,
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

struct RawTable<'a> {
    header: Option<Vec<&'a str>>,
    rows: Vec<(usize, Vec<&'a str>)>,
}

fn split_rows(file: &TextFile) -> Result<RawTable<'_>> {
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
                header = Some(toks);
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

fn names_of(file: &TextFile, raw: &RawTable<'_>) -> Vec<String> {
    match &raw.header {
        Some(h) => h[2..].iter().map(|s| s.to_string()).collect(),
        None => {
            let stem = file
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (1..raw.rows[0].1.len() - 1).map(|j| format!("{stem}_{j}")).collect()
        }
    }
}

fn ids_of(file: &TextFile, raw: &RawTable<'_>) -> Result<Vec<SampleId>> {
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
    /// `MalformedInput` naming the line for a non-numeric value or a wrong
    /// column count; `InconsistentInput` for a sample listed twice.
    pub fn read_phenotypes(path: &Path) -> Result<Self> {
        let file = TextFile::read(path)?;
        let raw = split_rows(&file)?;
        let names = names_of(&file, &raw);
        let ids = ids_of(&file, &raw)?;
        let mut columns = vec![Vec::with_capacity(raw.rows.len()); names.len()];
        for (no, toks) in &raw.rows {
            for (j, tok) in toks[2..].iter().enumerate() {
                let v = parse_value(tok)
                    .map_err(|m| Error::malformed(file.at(*no), format!("column '{}': {m}", names[j])))?;
                columns[j].push(v);
            }
        }
        Ok(Self { names, ids, columns })
    }

    /// Reads a covariate table. Numeric columns are kept; a column with any
    /// non-numeric value is categorical and becomes one 0/1 indicator column
    /// per level except the first (levels sorted), named `name=level`.
    ///
    /// # Errors
    /// As [`Table::read_phenotypes`], except that words are allowed.
    pub fn read_covariates(path: &Path) -> Result<Self> {
        let file = TextFile::read(path)?;
        let raw = split_rows(&file)?;
        let raw_names = names_of(&file, &raw);
        let ids = ids_of(&file, &raw)?;
        let mut names = Vec::new();
        let mut columns = Vec::new();
        for (j, name) in raw_names.iter().enumerate() {
            let cells: Vec<&str> = raw.rows.iter().map(|(_, t)| t[j + 2]).collect();
            let numeric: Vec<Option<Option<f64>>> = cells.iter().map(|t| parse_value(t).ok()).collect();
            if numeric.iter().all(Option::is_some) {
                names.push(name.clone());
                columns.push(numeric.into_iter().flatten().collect());
                continue;
            }
            let levels: BTreeSet<&str> = cells.iter().copied().filter(|t| !is_missing_token(t)).collect();
            for level in levels.iter().skip(1) {
                names.push(format!("{name}={level}"));
                columns.push(
                    cells
                        .iter()
                        .map(|t| (!is_missing_token(t)).then(|| f64::from(u8::from(t == level))))
                        .collect(),
                );
            }
        }
        Ok(Self { names, ids, columns })
    }

    /// The phenotype columns of a `.fam` (column 6 onwards), named
    /// `pheno1`, `pheno2`, ... (GEMMA's `-n 1`, `-n 2`, ...).
    pub fn from_fam(fam: &Fam) -> Self {
        Self {
            names: (1..=fam.phenotypes.len()).map(|k| format!("pheno{k}")).collect(),
            ids: fam.samples.iter().map(|s| s.id.clone()).collect(),
            columns: fam.phenotypes.clone(),
        }
    }

    /// Index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Matches rows to `.fam` samples by (FID, IID).
    pub fn align(&self, fam: &Fam) -> Aligned {
        let index = fam.index();
        let mut columns = vec![vec![None; fam.len()]; self.columns.len()];
        let mut present = vec![false; fam.len()];
        let mut n_unknown = 0;
        for (row, id) in self.ids.iter().enumerate() {
            match index.get(id) {
                Some(&s) => {
                    present[s] = true;
                    for (dst, src) in columns.iter_mut().zip(&self.columns) {
                        dst[s] = src[row];
                    }
                }
                None => n_unknown += 1,
            }
        }
        Aligned {
            columns,
            n_absent: present.iter().filter(|p| !**p).count(),
            n_unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
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
    fn categorical_covariates_become_indicators() {
        let f = file("FID IID age site\na 1 30 B\nb 2 40 A\nc 3 NA C\nd 4 50 NA\n");
        let t = Table::read_covariates(f.path()).unwrap();
        assert_eq!(t.names, vec!["age", "site=B", "site=C"]);
        assert_eq!(t.columns[1], vec![Some(1.0), Some(0.0), Some(0.0), None]);
        assert_eq!(t.columns[2], vec![Some(0.0), Some(0.0), Some(1.0), None]);
        assert_eq!(t.columns[0][2], None);
    }
}
