//! A mixed-precision eigendecomposition: the dominant eigenpairs in f64,
//! the rest in f32.
//!
//! An f32 decomposition costs less than half an f64 one (the reduction to
//! tridiagonal form reads half the bytes, the products run twice the
//! lanes), but it is exact only for a matrix within about `1e-7 ||K||` of
//! `K`. The tests see that error relative to `lambda_i + delta`, and a
//! GRM's spectrum is dominated by a few large eigenvalues (relatedness and
//! population structure: mouse HS, 28 against a median of 0.03), so on
//! its own f32 moves mouse p-values by up to 1.5e-4 in log10.
//!
//! So the large eigenpairs are taken out first, exactly, in f64: a block
//! Krylov space of `K` gives the leading eigenpairs `(theta, V)` to a
//! residual of `1e-10 theta_max` (Rayleigh-Ritz), and
//! `K' = K - V (diag(theta) - c I) Vᵀ` moves them to one value `c` below
//! the rest of the spectrum. `K'` is `K` with its dominant part removed, so
//! its norm (and the f32 decomposition's error) is that of the first
//! eigenvalue left, several times smaller. The f32 eigenpairs of `K'` at
//! `c` are those along `V`; they are replaced by `(theta, V)`, and the
//! others are made orthogonal to `V` in f64. The deflation is an exact
//! identity, so `V` needs only to span an invariant subspace, which the
//! residual bounds.
//!
//! Whenever a check fails (no converged pair, or the f32 eigenvectors at
//! `c` are not the ones along `V`) the caller decomposes in f64 instead.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::reborrow::{IntoConst, Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use kinship::memory::{ensure, try_zeros};

use crate::error::Result;

/// Smallest matrix decomposed this way. At mouse size (1410) the f32
/// decomposition's saving (~70 ms) is what the Krylov space, the deflation
/// and the f64 eigenvectors cost; at 5000 the whole step takes 0.46 of f64's.
pub(crate) const MIN_N: usize = 2048;
/// Columns of each Krylov block.
const BLOCK: usize = 24;
/// Multiplies by `K` beyond the first block.
const STEPS: usize = 10;
/// Residual `||K v - theta v||` (relative to the largest eigenvalue) below
/// which a Ritz pair counts as converged.
const TOL: f64 = 1e-10;
/// Columns of `K'` formed at a time in f64 before rounding.
const CHUNK: usize = 256;

/// Krylov basis width.
const fn width() -> usize {
    BLOCK * (STEPS + 1)
}

/// Bytes this decomposition of `n` samples holds beside `K` and the f64
/// eigenvectors it returns, at its peak (during the f32 decomposition):
/// `K'` and its eigenvectors in f32, the f32 eigensolver's workspace, the
/// Krylov basis and its product.
pub(crate) fn workspace_bytes(n: usize, par: Par) -> u64 {
    let n64 = n as u64;
    let f32_matrices = 2 * n64 * n64 * 4;
    let krylov = 2 * n64 * width() as u64 * 8 + n64 * (CHUNK as u64) * 8;
    f32_matrices + f32_scratch(n, par).size_bytes() as u64 + krylov
}

/// The f32 eigensolver's workspace for `n x n`.
pub(crate) fn f32_scratch(n: usize, par: Par) -> faer::dyn_stack::StackReq {
    faer::linalg::evd::self_adjoint_evd_scratch::<f32>(
        n,
        faer::linalg::evd::ComputeEigenvectors::Yes,
        par,
        Default::default(),
    )
}

/// The dominant eigenpairs of `K`, largest first.
struct Dominant {
    values: Vec<f64>,
    /// `n x k`, orthonormal.
    vectors: Mat<f64>,
    /// The largest Ritz value not taken (a lower bound of the first
    /// eigenvalue left in `K'`).
    next: f64,
}

/// Fills `col` with reproducible numbers in `[-1, 1)`.
fn fill_random(mut col: faer::ColMut<'_, f64>, seed: &mut u64) {
    for i in 0..col.nrows() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        col[i] = (*seed >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
    }
}

/// Orthonormalises columns `start..` of `q` against the columns before
/// them (block Gram-Schmidt, twice) and each other (Cholesky QR, twice).
/// A block that has lost rank (the Krylov space is exhausted) has its
/// columns replaced by random ones and is orthonormalised again.
fn orthonormalise(q: MatMut<'_, f64>, start: usize, seed: &mut u64, par: Par) {
    let (done, mut new) = q.split_at_col_mut(start);
    let done = done.into_const();
    for attempt in 0..4 {
        let mut full_rank = true;
        for pass in 0..2 {
            if start > 0 {
                let c = done.transpose() * new.rb();
                matmul(new.rb_mut(), Accum::Add, done, c.as_ref(), -1.0, par);
            }
            let gram = new.rb().transpose() * new.rb();
            let Ok(chol) = gram.llt(faer::Side::Lower) else {
                full_rank = false;
                break;
            };
            let l = chol.L();
            // new <- new L⁻ᵀ
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(l, new.rb_mut().transpose_mut(), par);
            // a second pass fixes what the first left; a collapsed block shows
            // as a tiny pivot on the first
            if pass == 0 {
                let smallest = (0..l.nrows()).map(|i| l[(i, i)]).fold(f64::INFINITY, f64::min);
                let largest = (0..l.nrows()).map(|i| l[(i, i)]).fold(0.0, f64::max);
                if smallest.is_nan() || smallest <= 1e-6 * largest {
                    full_rank = false;
                    break;
                }
            }
        }
        if full_rank {
            return;
        }
        assert!(attempt < 3, "random vectors stay in a subspace of the Krylov basis");
        for j in 0..new.ncols() {
            fill_random(new.rb_mut().col_mut(j), seed);
        }
    }
}

