//! The tridiagonal reduction, the largest step of the GRM's
//! eigendecomposition at n in the thousands, and the memory rate that
//! bounds it: the evidence behind docs/benchmarks.md's "why the
//! eigendecomposition bar is out of reach".
//!
//! Group `tridiag`, n = 1000, 2000 (override with
//! `KINDRED_BENCH_TRIDIAG_SIZES=1410,5000`), 2 threads, `sample_size(10)`,
//! on the GRM-like matrix of the `eigen` bench:
//! - `faer/n`: faer's `tridiag_in_place`, what [`association::Eigen::decompose`]
//!   runs. It is unblocked: every column's rank-2 update reads and writes
//!   the trailing lower triangle, `n³/3` doubles moved in all.
//! - `blocked/n`: a LAPACK `dsytrd`-style reduction written here for the
//!   comparison only (not used by kindred): each column's symmetric
//!   product reads the trailing triangle once and the rank-2 updates are
//!   gathered into one product per panel of [`NB`] columns, so the reads
//!   are `n³/6` doubles and the writes a `NB`-th of faer's. Same storage
//!   as faer's (reflectors, block factors), so faer's back-transformation
//!   takes it; before timing, its eigenvalues are checked against faer's.
//! - `values-only/n`: [`association::Eigen::values_only`], what the
//!   routes without eigenvectors run (a fixed-ratio scan's null fits): from
//!   1024 samples a two-stage reduction (to a band of 32, by matrix
//!   products, then a bulge chase pipelined over the threads), below it
//!   faer's; then the QR sweeps for the eigenvalues (~25 ms at n = 1410).
//!   Against `faer/n` it shows what the two-stage route saves.
//! - `symv/n`: the blocked reduction's symmetric product alone (`n x n`,
//!   lower triangle read), `Throughput::Bytes` of that triangle: the read
//!   rate the blocked reduction can reach at best.
//!
//! Run: `cargo bench -p association --bench tridiag`.

mod common;

use std::hint::black_box;

use common::{grm_like, sizes, THREADS};
use criterion::{BenchmarkId, Criterion, Throughput};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::tridiag::{tridiag_in_place, tridiag_in_place_scratch};
use faer::linalg::evd::tridiagonal_self_adjoint_evd;
use faer::linalg::householder::{make_householder_in_place, upgrade_householder_factor};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{matmul as triangular_matmul, BlockStructure};
use faer::{Accum, Col, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Columns per panel of the blocked reduction.
const NB: usize = 32;

/// Parts the symmetric product is split into, whatever the thread count
/// (equal areas of the triangle), so that its rounding is fixed.
const SPLIT: usize = 8;

/// `y = A v` for the symmetric `a` (lower triangle read), `parts` holding
/// one partial product per part of the split (summed in a fixed order).
fn symv(a: MatRef<'_, f64>, v: &[f64], y: &mut [f64], parts: &mut [Vec<f64>], par: bool) {
    let m = a.nrows();
    let bound = |s: usize| {
        let f = s as f64 / SPLIT as f64;
        (((1.0 - (1.0 - f).sqrt()) * m as f64) as usize).min(m)
    };
    let work = |(s, part): (usize, &mut Vec<f64>)| {
        let last = if s + 1 == SPLIT { m } else { bound(s + 1) };
        part[..m].fill(0.0);
        for q in bound(s)..last {
            let col = a.col(q).try_as_col_major().expect("column-major").as_slice();
            part[q] += column(&col[q..m], &v[q..m], &mut part[q..m]);
        }
    };
    if par {
        parts.par_iter_mut().enumerate().for_each(work);
    } else {
        parts.iter_mut().enumerate().for_each(work);
    }
    y[..m].fill(0.0);
    for p in parts.iter() {
        for (yi, pi) in y[..m].iter_mut().zip(&p[..m]) {
            *yi += pi;
        }
    }
}

/// One column of the symmetric product, `a[0]` on the diagonal:
/// `y[i] += a[i] v[0]` for `i >= 1`; returns `a · v`.
fn column(a: &[f64], v: &[f64], y: &mut [f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the features were just detected.
            return unsafe { column_avx2(a, v, y) };
        }
    }
    column_plain(a, v, y)
}

