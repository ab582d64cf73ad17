//! The reliability chart of saturation probabilities: predicted probability
//! against observed frequency, per bin, with the diagonal of perfect calibration.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    plot_rect, render_layout, write_png, Area, DrawResult, Legend, Sheet, Swatch, FONT, GRID_COLOR,
};
use crate::error::Result;
use crate::evaluate::SaturationScores;

/// The axis of a probability, with a little room beyond 0 and 1 so that points
/// there are not drawn on the frame (labelled every 0.1 by [`tenths`]).
fn unit_axis() -> std::ops::Range<f64> {
    -0.02..1.02
}

/// A probability tick label; `+ 0.0` turns a tick at -0.0 into 0.0.
fn tenths(v: &f64) -> String {
    format!("{:.1}", v + 0.0)
}

/// Pixels left of both plots for their value labels, so that their x axes align.
const LABEL_AREA: u32 = 64;

const CURVE_COLORS: [RGBColor; 4] = [
    RGBColor(8, 81, 156),
    RGBColor(230, 85, 13),
    RGBColor(49, 163, 84),
    RGBColor(117, 107, 177),
];

/// The reliability chart: for each bin of predicted probability, the share of
/// questions whose series reached capacity, with its Wilson 95 % interval and its
/// count; the diagonal marks perfect calibration. One curve per model scored.
///
/// ```no_run
/// # fn chart(scores: &headroom::evaluate::SaturationScores) -> headroom::Result<()> {
/// headroom::plot::ReliabilityChart::new()
///     .curve("auto", scores)
///     .render_png("reliability.png")?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReliabilityChart<'a> {
    curves: Vec<(String, &'a SaturationScores)>,
    title: Option<String>,
}

impl<'a> ReliabilityChart<'a> {
    /// An empty chart, 960 x 900 pixels.
    pub fn new() -> Self {
        ReliabilityChart::default()
    }

    /// Add the reliability table of `scores`, named `name` in the legend.
    pub fn curve(mut self, name: impl Into<String>, scores: &'a SaturationScores) -> Self {
        self.curves.push((name.into(), scores));
        self
    }

    /// Replace the first line of the title (default: "Reliability of the crossing
    /// probability"); the scores follow it.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Render to a PNG file.
    pub fn render_png(&self, path: impl AsRef<Path>) -> Result<()> {
        write_png(path.as_ref(), self.render_png_bytes())
    }

    /// Render to the bytes of a PNG file.
    pub fn render_png_bytes(&self) -> Result<Vec<u8>> {
        self.check()?;
        super::render((960, 900), |root, sheet| self.draw(root, sheet))
    }

    /// Where everything went, and the pixels under the legend (for tests).
    #[doc(hidden)]
    pub fn layout(&self) -> Result<super::Layout> {
        self.check()?;
        render_layout((960, 900), true, |root, sheet| self.draw(root, sheet)).map(|(_, l)| l)
    }

    fn check(&self) -> Result<()> {
        if self.curves.is_empty() {
            return Err(super::plot_error(
                Path::new(super::IN_MEMORY),
                &"no reliability table to draw",
            ));
        }
        Ok(())
    }

    /// Brier and AUC of each curve, for the title.
    fn score_line(&self) -> String {
        let one = |s: &SaturationScores| {
            let auc = s.auc.map_or("-".to_string(), |a| format!("{a:.3}"));
            format!(
                "Brier {:.3}, AUC {auc}, {} questions, {} crossed",
                s.brier, s.cases, s.crossings
            )
        };
        match self.curves.as_slice() {
            [(_, s)] => one(s),
            many => many
                .iter()
                .map(|(name, s)| {
                    let auc = s.auc.map_or("-".to_string(), |a| format!("{a:.3}"));
                    format!("{name}: Brier {:.3}, AUC {auc}", s.brier)
                })
                .collect::<Vec<_>>()
                .join(";  "),
        }
    }

