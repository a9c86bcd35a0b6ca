//! Summary statistics read by column names, one row at a time: kindred's
//! `.assoc.tsv` (GWAS-SSF names), GEMMA's `.assoc.txt` and PLINK 2's
//! `.glm.linear` / `.glm.logistic`, tab- or whitespace-separated, plain or
//! gzip/BGZF-compressed (recognised by its magic bytes, whatever the name).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The largest `-log10 p` a `p` of 0 stands for: that of the smallest
/// positive `f64` (a p-value written as 0 has underflowed).
pub const MAX_NEG_LOG10_P: f64 = 323.306_215_343_115_2;

/// Which tool's column names the header matched (for the log; the columns
/// are found by name whatever the tool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// kindred's `.assoc.tsv`: GWAS-SSF names (`chromosome`,
    /// `base_pair_location`, `variant_id`, `p_value`, `neg_log_10_p_value`).
    Kindred,
    /// GEMMA's `.assoc.txt` (`chr`, `rs`, `ps`, `p_wald`/`p_lrt`/`p_score`).
    Gemma,
    /// PLINK 2's `.glm.*` (`#CHROM`, `POS`, `ID`, `TEST`, `P`).
    Plink2,
    /// Other names the reader knows (e.g. PLINK 1.9's `CHR`, `BP`, `SNP`, `P`).
    Other,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Kindred => "kindred (GWAS-SSF)",
            Format::Gemma => "GEMMA",
            Format::Plink2 => "PLINK 2",
            Format::Other => "generic",
        })
    }
}

/// Names of each column, first match wins (compared without case and
/// without a leading `#`).
const CHROM: &[&str] = &["chromosome", "chr", "chrom"];
const POS: &[&str] = &["base_pair_location", "ps", "pos", "bp"];
/// Variant IDs for labels: kindred's `bim_id` (the `.bim` ID) first, then
/// GWAS-SSF's `rsid` and `variant_id` (`CHR_POS_OTHER_EFFECT`).
const ID: &[&str] = &["bim_id", "rsid", "variant_id", "rs", "id", "snp"];
const P: &[&str] = &["p_value", "p_wald", "p_lrt", "p_score", "p"];
const NEG_LOG10_P: &[&str] = &["neg_log_10_p_value"];
const TEST: &[&str] = &["test"];
/// The one `TEST` value whose rows are read (PLINK 2: the additive effect).
const TEST_KEPT: &[u8] = b"ADD";

/// The columns the plots read, found by name in a header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The tool the names belong to.
    pub format: Format,
    /// 0-based index of the chromosome column.
    pub chrom: usize,
    /// Of the base-pair position.
    pub pos: usize,
    /// Of the variant ID, if any (hits are then labelled `chr:pos`).
    pub id: Option<usize>,
    /// Of the ID used where the first is missing (GWAS-SSF's `variant_id`
    /// where `rsid` is `#NA`), if any.
    pub id_fallback: Option<usize>,
    /// Of the p-value, if any.
    pub p: Option<usize>,
    /// Of `-log10 p` (kindred's `neg_log_10_p_value`), if any: used for the
    /// figures when present, as it does not underflow.
    pub neg_log10_p: Option<usize>,
    /// Of PLINK 2's `TEST`, if any: only `ADD` rows are read.
    pub test: Option<usize>,
    /// The header name of the p-value column read (`p_wald`, `P`, ...), or
    /// of `-log10 p` when there is no p-value column.
    pub p_name: String,
    /// Fields per line.
    pub n_fields: usize,
}

impl Columns {
    /// Finds the columns in the header `fields`.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] (naming `path`) when the chromosome, the
    /// position, or both the p-value and `-log10 p`, are absent.
    pub fn detect(fields: &[&str], path: &Path) -> Result<Self> {
        let norm: Vec<String> = fields
            .iter()
            .map(|f| f.trim_start_matches('#').to_ascii_lowercase())
            .collect();
        let find_all = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| norm.iter().position(|f| f == n))
                .collect::<Vec<_>>()
        };
        let find = |names: &[&str]| find_all(names).first().copied();
        let ids = find_all(ID);
        let missing = |wanted, names: &[&str]| Error::MissingColumn {
            path: path.to_path_buf(),
            wanted,
            candidates: names.join(", "),
            header: fields.join(" "),
        };
        let chrom = find(CHROM).ok_or_else(|| missing("chromosome", CHROM))?;
        let pos = find(POS).ok_or_else(|| missing("position", POS))?;
        let p = find(P);
        let neg_log10_p = find(NEG_LOG10_P);
        let p_name = match (p, neg_log10_p) {
            (Some(i), _) | (None, Some(i)) => fields[i].to_string(),
            (None, None) => {
                let both: Vec<&str> = P.iter().chain(NEG_LOG10_P).copied().collect();
                return Err(missing("p-value", &both));
            }
        };
        let has = |n: &str| norm.iter().any(|f| f == n);
        let format = if has("p_value") || has("base_pair_location") {
            Format::Kindred
        } else if has("ps") && (has("p_wald") || has("p_lrt") || has("p_score")) {
            Format::Gemma
        } else if fields.first().is_some_and(|f| f.starts_with("#CHROM")) {
            Format::Plink2
        } else {
            Format::Other
        };
        Ok(Self {
            format,
            chrom,
            pos,
            id: ids.first().copied(),
            id_fallback: ids.get(1).copied(),
            p,
            neg_log10_p,
            test: find(TEST),
            p_name,
            n_fields: fields.len(),
        })
    }

    /// The largest index read, plus one.
    fn needed(&self) -> usize {
        [
            Some(self.chrom),
            Some(self.pos),
            self.id,
            self.id_fallback,
            self.p,
            self.neg_log10_p,
            self.test,
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(0, |m| m + 1)
    }
}

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

/// What a row holds, as ranges of the line (no borrow, see
/// [`SumstatsReader::next_row`]).
struct Parsed {
    chrom: Range<usize>,
    pos: Option<i64>,
    id: Option<Range<usize>>,
    p: f64,
    neg_log10_p: f64,
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

    /// Splits `buf` and reads the needed fields; `None` for a row without
    /// a p-value or with another `TEST`.
    fn parse(&mut self) -> Result<Option<Parsed>> {
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

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
