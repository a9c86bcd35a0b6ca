//! `kindred simulate` end to end: files, log, thread independence, exit codes.

mod common;

use common::{read, run};

const SIM: [&str; 12] = [
    "simulate",
    "--n-samples",
    "61",
    "--n-variants",
    "700",
    "--n-causal",
    "20",
    "--n-null",
    "1",
    "--missing-rate",
    "0.01",
    "--quiet",
];

#[test]
fn simulate_writes_the_same_files_with_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    for t in ["1", "2"] {
        let out = run(
            dir.path(),
            [&SIM[..], &["--out", &format!("t{t}"), "--threads", t]].concat(),
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    for ext in ["bed", "bim", "fam", "pheno.tsv", "covar.tsv", "truth.tsv"] {
        assert_eq!(
            read(dir.path().join(format!("t1.{ext}"))),
            read(dir.path().join(format!("t2.{ext}"))),
            "{ext}"
        );
    }
    let log = String::from_utf8(read(dir.path().join("t2.log"))).unwrap();
    assert!(log.contains("threads: 2"), "{log}");
    assert!(log.contains("--n-samples 61 --n-variants 700"), "{log}");
    assert!(log.contains("phenotype null1: h2 0.5"), "{log}");

    let out = run(dir.path(), ["info", "--bfile", "t1", "--pheno", "t1.pheno.tsv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("61 in .fam"), "{text}");
    assert!(text.contains("700 in .bim"), "{text}");
}

#[test]
fn simulate_rejects_bad_values_with_exit_code_6_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), [&SIM[..], &["--out", "bad", "--fst", "1.5"]].concat());
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--fst must be in [0, 1)"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
