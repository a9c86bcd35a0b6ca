//! The two layouts of a scan's summary statistics.
//!
//! **GWAS-SSF** (the GWAS Catalog's standard, the default): `chromosome`,
//! `base_pair_location`, `effect_allele`, `other_allele`, `beta`,
//! `standard_error`, `effect_allele_frequency`, `p_value`, then
//! `neg_log_10_p_value`, `variant_id` (`CHR_POS_OTHER_EFFECT`, the
//! standard's form), `rsid` (the `.bim` ID when it is one), `n`, and
//! kindred's own: `bim_id`, `info` (GWAS-SSF's imputation-quality column,
//! only for a source of dosages: IMPUTE2 info for BGEN, MACH r2 for PGEN
//! and BIMBAM; `#NA` where undefined), `p_lrt`, `p_score`, `lambda_remle` where
//! computed. Rows sorted by chromosome and position, ties in `.bim` order.
//! Missing values are `#NA`. Chromosomes are coded as the standard wants
//! for human data ([`ChromCodes`]). A p-value is never written as 0: below
//! 1e-300 it is written from its logarithm (e.g. `1.234567e-438`, which
//! no double holds but every reader parses, as the standard asks).
//!
//! **GEMMA** (`--format gemma`): GEMMA's `.assoc.txt` columns, `.bim`
//! order, unchanged.

use std::fmt::Write as _;

use rayon::prelude::*;

use genotype::{Chrom, Variant};

use super::tabix::Locus;
use super::{sci, Lines};
use crate::scan::{AssocRow, Mode, Model, Test, Tests};
use genotype::VariantMoments;

/// The GWAS-SSF code of a missing value.
pub const MISSING: &str = "#NA";

/// How chromosomes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChromCodes {
    /// The standard's human codes: 1-22, X = 23, Y = 24, MT = 25 (PLINK's
    /// XY, the pseudo-autosomal region of X, also 23).
    Human,
    /// The `.bim`'s codes as they are (another organism, or contigs the
    /// standard has no number for): the file is "GWAS-SSF-style".
    AsInBim,
}

/// Genome assemblies of the human genome (`--genome-build`).
const HUMAN_BUILDS: [&str; 8] = ["grch38", "grch37", "hg38", "hg19", "hg18", "ncbi36", "b37", "b38"];

impl ChromCodes {
    /// Human codes when the build is a human one (or not given) and every
    /// chromosome of `variants` has a human code; else the `.bim`'s.
    pub fn choose(variants: &[Variant], build: Option<&str>) -> Self {
        let human_build = build.is_none_or(|b| HUMAN_BUILDS.contains(&b.to_ascii_lowercase().as_str()));
        let human_codes = variants.iter().all(|v| match &v.chrom {
            Chrom::Auto(n) => (1..=22).contains(n),
            Chrom::X | Chrom::Y | Chrom::XY | Chrom::MT => true,
            Chrom::Unplaced | Chrom::Other(_) => false,
        });
        if human_build && human_codes {
            ChromCodes::Human
        } else {
            ChromCodes::AsInBim
        }
    }

    /// The code written for `c`.
    pub fn code(&self, c: &Chrom) -> String {
        match (self, c) {
            (ChromCodes::Human, Chrom::X | Chrom::XY) => "23".into(),
            (ChromCodes::Human, Chrom::Y) => "24".into(),
            (ChromCodes::Human, Chrom::MT) => "25".into(),
            _ => c.to_string(),
        }
    }
}

/// Sort key of a row by its written chromosome code and position:
/// numbered chromosomes first, in numeric order, then the others by name;
/// rows whose position is unknown (PLINK's negative or zero) come after
/// all the others (they are not in the tabix index).
pub fn order_key(code: &str, pos: i64) -> (bool, u64, String, i64) {
    match code.parse::<u64>() {
        Ok(n) => (pos < 1, n, String::new(), pos),
        Err(_) => (pos < 1, u64::MAX, code.to_string(), pos),
    }
}

