//! Reuse of the O(n) sums between evaluations. The exact scan evaluates
//! every variant at the same grid of `lambda`s (the search grid and the
//! null model's two `lambda`s), and often twice at one `lambda` (at a root
//! just found, at the optimum); the sums behind `A`, `B` and `C` are most of
//! the cost, so an evaluation takes them, cheapest first, from
//!
//! 1. `Work`'s own matrices, when they hold this `lambda`'s (`sums_at`);
//! 2. the variant's memo at that grid point ([`Memo`]), written by an
//!    earlier evaluation there or from the sums [`Work::prefill`] kept;
//! 3. a [`GridPoint`]: its weights and fixed-column sums, summing only the
//!    pairs with the variant;
//! 4. the variant's power series around a nearby centre ([`SeriesMemo`],
//!    written by [`Work::prefill_series`]), no O(n) work;
//! 5. `Work`'s weights, summing every pair.

use super::grid::{cross_products, GridPoint};
use super::series::{Expansion, SeriesMemo};
use super::sums::Weights;
use super::{Columns, Need};

/// Reusable buffers for evaluations over `m = c + 1` columns (`X` then `y`).
#[derive(Debug, Clone)]
pub(crate) struct Work {
    /// Most columns an evaluation may have.
    m: usize,
    /// Weights at the last `lambda` evaluated off the grid.
    weights: Weights,
    /// Weighted cross-products, full `m x m`, column-major.
    pub a: Vec<f64>,
    /// `B`, laid out as `a`.
    pub(super) b: Vec<f64>,
    /// `C`, laid out as `a` (holds `C` only when the evaluation needed it).
    pub(super) c: Vec<f64>,
    /// `A_XX⁻¹` (`c x c`) after an evaluation.
    pub ainv: Vec<f64>,
    /// GLS coefficients `A_XX⁻¹ A_Xy` after an evaluation.
    pub beta: Vec<f64>,
    /// Cholesky factor of `A_XX` (or of `XᵀX`).
    pub(super) chol: Vec<f64>,
    /// Scratch of [`super::chol_inverse`].
    pub(super) tmp: Vec<f64>,
    /// Per cached point: this variant's `A`, `B` and possibly `C` there
    /// (they do not depend on the method, so REML and ML share them).
    memo: Vec<Memo>,
    /// Per expansion centre: this variant's moments there.
    series: Vec<SeriesMemo>,
    /// `lambda` at which `a` and `b` (and `c` when the flag is set) hold
    /// the current columns' sums: a second evaluation there (the
    /// likelihood at a root just found, the estimates at the optimum)
    /// skips the O(n) sums. The last field names the series that gave
    /// them, whose totals then stand in for `weights` (not refilled).
    sums_at: Option<(f64, bool, Option<usize>)>,
}

/// Memoised sums of one cached point.
#[derive(Debug, Clone)]
struct Memo {
    /// Whether `abc[0]` and `abc[1]` hold the current columns' `A`, `B`.
    valid: bool,
    /// Whether `abc[2]` holds `C` too.
    with_c: bool,
    /// `A`, `B`, `C`, laid out as [`Work::a`].
    abc: [Vec<f64>; 3],
    /// Whether `pairs` holds the variant's sums there ([`Work::prefill`]).
    has_pairs: bool,
    /// The variant's column.
    x: usize,
    /// The sums of the variant's column with every column (`x` itself for
    /// its square), `A`'s then `B`'s: `abc` follows from them and the
    /// point's fixed sums, when an evaluation needs the full matrices.
    pairs: Vec<f64>,
}

/// The sums over samples of the weights that enter the likelihood directly.
#[derive(Debug, Clone, Copy)]
pub(super) struct Totals {
    /// `Σ ln d_i` (`NaN` when not asked for).
    pub sum_ln_d: f64,
    /// `tr(D⁻¹K) = Σ s/d`.
    pub tr_hk: f64,
    /// `tr(D⁻¹KD⁻¹K) = Σ s²/d²`.
    pub tr_hkhk: f64,
}

/// Where an evaluation finds its sums.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// `a`, `b` (and `c` if needed) already hold them.
    Current,
    /// Cached point `k`'s [`Memo`] holds them.
    Memo(usize),
    /// Series `e` covers `lambda`.
    Series(usize),
    /// They are summed, then memoised as cached point `k` when given.
    Sum(Option<usize>),
}

