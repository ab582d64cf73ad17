//! The burn-down chart: the budget remaining over the window, the simulated futures
//! as a fan, and the date it runs out with its range.

use std::path::Path;

use chrono::{DateTime, Utc};
use plotters::coord::types::{RangedCoordf64, RangedDateTime};
use plotters::prelude::*;

use super::{BudgetForecast, FAN_QUANTILES};
use crate::error::Result;
use crate::plot::{plot_rect, Area, DrawResult, Legend, Sheet, Swatch};

const HISTORY_COLOR: RGBColor = RGBColor(55, 55, 55);
const MEDIAN_COLOR: RGBColor = RGBColor(8, 81, 156);
/// Fan bands from the outermost (5th to 95th percentile) inwards.
const BAND_COLORS: [RGBColor; 3] = [
    RGBColor(222, 235, 247),
    RGBColor(175, 206, 232),
    RGBColor(120, 170, 214),
];
const EXHAUSTED_COLOR: RGBColor = RGBColor(203, 24, 29);
const FONT: &str = "sans-serif";

type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedDateTime<DateTime<Utc>>, RangedCoordf64>>;

/// A burn-down chart of one service's budget, built with methods that consume and
/// return it.
///
/// ```no_run
/// # fn chart(budget: &headroom::budget::BudgetForecast) -> headroom::Result<()> {
/// headroom::budget::BurnDownChart::new(budget).render_png("budget.png")?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BurnDownChart<'a> {
    budget: &'a BudgetForecast,
    size: (u32, u32),
}

impl<'a> BurnDownChart<'a> {
    /// A chart of this forecast, 1280 x 720 pixels.
    pub fn new(budget: &'a BudgetForecast) -> Self {
        BurnDownChart {
            budget,
            size: (1280, 720),
        }
    }

    /// Image size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Render the chart to a PNG file.
    pub fn render_png(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::plot::write_png(path.as_ref(), self.render_png_bytes())
    }

    /// Render the chart to the bytes of a PNG file (the same code as
    /// [`render_png`](Self::render_png)).
    pub fn render_png_bytes(&self) -> Result<Vec<u8>> {
        self.check()?;
        crate::plot::render(self.size, |root, sheet| self.draw(root, sheet))
    }

    /// Where everything went, and the pixels under the legend and label (for
    /// tests).
    #[doc(hidden)]
    pub fn layout(&self) -> Result<crate::plot::Layout> {
        self.check()?;
        crate::plot::render_layout(self.size, true, |root, sheet| self.draw(root, sheet))
            .map(|(_, layout)| layout)
    }

    fn check(&self) -> Result<()> {
        if self.budget.burn_down.timestamps.is_empty() {
            return Err(crate::plot::plot_error(
                Path::new(crate::plot::IN_MEMORY),
                &"the burn-down has no future steps",
            ));
        }
        Ok(())
    }

    /// The remaining share shown: down to below the lowest 5th percentile (or
    /// 10 % overspent), at most 100 % overspent: what lies lower is past
    /// exhaustion, and the lines are clipped there.
    fn value_range(&self) -> (f64, f64) {
        let b = &self.budget.burn_down;
        let lowest = b
            .history
            .iter()
            .map(|(_, v)| *v)
            .chain(b.quantiles[0].iter().copied())
            .fold(-0.1, f64::min);
        let lo = lowest.max(-1.0);
        (lo - 0.05 * (1.05 - lo), 1.05)
    }

