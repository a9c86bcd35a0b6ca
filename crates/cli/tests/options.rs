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

/// Issue 18: the standardized GRM is built in f32 blocks by default (its
/// accuracy against GEMMA `-gk 2` is `kinship`'s golden test), the other
/// kinds in f64; `--grm-precision` decides when given. The GRM's
/// provenance records which.
#[test]
fn the_standardized_grm_defaults_to_f32_blocks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    for (flags, want) in [
        ("--kind standardized", "f32"),
        ("--kind standardized --grm-precision f64", "f64"),
        ("", "f64"),
        ("--kind gcta", "f64"),
        ("--grm-precision f32", "f32"),
    ] {
        ok(d, &format!("grm --chr 19 {flags} --out g"), &[]);
        let j = json(d.join("g.grm.kindred.json"));
        assert_eq!(j["grm"]["precision"], want, "{flags}");
    }
}

#[test]
fn issue_12_unhonourable_options_exit_with_the_invalid_option_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    // --loco reads LOCO eigen files with --eigen (issue 13), but a GRM
    // file has no per-chromosome parts.
    ok(d, "grm --chr 19 --out g", &[]);
    let e = fails(d, "assoc --pheno-col 1 --chr 19 --loco --grm g --out a", 6);
    assert!(e.contains("it cannot be combined with --grm"), "{e}");
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

#[test]
fn issue_17_9_bad_option_values_exit_with_the_invalid_option_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    for r2 in ["0", "-1", "nan", "1.5"] {
        let e = fails(d, &format!("assoc --pheno-col 1 --chr 19 --r2={r2} --out a"), 6);
        assert!(e.contains("--r2 must be in (0, 1]"), "{e}");
    }
    let e = fails(d, "reml --pheno-col 1 --chr 19 --maf 0.7 --out r", 6);
    assert!(e.contains("--maf"), "{e}");
    let e = fails(d, "reml --pheno-col 1 --chr 19 --geno 2 --out r", 6);
    assert!(e.contains("--geno"), "{e}");
    let e = fails(d, "reml --pheno-col 1 --chr 19 --grm no_such_grm --out r", 6);
    assert!(e.contains("no_such_grm"), "{e}");
    // more threads than cores: capped, with a note
    let out = common::kindred(d, "reml --pheno-col 1 --chr 19 --threads 10000 --out t", &[]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--threads 10000 capped"), "{err}");
}

#[test]
fn issue_17_9_too_few_samples_for_a_mixed_model_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let mice: Vec<common::Mouse> = common::fam()
        .into_iter()
        .filter(|f| f[5] != "NA")
        .take(3)
        .map(|f| (f[0].clone(), f[1].clone()))
        .collect();
    common::write_keep(d, "keep.txt", &mice);
    let e = fails(d, "reml --keep keep.txt --chr 1 --out c", 7);
    assert!(e.contains("only 3 samples"), "{e}");
}

/// The report of the probe: phenotype 1 + 1e6 gave pve 0.6141 instead of
/// 0.6097 and 195 fewer variants. Offsets and scales of the phenotype now
/// change nothing but units.
#[test]
fn issue_17_1_an_offset_or_rescaled_mouse_phenotype_gives_the_same_scan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let rows: Vec<String> = common::fam()
        .into_iter()
        .filter(|f| f[5] != "NA")
        .map(|f| {
            let y: f64 = f[5].parse().expect("a number");
            format!("{}\t{}\t{y}\t{}\t{:e}", f[0], f[1], y + 1e6, y * 1e-13)
        })
        .collect();
    common::write_lines(d, "p.txt", "FID\tIID\ty\tshifted\tscaled\n", rows);
    ok(d, "assoc --pheno p.txt --all-phenos --chr 1,2 --test all --out a", &[]);
    let j = json(d.join("a.json"));
    let base = &j["phenotypes"][0];
    let t0 = common::Table::parse(&common::text(d.join("a.y.assoc.tsv")));
    for (k, name) in [(1, "shifted"), (2, "scaled")] {
        let p = &j["phenotypes"][k];
        for key in ["pve", "pve_se", "lambda_gc"] {
            let (a, b) = (common::num(p, key), common::num(base, key));
            assert!(common::rel(a, b) < 1e-8, "{name} {key}: {a} vs {b}");
        }
        let t = common::Table::parse(&common::text(d.join(format!("a.{name}.assoc.tsv"))));
        assert_eq!(t.rows.len(), t0.rows.len(), "{name}: variants tested");
        for (r, r0) in t.rows.iter().zip(&t0.rows) {
            for c in ["p_value", "p_lrt", "p_score"] {
                let (a, b) = (t.f64(r, c), t0.f64(r0, c));
                assert!(common::dlog10(a, b) < 1e-6, "{name} {c}: {a} vs {b}");
            }
        }
    }
}
