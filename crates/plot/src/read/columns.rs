//! The columns the plots read, found by name in a header line, and which
//! tool's names they are.

use std::path::Path;

use crate::error::{Error, Result};

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
    pub(super) fn needed(&self) -> usize {
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
