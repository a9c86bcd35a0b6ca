//! Maximising a profiled log-likelihood over `lambda` in `[l_min, l_max]`,
//! the way GEMMA does: the derivative on a log-spaced grid, a root of the
//! derivative in every interval where it falls through zero (a maximum;
//! GEMMA also solves the intervals where it rises, whose minima can never
//! win), then the best of those roots and the two ends.

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

impl Search {
    /// The grid points `l_min * (l_max/l_min)^(i/n_region)`, `i = 0..=n_region`.
    pub fn grid(&self) -> Vec<f64> {
        let step = (self.l_max / self.l_min).ln() / self.n_region as f64;
        (0..=self.n_region)
            .map(|i| self.l_min * (step * i as f64).exp())
            .collect()
    }
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

/// Relative tolerance of a root in `lambda` (a step in `ln lambda`);
/// Newton steps converge quadratically, so the point returned is within
/// about this of the root. Tighter stopping buys nothing measurable: where
/// a variant's likelihood is flat in `lambda` (near the upper end), data
/// that differ only by rounding move the root itself by ~1e-5 relative,
/// and its Wald p-value by ~1e-9 (issue 17's invariance tests).
pub const ROOT_TOL: f64 = 1e-9;

/// What the optimiser needs from a likelihood: `eval(lambda, need_f, need_d2)`.
pub(crate) trait Objective {
    fn eval(&mut self, lambda: f64, need_f: bool, need_d2: bool) -> Option<LikEval>;

