//! Manhattan and QQ plots of GWAS summary statistics, as PNG and SVG.
//!
//! | item | what it does |
//! |---|---|
//! | [`draw`] | reads a summary-statistics file and writes `PREFIX.manhattan.{png,svg}` and `PREFIX.qq.{png,svg}` |
//! | [`draw_with`] | the same with [`Options`] (title, sizes) |
//! | [`SumstatsReader`] | streams the rows of a file, columns found by name ([`Columns`], [`Format`]) |
//! | [`PlotSummary`] | what was read and drawn: rows, lambda_GC, points, labelled hits, files |
//!
//! Input: kindred's `.assoc.tsv` (`chromosome`, `base_pair_location`,
//! `variant_id`, `p_value`, and `neg_log_10_p_value` when present: it is
//! used for the figures, as it does not underflow), GEMMA's `.assoc.txt`
//! (`chr`, `ps`, `rs`, `p_wald`, else `p_lrt`, else `p_score`) and PLINK 2's
//! `.glm.linear`/`.glm.logistic` (`#CHROM`, `POS`, `ID`, `P`; only `TEST` =
//! `ADD` rows), tab- or whitespace-separated, plain or gzip/BGZF.
//!
//! The file is read once, in bounded memory, whatever its length:
//!
//! * Manhattan: chromosomes in alternating colours on a cumulative position
//!   axis (numbered autosomes, X, Y, XY, MT, then other contigs), the
//!   genome-wide (5e-8) and suggestive (1e-5) lines, the IDs of the lead
//!   variants of the [`N_LABELS`] strongest loci (at least [`LOCUS_BP`]
//!   apart) with p <= 1e-5. Every point with p <= 1e-5 is drawn; the others
//!   are thinned to one per pixel while the file streams by (see the
//!   `manhattan` module).
//! * QQ: expected against observed `-log10 p`, with expected
//!   `-log10((i - 0.5) / n)` for the i-th smallest of n, the 95% band of
//!   the i-th order statistic of n uniforms (Beta(i, n - i + 1) quantiles),
//!   the line y = x and lambda_GC in the title. Points are thinned to one
//!   per pixel from a fine histogram of `-log10 p`, every p <= 1e-5 kept.
//! * lambda_GC = median chi2(1) / 0.4549 of the p-value column (as
//!   `association::lambda_gc` computes it for the scan's `.json`), with the
//!   median found exactly (a histogram and a
//!   window of kept values around the running median; a second pass over
//!   the file only when the median left that window).
//!
//! Text is drawn with DejaVu Sans, embedded at compile time. Files are
//! written through [`genotype::AtomicFile`]: inside a `genotype::OutputSet`
//! they are published with the rest of a run.
//!
//! ```no_run
//! # fn main() -> Result<(), plot::Error> {
//! let s = plot::draw("mouse.assoc.tsv".as_ref(), "mouse".as_ref(), Some("mouse_hs1940"))?;
//! println!("lambda_GC {:.3}, {} points", s.lambda_gc, s.manhattan_points);
//! # Ok(()) }
//! ```

mod error;
mod genome;
mod manhattan;
mod median;
mod qq;
mod read;
mod render;

use std::path::{Path, PathBuf};

use genotype::with_extension;

pub use error::{Error, Result};
pub use manhattan::{GENOME_WIDE_P, KEEP_ALL_ABOVE, LOCUS_BP, N_LABELS, SUGGESTIVE_P};
pub use read::{Columns, Format, Row, SumstatsReader, MAX_NEG_LOG10_P};

use genome::Genome;
use manhattan::{Point, Thinner};
use median::{Median, MedianStream};
use qq::QqCounter;

/// How to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The caption (the QQ plot adds lambda_GC to it); none by default.
    pub title: Option<String>,
    /// The Manhattan plot's size in pixels (the PNG's; the SVG has the same
    /// viewport), 1000 x 400 by default.
    pub manhattan_size: (u32, u32),
    /// The QQ plot's size in pixels, 500 x 500 by default.
    pub qq_size: (u32, u32),
}

impl Default for Options {
    fn default() -> Self {
        Self {
            title: None,
            manhattan_size: (1000, 400),
            qq_size: (500, 500),
        }
    }
}

/// A labelled hit: the lead variant of one of the strongest loci.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Chromosome as kindred names it (`1`, `X`, ...).
    pub chromosome: String,
    /// Base-pair position.
    pub position: i64,
    /// The variant's ID (`chr:pos` when the file has no ID column).
    pub variant_id: String,
    /// Its `-log10 p`.
    pub neg_log10_p: f64,
}

