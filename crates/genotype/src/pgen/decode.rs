//! Decoding variants of a [`Pgen`] into column-major blocks, in parallel.

use std::fmt::Display;

use rayon::prelude::*;

use crate::bgen::DosageStats;
use crate::decode::{Encoding, SampleSubset};
use crate::error::{Error, Location, Result};

use super::record::Scratch;
use super::{values, Pgen};

impl Pgen {
    /// Decodes variant `v` (position in [`Pgen::variants`]) for `subset`
    /// into `out` (length `subset.len()`), encoded as `enc`, and returns its
    /// sums. Allocates its buffers; [`Pgen::decode_block`] reuses them.
    ///
    /// # Errors
    /// As [`Pgen::decode_block`].
    ///
    /// # Panics
    /// As [`Pgen::decode_block`].
    pub fn decode_one(&self, v: usize, subset: &SampleSubset, enc: Encoding, out: &mut [f64]) -> Result<DosageStats> {
        self.check_subset(subset);
        assert_eq!(out.len(), subset.len(), "output buffer has the wrong size");
        self.decode_into(v, subset, enc, out, &mut Scratch::new(self.n_samples()))
    }

    /// Decodes `variants` (positions in [`Pgen::variants`], any order) into
    /// `out`, a column-major `n x variants.len()` block with `n =
    /// subset.len()` rows in the subset's order: the ALT dosage of each
    /// sample, encoded as `enc` (missing samples are `NaN` with
    /// [`Encoding::Raw`] and take the variant's mean dosage, before
    /// centering and scaling, otherwise). Each variant's sums over the
    /// subset go to `stats`; PGEN keeps no genotype probabilities, so
    /// `sum_second_moment` (hence [`DosageStats::impute_info`]) is `NaN`
    /// for a variant with any dosage value, while hard calls count as
    /// certain. Parallel over variants (rayon), each worker keeping the
    /// last LD base it decoded.
    ///
    /// # Errors
    /// `MalformedInput` naming the file, the variant and its record type for
    /// the first failing variant in `variants` order: a track that runs
    /// past the record or leaves bytes after it, a difflist with repeated or
    /// out-of-range samples, a dosage above 2, an invalid 1-bit header, or
    /// multiallelic hard calls in a biallelic variant's record. On error
    /// the contents of `out` and `stats` are unspecified.
    ///
    /// # Panics
    /// If `out.len() != n * variants.len()`, `stats.len() !=
    /// variants.len()`, a variant position is out of range, or the subset
    /// refers to a sample the file does not have.
    pub fn decode_block(
        &self,
        variants: &[u32],
        subset: &SampleSubset,
        enc: Encoding,
        out: &mut [f64],
        stats: &mut [DosageStats],
    ) -> Result<()> {
        let n = subset.len();
        assert_eq!(out.len(), n * variants.len(), "output buffer has the wrong size");
        assert_eq!(stats.len(), variants.len(), "stats buffer has the wrong size");
        self.check_subset(subset);
        if n == 0 {
            let mut scratch = Scratch::new(self.n_samples());
            for (st, &v) in stats.iter_mut().zip(variants) {
                *st = self.decode_into(v as usize, subset, enc, &mut [], &mut scratch)?;
            }
            return Ok(());
        }
        let first_error = out
            .par_chunks_mut(n)
            .zip(stats.par_iter_mut())
            .zip(variants.par_iter())
            .enumerate()
            .with_min_len(8)
            .map_init(
                || Scratch::new(self.n_samples()),
                |scratch, (k, ((col, st), &v))| match self.decode_into(v as usize, subset, enc, col, scratch) {
                    Ok(s) => {
                        *st = s;
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

    /// Sums of many variants over `subset` without keeping the values, in
    /// parallel (for QC before decoding).
    ///
    /// # Errors
    /// As [`Pgen::decode_block`].
    ///
    /// # Panics
    /// If a variant position is out of range or the subset refers to a
    /// sample the file does not have.
    pub fn stats_many(&self, variants: &[u32], subset: &SampleSubset) -> Result<Vec<DosageStats>> {
        self.check_subset(subset);
        variants
            .par_iter()
            .with_min_len(8)
            .map_init(
                || (Scratch::new(self.n_samples()), vec![0.0; subset.len()]),
                |(scratch, col), &v| self.decode_into(v as usize, subset, Encoding::Raw, col, scratch),
            )
            .collect()
    }

    /// One variant into `col`, with the caller's scratch.
    fn decode_into(
        &self,
        v: usize,
        subset: &SampleSubset,
        enc: Encoding,
        col: &mut [f64],
        scratch: &mut Scratch,
    ) -> Result<DosageStats> {
        self.read_record(self.record_of[v] as usize, scratch)
            .map_err(|e| self.variant_error(v, e))?;
        let st = values::fill(scratch, subset.positions(), col);
        crate::moments::encode_in_place(col, &st, enc);
        Ok(st)
    }

    /// An error naming the file, variant `v` (position in `variants()`) and
    /// its record type.
    fn variant_error(&self, v: usize, what: impl Display) -> Error {
        let rec = self.record_of[v] as usize;
        Error::malformed(
            Location::file(&self.path),
            format!(
                "variant {} of {} ('{}'), record type {}: {what}",
                rec + 1,
                self.header.n_variants,
                self.variants[v].id,
                self.records.kind(rec)
            ),
        )
    }

    /// Panics unless every subset position is a sample of this file.
    fn check_subset(&self, subset: &SampleSubset) {
        let n = self.n_samples();
        assert!(
            subset.positions().iter().all(|&i| (i as usize) < n),
            "sample position out of range for a PGEN file of {n} samples"
        );
    }
}
