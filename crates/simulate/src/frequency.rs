//! Allele frequencies: the ancestral population and the Balding-Nichols
//! model of its subpopulations.

use rand::Rng;
use rand_distr::{Beta, Distribution};

/// Draws a subpopulation's allele frequency from the ancestral frequency `p`
/// by the Balding-Nichols model at fixation index `fst` = F (Balding and
/// Nichols 1995):
///
/// `p_k ~ Beta(p (1 - F) / F, (1 - p)(1 - F) / F)`, so `E[p_k] = p` and
/// `Var[p_k] = F p (1 - p)`.
///
/// Subpopulations drawn independently from the same `p` then differ by
/// Hudson's Fst = F in expectation: `E[(p_1 - p_2)^2] = 2 F p (1 - p)` and
/// `E[p_1 (1 - p_2) + p_2 (1 - p_1)] = 2 p (1 - p)`.
///
/// `p` must lie in `(0, 1)`; `fst <= 0` returns `p` unchanged.
pub fn balding_nichols(p: f64, fst: f64, rng: &mut impl Rng) -> f64 {
    debug_assert!(p > 0.0 && p < 1.0 && fst < 1.0);
    if fst <= 0.0 {
        return p;
    }
    let scale = (1.0 - fst) / fst;
    match Beta::new(p * scale, (1.0 - p) * scale) {
        Ok(beta) => beta.sample(rng),
        // Unreachable for p in (0, 1) and fst in (0, 1): both shapes are positive.
        Err(_) => p,
    }
}

/// The threshold `t` such that a uniform 32-bit integer `u` has
/// `P(u < t) = p`: `t = round(p * 2^32)`, exact to 2^-33 in probability.
pub(crate) fn threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn balding_nichols_has_the_stated_mean_and_variance() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (p, f, n) = (0.3, 0.1, 200_000);
        let draws: Vec<f64> = (0..n).map(|_| balding_nichols(p, f, &mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - p).abs() < 0.002, "{mean}");
        assert!((var / (f * p * (1.0 - p)) - 1.0).abs() < 0.02, "{var}");
        assert_eq!(balding_nichols(p, 0.0, &mut rng), p);
    }

    #[test]
    fn thresholds_cover_the_ends() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), 1 << 32);
        assert_eq!(threshold(0.5), 1 << 31);
    }
}
