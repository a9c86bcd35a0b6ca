//! A scan cut into cluster jobs (issue 13): `reml --write-eigen` once,
//! `assoc --chunk I/N` (or `--range`) many times, `merge` once gives, byte
//! for byte, the summary statistics of one `assoc` over the whole fileset,
//! and the same genome-wide lambda_GC; chunks and eigen files that do not
//! belong together are refused with one line naming the file.

#![allow(clippy::unwrap_used)] // test helpers: a failed write is a failed test

mod common;

use std::path::Path;

use common::{json, kindred, ok, read, run, text, MOUSE};
use serde_json::Value;

/// `lambda_gc` (null for a chunk with nothing to test) and the null
/// model's `lambda` of the first phenotype.
fn lambdas(path: &Path) -> (Option<f64>, f64) {
    let j: Value = json(path);
    let p = &j["phenotypes"][0];
    (p["lambda_gc"].as_f64(), p["null_model"]["lambda"].as_f64().unwrap())
}

/// Runs `kindred merge --out OUT CHUNK...` in `dir`.
fn merge(dir: &Path, out: &str, chunks: &[String], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec!["merge".into(), "--out".into(), out.into(), "--quiet".into()];
    args.extend(chunks.iter().cloned());
    args.extend(extra.iter().map(|s| s.to_string()));
    run(dir, args)
}

/// The data rows of a summary-statistics file whose chromosome and
/// position satisfy `keep`.
fn rows_where(path: &Path, keep: impl Fn(&str, i64) -> bool) -> Vec<String> {
    text(path)
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            keep(f[0], f[1].parse().unwrap())
        })
        .map(str::to_string)
        .collect()
}

/// One mode of the scan (`flags`): the single run, then chunks of 1, 3 and
/// 7 sharing one eigen file (written by `reml`, with LOCO ones when the
/// mode is LOCO), merged in a shuffled order, and two regions.
fn chunks_equal_one_run(flags: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scan = format!("assoc --test all {flags}");
    // (--chr is taken by the LOCO mode's chromosome filter there: --range.)
    let (region2, region2_flags) = if flags.contains("--loco") {
        ("5", vec!["--range", "5:30000000-90000000"])
    } else {
        (
            "11",
            vec!["--chr", "11", "--from-bp", "30000000", "--to-bp", "90000000"],
        )
    };
    ok(d, &scan, &["--out", "single"]);
    let loco = flags.contains("--loco");
    // LOCO on chromosomes 1-6 only (6 decompositions per run, not 19),
    // to keep the suite's time; the second region is then on chromosome 5.
    let write = if loco { "reml --loco --chr 1,2,3,4,5,6" } else { "reml" };
    ok(d, write, &["--write-eigen", "E", "--out", "null"]);
    let (_, null_lambda) = {
        let j: Value = json(d.join("null.json"));
        (0.0, j["phenotypes"][0]["lambda"].as_f64().unwrap())
    };
    let (single_gc, single_lambda) = lambdas(&d.join("single.json"));
    assert!(single_gc.is_some());
    if loco {
        // A LOCO run without eigen files fits the whole genome's null model
        // on eigenvalues from a tridiagonal reduction (it needs no
        // eigenvectors): the eigen file's model to rounding. The rows,
        // tested against each chromosome's own GRM, are the same bits.
        assert!(
            (null_lambda / single_lambda - 1.0).abs() < 1e-12,
            "{flags}: {null_lambda} vs {single_lambda}"
        );
    } else {
        assert_eq!(
            null_lambda, single_lambda,
            "{flags}: reml and the single scan fit the same null model"
        );
    }
    for n in [1usize, 3, 7] {
        let mut names = Vec::new();
        for i in (1..=n).rev() {
            let name = format!("c{n}_{i}");
            ok(
                d,
                &scan,
                &["--eigen", "E", "--chunk", &format!("{i}/{n}"), "--out", &name],
            );
            // Each chunk refits the null model from the eigen file to the
            // same variance ratio, to the bit (checked against the file).
            assert_eq!(lambdas(&d.join(format!("{name}.json"))).1, null_lambda);
            names.push(name);
        }
        let out = format!("m{n}");
        let m = merge(d, &out, &names, &["--bfile", MOUSE]);
        assert!(
            m.status.success(),
            "{flags}, {n} chunks: {}",
            String::from_utf8_lossy(&m.stderr)
        );
        assert!(
            read(d.join(format!("{out}.assoc.tsv"))) == read(d.join("single.assoc.tsv")),
            "{flags}, {n} chunks: merged rows differ from the single run's"
        );
        assert_eq!(
            lambdas(&d.join(format!("{out}.json"))).0,
            single_gc,
            "{flags}, {n} chunks: lambda_GC"
        );
    }
    // Two regions: exactly the single run's rows of the region.
    let single = d.join("single.assoc.tsv");
    for (name, args, chrom, from, to) in [
        ("r1", vec!["--range", "1:0-60000000"], "1", 0, 60_000_000),
        ("r2", region2_flags, region2, 30_000_000, 90_000_000),
    ] {
        let mut extra = args.clone();
        extra.extend(["--eigen", "E", "--out", name]);
        ok(d, &scan, &extra);
        let want = rows_where(&single, |c, p| c == chrom && (from..=to).contains(&p));
        assert!(!want.is_empty());
        let got = rows_where(&d.join(format!("{name}.assoc.tsv")), |_, _| true);
        assert!(
            got == want,
            "{flags}, region {name}: {} rows, single run has {}",
            got.len(),
            want.len()
        );
    }
}

