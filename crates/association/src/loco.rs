//! Leave one chromosome out: each chromosome's variants are tested against
//! the GRM without that chromosome (from the per-chromosome sums of the one
//! pass that built the GRM), with its own eigendecomposition and null fits.

use faer::Par;
use genotype::{Chrom, Dataset, Progress};

use crate::error::{Error, Result};
use crate::fit::{fit_group, PhenoFit};
use crate::likelihood::Method;
use crate::prepare::{decompose, Prepared};
use crate::scan::{scan_variants, AssocRow, Fitted, Model, ScanOptions};

/// One chromosome's part of a LOCO scan.
#[derive(Debug)]
pub struct LocoPart {
    /// The chromosome left out of the GRM (and tested).
    pub chrom: Chrom,
    /// Null fits against the GRM without it.
    pub fits: Vec<PhenoFit>,
    /// Rows per phenotype for its variants.
    pub rows: Vec<Vec<AssocRow>>,
}

/// LOCO scan of a prepared group (built with per-chromosome sums).
///
/// # Errors
/// `Inconsistent` when the group has no per-chromosome sums (its GRM was
/// read from a file); fit errors.
pub fn scan_loco(
    ds: &Dataset,
    prep: &Prepared,
    method: Method,
    opts: ScanOptions,
    par: Par,
    progress: &dyn Progress,
) -> Result<Vec<LocoPart>> {
    let sums = prep
        .loco
        .as_ref()
        .ok_or_else(|| Error::Inconsistent("LOCO needs a GRM built from the genotypes, not read from a file".into()))?;
    let mut parts = Vec::new();
    for chrom in sums.chromosomes() {
        let eigen = decompose(sums.loco(&chrom)?.matrix, par)?;
        let fits = fit_group(ds, &prep.group, &eigen, method, &opts.search, par)?;
        let vs: Vec<u32> = prep
            .variants
            .iter()
            .copied()
            .filter(|&v| ds.fileset.variants[v as usize].chrom == chrom)
            .collect();
        let fitted = Fitted {
            u: Some(eigen.vectors()),
            fits: &fits,
            model: Model::Lmm(opts),
        };
        let rows = scan_variants(ds, &prep.group, &fitted, &vs, par, progress);
        parts.push(LocoPart { chrom, fits, rows });
    }
    Ok(parts)
}

/// Per phenotype, the parts' rows merged back into `.bim` order.
pub fn merge(parts: Vec<LocoPart>, n_phenotypes: usize) -> Vec<Vec<AssocRow>> {
    let mut rows: Vec<Vec<AssocRow>> = vec![Vec::new(); n_phenotypes];
    for part in parts {
        for (acc, r) in rows.iter_mut().zip(part.rows) {
            acc.extend(r);
        }
    }
    for r in &mut rows {
        r.sort_by_key(|row| row.variant);
    }
    rows
}
