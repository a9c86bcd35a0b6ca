//! The `.pvar` / `.psam` text, plain or zstd-compressed, handed out line by
//! line with the conventions of the crate's other text readers: 1-based
//! line numbers counting blank lines, blank lines skipped, a trailing `\r`
//! dropped, text that is not UTF-8 or starts with a byte-order mark refused.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// A text file held in memory.
pub(super) struct Lines {
    path: PathBuf,
    text: Vec<u8>,
}

impl Lines {
    /// Reads `path`, decompressing it when its name ends in `.zst`.
    ///
    /// # Errors
    /// `Io` when it cannot be read; `MalformedInput` for a zstd stream that
    /// is corrupt or cut short, or a byte-order mark at the start.
    pub(super) fn read(path: &Path) -> Result<Self> {
        let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = if path.extension().is_some_and(|e| e == "zst") {
            let mut out = Vec::new();
            zstd::stream::read::Decoder::new(raw.as_slice())
                .and_then(|mut d| d.read_to_end(&mut out))
                .map_err(|e| {
                    Error::malformed(
                        Location::file(path),
                        format!("its zstd data are corrupt or cut short ({e})"),
                    )
                })?;
            out
        } else {
            raw
        };
        Self::new(path, text)
    }

    /// Wraps text already in memory.
    pub(super) fn new(path: &Path, text: Vec<u8>) -> Result<Self> {
        if text.starts_with(b"\xEF\xBB\xBF") || text.starts_with(b"\xFF\xFE") || text.starts_with(b"\xFE\xFF") {
            return Err(Error::malformed(
                Location::line(path, 1),
                "the file starts with a byte-order mark; save it as UTF-8 without one",
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Non-blank lines as `(line number, text)`.
    pub(super) fn lines(&self) -> impl Iterator<Item = Result<(usize, &str)>> + '_ {
        self.text
            .split(|&b| b == b'\n')
            .enumerate()
            .filter_map(move |(i, raw)| {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                if raw.iter().all(u8::is_ascii_whitespace) {
                    return None;
                }
                let Ok(s) = std::str::from_utf8(raw) else {
                    return Some(Err(self.error(i + 1, "line is not valid UTF-8 text")));
                };
                if s.trim_start().starts_with('\u{feff}') {
                    return Some(Err(self.error(i + 1, "the line starts with a byte-order mark")));
                }
                Some(Ok((i + 1, s)))
            })
    }

    /// The data lines after the header line `header_line` (0: none), as
    /// `(line number, fields)`, each with at least `width` fields.
    pub(super) fn rows(
        &self,
        header_line: usize,
        width: usize,
    ) -> impl Iterator<Item = Result<(usize, Vec<&str>)>> + '_ {
        self.lines().filter_map(move |line| {
            let (no, text) = match line {
                Ok(l) => l,
                Err(e) => return Some(Err(e)),
            };
            if no <= header_line {
                return None;
            }
            let toks: Vec<&str> = text.split_ascii_whitespace().collect();
            if toks.len() < width {
                return Some(Err(self.error(
                    no,
                    format!("found {} fields where the header names {width}", toks.len()),
                )));
            }
            Some(Ok((no, toks)))
        })
    }

    /// A `MalformedInput` error on line `line`.
    pub(super) fn error(&self, line: usize, what: impl Into<String>) -> Error {
        Error::malformed(Location::line(&self.path, line), what)
    }

    /// A `MalformedInput` error about the whole file.
    pub(super) fn file_error(&self, what: impl Into<String>) -> Error {
        Error::malformed(Location::file(&self.path), what)
    }
}

/// The header of a `.pvar` / `.psam`: its leading `#` lines, of which the
/// last one names the columns when it starts with one of `names` (`None`
/// when the file has no `#` line: a `.bim` or `.fam`). Returns that line's
/// number and its column names (without the `#`); data lines are the lines
/// after it.
///
/// # Errors
/// `MalformedInput` when the last `#` line does not start with one of
/// `names`.
pub(super) fn header<'a>(file: &'a Lines, names: &[&str]) -> Result<Option<(usize, Vec<&'a str>)>> {
    let mut last = None;
    for line in file.lines() {
        let (no, text) = line?;
        if !text.starts_with('#') {
            break;
        }
        last = Some((no, text));
    }
    let Some((no, text)) = last else { return Ok(None) };
    let cols: Vec<&str> = text[1..].split_ascii_whitespace().collect();
    if !names.iter().any(|n| cols.first() == Some(n)) {
        return Err(file.error(
            no,
            format!(
                "the last '#' line of the header must name the columns, starting with #{}",
                names.join(" or #")
            ),
        ));
    }
    Ok(Some((no, cols)))
}
