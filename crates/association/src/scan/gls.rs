//! Generalised least squares at one fixed `lambda`: the null projection
//! `P_W` applied to a variant in O(n c), and the one place where a
//! variant's effect, standard error and residual precision are formed.

use crate::likelihood::{dot, dot_w, evaluate, Columns, Method, Need, Work};
use crate::null_model::Rotated;

/// A variant's effect estimate under the model with covariates and the
/// variant: `beta = xᵀP_W y / xᵀP_W x`, `tau = df / yᵀP_{W,x} y` (the
/// residual precision), `se = sqrt(1 / (tau xᵀP_W x))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Estimate {
    /// Effect of one more copy of A1.
    pub beta: f64,
    /// Its standard error.
    pub se: f64,
    /// `df / yᵀP_{W,x} y`.
    pub tau: f64,
    /// `xᵀ P_W x`.
    pub xpx: f64,
    /// `yᵀ P_{W,x} y`.
    pub ypy_h1: f64,
}

impl Estimate {
    /// From the fitted coefficient `beta`, `xᵀP_W x` and the residual sum
    /// of squares `yᵀP_{W,x} y` of the model with the variant.
    pub fn new(beta: f64, xpx: f64, ypy_h1: f64, df: f64) -> Self {
        let tau = df / ypy_h1;
        Self {
            beta,
            se: (1.0 / (tau * xpx)).sqrt(),
            tau,
            xpx,
            ypy_h1,
        }
    }

    /// From the projections `xᵀP_W y`, `xᵀP_W x` and the null model's
    /// `yᵀP_W y` (`yᵀP_{W,x} y = yᵀP_W y - (xᵀP_W y)² / xᵀP_W x`).
    pub fn from_projection(xpy: f64, xpx: f64, ypy_h0: f64, df: f64) -> Self {
        Self::new(xpy / xpx, xpx, ypy_h0 - xpy * xpy / xpx, df)
    }

    /// The Wald statistic `beta² / se²`, `F(1, df)` under the null.
    pub fn wald(&self) -> f64 {
        self.beta * self.beta * self.xpx * self.tau
    }
}

/// Quantities of the null projection `P_W` at a fixed `lambda`, for O(n c)
/// tests per variant.
#[derive(Debug, Clone)]
pub(crate) struct AtLambda {
    /// `1 / (lambda s_i + 1)`.
    w: Vec<f64>,
    /// `P_W y`.
    py: Vec<f64>,
    /// `(Wᵀ D⁻¹ W)⁻¹`, `c x c`.
    ainv: Vec<f64>,
    /// `yᵀ P_W y`.
    pub ypy: f64,
    /// The ML log-likelihood of the null model at this `lambda` (of the
    /// standardised data, as the per-variant likelihoods are).
    pub logl_ml: f64,
}

impl AtLambda {
    /// The projection at `lambda`; `None` when the covariates are
    /// collinear there.
    pub fn new(rot: &Rotated, lambda: f64) -> Option<Self> {
        let n = rot.n();
        let c = rot.n_covariates();
        let cols = rot.columns();
        let mut work = Work::new(n, c + 1);
        let data = Columns {
            s: &rot.s,
            cols: &cols,
            logdet_xtx: 0.0,
        };
        let e = evaluate(&data, lambda, Method::Ml, Need { f: true, d2: false }, &mut work)?;
        let w: Vec<f64> = rot.s.iter().map(|&s| 1.0 / (lambda * s + 1.0)).collect();
        let py = (0..n)
            .map(|i| w[i] * (rot.y[i] - (0..c).map(|j| rot.w[j][i] * work.beta[j]).sum::<f64>()))
            .collect();
        Some(Self {
            w,
            py,
            ainv: work.ainv[..c * c].to_vec(),
            ypy: e.ypy,
            logl_ml: e.f,
        })
    }

    /// `(xᵀ P_W y, xᵀ P_W x)` for a rotated variant `x`; `t` is scratch of
    /// length `c`.
    pub fn project(&self, rot: &Rotated, x: &[f64], t: &mut [f64]) -> (f64, f64) {
        let c = t.len();
        let xpy = dot(x, &self.py);
        let xdx = dot_w(x, x, &self.w);
        for (j, tj) in t.iter_mut().enumerate() {
            *tj = dot_w(&rot.w[j], x, &self.w);
        }
        let mut quad = 0.0;
        for i in 0..c {
            for j in 0..c {
                quad += t[i] * self.ainv[j * c + i] * t[j];
            }
        }
        (xpy, xdx - quad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The projection route and the direct route give the same estimate.
    #[test]
    fn estimate_from_projection_equals_direct_formula() {
        let (xpy, xpx, ypy0, df) = (2.5, 4.0, 30.0, 97.0);
        let e = Estimate::from_projection(xpy, xpx, ypy0, df);
        assert_eq!(e.beta, 0.625);
        let ypy1 = ypy0 - xpy * xpy / xpx;
        assert_eq!(e, Estimate::new(0.625, xpx, ypy1, df));
        assert!((e.se - (ypy1 / df / xpx).sqrt()).abs() < 1e-15);
        assert!((e.wald() - e.beta * e.beta / (e.se * e.se)).abs() < 1e-12);
    }

    /// Unrotated data at `lambda = 0` is ordinary least squares: the
    /// projection of `x` equals the residual algebra of regression on an
    /// intercept (of the standardised phenotype).
    #[test]
    fn projection_at_zero_is_least_squares() {
        let n = 12;
        let names = vec!["intercept".to_string()];
        let w = faer::Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() + 0.1 * i as f64).collect();
        let rot = Rotated::unrotated(w.as_ref(), &names, &y).expect("valid design");
        let at = AtLambda::new(&rot, 0.0).expect("evaluates");
        let x: Vec<f64> = (0..n).map(|i| ((i * 5) % 3) as f64).collect();
        let (xpy, xpx) = at.project(&rot, &x, &mut [0.0]);
        let mx = x.iter().sum::<f64>() / n as f64;
        let my = y.iter().sum::<f64>() / n as f64;
        let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
        let syy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
        // the fit sees y standardised: y' = (y - mean) / sd
        let sd = rot.scaling.y_sd;
        assert!((sd - (syy / n as f64).sqrt()).abs() < 1e-12);
        assert!((xpy - sxy / sd).abs() < 1e-12 && (xpx - sxx).abs() < 1e-12);
        assert!((at.ypy - syy / (sd * sd)).abs() < 1e-12);
    }
}
