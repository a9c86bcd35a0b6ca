//! Profiled (restricted) log-likelihoods of the rotated linear mixed model
//! and their first two derivatives in `lambda = sigma_g2 / sigma_e2`.
//!
//! After rotation by the eigenvectors of `K = U diag(s) Uᵀ`, the covariance
//! is `diag(d)`, `d_i = lambda s_i + 1`, and every quantity is a weighted sum
//! over samples of products of the design columns `X` (covariates, and the
//! variant under test) and the phenotype `y`. With `A = Xᵀ D⁻¹ X`,
//! `B = Xᵀ D⁻¹ K D⁻¹ X`, `C = Xᵀ D⁻¹ K D⁻¹ K D⁻¹ X` (and the same with `y`),
//! `P = D⁻¹ - D⁻¹ X A⁻¹ Xᵀ D⁻¹` and `c = columns of X`:
//!
//! * REML: `l = (n-c)/2 (ln(n-c) - ln 2π - 1) - ½ Σ ln d_i - ½ (ln|A| - ln|XᵀX|) - (n-c)/2 ln(yᵀPy)`
//! * ML:   `l = n/2 (ln n - ln 2π - 1) - ½ Σ ln d_i - n/2 ln(yᵀPy)`
//! * `l'  = -½ tr(PK) + df/2 · yᵀPKPy / yᵀPy` (REML: `tr(PK)`, `df = n-c`; ML: `tr(D⁻¹K)`, `df = n`)
//! * `l'' = ½ tr(PKPK) + df/2 · (-2 yᵀPKPKPy / yᵀPy + (yᵀPKPy / yᵀPy)²)`
//!
//! These are the formulas of Zhou & Stephens (2012, Nat Genet, GEMMA) and
//! Kang et al. (2008, EMMA), derived here with `dH/dλ = K`.

use std::f64::consts::PI;

/// Which likelihood is maximised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Restricted maximum likelihood.
    Reml,
    /// Maximum likelihood.
    Ml,
}

/// A log-likelihood and its derivatives at one `lambda`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LikEval {
    /// Log-likelihood (only when asked for; `NaN` otherwise).
    pub f: f64,
    /// First derivative in `lambda`.
    pub d1: f64,
    /// Second derivative in `lambda` (only when asked for; `NaN` otherwise).
    pub d2: f64,
    /// `yᵀ P y`.
    pub ypy: f64,
}

/// What to compute in one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Need {
    pub f: bool,
    pub d2: bool,
}

/// Reusable buffers for evaluations over `m = c + 1` columns (`X` then `y`).
#[derive(Debug, Clone)]
pub(crate) struct Work {
    m: usize,
    weights: Weights,
    /// Weighted cross-products, full `m x m`, column-major.
    pub a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    /// `A_XX⁻¹` (`c x c`) after an evaluation.
    pub ainv: Vec<f64>,
    /// GLS coefficients `A_XX⁻¹ A_Xy` after an evaluation.
    pub beta: Vec<f64>,
    chol: Vec<f64>,
    tmp: Vec<f64>,
    /// Per cached point: this variant's `A`, `B` and possibly `C` there
    /// (they do not depend on the method, so REML and ML share them).
    memo: Vec<Memo>,
    /// `lambda` at which `a` and `b` (and `c` when the flag is set) hold
    /// the current columns' sums: a second evaluation there (the
    /// likelihood at a root just found, the estimates at the optimum)
    /// skips the O(n) sums.
    sums_at: Option<(f64, bool)>,
}

/// Memoised sums of one cached point.
#[derive(Debug, Clone)]
struct Memo {
    /// Whether `abc[0]` and `abc[1]` hold the current columns' `A`, `B`.
    valid: bool,
    /// Whether `abc[2]` holds `C` too.
    with_c: bool,
    abc: [Vec<f64>; 3],
}

impl Work {
    /// Forgets memoised sums (call when the columns change).
    pub fn clear_memo(&mut self) {
        self.memo.iter_mut().for_each(|m| m.valid = false);
        self.sums_at = None;
    }

    fn memo_slot(&mut self, k: usize) -> &mut Memo {
        if self.memo.len() <= k {
            let mm = self.m * self.m;
            self.memo.resize(
                k + 1,
                Memo {
                    valid: false,
                    with_c: false,
                    abc: [vec![0.0; mm], vec![0.0; mm], vec![0.0; mm]],
                },
            );
        }
        &mut self.memo[k]
    }