/// What [`draw`] read and drew.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSummary {
    /// The tool the columns belong to.
    pub format: Format,
    /// The p-value column read.
    pub p_column: String,
    /// Rows with a p-value (all in the QQ plot and lambda_GC).
    pub n_rows: u64,
    /// Rows passed over: no p-value, or a PLINK 2 `TEST` other than `ADD`.
    pub n_skipped: u64,
    /// Rows with a p-value but no position (missing, 0 or negative): in
    /// the QQ plot, not in the Manhattan plot.
    pub n_unplaced: u64,
    /// Rows at or above [`KEEP_ALL_ABOVE`] in the Manhattan plot, all drawn.
    pub n_strong: usize,
    /// Genomic control: median chi2(1) of the p-values / 0.4549.
    pub lambda_gc: f64,
    /// Points drawn in the Manhattan plot (after thinning).
    pub manhattan_points: usize,
    /// Points drawn in the QQ plot (after thinning).
    pub qq_points: usize,
    /// The hits labelled, strongest first.
    pub hits: Vec<Hit>,
    /// The files written: Manhattan PNG and SVG, QQ PNG and SVG.
    pub files: Vec<PathBuf>,
}

/// Draws the Manhattan and QQ plots of the summary statistics in `assoc`
/// as `out.manhattan.png`, `out.manhattan.svg`, `out.qq.png` and
/// `out.qq.svg`, with the default [`Options`] and caption `title`.
///
/// # Errors
/// See [`draw_with`].
pub fn draw(assoc: &Path, out: &Path, title: Option<&str>) -> Result<PlotSummary> {
    let options = Options {
        title: title.map(str::to_string),
        ..Options::default()
    };
    draw_with(assoc, out, &options)
}

/// [`draw`] with `options`.
///
/// # Errors
/// Those of [`SumstatsReader`]; [`Error::Empty`] when no row has a
/// p-value; [`Error::Draw`] from the drawing library; [`Error::Output`]
/// when a file cannot be written.
pub fn draw_with(assoc: &Path, out: &Path, options: &Options) -> Result<PlotSummary> {
    let (mw, mh) = options.manhattan_size;
    let mut reader = SumstatsReader::open(assoc)?;
    let mut genome = Genome::default();
    let mut thinner = Thinner::new(mw, mh);
    let mut qq = QqCounter::default();
    let mut median = MedianStream::default();
    let mut n_unplaced = 0;
    while let Some(row) = reader.next_row()? {
        qq.push(row.neg_log10_p);
        median.push(row.p);
        let chrom = genome.index(row.chrom);
        let Some(pos) = row.pos else {
            n_unplaced += 1;
            continue;
        };
        if genome.place(chrom, pos) {
            thinner.rescale(genome.total_span());
        }
        let at = Point {
            chrom,
            pos,
            y: row.neg_log10_p,
        };
        thinner.push(at, || match row.id {
            Some(id) => String::from_utf8_lossy(id).into_owned(),
            None => format!("{}:{pos}", String::from_utf8_lossy(row.chrom)),
        });
    }
    let n_rows = qq.n();
    if n_rows == 0 {
        return Err(Error::Empty {
            path: assoc.to_path_buf(),
        });
    }
    let lambda_gc = lambda_gc(assoc, median)?;
    let columns = reader.columns().clone();
    let n_skipped = reader.n_skipped();
    drop(reader);

    let title = options.title.clone().unwrap_or_default();
    let manhattan = thinner.finish(&genome);
    let files = [
        with_extension(out, "manhattan.png"),
        with_extension(out, "manhattan.svg"),
        with_extension(out, "qq.png"),
        with_extension(out, "qq.svg"),
    ];
    let figure = manhattan::draw(&manhattan, &genome, &title);
    let manhattan_points = render::write_figure(&files[0], &files[1], options.manhattan_size, &figure)?;

    let x_step = qq::expected(1, n_rows) * 1.05 / f64::from(options.qq_size.0.max(1));
    let qq = qq.finish(x_step);
    let caption = if title.is_empty() {
        format!("λGC = {lambda_gc:.3}")
    } else {
        format!("{title}: λGC = {lambda_gc:.3}")
    };
    let qq_points = render::write_figure(&files[2], &files[3], options.qq_size, &qq::draw(&qq, caption))?;

    let hits = manhattan
        .labels
        .iter()
        .map(|l| Hit {
            chromosome: genome.chrom(l.at.chrom).name.to_string(),
            position: l.at.pos,
            variant_id: l.id.clone(),
            neg_log10_p: l.at.y,
        })
        .collect();
    Ok(PlotSummary {
        format: columns.format,
        p_column: columns.p_name,
        n_rows,
        n_skipped,
        n_unplaced,
        n_strong: manhattan.strong.len(),
        lambda_gc,
        manhattan_points,
        qq_points,
        hits,
        files: files.to_vec(),
    })
}

/// lambda_GC from the median p-value, reading `assoc` a second time when
/// the median was not kept in the first pass.
fn lambda_gc(assoc: &Path, median: MedianStream) -> Result<f64> {
    let values = match median.finish() {
        Median::Found(v) => v,
        Median::Rescan(r) => {
            let mut reader = SumstatsReader::open(assoc)?;
            let mut wanted = Vec::new();
            while let Some(row) = reader.next_row()? {
                if r.wants(row.p) {
                    wanted.push(row.p);
                }
            }
            r.select(wanted)
        }
        Median::Empty => Vec::new(),
    };
    median::lambda_gc(&values).ok_or_else(|| Error::Empty {
        path: assoc.to_path_buf(),
    })
}
