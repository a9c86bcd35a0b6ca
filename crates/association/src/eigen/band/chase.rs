//! The second stage: a band reduced to tridiagonal form by chasing the
//! bulges each reflector makes down the band, on a compact store that
//! stays in cache.

use std::sync::atomic::{AtomicUsize, Ordering};

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

    /// Second stage: reduces the band to tridiagonal form in place and
    /// returns the reflectors as [`super::TwoStage`] keeps them, in the
    /// order a one-thread chase makes them.
    ///
    /// Sweep `j` zeroes column `j` below its subdiagonal with a reflector
    /// on the rows below it; applied from the right to the block below, it
    /// fills that block (the bulge), whose first column the next reflector
    /// zeroes, and so on down the band (see [`sweep`]). Sweeps run on
    /// `threads` threads in turn (sweep `j` on thread `j % threads`), each
    /// step of sweep `j` waiting until sweep `j - 1` is three steps ahead:
    /// step `t` of a sweep touches only the stored columns from
    /// `j + 1 + (t - 1) WIDTH` to `j + (t + 1) WIDTH`, so two sweeps that
    /// far apart touch different columns, and every value is updated by
    /// the same steps in the same order as by one thread: the same bits on
    /// any thread count (the pipelining of Bischof, Lang & Sun's successive
    /// band reduction as PLASMA runs it).
    pub(super) fn chase(&mut self, threads: usize) -> (Vec<(usize, f64, usize)>, Vec<f64>) {
        let n = self.n;
        let (count, values) = chase_sizes(n);
        let mut reflectors = vec![(0, 0.0, 0); count];
        let mut vectors = vec![0.0; values];
        let sweeps = n.saturating_sub(2);
        // each sweep's share of the outputs, and its step count
        let mut shares = Vec::with_capacity(sweeps);
        let (mut refl, mut vecs, mut at) = (&mut reflectors[..], &mut vectors[..], 0);
        for j in 0..sweeps {
            let rows = n - 1 - j;
            let (r, rest) = std::mem::take(&mut refl).split_at_mut(rows.div_ceil(WIDTH));
            let (v, vrest) = std::mem::take(&mut vecs).split_at_mut(rows);
            shares.push(Share {
                j,
                reflectors: r,
                vectors: v,
                at,
            });
            (refl, vecs, at) = (rest, vrest, at + rows);
        }
        let steps: Vec<usize> = (0..sweeps).map(|j| (n - 1 - j).div_ceil(WIDTH)).collect();
        let done: Vec<AtomicUsize> = (0..sweeps).map(|_| AtomicUsize::new(0)).collect();
        let shared = Shared {
            values: self.values.as_mut_ptr(),
            n,
        };
        let threads = threads.clamp(1, sweeps.max(1));
        let mut lanes: Vec<Vec<Share<'_>>> = (0..threads).map(|_| Vec::new()).collect();
        for (j, share) in shares.into_iter().enumerate() {
            lanes[j % threads].push(share);
        }
        let run = |lane: Vec<Share<'_>>| {
            let mut work = Work::new();
            for share in lane {
                let j = share.j;
                let wait = |t: usize| {
                    if j > 0 {
                        let need = (t + 3).min(steps[j - 1]);
                        let mut spins = 0u32;
                        while done[j - 1].load(Ordering::Acquire) < need {
                            spins += 1;
                            if spins.is_multiple_of(64) {
                                std::thread::yield_now();
                            } else {
                                std::hint::spin_loop();
                            }
                        }
                    }
                };
                let finished = |t: usize| done[j].store(t + 1, Ordering::Release);
                // should the sweep panic, the next one must not wait for
                // it for ever: the panic then ends the scope
                let unblock = Unblock(&done[j]);
                // SAFETY: `wait` keeps this sweep's steps off the columns
                // any other sweep is working on (see `chase`).
                unsafe { sweep(&shared, share, &mut work, wait, finished) };
                std::mem::forget(unblock);
            }
        };
        if threads == 1 {
            lanes.into_iter().for_each(run);
        } else {
            std::thread::scope(|scope| {
                let mut lanes = lanes.into_iter();
                let first = lanes.next().expect("at least one lane");
                for lane in lanes {
                    scope.spawn(|| run(lane));
                }
                run(first);
            });
        }
        (reflectors, vectors)
    }
}

