//! The columns of a chunk's summary-statistics header, found by name in
//! either layout kindred writes (GWAS-SSF or GEMMA's), and the sort key of
//! a GWAS-SSF row.

use crate::output::order_key;

/// Columns of a summary-statistics header: GWAS-SSF or GEMMA's layout.
pub(super) struct Columns {
    pub(super) chrom: usize,
    pub(super) pos: usize,
    pub(super) id: usize,
    pub(super) beta: usize,
    pub(super) p: usize,
    pub(super) neg_log10: Option<usize>,
    /// GWAS-SSF: rows sorted by chromosome and position (GEMMA's: `.bim`
    /// order).
    pub(super) sorted: bool,
}

impl Columns {
    /// The columns of `header`; `None` when one of those read is missing.
    pub(super) fn of(header: &str) -> Option<Self> {
        let names: Vec<&str> = header.split('\t').collect();
        let at = |n: &str| names.iter().position(|&x| x == n);
        let p = at("p_value")
            .or_else(|| at("p_wald"))
            .or_else(|| at("p_lrt"))
            .or_else(|| at("p_score"))?;
        Some(Self {
            chrom: at("chromosome").or_else(|| at("chr"))?,
            pos: at("base_pair_location").or_else(|| at("ps"))?,
            id: at("bim_id").or_else(|| at("rs"))?,
            beta: at("beta")?,
            p,
            neg_log10: at("neg_log_10_p_value"),
            sorted: at("chromosome").is_some(),
        })
    }

    /// The sort key of a GWAS-SSF row.
    pub(super) fn key(&self, line: &str) -> (bool, u64, String, i64) {
        let f: Vec<&str> = line.split('\t').collect();
        let pos = f.get(self.pos).and_then(|p| p.parse().ok()).unwrap_or(i64::MIN);
        order_key(f.get(self.chrom).copied().unwrap_or(""), pos)
    }
}
