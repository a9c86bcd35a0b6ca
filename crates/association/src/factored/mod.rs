//! Null-model quantities from a Cholesky factor of `H = lambda K + I`, no
//! eigendecomposition: the whitening of the fixed-ratio scans
//! (`scan::whitened`) and the variance ratio that maximises the REML or
//! ML likelihood, for LOCO scans that re-estimate it per chromosome.
//!
//! The likelihoods are GEMMA's (module `likelihood`), profiled over the
//! residual variance; their derivatives in `lambda` need, besides
//! solves, `tr(H⁻¹) = ‖L⁻¹‖²_F` (`n³/3` flops by block solves):
//!
//! * REML: `d1 = -½ [tr(PK) - (n - c) yᵀPKPy / yᵀPy]`, with
//!   `tr(PK) = (n - c - tr P) / lambda`,
//!   `tr P = tr(H⁻¹) - tr(A⁻¹ WᵀH⁻²W)`, `A = WᵀH⁻¹W`, and
//!   `yᵀPKPy = (yᵀPy - ‖Py‖²) / lambda` (as `PHP = P`);
//! * ML: `d1 = -½ [(n - tr H⁻¹) / lambda - n yᵀPKPy / yᵀPy]`.
//!
//! The root of `d1` is found from a start (the whole genome's `lambda`, close
//! to a chromosome's) by a Newton step with the average-information
//! curvature, then secant steps, to the same tolerance as the eigenbasis
//! fit ([`crate::optimize::ROOT_TOL`]); about five evaluations, each a
//! factorisation and a triangular inverse (`2n³/3` flops).

mod whitener;

use faer::{Mat, Par};

pub(crate) use whitener::Whitener;

use crate::error::{Error, Result};
use crate::likelihood::{chol_inverse, cholesky, Method};
use crate::null_model::Rotated;
use crate::optimize::{Search, ROOT_TOL};

/// The REML (or ML) likelihood of the standardised, unrotated design
/// against `K` of `wh`, evaluated from one factorisation (and, for its
/// derivative, one triangular inverse) per `lambda`.
struct Factored<'a> {
    wh: &'a mut Whitener,
    /// `[W, y]`, `n x (c + 1)`.
    wy: Mat<f64>,
    method: Method,
    par: Par,
}

/// One evaluation: the log-likelihood up to a constant, and when asked its
/// derivative and the average-information curvature.
#[derive(Debug, Clone, Copy)]
struct At {
    f: f64,
    d1: f64,
    /// `-½ m (s/q - r²/q²)`, `m` = `n - c` (REML) or `n` (ML), `q = yᵀPy`,
    /// `r = yᵀPKPy`, `s = yᵀPKPKPy`: the second derivative with
    /// `½ tr(PKPK)` replaced by its expectation `½ m s / q` (cheap: solves).
    ai: f64,
}

