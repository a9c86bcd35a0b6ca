//! Per-variant summaries of BGEN dosages, and the encodings applied to them.
//!
//! [`crate::AlleleStats`] counts hard genotypes (0, 1, 2), which dosages are
//! not; [`DosageStats`] keeps the sums a dosage column needs instead, and
//! offers the same summaries (mean, frequency, MAF, missing rate, variance)
//! under the same names, plus two imputation quality measures.

use crate::moments::VariantMoments;

/// Sums over one variant's dosages on the decoded samples, accumulated in the
/// decoding pass. "Dosage" is the expected count of the variant's first
/// allele, `x = 2 P(11) + P(12)` (unphased) or `P(h1 = 1) + P(h2 = 1)`
/// (phased); "second moment" is `E[X^2] = 4 P(11) + P(12)` (unphased) or
/// `p1 + p2 + 2 p1 p2` (phased, haplotypes independent).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DosageStats {
    /// Samples with data.
    pub n_obs: u32,
    /// Samples flagged missing in the file.
    pub n_missing: u32,
    /// Sum of the dosages of the samples with data.
    pub sum: f64,
    /// Sum of the squared dosages.
    pub sum_sq: f64,
    /// Sum of the per-sample second moments `E[X^2]`.
    pub sum_second_moment: f64,
}

impl DosageStats {
    /// Adds one sample with data.
    #[inline]
    pub(super) fn add(&mut self, dosage: f64, second_moment: f64) {
        self.n_obs += 1;
        self.sum += dosage;
        self.sum_sq += dosage * dosage;
        self.sum_second_moment += second_moment;
    }

    /// IMPUTE2's information measure (Marchini & Howie 2010, Nat Rev Genet
    /// 11:499-511, Box 3) over the samples with data:
    /// `1 - sum_i (E[X_i^2] - x_i^2) / (2 N theta (1 - theta))` with
    /// `theta = sum_i x_i / 2N`: 1 when every dosage is certain, falling
    /// towards 0 (it can go below) as the genotype probabilities spread.
    /// 1 when `theta` is 0 or 1; `NaN` when no sample has data.
    pub fn impute_info(&self) -> f64 {
        self.quality(|s, n, denom| 1.0 - (s.sum_second_moment - s.sum_sq) / (n * denom))
    }

    /// MACH's r-squared (Li et al. 2010, Genet Epidemiol 34:816-834) over the
    /// samples with data: the variance of the dosages over its binomial
    /// expectation, `(sum x^2 / N - (sum x / N)^2) / (2 theta (1 - theta))`.
    /// Can exceed 1 for hard calls out of Hardy-Weinberg equilibrium. 1 when
    /// `theta` is 0 or 1; `NaN` when no sample has data.
    pub fn mach_r2(&self) -> f64 {
        self.quality(|s, n, denom| {
            let mean = s.sum / n;
            (s.sum_sq / n - mean * mean) / denom
        })
    }

    /// `f(self, N, 2 theta (1 - theta))` with the conventions of both measures.
    fn quality(&self, f: impl Fn(&Self, f64, f64) -> f64) -> f64 {
        if self.n_obs == 0 {
            return f64::NAN;
        }
        let n = f64::from(self.n_obs);
        let theta = self.sum / (2.0 * n);
        let denom = 2.0 * theta * (1.0 - theta);
        if denom <= 0.0 {
            return 1.0;
        }
        f(self, n, denom)
    }
}

/// Dosages: expected counts of the first allele.
impl VariantMoments for DosageStats {
    fn n_obs(&self) -> u32 {
        self.n_obs
    }

    fn n_missing(&self) -> u32 {
        self.n_missing
    }

    fn sum(&self) -> f64 {
        self.sum
    }

    fn sum_sq(&self) -> f64 {
        self.sum_sq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{AlleleStats, Encoding};
    use crate::moments::encode_in_place;

    fn stats(values: &[(f64, f64)], n_missing: u32) -> DosageStats {
        let mut st = DosageStats {
            n_missing,
            ..Default::default()
        };
        for &(x, m2) in values {
            st.add(x, m2);
        }
        st
    }

    /// On hard calls, every encoding gives what the `.bed` path gives.
    #[test]
    fn hard_calls_encode_like_allele_counts() {
        let hard = AlleleStats {
            n_hom_a1: 2,
            n_het: 1,
            n_hom_a2: 1,
            n_missing: 1,
        };
        let st = stats(&[(2.0, 4.0), (1.0, 1.0), (0.0, 0.0), (2.0, 4.0)], 1);
        assert_eq!(
            (st.mean(), st.imputed_variance()),
            (hard.mean(), hard.imputed_variance())
        );
        for enc in Encoding::ALL {
            let mut a = vec![2.0, 1.0, f64::NAN, 0.0, 2.0];
            let mut b = a.clone();
            encode_in_place(&mut a, &st, enc);
            encode_in_place(&mut b, &hard, enc);
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.to_bits(), y.to_bits(), "{enc:?}");
            }
        }
        // certain genotypes: info 1; r2 = var / 2p(1-p) = 0.6875 / 0.46875
        assert!((st.impute_info() - 1.0).abs() < 1e-15);
        assert!((st.mach_r2() - 0.6875 / 0.46875).abs() < 1e-15);
    }

    /// Worked example: two samples, each P(11, 12, 22) = (0.25, 0.5, 0.25):
    /// x = 1, E[X^2] = 1.5, theta = 0.5; info = 1 - 2 * 0.5 / (2 * 2 * 0.25)
    /// = 0, r2 = 0 (no variance between samples).
    #[test]
    fn uncertain_dosages_lower_info() {
        let st = stats(&[(1.0, 1.5), (1.0, 1.5)], 0);
        assert_eq!((st.impute_info(), st.mach_r2()), (0.0, 0.0));
        let mono = stats(&[(0.0, 0.0), (0.0, 0.0)], 3);
        assert_eq!((mono.impute_info(), mono.mach_r2(), mono.maf()), (1.0, 1.0, 0.0));
        let none = stats(&[], 2);
        assert!(none.impute_info().is_nan() && none.mean().is_nan());
        let mut col = vec![f64::NAN, f64::NAN];
        encode_in_place(&mut col, &none, Encoding::MeanImputed);
        assert_eq!(col, vec![0.0, 0.0]);
    }
}
