//! Summary statistics other tools accept (issue 14): the GWAS-SSF layout,
//! BGZF that `bgzip -t` accepts with a tabix index that `tabix` queries
//! (Debian's `tabix` package, installed by `.ci/run`), the metadata file,
//! and the run summary's trait statistics and file checksums.
//!
//! The tests that need `tabix`/`bgzip` skip when they are not installed,
//! unless `KINDRED_REQUIRE_TOOLS=1` (as `.ci/run` sets), which makes their
//! absence a failure.

#![allow(clippy::unwrap_used)] // test helpers: a failed write is a failed test

mod common;

use std::path::Path;
use std::process::Command;

use common::{json, ok, read, run, text};
use md5::{Digest, Md5};

/// Whether `tool` runs; panics when it does not and tools are required.
fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found && std::env::var("KINDRED_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{tool} is not installed (KINDRED_REQUIRE_TOOLS=1): apt-get install tabix");
    }
    if !found {
        eprintln!("skipped: {tool} is not installed");
    }
    found
}

/// The stdout of `tool args` in `dir`, which must succeed.
fn tool(dir: &Path, tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn bgzf_output_is_what_bgzip_and_tabix_read() {
    if !(have("tabix") && have("bgzip")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "assoc --test all", &["--gz", "--out", "s"]);
    tool(d, "bgzip", &["-t", "s.assoc.tsv.gz"]);
    let plain = common::gunzip(d.join("s.assoc.tsv.gz"));
    for (chrom, from, to) in [
        ("1", 1, 50_000_000),
        ("11", 30_000_000, 90_000_000),
        ("19", 1, 1_000_000_000),
    ] {
        let got = tool(d, "tabix", &["s.assoc.tsv.gz", &format!("{chrom}:{from}-{to}")]);
        let want: String = plain
            .lines()
            .skip(1)
            .filter(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let pos: i64 = f[1].parse().unwrap();
                f[0] == chrom && (from..=to).contains(&pos)
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "tabix {chrom}:{from}-{to}");
    }
    // Every chromosome is in the index, in file order.
    let listed = tool(d, "tabix", &["-l", "s.assoc.tsv.gz"]);
    assert_eq!(listed.lines().next(), Some("1"));
    assert_eq!(listed.lines().count(), 19);
}

#[test]
fn gwas_ssf_layout_metadata_and_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        "assoc --test all",
        &["--out", "s", "--genome-build", "GRCm39", "--ancestry", "HS mice"],
    );
    let t = text(d.join("s.assoc.tsv"));
    let header: Vec<&str> = t.lines().next().unwrap().split('\t').collect();
    assert_eq!(
        header[..13],
        [
            "chromosome",
            "base_pair_location",
            "effect_allele",
            "other_allele",
            "beta",
            "standard_error",
            "effect_allele_frequency",
            "p_value",
            "neg_log_10_p_value",
            "variant_id",
            "rsid",
            "n",
            "bim_id"
        ]
    );
    // Sorted by chromosome and position; unknown positions last.
    let keys: Vec<(bool, u64, i64)> = t
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let pos: i64 = f[1].parse().unwrap();
            (pos < 1, f[0].parse().unwrap(), pos)
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "rows not sorted");
    // -log10 p agrees with p where p is a double; rsid only for rs IDs.
    for l in t.lines().skip(1) {
        let f: Vec<&str> = l.split('\t').collect();
        let (p, nlog): (f64, f64) = (f[7].parse().unwrap(), f[8].parse().unwrap());
        assert!((-p.log10() - nlog).abs() < 1e-5 * nlog.max(1.0), "{l}");
        assert_eq!(f[10] != "#NA", f[12].starts_with("rs"), "{l}");
        assert_eq!(f[9], format!("{}_{}_{}_{}", f[0], f[1], f[3], f[2]));
    }
    let meta = text(d.join("s.assoc.tsv-meta.yaml"));
    let md5 = md5_hex(&read(d.join("s.assoc.tsv")));
    assert!(meta.contains(&format!("data_file_md5sum: {md5}\n")), "{meta}");
    assert!(meta.contains("genome_assembly: \"GRCm39\"\n"), "{meta}");
    // A mouse build: the .bim's codes, labelled GWAS-SSF-style.
    assert!(meta.contains("file_type: non-GWAS-SSF\n"), "{meta}");
    assert!(meta.contains("  - \"HS mice\"\n"), "{meta}");
    let j = json(d.join("s.json"));
    let p = &j["phenotypes"][0];
    assert_eq!(p["files"][0]["md5"].as_str(), Some(md5.as_str()));
    assert!(p["files"][1]["path"]
        .as_str()
        .unwrap()
        .ends_with("s.assoc.tsv-meta.yaml"));
    // Phenotype 1 of the mouse data over its 1410 samples.
    let y: Vec<f64> = common::fam()
        .iter()
        .filter(|r| r[5] != "NA" && r[5] != "-9")
        .map(|r| r[5].parse().unwrap())
        .collect();
    assert_eq!(y.len(), 1410);
    let mean = y.iter().sum::<f64>() / 1410.0;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 1409.0).sqrt();
    assert!((p["trait_mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!((p["trait_sd"].as_f64().unwrap() - sd).abs() < 1e-12);
    assert!(j["peak_resident_bytes"].as_u64().unwrap() > 1 << 20);
}

#[test]
fn compressed_chunks_merge_to_the_compressed_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "reml", &["--write-eigen", "E", "--out", "null"]);
    ok(d, "assoc", &["--eigen", "E", "--gz", "--out", "single"]);
    let mut args = vec!["merge".to_string(), "--out".into(), "m".into(), "--quiet".into()];
    for i in 1..=3 {
        let name = format!("c{i}");
        ok(
            d,
            "assoc",
            &["--eigen", "E", "--gz", "--chunk", &format!("{i}/3"), "--out", &name],
        );
        args.push(name);
    }
    let out = run(d, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for ext in ["assoc.tsv.gz", "assoc.tsv.gz.tbi"] {
        assert!(
            read(d.join(format!("m.{ext}"))) == read(d.join(format!("single.{ext}"))),
            "merged {ext} differs from the single run's"
        );
    }
    let yaml = |p: &str| text(d.join(p)).replace("m.assoc", "single.assoc");
    assert_eq!(yaml("m.assoc.tsv.gz-meta.yaml"), yaml("single.assoc.tsv.gz-meta.yaml"));
}