impl Factored<'_> {
    /// The log-likelihood at `lambda`, up to a constant (`-½ [(n - c)
    /// ln yᵀPy + ln|H| + ln|A|]` for REML, `-½ [n ln yᵀPy + ln|H|]` for ML),
    /// and with `need_d1` its derivative and curvature (else `NaN`; they
    /// cost the triangular inverse).
    fn at(&mut self, lambda: f64, need_d1: bool) -> Result<At> {
        self.wh.factor(lambda, self.par)?;
        let (n, c) = (self.wy.nrows(), self.wy.ncols() - 1);
        let mut z = self.wy.clone();
        self.wh.solve_h(z.as_mut(), self.par);
        // A = WᵀH⁻¹W and WᵀH⁻¹y; Pv = H⁻¹v - H⁻¹W A⁻¹ Wᵀ H⁻¹v
        let dot = |a: &Mat<f64>, i: usize, b: &Mat<f64>, j: usize| -> f64 {
            a.col(i).iter().zip(b.col(j).iter()).map(|(x, y)| x * y).sum()
        };
        let mut a = vec![0.0; c * c];
        let mut bmat = vec![0.0; c * c];
        for i in 0..c {
            for j in 0..c {
                a[j * c + i] = dot(&self.wy, i, &z, j);
                bmat[j * c + i] = dot(&z, i, &z, j);
            }
        }
        let mut l = vec![0.0; c * c];
        let mut ainv = vec![0.0; c * c];
        let mut tmp = vec![0.0; c];
        let logdet_a =
            cholesky(&a, c, c, &mut l).ok_or_else(|| Error::Degenerate("the covariates are collinear".into()))?;
        chol_inverse(&l, c, &mut ainv, &mut tmp);
        // P v from H⁻¹v (`hv`) and Wᵀ H⁻¹v (`wthv`)
        let project = |hv: &[f64], wthv: &[f64]| -> Vec<f64> {
            let coef: Vec<f64> = (0..c)
                .map(|i| (0..c).map(|j| ainv[j * c + i] * wthv[j]).sum())
                .collect();
            (0..n)
                .map(|r| hv[r] - (0..c).map(|j| z[(r, j)] * coef[j]).sum::<f64>())
                .collect()
        };
        let zy: Vec<f64> = z.col(c).iter().copied().collect();
        let wty: Vec<f64> = (0..c).map(|i| dot(&self.wy, i, &z, c)).collect();
        let py = project(&zy, &wty);
        let q: f64 = py.iter().zip(self.wy.col(c).iter()).map(|(p, y)| p * y).sum();
        let (nf, cf) = (n as f64, c as f64);
        let m = match self.method {
            Method::Reml => nf - cf,
            Method::Ml => nf,
        };
        let f = match self.method {
            Method::Reml => -0.5 * (m * q.ln() + self.wh.logdet() + logdet_a),
            Method::Ml => -0.5 * (m * q.ln() + self.wh.logdet()),
        };
        if !need_d1 {
            return Ok(At {
                f,
                d1: f64::NAN,
                ai: f64::NAN,
            });
        }
        // K Py = (H Py - Py) / lambda, H Py = L Lᵀ Py
        let hpy = self.wh.mul_h(&py);
        let kpy: Vec<f64> = hpy.iter().zip(&py).map(|(h, p)| (h - p) / lambda).collect();
        let r: f64 = py.iter().zip(&kpy).map(|(p, k)| p * k).sum();
        let mut hk = Mat::<f64>::from_fn(n, 1, |i, _| kpy[i]);
        self.wh.solve_h(hk.as_mut(), self.par);
        let hk: Vec<f64> = hk.col(0).iter().copied().collect();
        let wthk: Vec<f64> = (0..c)
            .map(|i| self.wy.col(i).iter().zip(&hk).map(|(w, v)| w * v).sum())
            .collect();
        let pkpy = project(&hk, &wthk);
        let s_: f64 = kpy.iter().zip(&pkpy).map(|(k, p)| k * p).sum();
        let tr_hinv = self.wh.trace_inverse(self.par);
        let d1 = match self.method {
            Method::Reml => {
                let tr_ainv_b: f64 = (0..c)
                    .map(|i| (0..c).map(|j| ainv[j * c + i] * bmat[i * c + j]).sum::<f64>())
                    .sum();
                let tr_p = tr_hinv - tr_ainv_b;
                -0.5 * ((m - tr_p) / lambda - m * r / q)
            }
            Method::Ml => -0.5 * ((nf - tr_hinv) / lambda - m * r / q),
        };
        let ai = -0.5 * m * (s_ / q - r * r / (q * q));
        if !d1.is_finite() || !f.is_finite() {
            return Err(Error::NoConvergence(format!(
                "the likelihood or its derivative is not finite at lambda = {lambda:e}"
            )));
        }
        Ok(At { f, d1, ai })
    }
}

/// The `lambda` in `[l_min, l_max]` where the REML (or ML) likelihood of
/// `raw` (from [`Rotated::unrotated`]) against `K` of `wh` peaks: the root
/// of its derivative found from `start`, or an end of the range where the
/// likelihood is higher (the eigenbasis fit's rule, which also looks for
/// roots in every interval of a grid: a second, better interior peak far
/// from `start` would be missed). Leaves `wh` factored at some `lambda`
/// (at the one returned when it is the root: factoring it again is free).
///
/// # Errors
/// `NoConvergence` when `lambda K + I` cannot be factored or the
/// derivative is not finite.
pub(crate) fn fit_ratio(
    wh: &mut Whitener,
    raw: &Rotated,
    method: Method,
    search: &Search,
    start: f64,
    par: Par,
) -> Result<f64> {
    let cols = raw.columns();
    let n = raw.n();
    let wy = Mat::<f64>::from_fn(n, cols.len(), |i, j| cols[j][i]);
    let mut obj = Factored { wh, wy, method, par };
    // As the eigenbasis fit: the best of the two ends and the root, the
    // root last so that the factor left is at it when it wins.
    let ends = [search.l_min, search.l_max].map(|end| obj.at(end, false).map(|e| (end, e.f)));
    let mut best = local_root(&mut obj, search, start)?;
    for end in ends {
        let (l, f) = end?;
        if f > best.1 {
            best = (l, f);
        }
    }
    Ok(best.0)
}

