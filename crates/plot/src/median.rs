//! The median p-value of a stream, exactly, in bounded memory: the
//! numerator of genomic control (lambda_GC = median chi2 / 0.4549, and the
//! median chi2 is that of the median p).
//!
//! Every value is counted in a histogram of `BINS` equal bins over [0, 1].
//! Values are also kept, but only those in a window of bins around the
//! running median: whenever more than `cap` are kept, the window shrinks to
//! about `cap / 2` values around the median so far. At the end the histogram
//! names the bin of the median; if the window still holds that bin, the
//! median is selected among the values kept, else (a median that moved out
//! of the window, as in a file sorted by p-value) [`Median::Rescan`] asks
//! for a second pass collecting only that bin's values.

use statrs::distribution::{ContinuousCDF, Normal};

/// Median of chi2(1), the denominator of genomic control.
const CHI2_1_MEDIAN: f64 = 0.454_936_423_119_572_7;

/// Genomic control from the median p-value(s) `median` (one value, or the
/// two middle values of an even count, whose chi2 are averaged):
/// `median chi2(1) / 0.4549`, with chi2 = z^2 for z the upper `p / 2`
/// normal quantile. The same figure as `association::lambda_gc` gives for
/// the same p-values (the scan's `.json`). `None` without a value.
pub(crate) fn lambda_gc(median: &[f64]) -> Option<f64> {
    if median.is_empty() {
        return None;
    }
    let normal = Normal::standard();
    let chi2 = |p: f64| {
        let z = normal.inverse_cdf(p / 2.0);
        z * z
    };
    Some(median.iter().map(|&p| chi2(p)).sum::<f64>() / median.len() as f64 / CHI2_1_MEDIAN)
}

/// Histogram bins over [0, 1] (32 KB of counts: the histogram stays in
/// cache, as every value of the file touches it).
const BINS: usize = 1 << 12;
/// Values kept before the window shrinks (8 MB of `f64`).
const CAP: usize = 1 << 20;

/// The bin of a p-value in [0, 1].
fn bin(p: f64) -> usize {
    ((p * BINS as f64) as usize).min(BINS - 1)
}

/// Collects p-values for their exact median.
#[derive(Debug, Clone)]
pub(crate) struct MedianStream {
    hist: Vec<u64>,
    n: u64,
    /// Bins `lo..hi` have every value kept.
    lo: usize,
    hi: usize,
    kept: Vec<f64>,
    cap: usize,
}

impl Default for MedianStream {
    fn default() -> Self {
        Self::with_cap(CAP)
    }
}

/// The outcome of [`MedianStream::finish`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Median {
    /// No value.
    Empty,
    /// The values of 0-based ranks `(n - 1) / 2` and `n / 2` (equal ranks
    /// for odd `n`), in increasing order.
    Found(Vec<f64>),
    /// The median was not kept: pass over the values again.
    Rescan(Rescan),
}

/// A second pass: collect the values [`Rescan::wants`], then
/// [`Rescan::select`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rescan {
    bins: std::ops::RangeInclusive<usize>,
    /// Values in bins below the first wanted.
    below: u64,
    n: u64,
}

impl Rescan {
    /// Whether the second pass must collect `p`.
    pub fn wants(&self, p: f64) -> bool {
        self.bins.contains(&bin(p))
    }

    /// The median values (as [`Median::Found`]) among `values`, every
    /// value of the second pass that [`Rescan::wants`].
    pub fn select(&self, mut values: Vec<f64>) -> Vec<f64> {
        select(&mut values, self.below, self.n)
    }
}

/// The values of 0-based ranks `(n - 1) / 2` and `n / 2` of a sample of
/// `n`, given the values between them (`values`) and how many are smaller
/// (`below`).
fn select(values: &mut [f64], below: u64, n: u64) -> Vec<f64> {
    let ranks = [(n - 1) / 2, n / 2];
    let k1 = (ranks[0] - below) as usize;
    let (_, &mut v1, rest) = values.select_nth_unstable_by(k1, f64::total_cmp);
    if ranks[0] == ranks[1] {
        return vec![v1];
    }
    let v2 = rest.iter().copied().fold(f64::INFINITY, f64::min);
    vec![v1, v2]
}

impl MedianStream {
    /// A stream keeping at most about `cap` values.
    pub fn with_cap(cap: usize) -> Self {
        Self {
            hist: vec![0; BINS],
            n: 0,
            lo: 0,
            hi: BINS,
            kept: Vec::new(),
            cap: cap.max(2),
        }
    }

    /// Adds a p-value in [0, 1].
    pub fn push(&mut self, p: f64) {
        debug_assert!((0.0..=1.0).contains(&p));
        self.n += 1;
        let b = bin(p);
        self.hist[b] += 1;
        if (self.lo..self.hi).contains(&b) {
            self.kept.push(p);
            if self.kept.len() > self.cap {
                self.shrink();
            }
        }
    }

    /// The bin holding the value of 0-based rank `r`.
    fn bin_of_rank(&self, r: u64) -> usize {
        let mut seen = 0;
        for (b, &c) in self.hist.iter().enumerate() {
            seen += c;
            if seen > r {
                return b;
            }
        }
        BINS - 1
    }

