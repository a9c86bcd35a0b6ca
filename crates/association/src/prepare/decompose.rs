//! The GRM's decompositions: centring and decomposing a matrix, the sums a
//! LOCO run keeps, and eigen files checked against this run.

use std::path::Path;

use faer::Par;
use genotype::{Chrom, Decoder, Progress, Qc, SampleId};
use kinship::{build, BuildOptions, FilesetFingerprint, GrmKind, GrmSums, Precision};

use crate::eigen::{center, Arithmetic, Eigen, EigenFile, Reuse};
use crate::error::{Error, Result};

/// The whole-genome GRM sums of a LOCO run and their build options: a
/// chromosome's GRM is these minus that chromosome's sums, built alone
/// (two sums held at a time, whatever the number of chromosomes).
#[derive(Debug)]
pub struct LocoSums {
    /// Sums over every variant of the GRM.
    pub sums: GrmSums,
    /// How they were built (kind, precision, block size).
    pub options: BuildOptions,
}

/// The build options of a GRM of `kind` in `precision` arithmetic.
pub(super) fn build_options(kind: GrmKind, precision: Precision) -> BuildOptions {
    BuildOptions {
        kind,
        precision,
        ..BuildOptions::default()
    }
}

/// How a GRM is decomposed.
#[derive(Debug)]
pub(crate) enum Want {
    /// With its eigenvectors ([`Eigen::decompose`]), in this arithmetic.
    Vectors(Arithmetic),
    /// Its eigenvalues only ([`Eigen::values_only`]), with what the first
    /// null fit will rotate, when known, rotated on the way.
    Values(Option<faer::Mat<f64>>),
}

/// Builds the GRM of `variants` from `g` (rows `ids`), centres and
/// decomposes it as `want` says; returns the
/// decomposition, the variant count and, with `keep_sums` (LOCO), the
/// sums. Without, the sums (and GCTA's counts) are dropped before the
/// decomposition: one n x n less at the peak.
#[allow(clippy::too_many_arguments)] // what is built, and how
pub(super) fn build_decompose<'c>(
    g: Decoder<'_>,
    ids: Vec<SampleId>,
    variants: &[u32],
    chrom_of: impl Fn(u32) -> &'c Chrom,
    options: BuildOptions,
    keep_sums: bool,
    want: Want,
    par: Par,
    progress: &dyn Progress,
) -> Result<(Eigen, usize, Option<LocoSums>)> {
    let sums = build(g, ids, variants, chrom_of, &options, par, progress)?;
    let (grm, kept) = if keep_sums {
        (sums.grm()?, Some(LocoSums { sums, options }))
    } else {
        (sums.into_grm()?, None)
    };
    let kinship::Grm { matrix, n_variants, .. } = grm;
    Ok((decompose_with(matrix, want, par)?, n_variants, kept))
}

/// Centres `k` on its samples (GEMMA's convention) and decomposes it.
pub(crate) fn decompose(k: faer::Mat<f64>, arith: Arithmetic, par: Par) -> Result<Eigen> {
    decompose_reusing(k, arith, par, &mut Reuse::default())
}

/// [`decompose`] in the eigensolver workspace an earlier decomposition
/// left in `reuse` ([`Eigen::decompose_reusing`]).
pub(crate) fn decompose_reusing(
    mut k: faer::Mat<f64>,
    arith: Arithmetic,
    par: Par,
    reuse: &mut Reuse,
) -> Result<Eigen> {
    center(&mut k);
    Eigen::decompose_reusing(k.as_ref(), arith, par, reuse)
}

/// Centres `k` and decomposes it as `want` says: [`decompose`], or `k`
/// reduced without eigenvectors ([`Eigen::values_only`], `k` kept).
pub(crate) fn decompose_with(k: faer::Mat<f64>, want: Want, par: Par) -> Result<Eigen> {
    let carry = match want {
        Want::Values(carry) => carry,
        Want::Vectors(arith) => return decompose(k, arith, par),
    };
    let mut k = k;
    center(&mut k);
    Eigen::values_only_carrying(k, carry, par)
}

/// Maps an eigendecomposition and checks it was made for `ids`, in order,
/// from this fileset, leaving out chromosome `left_out` (a LOCO GRM's) or
/// none, and (a built GRM) from the genotypes of `grm_fileset` (`None`:
/// the analysed ones) with this kind and these QC thresholds.
#[allow(clippy::too_many_arguments)] // what is checked, one argument each
pub(crate) fn open_eigen(
    prefix: &Path,
    left_out: Option<&Chrom>,
    ids: &[SampleId],
    fileset: &FilesetFingerprint,
    grm_fileset: Option<&FilesetFingerprint>,
    kind: GrmKind,
    qc: &Qc,
) -> Result<EigenFile> {
    let file = Eigen::open(prefix)?;
    let bin = crate::eigen::bin_path(prefix);
    if file.ids != ids {
        return Err(Error::Inconsistent(format!(
            "the eigendecomposition {} was made for other samples ({} listed, {} analysed here, or in another order)",
            prefix.display(),
            file.ids.len(),
            ids.len()
        )));
    }
    let remedy = "write it again with --write-eigen from this fileset";
    file.record.provenance.check_fileset(fileset, &bin, remedy)?;
    file.record.provenance.grm.check_genotypes(grm_fileset, &bin)?;
    let wanted = left_out.map(Chrom::to_string);
    if file.record.left_out != wanted {
        let say = |c: &Option<String>| {
            c.as_ref()
                .map_or("no chromosome".to_string(), |c| format!("chromosome {c}"))
        };
        return Err(Error::Inconsistent(format!(
            "{} is the decomposition of a GRM leaving out {}, but this run needs one leaving out {}",
            bin.display(),
            say(&file.record.left_out),
            say(&wanted)
        )));
    }
    let d = file.record.provenance.grm.differences(kind, qc.min_maf, qc.max_missing);
    if !d.is_empty() {
        let was: Vec<String> = d.iter().map(|(f, rec, _)| format!("{f} {rec}")).collect();
        let now: Vec<String> = d.iter().map(|(f, _, asked)| format!("{f} {asked}")).collect();
        return Err(Error::Inconsistent(format!(
            "{} was made from a GRM built with {} but this run asks for {}; use the same settings, \
             or write it again with --write-eigen",
            bin.display(),
            was.join(" "),
            now.join(" ")
        )));
    }
    Ok(file)
}
