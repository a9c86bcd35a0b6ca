//! The genotype formats end to end (issue 15): `kindred assoc` on BIMBAM,
//! PGEN and BGEN inputs against GEMMA's golden output and against the same
//! variants read from the `.bed`.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{data, dlog10, golden, gunzip, json, num, ok_args, pheno0, run, text, write_lines, Table, MOUSE};

/// Variant ID -> p-value column `col` of a summary-statistics table.
fn p_values(t: &Table, id_col: &str, col: &str) -> HashMap<String, f64> {
    t.rows
        .iter()
        .map(|r| (t.get(r, id_col).to_string(), t.f64(r, col)))
        .collect()
}

/// BIMBAM mean genotypes (GEMMA's `-g -p -a`), K built by kindred from the
/// dosages (centered, GEMMA's `-gk 1`), all three tests: GEMMA's pve and
/// per-SNP p-values (data/golden/gemma/bimbam_lmm4_p1) within the GEMMA
/// golden tests' |Δ log10 p| <= 1e-4.
#[test]
fn issue_15_bimbam_assoc_equals_gemma_lmm4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_args(
        d,
        &[
            "assoc",
            "--bimbam",
            &data("bimbam/mouse_hs1940.geno.txt.gz"),
            "--bimbam-pheno",
            &data("bimbam/mouse_hs1940.pheno.txt.gz"),
            "--bimbam-anno",
            &data("bimbam/mouse_hs1940.anno.txt.gz"),
            "--pheno-col",
            "1",
            "--test",
            "all",
            "--format",
            "gemma",
            "--scan-precision",
            "f64",
            "--out",
            "b",
        ],
    );
    let j = json(d.join("b.json"));
    let ph = pheno0(&j);
    // GEMMA: pve 0.608801 (se 0.032774), 1410 mice (data/golden/README.md)
    assert_eq!(ph["n"], 1410, "{ph}");
    assert!((num(ph, "pve") - 0.608801).abs() <= 1e-5, "{ph}");
    assert!((num(ph, "pve_se") - 0.032774).abs() <= 1e-5, "{ph}");
    let ours = Table::parse(&text(d.join("b.assoc.txt")));
    let gemma = Table::parse(&gunzip(golden("bimbam_lmm4_p1.assoc.txt.gz")));
    assert_eq!(ours.rows.len(), gemma.rows.len(), "variants tested");
    assert_eq!(ours.rows.len(), 10768);
    for col in ["p_wald", "p_lrt", "p_score"] {
        let (a, b) = (p_values(&ours, "rs", col), p_values(&gemma, "rs", col));
        let worst = b.iter().map(|(id, &p)| dlog10(a[id], p)).fold(0.0, f64::max);
        eprintln!("bimbam {col}: max |dlog10 p| = {worst:.2e}");
        assert!(worst <= 1e-4, "{col}: max |dlog10 p| = {worst:e}");
    }
}

/// The mouse `.fam`'s first phenotype as a `--pheno` table (PGEN and BGEN
/// carry no phenotypes kindred reads).
fn write_pheno(d: &Path) {
    let rows = common::fam()
        .into_iter()
        .map(|f| format!("{} {} {}", f[0], f[1], f[5]))
        .collect::<Vec<_>>();
    write_lines(d, "p.txt", "FID IID y\n", rows);
}

/// `kindred assoc --test all` on `source` (flags naming the genotypes) with
/// the mouse phenotype 1: the SSF table's p-values by `bim_id`.
fn assoc_on(d: &Path, out: &str, source: &[&str]) -> (Table, HashMap<String, [f64; 3]>) {
    let mut args = vec!["assoc"];
    args.extend_from_slice(source);
    args.extend_from_slice(&["--pheno", "p.txt", "--test", "all", "--out", out]);
    ok_args(d, &args);
    let t = Table::parse(&text(d.join(format!("{out}.assoc.tsv"))));
    let p = t
        .rows
        .iter()
        .map(|r| {
            let id = t.get(r, "bim_id").to_string();
            (id, [t.f64(r, "p_value"), t.f64(r, "p_lrt"), t.f64(r, "p_score")])
        })
        .collect();
    (t, p)
}

/// Chromosome 19 of mouse_hs1940 as PGEN and as BGEN (data/pgen and
/// data/bgen READMEs: 258 variants with a position, hard calls) gives the
/// `.bed`'s p-values on the same variants exactly: the conversions are
/// lossless (hard calls are probabilities 0 and 1, exact at every BGEN bit
/// depth), and kindred decodes the same values into the same blocks.
#[test]
fn issue_15_pgen_and_bgen_assoc_equal_the_bed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_pheno(d);
    let pvar = text(data("pgen/mouse19.pvar"));
    let ids: Vec<String> = pvar
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').nth(2).expect("an ID column").to_string())
        .collect();
    assert_eq!(ids.len(), 258);
    write_lines(d, "ids.txt", "", ids.iter().cloned());
    let (bed_t, bed) = assoc_on(d, "bed", &["--bfile", MOUSE, "--extract", "ids.txt"]);
    assert!(!bed_t.header.contains("info"), "a .bed has no info column");
    assert!(bed.len() > 200, "{} variants pass QC", bed.len());
    let pgen = data("pgen/mouse19");
    let sample = data("bgen/mouse19.sample");
    let b16 = data("bgen/mouse19_v13_zstd_b16.bgen");
    let b8 = data("bgen/mouse19_v12_zlib_b8.bgen");
    for (name, source) in [
        ("pgen", vec!["--pfile", &pgen]),
        ("bgen16", vec!["--bgen", &b16, "--sample", &sample]),
        ("bgen8", vec!["--bgen", &b8, "--sample", &sample]),
    ] {
        let (t, p) = assoc_on(d, name, &source);
        assert_eq!(p.len(), bed.len(), "{name}: variants tested");
        for (id, want) in &bed {
            assert_eq!(p.get(id), Some(want), "{name}: {id}");
        }
        // hard calls: IMPUTE2 info is 1; MACH r2 is the variance ratio
        let info = t.column("info");
        assert_eq!(info.len(), p.len(), "{name}: an info column");
        if name.starts_with("bgen") {
            assert!(info.iter().all(|x| x == "1.000000"), "{name}: {info:?}");
        }
    }
    // --min-info drops variants by that column, and is refused for a .bed
    let (_, strict) = assoc_on(d, "pgen_r2", &["--pfile", &pgen, "--min-info", "0.99"]);
    assert!(strict.len() < bed.len(), "MACH r2 of hard calls is not all >= 0.99");
    let out = run(
        d,
        [
            "assoc",
            "--bfile",
            MOUSE,
            "--pheno",
            "p.txt",
            "--min-info",
            "0.3",
            "--out",
            "x",
        ],
    );
    assert_eq!(out.status.code(), Some(6), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--min-info"));
}

/// Exactly one genotype source: two are refused by the argument parser.
#[test]
fn issue_15_two_genotype_sources_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pgen = data("pgen/mouse19");
    let out = run(dir.path(), ["info", "--bfile", MOUSE, "--pfile", &pgen]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}