    /// Memoises cached point `k`'s `A`, `B` and `C` for the current columns
    /// (`m` of them, the variant's at index `x`): the pairs of fixed columns
    /// come from `point`, the pairs with the variant from `sums[t]` for
    /// `t` = `A`, `B`, `C` (indexed by the other column, `sums[t][x]`
    /// being the sum with `x²`). Lets a caller that summed a whole block of
    /// variants at once (a matrix multiply) skip the per-variant sums there.
    pub fn prefill(&mut self, k: usize, point: &GridPoint, m: usize, x: usize, sums: [&[f64]; 3]) {
        debug_assert!(m <= self.m && sums.iter().all(|v| v.len() == m));
        let memo = self.memo_slot(k);
        for ((mat, fixed), xs) in memo.abc.iter_mut().zip(&point.fixed).zip(sums) {
            mat[..m * m].copy_from_slice(&fixed[..m * m]);
            for o in 0..m {
                mat[o * m + x] = xs[o];
                mat[x * m + o] = xs[o];
            }
        }
        memo.valid = true;
        memo.with_c = true;
    }

    /// Buffers for `n` samples and up to `m` columns.
    pub fn new(n: usize, m: usize) -> Self {
        Self {
            m,
            weights: Weights {
                lambda: f64::NAN,
                w1: vec![0.0; n],
                w2: vec![0.0; n],
                w3: vec![0.0; n],
                sum_ln_d: f64::NAN,
                tr_hk: 0.0,
                tr_hkhk: 0.0,
            },
            a: vec![0.0; m * m],
            b: vec![0.0; m * m],
            c: vec![0.0; m * m],
            ainv: vec![0.0; m * m],
            beta: vec![0.0; m],
            chol: vec![0.0; m * m],
            tmp: vec![0.0; m],
            memo: Vec::new(),
            sums_at: None,
        }
    }
}

