//! One chunk of a scattered scan as `kindred merge` reads it: its `.json`
//! summary and, per phenotype, the rows of its summary-statistics file,
//! kept as the text it wrote (so that the merged file is byte for byte
//! what one run writes).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use genotype::{with_extension, Location};

use crate::error::{Error, Result};
use crate::report::{AssocReport, SCHEMA_VERSION};

/// A chunk's `.json`, read and checked for form.
#[derive(Debug)]
pub struct Chunk {
    /// Its output prefix.
    pub prefix: PathBuf,
    /// `PREFIX.json`.
    pub json: PathBuf,
    /// What it says.
    pub report: AssocReport,
}

impl Chunk {
    /// Reads `PREFIX.json`.
    ///
    /// # Errors
    /// `Io` when it cannot be read; `Malformed` when it is not the summary
    /// of a `kindred assoc` run of this schema version.
    pub fn read(prefix: &Path) -> Result<Self> {
        let json = with_extension(prefix, "json");
        let text = std::fs::read_to_string(&json).map_err(|e| Error::io(&json, e))?;
        let bad = |what: String| Error::Malformed {
            at: Location::file(&json),
            what,
        };
        let report: AssocReport =
            serde_json::from_str(&text).map_err(|e| bad(format!("not the summary of a kindred assoc run ({e})")))?;
        if report.schema_version != SCHEMA_VERSION {
            return Err(bad(format!(
                "schema version {} (this kindred reads {SCHEMA_VERSION})",
                report.schema_version
            )));
        }
        if !matches!(report.command.as_str(), "assoc" | "gwas") {
            return Err(bad(format!(
                "written by 'kindred {}', not by an association scan",
                report.command
            )));
        }
        Ok(Self {
            prefix: prefix.to_path_buf(),
            json,
            report,
        })
    }

    /// `[first, end)` `.bim` lines the chunk covers (the whole `.bim`
    /// without a window).
    pub fn span(&self) -> [usize; 2] {
        self.report
            .window
            .as_ref()
            .map_or([0, self.report.n_variants_in_bim], |w| w.bim_span)
    }

    /// The summary-statistics file of phenotype `k`: its name as recorded,
    /// looked for beside the chunk's `.json` (the chunk may have run in
    /// another directory).
    pub fn file(&self, k: usize) -> PathBuf {
        let recorded = Path::new(&self.report.phenotypes[k].file);
        let name = recorded.file_name().unwrap_or(recorded.as_os_str());
        match self.prefix.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
            _ => PathBuf::from(name),
        }
    }
}

/// The text of one summary-statistics file: header and rows, without
/// their line ends.
#[derive(Debug)]
pub struct Rows {
    /// The file.
    pub path: PathBuf,
    /// The header line.
    pub header: String,
    /// The rows.
    pub lines: Vec<String>,
}

impl Rows {
    /// Reads `path` (gzip when it ends in `.gz`), which its chunk's
    /// `.json` says holds `expected` rows.
    ///
    /// # Errors
    /// `Io` when it cannot be read; `Malformed` when it is empty, ends in
    /// the middle of a line, or holds another number of rows (truncated or
    /// changed since the chunk wrote it).
    pub fn read(path: &Path, expected: usize) -> Result<Self> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let raw: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::read::MultiGzDecoder::new(f))
        } else {
            Box::new(f)
        };
        let bad = |line: Option<usize>, what: String| Error::Malformed {
            at: Location {
                path: path.to_path_buf(),
                line,
            },
            what,
        };
        let mut reader = BufReader::with_capacity(1 << 20, raw);
        let mut header = String::new();
        let mut lines = Vec::with_capacity(expected);
        let mut buf = String::new();
        let mut n = 0;
        loop {
            buf.clear();
            let got = reader.read_line(&mut buf).map_err(|e| {
                bad(
                    Some(n + 1),
                    format!("cannot be read ({e}): damaged or truncated; run its chunk again"),
                )
            })?;
            if got == 0 {
                break;
            }
            n += 1;
            let Some(text) = buf.strip_suffix('\n') else {
                return Err(bad(
                    Some(n),
                    "ends in the middle of a line: truncated; run its chunk again".into(),
                ));
            };
            if n == 1 {
                header = text.to_string();
            } else {
                lines.push(text.to_string());
            }
        }
        if n == 0 {
            return Err(bad(None, "is empty: truncated; run its chunk again".into()));
        }
        if lines.len() != expected {
            return Err(bad(
                None,
                format!(
                    "holds {} rows but its chunk's .json says {expected}: truncated or changed; run its chunk again",
                    lines.len()
                ),
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            header,
            lines,
        })
    }
}
