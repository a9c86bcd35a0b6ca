//! `PREFIX.blup.tsv` and `PREFIX.snpblup.tsv`: a phenotype's predicted
//! genetic values and back-solved SNP effects (`kindred reml --blup`,
//! `--blup-snp`).

use std::io::Write;
use std::path::Path;

use genotype::{AtomicFile, Dataset};

use super::sci_with;
use crate::blup::Blup;
use crate::error::{Error, Result};

/// Ten significant digits, `NA` for a missing or undefined value.
fn num(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or_else(|| "NA".into(), |v| sci_with(v, 9))
}

/// Writes one line per sample in `.fam` order: `FID IID observed phenotype
/// fixed blup pev reliability fitted` (`observed` 1 for the analysed
/// samples, 0 for those predicted from relatives; `fixed` = `x β̂`,
/// `fitted` = `fixed + blup`).
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_blup(path: &Path, ds: &Dataset, phenotype: usize, blup: &Blup) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let io = |e: std::io::Error| Error::io(path, e);
    writeln!(
        f,
        "FID\tIID\tobserved\tphenotype\tfixed\tblup\tpev\treliability\tfitted"
    )
    .map_err(io)?;
    for r in &blup.rows {
        let s = r.sample as usize;
        let id = &ds.samples()[s].id;
        let y = ds.phenotypes[phenotype].values[s].filter(|_| r.observed);
        writeln!(
            f,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            id.fid,
            id.iid,
            u8::from(r.observed),
            num(y),
            num(r.fixed),
            num(Some(r.value)),
            num(Some(r.pev)),
            num(Some(r.reliability)),
            num(r.fitted())
        )
        .map_err(io)?;
    }
    f.commit()?;
    Ok(())
}

/// Writes one line per GRM variant in `.bim` order: `chromosome variant_id
/// base_pair_location effect_allele other_allele mean effect` (`mean` the
/// effect allele's mean count over the analysed samples, `effect` per copy
/// of it), the input of `kindred score`: a sample's score is
/// `Σ (count - mean) effect`.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_snp_blup(path: &Path, ds: &Dataset, blup: &Blup) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let io = |e: std::io::Error| Error::io(path, e);
    writeln!(
        f,
        "chromosome\tvariant_id\tbase_pair_location\teffect_allele\tother_allele\tmean\teffect"
    )
    .map_err(io)?;
    for e in &blup.snp_effects {
        let v = &ds.variants()[e.variant as usize];
        writeln!(
            f,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            v.chrom,
            v.id,
            v.pos,
            v.a1,
            v.a2,
            num(Some(e.mean)),
            num(Some(e.effect))
        )
        .map_err(io)?;
    }
    f.commit()?;
    Ok(())
}
