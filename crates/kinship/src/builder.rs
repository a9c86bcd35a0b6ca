//! Building a GRM in one streamed pass over variant blocks: `S += Z Zᵀ`
//! (lower triangle, faer's parallel multiply), with optional per-chromosome
//! partial sums for leave-one-chromosome-out (LOCO) matrices.

use std::collections::BTreeMap;

use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use genotype::{AlleleStats, Chrom, Encoding, Genotypes, Progress, SampleId};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::grm::Grm;
use crate::kind::GrmKind;

/// Arithmetic of the block multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Blocks and products in `f64` (default; matches GEMMA to 1e-6).
    F64,
    /// Blocks rounded to `f32`, each block's product formed in `f32` and
    /// added to the `f64` sums: about twice the speed, ~1e-7 relative error.
    F32,
}

/// How to build.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Scaling of the genotype columns.
    pub kind: GrmKind,
    /// Arithmetic of the block multiply.
    pub precision: Precision,
    /// Variants per block (the inner dimension of each multiply).
    pub block_size: usize,
    /// Keep one partial sum per chromosome for LOCO matrices (+1 `n²` each).
    pub loco: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            kind: GrmKind::Centered,
            precision: Precision::F64,
            block_size: 1024,
            loco: false,
        }
    }
}

/// Sums over one set of variants (all of them, or one chromosome's).
#[derive(Debug, Clone)]
struct Part {
    /// `Σ z zᵀ`, lower triangle.
    s: Mat<f64>,
    /// Variants summed.
    m: usize,
    /// GCTA only: per-sample sums of the diagonal terms.
    diag: Vec<f64>,
    /// GCTA only: per-sample observed counts.
    obs_diag: Vec<f64>,
    /// GCTA only: per-pair observed counts among variants with missing calls
    /// (lower triangle); variants without missing calls add to `m_full`.
    pair_obs: Option<Mat<f64>>,
    /// GCTA only: variants observed in every sample.
    m_full: usize,
}

impl Part {
    fn new(n: usize, kind: GrmKind) -> Self {
        let gcta = kind == GrmKind::Gcta;
        Self {
            s: Mat::zeros(n, n),
            m: 0,
            diag: if gcta { vec![0.0; n] } else { Vec::new() },
            obs_diag: if gcta { vec![0.0; n] } else { Vec::new() },
            pair_obs: None,
            m_full: 0,
        }
    }

    /// `self - other` (LOCO: everything but one chromosome).
    fn minus(&self, other: &Part) -> Part {
        let n = self.s.nrows();
        let sub = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>();
        let pair_obs = match (&self.pair_obs, &other.pair_obs) {
            (None, None) => None,
            (a, b) => {
                let z = Mat::zeros(n, n);
                let a = a.as_ref().unwrap_or(&z);
                let b = b.as_ref().unwrap_or(&z);
                Some(a - b)
            }
        };
        Part {
            s: &self.s - &other.s,
            m: self.m - other.m,
            diag: sub(&self.diag, &other.diag),
            obs_diag: sub(&self.obs_diag, &other.obs_diag),
            pair_obs,
            m_full: self.m_full - other.m_full,
        }
    }

    fn add(&mut self, other: &Part) {
        self.s += &other.s;
        self.m += other.m;
        self.m_full += other.m_full;
        for (a, b) in self.diag.iter_mut().zip(&other.diag) {
            *a += b;
        }
        for (a, b) in self.obs_diag.iter_mut().zip(&other.obs_diag) {
            *a += b;
        }
        if let Some(b) = &other.pair_obs {
            match &mut self.pair_obs {
                Some(a) => *a += b,
                None => self.pair_obs = Some(b.clone()),
            }
        }
    }
}

/// The sums of one pass: enough to form the GRM and every LOCO GRM.
#[derive(Debug)]
pub struct GrmSums {
    kind: GrmKind,
    ids: Vec<SampleId>,
    total: Part,
    per_chrom: BTreeMap<Chrom, Part>,
}

/// `acc (lower) += z zᵀ`.
fn syrk_lower_f64(acc: MatMut<'_, f64>, z: MatRef<'_, f64>, par: Par) {
    matmul(
        acc,
        BlockStructure::TriangularLower,
        Accum::Add,
        z,
        BlockStructure::Rectangular,
        z.transpose(),
        BlockStructure::Rectangular,
        1.0,
        par,
    );
}

/// Working buffers reused across blocks.
struct Scratch {
    block: Vec<f64>,
    stats: Vec<AlleleStats>,
    block32: Mat<f32>,
    prod32: Mat<f32>,
}

