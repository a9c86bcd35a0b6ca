//! The weighted sums near a centre `lambda0` as power series in the
//! distance `delta = lambda - lambda0`, from moments computed once.
//!
//! With `d0 = 1 + lambda0 s` and `r = s / d0`, `1 + lambda s = d0 (1 + delta r)`,
//! so for any pair of columns with products `p`:
//!
//! * `A = Σ p / d      = Σ_k q^k μ_k`
//! * `B = Σ p s / d²   = Σ_k (k+1) q^k μ_{k+1}`
//! * `C = Σ p s² / d³  = Σ_k (k+1)(k+2)/2 q^k μ_{k+2}`
//!
//! with `q = -delta` and the moments `μ_j = Σ p r^j / d0`; the weights'
//! own sums follow from `ν_j = Σ r^j` alike (`Σ ln d = Σ ln d0 - Σ_{k≥1} q^k ν_k / k`).
//! The terms shrink by `|delta| max r` per power, so within [`Expansion::reach`]
//! of the centre [`TERMS`] powers give the sums to rounding, at a cost that
//! does not grow with the number of samples.
//!
//! The exact scan starts every variant's root search at a null maximum and
//! rarely leaves its neighbourhood; with the moments of every variant summed
//! by one matrix multiply per block, its Newton steps there cost no O(n) work.

use super::cache::Totals;
use super::sums::dot;

/// Most powers of `delta` kept in a series.
pub(crate) const TERMS: usize = 22;

/// Moments per pair of columns: `μ_0 ..= μ_{TERMS+1}`.
pub(crate) const MOMENTS: usize = TERMS + 2;

/// Largest `ρ = |delta| max r` at which a series is used. Since
/// `max r < 1 / lambda0`, that reaches at least 14% of `lambda0` either
/// side: the REML root of ~96% of variants on a simulated 500-sample trait.
const RHO: f64 = 0.14;

/// Bound on the relative truncation error of a series: half an ulp.
const TOL: f64 = 1.1e-16;

/// The powers a series needs at `ρ`: the fewest `K` whose truncation
/// error bound `C(K+2, 2) ρ^K / (1 - ρ)³` (that of `C`, the largest of the
/// three) is below [`TOL`]. Near the centre, where most evaluations fall,
/// that is far fewer than [`TERMS`]; at [`RHO`] it is [`TERMS`].
fn terms(rho: f64) -> usize {
    let scale = TOL * (1.0 - rho).powi(3);
    let mut power = 1.0;
    for k in 0..TERMS {
        if 0.5 * ((k + 1) * (k + 2)) as f64 * power <= scale {
            return k;
        }
        power *= rho;
    }
    TERMS
}

/// Coefficients per pair: for `k < TERMS`, `μ_k`, `(k+1) μ_{k+1}` and
/// `(k+1)(k+2)/2 μ_{k+2}`, interleaved.
const STRIDE: usize = 3 * TERMS;

/// The series coefficients (layout of [`STRIDE`]) of the moments `mu`.
fn coefficients(mu: &[f64], out: &mut [f64]) {
    for k in 0..TERMS {
        let kf = k as f64;
        out[3 * k] = mu[k];
        out[3 * k + 1] = (kf + 1.0) * mu[k + 1];
        out[3 * k + 2] = 0.5 * (kf + 1.0) * (kf + 2.0) * mu[k + 2];
    }
}

/// The totals' coefficients, from `ν_j = Σ r^j`.
#[derive(Debug, Clone, Copy)]
struct TotalsSeries {
    /// `Σ ln d0`.
    sum_ln_d0: f64,
    /// `tr_hk`: `ν_{k+1}`; `tr_hkhk`: `(k+1) ν_{k+2}`; `Σ ln(1 + delta r)`:
    /// `ν_{k+1} / (k+1)` (times `-q^{k+1}`), interleaved.
    coef: [f64; STRIDE],
    /// `max r`: `ρ = |delta| max r`.
    r_max: f64,
}

/// The variant-independent part of the expansion around one `lambda0`.
#[derive(Debug, Clone)]
pub(crate) struct Expansion {
    /// The centre.
    pub lambda0: f64,
    /// Largest `|lambda - lambda0|` at which the series is used.
    pub reach: f64,
    totals: TotalsSeries,
    /// The per-sample weights of the moments, `r^j / d0`: `MOMENTS`
    /// vectors of `n`.
    pub weights: Vec<Vec<f64>>,
    /// Coefficients of the pairs of fixed columns (not the variant's),
    /// `m x m` pairs of [`STRIDE`]: `(a m + b) STRIDE + ..`.
    fixed: Vec<f64>,
}