impl Work {
    /// Buffers for `n` samples and up to `m` columns.
    pub fn new(n: usize, m: usize) -> Self {
        Self {
            m,
            weights: Weights::empty(n),
            a: vec![0.0; m * m],
            b: vec![0.0; m * m],
            c: vec![0.0; m * m],
            ainv: vec![0.0; m * m],
            beta: vec![0.0; m],
            chol: vec![0.0; m * m],
            tmp: vec![0.0; m],
            memo: Vec::new(),
            series: Vec::new(),
            sums_at: None,
        }
    }

    /// Forgets memoised sums (call when the columns change).
    pub fn clear_memo(&mut self) {
        self.memo.iter_mut().for_each(|m| {
            m.valid = false;
            m.has_pairs = false;
        });
        self.series.iter_mut().for_each(|s| s.valid = false);
        self.sums_at = None;
    }

    /// Cached point `k`'s memo, allocated (invalid) on first use.
    fn memo_slot(&mut self, k: usize) -> &mut Memo {
        if self.memo.len() <= k {
            let mm = self.m * self.m;
            self.memo.resize(
                k + 1,
                Memo {
                    valid: false,
                    with_c: false,
                    abc: [vec![0.0; mm], vec![0.0; mm], vec![0.0; mm]],
                    has_pairs: false,
                    x: 0,
                    pairs: vec![0.0; 2 * self.m],
                },
            );
        }
        &mut self.memo[k]
    }

    /// Keeps the variant's sums at cached point `k` for the current columns
    /// (`m` of them, the variant's at index `x`): `sums[t]` for `t` = `A`,
    /// `B`, indexed by the other column (`sums[t][x]` being the sum with
    /// `x²`). Lets a caller that summed a whole block of variants at once
    /// (a matrix multiply) skip the per-variant sums there: the grid's
    /// evaluations read them directly ([`Work::point_pairs`]), others get
    /// the full `A` and `B` from them and the point's fixed sums. `C` is
    /// left out: the grid's evaluations need only the first derivative.
    pub fn prefill(&mut self, k: usize, m: usize, x: usize, sums: [&[f64]; 2]) {
        debug_assert!(m <= self.m && sums.iter().all(|v| v.len() == m));
        let memo = self.memo_slot(k);
        memo.pairs[..m].copy_from_slice(sums[0]);
        memo.pairs[m..2 * m].copy_from_slice(sums[1]);
        memo.x = x;
        memo.has_pairs = true;
        memo.valid = false;
    }

    /// The variant's `A` and `B` sums with every column at cached point
    /// `k` (`m` columns), when [`Work::prefill`] gave them.
    pub(super) fn point_pairs(&self, k: usize, m: usize) -> Option<(&[f64], &[f64])> {
        let memo = self.memo.get(k).filter(|memo| memo.has_pairs)?;
        Some((&memo.pairs[..m], &memo.pairs[m..2 * m]))
    }

    /// Writes cached point `k`'s full `A` and `B` into its memo from the
    /// variant's sums ([`Work::prefill`]) and the point's fixed ones.
    fn expand_pairs(&mut self, k: usize, point: &GridPoint, m: usize) {
        let memo = &mut self.memo[k];
        let x = memo.x;
        for (t, (mat, fixed)) in memo.abc.iter_mut().zip(&point.fixed).take(2).enumerate() {
            mat[..m * m].copy_from_slice(&fixed[..m * m]);
            for o in 0..m {
                let v = memo.pairs[t * m + o];
                mat[o * m + x] = v;
                mat[x * m + o] = v;
            }
        }
        memo.valid = true;
        memo.with_c = false;
    }

    /// Memoises the current columns' (`m` of them, the variant's at index
    /// `x`) moments around centre `e`, `exp`: `xs[o * MOMENTS + j]` is
    /// `μ_j` of the pair of `x` with column `o` (see [`super::series`]).
    pub fn prefill_series(&mut self, e: usize, exp: &Expansion, m: usize, x: usize, xs: &[f64]) {
        if self.series.len() <= e {
            self.series.resize(e + 1, SeriesMemo::new(self.m));
        }
        self.series[e].fill(exp, m, x, xs);
    }

