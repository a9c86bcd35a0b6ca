//! The per-variant summaries that QC and every [`Encoding`] derive from,
//! shared by hard calls ([`crate::AlleleStats`]) and dosages
//! ([`crate::DosageStats`]): each gives its counts and sums, the rest
//! follows from them the same way.

use crate::decode::Encoding;

/// A variant's values over the decoded samples: A1 counts (hard calls) or
/// expected counts (dosages).
pub trait VariantMoments {
    /// Samples with a value.
    fn n_obs(&self) -> u32;
    /// Samples without one.
    fn n_missing(&self) -> u32;
    /// Sum of the values.
    fn sum(&self) -> f64;
    /// Sum of their squares.
    fn sum_sq(&self) -> f64;

    /// All samples, with a value or not.
    fn n_total(&self) -> u32 {
        self.n_obs() + self.n_missing()
    }

    /// Mean over the samples with a value (`NaN` when none has one).
    fn mean(&self) -> f64 {
        self.sum() / f64::from(self.n_obs())
    }

    /// A1 allele frequency, `mean / 2` (`NaN` when no sample has a value).
    fn a1_freq(&self) -> f64 {
        self.mean() / 2.0
    }

    /// Minor allele frequency, `min(p, 1 - p)`.
    fn maf(&self) -> f64 {
        let p = self.a1_freq();
        p.min(1.0 - p)
    }

    /// Fraction of samples without a value.
    fn missing_rate(&self) -> f64 {
        f64::from(self.n_missing()) / f64::from(self.n_total())
    }

    /// Population variance (divisor n) of the mean-imputed values over all
    /// samples, as GEMMA uses to scale its `-gk 2` matrix.
    fn imputed_variance(&self) -> f64 {
        let m = self.mean();
        let n = f64::from(self.n_total());
        (self.sum_sq() + m * m * f64::from(self.n_missing())) / n - m * m
    }
}

/// Applies an encoding in place to one variant's values (`NaN` = missing),
/// given their summaries `st` over the same samples.
pub fn encode_in_place(col: &mut [f64], st: &impl VariantMoments, enc: Encoding) {
    let mean = st.mean();
    let (shift, scale, fill) = match enc {
        Encoding::Raw => return,
        Encoding::MeanImputed => (0.0, 1.0, mean),
        Encoding::Centered => (mean, 1.0, 0.0),
        Encoding::Standardized => {
            let p = mean / 2.0;
            let var = 2.0 * p * (1.0 - p);
            (mean, if var > 0.0 { 1.0 / var.sqrt() } else { 0.0 }, 0.0)
        }
        Encoding::UnitVariance => {
            let var = st.imputed_variance();
            (mean, if var > 0.0 { 1.0 / var.sqrt() } else { 1.0 }, 0.0)
        }
    };
    if st.n_obs() == 0 {
        col.fill(0.0);
        return;
    }
    for x in col.iter_mut() {
        *x = if x.is_nan() { fill } else { (*x - shift) * scale };
    }
}
