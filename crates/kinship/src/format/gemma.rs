//! GEMMA's text GRM (`PREFIX.cXX.txt`, `PREFIX.sXX.txt`): `n` lines of `n`
//! tab-separated numbers, rows in `.fam` order, no sample IDs. GEMMA
//! prints 6 significant digits; kindred prints 10 (`%.10g`-like) so that
//! its files lose nothing that matters, and writes `FILE.kindred.json`
//! ([`super::sidecar`]) beside it, which [`read`] verifies when present.

use std::io::{BufRead, Write};
use std::path::Path;

use faer::Mat;
use genotype::{AtomicFile, Location, SampleId};

use super::open_text;
use super::sidecar::{self, Entry, Sidecar};
use crate::checksum::{checksum_file, Checksum};
use crate::error::{Error, Result};
use crate::grm::Grm;
use crate::memory::try_zeros;
use crate::provenance::Provenance;

/// Entries further apart than this times the largest diagonal value make a
/// matrix asymmetric (GEMMA's 6 printed digits round both alike).
const SYMMETRY_TOLERANCE: f64 = 1e-5;

/// Writes the matrix as GEMMA text (crash-safe), and with `provenance` the
/// record `FILE.kindred.json`.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write(path: &Path, grm: &Grm, provenance: Option<&Provenance>) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let n = grm.n();
    let mut line = String::new();
    let mut sum = Checksum::new();
    let mut bytes = 0u64;
    for i in 0..n {
        line.clear();
        for j in 0..n {
            if j > 0 {
                line.push('\t');
            }
            line.push_str(&format_g(grm.matrix[(i, j)]));
        }
        line.push('\n');
        sum.update(line.as_bytes());
        bytes += line.len() as u64;
        f.write_all(line.as_bytes()).map_err(|e| Error::io(path, e))?;
    }
    f.commit()?;
    if let Some(p) = provenance {
        let entry = Entry::new("matrix", bytes, sum.finish());
        sidecar::write(&sidecar::gemma_path(path), vec![entry], p)?;
    }
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

/// The record kindred wrote beside `path`, if any.
///
/// # Errors
/// As [`sidecar::read`].
pub(crate) fn recorded(path: &Path) -> Result<Option<Sidecar>> {
    sidecar::read(&sidecar::gemma_path(path))
}

/// Reads a GEMMA text GRM (optionally `.gz`) whose rows are the samples
/// `ids` (the `.fam` order GEMMA assumes), verified against
/// `FILE.kindred.json` when kindred wrote one.
///
/// # Errors
/// `Malformed` naming the line for a value that is not a finite number or
/// a row of the wrong length, when the number of rows differs from the
/// number of samples, when the matrix is not symmetric, or when the file
/// differs from its record; `OutOfMemory` when the matrix does not fit.
pub fn read(path: &Path, ids: Vec<SampleId>) -> Result<Grm> {
    if let Some(s) = recorded(path)? {
        let (len, sum) = checksum_file(path).map_err(|e| Error::io(path, e))?;
        s.verify(&sidecar::gemma_path(path), "matrix", path, len, sum)?;
    }
    let n = ids.len();
    let mut matrix = try_zeros::<f64>(n, n, &format!("reading the GRM {} of {n} samples", path.display()))?;
    let mut lines = Vec::with_capacity(n);
    for (k, line) in open_text(path)?.lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let row = lines.len();
        let at = || Location::line(path, k + 1);
        if row == n {
            return Err(Error::Malformed {
                at: at(),
                what: format!("more than {n} rows for {n} samples"),
            });
        }
        let mut count = 0;
        for (j, tok) in line.split_ascii_whitespace().enumerate() {
            count = j + 1;
            if j >= n {
                continue;
            }
            let v = tok.parse::<f64>().map_err(|_| Error::Malformed {
                at: at(),
                what: format!("'{tok}' is not a number"),
            })?;
            if !v.is_finite() {
                return Err(Error::Malformed {
                    at: at(),
                    what: format!("'{tok}' in column {} is not a finite number", j + 1),
                });
            }
            matrix[(row, j)] = v;
        }
        if count != n {
            return Err(Error::Malformed {
                at: at(),
                what: format!("{count} values where {n} samples need {n}"),
            });
        }
        lines.push(k + 1);
    }
    if lines.len() != n {
        return Err(Error::Malformed {
            at: Location::file(path),
            what: format!("{} rows but the fileset has {n} samples", lines.len()),
        });
    }
    check_symmetric(&matrix, path, &lines)?;
    Ok(Grm {
        matrix,
        ids,
        n_variants: 0,
        pair_counts: None,
        kind: None,
    })
}

