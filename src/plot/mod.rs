//! Charts as PNG, drawn with plotters: a series' forecast ([`ForecastChart`]), a
//! fleet's crossing dates ([`FleetChart`]) and the reliability of saturation
//! probabilities ([`ReliabilityChart`]).
//!
//! Every chart renders to a file ([`ForecastChart::render_png`]) or to PNG bytes in
//! memory ([`ForecastChart::render_png_bytes`]), through the same code. Time axes
//! are labelled for the span shown ([`axes`]). Text is set in DejaVu Sans,
//! embedded from the `dejavu` crate, so charts render on machines without system
//! fonts.

pub mod axes;
mod envelope;
mod fleet;
mod forecast;
mod layout;
mod reliability;

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::error::{Error, Result};

pub use fleet::FleetChart;
pub use forecast::{value_column_name, ForecastChart};
#[doc(hidden)]
pub use layout::{Layout, Rect};
pub use reliability::ReliabilityChart;

pub(crate) use layout::{Legend, Sheet, Swatch};

const HISTORY_COLOR: RGBColor = RGBColor(55, 55, 55);
const CAPACITY_COLOR: RGBColor = RGBColor(203, 24, 29);
const GRID_COLOR: RGBColor = RGBColor(215, 215, 215);
/// A probability its own history says not to trust (`--self-check`): purple, a
/// colour no status uses, so the mark is not read as a status.
const TRUST_COLOR: RGBColor = RGBColor(117, 63, 160);
/// The fill behind the caution on the forecast chart: the trust colour, faint.
const TRUST_FILL: RGBColor = RGBColor(241, 234, 248);
const FONT: &str = "sans-serif";

/// The drawing area every chart draws on.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
/// What drawing on it can fail with.
pub(crate) type DrawResult = std::result::Result<(), DrawError>;
/// A drawing error of the bitmap backend.
pub(crate) type DrawError =
    DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

/// Where a rendering failed, for the error message: the file, or memory.
pub(crate) const IN_MEMORY: &str = "<PNG in memory>";

/// Draw with `draw` on a white canvas of `size` pixels, set its legends and
/// labels where they cover the least data, and encode it as PNG.
pub(crate) fn render(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>, &mut Sheet) -> DrawResult,
) -> Result<Vec<u8>> {
    render_layout(size, false, draw).map(|(png, _)| png)
}

/// [`render`], with where everything went; the pixels before the legends and
/// labels were set are kept in it when `keep_bare`.
pub(crate) fn render_layout(
    size: (u32, u32),
    keep_bare: bool,
    draw: impl FnOnce(&Area<'_>, &mut Sheet) -> DrawResult,
) -> Result<(Vec<u8>, Layout)> {
    let fail = |e: &dyn std::fmt::Display| plot_error(Path::new(IN_MEMORY), e);
    let (width, height) = size;
    if width == 0 || height == 0 {
        return Err(fail(&format!(
            "a chart of {width} x {height} pixels is empty"
        )));
    }
    // 50 megapixels (150 MB of pixels): far beyond any screen or page.
    if u64::from(width) * u64::from(height) > 50_000_000 {
        return Err(fail(&format!(
            "a chart of {width} x {height} pixels is too large to draw"
        )));
    }
    register_fonts().map_err(|e| fail(&e))?;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    let mut sheet = Sheet::default();
    sheet.layout.size = size;
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        draw(&root, &mut sheet).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    let Sheet {
        mut layout,
        overlays,
    } = sheet;
    if keep_bare {
        layout.bare = rgb.clone();
    }
    // One at a time, each on the pixels the ones before it left, so a label
    // avoids the legend as it avoids the data.
    let mut placed = Vec::new();
    for overlay in &overlays {
        let rect = layout::choose(&rgb, size, overlay, &placed);
        placed.push(rect);
        {
            let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
            layout::draw_overlay(&root, overlay, rect).map_err(|e| fail(&e))?;
            root.present().map_err(|e| fail(&e))?;
        }
        match &overlay.what {
            layout::Placed::Legend(legend, _) => {
                layout.legends.push(rect);
                let entries = legend.entries.iter().map(|(_, label)| label.clone());
                layout.legend_entries.extend(entries);
            }
            layout::Placed::Label(text, ..) => layout.labels.push((text.clone(), rect)),
        }
    }
    let png = encode_png(&rgb, size).map_err(|e| fail(&e))?;
    Ok((png, layout))
}

/// The pixel rectangle of a chart's plotting area (inside its axes).
pub(crate) fn plot_rect<DB: DrawingBackend, CT: plotters::coord::CoordTranslate>(
    chart: &ChartContext<'_, DB, CT>,
) -> Rect {
    let (x, y) = chart.plotting_area().get_pixel_range();
    Rect {
        x0: x.start,
        y0: y.start,
        x1: x.end,
        y1: y.end,
    }
}

/// 8-bit RGB pixels, row by row, as a PNG file.
fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> std::result::Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Charts are large flat areas: the best compression makes them several times
    // smaller than the default for a few milliseconds more.
    encoder.set_compression(png::Compression::Best);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Write rendered PNG bytes to `path`, naming it in any error.
pub(crate) fn write_png(path: &Path, rendered: Result<Vec<u8>>) -> Result<()> {
    let bytes = rendered.map_err(|e| match e {
        Error::Plot { message, .. } => plot_error(path, &message),
        other => other,
    })?;
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// An [`Error::Plot`] for the chart at `path`.
pub(crate) fn plot_error(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Plot {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The width in pixels of `text` in `font`, as the chart will set it.
fn text_width(area: &Area<'_>, text: &str, font: &TextStyle<'_>) -> i32 {
    area.estimate_text_size(text, font)
        .map(|(w, _)| w as i32)
        .unwrap_or((text.chars().count() * 9) as i32)
}

/// The caution a chart shows for this row: `None` unless it was self-checked and
/// its history says not to trust the probability ([`SelfCheck::caution`]).
///
/// [`SelfCheck::caution`]: crate::saturation::SelfCheck::caution
pub fn trust_caution(row: &crate::saturation::Saturation) -> Option<String> {
    row.self_check.and_then(|c| c.caution())
}

/// `text`, shortened with an ellipsis until it is at most `max` pixels wide in
/// `font` (a pooled model's name can run to several lines).
fn fit_text(area: &Area<'_>, text: &str, font: &TextStyle<'_>, max: i32) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut out = text.to_string();
    while text_width(area, &out, font) > max && !chars.is_empty() {
        chars.pop();
        out = chars.iter().collect::<String>().trim_end().to_string() + "…";
    }
    out
}

/// The right margin that keeps the last tick label of `axis` (centred on its
/// tick, possibly at the very end of the axis) inside the image.
fn right_margin(area: &Area<'_>, axis: &axes::TimeAxis, margin: u32) -> u32 {
    let font = TextStyle::from((FONT, 15).into_font());
    let half = text_width(area, &axis.last_label(), &font) / 2 + 8;
    margin.max(half.max(0) as u32)
}

/// Register DejaVu Sans (regular and bold) with plotters, once per process.
fn register_fonts() -> std::result::Result<(), String> {
    static REGISTERED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                .and_then(|_| register_font(FONT, FontStyle::Bold, dejavu::sans::bold()))
                .map_err(|_| "the embedded DejaVu Sans font could not be loaded".to_string())
        })
        .clone()
}
