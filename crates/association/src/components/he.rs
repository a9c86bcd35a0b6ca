//! Haseman-Elston regression with several kernels, as GEMMA's `-vc 1`
//! computes it (Zhou 2017, "A unified framework for variance component
//! estimation with summary statistics"):
//!
//! 1. each centred kernel is projected off the covariates, `K̃ = M K M`
//!    with `M = I - W (WᵀW)⁻¹ Wᵀ`, and scaled to mean diagonal one
//!    (`t̃_i` its former mean diagonal);
//! 2. `y` is projected the same way and standardised (`yᵀy / n = 1`);
//! 3. with `r = n / (n - c)`, the moment equations `S p = q` with
//!    `q_i = yᵀ K̃_i y - r n` and `S_ij = tr(K̃_i K̃_j) - r n` give the
//!    shares `p` on the transformed scale; their covariance is
//!    `S⁻¹ Q S⁻¹` with `Q = 2 (Σ_l p_l A_l + (1 - Σ p) A_0)`,
//!    `A_l[i, j] = z_iᵀ K̃_l z_j`, `A_0[i, j] = z_iᵀ z_j`, `z_i = K̃_i y - r y`;
//! 4. back on the data's scale, `σ_i² = p_i v / t̃_i` (`v` the variance of
//!    the projected phenotype), `σ_e² = (1 - Σ p) r v`, and
//!    `pve_i = σ_i² t_i / var(y)` with `t_i` the centred kernel's mean
//!    diagonal.
//!
//! Everything is `O(n² (c + m²))`: no matrix is inverted or factorised
//! beyond `c x c` and `m x m`.

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::DenseSolveCore;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

use super::{check_inputs, Component, Kernel, VcFit, VcMethod};
use crate::error::{Error, Result};

