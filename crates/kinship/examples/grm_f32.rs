//! The effect of `--grm-precision f32` on the GRM: builds the centered GRM of a
//! fileset over all its variants twice, with `f64` blocks and with `f32`
//! blocks accumulated into `f64`, and prints both build times and the
//! largest differences between the two matrices.
//!
//! Run: `cargo run --release -p kinship --example grm_f32 -- PREFIX [THREADS]`.
//! Output lines (parsed by the `grm` scenario of `benches/bench_vs.py`):
//! `grm_f32 seconds_f64 S`, `grm_f32 seconds_f32 S`,
//! `grm_f32 max_abs_diff D`, `grm_f32 max_abs_k K` (largest |K_ij| of the f64 GRM),
//! `grm_f32 max_rel_diag_diff R` (largest |ΔK_ii| / K_ii).

use std::path::PathBuf;
use std::time::Instant;

use faer::Par;
use genotype::{Fileset, Genotypes, NoProgress, SampleSubset};
use kinship::{build, BuildOptions, GrmKind, Precision};

fn main() {
    let prefix = PathBuf::from(std::env::args().nth(1).expect("usage: grm_f32 PREFIX [THREADS]"));
    let threads: usize = std::env::args()
        .nth(2)
        .map_or(2, |s| s.parse().expect("THREADS is an integer"));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("rayon pool");
    let fs = Fileset::open(&prefix).expect("open the fileset");
    let samples = SampleSubset::all(fs.fam.len());
    let g = Genotypes::new(&fs.bed, &samples);
    let ids: Vec<_> = fs.fam.samples.iter().map(|s| s.id.clone()).collect();
    let variants: Vec<u32> = (0..fs.variants.len() as u32).collect();
    let grm = |precision| {
        let opts = BuildOptions {
            kind: GrmKind::Centered,
            precision,
            ..BuildOptions::default()
        };
        let t = Instant::now();
        let sums = build(
            g,
            ids.clone(),
            &variants,
            |v| &fs.variants[v as usize].chrom,
            &opts,
            Par::rayon(threads),
            &NoProgress,
        )
        .expect("build the GRM");
        (t.elapsed().as_secs_f64(), sums.grm().expect("the GRM fits").matrix)
    };
    let (s64, k64) = grm(Precision::F64);
    let (s32, k32) = grm(Precision::F32);
    let n = k64.nrows();
    let (mut max_diff, mut max_k, mut max_rel_diag) = (0.0f64, 0.0f64, 0.0f64);
    for j in 0..n {
        for i in j..n {
            max_diff = max_diff.max((k64[(i, j)] - k32[(i, j)]).abs());
            max_k = max_k.max(k64[(i, j)].abs());
        }
        max_rel_diag = max_rel_diag.max((k64[(j, j)] - k32[(j, j)]).abs() / k64[(j, j)].abs());
    }
    println!(
        "# centered GRM of {} ({n} samples, {} variants), {threads} threads",
        prefix.display(),
        variants.len()
    );
    println!("grm_f32 seconds_f64 {s64:.3}");
    println!("grm_f32 seconds_f32 {s32:.3}");
    println!("grm_f32 max_abs_diff {max_diff:.3e}");
    println!("grm_f32 max_abs_k {max_k:.4}");
    println!("grm_f32 max_rel_diag_diff {max_rel_diag:.3e}");
}
