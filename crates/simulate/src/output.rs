//! The text outputs: phenotype and covariate tables and the truth file.

use std::io::Write;
use std::path::Path;

use genotype::{AtomicFile, Sample};

use crate::config::SimConfig;
use crate::error::Result;
use crate::layout::Layout;
use crate::phenotype::{TraitKind, TraitTruth};

/// Writes `FID IID name...` then one row per sample, values with 6 decimals,
/// tab-separated (the layout `kindred --pheno` / `--covar` and PLINK read).
pub(crate) fn write_table(path: &Path, samples: &[Sample], names: &[String], columns: &[Vec<f64>]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let mut line = String::from("FID\tIID");
    for name in names {
        line.push('\t');
        line.push_str(name);
    }
    writeln!(f, "{line}").map_err(|e| f.err(e))?;
    for (i, s) in samples.iter().enumerate() {
        line.clear();
        line.push_str(&s.id.fid);
        line.push('\t');
        line.push_str(&s.id.iid);
        for col in columns {
            line.push_str(&format!("\t{:.6}", col[i]));
        }
        writeln!(f, "{line}").map_err(|e| f.err(e))?;
    }
    f.commit()?;
    Ok(())
}

/// Writes the truth file: `#` lines describing the run, the test set and
/// each phenotype, then a tab-separated table of causal variants (see the
/// crate docs for the columns). Numbers are written in full precision.
pub(crate) fn write_truth(path: &Path, cfg: &SimConfig, layout: &Layout, traits: &[TraitTruth]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let mut text = String::new();
    text.push_str("# kindred simulate: the truth behind the simulated data\n");
    text.push_str(&format!(
        "#run\tseed={}\tn_samples={}\tn_variants={}\tn_pops={}\tfst={}\tfamily_fraction={}\tn_chrom={}\tmissing_rate={}\tstrat_shift={}\tn_covar={}\tcovar_var={}\n",
        cfg.seed,
        cfg.n_samples,
        cfg.n_variants,
        cfg.n_pops,
        cfg.fst,
        cfg.family_fraction,
        cfg.n_chrom,
        cfg.missing_rate,
        cfg.strat_shift,
        cfg.n_covar,
        cfg.covar_var
    ));
    let t = layout.test_set();
    if !t.is_empty() {
        let (first, _, _) = layout.locate(t.start);
        text.push_str(&format!(
            "#test_set\tfirst=snp{}\tlast=snp{}\tn_variants={}\tchromosomes={}-{}\tnull phenotypes have no causal variant here\n",
            t.start + 1,
            t.end,
            t.len(),
            first + 1,
            layout.n_chrom()
        ));
    }
    for tr in traits {
        let effects: Vec<String> = tr.covar_effects.iter().map(|a| a.to_string()).collect();
        text.push_str(&format!(
            "#phenotype\tname={}\tkind={}\th2={}\trealised_h2={}\tn_causal={}\tintercept={}\tcovariate_effects={}\n",
            tr.name,
            kind_name(tr.kind),
            tr.h2,
            tr.realised_h2,
            tr.causal.len(),
            tr.intercept,
            if effects.is_empty() {
                "none".to_string()
            } else {
                effects.join(",")
            }
        ));
    }
    text.push_str("phenotype\tkind\tvariant\tchrom\tpos\ta1\ta2\tancestral_freq\ta1_freq\teffect\n");
    f.write_all(text.as_bytes()).map_err(|e| f.err(e))?;
    for tr in traits {
        for c in &tr.causal {
            writeln!(
                f,
                "{}\t{}\tsnp{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                tr.name,
                kind_name(tr.kind),
                c.variant + 1,
                c.chrom,
                c.pos,
                c.alleles.0,
                c.alleles.1,
                c.ancestral_freq,
                c.sample_freq,
                c.effect
            )
            .map_err(|e| f.err(e))?;
        }
    }
    f.commit()?;
    Ok(())
}

fn kind_name(kind: TraitKind) -> &'static str {
    match kind {
        TraitKind::Causal => "causal",
        TraitKind::Null => "null",
    }
}
