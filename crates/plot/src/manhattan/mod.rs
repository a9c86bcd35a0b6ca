//! The Manhattan plot's points, thinned while the file streams by: every
//! point with `-log10 p >= KEEP_ALL_ABOVE` is kept; the others are reduced to
//! one per cell of a grid finer than any pixel of the final figure (cells of
//! `2^shift` base pairs by `y_unit` of `-log10 p`, one bitmap of columns per
//! chromosome), so memory is bounded by the grid (at most about
//! `2 x (2 x width + chromosomes) x rows` bits), not by the number of rows.
//!
//! The final scale is not known until the last row (the genome's extent,
//! the highest point), so the grid is built against bounds: the y axis
//! reaches at least [`Y_AXIS_MIN`], so `y_unit = Y_AXIS_MIN / height` is at
//! most one pixel; and a cell is at most `total_span / width` base pairs
//! wide, `total_span` being the sum of the chromosomes' spans so far (it
//! only grows, and the axis is longer still), halving the resolution
//! (merging neighbouring cells) whenever it grows past twice that.

mod draw;

use std::collections::HashMap;

pub(crate) use draw::draw;

use crate::genome::Genome;

/// `-log10 p` at and above which every point is kept and drawn (p <= 1e-5,
/// the suggestive line).
pub const KEEP_ALL_ABOVE: f64 = 5.0;
/// The genome-wide significance line, p = 5e-8.
pub const GENOME_WIDE_P: f64 = 5e-8;
/// The suggestive line, p = 1e-5.
pub const SUGGESTIVE_P: f64 = 1e-5;
/// The Manhattan plot's y axis reaches at least this `-log10 p` (so that
/// the genome-wide line is always on it).
pub const Y_AXIS_MIN: f64 = 8.0;
/// The most loci labelled with their lead variant's ID.
pub const N_LABELS: usize = 5;
/// Variants this close (base pairs) on one chromosome are one locus.
pub const LOCUS_BP: i64 = 1_000_000;

/// The occupied cells of one chromosome: a bitmap of columns (buckets
/// `first..first + columns`), each column `words` 64-bit words of rows.
#[derive(Debug, Clone, Default)]
struct ChromCells {
    first: u64,
    bits: Vec<u64>,
}

impl ChromCells {
    /// Columns held.
    fn columns(&self, words: usize) -> u64 {
        (self.bits.len() / words) as u64
    }

    /// Marks the cell (`bucket`, `row`), growing the bitmap to hold
    /// `bucket` (by at least its own size: amortised).
    fn set(&mut self, bucket: u64, row: usize, words: usize) {
        let n = self.columns(words);
        if n == 0 {
            self.first = bucket;
            self.bits = vec![0; words];
        } else if bucket < self.first {
            let add = (self.first - bucket).max(n).min(self.first);
            let mut grown = vec![0; add as usize * words];
            grown.extend_from_slice(&self.bits);
            self.bits = grown;
            self.first -= add;
        } else if bucket >= self.first + n {
            let add = (bucket - self.first - n + 1).max(n);
            self.bits.resize((n + add) as usize * words, 0);
        }
        let i = (bucket - self.first) as usize * words + row / 64;
        self.bits[i] |= 1 << (row % 64);
    }

    /// The same cells on buckets `by` times twice as wide.
    fn coarsen(&mut self, by: u32, words: usize) {
        let n = self.columns(words);
        if n == 0 {
            return;
        }
        let first = self.first >> by;
        let columns = ((self.first + n - 1) >> by) - first + 1;
        let mut bits = vec![0; columns as usize * words];
        for (j, col) in self.bits.chunks_exact(words).enumerate() {
            let to = (((self.first + j as u64) >> by) - first) as usize * words;
            for (t, &w) in bits[to..to + words].iter_mut().zip(col) {
                *t |= w;
            }
        }
        self.first = first;
        self.bits = bits;
    }

    /// The marked cells as (bucket, row).
    fn cells(&self, words: usize) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.bits.chunks_exact(words).enumerate().flat_map(move |(j, col)| {
            col.iter().enumerate().flat_map(move |(k, &w)| {
                (0..64)
                    .filter(move |b| w >> b & 1 == 1)
                    .map(move |b| (self.first + j as u64, k * 64 + b))
            })
        })
    }
}

/// A point to draw: chromosome index, position, `-log10 p`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    /// Chromosome index (see [`Genome::index`]).
    pub chrom: u32,
    /// Base-pair position.
    pub pos: i64,
    /// `-log10 p`.
    pub y: f64,
}

/// The strongest variant of a 1 Mb window, a candidate label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lead {
    /// The variant.
    pub at: Point,
    /// Its ID (`chr:pos` when the file has none).
    pub id: String,
}

