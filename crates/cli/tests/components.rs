//! `kindred reml` with several variance components end to end on
//! mouse_hs1940 (the estimates themselves are checked against GEMMA's
//! `-vc 1`/`-vc 2` in association's components_golden test): the
//! `.vc.tsv` and `.json`, one `--mgrm` GRM equal to the single-GRM fit,
//! `--random` from a covariate column, and the refusals.

mod common;

use common::{fam, gemma_grm, kindred, ok, text, write_lines, Table};

#[test]
fn chromosome_sets_give_one_row_per_component_and_the_total() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    ok(d, "reml --pheno-col 1 --mgrm-chr 1-10 11-19 --out a", &[]);
    let t = Table::parse(&text(d.join("a.vc.tsv")));
    assert_eq!(t.column("component"), ["chr1-10", "chr11-19", "residual", "total"]);
    assert_eq!(t.column("n_variants")[..2], ["6634", "4134"]);
    let pve: Vec<f64> = t.rows.iter().map(|r| t.f64(r, "pve")).collect();
    assert!((pve[0] + pve[1] - pve[3]).abs() < 2e-6, "{pve:?}");
    // GEMMA -vc 2 on the same two GRMs: 0.272823 and 0.336771.
    assert!(
        (pve[0] - 0.272823).abs() < 1e-5 && (pve[1] - 0.336771).abs() < 1e-5,
        "{pve:?}"
    );
    let json = common::json(d.join("a.json"));
    let p = common::pheno0(&json);
    assert_eq!(p["method"], "reml");
    assert_eq!(p["components"].as_array().expect("components").len(), 3);
    assert!(common::num(p, "loglik_reml") < 0.0);

    ok(d, "reml --pheno-col 1 --mgrm-chr 1-10 11-19 --method he --out h", &[]);
    let t = Table::parse(&text(d.join("h.vc.tsv")));
    assert_eq!(t.column("method")[0], "he");
    assert_eq!(t.column("loglik_reml")[0], "NA");
}

#[test]
fn one_grm_in_a_list_is_the_single_grm_fit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let grm = gemma_grm();
    std::fs::write(d.join("list.txt"), format!("# the whole genome\n{grm}\n\n")).expect("writes");
    ok(d, "reml --pheno-col 1 --mgrm list.txt --out m", &[]);
    ok(d, "reml --pheno-col 1 --out s", &["--grm", &grm]);
    let m = Table::parse(&text(d.join("m.vc.tsv")));
    let s = Table::parse(&text(d.join("s.reml.tsv")));
    let (pm, ps) = (m.f64(&m.rows[2], "pve"), s.f64(&s.rows[0], "pve"));
    assert!((pm - ps).abs() < 2e-6, "several-component total {pm}, single {ps}");
    let (lm, ls) = (m.f64(&m.rows[0], "loglik_reml"), s.f64(&s.rows[0], "loglik_reml"));
    assert!((lm - ls).abs() < 1e-3, "loglik {lm} vs {ls}");
}

#[test]
fn a_covariate_column_as_a_random_effect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    // The .fam's FID (85 values) as a grouping column; one mouse without.
    let rows = fam()
        .into_iter()
        .enumerate()
        .map(|(i, f)| format!("{} {} {}", f[0], f[1], if i == 5 { "NA" } else { &f[0] }));
    write_lines(d, "groups.txt", "FID IID fid_group\n", rows);
    ok(
        d,
        "reml --pheno-col 1 --covar groups.txt --random fid_group --out r",
        &[],
    );
    let t = Table::parse(&text(d.join("r.vc.tsv")));
    assert_eq!(t.column("component"), ["grm", "fid_group", "residual", "total"]);
    let levels: std::collections::BTreeSet<String> = fam()
        .into_iter()
        .enumerate()
        .filter(|(i, f)| *i != 5 && f[5] != "NA" && f[5] != "-9")
        .map(|(_, f)| f[0].clone())
        .collect();
    assert_eq!(t.column("n_levels")[1], levels.len().to_string());
    assert_eq!(t.column("n")[0], "1409", "the mouse without a group is left out");
    let json = common::json(d.join("r.json"));
    let p = common::pheno0(&json);
    assert_eq!(p["n_covariates"], 1, "the column is no longer a fixed effect");
    assert!(text(d.join("r.log")).contains("1 samples without a value are left out"));
}

#[test]
fn refusals_name_the_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let rows = fam().into_iter().map(|f| format!("{} {} {}", f[0], f[1], f[0]));
    write_lines(d, "groups.txt", "FID IID g\n", rows);
    let err = |words: &str| {
        let out = kindred(d, words, &[]);
        assert!(!out.status.success(), "{words} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(err("reml --covar groups.txt --random cage --out x").contains("--random cage: no such column"));
    assert!(err("reml --mgrm-chr 1-10 11-19 --blup --out x").contains("--blup is for one GRM"));
    assert!(err("reml --mgrm-chr 10-1 --out x").contains("is not a chromosome set"));
    std::fs::write(d.join("empty.txt"), "# nothing\n").expect("writes");
    assert!(err("reml --mgrm empty.txt --out x").contains("lists no GRM"));
    std::fs::write(d.join("bad.txt"), "no_such_grm\n").expect("writes");
    assert!(err("reml --mgrm bad.txt --out x").contains("bad.txt:1:"));
}

/// `assoc` with several components tests against the fitted covariance:
/// with one GRM in the list that is the fixed-ratio scan with that GRM;
/// with two, the null model's share is the components' total.
#[test]
fn scans_hold_the_fitted_variance_ratios() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let grm = gemma_grm();
    std::fs::write(d.join("one.txt"), format!("{grm}\n")).expect("writes");
    ok(d, "assoc --pheno-col 1 --mgrm one.txt --out c", &[]);
    ok(d, "assoc --pheno-col 1 --fixed-ratio --out f", &["--grm", &grm]);
    let (c, f) = (
        Table::parse(&text(d.join("c.assoc.tsv"))),
        Table::parse(&text(d.join("f.assoc.tsv"))),
    );
    assert_eq!(c.rows.len(), f.rows.len());
    for (x, y) in c.rows.iter().zip(&f.rows) {
        let (p, q) = (c.f64(x, "p_value"), f.f64(y, "p_value"));
        assert!(common::dlog10(p, q) < 1e-5, "{}: {p} vs {q}", x[c.col("variant_id")]);
    }
    assert!(text(d.join("c.log")).contains("variance ratios held fixed"));

    ok(d, "assoc --pheno-col 1 --mgrm-chr 1-10 11-19 --out two", &[]);
    ok(d, "reml --pheno-col 1 --mgrm-chr 1-10 11-19 --out vc", &[]);
    let json = common::json(d.join("two.json"));
    assert_eq!(json["mode"], "fixed-ratio");
    let pve = common::num(common::pheno0(&json), "pve");
    let vc = Table::parse(&text(d.join("vc.vc.tsv")));
    let total = vc.f64(&vc.rows[3], "pve");
    assert!(
        (pve - total).abs() < 1e-5,
        "scan's null pve {pve}, components' total {total}"
    );
    let out = kindred(d, "assoc --mgrm-chr 1-10 11-19 --loco --out x", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not with --loco"));
}
