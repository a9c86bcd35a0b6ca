//! What association's benchmarks share: their thread count and their
//! `main`.

use criterion::Criterion;
use faer::Mat;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Threads (the machine the numbers were taken on has 2).
pub const THREADS: usize = 2;

/// What `criterion_group!`/`criterion_main!` expand to, written out
/// because the macros generate an undocumented `pub fn` (`missing_docs` is
/// on): the global rayon pool of [`THREADS`] threads (the per-variant
/// loops run on it), then `bench` with criterion's command-line options.
pub fn main(bench: fn(&mut Criterion)) {
    rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build_global()
        .expect("rayon pool");
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}

/// `A Aᵀ / m` with `A` (`n x 2n`) holding centred 0/1/2 counts: a dense,
/// full-rank matrix with a GRM's spectrum (fixed seed), for the `eigen`
/// and `tridiag` benches.
#[allow(dead_code)] // used by the `eigen` and `tridiag` benches, not `scan`
pub fn grm_like(n: usize) -> Mat<f64> {
    let m = 2 * n;
    let mut rng = StdRng::seed_from_u64(5);
    let mut a = Mat::<f64>::zeros(n, m);
    for j in 0..m {
        let p: f64 = rng.random_range(0.05..0.95);
        for i in 0..n {
            a[(i, j)] = f64::from(u8::from(rng.random_bool(p)) + u8::from(rng.random_bool(p))) - 2.0 * p;
        }
    }
    let mut k = &a * a.transpose();
    k /= faer::Scale(m as f64);
    k
}

/// The sizes a bench runs: the comma-separated list in the environment
/// variable `var` when it is set, else `default`.
#[allow(dead_code)] // used by the `eigen` and `tridiag` benches, not `scan`
pub fn sizes(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var).map_or_else(
        |_| default.to_vec(),
        |s| {
            s.split(',')
                .map(|x| x.trim().parse().expect("sizes are integers"))
                .collect()
        },
    )
}
