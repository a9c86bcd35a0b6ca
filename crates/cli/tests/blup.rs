//! `kindred reml --blup [--blup-snp]` and `kindred score` end to end on
//! mouse_hs1940 (the numbers themselves are checked against GEMMA in
//! association's blup_golden test): the files, their rows, and the score
//! of the SNP effects giving back the genetic values.

mod common;

use common::{command, gemma_grm, ok, text, Table, MOUSE};

#[test]
fn blup_files_and_the_score_of_their_snp_effects() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    ok(d, "reml --pheno-col 1 --blup --blup-snp --out b", &[]);
    let blup = Table::parse(&text(d.join("b.blup.tsv")));
    let fam = text(format!("{MOUSE}.fam"));
    assert_eq!(blup.rows.len(), fam.lines().count(), "one row per mouse");
    let observed = blup.column("observed");
    assert_eq!(observed.iter().filter(|o| *o == "1").count(), 1410);
    for row in &blup.rows {
        let rel = blup.f64(row, "reliability");
        assert!((0.0..=1.0).contains(&rel), "reliability {rel}");
        assert!(blup.f64(row, "pev") > 0.0);
    }
    let json = common::json(d.join("b.json"));
    let m = common::pheno0(&json);
    assert!(common::num(m, "h2_p") < 1e-100, "mouse pheno 1 is heritable");
    assert!(common::num(m, "aic") > 0.0 && common::num(m, "bic") > common::num(m, "aic"));

    let out = command(d)
        .args([
            "score",
            "--bfile",
            MOUSE,
            "--effects",
            "b.snpblup.tsv",
            "--out",
            "s",
            "--quiet",
        ])
        .output()
        .expect("kindred runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let score = Table::parse(&text(d.join("s.score.tsv")));
    assert_eq!(score.rows.len(), blup.rows.len());
    for (s, b) in score.rows.iter().zip(&blup.rows) {
        assert_eq!((&s[0], &s[1]), (&b[0], &b[1]), "same mouse");
        let (x, y) = (score.f64(s, "score"), blup.f64(b, "blup"));
        assert!((x - y).abs() < 1e-8, "{}: score {x}, blup {y}", s[1]);
    }
    assert!(text(d.join("s.log")).contains("10768 used as listed"));
}

#[test]
fn snp_effects_need_the_genotypes_behind_the_grm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let grm = gemma_grm();
    let out = common::kindred(d, "reml --pheno-col 1 --blup --blup-snp --out b", &["--grm", &grm]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("--blup-snp") && err.contains("let kindred build it"),
        "{err}"
    );
    // Without SNP effects the analysed mice are predicted; the others are
    // not, and the log says why.
    ok(d, "reml --pheno-col 1 --blup --out c", &["--grm", &grm]);
    let blup = Table::parse(&text(d.join("c.blup.tsv")));
    assert_eq!(blup.rows.len(), 1410);
    assert!(text(d.join("c.log")).contains("530 samples without a phenotype are not predicted"));
}
