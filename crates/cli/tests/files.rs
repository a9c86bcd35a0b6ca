//! Output files under hostile or careless conditions (issue 17): links
//! planted in the output directory, two runs with one `--out`, inputs
//! changed under a running job, output locations that cannot be written,
//! file-size limits and failures while publishing.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The linear-model scan of phenotype 1 (no GRM: quick), writing `x.*`.
const LINEAR: &str = "assoc --pheno-col 1 --model linear --out x";

/// Names in `dir` that look like temporary files (`.tmp` in the name, or
/// hidden), sorted.
fn leftovers(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.contains(".tmp") || n.starts_with('.'))
        .collect()
}

/// Starts `kindred <words> --bfile <bfile> <extra>` in `dir`, stderr piped.
fn spawn(dir: &Path, words: &str, bfile: &str, extra: &[&str]) -> Child {
    kindred_on(dir, words, bfile, extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kindred starts")
}

/// Waits until `path` exists (the run has taken its lock) or the run ends.
fn wait_for(path: &Path, run: &mut Child) {
    let t = Instant::now();
    while !path.exists() && run.try_wait().expect("a status").is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Copies the mouse fileset to `dir/m.*` (to be changed under a run).
fn copy_mouse(dir: &Path) -> String {
    for ext in ["bed", "bim", "fam"] {
        std::fs::copy(format!("{MOUSE}.{ext}"), dir.join(format!("m.{ext}"))).expect("a copy");
    }
    dir.join("m").display().to_string()
}

#[cfg(unix)]
#[test]
fn issue_17_2_planted_links_are_not_followed() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let victim = d.join("victim.txt");
    std::fs::write(&victim, "another user's file\n").unwrap();
    let outputs = ["x.assoc.tsv", "x.json", "x.log"];
    for name in outputs {
        symlink(&victim, d.join(format!("{name}.tmp"))).unwrap();
        symlink(&victim, d.join(name)).unwrap();
    }
    ok(d, LINEAR, &[]);
    assert_eq!(text(&victim), "another user's file\n");
    std::fs::File::create(d.join("plain")).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for name in outputs {
        let meta = std::fs::symlink_metadata(d.join(name)).unwrap();
        assert!(meta.file_type().is_file(), "{name} is not a regular file");
        assert_eq!(mode(&d.join(name)), mode(&d.join("plain")), "{name}");
        let planted = std::fs::symlink_metadata(d.join(format!("{name}.tmp"))).unwrap();
        assert!(planted.file_type().is_symlink(), "{name}.tmp was replaced");
    }
    assert!(text(d.join("x.assoc.tsv")).starts_with("chromosome"));
}

#[test]
fn issue_17_3_concurrent_runs_with_one_out_publish_one_consistent_set() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let words = |k: usize| format!("assoc --pheno-col {k} --out x --quiet");
    let a = spawn(d, &words(1), MOUSE, &[]);
    let b = spawn(d, &words(2), MOUSE, &[]);
    let (pa, pb) = (a.id(), b.id());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() != b.status.success(),
        "exactly one run must succeed: {:?} {}\n{:?} {}",
        a.status,
        String::from_utf8_lossy(&a.stderr),
        b.status,
        String::from_utf8_lossy(&b.stderr)
    );
    let (winner, loser, k) = if a.status.success() { (pa, &b, 1) } else { (pb, &a, 2) };
    let err = String::from_utf8_lossy(&loser.stderr);
    assert_eq!(loser.status.code(), Some(3), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("PID {winner}")) && err.contains("x.lock"),
        "{err}"
    );

    let (name, n) = [("pheno1", "1410"), ("pheno2", "757")][k - 1];
    let j = json(d.join("x.json"));
    assert_eq!(pheno0(&j)["name"], name);
    let t = Table::parse(&text(d.join("x.assoc.tsv")));
    assert!(
        t.column("n").iter().all(|v| v == n),
        "x.assoc.tsv is not the run of {name}"
    );
    assert!(text(d.join("x.log")).contains(&words(k)));
    assert!(!d.join("x.lock").exists());
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn issue_17_3_stale_lock_is_taken_over_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Beyond any pid_max: the run that wrote it cannot be running.
    std::fs::write(d.join("x.lock"), "4194999\n").unwrap();
    let out = ok(d, LINEAR, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: took over") && err.contains("x.lock"), "{err}");
    assert!(err.contains("4194999"), "{err}");
    assert!(text(d.join("x.log")).contains("took over"));
    assert!(!d.join("x.lock").exists());
}

