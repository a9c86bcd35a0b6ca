//! The mixed model's predictions in the eigenbasis of the analysed samples'
//! GRM: the BLUP of the genetic effect, its prediction error variance, and
//! the same for relatives without a phenotype.
//!
//! With `K = U diag(s) Uᵀ`, `V = σg² K + σe² I`, `h_k = σg² s_k + σe²` and
//! `r = y - X β̂` (β̂ the GLS estimate at the fitted variances):
//!
//! - `û = σg² K V⁻¹ r = U (σg² s / h ∘ Uᵀ r)`;
//! - `PEV = diag(G - G P G)` with `G = σg² K` and
//!   `P = V⁻¹ - V⁻¹ X (Xᵀ V⁻¹ X)⁻¹ Xᵀ V⁻¹` (Henderson: the error of û,
//!   counting the estimation of β̂). Per sample,
//!   `PEV_i = Σ_k U_ik² σg² s_k σe² / h_k + a_iᵀ M⁻¹ a_i` with
//!   `A = G V⁻¹ X = U diag(σg² s / h) Uᵀ X` and `M = Xᵀ V⁻¹ X`;
//! - for a sample `m` outside the fit, with `g_m = σg² K_om` its covariances
//!   with the analysed samples: `û_m = g_mᵀ V⁻¹ r` and
//!   `PEV_m = σg² K_mm - g_mᵀ P g_m`.
//!
//! Everything is O(n²) per phenotype beyond one `n x c` and (for relatives)
//! one `n_m x n` multiply by `U`.

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::DenseSolveCore;
use faer::{Accum, Mat, MatRef, Par, Side};

use crate::error::{Error, Result};

/// The fitted variances and fixed effects a prediction uses, in the data's
/// units.
#[derive(Debug, Clone, PartialEq)]
pub struct Variances {
    /// Genetic variance `σg²` (per unit of the GRM).
    pub sigma_g2: f64,
    /// Residual variance `σe²`.
    pub sigma_e2: f64,
    /// GLS fixed effects, one per column of the design.
    pub beta: Vec<f64>,
}

/// One phenotype's model solved in the eigenbasis: what every prediction
/// (analysed samples, relatives, SNP effects) needs.
#[derive(Debug)]
pub struct Solution<'a> {
    u: MatRef<'a, f64>,
    s: Vec<f64>,
    h: Vec<f64>,
    v: Variances,
    /// `Uᵀ X`.
    xt: Mat<f64>,
    /// `(Xᵀ V⁻¹ X)⁻¹`.
    m_inv: Mat<f64>,
    /// `Uᵀ r / h`: `V⁻¹ r` in the eigenbasis.
    wt: Vec<f64>,
}

impl<'a> Solution<'a> {
    /// Solves the model with eigenvectors `u`, clipped eigenvalues `s`,
    /// design `x` (`n x c`, intercept included), phenotype `y` and fitted
    /// variances `v`.
    ///
    /// # Errors
    /// `Degenerate` when `Xᵀ V⁻¹ X` is not positive definite (collinear
    /// covariates) or a variance is not positive.
    pub fn new(u: MatRef<'a, f64>, s: &[f64], x: MatRef<'_, f64>, y: &[f64], v: Variances, par: Par) -> Result<Self> {
        let n = y.len();
        assert_eq!(
            (u.nrows(), u.ncols(), s.len(), x.nrows()),
            (n, n, n, n),
            "one row per sample"
        );
        assert_eq!(v.beta.len(), x.ncols(), "one fixed effect per design column");
        if !(v.sigma_e2 > 0.0 && v.sigma_g2 >= 0.0) {
            return Err(Error::Degenerate(format!(
                "no prediction from variances sigma_g2 = {}, sigma_e2 = {}",
                v.sigma_g2, v.sigma_e2
            )));
        }
        let h: Vec<f64> = s.iter().map(|&sk| v.sigma_g2 * sk + v.sigma_e2).collect();
        let r = Mat::<f64>::from_fn(n, 1, |i, _| {
            y[i] - (0..x.ncols()).map(|j| x[(i, j)] * v.beta[j]).sum::<f64>()
        });
        let mut xr = Mat::<f64>::zeros(n, x.ncols() + 1);
        xr.as_mut().subcols_mut(0, x.ncols()).copy_from(x);
        xr.as_mut().col_mut(x.ncols()).copy_from(r.col(0));
        let mut rot = Mat::<f64>::zeros(n, x.ncols() + 1);
        matmul(rot.as_mut(), Accum::Replace, u.transpose(), xr.as_ref(), 1.0, par);
        let c = x.ncols();
        let xt = rot.as_ref().subcols(0, c).to_owned();
        let wt: Vec<f64> = (0..n).map(|k| rot[(k, c)] / h[k]).collect();
        let m = Mat::<f64>::from_fn(c, c, |a, b| (0..n).map(|k| xt[(k, a)] * xt[(k, b)] / h[k]).sum());
        let m_inv = m
            .llt(Side::Lower)
            .map_err(|_| Error::Degenerate("the covariates are collinear under the fitted model".into()))?
            .inverse();
        Ok(Self {
            u,
            s: s.to_vec(),
            h,
            v,
            xt,
            m_inv,
            wt,
        })
    }

