//! `--grm-bfile` (issue 15): K built from another PLINK 1 fileset than the
//! one scanned, samples matched by FID and IID; eigen files record that
//! fileset; the combinations that make no sense are refused; and a BGEN
//! scan cut into `--chunk` jobs merges to the single run.

#![allow(clippy::unwrap_used)] // test helpers: a failed write is a failed test

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{data, dlog10, fam, json, num, ok_args, pheno0, read, run, text, write_lines, Table, MOUSE};

/// Runs `kindred <args> --quiet`, expects exit code `code` and a one-line
/// error containing `needle`.
fn refused(dir: &Path, args: &[&str], code: i32, needle: &str) {
    let out = run(dir, args.iter().copied().chain(["--quiet"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "kindred {}: {err}", args.join(" "));
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "'{needle}' in: {err}");
}

/// The BGEN of mouse_hs1940's chromosome 19 (8 bits, zstd) and its samples.
fn bgen() -> [String; 4] {
    [
        "--bgen".into(),
        data("bgen/mouse19_v13_zstd_b8.bgen"),
        "--sample".into(),
        data("bgen/mouse19.sample"),
    ]
}

/// `words`, then `src`, then `extra`, as one argument list.
fn joined<'a>(words: &[&'a str], src: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    words.iter().chain(src).chain(extra).copied().collect()
}

/// The mouse `.fam`'s first phenotype as `dir/p.txt` (a BGEN has none).
fn write_pheno(d: &Path) {
    let rows = fam().into_iter().map(|f| format!("{} {} {}", f[0], f[1], f[5]));
    write_lines(d, "p.txt", "FID IID y\n", rows);
}

/// `kindred assoc --test all --scan-precision f64` with `args`: the SSF
/// table's three p-values by `.bim` ID.
fn assoc(d: &Path, out: &str, args: &[&str]) -> HashMap<String, [f64; 3]> {
    let mut a = vec!["assoc", "--test", "all", "--scan-precision", "f64", "--out", out];
    a.extend_from_slice(args);
    ok_args(d, &a);
    let t = Table::parse(&text(d.join(format!("{out}.assoc.tsv"))));
    t.rows
        .iter()
        .map(|r| {
            let p = [t.f64(r, "p_value"), t.f64(r, "p_lrt"), t.f64(r, "p_score")];
            (t.get(r, "bim_id").to_string(), p)
        })
        .collect()
}

/// The largest |Δ log10 p| over the variants of `a`, which `b` must all have.
fn worst(a: &HashMap<String, [f64; 3]>, b: &HashMap<String, [f64; 3]>) -> f64 {
    a.iter()
        .flat_map(|(id, p)| {
            let q = b.get(id).unwrap_or_else(|| panic!("{id} not tested in both"));
            (0..3).map(move |k| dlog10(p[k], q[k]))
        })
        .fold(0.0, f64::max)
}

/// Scanning chromosome 19's BGEN dosages with K from the whole-genome
/// `.bed` gives the whole-genome `.bed` run's pve and chromosome-19
/// p-values exactly (the BGEN holds the `.bed`'s hard calls losslessly);
/// the JSON names the GRM fileset. A `.bed` run restricted with `--chr 19`
/// builds K from chromosome 19 only, so its pve differs: the match is the
/// whole-genome K's.
#[test]
fn issue_15_bgen_scan_with_k_from_the_bed_equals_the_bed_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_pheno(d);
    let b = bgen();
    let mut args: Vec<&str> = b.iter().map(String::as_str).collect();
    args.extend(["--grm-bfile", MOUSE, "--pheno", "p.txt"]);
    let ours = assoc(d, "bgen", &args);
    let whole = assoc(d, "bed", &["--bfile", MOUSE, "--pheno", "p.txt"]);
    let chr19 = assoc(d, "bed19", &["--bfile", MOUSE, "--pheno", "p.txt", "--chr", "19"]);
    assert!(ours.len() > 200, "{} chromosome-19 variants tested", ours.len());
    let w = worst(&ours, &whole);
    eprintln!("BGEN + --grm-bfile vs the .bed: max |dlog10 p| = {w:e}");
    assert_eq!(w, 0.0);
    let (jb, jw, j19) = (
        json(d.join("bgen.json")),
        json(d.join("bed.json")),
        json(d.join("bed19.json")),
    );
    assert_eq!(num(pheno0(&jb), "pve"), num(pheno0(&jw), "pve"));
    assert!((num(pheno0(&jb), "pve") - 0.609672).abs() < 1e-6, "GEMMA's pve");
    assert!((num(pheno0(&j19), "pve") - num(pheno0(&jw), "pve")).abs() > 1e-3);
    assert!(
        worst(&ours, &chr19) > 1e-3,
        "K of chromosome 19 only gives other p-values"
    );
    assert_eq!(jb["grm_fileset"]["prefix"], MOUSE, "{}", jb["grm_fileset"]);
    assert!(jw.get("grm_fileset").is_none(), "no grm_fileset without --grm-bfile");
    let log = text(d.join("bgen.log"));
    assert!(
        log.contains(&format!("GRM built from the genotypes of {MOUSE} (--grm-bfile")),
        "{log}"
    );
    assert!(
        log.contains("centered GRM (f64) of 10768 variants from the genotypes of"),
        "{log}"
    );
}

