//! One block of variants into the sums: decoding, the column scaling of
//! each [`GrmKind`], and the lower-triangle multiply in `f64` or `f32`.

use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use genotype::{Decoder, Encoding, VariantStats};
use rayon::prelude::*;

use crate::counts;
use crate::error::Result;
use crate::kind::GrmKind;
use crate::memory::{try_vec, try_zeros};
use crate::part::Part;
use genotype::VariantMoments;

/// Arithmetic of the block multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Blocks and products in `f64` (default; matches GEMMA to 1e-6).
    F64,
    /// Blocks rounded to `f32`, each block's product formed in `f32` and
    /// added to the `f64` sums: about twice the speed, ~1e-7 relative error.
    F32,
}

/// `acc` (lower triangle) `<- z zᵀ` or `+= z zᵀ` (`accum`): the one
/// multiply every GRM kind and precision runs, public so that the
/// `grm_block` benchmark times this kernel rather than a copy of it.
pub fn syrk_lower<T: faer::traits::ComplexField>(acc: MatMut<'_, T>, z: MatRef<'_, T>, accum: Accum, par: Par) {
    let one = T::one_impl();
    matmul(
        acc,
        BlockStructure::TriangularLower,
        accum,
        z,
        BlockStructure::Rectangular,
        z.transpose(),
        BlockStructure::Rectangular,
        one,
        par,
    );
}

/// Working buffers reused across blocks.
pub(crate) struct Scratch {
    block: Vec<f64>,
    stats: Vec<VariantStats>,
    block32: Mat<f32>,
    prod32: Mat<f32>,
    /// Complete-call blocks waiting for one byte product ([`flush`]).
    pending: Option<Pending>,
    /// Variants one byte product holds ([`counts::MAX_VARIANTS`]).
    pack_variants: usize,
}

/// Blocks of the exact centered path gathered for one byte product: their
/// packed counts, `r = X m` and `Σ m²` so far (summed in variant order).
struct Pending {
    packed: counts::Packed,
    r: Vec<f64>,
    mm: f64,
}

impl Scratch {
    /// Buffers for blocks of up to `block_size` of `n_variants` variants over
    /// `n` samples (the `f32` ones are allocated when first needed).
    ///
    /// # Errors
    /// `OutOfMemory` when the block does not fit.
    pub(crate) fn new(n: usize, n_variants: usize, block_size: usize) -> Result<Self> {
        let b = block_size.min(n_variants);
        let len = n.saturating_mul(b);
        Ok(Scratch {
            block: try_vec(len, 0.0, &format!("a block of {b} variants over {n} samples"))?,
            stats: vec![VariantStats::default(); b],
            block32: Mat::new(),
            prod32: Mat::new(),
            pending: None,
            pack_variants: counts::MAX_VARIANTS.min(n_variants),
        })
    }
}

/// Decodes the variants `chunk` of `g`, scales them for `kind` and adds
/// their `Z Zᵀ` (and GCTA's extra terms) to `part`.
pub(crate) fn add_block(
    part: &mut Part,
    g: &Decoder<'_>,
    chunk: &[u32],
    kind: GrmKind,
    precision: Precision,
    par: Par,
    sc: &mut Scratch,
) -> Result<()> {
    let n = g.n_samples();
    let b = chunk.len();
    let block = &mut sc.block[..n * b];
    let stats = &mut sc.stats[..b];
    match kind {
        GrmKind::Gcta => {
            g.decode_block(chunk, Encoding::Raw, block, stats)?;
            gcta_terms(part, block, stats, n, par)?;
            encode_block(block, stats, n, Encoding::Standardized);
        }
        GrmKind::Centered => {
            g.decode_block(chunk, Encoding::Raw, block, stats)?;
            if exact_counts(block, stats) {
                part.m += b;
                if counts::available() {
                    return stage_exact(part, n, b, sc);
                }
                return add_centered_exact(part, n, b, par, sc);
            }
            encode_block(block, stats, n, Encoding::Centered);
        }
        GrmKind::Standardized | GrmKind::Plink => g.decode_block(chunk, kind.encoding(), block, stats)?,
    }
    part.m += b;
    let z = MatRef::from_column_major_slice(&sc.block[..n * b], n, b);
    match precision {
        Precision::F64 => syrk_lower(part.s.as_mut(), z, Accum::Add, par),
        Precision::F32 => {
            to_f32(z, &mut sc.block32)?;
            syrk_lower_f32(&mut sc.prod32, &sc.block32, par)?;
            let prod = sc.prod32.as_ref();
            part.s.as_mut().par_col_iter_mut().enumerate().for_each(|(j, mut d)| {
                let p = prod.col(j);
                for i in j..n {
                    d[i] += f64::from(p[i]);
                }
            });
        }
    }
    Ok(())
}