/// Refuses a matrix whose `(i, j)` and `(j, i)` differ by more than
/// [`SYMMETRY_TOLERANCE`] times its largest diagonal value, naming the line
/// (`lines[i]`) and column of the first such pair.
fn check_symmetric(k: &Mat<f64>, path: &Path, lines: &[usize]) -> Result<()> {
    let n = k.nrows();
    let scale = (0..n).map(|i| k[(i, i)].abs()).fold(0.0, f64::max);
    let tol = SYMMETRY_TOLERANCE * if scale > 0.0 { scale } else { 1.0 };
    for i in 0..n {
        for j in 0..i {
            let (a, b) = (k[(i, j)], k[(j, i)]);
            if (a - b).abs() > tol {
                return Err(Error::Malformed {
                    at: Location::line(path, lines[i]),
                    what: format!(
                        "not symmetric: {a} in column {} but {b} in line {}, column {}",
                        j + 1,
                        lines[j],
                        i + 1
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn ids(n: usize) -> Vec<SampleId> {
        (0..n).map(|i| SampleId::new("F", &i.to_string())).collect()
    }

    #[test]
    fn issue_17_4_non_finite_gemma_values_are_refused_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.cXX.txt");
        for bad in ["nan", "NaN", "inf", "-inf", "1e400"] {
            std::fs::write(&p, format!("1\t0.5\n0.5\t{bad}\n")).unwrap();
            let e = read(&p, ids(2)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::MalformedInput, "{bad}");
            assert_eq!(
                e.to_string(),
                format!("{}, line 2: '{bad}' in column 2 is not a finite number", p.display())
            );
        }
    }

    #[test]
    fn issue_17_4_an_asymmetric_gemma_matrix_is_refused_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.cXX.txt");
        std::fs::write(&p, "1\t0.5\t0.1\n\n0.5\t1\t0.2\n0.1\t0.3\t1\n").unwrap();
        let e = read(&p, ids(3)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedInput);
        assert_eq!(
            e.to_string(),
            format!(
                "{}, line 4: not symmetric: 0.3 in column 2 but 0.2 in line 3, column 3",
                p.display()
            )
        );
        // GEMMA's rounding is not asymmetry
        std::fs::write(&p, "1\t0.500001\n0.5\t1\n").unwrap();
        read(&p, ids(2)).unwrap();
    }

    #[test]
    fn issue_17_4_a_changed_gemma_file_is_refused_against_its_record() {
        use crate::provenance::{FilesetFingerprint, GrmOrigin};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.cXX.txt");
        let g = Grm {
            matrix: Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.25 }),
            ids: ids(2),
            n_variants: 3,
            pair_counts: None,
            kind: None,
        };
        let prov = Provenance {
            fileset: FilesetFingerprint::example(),
            grm: GrmOrigin::File {
                path: "g".into(),
                n_variants: 3,
            },
        };
        write(&p, &g, Some(&prov)).unwrap();
        assert_eq!(recorded(&p).unwrap().unwrap().provenance, prov);
        assert_eq!(read(&p, ids(2)).unwrap().max_abs_diff(&g.matrix), 0.0);
        std::fs::write(&p, "1\t0.35\n0.35\t1\n").unwrap();
        let e = read(&p, ids(2)).unwrap_err().to_string();
        assert!(e.contains("k.cXX.txt.kindred.json"), "{e}");
    }
}