#[test]
fn exact_chunks_and_regions_equal_one_run() {
    chunks_equal_one_run("");
}

#[test]
fn fixed_ratio_chunks_and_regions_equal_one_run() {
    chunks_equal_one_run("--fixed-ratio");
}

#[test]
fn loco_chunks_and_regions_equal_one_run() {
    chunks_equal_one_run("--loco --chr 1,2,3,4,5,6");
}

/// A chunk that builds its own GRM (no eigen file) and LOCO eigen files
/// written one chromosome per job give the same rows as the rest.
#[test]
fn chunks_without_an_eigen_file_and_per_chromosome_loco_jobs_agree() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "reml", &["--write-eigen", "E", "--out", "a"]);
    ok(d, "assoc", &["--eigen", "E", "--chunk", "2/5", "--out", "with"]);
    ok(d, "assoc", &["--chunk", "2/5", "--out", "without"]);
    assert!(read(d.join("with.assoc.tsv")) == read(d.join("without.assoc.tsv")));
    // LOCO: one job for chromosome 12, against one job for all.
    ok(d, "reml --loco", &["--write-eigen", "ALL", "--out", "b"]);
    ok(d, "reml --loco --loco-chr 12", &["--write-eigen", "ONE", "--out", "c"]);
    assert!(
        !d.join("ONE.eigen.bin").exists(),
        "--loco-chr writes only its chromosome's file"
    );
    for ext in ["eigen.bin", "eigen.id"] {
        assert!(read(d.join(format!("ALL.loco.12.{ext}"))) == read(d.join(format!("ONE.loco.12.{ext}"))));
    }
}

/// Writes what the refusals below need: an eigen file (phenotype 1) and
/// three chunks of it.
fn chunked(d: &Path) -> Vec<String> {
    ok(d, "reml", &["--write-eigen", "E", "--out", "null"]);
    (1..=3)
        .map(|i| {
            let name = format!("c{i}");
            ok(
                d,
                "assoc",
                &["--eigen", "E", "--chunk", &format!("{i}/3"), "--out", &name],
            );
            name
        })
        .collect()
}

/// A phenotype table of the `.fam`'s phenotype 1 under `name`, with
/// `f` applied to each value.
fn pheno_table(d: &Path, file: &str, name: &str, f: impl Fn(usize, f64) -> f64) {
    let mut t = format!("FID IID {name}\n");
    for (i, r) in common::fam().iter().enumerate() {
        let v = match r[5].parse::<f64>() {
            Ok(v) if r[5] != "-9" => format!("{}", f(i, v)),
            _ => "NA".to_string(),
        };
        t.push_str(&format!("{} {} {v}\n", r[0], r[1]));
    }
    std::fs::write(d.join(file), t).unwrap();
}

