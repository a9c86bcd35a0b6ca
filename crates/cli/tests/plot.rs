//! `kindred plot` on the mouse_hs1940 scan (issue 14, plots): PNGs of the
//! stated size, SVGs holding the points drawn after thinning and
//! lambda_GC as the scan's `.json` has it; GEMMA's layout plots too.

#![allow(clippy::unwrap_used)] // a failed setup is a failed test

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::{json, num, ok, pheno0, run, text, Table};

/// Width and height of the PNG file at `path`.
fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    (reader.info().width, reader.info().height)
}

/// The texts of an SVG file (plotters writes each `<text>` element's
/// content on a line of its own).
fn texts(svg: &str) -> Vec<&str> {
    svg.split("</text>")
        .filter_map(|t| t.rsplit_once('>').map(|(_, text)| text.trim()))
        .collect()
}

/// The centres of the SVG's circles (the points drawn).
fn circles(svg: &str) -> Vec<(String, String)> {
    let attr = |el: &str, name: &str| {
        let start = el.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
        el[start..].split('"').next().unwrap_or_default().to_string()
    };
    svg.split("<circle")
        .skip(1)
        .map(|el| (attr(el, "cx"), attr(el, "cy")))
        .collect()
}

/// The number in the `.log` line starting with `start`, just after it.
fn logged(log: &str, start: &str) -> usize {
    let line = log
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no '{start}' in\n{log}"));
    line[start.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

/// Runs `kindred plot --assoc ASSOC --out OUT` in `dir` and returns the log.
fn plot(dir: &Path, assoc: &str, out: &str) -> String {
    let o = run(
        dir,
        ["plot", "--assoc", assoc, "--out", out, "--title", "mouse", "--quiet"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    text(dir.join(format!("{out}.log")))
}

#[test]
fn mouse_plots_hold_the_thinned_points_and_lambda() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "assoc", &["--out", "X"]);
    let log = plot(d, "X.assoc.tsv", "P");

    assert_eq!(png_size(&d.join("P.manhattan.png")), (1000, 400));
    assert_eq!(png_size(&d.join("P.qq.png")), (500, 500));

    // Rows: those with a position go on the Manhattan plot; those with
    // p <= 1e-5 are all drawn, the others thinned to one per pixel.
    let table = Table::parse(&text(d.join("X.assoc.tsv")));
    let placed: Vec<&Vec<String>> = table
        .rows
        .iter()
        .filter(|r| table.f64(r, "base_pair_location") >= 1.0)
        .collect();
    let strong = placed
        .iter()
        .filter(|r| table.f64(r, "neg_log_10_p_value") >= 5.0)
        .count();
    assert!(strong > 0);
    let manhattan = text(d.join("P.manhattan.svg"));
    let points = circles(&manhattan);
    let drawn = logged(&log, "Manhattan plot: ");
    assert_eq!(points.len(), drawn);
    assert_eq!(logged(&log, &format!("Manhattan plot: {drawn} points drawn (")), strong);
    assert!(drawn >= strong && drawn < placed.len(), "{drawn} of {}", placed.len());
    // Apart from the strong points, no two share a pixel.
    let distinct: HashSet<&(String, String)> = points.iter().collect();
    assert!(
        distinct.len() >= drawn - strong,
        "{} distinct of {drawn}",
        distinct.len()
    );
    let labels = texts(&manhattan);
    for t in ["1", "17", "19", "mouse", "Chromosome"] {
        assert!(labels.contains(&t), "{t}: {labels:?}");
    }

    let qq = text(d.join("P.qq.svg"));
    assert_eq!(circles(&qq).len(), logged(&log, "QQ plot: "));
    let lambda = num(pheno0(&json(d.join("X.json"))), "lambda_gc");
    let caption = format!("mouse: λGC = {lambda:.3}");
    assert!(texts(&qq).contains(&caption.as_str()), "{caption}: {:?}", texts(&qq));
    assert!(log.contains(&format!("lambda_GC {lambda:.4}")), "{log}");
}

#[test]
fn gemma_layout_plots_with_the_same_lambda() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, "assoc", &["--out", "G", "--format", "gemma"]);
    let log = plot(d, "G.assoc.txt", "P");
    assert!(log.contains("GEMMA columns, p-values from 'p_wald'"), "{log}");
    assert_eq!(png_size(&d.join("P.manhattan.png")), (1000, 400));
    let lambda = num(pheno0(&json(d.join("G.json"))), "lambda_gc");
    assert!(log.contains(&format!("lambda_GC {lambda:.4}")), "{log}");
    assert!(texts(&text(d.join("P.qq.svg"))).contains(&format!("mouse: λGC = {lambda:.3}").as_str()));
}

#[test]
fn a_file_without_a_p_value_column_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.tsv"), "chr\trs\tps\tbeta\n1\trs1\t5\t0.1\n").unwrap();
    let o = run(dir.path(), ["plot", "--assoc", "x.tsv", "--out", "P", "--quiet"]);
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no p-value column"));
    assert!(!dir.path().join("P.manhattan.png").exists());
}
