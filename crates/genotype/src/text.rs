//! Line-oriented reading of whitespace-separated text files, shared by every
//! text parser of the crate so that each reports file and line the same way.

use std::path::Path;

use crate::error::{Error, Location, Result};

/// A text file held in memory, handed out line by line with 1-based numbers.
///
/// Blank lines (only whitespace) are skipped but still counted, so reported
/// line numbers are those an editor shows. A trailing `\r` (CRLF files) is
/// dropped. Bytes that are not UTF-8 are an error naming the line.
pub(crate) struct TextFile {
    pub(crate) path: std::path::PathBuf,
    text: Vec<u8>,
}

impl TextFile {
    /// Reads the whole file.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            text,
        })
    }

    /// Wraps bytes already in memory (tests, doctests).
    #[cfg(test)]
    pub(crate) fn from_bytes(path: &Path, text: &[u8]) -> Self {
        Self {
            path: path.to_path_buf(),
            text: text.to_vec(),
        }
    }

    /// Non-blank lines as `(line number, text)`.
    pub(crate) fn lines(&self) -> impl Iterator<Item = Result<(usize, &str)>> + '_ {
        self.text
            .split(|&b| b == b'\n')
            .enumerate()
            .filter_map(move |(i, raw)| {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                if raw.iter().all(u8::is_ascii_whitespace) {
                    return None;
                }
                Some(match std::str::from_utf8(raw) {
                    Ok(s) => Ok((i + 1, s)),
                    Err(_) => Err(Error::malformed(
                        Location::line(&self.path, i + 1),
                        "line is not valid UTF-8 text",
                    )),
                })
            })
    }

    /// The location of a line, for error messages.
    pub(crate) fn at(&self, line: usize) -> Location {
        Location::line(&self.path, line)
    }

    /// The location of the whole file.
    pub(crate) fn whole(&self) -> Location {
        Location::file(&self.path)
    }
}

/// Whether a token stands for a missing value in phenotype and covariate
/// columns: `NA`, `-9`, `nan` (any case) or a lone `.`.
pub fn is_missing_token(tok: &str) -> bool {
    tok.eq_ignore_ascii_case("na")
        || tok.eq_ignore_ascii_case("nan")
        || tok == "."
        || tok.parse::<f64>().is_ok_and(|v| v == -9.0)
}

/// Parses a phenotype-like value: `None` when missing, an error message when
/// neither missing nor a finite number.
pub(crate) fn parse_value(tok: &str) -> Result<Option<f64>, String> {
    if is_missing_token(tok) {
        return Ok(None);
    }
    match tok.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(format!(
            "'{tok}' is neither a number nor a missing-value code (NA, -9, nan)"
        )),
    }
}