    /// `V⁻¹ r` on the analysed samples: SNP effects are `σg² Zᵀ (V⁻¹ r) / M`.
    pub fn v_inv_r(&self) -> Vec<f64> {
        mul_u(self.u, &self.wt)
    }

    /// The variances and fixed effects the solution uses.
    pub fn variances(&self) -> &Variances {
        &self.v
    }

    /// The analysed samples' `(û, PEV, K_ii)`, in their order.
    pub fn observed(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let n = self.s.len();
        let Variances {
            sigma_g2: vg,
            sigma_e2: ve,
            ..
        } = self.v;
        let scaled: Vec<f64> = (0..n).map(|k| vg * self.s[k] * self.wt[k]).collect();
        let u_hat = mul_u(self.u, &scaled);
        let pev_weight: Vec<f64> = (0..n).map(|k| vg * self.s[k] * ve / self.h[k]).collect();
        let mut pev = weighted_row_squares(self.u, &pev_weight);
        let k_diag = weighted_row_squares(self.u, &self.s);
        // A = U diag(σg² s / h) Uᵀ X; PEV += diag(A M⁻¹ Aᵀ).
        let c = self.xt.ncols();
        let d = Mat::<f64>::from_fn(n, c, |k, j| vg * self.s[k] / self.h[k] * self.xt[(k, j)]);
        let mut a = Mat::<f64>::zeros(n, c);
        matmul(a.as_mut(), Accum::Replace, self.u, d.as_ref(), 1.0, Par::Seq);
        add_quadratic(&mut pev, a.as_ref(), self.m_inv.as_ref());
        (u_hat, pev, k_diag)
    }

    /// Samples outside the fit, from their GRM entries `k_mo` (`n_m x n`,
    /// with the analysed samples in their order) and `k_mm` (their GRM
    /// diagonal): `(û_m, PEV_m)`.
    pub fn relatives(&self, k_mo: MatRef<'_, f64>, k_mm: &[f64], par: Par) -> (Vec<f64>, Vec<f64>) {
        let (nm, n) = (k_mo.nrows(), self.s.len());
        assert_eq!((k_mo.ncols(), k_mm.len()), (n, nm), "relatives' GRM entries");
        let vg = self.v.sigma_g2;
        // T = σg² K_mo U: row m is (Uᵀ g_m)ᵀ.
        let mut t = Mat::<f64>::zeros(nm, n);
        matmul(t.as_mut(), Accum::Replace, k_mo, self.u, vg, par);
        let u_hat: Vec<f64> = (0..nm).map(|m| (0..n).map(|k| t[(m, k)] * self.wt[k]).sum()).collect();
        let inv_h: Vec<f64> = self.h.iter().map(|h| 1.0 / h).collect();
        let quad = weighted_row_squares(t.as_ref(), &inv_h);
        // B = T diag(1/h) Uᵀ X: row m is (Xᵀ V⁻¹ g_m)ᵀ.
        let c = self.xt.ncols();
        let d = Mat::<f64>::from_fn(n, c, |k, j| self.xt[(k, j)] * inv_h[k]);
        let mut b = Mat::<f64>::zeros(nm, c);
        matmul(b.as_mut(), Accum::Replace, t.as_ref(), d.as_ref(), 1.0, par);
        let mut pev: Vec<f64> = (0..nm).map(|m| vg * k_mm[m] - quad[m]).collect();
        add_quadratic(&mut pev, b.as_ref(), self.m_inv.as_ref());
        (u_hat, pev)
    }
}

/// `U v`.
fn mul_u(u: MatRef<'_, f64>, v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; u.nrows()];
    for (k, &vk) in v.iter().enumerate() {
        for (o, &x) in out.iter_mut().zip(u.col(k).iter()) {
            *o += x * vk;
        }
    }
    out
}

/// `Σ_k a_ik² w_k` for every row `i` of `a`.
fn weighted_row_squares(a: MatRef<'_, f64>, w: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; a.nrows()];
    for (k, &wk) in w.iter().enumerate() {
        for (o, &x) in out.iter_mut().zip(a.col(k).iter()) {
            *o += x * x * wk;
        }
    }
    out
}

/// `out_i += a_iᵀ m a_i` for every row `a_i` of `a`.
fn add_quadratic(out: &mut [f64], a: MatRef<'_, f64>, m: MatRef<'_, f64>) {
    let c = a.ncols();
    for (i, o) in out.iter_mut().enumerate() {
        let mut q = 0.0;
        for p in 0..c {
            for r in 0..c {
                q += a[(i, p)] * m[(p, r)] * a[(i, r)];
            }
        }
        *o += q;
    }
}

/// Reliability `1 - PEV / (σg² K_ii)` (`NaN` where `σg² K_ii` is 0: nothing
/// to predict).
pub fn reliability(pev: f64, sigma_g2: f64, k_ii: f64) -> f64 {
    let prior = sigma_g2 * k_ii;
    if prior > 0.0 {
        1.0 - pev / prior
    } else {
        f64::NAN
    }
}

#[cfg(test)]
#[path = "solve_tests.rs"]
mod tests;
