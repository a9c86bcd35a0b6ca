//! The parsed dosages of a BIMBAM file, held in memory without losing a bit.
//!
//! Mean-genotype files are text with few distinct values (the mouse example
//! has 1,160 among its 23.7 million dosages: mostly `0`, `1` and `2`, the
//! rest short decimals). The store keeps each distinct `f64` once and a
//! 2-byte code per dosage: a quarter of the memory of plain `f64`, and
//! exactly the doubles GEMMA parses (no quantisation). A file with more
//! than 65,536 distinct values falls back to plain `f64`. Missing is `NaN`.

use std::collections::HashMap;

use crate::bgen::DosageStats;

/// Distinct values a 2-byte code can name.
const CODED_LIMIT: usize = 1 << 16;

/// Dosages variant-major: `n` per variant, in sample order.
#[derive(Debug)]
pub(super) enum Store {
    /// Each dosage a code into `values` (the distinct doubles).
    Coded {
        /// The distinct values, first appearance first (`NaN` = missing).
        values: Vec<f64>,
        /// One code per dosage.
        codes: Vec<u16>,
    },
    /// Each dosage itself.
    Dense(Vec<f64>),
}

/// Builds a [`Store`] one dosage at a time, in file order.
pub(super) struct StoreBuilder {
    limit: usize,
    index: HashMap<u64, u16>,
    /// Codes of `0`, `1`, `2` and missing once seen: most dosages, found
    /// without hashing.
    common: [Option<u16>; 4],
    store: Store,
}

impl StoreBuilder {
    /// An empty store.
    pub(super) fn new() -> Self {
        Self::with_limit(CODED_LIMIT)
    }

    /// An empty store that turns dense past `limit` distinct values (tests
    /// use small limits; at most [`CODED_LIMIT`]).
    pub(super) fn with_limit(limit: usize) -> Self {
        debug_assert!(limit <= CODED_LIMIT);
        Self {
            limit,
            index: HashMap::new(),
            common: [None; 4],
            store: Store::Coded {
                values: Vec::new(),
                codes: Vec::new(),
            },
        }
    }

    /// Appends one dosage (`NaN` = missing).
    #[inline]
    pub(super) fn push(&mut self, x: f64) {
        let (values, codes) = match &mut self.store {
            Store::Dense(d) => return d.push(x),
            Store::Coded { values, codes } => (values, codes),
        };
        let slot = if x.is_nan() {
            Some(3)
        } else if x.to_bits() == 0.0f64.to_bits() {
            Some(0)
        } else if x == 1.0 {
            Some(1)
        } else if x == 2.0 {
            Some(2)
        } else {
            None
        };
        if let Some(code) = slot.and_then(|s| self.common[s]) {
            codes.push(code);
            return;
        }
        // NaN has many bit patterns: one key for all of them
        let key = if x.is_nan() { f64::NAN.to_bits() } else { x.to_bits() };
        let code = match self.index.get(&key) {
            Some(&code) => code,
            None if values.len() < self.limit => {
                let code = values.len() as u16;
                values.push(x);
                self.index.insert(key, code);
                code
            }
            None => {
                let mut dense: Vec<f64> = codes.iter().map(|&c| values[c as usize]).collect();
                dense.push(x);
                self.store = Store::Dense(dense);
                self.index = HashMap::new();
                return;
            }
        };
        if let Some(s) = slot {
            self.common[s] = Some(code);
        }
        codes.push(code);
    }

    /// The finished store.
    pub(super) fn finish(self) -> Store {
        match self.store {
            Store::Coded { values, mut codes } => {
                codes.shrink_to_fit();
                Store::Coded { values, codes }
            }
            Store::Dense(mut d) => {
                d.shrink_to_fit();
                Store::Dense(d)
            }
        }
    }
}

impl Store {
    /// Bytes of memory the dosages take.
    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Store::Coded { values, codes } => values.len() * 8 + codes.len() * 2,
            Store::Dense(d) => d.len() * 8,
        }
    }

    /// Writes the dosages of variant `v` (of `n` samples each) at
    /// `positions` into `out` (`NaN` where missing) and returns their sums.
    /// BIMBAM dosages carry no genotype probabilities: the sum of second
    /// moments is `NaN` (so is the IMPUTE2 info computed from it).
    pub(super) fn fill(&self, v: usize, n: usize, positions: &[u32], out: &mut [f64]) -> DosageStats {
        debug_assert_eq!(positions.len(), out.len());
        let range = v * n..(v + 1) * n;
        match self {
            Store::Coded { values, codes } => {
                let codes = &codes[range];
                run(positions, out, |i| values[codes[i] as usize])
            }
            Store::Dense(d) => {
                let d = &d[range];
                run(positions, out, |i| d[i])
            }
        }
    }
}

/// The loop of [`Store::fill`], one copy per storage.
#[inline(always)]
fn run(positions: &[u32], out: &mut [f64], get: impl Fn(usize) -> f64) -> DosageStats {
    let mut st = DosageStats {
        sum_second_moment: f64::NAN,
        ..DosageStats::default()
    };
    for (dst, &i) in out.iter_mut().zip(positions) {
        let x = get(i as usize);
        *dst = x;
        if x.is_nan() {
            st.n_missing += 1;
        } else {
            st.n_obs += 1;
            st.sum += x;
            st.sum_sq += x * x;
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(values: &[f64], limit: usize) -> Store {
        let mut b = StoreBuilder::with_limit(limit);
        for &x in values {
            b.push(x);
        }
        b.finish()
    }

    fn all(store: &Store, n: usize, n_variants: usize) -> Vec<f64> {
        let positions: Vec<u32> = (0..n as u32).collect();
        let mut out = vec![0.0; n * n_variants];
        for (v, col) in out.chunks_mut(n).enumerate() {
            store.fill(v, n, &positions, col);
        }
        out
    }

    fn same_bits(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    /// Every value comes back bit for bit, coded or dense, including `-0`
    /// and values next to each other in the last bit.
    #[test]
    fn values_come_back_exactly() {
        let next_to_tenth = f64::from_bits(0.1f64.to_bits() + 1);
        let tricky = [0.0, -0.0, 1.0, 2.0, f64::NAN, 0.1, next_to_tenth, 0.1 + 0.2, 0.3, 1.999];
        let values: Vec<f64> = tricky.iter().cycle().take(40).copied().collect();
        for limit in [CODED_LIMIT, 3, 1] {
            let store = build(&values, limit);
            assert_eq!(matches!(store, Store::Dense(_)), limit < 10, "{limit}");
            assert!(same_bits(&all(&store, 10, 4), &values), "limit {limit}");
        }
        let store = build(&values, CODED_LIMIT);
        assert_eq!(store.heap_bytes(), 10 * 8 + 40 * 2);
    }

    /// A subset in any order, with repeats; sums over the samples with data.
    #[test]
    fn fills_a_subset_with_its_sums() {
        let values = [0.0, 1.5, f64::NAN, 2.0, /* variant 2 */ 1.0, 1.0, 0.25, f64::NAN];
        let store = build(&values, CODED_LIMIT);
        let mut out = [0.0; 4];
        let st = store.fill(1, 4, &[3, 2, 2, 0], &mut out);
        assert!(out[0].is_nan());
        assert_eq!(&out[1..], [0.25, 0.25, 1.0]);
        assert_eq!((st.n_obs, st.n_missing, st.sum, st.sum_sq), (3, 1, 1.5, 1.125));
        assert!(st.sum_second_moment.is_nan());
    }
}
