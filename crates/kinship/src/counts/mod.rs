//! `X Xᵀ` for a block of allele counts (0, 1, 2; no missing call) in
//! integer arithmetic: the centered GRM's exact path (`block.rs`).
//!
//! The counts are packed as bytes, each row holding four variants' counts
//! in one 32-bit word, and multiplied with the byte multiply-add
//! (`vpmaddubsw`: lanes of two byte products summed into 16 bits), the
//! column's word broadcast from memory (a load, no shuffle port):
//! a 16-bit lane pair holds one row's four products. The lanes are
//! accumulated in 16 bits and widened to 32 bits (summing each row's two
//! lanes) every [`KC`] words. With AVX2 a tile is 32 rows by 2 columns
//! (four 32-byte registers per column); where the CPU has AVX-512BW (most
//! HPC nodes' Xeons, Zen 4 and later) it is 32 rows by 8 columns (two
//! 64-byte registers per column): twice the products per instruction.
//! Either way four (AVX2) or eight (AVX-512) times the products per
//! instruction of an `f32` multiply-add of the register's width, and
//! exact: a lane adds at most `2·2 + 2·2 = 8` per word, far from
//! overflowing 16 bits between widenings. Where the CPU has Intel AMX
//! tiles (the `tiles` crate) a 32 x 32 block is instead a few tile
//! multiplies per 64 variants (each 16 x 64 by 64 x 16 byte products into
//! exact `i32` sums), from a second, row-by-row copy of the counts (the
//! panels' words are already the tiles' right operand): twice the whole
//! GRM pass's speed at 5000 x 50,000. Integer sums do not depend on
//! their order, so the result equals the `f32` product's (whose integer
//! sums are exact too) bit for bit, whatever the kernel or the thread
//! count.

use faer::MatMut;
use rayon::prelude::*;

mod simd;

use simd::{tile_avx2, tile_avx512};

use tiles::Aligned;

use crate::error::{Error, Result};
use crate::memory::{self, ensure};

/// Rows of a packed panel and of a tile.
const MR: usize = 32;
/// Variants per row in a packed word.
const WORD: usize = 4;
/// Bytes of one word of a panel (`MR` rows of [`WORD`] counts).
const PANEL_WORD: usize = MR * WORD;
/// Columns of an AVX2 tile.
const NR: usize = 2;
/// Columns of an AVX-512 tile.
const NR512: usize = 8;

/// Most variants one product holds: their packed bytes (`n` per variant)
/// take about the memory of the `f64` block of 1024 variants they are
/// decoded through. A 16-bit lane gains at most 8 per word, and [`syrk_add`]
/// widens them to 32 bits every [`KC`] words.
pub(crate) const MAX_VARIANTS: usize = 2 * 4095;

