//! `kindred info`: shows that a fileset was read, and what is in it.

use std::collections::BTreeMap;

use genotype::{Chrom, SampleSubset, VariantMoments};

use crate::args::InfoArgs;
use crate::cmd::{input, warnings};

/// Prints samples, variants per chromosome, phenotype columns, missingness
/// and how many variants pass the frequency filters.
pub fn run(a: &InfoArgs) -> anyhow::Result<()> {
    let spec = input::pheno_spec(&a.pheno);
    let spec = genotype::PhenoSpec {
        select: genotype::PhenoSelect::All,
        ..spec
    };
    let ds = input::open(&a.input, &spec, false)?;
    let fam = ds.source.fam();
    let n_kept = ds.sample_mask.iter().filter(|&&k| k).count();
    let kept: Vec<u32> = (0..fam.len() as u32).filter(|&s| ds.sample_mask[s as usize]).collect();
    let subset = SampleSubset::new(kept, fam.len());
    let g = ds.decoder(&subset);
    let stats = g.stats_many(&ds.variants.kept)?;

    let mut by_chrom: BTreeMap<&Chrom, usize> = BTreeMap::new();
    for &v in &ds.variants.kept {
        *by_chrom.entry(&ds.variants()[v as usize].chrom).or_default() += 1;
    }
    let dup_ids = ds.source.fileset().map_or(0, |fs| fs.repeated_ids.n_ids);
    let missing: u64 = stats.iter().map(|s| u64::from(s.n_missing())).sum();
    let cells = (n_kept as u64) * (stats.len() as u64);
    let qc = input::qc(&a.input);
    let pass = qc.apply_stats(&ds.variants.kept, &stats).report.n_pass;
    let founders = fam.samples.iter().filter(|s| s.is_founder()).count();

    match &ds.source {
        genotype::GenotypeSource::Bed(_) => println!("fileset       {}", input::source_label(&a.input).display()),
        src => println!(
            "genotypes     {} ({})",
            input::source_label(&a.input).display(),
            src.format()
        ),
    }
    println!(
        "samples       {} in .fam ({founders} founders), {n_kept} kept",
        fam.len()
    );
    println!(
        "variants      {} in .bim, {} kept{}",
        ds.variants().len(),
        ds.variants.kept.len(),
        if dup_ids > 0 {
            format!(" ({dup_ids} IDs appear more than once)")
        } else {
            String::new()
        }
    );
    let chroms: Vec<String> = by_chrom.iter().map(|(c, n)| format!("{c}:{n}")).collect();
    println!("chromosomes   {} ({})", by_chrom.len(), chroms.join(" "));
    println!(
        "missing rate  {:.6} ({missing} of {cells} genotype calls)",
        if cells > 0 { missing as f64 / cells as f64 } else { 0.0 }
    );
    println!(
        "QC pass       {pass} variants with MAF >= {} and missing rate <= {} (on kept samples)",
        qc.min_maf, qc.max_missing
    );
    let source = match &a.pheno.pheno {
        Some(p) => p.display().to_string(),
        None => ".fam columns 6+".to_string(),
    };
    println!("phenotypes    {} from {source}", ds.phenotypes.len());
    for (k, ph) in ds.phenotypes.iter().enumerate() {
        let n = ph
            .values
            .iter()
            .zip(&ds.sample_mask)
            .filter(|(v, &m)| m && v.is_some())
            .count();
        println!("  {:>3}  {:<20} {n} non-missing", k + 1, ph.name);
    }
    if !ds.covariates.is_empty() {
        let described: Vec<String> = ds
            .covariates
            .columns
            .iter()
            .map(|c| match &c.values {
                genotype::CovariateValues::Numeric(_) => c.name.clone(),
                genotype::CovariateValues::Categorical { levels, .. } => {
                    format!("{} (categorical, {} levels)", c.name, levels.len())
                }
            })
            .collect();
        println!("covariates    {}", described.join(", "));
    }
    for w in warnings::inputs(&ds) {
        eprintln!("warning: {w}");
    }
    Ok(())
}