/// Whether a raw block holds only the integers 0, 1, 2 (no missing value),
/// as [`add_centered_exact`] needs: always for complete hard calls; for
/// dosages when every value is one (hard calls stored as dosages, so that
/// a lossless PGEN or BGEN copy of a `.bed` gives the `.bed`'s matrix bit
/// for bit). The scan costs `O(n b)` against the multiply's `O(n^2 b)`.
fn exact_counts(block: &[f64], stats: &[VariantStats]) -> bool {
    if stats.iter().any(|s| s.n_missing() > 0) {
        return false;
    }
    stats.iter().all(|s| matches!(s, VariantStats::Calls(_)))
        || block.par_iter().all(|&x| x == 0.0 || x == 1.0 || x == 2.0)
}

/// Encodes every column of a raw block in place.
fn encode_block(block: &mut [f64], stats: &[VariantStats], n: usize, enc: Encoding) {
    block
        .par_chunks_mut(n)
        .zip(stats.par_iter())
        .for_each(|(col, st)| genotype::encode_in_place(col, st, enc));
}

/// `dst` <- `z` rounded to `f32` (resized to `z`'s shape when needed).
fn to_f32(z: MatRef<'_, f64>, dst: &mut Mat<f32>) -> Result<()> {
    if dst.nrows() != z.nrows() || dst.ncols() != z.ncols() {
        *dst = Mat::new();
        *dst = try_zeros(z.nrows(), z.ncols(), "an f32 block of genotypes")?;
    }
    dst.as_mut()
        .par_col_iter_mut()
        .zip(z.par_col_iter())
        .for_each(|(mut d, s)| {
            for i in 0..s.nrows() {
                d[i] = s[i] as f32;
            }
        });
    Ok(())
}

/// `prod` (lower) <- `z zᵀ` in `f32` (`prod` allocated `n x n` when needed).
fn syrk_lower_f32(prod: &mut Mat<f32>, z: &Mat<f32>, par: Par) -> Result<()> {
    let n = z.nrows();
    if prod.nrows() != n {
        *prod = Mat::new();
        *prod = try_zeros(n, n, &format!("the f32 block product of {n} samples"))?;
    }
    syrk_lower(prod.as_mut(), z.as_ref(), Accum::Replace, par);
    Ok(())
}

/// Rows per task of `X m`.
const ROWS: usize = 256;

/// `r += X m` for the `n x b` column-major counts `x`: each `r_i` summed
/// over the variants in order, rows in chunks walked column by column
/// (contiguous reads; the same additions per row on any thread count).
fn add_x_m(r: &mut [f64], x: &[f64], means: &[f64], n: usize) {
    r.par_chunks_mut(ROWS).enumerate().for_each(|(t, ri)| {
        let i0 = t * ROWS;
        for (j, m) in means.iter().enumerate() {
            let col = &x[j * n + i0..j * n + i0 + ri.len()];
            for (acc, &v) in ri.iter_mut().zip(col) {
                *acc += v * m;
            }
        }
    });
}

