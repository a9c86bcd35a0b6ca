//! Turns the shared input flags into a [`genotype::Dataset`].

use std::path::PathBuf;

use genotype::{
    with_extension, BimbamFiles, Chrom, Dataset, PhenoSelect, PhenoSpec, SampleFilter, SourceSpec, TableMatch,
    VariantFilter,
};

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

/// Warnings about the inputs, each naming a file and line: IDs in
/// `--extract`/`--exclude` lists that match no variant, variant IDs that
/// appear more than once in the `.bim` (lists select every copy), and rows
/// of the phenotype and covariate files that match no `.fam` sample, and
/// kept `.fam` samples that have no row there (both leave samples out).
pub fn warnings(ds: &Dataset) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(first) = &ds.variants.first_unmatched {
        out.push(format!(
            "{} listed variant ID(s) match no variant in the .bim; the first is {first}",
            ds.variants.n_unmatched_ids
        ));
    }
    if let Some((fs, r)) = ds
        .source
        .fileset()
        .and_then(|fs| Some((fs, fs.repeated_ids.first.as_ref()?)))
    {
        out.push(format!(
            "{}, line {}: variant ID '{}' already on line {} ({} repeated ID(s) in all)",
            with_extension(&fs.prefix, "bim").display(),
            r.line,
            r.id,
            r.first_line,
            fs.repeated_ids.n_lines
        ));
    }
    for m in [&ds.pheno_match, &ds.covar_match].into_iter().flatten() {
        out.extend(table_warnings(m));
    }
    out
}

/// The warnings of one phenotype or covariate file's match to the `.fam`.
fn table_warnings(m: &TableMatch) -> Vec<String> {
    let mut out = Vec::new();
    let file = m.file.display();
    if let Some((line, id)) = &m.first_unknown {
        out.push(format!(
            "{file}, line {line}: sample '{id}' is not in the .fam; {} row(s) in all match no .fam sample and are ignored",
            m.n_unknown
        ));
    }
    if let Some(id) = &m.first_absent {
        out.push(format!(
            "{file}: {} of the {} kept .fam sample(s) have no row in it and are not analysed; the first is '{id}'",
            m.n_absent, m.n_kept
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use genotype::SampleId;

    #[test]
    fn table_warnings_name_the_file_the_line_and_the_counts() {
        let m = TableMatch {
            file: "p.txt".into(),
            n_unknown: 704,
            first_unknown: Some((3, SampleId::new("x", "1"))),
            n_kept: 1410,
            n_absent: 706,
            first_absent: Some(SampleId::new("f", "2")),
        };
        assert_eq!(
            table_warnings(&m),
            [
                "p.txt, line 3: sample 'x 1' is not in the .fam; 704 row(s) in all match no .fam sample and are ignored",
                "p.txt: 706 of the 1410 kept .fam sample(s) have no row in it and are not analysed; the first is 'f 2'",
            ]
        );
    }
}
