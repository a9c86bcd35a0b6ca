//! Decoding packed genotypes into column-major `f64` blocks, with per-variant
//! allele statistics computed in the same pass.

use rayon::prelude::*;

use crate::moments::{encode_in_place, VariantMoments};

use crate::bed::Bed;

/// PLINK 1 two-bit code -> count of allele A1 (`NaN` = missing):
/// `00` -> 2, `01` -> missing, `10` -> 1, `11` -> 0.
const CODE_VALUE: [f64; 4] = [2.0, f64::NAN, 1.0, 0.0];

/// Byte -> the four genotypes it packs (first sample in the low bits).
static BYTE_VALUES: [[f64; 4]; 256] = {
    let mut t = [[0.0; 4]; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 4 {
            t[b][j] = CODE_VALUE[(b >> (2 * j)) & 3];
            j += 1;
        }
        b += 1;
    }
    t
};

/// Which samples to decode, in which order: positions in the `.fam`, with
/// byte offsets and bit shifts precomputed once.
#[derive(Debug, Clone)]
pub struct SampleSubset {
    idx: Vec<u32>,
    byte: Vec<u32>,
    shift: Vec<u8>,
    /// True when the subset is every sample in file order (fast path).
    whole: bool,
    /// The distinct positions as `.bed` bytes: `byte << 4 | mask`, bit `j`
    /// of the mask selecting the byte's `j`-th sample, in byte order.
    masks: Vec<u32>,
    /// Positions selected more than once, beyond their first selection.
    repeats: Vec<u32>,
}

/// Code counts packed in 16-bit lanes of a `u64` (lane `c` counts code
/// `c`), for a byte (index `byte`) restricted to the samples of a 4-bit
/// mask (index `mask`): summing one entry per byte counts a variant's codes
/// with no store in the loop, unlike a histogram whose increments of the
/// same code wait on one another.
static MASKED_COUNTS: [[u64; 256]; 16] = {
    let mut t = [[0u64; 256]; 16];
    let mut m = 0;
    while m < 16 {
        let mut b = 0;
        while b < 256 {
            let mut j = 0;
            while j < 4 {
                if (m >> j) & 1 == 1 {
                    t[m][b] += 1 << (16 * ((b >> (2 * j)) & 3));
                }
                j += 1;
            }
            b += 1;
        }
        m += 1;
    }
    t
};

/// Bytes summed into one packed count before its lanes are widened: each
/// adds at most 4 to a lane, which must stay below 2^16.
const LANE_BYTES: usize = 16383;

/// Adds the packed lanes of `acc` (see [`MASKED_COUNTS`]) to `c`.
#[inline]
fn widen(acc: u64, c: &mut [u32; 4]) {
    for (k, ck) in c.iter_mut().enumerate() {
        *ck += ((acc >> (16 * k)) & 0xffff) as u32;
    }
}

impl SampleSubset {
    /// Every sample of a fileset with `n` samples, in file order.
    pub fn all(n: usize) -> Self {
        Self::new((0..n as u32).collect(), n)
    }

    /// The given `.fam` positions, in the given order (`n_total` = `.fam` rows).
    ///
    /// # Panics
    /// If a position is `>= n_total`.
    pub fn new(idx: Vec<u32>, n_total: usize) -> Self {
        assert!(
            idx.iter().all(|&i| (i as usize) < n_total),
            "sample position out of range"
        );
        let whole = idx.len() == n_total && idx.iter().enumerate().all(|(k, &i)| k == i as usize);
        let byte = idx.iter().map(|&i| i / 4).collect();
        let shift = idx.iter().map(|&i| ((i % 4) * 2) as u8).collect();
        let mut bits = vec![0u8; n_total.div_ceil(4)];
        let mut repeats = Vec::new();
        for &i in &idx {
            let (b, j) = (i as usize / 4, i % 4);
            if bits[b] >> j & 1 == 1 {
                repeats.push(i);
            }
            bits[b] |= 1 << j;
        }
        let masks = bits
            .iter()
            .enumerate()
            .filter(|&(_, &m)| m != 0)
            .map(|(b, &m)| (b as u32) << 4 | u32::from(m))
            .collect();
        Self {
            idx,
            byte,
            shift,
            whole,
            masks,
            repeats,
        }
    }

    /// Number of samples selected.
    pub fn len(&self) -> usize {
        self.idx.len()
    }

