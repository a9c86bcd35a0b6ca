//! `PREFIX.reml.tsv`: one line per phenotype's null model.

use std::io::Write;
use std::path::{Path, PathBuf};

use genotype::{with_extension, AtomicFile, Dataset};

use crate::analysis::PhenotypeResult;
use crate::error::{Error, Result};

/// Writes `OUT.reml.tsv` (phenotype, n, pve and its SE, the variance
/// components, lambda, REML and ML log-likelihoods, the likelihood-ratio
/// test of `sigma_g2 = 0` and the model's AIC and BIC) for the results that
/// have a null model; returns its path.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_reml(out: &Path, ds: &Dataset, results: &[PhenotypeResult]) -> Result<PathBuf> {
    let path = with_extension(out, "reml.tsv");
    let mut f = AtomicFile::create(&path)?;
    let io = |e: std::io::Error| Error::io(&path, e);
    writeln!(
        f,
        "phenotype\tn\tpve\tpve_se\tsigma_g2\tsigma_e2\tlambda\tloglik_reml\tloglik_ml\th2_lrt\th2_p\taic\tbic"
    )
    .map_err(io)?;
    for r in results {
        let Some(m) = &r.null else { continue };
        let h2 = m.h2_test();
        writeln!(
            f,
            "{}\t{}\t{:.6}\t{:.6}\t{:.6e}\t{:.6e}\t{:.6e}\t{:.4}\t{:.4}\t{:.4}\t{}\t{:.4}\t{:.4}",
            ds.phenotypes[r.phenotype].name,
            m.n,
            m.pve,
            m.pve_se,
            m.sigma_g2,
            m.sigma_e2,
            m.lambda,
            m.reml.1,
            m.ml.1,
            h2.statistic,
            super::sci(h2.p_value),
            m.aic(),
            m.bic()
        )
        .map_err(io)?;
    }
    f.commit()?;
    Ok(path)
}
