//! Drawing the QQ plot.

use std::collections::HashSet;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Qq;
use crate::manhattan::KEEP_ALL_ABOVE;
use crate::render::{font, tick, Drawn, Figure};

/// The points' colour.
const POINT_COLOUR: RGBColor = RGBColor(0x27, 0x40, 0x8b);
/// The band's colour.
const BAND_COLOUR: RGBColor = RGBColor(0xc8, 0xc8, 0xc8);
/// The y = x line's colour.
const LINE_COLOUR: RGBColor = RGBColor(0xc0, 0x1c, 0x28);
/// Point radius in pixels.
const RADIUS: u32 = 2;

/// A QQ plot ready to draw.
pub(crate) struct QqFigure<'a> {
    /// The points and band.
    pub data: &'a Qq,
    /// The caption (with lambda_GC).
    pub title: String,
}

/// The QQ figure of `data` with caption `title`.
pub(crate) fn draw(data: &Qq, title: String) -> QqFigure<'_> {
    QqFigure { data, title }
}

impl Figure for QqFigure<'_> {
    fn paint<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let d = self.data;
        let x_top = d.x_max * 1.05;
        let y_top = d.y_max.max(d.x_max) * 1.05;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, font(18.0))
            .margin(8)
            .margin_right(16)
            .x_label_area_size(40)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..x_top, 0f64..y_top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_desc("Expected -log10(p)")
            .y_desc("Observed -log10(p)")
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .draw()?;

        let outline: Vec<(f64, f64)> = d
            .band
            .iter()
            .map(|&(x, hi, _)| (x, hi))
            .chain(d.band.iter().rev().map(|&(x, _, lo)| (x, lo)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(outline, BAND_COLOUR.filled())))?;
        let m = x_top.min(y_top);
        chart.draw_series(LineSeries::new([(0.0, 0.0), (m, m)], LINE_COLOUR.stroke_width(1)))?;

        // Every strong point, then one per pixel.
        let mut seen = HashSet::new();
        let points: Vec<(f64, f64)> = d
            .points
            .iter()
            .copied()
            .filter(|&(x, y)| y >= KEEP_ALL_ABOVE || seen.insert(chart.backend_coord(&(x, y))))
            .collect();
        chart.draw_series(points.iter().map(|&xy| Circle::new(xy, RADIUS, POINT_COLOUR.filled())))?;
        Ok(points.len())
    }
}
