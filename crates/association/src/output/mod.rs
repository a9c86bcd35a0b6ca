//! The files an analysis writes, and their names: summary statistics in
//! the GWAS-SSF layout or GEMMA's `.assoc.txt` layout (module
//! `sumstats`), compressed as BGZF with a tabix index when asked (modules
//! `bgzf`, `tabix`), the GWAS-SSF metadata file (module `meta`), the null
//! models' `.reml.tsv` (module `reml`), the predictions of `--blup`
//! (module `blup`) and the JSON run summary (module `json`). Every file is written to a temporary file and renamed into
//! place; the md5 of each data file is computed as it is written.

mod bgzf;
mod blup;
mod components;
mod json;
mod meta;
mod reml;
mod sumstats;
mod tabix;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use genotype::{with_extension, AtomicFile, Variant};
use md5::{Digest, Md5};

pub use blup::{write_blup, write_snp_blup};
pub use components::write_components;
pub use json::write_json;
pub use meta::{meta_path, meta_yaml, today, write_meta, SumstatsMeta};
pub use reml::write_reml;
pub use sumstats::{order_key, p_text, ssf_order, ChromCodes, MISSING};

use crate::error::{Error, Result};
use crate::scan::{AssocRow, Model};
use bgzf::BgzfLines;
use tabix::{Locus, TabixIndex};

/// Layout of a summary-statistics file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssocFormat {
    /// `chromosome base_pair_location variant_id effect_allele other_allele
    /// effect_allele_frequency n beta standard_error p_value` (+ `p_lrt`,
    /// `p_score`, `lambda_remle` where computed). `p_value` is the Wald
    /// p-value when computed, else the LRT's, else the score test's.
    Tsv,
    /// GEMMA's `.assoc.txt` columns for the tests that ran.
    Gemma,
}

impl AssocFormat {
    /// The file extension of the layout.
    pub fn extension(&self) -> &'static str {
        match self {
            AssocFormat::Tsv => "assoc.tsv",
            AssocFormat::Gemma => "assoc.txt",
        }
    }
}

/// The summary-statistics file of a phenotype: `OUT.assoc.tsv` (or
/// `.assoc.txt`) when the run has one phenotype, `OUT.NAME.assoc.tsv` when
/// it has several; `.gz` added when compressed.
pub fn assoc_path(out: &Path, phenotype: &str, several: bool, format: AssocFormat, gz: bool) -> PathBuf {
    let ext = format.extension();
    phenotype_path(
        out,
        phenotype,
        several,
        &if gz { format!("{ext}.gz") } else { ext.to_string() },
    )
}

/// `OUT.EXT` for a run of one phenotype, `OUT.NAME.EXT` for several: how
/// every per-phenotype file (summary statistics, `.blup.tsv`, ...) is named.
pub fn phenotype_path(out: &Path, phenotype: &str, several: bool, ext: &str) -> PathBuf {
    if several {
        with_extension(out, &format!("{phenotype}.{ext}"))
    } else {
        with_extension(out, ext)
    }
}

/// Seven significant digits in C's `%.6e` form (`-7.882975e-02`), as
/// GEMMA and most tools print them.
pub(crate) fn sci(v: f64) -> String {
    sci_with(v, 6)
}

/// `digits + 1` significant digits in C's `%.{digits}e` form (`NA` for
/// `NaN`), the form of every number kindred writes in scientific notation.
pub fn sci_with(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return "NA".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{v:.digits$e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

/// A summary-statistics file as written: its path, the md5 of its bytes
/// and its tabix index (`.tbi`), if one was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The data file.
    pub path: PathBuf,
    /// md5 of the file's bytes (hexadecimal).
    pub md5: String,
    /// `PATH.tbi` when the file is BGZF in the GWAS-SSF layout.
    pub index: Option<PathBuf>,
}

/// Writes `rows` of a scan by `model` to `path`, crash-safe: the GWAS-SSF layout sorted by
/// chromosome and position (`codes` deciding the chromosome codes), or
/// GEMMA's in `.bim` order. A name ending in `.gz` is written as BGZF,
/// and the GWAS-SSF layout then gets a tabix index `PATH.tbi`. With
/// `info` (a source of imputed dosages), the GWAS-SSF layout has an `info`
/// column after `bim_id`: each row's [`genotype::VariantStats::info`].
///
/// # Errors
/// `Io` naming the file on a failed write.
#[allow(clippy::too_many_arguments)] // the table, its layout and the info switch
pub fn write_assoc(
    path: &Path,
    format: AssocFormat,
    model: Model,
    rows: &[AssocRow],
    variants: &[Variant],
    codes: ChromCodes,
    info: bool,
) -> Result<Written> {
    write_table(path, format == AssocFormat::Tsv, |out| match format {
        AssocFormat::Tsv => sumstats::write_ssf(out, model, rows, variants, codes, info),
        AssocFormat::Gemma => sumstats::write_gemma(out, model.tests(), rows, variants),
    })
}

/// Writes a header and rows (without line ends) to `path`, crash-safe,
/// as [`write_assoc`] does: what `kindred merge` writes from its chunks'
/// text. With `locus` (the columns of chromosome and position, for the
/// GWAS-SSF layout, whose rows must then be sorted), a `.gz` name also
/// gets a tabix index.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_lines(path: &Path, header: &str, rows: &[String], locus: Option<(usize, usize)>) -> Result<Written> {
    write_table(path, locus.is_some(), |out| {
        out.line(header, None)?;
        for r in rows {
            let at = locus.and_then(|(c, p)| {
                let mut f = r.split('\t');
                let (chrom, pos) = if c < p {
                    (f.nth(c)?, f.nth(p - c - 1)?)
                } else {
                    let pos = f.nth(p)?;
                    (f.nth(c - p - 1)?, pos)
                };
                let pos: i64 = pos.parse().ok()?;
                (pos >= 1).then(|| Locus::at(chrom, pos))
            });
            out.line(r, at)?;
        }
        Ok(())
    })
}

