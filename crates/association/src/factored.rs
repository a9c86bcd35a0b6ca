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

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::triangular_solve::{solve_lower_triangular_in_place, solve_upper_triangular_in_place};
use faer::{Mat, MatMut, Par};

use crate::error::{Error, Result};
use crate::likelihood::{chol_inverse, cholesky, Method};
use crate::null_model::Rotated;
use crate::optimize::{Search, ROOT_TOL};

/// The Cholesky factor of `H = lambda K + I` for a symmetric `K`, for
/// one `lambda` at a time, made in place of `K` (faer's factorisation
/// also writes the upper triangle). When more than one `lambda` is to be
/// factored, `K`'s lower triangle is kept packed (half an `n x n` matrix)
/// to start each one from.
#[derive(Debug)]
pub(crate) struct Whitener {
    m: Mat<f64>,
    /// `K`'s lower triangle, column by column, when kept.
    packed: Option<Vec<f64>>,
    /// Whether `m` still holds `K`.
    pristine: bool,
    /// The `lambda` of the factor `m` holds.
    factored: Option<f64>,
}

impl Whitener {
    /// Takes `k` (`n x n`, symmetric, lower triangle read); `keep`: more
    /// than one `lambda` will be factored.
    pub fn new(k: Mat<f64>, keep: bool) -> Self {
        let n = k.nrows();
        let packed = keep.then(|| {
            (0..n)
                .flat_map(|j| (j..n).map(move |i| (i, j)))
                .map(|(i, j)| k[(i, j)])
                .collect()
        });
        Self {
            m: k,
            packed,
            pristine: true,
            factored: None,
        }
    }

    /// Factors `lambda K + I` (the previous factor is overwritten; nothing
    /// to do when it is already of this `lambda`).
    ///
    /// `par` is replaced by a fixed split (as the eigensolver's, see
    /// [`crate::Eigen::decompose`]) so that the factor does not depend on
    /// the number of threads.
    ///
    /// # Errors
    /// `NoConvergence` when `lambda K + I` is not positive definite (`K`
    /// far from positive semi-definite).
    ///
    /// # Panics
    /// On a second `lambda` when `K` was not kept.
    pub fn factor(&mut self, lambda: f64, par: Par) -> Result<()> {
        if self.factored == Some(lambda) {
            return Ok(());
        }
        self.factored = None;
        let n = self.m.nrows();
        let packed = if self.pristine {
            None
        } else {
            Some(self.packed.as_deref().expect("K kept for a second lambda"))
        };
        self.pristine = false;
        let mut at = 0;
        for j in 0..n {
            // the lower part of column j: K's (kept, or still in place),
            // scaled by lambda, plus 1 on the diagonal
            let col = self
                .m
                .col_mut(j)
                .try_as_col_major_mut()
                .expect("contiguous")
                .as_slice_mut();
            if let Some(p) = packed {
                col[j..].copy_from_slice(&p[at..at + n - j]);
                at += n - j;
            }
            col[j] = lambda * col[j] + 1.0;
            for v in &mut col[j + 1..] {
                *v *= lambda;
            }
        }
        let par = fixed_split(par);
        let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(n, par, Default::default()));
        cholesky_in_place(
            self.m.as_mut(),
            Default::default(),
            par,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .map_err(|_| {
            Error::NoConvergence(format!(
                "lambda K + I is not positive definite at lambda = {lambda:e}: the GRM is not positive semi-definite"
            ))
        })?;
        self.factored = Some(lambda);
        Ok(())
    }

    /// `x <- L⁻¹ x`.
    pub fn solve(&self, x: MatMut<'_, f64>, par: Par) {
        solve_lower_triangular_in_place(self.m.as_ref(), x, fixed_split(par));
    }

    /// `H v = L Lᵀ v` from the current factor (`n²` flops, columns of `L`
    /// read in order).
    pub fn mul_h(&self, v: &[f64]) -> Vec<f64> {
        let n = self.m.nrows();
        let u: Vec<f64> = (0..n)
            .map(|j| {
                let col = self.m.col(j).try_as_col_major().expect("contiguous").as_slice();
                col[j..].iter().zip(&v[j..]).map(|(l, x)| l * x).sum()
            })
            .collect();
        let mut out = vec![0.0; n];
        for (j, uj) in u.iter().enumerate() {
            let col = self.m.col(j).try_as_col_major().expect("contiguous").as_slice();
            for (o, l) in out[j..].iter_mut().zip(&col[j..]) {
                *o += l * uj;
            }
        }
        out
    }

    /// `ln|H| = 2 Σ ln L_ii` of the current factor.
    pub fn logdet(&self) -> f64 {
        2.0 * (0..self.m.nrows()).map(|i| self.m[(i, i)].ln()).sum::<f64>()
    }

