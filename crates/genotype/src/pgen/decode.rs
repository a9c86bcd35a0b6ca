//! Decoding variants of a [`Pgen`] into column-major blocks, in parallel.

use std::fmt::Display;

use crate::bgen::DosageStats;
use crate::dosage_block::DosageReader;
use crate::error::{Error, Location, Result};

use super::record::Scratch;
use super::{values, Pgen};

impl Pgen {
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
