//! Independent random streams derived from one seed, so that every draw is a
//! function of (seed, what it is for, which item) and never of the thread
//! that makes it or the order in which items are processed.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream is used for; each purpose has its own range of ChaCha
/// stream numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Purpose {
    /// Everything about one variant (index = variant): frequencies, alleles,
    /// position, founders' alleles, transmissions, missing calls.
    Variant = 0,
    /// Sexes of the samples (index 0).
    Pedigree = 1,
    /// Causal variants and standardized effects of one phenotype (index = phenotype).
    Causal = 2,
    /// Environmental noise and covariate effects of one phenotype (index = phenotype).
    Noise = 3,
    /// Covariate values (index 0).
    Covariates = 4,
}

/// The ChaCha8 key of a seed: one key, many streams.
#[derive(Debug, Clone)]
pub(crate) struct Streams {
    key: [u8; 32],
}

impl Streams {
    /// Expands `seed` into a 256-bit ChaCha key (rand's `seed_from_u64`).
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            key: ChaCha8Rng::seed_from_u64(seed).get_seed(),
        }
    }

    /// The stream for `index` of `purpose` (index < 2^56): ChaCha8 with this
    /// key and stream number `purpose << 56 | index`, from its start.
    pub(crate) fn get(&self, purpose: Purpose, index: u64) -> ChaCha8Rng {
        debug_assert!(index < 1 << 56);
        let mut rng = ChaCha8Rng::from_seed(self.key);
        rng.set_stream(((purpose as u64) << 56) | index);
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_differ_by_purpose_index_and_seed_and_repeat() {
        let s = Streams::new(7);
        let a = s.get(Purpose::Variant, 3).next_u64();
        assert_eq!(a, Streams::new(7).get(Purpose::Variant, 3).next_u64());
        assert_ne!(a, s.get(Purpose::Variant, 4).next_u64());
        assert_ne!(a, s.get(Purpose::Noise, 3).next_u64());
        assert_ne!(a, Streams::new(8).get(Purpose::Variant, 3).next_u64());
    }
}
