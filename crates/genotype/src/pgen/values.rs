//! From a decoded record to the values of one block column: each sample's
//! ALT dosage, with the variant's [`DosageStats`] in the same pass.

use crate::bgen::DosageStats;

use super::record::{Scratch, MISSING_DOSAGE, NO_DOSAGE};

/// Main-track category -> ALT count (`NaN` = missing).
const CATEGORY_VALUE: [f64; 4] = [0.0, 1.0, 2.0, f64::NAN];

/// A stored dosage of `v` is `v / 2^14` ALT alleles (0 to 2).
const DOSAGE_SCALE: f64 = 1.0 / 16384.0;

/// Writes the ALT dosage of each sample at `positions` (file positions, any
/// order) into `out` and returns the sums.
///
/// A sample's value is its dosage when the dosage track holds one, else its
/// hard call, else `NaN` (missing; so is the fixed-width track's missing
/// code). The second moment `E[X^2]` is `x^2` for a hard call and `NaN` for
/// a dosage (PGEN keeps expected counts, not genotype probabilities).
pub(super) fn fill(scratch: &Scratch, positions: &[u32], out: &mut [f64]) -> DosageStats {
    debug_assert_eq!(positions.len(), out.len());
    let geno = &scratch.geno;
    let mut st = DosageStats::default();
    let mut put = |dst: &mut f64, x: f64, m2: f64| {
        *dst = x;
        if x.is_nan() {
            st.n_missing += 1;
        } else {
            st.n_obs += 1;
            st.sum += x;
            st.sum_sq += x * x;
            st.sum_second_moment += m2;
        }
    };
    if scratch.has_dosage {
        for (dst, &i) in out.iter_mut().zip(positions) {
            let i = i as usize;
            match scratch.dosage[i] {
                NO_DOSAGE => {
                    let x = CATEGORY_VALUE[usize::from(geno[i])];
                    put(dst, x, x * x);
                }
                MISSING_DOSAGE => put(dst, f64::NAN, f64::NAN),
                d => put(dst, f64::from(d) * DOSAGE_SCALE, f64::NAN),
            }
        }
    } else {
        for (dst, &i) in out.iter_mut().zip(positions) {
            let x = CATEGORY_VALUE[usize::from(geno[i as usize])];
            put(dst, x, x * x);
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moments::VariantMoments;

    #[test]
    fn dosages_override_hard_calls_and_missing_codes_count_as_missing() {
        let mut s = Scratch::new(5);
        s.geno.copy_from_slice(&[0, 1, 2, 3, 3]);
        let mut out = [0.0; 6];
        let st = fill(&s, &[4, 0, 1, 2, 3, 2], &mut out);
        assert!(out[0].is_nan() && out[4].is_nan());
        assert_eq!((out[1], out[2], out[3], out[5]), (0.0, 1.0, 2.0, 2.0));
        assert_eq!((st.n_obs, st.n_missing, st.sum, st.sum_second_moment), (4, 2, 5.0, 9.0));
        assert_eq!(st.impute_info(), 1.0);

        s.has_dosage = true;
        s.dosage = vec![NO_DOSAGE, 24_576, NO_DOSAGE, 1, MISSING_DOSAGE];
        let st = fill(&s, &[0, 1, 2, 3, 4], &mut out[..5]);
        assert_eq!(out[..4], [0.0, 1.5, 2.0, 1.0 / 16384.0]);
        assert!(out[4].is_nan());
        assert_eq!((st.n_obs, st.n_missing), (4, 1));
        assert!(st.sum_second_moment.is_nan() && st.impute_info().is_nan());
        assert!((st.mean() - (3.5 + 1.0 / 16384.0) / 4.0).abs() < 1e-15);
        assert!(st.mach_r2().is_finite());
    }
}
