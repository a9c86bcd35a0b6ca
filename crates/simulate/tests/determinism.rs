//! The same configuration gives the same bytes, whatever the thread count
//! and block size; errors leave no files behind.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use genotype::NoProgress;
use simulate::{simulate, ErrorKind, SimConfig};

fn config() -> SimConfig {
    SimConfig {
        n_chrom: 3,
        missing_rate: 0.02,
        n_causal: 20,
        n_null: 1,
        strat_shift: 0.3,
        ..SimConfig::new(101, 500)
    }
}

/// Every file of a directory, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the output directory")
        .map(|e| {
            let e = e.expect("a directory entry");
            let bytes = std::fs::read(e.path()).expect("an output file");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// Runs `cfg` on a pool of `threads` threads and returns the files written.
fn on_pool(cfg: &SimConfig, threads: usize) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    pool.install(|| simulate(cfg, &dir.path().join("sim"), &NoProgress))
        .expect("the simulation runs");
    files(dir.path())
}

#[test]
fn same_seed_same_bytes_with_one_and_two_threads_and_any_block_size() {
    let mut cfg = config();
    cfg.block_variants = 7;
    let one = on_pool(&cfg, 1);
    let names: Vec<&str> = one.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "sim.bed",
            "sim.bim",
            "sim.covar.tsv",
            "sim.fam",
            "sim.pheno.tsv",
            "sim.truth.tsv"
        ]
    );
    assert_eq!(one, on_pool(&cfg, 2), "1 thread vs 2 threads");
    cfg.block_variants = 0;
    assert_eq!(one, on_pool(&cfg, 2), "blocks of 7 vs automatic blocks");
    cfg.seed = 2;
    let other = on_pool(&cfg, 2);
    assert_ne!(one["sim.bed"], other["sim.bed"]);
    assert_ne!(one["sim.pheno.tsv"], other["sim.pheno.tsv"]);
}

#[test]
fn errors_leave_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.fst = 1.5;
    let e = simulate(&cfg, &dir.path().join("sim"), &NoProgress).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("--fst"), "{e}");
    assert!(files(dir.path()).is_empty());

    // Two samples and one causal variant at frequency 0.05: the variant is
    // monomorphic for most seeds, so no variance can be scaled to h2.
    let mut cfg = SimConfig {
        n_pops: 1,
        n_chrom: 1,
        n_causal: 1,
        ancestral_freq: (0.05, 0.05),
        ..SimConfig::new(2, 10)
    };
    let degenerate = (1..20).find_map(|seed| {
        cfg.seed = seed;
        simulate(&cfg, &dir.path().join("sim"), &NoProgress).err()
    });
    let e = degenerate.expect("some seed makes the causal variant monomorphic");
    assert_eq!(e.kind(), ErrorKind::DegenerateData);
    assert!(e.to_string().contains("pheno1"), "{e}");
    let left: Vec<String> = files(dir.path()).into_keys().collect();
    assert!(left.iter().all(|f| !f.ends_with(".tmp")), "{left:?}");
}
