//! `plot::draw` end to end on a small synthetic file: the four files, their
//! sizes, the points and text they hold.

#![allow(clippy::unwrap_used)] // a failed setup is a failed test

use std::fmt::Write;
use std::path::Path;

/// Width and height of a PNG file.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    (info.width, info.height)
}

/// The texts of an SVG file (plotters writes each `<text>` element's
/// content on a line of its own).
fn texts(svg: &str) -> Vec<&str> {
    svg.split("</text>")
        .filter_map(|t| t.rsplit_once('>').map(|(_, text)| text.trim()))
        .collect()
}

/// A GEMMA-style file: `n` variants on chromosomes 1, 2 and X, p-values
/// spread evenly (scrambled), and a peak of strong rows on chromosome 2.
fn gemma_file(n: usize) -> String {
    let mut s = String::from("chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta\tse\tlogl_H1\tl_remle\tp_wald\n");
    for i in 0..n {
        let chrom = ["1", "2", "X"][i % 3];
        let pos = 1000 + (i / 3) * 5000;
        let mut p = (((i * 7919) % n) as f64 + 0.5) / n as f64;
        if chrom == "2" && (100..110).contains(&(i / 3)) {
            p *= 1e-9;
        }
        writeln!(s, "{chrom}\trs{i}\t{pos}\t0\tA\tG\t0.3\t0.1\t0.1\t-100\t1\t{p:.6e}").unwrap();
    }
    s
}

#[test]
fn draws_four_files_with_the_points_and_text_reported() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.assoc.txt");
    std::fs::write(&input, gemma_file(200_000)).unwrap();
    let out = dir.path().join("x");
    let s = plot::draw(&input, &out, Some("synthetic")).unwrap();

    assert_eq!(s.format, plot::Format::Gemma);
    assert_eq!(
        (s.p_column.as_str(), s.n_rows, s.n_skipped, s.n_unplaced),
        ("p_wald", 200_000, 0, 0)
    );
    assert_eq!(s.files.len(), 4);
    assert_eq!(png_size(&s.files[0]), (1000, 400));
    assert_eq!(png_size(&s.files[2]), (500, 500));

    let manhattan = std::fs::read_to_string(&s.files[1]).unwrap();
    let qq = std::fs::read_to_string(&s.files[3]).unwrap();
    assert_eq!(manhattan.matches("<circle").count(), s.manhattan_points);
    assert_eq!(qq.matches("<circle").count(), s.qq_points);
    // Every strong row is drawn, the others are thinned.
    assert!(s.n_strong >= 10 && s.manhattan_points >= s.n_strong, "{s:?}");
    assert!(s.manhattan_points < 200_000 / 4, "{s:?}");
    // Chromosome names, the title, the strongest hit's ID, lambda_GC.
    let labels = texts(&manhattan);
    for text in ["1", "2", "X", "synthetic", &s.hits[0].variant_id] {
        assert!(labels.contains(&text), "{text}: {labels:?}");
    }
    // The peak is one locus (its 10 rows within 50 kb), the strongest.
    assert_eq!(s.hits[0].chromosome, "2");
    assert!(s.hits[1..].iter().all(|h| h.neg_log10_p < 6.0), "{:?}", s.hits);
    // Evenly spread p-values with a few strong ones: lambda_GC near 1.
    assert!((s.lambda_gc - 1.0).abs() < 0.01, "{}", s.lambda_gc);
    assert!(texts(&qq).contains(&format!("synthetic: λGC = {:.3}", s.lambda_gc).as_str()));
}

#[test]
fn a_file_without_p_values_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.tsv");
    std::fs::write(&input, "chr\trs\tps\tp_wald\n1\trs1\t5\tNA\n").unwrap();
    let e = plot::draw(&input, &dir.path().join("x"), None).unwrap_err();
    assert!(matches!(e, plot::Error::Empty { .. }), "{e}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing written");
}
