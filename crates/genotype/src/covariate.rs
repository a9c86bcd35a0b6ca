//! Covariate tables: numeric columns, and categorical columns kept as level
//! codes until the samples of an analysis are known, so that levels (and
//! the dropped first level) come from those samples only.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{Error, Result};
use crate::sample::SampleId;
use crate::table::{parse_table, RowMatch};
use crate::text::{classify, TextFile, Token};

/// The values of one covariate column.
#[derive(Debug, Clone, PartialEq)]
pub enum CovariateValues {
    /// Numbers (`None` = missing).
    Numeric(Vec<Option<f64>>),
    /// A categorical column: each value is an index into `levels`.
    Categorical {
        /// The distinct non-missing tokens, sorted (byte order).
        levels: Vec<String>,
        /// Each value's level (`None` = missing).
        codes: Vec<Option<u32>>,
    },
}

/// One covariate column: its name and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    /// Column name (from the header, or `<file stem>_<k>`).
    pub name: String,
    /// The values, one per row.
    pub values: CovariateValues,
}

impl Covariate {
    /// Whether row `i` has a value.
    pub fn is_present(&self, i: usize) -> bool {
        match &self.values {
            CovariateValues::Numeric(v) => v[i].is_some(),
            CovariateValues::Categorical { codes, .. } => codes[i].is_some(),
        }
    }

    /// The column in `.fam` order (missing for samples without a row).
    fn gather(&self, rows: &RowMatch) -> Self {
        let values = match &self.values {
            CovariateValues::Numeric(v) => CovariateValues::Numeric(rows.gather(v, None)),
            CovariateValues::Categorical { levels, codes } => CovariateValues::Categorical {
                levels: levels.clone(),
                codes: rows.gather(codes, None),
            },
        };
        Self {
            name: self.name.clone(),
            values,
        }
    }

    /// The model columns of this covariate over `rows`: the numbers, or one
    /// 0/1 indicator per level that occurs among `rows` except the first
    /// of those (the reference), named `name=level`. A categorical column
    /// with one level among `rows` gives no column (it is constant there).
    fn expand(&self, rows: &[u32], out: &mut (Vec<String>, Vec<Vec<Option<f64>>>)) {
        match &self.values {
            CovariateValues::Numeric(v) => {
                out.0.push(self.name.clone());
                out.1.push(rows.iter().map(|&r| v[r as usize]).collect());
            }
            CovariateValues::Categorical { levels, codes } => {
                let present: BTreeSet<u32> = rows.iter().filter_map(|&r| codes[r as usize]).collect();
                for &level in present.iter().skip(1) {
                    out.0.push(format!("{}={}", self.name, levels[level as usize]));
                    out.1.push(
                        rows.iter()
                            .map(|&r| codes[r as usize].map(|c| f64::from(u8::from(c == level))))
                            .collect(),
                    );
                }
            }
        }
    }
}

/// Covariate columns with one value per row (of a table, or of the `.fam`
/// once aligned), categorical columns not yet expanded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Covariates {
    /// The columns, in file order.
    pub columns: Vec<Covariate>,
}

impl Covariates {
    /// Number of covariate columns as read (before expansion).
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there is no covariate.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Column names as read.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Whether row `i` has a value in every column.
    pub fn is_complete(&self, i: usize) -> bool {
        self.columns.iter().all(|c| c.is_present(i))
    }

    /// Model columns over `rows` (numeric columns as they are, categorical
    /// ones as indicators of the levels that occur among `rows`, the first
    /// of them dropped) with their names; `columns[j][i]` is column `j` of
    /// `rows[i]`.
    pub fn expand(&self, rows: &[u32]) -> (Vec<String>, Vec<Vec<Option<f64>>>) {
        let mut out = (Vec::new(), Vec::new());
        for c in &self.columns {
            c.expand(rows, &mut out);
        }
        out
    }

    /// The columns in `.fam` order, through a [`RowMatch`].
    pub fn gather(&self, rows: &RowMatch) -> Self {
        Self {
            columns: self.columns.iter().map(|c| c.gather(rows)).collect(),
        }
    }
}

/// A covariate file as read: `FID IID value...` with an optional header.
#[derive(Debug, Clone)]
pub struct CovariateTable {
    /// Sample of each row.
    pub ids: Vec<SampleId>,
    /// 1-based file line of each row.
    pub lines: Vec<usize>,
    /// The columns, one value per row.
    pub covariates: Covariates,
}

