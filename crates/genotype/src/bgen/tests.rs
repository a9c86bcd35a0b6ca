//! Unit tests of the BGEN reader on files built by `test_file`: what it
//! reads, where sample IDs come from, and which request fails first.

use super::test_file::{decode_all, one_variant, open, open_error, TestVariant};
use super::*;
use crate::decode::{Encoding, SampleSubset};
use crate::error::ErrorKind;
use crate::moments::VariantMoments;
use crate::DosageDecode;

#[test]
fn reads_every_compression_phasing_and_width() {
    for compression in [0, 1, 2] {
        let mut tf = one_variant(compression);
        let mut phased = TestVariant::new("rs2", vec![65535, 0, 65535, 65535, 0, 0], 16);
        phased.phased = 1;
        let mut odd = TestVariant::new("", vec![0, 31, 31, 0, 3, 5], 5);
        odd.ploidy[1] = 0x82;
        odd.chrom = "chrX".into();
        odd.pos = 7;
        tf.variants.extend([phased, odd]);
        let (_dir, b) = open(&tf);
        let b = b.unwrap();
        assert_eq!(
            b.header().compression,
            [Compression::None, Compression::Zlib, Compression::Zstd][compression as usize]
        );
        assert_eq!(b.samples()[2].id, SampleId::new("0", "s3"));
        assert_eq!(b.sample_file(), None);
        let v = &b.variants()[2];
        // the rsID is the ID; an empty one falls back to the variant ID
        assert_eq!((&*b.variants()[0].id, &*b.varids()[0]), ("rs1", "Vrs1"));
        assert_eq!(
            (&*v.id, v.chrom.clone(), v.pos, v.cm, &*v.a1, &*v.a2),
            ("V", crate::Chrom::X, 7, 0.0, "A", "G")
        );
        let out = decode_all(&b).unwrap();
        let want = [2.0, 1.0, 0.5 * 256.0 / 255.0, 1.0, 2.0, 0.0, 1.0];
        for (x, w) in out[..7].iter().zip(want) {
            assert!((x - w).abs() < 1e-15, "{out:?}");
        }
        assert!(out[7].is_nan());
        assert!((out[8] - 11.0 / 31.0).abs() < 1e-15);
        let info = b.block_info(1).unwrap();
        assert_eq!((info.bits, info.phased, info.len), (16, true, 10 + 3 + 12));
    }
}

#[test]
fn multiallelic_variants_are_skipped_and_stepped_over() {
    let mut tf = one_variant(1);
    let mut tri = TestVariant::new("rs3", vec![0; 6], 8);
    tri.alleles.push("T".into());
    tf.variants.insert(0, tri);
    tf.variants.push(TestVariant::new("rs4", vec![0, 255, 0, 0, 255, 0], 8));
    let (_dir, b) = open(&tf);
    let b = b.unwrap();
    let ids: Vec<&str> = b.variants().iter().map(|v| &*v.id).collect();
    assert_eq!(ids, ["rs1", "rs4"]);
    let first = b.skipped().first.clone().unwrap();
    assert_eq!(
        (b.skipped().n_not_biallelic, first.block, &*first.id, first.n_alleles),
        (1, 1, "rs3", 3)
    );
    assert_eq!(decode_all(&b).unwrap()[3..], [1.0, 0.0, 2.0]);
}

/// A subset in its own order with a repeat; mean imputation; parallel
/// block equals one variant at a time; the first failing variant (in
/// request order) is the one reported.
#[test]
fn subsets_encodings_and_first_error() {
    let mut tf = one_variant(2);
    let mut miss = TestVariant::new("rs2", vec![255, 0, 0, 0, 0, 255], 8);
    miss.ploidy[0] = 0x82;
    tf.variants.push(miss);
    let mut bad = TestVariant::new("rs3", vec![0; 6], 8);
    bad.ploidy[2] = 1;
    tf.variants.extend([bad.clone(), bad]);
    let (_dir, b) = open(&tf);
    let b = b.unwrap();
    let subset = SampleSubset::new(vec![2, 0, 1, 2], 3);
    let mut out = vec![0.0; 8];
    let mut stats = vec![DosageStats::default(); 2];
    b.decode_block(&[1, 0], &subset, Encoding::MeanImputed, &mut out, &mut stats)
        .unwrap();
    let h = 128.0 / 255.0;
    assert_eq!(out, [1.0, 2.0 / 3.0, 0.0, 1.0, h, 2.0, 1.0, h]);
    assert_eq!((stats[0].n_obs, stats[0].n_missing, stats[0].mean()), (3, 1, 2.0 / 3.0));
    let mut one = vec![0.0; 4];
    let st = b.decode_one(0, &subset, Encoding::MeanImputed, &mut one).unwrap();
    assert_eq!((&one[..], st), (&out[4..], stats[1]));
    let mut raw = vec![0.0; 4];
    b.decode_one(1, &subset, Encoding::Raw, &mut raw).unwrap();
    assert!(raw[1].is_nan() && raw[0] == 1.0);
    assert_eq!(b.stats_many(&[1, 0], &subset).unwrap(), stats);
    let e = b.decode_block(
        &[0, 3, 2],
        &subset,
        Encoding::Raw,
        &mut [0.0; 12],
        &mut [DosageStats::default(); 3],
    );
    assert!(e.unwrap_err().to_string().contains("variant 4 of 4 ('rs3')"));
}

#[test]
fn sample_ids_from_a_sample_file_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut tf = one_variant(1);
    tf.sample_ids = None;
    let path = tf.write(dir.path(), "t.bgen");
    let e = Bgen::open(&path, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e
        .to_string()
        .ends_with("t.bgen: the file stores no sample IDs; give its Oxford .sample file"));
    let sample = dir.path().join("t.sample");
    std::fs::write(&sample, "ID_1 ID_2 missing sex\n0 0 0 D\nF a 0 1\nF b 0 2\nG c 0 0\n").unwrap();
    let b = Bgen::open(&path, Some(&sample)).unwrap();
    assert_eq!(b.samples()[1].id, SampleId::new("F", "b"));
    assert_eq!(b.samples()[1].sex, Sex::Female);
    assert_eq!(b.sample_file(), Some(sample.as_path()));
    std::fs::write(&sample, "ID_1 ID_2 missing\n0 0 0\nF a 0\nF b 0\n").unwrap();
    let e = Bgen::open(&path, Some(&sample)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InconsistentInput);
    assert!(e.to_string().contains("t.sample: lists 2 samples but"), "{e}");
}

#[test]
fn duplicate_sample_ids_in_the_file() {
    let mut tf = one_variant(1);
    tf.sample_ids = Some(vec!["a".into(), "b".into(), "a".into()]);
    let e = open_error(&tf, ErrorKind::InconsistentInput);
    assert!(
        e.ends_with("sample identifier block: sample 3 repeats the ID 'a' of sample 1"),
        "{e}"
    );
}
