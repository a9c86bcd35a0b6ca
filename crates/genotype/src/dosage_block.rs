//! Block decoding shared by the dosage readers ([`crate::Bgen`],
//! [`crate::Pgen`], [`crate::Bimbam`]): each reader says how to fill one
//! variant's raw values ([`DosageReader::fill`]); the checks of the
//! buffers, the parallel loop over variants with per-worker scratch, the
//! encoding and the choice of the first error are written once, here.

use rayon::prelude::*;

use crate::bgen::DosageStats;
use crate::decode::{Encoding, SampleSubset};
use crate::error::Result;
use crate::moments::encode_in_place;

/// A reader of per-sample dosages, one variant at a time.
pub(crate) trait DosageReader: Sync {
    /// Per-worker state reused across variants (decompression buffers, the
    /// last LD base, ...).
    type Scratch: Send;
    /// The format's name, for panic messages.
    const FORMAT: &'static str;
    /// Fewest variants a rayon task takes (more for cheap variants).
    const MIN_LEN: usize;

    /// Samples in the file.
    fn file_samples(&self) -> usize;

    /// Fresh per-worker state.
    fn scratch(&self) -> Self::Scratch;

    /// Writes the raw dosages (`NaN` = missing) of variant `v` at the file
    /// sample `positions` into `col` and returns their sums.
    fn fill(&self, v: usize, positions: &[u32], col: &mut [f64], scratch: &mut Self::Scratch) -> Result<DosageStats>;
}

/// One variant, filled then encoded as `enc`.
fn decode_into<R: DosageReader>(
    r: &R,
    v: usize,
    subset: &SampleSubset,
    enc: Encoding,
    col: &mut [f64],
    scratch: &mut R::Scratch,
) -> Result<DosageStats> {
    let st = r.fill(v, subset.positions(), col, scratch)?;
    encode_in_place(col, &st, enc);
    Ok(st)
}

/// Panics unless every subset position is a sample of the file.
fn check_subset<R: DosageReader>(r: &R, subset: &SampleSubset) {
    let n = r.file_samples();
    assert!(
        subset.positions().iter().all(|&i| (i as usize) < n),
        "sample position out of range for a {} file of {n} samples",
        R::FORMAT
    );
}

/// One variant into `out` (length `subset.len()`), with fresh scratch.
pub(crate) fn decode_one<R: DosageReader>(
    r: &R,
    v: usize,
    subset: &SampleSubset,
    enc: Encoding,
    out: &mut [f64],
) -> Result<DosageStats> {
    check_subset(r, subset);
    assert_eq!(out.len(), subset.len(), "output buffer has the wrong size");
    decode_into(r, v, subset, enc, out, &mut r.scratch())
}

