//! Matching effects to a fileset, scoring by hand, and the effects file's
//! errors.

use std::path::{Path, PathBuf};

use genotype::{Encoding, Fileset, Genotypes, SampleSubset};

use super::*;

fn tiny() -> Fileset {
    Fileset::open(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/tiny/tiny"))).expect("tiny fileset")
}

fn effect(id: &str, ea: &str, oa: &str, mean: f64, effect: f64) -> Effect {
    Effect {
        id: id.into(),
        effect_allele: ea.into(),
        other_allele: oa.into(),
        mean,
        effect,
    }
}

#[test]
fn effects_match_by_id_and_alleles_and_score_by_hand() {
    let mut fs = tiny();
    // rs1 A/G made palindromic (A/T) to test the ambiguous case.
    fs.variants[0].a2 = "T".into();
    let effects = [
        effect("rs1", "T", "A", 1.0, 9.0),  // palindromic, swapped: ambiguous
        effect("rs2", "C", "T", 0.8, 0.5),  // as in the .bim
        effect("rs3", "A", "G", 1.5, 2.0),  // swapped: flipped
        effect("rs4", "T", "G", 1.0, 1.0),  // other alleles
        effect("rs99", "A", "C", 1.0, 1.0), // absent
    ];
    let samples = SampleSubset::all(fs.fam.len());
    let (scores, m) = score(&fs, &samples, &effects);
    assert_eq!(
        m,
        Matching {
            listed: 5,
            used: 1,
            flipped: 1,
            absent: 1,
            other_alleles: 1,
            ambiguous: 1,
        }
    );
    // By hand: A1 counts of rs2 and rs3 (the .bim's A1 = G for rs3).
    let g = Genotypes::new(&fs.bed, &samples);
    let n = samples.len();
    let mut x = vec![0.0; 2 * n];
    let mut st = vec![genotype::AlleleStats::default(); 2];
    g.decode_block(&[1, 2], Encoding::Raw, &mut x, &mut st);
    for i in 0..n {
        let term = |v: f64, mean: f64, e: f64| if v.is_nan() { 0.0 } else { (v - mean) * e };
        // rs3 listed with effect allele A, the .bim's A2: its count is 2 - x.
        let want = term(x[i], 0.8, 0.5) + term(2.0 - x[n + i], 1.5, 2.0);
        assert!((scores[i] - want).abs() < 1e-12, "sample {i}: {} vs {want}", scores[i]);
    }
}

fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

#[test]
fn an_effects_file_is_read_by_column_name() {
    let (_d, p) = write(
        "e.tsv",
        "chromosome\tvariant_id\teffect\tmean\teffect_allele\tother_allele\n1\trs1\t0.25\t1.5\tA\tG\n",
    );
    assert_eq!(
        read_effects(&p).expect("reads"),
        vec![effect("rs1", "A", "G", 1.5, 0.25)]
    );
}

#[test]
fn bad_effects_files_name_the_line() {
    let head = "variant_id effect_allele other_allele mean effect\n";
    for (text, line, what) in [
        ("", 1, "is empty"),
        ("variant_id effect_allele mean effect\n", 1, "no column 'other_allele'"),
        (&*format!("{head}rs1 A G 1.0\n"), 2, "has 4 fields"),
        (
            &*format!("{head}rs1 A G 1.0 x\n"),
            2,
            "effect 'x' is not a finite number",
        ),
        (&*format!("{head}rs1 A G inf 1\n"), 2, "mean 'inf'"),
        (
            &*format!("{head}rs1 A G 1 1\nrs1 A G 1 2\n"),
            3,
            "listed twice (first on line 2)",
        ),
    ] {
        let (_d, p) = write("e.tsv", text);
        let err = read_effects(&p).unwrap_err().to_string();
        assert!(
            err.contains(&format!("e.tsv, line {line}:")) && err.contains(what),
            "{text:?}: {err}"
        );
    }
}