/// Whether this CPU runs the byte kernel (checked once by the standard
/// library); without it the caller keeps its `f32` path.
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU runs the AVX-512BW tile (else [`syrk_add`] runs the AVX2
/// one).
fn wide() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bw")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Counts packed for the kernel: panels of [`MR`] rows, and within a
/// panel, for each word of [`WORD`] variants, each row's counts as adjacent
/// bytes (rows past `n` and variants past the count are 0). Blocks of
/// variants are appended until the capacity is reached, so that one
/// product (and one pass over the `n x n` sums) serves up to
/// [`MAX_VARIANTS`] variants.
pub(crate) struct Packed {
    n: usize,
    /// Variants it holds: [`MAX_VARIANTS`] at most, rounded up to a pair
    /// (so that one product groups the variants as the earlier pair
    /// layout did, and the GRM's bits stay those of earlier releases).
    cap: usize,
    /// Variants appended so far.
    len: usize,
    bytes: Aligned<u8>,
    /// Where the CPU has AMX tiles, the counts again row by row (each
    /// row's variants side by side, [`rows_stride`] bytes a row), the
    /// tiles' left operand.
    rows: Option<Aligned<u8>>,
}

impl Packed {
    /// Room for `variants` variants (at most [`MAX_VARIANTS`], rounded up
    /// to a pair) over `n` rows.
    ///
    /// # Errors
    /// `OutOfMemory` when the buffer does not fit.
    pub fn with_capacity(n: usize, variants: usize) -> Result<Self> {
        let cap = capacity(variants);
        let what = format!("packed counts of {variants} variants over {n} samples");
        let zeros = |len: usize| {
            ensure(Some(len as u64), &what)?;
            Aligned::try_zeroed(len).ok_or_else(|| Error::OutOfMemory {
                what: what.clone(),
                needed: Some(len as u64),
                available: memory::available(),
            })
        };
        let bytes = zeros(n.div_ceil(MR) * panel_bytes(cap))?;
        let rows = match tiles::available() {
            true => Some(zeros(n.div_ceil(MR) * MR * rows_stride(cap))?),
            false => None,
        };
        Ok(Self {
            n,
            cap,
            len: 0,
            bytes,
            rows,
        })
    }

    /// Packs the `n x b` column-major counts `x` (each 0, 1 or 2).
    #[cfg(test)]
    pub fn new(x: &[f64], n: usize, b: usize) -> Self {
        let mut p = Self::with_capacity(n, b).expect("fits");
        p.push(x, b);
        p
    }

    /// Variants it can hold.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Variants appended.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends the `n x b` column-major counts `x` (each 0, 1 or 2).
    pub fn push(&mut self, x: &[f64], b: usize) {
        let n = self.n;
        debug_assert_eq!(x.len(), n * b);
        assert!(self.len + b <= self.capacity(), "packed counts overfilled");
        let start = self.len;
        let stride = panel_bytes(self.cap);
        self.bytes.par_chunks_mut(stride).enumerate().for_each(|(p, panel)| {
            let i0 = p * MR;
            let rows = MR.min(n - i0);
            for v in 0..b {
                let col = &x[v * n + i0..v * n + i0 + rows];
                let (kw, at) = ((start + v) / WORD, (start + v) % WORD);
                let dst = &mut panel[kw * PANEL_WORD..(kw + 1) * PANEL_WORD];
                for (r, &c) in col.iter().enumerate() {
                    dst[WORD * r + at] = c as u8;
                }
            }
        });
        if let Some(copy) = self.rows.as_mut() {
            let rs = rows_stride(self.cap);
            copy.par_chunks_mut(rs).take(n).enumerate().for_each(|(i, row)| {
                for (v, d) in row[start..start + b].iter_mut().enumerate() {
                    *d = x[v * n + i] as u8;
                }
            });
        }
        self.len += b;
    }

    /// Empties it (the used bytes back to 0).
    pub fn clear(&mut self) {
        let used = self.words() * PANEL_WORD;
        self.bytes
            .par_chunks_mut(panel_bytes(self.cap))
            .for_each(|panel| panel[..used].fill(0));
        let len = self.len;
        if let Some(copy) = self.rows.as_mut() {
            copy.par_chunks_mut(rows_stride(self.cap))
                .for_each(|row| row[..len].fill(0));
        }
        self.len = 0;
    }

    fn words(&self) -> usize {
        self.len.div_ceil(WORD)
    }

    fn panel(&self, p: usize) -> &[u8] {
        let stride = panel_bytes(self.cap);
        &self.bytes[p * stride..p * stride + self.words() * PANEL_WORD]
    }

    /// Panel `p` whole, its padding words included.
    fn whole_panel(&self, p: usize) -> &[u8] {
        let stride = panel_bytes(self.cap);
        &self.bytes[p * stride..(p + 1) * stride]
    }
}

/// Bytes per row of the row-by-row copy: the capacity in whole tile
/// depths (64 variants).
fn rows_stride(cap: usize) -> usize {
    cap.next_multiple_of(tiles::TILE_K)
}

/// Variants [`Packed::with_capacity`] makes room for.
fn capacity(variants: usize) -> usize {
    variants.min(MAX_VARIANTS).div_ceil(2).max(1) * 2
}

/// Bytes of one panel holding `cap` variants: whole words, in whole tile
/// depths (16 words, which a tile multiply reads at once).
fn panel_bytes(cap: usize) -> usize {
    cap.div_ceil(WORD).next_multiple_of(tiles::TILE_K / WORD) * PANEL_WORD
}

/// Bytes of the packed counts the exact centered path gathers for one
/// product, with `variants` variants to build from over `n` samples: a
/// memory estimate's share of the GRM pass.
pub fn packed_bytes(n: usize, variants: usize) -> u64 {
    let cap = capacity(variants);
    let per_panel = panel_bytes(cap) + if tiles::available() { MR * rows_stride(cap) } else { 0 };
    (n.div_ceil(MR) as u64).saturating_mul(per_panel as u64)
}

/// Words per pass over a pair of panels: both panels' chunks (16 KB each)
/// and the output tile (4 KB) stay in the core's own caches while the
/// pair's tiles are formed.
const KC: usize = 128;

/// Adds `f(i, j, c)` to `s[(i, j)]` for every lower entry `i >= j` of
/// `s` (`n x n`, column-major), `c` the entry of `X Xᵀ` of the packed
/// counts. Each `MR x MR` block of the product is summed in a 4 KB buffer
/// and handed to `f` when complete, so no `n x n` integer product is held
/// (it was 100 MB at n = 5000, fresh pages for each chromosome of a LOCO
/// scan) and the sums are read once. Row panels in parallel; every entry
/// gets one call, so the result does not depend on the thread count.
/// Requires [`available`].
pub(crate) fn syrk_add(x: &Packed, s: MatMut<'_, f64>, f: impl Fn(usize, usize, i32) -> f64 + Sync) {
    let kernel = match (x.rows.is_some(), wide()) {
        (true, _) => Kernel::Tiles,
        (false, true) => Kernel::Avx512,
        (false, false) => Kernel::Avx2,
    };
    syrk_add_with(x, s, f, kernel);
}

/// The kernels [`syrk_add`] chooses among, fastest available first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    /// AMX tiles ([`Packed`]'s row copy must exist).
    Tiles,
    /// The AVX-512BW tile.
    Avx512,
    /// The AVX2 tile.
    Avx2,
}

