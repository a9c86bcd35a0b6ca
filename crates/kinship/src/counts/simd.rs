//! The byte kernel's AVX2 and AVX-512BW tiles (see the parent module).

use super::{MR, NR, NR512, PANEL_WORD, WORD};

/// One `MR x NR` tile: rows of panel `a`, columns `off..off + NR` of panel
/// `b`, over `words` words.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn tile_avx2(a: &[u8], b: &[u8], off: usize, words: usize) -> [[i32; MR]; NR] {
    use std::arch::x86_64::*;
    debug_assert!(a.len() >= words * PANEL_WORD && b.len() >= words * PANEL_WORD && off + NR <= MR);
    // A register holds 8 rows' words; 4 per column.
    let mut acc = [[_mm256_setzero_si256(); 4]; NR];
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    for kw in 0..words {
        let base = kw * PANEL_WORD;
        // SAFETY: `base + PANEL_WORD <= a.len()`, and the reads of `b`
        // stay within this word's bytes (`off + NR <= MR`); unaligned.
        unsafe {
            let av: [__m256i; 4] = std::array::from_fn(|h| _mm256_loadu_si256(pa.add(base + 32 * h) as *const __m256i));
            for (jj, accj) in acc.iter_mut().enumerate() {
                let word = (pb.add(base + WORD * (off + jj)) as *const i32).read_unaligned();
                let bj = _mm256_set1_epi32(word);
                for (h, acch) in accj.iter_mut().enumerate() {
                    *acch = _mm256_add_epi16(*acch, _mm256_maddubs_epi16(av[h], bj));
                }
            }
        }
    }
    let ones = _mm256_set1_epi16(1);
    let mut out = [[0i32; MR]; NR];
    for (jj, accj) in acc.iter().enumerate() {
        for (h, v) in accj.iter().enumerate() {
            // SAFETY: 8 i32 fit in `out[jj][8h..8h + 8]`.
            unsafe {
                let dst = out[jj].as_mut_ptr().add(8 * h);
                _mm256_storeu_si256(dst as *mut __m256i, _mm256_madd_epi16(*v, ones));
            }
        }
    }
    out
}

/// One `MR x NR512` tile as [`tile_avx2`]'s: a register holds 16 rows'
/// words; 2 per column.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
pub(super) unsafe fn tile_avx512(a: &[u8], b: &[u8], off: usize, words: usize) -> [[i32; MR]; NR512] {
    use std::arch::x86_64::*;
    debug_assert!(a.len() >= words * PANEL_WORD && b.len() >= words * PANEL_WORD && off + NR512 <= MR);
    let mut acc = [[_mm512_setzero_si512(); 2]; NR512];
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    for kw in 0..words {
        let base = kw * PANEL_WORD;
        // SAFETY: as in `tile_avx2`.
        unsafe {
            let a0 = _mm512_loadu_si512(pa.add(base) as *const __m512i);
            let a1 = _mm512_loadu_si512(pa.add(base + 64) as *const __m512i);
            for (jj, accj) in acc.iter_mut().enumerate() {
                let word = (pb.add(base + WORD * (off + jj)) as *const i32).read_unaligned();
                let bj = _mm512_set1_epi32(word);
                accj[0] = _mm512_add_epi16(accj[0], _mm512_maddubs_epi16(a0, bj));
                accj[1] = _mm512_add_epi16(accj[1], _mm512_maddubs_epi16(a1, bj));
            }
        }
    }
    let ones = _mm512_set1_epi16(1);
    let mut out = [[0i32; MR]; NR512];
    for (jj, accj) in acc.iter().enumerate() {
        for (h, v) in accj.iter().enumerate() {
            // SAFETY: 16 i32 fit in `out[jj][16h..16h + 16]`.
            unsafe {
                let dst = out[jj].as_mut_ptr().add(16 * h);
                _mm512_storeu_si512(dst as *mut __m512i, _mm512_madd_epi16(*v, ones));
            }
        }
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn tile_avx2(_: &[u8], _: &[u8], _: usize, _: usize) -> [[i32; MR]; NR] {
    unreachable!("the byte kernel is only called where `available()`")
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn tile_avx512(_: &[u8], _: &[u8], _: usize, _: usize) -> [[i32; MR]; NR512] {
    unreachable!("the wide kernel is only called where `wide()`")
}
