//! GEMMA's text GRM (`PREFIX.cXX.txt`, `PREFIX.sXX.txt`): `n` lines of `n`
//! tab-separated numbers, rows in `.fam` order, no sample IDs. GEMMA
//! prints 6 significant digits; kindred prints 10 (`%.10g`-like) so that
//! its files lose nothing that matters.

use std::io::{BufRead, Write};
use std::path::Path;

use faer::Mat;
use genotype::{AtomicFile, Location, SampleId};

use super::open_text;
use crate::error::{Error, Result};
use crate::grm::Grm;

/// Writes the matrix as GEMMA text (crash-safe).
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write(path: &Path, grm: &Grm) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let n = grm.n();
    let mut line = String::new();
    for i in 0..n {
        line.clear();
        for j in 0..n {
            if j > 0 {
                line.push('\t');
            }
            line.push_str(&format_g(grm.matrix[(i, j)]));
        }
        line.push('\n');
        f.write_all(line.as_bytes()).map_err(|e| Error::io(path, e))?;
    }
    f.commit()?;
    Ok(())
}

/// Formats with 10 significant digits, shortest form.
fn format_g(v: f64) -> String {
    let s = format!("{v:.9e}");
    match s.parse::<f64>() {
        Ok(r) => format!("{r}"),
        Err(_) => s,
    }
}

/// Reads a GEMMA text GRM (optionally `.gz`) whose rows are the samples
/// `ids` (the `.fam` order GEMMA assumes).
///
/// # Errors
/// `Malformed` naming the line for a non-numeric value or a row of the wrong
/// length, or when the number of rows differs from the number of samples.
pub fn read(path: &Path, ids: Vec<SampleId>) -> Result<Grm> {
    let n = ids.len();
    let mut matrix = Mat::<f64>::zeros(n, n);
    let mut row = 0;
    for (k, line) in open_text(path)?.lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = || Location::line(path, k + 1);
        if row == n {
            return Err(Error::Malformed {
                at: at(),
                what: format!("more than {n} rows for {n} samples"),
            });
        }
        let mut count = 0;
        for (j, tok) in line.split_ascii_whitespace().enumerate() {
            if j >= n {
                count = j + 1;
                continue;
            }
            matrix[(row, j)] = tok.parse::<f64>().map_err(|_| Error::Malformed {
                at: at(),
                what: format!("'{tok}' is not a number"),
            })?;
            count = j + 1;
        }
        if count != n {
            return Err(Error::Malformed {
                at: at(),
                what: format!("{count} values where {n} samples need {n}"),
            });
        }
        row += 1;
    }
    if row != n {
        return Err(Error::Malformed {
            at: Location::file(path),
            what: format!("{row} rows but the fileset has {n} samples"),
        });
    }
    Ok(Grm {
        matrix,
        ids,
        n_variants: 0,
        pair_counts: None,
        kind: None,
    })
}
