//! The rotation of variant blocks into the eigenbasis, `Uᵀ X`: the scan's
//! dominant cost (one matrix multiply per block), in f64 or in f32.
//!
//! In f32, `Uᵀ` is converted once; each block is centred on its variants'
//! means before rounding (so the f32 sums are of centred values, which
//! keeps their rounding error small) and the means are added back in f64
//! as `mean_j Uᵀ1`. Without eigenvectors (ordinary least squares) the
//! block passes through unchanged. A fixed-ratio scan without
//! eigenvectors applies `L⁻¹` instead (`L Lᵀ = lambda K + I`, see
//! `scan::whitened`) by a triangular solve with `L` in f32: half the
//! multiply of `Uᵀ`, and centred the same way.
//!
//! Where the CPU has AMX tiles (the `tiles` crate), the f32 `Uᵀ x` of a block of
//! hard calls runs instead as an exact integer product of `U`'s digits by
//! the genotype codes ([`int8`]): as accurate as the f32 product (no
//! rounding in the sums at all), at several times its speed.

use faer::linalg::matmul::matmul;
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use genotype::VariantMoments;
use genotype::VariantStats;
use kinship::Precision;
use rayon::prelude::*;

use crate::eigen::fixed_split;

mod int8;
mod kernels;

pub(crate) use int8::Digits;
use int8::{Int8Basis, Int8Block};

/// Bytes an f32 rotation by `n` eigenvectors (or by `L⁻¹`, in four
/// digits) adds to their f32 copy for the tile product: `U`'s digits, and
/// per block of `block` variants the packed codes and the digits' sums (0
/// where the CPU has no tiles).
pub(crate) fn tile_bytes(n: usize, block: usize, digits: Digits) -> (u64, u64) {
    if tiles::available() {
        int8::bytes(n, block, digits)
    } else {
        (0, 0)
    }
}

/// `out = Uᵀ x` for a block of variants in f64.
pub fn rotate_block(u: MatRef<'_, f64>, x: MatRef<'_, f64>, out: MatMut<'_, f64>, par: Par) {
    matmul(out, Accum::Replace, u.transpose(), x, 1.0, par);
}

#[derive(Debug)]
enum Basis<'a> {
    /// No rotation.
    Identity,
    /// `U` in f64.
    F64(MatRef<'a, f64>),
    /// `Uᵀ` rounded to f32 (or, `Solve`, the lower triangular `L` whose
    /// inverse whitens), with the row sums of the operator applied (`Uᵀ1`,
    /// `L⁻¹1`) in f64, and `U`'s digits for the tiles where there are
    /// tiles (`Product` only).
    F32 {
        ut: Mat<f32>,
        ut_one: Vec<f64>,
        op: Op,
        int8: Option<Int8Basis>,
    },
}

impl<'a> Basis<'a> {
    /// `Uᵀ` in f32, with `U`'s digits (three) for the tile product if
    /// `tiles`.
    fn f32_product(u: MatRef<'_, f64>, tiles: bool) -> Self {
        Self::f32_product_in(u, tiles.then_some(Digits::Three))
    }

    /// As [`Basis::f32_product`], with `digits` digits for the tiles (none:
    /// no tiles).
    fn f32_product_in(u: MatRef<'_, f64>, digits: Option<Digits>) -> Self {
        let n = u.nrows();
        let ut_one: Vec<f64> = (0..n).map(|i| u.col(i).iter().sum()).collect();
        Basis::F32 {
            ut: transpose_f32(u),
            int8: digits.map(|d| Int8Basis::new(u, &ut_one, d)),
            ut_one,
            op: Op::Product,
        }
    }
}

/// What an f32 basis does to a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `Uᵀ x`, a full multiply.
    Product,
    /// `L⁻¹ x`, a triangular solve by `L`.
    Solve,
}

/// Rotates blocks of up to `block` variants over `n` samples, owning the
/// buffers it needs (made once per scan).
#[derive(Debug)]
pub struct Rotator<'a> {
    basis: Basis<'a>,
    out: Mat<f64>,
    x32: Mat<f32>,
    r32: Mat<f32>,
    int8: Option<Int8Block>,
}

impl<'a> Rotator<'a> {
    /// A rotator by the eigenvectors `u` (`n x n`; `None` = no rotation) in
    /// the given arithmetic, for blocks of at most `block` variants.
    pub fn new(u: Option<MatRef<'a, f64>>, precision: Precision, block: usize) -> Self {
        let basis = match (u, precision) {
            (None, _) => Basis::Identity,
            (Some(u), Precision::F64) => Basis::F64(u),
            (Some(u), Precision::F32) => Basis::f32_product(u, tiles::available()),
        };
        Self::with_basis(basis, block)
    }

