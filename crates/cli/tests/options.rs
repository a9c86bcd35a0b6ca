//! Issue 12: each option has one meaning, decided once, and is refused
//! where it does nothing; every JSON summary carries its schema version.

mod common;

use common::{fails, json, ok};

#[test]
fn issue_12_precision_flags_have_one_meaning_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    // `reml` rotates no variant: the rotation's flag does not exist there.
    let e = fails(d, "reml --pheno-col 1 --scan-precision f32 --out r", 2);
    assert!(e.contains("--scan-precision"), "{e}");
    // the old ambiguous spelling is gone everywhere
    fails(d, "assoc --pheno-col 1 --precision f64 --out a", 2);
    // nothing is rotated by least squares, nothing built from a GRM file
    let e = fails(d, "assoc --pheno-col 1 --model linear --scan-precision f64 --out a", 6);
    assert!(e.contains("--scan-precision does nothing with --model linear"), "{e}");
    let e = fails(d, "assoc --pheno-col 1 --grm x --grm-precision f32 --out a", 2);
    assert!(e.contains("--grm-precision"), "{e}");
}

#[test]
fn issue_12_unhonourable_options_exit_with_the_invalid_option_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    ok(d, "reml --pheno-col 1 --chr 19 --write-eigen E --out r", &[]);
    let e = fails(d, "assoc --pheno-col 1 --chr 19 --loco --eigen E --out a", 6);
    assert!(e.contains("--loco builds per-chromosome GRMs"), "{e}");
    let e = fails(d, "reml --all-phenos --chr 19 --write-eigen E2 --out r2", 6);
    assert!(e.contains("--write-eigen needs one sample set"), "{e}");
}

#[test]
fn issue_12_json_summaries_carry_their_schema_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    ok(d, "reml --pheno-col 1 --chr 19 --out r", &[]);
    ok(d, "assoc --pheno-col 1 --chr 19 --fixed-ratio --out a", &[]);
    ok(d, "grm --chr 19 --grm-precision f32 --out g", &[]);
    for name in ["r.json", "a.json", "g.json"] {
        let v = json(d.join(name));
        assert_eq!(v["schema_version"].as_u64(), Some(1), "{name}: {v}");
    }
    let a = json(d.join("a.json"));
    assert_eq!(a["command"], "assoc");
    assert_eq!(a["phenotypes"][0]["null_model"]["method"], "reml");
}
