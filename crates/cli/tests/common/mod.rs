//! Helpers shared by the CLI test binaries (`cli.rs`, `malformed.rs`,
//! `simulate.rs`): where the test data lives (mouse_hs1940, GEMMA's golden
//! files, the repository root), running the `kindred` binary, reading what it
//! writes (text, gzip, JSON, tables), comparing numbers, and writing input
//! files (`--keep` lists, phenotype and covariate tables) into a test's
//! temporary directory.

// Every test binary compiles this module and uses only some of its helpers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The mouse_hs1940 fileset's prefix (1940 mice, 12,226 variants, six
/// phenotypes in the `.fam`; data/mouse_hs1940/README.md).
pub const MOUSE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/mouse_hs1940/mouse_hs1940");

/// The directory of GEMMA's golden files (data/golden/README.md gives the
/// command that made each).
pub const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/golden/gemma");

/// The repository root, where `data/` is.
pub fn repo_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

/// The path of GEMMA's golden file `name`.
pub fn golden(name: &str) -> String {
    format!("{GOLDEN}/{name}")
}

/// GEMMA's centered GRM (`-gk 1`, phenotype-1 SNP set) over all 1940 mice.
pub fn gemma_grm() -> String {
    golden("mouse_gk1.cXX.txt.gz")
}

/// The `kindred` binary built for these tests, set to run in `dir`.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kindred"));
    cmd.current_dir(dir);
    cmd
}

/// Runs `kindred <args>` in `dir` and returns what it did, whatever its exit code.
pub fn run<S: AsRef<OsStr>>(dir: &Path, args: impl IntoIterator<Item = S>) -> Output {
    command(dir).args(args).output().expect("kindred runs")
}

/// `kindred <words> --bfile <bfile> <extra>` set to run in `dir` (`words`
/// split on whitespace; paths go in `extra`), not started: for a test that
/// sets the environment, watches the run or wants its progress lines.
pub fn kindred_on(dir: &Path, words: &str, bfile: &str, extra: &[&str]) -> Command {
    let mut cmd = command(dir);
    cmd.args(words.split_whitespace()).args(["--bfile", bfile]).args(extra);
    cmd
}

/// Runs `kindred <words> --bfile MOUSE <extra> --quiet` in `dir`
/// (`words` split on whitespace; paths go in `extra`).
pub fn kindred(dir: &Path, words: &str, extra: &[&str]) -> Output {
    kindred_on(dir, words, MOUSE, extra)
        .arg("--quiet")
        .output()
        .expect("kindred runs")
}