/// Expects `out` to fail with `code` and one line of stderr containing
/// every word of `words`.
fn refused(case: &str, out: &std::process::Output, code: i32, words: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{case}: {err}");
    let line = err
        .lines()
        .find(|l| l.contains("error: "))
        .unwrap_or_else(|| panic!("{case}: {err}"));
    for w in words {
        assert!(line.contains(w), "{case}: '{w}' not in: {line}");
    }
}

/// A refusal case of `merge`: its name, the chunks, extra flags, the exit
/// code and the words of the error line.
type Case<'a> = (&'a str, Vec<String>, Vec<&'a str>, i32, Vec<&'a str>);

#[test]
fn mismatched_chunks_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = chunked(d);
    let (c1, c2, c3) = (c[0].clone(), c[1].clone(), c[2].clone());
    let set = |v: &[&String]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Chunks made with other settings, each a full stand-in for chunk 2.
    ok(
        d,
        "assoc --fixed-ratio",
        &["--eigen", "E", "--chunk", "2/3", "--out", "fr2"],
    );
    ok(
        d,
        "assoc --test all",
        &["--eigen", "E", "--chunk", "2/3", "--out", "all2"],
    );
    ok(d, "assoc", &["--eigen", "E", "--chunk", "2/4", "--out", "q2"]);
    ok(d, "assoc", &["--pheno-col", "2", "--chunk", "2/3", "--out", "p2"]);
    let covar = format!("{MOUSE}_sex.covar.tsv").replace("mouse_hs1940/mouse_hs1940_sex", "mouse_hs1940/mouse_sex");
    ok(d, "assoc", &["--covar", &covar, "--chunk", "2/3", "--out", "cov2"]);
    let cases: Vec<Case> = vec![
        ("missing chunk", set(&[&c1, &c3]), vec![], 5, vec!["4076", "2/3 absent"]),
        (
            "overlapping chunks",
            set(&[&c1, &c2, &c2, &c3]),
            vec![],
            5,
            vec!["c2.json", "overlap"],
        ),
        (
            "other mode",
            set(&[&c1, &"fr2".into(), &c3]),
            vec![],
            5,
            vec!["fr2.json", "mode"],
        ),
        (
            "other columns",
            set(&[&c1, &"all2".into(), &c3]),
            vec![],
            5,
            vec!["all2.assoc.tsv", "columns"],
        ),
        (
            "other cut",
            set(&[&c1, &"q2".into(), &c3]),
            vec![],
            5,
            vec!["q2.json", "I/4"],
        ),
        (
            "other phenotype",
            set(&[&c1, &"p2".into(), &c3]),
            vec![],
            5,
            vec!["p2.json", "pheno2"],
        ),
        (
            "other null model",
            set(&[&c1, &"cov2".into(), &c3]),
            vec![],
            5,
            vec!["cov2.json", "null model"],
        ),
        (
            "no such chunk",
            set(&[&c1, &"nothing".into(), &c3]),
            vec![],
            3,
            vec!["nothing.json"],
        ),
        (
            "other fileset",
            set(&[&c1, &c2, &c3]),
            vec!["--bfile", "tiny"],
            5,
            vec!["c1.json", "another fileset"],
        ),
    ];
    // A copy of the tiny fileset to compare against.
    for ext in ["bed", "bim", "fam"] {
        let src = format!("{}/../../data/tiny/tiny.{ext}", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(src, d.join(format!("tiny.{ext}"))).unwrap();
    }
    for (case, chunks, extra, code, words) in &cases {
        refused(case, &merge(d, "m", chunks, extra), *code, words);
        assert!(!d.join("m.assoc.tsv").exists(), "{case}: nothing is published");
    }
    // Truncated chunk files: mid-line, and at a line end.
    let good = read(d.join("c2.assoc.tsv"));
    std::fs::write(d.join("c2.assoc.tsv"), &good[..good.len() - 7]).unwrap();
    refused(
        "truncated mid-line",
        &merge(d, "m", &c, &[]),
        4,
        &["c2.assoc.tsv", "truncated"],
    );
    let cut = good[..good.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    std::fs::write(d.join("c2.assoc.tsv"), &good[..cut]).unwrap();
    refused(
        "truncated at a line end",
        &merge(d, "m", &c, &[]),
        4,
        &["c2.assoc.tsv", "rows"],
    );
    std::fs::write(d.join("c2.assoc.tsv"), &good).unwrap();
    let m = merge(d, "m", &c, &[]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
}

#[test]
fn mismatched_eigen_files_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "reml", &["--write-eigen", "E", "--out", "null"]);
    pheno_table(d, "renamed.tsv", "other", |_, v| v);
    pheno_table(d, "changed.tsv", "pheno1", |i, v| if i % 2 == 0 { v + 1.0 } else { v });
    let bad = |case: &str, words: &str, extra: &[&str], code: i32, say: &[&str]| {
        let mut e = extra.to_vec();
        e.extend(["--eigen", "E", "--chunk", "1/3", "--out", "x"]);
        refused(case, &kindred(d, words, &e), code, say);
    };
    bad(
        "other phenotype",
        "assoc",
        &["--pheno", "renamed.tsv"],
        5,
        &["E.eigen.bin", "pheno1", "other"],
    );
    bad(
        "changed phenotype",
        "assoc",
        &["--pheno", "changed.tsv"],
        5,
        &["E.eigen.bin", "pheno1", "lambda"],
    );
    bad(
        "other GRM kind",
        "assoc --kind standardized",
        &[],
        5,
        &["E.eigen.bin", "standardized"],
    );
    let first10: Vec<common::Mouse> = common::fam()
        .iter()
        .take(10)
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    common::write_keep(d, "first10.txt", &first10);
    bad(
        "other samples",
        "assoc",
        &["--remove", "first10.txt"],
        5,
        &["E", "other samples"],
    );
    bad("no LOCO files", "assoc --loco", &[], 3, &["E.loco.1.eigen.bin"]);
}

