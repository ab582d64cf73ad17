//! What a chart places after its data is drawn: legends and labels, each at the
//! candidate spot that covers the least drawn data, and a record of where
//! everything went ([`Layout`]) for tests to check.
//!
//! A chart first draws its data; the legend and the labels are then set on the
//! finished pixels, so "where the data is not" is read from the image itself
//! (every line, band, marker and earlier label counts), not guessed from the
//! data's values.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{text_width, Area, DrawResult, FONT, GRID_COLOR};

/// A rectangle of pixels, `x0..x1` by `y0..y1` (ends excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge (excluded).
    pub x1: i32,
    /// Bottom edge (excluded).
    pub y1: i32,
}

impl Rect {
    /// The rectangle of `size` whose top-left corner is `at`.
    pub fn at((x, y): (i32, i32), (w, h): (i32, i32)) -> Rect {
        Rect {
            x0: x,
            y0: y,
            x1: x + w,
            y1: y + h,
        }
    }

    /// Whether `other` lies wholly inside this rectangle.
    pub fn contains(&self, other: &Rect) -> bool {
        other.x0 >= self.x0 && other.y0 >= self.y0 && other.x1 <= self.x1 && other.y1 <= self.y1
    }

    /// Whether the two rectangles share a pixel.
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A dashed line.
    Dashed(RGBColor, u32),
    /// A filled box (a band).
    Fill(RGBColor),
    /// A filled dot of this radius.
    Dot(RGBColor, u32),
    /// An open ring of this radius.
    Ring(RGBColor, u32),
    /// A short vertical bar (a median mark).
    Tick(RGBColor),
    /// A line over a faint box: a mean and its range.
    LineOnFill(RGBColor, RGBColor),
}

/// A legend: entries in a box, one per row, or in one line when `horizontal`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Legend {
    pub entries: Vec<(Swatch, String)>,
    pub horizontal: bool,
}

/// Font size of legend text, pixels of a row, of the swatch, and of padding.
const LEGEND_FONT: u32 = 15;
const ROW_PX: i32 = 19;
const SWATCH_PX: i32 = 22;
const PAD_PX: i32 = 7;

impl Legend {
    /// A legend of one entry per row.
    pub fn new() -> Self {
        Legend::default()
    }

    /// Add an entry.
    pub fn entry(&mut self, swatch: Swatch, label: impl Into<String>) {
        self.entries.push((swatch, label.into()));
    }

    /// The box's size in pixels.
    pub fn size(&self, area: &Area<'_>) -> (i32, i32) {
        let font = TextStyle::from((FONT, LEGEND_FONT).into_font());
        let widths = self
            .entries
            .iter()
            .map(|(_, l)| SWATCH_PX + 8 + text_width(area, l, &font));
        if self.horizontal {
            let n = self.entries.len() as i32;
            let w: i32 = widths.sum::<i32>() + 24 * (n - 1).max(0);
            (w + 2 * PAD_PX, ROW_PX + 2 * PAD_PX)
        } else {
            let w = widths.max().unwrap_or(0);
            (
                w + 2 * PAD_PX,
                ROW_PX * self.entries.len() as i32 + 2 * PAD_PX - 2,
            )
        }
    }

    fn draw(&self, area: &Area<'_>, rect: Rect, boxed: bool) -> DrawResult {
        if boxed {
            area.draw(&Rectangle::new(
                [(rect.x0, rect.y0), (rect.x1 - 1, rect.y1 - 1)],
                WHITE.filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(rect.x0, rect.y0), (rect.x1 - 1, rect.y1 - 1)],
                RGBColor(180, 180, 180),
            ))?;
        }
        let font = TextStyle::from((FONT, LEGEND_FONT).into_font())
            .pos(Pos::new(HPos::Left, VPos::Center));
        let (mut x, mut y) = (rect.x0 + PAD_PX, rect.y0 + PAD_PX + ROW_PX / 2 - 1);
        for (swatch, label) in &self.entries {
            draw_swatch(area, *swatch, (x, y))?;
            area.draw(&Text::new(
                label.clone(),
                (x + SWATCH_PX + 8, y),
                font.clone(),
            ))?;
            if self.horizontal {
                x += SWATCH_PX + 8 + text_width(area, label, &font) + 24;
            } else {
                y += ROW_PX;
            }
        }
        Ok(())
    }
}

