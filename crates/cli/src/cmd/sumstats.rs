//! What `assoc`/`gwas` and `merge` write beside summary statistics: the
//! GWAS-SSF metadata file, and the list of files with their md5 for the
//! `.json`.

use association::output::{write_meta, ChromCodes, SumstatsMeta, Written};
use association::report::FileReport;
use association::PhenotypeResult;
use genotype::Dataset;

use crate::args::AssocArgs;
use crate::runlog::RunLog;

/// The metadata of phenotype result `r` of an `assoc` run.
pub fn meta(a: &AssocArgs, ds: &Dataset, r: &PhenotypeResult, codes: ChromCodes) -> SumstatsMeta {
    SumstatsMeta {
        trait_description: a
            .trait_description
            .clone()
            .unwrap_or_else(|| ds.phenotypes[r.phenotype].name.clone()),
        genome_assembly: a.genome_build.clone().unwrap_or_else(|| "NR".into()),
        genotyping_technology: a.genotyping_technology.clone(),
        sample_ancestry: a.ancestry.clone(),
        sample_size: r.n_samples,
        adjusted_covariates: ds.covariates.columns.iter().map(|c| c.name.clone()).collect(),
        minor_allele_freq_lower_limit: a.data.input.maf,
        human_codes: codes == ChromCodes::Human,
    }
}

/// Writes the metadata of `written` (when `meta` is given: the GWAS-SSF
/// layout) and lists the files: data file with its md5, index, metadata.
pub fn publish(written: &Written, meta: Option<&SumstatsMeta>) -> anyhow::Result<Vec<FileReport>> {
    let mut files = vec![FileReport {
        path: written.path.display().to_string(),
        md5: Some(written.md5.clone()),
    }];
    if let Some(ix) = &written.index {
        files.push(FileReport {
            path: ix.display().to_string(),
            md5: None,
        });
    }
    if let Some(m) = meta {
        let path = write_meta(m, &written.path, &written.md5)?;
        files.push(FileReport {
            path: path.display().to_string(),
            md5: None,
        });
    }
    Ok(files)
}

/// Draws the Manhattan and QQ plots of the summary statistics `data` as
/// `prefix.manhattan.{png,svg}` and `prefix.qq.{png,svg}` (what `gwas` and
/// `merge` do unless `--no-plots`), logs them and lists the files.
pub fn plots(
    data: &std::path::Path,
    prefix: &std::path::Path,
    title: &str,
    log: &mut RunLog,
) -> anyhow::Result<Vec<FileReport>> {
    // The data file is staged, not yet published: read its temporary file.
    let staged = genotype::staged_file(data);
    let s = ::plot::draw(staged.as_deref().unwrap_or(data), prefix, Some(title))?;
    log.info(format!(
        "plots of {title}: Manhattan {} points, QQ {} points, lambda_GC {:.4}",
        s.manhattan_points, s.qq_points, s.lambda_gc
    ));
    Ok(s.files
        .iter()
        .map(|f| FileReport {
            path: f.display().to_string(),
            md5: None,
        })
        .collect())
}