    /// A rotator by the inverse of the lower triangular `l` (`n x n`, in
    /// f32, the upper triangle ignored) whose inverse's row sums in f64 are
    /// `l_inv_one`: `L⁻¹ x` of a whitened scan, in f32 as
    /// [`Rotator::new`]'s `Uᵀ x`, by a triangular solve (`n²` flops per
    /// variant, half the multiply of `Uᵀ x`, and no `L⁻¹` to form).
    pub(crate) fn solve_lower_f32(l: Mat<f32>, l_inv_one: Vec<f64>, block: usize) -> Self {
        Self::with_basis(
            Basis::F32 {
                ut: l,
                ut_one: l_inv_one,
                op: Op::Solve,
                int8: None,
            },
            block,
        )
    }

    /// A rotator by `L⁻¹` (`inv`, `n x n`, lower triangular: the strict
    /// upper triangle zero) in f32 as [`Rotator::new`]'s by `Uᵀ`, on the
    /// tiles in four digits where the CPU has them: a whitened scan's
    /// multiply. The f32 copy is written into `into` when that is `n x n`.
    pub(crate) fn inverse_f32(inv: MatRef<'_, f64>, block: usize, into: Option<Mat<f32>>) -> Self {
        Self::inverse_f32_in(inv, block, into, tiles::available())
    }

    /// [`Rotator::inverse_f32`], with the digits if `tiles` (on the tiles
    /// where the CPU has them, else written plainly: for the tests).
    fn inverse_f32_in(inv: MatRef<'_, f64>, block: usize, into: Option<Mat<f32>>, tiles: bool) -> Self {
        let n = inv.nrows();
        let mut ut = match into {
            Some(m) if m.nrows() == n && m.ncols() == n => m,
            _ => Mat::<f32>::zeros(n, n),
        };
        fill(ut.as_mut(), inv, None, |_, dst, src| {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = v as f32;
            }
        });
        let (top, one) = int8::row_extents(inv);
        let int8 = tiles.then(|| Int8Basis::of_operator(inv, &top, &one, Digits::Four));
        let basis = Basis::F32 {
            ut,
            ut_one: one,
            op: Op::Product,
            int8,
        };
        Self::with_basis(basis, block)
    }

    /// The f32 basis matrix (`Uᵀ`, or `L`), for reuse.
    pub(crate) fn into_f32(self) -> Option<Mat<f32>> {
        match self.basis {
            Basis::F32 { ut, .. } => Some(ut),
            _ => None,
        }
    }

    fn with_basis(basis: Basis<'a>, block: usize) -> Self {
        // the f32 block (a solve works in place, on at least two columns)
        // and the product's result
        let (n, x32, r32) = match &basis {
            Basis::Identity => (0, (0, 0), 0),
            Basis::F64(u) => (u.nrows(), (0, 0), 0),
            Basis::F32 { ut, op, .. } => match op {
                // (two columns at least: the dosage columns of a tile
                // block are multiplied by twos)
                Op::Product => (ut.nrows(), (ut.nrows(), block.max(2)), ut.nrows()),
                Op::Solve => (ut.nrows(), (ut.nrows(), block.max(2)), 0),
            },
        };
        let int8 = match &basis {
            Basis::F32 { int8: Some(q), .. } => Some(Int8Block::new(q, block)),
            _ => None,
        };
        Self {
            basis,
            out: Mat::zeros(n, block),
            x32: Mat::zeros(x32.0, x32.1),
            r32: Mat::zeros(r32, block.max(2)),
            int8,
        }
    }

    /// `Uᵀ x` for the block `x` (`n x b`, mean-imputed A1 counts) whose
    /// variants' counts are `stats` (their means centre the f32 route).
    pub fn rotate<'s>(&'s mut self, x: MatRef<'s, f64>, stats: &[VariantStats], par: Par) -> MatRef<'s, f64> {
        let b = x.ncols();
        match &self.basis {
            Basis::Identity => x,
            Basis::F64(u) => {
                rotate_block(*u, x, self.out.as_mut().subcols_mut(0, b), par);
                self.out.as_ref().subcols(0, b)
            }
            Basis::F32 { ut, int8, .. } => {
                let means: Vec<f64> = stats[..b]
                    .iter()
                    .map(|st| Some(st.mean()).filter(|m| m.is_finite()).unwrap_or(0.0))
                    .collect();
                if let (Some(q), Some(blk)) = (int8, self.int8.as_mut()) {
                    let dense = blk.pack(q, x);
                    if dense.len() < b {
                        let parallel = !matches!(par, Par::Seq);
                        blk.rotate(q, ut, &means, self.out.as_mut(), parallel);
                        // the dosage columns as in a block of dosages
                        if !dense.is_empty() {
                            self.by_f32(x, &dense, &means, par);
                        }
                        return self.out.as_ref().subcols(0, b);
                    }
                }
                let all: Vec<usize> = (0..b).collect();
                self.by_f32(x, &all, &means, par);
                self.out.as_ref().subcols(0, b)
            }
        }
    }

    /// The f32 route for the columns `cols` of the block `x` (all of them,
    /// or a tile block's dosages): each centred on its mean (`means`, by
    /// column of `x`) into `x32`, in the order listed, multiplied by `Uᵀ`
    /// (or solved by `L`) in f32, and the mean's share added back into the
    /// same column of `out`. A lone column is taken beside a zero column:
    /// faer multiplies or solves a single column by other kernels (other
    /// bits), and a variant's bits must not depend on its block (the tests
    /// check every width).
    fn by_f32(&mut self, x: MatRef<'_, f64>, cols: &[usize], means: &[f64], par: Par) {
        let Self {
            basis, out, x32, r32, ..
        } = self;
        let Basis::F32 { ut, ut_one, op, .. } = basis else {
            unreachable!("an f32 basis");
        };
        let w = cols.len().max(2);
        fill(x32.as_mut().subcols_mut(0, w), x, Some(cols), |j, dst, src| {
            let m = means[j];
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = (s - m) as f32;
            }
        });
        let r = match op {
            Op::Product => {
                matmul(
                    r32.as_mut().subcols_mut(0, w),
                    Accum::Replace,
                    ut.as_ref(),
                    x32.as_ref().subcols(0, w),
                    1.0f32,
                    par,
                );
                r32.as_ref()
            }
            Op::Solve => {
                solve_lower_triangular_in_place(ut.as_ref(), x32.as_mut().subcols_mut(0, w), fixed_split(par));
                x32.as_ref()
            }
        };
        // each listed column of `out` from its place in the list
        let mut place = vec![None; x.ncols()];
        for (t, &j) in cols.iter().enumerate() {
            place[j] = Some(t);
        }
        out.as_mut()
            .subcols_mut(0, x.ncols())
            .par_col_iter_mut()
            .zip(place)
            .enumerate()
            .for_each(|(j, (col, t))| {
                let Some(t) = t else { return };
                let src = r
                    .col(t)
                    .try_as_col_major()
                    .expect("an owned matrix's column")
                    .as_slice();
                let dst = col
                    .try_as_col_major_mut()
                    .expect("an owned matrix's column")
                    .as_slice_mut();
                for ((d, &s), &one) in dst.iter_mut().zip(src).zip(ut_one.iter()) {
                    *d = f64::from(s) + means[j] * one;
                }
            });
    }
}

