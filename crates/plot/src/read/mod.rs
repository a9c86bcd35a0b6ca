//! Summary statistics read by column names, one row at a time: kindred's
//! `.assoc.tsv` (GWAS-SSF names), GEMMA's `.assoc.txt` and PLINK 2's
//! `.glm.linear` / `.glm.logistic`, tab- or whitespace-separated, plain or
//! gzip/BGZF-compressed (recognised by its magic bytes, whatever the name).
//!
//! Modules: `columns` (the header's columns), `parse` (a line's fields
//! and values).

mod columns;
mod parse;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::ops::Range;
use std::path::{Path, PathBuf};

pub use columns::{Columns, Format};

use crate::error::{Error, Result};

/// The largest `-log10 p` a `p` of 0 stands for: that of the smallest
/// positive `f64` (a p-value written as 0 has underflowed).
pub const MAX_NEG_LOG10_P: f64 = 323.306_215_343_115_2;

/// One row with a p-value.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    /// The chromosome code as written.
    pub chrom: &'a [u8],
    /// The base-pair position; `None` when missing, 0 or negative (PLINK's
    /// unknown positions).
    pub pos: Option<i64>,
    /// The variant ID, when the file has one (the first ID column that is
    /// not missing on this row).
    pub id: Option<&'a [u8]>,
    /// The p-value: the p-value column when there is one, else
    /// `10^-neg_log10_p` (which may underflow to 0).
    pub p: f64,
    /// `-log10 p`: the `-log10 p` column when there is one, else computed
    /// from `p` ([`MAX_NEG_LOG10_P`] for a `p` of 0).
    pub neg_log10_p: f64,
}

/// Streams the rows of a summary-statistics file.
///
/// ```
/// # fn main() -> Result<(), plot::Error> {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("x.assoc.txt");
/// std::fs::write(&path, "chr\trs\tps\tp_wald\n1\trs1\t100\t0.01\n1\trs2\t200\tnan\n").unwrap();
/// let mut r = plot::SumstatsReader::open(&path)?;
/// assert_eq!(r.columns().format, plot::Format::Gemma);
/// let row = r.next_row()?.unwrap();
/// assert_eq!((row.chrom, row.pos, row.p), (&b"1"[..], Some(100), 0.01));
/// assert!(r.next_row()?.is_none());
/// assert_eq!(r.n_skipped(), 1);
/// # Ok(()) }
/// ```
pub struct SumstatsReader {
    path: PathBuf,
    input: Box<dyn BufRead>,
    columns: Columns,
    /// Fields are tab-separated (empty fields allowed), else separated by
    /// runs of spaces and tabs.
    tabs: bool,
    /// 1-based number of the line in `buf`.
    line: u64,
    buf: Vec<u8>,
    /// Field ranges of the current line (reused).
    fields: Vec<Range<usize>>,
    skipped: u64,
}

impl std::fmt::Debug for SumstatsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SumstatsReader")
            .field("path", &self.path)
            .field("columns", &self.columns)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl SumstatsReader {
    /// Opens `path` and reads its header (the first non-empty line).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Empty`] without
    /// a header, [`Error::MissingColumn`] (see [`Columns::detect`]).
    pub fn open(path: &Path) -> Result<Self> {
        let io = |e| Error::io(path, e);
        let mut raw = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
        let gz = raw.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let input: Box<dyn BufRead> = if gz {
            let dec = flate2::bufread::MultiGzDecoder::new(raw);
            Box::new(BufReader::with_capacity(1 << 20, dec))
        } else {
            Box::new(raw)
        };
        let mut r = Self {
            path: path.to_path_buf(),
            input,
            columns: Columns {
                format: Format::Other,
                chrom: 0,
                pos: 0,
                id: None,
                id_fallback: None,
                p: None,
                neg_log10_p: None,
                test: None,
                p_name: String::new(),
                n_fields: 0,
            },
            tabs: true,
            line: 0,
            buf: Vec::new(),
            fields: Vec::new(),
            skipped: 0,
        };
        loop {
            if !r.read_line()? {
                return Err(Error::Empty { path: r.path });
            }
            if !r.buf.is_empty() {
                break;
            }
        }
        let header = String::from_utf8_lossy(&r.buf).into_owned();
        r.tabs = header.contains('\t');
        let fields: Vec<&str> = if r.tabs {
            header.split('\t').collect()
        } else {
            header.split_ascii_whitespace().collect()
        };
        r.columns = Columns::detect(&fields, path)?;
        Ok(r)
    }

    /// The columns found in the header.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// Rows passed over so far: no p-value (`NA`, `nan`, empty), or a
    /// `TEST` other than `ADD`.
    pub fn n_skipped(&self) -> u64 {
        self.skipped
    }

    /// Reads the next line into `buf` (without its line ending); `false`
    /// at the end of the file.
    fn read_line(&mut self) -> Result<bool> {
        self.buf.clear();
        let n = self
            .input
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::io(&self.path, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(true)
    }

    /// The next row with a p-value, or `None` at the end of the file.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Malformed`] naming the line for too few
    /// fields, a number that does not parse, a p-value outside [0, 1] or a
    /// negative `-log10 p`.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>> {
        let parsed = loop {
            if !self.read_line()? {
                return Ok(None);
            }
            if self.buf.is_empty() {
                continue;
            }
            match self.parse()? {
                Some(p) => break p,
                None => self.skipped += 1,
            }
        };
        let b = &self.buf;
        Ok(Some(Row {
            chrom: &b[parsed.chrom],
            pos: parsed.pos,
            id: parsed.id.map(|r| &b[r]),
            p: parsed.p,
            neg_log10_p: parsed.neg_log10_p,
        }))
    }
}

#[cfg(test)]
mod tests;