fn draw_swatch(area: &Area<'_>, swatch: Swatch, (x, y): (i32, i32)) -> DrawResult {
    let mid = x + SWATCH_PX / 2;
    match swatch {
        Swatch::Line(c, w) => area.draw(&PathElement::new(
            [(x, y), (x + SWATCH_PX, y)],
            c.stroke_width(w),
        )),
        Swatch::Dashed(c, w) => {
            for k in [0, 9, 18] {
                area.draw(&PathElement::new(
                    [(x + k, y), ((x + k + 5).min(x + SWATCH_PX), y)],
                    c.stroke_width(w),
                ))?;
            }
            Ok(())
        }
        Swatch::Fill(c) => area.draw(&Rectangle::new(
            [(x, y - 6), (x + SWATCH_PX, y + 6)],
            c.filled(),
        )),
        Swatch::Dot(c, r) => area.draw(&Circle::new((mid, y), r, c.filled())),
        Swatch::Ring(c, r) => area.draw(&Circle::new((mid, y), r, c.stroke_width(2))),
        Swatch::Tick(c) => area.draw(&PathElement::new(
            [(mid, y - 7), (mid, y + 7)],
            c.stroke_width(4),
        )),
        Swatch::LineOnFill(line, fill) => {
            draw_swatch(area, Swatch::Fill(fill), (x, y))?;
            draw_swatch(area, Swatch::Line(line, 3), (x, y))
        }
    }
}

/// Something set on the finished chart at the candidate spot covering the
/// least drawn data (the first such spot, so candidates go in order of
/// preference).
#[derive(Clone, Debug)]
pub(crate) struct Overlay {
    pub what: Placed,
    pub size: (i32, i32),
    pub candidates: Vec<(i32, i32)>,
}

/// What an overlay draws.
#[derive(Clone, Debug)]
pub(crate) enum Placed {
    /// A legend, boxed unless it sits outside the plotting area.
    Legend(Legend, bool),
    /// A label: its text, font size and colour.
    Label(String, u32, RGBColor),
}

/// Where a chart put its frame, legend and labels, and how it drew dense data:
/// for tests that check that no legend covers data and no text leaves the frame.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// The image size in pixels.
    pub size: (u32, u32),
    /// The plotting areas (the frames inside the axes), one per plot.
    pub plots: Vec<Rect>,
    /// The legends' boxes.
    pub legends: Vec<Rect>,
    /// Every label drawn on the data, with its box.
    pub labels: Vec<(String, Rect)>,
    /// The legends' entries, in order.
    pub legend_entries: Vec<String>,
    /// Marks drawn at a point (`median crossing`, `forecast crossing`): the
    /// pixel of their centre.
    pub markers: Vec<(String, (i32, i32))>,
    /// How the forecast chart summarised dense data (`daily`), when it did.
    pub envelope: Option<String>,
    /// The value axis' tick labels.
    pub y_ticks: Vec<String>,
    /// The value axis' title.
    pub y_title: String,
    /// The pixels (RGB) before the legends and placed labels were drawn.
    pub bare: Vec<u8>,
}

/// What a chart's drawing hands over: the layout so far and what to place last.
#[derive(Debug, Default)]
pub(crate) struct Sheet {
    pub layout: Layout,
    pub overlays: Vec<Overlay>,
}

impl Sheet {
    /// Place a legend inside `plot` at the corner (or edge middle) covering the
    /// least data; upper left first, then upper right, lower left, lower right.
    pub fn legend_in(&mut self, area: &Area<'_>, legend: Legend, plot: Rect) {
        if legend.entries.is_empty() {
            return;
        }
        let size = legend.size(area);
        let inset = 8;
        let (l, r) = (plot.x0 + inset, plot.x1 - inset - size.0);
        let (t, b) = (plot.y0 + inset, plot.y1 - inset - size.1);
        let (cx, cy) = ((l + r) / 2, (t + b) / 2);
        let candidates = vec![
            (l, t),
            (r, t),
            (l, b),
            (r, b),
            (cx, t),
            (cx, b),
            (l, cy),
            (r, cy),
        ];
        self.overlays.push(Overlay {
            what: Placed::Legend(legend, true),
            size,
            candidates,
        });
    }

    /// Set a legend at a fixed spot (outside the plot).
    pub fn legend_at(&mut self, area: &Area<'_>, legend: Legend, at: (i32, i32)) {
        let size = legend.size(area);
        self.overlays.push(Overlay {
            what: Placed::Legend(legend, false),
            size,
            candidates: vec![at],
        });
    }

    /// Place a label at the least covered of `candidates` (top-left corners),
    /// each moved inside `plot` first; the text is shortened to fit `plot`.
    pub fn label_in(
        &mut self,
        area: &Area<'_>,
        text: &str,
        (size, color): (u32, RGBColor),
        plot: Rect,
        candidates: impl Fn((i32, i32)) -> Vec<(i32, i32)>,
    ) {
        let font = TextStyle::from((FONT, size).into_font());
        let text = super::fit_text(area, text, &font, plot.x1 - plot.x0 - 8);
        let w = text_width(area, &text, &font);
        let h = size as i32 + 4;
        let inside = |(x, y): (i32, i32)| {
            (
                x.min(plot.x1 - 4 - w).max(plot.x0 + 4),
                y.min(plot.y1 - 2 - h).max(plot.y0 + 2),
            )
        };
        self.overlays.push(Overlay {
            what: Placed::Label(text, size, color),
            size: (w, h),
            candidates: candidates((w, h)).into_iter().map(inside).collect(),
        });
    }