    /// Whether no sample is selected.
    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }

    /// The `.fam` positions, in decode order.
    pub fn positions(&self) -> &[u32] {
        &self.idx
    }

    /// Counts each two-bit code of one variant over the subset.
    #[inline]
    fn count(&self, bytes: &[u8]) -> [u32; 4] {
        let mut c = [0u32; 4];
        for chunk in self.masks.chunks(LANE_BYTES) {
            let acc = chunk
                .iter()
                .map(|&e| MASKED_COUNTS[(e & 15) as usize][bytes[(e >> 4) as usize] as usize])
                .sum();
            widen(acc, &mut c);
        }
        for &i in &self.repeats {
            c[((bytes[i as usize / 4] >> ((i % 4) * 2)) & 3) as usize] += 1;
        }
        c
    }

    /// Writes raw A1 counts (`NaN` = missing) of one variant into `out`.
    #[inline]
    fn unpack(&self, bytes: &[u8], out: &mut [f64]) {
        debug_assert_eq!(out.len(), self.idx.len());
        if self.whole {
            let full = out.len() / 4;
            let (head, tail) = out.split_at_mut(full * 4);
            for (dst, &b) in head.chunks_exact_mut(4).zip(bytes) {
                dst.copy_from_slice(&BYTE_VALUES[b as usize]);
            }
            for (k, dst) in tail.iter_mut().enumerate() {
                *dst = BYTE_VALUES[bytes[full] as usize][k];
            }
        } else {
            for ((dst, &b), &s) in out.iter_mut().zip(&self.byte).zip(&self.shift) {
                *dst = CODE_VALUE[((bytes[b as usize] >> s) & 3) as usize];
            }
        }
    }
}

/// Genotype counts of one variant over the analysed samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlleleStats {
    /// Samples homozygous for A1 (count 2).
    pub n_hom_a1: u32,
    /// Heterozygous samples (count 1).
    pub n_het: u32,
    /// Samples homozygous for A2 (count 0).
    pub n_hom_a2: u32,
    /// Samples with a missing genotype.
    pub n_missing: u32,
}

impl AlleleStats {
    fn from_codes(c: [u32; 4]) -> Self {
        Self {
            n_hom_a1: c[0],
            n_missing: c[1],
            n_het: c[2],
            n_hom_a2: c[3],
        }
    }

    /// Number of distinct genotype classes observed (0 to 3).
    pub fn n_classes(&self) -> usize {
        [self.n_hom_a1, self.n_het, self.n_hom_a2]
            .iter()
            .filter(|&&c| c > 0)
            .count()
    }
}

/// Hard calls: counts 2, 1, 0 of A1.
impl VariantMoments for AlleleStats {
    fn n_obs(&self) -> u32 {
        self.n_hom_a1 + self.n_het + self.n_hom_a2
    }

    fn n_missing(&self) -> u32 {
        self.n_missing
    }

    fn sum(&self) -> f64 {
        f64::from(2 * self.n_hom_a1 + self.n_het)
    }

    fn sum_sq(&self) -> f64 {
        f64::from(4 * self.n_hom_a1 + self.n_het)
    }
}

/// How decoded genotypes are transformed. Missing values are mean-imputed
/// in every encoding except [`Encoding::Raw`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A1 counts 0/1/2, `NaN` where missing.
    Raw,
    /// A1 counts with missing values replaced by the variant's mean.
    MeanImputed,
    /// `x - mean` (missing -> 0): GEMMA's `-gk 1` columns.
    Centered,
    /// `(x - 2p) / sqrt(2p(1-p))` (missing -> 0): the GCTA / PLINK 2 GRM
    /// columns. Monomorphic variants give zeros.
    Standardized,
    /// `(x - mean) / sd` with `sd` the population standard deviation of the
    /// mean-imputed values (missing -> 0): GEMMA's `-gk 2` columns.
    /// Zero-variance variants are only centered, as in GEMMA.
    UnitVariance,
}

impl Encoding {
    /// Every encoding, for code (and tests) that try each.
    pub const ALL: [Encoding; 5] = [
        Encoding::Raw,
        Encoding::MeanImputed,
        Encoding::Centered,
        Encoding::Standardized,
        Encoding::UnitVariance,
    ];
}

/// A view of a `.bed` restricted to a subset of samples: decodes any list of
/// variants into a caller-owned column-major block. `Send + Sync`.
#[derive(Debug, Clone, Copy)]
pub struct Genotypes<'a> {
    bed: &'a Bed,
    samples: &'a SampleSubset,
}

impl<'a> Genotypes<'a> {
    /// A view over `samples` of `bed`.
    ///
    /// # Panics
    /// If the subset refers to more samples than the `.bed` holds.
    pub fn new(bed: &'a Bed, samples: &'a SampleSubset) -> Self {
        assert!(samples.positions().iter().all(|&i| (i as usize) < bed.n_samples()));
        Self { bed, samples }
    }

    /// Number of samples in the view (rows of a decoded block).
    pub fn n_samples(&self) -> usize {
        self.samples.len()
    }

