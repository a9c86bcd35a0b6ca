//! Per-variant summaries of any genotype source: genotype counts for hard
//! calls ([`AlleleStats`]), dosage sums for the others ([`DosageStats`]),
//! both read through [`VariantMoments`] by QC, the GRM and the scan; and
//! which imputation quality a dosage source reports.

use crate::bgen::DosageStats;
use crate::decode::AlleleStats;
use crate::moments::VariantMoments;

/// Which per-variant imputation quality a dosage source reports as `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoMeasure {
    /// IMPUTE2's info ([`DosageStats::impute_info`]): needs genotype
    /// probabilities, which BGEN stores.
    Impute2,
    /// MACH's r-squared ([`DosageStats::mach_r2`]): from the dosages alone,
    /// for PGEN and BIMBAM, which keep no probabilities.
    MachR2,
}

impl InfoMeasure {
    /// The measure on one variant's sums (`NaN` when no sample has data).
    pub fn of(self, st: &DosageStats) -> f64 {
        match self {
            InfoMeasure::Impute2 => st.impute_info(),
            InfoMeasure::MachR2 => st.mach_r2(),
        }
    }

    /// Its name in logs.
    pub fn name(self) -> &'static str {
        match self {
            InfoMeasure::Impute2 => "IMPUTE2 info",
            InfoMeasure::MachR2 => "MACH r2",
        }
    }
}

/// A variant's summary over the decoded samples, whatever the source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VariantStats {
    /// Hard calls (PLINK 1 `.bed`): genotype counts.
    Calls(AlleleStats),
    /// Dosages, with the quality measure their source reports.
    Dosages {
        /// The sums.
        stats: DosageStats,
        /// How [`VariantStats::info`] is computed from them.
        info: InfoMeasure,
    },
}

impl Default for VariantStats {
    fn default() -> Self {
        VariantStats::Calls(AlleleStats::default())
    }
}

impl From<AlleleStats> for VariantStats {
    fn from(s: AlleleStats) -> Self {
        VariantStats::Calls(s)
    }
}

impl VariantStats {
    /// Whether the observed values are all the same (QC's monomorphic
    /// test). Hard calls: fewer than two genotype classes. Dosages: zero
    /// variance of the observed values up to rounding (`N sum x^2 - (sum
    /// x)^2 <= 1e-12 N sum x^2`), GEMMA's BIMBAM test that every value
    /// equals the first.
    pub fn is_monomorphic(&self) -> bool {
        match self {
            VariantStats::Calls(c) => c.n_classes() < 2,
            VariantStats::Dosages { stats, .. } => {
                let n = f64::from(stats.n_obs);
                let spread = n * stats.sum_sq - stats.sum * stats.sum;
                spread <= 1e-12 * n * stats.sum_sq
            }
        }
    }

    /// The imputation quality (`None` for hard calls; `NaN` when no
    /// sample has data).
    pub fn info(&self) -> Option<f64> {
        match self {
            VariantStats::Calls(_) => None,
            VariantStats::Dosages { stats, info } => Some(info.of(stats)),
        }
    }
}

impl VariantMoments for VariantStats {
    fn n_obs(&self) -> u32 {
        match self {
            VariantStats::Calls(c) => c.n_obs(),
            VariantStats::Dosages { stats, .. } => stats.n_obs,
        }
    }

    fn n_missing(&self) -> u32 {
        match self {
            VariantStats::Calls(c) => c.n_missing,
            VariantStats::Dosages { stats, .. } => stats.n_missing,
        }
    }

    fn sum(&self) -> f64 {
        match self {
            VariantStats::Calls(c) => c.sum(),
            VariantStats::Dosages { stats, .. } => stats.sum,
        }
    }

    fn sum_sq(&self) -> f64 {
        match self {
            VariantStats::Calls(c) => c.sum_sq(),
            VariantStats::Dosages { stats, .. } => stats.sum_sq,
        }
    }
}
