//! Where the variants lie: chromosomes, positions, and the null phenotypes'
//! test set.

use std::ops::Range;

/// Simulated length of every chromosome in base pairs (100 Mb). Genetic
/// positions are `bp / 1e6` centimorgans (1 cM per Mb).
pub const CHROM_BP: u64 = 100_000_000;

/// The split of `n_variants` variants (in `.bim` order) over `n_chrom`
/// chromosomes: consecutive runs whose lengths differ by at most one, the
/// longer ones first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    n_variants: usize,
    n_chrom: usize,
}

impl Layout {
    /// The layout of `n_variants` over `n_chrom >= 1` chromosomes.
    pub fn new(n_variants: usize, n_chrom: usize) -> Self {
        debug_assert!(n_chrom >= 1);
        Self { n_variants, n_chrom }
    }

    /// Number of variants.
    pub fn n_variants(&self) -> usize {
        self.n_variants
    }

    /// Number of chromosomes.
    pub fn n_chrom(&self) -> usize {
        self.n_chrom
    }

    /// Variants of chromosome `c` (0-based index; the chromosome's code is
    /// `c + 1`).
    pub fn chrom_range(&self, c: usize) -> Range<usize> {
        let (q, r) = (self.n_variants / self.n_chrom, self.n_variants % self.n_chrom);
        let start = c * q + c.min(r);
        start..start + q + usize::from(c < r)
    }

    /// The chromosome (0-based) of variant `i`, its index on that chromosome
    /// and the chromosome's variant count.
    pub fn locate(&self, i: usize) -> (usize, usize, usize) {
        debug_assert!(i < self.n_variants);
        let (q, r) = (self.n_variants / self.n_chrom, self.n_variants % self.n_chrom);
        let long = r * (q + 1);
        let (c, k) = if i < long {
            (i / (q + 1), i % (q + 1))
        } else {
            (r + (i - long) / q, (i - long) % q)
        };
        (c, k, q + usize::from(c < r))
    }

    /// Base-pair position of the `k`-th of `m` variants of a chromosome, with
    /// `jitter` in `[0, 1)`: the chromosome is cut into `m` equal slots (at
    /// least 1 bp each) and the variant lies at `jitter` within its slot, so
    /// positions strictly increase along a chromosome. Fits PLINK's 32-bit
    /// positions for up to 2^31 - 1 variants per chromosome.
    pub fn position(k: usize, m: usize, jitter: f64) -> u64 {
        let slot = (CHROM_BP / m as u64).max(1);
        1 + k as u64 * slot + ((jitter * slot as f64) as u64).min(slot - 1)
    }

    /// The null phenotypes' test set: the variants on chromosomes
    /// `ceil(C/2) + 1 ..= C` when there are `C >= 2` chromosomes, else the
    /// second half of the variants. Null phenotypes draw their causal
    /// (background) variants only from before this range, so every variant
    /// in it is null for them.
    pub fn test_set(&self) -> Range<usize> {
        let start = if self.n_chrom >= 2 {
            self.chrom_range(self.n_chrom.div_ceil(2)).start
        } else {
            self.n_variants.div_ceil(2)
        };
        start..self.n_variants
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromosomes_tile_the_variants() {
        for (m, c) in [(10, 3), (9, 3), (5, 5), (1_000_001, 22), (7, 1)] {
            let l = Layout::new(m, c);
            let mut next = 0;
            for chrom in 0..c {
                let r = l.chrom_range(chrom);
                assert_eq!(r.start, next);
                for i in r.clone() {
                    assert_eq!(l.locate(i), (chrom, i - r.start, r.len()));
                }
                next = r.end;
            }
            assert_eq!(next, m);
        }
        assert_eq!(Layout::new(10, 3).chrom_range(0), 0..4);
        assert_eq!(Layout::new(10, 4).test_set(), 6..10);
        assert_eq!(Layout::new(10, 3).test_set(), 7..10);
        assert_eq!(Layout::new(5, 1).test_set(), 3..5);
    }

    #[test]
    fn positions_increase_and_stay_in_range() {
        for m in [2, 3, 1000, 200_000_000] {
            assert!(Layout::position(m - 1, m, 0.999_999_9) <= CHROM_BP.max(m as u64));
            assert!(Layout::position(0, m, 0.999_999_9) < Layout::position(1, m, 0.0));
            assert!(Layout::position(m - 2, m, 0.999_999_9) < Layout::position(m - 1, m, 0.0));
        }
        assert_eq!(Layout::position(0, 1, 0.0), 1);
    }
}