/// `variants` into the column-major `subset.len() x variants.len()` block
/// `out`, each variant's sums through `wrap` into `stats`; in parallel over
/// variants; on error, the first failing variant in `variants` order.
///
/// # Panics
/// On buffers of the wrong size or a subset outside the file.
pub(crate) fn decode_block<R: DosageReader, S: Send>(
    r: &R,
    variants: &[u32],
    subset: &SampleSubset,
    enc: Encoding,
    out: &mut [f64],
    stats: &mut [S],
    wrap: impl Fn(DosageStats) -> S + Sync,
) -> Result<()> {
    let n = subset.len();
    assert_eq!(out.len(), n * variants.len(), "output buffer has the wrong size");
    assert_eq!(stats.len(), variants.len(), "stats buffer has the wrong size");
    check_subset(r, subset);
    if n == 0 {
        let mut scratch = r.scratch();
        for (st, &v) in stats.iter_mut().zip(variants) {
            *st = wrap(decode_into(r, v as usize, subset, enc, &mut [], &mut scratch)?);
        }
        return Ok(());
    }
    let first_error = out
        .par_chunks_mut(n)
        .zip(stats.par_iter_mut())
        .zip(variants.par_iter())
        .enumerate()
        .with_min_len(R::MIN_LEN)
        .map_init(
            || r.scratch(),
            |scratch, (k, ((col, st), &v))| match decode_into(r, v as usize, subset, enc, col, scratch) {
                Ok(s) => {
                    *st = wrap(s);
                    None
                }
                Err(e) => Some((k, e)),
            },
        )
        .flatten()
        .min_by_key(|(k, _)| *k);
    match first_error {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Sums of `variants` over `subset` without keeping the values, in
/// parallel; on error, the first failing variant in `variants` order.
///
/// # Panics
/// On a subset outside the file.
pub(crate) fn stats_many<R: DosageReader, S: Send>(
    r: &R,
    variants: &[u32],
    subset: &SampleSubset,
    wrap: impl Fn(DosageStats) -> S + Sync,
) -> Result<Vec<S>> {
    check_subset(r, subset);
    variants
        .par_iter()
        .with_min_len(R::MIN_LEN)
        .map_init(
            || (r.scratch(), vec![0.0; subset.len()]),
            |(scratch, col), &v| decode_into(r, v as usize, subset, Encoding::Raw, col, scratch).map(&wrap),
        )
        .collect()
}

mod sealed {
    /// Only the readers of this crate decode dosages.
    pub trait Sealed {}
}

impl<R: DosageReader> sealed::Sealed for R {}

/// Decoding of a dosage file ([`crate::Bgen`], [`crate::Pgen`],
/// [`crate::Bimbam`]) into the blocks the GRM and the scan use: written
/// once for the three formats. Each reader's type documentation says what
/// its dosages are and which malformed records it reports.
pub trait DosageDecode: sealed::Sealed {
    /// Decodes variant `v` (position in the reader's `variants()`) for
    /// `subset` into `out` (length `subset.len()`), as
    /// [`DosageDecode::decode_block`] does for one variant.
    ///
    /// # Errors
    /// As [`DosageDecode::decode_block`].
    ///
    /// # Panics
    /// As [`DosageDecode::decode_block`].
    fn decode_one(&self, v: usize, subset: &SampleSubset, enc: Encoding, out: &mut [f64]) -> Result<DosageStats>;

    /// Decodes `variants` (positions in the reader's `variants()`, any
    /// order) into `out`, a column-major `n x variants.len()` block with
    /// `n = subset.len()` rows in the subset's order: each sample's dosage
    /// of the variant's counted allele, encoded as `enc` (missing samples
    /// are `NaN` with [`Encoding::Raw`] and take the variant's mean dosage,
    /// before centering and scaling, otherwise). Each variant's sums over
    /// the subset go to `stats`. Parallel over variants (rayon), each
    /// worker reusing its own buffers.
    ///
    /// # Errors
    /// `MalformedInput` naming the file and the variant, for the first
    /// failing variant in `variants` order. On error the contents of `out`
    /// and `stats` are unspecified.
    ///
    /// # Panics
    /// If `out.len() != n * variants.len()`, `stats.len() !=
    /// variants.len()`, a variant position is out of range, or the subset
    /// refers to a sample the file does not have.
    fn decode_block(
        &self,
        variants: &[u32],
        subset: &SampleSubset,
        enc: Encoding,
        out: &mut [f64],
        stats: &mut [DosageStats],
    ) -> Result<()>;

    /// Sums of many variants over `subset` without keeping the values, in
    /// parallel (for QC before decoding).
    ///
    /// # Errors
    /// As [`DosageDecode::decode_block`].
    ///
    /// # Panics
    /// If a variant position is out of range or the subset refers to a
    /// sample the file does not have.
    fn stats_many(&self, variants: &[u32], subset: &SampleSubset) -> Result<Vec<DosageStats>>;
}

impl<R: DosageReader> DosageDecode for R {
    fn decode_one(&self, v: usize, subset: &SampleSubset, enc: Encoding, out: &mut [f64]) -> Result<DosageStats> {
        decode_one(self, v, subset, enc, out)
    }

    fn decode_block(
        &self,
        variants: &[u32],
        subset: &SampleSubset,
        enc: Encoding,
        out: &mut [f64],
        stats: &mut [DosageStats],
    ) -> Result<()> {
        decode_block(self, variants, subset, enc, out, stats, |s| s)
    }

    fn stats_many(&self, variants: &[u32], subset: &SampleSubset) -> Result<Vec<DosageStats>> {
        stats_many(self, variants, subset, |s| s)
    }
}
