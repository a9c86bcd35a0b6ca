//! One unit test per malformed BIMBAM case: each error is one line that
//! names the file and the line (and the variant when there is one), and
//! says what is wrong. None panics.

use super::tests::TestFiles;
use super::*;
use crate::error::ErrorKind;

const GENO: &str = "rs1 A T 0 1 2\nrs2 C G 2 1 0\n";

/// The error of opening these files, checked for its class and for being a
/// single line that starts with the path of `file` and `, line {line}: `.
fn open_error(t: &TestFiles, files: &BimbamFiles, kind: ErrorKind, file: &str, line: usize) -> String {
    let e = Bimbam::open(files).expect_err("malformed input is refused");
    assert_eq!(e.kind(), kind, "{e}");
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "{msg}");
    let head = format!("{}, line {line}: ", t.dir.path().join(file).display());
    msg.strip_prefix(&head)
        .unwrap_or_else(|| panic!("'{msg}' does not start with '{head}'"))
        .to_owned()
}

fn geno_error(text: &str, line: usize) -> String {
    let t = TestFiles::new();
    let files = BimbamFiles::new(t.write("g.txt", text));
    open_error(&t, &files, ErrorKind::MalformedInput, "g.txt", line)
}

#[test]
fn malformed_wrong_number_of_dosages() {
    assert_eq!(
        geno_error("rs1 A T 0 1 2\n\nrs2 C G 2 1\n", 3),
        "variant 'rs2': 2 dosages, but the first line (line 1) has 3, one per sample"
    );
    assert_eq!(
        geno_error("rs1 A T 0 1 2\nrs2, C, G, 2, 1, 0, 1\n", 2),
        "variant 'rs2': 4 dosages, but the first line (line 1) has 3, one per sample"
    );
    assert_eq!(
        geno_error("rs1 A T\n", 1),
        "variant 'rs1': no dosage columns after the two alleles"
    );
    assert_eq!(
        geno_error("rs1 A T 0\nrs2 C\n", 2),
        "found 2 field(s); a mean-genotype line holds the variant ID, allele 1, allele 0 and one dosage per sample"
    );
}

#[test]
fn malformed_non_numeric_dosage() {
    assert_eq!(
        geno_error("rs1 A T 0 1 2\nrs2 C G 2 x 0\n", 2),
        "variant 'rs2': dosage 2 (sample 2): 'x' is not a number (a missing dosage is written NA)"
    );
    // GEMMA's missing code is NA exactly
    assert_eq!(
        geno_error("rs1 A T 0 nan 2\n", 1),
        "variant 'rs1': dosage 2 (sample 2): 'nan' is not a number (a missing dosage is written NA)"
    );
}

#[test]
fn malformed_dosage_outside_0_2() {
    assert_eq!(
        geno_error("rs1 A T 0 1 2\nrs2 C G 2 1 2.5\n", 2),
        "variant 'rs2': dosage 3 (sample 3): 2.5 is outside [0, 2] (a dosage counts copies of allele 1)"
    );
    assert_eq!(
        geno_error("rs1 A T -0.01 1 2\n", 1),
        "variant 'rs1': dosage 1 (sample 1): -0.01 is outside [0, 2] (a dosage counts copies of allele 1)"
    );
}

#[test]
fn malformed_duplicated_rsid() {
    assert_eq!(
        geno_error("rs1 A T 0 1 2\nrs2 C G 2 1 0\nrs1 A T 1 1 1\n", 3),
        "variant 'rs1': the variant ID is already used on line 1 (GEMMA matches annotations by ID, so IDs must \
         be unique)"
    );
}

#[test]
fn malformed_empty_files() {
    let t = TestFiles::new();
    let e = Bimbam::open(&BimbamFiles::new(t.write("g.txt", "\n \n"))).unwrap_err();
    let g = t.dir.path().join("g.txt");
    assert_eq!(
        e.to_string(),
        format!("{}: no variants: the mean-genotype file is empty", g.display())
    );
    let files = BimbamFiles::new(&g).pheno(t.write("p.txt", ""));
    let e = Bimbam::open(&files).unwrap_err().to_string();
    assert!(e.ends_with("p.txt: no samples: the phenotype file is empty"), "{e}");
    t.write("g.txt", GENO);
    let files = BimbamFiles::new(&g).anno(t.write("a.txt", "\n"));
    let e = Bimbam::open(&files).unwrap_err().to_string();
    assert!(e.ends_with("a.txt: no variants: the annotation file is empty"), "{e}");
}