/// [`syrk_add`] with the given kernel (which the CPU must have).
fn syrk_add_with(x: &Packed, s: MatMut<'_, f64>, f: impl Fn(usize, usize, i32) -> f64 + Sync, kernel: Kernel) {
    assert!(available() && x.len <= MAX_VARIANTS + 1);
    let n = x.n;
    assert!(s.nrows() == n && s.ncols() == n, "an n x n matrix of sums");
    let wide = match kernel {
        Kernel::Tiles => return syrk_add_tiles(x, x.rows.as_ref().expect("the tiles' row copy"), s, f),
        Kernel::Avx512 => true,
        Kernel::Avx2 => false,
    };
    let words = x.words();
    let step = if wide { NR512 } else { NR };
    s.par_row_chunks_mut(MR).enumerate().for_each(|(p, mut rows)| {
        let a = x.panel(p);
        let (i0, last) = (p * MR, ((p + 1) * MR).min(n));
        // Column panel by column panel up to the diagonal, a chunk of
        // words at a time (see `KC`). Integer sums: the order does not
        // matter.
        let mut block = [[0i32; MR]; MR];
        for q in 0..=p {
            let bp = x.panel(q);
            block.iter_mut().for_each(|col| col.fill(0));
            for k0 in (0..words).step_by(KC) {
                let kn = KC.min(words - k0);
                let ak = &a[k0 * PANEL_WORD..(k0 + kn) * PANEL_WORD];
                let bk = &bp[k0 * PANEL_WORD..(k0 + kn) * PANEL_WORD];
                for off in (0..MR).step_by(step).take_while(|&off| q * MR + off < last) {
                    let mut add = |jj: usize, col: &[i32; MR]| {
                        for (o, t) in block[off + jj].iter_mut().zip(col) {
                            *o += t;
                        }
                    };
                    if wide {
                        // SAFETY: `wide` only where the CPU has AVX-512BW.
                        let tile = unsafe { tile_avx512(ak, bk, off, kn) };
                        tile.iter().enumerate().for_each(|(jj, col)| add(jj, col));
                    } else {
                        // SAFETY: `available()` checked AVX2 above.
                        let tile = unsafe { tile_avx2(ak, bk, off, kn) };
                        tile.iter().enumerate().for_each(|(jj, col)| add(jj, col));
                    }
                }
            }
            hand_over(&mut rows, (i0, q, last), &f, |r, jj| block[jj][r]);
        }
    });
}

/// Adds `f(i, j, c)` to the lower entries of the `MR x MR` block of
/// `rows` (the row panel from sample `i0`, ending at `last`) in column
/// panel `q`, `c = sum(r, jj)` for row `i0 + r` and column `q MR + jj`.
fn hand_over(
    rows: &mut MatMut<'_, f64>,
    (i0, q, last): (usize, usize, usize),
    f: &impl Fn(usize, usize, i32) -> f64,
    sum: impl Fn(usize, usize) -> i32,
) {
    for jj in 0..MR {
        let j = q * MR + jj;
        if j >= last {
            break;
        }
        let dst = rows
            .as_mut()
            .col_mut(j)
            .try_as_col_major_mut()
            .expect("the sums are column-major")
            .as_slice_mut();
        // rows i >= j of this panel
        for (r, d) in dst.iter_mut().enumerate().skip(j.saturating_sub(i0)) {
            *d += f(i0 + r, j, sum(r, jj));
        }
    }
}

/// A 32 x 32 block of sums, on a cache line.
#[repr(C, align(64))]
struct Block([i32; MR * MR]);

/// [`syrk_add`] on AMX tiles: each `MR x MR` block in one call of
/// [`tiles::Scope::block`], the row panel's counts row by row (`copy`)
/// against the column panel's words (their layout is the tiles' right
/// operand's: four variants of each row side by side), 64 variants a step.
fn syrk_add_tiles(x: &Packed, copy: &[u8], s: MatMut<'_, f64>, f: impl Fn(usize, usize, i32) -> f64 + Sync) {
    let n = x.n;
    let rs = rows_stride(x.cap);
    let steps = x.len.div_ceil(tiles::TILE_K);
    s.par_row_chunks_mut(MR).enumerate().for_each(|(p, mut rows)| {
        let scope = tiles::Scope::new().expect("the tiles made the row copy");
        let (i0, last) = (p * MR, ((p + 1) * MR).min(n));
        let a = tiles::Operand::new(tiles::as_signed(&copy[i0 * rs..(i0 + MR) * rs]), rs);
        let mut block = Block([0; MR * MR]);
        for q in 0..=p {
            let panel = tiles::as_signed(x.whole_panel(q));
            let halves = [
                tiles::Operand::new(panel, PANEL_WORD),
                tiles::Operand::new(&panel[64..], PANEL_WORD),
            ];
            // block[r * MR + jj]: row i0 + r, column q MR + jj
            scope.block(a, halves, steps, &mut block.0, [0, 16, 16 * MR, 16 * MR + 16], MR);
            hand_over(&mut rows, (i0, q, last), &f, |r, jj| block.0[r * MR + jj]);
        }
    });
}

#[cfg(test)]
mod tests;