/// A writer that hashes what passes through it.
pub(crate) struct Hashing<W: Write> {
    inner: W,
    md5: Md5,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Where the lines of a table go: a buffered plain file, or BGZF members.
pub(crate) enum Lines<'f> {
    /// Plain text.
    Plain(BufWriter<Hashing<&'f mut AtomicFile>>),
    /// BGZF, optionally indexed.
    Bgzf(BgzfLines<Hashing<&'f mut AtomicFile>>),
}

impl Lines<'_> {
    /// Writes one line (its end added), at `locus` for the index.
    pub(crate) fn line(&mut self, text: &str, locus: Option<Locus>) -> std::io::Result<()> {
        match self {
            Lines::Plain(w) => {
                w.write_all(text.as_bytes())?;
                w.write_all(b"\n")
            }
            Lines::Bgzf(w) => w.line(text, locus),
        }
    }
}

/// Runs `body` on the lines of a temporary file beside `path` (BGZF when
/// the name ends in `.gz`, tabix-indexed when also `indexed`), then
/// renames it (and the index) into place.
fn write_table(
    path: &Path,
    indexed: bool,
    body: impl FnOnce(&mut Lines<'_>) -> std::io::Result<()>,
) -> Result<Written> {
    let gz = path.extension().is_some_and(|e| e == "gz");
    let io = |e: std::io::Error| Error::io(path, e);
    let mut file = AtomicFile::create(path)?;
    let hashing = Hashing {
        inner: &mut file,
        md5: Md5::new(),
    };
    let (md5, index) = if gz {
        let mut lines = Lines::Bgzf(BgzfLines::new(hashing, 6, indexed.then(TabixIndex::default)));
        body(&mut lines).map_err(io)?;
        let Lines::Bgzf(w) = lines else { unreachable!() };
        let (h, index) = w.finish().map_err(io)?;
        (h.md5.finalize(), index)
    } else {
        let mut lines = Lines::Plain(BufWriter::with_capacity(1 << 20, hashing));
        body(&mut lines).map_err(io)?;
        let Lines::Plain(w) = lines else { unreachable!() };
        let h = w.into_inner().map_err(|e| io(e.into_error()))?;
        (h.md5.finalize(), None)
    };
    file.commit()?;
    let index = match index {
        Some(ix) => {
            let tbi = PathBuf::from(format!("{}.tbi", path.display()));
            let mut f = AtomicFile::create(&tbi)?;
            f.write_all(&ix.to_bytes().map_err(|e| Error::io(&tbi, e))?)
                .map_err(|e| Error::io(&tbi, e))?;
            f.commit()?;
            Some(tbi)
        }
        None => None,
    };
    Ok(Written {
        path: path.to_path_buf(),
        md5: md5.iter().map(|b| format!("{b:02x}")).collect(),
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::sci;

    #[test]
    fn c_style_scientific_notation() {
        assert_eq!(sci(-0.07882975), "-7.882975e-02");
        assert_eq!(sci(1583.642), "1.583642e+03");
        assert_eq!(sci(2.6e-17), "2.600000e-17");
        assert_eq!(sci(1e-300), "1.000000e-300");
        assert_eq!(sci(0.0), "0.000000e+00");
        assert_eq!(sci(f64::NAN), "NA");
    }
}
