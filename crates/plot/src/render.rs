//! One figure drawn twice, as PNG and as SVG, and written crash-safe.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary and registered
//! with plotters' `ab_glyph` font table: no system font is looked up.

use std::io::Write;
use std::path::Path;
use std::sync::Once;

use genotype::AtomicFile;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// DejaVu Sans 2.37 (licence in `fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// The family name the figures ask for.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the embedded font (once per process).
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded file is a valid TrueType font (a unit test registers
        // it and measures text with it).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// The result of drawing on a backend `DB`.
pub(crate) type Drawn<DB> = std::result::Result<usize, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A figure that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Draws on `area` (already white); returns the number of points drawn.
    fn paint<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Drawn<DB>;
}

/// Draws `figure` at `size` pixels as PNG and SVG and writes both files
/// (each through an [`AtomicFile`]). Returns the number of points drawn.
///
/// # Errors
/// [`Error::Draw`] from the drawing library or the PNG encoder;
/// [`Error::Output`] when a file cannot be written.
pub(crate) fn write_figure(png: &Path, svg: &Path, size: (u32, u32), figure: &impl Figure) -> Result<usize> {
    register_font();
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    let n = {
        let area = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        area.fill(&WHITE).map_err(|e| Error::draw(png, e))?;
        let n = figure.paint(&area).map_err(|e| Error::draw(png, e))?;
        area.present().map_err(|e| Error::draw(png, e))?;
        n
    };
    let mut file = AtomicFile::create(png)?;
    {
        let mut enc = png::Encoder::new(&mut file, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::High);
        let mut writer = enc.write_header().map_err(|e| Error::draw(png, e))?;
        writer.write_image_data(&rgb).map_err(|e| Error::draw(png, e))?;
        writer.finish().map_err(|e| Error::draw(png, e))?;
    }
    file.commit()?;

    let mut text = String::new();
    let n_svg = {
        let area = SVGBackend::with_string(&mut text, size).into_drawing_area();
        area.fill(&WHITE).map_err(|e| Error::draw(svg, e))?;
        let n = figure.paint(&area).map_err(|e| Error::draw(svg, e))?;
        area.present().map_err(|e| Error::draw(svg, e))?;
        n
    };
    debug_assert_eq!(n, n_svg, "one figure, two backends, one set of points");
    let mut file = AtomicFile::create(svg)?;
    file.write_all(text.as_bytes()).map_err(|e| file.err(e))?;
    file.commit()?;
    Ok(n_svg)
}

/// A font of the embedded family at `size` pixels.
pub(crate) fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Normal)
}

/// An axis tick label: whole numbers without decimals.
pub(crate) fn tick(v: &f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_measures_text() {
        register_font();
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (100, 100)).into_drawing_area();
        let (w, h) = area.estimate_text_size("λGC = 1.000", &font(20.0).into()).unwrap();
        assert!(w > 60 && h > 10, "{w} x {h}");
    }
}