/// `out = K x` for symmetric `K` of which the lower triangle is read.
fn symmetric_product(k: MatRef<'_, f64>, x: MatRef<'_, f64>, mut out: MatMut<'_, f64>, par: Par) {
    use faer::linalg::matmul::triangular::{matmul as tri, BlockStructure as B};
    tri(
        out.rb_mut(),
        B::Rectangular,
        Accum::Replace,
        k,
        B::TriangularLower,
        x,
        B::Rectangular,
        1.0,
        par,
    );
    tri(
        out,
        B::Rectangular,
        Accum::Add,
        k.transpose(),
        B::StrictTriangularUpper,
        x,
        B::Rectangular,
        1.0,
        par,
    );
}

/// Leading eigenpairs of symmetric `k` (lower triangle read) from a block Krylov
/// space, those whose residual is below [`TOL`]; `None` when none is.
fn dominant(k: MatRef<'_, f64>, par: Par) -> Option<Dominant> {
    let n = k.nrows();
    let m = width();
    if n < 2 * m {
        return None;
    }
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut q = Mat::<f64>::zeros(n, m);
    let mut kq = Mat::<f64>::zeros(n, m);
    for j in 0..BLOCK {
        fill_random(q.col_mut(j), &mut seed);
    }
    orthonormalise(q.as_mut(), 0, &mut seed, par);
    for s in 0..=STEPS {
        let cols = s * BLOCK;
        symmetric_product(
            k,
            q.as_ref().subcols(cols, BLOCK),
            kq.as_mut().subcols_mut(cols, BLOCK),
            par,
        );
        if s == STEPS {
            break;
        }
        let next = kq.as_ref().subcols(cols, BLOCK).to_owned();
        q.as_mut().subcols_mut(cols + BLOCK, BLOCK).copy_from(&next);
        orthonormalise(
            q.as_mut().subcols_mut(0, cols + 2 * BLOCK),
            cols + BLOCK,
            &mut seed,
            par,
        );
    }
    // Rayleigh-Ritz on the basis
    let mut h = q.transpose() * &kq;
    for i in 0..m {
        for j in 0..i {
            let v = 0.5 * (h[(i, j)] + h[(j, i)]);
            h[(i, j)] = v;
            h[(j, i)] = v;
        }
    }
    let evd = h.self_adjoint_eigen(faer::Side::Lower).ok()?;
    let (theta, s) = (evd.S(), evd.U());
    // candidates: the top half of the basis, largest first
    let cand = m / 2;
    let top = Mat::<f64>::from_fn(m, cand, |i, t| s[(i, m - 1 - t)]);
    let values: Vec<f64> = (0..cand).map(|t| theta[m - 1 - t]).collect();
    let vectors = &q * &top;
    let mut residual = &kq * &top;
    for (t, &value) in values.iter().enumerate() {
        let mut r = residual.col_mut(t);
        r -= value * vectors.col(t);
    }
    let scale = values[0].abs();
    if !scale.is_finite() || scale == 0.0 {
        return None;
    }
    let kept = (0..cand)
        .take_while(|&t| residual.col(t).norm_l2() <= TOL * scale)
        .count();
    if kept == 0 || kept == cand {
        return None;
    }
    Some(Dominant {
        next: values[kept],
        values: values[..kept].to_vec(),
        vectors: vectors.subcols(0, kept).to_owned(),
    })
}

/// A mixed decomposition.
pub(super) struct Decomposed {
    /// Eigenvalues, ascending.
    pub values: Vec<f64>,
    /// Eigenvectors in columns.
    pub vectors: Mat<f64>,
    /// How many of the largest were found in f64.
    pub deflated: usize,
}

