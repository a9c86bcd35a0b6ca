//! Average-information REML for `V = Σ σ_i² K_i + σ_e² I` (Gilmour,
//! Thompson & Cullis 1995; GCTA's and GEMMA's `-vc 2` algorithm).
//!
//! With `P = V⁻¹ - V⁻¹ X (Xᵀ V⁻¹ X)⁻¹ Xᵀ V⁻¹` and `K_{m+1} = I`:
//! - the restricted log-likelihood is
//!   `l = -½ ((n - c) log 2π + log|V| + log|Xᵀ V⁻¹ X| - log|Xᵀ X| + yᵀ P y)`
//!   (GEMMA's constants, as the single-kernel fit);
//! - its gradient `∂l/∂σ_i² = -½ (tr(P K_i) - yᵀ P K_i P y)`;
//! - the average information `AI_ij = ½ yᵀ P K_i P K_j P y`, the mean of the
//!   observed and expected information, costs only matrix-vector products.
//!
//! Each iteration factorises `V` once (Cholesky) and forms `V⁻¹`: `O(n³)`.
//! Steps are Newton steps with `AI`, halved while the likelihood falls.
//! Variances stay non-negative: a component that a step would take below
//! zero is held at zero (reported as at the boundary), and released when
//! its gradient there points back into the interior. Standard errors come
//! from `AI⁻¹` over the free components at the optimum (a component at the
//! boundary gets SE 0, GCTA's convention).

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::DenseSolveCore;
use faer::{Accum, Mat, MatRef, Par, Side};

use super::he::haseman_elston;
use super::{check_inputs, shares, Component, Kernel, VcFit, VcMethod};
use crate::error::{Error, Result};

/// Stopping rules of [`ai_reml`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RemlControl {
    /// Converged when no variance moves by more than this times the
    /// phenotypic variance in one step.
    pub tolerance: f64,
    /// Give up after this many iterations.
    pub max_iterations: usize,
}

impl Default for RemlControl {
    fn default() -> Self {
        Self {
            tolerance: 1e-9,
            max_iterations: 200,
        }
    }
}

/// The quantities of one evaluation at `sigma`.
struct Eval {
    loglik: f64,
    /// `∂l/∂σ²`, kernels then residual.
    grad: Vec<f64>,
    /// The average-information matrix.
    ai: Mat<f64>,
    /// GLS fixed effects and `(Xᵀ V⁻¹ X)⁻¹`.
    beta: Vec<f64>,
    beta_cov: Mat<f64>,
}

/// REML estimates of the variance components of `y` with design `x`
/// (intercept included) and `kernels` (centred, over the same samples),
/// started from Haseman-Elston.
///
/// # Errors
/// `Degenerate` for too few samples, collinear covariates or a constant
/// phenotype; `NoConvergence` when `V` stops being positive definite or
/// the iterations do not settle within `control.max_iterations`.
pub fn ai_reml(y: &[f64], x: MatRef<'_, f64>, kernels: &[Kernel], control: RemlControl, par: Par) -> Result<VcFit> {
    check_inputs(y, x, kernels)?;
    let m = kernels.len();
    let vp = variance(y);
    if vp.is_nan() || vp <= 0.0 {
        return Err(Error::Degenerate("the phenotype is constant".into()));
    }
    let mut sigma = start(y, x, kernels, vp, par);
    let mut held = vec![false; m + 1];
    let mut cur = evaluate(y, x, kernels, &sigma, par)?;
    let mut iterations = 0;
    loop {
        if iterations == control.max_iterations {
            return Err(Error::NoConvergence(format!(
                "AI-REML did not settle in {} iterations (variances {:?})",
                control.max_iterations, sigma
            )));
        }
        iterations += 1;
        // Release a held component whose gradient points inwards.
        for (h, g) in held.iter_mut().zip(&cur.grad) {
            if *h && *g > 0.0 {
                *h = false;
            }
        }
        let step = newton_step(&cur, &held)?;
        let mut t = 1.0;
        let (next, eval) = loop {
            let mut cand: Vec<f64> = sigma.iter().zip(&step).map(|(s, d)| s + t * d).collect();
            cand.iter_mut().filter(|c| **c < 0.0).for_each(|c| *c = 0.0);
            if cand[m] <= 0.0 {
                cand[m] = 1e-6 * vp;
            }
            match evaluate(y, x, kernels, &cand, par) {
                Ok(e) if e.loglik >= cur.loglik - 1e-10 * cur.loglik.abs().max(1.0) => break (cand, e),
                _ if t > 1e-4 => t *= 0.5,
                Ok(e) => break (cand, e),
                Err(e) => return Err(e),
            }
        };
        for (h, s) in held.iter_mut().zip(&next).take(m) {
            *h = *s == 0.0;
        }
        let moved = next.iter().zip(&sigma).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        sigma = next;
        cur = eval;
        if moved <= control.tolerance * vp {
            break;
        }
    }
    finish(kernels, &sigma, &held, cur, iterations, y.len(), x.ncols())
}

