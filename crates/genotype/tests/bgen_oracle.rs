//! The BGEN reader against two references, on the files of `data/bgen/`
//! (made by `scripts/make_bgen_data.sh`; see `data/bgen/README.md`):
//!
//! - bgen-reader 4.0.9, whose dosages of the first allele, IMPUTE2 info and
//!   MACH r2 are printed with 9 decimals in `*.dosage.tsv.gz`: ours must
//!   round to them, `|ours - printed| <= 0.5e-9` (plus 1e-12 for the order
//!   of floating-point sums in the quality measures);
//! - the `.bed` path on the filesets PLINK 2 exported (mouse_hs1940
//!   chromosome 19 at 1, 3, 8 and 16 bits, zlib and zstd; data/tiny with
//!   missing genotypes): hard calls are exact at every width, so the
//!   dosages must equal the `.bed` A1 counts bit for bit, missing where
//!   they are missing.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use genotype::{
    Bgen, Chrom, Compression, DosageStats, Encoding, ErrorKind, Fileset, Genotypes, SampleId, SampleSubset, Sex,
};
use genotype::{DosageDecode, VariantMoments};

/// Printed with 9 decimals: half a unit of the last digit.
const PRINTED: f64 = 0.5e-9;

/// The BGEN exports of mouse chromosome 19 (258 variants).
const MOUSE19: [&str; 5] = [
    "mouse19_v12_zlib_b1",
    "mouse19_v12_zlib_b8",
    "mouse19_v13_zstd_b3",
    "mouse19_v13_zstd_b8",
    "mouse19_v13_zstd_b16",
];

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(rel)
}