/// Eigenvalues (ascending) and eigenvectors of symmetric `k` (lower
/// triangle read), the dominant pairs in f64 and the rest in f32 (module
/// documentation); `None` when the checks fail and an f64 decomposition is
/// needed. `workspace` holds the f32 eigensolver's workspace for `n`,
/// made here when it is `None` or of another size.
///
/// # Errors
/// `OutOfMemory` for the f32 matrices.
pub(super) fn decompose(
    k: MatRef<'_, f64>,
    par: Par,
    workspace: &mut Option<(usize, MemBuffer)>,
) -> Result<Option<Decomposed>> {
    let n = k.nrows();
    // refused before any work, as an f64 decomposition would be
    let n64 = n as u64;
    ensure(Some(n64 * n64 * 8), &format!("the eigenvectors of {n} samples"))?;
    ensure(
        Some(workspace_bytes(n, par)),
        &format!("the eigensolver's workspace for {n} samples"),
    )?;
    let Some(dom) = dominant(k, par) else {
        return Ok(None);
    };
    let kd = dom.values.len();
    let c = -0.5 * dom.next;
    if c >= 0.0 {
        return Ok(None);
    }
    // K' = K - V (diag(theta) - c) Vᵀ, lower triangle, rounded to f32
    let mut k32 = try_zeros::<f32>(n, n, &format!("the f32 GRM of {n} samples"))?;
    let scaled = Mat::<f64>::from_fn(n, kd, |i, t| dom.vectors[(i, t)] * (dom.values[t] - c));
    let mut tmp = Mat::<f64>::zeros(n, CHUNK);
    for j0 in (0..n).step_by(CHUNK) {
        let w = CHUNK.min(n - j0);
        let rows = n - j0;
        let mut t = tmp.as_mut().submatrix_mut(0, 0, rows, w);
        t.copy_from(k.submatrix(j0, j0, rows, w));
        matmul(
            t.rb_mut(),
            Accum::Add,
            scaled.as_ref().subrows(j0, rows),
            dom.vectors.as_ref().subrows(j0, w).transpose(),
            -1.0,
            par,
        );
        for jj in 0..w {
            let from = t
                .rb()
                .col(jj)
                .try_as_col_major()
                .expect("a column of a matrix")
                .as_slice();
            let to = &mut k32.col_as_slice_mut(j0 + jj)[j0 + jj..];
            for (a, &b) in to.iter_mut().zip(&from[jj..]) {
                *a = b as f32;
            }
        }
    }
    let mut z = try_zeros::<f32>(n, n, &format!("the f32 eigenvectors of {n} samples"))?;
    let mut s = faer::diag::Diag::<f32>::zeros(n);
    let mut mem = match workspace.take() {
        Some((size, mem)) if size == n => mem,
        _ => {
            let req = f32_scratch(n, par);
            MemBuffer::try_new(req).map_err(|_| kinship::Error::OutOfMemory {
                what: format!("the f32 eigensolver's workspace for {n} samples"),
                needed: Some(req.size_bytes() as u64),
                available: kinship::memory::available(),
            })?
        }
    };
    let done = faer::linalg::evd::self_adjoint_evd(
        k32.as_ref(),
        s.as_mut(),
        Some(z.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    );
    *workspace = Some((n, mem));
    drop(k32);
    if done.is_err() || (0..n).any(|i| !s[i].is_finite()) {
        return Ok(None);
    }
    // the f32 eigenvectors along V: the kd with the largest projection on V
    let v32 = Mat::<f32>::from_fn(n, kd, |i, t| dom.vectors[(i, t)] as f32);
    let p = v32.transpose() * &z;
    let weight: Vec<f32> = (0..n).map(|j| p.col(j).squared_norm_l2()).collect();
    let mut by_weight: Vec<usize> = (0..n).collect();
    by_weight.sort_by(|&a, &b| weight[b].total_cmp(&weight[a]));
    let along = &by_weight[..kd];
    if along.iter().any(|&j| weight[j] < 0.99) || weight[by_weight[kd]] > 0.01 {
        return Ok(None);
    }
    let mut is_along = vec![false; n];
    for &j in along {
        is_along[j] = true;
    }
    // merge the f32 eigenpairs left (ascending) with theta (ascending)
    enum From {
        F32(usize),
        Top(usize),
    }
    let mut order: Vec<(f64, From)> = (0..n)
        .filter(|&j| !is_along[j])
        .map(|j| (f64::from(s[j]), From::F32(j)))
        .chain((0..kd).map(|t| (dom.values[t], From::Top(t))))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut u = try_zeros::<f64>(n, n, &format!("the eigenvectors of {n} samples"))?;
    let mut bulk = Vec::with_capacity(n - kd);
    for (j, (_, from)) in order.iter().enumerate() {
        match *from {
            From::F32(src) => {
                bulk.push(j);
                for (a, &b) in u.col_as_slice_mut(j).iter_mut().zip(z.col_as_slice(src)) {
                    *a = f64::from(b);
                }
            }
            From::Top(t) => u.col_mut(j).copy_from(dom.vectors.col(t)),
        }
    }
    drop(z);
    // the f32 eigenvectors made orthogonal to V in f64
    let mut proj = dom.vectors.transpose() * &u;
    for (j, (_, from)) in order.iter().enumerate() {
        if matches!(from, From::Top(_)) {
            proj.col_mut(j).fill(0.0);
        }
    }
    matmul(u.as_mut(), Accum::Add, dom.vectors.as_ref(), proj.as_ref(), -1.0, par);
    for j in bulk {
        let norm = u.col(j).norm_l2();
        let mut col = u.col_mut(j);
        col *= 1.0 / norm;
    }
    let values = order.iter().map(|(v, _)| *v).collect();
    Ok(Some(Decomposed {
        values,
        vectors: u,
        deflated: kd,
    }))
}

#[cfg(test)]
#[path = "mixed_tests.rs"]
mod tests;
