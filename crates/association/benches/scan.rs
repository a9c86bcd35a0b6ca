//! The per-variant scan on `data/mouse_hs1940` phenotype 1 (1410 samples,
//! 10,768 variants tested), with GEMMA's centered GRM, through the public
//! library (`groups`, `prepare`, `Prepared::fit`, `Prepared::scan`) as
//! `kindred assoc` runs it.
//!
//! Group `scan`, `Throughput::Elements` = variants tested, 2 threads,
//! `sample_size(10)`. Functions:
//! - `scan_group/{wald,all,fixed_wald}`: the whole scan (decode, rotate
//!   `Uᵀ X` block by block, test): exact Wald (`-lmm 1`), all three exact
//!   tests (`-lmm 4`), and the fixed-ratio Wald (null lambda kept);
//! - `fit/{wald,all}`: the per-variant tests alone, [`Scanner::test_block`]
//!   over variants rotated once beforehand (what the scan costs beyond
//!   decoding and the rotation GEMM).
//!
//! Run: `cargo bench -p association --bench scan`.

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};

use association::{groups, prepare, Arithmetic, GrmSource, Model, SCAN_BLOCK};
use association::{rotate_block, Method, Mode, ScanOptions, Scanner, Search, Tests};
use common::THREADS;
use criterion::{Criterion, Throughput};
use faer::{Mat, MatRef, Par};
use genotype::{Dataset, Encoding, NoProgress, PhenoSpec, Qc, SampleFilter, SampleSubset, VariantFilter, VariantStats};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(p)
}

fn scan(c: &mut Criterion) {
    let par = Par::rayon(THREADS);
    let spec = PhenoSpec::fam_column(1);
    let ds = Dataset::open(
        &data("mouse_hs1940/mouse_hs1940"),
        &SampleFilter::default(),
        &VariantFilter::default(),
        &spec,
    )
    .expect("open mouse_hs1940");
    let grm = data("golden/gemma/mouse_gk1.cXX.txt.gz");
    let source = GrmSource::File(kinship::GrmFile::Gemma(grm.clone()));
    let group = groups(&ds).remove(0);
    let prep = prepare(
        &ds,
        group,
        &source,
        &Qc::default(),
        false,
        Arithmetic::default(),
        par,
        &NoProgress,
    )
    .expect("prepare");
    let fits = prep
        .fit(&ds, Method::Reml, &Search::default(), par)
        .expect("null model");
    let m = prep.variants.len();
    let options = |tests, mode| ScanOptions {
        tests,
        mode,
        ..ScanOptions::default()
    };

    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    g.throughput(Throughput::Elements(m as u64));
    for (name, tests, mode) in [
        ("wald", Tests::WALD, Mode::Exact),
        ("all", Tests::ALL, Mode::Exact),
        ("fixed_wald", Tests::WALD, Mode::FixedRatio),
    ] {
        let model = Model::Lmm(options(tests, mode));
        g.bench_function(format!("mouse_hs1940/scan_group/{name}"), |b| {
            b.iter(|| black_box(prep.scan(&ds, &fits, model, par, &NoProgress).expect("scan")));
        });
    }

    // Every variant rotated once, in blocks as the scan makes them.
    let n = prep.group.samples.len();
    let subset = SampleSubset::new(prep.group.samples.clone(), ds.n_samples());
    let geno = ds.decoder(&subset);
    let mut x = vec![0.0; n * m];
    let mut stats = vec![VariantStats::default(); m];
    geno.decode_block(&prep.variants, Encoding::MeanImputed, &mut x, &mut stats)
        .expect("decode");
    let mut utx = Mat::<f64>::zeros(n, m);
    rotate_block(
        prep.eigen.vectors(),
        MatRef::from_column_major_slice(&x, n, m),
        utx.as_mut(),
        par,
    );
    drop(x);
    for (name, tests) in [("wald", Tests::WALD), ("all", Tests::ALL)] {
        let scanner = Scanner::new(&fits[0].rot, &fits[0].null, options(tests, Mode::Exact));
        let mut rows = Vec::with_capacity(m);
        g.bench_function(format!("mouse_hs1940/fit/{name}"), |b| {
            b.iter(|| {
                rows.clear();
                for start in (0..m).step_by(SCAN_BLOCK) {
                    let end = (start + SCAN_BLOCK).min(m);
                    scanner.test_block(
                        utx.as_ref().subcols(start, end - start),
                        &prep.variants[start..end],
                        &stats[start..end],
                        par,
                        &mut rows,
                    );
                }
                black_box(rows.len())
            });
        });
    }
    g.finish();
}

fn main() {
    common::main(scan);
}