/// Writes the mouse fileset's samples `order` (`.fam` positions, in that
/// order) as the PLINK 1 fileset `dir/name`, copying the 2-bit codes.
fn write_subset(dir: &Path, name: &str, order: &[usize]) {
    let bed = read(format!("{MOUSE}.bed"));
    let n = fam().len();
    let (bpv, out_bpv) = (n.div_ceil(4), order.len().div_ceil(4));
    let m = (bed.len() - 3) / bpv;
    let mut out = vec![0x6c, 0x1b, 0x01];
    for v in 0..m {
        let col = &bed[3 + v * bpv..3 + (v + 1) * bpv];
        let mut packed = vec![0u8; out_bpv];
        for (k, &i) in order.iter().enumerate() {
            let code = (col[i / 4] >> (2 * (i % 4))) & 3;
            packed[k / 4] |= code << (2 * (k % 4));
        }
        out.extend_from_slice(&packed);
    }
    std::fs::write(dir.join(format!("{name}.bed")), out).unwrap();
    std::fs::copy(format!("{MOUSE}.bim"), dir.join(format!("{name}.bim"))).unwrap();
    let lines: Vec<String> = text(format!("{MOUSE}.fam")).lines().map(str::to_string).collect();
    write_lines(dir, &format!("{name}.fam"), "", order.iter().map(|&i| lines[i].clone()));
}

/// K from a fileset holding a shuffled subset of the mice gives the
/// results of the plain `.bed` run kept to that subset: samples matched by
/// ID, K in the analysis's order, its variants QC'd on the analysed mice;
/// the mice it lacks are named in a warning.
#[test]
fn issue_15_grm_fileset_of_a_shuffled_subset_equals_keep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = fam().len();
    let mut order: Vec<usize> = (0..n).filter(|i| i % 5 != 2).collect();
    order.sort_by_key(|&i| (i * 7919 + 13) % n);
    assert_ne!(order.first(), Some(&0));
    write_subset(d, "sub", &order);
    let f = fam();
    write_lines(
        d,
        "keep.txt",
        "",
        order.iter().map(|&i| format!("{} {}", f[i][0], f[i][1])),
    );
    let sub = d.join("sub").display().to_string();
    let ours = assoc(d, "g", &["--bfile", MOUSE, "--grm-bfile", &sub]);
    let kept = assoc(d, "k", &["--bfile", MOUSE, "--keep", "keep.txt"]);
    assert_eq!(ours.len(), kept.len(), "variants tested");
    let w = worst(&ours, &kept);
    let (jg, jk) = (json(d.join("g.json")), json(d.join("k.json")));
    let (pg, pk) = (pheno0(&jg), pheno0(&jk));
    eprintln!(
        "shuffled subset: max |dlog10 p| = {w:e}, |dpve| = {:e}",
        (num(pg, "pve") - num(pk, "pve")).abs()
    );
    assert!(w <= 1e-8, "max |dlog10 p| = {w:e}");
    assert_eq!(pg["n"], pk["n"]);
    assert!((num(pg, "pve") - num(pk, "pve")).abs() <= 1e-10);
    let warn = jg["warnings"].to_string();
    assert!(
        warn.contains(&format!(
            "{} kept sample(s) of the analysed genotypes are not in it",
            n - order.len()
        )),
        "{warn}"
    );
}