/// The root of the derivative near `start` (or the end of the range the
/// likelihood rises towards), in `t = ln lambda`: a Newton step with the
/// average-information curvature first, then secant steps, kept inside
/// the bracket once the derivative has changed sign (bisection when a step
/// leaves it), to [`ROOT_TOL`] in `t`; returns it with the likelihood there.
fn local_root(obj: &mut Factored<'_>, search: &Search, start: f64) -> Result<(f64, f64)> {
    let (t_min, t_max) = (search.l_min.ln(), search.l_max.ln());
    let mut t = start.clamp(search.l_min, search.l_max).ln();
    let mut lambda = start.clamp(search.l_min, search.l_max);
    let mut e = obj.at(lambda, true)?;
    let mut prev: Option<(f64, f64)> = None;
    // bracket in t: (t where g > 0, t where g < 0)
    let (mut up, mut down): (Option<f64>, Option<f64>) = (None, None);
    for _ in 0..100 {
        let g = lambda * e.d1; // d/dt f, same sign as d1
        if g == 0.0 {
            return Ok((lambda, e.f));
        }
        if g > 0.0 {
            up = Some(t);
        } else {
            down = Some(t);
        }
        // slope of g in t: secant once there are two points, else AI
        let slope = match prev {
            Some((tp, gp)) if tp != t && (g - gp) / (t - tp) < 0.0 => (g - gp) / (t - tp),
            _ => lambda * lambda * e.ai + g, // d/dt (lambda d1) = lambda² d2 + lambda d1
        };
        let mut next = if slope < 0.0 {
            t - g / slope
        } else {
            t + 2.0f64.copysign(g)
        };
        next = next.clamp(t - 3.0, t + 3.0);
        if let (Some(a), Some(b)) = (up, down) {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            if next <= lo || next >= hi {
                next = 0.5 * (lo + hi);
            }
        }
        next = next.clamp(t_min, t_max);
        if (next - t).abs() <= ROOT_TOL {
            return Ok((lambda, e.f));
        }
        if next == t {
            return Ok((lambda, e.f)); // rising towards an end of the range, at it
        }
        prev = Some((t, g));
        t = next;
        lambda = if t == t_min {
            search.l_min
        } else if t == t_max {
            search.l_max
        } else {
            t.exp()
        };
        e = obj.at(lambda, true)?;
        let g_new = lambda * e.d1;
        if (lambda == search.l_min && g_new < 0.0) || (lambda == search.l_max && g_new > 0.0) {
            return Ok((lambda, e.f));
        }
    }
    Err(Error::NoConvergence(
        "the variance ratio's search did not converge".into(),
    ))
}
#[cfg(test)]
mod tests {
    use super::*;

    /// The REML and ML ratios found from factors are the eigenbasis fit's
    /// (GEMMA's grid and Newton roots) to 1e-7 relative, with two
    /// covariates: for a heritable trait (whose ML peak is at the upper
    /// end) from starts near and far; for a trait without heritability,
    /// whose ML likelihood has a second peak at the lower end, from starts
    /// within a factor 3 (a LOCO fit starts from the whole genome's).
    #[test]
    fn the_ratio_from_factors_is_the_eigenbasis_fit() {
        use genotype::{NoProgress, PhenoSelect, PhenoSpec, Qc, SampleFilter, VariantFilter};
        use kinship::{GrmKind, Precision};

        use crate::prepare::GrmSource;

        for h2 in [0.6, 0.0] {
            let dir = tempfile::tempdir().expect("temp dir");
            let prefix = crate::analysis::tests::simulate_small(dir.path(), |cfg| cfg.h2 = h2);
            let spec = PhenoSpec {
                file: Some(dir.path().join("sim.pheno.tsv")),
                select: PhenoSelect::All,
                covar: Some(dir.path().join("sim.covar.tsv")),
            };
            let ds = genotype::Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec)
                .expect("opens");
            let group = crate::groups(&ds).remove(0);
            let source = GrmSource::Build {
                kind: GrmKind::Centered,
                precision: Precision::F64,
            };
            let prep = crate::prepare(
                &ds,
                group,
                &source,
                &Qc::default(),
                false,
                crate::Arithmetic::default(),
                Par::Seq,
                &NoProgress,
            )
            .expect("prepares");
            let search = Search::default();
            let fits = prep.fit(&ds, Method::Reml, &search, Par::Seq).expect("fits");
            let u = prep.eigen.vectors();
            let s = prep.eigen.clipped_values();
            let n = s.len();
            let us = Mat::<f64>::from_fn(n, n, |i, j| u[(i, j)] * s[j]);
            let mut wh = Whitener::new(&us * u.transpose(), true);
            let (w, names) = prep.group.design(&ds);
            let f = &fits[0];
            let raw = Rotated::unrotated(w.as_ref(), &names, &prep.group.values(&ds, f.phenotype)).expect("valid");
            for (method, want) in [(Method::Reml, f.null.reml.0), (Method::Ml, f.null.ml.0)] {
                // from far away only where the likelihood has one peak
                let far: &[f64] = if h2 > 0.0 {
                    &[1e-3, 1e3, 1e-5 / want, 1e5 / want]
                } else {
                    &[]
                };
                for start in [1.0, 0.3, 3.0].iter().chain(far).map(|x| x * want) {
                    let got = fit_ratio(&mut wh, &raw, method, &search, start, Par::Seq).expect("found");
                    assert!(
                        (got / want - 1.0).abs() < 1e-7,
                        "h2 {h2} {method:?} from {start:e}: {got:e} vs {want:e}"
                    );
                }
            }
        }
    }
}