    /// Puts the sums of `data`'s columns at `lambda` in `a`, `b` (and `c`
    /// when `need.d2`), from the cheapest source (see the module doc);
    /// `cache = Some((x, k, point))` names the variant's column `x` and the
    /// cached point `k` (used only when `lambda` is the point's). Returns
    /// the weights' totals at `lambda` (with `Σ ln d` when `need.f`).
    pub(super) fn load_sums(
        &mut self,
        data: &Columns<'_>,
        lambda: f64,
        need: Need,
        cache: Option<(usize, usize, &GridPoint)>,
    ) -> Totals {
        let m = data.cols.len();
        debug_assert!(m <= self.m);
        let cache = cache.filter(|(_, _, g)| g.weights.lambda == lambda);
        if let Some((_, k, point)) = cache {
            if self.memo.get(k).is_some_and(|memo| memo.has_pairs && !memo.valid) {
                self.expand_pairs(k, point, m);
            }
        }
        let source = self.source(lambda, need.d2, cache.map(|(_, k, _)| k));
        // The series whose sums these are, if any: its totals stand in for the weights'.
        let series = match source {
            Source::Current => self.sums_at.and_then(|(_, _, e)| e),
            Source::Series(e) => Some(e),
            _ => None,
        };
        // What `a`, `b` (and `c`) will hold at `lambda`, unless they already do.
        let sums_at = match source {
            Source::Current => None,
            Source::Memo(k) => Some(self.recall(k, m)),
            Source::Sum(_) | Source::Series(_) => Some(need.d2),
        };
        if let Some(e) = series {
            let out = [&mut self.a[..], &mut self.b[..], &mut self.c[..]];
            let sums = matches!(source, Source::Series(_)).then_some((need.d2, out));
            let totals = self.series[e].sums(lambda, m, need.f, sums);
            if let Some(with_c) = sums_at {
                self.sums_at = Some((lambda, with_c, Some(e)));
            }
            return totals;
        }
        if cache.is_none() {
            self.weights.update(data.s, lambda, need.f);
        }
        let wt = match cache {
            Some((_, _, g)) => &g.weights,
            None => &self.weights,
        };
        let totals = Totals {
            sum_ln_d: wt.sum_ln_d,
            tr_hk: wt.tr_hk,
            tr_hkhk: wt.tr_hkhk,
        };
        if let Source::Sum(memo) = source {
            let fixed = cache.map(|(x, _, g)| (x, &g.fixed));
            let out = [&mut self.a[..], &mut self.b[..], &mut self.c[..]];
            cross_products(wt, data.s.len(), data.cols, need.d2, fixed, out);
            if let Some(k) = memo {
                self.memoise(k, m);
            }
        }
        if let Some(with_c) = sums_at {
            self.sums_at = Some((lambda, with_c, None));
        }
        totals
    }

    /// Where the sums at `lambda` are (with `C` when `need_c`), `point`
    /// being the cached point at `lambda`, if any.
    fn source(&mut self, lambda: f64, need_c: bool, point: Option<usize>) -> Source {
        if self
            .sums_at
            .is_some_and(|(at, with_c, _)| at == lambda && (with_c || !need_c))
        {
            return Source::Current;
        }
        if point.is_none() {
            if let Some(e) = self.series.iter().position(|s| s.covers(lambda)) {
                return Source::Series(e);
            }
        }
        match point {
            Some(k) => {
                let slot = self.memo_slot(k);
                if slot.valid && (slot.with_c || !need_c) {
                    Source::Memo(k)
                } else {
                    Source::Sum(Some(k))
                }
            }
            None => Source::Sum(None),
        }
    }

    /// Copies cached point `k`'s memo (`m x m`) into `a`, `b` and, when it
    /// has it, `c`; returns whether it had `C`.
    fn recall(&mut self, k: usize, m: usize) -> bool {
        let slot = &self.memo[k];
        self.a[..m * m].copy_from_slice(&slot.abc[0][..m * m]);
        self.b[..m * m].copy_from_slice(&slot.abc[1][..m * m]);
        if slot.with_c {
            self.c[..m * m].copy_from_slice(&slot.abc[2][..m * m]);
        }
        slot.with_c
    }

    /// Memoises `a` and `b` (`m x m`, not `c`) as cached point `k`'s.
    fn memoise(&mut self, k: usize, m: usize) {
        let slot = &mut self.memo[k];
        slot.abc[0][..m * m].copy_from_slice(&self.a[..m * m]);
        slot.abc[1][..m * m].copy_from_slice(&self.b[..m * m]);
        slot.valid = true;
        slot.with_c = false;
    }
}