/// `p` as written: `%.6e`, or from `-log10 p` when it is below 1e-300 (or
/// underflowed to 0); `#NA` when missing.
pub fn p_text(p: Option<f64>, neg_log10: Option<f64>) -> String {
    match (p, neg_log10) {
        (Some(p), _) if p.is_nan() => MISSING.into(),
        (Some(p), Some(x)) if p < 1e-300 && x.is_finite() => from_log10(x),
        (Some(p), _) => sci(p),
        (None, _) => MISSING.into(),
    }
}

/// `10^-x` in `%.6e` form without forming the number.
fn from_log10(x: f64) -> String {
    let mut e = (-x).floor();
    let mut m = 10f64.powf(-x - e);
    if format!("{m:.6}").starts_with("10") {
        m /= 10.0;
        e += 1.0;
    }
    format!("{m:.6}e-{:02}", -e as i64)
}

fn na(v: f64) -> String {
    if v.is_nan() {
        MISSING.into()
    } else {
        sci(v)
    }
}

/// Whether a `.bim` ID is an rsID (`rs` and digits).
fn is_rsid(id: &str) -> bool {
    id.len() > 2 && id.starts_with("rs") && id[2..].bytes().all(|b| b.is_ascii_digit())
}

/// Rows in the order the GWAS-SSF layout writes them.
pub fn ssf_order<'r>(rows: &'r [AssocRow], variants: &[Variant], codes: ChromCodes) -> Vec<&'r AssocRow> {
    let mut keyed: Vec<_> = rows
        .iter()
        .map(|r| {
            let v = &variants[r.variant as usize];
            (order_key(&codes.code(&v.chrom), v.pos), r.variant, r)
        })
        .collect();
    keyed.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    keyed.into_iter().map(|(_, _, r)| r).collect()
}

/// Writes the GWAS-SSF layout, each line with its locus for the index.
pub(crate) fn write_ssf(
    out: &mut Lines<'_>,
    model: Model,
    rows: &[AssocRow],
    variants: &[Variant],
    codes: ChromCodes,
    info: bool,
) -> std::io::Result<()> {
    let tests = model.tests();
    let main = tests.main();
    let p_lrt = tests.lrt && main != Test::Lrt;
    let p_score = tests.score && main != Test::Score;
    // lambda is per variant only in the exact mixed model's Wald test (the
    // column is decided by the model, not the rows: a chunk may have none)
    let lambda = tests.wald && matches!(model, Model::Lmm(s) if s.mode == Mode::Exact);
    let mut header = String::from(
        "chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\t\
         effect_allele_frequency\tp_value\tneg_log_10_p_value\tvariant_id\trsid\tn\tbim_id",
    );
    for (on, name) in [
        (info, "info"),
        (p_lrt, "p_lrt"),
        (p_score, "p_score"),
        (lambda, "lambda_remle"),
    ] {
        if on {
            header.push('\t');
            header.push_str(name);
        }
    }
    out.line(&header, None)?;
    let row_line = |r: &AssocRow| {
        let v = &variants[r.variant as usize];
        let code = codes.code(&v.chrom);
        let nlog = r.neg_log10_p(main);
        let mut line = String::with_capacity(160);
        // Writing to a String cannot fail.
        let _ = write!(
            line,
            "{code}\t{}\t{}\t{}\t{}\t{}\t{:.6}\t{}\t{}\t{code}_{}_{}_{}\t{}\t{}\t{}",
            v.pos,
            v.a1,
            v.a2,
            na(r.beta),
            na(r.se),
            r.stats.a1_freq(),
            p_text(r.p(main), nlog),
            nlog.map_or(MISSING.into(), sci),
            v.pos,
            v.a2,
            v.a1,
            if is_rsid(&v.id) { &v.id } else { MISSING },
            r.stats.n_obs(),
            v.id,
        );
        if info {
            line.push('\t');
            line.push_str(
                &r.stats
                    .info()
                    .filter(|x| x.is_finite())
                    .map_or(MISSING.into(), |x| format!("{x:.6}")),
            );
        }
        for (on, test) in [(p_lrt, Test::Lrt), (p_score, Test::Score)] {
            if on {
                line.push('\t');
                line.push_str(&p_text(r.p(test), r.neg_log10_p(test)));
            }
        }
        if lambda {
            line.push('\t');
            line.push_str(&na(r.lambda_remle));
        }
        (line, (v.pos >= 1).then(|| Locus::at(&code, v.pos)))
    };
    // Lines are formatted in parallel (the p-values' logarithms and the
    // number formatting are most of the writing), a bounded chunk at a
    // time, and written in order.
    for chunk in ssf_order(rows, variants, codes).chunks(1 << 14) {
        let lines: Vec<(String, Option<Locus>)> = chunk.par_iter().map(|r| row_line(r)).collect();
        for (line, at) in lines {
            out.line(&line, at)?;
        }
    }
    Ok(())
}

