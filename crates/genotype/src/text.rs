//! Line-oriented reading of whitespace-separated text files, shared by every
//! text parser of the crate so that each reports file and line the same way.

use std::path::Path;

use crate::error::{Error, Location, Result};

/// A text file held in memory, handed out line by line with 1-based numbers.
///
/// Blank lines (only whitespace) are skipped but still counted, so reported
/// line numbers are those an editor shows. A trailing `\r` (CRLF files) is
/// dropped. Bytes that are not UTF-8 are an error naming the line. A file
/// that starts with a byte-order mark is refused (UTF-8's `EF BB BF` would
/// otherwise become part of the first sample ID or chromosome code), and so
/// is a line whose text starts with one (files joined with `cat`, or
/// indented).
pub(crate) struct TextFile {
    pub(crate) path: std::path::PathBuf,
    text: Vec<u8>,
}

/// The error message of a line that starts with a byte-order mark.
const LINE_BOM: &str = "the line starts with a UTF-8 byte-order mark (bytes EF BB BF), which would become part of \
     its first field (files joined with `cat`?); remove it";

impl TextFile {
    /// Reads the whole file.
    ///
    /// # Errors
    /// `Io` when it cannot be read; `MalformedInput` (line 1) when it starts
    /// with a byte-order mark.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::new(path, text)
    }

    fn new(path: &Path, text: Vec<u8>) -> Result<Self> {
        let bom = if text.starts_with(b"\xEF\xBB\xBF") {
            Some("a UTF-8 byte-order mark (bytes EF BB BF), which would become part of the first ID; save it without one")
        } else if text.starts_with(b"\xFF\xFE") || text.starts_with(b"\xFE\xFF") {
            Some("a UTF-16 byte-order mark (it is UTF-16 text); save it as UTF-8")
        } else {
            None
        };
        if let Some(what) = bom {
            return Err(Error::malformed(
                Location::line(path, 1),
                format!("the file starts with {what}"),
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            text,
        })
    }

    /// Wraps bytes already in memory (tests, doctests), with the checks of
    /// [`TextFile::read`].
    #[cfg(test)]
    pub(crate) fn from_bytes(path: &Path, text: &[u8]) -> Self {
        Self::new(path, text.to_vec()).expect("test text without a byte-order mark")
    }

    /// Number of non-blank lines (the records a parser would read), found
    /// without building anything: a byte scan, so that sizes can be checked
    /// against other files before a large file is parsed.
    ///
    /// # Errors
    /// `MalformedInput` naming the first line that is not UTF-8, and the
    /// whole file, with `empty` as the message, when no line has text.
    pub(crate) fn count_records(&self, empty: &str) -> Result<usize> {
        let mut n = 0;
        for line in self.lines() {
            line?;
            n += 1;
        }
        if n == 0 {
            return Err(Error::malformed(self.whole(), empty));
        }
        Ok(n)
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
                let at = || Location::line(&self.path, i + 1);
                let Ok(s) = std::str::from_utf8(raw) else {
                    return Some(Err(Error::malformed(at(), "line is not valid UTF-8 text")));
                };
                let start = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
                if start.starts_with('\u{feff}') {
                    return Some(Err(Error::malformed(at(), LINE_BOM)));
                }
                Some(Ok((i + 1, s)))
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

/// What a token of a numeric column is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// A missing-value code ([`is_missing_token`]).
    Missing,
    /// A finite number.
    Number(f64),
    /// Written like a number but not a finite one: the message says why
    /// (overflow, decimal comma, `inf`, a signed `nan`).
    BadNumber(String),
    /// Not written like a number at all (contains letters, or other signs).
    Word,
}

/// Whether `tok` is written like a number: an optional sign, then digits
/// with any `.` or `,` among them (at least one digit) and an optional
/// exponent `e`/`E` with an optional sign and digits; or `inf`,
/// `infinity` or `nan` (any case) with an optional sign.
fn looks_numeric(tok: &str) -> bool {
    let body = tok.strip_prefix(['+', '-']).unwrap_or(tok);
    if ["inf", "infinity", "nan"].iter().any(|w| body.eq_ignore_ascii_case(w)) {
        return true;
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let mantissa_ok = mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',');
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// Classifies a token of a phenotype or covariate column.
pub(crate) fn classify(tok: &str) -> Token {
    if is_missing_token(tok) {
        return Token::Missing;
    }
    let why = match tok.parse::<f64>() {
        Ok(v) if v.is_finite() => return Token::Number(v),
        _ if !looks_numeric(tok) => return Token::Word,
        _ if tok.contains(',') => "has a comma: write decimals with a point (1.5) and no thousands separator",
        Ok(_) if tok.bytes().any(|b| b.is_ascii_digit()) => "is too large for a double (overflow)",
        Ok(_) => "is not a finite number",
        Err(_) => "is not a valid number",
    };
    Token::BadNumber(format!("'{tok}' {why}"))
}

/// Parses a phenotype-like value: `None` when missing, an error message when
/// neither missing nor a finite number.
pub(crate) fn parse_value(tok: &str) -> Result<Option<f64>, String> {
    match classify(tok) {
        Token::Missing => Ok(None),
        Token::Number(v) => Ok(Some(v)),
        Token::BadNumber(why) => Err(why),
        Token::Word => Err(format!(
            "'{tok}' is neither a number nor a missing-value code (NA, -9, nan, .)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_7_byte_order_marks_are_refused_on_line_1() {
        for bom in [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE"] {
            let mut text = bom.to_vec();
            text.extend_from_slice(b"F1 S1 0 0 1 1\n");
            let path = std::env::temp_dir().join(format!("kindred-bom-{}-{}.fam", std::process::id(), bom.len()));
            std::fs::write(&path, &text).unwrap();
            let e = TextFile::read(&path).err().expect("refused").to_string();
            std::fs::remove_file(&path).unwrap();
            assert!(e.contains(", line 1: the file starts with a UTF-"), "{e}");
        }
    }

    /// Found by the `fam` fuzz target: a byte-order mark after leading
    /// blanks, or at the start of a later line, was read into the first
    /// field, and `write_fam` then wrote a file that starts with it.
    #[test]
    fn issue_17_7_byte_order_marks_starting_a_later_line_are_refused() {
        for (text, line) in [
            (&b"   \xEF\xBB\xBF=S0 0  101  0 1  .0"[..], 1),
            (b"A a 0 0 1 1\n\xEF\xBB\xBFB b 0 0 1 1\n", 2),
            (b"A a 0 0 1 1\n\n\t\xEF\xBB\xBFB b 0 0 1 1\r\n", 3),
        ] {
            let f = TextFile::from_bytes(Path::new("t"), text);
            let e = f.count_records("empty").unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("t, line {line}: the line starts with a UTF-8 byte-order mark")),
                "{e}"
            );
        }
        // elsewhere in a line it is a character like any other
        let f = TextFile::from_bytes(Path::new("t"), b"A \xEF\xBB\xBFa 0 0 1 1\n");
        assert_eq!(f.count_records("empty").unwrap(), 1);
    }

    #[test]
    fn records_are_non_blank_lines() {
        let f = TextFile::from_bytes(Path::new("t"), b"a\n\n  \r\nb\r\nc");
        assert_eq!(f.count_records("empty").unwrap(), 3);
        let f = TextFile::from_bytes(Path::new("t"), b" \n\t\n");
        assert_eq!(f.count_records("empty").unwrap_err().to_string(), "t: empty");
        let f = TextFile::from_bytes(Path::new("t"), b"a\n\xff\n");
        assert!(f
            .count_records("empty")
            .unwrap_err()
            .to_string()
            .starts_with("t, line 2:"));
    }

    #[test]
    fn numbers_bad_numbers_and_words() {
        assert_eq!(classify("1.5e-3"), Token::Number(1.5e-3));
        assert_eq!(classify("-9"), Token::Missing);
        assert_eq!(classify("NaN"), Token::Missing);
        for bad in ["1e400", "-1E+999", "inf", "-Infinity", "+nan", "1,5", "1,000", "1.2.3"] {
            assert!(matches!(classify(bad), Token::BadNumber(_)), "{bad}");
        }
        for word in ["A", "male", "1A", "2020-01-01", "e5", "1e", "0x1F", "-", "b.1"] {
            assert_eq!(classify(word), Token::Word, "{word}");
        }
        assert!(parse_value("1,5").unwrap_err().contains("comma"));
        assert!(parse_value("1e400").unwrap_err().contains("overflow"));
        assert!(parse_value("inf").unwrap_err().contains("not a finite number"));
        assert!(parse_value("1.2.3").unwrap_err().contains("not a valid number"));
    }
}
