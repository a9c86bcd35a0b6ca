//! Maximising a profiled log-likelihood over `lambda` in `[l_min, l_max]`,
//! the way GEMMA does: the derivative on a log-spaced grid, a root of the
//! derivative in every interval where it changes sign, then the best of
//! those roots and the two ends.

use crate::likelihood::LikEval;

/// Search range and grid, GEMMA's defaults (`-lmin 1e-5 -lmax 1e5 -region 10`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Search {
    /// Smallest `lambda`.
    pub l_min: f64,
    /// Largest `lambda`.
    pub l_max: f64,
    /// Number of log-spaced intervals.
    pub n_region: usize,
}

impl Default for Search {
    fn default() -> Self {
        Self {
            l_min: 1e-5,
            l_max: 1e5,
            n_region: 10,
        }
    }
}

/// The maximiser and the maximum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Optimum {
    /// `lambda` at the maximum.
    pub lambda: f64,
    /// Log-likelihood at the maximum.
    pub f: f64,
    /// Whether the maximum is at an end of the range.
    pub at_boundary: bool,
}

/// What the optimiser needs from a likelihood: `eval(lambda, need_f, need_d2)`.
pub(crate) trait Objective {
    fn eval(&mut self, lambda: f64, need_f: bool, need_d2: bool) -> Option<LikEval>;
}

/// Root of `d1` in `[lo, hi]` (signs differ or one is zero): Newton steps in
/// `lambda`, falling back to bisection in `ln lambda` when a step leaves the
/// bracket. Converges to a relative tolerance of 1e-10.
fn root<O: Objective>(obj: &mut O, mut lo: f64, mut hi: f64, d_lo: f64) -> Option<f64> {
    if d_lo == 0.0 {
        return Some(lo);
    }
    let rising = d_lo > 0.0; // d1 > 0 at lo: root where it turns negative (a maximum)
    let mut x = (lo * hi).sqrt();
    for _ in 0..100 {
        let e = obj.eval(x, false, true)?;
        if e.d1 == 0.0 {
            return Some(x);
        }
        if (e.d1 > 0.0) == rising {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - e.d1 / e.d2;
        let next = if e.d2.is_finite() && e.d2 != 0.0 && newton > lo && newton < hi {
            newton
        } else {
            (lo * hi).sqrt()
        };
        if (next - x).abs() <= 1e-10 * x || (hi - lo) <= 1e-12 * hi {
            return Some(next);
        }
        x = next;
    }
    Some(x)
}

/// Maximises over `[l_min, l_max]`.
///
/// Returns `None` when the likelihood cannot be evaluated (singular design).
pub(crate) fn maximize<O: Objective>(obj: &mut O, search: &Search) -> Option<Optimum> {
    let step = (search.l_max / search.l_min).ln() / search.n_region as f64;
    let grid: Vec<f64> = (0..=search.n_region)
        .map(|i| search.l_min * (step * i as f64).exp())
        .collect();
    let mut d = Vec::with_capacity(grid.len());
    for &l in &grid {
        d.push(obj.eval(l, false, false)?.d1);
    }
    let mut best: Option<Optimum> = None;
    for i in 0..search.n_region {
        if d[i] * d[i + 1] <= 0.0 {
            let r = root(obj, grid[i], grid[i + 1], d[i])?.clamp(search.l_min, search.l_max);
            let f = obj.eval(r, true, false)?.f;
            if best.is_none_or(|b| f > b.f) {
                best = Some(Optimum {
                    lambda: r,
                    f,
                    at_boundary: false,
                });
            }
        }
    }
    for l in [search.l_min, search.l_max] {
        let f = obj.eval(l, true, false)?.f;
        if best.is_none_or(|b| f > b.f) {
            best = Some(Optimum {
                lambda: l,
                f,
                at_boundary: true,
            });
        }
    }
    best
}
