//! Unpacking a checked genotype block into dosages of the first allele for
//! a subset of samples, with the variant's [`DosageStats`] in the same pass.

use super::block::GenotypeBlock;
use super::stats::DosageStats;

/// A sample whose two unphased probabilities add up to more than one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OverOne {
    /// 0-based position of the sample in the file.
    pub(super) sample: usize,
    /// The two stored values and the largest value `2^B - 1`.
    pub(super) values: (u64, u64, u64),
}

/// Writes the first allele's dosage of each sample at `positions` (file
/// positions, any order) into `out` (`NaN` for samples flagged missing) and
/// returns the sums.
///
/// Values are `v / (2^B - 1)`. Unphased, `P(11) + P(12)` must not exceed 1
/// by more than rounding: the stored sum may exceed `2^B - 1` by at most
/// `(2^B - 1) / 255`, that is by less than one unit below 8 bits and by one
/// 8-bit unit above (two values rounded independently can overshoot by one
/// unit); dosages from such a sum are capped at 2.
///
/// # Errors
/// The first sample (in `positions` order) whose probabilities add up to more.
pub(super) fn fill(block: &GenotypeBlock<'_>, positions: &[u32], out: &mut [f64]) -> Result<DosageStats, OverOne> {
    debug_assert_eq!(positions.len(), out.len());
    let d = block.probs;
    match (block.bits, block.phased) {
        (8, false) => run::<false, _>(block, positions, out, |i| {
            (u64::from(d[2 * i]), u64::from(d[2 * i + 1]))
        }),
        (8, true) => run::<true, _>(block, positions, out, |i| {
            (u64::from(d[2 * i]), u64::from(d[2 * i + 1]))
        }),
        (16, false) => run::<false, _>(block, positions, out, |i| (le16(d, 4 * i), le16(d, 4 * i + 2))),
        (16, true) => run::<true, _>(block, positions, out, |i| (le16(d, 4 * i), le16(d, 4 * i + 2))),
        (bits, phased) => {
            let b = bits as usize;
            let mask = (1u64 << bits) - 1;
            let get = |i: usize| (read_bits(d, 2 * b * i, mask), read_bits(d, 2 * b * i + b, mask));
            if phased {
                run::<true, _>(block, positions, out, get)
            } else {
                run::<false, _>(block, positions, out, get)
            }
        }
    }
}

/// A 2-byte little-endian value at byte `at`.
#[inline(always)]
fn le16(d: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([d[at], d[at + 1]]))
}

/// The value of at most 32 bits starting at bit `bit` (least significant
/// bit first); `d` extends at least 8 bytes past the value's first byte.
#[inline(always)]
fn read_bits(d: &[u8], bit: usize, mask: u64) -> u64 {
    let at = bit / 8;
    let mut word = [0u8; 8];
    word.copy_from_slice(&d[at..at + 8]);
    (u64::from_le_bytes(word) >> (bit % 8)) & mask
}

/// The loop of [`fill`], one copy per value reader and phasing.
#[inline(always)]
fn run<const PHASED: bool, F: Fn(usize) -> (u64, u64)>(
    block: &GenotypeBlock<'_>,
    positions: &[u32],
    out: &mut [f64],
    get: F,
) -> Result<DosageStats, OverOne> {
    let max = (1u64 << block.bits) - 1;
    let scale = 1.0 / max as f64;
    let limit = max + max / 255;
    let mut st = DosageStats::default();
    for (dst, &i) in out.iter_mut().zip(positions) {
        let i = i as usize;
        if block.ploidy[i] & 0x80 != 0 {
            *dst = f64::NAN;
            st.n_missing += 1;
            continue;
        }
        let (a, b) = get(i);
        let (x, m2) = if PHASED {
            let (p, q) = (a as f64 * scale, b as f64 * scale);
            (p + q, p + q + 2.0 * p * q)
        } else {
            if a + b > limit {
                return Err(OverOne {
                    sample: i,
                    values: (a, b, max),
                });
            }
            let x = ((2 * a + b) as f64 * scale).min(2.0);
            (x, ((4 * a + b) as f64 * scale).min(4.0))
        };
        *dst = x;
        st.add(x, m2);
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values packed as in a file, followed by the decoder's padding.
    fn pack(values: &[u64], bits: u32) -> Vec<u8> {
        let mut out = crate::bgen::test_file::pack(values, bits);
        out.resize(out.len() + crate::bgen::block::PADDING, 0);
        out
    }

    /// Every width from 1 to 32 bits, phased and not, whole file order and a
    /// shuffled subset with repeats: values land where the formulas say.
    #[test]
    fn every_bit_width_and_subset() {
        let n = 11usize;
        for bits in 1..=32u32 {
            let max = (1u64 << bits) - 1;
            // a sample's pair: (k * 7919 mod (max + 1)), capped so that the sum fits
            let pairs: Vec<(u64, u64)> = (0..n as u64)
                .map(|k| {
                    let a = (k * 7919 + bits as u64) % (max + 1);
                    (a, ((k * 104_729) % (max + 1)).min(max - a))
                })
                .collect();
            let flat: Vec<u64> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
            let probs = pack(&flat, bits);
            let mut ploidy = vec![2u8; n];
            ploidy[3] = 0x82;
            for phased in [false, true] {
                let block = GenotypeBlock {
                    ploidy: &ploidy,
                    phased,
                    bits,
                    probs: &probs,
                    len: 0,
                };
                let positions: Vec<u32> = [10, 3, 0, 0, 7, 1].to_vec();
                let mut out = vec![0.0; positions.len()];
                let st = fill(&block, &positions, &mut out).unwrap();
                assert_eq!((st.n_obs, st.n_missing), (5, 1));
                for (&i, &x) in positions.iter().zip(&out) {
                    let (a, b) = pairs[i as usize];
                    let want = if phased {
                        (a + b) as f64 / max as f64
                    } else {
                        (2 * a + b) as f64 / max as f64
                    };
                    if i == 3 {
                        assert!(x.is_nan());
                    } else {
                        assert!(
                            (x - want).abs() < 1e-15,
                            "bits {bits} phased {phased} sample {i}: {x} vs {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn probabilities_over_one_are_refused_beyond_rounding() {
        let ploidy = [2u8; 2];
        for (bits, a, b, ok) in [
            (8, 128, 128, true),
            (8, 128, 129, false),
            (2, 2, 2, false),
            (2, 1, 2, true),
        ] {
            let probs = pack(&[0, 0, a, b], bits);
            let block = GenotypeBlock {
                ploidy: &ploidy,
                phased: false,
                bits,
                probs: &probs,
                len: 0,
            };
            let mut out = [0.0; 2];
            let r = fill(&block, &[0, 1], &mut out);
            assert_eq!(r.is_ok(), ok, "{bits} {a} {b}");
            if let Err(e) = r {
                assert_eq!(e.sample, 1);
            }
        }
    }
}