/// Sums of `w1 a b`, `w2 a b` (and `w3 a b` when `THIRD`) over samples,
/// 4 lanes in a fixed order (thread-count independent, vectorisable).
#[inline]
fn dot3<const THIRD: bool>(w1: &[f64], w2: &[f64], w3: &[f64], x: &[f64], y: &[f64]) -> (f64, f64, f64) {
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

/// Weights of one `lambda`: `1/d`, `s/d²`, `s²/d³` and the sums the
/// likelihood needs, `Σ ln d`, `Σ s/d`, `Σ s²/d²`.
#[derive(Debug, Clone)]
pub(crate) struct Weights {
    pub lambda: f64,
    pub w1: Vec<f64>,
    pub w2: Vec<f64>,
    pub w3: Vec<f64>,
    pub sum_ln_d: f64,
    pub tr_hk: f64,
    pub tr_hkhk: f64,
}

impl Weights {
    /// Weights at `lambda` (with `Σ ln d` when `ln` is set).
    pub fn new(s: &[f64], lambda: f64, ln: bool) -> Self {
        let mut w = Self {
            lambda,
            w1: vec![0.0; s.len()],
            w2: vec![0.0; s.len()],
            w3: vec![0.0; s.len()],
            sum_ln_d: f64::NAN,
            tr_hk: 0.0,
            tr_hkhk: 0.0,
        };
        w.fill(s, lambda, ln);
        w
    }

    fn fill(&mut self, s: &[f64], lambda: f64, ln: bool) {
        #[cfg(target_arch = "x86_64")]
        if simd::has_avx2() {
            // SAFETY: the CPU supports AVX2 (checked at run time).
            unsafe { simd::fill_avx2(self, s, lambda, ln) };
            return;
        }
        self.fill_generic(s, lambda, ln);
    }

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

/// Weights and the weighted cross-products of the columns that do not
/// change between variants (covariates and phenotype), at one grid
/// `lambda`: a variant's evaluation there only sums the pairs with `x`.
#[derive(Debug, Clone)]
pub(crate) struct GridPoint {
    pub weights: Weights,
    /// `(A, B, C)` entries for pairs of fixed columns, full `m x m` layout
    /// (entries involving the variant column are unused).
    pub fixed: [Vec<f64>; 3],
}

impl GridPoint {
    /// Precomputes at `lambda` for columns `cols` whose column `x` is the variant's.
    pub fn new(s: &[f64], cols: &[&[f64]], x: usize, lambda: f64) -> Self {
        let weights = Weights::new(s, lambda, true);
        let m = cols.len();
        let mut fixed = [vec![0.0; m * m], vec![0.0; m * m], vec![0.0; m * m]];
        for a in 0..m {
            for b in a..m {
                if a == x || b == x {
                    continue;
                }
                let (p1, p2, p3) = dot3::<true>(&weights.w1, &weights.w2, &weights.w3, cols[a], cols[b]);
                for (mat, v) in fixed.iter_mut().zip([p1, p2, p3]) {
                    mat[a * m + b] = v;
                    mat[b * m + a] = v;
                }
            }
        }
        Self { weights, fixed }
    }
}

/// In-place Cholesky of the leading `k x k` block of `a` (column-major,
/// leading dimension `ld`) into `l`; returns `ln|A|`, or `None` when `A` is
/// not positive definite (collinear columns).
pub(crate) fn cholesky(a: &[f64], ld: usize, k: usize, l: &mut [f64]) -> Option<f64> {
    let mut logdet = 0.0;
    for j in 0..k {
        let mut d = a[j * ld + j];
        for p in 0..j {
            d -= l[p * k + j] * l[p * k + j];
        }
        if d.is_nan() || d <= a[j * ld + j].abs() * 1e-13 || d <= 0.0 {
            return None;
        }
        let dj = d.sqrt();
        l[j * k + j] = dj;
        logdet += 2.0 * dj.ln();
        for i in j + 1..k {
            let mut v = a[j * ld + i];
            for p in 0..j {
                v -= l[p * k + i] * l[p * k + j];
            }
            l[j * k + i] = v / dj;
        }
    }
    Some(logdet)
}

/// `A⁻¹` from the Cholesky factor `l` (`k x k`) into `inv` (column-major `k x k`).
pub(crate) fn chol_inverse(l: &[f64], k: usize, inv: &mut [f64], tmp: &mut [f64]) {
    for col in 0..k {
        // solve L z = e_col, then Lᵀ x = z
        for i in 0..k {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for p in 0..i {
                v -= l[p * k + i] * tmp[p];
            }
            tmp[i] = v / l[i * k + i];
        }
        for i in (0..k).rev() {
            let mut v = tmp[i];
            for p in i + 1..k {
                v -= l[i * k + p] * inv[col * k + p];
            }
            inv[col * k + i] = v / l[i * k + i];
        }
    }
}

/// The data one evaluation reads: eigenvalues and rotated columns.
pub(crate) struct Columns<'a> {
    /// Eigenvalues `s_i` (clipped at 0).
    pub s: &'a [f64],
    /// Rotated design columns `X` (covariates first), then `y` last.
    pub cols: &'a [&'a [f64]],
    /// `ln|XᵀX|` (REML only).
    pub logdet_xtx: f64,
}

/// Evaluates the profiled log-likelihood at `lambda`.
///
/// Returns `None` when `A` is singular at this `lambda` (collinear columns).
pub(crate) fn evaluate(data: &Columns<'_>, lambda: f64, method: Method, need: Need, w: &mut Work) -> Option<LikEval> {
    evaluate_cached(data, lambda, method, need, w, None)
}