/// Haseman-Elston estimates of the variance components of `y` with design
/// `x` (intercept included) and `kernels` (centred, over the same samples).
///
/// # Errors
/// `Degenerate` for too few samples, collinear covariates, a constant
/// phenotype after the covariates, a kernel that is zero once projected
/// off the covariates, or kernels whose moment equations are singular
/// (two kernels equal up to scale).
pub fn haseman_elston(y: &[f64], x: MatRef<'_, f64>, kernels: &[Kernel], par: Par) -> Result<VcFit> {
    check_inputs(y, x, kernels)?;
    let n = y.len();
    let nf = n as f64;
    let c = x.ncols();
    let m = kernels.len();
    let proj = Projector::new(x)?;

    let var_y = variance(y);
    let mut ys = proj.residual(y);
    let var_y_new = variance(&ys);
    if var_y_new.is_nan() || var_y_new <= 0.0 {
        return Err(Error::Degenerate(
            "the phenotype is constant once the covariates are fitted".into(),
        ));
    }
    let mean = ys.iter().sum::<f64>() / nf;
    let sd = var_y_new.sqrt();
    ys.iter_mut().for_each(|v| *v = (*v - mean) / sd);

    // Each K̃ = M K M / t̃ is held as K and a rank-2c correction, never
    // formed: a formed copy is an n x n matrix per kernel (3.2 GB of fresh
    // pages at n = 20,000).
    let mut scaled = Vec::with_capacity(m);
    let mut t_new = Vec::with_capacity(m);
    for k in kernels {
        let mut ks = proj.project(k.matrix.as_ref(), par);
        let t = ks.diag_sum(&proj) / nf;
        if t.is_nan() || t <= 0.0 {
            return Err(Error::Degenerate(format!(
                "kernel '{}' is zero once the covariates are projected out",
                k.name
            )));
        }
        ks.scale = 1.0 / t;
        scaled.push(ks);
        t_new.push(t);
    }

    let r = nf / (nf - c as f64);
    let yv = Mat::from_fn(n, 1, |i, _| ys[i]);
    // z_i = K̃_i y - r y, q_i = yᵀ z_i.
    let z: Vec<Vec<f64>> = scaled
        .iter()
        .map(|ks| {
            let kz = ks.apply(&proj, yv.as_ref(), par);
            (0..n).map(|i| kz[(i, 0)] - r * ys[i]).collect()
        })
        .collect();
    let q: Vec<f64> = z.iter().map(|zi| dot(zi, &ys)).collect();
    let mut s = Mat::<f64>::zeros(m, m);
    for i in 0..m {
        for j in 0..=i {
            let v = Projected::frobenius(&scaled[i], &scaled[j], &proj) - r * nf;
            s[(i, j)] = v;
            s[(j, i)] = v;
        }
    }
    let s_inv = s.partial_piv_lu().inverse();
    if !(0..m).all(|i| (0..m).all(|j| s_inv[(i, j)].is_finite())) {
        return Err(Error::Degenerate(
            "the Haseman-Elston equations are singular: two kernels are proportional".into(),
        ));
    }
    let p: Vec<f64> = (0..m).map(|i| (0..m).map(|j| s_inv[(i, j)] * q[j]).sum()).collect();
    let p_rest = 1.0 - p.iter().sum::<f64>();

    // Q = 2 (Σ_l p_l A_l + (1 - Σ p) A_0).
    let zm = Mat::from_fn(n, m, |i, j| z[j][i]);
    let mut qv = Mat::from_fn(m, m, |i, j| p_rest * dot(&z[i], &z[j]));
    for (l, ks) in scaled.iter().enumerate() {
        let kz = ks.apply(&proj, zm.as_ref(), par);
        for i in 0..m {
            for j in 0..m {
                qv[(i, j)] += p[l] * (0..n).map(|a| zm[(a, i)] * kz[(a, j)]).sum::<f64>();
            }
        }
    }
    let cov_p = &s_inv * (&qv * 2.0) * &s_inv;

    // Back to the data's scale; the residual's variance is r v (1 - Σ p).
    let factor: Vec<f64> = (0..m).map(|i| var_y_new / t_new[i]).collect();
    let mut components = Vec::with_capacity(m + 1);
    let mut total_pve = 0.0;
    let mut total_var = 0.0;
    for (i, k) in kernels.iter().enumerate() {
        let to_pve = factor[i] * k.trace_over_n / var_y;
        total_pve += p[i] * to_pve;
        let se_p = cov_p[(i, i)].max(0.0).sqrt();
        components.push(Component {
            name: k.name.clone(),
            sigma2: p[i] * factor[i],
            sigma2_se: se_p * factor[i],
            pve: p[i] * to_pve,
            pve_se: se_p * to_pve,
            at_boundary: false,
            trace_over_n: k.trace_over_n,
        });
        for j in 0..m {
            total_var += cov_p[(i, j)] * to_pve * factor[j] * kernels[j].trace_over_n / var_y;
        }
    }
    let sum_cov: f64 = (0..m).map(|i| (0..m).map(|j| cov_p[(i, j)]).sum::<f64>()).sum();
    let total_pve_se = total_var.max(0.0).sqrt();
    components.push(Component {
        name: "residual".into(),
        sigma2: p_rest * r * var_y_new,
        sigma2_se: sum_cov.max(0.0).sqrt() * r * var_y_new,
        pve: 1.0 - total_pve,
        pve_se: total_pve_se,
        at_boundary: false,
        trace_over_n: 1.0,
    });
    Ok(VcFit {
        method: VcMethod::He,
        components,
        total_pve,
        total_pve_se,
        loglik: None,
        beta: Vec::new(),
        beta_se: Vec::new(),
        iterations: 0,
        n,
        n_covariates: c,
    })
}

/// Projection off the columns of a design: `M = I - W (WᵀW)⁻¹ Wᵀ`.
pub(crate) struct Projector<'a> {
    w: MatRef<'a, f64>,
    /// `W (WᵀW)⁻¹`.
    b: Mat<f64>,
}

impl<'a> Projector<'a> {
    /// The projector of `w`'s columns.
    ///
    /// # Errors
    /// `Degenerate` when the columns are collinear.
    pub(crate) fn new(w: MatRef<'a, f64>) -> Result<Self> {
        let wtw = w.transpose() * w;
        let inv = wtw
            .llt(faer::Side::Lower)
            .map_err(|_| Error::Degenerate("the covariates are collinear".into()))?
            .inverse();
        Ok(Self { w, b: w * inv })
    }

