//! Oracle tests: our decoder against bed-reader, the reference PLINK 1
//! reader, on every fileset we ship and on random round trips through both
//! writers.
//!
//! bed-reader's `f64` output counts allele 1 (`.bim` column 5) with `NaN` for
//! missing, which is exactly [`Encoding::Raw`], so values are compared bit
//! for bit (`NaN` with `NaN`).

use std::path::{Path, PathBuf};

use bed_reader::{Bed as OracleBed, ReadOptions, WriteOptions};
use genotype::{
    bytes_per_variant, pack_variant, write_bim, write_fam, AlleleStats, BedWriter, Chrom, Encoding, Fileset, Genotypes,
    Sample, SampleId, SampleSubset, Sex, Variant,
};
use ndarray::{Array2, ShapeBuilder};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// A path under the repository's `data/`.
fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(rel)
}

/// Every fileset under `data/` that must read without error.
const FILESETS: [&str; 5] = [
    "mouse_hs1940/mouse_hs1940",
    "tiny/tiny",
    "tiny/multi",
    "tiny/crlf/tiny",
    "tiny/mixedws/tiny",
];

fn bed_path(prefix: &Path) -> PathBuf {
    genotype::with_extension(prefix, "bed")
}

/// bed-reader's `f64` matrix (samples x variants) for the given positions.
fn oracle(prefix: &Path, samples: &[u32], variants: &[u32]) -> Array2<f64> {
    let mut bed = OracleBed::new(bed_path(prefix)).expect("bed-reader opens the fileset");
    let iid: Vec<isize> = samples.iter().map(|&i| i as isize).collect();
    let sid: Vec<isize> = variants.iter().map(|&v| v as isize).collect();
    ReadOptions::builder()
        .iid_index(iid)
        .sid_index(sid)
        .f64()
        .read(&mut bed)
        .expect("bed-reader reads the fileset")
}

/// Our raw decode of `variants` over `samples`: column-major values and counts.
fn ours(fs: &Fileset, samples: &[u32], variants: &[u32]) -> (Vec<f64>, Vec<AlleleStats>) {
    let subset = SampleSubset::new(samples.to_vec(), fs.fam.len());
    let g = Genotypes::new(&fs.bed, &subset);
    let mut out = vec![0.0; samples.len() * variants.len()];
    let mut stats = vec![AlleleStats::default(); variants.len()];
    g.decode_block(variants, Encoding::Raw, &mut out, &mut stats);
    (out, stats)
}

/// Genotype counts of one bed-reader column, in [`AlleleStats`] form.
fn count_column(col: impl Iterator<Item = f64>) -> AlleleStats {
    let mut st = AlleleStats::default();
    for x in col {
        match x {
            2.0 => st.n_hom_a1 += 1,
            1.0 => st.n_het += 1,
            0.0 => st.n_hom_a2 += 1,
            x if x.is_nan() => st.n_missing += 1,
            x => panic!("bed-reader returned {x}, not a genotype"),
        }
    }
    st
}

/// Asserts that our decode of (samples, variants) equals bed-reader's, values
/// bit for bit and counts exactly.
fn assert_same(fs: &Fileset, samples: &[u32], variants: &[u32], what: &str) {
    let expected = oracle(&fs.prefix, samples, variants);
    let (got, stats) = ours(fs, samples, variants);
    let n = samples.len();
    assert_eq!(expected.dim(), (n, variants.len()), "{what}: oracle shape");
    for (j, &v) in variants.iter().enumerate() {
        let col = &got[j * n..(j + 1) * n];
        for (i, (&a, &b)) in col.iter().zip(expected.column(j)).enumerate() {
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{what}: sample {} (row {i}), variant {v} (column {j}): ours {a}, bed-reader {b}",
                samples[i]
            );
        }
        assert_eq!(
            stats[j],
            count_column(expected.column(j).iter().copied()),
            "{what}: counts of variant {v} (column {j})"
        );
    }
}