    fn draw(&self, root: &Area<'_>, sheet: &mut Sheet) -> DrawResult {
        let b = &self.budget.burn_down;
        let row = &self.budget.row;
        let (t0, t1) = (b.window_start, b.window_end);
        let (y0, y1) = self.value_range();
        let clip = |v: f64| v.clamp(y0, y1);
        let title = format!(
            "{}  ·  error budget of {} % over {}  ·  {} simulated futures",
            row.service, row.objective, row.window, self.budget.paths
        );
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 24).into_font())
            .margin(24)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(t0..t1, y0..y1)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(10)
            .x_label_formatter(&|t: &DateTime<Utc>| t.format("%d %b").to_string())
            .y_label_formatter(&|v: &f64| format!("{:.0} %", 100.0 * v))
            .x_desc("time (UTC)")
            .y_desc("budget remaining")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()?;

        let plot = plot_rect(&chart);
        sheet.layout.plots.push(plot);
        let mut legend = Legend::new();
        self.draw_fan(&mut chart, &clip, &mut legend)?;
        let history: Vec<(DateTime<Utc>, f64)> =
            b.history.iter().map(|&(t, v)| (t, clip(v))).collect();
        chart.draw_series(LineSeries::new(history, HISTORY_COLOR.stroke_width(2)))?;
        legend.entry(Swatch::Line(HISTORY_COLOR, 3), "budget remaining so far");
        let zero = EXHAUSTED_COLOR.stroke_width(2);
        chart.draw_series(DashedLineSeries::new([(t0, 0.0), (t1, 0.0)], 10, 6, zero))?;
        legend.entry(Swatch::Dashed(EXHAUSTED_COLOR, 2), "budget exhausted");
        let grey = RGBColor(120, 120, 120).stroke_width(1);
        chart.draw_series(DashedLineSeries::new(
            [(b.now, y0), (b.now, y1)],
            4,
            4,
            grey,
        ))?;
        let (nx, ny) = chart.backend_coord(&(b.now, y1));
        root.draw(&Text::new(
            "now",
            (nx + 4, ny + 4),
            (FONT, 14).into_font().color(&RGBColor(90, 90, 90)),
        ))?;
        self.draw_exhaustion(&mut chart, root, sheet, (y0, y1))?;
        // The legend goes where the fan and the history are not (upper right
        // used to cover the fan of a budget that lasts).
        sheet.legend_in(root, legend, plot);
        Ok(())
    }

    fn draw_fan(
        &self,
        chart: &mut Chart<'_, '_>,
        clip: &dyn Fn(f64) -> f64,
        legend: &mut Legend,
    ) -> DrawResult {
        let b = &self.budget.burn_down;
        let n = FAN_QUANTILES.len();
        // Start every line at now, from the budget remaining then.
        let start = b.history.last().map(|&(t, v)| (t, clip(v)));
        let line = |values: &[f64]| -> Vec<(DateTime<Utc>, f64)> {
            start
                .into_iter()
                .chain(
                    b.timestamps
                        .iter()
                        .copied()
                        .zip(values.iter().map(|&v| clip(v))),
                )
                .collect()
        };
        for (k, color) in BAND_COLORS.iter().enumerate() {
            let (lower, upper) = (line(&b.quantiles[k]), line(&b.quantiles[n - 1 - k]));
            let outline: Vec<(DateTime<Utc>, f64)> = upper
                .iter()
                .copied()
                .chain(lower.iter().rev().copied())
                .collect();
            let label = format!(
                "{:.0}–{:.0} % of futures",
                100.0 * FAN_QUANTILES[k],
                100.0 * FAN_QUANTILES[n - 1 - k]
            );
            chart.draw_series(std::iter::once(Polygon::new(outline, color.filled())))?;
            legend.entry(Swatch::Fill(*color), label);
        }
        for sample in &b.samples {
            chart.draw_series(LineSeries::new(
                line(sample),
                MEDIAN_COLOR.mix(0.18).stroke_width(1),
            ))?;
        }
        chart.draw_series(LineSeries::new(
            line(&b.quantiles[n / 2]),
            MEDIAN_COLOR.stroke_width(2),
        ))?;
        legend.entry(Swatch::Line(MEDIAN_COLOR, 3), "median future");
        Ok(())
    }

    fn draw_exhaustion(
        &self,
        chart: &mut Chart<'_, '_>,
        root: &Area<'_>,
        sheet: &mut Sheet,
        (y0, y1): (f64, f64),
    ) -> DrawResult {
        let row = &self.budget.row;
        let end = self.budget.burn_down.window_end;
        if let Some(a) = row.p10_at {
            let b = row.p90_at.unwrap_or(end);
            let half = 0.015 * (y1 - y0);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, -half), (b, half)],
                EXHAUSTED_COLOR.mix(0.3).filled(),
            )))?;
        }
        let anchor = match row.p50_at {
            Some(at) => {
                let style = EXHAUSTED_COLOR.stroke_width(1);
                chart.draw_series(DashedLineSeries::new([(at, y0), (at, 0.0)], 6, 5, style))?;
                chart.draw_series(std::iter::once(Circle::new(
                    (at, 0.0),
                    7,
                    EXHAUSTED_COLOR.filled(),
                )))?;
                at
            }
            None => row.p10_at.unwrap_or(self.budget.burn_down.now),
        };
        let (px, py) = chart.backend_coord(&(anchor, 0.0));
        let plot = plot_rect(chart);
        let right_half = px > (plot.x0 + plot.x1) / 2;
        // Beside the marker above the exhaustion line, on the side with more
        // room, else below it; inside the frame where it covers the least.
        sheet.label_in(
            root,
            &self.label(),
            (17, EXHAUSTED_COLOR),
            plot,
            |(w, h)| {
                let (left, right) = (px - 10 - w, px + 10);
                let sides = if right_half {
                    [left, right]
                } else {
                    [right, left]
                };
                [-10 - h, 10]
                    .iter()
                    .flat_map(|dy| sides.iter().map(move |&x| (x, py + dy)))
                    .collect()
            },
        );
        Ok(())
    }

    /// The sentence at the exhaustion marker.
    fn label(&self) -> String {
        let row = &self.budget.row;
        let day = |t: DateTime<Utc>| t.format("%d %b %H:%M").to_string();
        let p = crate::units::probability_words(row.probability);
        match (row.p50_at, row.p10_at, row.p90_at) {
            (Some(m), Some(a), Some(b)) if a == b => format!("ran out {}", day(m)),
            (Some(m), Some(a), Some(b)) => format!(
                "runs out around {} (80 %: {} – {}); probability {p}",
                day(m),
                day(a),
                day(b)
            ),
            (Some(m), _, _) => format!("runs out around {}; probability {p}", day(m)),
            (None, Some(a), _) => format!("may run out from {}; probability {p}", day(a)),
            _ => format!("lasts the window; probability of running out {p}"),
        }
    }
}
