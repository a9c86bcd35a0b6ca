//! Turns the shared input flags into a [`genotype::Dataset`].

use std::path::PathBuf;

use genotype::{BimbamFiles, Chrom, Dataset, PhenoSelect, PhenoSpec, SampleFilter, SourceSpec, VariantFilter};

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

/// The genotype source the flags name (clap makes sure there is exactly one).
pub fn source_spec(input: &Input) -> SourceSpec {
    match (&input.bfile, &input.bgen, &input.pfile, &input.bimbam) {
        (Some(p), ..) => SourceSpec::Bed(p.clone()),
        (_, Some(f), ..) => SourceSpec::Bgen {
            file: f.clone(),
            sample: input.sample.clone(),
        },
        (_, _, Some(p), _) => SourceSpec::Pgen(p.clone()),
        (_, _, _, Some(g)) => SourceSpec::Bimbam(BimbamFiles {
            geno: g.clone(),
            pheno: input.bimbam_pheno.clone(),
            anno: input.bimbam_anno.clone(),
        }),
        (None, None, None, None) => unreachable!("clap requires one genotype source"),
    }
}

/// The path that names the genotype source in messages and logs: the
/// `--bfile`/`--pfile` prefix or the `--bgen`/`--bimbam` file.
pub fn source_label(input: &Input) -> PathBuf {
    match source_spec(input) {
        SourceSpec::Bed(p) | SourceSpec::Pgen(p) => p,
        SourceSpec::Bgen { file, .. } => file,
        SourceSpec::Bimbam(f) => f.geno,
    }
}

/// Opens the fileset and applies every list, phenotype and covariate flag
/// (`--chr` too unless `chr_names_region`: with `--from-bp`/`--to-bp` it
/// names the region to test, not a filter of the GRM).
pub fn open(input: &Input, pheno: &PhenoSpec, chr_names_region: bool) -> anyhow::Result<Dataset> {
    let invalid = |m: String| genotype::Error::InvalidArgument(m);
    if !(0.0..=0.5).contains(&input.maf) {
        return Err(invalid(format!("--maf must be between 0 and 0.5, got {}", input.maf)).into());
    }
    if !(0.0..=1.0).contains(&input.geno) {
        return Err(invalid(format!("--geno must be between 0 and 1, got {}", input.geno)).into());
    }
    if let Some(x) = input.min_info {
        if input.bfile.is_some() {
            return Err(invalid(
                "--min-info filters imputed dosages (--bgen, --pfile, --bimbam); a --bfile holds hard calls".into(),
            )
            .into());
        }
        if !(0.0..=1.0).contains(&x) {
            return Err(invalid(format!("--min-info must be between 0 and 1, got {x}")).into());
        }
    }
    let samples = SampleFilter {
        keep: input.keep.as_deref(),
        remove: input.remove.as_deref(),
    };
    let variants = VariantFilter {
        extract: input.extract.as_deref(),
        exclude: input.exclude.as_deref(),
        chromosomes: if chr_names_region {
            None
        } else {
            input.chr.as_ref().map(|c| c.iter().map(|s| Chrom::parse(s)).collect())
        },
    };
    Ok(Dataset::open_source(&source_spec(input), &samples, &variants, pheno)?)
}

/// The QC thresholds the flags describe.
pub fn qc(input: &Input) -> genotype::Qc {
    genotype::Qc {
        min_maf: input.maf,
        max_missing: input.geno,
        min_info: input.min_info,
    }
}