/// As [`evaluate`]; with `cache = Some((x, k, point))` and `lambda` equal
/// to the point's, the weights and fixed-column sums come from `point`, only
/// pairs with column `x` are summed, and the sums are memoised as grid
/// point `k` until [`Work::clear_memo`].
pub(crate) fn evaluate_cached(
    data: &Columns<'_>,
    lambda: f64,
    method: Method,
    need: Need,
    w: &mut Work,
    cache: Option<(usize, usize, &GridPoint)>,
) -> Option<LikEval> {
    let m = data.cols.len();
    let k = m - 1; // columns of X
    let n = data.s.len();
    debug_assert!(m <= w.m);
    let cache = cache.filter(|(_, _, g)| g.weights.lambda == lambda);
    // Sums already in `a`, `b` (and `c`) at this lambda: only the small
    // dense algebra below is redone.
    let reuse = w
        .sums_at
        .is_some_and(|(at, with_c)| at == lambda && (with_c || !need.d2));
    // A cached point's memo: read when it has what is needed, written
    // (A and B only) after summing there without `C`.
    let memo = cache.filter(|_| !reuse).map(|(_, k, _)| k);
    let memo_ok = memo.is_some_and(|k| {
        let slot = w.memo_slot(k);
        slot.valid && (slot.with_c || !need.d2)
    });
    if cache.is_none() {
        if w.weights.lambda != lambda {
            w.weights.fill(data.s, lambda, false);
        }
        if need.f && w.weights.sum_ln_d.is_nan() {
            w.weights.sum_ln_d = sum_ln_d(data.s, lambda);
        }
    }
    let wt = match cache {
        Some((_, _, g)) => &g.weights,
        None => &w.weights,
    };
    let (sum_ln_d, tr_hk, tr_hkhk) = (wt.sum_ln_d, wt.tr_hk, wt.tr_hkhk);
    let (w1, w2, w3) = (&wt.w1[..n], &wt.w2[..n], &wt.w3[..n]);
    let memo_hit = reuse || memo_ok;
    let mut memo_with_c = false;
    if let (true, Some(k)) = (memo_ok, memo) {
        let slot = &w.memo[k];
        w.a[..m * m].copy_from_slice(&slot.abc[0][..m * m]);
        w.b[..m * m].copy_from_slice(&slot.abc[1][..m * m]);
        if slot.with_c {
            w.c[..m * m].copy_from_slice(&slot.abc[2][..m * m]);
            memo_with_c = true;
        }
    }
    for a in 0..m {
        for b in a..m {
            if memo_hit {
                break;
            }
            let (p1, p2, p3) = match cache {
                Some((x, _, g)) if a != x && b != x => {
                    (g.fixed[0][a * m + b], g.fixed[1][a * m + b], g.fixed[2][a * m + b])
                }
                _ if need.d2 => dot3::<true>(w1, w2, w3, data.cols[a], data.cols[b]),
                _ => dot3::<false>(w1, w2, w3, data.cols[a], data.cols[b]),
            };
            for (mat, v) in [(&mut w.a, p1), (&mut w.b, p2), (&mut w.c, p3)] {
                mat[a * m + b] = v;
                mat[b * m + a] = v;
            }
        }
    }
    if let (false, Some(kk)) = (memo_hit, memo) {
        let slot = &mut w.memo[kk];
        slot.abc[0][..m * m].copy_from_slice(&w.a[..m * m]);
        slot.abc[1][..m * m].copy_from_slice(&w.b[..m * m]);
        slot.valid = true;
        slot.with_c = false;
    }
    if !reuse {
        w.sums_at = Some((lambda, if memo_hit { memo_with_c } else { need.d2 }));
    }
    let logdet_a = cholesky(&w.a, m, k, &mut w.chol)?;
    chol_inverse(&w.chol, k, &mut w.ainv, &mut w.tmp);
    let (ai, a, b, c) = (&w.ainv, &w.a, &w.b, &w.c);
    let y = k;
    for i in 0..k {
        w.beta[i] = (0..k).map(|j| ai[j * k + i] * a[y * m + j]).sum();
    }
    let beta = &w.beta[..k];
    let ypy = a[y * m + y] - (0..k).map(|j| a[y * m + j] * beta[j]).sum::<f64>();
    // Forms in B: y'PKPy = B_yy - 2 β'B_Xy + β'B_XX β
    let form = |mat: &[f64]| -> f64 {
        let mut v = mat[y * m + y];
        for i in 0..k {
            v -= 2.0 * beta[i] * mat[y * m + i];
            for j in 0..k {
                v += beta[i] * mat[j * m + i] * beta[j];
            }
        }
        v
    };
    let ypkpy = form(b);
    let (df, tr_pk) = match method {
        Method::Reml => {
            let mut tr_ab = 0.0;
            for i in 0..k {
                for j in 0..k {
                    tr_ab += ai[j * k + i] * b[j * m + i];
                }
            }
            ((n - k) as f64, tr_hk - tr_ab)
        }
        Method::Ml => (n as f64, tr_hk),
    };
    let ratio = ypkpy / ypy;
    let d1 = -0.5 * tr_pk + 0.5 * df * ratio;
    let mut out = LikEval {
        f: f64::NAN,
        d1,
        d2: f64::NAN,
        ypy,
    };
    if need.f {
        let c0 = 0.5 * df * (df.ln() - (2.0 * PI).ln() - 1.0);
        out.f = c0 - 0.5 * sum_ln_d - 0.5 * df * ypy.ln();
        if method == Method::Reml {
            out.f -= 0.5 * (logdet_a - data.logdet_xtx);
        }
    }
    if need.d2 {
        // g = B_Xy - B_XX β ; y'PKPKPy = Cform - g'A⁻¹g
        let mut gag = 0.0;
        for i in 0..k {
            let gi = b[y * m + i] - (0..k).map(|j| b[j * m + i] * beta[j]).sum::<f64>();
            for j in 0..k {
                let gj = b[y * m + j] - (0..k).map(|l| b[l * m + j] * beta[l]).sum::<f64>();
                gag += gi * ai[j * k + i] * gj;
            }
        }
        let ypkpkpy = form(c) - gag;
        let tr_pkpk = match method {
            Method::Reml => {
                // tr(D⁻¹KD⁻¹K) - 2 tr(A⁻¹C) + tr((A⁻¹B)²)
                let (mut tr_ac, mut tr_abab) = (0.0, 0.0);
                for i in 0..k {
                    for j in 0..k {
                        tr_ac += ai[j * k + i] * c[j * m + i];
                        // (A⁻¹B)_ij (A⁻¹B)_ji
                        let ab_ij: f64 = (0..k).map(|l| ai[l * k + i] * b[j * m + l]).sum();
                        let ab_ji: f64 = (0..k).map(|l| ai[l * k + j] * b[i * m + l]).sum();
                        tr_abab += ab_ij * ab_ji;
                    }
                }
                tr_hkhk - 2.0 * tr_ac + tr_abab
            }
            Method::Ml => tr_hkhk,
        };
        out.d2 = 0.5 * tr_pkpk + 0.5 * df * (-2.0 * ypkpkpy / ypy + ratio * ratio);
    }
    Some(out)
}

