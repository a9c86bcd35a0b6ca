//! Files kindred derives and reads back (issue 17): eigendecompositions
//! (`--write-eigen` / `--eigen`) and GRMs (`kindred grm` / `--grm`) are
//! verified against their checksums and provenance, GRMs from other tools
//! are checked for values a GRM cannot have, and a GRM too large for the
//! machine's memory is refused with the estimate instead of a panic.

#![allow(clippy::unwrap_used)] // test helpers: a failed write is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::{fails, ok, read, run, text, MOUSE};

/// Samples of phenotype 1 of the mouse data (the rows of its eigen file).
const N_PHENO1: usize = 1410;

/// Runs `kindred <words> <extra> --quiet` in `dir` (no `--bfile` added),
/// expects exit code `code` and returns stderr.
fn fails_with(dir: &Path, words: &str, extra: &[&str], code: i32) -> String {
    let args = words.split_whitespace().chain(extra.iter().copied()).chain(["--quiet"]);
    let out = run(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "kindred {words} {}: {err}",
        extra.join(" ")
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// The mouse fileset without its last variant, in `dir`: same samples,
/// another fileset.
fn mouse_minus_one_variant(dir: &Path) -> PathBuf {
    let p = dir.join("other");
    std::fs::copy(format!("{MOUSE}.fam"), p.with_extension("fam")).unwrap();
    let bim = text(format!("{MOUSE}.bim"));
    let lines: Vec<&str> = bim.lines().collect();
    std::fs::write(p.with_extension("bim"), lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let bed = read(format!("{MOUSE}.bed"));
    let per_variant = 1940usize.div_ceil(4);
    std::fs::write(p.with_extension("bed"), &bed[..bed.len() - per_variant]).unwrap();
    p
}

/// Overwrites 8 bytes of `path` at `at` (from the end when negative).
fn poke(path: &Path, at: i64, bytes: [u8; 8]) {
    let mut b = read(path);
    let at = if at < 0 { b.len() - (-at) as usize } else { at as usize };
    b[at..at + 8].copy_from_slice(&bytes);
    std::fs::write(path, b).unwrap();
}

#[test]
fn issue_17_4_an_edited_eigen_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "reml --pheno-col 1 --write-eigen E --out A", &[]);
    let bin = d.join("E.eigen.bin");
    let good = read(&bin);
    let n = N_PHENO1 as i64;
    // eigenvalues sit just before the n x n vectors, ascending
    let vectors = -(8 * n * n);
    let (first, last) = (vectors - 8 * n, vectors - 8);
    let edits = [
        (vectors / 2, 0.0123f64),
        (last, f64::INFINITY),
        (last, 1e300),
        (first, -1e10),
    ];
    for (at, v) in edits {
        std::fs::write(&bin, &good).unwrap();
        poke(&bin, at, v.to_le_bytes());
        let err = fails(d, "reml --pheno-col 1 --eigen E --out B", 4);
        assert!(err.contains("E.eigen.bin") && err.contains("checksum"), "{v}: {err}");
    }
}

#[test]
fn issue_17_4_an_eigen_file_of_the_old_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "reml --pheno-col 1 --write-eigen E --out A", &[]);
    // KDEIGEN1: magic, n, values, vectors; no checksum, no provenance
    let n = N_PHENO1;
    let mut v1 = b"KDEIGEN1".to_vec();
    v1.extend_from_slice(&(n as u64).to_le_bytes());
    v1.extend(std::iter::repeat_n(1f64.to_le_bytes(), n).flatten());
    for j in 0..n {
        for i in 0..n {
            v1.extend_from_slice(&f64::from(u8::from(i == j)).to_le_bytes());
        }
    }
    std::fs::write(d.join("E.eigen.bin"), v1).unwrap();
    let err = fails(d, "reml --pheno-col 1 --eigen E --out B", 4);
    assert!(err.contains("KDEIGEN1") && err.contains("--write-eigen"), "{err}");
}

#[test]
fn issue_17_4_an_eigen_file_from_another_fileset_or_settings_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "reml --pheno-col 1 --write-eigen E --out A", &[]);
    let other = mouse_minus_one_variant(d);
    let o = other.to_str().unwrap();
    let err = fails_with(d, "reml --pheno-col 1 --eigen E --out B --bfile", &[o], 5);
    assert!(
        err.contains("E.eigen.bin") && err.contains(MOUSE) && err.contains(o),
        "{err}"
    );
    assert!(err.contains(".bim contents, .bed size differ"), "{err}");
    for (flags, was, asked) in [
        ("--kind standardized", "--kind centered", "--kind standardized"),
        ("--maf 0.05", "--maf 0.01", "--maf 0.05"),
        ("--geno 0.5", "--geno 0.05", "--geno 0.5"),
    ] {
        let err = fails(d, &format!("reml --pheno-col 1 --eigen E --out B {flags}"), 5);
        assert!(
            err.contains(&format!("built with {was} but this run asks for {asked}")),
            "{err}"
        );
    }
    // the same settings are accepted
    ok(d, "reml --pheno-col 1 --eigen E --out C", &[]);
}