/// Builds the sums for `variants` (`.bim` positions) of `g`.
///
/// `chrom_of(v)` gives variant `v`'s chromosome (used only with `loco`).
/// `ids` names the rows (the samples of `g`, in order).
/// Zero-variance variants should be filtered out beforehand for the
/// `Standardized` and `Gcta` kinds (the default QC does so).
///
/// # Errors
/// `Degenerate` when there are no variants or no samples.
pub fn build<'c>(
    g: &Genotypes<'_>,
    ids: Vec<SampleId>,
    variants: &[u32],
    chrom_of: impl Fn(u32) -> &'c Chrom,
    opts: &BuildOptions,
    par: Par,
    progress: &dyn Progress,
) -> Result<GrmSums> {
    let n = g.n_samples();
    if n == 0 {
        return Err(Error::Degenerate("no samples to build a GRM from".into()));
    }
    if variants.is_empty() {
        return Err(Error::Degenerate("no variants to build a GRM from".into()));
    }
    assert_eq!(ids.len(), n, "one ID per sample");
    let bs = opts.block_size.max(1);
    let mut scratch = Scratch {
        block: vec![0.0; n * bs.min(variants.len())],
        stats: vec![AlleleStats::default(); bs.min(variants.len())],
        block32: Mat::zeros(0, 0),
        prod32: if opts.precision == Precision::F32 {
            Mat::zeros(n, n)
        } else {
            Mat::zeros(0, 0)
        },
    };
    let mut total = Part::new(n, opts.kind);
    let mut per_chrom: BTreeMap<Chrom, Part> = BTreeMap::new();
    // Runs of consecutive variants on one chromosome (one run without LOCO).
    let mut start = 0;
    while start < variants.len() {
        let mut end = start + 1;
        if opts.loco {
            let c = chrom_of(variants[start]);
            while end < variants.len() && chrom_of(variants[end]) == c {
                end += 1;
            }
        } else {
            end = variants.len();
        }
        let run = &variants[start..end];
        let mut part = Part::new(n, opts.kind);
        for chunk in run.chunks(bs) {
            add_block(&mut part, g, chunk, opts, par, &mut scratch);
            progress.inc(chunk.len() as u64);
        }
        if opts.loco {
            let c = chrom_of(variants[start]).clone();
            total.add(&part);
            match per_chrom.get_mut(&c) {
                Some(p) => p.add(&part),
                None => {
                    per_chrom.insert(c, part);
                }
            }
        } else {
            total = part;
        }
        start = end;
    }
    Ok(GrmSums {
        kind: opts.kind,
        ids,
        total,
        per_chrom,
    })
}

fn add_block(part: &mut Part, g: &Genotypes<'_>, chunk: &[u32], opts: &BuildOptions, par: Par, sc: &mut Scratch) {
    let n = g.n_samples();
    let b = chunk.len();
    let block = &mut sc.block[..n * b];
    let stats = &mut sc.stats[..b];
    match opts.kind {
        GrmKind::Gcta => {
            g.decode_block(chunk, Encoding::Raw, block, stats);
            gcta_terms(part, block, stats, n, par);
            encode_block(block, stats, n, Encoding::Standardized);
        }
        GrmKind::Centered => {
            g.decode_block(chunk, Encoding::Raw, block, stats);
            if stats.iter().all(|s| s.n_missing == 0) {
                part.m += b;
                add_centered_exact(part, n, b, par, sc);
                return;
            }
            encode_block(block, stats, n, Encoding::Centered);
        }
        GrmKind::Standardized | GrmKind::Plink => g.decode_block(chunk, opts.kind.encoding(), block, stats),
    }
    part.m += b;
    let z = MatRef::from_column_major_slice(&sc.block[..n * b], n, b);
    match opts.precision {
        Precision::F64 => syrk_lower_f64(part.s.as_mut(), z, par),
        Precision::F32 => {
            to_f32(z, &mut sc.block32);
            syrk_lower_f32(&mut sc.prod32, &sc.block32, par);
            let prod = sc.prod32.as_ref();
            part.s.as_mut().par_col_iter_mut().enumerate().for_each(|(j, mut d)| {
                let p = prod.col(j);
                for i in j..n {
                    d[i] += f64::from(p[i]);
                }
            });
        }
    }
}

/// Encodes every column of a raw block in place.
fn encode_block(block: &mut [f64], stats: &[AlleleStats], n: usize, enc: Encoding) {
    block
        .par_chunks_mut(n)
        .zip(stats.par_iter())
        .for_each(|(col, st)| genotype::encode_in_place(col, st, enc));
}

/// `dst` <- `z` rounded to `f32` (resized to `z`'s shape when needed).
fn to_f32(z: MatRef<'_, f64>, dst: &mut Mat<f32>) {
    if dst.nrows() != z.nrows() || dst.ncols() != z.ncols() {
        *dst = Mat::zeros(z.nrows(), z.ncols());
    }
    dst.as_mut()
        .par_col_iter_mut()
        .zip(z.par_col_iter())
        .for_each(|(mut d, s)| {
            for i in 0..s.nrows() {
                d[i] = s[i] as f32;
            }
        });
}

/// `prod` (lower) <- `z zᵀ` in `f32`.
fn syrk_lower_f32(prod: &mut Mat<f32>, z: &Mat<f32>, par: Par) {
    let n = z.nrows();
    if prod.nrows() != n {
        *prod = Mat::zeros(n, n);
    }
    matmul(
        prod.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        z.as_ref(),
        BlockStructure::Rectangular,
        z.as_ref().transpose(),
        BlockStructure::Rectangular,
        1.0f32,
        par,
    );
}