/// `--grm-bfile` with `--grm`, several variance components, `--loco` or
/// the linear model is refused (exit 6, one line); an eigen file records
/// the fileset its GRM was built from: `--eigen` with the same
/// `--grm-bfile` is accepted, without it (or an eigen file built from the
/// scanned genotypes with it) refused (exit 5).
#[test]
fn issue_15_grm_bfile_refusals_and_eigen_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_pheno(d);
    let gemma = common::gemma_grm();
    for (extra, needle) in [
        (vec!["--grm", gemma.as_str()], "--grm reads K from a file"),
        (vec!["--loco"], "--grm-bfile with --loco is not implemented"),
        (vec!["--mgrm-chr", "1-10", "11-19"], "several variance components"),
        (
            vec!["--model", "linear"],
            "--grm-bfile does nothing with --model linear",
        ),
    ] {
        let mut a = vec!["assoc", "--bfile", MOUSE, "--grm-bfile", MOUSE, "--out", "x"];
        a.extend(extra);
        refused(d, &a, 6, needle);
    }
    refused(
        d,
        &[
            "reml",
            "--bfile",
            MOUSE,
            "--grm-bfile",
            MOUSE,
            "--loco",
            "--write-eigen",
            "E",
            "--out",
            "x",
        ],
        6,
        "--grm-bfile with --loco",
    );
    let b = bgen();
    let src: Vec<&str> = b.iter().map(String::as_str).collect();
    let with = |words: &[&'static str]| joined(words, &src, &["--pheno", "p.txt"]);
    // an eigen file of K built from the .bed, with the BGEN's samples
    let mut a = with(&["reml", "--grm-bfile", MOUSE, "--write-eigen", "E", "--out", "null"]);
    ok_args(d, &a);
    a = with(&["assoc", "--grm-bfile", MOUSE, "--eigen", "E", "--out", "e"]);
    ok_args(d, &a);
    let direct = with(&["assoc", "--grm-bfile", MOUSE, "--out", "direct"]);
    ok_args(d, &direct);
    assert!(read(d.join("e.assoc.tsv")) == read(d.join("direct.assoc.tsv")));
    assert_eq!(json(d.join("e.json"))["grm_fileset"]["prefix"], MOUSE);
    refused(
        d,
        &with(&["assoc", "--eigen", "E", "--out", "y"]),
        5,
        "gives no --grm-bfile",
    );
    // and one of K built from the BGEN itself
    ok_args(d, &with(&["reml", "--write-eigen", "P", "--out", "plain"]));
    refused(
        d,
        &with(&["assoc", "--grm-bfile", MOUSE, "--eigen", "P", "--out", "z"]),
        5,
        "built from the analysed genotypes",
    );
}

/// A BGEN scan cut into `--chunk 1/2` and `2/2` merges to the single
/// BGEN run byte for byte: chunks building K themselves, and chunks
/// sharing an eigen file whose K was built from `--grm-bfile` (the
/// workflow's path).
#[test]
fn issue_15_bgen_chunks_merge_to_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_pheno(d);
    let b = bgen();
    let src: Vec<&str> = b.iter().map(String::as_str).collect();
    let with = |words: &[&'static str]| joined(words, &src, &["--pheno", "p.txt", "--test", "all"]);
    ok_args(d, &with(&["assoc", "--out", "single"]));
    ok_args(d, &with(&["assoc", "--grm-bfile", MOUSE, "--out", "single_g"]));
    let reml = ["reml", "--grm-bfile", MOUSE, "--write-eigen", "E", "--out", "null"];
    ok_args(d, &joined(&reml, &src, &["--pheno", "p.txt"]));
    for (tag, extra, single) in [
        ("b", vec![], "single"),
        ("g", vec!["--grm-bfile", MOUSE, "--eigen", "E"], "single_g"),
    ] {
        let mut names = Vec::new();
        for i in 1..=2 {
            let name = format!("{tag}{i}");
            let chunk = format!("{i}/2");
            let words = ["assoc", "--chunk", &chunk, "--out", &name];
            let mut a = joined(&words, &src, &["--pheno", "p.txt", "--test", "all"]);
            a.extend(&extra);
            ok_args(d, &a);
            names.push(name);
        }
        let n1 = text(d.join(format!("{tag}1.assoc.tsv"))).lines().count();
        assert!(n1 > 50, "chunk 1 of 2 tests {} variants", n1 - 1);
        let mut m = vec!["merge", "--out", tag];
        m.extend(names.iter().map(String::as_str));
        ok_args(d, &m);
        assert!(
            read(d.join(format!("{tag}.assoc.tsv"))) == read(d.join(format!("{single}.assoc.tsv"))),
            "{tag}: merged chunks differ from the single run"
        );
    }
}
