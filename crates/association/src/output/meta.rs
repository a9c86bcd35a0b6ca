//! `FILE-meta.yaml`, the GWAS-SSF metadata file beside each summary
//! statistics file: what the GWAS Catalog requires (genome assembly, data
//! file name and md5, date) and what kindred knows of the analysis
//! (trait, sample size, covariates, MAF limit, software, sort order).

use std::io::Write;
use std::path::{Path, PathBuf};

use genotype::AtomicFile;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What the metadata says of a scan, beyond the data file itself; kept in
/// each chunk's `.json` so that `kindred merge` writes the same file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SumstatsMeta {
    /// Trait description (`--trait-description`, else the phenotype name).
    pub trait_description: String,
    /// Genome assembly (`--genome-build`; `NR`, not reported, without).
    pub genome_assembly: String,
    /// Genotyping technology (`--genotyping-technology`), if given.
    pub genotyping_technology: Option<String>,
    /// Sample ancestry (`--ancestry`), if given.
    pub sample_ancestry: Option<String>,
    /// Analysed samples.
    pub sample_size: usize,
    /// Covariate names (the intercept is implied).
    pub adjusted_covariates: Vec<String>,
    /// `--maf`.
    pub minor_allele_freq_lower_limit: f64,
    /// Whether chromosome codes are the standard's human ones.
    pub human_codes: bool,
}

/// `FILE-meta.yaml` for the data file `data` (its name ends in `.tsv` or
/// `.tsv.gz` for GWAS-SSF).
pub fn meta_path(data: &Path) -> PathBuf {
    let mut s = data.as_os_str().to_owned();
    s.push("-meta.yaml");
    PathBuf::from(s)
}

/// A YAML scalar, double-quoted with escapes.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock (civil date
/// of the day count, Howard Hinnant's algorithm).
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The YAML text for data file `data` (its md5 `md5`), sorted rows.
pub fn meta_yaml(meta: &SumstatsMeta, data: &Path, md5: &str, date: &str) -> String {
    let name = data
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let list = |items: &[String]| -> String {
        if items.is_empty() {
            " []\n".into()
        } else {
            items.iter().map(|i| format!("\n- {}", quoted(i))).collect::<String>() + "\n"
        }
    };
    let mut y = String::new();
    y.push_str(&format!("date_metadata_last_modified: {date}\n"));
    y.push_str(&format!(
        "trait_description:{}",
        list(std::slice::from_ref(&meta.trait_description))
    ));
    y.push_str(&format!("genome_assembly: {}\n", quoted(&meta.genome_assembly)));
    y.push_str("coordinate_system: 1-based\n");
    if let Some(t) = &meta.genotyping_technology {
        y.push_str(&format!("genotyping_technology:{}", list(std::slice::from_ref(t))));
    }
    y.push_str(&format!("samples:\n- sample_size: {}\n", meta.sample_size));
    if let Some(a) = &meta.sample_ancestry {
        y.push_str(&format!(
            "  sample_ancestry:{}",
            list(std::slice::from_ref(a)).replace("\n-", "\n  -")
        ));
    }
    y.push_str(&format!("data_file_name: {}\n", quoted(&name)));
    y.push_str(&format!(
        "file_type: {}\n",
        if meta.human_codes {
            "GWAS-SSF v1.0"
        } else {
            "non-GWAS-SSF"
        }
    ));
    if !meta.human_codes {
        y.push_str(
            "author_notes: \"GWAS-SSF-style: the columns of GWAS-SSF v1.0, with the .bim's chromosome codes \
             (not the standard's human 1-25)\"\n",
        );
    }
    y.push_str(&format!("data_file_md5sum: {md5}\n"));
    y.push_str(&format!(
        "analysis_software: \"kindred {}\"\n",
        env!("CARGO_PKG_VERSION")
    ));
    y.push_str(&format!("adjusted_covariates:{}", list(&meta.adjusted_covariates)));
    y.push_str(&format!(
        "minor_allele_freq_lower_limit: {}\n",
        meta.minor_allele_freq_lower_limit
    ));
    y.push_str("is_harmonised: false\nis_sorted: true\n");
    y
}

/// Writes `FILE-meta.yaml` beside `data`, crash-safe; returns its path.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_meta(meta: &SumstatsMeta, data: &Path, md5: &str) -> Result<PathBuf> {
    let path = meta_path(data);
    let mut f = AtomicFile::create(&path)?;
    f.write_all(meta_yaml(meta, data, md5, &today()).as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    f.commit()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_names_the_file_and_quotes_free_text() {
        let m = SumstatsMeta {
            trait_description: "height \"cm\"".into(),
            genome_assembly: "GRCh38".into(),
            genotyping_technology: Some("Genome-wide genotyping array".into()),
            sample_ancestry: Some("European".into()),
            sample_size: 1410,
            adjusted_covariates: vec!["sex".into()],
            minor_allele_freq_lower_limit: 0.01,
            human_codes: true,
        };
        let y = meta_yaml(&m, Path::new("out/x.assoc.tsv.gz"), "abc", "2026-11-30");
        assert!(y.contains("data_file_name: \"x.assoc.tsv.gz\"\n"), "{y}");
        assert!(y.contains("trait_description:\n- \"height \\\"cm\\\"\"\n"), "{y}");
        assert!(
            y.contains("samples:\n- sample_size: 1410\n  sample_ancestry:\n  - \"European\"\n"),
            "{y}"
        );
        assert!(y.contains("file_type: GWAS-SSF v1.0\n"), "{y}");
        assert_eq!(meta_path(Path::new("a/b.tsv")), Path::new("a/b.tsv-meta.yaml"));
        assert_eq!(today().len(), 10);
    }
}
