//! The null model `y = W a + g + e`, `g ~ N(0, sg2 K)`, `e ~ N(0, se2 I)`,
//! fitted on data rotated by the eigenvectors of `K`.

use faer::{Mat, MatMut, MatRef, Par};

use crate::eigen::Eigen;
use crate::error::{Error, Result};
use crate::likelihood::{evaluate, logdet_xtx, Columns, LikEval, Method, Need, Work};
use crate::optimize::{local_maxima, maximize, Objective, Optimum, Search};
use crate::standardize::Scaling;

/// Fewest samples a mixed model is fitted on: below it the two variance
/// components are not identified in any useful sense (3 samples gave a
/// "heritability" of 0.99997), so the fit is refused.
pub const MIN_SAMPLES: usize = 10;

/// One phenotype's data in the eigenbasis of its samples' GRM: `Uᵀy`,
/// `UᵀW` and the clipped eigenvalues. The phenotype and covariates are
/// centred and scaled first (module `standardize`); fits and scans report
/// in the data's units.
#[derive(Debug, Clone)]
pub struct Rotated {
    /// Clipped eigenvalues `s_i`.
    pub s: Vec<f64>,
    /// Rotated covariate columns `UᵀW` (intercept first).
    pub w: Vec<Vec<f64>>,
    /// Rotated phenotype `Uᵀy`.
    pub y: Vec<f64>,
    /// `tr(K)/n` from the clipped eigenvalues (GEMMA's `trace_G`).
    pub trace_over_n: f64,
    logdet_wtw: f64,
    /// How `y` and `W` were standardised.
    pub(crate) scaling: Scaling,
}

/// What [`Rotated::new`] rotates for covariates `w` and phenotype `y`: the
/// standardised `[W y]`, with how they were standardised. Also made ahead
/// of the decomposition, so that a reduction without eigenvectors can
/// rotate it in the sweeps that find the eigenvalues
/// ([`crate::Eigen::values_only`]).
///
/// # Errors
/// As [`Rotated::new`].
pub(crate) fn to_rotate(w: MatRef<'_, f64>, names: &[String], y: &[f64]) -> Result<(Scaling, Mat<f64>)> {
    let n = y.len();
    let c = w.ncols();
    let (scaling, w, y) = standardized_design(w, names, y)?;
    if n < MIN_SAMPLES {
        return Err(Error::Degenerate(format!(
            "only {n} samples are analysed: a variance-component model needs at least {MIN_SAMPLES} \
             (and hundreds for a heritability estimate worth reporting)"
        )));
    }
    let mut wy = Mat::<f64>::zeros(n, c + 1);
    for j in 0..c {
        for i in 0..n {
            wy[(i, j)] = w[(i, j)];
        }
    }
    for (i, &v) in y.iter().enumerate() {
        wy[(i, c)] = v;
    }
    Ok((scaling, wy))
}

impl Rotated {
    /// Rotates covariates `w` (`n x c`, intercept included by the caller)
    /// and phenotype `y` (both in the eigendecomposition's sample order).
    ///
    /// # Errors
    /// `Degenerate` when `n <= c`, the phenotype is constant, or a covariate
    /// is collinear with earlier ones (named from `names`).
    pub fn new(eigen: &Eigen, w: MatRef<'_, f64>, names: &[String], y: &[f64], par: Par) -> Result<Self> {
        let n = y.len();
        let c = w.ncols();
        assert_eq!(eigen.n(), n, "eigendecomposition and phenotype disagree on n");
        let (scaling, wy) = to_rotate(w, names, y)?;
        let rot = eigen.rotate(wy.as_ref(), par)?;
        let col = |j: usize| (0..n).map(|i| rot[(i, j)]).collect::<Vec<f64>>();
        Self::from_parts((0..c).map(col).collect(), col(c), eigen.clipped_values(), scaling)
    }