/// Marks a sweep done when dropped, which happens only if it panics.
struct Unblock<'a>(&'a AtomicUsize);

impl Drop for Unblock<'_> {
    fn drop(&mut self) {
        self.0.store(usize::MAX, Ordering::Release);
    }
}

/// One sweep's share of the chase's outputs: its reflectors (first row,
/// `tau`, offset of `v` in all the vectors) and their vectors, which start
/// at offset `at`.
struct Share<'a> {
    j: usize,
    reflectors: &'a mut [(usize, f64, usize)],
    vectors: &'a mut [f64],
    at: usize,
}

/// A sweep's buffers: the current and next reflector, and `two_sided`'s
/// `w`.
struct Work {
    v: Vec<f64>,
    next: Vec<f64>,
    w: Vec<f64>,
}

impl Work {
    fn new() -> Self {
        Self {
            v: vec![0.0; WIDTH],
            next: vec![0.0; WIDTH],
            w: vec![0.0; WIDTH],
        }
    }
}

/// A [`Band`]'s values as the chase's threads share them.
struct Shared {
    values: *mut f64,
    n: usize,
}

// SAFETY: the threads of `Band::chase` reach the values only through
// `Shared::column`, on columns no other thread is working on meanwhile.
unsafe impl Sync for Shared {}

impl Shared {
    /// Column `c`'s stored rows `c + offset ..` (`len` of them).
    ///
    /// # Safety
    /// No other thread may touch column `c` while the slice lives, and at
    /// most one slice of a column may live at a time.
    #[allow(clippy::mut_from_ref)]
    unsafe fn column(&self, c: usize, offset: usize, len: usize) -> &mut [f64] {
        assert!(c < self.n && offset + len <= LD, "inside the band's store");
        // SAFETY: in bounds (above); exclusive by the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.values.add(c * LD + offset), len) }
    }

    /// `S <- H S H` for the symmetric block `S` on rows and columns
    /// `s .. s + v.len()`, `H = I - tau v vᵀ`: `S - v wᵀ - w vᵀ` with
    /// `w = tau S v - (tau² vᵀ S v / 2) v`.
    ///
    /// # Safety
    /// As [`Shared::column`], for the block's columns.
    unsafe fn two_sided(&self, s: usize, v: &[f64], tau: f64, w: &mut [f64]) {
        let l = v.len();
        let w = &mut w[..l];
        w.fill(0.0);
        for c in 0..l {
            // SAFETY: the caller's.
            let col = unsafe { self.column(s + c, 0, l - c) };
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
            // SAFETY: the caller's.
            let col = unsafe { self.column(s + c, 0, l - c) };
            for i in 0..l - c {
                col[i] -= v[c + i] * wc + w[c + i] * vc;
            }
        }
    }
}