#[test]
fn issue_17_5_input_rewritten_in_place_during_a_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let m = copy_mouse(d);
    let mut child = spawn(d, "assoc --pheno-col 1 --out x --quiet", &m, &[]);
    wait_for(&d.join("x.lock"), &mut child);
    // Rewrite the .bed in place with its own bytes: same size, new mtime.
    let bytes = read(format!("{m}.bed"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(format!("{m}.bed"))
        .unwrap();
    f.write_all(&bytes).unwrap();
    drop(f);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("m.bed") && err.contains("changed"), "{err}");
    assert!(!d.join("x.assoc.tsv").exists() && !d.join("x.json").exists());
    assert!(text(d.join("x.log")).contains("m.bed"));
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn issue_17_5_bed_truncated_while_mapped_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let m = copy_mouse(d);
    let mut child = spawn(d, "assoc --pheno-col 1 --test all --out x", &m, &[]);
    // "GRM ..." is logged once the fileset is open and the .bed mapped.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        seen.push(l.clone());
        if l.starts_with("GRM ") {
            break;
        }
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(format!("{m}.bed"))
        .unwrap()
        .set_len(3)
        .unwrap();
    seen.extend(lines.map(|l| l.unwrap()));
    let status = child.wait().unwrap();
    let err = seen.join("\n");
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(err.contains("truncated") || err.contains("m.bed"), "{err}");
    assert!(!d.join("x.assoc.tsv").exists() && !d.join("x.json").exists());
}

/// A run whose output directory cannot be written fails before any
/// computation, naming the directory.
fn fails_fast(out: &str, named: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    std::fs::write(d.join("some_file"), "").expect("a file");
    let o = run(d, ["assoc", "--pheno-col", "1", "--bfile", MOUSE, "--out", out]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains(named), "{err}");
    assert!(!err.contains("GRM"), "the error came after computing: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn issue_17_8_missing_output_directory_fails_fast() {
    fails_fast("missing_dir/x", "missing_dir");
}

#[test]
fn issue_17_8_unwritable_output_directory_fails_fast() {
    fails_fast("some_file/x", "some_file");
}

#[test]
fn issue_17_8_log_of_a_failed_run_ends_with_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kindred(d, "assoc --pheno-name no_such_phenotype --out x", &[]);
    let code = out.status.code().expect("an exit code");
    assert_ne!(code, 0);
    let log = text(d.join("x.log"));
    let last: Vec<&str> = log.lines().rev().take(2).collect();
    assert_eq!(last[0], format!("exit code: {code}"), "{log}");
    assert!(
        last[1].starts_with("error: ") && last[1].contains("no_such_phenotype"),
        "{log}"
    );
    assert!(log.starts_with("kindred "), "{log}");
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn issue_17_8_file_size_limit_is_reported_and_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = std::process::Command::new("sh")
        .current_dir(d)
        .arg("-c")
        .arg("ulimit -f 1; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_kindred"))
        .args(LINEAR.split_whitespace())
        .args(["--bfile", MOUSE, "--quiet"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{:?} {err}", out.status);
    assert!(err.contains("x.assoc.tsv") && err.contains("ulimit -f"), "{err}");
    assert!(!d.join("x.assoc.tsv").exists() && !d.join("x.json").exists());
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
    if d.join("x.log").exists() {
        assert!(text(d.join("x.log")).ends_with("exit code: 3\n"));
    }
}

#[test]
fn issue_17_8_failure_at_publication_publishes_none_of_the_set() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The second output's name is taken by a directory.
    std::fs::create_dir(d.join("x.json")).unwrap();
    let out = kindred(d, LINEAR, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("x.json"), "{err}");
    assert!(!d.join("x.assoc.tsv").exists(), "x.assoc.tsv was published");
    assert!(d.join("x.json").is_dir());
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
    assert!(text(d.join("x.log")).ends_with("exit code: 3\n"));
}
