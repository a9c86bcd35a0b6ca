//! The likelihood at a grid point from the variant's sums alone.
//!
//! At a grid `lambda` every variant shares the covariates' part of `A` and
//! `B`. With `G = A_WW⁻¹` and `P₀` the projection of the covariates alone,
//! adding the variant's column `x` is a rank-one update:
//! `P = P₀ - P₀x xᵀP₀ / s` with `s = xᵀP₀x = a_xx - a_xWᵀ G a_Wx`, the
//! last pivot of `A_XX`'s Cholesky factor. Every term of the first
//! derivative (and of the likelihood) then follows from `s`, `t = xᵀP₀y`,
//! `xᵀP₀KP₀x` and `xᵀP₀KP₀y`, which take `O(c²)` operations given the
//! covariates' terms precomputed once per point ([`Schur`]). The grid's
//! sign scan evaluates every variant at every point, so this replaces a
//! `(c+1)`-column factorisation, inverse and traces there.

use std::f64::consts::PI;

use super::dense::{chol_inverse, cholesky};
use super::{LikEval, Method};

/// Most covariates this path serves (its per-variant scratch is on the
/// stack); with more, evaluations take the general path.
const MAX_COVARIATES: usize = 16;

/// The covariates' terms at one grid point (`c` covariates; the design
/// columns are laid out as in the scan: covariates, the variant, `y`).
#[derive(Debug, Clone)]
pub(crate) struct Schur {
    /// `G = A_WW⁻¹`, `c x c` column-major.
    g: Vec<f64>,
    /// `G a_Wy`: the covariates' GLS coefficients.
    gy: Vec<f64>,
    /// `a_Wy`.
    a_wy: Vec<f64>,
    /// `B_WW G a_Wy - b_Wy`.
    bgy: Vec<f64>,
    /// `B_WW`, `c x c` column-major.
    b_ww: Vec<f64>,
    /// `yᵀP₀y`.
    ypy0: f64,
    /// `yᵀP₀KP₀y`.
    ypkpy0: f64,
    /// `tr(G B_WW)`.
    tr_gb: f64,
    /// `ln|A_WW|`.
    ln_det: f64,
}

impl Schur {
    /// The covariates' terms from the full `m x m` matrices `a` and `b`
    /// (`m = c + 2`; entries of column `c`, the variant's, are not read).
    /// `None` when `A_WW` is singular (every variant's evaluation fails
    /// there, and the general path reports it).
    pub fn new(a: &[f64], b: &[f64], m: usize) -> Option<Self> {
        let c = m.checked_sub(2)?;
        if c > MAX_COVARIATES {
            return None;
        }
        let y = m - 1;
        let sub = |mat: &[f64]| -> Vec<f64> {
            let mut out = vec![0.0; c * c];
            for j in 0..c {
                for i in 0..c {
                    out[j * c + i] = mat[j * m + i];
                }
            }
            out
        };
        let (a_ww, b_ww) = (sub(a), sub(b));
        let mut l = vec![0.0; c * c];
        let ln_det = if c == 0 { 0.0 } else { cholesky(&a_ww, c, c, &mut l)? };
        let mut g = vec![0.0; c * c];
        let mut tmp = vec![0.0; c];
        chol_inverse(&l, c, &mut g, &mut tmp);
        let a_wy: Vec<f64> = (0..c).map(|i| a[y * m + i]).collect();
        let b_wy: Vec<f64> = (0..c).map(|i| b[y * m + i]).collect();
        let gy = mat_vec(&g, c, &a_wy);
        let bg = mat_vec(&b_ww, c, &gy);
        let bgy: Vec<f64> = bg.iter().zip(&b_wy).map(|(p, q)| p - q).collect();
        let ypy0 = a[y * m + y] - dot(&a_wy, &gy);
        let ypkpy0 = b[y * m + y] - 2.0 * dot(&gy, &b_wy) + dot(&gy, &bg);
        let mut tr_gb = 0.0;
        for i in 0..c {
            for j in 0..c {
                tr_gb += g[j * c + i] * b_ww[i * c + j];
            }
        }
        Some(Self {
            g,
            gy,
            a_wy,
            bgy,
            b_ww,
            ypy0,
            ypkpy0,
            tr_gb,
            ln_det,
        })
    }

    /// The likelihood's first derivative (and the likelihood when `need_f`)
    /// at the point, for the variant whose sums with the columns are `ax`
    /// (`A`) and `bx` (`B`), indexed as the columns (covariates, the
    /// variant's square at `c`, `y` at `c + 1`). `totals` are the point's
    /// weight sums `(Σ ln d, tr(D⁻¹K))`, `n` the number of samples and
    /// `logdet_xtx` `ln|XᵀX|` with the variant (REML only). `None` when the
    /// variant's column is collinear with the covariates at this point (the
    /// test the general path's factorisation applies to its last pivot).
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        &self,
        ax: &[f64],
        bx: &[f64],
        totals: (f64, f64),
        n: usize,
        method: Method,
        need_f: bool,
        logdet_xtx: f64,
    ) -> Option<LikEval> {
        let c = self.gy.len();
        let (a_wx, a_xx, a_xy) = (&ax[..c], ax[c], ax[c + 1]);
        let (b_wx, b_xx, b_xy) = (&bx[..c], bx[c], bx[c + 1]);
        // u = G a_Wx, s = a_xx - a_Wxᵀu, t = xᵀP₀y
        let mut u = [0.0f64; MAX_COVARIATES];
        let u = &mut u[..c];
        for (i, ui) in u.iter_mut().enumerate() {
            *ui = (0..c).map(|j| self.g[j * c + i] * a_wx[j]).sum();
        }
        let s = a_xx - dot(a_wx, u);
        if s.is_nan() || s <= a_xx.abs() * 1e-13 || s <= 0.0 {
            return None;
        }
        let t = a_xy - dot(u, &self.a_wy);
        // xᵀP₀KP₀x and xᵀP₀KP₀y
        let mut ubu = 0.0;
        for i in 0..c {
            for j in 0..c {
                ubu += u[i] * self.b_ww[j * c + i] * u[j];
            }
        }
        let q_xx = b_xx - 2.0 * dot(u, b_wx) + ubu;
        let q_xy = b_xy - dot(b_wx, &self.gy) + dot(u, &self.bgy);
        let r = t / s;
        let ypy = self.ypy0 - t * r;
        let ypkpy = self.ypkpy0 - 2.0 * r * q_xy + r * r * q_xx;
        let (sum_ln_d, tr_hk) = totals;
        let (df, tr_pk) = match method {
            Method::Reml => ((n - c - 1) as f64, tr_hk - self.tr_gb - q_xx / s),
            Method::Ml => (n as f64, tr_hk),
        };
        let d1 = -0.5 * tr_pk + 0.5 * df * (ypkpy / ypy);
        let mut out = LikEval {
            f: f64::NAN,
            d1,
            d2: f64::NAN,
            ypy,
        };
        if need_f {
            let c0 = 0.5 * df * (df.ln() - (2.0 * PI).ln() - 1.0);
            out.f = c0 - 0.5 * sum_ln_d - 0.5 * df * ypy.ln();
            if method == Method::Reml {
                out.f -= 0.5 * ((self.ln_det + s.ln()) - logdet_xtx);
            }
        }
        Some(out)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// `M v` for a `c x c` column-major `M`.
fn mat_vec(m: &[f64], c: usize, v: &[f64]) -> Vec<f64> {
    (0..c).map(|i| (0..c).map(|j| m[j * c + i] * v[j]).sum()).collect()
}