/// Sweep `share.j` of the chase: its steps in order, calling `wait(t)`
/// before step `t` and `finished(t)` after it. Step 0 zeroes column `j`
/// below its subdiagonal (rows `j + 1 ..= j + WIDTH`); step `t > 0` applies
/// the last reflector from the right to the `WIDTH` rows below its block,
/// zeroes that block's first column below its top with the next
/// reflector, and applies it from the left and on its own block.
///
/// # Safety
/// Step `t` touches stored columns `j + 1 + (t - 1) WIDTH ..= j + (t + 1)
/// WIDTH` only; `wait` must keep every other thread off them until
/// `finished(t)`.
unsafe fn sweep(band: &Shared, share: Share<'_>, work: &mut Work, wait: impl Fn(usize), finished: impl Fn(usize)) {
    let (n, b, j) = (band.n, WIDTH, share.j);
    let Work { v, next, w } = work;
    let mut out = 0;
    let mut keep = |s: usize, tau: f64, v: &[f64]| {
        share.reflectors[out] = (s, tau, share.at + (s - j - 1));
        share.vectors[s - j - 1..s - j - 1 + v.len()].copy_from_slice(v);
        out += 1;
    };
    let (mut s, mut e) = (j + 1, (j + b).min(n - 1));
    let l = e - s + 1;
    wait(0);
    // SAFETY (every `column` and `two_sided` below): columns of this step
    // only, one slice at a time; `wait` has kept other threads off them.
    let col = unsafe { band.column(j, 1, l) };
    v[..l].copy_from_slice(col);
    let (mut tau, beta) = householder(&mut v[..l]);
    col[0] = beta;
    col[1..].fill(0.0);
    unsafe { band.two_sided(s, &v[..l], tau, w) };
    keep(s, tau, &v[..l]);
    finished(0);
    let mut t = 1;
    while e + 1 < n {
        wait(t);
        let l = e - s + 1;
        let (s2, e2) = (e + 1, (e + b).min(n - 1));
        let l2 = e2 - s2 + 1;
        // the block M = A[s2..=e2, s..=e] <- M H: fills it
        let y = &mut next[..l2];
        y.fill(0.0);
        for (c, &vc) in v[..l].iter().enumerate() {
            for (yi, &m) in y.iter_mut().zip(&*unsafe { band.column(s + c, s2 - s - c, l2) }) {
                *yi += m * vc;
            }
        }
        for (c, &vc) in v[..l].iter().enumerate() {
            let f = tau * vc;
            let y = &next[..l2];
            for (m, &yi) in unsafe { band.column(s + c, s2 - s - c, l2) }.iter_mut().zip(y) {
                *m -= yi * f;
            }
        }
        // the next reflector zeroes M's first column below its top
        let col = unsafe { band.column(s, s2 - s, l2) };
        next[..l2].copy_from_slice(col);
        let (tau2, beta2) = householder(&mut next[..l2]);
        col[0] = beta2;
        col[1..].fill(0.0);
        let u = &next[..l2];
        for c in 1..l {
            let m = unsafe { band.column(s + c, s2 - s - c, l2) };
            let d: f64 = u.iter().zip(m.iter()).map(|(a, b)| a * b).sum();
            let f = tau2 * d;
            for (x, &ui) in m.iter_mut().zip(u) {
                *x -= f * ui;
            }
        }
        unsafe { band.two_sided(s2, u, tau2, w) };
        keep(s2, tau2, u);
        finished(t);
        std::mem::swap(v, next);
        (s, e, tau) = (s2, e2, tau2);
        t += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    /// The pipelined chase makes the same band and the same reflectors,
    /// bit for bit, on one thread or several (an odd count too), and the
    /// reflectors' offsets run on as one thread lays them out.
    #[test]
    fn the_chase_is_the_same_on_any_thread_count() {
        for n in [3, 34, 200, 301] {
            let mut x = 0.37_f64;
            let a = Mat::<f64>::from_fn(n, n, |i, j| {
                x = (x * 7_919.0 + 0.5).fract();
                if i >= j && i - j <= WIDTH {
                    x - 0.5
                } else {
                    0.0
                }
            });
            let run = |threads: usize| {
                let mut band = Band::from_lower(a.as_ref());
                let out = band.chase(threads);
                (band.values, out)
            };
            let one = run(1);
            let (count, values) = chase_sizes(n);
            assert_eq!((one.1 .0.len(), one.1 .1.len()), (count, values));
            for (i, r) in one.1 .0.iter().enumerate() {
                let end = one.1 .0.get(i + 1).map_or(values, |next| next.2);
                assert!(r.2 < end, "reflector {i} has a vector");
            }
            for threads in [2, 3] {
                assert!(run(threads) == one, "n {n}, {threads} threads");
            }
        }
    }
}