#[test]
fn issue_17_4_a_kindred_grm_changed_or_from_another_fileset_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "grm --out K", &[]);
    let bin = d.join("K.grm.bin");
    let good = read(&bin);
    // two f32 values far into the matrix, still finite and plausible
    poke(&bin, 4000, [0, 0, 0, 0x3f, 0, 0, 0, 0x3f]);
    let err = fails(d, "reml --pheno-col 1 --grm K --out A", 4);
    assert!(err.contains("K.grm.bin") && err.contains("K.grm.kindred.json"), "{err}");
    std::fs::write(&bin, good).unwrap();
    ok(d, "reml --pheno-col 1 --grm K --out A", &[]);
    assert!(d.join("K.grm.kindred.json").is_file());

    let other = mouse_minus_one_variant(d);
    let o = other.to_str().unwrap();
    fails_with(d, "grm --out KO --bfile", &[o], 0);
    let err = fails(d, "reml --pheno-col 1 --grm KO --out B", 5);
    assert!(err.contains("KO") && err.contains(o) && err.contains(MOUSE), "{err}");
    assert!(err.contains("KO.grm.kindred.json"), "{err}");
}

/// GEMMA's GRM of the mouse data as text in `dir/k.cXX.txt`, with `edit`
/// applied to the fields of row `row` (0-based).
fn gemma_grm_edited(dir: &Path, row: usize, edit: impl Fn(&mut Vec<String>)) {
    let t = common::gunzip(common::gemma_grm());
    let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[row].split_whitespace().map(str::to_string).collect();
    edit(&mut fields);
    lines[row] = fields.join("\t");
    std::fs::write(dir.join("k.cXX.txt"), lines.join("\n") + "\n").unwrap();
}

#[test]
fn issue_17_4_nan_inf_or_asymmetry_in_a_grm_from_another_tool_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for bad in ["nan", "inf"] {
        gemma_grm_edited(d, 4, |f| f[2] = bad.into());
        let err = fails(d, "reml --pheno-col 1 --grm k.cXX.txt --out A", 4);
        assert!(
            err.contains(&format!("k.cXX.txt, line 5: '{bad}' in column 3")),
            "{err}"
        );
    }
    gemma_grm_edited(d, 4, |f| {
        let v: f64 = f[2].parse().unwrap();
        f[2] = format!("{}", v + 0.1);
    });
    let err = fails(d, "reml --pheno-col 1 --grm k.cXX.txt --out A", 4);
    assert!(err.contains("k.cXX.txt, line 5: not symmetric"), "{err}");

    // GCTA binary without kindred's record (as PLINK 2 or GCTA write it)
    ok(d, "grm --out K", &[]);
    std::fs::remove_file(d.join("K.grm.kindred.json")).unwrap();
    poke(&d.join("K.grm.bin"), 40, [0, 0, 0xc0, 0x7f, 0, 0, 0xc0, 0x7f]);
    let err = fails(d, "reml --pheno-col 1 --grm K --out A", 4);
    assert!(
        err.contains("K.grm.bin") && err.contains("not a finite number"),
        "{err}"
    );
}

/// `MemAvailable` in bytes (0 where `/proc/meminfo` does not say).
fn mem_available() -> u64 {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A consistent fileset of `n` samples and one polymorphic variant: a
/// `.fam` of about 20 bytes a sample and a `.bed` of `3 + n/4` bytes.
fn many_samples(dir: &Path, n: usize) -> PathBuf {
    let p = dir.join("many");
    let fam: String = (0..n).map(|i| format!("F{i} I{i} 0 0 1 {}\n", 1 + i % 7)).collect();
    std::fs::write(p.with_extension("fam"), fam).unwrap();
    std::fs::write(p.with_extension("bim"), "1\trs1\t0\t100\tA\tG\n").unwrap();
    let mut bed = vec![0x6c, 0x1b, 0x01];
    // per byte: hom A1, het, het, hom A2 (no missing calls)
    bed.extend(std::iter::repeat_n(0b1110_1000u8, n.div_ceil(4)));
    std::fs::write(p.with_extension("bed"), bed).unwrap();
    p
}

#[test]
fn issue_17_6_a_grm_larger_than_memory_is_refused_with_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 60,000 samples: 28.8 GB per n x n matrix, more than this machine's
    // memory; more samples where a machine has more
    let n = ((mem_available() as f64 / 8.0).sqrt() as usize + 1000).max(60_000);
    let p = many_samples(d, n);
    let b = p.to_str().unwrap();
    let each = format!("{:.1} GB", (n * n * 8) as f64 / 1e9);
    for words in ["reml --out A --bfile", "grm --out K --bfile"] {
        let err = fails_with(d, words, &[b], 1);
        assert!(err.contains("not enough memory for the GRM"), "{words}: {err}");
        assert!(
            err.contains(&format!("of {n} samples")) && err.contains(" GB needed"),
            "{words}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        if words.starts_with("reml") {
            assert!(err.contains(&format!("({each} per n x n matrix)")), "{err}");
        }
    }
}