/// Collects the Manhattan plot's points from the rows of a file.
#[derive(Debug)]
pub(crate) struct Thinner {
    /// Image width in pixels (a cell is at most `total_span / width` bp).
    width: u64,
    /// Height of a row of cells in `-log10 p`.
    y_unit: f64,
    /// Cells are `2^shift` base pairs wide.
    shift: u32,
    /// 64-bit words per column of cells (rows below [`KEEP_ALL_ABOVE`]).
    words: usize,
    /// Per chromosome index, its cells.
    cells: Vec<ChromCells>,
    /// Every point at or above [`KEEP_ALL_ABOVE`].
    strong: Vec<Point>,
    /// The strongest point of each (chromosome, 1 Mb window) at or above
    /// [`KEEP_ALL_ABOVE`].
    leads: HashMap<(u32, i64), Lead>,
}

impl Thinner {
    /// A thinner for a figure of `width x height` pixels.
    pub fn new(width: u32, height: u32) -> Self {
        let y_unit = Y_AXIS_MIN / f64::from(height.max(1));
        let rows = (KEEP_ALL_ABOVE / y_unit).ceil() as usize;
        Self {
            width: u64::from(width.max(1)),
            y_unit,
            shift: 0,
            words: rows.div_ceil(64),
            cells: Vec::new(),
            strong: Vec::new(),
            leads: HashMap::new(),
        }
    }

    /// Adds the row `at` (chromosome index, position >= 1, `-log10 p`);
    /// `id` makes its ID for the labels (called only at or above
    /// [`KEEP_ALL_ABOVE`]). Call [`Thinner::rescale`] first whenever the
    /// row widened the genome's span, so that cells stay within a pixel.
    pub fn push(&mut self, at: Point, id: impl FnOnce() -> String) {
        debug_assert!(at.y >= 0.0 && at.pos >= 1);
        if at.y >= KEEP_ALL_ABOVE {
            self.strong.push(at);
            let key = (at.chrom, at.pos.div_euclid(LOCUS_BP));
            let better = self.leads.get(&key).is_none_or(|l| at.y > l.at.y);
            if better {
                self.leads.insert(key, Lead { at, id: id() });
            }
            return;
        }
        let c = at.chrom as usize;
        if c >= self.cells.len() {
            self.cells.resize_with(c + 1, ChromCells::default);
        }
        let row = ((at.y / self.y_unit) as usize).min(self.words * 64 - 1);
        self.cells[c].set((at.pos as u64) >> self.shift, row, self.words);
    }

    /// Coarsens the cells to the genome's extent so far, `total_span` base
    /// pairs: the largest power of two no wider than `total_span / width`.
    pub fn rescale(&mut self, total_span: u64) {
        let per_pixel = total_span / self.width;
        let mut shift = self.shift;
        while (2u64 << shift) <= per_pixel {
            shift += 1;
        }
        if shift == self.shift {
            return;
        }
        let by = shift - self.shift;
        self.shift = shift;
        for c in &mut self.cells {
            c.coarsen(by, self.words);
        }
    }

    /// The cells held now (their number is what memory grows with).
    #[cfg(test)]
    pub fn n_cells(&self) -> usize {
        self.cells.iter().map(|c| c.cells(self.words).count()).sum()
    }

    /// The points to draw, with the labels chosen.
    pub fn finish(self, genome: &Genome) -> Manhattan {
        let half = (1i64 << self.shift) / 2;
        let mut thinned = Vec::new();
        for (c, cells) in self.cells.iter().enumerate() {
            let ch = genome.chrom(c as u32);
            for (bucket, row) in cells.cells(self.words) {
                thinned.push(Point {
                    chrom: c as u32,
                    pos: ((bucket << self.shift) as i64 + half).clamp(ch.min, ch.max),
                    y: (row as f64 + 0.5) * self.y_unit,
                });
            }
        }
        let y_max = self.strong.iter().chain(&thinned).map(|p| p.y).fold(0.0, f64::max);
        Manhattan {
            thinned,
            strong: self.strong,
            labels: pick_labels(self.leads.into_values().collect()),
            y_max,
        }
    }
}

/// The strongest leads, at most [`N_LABELS`], no two on one chromosome
/// within [`LOCUS_BP`] of each other; strongest first.
fn pick_labels(mut leads: Vec<Lead>) -> Vec<Lead> {
    leads.sort_by(|a, b| {
        b.at.y
            .total_cmp(&a.at.y)
            .then((a.at.chrom, a.at.pos).cmp(&(b.at.chrom, b.at.pos)))
    });
    let mut out: Vec<Lead> = Vec::new();
    for l in leads {
        if out.len() == N_LABELS {
            break;
        }
        let near = out
            .iter()
            .any(|o| o.at.chrom == l.at.chrom && (o.at.pos - l.at.pos).abs() < LOCUS_BP);
        if !near {
            out.push(l);
        }
    }
    out
}

/// The Manhattan plot's data, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Manhattan {
    /// One point per grid cell below [`KEEP_ALL_ABOVE`].
    pub thinned: Vec<Point>,
    /// Every point at or above it.
    pub strong: Vec<Point>,
    /// The loci to label, strongest first.
    pub labels: Vec<Lead>,
    /// The highest `-log10 p`.
    pub y_max: f64,
}

#[cfg(test)]
mod tests;
