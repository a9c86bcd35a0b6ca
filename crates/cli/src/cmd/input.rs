//! Turns the shared input flags into a [`genotype::Dataset`].

use std::collections::HashMap;

use genotype::{with_extension, Chrom, Dataset, PhenoSelect, PhenoSpec, SampleFilter, VariantFilter};

use crate::args::{Input, Pheno};

/// The phenotype choice the flags describe (default: the first column).
pub fn pheno_spec(p: &Pheno) -> PhenoSpec {
    let select = if p.all_phenos {
        PhenoSelect::All
    } else if let Some(name) = &p.pheno_name {
        PhenoSelect::Name(name.clone())
    } else {
        PhenoSelect::Column(p.pheno_col.unwrap_or(1))
    };
    PhenoSpec {
        file: p.pheno.clone(),
        select,
        covar: p.covar.clone(),
    }
}

/// Opens the fileset and applies every list, phenotype and covariate flag.
pub fn open(input: &Input, pheno: &PhenoSpec) -> anyhow::Result<Dataset> {
    if !(0.0..=0.5).contains(&input.maf) {
        anyhow::bail!("--maf must be between 0 and 0.5, got {}", input.maf);
    }
    if !(0.0..=1.0).contains(&input.geno) {
        anyhow::bail!("--geno must be between 0 and 1, got {}", input.geno);
    }
    let samples = SampleFilter {
        keep: input.keep.as_deref(),
        remove: input.remove.as_deref(),
    };
    let variants = VariantFilter {
        extract: input.extract.as_deref(),
        exclude: input.exclude.as_deref(),
        chromosomes: input.chr.as_ref().map(|c| c.iter().map(|s| Chrom::parse(s)).collect()),
    };
    Ok(Dataset::open(&input.bfile, &samples, &variants, pheno)?)
}

/// The QC thresholds the flags describe.
pub fn qc(input: &Input) -> genotype::Qc {
    genotype::Qc {
        min_maf: input.maf,
        max_missing: input.geno,
    }
}

/// Warnings about the inputs, each naming a file and line: IDs in
/// `--extract`/`--exclude` lists that match no variant, and variant IDs that
/// appear more than once in the `.bim` (lists select every copy).
pub fn warnings(ds: &Dataset) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(first) = &ds.variants.first_unmatched {
        out.push(format!(
            "{} listed variant ID(s) match no variant in the .bim; the first is {first}",
            ds.variants.n_unmatched_ids
        ));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut n_dup = 0;
    let mut first_dup = None;
    for (i, v) in ds.fileset.variants.iter().enumerate() {
        if let Some(&line) = seen.get(&*v.id) {
            n_dup += 1;
            first_dup.get_or_insert((i + 1, line, &*v.id));
        } else {
            seen.insert(&v.id, i + 1);
        }
    }
    if let Some((line, first, id)) = first_dup {
        out.push(format!(
            "{}, line {line}: variant ID '{id}' already on line {first} ({n_dup} repeated ID(s) in all)",
            with_extension(&ds.fileset.prefix, "bim").display()
        ));
    }
    out
}
