//! The rotation of one block of variants into the eigenbasis, `Uᵀ X`
//! ([`association::Rotator`]): the exact scan's dominant product.
//!
//! Group `rotation`, n = 1410 and 5000 samples (override with
//! `KINDRED_BENCH_ROTATION_SIZES`), a block of 512 variants of 0/1/2 codes
//! with one call in a hundred missing (mean-imputed), 2 threads,
//! `sample_size(10)`, `Throughput::Elements` = variants. `U` is any dense
//! `n x n` matrix (the speed does not depend on its values).
//!
//! Functions: `f32/n` (the default scan precision: the exact integer
//! product on AMX tiles where the CPU has them, else the f32 product) and
//! `f64/n`. Run `KINDRED_AMX=0 cargo bench -p association --bench
//! rotation` for the f32 product on a machine with tiles.
//!
//! Run: `cargo bench -p association --bench rotation`.

mod common;

use std::hint::black_box;

use association::Rotator;
use common::{sizes, THREADS};
use criterion::{BenchmarkId, Criterion, Throughput};
use faer::{Mat, Par};
use genotype::{AlleleStats, VariantMoments, VariantStats};
use kinship::Precision;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const BLOCK: usize = 512;
/// Share of calls missing (mean-imputed): set it to 0 to time complete
/// blocks (the tile route adds the imputed values one by one).
const MISSING: f64 = 0.01;

fn rotation(c: &mut Criterion) {
    let mut group = c.benchmark_group("rotation");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BLOCK as u64));
    let mut rng = StdRng::seed_from_u64(9);
    for n in sizes("KINDRED_BENCH_ROTATION_SIZES", &[1410, 5000]) {
        let u = Mat::<f64>::from_fn(n, n, |_, _| rng.random_range(-0.1..0.1));
        let mut stats = vec![VariantStats::default(); BLOCK];
        let mut x = Mat::<f64>::zeros(n, BLOCK);
        for (j, st) in stats.iter_mut().enumerate() {
            let p: f64 = rng.random_range(0.05..0.95);
            let mut counts = AlleleStats::default();
            let mut missing = Vec::new();
            for i in 0..n {
                if rng.random_bool(MISSING) {
                    missing.push(i);
                    continue;
                }
                let g = u8::from(rng.random_bool(p)) + u8::from(rng.random_bool(p));
                x[(i, j)] = f64::from(g);
                match g {
                    0 => counts.n_hom_a2 += 1,
                    1 => counts.n_het += 1,
                    _ => counts.n_hom_a1 += 1,
                }
            }
            *st = counts.into();
            for i in missing {
                x[(i, j)] = st.mean();
            }
        }
        for (name, precision) in [("f32", Precision::F32), ("f64", Precision::F64)] {
            let mut r = Rotator::new(Some(u.as_ref()), precision, BLOCK);
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| black_box(r.rotate(x.as_ref(), &stats, Par::rayon(THREADS))[(0, 0)]));
            });
        }
    }
    group.finish();
}

fn main() {
    common::main(rotation);
}
