//! Leave one chromosome out: each chromosome's variants are tested against
//! the GRM without that chromosome, with its own eigendecomposition and
//! null fits (its variance ratio re-estimated, as FaST-LMM does). The GRM
//! is the whole-genome sums minus the chromosome's own, built when its turn
//! comes (so memory does not grow with the number of chromosomes), or it
//! comes from the eigen files
//! `E.loco.CHR.eigen.bin` that an earlier run wrote with `--write-eigen E`
//! (one job for all chromosomes, or one per chromosome), so that the jobs
//! of a scattered scan reuse them.

use std::path::{Path, PathBuf};

use faer::Par;
use genotype::{Chrom, Dataset, NoProgress, Progress, Qc, SampleSubset};
use kinship::format::loco_prefix;
use kinship::GrmKind;

use crate::eigen::{Eigen, FitRecord};
use crate::error::{Error, Result};
use crate::fit::{fit_group, PhenoFit};
use crate::likelihood::Method;
use crate::optimize::Search;
use crate::prepare::{decompose, open_eigen, Prepared};
use crate::scan::{scan_variants, AssocRow, Fitted, Model, ScanOptions};

/// One chromosome's part of a LOCO scan.
#[derive(Debug)]
pub struct LocoPart {
    /// The chromosome left out of the GRM (and tested).
    pub chrom: Chrom,
    /// Null fits against the GRM without it.
    pub fits: Vec<PhenoFit>,
    /// Rows per phenotype for its variants (empty without a scan).
    pub rows: Vec<Vec<AssocRow>>,
}

/// Where the LOCO decompositions come from and go.
#[derive(Debug, Clone, Copy)]
pub struct LocoPlan<'a> {
    /// Read `E.loco.CHR` eigen files of this prefix, made with this kind
    /// and QC; `None`: decompose the per-chromosome sums of the prepared
    /// group.
    pub read: Option<(&'a Path, GrmKind, &'a Qc)>,
    /// Write each decomposition, with its fits, as `E.loco.CHR`.
    pub write: Option<&'a Path>,
    /// Likelihood and search of the null fits.
    pub method: Method,
    /// Search of the variance ratio.
    pub search: Search,
    /// The scan; `None` fits (and writes) only.
    pub scan: Option<ScanOptions>,
}

/// The LOCO eigen file of chromosome `chrom` for the prefix `prefix`.
pub fn loco_eigen_prefix(prefix: &Path, chrom: &Chrom) -> PathBuf {
    loco_prefix(prefix, chrom)
}

/// LOCO fits (and scans of `tested`, `.bim` positions in order) of a
/// prepared group for each of `chroms`, in order; `written` receives each
/// eigen file written.
///
/// # Errors
/// `Inconsistent` when the group has no per-chromosome sums and no eigen
/// files are given, or an eigen file was made for other samples, another
/// chromosome, fileset or settings, or other phenotypes; fit errors.
#[allow(clippy::too_many_arguments)]
pub fn scan_loco(
    ds: &Dataset,
    prep: &Prepared,
    plan: &LocoPlan<'_>,
    chroms: &[Chrom],
    tested: &[u32],
    par: Par,
    progress: &dyn Progress,
    written: &mut dyn FnMut(&Path),
) -> Result<Vec<LocoPart>> {
    let mut parts = Vec::new();
    for chrom in chroms {
        let (eigen, recorded) = loco_eigen(ds, prep, plan, chrom, par)?;
        let fits = fit_group(ds, &prep.group, &eigen, plan.method, &plan.search, par)?;
        if let (Some(recorded), Some((prefix, ..))) = (&recorded, plan.read) {
            crate::analysis::check_recorded(ds, recorded, &fits, &loco_eigen_prefix(prefix, chrom))?;
        }
        if let Some(out) = plan.write {
            let p = loco_eigen_prefix(out, chrom);
            prep.write_other(&eigen, &p, Some(chrom), crate::analysis::fit_records(ds, &fits))?;
            written(&p);
        }
        let rows = match plan.scan {
            Some(opts) => {
                let vs: Vec<u32> = tested
                    .iter()
                    .copied()
                    .filter(|&v| ds.variants()[v as usize].chrom == *chrom)
                    .collect();
                let fitted = Fitted {
                    u: Some(eigen.vectors()),
                    fits: &fits,
                    model: Model::Lmm(opts),
                };
                scan_variants(ds, &prep.group, &fitted, &vs, par, progress)?
            }
            None => Vec::new(),
        };
        parts.push(LocoPart {
            chrom: chrom.clone(),
            fits,
            rows,
        });
    }
    Ok(parts)
}

/// The decomposition of the GRM without `chrom`, and the fits its eigen
/// file recorded when it was read from one.
fn loco_eigen(
    ds: &Dataset,
    prep: &Prepared,
    plan: &LocoPlan<'_>,
    chrom: &Chrom,
    par: Par,
) -> Result<(Eigen, Option<Vec<FitRecord>>)> {
    if let Some((prefix, kind, qc)) = plan.read {
        let p = loco_eigen_prefix(prefix, chrom);
        let from = prep.provenance.grm.genotypes();
        let file = open_eigen(&p, Some(chrom), &prep.ids, &prep.provenance.fileset, from, kind, qc)?;
        return Ok((file.eigen, Some(file.record.null_fits)));
    }
    let loco = prep.loco.as_ref().ok_or_else(|| {
        Error::Inconsistent("LOCO needs a GRM built from the genotypes or LOCO eigen files, not a GRM file".into())
    })?;
    let own: Vec<u32> = prep
        .variants
        .iter()
        .copied()
        .filter(|&v| ds.variants()[v as usize].chrom == *chrom)
        .collect();
    if own.is_empty() {
        return Err(Error::Inconsistent(format!(
            "no variant of chromosome {chrom} is in the GRM: nothing to leave out"
        )));
    }
    let subset = SampleSubset::new(prep.group.samples.clone(), ds.n_samples());
    let part = kinship::build(
        ds.decoder(&subset),
        prep.ids.clone(),
        &own,
        |v| &ds.variants()[v as usize].chrom,
        &loco.options,
        par,
        &NoProgress,
    )?;
    let k = loco.sums.without(part)?.matrix;
    Ok((decompose(k, par)?, None))
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
