//! Helpers shared by plot's unit tests and its benchmark, which include
//! this file by path: synthetic p-values.

/// A deterministic stream of uniform numbers in (0, 1) (xorshift64*): never
/// 0, so that `-log10` of one is finite.
pub(crate) struct Uniform(pub(crate) u64);

impl Uniform {
    /// The next number.
    pub(crate) fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}