/// [`column`] in four running sums; compiled for AVX2 and FMA by
/// [`column_avx2`], where the loops vectorise.
#[inline(always)]
fn column_plain(a: &[f64], v: &[f64], y: &mut [f64]) -> f64 {
    let vq = v[0];
    let mut acc = [0.0f64; 4];
    let (a1, v1, y1) = (&a[1..], &v[1..], &mut y[1..]);
    let whole = a1.len() / 4 * 4;
    for ((ac, vc), yc) in a1[..whole]
        .chunks_exact(4)
        .zip(v1[..whole].chunks_exact(4))
        .zip(y1[..whole].chunks_exact_mut(4))
    {
        for l in 0..4 {
            yc[l] = ac[l].mul_add(vq, yc[l]);
            acc[l] = ac[l].mul_add(vc[l], acc[l]);
        }
    }
    let mut tail = 0.0;
    for i in whole..a1.len() {
        y1[i] = a1[i].mul_add(vq, y1[i]);
        tail = a1[i].mul_add(v1[i], tail);
    }
    a[0] * vq + ((acc[0] + acc[1]) + (acc[2] + acc[3]) + tail)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn column_avx2(a: &[f64], v: &[f64], y: &mut [f64]) -> f64 {
    column_plain(a, v, y)
}

/// The blocked reduction: `a` (lower triangle) to tridiagonal form in
/// place, with faer's `tridiag_in_place` storage: `T` on the diagonal and
/// subdiagonal, reflectors below, block factors in `h`.
fn tridiag_blocked(mut a: MatMut<'_, f64>, mut h: MatMut<'_, f64>, par: Par) {
    let n = a.nrows();
    if n < 2 {
        return;
    }
    let parallel = !matches!(par, Par::Seq);
    let mut v = Mat::<f64>::zeros(n, NB);
    let mut w = Mat::<f64>::zeros(n, NB);
    let mut parts = vec![vec![0.0f64; n]; SPLIT];
    let mut y = Col::<f64>::zeros(n);
    let mut k = 0;
    while k + 1 < n {
        let nb = NB.min(n - 1 - k);
        for j in 0..nb {
            let c = k + j;
            let m = n - c - 1;
            // column c brought up to date with the panel's columns so far
            if j > 0 {
                let (vp, wp) = (v.as_ref().subcols(0, j), w.as_ref().subcols(0, j));
                let mut col = a.as_mut().col_mut(c).subrows_mut(c, m + 1).as_mat_mut();
                let (vs, ws) = (vp.subrows(c, m + 1), wp.subrows(c, m + 1));
                matmul(
                    col.as_mut(),
                    Accum::Add,
                    vs,
                    wp.row(c).transpose().as_mat(),
                    -1.0,
                    Par::Seq,
                );
                matmul(
                    col.as_mut(),
                    Accum::Add,
                    ws,
                    vp.row(c).transpose().as_mat(),
                    -1.0,
                    Par::Seq,
                );
            }
            // the reflector that zeroes a[c+2.., c]
            let tau_faer = {
                let col = a.as_mut().col_mut(c).subrows_mut(c + 1, m);
                let (mut head, tail) = col.split_at_row_mut(1);
                make_householder_in_place(&mut head[0], tail).tau
            };
            h[(0, c)] = tau_faer;
            let tau = if tau_faer.is_finite() { tau_faer.recip() } else { 0.0 };
            // the reflector `v` (1, then the essentials), column j of V
            v[(c + 1, j)] = 1.0;
            for i in 1..m {
                v[(c + 1 + i, j)] = a[(c + 1 + i, c)];
            }
            let x = v.as_ref().col(j).subrows(c + 1, m);
            // w = tau (A v - V Wᵀv - W Vᵀv), then w += -tau/2 (wᵀv) v
            {
                let xsl = x.try_as_col_major().expect("contiguous").as_slice();
                let ysl = y.as_mut().try_as_col_major_mut().expect("contiguous").as_slice_mut();
                let a22 = a.as_ref().submatrix(c + 1, c + 1, m, m);
                symv(a22, xsl, ysl, &mut parts, parallel && m > 256);
            }
            if j > 0 {
                let (vp, wp) = (
                    v.as_ref().submatrix(c + 1, 0, m, j),
                    w.as_ref().submatrix(c + 1, 0, m, j),
                );
                let wtx = wp.transpose() * x.as_mat();
                let vtx = vp.transpose() * x.as_mat();
                let mut ys = y.as_mut().subrows_mut(0, m).as_mat_mut();
                matmul(ys.as_mut(), Accum::Add, vp, wtx.as_ref(), -1.0, Par::Seq);
                matmul(ys.as_mut(), Accum::Add, wp, vtx.as_ref(), -1.0, Par::Seq);
            }
            let mut dot = 0.0;
            for i in 0..m {
                y[i] *= tau;
                dot += y[i] * x[i];
            }
            let alpha = -0.5 * tau * dot;
            for i in 0..m {
                w[(c + 1 + i, j)] = y[i] + alpha * v[(c + 1 + i, j)];
            }
        }
        // the trailing triangle: A -= V Wᵀ + W Vᵀ, one product per panel
        let s = k + nb;
        if s < n {
            let mt = n - s;
            let (vb, wb) = (v.as_ref().submatrix(s, 0, mt, nb), w.as_ref().submatrix(s, 0, mt, nb));
            for (l, r) in [(vb, wb), (wb, vb)] {
                triangular_matmul(
                    a.as_mut().submatrix_mut(s, s, mt, mt),
                    BlockStructure::TriangularLower,
                    Accum::Add,
                    l,
                    BlockStructure::Rectangular,
                    r.transpose(),
                    BlockStructure::Rectangular,
                    -1.0,
                    par,
                );
            }
        }
        k += nb;
    }
    // block factors, as faer's reduction leaves them
    let (n1, b) = (n - 1, h.nrows());
    let mut j = 0;
    while j < n1 {
        let bs = b.min(n1 - j);
        let mut hb = h.as_mut().submatrix_mut(0, j, bs, bs);
        for q in 1..bs {
            hb[(q, q)] = hb[(0, q)];
        }
        let ess = a.as_ref().submatrix(1 + j, j, n1 - j, bs);
        upgrade_householder_factor(hb, ess, bs, 1, par);
        j += bs;
    }
}

/// The eigenvalues of the tridiagonal matrix a reduction left in `t`.
fn eigenvalues(t: MatRef<'_, f64>) -> Vec<f64> {
    let n = t.nrows();
    let diag = Col::<f64>::from_fn(n, |i| t[(i, i)]);
    let sub = Col::<f64>::from_fn(n, |i| if i + 1 < n { t[(i + 1, i)] } else { 0.0 });
    let mut s = Col::<f64>::zeros(n);
    let mut mem = MemBuffer::new(faer::dyn_stack::StackReq::new::<f64>(4 * n));
    tridiagonal_self_adjoint_evd(
        diag.as_diagonal(),
        sub.as_diagonal(),
        s.as_diagonal_mut(),
        None,
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .expect("converges");
    s.iter().copied().collect()
}

fn tridiag(c: &mut Criterion) {
    let sizes = sizes("KINDRED_BENCH_TRIDIAG_SIZES", &[1000, 2000]);
    let par = Par::rayon(THREADS);
    let mut group = c.benchmark_group("tridiag");
    group.sample_size(10);
    for n in sizes {
        let k = grm_like(n);
        let bs = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(n, n);
        let mut h = Mat::<f64>::zeros(bs, n - 1);
        let mut mem = MemBuffer::new(tridiag_in_place_scratch::<f64>(n, par, Default::default()));
        let mut t = k.clone();
        tridiag_in_place(t.as_mut(), h.as_mut(), par, MemStack::new(&mut mem), Default::default());
        let reference = eigenvalues(t.as_ref());
        let mut t = k.clone();
        tridiag_blocked(t.as_mut(), h.as_mut(), par);
        let blocked = eigenvalues(t.as_ref());
        let top = reference.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let worst = reference
            .iter()
            .zip(&blocked)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst <= 1e-12 * top,
            "blocked reduction's eigenvalues off by {worst:e} (largest {top:e})"
        );

        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("faer", n), |b| {
            b.iter(|| {
                t.copy_from(&k);
                tridiag_in_place(t.as_mut(), h.as_mut(), par, MemStack::new(&mut mem), Default::default());
                black_box(t[(n - 1, n - 1)])
            });
        });
        group.bench_function(BenchmarkId::new("blocked", n), |b| {
            b.iter(|| {
                t.copy_from(&k);
                tridiag_blocked(t.as_mut(), h.as_mut(), par);
                black_box(t[(n - 1, n - 1)])
            });
        });
        group.bench_function(BenchmarkId::new("values-only", n), |b| {
            b.iter(|| {
                let e = association::Eigen::values_only(k.clone(), par).expect("converges");
                black_box(e.values()[n - 1])
            });
        });
        group.throughput(Throughput::Bytes((n * (n + 1) / 2 * 8) as u64));
        let x: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let mut y = vec![0.0; n];
        let mut parts = vec![vec![0.0f64; n]; SPLIT];
        group.bench_function(BenchmarkId::new("symv", n), |b| {
            b.iter(|| {
                symv(k.as_ref(), &x, &mut y, &mut parts, true);
                black_box(y[n - 1])
            });
        });
    }
    group.finish();
}

fn main() {
    common::main(tridiag);
}