/// The restricted log-likelihood at the variances `sigma` (one per kernel,
/// then the residual's), with the constants of [`ai_reml`]: to compare an
/// estimate from elsewhere (another tool's) with kindred's optimum.
///
/// # Errors
/// As [`ai_reml`]'s inputs; `NoConvergence` when `V` is not positive
/// definite at `sigma`.
pub fn reml_loglik(y: &[f64], x: MatRef<'_, f64>, kernels: &[Kernel], sigma: &[f64], par: Par) -> Result<f64> {
    check_inputs(y, x, kernels)?;
    assert_eq!(
        sigma.len(),
        kernels.len() + 1,
        "one variance per kernel and the residual's"
    );
    Ok(evaluate(y, x, kernels, sigma, par)?.loglik)
}

/// The Newton step `AI⁻¹ ∇l` over the free components (held ones stay).
fn newton_step(e: &Eval, held: &[bool]) -> Result<Vec<f64>> {
    let free: Vec<usize> = (0..held.len()).filter(|&i| !held[i]).collect();
    let k = free.len();
    let a = Mat::from_fn(k, k, |i, j| e.ai[(free[i], free[j])]);
    let inv = a
        .llt(Side::Lower)
        .map_err(|_| Error::NoConvergence("the average-information matrix is singular".into()))?
        .inverse();
    let mut step = vec![0.0; held.len()];
    for (i, &fi) in free.iter().enumerate() {
        step[fi] = (0..k).map(|j| inv[(i, j)] * e.grad[free[j]]).sum();
    }
    Ok(step)
}

/// The starting point: Haseman-Elston's estimates where they are usable,
/// each kernel's variance kept within (1%, 100%) of the phenotypic
/// variance, and the residual what remains (at least 10%).
fn start(y: &[f64], x: MatRef<'_, f64>, kernels: &[Kernel], vp: f64, par: Par) -> Vec<f64> {
    let m = kernels.len();
    let he = haseman_elston(y, x, kernels, par).ok();
    let mut sigma: Vec<f64> = (0..m)
        .map(|i| {
            let s = he.as_ref().map_or(f64::NAN, |f| f.components[i].sigma2);
            let cap = vp / kernels[i].trace_over_n.max(1e-12);
            if s.is_finite() {
                s.clamp(0.01 * cap, cap)
            } else {
                0.5 * cap / m as f64
            }
        })
        .collect();
    let genetic: f64 = (0..m).map(|i| sigma[i] * kernels[i].trace_over_n).sum();
    if genetic > 0.9 * vp {
        let f = 0.9 * vp / genetic;
        sigma.iter_mut().for_each(|s| *s *= f);
    }
    let genetic: f64 = (0..m).map(|i| sigma[i] * kernels[i].trace_over_n).sum();
    sigma.push((vp - genetic).max(0.1 * vp));
    sigma
}

