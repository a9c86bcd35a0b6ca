//! Survival functions that keep tiny p-values (no `1 - cdf` underflow).

use statrs::function::beta::beta_reg;
use statrs::function::gamma::gamma_ur;

/// `P(F > f)` for `F ~ F(1, df)`: the regularised incomplete beta
/// `I_{df/(df+f)}(df/2, 1/2)`, evaluated directly so that p-values down to
/// ~1e-300 survive.
pub fn f1_sf(f: f64, df: f64) -> f64 {
    if f.is_nan() || f <= 0.0 {
        return 1.0;
    }
    if f.is_infinite() {
        return 0.0;
    }
    beta_reg(df / 2.0, 0.5, df / (df + f))
}

/// `P(X > x)` for `X ~ chi2(1)`: the regularised upper incomplete gamma `Q(1/2, x/2)`.
pub fn chi2_1_sf(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 1.0;
    }
    gamma_ur(0.5, x / 2.0)
}

/// Median of `chi2(1)`, the denominator of genomic control.
pub const CHI2_1_MEDIAN: f64 = 0.454_936_423_119_572_7;

/// Inverse survival function of `chi2(1)`: the `x` with `P(X > x) = p`,
/// via the normal quantile (`x = z²`, `z` the upper `p/2` quantile).
pub fn chi2_1_isf(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    // Normal::new(0, 1) cannot fail.
    let normal = Normal::standard();
    let z = -normal.inverse_cdf(p / 2.0);
    z * z
}

/// Genomic-control inflation factor `median(chi2) / 0.4549`, from p-values
/// of 1-df tests (`NaN` entries ignored). `None` without p-values.
pub fn lambda_gc(p_values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut p: Vec<f64> = p_values.into_iter().filter(|v| v.is_finite()).collect();
    if p.is_empty() {
        return None;
    }
    p.sort_by(f64::total_cmp);
    let k = p.len();
    // The median chi2 is the chi2 of the median p (a decreasing map).
    let med = if k % 2 == 1 {
        chi2_1_isf(p[k / 2])
    } else {
        0.5 * (chi2_1_isf(p[k / 2 - 1]) + chi2_1_isf(p[k / 2]))
    };
    Some(med / CHI2_1_MEDIAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survival_functions() {
        // chi2(1): P(X > 3.841459) = 0.05
        assert!((chi2_1_sf(3.841_458_820_694_124) - 0.05).abs() < 1e-12);
        assert!((chi2_1_isf(0.05) - 3.841_458_820_694_124).abs() < 1e-9);
        // F(1, df) with large df approaches chi2(1)
        assert!((f1_sf(3.841_458_820_694_124, 1e9) - 0.05).abs() < 1e-6);
        // tiny p-values do not underflow
        let p = chi2_1_sf(1000.0);
        assert!(p > 0.0 && p < 1e-200, "{p}");
        let p = f1_sf(2000.0, 1400.0);
        assert!(p > 0.0 && p < 1e-200, "{p}");
        assert!((chi2_1_isf(0.5) - CHI2_1_MEDIAN).abs() < 1e-9);
    }

    #[test]
    fn lambda_gc_of_uniform_p_is_one() {
        let p: Vec<f64> = (0..10001).map(|i| (i as f64 + 0.5) / 10001.0).collect();
        let l = lambda_gc(p).unwrap();
        assert!((l - 1.0).abs() < 1e-3, "{l}");
    }
}
