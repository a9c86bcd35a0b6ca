//! Runs as a scheduler's batch job sees them (issue 13, "batch-friendly
//! runs"): `SIGTERM`/`SIGINT` during a scan end the run with 128 + the
//! signal and no partial output; progress lines go to stderr and the
//! `.log` when stderr is a pipe; `--memory` refuses up front with the
//! estimate; `kindred plan` prints the estimate of a command without
//! running it.

#![allow(clippy::unwrap_used)] // a failed setup is a failed test

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::{json, kindred, kindred_on, names, text, MOUSE};

/// The environment variable that sets the seconds between progress lines.
const INTERVAL: &str = "KINDRED_PROGRESS_SECONDS";

/// Starts an exact scan of mouse phenotype 1 that writes an eigen file
/// first (staged until the end), sends `signal` once the first progress
/// line of the scan is on stderr, and returns the exit code and stderr.
fn interrupt_scan(dir: &Path, signal: i32) -> (Option<i32>, String) {
    let mut child = kindred_on(
        dir,
        "assoc --pheno-col 1 --test all --write-eigen E --out r",
        MOUSE,
        &[],
    )
    .env(INTERVAL, "0.2")
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("kindred starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("scan: ") && line.contains(" variants (") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(Duration::from_secs(300))
        .expect("a progress line of the scan within 5 minutes");
    // SAFETY: kill(2) to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let status = child.wait().expect("kindred ends");
    (status.code(), reader.join().expect("stderr read"))
}

/// What an interrupted scan must leave: its `.log` alone, ending with the
/// signal and the exit code; no output, no temporary file, no lock.
fn check_interrupted(dir: &Path, name: &str, code: i32) {
    let (status, stderr) = interrupt_scan(dir, if code == 143 { libc::SIGTERM } else { libc::SIGINT });
    assert_eq!(status, Some(code), "{stderr}");
    assert!(
        stderr.contains(&format!("kindred: interrupted by {name} after ")),
        "{stderr}"
    );
    assert_eq!(names(dir), ["r.log"], "{stderr}");
    let log = text(dir.join("r.log"));
    let tail: Vec<&str> = log.lines().rev().take(2).collect();
    assert_eq!(tail[0], format!("exit code: {code}"), "{log}");
    assert!(
        tail[1].starts_with(&format!("interrupted by {name} after ")) && tail[1].ends_with(" s; nothing was published"),
        "{log}"
    );
    assert!(log.contains("\nscan: "), "progress lines in the log: {log}");
    assert!(log.contains("wrote E.eigen.bin"), "the eigen file was staged: {log}");
}

#[test]
fn issue_13_sigterm_during_a_scan_leaves_no_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    check_interrupted(dir.path(), "SIGTERM", 143);
}

#[test]
fn issue_13_sigint_during_a_scan_leaves_no_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    check_interrupted(dir.path(), "SIGINT", 130);
}

#[test]
fn issue_13_progress_lines_go_to_stderr_and_the_log_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kindred_on(d, "assoc --pheno-col 1 --chr 1,2,3 --out p", MOUSE, &[])
        .env(INTERVAL, "0.05")
        .output()
        .expect("kindred runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // "scan: 120/1000 variants (12%), 0 s elapsed[, ~N s left]"
    let scan: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("scan: ") && l.contains(" variants ("))
        .collect();
    assert!(!scan.is_empty(), "{stderr}");
    for l in &scan {
        let (count, rest) = l["scan: ".len()..].split_once(" variants (").expect(l);
        let (done, len) = count.split_once('/').expect(l);
        let (done, len): (u64, u64) = (done.parse().expect(l), len.parse().expect(l));
        assert!(done <= len, "{l}");
        assert!(rest.contains("%), ") && rest.contains(" s elapsed"), "{l}");
    }
    let log = text(d.join("p.log"));
    for l in &scan {
        assert!(log.contains(l), "{l} not in the log");
    }
    // Before the heavy work, the log states the memory and work; at the
    // end, the peak.
    let memory = log.find("\nmemory: about ").expect("memory line");
    assert!(
        memory < log.find("GRM and eigendecomposition").expect("GRM line"),
        "{log}"
    );
    assert!(log.contains("\nwork: 1410 samples"), "{log}");
    assert!(log.contains("\npeak memory: "), "{log}");
    // --quiet: no progress lines.
    let quiet = kindred_on(d, "assoc --pheno-col 1 --chr 1 --out q --quiet", MOUSE, &[])
        .env(INTERVAL, "0.05")
        .output()
        .expect("kindred runs");
    assert!(quiet.status.success());
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains(" variants ("));
}

#[test]
fn issue_13_memory_below_the_estimate_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for words in ["assoc --pheno-col 1", "reml --pheno-col 1", "grm"] {
        let out = kindred(d, words, &["--memory", "1", "--out", "m"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{words}: {stderr}");
        assert!(
            stderr.contains("--memory 1.0 MB is less than this run needs (memory: about "),
            "{words}: {stderr}"
        );
        assert_eq!(names(d), ["m.log"], "{words}");
        let log = text(d.join("m.log"));
        assert!(log.ends_with("exit code: 1\n"), "{log}");
        std::fs::remove_file(d.join("m.log")).unwrap();
    }
    // A limit above the estimate lets the run through.
    let out = kindred(d, "reml --pheno-col 1 --memory 100000", &["--out", "ok"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn issue_13_plan_prints_the_estimate_without_running() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kindred_on(d, "plan assoc --pheno-col 1 --loco --out x", MOUSE, &[])
        .output()
        .expect("kindred runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let field = |k: &str| -> u64 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k}= in {stdout}"))
            .parse()
            .expect("a number")
    };
    assert_eq!(stdout.lines().next().map(|l| l.starts_with("mem_mb=")), Some(true));
    // 1410 mice: two 15.9 MB matrices at least, and one decomposition per
    // chromosome left out beside the whole-genome one.
    let mb = field("mem_mb");
    assert!((32..2000).contains(&mb), "{stdout}");
    assert_eq!(field("n_samples"), 1410);
    assert_eq!(field("n_variants"), 12_226);
    assert_eq!(field("decompositions"), 20);
    assert!(names(d).is_empty(), "plan writes nothing: {:?}", names(d));

    // --json, for gwas and grm; --memory at the printed value passes.
    let out = kindred(d, "plan --json gwas --pheno-col 1", &["--out", "x"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let gwas_mb = v["mem_mb"].as_u64().expect("mem_mb");
    assert!(gwas_mb < mb, "LOCO needs more: {gwas_mb} vs {mb}");
    assert_eq!(v["decompositions"], 1);
    assert_eq!(v["peak_step"], "the eigendecomposition");
    let out = kindred(d, "plan --json grm", &["--out", "g"]);
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (g["n_samples"].as_u64(), g["decompositions"].as_u64()),
        (Some(1940), Some(0))
    );
    let limit = gwas_mb.to_string();
    let run = kindred(d, "reml --pheno-col 1", &["--memory", &limit, "--out", "r"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(json(d.join("r.json")).is_object());
}
