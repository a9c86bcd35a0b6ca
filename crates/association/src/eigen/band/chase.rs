//! The second stage: a band reduced to tridiagonal form by chasing the
//! bulges each reflector makes down the band, on a compact store that
//! stays in cache.

use faer::MatRef;

use super::WIDTH;

/// The chase's reflectors for `n` samples: how many, and their values.
/// Sweep `j` covers rows `j + 1 .. n` once, [`WIDTH`] rows per reflector.
pub(super) fn chase_sizes(n: usize) -> (usize, usize) {
    (0..n.saturating_sub(2))
        .map(|j| n - 1 - j)
        .filter(|&rows| rows >= 2)
        .fold((0, 0), |(count, values), rows| {
            (count + rows.div_ceil(WIDTH), values + rows)
        })
}

/// A symmetric band in compact column-major storage: column `c` holds
/// rows `c .. c + 2 WIDTH` (the band and room for a bulge).
pub(super) struct Band {
    n: usize,
    values: Vec<f64>,
}

/// Rows stored per column of a [`Band`].
pub(super) const LD: usize = 2 * WIDTH;

impl Band {
    /// The band of the lower triangle of `a` (which the first stage left
    /// banded).
    pub(super) fn from_lower(a: MatRef<'_, f64>) -> Self {
        let n = a.nrows();
        let mut values = vec![0.0; n * LD];
        for c in 0..n {
            for d in 0..=WIDTH.min(n - 1 - c) {
                values[c * LD + d] = a[(c + d, c)];
            }
        }
        Self { n, values }
    }

    /// Entry `(r, c)`, `c <= r < c + LD`.
    pub(super) fn at(&self, r: usize, c: usize) -> f64 {
        self.values[c * LD + r - c]
    }

    /// Column `c`'s stored rows `c + offset ..` (`len` of them).
    fn column(&mut self, c: usize, offset: usize, len: usize) -> &mut [f64] {
        let at = c * LD + offset;
        &mut self.values[at..at + len]
    }

    /// Second stage: reduces the band to tridiagonal form in place, one
    /// column at a time: a reflector on the rows below column `j`'s
    /// diagonal zeroes it below the subdiagonal; applied from the right
    /// to the block below, it fills that block (the bulge), whose first
    /// column the next reflector zeroes; and so on down the band. Returns
    /// the reflectors as [`super::TwoStage`] keeps them.
    pub(super) fn chase(&mut self) -> (Vec<(usize, f64, usize)>, Vec<f64>) {
        let n = self.n;
        let b = WIDTH;
        let (count, values) = chase_sizes(n);
        let mut reflectors = Vec::with_capacity(count);
        let mut vectors = Vec::with_capacity(values);
        let (mut v, mut next, mut w) = (vec![0.0; b], vec![0.0; b], vec![0.0; b]);
        for j in 0..n.saturating_sub(2) {
            let (mut s, mut e) = (j + 1, (j + b).min(n - 1));
            let l = e - s + 1;
            if l < 2 {
                continue;
            }
            let col = self.column(j, 1, l);
            v[..l].copy_from_slice(col);
            let (mut tau, beta) = householder(&mut v[..l]);
            col[0] = beta;
            col[1..].fill(0.0);
            self.two_sided(s, &v[..l], tau, &mut w);
            reflectors.push((s, tau, vectors.len()));
            vectors.extend_from_slice(&v[..l]);
            while e + 1 < n {
                let l = e - s + 1;
                let (s2, e2) = (e + 1, (e + b).min(n - 1));
                let l2 = e2 - s2 + 1;
                // the block M = A[s2..=e2, s..=e] <- M H: fills it
                let y = &mut next[..l2];
                y.fill(0.0);
                for (c, &vc) in v[..l].iter().enumerate() {
                    for (yi, &m) in y.iter_mut().zip(&*self.column(s + c, s2 - s - c, l2)) {
                        *yi += m * vc;
                    }
                }
                for (c, &vc) in v[..l].iter().enumerate() {
                    let f = tau * vc;
                    let y = &next[..l2];
                    for (m, &yi) in self.column(s + c, s2 - s - c, l2).iter_mut().zip(y) {
                        *m -= yi * f;
                    }
                }
                // the next reflector zeroes M's first column below its top
                let col = self.column(s, s2 - s, l2);
                next[..l2].copy_from_slice(col);
                let (tau2, beta2) = householder(&mut next[..l2]);
                col[0] = beta2;
                col[1..].fill(0.0);
                let u = &next[..l2];
                for c in 1..l {
                    let m = self.column(s + c, s2 - s - c, l2);
                    let d: f64 = u.iter().zip(m.iter()).map(|(a, b)| a * b).sum();
                    let f = tau2 * d;
                    for (x, &ui) in m.iter_mut().zip(u) {
                        *x -= f * ui;
                    }
                }
                self.two_sided(s2, u, tau2, &mut w);
                reflectors.push((s2, tau2, vectors.len()));
                vectors.extend_from_slice(u);
                std::mem::swap(&mut v, &mut next);
                (s, e, tau) = (s2, e2, tau2);
            }
        }
        (reflectors, vectors)
    }

    /// `S <- H S H` for the symmetric block `S` on rows and columns
    /// `s .. s + v.len()`, `H = I - tau v vᵀ`: `S - v wᵀ - w vᵀ` with
    /// `w = tau S v - (tau² vᵀ S v / 2) v`.
    fn two_sided(&mut self, s: usize, v: &[f64], tau: f64, w: &mut [f64]) {
        let l = v.len();
        let w = &mut w[..l];
        w.fill(0.0);
        for c in 0..l {
            let col = self.column(s + c, 0, l - c);
            let mut acc = col[0] * v[c];
            for i in 1..l - c {
                acc += col[i] * v[c + i];
                w[c + i] += col[i] * v[c];
            }
            w[c] += acc;
        }
        let mut d = 0.0;
        for (wi, &vi) in w.iter_mut().zip(v) {
            *wi *= tau;
            d += *wi * vi;
        }
        let h = 0.5 * tau * d;
        for (wi, &vi) in w.iter_mut().zip(v) {
            *wi -= h * vi;
        }
        for c in 0..l {
            let (vc, wc) = (v[c], w[c]);
            let col = self.column(s + c, 0, l - c);
            for i in 0..l - c {
                col[i] -= v[c + i] * wc + w[c + i] * vc;
            }
        }
    }
}

/// A reflector `H = I - tau v vᵀ` with `H x = beta e₁` (LAPACK's `dlarfg`
/// convention, `v[0] = 1`): `x` becomes `v`; returns `(tau, beta)`.
fn householder(x: &mut [f64]) -> (f64, f64) {
    let alpha = x[0];
    let tail = x[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
    x[0] = 1.0;
    if tail == 0.0 {
        return (0.0, alpha);
    }
    let beta = -alpha.signum() * alpha.hypot(tail);
    let scale = 1.0 / (alpha - beta);
    for v in &mut x[1..] {
        *v *= scale;
    }
    ((beta - alpha) / beta, beta)
}