/// A random subset of `0..n` in random order: `len` distinct positions, or
/// with `repeats` drawn with replacement.
fn draw(rng: &mut StdRng, n: usize, len: usize, repeats: bool) -> Vec<u32> {
    if repeats {
        (0..len).map(|_| rng.random_range(0..n as u32)).collect()
    } else {
        let mut all: Vec<u32> = (0..n as u32).collect();
        all.shuffle(rng);
        all.truncate(len);
        all
    }
}

#[test]
fn every_fileset_whole_matches_bed_reader() {
    for name in FILESETS {
        let fs = Fileset::open(&data(name)).expect(name);
        let samples: Vec<u32> = (0..fs.fam.len() as u32).collect();
        // Variants in chunks, so that the oracle matrix stays small.
        let all: Vec<u32> = (0..fs.variants.len() as u32).collect();
        for chunk in all.chunks(2000) {
            assert_same(&fs, &samples, chunk, name);
        }
    }
}

#[test]
fn random_subsets_in_random_order_match_bed_reader() {
    let mut rng = StdRng::seed_from_u64(0x6b69_6e64);
    for name in FILESETS {
        let fs = Fileset::open(&data(name)).expect(name);
        let (n, m) = (fs.fam.len(), fs.variants.len());
        for draw_no in 0..12 {
            let repeats = draw_no % 3 == 2;
            // Up to a few hundred positions; on the tiny filesets, up to a
            // few more than exist (only reachable with repeats).
            let ns = rng.random_range(1..=n.min(300) + 3);
            let ms = rng.random_range(1..=m.min(400) + 3);
            let samples = draw(&mut rng, n, if repeats { ns } else { ns.min(n) }, repeats);
            let variants = draw(&mut rng, m, if repeats { ms } else { ms.min(m) }, repeats);
            let what = format!(
                "{name}, draw {draw_no} ({} samples, {} variants)",
                samples.len(),
                variants.len()
            );
            assert_same(&fs, &samples, &variants, &what);
        }
        // Every sample, shuffled (the general path on a full-size subset),
        // and every sample but the last in file order (not the fast path).
        let mut shuffled: Vec<u32> = (0..n as u32).collect();
        shuffled.shuffle(&mut rng);
        let variants = draw(&mut rng, m, m.min(200), false);
        assert_same(&fs, &shuffled, &variants, &format!("{name}, all samples shuffled"));
        let prefix: Vec<u32> = (0..n as u32 - 1).collect();
        assert_same(&fs, &prefix, &variants, &format!("{name}, all samples but the last"));
    }
}

#[test]
fn stats_many_and_stats_agree_with_bed_reader_counts() {
    let mut rng = StdRng::seed_from_u64(7);
    for name in FILESETS {
        let fs = Fileset::open(&data(name)).expect(name);
        let (n, m) = (fs.fam.len(), fs.variants.len());
        let variants = draw(&mut rng, m, m.min(500), false);
        for samples in [
            (0..n as u32).collect::<Vec<_>>(),
            draw(&mut rng, n, n.div_ceil(2), false),
        ] {
            let expected = oracle(&fs.prefix, &samples, &variants);
            let subset = SampleSubset::new(samples.clone(), n);
            let g = Genotypes::new(&fs.bed, &subset);
            let many = g.stats_many(&variants);
            for (j, &v) in variants.iter().enumerate() {
                let counted = count_column(expected.column(j).iter().copied());
                assert_eq!(many[j], counted, "{name}: stats_many, variant {v}");
                assert_eq!(g.stats(v as usize), counted, "{name}: stats, variant {v}");
            }
        }
    }
}

/// Random A1 counts (0, 1, 2; 3 = missing, about 10%), sample-major per variant.
fn random_genotypes(rng: &mut StdRng, n: usize, m: usize) -> Vec<Vec<u8>> {
    (0..m)
        .map(|_| {
            let p: f64 = rng.random_range(0.05..0.95);
            (0..n)
                .map(|_| {
                    if rng.random_bool(0.1) {
                        3
                    } else {
                        u8::from(rng.random_bool(p)) + u8::from(rng.random_bool(p))
                    }
                })
                .collect()
        })
        .collect()
}

fn as_value(c: u8) -> f64 {
    if c <= 2 {
        f64::from(c)
    } else {
        f64::NAN
    }
}

