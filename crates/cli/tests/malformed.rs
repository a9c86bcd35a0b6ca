//! The malformed-input corpus (`data/malformed/cases.tsv`, described in
//! `data/malformed/README.md`) run through `kindred info`, one row per case.
//!
//! For each row `kindred info --bfile data/malformed/<case>/in <args>` runs
//! from the repository root and must exit with the row's `exit` code, one
//! of the codes of the README's "Exit codes" table. Rows whose `what` starts
//! with `warning` or `accepted` must succeed (a `warning` row with a warning
//! on stderr that names the file and line); every other row must fail with
//! exactly one line on stderr naming the `file` column and, when `line` is
//! not `-`, `line <N>`. All failing cases are reported together.

mod common;

use std::collections::HashMap;

use common::{command, repo_root};

/// One row of `cases.tsv`.
struct Case {
    name: String,
    file: String,
    line: Option<usize>,
    /// The exit code kindred must return.
    exit: i32,
    what: String,
    args: Vec<String>,
}

/// What the row asks of kindred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Success,
    Error,
    /// `warning or error:` rows (README): either is fine, but an error must
    /// still name the file and line.
    Either,
}

impl Case {
    fn expect(&self) -> Expect {
        if self.what.starts_with("warning or error") {
            Expect::Either
        } else if self.what.starts_with("warning") || self.what.starts_with("accepted") {
            Expect::Success
        } else {
            Expect::Error
        }
    }
}

fn read_cases() -> Vec<Case> {
    let path = repo_root().join("data/malformed/cases.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("case\tfile\tline\texit\twhat\targs"),
        "cases.tsv header"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(k, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(
                cols.len() == 5 || cols.len() == 6,
                "cases.tsv line {}: {} columns",
                k + 2,
                cols.len()
            );
            let number = |s: &str, what: &str| -> usize {
                s.parse()
                    .unwrap_or_else(|_| panic!("cases.tsv line {}: {what} '{s}'", k + 2))
            };
            Case {
                name: cols[0].to_owned(),
                file: cols[1].to_owned(),
                line: match cols[2] {
                    "-" => None,
                    n => Some(number(n, "line")),
                },
                exit: number(cols[3], "exit") as i32,
                what: cols[4].to_owned(),
                args: cols
                    .get(5)
                    .map(|a| a.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The exit codes of the README's "Exit codes" table: code -> meaning.
fn documented_exit_codes() -> HashMap<i32, String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Exit codes"))
        .expect("README.md has an \"Exit codes\" section");
    section
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.trim().trim_matches('|').split('|').map(str::trim).collect();
            Some((cols.first()?.parse().ok()?, cols.get(1)?.to_string()))
        })
        .collect()
}

/// Whether `text` contains `line <n>` not followed by another digit.
fn names_line(text: &str, n: usize) -> bool {
    let needle = format!("line {n}");
    text.match_indices(&needle).any(|(at, _)| {
        !text[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// Runs one case; `Err` describes how it failed.
fn run(case: &Case) -> Result<(), String> {
    let out = command(&repo_root())
        .arg("info")
        .arg("--bfile")
        .arg(format!("data/malformed/{}/in", case.name))
        .args(&case.args)
        .output()
        .map_err(|e| format!("could not run kindred: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    let expect = case.expect();
    let code_ok = code == Some(case.exit) || (expect == Expect::Either && code == Some(0));
    if !code_ok {
        return Err(format!(
            "exit {code:?}, expected {}; stderr: {:?}",
            case.exit,
            stderr.trim_end()
        ));
    }
    if out.status.success() {
        // A `warning` row must warn, naming the file and the line.
        if case.what.starts_with("warning") && expect == Expect::Success {
            let named = stderr.lines().any(|l| {
                l.starts_with("warning:") && l.contains(&case.file) && case.line.is_none_or(|n| names_line(l, n))
            });
            if !named {
                return Err(format!(
                    "exit 0 but no warning naming {} line {:?}; stderr: {:?}",
                    case.file,
                    case.line,
                    stderr.trim_end()
                ));
            }
        }
        return match expect {
            Expect::Success | Expect::Either => Ok(()),
            Expect::Error => Err(format!("exit 0, expected an error; stderr: {:?}", stderr.trim_end())),
        };
    }
    if expect == Expect::Success {
        return Err(format!(
            "exit {code:?}, expected success; stderr: {:?}",
            stderr.trim_end()
        ));
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let mut problems = Vec::new();
    if lines.len() != 1 {
        problems.push(format!("{} stderr lines, expected 1", lines.len()));
    }
    if !stderr.contains(&case.file) {
        problems.push(format!("does not name {}", case.file));
    }
    if let Some(n) = case.line {
        if !names_line(&stderr, n) {
            problems.push(format!("does not say 'line {n}'"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "exit {code:?}: {}; stderr: {:?}",
            problems.join(", "),
            stderr.trim_end()
        ))
    }
}

#[test]
fn names_line_needs_the_whole_number() {
    assert!(names_line("in.fam, line 3: bad", 3));
    assert!(names_line("line 3", 3));
    assert!(!names_line("in.fam, line 31: bad", 3));
    assert!(!names_line("in.fam: bad", 3));
}

/// Each row's exit code is one the README documents, 0 exactly for the rows
/// that must succeed, and never 1 (internal error) or 2 (usage).
#[test]
fn issue_17_corpus_exit_codes_are_documented() {
    let documented = documented_exit_codes();
    for c in [0, 3, 4, 5, 6, 7] {
        assert!(documented.contains_key(&c), "README.md documents no exit code {c}");
    }
    for case in read_cases() {
        let meaning = documented
            .get(&case.exit)
            .unwrap_or_else(|| panic!("{}: exit {} is not in README.md", case.name, case.exit));
        assert!(
            case.exit == 0 || case.exit > 2,
            "{}: exit {} ({meaning}) is not an input error",
            case.name,
            case.exit
        );
        assert_eq!(
            case.exit == 0,
            case.expect() == Expect::Success,
            "{}: exit {} but '{}'",
            case.name,
            case.exit,
            case.what
        );
    }
}

#[test]
fn every_malformed_case_reports_file_and_line() {
    let cases = read_cases();
    assert!(cases.len() >= 70, "the corpus has only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run(c).err().map(|e| format!("{} ({}): {e}", c.name, c.what)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} malformed cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
