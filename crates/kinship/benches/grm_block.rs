//! The GRM's block update, `S += Z Zᵀ` (lower triangle), through the public
//! [`kinship::build`] beside faer's bare triangular multiply of the same shape.
//!
//! Group `grm_block` on `data/mouse_hs1940` (n = 1940 samples), centered kind,
//! blocks of 1024 variants, 2 threads. `Throughput::Elements` = `n² B / 2`
//! multiply-adds (the lower triangle of `n x n` over `B` variants), so
//! criterion's `elem/s` times 2 is the GFLOP/s rate `kindred grm` logs; the
//! `faer` functions give the GEMM ceiling for the same shape.
//!
//! Functions, each for `f64` and `f32` (f32 blocks, products added to f64 sums):
//! - `build/B1024`, `build/B4096`: `kinship::build` over the first 1024 / 4096
//!   polymorphic variants (decode, scale, multiply, finish; includes the
//!   `n²` allocation of the sums, ~1% at B = 4096);
//! - `faer/B1024`: the builder's kernel [`kinship::syrk_lower`] (faer's
//!   triangular multiply) alone on a fixed `n x 1024` block (no decoding).
//!
//! Run: `cargo bench -p kinship --bench grm_block`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput};
use faer::{Accum, Mat, Par};
use genotype::{Fileset, Genotypes, NoProgress, SampleSubset};
use kinship::{build, syrk_lower, BuildOptions, GrmKind, Precision};

/// Threads (the machine the numbers were taken on has 2).
const THREADS: usize = 2;
/// Variants per multiply, as `kindred grm` uses.
const BLOCK: usize = 1024;

fn grm_block(c: &mut Criterion) {
    let prefix = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/mouse_hs1940/mouse_hs1940"
    ));
    let fs = Fileset::open(prefix).expect("open mouse_hs1940");
    let n = fs.fam.len();
    let all = SampleSubset::all(n);
    let g = Genotypes::new(&fs.bed, &all);
    let polymorphic: Vec<u32> = (0..fs.variants.len() as u32)
        .filter(|&v| g.stats(v as usize).n_classes() >= 2)
        .collect();
    let ids: Vec<_> = fs.fam.samples.iter().map(|s| s.id.clone()).collect();
    let par = Par::rayon(THREADS);
    let fma = |b: usize| Throughput::Elements((n * n * b / 2) as u64);

    let mut group = c.benchmark_group("grm_block");
    group.sample_size(10);
    for (name, precision) in [("f64", Precision::F64), ("f32", Precision::F32)] {
        for b in [BLOCK, 4 * BLOCK] {
            let variants = &polymorphic[..b];
            let opts = BuildOptions {
                kind: GrmKind::Centered,
                precision,
                block_size: BLOCK,
                loco: false,
            };
            group.throughput(fma(b));
            group.bench_function(BenchmarkId::new(format!("mouse_hs1940/build/B{b}"), name), |bench| {
                bench.iter(|| {
                    let sums = build(
                        g,
                        ids.clone(),
                        variants,
                        |v| &fs.variants[v as usize].chrom,
                        &opts,
                        par,
                        &NoProgress,
                    )
                    .expect("build");
                    black_box(sums.n_variants())
                });
            });
        }
    }
    group.throughput(fma(BLOCK));
    let z = Mat::<f64>::from_fn(n, BLOCK, |i, j| ((i * 31 + j * 17) % 3) as f64 - 1.0);
    let mut acc = Mat::<f64>::zeros(n, n);
    group.bench_function(
        BenchmarkId::new(format!("mouse_hs1940/faer/B{BLOCK}"), "f64"),
        |bench| {
            bench.iter(|| syrk_lower(acc.as_mut(), z.as_ref(), Accum::Add, par));
        },
    );
    let z32 = Mat::<f32>::from_fn(n, BLOCK, |i, j| z[(i, j)] as f32);
    let mut acc32 = Mat::<f32>::zeros(n, n);
    group.bench_function(
        BenchmarkId::new(format!("mouse_hs1940/faer/B{BLOCK}"), "f32"),
        |bench| {
            bench.iter(|| syrk_lower(acc32.as_mut(), z32.as_ref(), Accum::Add, par));
        },
    );
    group.finish();
}

// What `criterion_group!`/`criterion_main!` expand to, written out because
// the macros generate an undocumented `pub fn` (`missing_docs` is on).
fn main() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build_global()
        .expect("rayon pool");
    let mut c = Criterion::default().configure_from_args();
    grm_block(&mut c);
    c.final_summary();
}
