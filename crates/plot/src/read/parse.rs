//! One line of a summary-statistics file read as a row: split into fields
//! (tabs, or runs of blanks), the needed ones parsed, missing values
//! recognised, and malformed ones refused naming the line.

use std::ops::Range;

use super::{SumstatsReader, MAX_NEG_LOG10_P};
use crate::error::{Error, Result};

/// The one `TEST` value whose rows are read (PLINK 2: the additive effect).
const TEST_KEPT: &[u8] = b"ADD";

/// What a row holds, as ranges of the line (no borrow, see
/// [`SumstatsReader::next_row`]).
pub(super) struct Parsed {
    pub(super) chrom: Range<usize>,
    pub(super) pos: Option<i64>,
    pub(super) id: Option<Range<usize>>,
    pub(super) p: f64,
    pub(super) neg_log10_p: f64,
}

impl SumstatsReader {
    /// Splits `buf` and reads the needed fields; `None` for a row without
    /// a p-value or with another `TEST`.
    pub(super) fn parse(&mut self) -> Result<Option<Parsed>> {
        let needed = self.columns.needed();
        self.fields.clear();
        let mut start = 0;
        if self.tabs {
            for i in memchr::memchr_iter(b'\t', &self.buf).take(needed) {
                self.fields.push(start..i);
                start = i + 1;
            }
            if self.fields.len() < needed {
                self.fields.push(start..self.buf.len());
            }
        } else {
            for (i, &c) in self.buf.iter().enumerate() {
                if self.fields.len() == needed {
                    break;
                }
                if c == b' ' || c == b'\t' {
                    if i > start {
                        self.fields.push(start..i);
                    }
                    start = i + 1;
                }
            }
            if self.fields.len() < needed && start < self.buf.len() {
                self.fields.push(start..self.buf.len());
            }
        }
        if self.fields.len() < needed {
            return Err(self.malformed(format!(
                "{} fields, the header has {}",
                self.fields.len(),
                self.columns.n_fields
            )));
        }
        let c = &self.columns;
        let field = |i: usize| &self.buf[self.fields[i].clone()];
        if let Some(t) = c.test {
            if field(t) != TEST_KEPT {
                return Ok(None);
            }
        }
        let p = match c.p {
            Some(i) => self.number(field(i), "p-value")?,
            None => None,
        };
        let y = match c.neg_log10_p {
            Some(i) => self.number(field(i), "-log10 p")?,
            None => None,
        };
        if let Some(p) = p.filter(|p| !(0.0..=1.0).contains(p)) {
            return Err(self.malformed(format!("p-value {p} outside [0, 1]")));
        }
        if let Some(y) = y.filter(|y| *y < 0.0) {
            return Err(self.malformed(format!("-log10 p of {y} is negative")));
        }
        let (p, neg_log10_p) = match (p, y) {
            (None, None) => return Ok(None),
            (Some(p), Some(y)) => (p, y),
            (Some(p), None) => (p, if p > 0.0 { -p.log10() } else { MAX_NEG_LOG10_P }),
            (None, Some(y)) => (10f64.powf(-y), y),
        };
        let pos = self.position(field(c.pos))?;
        Ok(Some(Parsed {
            chrom: self.fields[c.chrom].clone(),
            pos,
            id: [c.id, c.id_fallback]
                .into_iter()
                .flatten()
                .map(|i| self.fields[i].clone())
                .find(|r| !is_missing(&self.buf[r.clone()])),
            p,
            neg_log10_p,
        }))
    }

    /// The position in `field`: `None` when missing, 0 or negative.
    fn position(&self, field: &[u8]) -> Result<Option<i64>> {
        if !field.is_empty() && field.len() <= 15 && field.iter().all(u8::is_ascii_digit) {
            let pos = field.iter().fold(0, |a, &d| a * 10 + i64::from(d - b'0'));
            return Ok((pos > 0).then_some(pos));
        }
        match self.number(field, "position")? {
            Some(v) if v >= 1.0 && v.fract() == 0.0 && v < 1e15 => Ok(Some(v as i64)),
            Some(v) if v < 1.0 => Ok(None),
            Some(v) => Err(self.malformed(format!("position {v} is not a whole number"))),
            None => Ok(None),
        }
    }

    /// The number in `field`, `None` when missing (`NA`, `nan`, `.`,
    /// empty).
    fn number(&self, field: &[u8], what: &str) -> Result<Option<f64>> {
        if is_missing(field) {
            return Ok(None);
        }
        let v = std::str::from_utf8(field).ok().and_then(|s| s.parse::<f64>().ok());
        match v {
            Some(v) if v.is_nan() => Ok(None),
            Some(v) => Ok(Some(v)),
            None => Err(self.malformed(format!("{what} '{}' is not a number", String::from_utf8_lossy(field)))),
        }
    }

    fn malformed(&self, message: String) -> Error {
        Error::Malformed {
            path: self.path.clone(),
            line: self.line,
            message,
        }
    }
}

/// Whether a field is a missing value: empty, `.`, `NA`, GWAS-SSF's `#NA`
/// or `nan` (any case, signed).
fn is_missing(field: &[u8]) -> bool {
    let f = field.strip_prefix(b"-").unwrap_or(field);
    let f = f.strip_prefix(b"#").unwrap_or(f);
    f.is_empty() || f == b"." || f.eq_ignore_ascii_case(b"NA") || f.eq_ignore_ascii_case(b"nan")
}
