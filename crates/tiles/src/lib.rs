//! Exact products of signed bytes on Intel AMX tiles: whether this process
//! may use them ([`available`]), a 32 x 32 block of sums ([`Scope::block`],
//! the GRM's kernel in `kinship`), and the product of a basis of byte
//! digits by packed genotype codes ([`product`], the rotation's in
//! `association`).
//!
//! A tile multiply (`tdpbssd`) adds a 16 x 64 by 64 x 16 product of signed
//! bytes into 16 x 16 exact `i32` sums: 16,384 multiply-adds in one
//! instruction issued every 16 cycles, 1,024 a cycle against 32 for two
//! AVX-512 `f32` multiply-add units. The sums
//! are exact, so the result is the same whatever the tiling, the thread
//! count or the machine; [`product_scalar`] is the same product written
//! plainly, against which the tiles are tested.
//!
//! Linux hands out the tiles' 8 KiB of register state only to a process
//! that asks (`arch_prctl(ARCH_REQ_XCOMP_PERM)`); [`available`] asks once.
//! Setting `KINDRED_AMX=0` keeps the tiles off (the callers' other kernels
//! are then used), for comparison and as a way out on a machine where they
//! misbehave.

use std::marker::PhantomData;
use std::sync::OnceLock;

mod aligned;

pub use aligned::{as_signed, Aligned, Plain};

/// Rows of a tile.
pub const TILE_ROWS: usize = 16;
/// Bytes along the inner dimension of one tile multiply.
pub const TILE_K: usize = 64;
/// Bytes of packed codes per group of panels.
const GROUP_BYTES: usize = 1_310_720;

/// Whether the AMX int8 tiles can be used by this process (the CPU has
/// them, the kernel granted their state, and `KINDRED_AMX` is not `0`).
pub fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| std::env::var("KINDRED_AMX").map_or(true, |v| v != "0") && os::request())
}

/// `c = a b` over whole tiles: `a` holds `rows` rows of `kp` bytes
/// (`rows` a multiple of 32, `kp` of [`TILE_K`]); `b` holds `panels`
/// panels (an even count) of 16 columns, each `kp / 4` rows of 64 bytes
/// (four consecutive samples of each column side by side, the tiles'
/// layout); `c` gets `rows` rows of `c_stride >= 16 panels` sums (a
/// multiple of 16), tile by tile: see [`sum_index`].
/// With `parallel`, runs of 256 rows are shared among rayon's threads.
/// Falls back to [`product_scalar`] where the tiles are unavailable.
pub fn product(a: &[i8], kp: usize, b: &[i8], panels: usize, c: &mut [i32], c_stride: usize, parallel: bool) {
    let rows = a.len() / kp.max(1);
    check_shapes(a, kp, b, panels, c, c_stride, rows);
    if !available() {
        product_scalar(a, kp, b, panels, c, c_stride);
        return;
    }
    use rayon::prelude::*;
    // A group of panels (1.25 MiB of codes at n = 5000) stays in each
    // core's L2 while the basis streams past it, 32 rows at a time, in
    // runs of `TASK_ROWS` per thread.
    let group = group_panels(kp);
    const TASK_ROWS: usize = 256;
    for g in (0..panels).step_by(group) {
        let width = group.min(panels - g);
        let b = &b[g * kp * 16..(g + width) * kp * 16];
        let run = |(t, c): (usize, &mut [i32])| {
            let r0 = t * TASK_ROWS;
            let r = (c.len() / c_stride).min(rows - r0);
            let scope = Scope::new().expect("tiles available");
            product_rows(
                &scope,
                &a[r0 * kp..(r0 + r) * kp],
                kp,
                b,
                width,
                &mut c[g * 256..],
                c_stride,
            );
        };
        let c = &mut c[..rows * c_stride];
        if parallel {
            c.par_chunks_mut(TASK_ROWS * c_stride).enumerate().for_each(run);
        } else {
            c.chunks_mut(TASK_ROWS * c_stride).enumerate().for_each(run);
        }
    }
}

/// Panels per group: as many as fit in ~1.25 MiB (an even count, at least 2).
fn group_panels(kp: usize) -> usize {
    let fit = (GROUP_BYTES / (kp * 16)).max(2);
    fit - fit % 2
}

/// Where the sum of row `r` and column `j` lies in [`product`]'s `c`:
/// tiles of 16 x 16 sums, each 1 KiB in one piece (a tile store then
/// writes 16 consecutive lines, not 16 lines `c_stride` apart), tile
/// rows of `c_stride / 16` tiles.
pub fn sum_index(c_stride: usize, r: usize, j: usize) -> usize {
    ((r / 16) * (c_stride / 16) + j / 16) * 256 + (r % 16) * 16 + j % 16
}