    /// The same data without rotation and with all eigenvalues zero: at
    /// `lambda = 0` every test reduces to ordinary least squares.
    ///
    /// # Errors
    /// As [`Rotated::new`].
    pub fn unrotated(w: MatRef<'_, f64>, names: &[String], y: &[f64]) -> Result<Self> {
        let (scaling, w, y) = standardized_design(w, names, y)?;
        let n = y.len();
        let cols = (0..w.ncols()).map(|j| (0..n).map(|i| w[(i, j)]).collect()).collect();
        Self::from_parts(cols, y, vec![0.0; n], scaling)
    }

    /// `raw` (unrotated, from [`Rotated::unrotated`]) whitened by `solve`
    /// (`L⁻¹` applied in place to the `n x (c + 1)` columns `[W, y]`), with
    /// eigenvalues zero: the fixed-ratio tests of [`Scanner::whitened`].
    pub(crate) fn whitened(raw: &Rotated, solve: impl FnOnce(MatMut<'_, f64>)) -> Result<Self> {
        let n = raw.n();
        let cols = raw.columns();
        let mut m = Mat::<f64>::from_fn(n, cols.len(), |i, j| cols[j][i]);
        solve(m.as_mut());
        let c = raw.n_covariates();
        let col = |j: usize| (0..n).map(|i| m[(i, j)]).collect::<Vec<f64>>();
        Self::from_parts((0..c).map(col).collect(), col(c), vec![0.0; n], raw.scaling.clone())
    }

    /// Data already in the eigenbasis: covariates `w`, phenotype `y`,
    /// eigenvalues `s`, and how `y` and `w` were standardised.
    pub(crate) fn from_parts(w: Vec<Vec<f64>>, y: Vec<f64>, s: Vec<f64>, scaling: Scaling) -> Result<Self> {
        let n = y.len();
        let c = w.len();
        let trace_over_n = s.iter().sum::<f64>() / n as f64;
        let mut work = Work::new(n, c + 1);
        let mut cols: Vec<&[f64]> = w.iter().map(Vec::as_slice).collect();
        cols.push(&y);
        let logdet_wtw =
            logdet_xtx(&cols, &mut work).ok_or_else(|| Error::Degenerate("the covariates are collinear".into()))?;
        Ok(Self {
            s,
            w,
            y,
            trace_over_n,
            logdet_wtw,
            scaling,
        })
    }

    /// Number of samples.
    pub fn n(&self) -> usize {
        self.y.len()
    }

    /// Number of covariates, intercept included.
    pub fn n_covariates(&self) -> usize {
        self.w.len()
    }

    /// Columns `[W..., y]` for likelihood evaluation.
    pub(crate) fn columns(&self) -> Vec<&[f64]> {
        let mut cols: Vec<&[f64]> = self.w.iter().map(Vec::as_slice).collect();
        cols.push(&self.y);
        cols
    }
}

/// The design standardised (module `standardize`) after the checks that
/// refuse it: too few samples, a constant phenotype, collinear covariates
/// (naming the first one that is; checked on the standardised columns,
/// so an offset covariate is not mistaken for a collinear one).
fn standardized_design(w: MatRef<'_, f64>, names: &[String], y: &[f64]) -> Result<(Scaling, Mat<f64>, Vec<f64>)> {
    let n = y.len();
    let c = w.ncols();
    assert_eq!(names.len(), c);
    if n <= c + 1 {
        return Err(Error::Degenerate(format!(
            "{n} samples cannot fit {c} covariate(s) and a variant: need more samples than covariates + 1"
        )));
    }
    let (scaling, w, y) = Scaling::standardize(w, y)?;
    let mut l = vec![0.0; c * c];
    let wtw = w.transpose() * &w;
    for k in 1..=c {
        let g: Vec<f64> = (0..k * k).map(|idx| wtw[(idx % k, idx / k)]).collect();
        if crate::likelihood::cholesky(&g, k, k, &mut l).is_none() {
            return Err(Error::Degenerate(format!(
                "covariate '{}' is collinear with the intercept and the covariates before it",
                names[k - 1]
            )));
        }
    }
    Ok((scaling, w, y))
}

struct NullObjective<'a> {
    data: Columns<'a>,
    method: Method,
    work: Work,
}