impl Expansion {
    /// The expansion around `lambda0` of eigenvalues `s` and columns `cols`,
    /// whose column `x` is the variant's (its pairs are left to
    /// [`SeriesMemo::fill`]).
    pub fn new(s: &[f64], cols: &[&[f64]], x: usize, lambda0: f64) -> Self {
        let n = s.len();
        let mut weights = vec![vec![0.0; n]; MOMENTS];
        let mut nu = [0.0; MOMENTS + 1];
        let mut r_max = 0.0f64;
        for (i, &si) in s.iter().enumerate() {
            let d0 = lambda0 * si + 1.0;
            let r = si / d0;
            r_max = r_max.max(r);
            let mut w = 1.0 / d0;
            let mut rj = 1.0;
            for (j, wj) in weights.iter_mut().enumerate() {
                wj[i] = w;
                w *= r;
                nu[j] += rj;
                rj *= r;
            }
            nu[MOMENTS] += rj;
        }
        let mut coef = [0.0; STRIDE];
        for k in 0..TERMS {
            coef[3 * k] = nu[k + 1];
            coef[3 * k + 1] = (k + 1) as f64 * nu[k + 2];
            coef[3 * k + 2] = nu[k + 1] / (k + 1) as f64;
        }
        let m = cols.len();
        let mut fixed = vec![0.0; m * m * STRIDE];
        let mut mu = [0.0; MOMENTS];
        for a in 0..m {
            for b in a..m {
                if a == x || b == x {
                    continue;
                }
                let p: Vec<f64> = cols[a].iter().zip(cols[b]).map(|(u, v)| u * v).collect();
                for (j, v) in mu.iter_mut().enumerate() {
                    *v = dot(&weights[j], &p);
                }
                coefficients(&mu, &mut fixed[(a * m + b) * STRIDE..][..STRIDE]);
                fixed.copy_within((a * m + b) * STRIDE..(a * m + b + 1) * STRIDE, (b * m + a) * STRIDE);
            }
        }
        Self {
            lambda0,
            reach: if r_max > 0.0 { RHO / r_max } else { f64::INFINITY },
            totals: TotalsSeries {
                sum_ln_d0: super::sums::sum_ln_d(s, lambda0),
                coef,
                r_max,
            },
            weights,
            fixed,
        }
    }
}

/// One variant's series around one centre, with the centre's constants.
#[derive(Debug, Clone)]
pub(super) struct SeriesMemo {
    /// Whether the coefficients are the current columns'.
    pub valid: bool,
    lambda0: f64,
    reach: f64,
    totals: TotalsSeries,
    /// Coefficients of every pair, laid out as [`Expansion`]'s `fixed`.
    coef: Vec<f64>,
    /// The expansion (by address) and column count whose constants and
    /// fixed pairs `coef` holds.
    from: Option<(usize, usize)>,
}

impl SeriesMemo {
    /// Empty memo for up to `m` columns.
    pub fn new(m: usize) -> Self {
        Self {
            valid: false,
            lambda0: f64::NAN,
            reach: 0.0,
            totals: TotalsSeries {
                sum_ln_d0: f64::NAN,
                coef: [0.0; STRIDE],
                r_max: 0.0,
            },
            coef: vec![0.0; m * m * STRIDE],
            from: None,
        }
    }

    /// The series of `exp` for `m` columns, the variant's at index `x`:
    /// `xs[o * MOMENTS + j]` is `μ_j` of the pair of `x` with column `o`.
    /// The centre's constants and fixed pairs are copied only when the
    /// memo last held another expansion (or another `m`): from one variant
    /// to the next only the variant's pairs change.
    pub fn fill(&mut self, exp: &Expansion, m: usize, x: usize, xs: &[f64]) {
        debug_assert!(xs.len() >= m * MOMENTS);
        // A `Work` lives within one block of one phenotype's scan, where
        // the expansions neither move nor change: the address names one.
        let from = (std::ptr::from_ref(exp) as usize, m);
        if self.from != Some(from) {
            self.lambda0 = exp.lambda0;
            self.reach = exp.reach;
            self.totals = exp.totals;
            let len = m * m * STRIDE;
            self.coef[..len].copy_from_slice(&exp.fixed[..len]);
            self.from = Some(from);
        }
        for o in 0..m {
            let at = (o * m + x) * STRIDE;
            coefficients(&xs[o * MOMENTS..][..MOMENTS], &mut self.coef[at..at + STRIDE]);
            self.coef.copy_within(at..at + STRIDE, (x * m + o) * STRIDE);
        }
        self.valid = true;
    }

    /// Whether `lambda` is within reach of the centre.
    pub fn covers(&self, lambda: f64) -> bool {
        self.valid && (lambda - self.lambda0).abs() <= self.reach
    }