/// Likelihood, gradient and average information at `sigma`.
fn evaluate(y: &[f64], x: MatRef<'_, f64>, kernels: &[Kernel], sigma: &[f64], par: Par) -> Result<Eval> {
    let n = y.len();
    let c = x.ncols();
    let m = kernels.len();
    let mut v = Mat::<f64>::zeros(n, n);
    for (k, &s) in kernels.iter().zip(sigma) {
        if s != 0.0 {
            v += &k.matrix * s;
        }
    }
    for i in 0..n {
        v[(i, i)] += sigma[m];
    }
    let not_pd = || Error::NoConvergence(format!("V is not positive definite at variances {sigma:?}"));
    let llt = v.llt(Side::Lower).map_err(|_| not_pd())?;
    let l = llt.L();
    let logdet_v: f64 = 2.0 * (0..n).map(|i| l[(i, i)].ln()).sum::<f64>();
    drop(v);
    let mut p = llt.inverse();
    drop(llt);
    // B = V⁻¹ X, M = Xᵀ V⁻¹ X.
    let mut b = Mat::<f64>::zeros(n, c);
    matmul(b.as_mut(), Accum::Replace, p.as_ref(), x, 1.0, par);
    let xm = x.transpose() * &b;
    let m_llt = xm
        .llt(Side::Lower)
        .map_err(|_| Error::Degenerate("the covariates are collinear (Xᵀ V⁻¹ X is singular)".into()))?;
    let ml = m_llt.L();
    let logdet_m: f64 = 2.0 * (0..c).map(|i| ml[(i, i)].ln()).sum::<f64>();
    let m_inv = m_llt.inverse();
    // P = V⁻¹ - B M⁻¹ Bᵀ.
    let bm = &b * &m_inv;
    matmul(p.as_mut(), Accum::Add, bm.as_ref(), b.transpose(), -1.0, par);
    let yv = Mat::from_fn(n, 1, |i, _| y[i]);
    let mut py = Mat::<f64>::zeros(n, 1);
    matmul(py.as_mut(), Accum::Replace, p.as_ref(), yv.as_ref(), 1.0, par);
    let ypy: f64 = (0..n).map(|i| y[i] * py[(i, 0)]).sum();
    // K_i P y (residual: P y), then P K_i P y, all as columns.
    let mut kpy = Mat::<f64>::zeros(n, m + 1);
    for (i, k) in kernels.iter().enumerate() {
        matmul(
            kpy.as_mut().col_mut(i).as_mat_mut(),
            Accum::Replace,
            k.matrix.as_ref(),
            py.as_ref(),
            1.0,
            par,
        );
    }
    kpy.as_mut().col_mut(m).copy_from(py.col(0));
    let mut pkpy = Mat::<f64>::zeros(n, m + 1);
    matmul(pkpy.as_mut(), Accum::Replace, p.as_ref(), kpy.as_ref(), 1.0, par);
    let mut grad = Vec::with_capacity(m + 1);
    for (i, k) in kernels.iter().enumerate() {
        let tr = super::he::frobenius(p.as_ref(), k.matrix.as_ref());
        let ykpky: f64 = (0..n).map(|a| py[(a, 0)] * kpy[(a, i)]).sum();
        grad.push(-0.5 * (tr - ykpky));
    }
    let tr_p: f64 = (0..n).map(|i| p[(i, i)]).sum();
    let ypp: f64 = (0..n).map(|a| py[(a, 0)] * py[(a, 0)]).sum();
    grad.push(-0.5 * (tr_p - ypp));
    let ai = Mat::from_fn(m + 1, m + 1, |i, j| {
        0.5 * (0..n).map(|a| kpy[(a, i)] * pkpy[(a, j)]).sum::<f64>()
    });
    let xtx = x.transpose() * x;
    let logdet_xtx: f64 = match xtx.llt(Side::Lower) {
        Ok(l) => 2.0 * (0..c).map(|i| l.L()[(i, i)].ln()).sum::<f64>(),
        Err(_) => return Err(Error::Degenerate("the covariates are collinear".into())),
    };
    let loglik = -0.5 * ((n - c) as f64 * (2.0 * std::f64::consts::PI).ln() + logdet_v + logdet_m - logdet_xtx + ypy);
    // β = M⁻¹ Bᵀ y.
    let bty = b.transpose() * &yv;
    let beta: Vec<f64> = (0..c)
        .map(|i| (0..c).map(|j| m_inv[(i, j)] * bty[(j, 0)]).sum())
        .collect();
    Ok(Eval {
        loglik,
        grad,
        ai,
        beta,
        beta_cov: m_inv,
    })
}

/// The fit at the optimum: standard errors from `AI⁻¹` over the free
/// components.
fn finish(
    kernels: &[Kernel],
    sigma: &[f64],
    held: &[bool],
    e: Eval,
    iterations: usize,
    n: usize,
    c: usize,
) -> Result<VcFit> {
    let m = kernels.len();
    let free: Vec<usize> = (0..=m).filter(|&i| !held[i]).collect();
    let k = free.len();
    let a = Mat::from_fn(k, k, |i, j| e.ai[(free[i], free[j])]);
    let inv = a
        .llt(Side::Lower)
        .map_err(|_| Error::NoConvergence("the average-information matrix is singular at the optimum".into()))?
        .inverse();
    let mut cov = Mat::<f64>::zeros(m + 1, m + 1);
    for (i, &fi) in free.iter().enumerate() {
        for (j, &fj) in free.iter().enumerate() {
            cov[(fi, fj)] = inv[(i, j)];
        }
    }
    let t: Vec<f64> = kernels.iter().map(|k| k.trace_over_n).collect();
    let (pve, pve_se, total_pve, total_pve_se) = shares(sigma, &t, cov.as_ref());
    let mut components: Vec<Component> = kernels
        .iter()
        .enumerate()
        .map(|(i, k)| Component {
            name: k.name.clone(),
            sigma2: sigma[i],
            sigma2_se: cov[(i, i)].max(0.0).sqrt(),
            pve: pve[i],
            pve_se: pve_se[i],
            at_boundary: held[i],
            trace_over_n: k.trace_over_n,
        })
        .collect();
    components.push(Component {
        name: "residual".into(),
        sigma2: sigma[m],
        sigma2_se: cov[(m, m)].max(0.0).sqrt(),
        pve: 1.0 - total_pve,
        pve_se: total_pve_se,
        at_boundary: false,
        trace_over_n: 1.0,
    });
    let beta_se = (0..c).map(|i| e.beta_cov[(i, i)].max(0.0).sqrt()).collect();
    Ok(VcFit {
        method: VcMethod::Reml,
        components,
        total_pve,
        total_pve_se,
        loglik: Some(e.loglik),
        beta: e.beta,
        beta_se,
        iterations,
        n,
        n_covariates: c,
    })
}

/// Variance with the `n - 1` denominator.
fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
}