/// Centered GRM update for a block of raw A1 counts without missing calls
/// where the byte kernel cannot run: `X Xᵀ` in `f32`, which represents
/// and sums these integers (below 2²⁴: 4 x block size) exactly in any
/// order, so the result is the byte kernel's, bit for bit.
fn add_centered_exact(part: &mut Part, n: usize, b: usize, par: Par, sc: &mut Scratch) -> Result<()> {
    debug_assert!(4 * b < (1 << 24), "block too large for exact f32 sums");
    let x = MatRef::from_column_major_slice(&sc.block[..n * b], n, b);
    let means: Vec<f64> = sc.stats[..b].iter().map(VariantStats::mean).collect();
    to_f32(x, &mut sc.block32)?;
    syrk_lower_f32(&mut sc.prod32, &sc.block32, par)?;
    let mm: f64 = means.iter().map(|m| m * m).sum();
    let mut r = vec![0.0f64; n];
    add_x_m(&mut r, &sc.block[..n * b], &means, n);
    // Σ (x - m)(x - m)ᵀ = X Xᵀ - r 1ᵀ - 1 rᵀ + (Σ m²) 1 1ᵀ
    let prod = sc.prod32.as_ref();
    part.s.as_mut().par_col_iter_mut().enumerate().for_each(|(j, mut d)| {
        for i in j..n {
            d[i] += ((f64::from(prod[(i, j)]) - r[i]) - r[j]) + mm;
        }
    });
    Ok(())
}

/// Appends a decoded block of raw A1 counts without missing calls to the
/// byte kernel's pending product, which runs ([`flush`]) whenever it is
/// full: one product and one pass over the `n x n` sums per
/// [`counts::MAX_VARIANTS`] variants rather than per block.
fn stage_exact(part: &mut Part, n: usize, b: usize, sc: &mut Scratch) -> Result<()> {
    let mut done = 0;
    while done < b {
        if sc.pending.is_none() {
            sc.pending = Some(Pending {
                packed: counts::Packed::with_capacity(n, sc.pack_variants)?,
                r: try_vec(n, 0.0, "a row sum of the GRM")?,
                mm: 0.0,
            });
        }
        let pend = sc.pending.as_mut().expect("just made");
        let take = (b - done).min(pend.packed.capacity() - pend.packed.len());
        let x = &sc.block[done * n..(done + take) * n];
        let means: Vec<f64> = sc.stats[done..done + take].iter().map(VariantStats::mean).collect();
        pend.packed.push(x, take);
        add_x_m(&mut pend.r, x, &means, n);
        pend.mm += means.iter().map(|m| m * m).sum::<f64>();
        done += take;
        if pend.packed.len() == pend.packed.capacity() {
            flush(part, sc);
        }
    }
    Ok(())
}

/// Adds the byte kernel's pending product to `part` (nothing if none is
/// pending). Called when it is full and when a part's last block is in.
pub(crate) fn flush(part: &mut Part, sc: &mut Scratch) {
    let Some(pend) = sc.pending.as_mut() else {
        return;
    };
    if pend.packed.len() == 0 {
        return;
    }
    let (r, mm) = (&pend.r, pend.mm);
    // the same sums as `add_centered_exact`'s
    counts::syrk_add(&pend.packed, part.s.as_mut(), |i, j, c| {
        ((f64::from(c) - r[i]) - r[j]) + mm
    });
    pend.packed.clear();
    pend.r.fill(0.0);
    pend.mm = 0.0;
}

