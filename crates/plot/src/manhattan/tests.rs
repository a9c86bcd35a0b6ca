// The generator the benchmark's input is made with, too.
#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use common::Uniform;

use super::*;

/// `n` rows over three chromosomes (two long, one short), `-log10 p` of
/// uniform p-values, with a planted peak of strong rows on chromosome 2.
fn rows(n: usize) -> Vec<(&'static str, i64, f64)> {
    let mut u = Uniform(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|i| {
            let (chrom, len) = match i % 3 {
                0 => ("1", 200_000_000),
                1 => ("2", 150_000_000),
                _ => ("MT", 16_000),
            };
            let pos = (u.next() * len as f64) as i64 + 1;
            let mut y = -u.next().max(1e-300).log10();
            if chrom == "2" && (50_000_000..50_400_000).contains(&pos) {
                y += 6.0;
            }
            (chrom, pos, y)
        })
        .collect()
}

/// Streams `rows` through a genome and a thinner as `draw_with` does.
fn thin(rows: &[(&str, i64, f64)], width: u32, height: u32) -> (Genome, Thinner) {
    let mut g = Genome::default();
    let mut t = Thinner::new(width, height);
    for (i, &(chrom, pos, y)) in rows.iter().enumerate() {
        let c = g.index(chrom.as_bytes());
        if g.place(c, pos) {
            t.rescale(g.total_span());
        }
        t.push(Point { chrom: c, pos, y }, || format!("v{i}"));
    }
    (g, t)
}

#[test]
fn thinning_keeps_every_strong_point_and_bounds_the_rest() {
    let rows = rows(300_000);
    let (width, height) = (1000, 400);
    let (genome, t) = thin(&rows, width, height);
    let n_cells = t.n_cells();
    let shift = t.shift;
    let y_unit = t.y_unit;
    // Cells: fewer than (2 x width + chromosomes) columns x rows.
    let n_rows_grid = (KEEP_ALL_ABOVE / y_unit).ceil() as usize;
    assert!(n_cells <= (2 * width as usize + 3) * n_rows_grid, "{n_cells}");
    // Cells are no wider than a pixel of the figure.
    assert!((1u64 << shift) <= genome.total_span() / u64::from(width));
    let m = t.finish(&genome);

    let strong: Vec<&(&str, i64, f64)> = rows.iter().filter(|r| r.2 >= KEEP_ALL_ABOVE).collect();
    assert!(strong.len() > 100, "{}", strong.len());
    assert_eq!(m.strong.len(), strong.len());
    assert!(m.strong.iter().zip(&strong).all(|(p, r)| p.pos == r.1 && p.y == r.2));
    assert_eq!(m.thinned.len(), n_cells);
    assert!(m.thinned.len() < rows.len() / 4, "{}", m.thinned.len());

    // One point per occupied cell: the cells of the points drawn are the
    // cells of the rows below the threshold.
    let cell = |c: u32, pos: i64, y: f64| (c, (pos as u64) >> shift, (y / y_unit) as u64);
    let mut g = Genome::default();
    let from_rows: BTreeSet<_> = rows
        .iter()
        .filter(|r| r.2 < KEEP_ALL_ABOVE)
        .map(|&(ch, pos, y)| cell(g.index(ch.as_bytes()), pos, y))
        .collect();
    let drawn: BTreeSet<_> = m.thinned.iter().map(|p| cell(p.chrom, p.pos, p.y)).collect();
    assert_eq!(drawn, from_rows);
    assert_eq!(m.y_max, strong.iter().map(|r| r.2).fold(0.0, f64::max));
}

#[test]
fn thinning_does_not_depend_on_row_order() {
    let sorted = {
        let mut r = rows(30_000);
        r.sort_by_key(|r| (r.0, r.1));
        r
    };
    let shuffled = rows(30_000);
    let cells = |rows: &[(&str, i64, f64)]| {
        let (g, t) = thin(rows, 800, 300);
        let m = t.finish(&g);
        m.thinned
            .iter()
            .map(|p| (g.chrom(p.chrom).name.to_string(), p.pos, p.y.to_bits()))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(cells(&sorted), cells(&shuffled));
}

#[test]
fn labels_are_distinct_loci_strongest_first() {
    let mut g = Genome::default();
    let mut t = Thinner::new(1000, 400);
    let one = g.index(b"1");
    let two = g.index(b"2");
    // Chromosome 1: a peak at 10 Mb (several windows), another at 30 Mb;
    // chromosome 2: five weaker peaks.
    let mut add = |c, pos, y| {
        g.place(c, pos);
        t.push(Point { chrom: c, pos, y }, || format!("{c}:{pos}"));
    };
    for (pos, y) in [
        (10_000_000, 20.0),
        (10_900_000, 15.0),
        (11_500_000, 12.0),
        (30_000_000, 9.0),
    ] {
        add(one, pos, y);
    }
    for k in 0..5 {
        add(two, 5_000_000 * (k + 1), 6.0 + k as f64 * 0.1);
    }
    add(two, 1_000_000, 4.9);
    let m = t.finish(&g);
    let ids: Vec<&str> = m.labels.iter().map(|l| l.id.as_str()).collect();
    // 10.9 Mb is within 1 Mb of 10 Mb; 11.5 Mb is not.
    assert_eq!(
        ids,
        ["0:10000000", "0:11500000", "0:30000000", "1:25000000", "1:20000000"]
    );
    assert_eq!(m.strong.len(), 9);
}
