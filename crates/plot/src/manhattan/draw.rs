//! Drawing the Manhattan plot.

use std::collections::HashSet;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Manhattan, GENOME_WIDE_P, KEEP_ALL_ABOVE, SUGGESTIVE_P};
use crate::genome::{Genome, Layout};
use crate::render::{font, tick, Drawn, Figure};

/// Alternating chromosome colours.
const COLOURS: [RGBColor; 2] = [RGBColor(0x27, 0x40, 0x8b), RGBColor(0x87, 0xa9, 0xd8)];
/// The genome-wide line's colour.
const GENOME_WIDE_COLOUR: RGBColor = RGBColor(0xc0, 0x1c, 0x28);
/// The suggestive line's colour.
const SUGGESTIVE_COLOUR: RGBColor = RGBColor(0x2a, 0x7f, 0x62);
/// Point radius in pixels.
const RADIUS: u32 = 2;

/// A Manhattan plot ready to draw.
pub(crate) struct ManhattanFigure<'a> {
    /// The points and labels.
    pub data: &'a Manhattan,
    /// The chromosomes.
    pub genome: &'a Genome,
    /// Their places on the axis.
    pub layout: Layout,
    /// The caption.
    pub title: &'a str,
}

/// The Manhattan figure of `data`.
pub(crate) fn draw<'a>(data: &'a Manhattan, genome: &'a Genome, title: &'a str) -> ManhattanFigure<'a> {
    ManhattanFigure {
        data,
        genome,
        layout: genome.layout(),
        title,
    }
}

impl Figure for ManhattanFigure<'_> {
    fn paint<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let (data, layout) = (self.data, &self.layout);
        let genome_wide = -GENOME_WIDE_P.log10();
        let y_top = data.y_max.max(genome_wide) * 1.1;
        let mut chart = ChartBuilder::on(area)
            .caption(self.title, font(18.0))
            .margin(8)
            .margin_right(16)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..layout.total, 0f64..y_top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_labels(0)
            .x_desc("Chromosome")
            .y_desc("-log10(p)")
            .y_label_formatter(&tick)
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .draw()?;

        // Chromosome names under the axis, skipping any that would touch
        // the previous one.
        let style = TextStyle::from(font(11.0)).pos(Pos::new(HPos::Center, VPos::Top));
        let mut right_edge = i32::MIN;
        for &(c, a, b) in &layout.ranges {
            let name = self.genome.chrom(c).name.to_string();
            let (px, py) = chart.backend_coord(&((a + b) / 2.0, 0.0));
            let (w, _) = area.estimate_text_size(&name, &style)?;
            let half = (w / 2) as i32;
            if px - half <= right_edge + 2 {
                continue;
            }
            right_edge = px + half;
            area.draw(&Text::new(name, (px, py + 6), style.clone()))?;
        }

        for (p, colour) in [(SUGGESTIVE_P, SUGGESTIVE_COLOUR), (GENOME_WIDE_P, GENOME_WIDE_COLOUR)] {
            let y = -p.log10();
            chart.draw_series(DashedLineSeries::new(
                [(0.0, y), (layout.total, y)],
                6,
                4,
                colour.stroke_width(1),
            ))?;
        }

        // One point per pixel below KEEP_ALL_ABOVE, then every strong one.
        let rank = layout.rank();
        let colour = |c: u32| COLOURS[rank[c as usize] % 2];
        let mut seen = HashSet::new();
        let mut points = Vec::new();
        for p in &data.thinned {
            let xy = (layout.x(p.chrom, p.pos), p.y);
            if seen.insert(chart.backend_coord(&xy)) {
                points.push((xy, colour(p.chrom)));
            }
        }
        debug_assert!(data.strong.iter().all(|p| p.y >= KEEP_ALL_ABOVE));
        points.extend(
            data.strong
                .iter()
                .map(|p| ((layout.x(p.chrom, p.pos), p.y), colour(p.chrom))),
        );
        chart.draw_series(points.iter().map(|&(xy, c)| Circle::new(xy, RADIUS, c.filled())))?;

        // Lead variants' IDs above them, skipping any whose text would
        // share columns with a stronger one's (one label per peak).
        let style = TextStyle::from(font(11.0)).pos(Pos::new(HPos::Center, VPos::Bottom));
        let mut spans: Vec<(i32, i32)> = Vec::new();
        for l in &data.labels {
            let (px, py) = chart.backend_coord(&(layout.x(l.at.chrom, l.at.pos), l.at.y));
            let half = (area.estimate_text_size(&l.id, &style)?.0 / 2) as i32;
            let span = (px - half, px + half);
            if spans.iter().any(|o| span.0 < o.1 && o.0 < span.1) {
                continue;
            }
            spans.push(span);
            area.draw(&Text::new(l.id.clone(), (px, py - 5), style.clone()))?;
        }
        Ok(points.len())
    }
}
