//! A fast 64-bit checksum for the files kindred derives (GRMs,
//! eigendecompositions) and for fingerprinting the files they came from.
//!
//! Not cryptographic: it detects damage and accidental changes, not an
//! adversary who rewrites the checksum too. The input is read as
//! little-endian `u64` words spread over four independent lanes (so the
//! multiplies pipeline and one pass runs near memory bandwidth); each word
//! goes through `acc = rotl(acc ^ w * K1, 29) * K2`, a bijection of the word
//! for a fixed lane, so that any one changed word always changes the
//! result. The lanes, the byte length and a final avalanche (MurmurHash3's
//! `fmix64`) give the 64-bit value. A trailing partial word is zero-padded.

use std::io::Read;
use std::path::Path;

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const K3: u64 = 0x1656_67B1_9E37_79F9;
const SEEDS: [u64; 4] = [
    0x243F_6A88_85A3_08D3,
    0x1319_8A2E_0370_7344,
    0xA409_3822_299F_31D0,
    0x082E_FA98_EC4E_6C89,
];
/// Bytes of one stripe (one word per lane).
const STRIPE: usize = 32;

/// Streaming checksum: feed bytes in any pieces with [`Checksum::update`],
/// then [`Checksum::finish`]; the result depends only on the bytes.
///
/// ```
/// use kinship::Checksum;
/// let mut c = Checksum::new();
/// c.update(b"hello, ");
/// c.update(b"world");
/// assert_eq!(c.finish(), kinship::checksum(b"hello, world"));
/// assert_ne!(kinship::checksum(b"hello, world"), kinship::checksum(b"hello, World"));
/// ```
#[derive(Debug, Clone)]
pub struct Checksum {
    lanes: [u64; 4],
    pending: [u8; STRIPE],
    n_pending: usize,
    len: u64,
}

impl Default for Checksum {
    fn default() -> Self {
        Self::new()
    }
}

#[inline(always)]
fn round(acc: u64, w: u64) -> u64 {
    (acc ^ w.wrapping_mul(K1)).rotate_left(29).wrapping_mul(K2)
}

#[inline(always)]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

impl Checksum {
    /// An empty checksum.
    pub fn new() -> Self {
        Self {
            lanes: SEEDS,
            pending: [0; STRIPE],
            n_pending: 0,
            len: 0,
        }
    }

    fn stripes(&mut self, data: &[u8]) {
        debug_assert_eq!(data.len() % STRIPE, 0);
        let [mut a, mut b, mut c, mut d] = self.lanes;
        for s in data.chunks_exact(STRIPE) {
            a = round(a, word(&s[0..8]));
            b = round(b, word(&s[8..16]));
            c = round(c, word(&s[16..24]));
            d = round(d, word(&s[24..32]));
        }
        self.lanes = [a, b, c, d];
    }

    /// Adds `data` after what was added before.
    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.n_pending > 0 {
            let take = (STRIPE - self.n_pending).min(data.len());
            self.pending[self.n_pending..self.n_pending + take].copy_from_slice(&data[..take]);
            self.n_pending += take;
            data = &data[take..];
            if self.n_pending < STRIPE {
                return;
            }
            let stripe = self.pending;
            self.stripes(&stripe);
            self.n_pending = 0;
        }
        let full = data.len() - data.len() % STRIPE;
        self.stripes(&data[..full]);
        let rest = &data[full..];
        self.pending[..rest.len()].copy_from_slice(rest);
        self.n_pending = rest.len();
    }

    /// The checksum of everything added.
    pub fn finish(&self) -> u64 {
        let mut lanes = self.lanes;
        for (i, w) in self.pending[..self.n_pending].chunks(8).enumerate() {
            lanes[i] = round(lanes[i], word(w));
        }
        let mut h = self.len.wrapping_mul(K3);
        for (i, l) in lanes.iter().enumerate() {
            h = (h ^ fmix(*l)).rotate_left(27 + i as u32).wrapping_mul(K1);
        }
        fmix(h)
    }
}

/// The checksum of `bytes` (as [`Checksum`]).
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut c = Checksum::new();
    c.update(bytes);
    c.finish()
}

/// The size and checksum of the file at `path`, read once in 1 MiB pieces.
///
/// # Errors
/// What the operating system says when the file cannot be read.
pub fn checksum_file(path: &Path) -> std::io::Result<(u64, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut c = Checksum::new();
    loop {
        let got = f.read(&mut buf)?;
        if got == 0 {
            break;
        }
        c.update(&buf[..got]);
    }
    Ok((c.len, c.finish()))
}

/// A checksum as 16 hexadecimal digits (how the files store it in text).
pub fn hex(c: u64) -> String {
    format!("{c:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn issue_17_4_checksum_does_not_depend_on_how_the_bytes_are_split() {
        let data = bytes(1000);
        let whole = checksum(&data);
        for piece in [1, 3, 8, 31, 32, 33, 100, 999] {
            let mut c = Checksum::new();
            for p in data.chunks(piece) {
                c.update(p);
            }
            assert_eq!(c.finish(), whole, "pieces of {piece}");
        }
    }

    #[test]
    fn issue_17_4_checksum_sees_every_changed_word_and_the_length() {
        let data = bytes(256 + 5);
        let base = checksum(&data);
        for i in 0..data.len() {
            let mut d = data.clone();
            d[i] ^= 0x10;
            assert_ne!(checksum(&d), base, "byte {i}");
        }
        // eight changed bytes: one whole word
        let mut d = data.clone();
        d[64..72].copy_from_slice(&1e300f64.to_le_bytes());
        assert_ne!(checksum(&d), base);
        // zero padding is not the same as zeros
        assert_ne!(checksum(&[0u8; 3]), checksum(&[0u8; 8]));
        assert_ne!(checksum(b""), checksum(&[0u8]));
        // two swapped words in different lanes
        let mut d = data.clone();
        d.copy_within(0..8, 200);
        d[0..8].copy_from_slice(&data[200..208]);
        assert_ne!(checksum(&d), base);
    }

    #[test]
    fn checksum_file_gives_the_size_and_the_checksum_of_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data = bytes(3 << 19);
        std::fs::write(&p, &data).unwrap();
        assert_eq!(checksum_file(&p).unwrap(), (data.len() as u64, checksum(&data)));
        assert_eq!(hex(0xab), "00000000000000ab");
    }
}
