//! Unit tests of the BIMBAM reader on small files written to a temporary
//! directory: what it reads, how it decodes, and that gzip changes nothing.

use std::io::Write;

use super::*;
use crate::decode::{Encoding, SampleSubset};
use crate::moments::{encode_in_place, VariantMoments};
use crate::Chrom;
use crate::DosageDecode;

/// Files written into a temporary directory (kept alive with it).
pub(super) struct TestFiles {
    pub(super) dir: tempfile::TempDir,
}

impl TestFiles {
    pub(super) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// Writes `text` to `name`, gzipped when `name` ends with `.gz`.
    pub(super) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        let bytes = if name.ends_with(".gz") {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(text.as_bytes()).expect("gzip");
            enc.finish().expect("gzip")
        } else {
            text.as_bytes().to_vec()
        };
        std::fs::write(&path, bytes).expect("write a test file");
        path
    }
}

const GENO: &str = "rs1, A, T, 0, 1.5, NA, 2\n\
                    rs2 C G 2 2 1 0.25\n\
                    \n\
                    rs3,G,A,1,1,1,1\n\
                    rs4\tT\tC\tNA\tNA\tNA\tNA\r\n";
const PHENO: &str = "1.5 NA\n-9 2\nNA 3\n0.25 4\n";
const ANNO: &str = "rs2 3407393 1 0.1\nrs1, 3197400, 1, 0\nrs9 5 2\nrs4 NA X\n";

fn decode_all(b: &Bimbam, subset: &SampleSubset, enc: Encoding) -> (Vec<f64>, Vec<DosageStats>) {
    let variants: Vec<u32> = (0..b.variants().len() as u32).collect();
    let mut out = vec![0.0; subset.len() * variants.len()];
    let mut stats = vec![DosageStats::default(); variants.len()];
    b.decode_block(&variants, subset, enc, &mut out, &mut stats).unwrap();
    (out, stats)
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

#[test]
fn reads_samples_variants_phenotypes_and_places() {
    let t = TestFiles::new();
    let files = BimbamFiles::new(t.write("g.txt", GENO))
        .pheno(t.write("p.txt", PHENO))
        .anno(t.write("a.txt", ANNO));
    let b = Bimbam::open(&files).unwrap();
    assert_eq!(b.files(), &files);
    assert_eq!(b.n_samples(), 4);
    let ids: Vec<String> = b.samples().iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids, ["1 1", "2 2", "3 3", "4 4"]);
    assert_eq!(b.fam().phenotypes, b.phenotypes());
    assert_eq!(b.phenotypes()[0], [Some(1.5), Some(-9.0), None, Some(0.25)]);
    assert_eq!(b.phenotypes()[1], [None, Some(2.0), Some(3.0), Some(4.0)]);
    let v: Vec<(&str, Chrom, i64, f64, &str, &str)> = b
        .variants()
        .iter()
        .map(|v| (&*v.id, v.chrom.clone(), v.pos, v.cm, &*v.a1, &*v.a2))
        .collect();
    assert_eq!(
        v,
        [
            ("rs1", Chrom::Auto(1), 3_197_400, 0.0, "A", "T"),
            ("rs2", Chrom::Auto(1), 3_407_393, 0.1, "C", "G"),
            ("rs3", Chrom::Unplaced, UNKNOWN_POSITION, 0.0, "G", "A"),
            ("rs4", Chrom::X, UNKNOWN_POSITION, 0.0, "T", "C"),
        ]
    );
    let m = b.annotation().unwrap();
    assert_eq!((m.n_placed, m.n_unplaced, m.n_unused), (3, 1, 1));
    assert_eq!(
        (m.first_unplaced.as_deref(), m.first_unused.clone()),
        (Some("rs3"), Some((3, "rs9".into())))
    );
    assert_eq!(b.dosage_bytes(), 6 * 8 + 16 * 2);
}