    /// Narrows the window to about `cap / 2` values around the running
    /// median (to that bin alone if it holds more).
    fn shrink(&mut self) {
        let m = self.bin_of_rank((self.n - 1) / 2);
        if !(self.lo..self.hi).contains(&m) {
            // The median left the window: keep nothing more, rescan later.
            self.hi = self.lo;
            self.kept = Vec::new();
            return;
        }
        let (mut a, mut b, mut total) = (m, m + 1, self.hist[m]);
        loop {
            let left = (a > self.lo).then(|| self.hist[a - 1]);
            let right = (b < self.hi).then(|| self.hist[b]);
            let (grow_left, c) = match (left, right) {
                (Some(l), Some(r)) if l <= r => (true, l),
                (Some(l), None) => (true, l),
                (_, Some(r)) => (false, r),
                (None, None) => break,
            };
            if total + c > (self.cap / 2) as u64 {
                break;
            }
            total += c;
            if grow_left {
                a -= 1;
            } else {
                b += 1;
            }
        }
        self.lo = a;
        self.hi = b;
        self.kept.retain(|&p| (a..b).contains(&bin(p)));
        // A bin alone over the cap (ties): let the cap grow rather than
        // shrink on every value.
        self.cap = self.cap.max(2 * self.kept.len());
    }

    /// The median values, or the second pass needed to find them.
    pub fn finish(mut self) -> Median {
        if self.n == 0 {
            return Median::Empty;
        }
        let b1 = self.bin_of_rank((self.n - 1) / 2);
        let b2 = self.bin_of_rank(self.n / 2);
        let below_bins = |b: usize| self.hist[..b].iter().sum::<u64>();
        if self.lo <= b1 && b2 < self.hi {
            let below = below_bins(self.lo);
            return Median::Found(select(&mut self.kept, below, self.n));
        }
        Median::Rescan(Rescan {
            below: below_bins(b1),
            bins: b1..=b2,
            n: self.n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The median values by sorting everything.
    fn sorted_median(v: &[f64]) -> Vec<f64> {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        if n % 2 == 1 {
            vec![s[n / 2]]
        } else {
            vec![s[n / 2 - 1], s[n / 2]]
        }
    }

    /// The median through the stream, with the second pass when asked.
    fn streamed(v: &[f64], cap: usize) -> (Vec<f64>, bool) {
        let mut m = MedianStream::with_cap(cap);
        v.iter().for_each(|&p| m.push(p));
        match m.finish() {
            Median::Found(x) => (x, false),
            Median::Rescan(r) => (r.select(v.iter().copied().filter(|&p| r.wants(p)).collect()), true),
            Median::Empty => panic!("empty"),
        }
    }

    /// A deterministic scramble of [0, 1) (Weyl sequence).
    fn weyl(n: usize, offset: f64) -> Vec<f64> {
        (0..n)
            .map(|i| (offset + i as f64 * 0.618_033_988_749_895) % 1.0)
            .collect()
    }

    #[test]
    fn exact_median_with_and_without_a_second_pass() {
        for n in [1, 2, 3, 10, 1001, 50_000, 50_001] {
            let v = weyl(n, 0.1);
            // Cap large: everything kept.
            assert_eq!(streamed(&v, 1 << 20), (sorted_median(&v), false), "n = {n}");
            // Cap tiny: the window shrinks to a few values, and the
            // median may leave it (then a second pass finds it).
            assert_eq!(streamed(&v, 64).0, sorted_median(&v), "n = {n}");
        }
        // A cap of a tenth of the values: the median stays in the window.
        let v = weyl(50_001, 0.7);
        assert_eq!(streamed(&v, 5000), (sorted_median(&v), false));
        // Sorted input: the running median climbs out of the window.
        let mut v = weyl(20_000, 0.3);
        v.sort_by(f64::total_cmp);
        let (m, rescanned) = streamed(&v, 100);
        assert_eq!(m, sorted_median(&v));
        assert!(rescanned);
    }

    #[test]
    fn lambda_of_known_sets() {
        // chi2(1) upper quantiles: 3.841459 at p = 0.05, 6.634897 at 0.01.
        let (c05, c01) = (3.841_458_820_694_124, 6.634_896_601_021_214);
        let l = lambda_gc(&[0.05]).unwrap();
        assert!((l - c05 / CHI2_1_MEDIAN).abs() < 1e-9, "{l}");
        // An even count averages the two middle chi2 values.
        let l = lambda_gc(&[0.01, 0.05]).unwrap();
        assert!((l - (c01 + c05) / 2.0 / CHI2_1_MEDIAN).abs() < 1e-9, "{l}");
        assert!((lambda_gc(&[0.5]).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(lambda_gc(&[]), None);
        // Evenly spread p-values, streamed: the median is 0.5.
        let v: Vec<f64> = (0..10_001).map(|i| (i as f64 + 0.5) / 10_001.0).collect();
        let (m, _) = streamed(&weyl_order(&v), 1000);
        assert_eq!(m, vec![0.5]);
        assert!((lambda_gc(&m).unwrap() - 1.0).abs() < 1e-12);
    }

    /// `v` in a scrambled order.
    fn weyl_order(v: &[f64]) -> Vec<f64> {
        let n = v.len();
        (0..n).map(|i| v[(i * 7919) % n]).collect()
    }

    #[test]
    fn ties_do_not_stall_the_window() {
        let mut v = vec![1.0; 5000];
        v.extend(weyl(3000, 0.2));
        assert_eq!(streamed(&v, 100).0, sorted_median(&v));
        assert_eq!(MedianStream::default().finish(), Median::Empty);
    }
}
