//! faer's matrix-multiply rate on this machine: the ceiling that the GRM
//! build (`S += Z Zᵀ`) and the scan's rotation (`Uᵀ X`) are measured against.
//!
//! Prints one line per kernel, `f64` and `f32`, median of `REPS` runs after
//! a warm-up, in GFLOP/s (an FMA counts 2 flops):
//! - `square`: `C = A B`, all `SIZE x SIZE` (`2 SIZE³` flops);
//! - `grm_block`: the GRM's update, lower triangle of `S += Z Zᵀ` with
//!   `Z` of `N x 1024` (`N (N+1) 1024` flops, the count `kindred grm` uses);
//! - `rotate`: the scan's `Uᵀ X` with `U` `N x N` and `X` `N x 512` (`2 N² 512` flops).
//!
//! Run: `cargo run --release -p kinship --example gemm_rate -- [SIZE] [N] [THREADS] [REPS]`
//! (defaults 4000, 5000, 2, 3). `benches/bench_vs.py` parses the output:
//! lines `gemm_rate KERNEL PRECISION GFLOPS`.

use std::time::Instant;

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{matmul as tri_matmul, BlockStructure};
use faer::{Accum, Mat, Par};

/// Median wall time of `reps` calls of `f`, after one untimed call.
fn median_secs(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Deterministic fill in [-1, 1) (values do not affect the speed).
fn filled<T: faer::traits::ComplexField>(r: usize, c: usize, from: impl Fn(f64) -> T) -> Mat<T> {
    Mat::from_fn(r, c, |i, j| {
        from((((i * 7919 + j * 104_729) % 2003) as f64) / 1001.5 - 1.0)
    })
}

macro_rules! kernels {
    ($t:ty, $name:literal, $size:expr, $n:expr, $par:expr, $reps:expr) => {{
        let (size, n, par, reps) = ($size, $n, $par, $reps);
        let conv = |x: f64| x as $t;
        let a = filled::<$t>(size, size, conv);
        let b = filled::<$t>(size, size, conv);
        let mut c = Mat::<$t>::zeros(size, size);
        let s = median_secs(reps, || {
            matmul(c.as_mut(), Accum::Replace, a.as_ref(), b.as_ref(), 1.0 as $t, par)
        });
        println!(
            "gemm_rate square {} {:.1}",
            $name,
            2.0 * (size as f64).powi(3) / s / 1e9
        );
        drop((a, b, c));

        let z = filled::<$t>(n, 1024, conv);
        let mut acc = Mat::<$t>::zeros(n, n);
        let s = median_secs(reps, || {
            tri_matmul(
                acc.as_mut(),
                BlockStructure::TriangularLower,
                Accum::Add,
                z.as_ref(),
                BlockStructure::Rectangular,
                z.as_ref().transpose(),
                BlockStructure::Rectangular,
                1.0 as $t,
                par,
            )
        });
        let nf = n as f64;
        println!(
            "gemm_rate grm_block {} {:.1}",
            $name,
            nf * (nf + 1.0) * 1024.0 / s / 1e9
        );

        let u = filled::<$t>(n, n, conv);
        let x = filled::<$t>(n, 512, conv);
        let mut ux = Mat::<$t>::zeros(n, 512);
        let s = median_secs(reps, || {
            matmul(
                ux.as_mut(),
                Accum::Replace,
                u.as_ref().transpose(),
                x.as_ref(),
                1.0 as $t,
                par,
            )
        });
        println!("gemm_rate rotate {} {:.1}", $name, 2.0 * nf * nf * 512.0 / s / 1e9);
    }};
}

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args().nth(i).map_or(default, |s| {
            s.parse().expect("arguments are SIZE N THREADS REPS (integers)")
        })
    };
    let (size, n, threads, reps) = (arg(1, 4000), arg(2, 5000), arg(3, 2), arg(4, 3).max(1));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("rayon pool");
    let par = Par::rayon(threads);
    println!(
        "# faer matmul, {threads} threads, median of {reps}: square {size}, grm_block n={n} B=1024, rotate n={n} B=512"
    );
    kernels!(f64, "f64", size, n, par, reps);
    kernels!(f32, "f32", size, n, par, reps);
}