/// Every encoding is `encode_in_place` on the raw dosages; `decode_one`
/// and `stats_many` agree with the block.
#[test]
fn decodes_every_encoding_like_the_other_readers() {
    let t = TestFiles::new();
    let b = Bimbam::open(&BimbamFiles::new(t.write("g.txt", GENO))).unwrap();
    let all = SampleSubset::all(4);
    let (raw, stats) = decode_all(&b, &all, Encoding::Raw);
    let nan = f64::NAN;
    assert!(same(
        &raw,
        &[0.0, 1.5, nan, 2.0, 2.0, 2.0, 1.0, 0.25, 1.0, 1.0, 1.0, 1.0, nan, nan, nan, nan]
    ));
    assert_eq!(
        (stats[0].n_obs, stats[0].n_missing, stats[0].sum, stats[0].sum_sq),
        (3, 1, 3.5, 6.25)
    );
    assert!(stats[0].impute_info().is_nan());
    for enc in Encoding::ALL {
        let (out, st) = decode_all(&b, &all, enc);
        for v in 0..4 {
            let mut want = raw[4 * v..4 * v + 4].to_vec();
            encode_in_place(&mut want, &stats[v], enc);
            assert!(same(&out[4 * v..4 * v + 4], &want), "{enc:?} variant {v}");
            let mut one = vec![0.0; 4];
            let st1 = b.decode_one(v, &all, enc, &mut one).unwrap();
            assert!(same(&one, &want), "{enc:?} decode_one {v}");
            assert_eq!((st1.n_obs, st1.sum, st1.sum_sq), (st[v].n_obs, st[v].sum, st[v].sum_sq));
        }
    }
    let many = b.stats_many(&[3, 0], &all).unwrap();
    assert_eq!((many[0].n_missing, many[1].sum), (4, 3.5));
    // a variant without data: zeros once encoded, as the other readers
    let (imputed, _) = decode_all(&b, &all, Encoding::MeanImputed);
    assert_eq!(&imputed[12..], [0.0; 4]);
    assert_eq!(imputed[2], 3.5 / 3.0);
}

/// A subset in any order with repeats: rows follow it, the mean that
/// fills missing values is the subset's.
#[test]
fn decodes_a_subset_in_its_order() {
    let t = TestFiles::new();
    let b = Bimbam::open(&BimbamFiles::new(t.write("g.txt", GENO))).unwrap();
    let subset = SampleSubset::new(vec![3, 2, 1, 1], 4);
    let (out, stats) = decode_all(&b, &subset, Encoding::MeanImputed);
    let mean = (2.0 + 1.5 + 1.5) / 3.0;
    assert_eq!(&out[..4], [2.0, mean, 1.5, 1.5]);
    assert_eq!(&out[4..8], [0.25, 1.0, 2.0, 2.0]);
    assert_eq!((stats[0].n_obs, stats[0].n_missing), (3, 1));
    let empty = SampleSubset::new(Vec::new(), 4);
    let (out, stats) = decode_all(&b, &empty, Encoding::Centered);
    assert!(out.is_empty() && stats.iter().all(|s| s.n_total() == 0));
}

/// Gzipped files give exactly what plain ones give.
#[test]
fn gzip_changes_nothing() {
    let t = TestFiles::new();
    let plain = BimbamFiles::new(t.write("g.txt", GENO))
        .pheno(t.write("p.txt", PHENO))
        .anno(t.write("a.txt", ANNO));
    let gz = BimbamFiles::new(t.write("g.txt.gz", GENO))
        .pheno(t.write("p.txt.gz", PHENO))
        .anno(t.write("a.txt.gz", ANNO));
    let (a, b) = (Bimbam::open(&plain).unwrap(), Bimbam::open(&gz).unwrap());
    assert_eq!(a.variants(), b.variants());
    assert_eq!(a.phenotypes(), b.phenotypes());
    assert_eq!(a.annotation(), b.annotation());
    let all = SampleSubset::all(4);
    assert!(same(
        &decode_all(&a, &all, Encoding::Raw).0,
        &decode_all(&b, &all, Encoding::Raw).0
    ));
}

/// More distinct values than a 2-byte code names: stored as `f64`, still
/// exact.
#[test]
fn many_distinct_values_are_kept_exactly() {
    let n = 70_000;
    let values: Vec<f64> = (0..n).map(|k| k as f64 * (2.0 / n as f64)).collect();
    let text: Vec<String> = values.iter().map(|x| format!("{x:e}")).collect();
    let t = TestFiles::new();
    let b = Bimbam::open(&BimbamFiles::new(
        t.write("g.txt", &format!("rs1 A G {}\n", text.join(" "))),
    ))
    .unwrap();
    assert_eq!(b.dosage_bytes(), 8 * n);
    let mut out = vec![0.0; n];
    b.decode_one(0, &SampleSubset::all(n), Encoding::Raw, &mut out).unwrap();
    assert!(same(&out, &values));
}