#[test]
fn malformed_annotation_bad_position() {
    let t = TestFiles::new();
    let g = t.write("g.txt", GENO);
    for (line, want) in [
        (
            "rs1 0 1",
            "variant 'rs1': position '0' is not a positive integer (an unknown position is written NA)",
        ),
        (
            "rs1 3.5e6 1",
            "variant 'rs1': position '3.5e6' is not a positive integer (an unknown position is written NA)",
        ),
        ("rs1 100 1 x", "variant 'rs1': cM position 'x' is not a number"),
        (
            "rs1",
            "found 1 field(s); an annotation line holds the variant ID, its base-pair position, and optionally \
             its chromosome and cM position",
        ),
    ] {
        let files = BimbamFiles::new(&g).anno(t.write("a.txt", &format!("rs2 5 1\n{line}\n")));
        assert_eq!(open_error(&t, &files, ErrorKind::MalformedInput, "a.txt", 2), want);
    }
    let files = BimbamFiles::new(&g).anno(t.write("a.txt", "rs2 5 1\n\nrs2 6 1\n"));
    assert_eq!(
        open_error(&t, &files, ErrorKind::MalformedInput, "a.txt", 3),
        "variant 'rs2': already annotated on line 1"
    );
}

#[test]
fn malformed_annotation_of_another_data_set() {
    let t = TestFiles::new();
    let files = BimbamFiles::new(t.write("g.txt", GENO)).anno(t.write("a.txt", "\nrsX 5 1\nrsY 6 1\n"));
    let e = open_error(&t, &files, ErrorKind::InconsistentInput, "a.txt", 2);
    assert_eq!(
        e,
        format!(
            "no variant ID of the file is in {} (the first is 'rsX'): is it the annotation of another data set?",
            t.dir.path().join("g.txt").display()
        )
    );
}

#[test]
fn malformed_phenotype_line_count() {
    let t = TestFiles::new();
    let g = t.write("g.txt", &format!("\n{GENO}"));
    let files = BimbamFiles::new(&g).pheno(t.write("p.txt", "1\n2\n3\n\n4\n"));
    let e = open_error(&t, &files, ErrorKind::InconsistentInput, "p.txt", 5);
    assert_eq!(
        e,
        format!(
            "sample 4 has no dosage column: {} (line 2) has 3 dosage columns, so the phenotype file needs 3 lines, \
             one per sample in the same order; it has 4",
            g.display()
        )
    );
    let files = BimbamFiles::new(&g).pheno(t.write("p.txt", "1\n2\n"));
    let e = open_error(&t, &files, ErrorKind::InconsistentInput, "p.txt", 2);
    assert!(e.starts_with("the file ends after sample 2: "), "{e}");
    assert!(
        e.ends_with("needs 3 lines, one per sample in the same order; it has 2"),
        "{e}"
    );
}

#[test]
fn malformed_phenotype_value() {
    let t = TestFiles::new();
    let files = BimbamFiles::new(t.write("g.txt", GENO)).pheno(t.write("p.txt", "1 2\n2 NA\n3 abc\n"));
    assert_eq!(
        open_error(&t, &files, ErrorKind::MalformedInput, "p.txt", 3),
        "column 2: 'abc' is not a number (a missing phenotype is written NA)"
    );
}

#[test]
fn malformed_gzip_cut_short() {
    let t = TestFiles::new();
    let text: String = (0..4000).map(|k| format!("rs{k} A T 0 {} 2\n", k % 3)).collect();
    let g = t.write("g.txt.gz", &text);
    let bytes = std::fs::read(&g).unwrap();
    std::fs::write(&g, &bytes[..bytes.len() - 40]).unwrap();
    let e = Bimbam::open(&BimbamFiles::new(&g)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedInput);
    let e = e.to_string();
    assert!(e.starts_with(&format!("{}, line ", g.display())), "{e}");
    assert!(e.contains("the gzip data are corrupt or cut short"), "{e}");
}
