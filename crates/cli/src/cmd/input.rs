//! Turns the shared input flags into a [`genotype::Dataset`].

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
    if let Some(r) = &ds.fileset.repeated_ids.first {
        out.push(format!(
            "{}, line {}: variant ID '{}' already on line {} ({} repeated ID(s) in all)",
            with_extension(&ds.fileset.prefix, "bim").display(),
            r.line,
            r.id,
            r.first_line,
            ds.fileset.repeated_ids.n_lines
        ));
    }
    out
}