fn check_shapes(a: &[i8], kp: usize, b: &[i8], panels: usize, c: &[i32], c_stride: usize, rows: usize) {
    assert!(kp.is_multiple_of(TILE_K) && rows.is_multiple_of(2 * TILE_ROWS) && a.len() == rows * kp);
    assert!(panels.is_multiple_of(2) && b.len() >= panels * kp * 16);
    assert!(c_stride >= panels * 16 && c_stride.is_multiple_of(16) && c.len() >= rows * c_stride);
}

/// [`product`] written plainly (the tiles' arithmetic, exact `i32` sums),
/// for machines without tiles and as the tiles' test oracle.
pub fn product_scalar(a: &[i8], kp: usize, b: &[i8], panels: usize, c: &mut [i32], c_stride: usize) {
    let rows = a.len() / kp.max(1);
    check_shapes(a, kp, b, panels, c, c_stride, rows);
    for r in 0..rows {
        let ar = &a[r * kp..(r + 1) * kp];
        for j in 0..panels * 16 {
            let panel = &b[(j / 16) * kp * 16..(j / 16 + 1) * kp * 16];
            let lane = (j % 16) * 4;
            let s: i32 = (0..kp)
                .map(|i| i32::from(ar[i]) * i32::from(panel[(i / 4) * 64 + lane + i % 4]))
                .sum();
            c[sum_index(c_stride, r, j)] = s;
        }
    }
}

/// The product of `a`'s rows by all panels of `b` on this thread (shapes
/// as [`product`]'s for `a.len() / kp` rows, `c` from this run's first
/// row and group's first panel).
fn product_rows(scope: &Scope, a: &[i8], kp: usize, b: &[i8], panels: usize, c: &mut [i32], c_stride: usize) {
    let rows = a.len() / kp;
    let tiles = c_stride / 16;
    assert!(rows.is_multiple_of(2 * TILE_ROWS) && panels.is_multiple_of(2) && b.len() >= panels * kp * 16);
    assert!(c.len() >= ((rows / 16 - 1) * tiles + panels) * 256);
    let panel_bytes = kp * 16;
    for r0 in (0..rows).step_by(2 * TILE_ROWS) {
        for q in (0..panels).step_by(2) {
            let at = ((r0 / 16) * tiles + q) * 256;
            let out = [at, at + 256, at + tiles * 256, at + (tiles + 1) * 256];
            scope.block(
                Operand::new(&a[r0 * kp..(r0 + 32) * kp], kp),
                [
                    Operand::new(&b[q * panel_bytes..(q + 1) * panel_bytes], 64),
                    Operand::new(&b[(q + 1) * panel_bytes..(q + 2) * panel_bytes], 64),
                ],
                kp / TILE_K,
                c,
                out,
                16,
            );
        }
    }
}

/// One operand of [`Scope::block`]: bytes read as rows `stride` bytes
/// apart (each tile row is 64 bytes).
#[derive(Debug, Clone, Copy)]
pub struct Operand<'a> {
    bytes: &'a [i8],
    stride: usize,
}

impl<'a> Operand<'a> {
    /// `bytes` with rows `stride` bytes apart.
    pub fn new(bytes: &'a [i8], stride: usize) -> Self {
        Self { bytes, stride }
    }
}

/// The tiles configured on this thread (16 rows of 64 bytes each), for
/// the scope's lifetime: released when it is dropped.
#[derive(Debug)]
pub struct Scope {
    _not_send: PhantomData<*const ()>,
}

impl Scope {
    /// Configures the tiles on this thread; `None` where they are not
    /// [`available`].
    pub fn new() -> Option<Self> {
        if !available() {
            return None;
        }
        // SAFETY: the process holds the tile state (`available`).
        unsafe { os::configure() };
        Some(Self { _not_send: PhantomData })
    }