/// GCTA's diagonal terms and observed counts for one raw block (`NaN` = missing).
/// Parallel over samples, sequential over variants: thread-count independent.
fn gcta_terms(part: &mut Part, block: &[f64], stats: &[VariantStats], n: usize, par: Par) -> Result<()> {
    let coef: Vec<(f64, f64, f64)> = stats
        .iter()
        .map(|st| {
            let p = st.a1_freq();
            let v = 2.0 * p * (1.0 - p);
            (1.0 / v, 1.0 + 2.0 * p, 2.0 * p * p)
        })
        .collect();
    part.diag
        .par_iter_mut()
        .zip(part.obs_diag.par_iter_mut())
        .enumerate()
        .for_each(|(i, (d, o))| {
            for (j, &(inv, b1, c0)) in coef.iter().enumerate() {
                let x = block[j * n + i];
                if !x.is_nan() && inv.is_finite() {
                    *d += (x * x - b1 * x + c0) * inv;
                    *o += 1.0;
                }
            }
        });
    let b = stats.len();
    if stats.iter().all(|s| s.n_missing() == 0) {
        part.m_full += b;
        return Ok(());
    }
    let obs: Vec<f64> = block.iter().map(|x| if x.is_nan() { 0.0 } else { 1.0 }).collect();
    let o = MatRef::from_column_major_slice(&obs, n, b);
    if part.pair_obs.is_none() {
        part.pair_obs = Some(try_zeros(n, n, &format!("GCTA's pair counts of {n} samples"))?);
    }
    if let Some(acc) = part.pair_obs.as_mut() {
        syrk_lower(acc.as_mut(), o, Accum::Add, par);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills `sc`'s block with `b` deterministic complete-call variants
    /// over `n` samples (counts and statistics), shifted by `seed`.
    fn fill(sc: &mut Scratch, n: usize, b: usize, seed: usize) {
        for v in 0..b {
            let col = &mut sc.block[v * n..(v + 1) * n];
            let mut st = genotype::AlleleStats::default();
            for (i, x) in col.iter_mut().enumerate() {
                let c = ((i * 31 + (v + seed) * 17 + i * (v + seed)) % 7 % 3) as u32;
                *x = f64::from(c);
                match c {
                    0 => st.n_hom_a2 += 1,
                    1 => st.n_het += 1,
                    _ => st.n_hom_a1 += 1,
                }
            }
            sc.stats[v] = st.into();
        }
    }

    /// The byte kernel and the `f32` multiply give the centered sums of a
    /// complete-call block bit for bit (both sum integers exactly), for a
    /// sample count that fills no panel and an odd block.
    #[test]
    fn byte_and_f32_products_give_the_same_bits() {
        if !counts::available() {
            return;
        }
        let (n, b) = (45, 301);
        let mut sums = Vec::new();
        for bytes in [false, true] {
            let mut sc = Scratch::new(n, b, b).expect("fits");
            fill(&mut sc, n, b, 0);
            let mut part = Part::new(n, GrmKind::Centered).expect("fits");
            if bytes {
                stage_exact(&mut part, n, b, &mut sc).expect("adds");
                flush(&mut part, &mut sc);
            } else {
                add_centered_exact(&mut part, n, b, Par::Seq, &mut sc).expect("adds");
            }
            sums.push(part.s);
        }
        assert!(sums[0].norm_max() > 1.0);
        for j in 0..n {
            for i in j..n {
                assert_eq!(sums[0][(i, j)].to_bits(), sums[1][(i, j)].to_bits(), "({i}, {j})");
            }
        }
    }

    /// Blocks gathered for the byte kernel, with a product that fills up
    /// in the middle of a block (odd sizes, so pairs straddle blocks and
    /// flushes), give the sums of one `f32` product per block: the same
    /// integers, added to the sums in other groupings (so within rounding,
    /// not to the bit); and every variant is counted once.
    #[test]
    fn gathered_blocks_give_the_sums_of_one_product_per_block() {
        if !counts::available() {
            return;
        }
        let (n, b, blocks) = (70, 37, 5);
        let mut gathered = Part::new(n, GrmKind::Centered).expect("fits");
        let mut each = Part::new(n, GrmKind::Centered).expect("fits");
        let mut sc = Scratch::new(n, b * blocks, b).expect("fits");
        sc.pack_variants = 51;
        let mut sc32 = Scratch::new(n, b * blocks, b).expect("fits");
        for k in 0..blocks {
            fill(&mut sc, n, b, 100 * k);
            stage_exact(&mut gathered, n, b, &mut sc).expect("adds");
            fill(&mut sc32, n, b, 100 * k);
            add_centered_exact(&mut each, n, b, Par::Seq, &mut sc32).expect("adds");
        }
        assert!(sc.pending.as_ref().is_some_and(|p| p.packed.len() == (b * blocks) % 52));
        flush(&mut gathered, &mut sc);
        assert!(sc.pending.as_ref().is_some_and(|p| p.packed.len() == 0 && p.mm == 0.0));
        let scale = each.s.norm_max();
        assert!(scale > 10.0);
        for j in 0..n {
            for i in j..n {
                let (g, e) = (gathered.s[(i, j)], each.s[(i, j)]);
                assert!((g - e).abs() <= 1e-12 * scale, "({i}, {j}): {g} vs {e}");
            }
        }
    }
}