/// `ln|XᵀX|` of the columns (all but the last, which is `y`), or `None`
/// when they are collinear.
pub(crate) fn logdet_xtx(cols: &[&[f64]], w: &mut Work) -> Option<f64> {
    let k = cols.len() - 1;
    let mut g = vec![0.0; k * k];
    for a in 0..k {
        for b in a..k {
            let v: f64 = cols[a].iter().zip(cols[b]).map(|(x, y)| x * y).sum();
            g[a * k + b] = v;
            g[b * k + a] = v;
        }
    }
    cholesky(&g, k, k, &mut w.chol)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finite differences of f agree with d1 and d2, for both methods.
    #[test]
    fn derivatives_match_finite_differences() {
        let n = 40;
        let s: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin().abs() * 3.0).collect();
        let one = vec![1.0; n];
        let x: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos() + 0.1 * i as f64).collect();
        let cols: Vec<&[f64]> = vec![&one, &x, &y];
        let mut w = Work::new(n, 3);
        let logdet = logdet_xtx(&cols, &mut w).unwrap();
        let data = Columns {
            s: &s,
            cols: &cols,
            logdet_xtx: logdet,
        };
        let all = Need { f: true, d2: true };
        for method in [Method::Reml, Method::Ml] {
            for lambda in [0.05, 0.7, 3.0] {
                let h = lambda * 1e-5;
                let e = evaluate(&data, lambda, method, all, &mut w).unwrap();
                let fp = evaluate(&data, lambda + h, method, all, &mut w).unwrap();
                let fm = evaluate(&data, lambda - h, method, all, &mut w).unwrap();
                let d1 = (fp.f - fm.f) / (2.0 * h);
                let d2 = (fp.d1 - fm.d1) / (2.0 * h);
                assert!(
                    (d1 - e.d1).abs() < 1e-6 * (1.0 + d1.abs()),
                    "{method:?} {lambda}: {d1} vs {}",
                    e.d1
                );
                assert!(
                    (d2 - e.d2).abs() < 1e-5 * (1.0 + d2.abs()),
                    "{method:?} {lambda}: {d2} vs {}",
                    e.d2
                );
            }
        }
    }

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

    #[test]
    fn cholesky_inverse() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let mut l = [0.0; 4];
        let ld = cholesky(&a, 2, 2, &mut l).unwrap();
        assert!((ld - 8f64.ln()).abs() < 1e-14);
        let mut inv = [0.0; 4];
        let mut tmp = [0.0; 2];
        chol_inverse(&l, 2, &mut inv, &mut tmp);
        assert!((inv[0] - 3.0 / 8.0).abs() < 1e-15 && (inv[1] + 2.0 / 8.0).abs() < 1e-15);
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2, 2, &mut l).is_none());
    }
}