/// Centered GRM update for a block of raw A1 counts without missing calls,
/// exact at `f32` speed: `Σ (x - m)(x - m)ᵀ = X Xᵀ - r 1ᵀ - 1 rᵀ + (Σ m²) 1 1ᵀ`
/// with `r = X m`. `X Xᵀ` holds integers below 2²⁴ (4 x block size), which
/// `f32` represents and sums exactly in any order; the rest is `f64`.
fn add_centered_exact(part: &mut Part, n: usize, b: usize, par: Par, sc: &mut Scratch) {
    debug_assert!(4 * b < (1 << 24), "block too large for exact f32 sums");
    let x = MatRef::from_column_major_slice(&sc.block[..n * b], n, b);
    let means: Vec<f64> = sc.stats[..b].iter().map(AlleleStats::mean).collect();
    to_f32(x, &mut sc.block32);
    syrk_lower_f32(&mut sc.prod32, &sc.block32, par);
    let mm: f64 = means.iter().map(|m| m * m).sum();
    let r: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| means.iter().enumerate().map(|(j, m)| x[(i, j)] * m).sum())
        .collect();
    let prod = sc.prod32.as_ref();
    part.s.as_mut().par_col_iter_mut().enumerate().for_each(|(j, mut d)| {
        let p = prod.col(j);
        for i in j..n {
            d[i] += ((f64::from(p[i]) - r[i]) - r[j]) + mm;
        }
    });
}

/// GCTA's diagonal terms and observed counts for one raw block (`NaN` = missing).
/// Parallel over samples, sequential over variants: thread-count independent.
fn gcta_terms(part: &mut Part, block: &[f64], stats: &[AlleleStats], n: usize, par: Par) {
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
    if stats.iter().all(|s| s.n_missing == 0) {
        part.m_full += b;
        return;
    }
    let obs: Vec<f64> = block.iter().map(|x| if x.is_nan() { 0.0 } else { 1.0 }).collect();
    let o = MatRef::from_column_major_slice(&obs, n, b);
    let acc = part.pair_obs.get_or_insert_with(|| Mat::zeros(n, n));
    syrk_lower_f64(acc.as_mut(), o, par);
}

impl GrmSums {
    /// The GRM over every variant of the pass.
    pub fn grm(&self) -> Grm {
        self.finish(&self.total)
    }

    /// Chromosomes with a partial sum (empty without LOCO).
    pub fn chromosomes(&self) -> Vec<Chrom> {
        self.per_chrom.keys().cloned().collect()
    }

    /// The GRM without chromosome `c`'s variants, from the partial sums.
    ///
    /// # Errors
    /// `Degenerate` when LOCO sums were not kept, `c` has none, or nothing
    /// would be left.
    pub fn loco(&self, c: &Chrom) -> Result<Grm> {
        let part = self
            .per_chrom
            .get(c)
            .ok_or_else(|| Error::Degenerate(format!("no LOCO sums for chromosome {c}")))?;
        if part.m == self.total.m {
            return Err(Error::Degenerate(format!(
                "leaving chromosome {c} out leaves no variant for the GRM"
            )));
        }
        Ok(self.finish(&self.total.minus(part)))
    }

    /// Variants summed in the whole pass.
    pub fn n_variants(&self) -> usize {
        self.total.m
    }

    fn finish(&self, p: &Part) -> Grm {
        let n = p.s.nrows();
        let m = p.m as f64;
        let mut k = Mat::<f64>::zeros(n, n);
        let mut counts = None;
        match self.kind {
            GrmKind::Centered | GrmKind::Standardized | GrmKind::Plink => {
                for j in 0..n {
                    for i in j..n {
                        let v = p.s[(i, j)] / m;
                        k[(i, j)] = v;
                        k[(j, i)] = v;
                    }
                }
            }
            GrmKind::Gcta => {
                let full = p.m_full as f64;
                let pair = |i: usize, j: usize| full + p.pair_obs.as_ref().map_or(0.0, |o| o[(i, j)]);
                for j in 0..n {
                    k[(j, j)] = 1.0 + p.diag[j] / p.obs_diag[j];
                    for i in j + 1..n {
                        let v = p.s[(i, j)] / pair(i, j);
                        k[(i, j)] = v;
                        k[(j, i)] = v;
                    }
                }
                if p.pair_obs.is_some() {
                    counts = Some(Mat::from_fn(n, n, |i, j| {
                        let (a, b) = if i >= j { (i, j) } else { (j, i) };
                        if a == b {
                            p.obs_diag[a] as f32
                        } else {
                            pair(a, b) as f32
                        }
                    }));
                }
            }
        }
        Grm {
            matrix: k,
            ids: self.ids.clone(),
            n_variants: p.m,
            pair_counts: counts,
            kind: Some(self.kind),
        }
    }
}