/// `uᵀ` rounded to f32, tile by tile (a plain element loop reads `u`
/// along its rows, a cache miss per element: 0.2 s at n = 5000, which
/// every chunk job of a scan paid), column tiles in parallel.
fn transpose_f32(u: MatRef<'_, f64>) -> Mat<f32> {
    const TILE: usize = 64;
    let (r, c) = (u.nrows(), u.ncols());
    let mut ut = Mat::<f32>::zeros(c, r);
    ut.as_mut()
        .par_col_chunks_mut(TILE)
        .enumerate()
        .for_each(|(t, mut block)| {
            let j0 = t * TILE;
            for i0 in (0..c).step_by(TILE) {
                for jj in 0..block.ncols() {
                    let mut col = block.as_mut().col_mut(jj);
                    for i in i0..(i0 + TILE).min(c) {
                        col[i] = u[(j0 + jj, i)] as f32;
                    }
                }
            }
        });
    ut
}

/// `f(j, m_t, src_j)` for each column `t` of `m` and the column `j` of
/// `src` listed `t`-th in `cols` (all columns in order: `None`), or a
/// zero column `m_t` where the list has ended (as slices: the loops
/// vectorise, where indexing by element cost ~2 s of a 5000 x 50,000
/// scan on a 2-core Xeon), columns in parallel.
fn fill<T: Send + Default + Copy, S: Copy + Sync>(
    m: MatMut<'_, T>,
    src: MatRef<'_, S>,
    cols: Option<&[usize]>,
    f: impl Fn(usize, &mut [T], &[S]) + Sync,
) {
    m.par_col_iter_mut().enumerate().for_each(|(t, col)| {
        let dst = col
            .try_as_col_major_mut()
            .expect("a column of an owned matrix")
            .as_slice_mut();
        let Some(j) = cols.map_or(Some(t), |c| c.get(t).copied()) else {
            dst.fill(T::default());
            return;
        };
        match src.col(j).try_as_col_major() {
            Some(s) => f(j, dst, s.as_slice()),
            // A strided view (no caller passes one): gathered first.
            None => f(j, dst, &src.col(j).iter().copied().collect::<Vec<S>>()),
        }
    });
}

#[cfg(test)]
mod tests;