    /// The evaluation at grid point `k` (`lambda`, of [`Search::grid`])
    /// without the second derivative: what the sign scan and the range's
    /// ends need. An objective may answer it from sums it holds for the
    /// grid (the exact scan does); the result may then differ from
    /// [`Objective::eval`]'s by rounding.
    fn eval_grid(&mut self, k: usize, lambda: f64, need_f: bool) -> Option<LikEval> {
        let _ = k;
        self.eval(lambda, need_f, false)
    }
}

/// Root of `d1` in `[lo, hi]` (signs differ or one is zero): Newton steps
/// in `t = ln lambda` (where the derivative is closer to linear), falling
/// back to an Illinois regula-falsi step on the bracket when a Newton step
/// leaves it. Converges to a relative tolerance of [`ROOT_TOL`] in
/// `lambda`, and returns a point it evaluated.
pub(crate) fn root<O: Objective>(
    obj: &mut O,
    lo: f64,
    hi: f64,
    d_lo: f64,
    d_hi: f64,
    hint: Option<f64>,
) -> Option<f64> {
    if d_lo == 0.0 {
        return Some(lo);
    }
    if d_hi == 0.0 {
        return Some(hi);
    }
    // Bracket in t with g(t) = d1 (same sign as lambda d1).
    let (mut ta, mut ga) = (lo.ln(), d_lo);
    let (mut tb, mut gb) = (hi.ln(), d_hi);
    // Start at the hint (a nearby model's optimum) when it lies in the
    // bracket, else where the derivative, linear in t, crosses zero.
    // The hint itself is evaluated first (not exp(ln hint), which may differ
    // in the last bit): callers cache their sums there.
    let mut first = hint.filter(|&h| h > lo && h < hi);
    let mut t = match first {
        Some(h) => h.ln(),
        None => ta + (tb - ta) * (ga / (ga - gb)),
    };
    let mut side = 0i8;
    for _ in 0..100 {
        let lambda = first.take().unwrap_or_else(|| t.exp());
        let e = obj.eval(lambda, false, true)?;
        let g = e.d1;
        if g == 0.0 {
            return Some(lambda);
        }
        // shrink the bracket, Illinois-style bookkeeping for the secant fallback
        if (g > 0.0) == (ga > 0.0) {
            ta = t;
            ga = g;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        } else {
            tb = t;
            gb = g;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        }
        // Newton in t: d/dt d1(e^t) = lambda d2
        let slope = lambda * e.d2;
        let newton = t - g / slope;
        let (lo_t, hi_t) = if ta < tb { (ta, tb) } else { (tb, ta) };
        let next = if slope.is_finite() && slope != 0.0 && newton > lo_t && newton < hi_t {
            newton
        } else {
            ta + (tb - ta) * (ga / (ga - gb))
        };
        if (next - t).abs() <= ROOT_TOL || (hi_t - lo_t) <= 1e-12 {
            // The point just evaluated is within the tolerance of the root;
            // returning it (not `next`) lets the caller's likelihood there
            // reuse this evaluation's sums.
            return Some(lambda);
        }
        t = next;
    }
    Some(t.exp())
}

/// The interior local maxima the grid reveals: a root of the derivative
/// in every grid interval where it falls from positive to not positive
/// (with its log-likelihood). An interval where it rises from negative to
/// positive holds a minimum (the log-likelihood is lower there than at its
/// ends), which can never be the maximum: it is not searched. Each search
/// starts at the first of `hints` inside its interval, if any (it changes
/// the path, not the root found, up to [`ROOT_TOL`]).
///
/// Returns `None` when the likelihood cannot be evaluated (singular design).
pub(crate) fn local_maxima<O: Objective>(obj: &mut O, search: &Search, hints: &[f64]) -> Option<Vec<Optimum>> {
    let grid = search.grid();
    let mut d = Vec::with_capacity(grid.len());
    for (k, &l) in grid.iter().enumerate() {
        d.push(obj.eval_grid(k, l, false)?.d1);
    }
    let mut found = Vec::new();
    for i in 0..search.n_region {
        let (lo, hi) = (grid[i], grid[i + 1]);
        let rises = d[i] < 0.0 && d[i + 1] > 0.0;
        if d[i] * d[i + 1] <= 0.0 && !rises {
            let hint = hints.iter().copied().find(|&h| h > lo && h < hi);
            let r = root(obj, lo, hi, d[i], d[i + 1], hint)?.clamp(search.l_min, search.l_max);
            let f = obj.eval(r, true, false)?.f;
            found.push(Optimum {
                lambda: r,
                f,
                at_boundary: false,
            });
        }
    }
    Some(found)
}

/// Maximises over `[l_min, l_max]`: the best of the [`local_maxima`]
/// (searched from `hints`) and the two ends of the range.
///
/// Returns `None` when the likelihood cannot be evaluated (singular design).
pub(crate) fn maximize<O: Objective>(obj: &mut O, search: &Search, hints: &[f64]) -> Option<Optimum> {
    let mut best: Option<Optimum> = None;
    for opt in local_maxima(obj, search, hints)? {
        if best.is_none_or(|b| opt.f > b.f) {
            best = Some(opt);
        }
    }
    let grid = search.grid();
    for k in [0, search.n_region] {
        let l = grid[k];
        let f = obj.eval_grid(k, l, true)?.f;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `f(lambda) = -(ln lambda - ln peak)²`, with its derivatives in lambda.
    struct LogQuadratic {
        peak: f64,
        evals: usize,
    }

    impl Objective for LogQuadratic {
        fn eval(&mut self, lambda: f64, _need_f: bool, _need_d2: bool) -> Option<LikEval> {
            self.evals += 1;
            let t = lambda.ln() - self.peak.ln();
            Some(LikEval {
                f: -t * t,
                d1: -2.0 * t / lambda,
                d2: (2.0 * t - 2.0) / (lambda * lambda),
                ypy: 1.0,
            })
        }
    }

    #[test]
    fn grid_is_log_spaced_between_the_ends() {
        let g = Search::default().grid();
        assert_eq!(g.len(), 11);
        assert_eq!(g[0], 1e-5);
        assert!((g[10] - 1e5).abs() < 1e-6 && (g[5] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn interior_maximum_is_found_to_the_tolerance() {
        for peak in [2.3e-4, 0.37, 3.0, 812.0] {
            let mut obj = LogQuadratic { peak, evals: 0 };
            let opt = maximize(&mut obj, &Search::default(), &[]).expect("evaluates");
            assert!((opt.lambda / peak - 1.0).abs() < 1e-8, "{peak}: {}", opt.lambda);
            assert!(!opt.at_boundary);
            // The hint changes the path, not the optimum.
            let mut hinted = LogQuadratic { peak, evals: 0 };
            let h = maximize(&mut hinted, &Search::default(), &[peak * 1.01]).expect("evaluates");
            assert!((h.lambda / peak - 1.0).abs() < 1e-8);
        }
    }

    #[test]
    fn maximum_beyond_the_range_is_reported_at_its_end() {
        for (peak, end) in [(1e7, 1e5), (1e-8, 1e-5)] {
            let mut obj = LogQuadratic { peak, evals: 0 };
            let opt = maximize(&mut obj, &Search::default(), &[]).expect("evaluates");
            assert!(opt.at_boundary);
            assert!((opt.lambda / end - 1.0).abs() < 1e-12, "{}", opt.lambda);
        }
    }

    /// `f(t) = t³/3 - t` in `t = ln lambda`: a local maximum at `lambda =
    /// 1/e`, a local minimum at `e`, rising to the upper end of the range.
    struct MaxThenMin {
        evals: Vec<f64>,
    }

    impl Objective for MaxThenMin {
        fn eval(&mut self, lambda: f64, _need_f: bool, _need_d2: bool) -> Option<LikEval> {
            self.evals.push(lambda);
            let t = lambda.ln();
            let g = t * t - 1.0; // df/dt
            Some(LikEval {
                f: t * t * t / 3.0 - t,
                d1: g / lambda,
                d2: (2.0 * t - g) / (lambda * lambda),
                ypy: 1.0,
            })
        }
    }

    /// The interval holding the minimum is not searched: the local maxima
    /// are the one maximum, and the optimum is the upper end.
    #[test]
    fn minima_are_not_searched() {
        let search = Search::default();
        let mut obj = MaxThenMin { evals: Vec::new() };
        let found = local_maxima(&mut obj, &search, &[]).expect("evaluates");
        assert_eq!(found.len(), 1);
        assert!(
            (found[0].lambda * std::f64::consts::E - 1.0).abs() < 1e-8,
            "{}",
            found[0].lambda
        );
        // every evaluation off the grid lies in the maximum's interval [0.1, 1]
        let grid = search.grid();
        assert!(obj.evals.iter().all(|l| grid.contains(l) || (0.1..=1.0).contains(l)));
        let mut obj = MaxThenMin { evals: Vec::new() };
        let best = maximize(&mut obj, &search, &[]).expect("evaluates");
        assert!(best.at_boundary && best.lambda == grid[search.n_region]);
    }

    /// An objective that cannot be evaluated (singular design) gives `None`.
    #[test]
    fn failed_evaluation_is_none() {
        struct Never;
        impl Objective for Never {
            fn eval(&mut self, _: f64, _: bool, _: bool) -> Option<LikEval> {
                None
            }
        }
        assert!(maximize(&mut Never, &Search::default(), &[]).is_none());
    }
}