    /// `x <- H⁻¹ x = L⁻ᵀ L⁻¹ x`.
    pub fn solve_h(&self, mut x: MatMut<'_, f64>, par: Par) {
        self.solve(x.as_mut(), par);
        solve_upper_triangular_in_place(self.m.as_ref().transpose(), x, fixed_split(par));
    }

    /// `tr(H⁻¹) = ‖L⁻¹‖²_F`, from `L⁻¹` made a block of columns at a time
    /// (the rows above a block are zero: `n³/3` flops in all); the squares
    /// are added in one order whatever the threads.
    pub fn trace_inverse(&self, par: Par) -> f64 {
        const B: usize = 256;
        let n = self.m.nrows();
        let mut buf = Mat::<f64>::zeros(n, B.min(n));
        let mut total = 0.0;
        for j0 in (0..n).step_by(B) {
            let (rows, b) = (n - j0, B.min(n - j0));
            let mut x = buf.as_mut().submatrix_mut(0, 0, rows, b);
            x.fill(0.0);
            for k in 0..b {
                x[(k, k)] = 1.0;
            }
            solve_lower_triangular_in_place(
                self.m.as_ref().submatrix(j0, j0, rows, rows),
                x.as_mut(),
                fixed_split(par),
            );
            for k in 0..b {
                total += x.as_ref().col(k).iter().map(|v| v * v).sum::<f64>();
            }
        }
        total
    }
}

fn fixed_split(par: Par) -> Par {
    match par {
        Par::Seq => Par::Seq,
        _ => Par::rayon(crate::eigen::EIGEN_SPLIT),
    }
}

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

    fn spd(n: usize) -> Mat<f64> {
        let z = Mat::<f64>::from_fn(n, 2 * n, |i, j| ((i * 7 + j * 3) % 5) as f64 - 2.0);
        let k = &z * z.transpose() * (1.0 / (2 * n) as f64);
        let mut k = k;
        crate::eigen::center(&mut k);
        k
    }

    /// The factor is that of `lambda K + I` through any number of
    /// factorisations, and the solve inverts `L`.
    #[test]
    fn every_factor_is_of_lambda_k_plus_i() {
        for n in [1, 5, 70, 150] {
            let k = spd(n);
            let mut wh = Whitener::new(k.clone(), true);
            for lambda in [0.3, 4.0, 1e-3] {
                wh.factor(lambda, Par::Seq).expect("positive definite");
                let h = Mat::<f64>::from_fn(n, n, |i, j| lambda * k[(i, j)] + f64::from(u8::from(i == j)));
                let mut x = Mat::<f64>::from_fn(n, 3, |i, j| ((i + 2 * j) % 4) as f64);
                let want = x.clone();
                wh.solve(x.as_mut(), Par::Seq);
                // L L' (L⁻¹ x) ... check H (L⁻ᵀ L⁻¹ x) = x through a second solve
                let l = Mat::<f64>::from_fn(n, n, |i, j| if i >= j { wh.m[(i, j)] } else { 0.0 });
                let back = &l * &x;
                assert!((&back - &want).norm_max() < 1e-10, "n {n} lambda {lambda}");
                let llt = &l * l.transpose();
                assert!((&llt - &h).norm_max() < 1e-10 * (1.0 + lambda * k.norm_max()));
            }
        }
    }

    /// A matrix far from positive semi-definite is refused, not factored.
    #[test]
    fn an_indefinite_matrix_is_refused() {
        let k = Mat::<f64>::from_fn(3, 3, |i, j| if i == j { -2.0 } else { 0.0 });
        let mut wh = Whitener::new(k, false);
        let e = wh.factor(1.0, Par::Seq).expect_err("-2 + 1 < 0");
        assert!(e.to_string().contains("not positive definite"), "{e}");
    }

    /// Parallel and sequential factors and solves are bit-identical.
    #[test]
    fn results_do_not_depend_on_the_split() {
        let n = 300;
        let k = spd(n);
        let mut a = Whitener::new(k.clone(), false);
        let mut b = Whitener::new(k, false);
        a.factor(2.0, Par::rayon(1)).expect("pd");
        b.factor(2.0, Par::rayon(2)).expect("pd");
        let mut xa = Mat::<f64>::from_fn(n, 40, |i, j| ((i * 3 + j) % 3) as f64);
        let mut xb = xa.clone();
        a.solve(xa.as_mut(), Par::rayon(1));
        b.solve(xb.as_mut(), Par::rayon(2));
        assert_eq!(xa, xb);
    }

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
            let prep =
                crate::prepare(&ds, group, &source, &Qc::default(), false, Par::Seq, &NoProgress).expect("prepares");
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
