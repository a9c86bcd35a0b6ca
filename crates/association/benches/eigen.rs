//! Eigendecomposition of a GRM-like matrix: [`association::Eigen::decompose`]
//! (faer's self-adjoint solver, vectors included), the step every
//! `reml`/`assoc` run pays once.
//!
//! Group `eigen`, n = 500, 1000, 2000 (override with
//! `KINDRED_BENCH_EIGEN_SIZES=2000,5000`), 2 threads, `sample_size(10)`.
//! The input is `K = A Aᵀ / m` with `A` an `n x 2n` matrix of centred
//! pseudo-random genotype-like values (fixed seed): dense, full rank,
//! spectrum shaped like a GRM's. `Throughput::Elements` = n (samples).
//!
//! Functions: `decompose/n` (what kindred runs: a parallel split fixed at
//! `EIGEN_SPLIT` = 8 tasks (crates/association/src/eigen.rs) so that results do not depend on the
//! thread count) and `faer_par2/n` (faer's solver called directly with
//! `Par::rayon(2)`, to see what that determinism costs).
//!
//! Run: `cargo bench -p association --bench eigen`.

mod common;

use std::hint::black_box;

use association::Eigen;
use common::{grm_like, sizes, THREADS};
use criterion::{BenchmarkId, Criterion, Throughput};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
use faer::{Mat, Par};

fn eigen(c: &mut Criterion) {
    let sizes = sizes("KINDRED_BENCH_EIGEN_SIZES", &[500, 1000, 2000]);
    let mut group = c.benchmark_group("eigen");
    group.sample_size(10);
    for n in sizes {
        let k = grm_like(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("decompose", n), |b| {
            b.iter(|| {
                let e = Eigen::decompose(k.as_ref(), Par::rayon(THREADS)).expect("decomposes");
                black_box(e.values()[n - 1])
            });
        });
        let par = Par::rayon(THREADS);
        let mut mem = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
            n,
            ComputeEigenvectors::Yes,
            par,
            Default::default(),
        ));
        let mut u = Mat::<f64>::zeros(n, n);
        let mut s = faer::diag::Diag::<f64>::zeros(n);
        group.bench_function(BenchmarkId::new("faer_par2", n), |b| {
            b.iter(|| {
                self_adjoint_evd(
                    k.as_ref(),
                    s.as_mut(),
                    Some(u.as_mut()),
                    par,
                    MemStack::new(&mut mem),
                    Default::default(),
                )
                .expect("decomposes");
                black_box(s[n - 1])
            });
        });
    }
    group.finish();
}

fn main() {
    common::main(eigen);
}
