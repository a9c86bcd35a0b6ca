//! The null fits an eigen file records beside its vectors, and the check
//! of a run's fits against them (the file was written for these
//! phenotypes, samples and covariates).

use std::path::Path;

use genotype::Dataset;

use crate::eigen::FitRecord;
use crate::error::{Error, Result};
use crate::fit::PhenoFit;

/// The records of `fits` that an eigen file keeps.
pub(crate) fn fit_records(ds: &Dataset, fits: &[PhenoFit]) -> Vec<FitRecord> {
    fits.iter()
        .map(|f| FitRecord::new(&ds.phenotypes[f.phenotype].name, f.null.n, f.null.lambda))
        .collect()
}

/// Checks this run's null fits against those the eigen file `prefix`
/// recorded (none recorded: nothing to check): every phenotype must be one
/// the file was written for, on the same samples, and refit to the same
/// variance ratio to the last bit; otherwise the phenotype, covariates or
/// samples changed since the file was written.
///
/// # Errors
/// `Inconsistent` naming the file and the phenotype.
pub(crate) fn check_recorded(ds: &Dataset, recorded: &[FitRecord], fits: &[PhenoFit], prefix: &Path) -> Result<()> {
    if recorded.is_empty() {
        return Ok(());
    }
    let bin = crate::eigen::bin_path(prefix);
    for now in fit_records(ds, fits) {
        let Some(was) = recorded.iter().find(|r| r.phenotype == now.phenotype) else {
            let names: Vec<&str> = recorded.iter().map(|r| r.phenotype.as_str()).collect();
            return Err(Error::Inconsistent(format!(
                "{} was written for phenotype(s) {}, but this run analyses '{}'; write it again with \
                 --write-eigen for these phenotypes",
                bin.display(),
                names.join(", "),
                now.phenotype
            )));
        };
        if was.n != now.n || was.lambda_bits != now.lambda_bits {
            return Err(Error::Inconsistent(format!(
                "{} records phenotype '{}' fitted on {} samples at lambda {}, but this run fits {} samples at \
                 lambda {}: the phenotype or covariate values changed since it was written; write it again",
                bin.display(),
                now.phenotype,
                was.n,
                was.lambda,
                now.n,
                now.lambda
            )));
        }
    }
    Ok(())
}
