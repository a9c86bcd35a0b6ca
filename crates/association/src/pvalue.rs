//! Survival functions that keep tiny p-values (no `1 - cdf` underflow).

use statrs::function::beta::beta_reg;
use statrs::function::gamma::{gamma_ur, ln_gamma};

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

/// `p` as the summary statistics write it (seven significant digits, C's
/// `%.6e`), read back: the value anyone reading the file sees.
pub fn as_written(p: f64) -> f64 {
    format!("{p:.6e}").parse().unwrap_or(p)
}

/// Genomic-control inflation factor `median(chi2) / 0.4549`, from p-values
/// of 1-df tests (`NaN` entries ignored). `None` without p-values.
///
/// The median p-value is taken [`as_written`]: rounding is monotone, so
/// this is the median of the written column, and `kindred merge` (or anyone
/// with the file) recomputes exactly the same figure from the chunks' text.
pub fn lambda_gc(p_values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut p: Vec<f64> = p_values.into_iter().filter(|v| v.is_finite()).collect();
    if p.is_empty() {
        return None;
    }
    p.sort_by(f64::total_cmp);
    let k = p.len();
    // The median chi2 is the chi2 of the median p (a decreasing map).
    let med = if k % 2 == 1 {
        chi2_1_isf(as_written(p[k / 2]))
    } else {
        0.5 * (chi2_1_isf(as_written(p[k / 2 - 1])) + chi2_1_isf(as_written(p[k / 2])))
    };
    Some(med / CHI2_1_MEDIAN)
}

/// `-log10 P(F > f)` for `F ~ F(1, df)`, computed in log space so that it
/// stays right where the p-value itself underflows (`f` of 1e5 at
/// `df` = 1407 gives 1308.6; the p-value, 1e-1309, is not a double).
pub fn neg_log10_f1(f: f64, df: f64) -> f64 {
    if f.is_nan() || f <= 0.0 {
        return 0.0;
    }
    if f.is_infinite() {
        return f64::INFINITY;
    }
    // x = df / (df + f), 1 - x = f / (df + f), each without cancellation.
    let ln_x = df.ln() - (df + f).ln();
    let ln_1mx = f.ln() - (df + f).ln();
    -ln_beta_reg(df / 2.0, 0.5, ln_x, ln_1mx) / std::f64::consts::LN_10
}

/// `-log10 P(X > x)` for `X ~ chi2(1)`, in log space (`x` = 2000 gives
/// 436.04: p = 1e-436.04).
pub fn neg_log10_chi2_1(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 0.0;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    -ln_gamma_q(0.5, x / 2.0) / std::f64::consts::LN_10
}

/// `ln Q(a, x)`, the regularised upper incomplete gamma: directly where
/// it cannot underflow, else from Legendre's continued fraction,
/// `Q = e^-x x^a / Γ(a) · 1 / (x + 1 - a - 1·(1 - a) / (x + 3 - a - ...))`,
/// evaluated by the modified Lentz method with only its logarithm formed.
fn ln_gamma_q(a: f64, x: f64) -> f64 {
    if x < a + 1.0 || x < 50.0 {
        return gamma_ur(a, x).ln();
    }
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    -x + a * x.ln() - ln_gamma(a) + h.ln()
}

/// `ln I_x(a, b)`, the regularised incomplete beta, given `ln x` and
/// `ln(1 - x)`: the front factor `x^a (1-x)^b / (a B(a, b))` in log space
/// times the continued fraction (modified Lentz), on the side of the
/// symmetry `I_x(a, b) = 1 - I_{1-x}(b, a)` where it converges fast.
fn ln_beta_reg(a: f64, b: f64, ln_x: f64, ln_1mx: f64) -> f64 {
    let x = ln_x.exp();
    if x > (a + 1.0) / (a + b + 2.0) {
        // Here p is not small: the other side, then 1 - it.
        let other = ln_beta_reg(b, a, ln_1mx, ln_x).exp();
        return (-other).ln_1p();
    }
    let ln_beta = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    let front = a * ln_x + b * ln_1mx - ln_beta - a.ln();
    front + beta_fraction(a, b, x).ln()
}