    /// `M y`.
    pub(crate) fn residual(&self, y: &[f64]) -> Vec<f64> {
        let c = self.w.ncols();
        let wty: Vec<f64> = (0..c)
            .map(|j| (0..y.len()).map(|i| self.w[(i, j)] * y[i]).sum())
            .collect();
        (0..y.len())
            .map(|i| y[i] - (0..c).map(|j| self.b[(i, j)] * wty[j]).sum::<f64>())
            .collect()
    }

    /// `M K M` for a symmetric `k`, held as `k` and its correction
    /// `K - A Bᵀ - B Aᵀ + B (Wᵀ A) Bᵀ = K + L Bᵀ - B Aᵀ` with `A = K W`,
    /// `B = W (WᵀW)⁻¹`, `L = B (WᵀA) - A`: `O(n² c)` to make, no `n x n`
    /// copy.
    fn project<'k>(&self, k: MatRef<'k, f64>, par: Par) -> Projected<'k> {
        let n = k.nrows();
        let c = self.w.ncols();
        let mut a = Mat::<f64>::zeros(n, c);
        matmul(a.as_mut(), Accum::Replace, k, self.w, 1.0, par);
        let wta = self.w.transpose() * &a;
        let mut left = &self.b * &wta;
        left -= &a;
        Projected { k, left, a, scale: 1.0 }
    }
}

/// `scale · M K M`, never formed (see [`Projector::project`]).
struct Projected<'k> {
    k: MatRef<'k, f64>,
    /// `B (WᵀA) - A`.
    left: Mat<f64>,
    /// `K W`.
    a: Mat<f64>,
    scale: f64,
}

impl Projected<'_> {
    /// Entry `(i, j)` of `M K M` less `K_ij`: `L_i · B_j - B_i · A_j`.
    fn correction(&self, b: &Mat<f64>, i: usize, j: usize) -> f64 {
        (0..b.ncols())
            .map(|c| self.left[(i, c)] * b[(j, c)] - b[(i, c)] * self.a[(j, c)])
            .sum()
    }

    /// `tr(M K M)` (unscaled).
    fn diag_sum(&self, p: &Projector<'_>) -> f64 {
        (0..self.k.nrows())
            .map(|i| self.k[(i, i)] + self.correction(&p.b, i, i))
            .sum()
    }

    /// `scale · M K M v`.
    fn apply(&self, p: &Projector<'_>, v: MatRef<'_, f64>, par: Par) -> Mat<f64> {
        let mut out = Mat::<f64>::zeros(v.nrows(), v.ncols());
        matmul(out.as_mut(), Accum::Replace, self.k, v, self.scale, par);
        let btv = p.b.transpose() * v;
        let atv = self.a.transpose() * v;
        matmul(
            out.as_mut(),
            Accum::Add,
            self.left.as_ref(),
            btv.as_ref(),
            self.scale,
            par,
        );
        matmul(out.as_mut(), Accum::Add, p.b.as_ref(), atv.as_ref(), -self.scale, par);
        out
    }

    /// `tr(P Q)` of two scaled projected kernels (the sum of their
    /// elementwise product), column by column in parallel; the columns'
    /// sums are added in order, so the result does not depend on the
    /// number of threads.
    fn frobenius(x: &Projected<'_>, y: &Projected<'_>, p: &Projector<'_>) -> f64 {
        let n = x.k.nrows();
        let cols: Vec<f64> = (0..n)
            .into_par_iter()
            .map(|j| {
                (0..n)
                    .map(|i| (x.k[(i, j)] + x.correction(&p.b, i, j)) * (y.k[(i, j)] + y.correction(&p.b, i, j)))
                    .sum::<f64>()
            })
            .collect();
        cols.iter().sum::<f64>() * x.scale * y.scale
    }
}

/// Variance with the `n` denominator (GEMMA's `VectorVar`).
fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|x| x * x).sum::<f64>() / n - m * m
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `tr(A B)` for symmetric `A`, `B`: the sum of their elementwise product.
pub(crate) fn frobenius(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    (0..a.ncols())
        .map(|j| (0..a.nrows()).map(|i| a[(i, j)] * b[(i, j)]).sum::<f64>())
        .sum()
}