/// A null model at its boundary has no finite SE of pve, which JSON writes
/// as `null`; the chunks' summaries must still read back and merge (a
/// small simulated fileset whose REML fit is at pve = 0).
#[test]
fn chunks_of_a_null_model_at_its_boundary_merge() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sim = run(
        d,
        "simulate --n-samples 300 --n-variants 2000 --n-pops 3 --n-chrom 10 --seed 1 --out s --quiet"
            .split_whitespace(),
    );
    assert!(sim.status.success(), "{}", String::from_utf8_lossy(&sim.stderr));
    let scan = |cmd: &str, extra: &[&str]| {
        let mut args = vec![cmd, "--bfile", "s", "--pheno", "s.pheno.tsv", "--quiet"];
        args.extend(extra);
        let out = run(d, &args);
        assert!(
            out.status.success(),
            "{cmd} {extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    scan("reml", &["--write-eigen", "E", "--out", "null"]);
    let null = json(d.join("null.json"));
    assert!(
        null["phenotypes"][0]["pve_se"].is_null(),
        "this fileset no longer fits at the boundary: {}",
        null["phenotypes"][0]
    );
    scan("assoc", &["--out", "single"]);
    for i in 1..=2 {
        scan(
            "assoc",
            &["--eigen", "E", "--chunk", &format!("{i}/2"), "--out", &format!("c{i}")],
        );
    }
    let m = merge(d, "m", &["c1".into(), "c2".into()], &["--bfile", "s"]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    assert!(read(d.join("m.assoc.tsv")) == read(d.join("single.assoc.tsv")));
    assert!(json(d.join("m.json"))["phenotypes"][0]["pve_se"].is_null());
}