    fn draw(&self, root: &Area<'_>, sheet: &mut Sheet) -> DrawResult {
        let heading = self
            .title
            .clone()
            .unwrap_or_else(|| "Reliability of the crossing probability".to_string());
        let (top, body) = root.split_vertically(78);
        let (width, _) = root.dim_in_pixel();
        let centre = width as i32 / 2;
        top.draw(&Text::new(
            heading,
            (centre, 14),
            TextStyle::from((FONT, 24).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        top.draw(&Text::new(
            self.score_line(),
            (centre, 48),
            TextStyle::from((FONT, 17).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let (main, counts) = body.split_vertically(600);
        self.draw_calibration(&main, sheet)?;
        self.draw_counts(&counts)
    }

    /// Observed frequency against mean predicted probability, bin by bin, with
    /// the Wilson 95 % interval of each frequency.
    fn draw_calibration(&self, area: &Area<'_>, sheet: &mut Sheet) -> DrawResult {
        let mut chart = ChartBuilder::on(area)
            .margin(24)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(30)
            .y_label_area_size(LABEL_AREA)
            .build_cartesian_2d(unit_axis(), unit_axis())?;
        chart
            .configure_mesh()
            .x_labels(11)
            .y_labels(11)
            .x_label_formatter(&tenths)
            .y_label_formatter(&tenths)
            .y_desc("observed frequency")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .light_line_style(WHITE)
            .bold_line_style(GRID_COLOR)
            .draw()?;
        let grey = RGBColor(120, 120, 120);
        chart.draw_series(DashedLineSeries::new(
            [(-0.02, -0.02), (1.02, 1.02)],
            8,
            6,
            grey.stroke_width(2),
        ))?;
        let mut legend = Legend::new();
        legend.entry(Swatch::Dashed(grey, 2), "perfectly calibrated");
        for (k, (name, scores)) in self.curves.iter().enumerate() {
            let color = CURVE_COLORS[k % CURVE_COLORS.len()];
            let bins: Vec<_> = scores.reliability.iter().filter(|b| b.count > 0).collect();
            for bin in &bins {
                let (lo, hi) = bin.observed_interval(95.0);
                let x = bin.mean_probability;
                chart.draw_series(std::iter::once(PathElement::new(
                    [(x, lo), (x, hi)],
                    color.mix(0.6).stroke_width(2),
                )))?;
            }
            let points: Vec<(f64, f64)> = bins
                .iter()
                .map(|b| (b.mean_probability, b.observed_frequency()))
                .collect();
            chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?;
            legend.entry(
                Swatch::Line(color, 3),
                format!("{name} (bars: 95 % interval of the frequency)"),
            );
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, color.filled())))?;
        }
        let plot = plot_rect(&chart);
        sheet.layout.plots.push(plot);
        sheet.legend_in(area, legend, plot);
        Ok(())
    }

    /// How many questions fell in each bin: one bar per bin and curve, its count
    /// written above it.
    fn draw_counts(&self, area: &Area<'_>) -> DrawResult {
        let most = self
            .curves
            .iter()
            .flat_map(|(_, s)| s.reliability.iter().map(|b| b.count))
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .margin(24)
            .margin_right(36)
            .margin_top(4)
            .x_label_area_size(52)
            .y_label_area_size(LABEL_AREA)
            .build_cartesian_2d(unit_axis(), 0.0..most * 1.3)?;
        chart
            .configure_mesh()
            .y_labels(3)
            .x_labels(11)
            .x_label_formatter(&tenths)
            .y_label_formatter(&|v: &f64| format!("{v:.0}"))
            .x_desc("predicted probability of reaching capacity")
            .y_desc("questions")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .light_line_style(WHITE)
            .bold_line_style(GRID_COLOR)
            .draw()?;
        let n = self.curves.len() as f64;
        let font =
            TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        for (k, (_, scores)) in self.curves.iter().enumerate() {
            let color = CURVE_COLORS[k % CURVE_COLORS.len()];
            for bin in scores.reliability.iter().filter(|b| b.count > 0) {
                let width = (bin.upper - bin.lower) / n;
                let x0 = bin.lower + k as f64 * width;
                let (x0, x1) = (x0 + 0.1 * width, x0 + 0.9 * width);
                let count = bin.count as f64;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, 0.0), (x1, count)],
                    color.mix(0.55).filled(),
                )))?;
                // Chart coordinates are the image's; the area's are its own.
                let (x, y) = chart.backend_coord(&((x0 + x1) / 2.0, count));
                let (bx, by) = area.get_base_pixel();
                area.draw(&Text::new(
                    bin.count.to_string(),
                    (x - bx, y - by - 3),
                    font.clone().color(&color),
                ))?;
            }
        }
        Ok(())
    }
}
