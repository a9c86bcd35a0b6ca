//! The O(n) part of an evaluation: the per-sample weights of one `lambda`
//! and the weighted sums over samples built from them.
//!
//! Every sum runs in 4 interleaved lanes combined in a fixed order, so the
//! results do not depend on the thread count or the CPU; the hot loops are
//! compiled twice, for the baseline CPU and with AVX2 (chosen at run time),
//! with the same operations in the same order.

/// Weights of one `lambda`: `1/d`, `s/d²`, `s²/d³` and the sums the
/// likelihood needs, `Σ ln d`, `Σ s/d`, `Σ s²/d²`.
#[derive(Debug, Clone)]
pub(crate) struct Weights {
    /// The `lambda` they are at (`NaN` before the first fill).
    pub lambda: f64,
    /// `1/d_i`.
    pub w1: Vec<f64>,
    /// `s_i/d_i²`.
    pub w2: Vec<f64>,
    /// `s_i²/d_i³`.
    pub w3: Vec<f64>,
    /// `Σ ln d_i` (`NaN` when not computed).
    pub sum_ln_d: f64,
    /// `Σ s_i/d_i = tr(D⁻¹K)`.
    pub tr_hk: f64,
    /// `Σ s_i²/d_i² = tr(D⁻¹KD⁻¹K)`.
    pub tr_hkhk: f64,
}

impl Weights {
    /// Weights at `lambda` (with `Σ ln d` when `ln` is set).
    pub fn new(s: &[f64], lambda: f64, ln: bool) -> Self {
        let mut w = Self::empty(s.len());
        w.fill(s, lambda, ln);
        w
    }

    /// Zero buffers for `n` samples, at no `lambda` yet (`NaN`).
    pub fn empty(n: usize) -> Self {
        Self {
            lambda: f64::NAN,
            w1: vec![0.0; n],
            w2: vec![0.0; n],
            w3: vec![0.0; n],
            sum_ln_d: f64::NAN,
            tr_hk: 0.0,
            tr_hkhk: 0.0,
        }
    }

    /// Makes these the weights at `lambda`, refilling only when `lambda`
    /// changed, and with `Σ ln d` when `ln` is set (computed once).
    pub(super) fn update(&mut self, s: &[f64], lambda: f64, ln: bool) {
        if self.lambda != lambda {
            self.fill(s, lambda, false);
        }
        if ln && self.sum_ln_d.is_nan() {
            self.sum_ln_d = sum_ln_d(s, lambda);
        }
    }

    /// Refills at `lambda` (`Σ ln d` only when `ln` is set, else `NaN`).
    pub(super) fn fill(&mut self, s: &[f64], lambda: f64, ln: bool) {
        #[cfg(target_arch = "x86_64")]
        if simd::has_avx2() {
            // SAFETY: the CPU supports AVX2 (checked at run time).
            unsafe { simd::fill_avx2(self, s, lambda, ln) };
            return;
        }
        self.fill_generic(s, lambda, ln);
    }

    /// The body of [`Weights::fill`], compiled once per target feature set.
    #[inline(always)]
    fn fill_generic(&mut self, s: &[f64], lambda: f64, ln: bool) {
        self.lambda = lambda;
        let n = s.len();
        let (w1, w2, w3) = (&mut self.w1[..n], &mut self.w2[..n], &mut self.w3[..n]);
        for i in 0..n {
            let inv = 1.0 / (lambda * s[i] + 1.0);
            let a = s[i] * inv;
            w1[i] = inv;
            w2[i] = a * inv;
            w3[i] = a * a * inv;
        }
        let mut t1 = [0.0f64; 4];
        let mut t2 = [0.0f64; 4];
        let full = n / 4 * 4;
        for (sc, wc) in s[..full].chunks_exact(4).zip(w1[..full].chunks_exact(4)) {
            for l in 0..4 {
                let a = sc[l] * wc[l];
                t1[l] += a;
                t2[l] += a * a;
            }
        }
        for i in full..n {
            let a = s[i] * w1[i];
            t1[0] += a;
            t2[0] += a * a;
        }
        self.tr_hk = (t1[0] + t1[1]) + (t1[2] + t1[3]);
        self.tr_hkhk = (t2[0] + t2[1]) + (t2[2] + t2[3]);
        self.sum_ln_d = if ln { sum_ln_d(s, lambda) } else { f64::NAN };
    }
}

