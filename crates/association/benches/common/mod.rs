//! What association's benchmarks share: their thread count and their
//! `main`.

use criterion::Criterion;

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