/// The continued fraction of the incomplete beta (for `x < (a+1)/(a+b+2)`).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + aa / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(statistic, -log10 p)` for chi2(1), 17 digits of mpmath at 50
    /// (scripts/pvalue_reference.py), kept as printed.
    #[allow(clippy::excessive_precision)]
    const CHI2_1: [(f64, f64); 14] = [
        (0.5, 0.319_211_277_825_720_33),
        (1.0, 0.498_515_545_827_989_3),
        (3.841_458_820_694_124, 1.301_029_995_663_980_7),
        (10.0, 2.805_374_044_070_920_2),
        (50.0, 11.813_196_232_486_759),
        (100.0, 22.817_023_409_822_095),
        (500.0, 110.022_029_704_763_29),
        (1000.0, 218.745_734_104_205_01),
        (1500.0, 327.407_256_044_166_49),
        (2000.0, 436.043_273_716_072_95),
        (5000.0, 1_087.683_836_514_322_4),
        (1e4, 2_173.570_512_873_370_4),
        (3e4, 6_516.753_863_589_928_9),
        (1e5, 21_717.322_159_443_943),
    ];

    /// `(F, df, -log10 p)` for F(1, df), as above.
    #[allow(clippy::excessive_precision)]
    const F1: [(f64, f64, f64); 28] = [
        (0.5, 5.0, 0.291_507_646_512_889_99),
        (4.0, 5.0, 0.991_657_591_091_584_23),
        (30.0, 5.0, 2.558_311_099_819_668_6),
        (200.0, 5.0, 4.497_259_860_147_969_8),
        (1000.0, 5.0, 6.226_338_066_739_496_2),
        (1e4, 5.0, 8.722_161_341_171_305_3),
        (1e5, 5.0, 11.221_742_668_679_154),
        (0.5, 30.0, 0.314_296_795_609_296_71),
        (4.0, 30.0, 1.262_608_192_544_772_7),
        (30.0, 30.0, 5.217_873_201_567_363),
        (200.0, 30.0, 14.081_002_837_171_678),
        (1000.0, 30.0, 23.869_966_222_426_108),
        (1e4, 30.0, 38.702_324_431_483_91),
        (1e5, 30.0, 53.685_313_165_543_453),
        (0.5, 1407.0, 0.319_105_237_217_709_87),
        (4.0, 1407.0, 1.340_157_987_416_607_3),
        (30.0, 1407.0, 7.291_470_758_337_021_5),
        (200.0, 1407.0, 41.829_204_981_761_225),
        (1000.0, 1407.0, 165.525_510_674_460_71),
        (1e4, 1407.0, 641.038_953_373_362_22),
        (1e5, 1407.0, 1_308.613_149_140_579_4),
        (0.5, 1e4, 0.319_196_354_605_630_13),
        (4.0, 1e4, 1.341_728_480_054_493_4),
        (30.0, 1e4, 7.354_075_660_816_807_7),
        (200.0, 1e4, 44.247_289_075_398_75),
        (1000.0, 1e4, 208.541_233_372_333_45),
        (1e4, 1e4, 1_507.097_577_527_870_1),
        (1e5, 1e4, 5_209.040_804_586_391_1),
    ];

    #[test]
    fn neg_log10_p_matches_50_digit_references_where_p_underflows() {
        for (x, want) in CHI2_1 {
            let got = neg_log10_chi2_1(x);
            assert!((got - want).abs() <= 1e-12 * want.max(1.0), "chi2 {x}: {got} vs {want}");
        }
        for (f, df, want) in F1 {
            let got = neg_log10_f1(f, df);
            assert!(
                (got - want).abs() <= 1e-11 * want.max(1.0),
                "F {f}, df {df}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn neg_log10_p_agrees_with_the_p_values_where_they_are_doubles() {
        for x in [0.01, 0.5, 2.0, 7.0, 30.0, 49.9, 50.1, 200.0, 1000.0] {
            let direct = -chi2_1_sf(x).log10();
            assert!(
                (neg_log10_chi2_1(x) - direct).abs() < 1e-10 * direct.max(1.0),
                "chi2 {x}"
            );
        }
        for df in [3.0, 100.0, 5000.0] {
            for f in [0.01, 1.0, 9.0, 80.0, 700.0] {
                let direct = -f1_sf(f, df).log10();
                assert!(
                    (neg_log10_f1(f, df) - direct).abs() < 1e-10 * direct.max(1.0),
                    "F {f} df {df}"
                );
            }
        }
        assert_eq!(neg_log10_chi2_1(0.0), 0.0);
        assert_eq!(neg_log10_f1(f64::NAN, 10.0), 0.0);
        assert!(neg_log10_chi2_1(f64::INFINITY).is_infinite());
    }

    #[test]
    fn lambda_is_that_of_the_written_p_values() {
        let raw = [0.123_456_789_1, 0.5, 0.987_654_321_9, 0.333_333_333_3];
        let written: Vec<f64> = raw.iter().map(|p| format!("{p:.6e}").parse().unwrap()).collect();
        assert_eq!(lambda_gc(raw), lambda_gc(written.clone()));
        // Idempotent: what is read back from the file gives the same figure.
        assert_eq!(written.iter().map(|&p| as_written(p)).collect::<Vec<_>>(), written);
    }

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