impl CovariateTable {
    /// Reads a covariate table. A column is **categorical** when at least
    /// one of its non-missing values is a word: a token not written like a
    /// number (letters other than an exponent, as in `A`, `male`, `1A`, or
    /// signs inside, as in `2020-01-01`). Every other column is
    /// **numeric**, and each of its values must then be a finite number or
    /// a missing code (`NA`, `-9`, `nan`, `.`): a token written like a
    /// number that is not one (`1e400` overflows, `inf`, `-nan`, the
    /// decimal comma of `1,5`) is an error, never a reason to call the
    /// column categorical.
    ///
    /// # Errors
    /// `MalformedInput` naming the line for such a token, a wrong column
    /// count or a column name used twice; `InconsistentInput` for a sample
    /// listed twice.
    pub fn read(path: &Path) -> Result<Self> {
        let file = TextFile::read(path)?;
        let (raw, names, ids) = parse_table(&file)?;
        let cells = |j: usize| raw.rows.iter().map(move |(no, toks)| (*no, toks[j + 2]));
        let columns = names
            .into_iter()
            .enumerate()
            .map(|(j, name)| read_column(&file, name, cells(j)))
            .collect::<Result<_>>()?;
        Ok(Self {
            ids,
            lines: raw.rows.iter().map(|(no, _)| *no).collect(),
            covariates: Covariates { columns },
        })
    }
}

/// One column from its `(line, token)` cells, by the rule of
/// [`CovariateTable::read`].
fn read_column<'a>(
    file: &TextFile,
    name: String,
    cells: impl Iterator<Item = (usize, &'a str)> + Clone,
) -> Result<Covariate> {
    let tokens: Vec<Token> = cells.clone().map(|(_, t)| classify(t)).collect();
    if tokens.iter().any(|t| matches!(t, Token::Word)) {
        let present = || cells.clone().zip(&tokens).filter(|(_, t)| !matches!(t, Token::Missing));
        let levels: Vec<String> = present()
            .map(|((_, t), _)| t)
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let codes = cells
            .zip(&tokens)
            .map(|((_, t), k)| match k {
                Token::Missing => None,
                _ => levels.binary_search_by(|l| l.as_str().cmp(t)).ok().map(|i| i as u32),
            })
            .collect();
        return Ok(Covariate {
            name,
            values: CovariateValues::Categorical { levels, codes },
        });
    }
    let mut values = Vec::with_capacity(tokens.len());
    for ((no, _), token) in cells.zip(tokens) {
        values.push(match token {
            Token::Missing => None,
            Token::Number(v) => Some(v),
            Token::BadNumber(why) => {
                return Err(Error::malformed(
                    file.at(no),
                    format!(
                        "covariate '{name}': {why}; a column without words is numeric, so each value must be a finite number or NA, -9, nan, ."
                    ),
                ))
            }
            Token::Word => unreachable!("columns with words are categorical"),
        });
    }
    Ok(Covariate {
        name,
        values: CovariateValues::Numeric(values),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::tests::file;
    use crate::table::Table;

    /// One bad number in a numeric column is an error naming line, column
    /// and token; it does not turn the column categorical.
    #[test]
    fn issue_17_7_bad_numbers_refuse_a_numeric_column() {
        for (bad, why) in [
            ("1e400", "'1e400' is too large for a double (overflow)"),
            ("inf", "'inf' is not a finite number"),
            ("1,5", "'1,5' has a comma"),
            ("-nan", "'-nan' is not a finite number"),
        ] {
            let f = file(&format!("FID IID age\na 1 30\nb 2 {bad}\nc 3 NA\n"));
            let e = Table::read_covariates(f.path()).unwrap_err().to_string();
            assert!(e.contains(&format!(", line 3: covariate 'age': {why}")), "{bad}: {e}");
            assert_eq!(e.lines().count(), 1);
        }
        // A word makes the column categorical; then every token is a level.
        let f = file("FID IID batch\na 1 1,5\nb 2 A\nc 3 inf\n");
        let t = Table::read_covariates(f.path()).unwrap();
        assert_eq!(t.names, ["batch=A", "batch=inf"]);
    }

    /// Levels, and the dropped reference level, come from the rows asked for.
    #[test]
    fn levels_come_from_the_rows_expanded() {
        let f = file("FID IID age site\na 1 30 B\nb 2 40 A\nc 3 NA C\nd 4 50 NA\ne 5 60 C\n");
        let t = CovariateTable::read(f.path()).unwrap();
        let c = &t.covariates;
        assert_eq!(c.names(), ["age", "site"]);
        assert!(c.is_complete(0) && !c.is_complete(2) && !c.is_complete(3));
        let (names, cols) = c.expand(&[0, 4]);
        assert_eq!(names, ["age", "site=C"]);
        assert_eq!(cols[1], [Some(0.0), Some(1.0)]);
        let (names, cols) = c.expand(&[0, 1, 4]);
        assert_eq!(names, ["age", "site=B", "site=C"]);
        assert_eq!(cols[2], [Some(0.0), Some(0.0), Some(1.0)]);
        // One level among the rows: the column is constant there, no indicator.
        assert_eq!(c.expand(&[2, 4]).0, ["age"]);
    }
}
