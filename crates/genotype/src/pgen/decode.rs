//! Decoding variants of a [`Pgen`] into column-major blocks, in parallel.

use std::fmt::Display;

use crate::bgen::DosageStats;
use crate::decode::{Encoding, SampleSubset};
use crate::dosage_block::{self, DosageReader};
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
        dosage_block::decode_one(self, v, subset, enc, out)
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
        dosage_block::decode_block(self, variants, subset, enc, out, stats, |s| s)
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
        dosage_block::stats_many(self, variants, subset, |s| s)
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
}

impl DosageReader for Pgen {
    type Scratch = Scratch;
    const FORMAT: &'static str = "PGEN";
    const MIN_LEN: usize = 8;

    fn file_samples(&self) -> usize {
        self.n_samples()
    }

    fn scratch(&self) -> Scratch {
        Scratch::new(self.n_samples())
    }

    fn fill(&self, v: usize, positions: &[u32], col: &mut [f64], scratch: &mut Scratch) -> Result<DosageStats> {
        self.read_record(self.record_of[v] as usize, scratch)
            .map_err(|e| self.variant_error(v, e))?;
        Ok(values::fill(scratch, positions, col))
    }
}
