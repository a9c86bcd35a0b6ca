//! Inputs a careless or hostile user gives (issue 17): table rows that match
//! no sample, categorical levels that only unanalysed samples have, and
//! phenotype names used twice. Each test spawns the binary on mouse_hs1940
//! in a temporary directory; `--chr 19` keeps the GRM small.

mod common;

use common::{fam, json, kindred, num, ok, pheno0, text, write_lines};

/// `FID IID value` rows of the `.fam`'s phenotype 1, with the FID of every
/// second mouse changed so that it matches no `.fam` sample.
#[test]
fn issue_17_7_unmatched_table_rows_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = fam().into_iter().enumerate().map(|(i, r)| {
        let fid = if i % 2 == 1 { format!("{}x", r[0]) } else { r[0].clone() };
        format!("{fid} {} {}", r[1], r[5])
    });
    write_lines(d, "p.txt", "FID IID y\n", rows);
    let out = ok(d, "reml --chr 19 --out r", &["--pheno", "p.txt"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let second = &fam()[1];
    let unknown = format!(
        "p.txt, line 3: sample '{}x {}' is not in the .fam; 970 row(s) in all match no .fam sample and are ignored",
        second[0], second[1]
    );
    let absent = format!(
        "p.txt: 970 of the 1940 kept .fam sample(s) have no row in it and are not analysed; the first is '{} {}'",
        second[0], second[1]
    );
    for w in [&unknown, &absent] {
        assert_eq!(
            stderr.lines().filter(|l| *l == format!("warning: {w}")).count(),
            1,
            "{w}\nnot once in stderr:\n{stderr}"
        );
        assert!(text(d.join("r.log")).contains(w.as_str()), "{w} not in r.log");
    }
    let warnings = json(d.join("r.json"))["warnings"].clone();
    assert!(
        warnings.as_array().unwrap().iter().any(|v| v == unknown.as_str())
            && warnings.as_array().unwrap().iter().any(|v| v == absent.as_str()),
        "{warnings}"
    );
}

/// A covariate table giving every mouse without phenotype 1 level `z`, and
/// the others the levels of `analysed` (alternately).
fn write_levels(d: &std::path::Path, name: &str, z: &str, analysed: [&str; 2]) {
    let rows = fam().into_iter().enumerate().map(|(i, r)| {
        let missing = matches!(r[5].as_str(), "NA" | "-9" | "nan");
        let level = if missing { z } else { analysed[i % 2] };
        format!("{} {} {level}", r[0], r[1])
    });
    write_lines(d, name, "FID IID grp\n", rows);
}

/// Levels (and the dropped first level) come from the analysed samples: a
/// level only unanalysed mice have is not a column (today it is, and the
/// others are then "collinear"), and the fit equals the one where those
/// mice have an analysed level instead.
#[test]
fn issue_17_7_categorical_levels_come_from_the_analysed_samples() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `A` sorts first: with levels from every row it is the dropped level,
    // and grp=B + grp=C equals the intercept on the analysed mice.
    write_levels(d, "c1.txt", "A", ["B", "C"]);
    write_levels(d, "c2.txt", "B", ["B", "C"]);
    ok(d, "reml --pheno-col 1 --chr 19 --out a", &["--covar", "c1.txt"]);
    ok(d, "reml --pheno-col 1 --chr 19 --out b", &["--covar", "c2.txt"]);
    let (a, b) = (json(d.join("a.json")), json(d.join("b.json")));
    assert_eq!(num(pheno0(&a), "n_covariates"), 2.0);
    for k in ["n", "n_covariates", "pve", "pve_se", "loglik_reml"] {
        assert_eq!(num(pheno0(&a), k), num(pheno0(&b), k), "{k}");
    }
}

/// Two phenotype columns with one name would write one result over the
/// other with `--all-phenos`: refused, naming the file, line 1 and the name.
#[test]
fn issue_17_7_duplicate_phenotype_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = fam()
        .into_iter()
        .map(|r| format!("{} {} {} {}", r[0], r[1], r[5], r[6]));
    write_lines(d, "p.txt", "FID IID y y\n", rows);
    let out = kindred(d, "reml --all-phenos --chr 19 --out r", &["--pheno", "p.txt"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("p.txt, line 1: column name 'y' appears twice (columns 3 and 4)"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
