//! `PREFIX.vc.tsv`: one line per variance component of each phenotype's
//! fit with several random effects, then the kernels' total.

use std::io::Write;
use std::path::{Path, PathBuf};

use genotype::{with_extension, AtomicFile, Dataset};

use crate::components::ComponentsResult;
use crate::error::{Error, Result};

/// Writes `OUT.vc.tsv`: per phenotype, one line per component (each
/// kernel, then `residual`, then `total` for the kernels' summed share)
/// with its variance, the variance's SE, its share of the phenotypic
/// variance and that share's SE, whether REML held it at zero, and the
/// kernel's variant or level count; returns its path.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_components(out: &Path, ds: &Dataset, results: &[ComponentsResult]) -> Result<PathBuf> {
    let path = with_extension(out, "vc.tsv");
    let mut f = AtomicFile::create(&path)?;
    let io = |e: std::io::Error| Error::io(&path, e);
    writeln!(
        f,
        "phenotype\tmethod\tn\tcomponent\tsigma2\tsigma2_se\tpve\tpve_se\tat_boundary\tn_variants\tn_levels\tloglik_reml"
    )
    .map_err(io)?;
    let opt = |v: Option<usize>| v.map_or_else(|| "NA".to_string(), |v| v.to_string());
    for r in results {
        let fit = &r.fit;
        let name = &ds.phenotypes[r.phenotype].name;
        let loglik = fit.loglik.map_or_else(|| "NA".to_string(), |l| format!("{l:.4}"));
        for (i, c) in fit.components.iter().enumerate() {
            let (variants, levels) = match i < r.n_variants.len() {
                true => (opt(r.n_variants[i]), opt(r.n_levels[i])),
                false => ("NA".to_string(), "NA".to_string()),
            };
            writeln!(
                f,
                "{name}\t{}\t{}\t{}\t{:.6e}\t{:.6e}\t{:.6}\t{:.6}\t{}\t{variants}\t{levels}\t{loglik}",
                fit.method.name(),
                fit.n,
                c.name,
                c.sigma2,
                c.sigma2_se,
                c.pve,
                c.pve_se,
                u8::from(c.at_boundary),
            )
            .map_err(io)?;
        }
        writeln!(
            f,
            "{name}\t{}\t{}\ttotal\tNA\tNA\t{:.6}\t{:.6}\t0\tNA\tNA\t{loglik}",
            fit.method.name(),
            fit.n,
            fit.total_pve,
            fit.total_pve_se
        )
        .map_err(io)?;
    }
    f.commit()?;
    Ok(path)
}
