//! The files an analysis writes, and their names: summary statistics in a
//! GWAS-SSF-style tab-separated layout or GEMMA's `.assoc.txt` layout
//! (optionally gzip-compressed), the null models' `.reml.tsv` (module
//! `reml`) and the JSON run summary (module `json`). Every file is written
//! to a temporary file and renamed into place.

mod json;
mod reml;

use std::io::Write;
use std::path::{Path, PathBuf};

use genotype::{with_extension, AtomicFile, Variant};

pub use json::write_json;
pub use reml::write_reml;

use crate::error::{Error, Result};
use crate::scan::{AssocRow, Test, Tests};

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
    let stem = if several {
        format!("{phenotype}.{ext}")
    } else {
        ext.to_string()
    };
    with_extension(out, &if gz { format!("{stem}.gz") } else { stem })
}

/// Seven significant digits in C's `%.6e` form (`-7.882975e-02`), as
/// GEMMA and most tools print them.
fn sci(v: f64) -> String {
    if v.is_nan() {
        return "NA".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{v:.6e}");
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

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".into(), sci)
}

/// Writes `rows` to `path` (gzip when the name ends in `.gz`), crash-safe.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_assoc(
    path: &Path,
    format: AssocFormat,
    tests: Tests,
    rows: &[AssocRow],
    variants: &[Variant],
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    let gz = path.extension().is_some_and(|e| e == "gz");
    let io = |e: std::io::Error| Error::io(path, e);
    {
        let mut out: Box<dyn Write + '_> = if gz {
            Box::new(flate2::write::GzEncoder::new(&mut file, flate2::Compression::new(6)))
        } else {
            Box::new(&mut file)
        };
        match format {
            AssocFormat::Tsv => write_tsv(&mut out, tests, rows, variants).map_err(io)?,
            AssocFormat::Gemma => write_gemma(&mut out, tests, rows, variants).map_err(io)?,
        }
        out.flush().map_err(io)?;
    }
    file.commit()?;
    Ok(())
}

fn write_tsv(out: &mut dyn Write, tests: Tests, rows: &[AssocRow], variants: &[Variant]) -> std::io::Result<()> {
    let main = tests.main();
    let mut header = String::from(
        "chromosome\tbase_pair_location\tvariant_id\teffect_allele\tother_allele\teffect_allele_frequency\tn\tbeta\tstandard_error\tp_value",
    );
    let p_lrt = tests.lrt && main != Test::Lrt;
    let p_score = tests.score && main != Test::Score;
    if p_lrt {
        header.push_str("\tp_lrt");
    }
    if p_score {
        header.push_str("\tp_score");
    }
    // lambda is per variant only in the exact mixed model
    let lambda = tests.wald && rows.iter().any(|r| r.lambda_remle.is_finite());
    if lambda {
        header.push_str("\tlambda_remle");
    }
    writeln!(out, "{header}")?;
    let mut line = String::new();
    for r in rows {
        let v = &variants[r.variant as usize];
        line.clear();
        line.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{:.6}\t{}\t{}\t{}\t{}",
            v.chrom,
            v.pos,
            v.id,
            v.a1,
            v.a2,
            r.stats.a1_freq(),
            r.stats.n_obs(),
            sci(r.beta),
            sci(r.se),
            sci(r.p_value())
        ));
        if p_lrt {
            line.push('\t');
            line.push_str(&opt(r.p_lrt));
        }
        if p_score {
            line.push('\t');
            line.push_str(&opt(r.p_score));
        }
        if lambda {
            line.push('\t');
            line.push_str(&sci(r.lambda_remle));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn write_gemma(out: &mut dyn Write, tests: Tests, rows: &[AssocRow], variants: &[Variant]) -> std::io::Result<()> {
    let beta_se = tests.wald || tests.score;
    let logl = tests.wald || tests.lrt;
    let mut header = String::from("chr\trs\tps\tn_miss\tallele1\tallele0\taf");
    if beta_se {
        header.push_str("\tbeta\tse");
    }
    if logl {
        header.push_str("\tlogl_H1");
    }
    if tests.wald {
        header.push_str("\tl_remle");
    }
    if tests.lrt {
        header.push_str("\tl_mle");
    }
    for (on, name) in [(tests.wald, "p_wald"), (tests.lrt, "p_lrt"), (tests.score, "p_score")] {
        if on {
            header.push('\t');
            header.push_str(name);
        }
    }
    writeln!(out, "{header}")?;
    for r in rows {
        let v = &variants[r.variant as usize];
        let mut line = format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{:.3}",
            v.chrom,
            v.id,
            v.pos,
            r.stats.n_missing,
            v.a1,
            v.a2,
            r.stats.a1_freq()
        );
        let mut push = |s: String| {
            line.push('\t');
            line.push_str(&s);
        };
        if beta_se {
            push(sci(r.beta));
            push(sci(r.se));
        }
        if logl {
            push(sci(r.logl_h1));
        }
        if tests.wald {
            push(sci(r.lambda_remle));
        }
        if tests.lrt {
            push(sci(r.lambda_mle));
        }
        for (on, p) in [(tests.wald, r.p_wald), (tests.lrt, r.p_lrt), (tests.score, r.p_score)] {
            if on {
                push(opt(p));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
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
