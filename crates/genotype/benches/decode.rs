//! Decoding throughput: our `Genotypes::decode_block` against bed-reader.
//!
//! Group `decode`, `Throughput::Bytes` = packed `.bed` bytes read per
//! iteration (every variant, every sample). Two inputs: `data/mouse_hs1940`
//! (1940 x 12226) and a synthetic 5000 x 50,000 fileset (62.5 MB of
//! genotypes) written once with our `BedWriter` into
//! `target/bench-data/` (fixed seed; reused when present).
//!
//! Functions per input, all on 2 threads:
//! - `kindred/standardized`: blocks of 256 variants decoded into one reused
//!   `n x 256` buffer, [`Encoding::Standardized`] (what the GRM consumes);
//! - `kindred/raw`: the same with [`Encoding::Raw`] (unpacking and counting
//!   only, to see what the transform costs);
//! - `bed-reader/all`: `ReadOptions::builder().f64()` reading everything
//!   into a new `n x m` matrix (raw counts, `NaN` missing);
//! - `bed-reader/blocks`: bed-reader filling one reused `n x 256` buffer per
//!   block of 256 variants (`read_and_fill`), the same access pattern as ours.
//!
//! Run: `cargo bench -p genotype --bench decode`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use bed_reader::{Bed as OracleBed, ReadOptions};
use criterion::{Criterion, Throughput};
use genotype::{
    bytes_per_variant, pack_variant, with_extension, write_bim, write_fam, AlleleStats, BedWriter, Chrom, Decoder,
    Encoding, Fileset, Genotypes, Sample, SampleId, SampleSubset, Sex, Variant, VariantStats,
};
use ndarray::{Array2, ShapeBuilder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Threads for both readers (the machine the numbers were taken on has 2).
const THREADS: usize = 2;
/// Variants per decoded block.
const BLOCK: usize = 256;
/// Shape of the synthetic fileset.
const SYNTH_SAMPLES: usize = 5000;
const SYNTH_VARIANTS: usize = 50_000;

fn mouse_prefix() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/mouse_hs1940/mouse_hs1940"
    ))
    .to_path_buf()
}

/// `target/bench-data/synth_5000x50000`, written on first use.
fn synthetic_prefix() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")).to_path_buf());
    let dir = target.join("bench-data");
    let prefix = dir.join(format!("synth_{SYNTH_SAMPLES}x{SYNTH_VARIANTS}"));
    if Fileset::open(&prefix).is_err() {
        std::fs::create_dir_all(&dir).expect("create target/bench-data");
        write_synthetic(&prefix);
    }
    prefix
}

/// Random genotypes (fixed seed): per-variant A1 frequency uniform in
/// [0.05, 0.95), Hardy-Weinberg genotypes, 1% missing.
fn write_synthetic(prefix: &Path) {
    let mut rng = StdRng::seed_from_u64(20_240_601);
    let mut w = BedWriter::create(&with_extension(prefix, "bed"), SYNTH_SAMPLES).expect("create .bed");
    let mut counts = vec![0u8; SYNTH_SAMPLES];
    let mut packed = vec![0u8; bytes_per_variant(SYNTH_SAMPLES)];
    for _ in 0..SYNTH_VARIANTS {
        let p: f64 = rng.random_range(0.05..0.95);
        for c in counts.iter_mut() {
            *c = if rng.random_bool(0.01) {
                3
            } else {
                u8::from(rng.random_bool(p)) + u8::from(rng.random_bool(p))
            };
        }
        pack_variant(&counts, &mut packed);
        w.write_packed(&packed).expect("write variant");
    }
    w.finish().expect("finish .bed");
    let variants: Vec<Variant> = (0..SYNTH_VARIANTS)
        .map(|j| Variant {
            chrom: Chrom::Auto(1 + (j / 2500) as u8),
            id: format!("snp{j}").into(),
            cm: 0.0,
            pos: 1000 * (j % 2500) as i64 + 1,
            a1: "A".into(),
            a2: "G".into(),
        })
        .collect();
    write_bim(&with_extension(prefix, "bim"), &variants).expect("write .bim");
    let samples: Vec<Sample> = (0..SYNTH_SAMPLES)
        .map(|i| Sample {
            id: SampleId::new(&format!("F{i}"), &format!("I{i}")),
            father: None,
            mother: None,
            sex: Sex::Unknown,
        })
        .collect();
    write_fam(&with_extension(prefix, "fam"), &samples, None).expect("write .fam");
}