    /// Record a label drawn directly (not placed), for the layout.
    pub fn drawn_label(&mut self, area: &Area<'_>, text: &str, size: u32, at: (i32, i32)) {
        let font = TextStyle::from((FONT, size).into_font());
        let w = text_width(area, text, &font);
        self.layout
            .labels
            .push((text.to_string(), Rect::at(at, (w, size as i32 + 4))));
    }
}

/// Pixels between two candidate spots of the sweep that follows the preferred
/// candidates.
const SWEEP_PX: i32 = 8;

/// Where `overlay` goes: the first of its candidates that covers no ink; else
/// the spot covering the least ink among its candidates and a sweep of the
/// area they span (every [`SWEEP_PX`] pixels), the candidates first on ties.
/// The boxes of the overlays `placed` before count as solid ink (a legend's
/// white box is not a free spot for a label).
pub(crate) fn choose(rgb: &[u8], size: (u32, u32), overlay: &Overlay, placed: &[Rect]) -> Rect {
    let table = InkTable::new(rgb, size);
    let (w, h) = overlay.size;
    let at = |p: (i32, i32)| Rect::at(p, (w, h));
    let covered = |r: Rect| -> usize {
        placed
            .iter()
            .map(|p| {
                let dx = (r.x1.min(p.x1) - r.x0.max(p.x0)).max(0);
                let dy = (r.y1.min(p.y1) - r.y0.max(p.y0)).max(0);
                (dx * dy) as usize
            })
            .sum()
    };
    let consider = |best: &mut Option<(usize, Rect)>, r: Rect| {
        let ink = table.ink(r) + covered(r);
        if best.is_none_or(|(b, _)| ink < b) {
            *best = Some((ink, r));
        }
    };
    let mut best: Option<(usize, Rect)> = None;
    for &p in &overlay.candidates {
        consider(&mut best, at(p));
    }
    if overlay.candidates.len() > 1 && best.is_some_and(|(ink, _)| ink > 0) {
        let xs = overlay.candidates.iter().map(|c| c.0);
        let ys = overlay.candidates.iter().map(|c| c.1);
        let (x0, x1) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0));
        let (y0, y1) = (ys.clone().min().unwrap_or(0), ys.max().unwrap_or(0));
        for y in (y0..=y1).step_by(SWEEP_PX as usize) {
            for x in (x0..=x1).step_by(SWEEP_PX as usize) {
                consider(&mut best, at((x, y)));
            }
        }
    }
    best.map(|(_, r)| r).unwrap_or(at((0, 0)))
}

/// Summed counts of drawn pixels (neither white nor grid), so that the ink in
/// any rectangle is four lookups.
struct InkTable {
    width: usize,
    height: usize,
    sums: Vec<u32>,
}

impl InkTable {
    fn new(rgb: &[u8], (width, height): (u32, u32)) -> Self {
        let (w, h) = (width as usize, height as usize);
        let mut sums = vec![0u32; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0;
            for x in 0..w {
                let i = 3 * (y * w + x);
                let p = [rgb[i], rgb[i + 1], rgb[i + 2]];
                row += u32::from(p != [255; 3] && p != [GRID_COLOR.0, GRID_COLOR.1, GRID_COLOR.2]);
                sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
            }
        }
        InkTable {
            width: w,
            height: h,
            sums,
        }
    }

    /// Drawn pixels in `r` (clipped to the image).
    fn ink(&self, r: Rect) -> usize {
        let clip = |v: i32, max: usize| v.clamp(0, max as i32) as usize;
        let (x0, x1) = (clip(r.x0, self.width), clip(r.x1, self.width));
        let (y0, y1) = (clip(r.y0, self.height), clip(r.y1, self.height));
        if x0 >= x1 || y0 >= y1 {
            return 0;
        }
        let at = |x: usize, y: usize| self.sums[y * (self.width + 1) + x] as i64;
        (at(x1, y1) - at(x0, y1) - at(x1, y0) + at(x0, y0)) as usize
    }
}

/// Draw an overlay in `rect`.
pub(crate) fn draw_overlay(area: &Area<'_>, overlay: &Overlay, rect: Rect) -> DrawResult {
    match &overlay.what {
        Placed::Legend(legend, boxed) => legend.draw(area, rect, *boxed),
        Placed::Label(text, size, color) => {
            let font = TextStyle::from((FONT, *size).into_font())
                .color(color)
                .pos(Pos::new(HPos::Left, VPos::Top));
            area.draw(&Text::new(text.clone(), (rect.x0, rect.y0 + 2), font))
        }
    }
}

/// `color` at `alpha` over white, as one opaque colour (for a legend swatch).
pub(crate) fn faint(color: RGBColor, alpha: f64) -> RGBColor {
    let mix = |c: u8| (alpha * f64::from(c) + (1.0 - alpha) * 255.0).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}