/// Asserts that a samples x variants matrix holds exactly `geno`.
fn assert_matrix_is(m: &Array2<f64>, geno: &[Vec<u8>], what: &str) {
    for (j, col) in geno.iter().enumerate() {
        for (i, &c) in col.iter().enumerate() {
            let (a, b) = (m[(i, j)], as_value(c));
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{what}: sample {i}, variant {j}: read {a}, wrote {b}"
            );
        }
    }
}

/// Reads a fileset with our decoder into a samples x variants matrix.
fn read_ours(prefix: &Path) -> Array2<f64> {
    let fs = Fileset::open(prefix).expect("our reader opens the written fileset");
    let (n, m) = (fs.fam.len(), fs.variants.len());
    let samples: Vec<u32> = (0..n as u32).collect();
    let variants: Vec<u32> = (0..m as u32).collect();
    let (vals, _) = ours(&fs, &samples, &variants);
    Array2::from_shape_vec((n, m).f(), vals).expect("n x m values")
}

/// Shapes that cover every padding case (n % 4) and single rows/columns.
const SHAPES: [(usize, usize); 8] = [(1, 1), (2, 3), (3, 1), (4, 5), (5, 2), (7, 9), (37, 13), (130, 40)];

#[test]
fn our_writer_round_trips_through_both_readers() {
    let mut rng = StdRng::seed_from_u64(11);
    let dir = tempfile::tempdir().expect("temp dir");
    for (k, &(n, m)) in SHAPES.iter().enumerate() {
        let geno = random_genotypes(&mut rng, n, m);
        let prefix = dir.path().join(format!("ours{k}"));
        let mut w = BedWriter::create(&genotype::with_extension(&prefix, "bed"), n).expect("create .bed");
        let mut packed = vec![0u8; bytes_per_variant(n)];
        for col in &geno {
            pack_variant(col, &mut packed);
            w.write_packed(&packed).expect("write variant");
        }
        assert_eq!(w.n_written(), m);
        w.finish().expect("finish .bed");
        let variants: Vec<Variant> = (0..m)
            .map(|j| Variant {
                chrom: Chrom::Auto(1 + (j % 3) as u8),
                id: format!("v{j}").into(),
                cm: 0.0,
                pos: 100 * j as i64 + 1,
                a1: "A".into(),
                a2: "G".into(),
            })
            .collect();
        write_bim(&genotype::with_extension(&prefix, "bim"), &variants).expect("write .bim");
        let samples: Vec<Sample> = (0..n)
            .map(|i| Sample {
                id: SampleId::new(&format!("F{}", i / 3), &format!("S{i}")),
                father: None,
                mother: None,
                sex: if i % 2 == 0 { Sex::Male } else { Sex::Female },
            })
            .collect();
        write_fam(&genotype::with_extension(&prefix, "fam"), &samples, None).expect("write .fam");

        let what = format!("our writer, {n} x {m}");
        let mut bed = OracleBed::new(bed_path(&prefix)).expect("bed-reader opens our fileset");
        let theirs = ReadOptions::builder()
            .f64()
            .read(&mut bed)
            .expect("bed-reader reads our fileset");
        assert_matrix_is(&theirs, &geno, &format!("{what}, read by bed-reader"));
        assert_matrix_is(&read_ours(&prefix), &geno, &format!("{what}, read by us"));
    }
}

#[test]
fn bed_reader_writer_round_trips_through_our_reader() {
    let mut rng = StdRng::seed_from_u64(13);
    let dir = tempfile::tempdir().expect("temp dir");
    for (k, &(n, m)) in SHAPES.iter().enumerate() {
        let geno = random_genotypes(&mut rng, n, m);
        let val = Array2::from_shape_fn((n, m), |(i, j)| as_value(geno[j][i]));
        let prefix = dir.path().join(format!("theirs{k}"));
        WriteOptions::builder(bed_path(&prefix))
            .f64()
            .write(&val)
            .expect("bed-reader writes the fileset");
        assert_matrix_is(&read_ours(&prefix), &geno, &format!("bed-reader's writer, {n} x {m}"));
    }
}