impl<'a> NullObjective<'a> {
    /// The likelihood by `method` of `rot`'s phenotype on its covariates
    /// (`cols`, from [`Rotated::columns`]).
    fn new(rot: &'a Rotated, cols: &'a [&'a [f64]], method: Method) -> Self {
        Self {
            data: Columns {
                s: &rot.s,
                cols,
                logdet_xtx: rot.logdet_wtw,
            },
            method,
            work: Work::new(rot.n(), rot.n_covariates() + 1),
        }
    }
}

/// The `lambda`s of the null likelihood's interior local maxima by
/// `method` (the null model's own estimate among them unless it sits at
/// an end of the range). A variant moves the likelihood only a little, so
/// the exact scan starts each per-variant root search at the null maximum
/// in the same grid interval: a few Newton steps instead of a search from
/// the interval's ends. Empty when none is interior or the likelihood
/// cannot be evaluated.
pub(crate) fn null_maxima(rot: &Rotated, method: Method, search: &Search) -> Vec<f64> {
    let cols = rot.columns();
    let mut obj = NullObjective::new(rot, &cols, method);
    local_maxima(&mut obj, search, &[])
        .map(|found| found.iter().map(|o| o.lambda).collect())
        .unwrap_or_default()
}

impl Objective for NullObjective<'_> {
    fn eval(&mut self, lambda: f64, need_f: bool, need_d2: bool) -> Option<LikEval> {
        evaluate(
            &self.data,
            lambda,
            self.method,
            Need { f: need_f, d2: need_d2 },
            &mut self.work,
        )
    }
}

/// A fitted null model.
#[derive(Debug, Clone, PartialEq)]
pub struct NullModel {
    /// The likelihood whose maximum gives `lambda`, `sigma_g2`, `sigma_e2`, `pve`.
    pub method: Method,
    /// `sigma_g2 / sigma_e2` at the maximum.
    pub lambda: f64,
    /// Log-likelihood of `method` at its maximum.
    pub loglik: f64,
    /// Log-likelihood of `method` without the genetic effect (`lambda =
    /// 0`, the same fixed effects): the null hypothesis of [`NullModel::h2_test`].
    pub loglik_no_grm: f64,
    /// Whether `lambda` sits at an end of the search range (pve near 0 or 1).
    pub at_boundary: bool,
    /// Genetic variance `sigma_g2 = lambda sigma_e2`.
    pub sigma_g2: f64,
    /// Residual variance `yᵀPy / (n - c)` (REML) or `yᵀPy / n` (ML).
    pub sigma_e2: f64,
    /// Covariate effects (intercept first).
    pub beta: Vec<f64>,
    /// Their standard errors.
    pub beta_se: Vec<f64>,
    /// Proportion of variance explained, `lambda tr(K)/n / (lambda tr(K)/n + 1)`.
    pub pve: f64,
    /// Standard error of `pve` by the delta method from the curvature of
    /// the log-likelihood in `lambda`.
    pub pve_se: f64,
    /// REML `lambda` and log-likelihood (GEMMA's `l_remle_null`, `logl_remle_H0`).
    pub reml: (f64, f64),
    /// ML `lambda` and log-likelihood (GEMMA's `l_mle_null`, `logl_mle_H0`),
    /// used by the likelihood-ratio and score tests.
    pub ml: (f64, f64),
    /// Samples.
    pub n: usize,
    /// Covariates including the intercept.
    pub n_covariates: usize,
}

/// The likelihood-ratio test of `sigma_g2 = 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct H2Test {
    /// `2 (loglik - loglik_no_grm)`, at least 0 (and 0 when `lambda` sits
    /// at the lower end of its search range).
    pub statistic: f64,
    /// Its p-value under the 50:50 mixture of chi-square 0 and 1 that the
    /// boundary null hypothesis gives (Self & Liang 1987; GCTA reports the
    /// same): `P(chi2_1 > statistic) / 2`, and 1 at a statistic of 0.
    pub p_value: f64,
}