fn open(name: &str, sample: Option<&str>) -> Bgen {
    let sample = sample.map(|s| data(&format!("bgen/{s}")));
    Bgen::open(&data(&format!("bgen/{name}.bgen")), sample.as_deref()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One data line of a golden file.
struct Row {
    chrom: String,
    pos: i64,
    varid: String,
    rsid: String,
    alleles: Vec<String>,
    kind: String,
    info: f64,
    mach_r2: f64,
    dosages: Vec<f64>,
}

/// A golden file: the sample IDs stored in the BGEN (if any) and its rows.
fn golden(name: &str) -> (Option<Vec<String>>, Vec<Row>) {
    let path = data(&format!("bgen/{name}.dosage.tsv.gz"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip text");
    let num = |t: &str| {
        if t == "NA" {
            f64::NAN
        } else {
            t.parse().expect("number")
        }
    };
    let mut samples = None;
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(ids) = line.strip_prefix("#samples\t") {
            samples = Some(ids.split('\t').map(str::to_owned).collect());
        } else if !line.starts_with('#') {
            let f: Vec<&str> = line.split('\t').collect();
            let quality = f.len() > 7;
            rows.push(Row {
                chrom: f[1].into(),
                pos: f[2].parse().expect("position"),
                varid: f[3].into(),
                rsid: f[4].into(),
                alleles: f[5].split(',').map(str::to_owned).collect(),
                kind: f[6].into(),
                info: if quality { num(f[7]) } else { f64::NAN },
                mach_r2: if quality { num(f[8]) } else { f64::NAN },
                dosages: f.get(9..).unwrap_or_default().iter().map(|t| num(t)).collect(),
            });
        }
    }
    (samples, rows)
}

fn same(ours: f64, printed: f64, tol: f64) -> bool {
    (ours.is_nan() && printed.is_nan()) || (ours - printed).abs() <= tol
}

/// Decodes `variants` of `b` over all samples, raw.
fn decode(b: &Bgen, variants: &[u32]) -> (Vec<f64>, Vec<DosageStats>) {
    let subset = SampleSubset::all(b.n_samples());
    let mut out = vec![0.0; subset.len() * variants.len()];
    let mut stats = vec![DosageStats::default(); variants.len()];
    b.decode_block(variants, &subset, Encoding::Raw, &mut out, &mut stats)
        .unwrap_or_else(|e| panic!("{e}"));
    (out, stats)
}

/// Every field of `name.bgen` (read with `sample`) against `golden_name`.
fn check_against_golden(name: &str, sample: Option<&str>, golden_name: &str) -> Bgen {
    let b = open(name, sample);
    let (ids, rows) = golden(golden_name);
    if let (Some(ids), None) = (ids, sample) {
        let ours: Vec<SampleId> = b.samples().iter().map(|s| s.id.clone()).collect();
        let want: Vec<SampleId> = ids.iter().map(|i| SampleId::new("0", i)).collect();
        assert_eq!(ours, want, "{name}: sample IDs");
    }
    let kept: Vec<&Row> = rows.iter().filter(|r| r.kind != "not_biallelic").collect();
    assert_eq!(b.skipped().n_not_biallelic, rows.len() - kept.len(), "{name}");
    assert_eq!(b.variants().len(), kept.len(), "{name}");
    let mut decodable = Vec::new();
    for (k, (v, row)) in b.variants().iter().zip(&kept).enumerate() {
        let id = if row.rsid.is_empty() { &row.varid } else { &row.rsid };
        assert_eq!(
            (&*v.id, &*b.varids()[k], v.pos),
            (id.as_str(), row.varid.as_str(), row.pos),
            "{name}"
        );
        assert_eq!(
            (v.chrom.clone(), [&*v.a1, &*v.a2]),
            (Chrom::parse(&row.chrom), [&*row.alleles[0], &*row.alleles[1]])
        );
        if row.kind == "not_diploid" {
            let mut col = vec![0.0; b.n_samples()];
            let e = b
                .decode_one(k, &SampleSubset::all(b.n_samples()), Encoding::Raw, &mut col)
                .expect_err("a block with haploid samples is refused");
            assert!(
                e.to_string().contains("kindred reads diploid samples only"),
                "{name}: {e}"
            );
        } else {
            decodable.push(k as u32);
        }
    }
    let (out, stats) = decode(&b, &decodable);
    let n = b.n_samples();
    for (j, &k) in decodable.iter().enumerate() {
        let row = kept[k as usize];
        assert_eq!(row.dosages.len(), n, "{name}");
        for (i, (&x, &g)) in out[j * n..(j + 1) * n].iter().zip(&row.dosages).enumerate() {
            assert!(
                same(x, g, PRINTED),
                "{name} variant {k} sample {i}: ours {x}, bgen-reader {g}"
            );
        }
        let st = &stats[j];
        assert_eq!(
            st.n_missing as usize,
            row.dosages.iter().filter(|x| x.is_nan()).count(),
            "{name}"
        );
        assert!(
            same(st.impute_info(), row.info, PRINTED + 1e-12),
            "{name} {k}: info {} vs {}",
            st.impute_info(),
            row.info
        );
        assert!(
            same(st.mach_r2(), row.mach_r2, PRINTED + 1e-12),
            "{name} {k}: r2 {} vs {}",
            st.mach_r2(),
            row.mach_r2
        );
    }
    b
}

#[test]
fn plink2_exports_match_bgen_reader() {
    for name in MOUSE19.into_iter().chain([
        "dummy_dosage_v12_zlib_b12",
        "dummy_phased_v13_zstd_b16",
        "tiny_v12_zlib_b8",
    ]) {
        let b = check_against_golden(name, None, name);
        let want = if name.contains("_v13_") {
            Compression::Zstd
        } else {
            Compression::Zlib
        };
        assert_eq!(b.header().compression, want, "{name}");
    }
}

/// Files of the `bgen` package: 7 bits with phased and unphased variants,
/// a triallelic variant (skipped) and a partly haploid one (refused); the
/// same without compression (which bgen-reader cannot read: the script
/// checks that both hold the same probabilities, so one golden serves
/// both); 32 bits with zstd.
#[test]
fn bgen_package_files_match_bgen_reader() {
    let zlib = check_against_golden("synthetic_zlib_b7", Some("synthetic.sample"), "synthetic_zlib_b7");
    let none = check_against_golden("synthetic_none_b7", Some("synthetic.sample"), "synthetic_zlib_b7");
    assert_eq!(none.header().compression, Compression::None);
    assert_eq!(
        zlib.skipped().first.as_ref().map(|s| (s.block, &*s.id, s.n_alleles)),
        Some((8, "rs1007", 3))
    );
    let info = zlib.block_info(0).expect("block 0");
    assert_eq!((info.bits, info.phased), (7, false));
    for (i, s) in none.samples().iter().enumerate() {
        assert_eq!(s.id, SampleId::new(&format!("fam{}", i / 3), &format!("ind{i}")));
        assert_eq!(s.sex, if i % 2 == 0 { Sex::Male } else { Sex::Female });
    }
    check_against_golden("synthetic_zstd_b32", None, "synthetic_zstd_b32");
}

/// Decodes the same variants from the `.bed` and the BGEN over `subset`
/// and asserts equal values (bit for bit, `NaN` where missing) and stats.
fn check_against_bed(fs: &Fileset, b: &Bgen, bed_index: &[u32], bgen_index: &[u32], subset: &SampleSubset) {
    let n = subset.len();
    for enc in [Encoding::Raw, Encoding::MeanImputed, Encoding::Standardized] {
        let mut bed = vec![0.0; n * bed_index.len()];
        let mut counts = vec![genotype::AlleleStats::default(); bed_index.len()];
        Genotypes::new(&fs.bed, subset).decode_block(bed_index, enc, &mut bed, &mut counts);
        let mut ours = vec![0.0; n * bgen_index.len()];
        let mut stats = vec![DosageStats::default(); bgen_index.len()];
        b.decode_block(bgen_index, subset, enc, &mut ours, &mut stats)
            .expect("decodes");
        for (k, (x, y)) in ours.iter().zip(&bed).enumerate() {
            assert!(
                x.to_bits() == y.to_bits(),
                "{}: {enc:?} at {k}: {x} vs .bed {y}",
                b.path().display()
            );
        }
        for (st, c) in stats.iter().zip(&counts) {
            assert_eq!(
                (st.n_obs, st.n_missing, st.mean().to_bits()),
                (c.n_obs(), c.n_missing, c.mean().to_bits())
            );
        }
    }
}

#[test]
fn mouse_exports_equal_the_bed_decode() {
    let fs = Fileset::open(&data("mouse_hs1940/mouse_hs1940")).expect("mouse_hs1940 opens");
    let by_id: HashMap<&str, usize> = fs.variants.iter().enumerate().map(|(i, v)| (&*v.id, i)).collect();
    let n = fs.fam.len();
    // every third sample, backwards, and one twice
    let mut picked: Vec<u32> = (0..n as u32).rev().step_by(3).collect();
    picked.push(picked[0]);
    let subsets = [SampleSubset::all(n), SampleSubset::new(picked, n)];
    for name in MOUSE19 {
        let b = open(name, None);
        assert_eq!(b.variants().len(), 258, "{name}");
        let bed_index: Vec<u32> = b
            .variants()
            .iter()
            .map(|v| {
                let i = by_id[&*v.id];
                let w = &fs.variants[i];
                assert_eq!(
                    (&w.chrom, w.pos, &w.a1, &w.a2),
                    (&v.chrom, v.pos, &v.a1, &v.a2),
                    "{name}"
                );
                i as u32
            })
            .collect();
        let bgen_index: Vec<u32> = (0..258).collect();
        for subset in &subsets {
            check_against_bed(&fs, &b, &bed_index, &bgen_index, subset);
        }
        // sample IDs in the file are PLINK 2's FID_IID
        for (s, f) in b.samples().iter().zip(&fs.fam.samples) {
            assert_eq!(s.id, SampleId::new("0", &format!("{}_{}", f.id.fid, f.id.iid)));
        }
    }
    // the .sample PLINK 2 wrote gives back the .fam IDs (ID_1 = FID, ID_2 = IID)
    let b = open("mouse19_v12_zlib_b8", Some("mouse19.sample"));
    let ours: Vec<(&SampleId, Sex)> = b.samples().iter().map(|s| (&s.id, s.sex)).collect();
    let fam: Vec<(&SampleId, Sex)> = fs.fam.samples.iter().map(|s| (&s.id, s.sex)).collect();
    assert_eq!(ours, fam);
}

/// data/tiny: missing genotypes (one variant all missing) line up with the
/// `.bed`; PLINK 2 writes chrX males and every chrMT sample with ploidy 1,
/// which is refused. (bgen-reader 4.0.9 reports ploidy 0 for the chrMT
/// block and fails to read it; its bytes say 1 for every sample.)
#[test]
fn tiny_export_equals_the_bed_decode_and_refuses_haploid_blocks() {
    let fs = Fileset::open(&data("tiny/tiny")).expect("tiny opens");
    let b = open("tiny_v12_zlib_b8", Some("tiny_v12_zlib_b8.sample"));
    let ours: Vec<(&SampleId, Sex)> = b.samples().iter().map(|s| (&s.id, s.sex)).collect();
    let fam: Vec<(&SampleId, Sex)> = fs.fam.samples.iter().map(|s| (&s.id, s.sex)).collect();
    assert_eq!(ours, fam);
    let index: Vec<u32> = (0..4).collect();
    let n = fs.fam.len() as u32;
    for subset in [
        SampleSubset::all(n as usize),
        SampleSubset::new(vec![6, 2, 5, 0], n as usize),
    ] {
        check_against_bed(&fs, &b, &index, &index, &subset);
    }
    let subset = SampleSubset::all(n as usize);
    for (v, ploidy) in [
        (4, "sample 1 ('F1 S1') has ploidy 1"),
        (5, "sample 1 ('F1 S1') has ploidy 1 (the block's range is 1 to 1)"),
    ] {
        let mut out = vec![0.0; n as usize * 2];
        let mut stats = vec![DosageStats::default(); 2];
        let e = b
            .decode_block(&[0, v], &subset, Encoding::Raw, &mut out, &mut stats)
            .unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.kind(), ErrorKind::MalformedInput);
        assert!(
            msg.contains(&format!(
                "tiny_v12_zlib_b8.bgen: variant {} of 6 ('rs{}'): {ploidy}",
                v + 1,
                v + 1
            )),
            "{msg}"
        );
    }
}

#[test]
fn layout_1_file_is_refused() {
    let path = data("bgen/mouse19_layout1.bgen");
    let e = Bgen::open(&path, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedInput);
    assert!(
        e.to_string()
            .contains("mouse19_layout1.bgen: layout 1 (BGEN v1.1 genotype blocks) is not supported"),
        "{e}"
    );
}