/// Decodes every variant in blocks of [`BLOCK`] into one reused buffer.
fn decode_all(g: &Genotypes<'_>, variants: &[u32], enc: Encoding, out: &mut [f64], stats: &mut [AlleleStats]) {
    let n = g.n_samples();
    for chunk in variants.chunks(BLOCK) {
        let (o, s) = (&mut out[..n * chunk.len()], &mut stats[..chunk.len()]);
        g.decode_block(chunk, enc, o, s);
        black_box(&o[n * chunk.len() - 1]);
    }
}

/// [`decode_all`] through the format-independent [`Decoder`] that the GRM,
/// QC and the scan use: the same blocks, one enum dispatch per block.
fn decode_all_source(g: &Decoder<'_>, variants: &[u32], enc: Encoding, out: &mut [f64], stats: &mut [VariantStats]) {
    let n = g.n_samples();
    for chunk in variants.chunks(BLOCK) {
        let (o, s) = (&mut out[..n * chunk.len()], &mut stats[..chunk.len()]);
        g.decode_block(chunk, enc, o, s).expect("a .bed decodes");
        black_box(&o[n * chunk.len() - 1]);
    }
}

fn bench_fileset(c: &mut Criterion, pool: &rayon::ThreadPool, label: &str, prefix: &Path) {
    let fs = Fileset::open(prefix).expect("open fileset");
    let (n, m) = (fs.fam.len(), fs.variants.len());
    let samples = SampleSubset::all(n);
    let g = Genotypes::new(&fs.bed, &samples);
    let variants: Vec<u32> = (0..m as u32).collect();
    let bed_path = with_extension(prefix, "bed");

    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    group.throughput(Throughput::Bytes((m * bytes_per_variant(n)) as u64));

    let mut out = vec![0.0; n * BLOCK];
    let mut stats = vec![AlleleStats::default(); BLOCK];
    for (name, enc) in [("standardized", Encoding::Standardized), ("raw", Encoding::Raw)] {
        group.bench_function(format!("{label}/kindred/{name}"), |b| {
            b.iter(|| pool.install(|| decode_all(&g, &variants, enc, &mut out, &mut stats)));
        });
    }
    let source = Decoder::from(g);
    let mut vstats = vec![VariantStats::default(); BLOCK];
    group.bench_function(format!("{label}/kindred-source/standardized"), |b| {
        b.iter(|| {
            pool.install(|| decode_all_source(&source, &variants, Encoding::Standardized, &mut out, &mut vstats))
        });
    });

    let mut bed = OracleBed::new(&bed_path).expect("bed-reader opens the fileset");
    group.bench_function(format!("{label}/bed-reader/all"), |b| {
        b.iter(|| {
            let val = ReadOptions::builder()
                .f64()
                .num_threads(THREADS)
                .read(&mut bed)
                .expect("bed-reader reads");
            black_box(val[(n - 1, m - 1)])
        });
    });
    let mut block = Array2::<f64>::zeros((n, BLOCK).f());
    group.bench_function(format!("{label}/bed-reader/blocks"), |b| {
        b.iter(|| {
            for start in (0..m).step_by(BLOCK) {
                let end = (start + BLOCK).min(m);
                let mut view = block.slice_mut(ndarray::s![.., ..end - start]);
                ReadOptions::builder()
                    .sid_index(start..end)
                    .f64()
                    .num_threads(THREADS)
                    .read_and_fill(&mut bed, &mut view)
                    .expect("bed-reader reads");
            }
            black_box(block[(n - 1, 0)])
        });
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("rayon pool");
    bench_fileset(c, &pool, "mouse_hs1940", &mouse_prefix());
    bench_fileset(c, &pool, "synthetic_5000x50000", &synthetic_prefix());
}

// What `criterion_group!`/`criterion_main!` expand to, written out because
// the macros generate an undocumented `pub fn` (`missing_docs` is on).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    decode(&mut c);
    c.final_summary();
}
