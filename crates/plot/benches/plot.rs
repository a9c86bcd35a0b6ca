//! Plotting throughput: `plot::draw_with` (read, thin, draw both figures as
//! PNG and SVG, write them) on a GWAS-SSF file of 1,000,000 rows.
//!
//! The input is written once into `target/bench-data/` (fixed generator;
//! reused when present): chromosomes 1-22 with human-like lengths, uniform
//! p-values and one planted peak. `Throughput::Elements` = rows.
//! The whole command at 10 million rows, with its peak memory, is
//! `benches/plot_10m.sh` at the repository root.
//!
//! Run: `cargo bench -p plot --bench plot`.

// The generator of the input, shared with the unit tests.
#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::Uniform;
use criterion::{Criterion, Throughput};

/// Rows of the input.
const ROWS: usize = 1_000_000;

/// The input file, written on first use.
fn input() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    let path = dir.join(format!("plot_bench_{ROWS}.assoc.tsv"));
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("target/bench-data");
    // GRCh38 autosome lengths in Mb.
    let mb = [
        248, 242, 198, 190, 181, 171, 159, 145, 138, 134, 135, 133, 114, 107, 102, 90, 83, 80, 59, 64, 47, 51,
    ];
    let total: usize = mb.iter().sum();
    let mut u = Uniform(0x9e37_79b9_7f4a_7c15);
    let mut s = String::from(
        "chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\t\
         effect_allele_frequency\tp_value\tneg_log_10_p_value\tvariant_id\trsid\tn\tbim_id\n",
    );
    for (c, &len) in mb.iter().enumerate() {
        let chrom = c + 1;
        let m = ROWS * len / total;
        for i in 0..m {
            let pos = 1 + i * len * 1_000_000 / m;
            let mut p = u.next();
            if chrom == 6 && (m / 3..m / 3 + 200).contains(&i) {
                p *= 1e-12;
            }
            let id = chrom * 100_000_000 + i;
            // Writing to a String cannot fail.
            let _ = writeln!(
                s,
                "{chrom}\t{pos}\tA\tG\t{:.6e}\t5.000000e-02\t{:.6}\t{p:.6e}\t{:.6e}\t{chrom}_{pos}_G_A\trs{id}\t5000\trs{id}",
                u.next() - 0.5,
                u.next() / 2.0,
                -p.log10()
            );
        }
    }
    std::fs::write(&path, s).expect("bench input written");
    path
}

fn main() {
    let input = input();
    let out = tempfile::tempdir().expect("a temporary directory");
    let prefix = out.path().join("bench");
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(std::time::Duration::from_secs(10))
        .configure_from_args();
    let mut g = c.benchmark_group("plot");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("draw_1m_rows", |b| {
        b.iter(|| plot::draw(&input, &prefix, Some("bench")).expect("drawn"));
    });
    g.finish();
    c.final_summary();
}