/// Sums of `w1 a b`, `w2 a b` (and `w3 a b` when `THIRD`) over samples,
/// 4 lanes in a fixed order (thread-count independent, vectorisable).
#[inline]
pub(super) fn dot3<const THIRD: bool>(w1: &[f64], w2: &[f64], w3: &[f64], x: &[f64], y: &[f64]) -> (f64, f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if simd::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time).
        return unsafe { simd::dot3_avx2::<THIRD>(w1, w2, w3, x, y) };
    }
    dot3_generic::<THIRD>(w1, w2, w3, x, y)
}

/// The body of [`dot3`], compiled once for the baseline CPU and once with
/// AVX2 (same operations in the same order: identical results).
#[inline(always)]
fn dot3_generic<const THIRD: bool>(w1: &[f64], w2: &[f64], w3: &[f64], x: &[f64], y: &[f64]) -> (f64, f64, f64) {
    let n = x.len();
    let (w1, w2, w3, y) = (&w1[..n], &w2[..n], &w3[..n], &y[..n]);
    let mut s1 = [0.0f64; 4];
    let mut s2 = [0.0f64; 4];
    let mut s3 = [0.0f64; 4];
    let full = n / 4 * 4;
    for ((((xc, yc), a), b), c) in x[..full]
        .chunks_exact(4)
        .zip(y[..full].chunks_exact(4))
        .zip(w1[..full].chunks_exact(4))
        .zip(w2[..full].chunks_exact(4))
        .zip(w3[..full].chunks_exact(4))
    {
        for l in 0..4 {
            let p = xc[l] * yc[l];
            s1[l] += a[l] * p;
            s2[l] += b[l] * p;
            if THIRD {
                s3[l] += c[l] * p;
            }
        }
    }
    for k in full..n {
        let p = x[k] * y[k];
        s1[0] += w1[k] * p;
        s2[0] += w2[k] * p;
        if THIRD {
            s3[0] += w3[k] * p;
        }
    }
    (
        (s1[0] + s1[1]) + (s1[2] + s1[3]),
        (s2[0] + s2[1]) + (s2[2] + s2[3]),
        (s3[0] + s3[1]) + (s3[2] + s3[3]),
    )
}

/// `Σ a b w` over samples, 4 lanes in a fixed order (as [`dot`]).
pub(crate) fn dot_w(x: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let n = x.len();
    let (y, w) = (&y[..n], &w[..n]);
    let mut s = [0.0f64; 4];
    let full = n / 4 * 4;
    for ((xc, yc), wc) in x[..full]
        .chunks_exact(4)
        .zip(y[..full].chunks_exact(4))
        .zip(w[..full].chunks_exact(4))
    {
        for l in 0..4 {
            s[l] += xc[l] * yc[l] * wc[l];
        }
    }
    for k in full..n {
        s[0] += x[k] * y[k] * w[k];
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// `Σ a b` over samples, 4 lanes in a fixed order (as [`dot3`]).
pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    let y = &y[..n];
    let mut s = [0.0f64; 4];
    let full = n / 4 * 4;
    for (xc, yc) in x[..full].chunks_exact(4).zip(y[..full].chunks_exact(4)) {
        for l in 0..4 {
            s[l] += xc[l] * yc[l];
        }
    }
    for k in full..n {
        s[0] += x[k] * y[k];
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// Run-time dispatch of the hot loops to AVX2 where the CPU has it; the
/// release build stays portable to any x86-64.
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::{dot3_generic, Weights};

    /// Whether AVX2 is available (cached by the standard library).
    #[inline]
    pub fn has_avx2() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
    }

    /// [`dot3_generic`] compiled with AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot3_avx2<const THIRD: bool>(
        w1: &[f64],
        w2: &[f64],
        w3: &[f64],
        x: &[f64],
        y: &[f64],
    ) -> (f64, f64, f64) {
        dot3_generic::<THIRD>(w1, w2, w3, x, y)
    }

    /// [`Weights::fill_generic`] compiled with AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn fill_avx2(w: &mut Weights, s: &[f64], lambda: f64, ln: bool) {
        w.fill_generic(s, lambda, ln)
    }
}