    /// Sums into a 32 x 32 block of `c`: rows `0..32` of `a` (rows `0..16`
    /// then `16..32`, each `64 steps` bytes deep) times the two 16-column
    /// halves `b` (each `16 steps` rows of 64 bytes: four bytes of each
    /// column per row, the tiles' layout); the four 16 x 16 quarters
    /// (rows 0-15 by half 0, by half 1, rows 16-31 by half 0, by half 1)
    /// are stored at `out` in `c`, rows `c_stride` `i32` apart.
    ///
    /// # Panics
    /// When a tile would be read or written outside its slice.
    pub fn block(
        &self,
        a: Operand<'_>,
        b: [Operand<'_>; 2],
        steps: usize,
        c: &mut [i32],
        out: [usize; 4],
        c_stride: usize,
    ) {
        let need = |op: &Operand<'_>, rows: usize, step: usize| {
            steps == 0 || (op.stride >= 64 && (rows - 1) * op.stride + (steps - 1) * step + 64 <= op.bytes.len())
        };
        assert!(need(&a, 32, 64), "the rows of a");
        assert!(b.iter().all(|b| need(b, 16, 16 * b.stride)), "the halves of b");
        assert!(
            c_stride >= 16 && out.iter().all(|&o| o + 15 * c_stride + 16 <= c.len()),
            "the sums"
        );
        // SAFETY: tiles configured (`self`); every tile read and store is
        // within the slices (asserted above).
        unsafe {
            os::block(
                [a.bytes.as_ptr(), a.bytes.as_ptr().add(16 * a.stride)],
                a.stride,
                [b[0].bytes.as_ptr(), b[1].bytes.as_ptr()],
                b[0].stride,
                b[1].stride,
                steps,
                out.map(|o| c.as_mut_ptr().add(o)),
                c_stride * 4,
            );
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        // SAFETY: the tiles were configured on this thread by `new`.
        unsafe { os::release() };
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[path = "os_linux.rs"]
mod os;
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
#[path = "os_other.rs"]
mod os;

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes from a fixed pseudo-random sequence, in `lo..=hi`.
    fn bytes(len: usize, seed: u64, lo: i8, hi: i8) -> Vec<i8> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let span = (i16::from(hi) - i16::from(lo) + 1) as u64;
                (i16::from(lo) + ((s >> 33) % span) as i16) as i8
            })
            .collect()
    }

    /// Buffers start on a cache line, hold what they say, zeroed; an
    /// impossible size is refused, not aborted on.
    #[test]
    fn aligned_buffers_start_on_a_line() {
        let a = Aligned::<i32>::zeroed(17);
        let b = Aligned::<u8>::try_zeroed(100).expect("small");
        assert_eq!((a.as_ptr() as usize % 64, a.len()), (0, 17));
        assert_eq!((b.as_ptr() as usize % 64, b.len()), (0, 100));
        assert!(a.iter().all(|&v| v == 0) && b.iter().all(|&v| v == 0));
        assert!(Aligned::<i32>::try_zeroed(usize::MAX / 2).is_none());
        assert_eq!(as_signed(&[0, 1, 2, 255]), &[0, 1, 2, -1]);
    }

    /// The plain product is the sum it says, element by element, in the
    /// packed layout (four samples of a column side by side).
    #[test]
    fn scalar_product_reads_the_packed_layout() {
        let (rows, kp, panels) = (32, 64, 2);
        let a = bytes(rows * kp, 1, -127, 127);
        let b = bytes(panels * kp * 16, 2, 0, 2);
        let mut c = vec![0; rows * 48];
        product_scalar(&a, kp, &b, panels, &mut c, 48);
        for r in [0, 7, 31] {
            for j in [0, 5, 16, 31] {
                let mut s = 0i32;
                for i in 0..kp {
                    let x = b[(j / 16) * kp * 16 + (i / 4) * 64 + (j % 16) * 4 + i % 4];
                    s += i32::from(a[r * kp + i]) * i32::from(x);
                }
                assert_eq!(c[sum_index(48, r, j)], s, "({r}, {j})");
            }
        }
    }

    /// Where this machine has tiles, their sums equal the plain ones bit
    /// for bit (they are exact), over several row runs, panel groups and
    /// threads, extreme bytes included; elsewhere `product` is the plain
    /// product by construction and this compares it with itself.
    #[test]
    fn tiles_equal_the_plain_product() {
        for (rows, kp, panels) in [(32, 64, 2), (96, 192, 4), (160, 320, 18)] {
            let mut a = bytes(rows * kp, 3, -127, 127);
            a[0] = -128;
            a[kp + 1] = 127;
            let b = bytes(panels * kp * 16, 4, -128, 127);
            let stride = panels * 16 + 16;
            let mut want = vec![0; rows * stride];
            product_scalar(&a, kp, &b, panels, &mut want, stride);
            for parallel in [false, true] {
                let mut got = vec![-1; rows * stride];
                product(&a, kp, &b, panels, &mut got, stride, parallel);
                for r in 0..rows {
                    for j in 0..panels * 16 {
                        let at = sum_index(stride, r, j);
                        assert_eq!(
                            got[at], want[at],
                            "({r}, {j}) of {rows} x {kp}, {panels} panels, parallel {parallel}"
                        );
                    }
                }
            }
        }
        eprintln!("AMX tiles available: {}", available());
    }
}
