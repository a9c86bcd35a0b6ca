//! The PGEN reader against two references, on the filesets of `data/pgen/`
//! (made by `scripts/make_pgen_data.sh`; see `data/pgen/README.md`):
//!
//! - pgenlib 0.95.1 (PLINK 2's own reader library), whose ALT dosages from
//!   `read_dosages` are printed in `*.dosage.tsv.gz` with Python's shortest
//!   round-trip repr. PGEN stores dosages as integers `k / 2^14`, which
//!   both readers turn into the same double, so the tolerance is **zero**:
//!   ours must equal the printed value bit for bit, `NaN` where it is `NA`.
//! - the `.bed` path on mouse_hs1940 chromosome 19, from which plink2 made
//!   the `.pgen` (its A1 becomes ALT): hard calls, so the decoded blocks
//!   must equal the `.bed` A1 counts bit for bit in every encoding, with
//!   the alleles checked and the orientation flipped where A1 is REF.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use genotype::{
    Chrom, DosageDecode, DosageStats, Encoding, Fileset, Genotypes, Pgen, RecordType, SampleId, SampleSubset, Sex,
    StorageMode, VariantMoments,
};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(rel)
}

fn open(name: &str) -> Pgen {
    Pgen::open(&data(&format!("pgen/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One data line of a golden file.
struct Row {
    chrom: String,
    pos: i64,
    id: String,
    reference: String,
    alt: String,
    record_type: u8,
    biallelic: bool,
    dosages: Vec<f64>,
}

/// The rows of `NAME.dosage.tsv.gz`.
fn golden(name: &str) -> Vec<Row> {
    let path = data(&format!("pgen/{name}.dosage.tsv.gz"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip text");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Row {
                chrom: f[1].into(),
                pos: f[2].parse().expect("position"),
                id: f[3].into(),
                reference: f[4].into(),
                alt: f[5].into(),
                record_type: u8::from_str_radix(&f[6][2..], 16).expect("record type"),
                biallelic: f[7] == "biallelic",
                dosages: f[8..]
                    .iter()
                    .map(|t| {
                        if *t == "NA" {
                            f64::NAN
                        } else {
                            t.parse().expect("dosage")
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// All variants of `p` over `subset`, raw.
fn decode(p: &Pgen, subset: &SampleSubset) -> (Vec<f64>, Vec<DosageStats>) {
    let variants: Vec<u32> = (0..p.variants().len() as u32).collect();
    let mut out = vec![0.0; subset.len() * variants.len()];
    let mut stats = vec![DosageStats::default(); variants.len()];
    p.decode_block(&variants, subset, Encoding::Raw, &mut out, &mut stats)
        .unwrap_or_else(|e| panic!("{e}"));
    (out, stats)
}

/// Every variant and dosage of `p` against the golden `name` (and the
/// record types, when the golden was made from `p`'s own `.pgen`); returns
/// the record types the golden lists (all records, multiallelic included).
fn check_against_golden(p: &Pgen, name: &str) -> BTreeSet<u8> {
    let own = p.path().file_stem().is_some_and(|s| s == name);
    let rows = golden(name);
    let tag = p.path().display().to_string();
    assert_eq!(rows.len(), p.header().n_variants as usize, "{tag}");
    let kept: Vec<&Row> = rows.iter().filter(|r| r.biallelic).collect();
    assert_eq!(p.skipped().n_not_biallelic, rows.len() - kept.len(), "{tag}");
    assert_eq!(p.variants().len(), kept.len(), "{tag}");
    for (k, (v, row)) in p.variants().iter().zip(&kept).enumerate() {
        assert_eq!(
            (&v.chrom, v.pos, &*v.id, &*v.a1, &*v.a2),
            (
                &Chrom::parse(&row.chrom),
                row.pos,
                row.id.as_str(),
                row.alt.as_str(),
                row.reference.as_str()
            ),
            "{tag} variant {k}"
        );
        if own {
            assert_eq!(p.record_type(k), RecordType(row.record_type), "{tag} variant {k}");
        }
    }
    let n = p.n_samples();
    // all samples, and every third sample backwards with one repeated
    let mut picked: Vec<u32> = (0..n as u32).rev().step_by(3).collect();
    picked.push(picked[0]);
    for subset in [SampleSubset::all(n), SampleSubset::new(picked, n)] {
        let (out, stats) = decode(p, &subset);
        for (j, row) in kept.iter().enumerate() {
            assert_eq!(row.dosages.len(), n, "{tag}");
            let col = &out[j * subset.len()..(j + 1) * subset.len()];
            let mut want = DosageStats::default();
            for (r, (&x, &i)) in col.iter().zip(subset.positions()).enumerate() {
                let g = row.dosages[i as usize];
                assert!(
                    x.to_bits() == g.to_bits() || (x.is_nan() && g.is_nan()),
                    "{tag} variant {j} row {r}: ours {x}, pgenlib {g}"
                );
                if g.is_nan() {
                    want.n_missing += 1;
                } else {
                    want.n_obs += 1;
                    want.sum += g;
                    want.sum_sq += g * g;
                }
            }
            let st = &stats[j];
            assert_eq!(
                (st.n_obs, st.n_missing, st.sum, st.sum_sq),
                (want.n_obs, want.n_missing, want.sum, want.sum_sq),
                "{tag} variant {j}"
            );
            // dosages carry no genotype probabilities: IMPUTE2 info is
            // unknown (NaN) once a dosage value is used, and 1 for calls
            if col.iter().any(|x| x.fract() != 0.0 && !x.is_nan()) {
                assert!(st.impute_info().is_nan(), "{tag} {j}");
            }
            if !p.record_type(j).has_dosage() && st.n_obs > 0 {
                assert_eq!(st.impute_info(), 1.0, "{tag} {j}");
            }
        }
    }
    rows.iter().map(|r| r.record_type).collect()
}

#[test]
fn plink2_filesets_match_pgenlib() {
    for (name, types) in [
        ("mouse19", &[0x00, 0x01, 0x02, 0x04][..]),
        (
            "sim",
            &[0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x20, 0x22, 0x40, 0x60],
        ),
        ("phased", &[0xb0, 0xf0, 0xf1]),
        ("multi", &[0x00, 0x10, 0x18]),
    ] {
        let p = open(name);
        assert_eq!(p.header().mode, StorageMode::Variable, "{name}");
        let found = check_against_golden(&p, name);
        assert_eq!(found, types.iter().copied().collect(), "{name}: record types");
    }
    let multi = open("multi");
    let first = multi.skipped().first.as_ref().expect("a skipped variant");
    assert_eq!((first.block, &*first.id, first.n_alleles), (2, "m1", 3));
    assert_eq!(multi.skipped().n_not_biallelic, 2);
    assert_eq!(multi.samples()[0].id, SampleId::new("0", "s0"));
}

/// The fixed-width mode with a zstd-compressed `.pvar` and a `.psam` of
/// FID, IID and SEX holds what the default mode holds; so does the
/// `.pgen` + `.bim` + `.fam` of `--make-bpgen` (a headerless variant file).
#[test]
fn other_layouts_of_the_same_data_match_pgenlib() {
    let fixed = open("mouse19_fixed");
    assert_eq!(fixed.header().mode, StorageMode::FixedHardCalls);
    assert!(fixed.pvar_path().ends_with("mouse19_fixed.pvar.zst"));
    check_against_golden(&fixed, "mouse19");
    let default = open("mouse19");
    let ids = |p: &Pgen| p.samples().iter().map(|s| (s.id.clone(), s.sex)).collect::<Vec<_>>();
    assert_eq!(ids(&fixed), ids(&default));
    assert!(fixed.samples().iter().all(|s| s.father.is_none()));

    let dir = data("pgen");
    let bpgen = Pgen::open_files(
        &dir.join("sim_bpgen.pgen"),
        &dir.join("sim_bpgen.bim"),
        &dir.join("sim_bpgen.fam"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    check_against_golden(&bpgen, "sim");
    let sim = open("sim");
    assert_eq!(ids(&bpgen), ids(&sim));
    assert_eq!(sim.samples()[5].id, SampleId::new("fam1", "ind5"));
    assert_eq!((sim.samples()[4].sex, sim.samples()[5].sex), (Sex::Male, Sex::Female));
}

/// The `.pgen` plink2 made from the `.bed` decodes to the `.bed`'s A1
/// counts, in every encoding, over all samples and a shuffled subset.
#[test]
fn mouse_pgen_equals_the_bed_decode() {
    let fs = Fileset::open(&data("mouse_hs1940/mouse_hs1940")).expect("mouse_hs1940 opens");
    let p = open("mouse19");
    let fam: Vec<_> = fs
        .fam
        .samples
        .iter()
        .map(|s| (&s.id, &s.father, &s.mother, s.sex))
        .collect();
    let ours: Vec<_> = p
        .samples()
        .iter()
        .map(|s| (&s.id, &s.father, &s.mother, s.sex))
        .collect();
    assert_eq!(ours, fam);
    let by_id: HashMap<&str, usize> = fs.variants.iter().enumerate().map(|(i, v)| (&*v.id, i)).collect();
    let mut bed_index = Vec::new();
    let mut flipped = Vec::new();
    for v in p.variants() {
        let i = by_id[&*v.id];
        let w = &fs.variants[i];
        assert_eq!((&w.chrom, w.pos), (&v.chrom, v.pos));
        if (&w.a1, &w.a2) == (&v.a1, &v.a2) {
            flipped.push(false);
        } else {
            assert_eq!((&w.a1, &w.a2), (&v.a2, &v.a1), "{}", v.id);
            flipped.push(true);
        }
        bed_index.push(i as u32);
    }
    assert_eq!(p.variants().len(), 258);
    assert!(flipped.iter().all(|&f| !f), "plink2 makes the .bed A1 the ALT allele");
    let n = fs.fam.len();
    let mut picked: Vec<u32> = (0..n as u32).rev().step_by(3).collect();
    picked.push(picked[0]);
    let pgen_index: Vec<u32> = (0..258).collect();
    for subset in [SampleSubset::all(n), SampleSubset::new(picked, n)] {
        for enc in [Encoding::Raw, Encoding::MeanImputed, Encoding::Standardized] {
            let m = subset.len();
            let mut bed = vec![0.0; m * 258];
            let mut counts = vec![genotype::AlleleStats::default(); 258];
            Genotypes::new(&fs.bed, &subset).decode_block(&bed_index, enc, &mut bed, &mut counts);
            let mut ours = vec![0.0; m * 258];
            let mut stats = vec![DosageStats::default(); 258];
            p.decode_block(&pgen_index, &subset, enc, &mut ours, &mut stats)
                .expect("decodes");
            for (k, (x, y)) in ours.iter().zip(&bed).enumerate() {
                // a variant whose .bed A1 is REF counts the other allele:
                // raw values mirror (2 - y); other encodings are compared
                // on the variants with A1 = ALT (all of them here)
                let y = match (flipped[k / m], enc) {
                    (false, _) => *y,
                    (true, Encoding::Raw) => 2.0 - y,
                    (true, _) => continue,
                };
                assert!(x.to_bits() == y.to_bits(), "{enc:?} at {k}: {x} vs .bed {y}");
            }
            for ((st, c), &f) in stats.iter().zip(&counts).zip(&flipped) {
                let mean = if f { 2.0 - c.mean() } else { c.mean() };
                assert_eq!((st.n_obs, st.n_missing), (c.n_obs(), c.n_missing));
                assert!(st.mean() == mean || (f && (st.mean() - mean).abs() < 1e-12));
            }
        }
    }
}