    /// The sample subset.
    pub fn samples(&self) -> &'a SampleSubset {
        self.samples
    }

    /// The underlying `.bed`.
    pub fn bed(&self) -> &Bed {
        self.bed
    }

    /// Genotype counts of one variant (`.bim` position `v`).
    pub fn stats(&self, v: usize) -> AlleleStats {
        AlleleStats::from_codes(self.samples.count(self.bed.variant_bytes(v)))
    }

    /// Genotype counts of many variants, in parallel.
    pub fn stats_many(&self, variants: &[u32]) -> Vec<AlleleStats> {
        variants.par_iter().map(|&v| self.stats(v as usize)).collect()
    }

    /// Decodes one variant into `out` (length = samples in the view) and
    /// returns its counts.
    pub fn decode_one(&self, v: usize, enc: Encoding, out: &mut [f64]) -> AlleleStats {
        let bytes = self.bed.variant_bytes(v);
        let st = AlleleStats::from_codes(self.samples.count(bytes));
        self.samples.unpack(bytes, out);
        encode_in_place(out, &st, enc);
        st
    }

    /// Decodes `variants` (`.bim` positions, any order) into `out`, a
    /// column-major `n x variants.len()` buffer, and their counts into `stats`.
    /// Parallel over variants; allocates nothing. Generic over the stats
    /// type so that [`crate::Decoder`] stores its [`crate::VariantStats`]
    /// in place, at no cost to this path.
    ///
    /// # Panics
    /// If `out.len() != n * variants.len()` or `stats.len() != variants.len()`.
    pub fn decode_block<S: From<AlleleStats> + Send>(
        &self,
        variants: &[u32],
        enc: Encoding,
        out: &mut [f64],
        stats: &mut [S],
    ) {
        let n = self.n_samples();
        assert_eq!(out.len(), n * variants.len(), "output buffer has the wrong size");
        assert_eq!(stats.len(), variants.len(), "stats buffer has the wrong size");
        if n == 0 {
            return;
        }
        out.par_chunks_mut(n)
            .zip(stats.par_iter_mut())
            .zip(variants.par_iter())
            .with_min_len(8)
            .for_each(|((col, st), &v)| *st = self.decode_one(v as usize, enc, col).into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_table_matches_plink_codes() {
        // 0b11_10_01_00: samples 0..4 = 2, missing, 1, 0
        let v = BYTE_VALUES[0b1110_0100];
        assert_eq!(v[0], 2.0);
        assert!(v[1].is_nan());
        assert_eq!(v[2], 1.0);
        assert_eq!(v[3], 0.0);
    }

    #[test]
    fn whole_and_subset_paths_agree() {
        let bytes = [0b1110_0100u8, 0b0000_1011, 0b11];
        let all = SampleSubset::all(9);
        let same = SampleSubset::new(vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 0], 9);
        let mut a = vec![0.0; 9];
        let mut b = vec![0.0; 10];
        all.unpack(&bytes, &mut a);
        same.unpack(&bytes, &mut b);
        for k in 0..9 {
            assert_eq!(a[k].to_bits(), b[k].to_bits());
        }
        let ca = all.count(&bytes);
        let cb = same.count(&bytes);
        assert_eq!(ca, [3, 1, 2, 3]);
        assert_eq!(cb[0], ca[0] + 1);
    }

    #[test]
    fn packed_counts_match_a_count_sample_by_sample() {
        // bytes and subsets from a fixed LCG: every code, masks of every
        // shape, repeated positions, and more bytes than one packed lane
        // holds
        let mut state = 12345u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let n_total = 4 * LANE_BYTES + 4 * 37 + 3;
        let bytes: Vec<u8> = (0..n_total.div_ceil(4)).map(|_| next() as u8).collect();
        let naive = |idx: &[u32]| {
            let mut c = [0u32; 4];
            for &i in idx {
                c[((bytes[i as usize / 4] >> ((i % 4) * 2)) & 3) as usize] += 1;
            }
            c
        };
        let all: Vec<u32> = (0..n_total as u32).collect();
        assert_eq!(SampleSubset::all(n_total).count(&bytes), naive(&all));
        // one code everywhere fills a lane to its limit
        let same = vec![0xffu8; bytes.len()];
        let shuffled = SampleSubset::new(all.iter().rev().copied().collect(), n_total);
        for sub in [SampleSubset::all(n_total), shuffled] {
            assert_eq!(sub.count(&same), [0, 0, 0, n_total as u32]);
        }
        for keep in [1, 2, 3, 5] {
            let mut idx: Vec<u32> = (0..n_total as u32).filter(|_| next() % 6 < keep).collect();
            idx.reverse();
            idx.extend_from_slice(&[7, 7, 0]);
            let sub = SampleSubset::new(idx.clone(), n_total);
            assert!(!sub.whole);
            assert_eq!(sub.count(&bytes), naive(&idx), "keep {keep}");
        }
    }

    #[test]
    fn encodings() {
        let st = AlleleStats {
            n_hom_a1: 1,
            n_het: 1,
            n_hom_a2: 1,
            n_missing: 1,
        };
        let mut c = vec![2.0, 1.0, 0.0, f64::NAN];
        encode_in_place(&mut c, &st, Encoding::Centered);
        assert_eq!(c, vec![1.0, 0.0, -1.0, 0.0]);
        let mut c = vec![2.0, 1.0, 0.0, f64::NAN];
        encode_in_place(&mut c, &st, Encoding::MeanImputed);
        assert_eq!(c, vec![2.0, 1.0, 0.0, 1.0]);
        let mut c = vec![2.0, 1.0, 0.0, f64::NAN];
        encode_in_place(&mut c, &st, Encoding::Standardized);
        let s = 1.0 / 0.5f64.sqrt();
        assert_eq!(c, vec![s, 0.0, -s, 0.0]);
        // imputed variance over 4 samples: values 2,1,0,1 -> var 0.5
        assert!((st.imputed_variance() - 0.5).abs() < 1e-15);
    }
}
