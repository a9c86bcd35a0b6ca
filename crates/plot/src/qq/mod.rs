//! The QQ plot's points, from a histogram of `-log10 p` instead of the
//! sorted p-values: values below [`KEEP_ALL_ABOVE`] are counted in bins of
//! `1 / BINS_PER_UNIT` (far finer than a pixel), values at or above it are
//! kept one by one. The i-th smallest p-value of n is plotted at
//! `(-log10((i - 0.5) / n), -log10 p_(i))`; a bin holding ranks `a..=b`
//! gives one point per step of the x resolution asked for, so the points
//! are bounded by the bins plus the x resolution, whatever n.

mod draw;

pub(crate) use draw::draw;

use crate::manhattan::KEEP_ALL_ABOVE;

/// Histogram bins per unit of `-log10 p`.
const BINS_PER_UNIT: f64 = 1000.0;
/// Points along the confidence band.
const BAND_POINTS: usize = 200;

/// Counts `-log10 p` values for the QQ plot.
#[derive(Debug, Clone)]
pub(crate) struct QqCounter {
    /// Values below [`KEEP_ALL_ABOVE`], by bin.
    bins: Vec<u64>,
    /// Values at or above it.
    strong: Vec<f64>,
    n: u64,
}

impl Default for QqCounter {
    fn default() -> Self {
        Self {
            bins: vec![0; (KEEP_ALL_ABOVE * BINS_PER_UNIT) as usize],
            strong: Vec::new(),
            n: 0,
        }
    }
}

/// `-log10` of the expected p-value of rank `i` (1 = smallest) of `n`.
pub(crate) fn expected(i: u64, n: u64) -> f64 {
    -((i as f64 - 0.5) / n as f64).log10()
}

impl QqCounter {
    /// Adds a p-value, as its `-log10`.
    pub fn push(&mut self, y: f64) {
        self.n += 1;
        if y >= KEEP_ALL_ABOVE {
            self.strong.push(y);
        } else {
            let b = ((y * BINS_PER_UNIT) as usize).min(self.bins.len() - 1);
            self.bins[b] += 1;
        }
    }

    /// Values counted.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The points (expected, observed), strongest first: every value at or
    /// above [`KEEP_ALL_ABOVE`], then, per bin, points `x_step` apart in
    /// expected `-log10 p` (a pixel or less).
    pub fn finish(mut self, x_step: f64) -> Qq {
        let n = self.n;
        self.strong.sort_by(|a, b| b.total_cmp(a));
        let mut points: Vec<(f64, f64)> = (1..=n.min(self.strong.len() as u64))
            .zip(&self.strong)
            .map(|(i, &y)| (expected(i, n), y))
            .collect();
        let mut rank = self.strong.len() as u64 + 1;
        for (b, &count) in self.bins.iter().enumerate().rev() {
            if count == 0 {
                continue;
            }
            let y = (b as f64 + 0.5) / BINS_PER_UNIT;
            let last = rank + count - 1;
            let mut i = rank;
            while i <= last {
                let x = expected(i, n);
                points.push((x, y));
                // The first rank at least `x_step` further left.
                let next = (n as f64 * 10f64.powf(-(x - x_step)) + 0.5).ceil() as u64;
                i = next.max(i + 1);
            }
            rank = last + 1;
        }
        let y_max = points.iter().map(|p| p.1).fold(0.0, f64::max);
        Qq {
            points,
            band: band(n),
            x_max: expected(1, n),
            y_max,
        }
    }
}

/// The 95% band of the QQ plot: for ranks spread evenly in expected
/// `-log10 p`, `(expected, upper, lower)`, the `-log10` of the 2.5% and
/// 97.5% quantiles of the i-th order statistic of n uniforms, which is
/// Beta(i, n - i + 1).
fn band(n: u64) -> Vec<(f64, f64, f64)> {
    let top = expected(1, n);
    let mut ranks: Vec<u64> = (0..=BAND_POINTS)
        .map(|k| {
            let x = top * k as f64 / BAND_POINTS as f64;
            ((n as f64 * 10f64.powf(-x) + 0.5).round() as u64).clamp(1, n)
        })
        .collect();
    ranks.dedup();
    ranks
        .into_iter()
        .map(|i| {
            let (a, b) = (i as f64, (n - i + 1) as f64);
            let q = |level: f64| -beta_quantile(a, b, level).max(f64::MIN_POSITIVE).log10();
            (expected(i, n), q(0.025), q(0.975))
        })
        .collect()
}

/// The `level` quantile of Beta(a, b): bisection on the regularised
/// incomplete beta function while one shape is at most 1000 (its continued
/// fraction converges quickly there), else the normal approximation (mean
/// `a / (a + b)`, variance `ab / ((a + b)^2 (a + b + 1))`; skewness below
/// 0.07 at these shapes, and the band is then narrower than a point).
fn beta_quantile(a: f64, b: f64, level: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    use statrs::function::beta::beta_reg;
    if a.min(b) > 1000.0 {
        let s = a + b;
        let sd = (a * b / (s * s * (s + 1.0))).sqrt();
        return (a / s + Normal::standard().inverse_cdf(level) * sd).clamp(0.0, 1.0);
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    // 1100 halvings reach the smallest subnormal; stop at a relative
    // precision of 1e-9.
    for _ in 0..1100 {
        let mid = 0.5 * (lo + hi);
        if beta_reg(a, b, mid) < level {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-9 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The QQ plot's data, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Qq {
    /// (expected, observed) `-log10 p`.
    pub points: Vec<(f64, f64)>,
    /// (expected, upper, lower) of the 95% band, in increasing expected.
    pub band: Vec<(f64, f64, f64)>,
    /// The largest expected `-log10 p`.
    pub x_max: f64,
    /// The largest observed.
    pub y_max: f64,
}

#[cfg(test)]
mod tests;