    /// The weights' totals at `lambda` (with `Σ ln d` when `ln`); with
    /// `sums = Some((third, [A, B, C]))` also writes `A`, `B` (and `C`
    /// when `third`) of the `m` columns there (full `m x m`).
    pub fn sums(&self, lambda: f64, m: usize, ln: bool, sums: Option<(bool, [&mut [f64]; 3])>) -> Totals {
        let q = self.lambda0 - lambda;
        let k = terms(q.abs() * self.totals.r_max);
        if let Some((third, [oa, ob, oc])) = sums {
            for a in 0..m {
                for b in a..m {
                    let coef = &self.coef[(a * m + b) * STRIDE..][..STRIDE];
                    let (va, vb, vc) = horner(coef, k, q, third);
                    for (mat, v) in [(&mut *oa, va), (&mut *ob, vb), (&mut *oc, vc)] {
                        mat[a * m + b] = v;
                        mat[b * m + a] = v;
                    }
                }
            }
        }
        // third: Σ_k q^k ν_{k+1}/(k+1), so that Σ ln(1 + delta r) = -q times it
        let (tr_hk, tr_hkhk, ln_sum) = horner(&self.totals.coef, k, q, ln);
        Totals {
            sum_ln_d: if ln {
                self.totals.sum_ln_d0 - q * ln_sum
            } else {
                f64::NAN
            },
            tr_hk,
            tr_hkhk,
        }
    }
}

/// The three series of interleaved coefficients `coef` (the third only
/// when `third`) at `q`, first `k` powers, by Horner's rule.
#[inline]
fn horner(coef: &[f64], k: usize, q: f64, third: bool) -> (f64, f64, f64) {
    let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
    for t in coef[..3 * k].chunks_exact(3).rev() {
        a = a * q + t[0];
        b = b * q + t[1];
        if third {
            c = c * q + t[2];
        }
    }
    (a, b, c)
}

#[cfg(test)]
mod tests {
    use super::super::grid::cross_products;
    use super::super::sums::Weights;
    use super::*;

    /// Within reach of the centre, the series give the directly summed
    /// `A`, `B`, `C` and totals to ~1e-13 relative; the reach is where
    /// `|delta| max r` is `RHO`.
    #[test]
    fn series_equal_direct_sums_within_reach() {
        let n = 301;
        let col = |f: &dyn Fn(f64) -> f64| (0..n).map(|i| f(i as f64)).collect::<Vec<f64>>();
        let s = col(&|i| {
            if (i as usize).is_multiple_of(50) {
                0.0
            } else {
                (i * 0.53).cos().abs() * 9.0
            }
        });
        let cols_owned = [
            col(&|_| 1.0),
            col(&|i| (i * 0.9).sin()),
            col(&|i| i % 3.0 - 0.8),
            col(&|i| (i * 1.3).cos() + 0.01 * i),
        ];
        let cols: Vec<&[f64]> = cols_owned.iter().map(Vec::as_slice).collect();
        let (m, x) = (cols.len(), 2);
        for lambda0 in [0.03, 1.0, 4.7, 300.0] {
            let exp = Expansion::new(&s, &cols, x, lambda0);
            let r_max = s.iter().map(|&v| v / (lambda0 * v + 1.0)).fold(0.0, f64::max);
            assert!((exp.reach * r_max - RHO).abs() < 1e-15);
            assert_eq!(terms(RHO), TERMS);
            let xs: Vec<f64> = (0..m)
                .flat_map(|o| {
                    let p: Vec<f64> = cols[o].iter().zip(cols[x]).map(|(u, v)| u * v).collect();
                    exp.weights.iter().map(move |w| dot(w, &p)).collect::<Vec<_>>()
                })
                .collect();
            let mut memo = SeriesMemo::new(m);
            memo.fill(&exp, m, x, &xs);
            for frac in [-0.999, -0.37, -1e-3, 0.0, 1e-6, 0.2, 0.999] {
                let lambda = lambda0 + frac * exp.reach;
                assert!(memo.covers(lambda));
                let mut got = [vec![0.0; m * m], vec![0.0; m * m], vec![0.0; m * m]];
                let [ga, gb, gc] = &mut got;
                let t = memo.sums(lambda, m, true, Some((true, [ga, gb, gc])));
                let w = Weights::new(&s, lambda, true);
                let mut want = [vec![0.0; m * m], vec![0.0; m * m], vec![0.0; m * m]];
                let [wa, wb, wc] = &mut want;
                cross_products(&w, n, &cols, true, None, [wa, wb, wc]);
                let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-13 * scale;
                for (g, wnt) in got.iter().zip(&want) {
                    let scale = wnt.iter().fold(0.0f64, |a, v| a.max(v.abs()));
                    for (a, b) in g.iter().zip(wnt) {
                        assert!(close(*a, *b, scale), "{lambda0} {frac}: {a} vs {b}");
                    }
                }
                assert!(close(t.tr_hk, w.tr_hk, w.tr_hk), "{lambda0} {frac}");
                assert!(close(t.tr_hkhk, w.tr_hkhk, w.tr_hkhk), "{lambda0} {frac}");
                assert!(
                    close(t.sum_ln_d, w.sum_ln_d, w.sum_ln_d.abs().max(1.0)),
                    "{lambda0} {frac}"
                );
            }
            assert!(!memo.covers(lambda0 + 1.01 * exp.reach));
        }
    }
}
