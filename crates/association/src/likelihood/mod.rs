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
//!
//! This file holds the formulas; the O(n) sums are in `sums` (weights,
//! SIMD kernels) and `grid` (cross-products, per-`lambda` precomputation),
//! their reuse between evaluations in `cache`, and the small dense algebra
//! in `dense`.

mod cache;
mod dense;
mod grid;
mod schur;
mod series;
mod sums;

use std::f64::consts::PI;

pub(crate) use cache::Work;
pub(crate) use dense::{chol_inverse, cholesky, logdet_xtx};
use dense::{g_ainv_g, quad_form, trace_ai, trace_ai_sq};
pub(crate) use grid::GridPoint;
pub(crate) use series::{Expansion, MOMENTS};
pub(crate) use sums::{dot, dot_w};

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
    /// The log-likelihood itself.
    pub f: bool,
    /// The second derivative (needs the `C` sums).
    pub d2: bool,
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
    let totals = w.load_sums(data, lambda, need, cache);
    dense::factor(&w.a, m, k, &mut w.chol)?;
    chol_inverse(&w.chol, k, &mut w.ainv, &mut w.tmp);
    let (ai, a, b, c) = (&w.ainv, &w.a, &w.b, &w.c);
    let y = k;
    for i in 0..k {
        w.beta[i] = (0..k).map(|j| ai[j * k + i] * a[y * m + j]).sum();
    }
    let beta = &w.beta[..k];
    let ypy = a[y * m + y] - (0..k).map(|j| a[y * m + j] * beta[j]).sum::<f64>();
    // y'PKPy = B_yy - 2 β'B_Xy + β'B_XX β
    let ypkpy = quad_form(b, m, beta);
    let (df, tr_pk) = match method {
        Method::Reml => ((n - k) as f64, totals.tr_hk - trace_ai(ai, b, m, k)),
        Method::Ml => (n as f64, totals.tr_hk),
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
        out.f = c0 - 0.5 * totals.sum_ln_d - 0.5 * df * ypy.ln();
        if method == Method::Reml {
            out.f -= 0.5 * (dense::logdet_of(&w.chol, k) - data.logdet_xtx);
        }
    }
    if need.d2 {
        // y'PKPKPy = C_yy - 2 β'C_Xy + β'C_XX β - g'A⁻¹g, g = B_Xy - B_XX β
        let ypkpkpy = quad_form(c, m, beta) - g_ainv_g(ai, b, m, beta);
        let tr_pkpk = match method {
            // tr(D⁻¹KD⁻¹K) - 2 tr(A⁻¹C) + tr((A⁻¹B)²)
            Method::Reml => totals.tr_hkhk - 2.0 * trace_ai(ai, c, m, k) + trace_ai_sq(ai, b, m, k),
            Method::Ml => totals.tr_hkhk,
        };
        out.d2 = 0.5 * tr_pkpk + 0.5 * df * (-2.0 * ypkpkpy / ypy + ratio * ratio);
    }
    Some(out)
}

/// The rank-one path at cached point `k` ([`schur`]): `Some(result)` when
/// it applies (the point has the covariates' terms and `w` the variant's
/// sums there from [`Work::prefill`]), `None` when the caller must take
/// [`evaluate_cached`]. The result equals the general path's `d1`, `ypy`
/// and (with `need_f`) `f` up to rounding; `A_XX⁻¹` and `β` in `w` are
/// left untouched.
pub(crate) fn evaluate_point(
    data: &Columns<'_>,
    point: &GridPoint,
    k: usize,
    method: Method,
    need_f: bool,
    w: &Work,
) -> Option<Option<LikEval>> {
    let schur = point.schur.as_ref()?;
    let (ax, bx) = w.point_pairs(k, data.cols.len())?;
    let totals = (point.weights.sum_ln_d, point.weights.tr_hk);
    Some(schur.evaluate(ax, bx, totals, data.s.len(), method, need_f, data.logdet_xtx))
}

#[cfg(test)]
mod cached_tests;

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
}