/// `Σ ln(1 + lambda s_i)`: one logarithm per 32 terms, of the product of
/// the terms in 4 interleaved lanes of 8 (fixed order, so the same on every
/// machine). Each product carries a relative rounding error of about 8
/// ulps, so the sum is within ~1e-13 of the term-by-term sum of `ln_1p`
/// for any realistic `n`, at a small fraction of its cost (this runs twice
/// per variant in the exact scan). Falls back to `ln_1p` per term if a
/// product leaves the normal range (absurdly large `lambda s`).
pub(crate) fn sum_ln_d(s: &[f64], lambda: f64) -> f64 {
    const LANES: usize = 4;
    const PER_LANE: usize = 8;
    let chunk = LANES * PER_LANE;
    let full = s.len() / chunk * chunk;
    let mut total = 0.0;
    for block in s[..full].chunks_exact(chunk) {
        let mut p = [1.0f64; LANES];
        for quad in block.chunks_exact(LANES) {
            for l in 0..LANES {
                p[l] *= lambda * quad[l] + 1.0;
            }
        }
        if p.iter().all(|v| v.is_normal()) {
            total += (p[0].ln() + p[1].ln()) + (p[2].ln() + p[3].ln());
        } else {
            total += block.iter().map(|&si| (lambda * si).ln_1p()).sum::<f64>();
        }
    }
    total + s[full..].iter().map(|&si| (lambda * si).ln_1p()).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product-based `Σ ln(1 + lambda s)` equals the term-by-term sum
    /// of `ln_1p` to ~1e-13 relative, over the search range, with zero and
    /// tiny eigenvalues, and falls back when products overflow.
    #[test]
    fn sum_ln_d_equals_ln_1p_sum() {
        let s: Vec<f64> = (0..1413)
            .map(|i| match i % 7 {
                0 => 0.0,
                1 => 1e-12 * i as f64,
                _ => (i as f64 * 0.37).sin().abs() * 40.0,
            })
            .collect();
        for lambda in [1e-5, 3.7e-3, 0.5, 1.0, 42.0, 1e5] {
            let exact: f64 = s.iter().map(|&v| (lambda * v).ln_1p()).sum();
            let fast = sum_ln_d(&s, lambda);
            assert!(
                (fast - exact).abs() <= 1e-13 * exact.abs().max(1.0),
                "{lambda}: {fast} vs {exact}"
            );
        }
        let huge = vec![1e300f64; 64];
        let exact: f64 = huge.iter().map(|&v: &f64| (1e5 * v).ln_1p()).sum();
        assert!((sum_ln_d(&huge, 1e5) - exact).abs() <= 1e-12 * exact);
    }

    /// The AVX2 build of [`dot3`] (taken when the CPU has it) gives the
    /// same bits as the baseline one, with and without the third sum.
    #[test]
    fn dot3_avx2_equals_generic() {
        for n in [0, 3, 4, 37, 64] {
            let v = |a: f64| -> Vec<f64> { (0..n).map(|i| (i as f64 * a).sin() * 3.0 + 0.1).collect() };
            let (w1, w2, w3, x, y) = (v(0.31), v(0.77), v(1.9), v(2.3), v(0.13));
            let bits = |t: (f64, f64, f64)| [t.0.to_bits(), t.1.to_bits(), t.2.to_bits()];
            let generic = bits(dot3_generic::<true>(&w1, &w2, &w3, &x, &y));
            assert_eq!(bits(dot3::<true>(&w1, &w2, &w3, &x, &y)), generic, "n = {n}");
            let generic = bits(dot3_generic::<false>(&w1, &w2, &w3, &x, &y));
            assert_eq!(bits(dot3::<false>(&w1, &w2, &w3, &x, &y)), generic, "n = {n}");
        }
    }
}