/// Writes GEMMA's `.assoc.txt` layout (`.bim` order, not indexed).
pub(crate) fn write_gemma(
    out: &mut Lines<'_>,
    tests: Tests,
    rows: &[AssocRow],
    variants: &[Variant],
) -> std::io::Result<()> {
    let beta_se = tests.wald || tests.score;
    let logl = tests.wald || tests.lrt;
    let mut header = String::from("chr\trs\tps\tn_miss\tallele1\tallele0\taf");
    for (on, name) in [
        (beta_se, "beta\tse"),
        (logl, "logl_H1"),
        (tests.wald, "l_remle"),
        (tests.lrt, "l_mle"),
        (tests.wald, "p_wald"),
        (tests.lrt, "p_lrt"),
        (tests.score, "p_score"),
    ] {
        if on {
            header.push('\t');
            header.push_str(name);
        }
    }
    out.line(&header, None)?;
    for r in rows {
        let v = &variants[r.variant as usize];
        let mut line = format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{:.3}",
            v.chrom,
            v.id,
            v.pos,
            r.stats.n_missing(),
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
                push(p.map_or_else(|| "NA".into(), sci));
            }
        }
        out.line(&line, None)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::excessive_precision)] // mpmath's 17 digits, as printed
    fn p_values_are_never_written_as_zero() {
        assert_eq!(p_text(Some(0.0), Some(436.043_273_716_072_95)), "9.051619e-437");
        assert_eq!(p_text(Some(1e-301), Some(301.0)), "1.000000e-301");
        assert_eq!(p_text(Some(0.05), Some(1.301_029_995_663_98)), "5.000000e-02");
        assert_eq!(p_text(None, None), MISSING);
        assert_eq!(p_text(Some(f64::NAN), None), MISSING);
        // 10^-x with a mantissa that rounds up to 10.
        assert_eq!(from_log10(400.000_000_000_1), "1.000000e-400");
    }

    #[test]
    fn human_codes_map_x_y_mt_and_others_pass_through() {
        let v = |c: Chrom| Variant {
            chrom: c,
            id: "rs1".into(),
            cm: 0.0,
            pos: 1,
            a1: "A".into(),
            a2: "G".into(),
        };
        let human = [v(Chrom::Auto(1)), v(Chrom::X), v(Chrom::XY), v(Chrom::Y), v(Chrom::MT)];
        let codes = ChromCodes::choose(&human, Some("GRCh38"));
        assert_eq!(codes, ChromCodes::Human);
        let written: Vec<String> = human.iter().map(|x| codes.code(&x.chrom)).collect();
        assert_eq!(written, ["1", "23", "23", "24", "25"]);
        assert_eq!(ChromCodes::choose(&human, Some("GRCm39")), ChromCodes::AsInBim);
        assert_eq!(ChromCodes::choose(&[v(Chrom::Auto(26))], None), ChromCodes::AsInBim);
        assert_eq!(ChromCodes::AsInBim.code(&Chrom::X), "X");
        assert!(order_key("2", 5) < order_key("10", 1));
        assert!(order_key("22", 9) < order_key("X", 1));
        assert!(order_key("X", 1) < order_key("1", -9));
        assert!(is_rsid("rs123") && !is_rsid("rs") && !is_rsid("rs12a") && !is_rsid("snp1"));
    }
}