/// As [`kindred`], and fails the test, with its stderr, unless it succeeds.
pub fn ok(dir: &Path, words: &str, extra: &[&str]) -> Output {
    let out = kindred(dir, words, extra);
    assert!(
        out.status.success(),
        "kindred {words} {}: {:?}\n{}",
        extra.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `kindred <args> --quiet` in `dir` (every argument given, the
/// genotype flags too) and fails the test, with its stderr, unless it succeeds.
pub fn ok_args(dir: &Path, args: &[&str]) {
    let out = run(dir, args.iter().copied().chain(["--quiet"]));
    assert!(
        out.status.success(),
        "kindred {}: {:?}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `data/<p>` under the repository root, as a string.
pub fn data(p: &str) -> String {
    repo_root().join("data").join(p).display().to_string()
}

/// As [`kindred`], expects exit code `code` and returns stderr.
pub fn fails(dir: &Path, words: &str, code: i32) -> String {
    let out = kindred(dir, words, &[]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "kindred {words}: {err}");
    err
}

/// The names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The bytes of the file at `path`; panics naming it if it cannot be read.
pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The text of the file at `path`; panics naming it if it cannot be read.
pub fn text(path: impl AsRef<Path>) -> String {
    let p = path.as_ref();
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The decompressed text of the gzip file at `path` (all members).
pub fn gunzip(path: impl AsRef<Path>) -> String {
    let p = path.as_ref();
    let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(f)
        .read_to_string(&mut s)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    s
}

/// The JSON document in the file at `path` (kindred's `PREFIX.json`).
pub fn json(path: impl AsRef<Path>) -> Value {
    serde_json::from_str(&text(path)).expect("valid JSON")
}

/// The number under `key` in the JSON object `v`; panics if it is not one.
pub fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("'{key}' is not a number in {v}"))
}

/// The first phenotype entry of a JSON output.
pub fn pheno0(v: &Value) -> &Value {
    &v["phenotypes"][0]
}

/// A tab- or space-separated table with a header: column name -> index, rows.
pub struct Table {
    /// Column name -> its index in a row.
    cols: HashMap<String, usize>,
    /// The header line as written.
    pub header: String,
    /// The fields of every line after the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Splits `text` into the header line and rows of whitespace-separated fields.
    pub fn parse(text: &str) -> Self {
        let mut lines = text.lines();
        let header = lines.next().expect("a header line").to_string();
        let cols = header
            .split_whitespace()
            .enumerate()
            .map(|(i, c)| (c.to_string(), i))
            .collect();
        let rows = lines
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect();
        Self { cols, header, rows }.in_mouse_bim_order()
    }

    /// A GWAS-SSF table of the mouse data (rows sorted by chromosome and
    /// position, the `.bim` ID in `bim_id`) in `.bim` order, with the `.bim`
    /// ID as `variant_id` (the standard's `CHR_POS_OA_EA` as `ssf_variant_id`),
    /// so that it lines up with GEMMA's output row by row.
    fn in_mouse_bim_order(mut self) -> Self {
        let (Some(&bim_id), Some(&vid)) = (self.cols.get("bim_id"), self.cols.get("variant_id")) else {
            return self;
        };
        let mut order: HashMap<String, usize> = HashMap::new();
        for (i, l) in text(format!("{MOUSE}.bim")).lines().enumerate() {
            order
                .entry(l.split_whitespace().nth(1).unwrap_or("").to_string())
                .or_insert(i);
        }
        if self.rows.iter().all(|r| order.contains_key(&r[bim_id])) {
            self.rows.sort_by_key(|r| order[&r[bim_id]]);
        }
        self.cols.insert("variant_id".into(), bim_id);
        self.cols.insert("ssf_variant_id".into(), vid);
        self
    }

    /// The index of column `name`; panics, with the header, if there is none.
    pub fn col(&self, name: &str) -> usize {
        *self
            .cols
            .get(name)
            .unwrap_or_else(|| panic!("no column '{name}' in '{}'", self.header))
    }

    /// The field of `row` in column `name`.
    pub fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.col(name)]
    }

    /// The field of `row` in column `name`, parsed as a number.
    pub fn f64(&self, row: &[String], name: &str) -> f64 {
        let s = self.get(row, name);
        s.parse()
            .unwrap_or_else(|_| panic!("column '{name}': '{s}' is not a number"))
    }

    /// Every row's field in column `name`, in order.
    pub fn column(&self, name: &str) -> Vec<String> {
        let c = self.col(name);
        self.rows.iter().map(|r| r[c].clone()).collect()
    }
}

/// `|log10 a - log10 b|`.
pub fn dlog10(a: f64, b: f64) -> f64 {
    (a.log10() - b.log10()).abs()
}

/// `|a - b| / max(|b|, tiny)`.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// A mouse's `.fam` FID and IID.
pub type Mouse = (String, String);

/// The mouse `.fam`, split into fields.
pub fn fam() -> Vec<Vec<String>> {
    text(format!("{MOUSE}.fam"))
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Writes `header` and then one line per row to `dir/name`.
pub fn write_lines(dir: &Path, name: &str, header: &str, rows: impl IntoIterator<Item = String>) {
    let mut s = String::from(header);
    for r in rows {
        s.push_str(&r);
        s.push('\n');
    }
    let p = dir.join(name);
    std::fs::write(&p, s).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

/// Writes a `--keep` file listing `mice`.
pub fn write_keep(dir: &Path, name: &str, mice: &[Mouse]) {
    write_lines(dir, name, "", mice.iter().map(|(f, i)| format!("{f} {i}")));
}