impl NullModel {
    /// Is there genetic variance at all: the test of `sigma_g2 = 0`.
    pub fn h2_test(&self) -> H2Test {
        // At the lower end of the search range (lambda = 1e-5) the estimate
        // is the boundary itself: sigma_g2 = 0, nothing gained.
        let at_zero = self.at_boundary && self.lambda < 1.0;
        let statistic = if at_zero {
            0.0
        } else {
            (2.0 * (self.loglik - self.loglik_no_grm)).max(0.0)
        };
        let p_value = if statistic > 0.0 {
            0.5 * crate::pvalue::chi2_1_sf(statistic)
        } else {
            1.0
        };
        H2Test { statistic, p_value }
    }

    /// Parameters the likelihood counts: the two variances, and under ML
    /// also the fixed effects (REML's likelihood is of the error contrasts,
    /// which have none).
    fn n_parameters(&self) -> f64 {
        match self.method {
            Method::Reml => 2.0,
            Method::Ml => (2 + self.n_covariates) as f64,
        }
    }

    /// Akaike's criterion `-2 loglik + 2 k` (k: [`Self::n_parameters`]).
    /// Under REML, compare only models with the same fixed effects.
    pub fn aic(&self) -> f64 {
        -2.0 * self.loglik + 2.0 * self.n_parameters()
    }

    /// The Bayesian criterion `-2 loglik + k ln(N)`, with `N = n - c`
    /// under REML (the error contrasts) and `n` under ML.
    pub fn bic(&self) -> f64 {
        let big_n = match self.method {
            Method::Reml => self.n - self.n_covariates,
            Method::Ml => self.n,
        };
        -2.0 * self.loglik + self.n_parameters() * (big_n as f64).ln()
    }
}

/// Fits the null model by REML or ML (both optima are always computed: the
/// likelihood-ratio test needs the ML one).
///
/// # Errors
/// `NoConvergence` when the likelihood cannot be evaluated.
pub fn fit_null(rot: &Rotated, method: Method, search: &Search) -> Result<NullModel> {
    let n = rot.n();
    let c = rot.n_covariates();
    let cols = rot.columns();
    let mut obj = NullObjective::new(rot, &cols, Method::Reml);
    let fail = || Error::NoConvergence("the null model's likelihood could not be evaluated".into());
    let reml: Optimum = maximize(&mut obj, search, &[]).ok_or_else(fail)?;
    obj.method = Method::Ml;
    let ml: Optimum = maximize(&mut obj, search, &[]).ok_or_else(fail)?;
    let best = if method == Method::Reml { reml } else { ml };
    obj.method = method;
    let no_grm = obj.eval(0.0, true, false).ok_or_else(fail)?;
    let e = obj.eval(best.lambda, true, true).ok_or_else(fail)?;
    let df = match method {
        Method::Reml => (n - c) as f64,
        Method::Ml => n as f64,
    };
    let sc = &rot.scaling;
    let sigma_e2 = e.ypy / df;
    let cov: Vec<f64> = obj.work.ainv[..c * c].iter().map(|a| a * sigma_e2).collect();
    let (beta, beta_se) = sc.effects(&obj.work.beta[..c], &cov);
    let t = rot.trace_over_n;
    let lam = best.lambda;
    let se_lambda = (-1.0 / e.d2).sqrt();
    let pve = t * lam / (t * lam + 1.0);
    let pve_se = t / ((t * lam + 1.0) * (t * lam + 1.0)) * se_lambda;
    let (df_reml, df_ml) = ((n - c) as f64, n as f64);
    let sigma_e2 = sc.variance(sigma_e2);
    Ok(NullModel {
        method,
        lambda: lam,
        loglik: sc.loglik(best.f, df),
        loglik_no_grm: sc.loglik(no_grm.f, df),
        at_boundary: best.at_boundary,
        sigma_g2: lam * sigma_e2,
        sigma_e2,
        beta,
        beta_se,
        pve,
        pve_se,
        reml: (reml.lambda, sc.loglik(reml.f, df_reml)),
        ml: (ml.lambda, sc.loglik(ml.f, df_ml)),
        n,
        n_covariates: c,
    })
}

#[cfg(test)]
#[path = "null_model_tests.rs"]
pub(crate) mod tests;
