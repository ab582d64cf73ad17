//! Forecast charts as PNG, drawn with plotters.
//!
//! The chart shows the recent history, the forecast with its 80 and 95 percent
//! bands (or whichever levels the forecast carries), the capacity line and, where
//! the forecast reaches capacity, a marker and a label with the date, the range and
//! the probability. Text is set in DejaVu Sans, embedded from the `dejavu` crate,
//! so charts render on machines without system fonts.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use plotters::coord::types::{RangedCoordf64, RangedDateTime};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

use crate::error::{Error, Result};
use crate::forecast::Forecast;
use crate::saturation::{Saturation, Status};
use crate::series::RegularSeries;
use crate::units::si;

const HISTORY_COLOR: RGBColor = RGBColor(55, 55, 55);
const FORECAST_COLOR: RGBColor = RGBColor(8, 81, 156);
const BAND_COLORS: [RGBColor; 3] = [
    RGBColor(198, 219, 239),
    RGBColor(140, 186, 222),
    RGBColor(90, 155, 205),
];
const CAPACITY_COLOR: RGBColor = RGBColor(203, 24, 29);
const FONT: &str = "sans-serif";

/// A forecast chart, built with methods that consume and return it.
///
/// ```no_run
/// # use headroom::{forecast::Forecast, plot::ForecastChart, RegularSeries};
/// # fn chart(history: &RegularSeries, forecast: &Forecast) -> headroom::Result<()> {
/// ForecastChart::new(history, forecast)
///     .capacity(500e9)
///     .render_png("disk.png")?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ForecastChart<'a> {
    history: &'a RegularSeries,
    forecast: &'a Forecast,
    capacity: Option<f64>,
    saturation: Option<&'a Saturation>,
    history_steps: Option<usize>,
    size: (u32, u32),
    unit: Option<String>,
}

impl<'a> ForecastChart<'a> {
    /// A chart of `forecast` after `history`. Defaults: 1280 x 720 pixels, the last
    /// four horizons of history (at least 48 steps), no capacity line.
    pub fn new(history: &'a RegularSeries, forecast: &'a Forecast) -> Self {
        ForecastChart {
            history,
            forecast,
            capacity: None,
            saturation: None,
            history_steps: None,
            size: (1280, 720),
            unit: None,
        }
    }

    /// Draw this capacity as a horizontal line.
    pub fn capacity(mut self, capacity: f64) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// Mark the saturation date and label it with its range and probability (the
    /// capacity line is taken from it too).
    pub fn saturation(mut self, saturation: &'a Saturation) -> Self {
        self.capacity = Some(saturation.capacity);
        self.saturation = Some(saturation);
        self
    }

    /// Show this many steps of history (default: four horizons, at least 48).
    pub fn history_steps(mut self, steps: usize) -> Self {
        self.history_steps = Some(steps);
        self
    }

    /// Image size in pixels (default 1280 x 720).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Name of the unit, written on the value axis (`bytes`, `%`).
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Render the chart to a PNG file.
    pub fn render_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let fail = |e: &dyn std::fmt::Display| plot_error(path, e);
        if self.forecast.horizon() == 0 {
            return Err(fail(&"the forecast is empty"));
        }
        register_fonts().map_err(|e| fail(&e))?;
        let root = BitMapBackend::new(path, self.size).into_drawing_area();
        self.draw(&root).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))
    }

    fn history_window(&self) -> (usize, usize) {
        let n = self.history.len();
        let default = (4 * self.forecast.horizon()).max(48);
        let shown = self.history_steps.unwrap_or(default).clamp(1, n);
        (n - shown, n)
    }

    fn value_range(&self) -> (f64, f64) {
        let (from, to) = self.history_window();
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut take = |v: f64| {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        };
        self.history.values()[from..to]
            .iter()
            .for_each(|&v| take(v));
        self.forecast.point.iter().for_each(|&v| take(v));
        for i in &self.forecast.intervals {
            i.lower.iter().chain(&i.upper).for_each(|&v| take(v));
        }
        if let Some(c) = self.capacity {
            take(c);
        }
        let pad = ((hi - lo) * 0.06).max(hi.abs() * 1e-3).max(1e-9);
        (lo - pad, hi + pad)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let (from, to) = self.history_window();
        let t0 = self.history.timestamp(from);
        let t1 = *self.forecast.timestamps.last().unwrap_or(&t0);
        let (y0, y1) = self.value_range();
        let span_days = (t1 - t0).num_hours() as f64 / 24.0;
        let time_format = if span_days > 3.0 {
            "%d %b"
        } else {
            "%d %b %H:%M"
        };
        let title = format!(
            "{}  ·  forecast by {}",
            self.forecast.series, self.forecast.model
        );

        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 26).into_font())
            .margin(24)
            .x_label_area_size(48)
            .y_label_area_size(84)
            .build_cartesian_2d(t0..t1, y0..y1)?;
        let axis = match &self.unit {
            Some(u) => format!("value ({u})"),
            None => "value".to_string(),
        };
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&|t: &DateTime<Utc>| t.format(time_format).to_string())
            .y_label_formatter(&|v: &f64| si(*v))
            .x_desc("time (UTC)")
            .y_desc(axis)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()?;

        self.draw_bands(&mut chart)?;
        let history: Vec<(DateTime<Utc>, f64)> = (from..to)
            .map(|i| (self.history.timestamp(i), self.history.values()[i]))
            .collect();
        let last = history[history.len() - 1];
        chart
            .draw_series(LineSeries::new(history, HISTORY_COLOR.stroke_width(1)))?
            .label("history")
            .legend(|(x, y)| {
                PathElement::new([(x, y), (x + 22, y)], HISTORY_COLOR.stroke_width(3))
            });
        let forecast: Vec<(DateTime<Utc>, f64)> = std::iter::once(last)
            .chain(
                self.forecast
                    .timestamps
                    .iter()
                    .copied()
                    .zip(self.forecast.point.iter().copied()),
            )
            .collect();
        chart
            .draw_series(LineSeries::new(forecast, FORECAST_COLOR.stroke_width(2)))?
            .label("forecast")
            .legend(|(x, y)| {
                PathElement::new([(x, y), (x + 22, y)], FORECAST_COLOR.stroke_width(3))
            });
        if let Some(c) = self.capacity {
            let style = CAPACITY_COLOR.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new([(t0, c), (t1, c)], 10, 6, style))?
                .label(format!("capacity {}", si(c)))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 22, y)], style));
        }
        self.draw_saturation(&mut chart, root)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .draw()?;
        Ok(())
    }

    fn draw_bands<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<
            '_,
            DB,
            Cartesian2d<
                plotters::coord::types::RangedDateTime<DateTime<Utc>>,
                plotters::coord::types::RangedCoordf64,
            >,
        >,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let mut intervals: Vec<_> = self.forecast.intervals.iter().collect();
        intervals.sort_by(|a, b| b.level.total_cmp(&a.level));
        for (k, interval) in intervals.iter().enumerate() {
            let color = BAND_COLORS[k.min(BAND_COLORS.len() - 1)];
            let ts = &self.forecast.timestamps;
            let outline: Vec<(DateTime<Utc>, f64)> = ts
                .iter()
                .copied()
                .zip(interval.upper.iter().copied())
                .chain(ts.iter().copied().zip(interval.lower.iter().copied()).rev())
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(outline, color.filled())))?
                .label(format!("{} % interval", interval.level))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 22, y + 6)], color.filled())
                });
        }
        Ok(())
    }

    fn draw_saturation<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<
            '_,
            DB,
            Cartesian2d<
                plotters::coord::types::RangedDateTime<DateTime<Utc>>,
                plotters::coord::types::RangedCoordf64,
            >,
        >,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let Some(s) = self.saturation else {
            return Ok(());
        };
        let (y0, y1) = self.value_range();
        let label = saturation_label(s);
        let horizon_end = self.forecast.timestamps.last().copied();
        // The crossing-time distribution along the capacity line: the 10th to 90th
        // percentile of the simulated crossing dates, or, without paths, the
        // range between the interval bounds' crossings.
        let range = match (s.p10_at, s.earliest_at) {
            (Some(a), _) => Some((a, s.p90_at.or(horizon_end))),
            (None, Some(e)) => Some((e, s.latest_at.or(horizon_end))),
            _ => None,
        };
        if let Some((a, Some(b))) = range {
            let half = 0.012 * (y1 - y0);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, s.capacity - half), (b, s.capacity + half)],
                CAPACITY_COLOR.mix(0.3).filled(),
            )))?;
        }
        let anchor_time = match (s.status, s.p50_at.or(s.saturation_at)) {
            (_, Some(at)) => {
                let style = CAPACITY_COLOR.stroke_width(1);
                chart.draw_series(DashedLineSeries::new(
                    [(at, y0), (at, s.capacity)],
                    6,
                    5,
                    style,
                ))?;
                chart.draw_series(std::iter::once(Circle::new(
                    (at, s.capacity),
                    7,
                    CAPACITY_COLOR.filled(),
                )))?;
                at
            }
            (Status::Saturated, None) => s.last_timestamp,
            _ => horizon_end.unwrap_or(s.last_timestamp),
        };
        let (px, py) = chart.backend_coord(&(anchor_time, s.capacity));
        let (width, _) = root.dim_in_pixel();
        let style = TextStyle::from((FONT, 17).into_font()).color(&CAPACITY_COLOR);
        let right_half = px > width as i32 / 2;
        let style = if right_half {
            style.pos(Pos::new(HPos::Right, VPos::Bottom))
        } else {
            style.pos(Pos::new(HPos::Left, VPos::Bottom))
        };
        let x = if right_half { px - 10 } else { px + 10 };
        root.draw(&Text::new(label, (x, py - 10), style))?;
        Ok(())
    }
}

/// The fleet at a glance: one row per series, in the order given (rank them
/// first), a bar from the 10th to the 90th percentile of its crossing date with
/// the median marked, on a dated axis, and the capacity-review date when given.
///
/// ```no_run
/// # fn fleet(rows: &[headroom::saturation::Saturation]) -> headroom::Result<()> {
/// headroom::plot::FleetChart::new(rows).render_png("fleet.png")?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct FleetChart<'a> {
    rows: &'a [Saturation],
    review: Option<DateTime<Utc>>,
}

impl<'a> FleetChart<'a> {
    /// A chart of these rows.
    pub fn new(rows: &'a [Saturation]) -> Self {
        FleetChart { rows, review: None }
    }

    /// Draw this capacity-review date as a vertical line.
    pub fn review(mut self, date: Option<DateTime<Utc>>) -> Self {
        self.review = date;
        self
    }

    /// Render to a PNG file, 1280 pixels wide and 36 per series tall.
    pub fn render_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let fail = |e: &dyn std::fmt::Display| plot_error(path, e);
        if self.rows.is_empty() {
            return Err(fail(&"no series to draw"));
        }
        register_fonts().map_err(|e| fail(&e))?;
        let height = 150 + 36 * self.rows.len() as u32;
        let root = BitMapBackend::new(path, (1280, height)).into_drawing_area();
        self.draw(&root).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))
    }

    fn time_range(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let mut times: Vec<DateTime<Utc>> = self.rows.iter().map(|r| r.last_timestamp).collect();
        for r in self.rows {
            times.extend([r.p10_at, r.p50_at, r.p90_at].into_iter().flatten());
        }
        times.extend(self.review);
        let lo = times.iter().min().copied().unwrap_or_default();
        let hi = times.iter().max().copied().unwrap_or(lo);
        let pad = ((hi - lo) / 12).max(chrono::TimeDelta::hours(1));
        (lo - pad / 3, hi + pad)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let (t0, t1) = self.time_range();
        let n = self.rows.len();
        let widest = self
            .rows
            .iter()
            .map(|r| r.series.chars().count())
            .max()
            .unwrap_or(8);
        let mut chart = ChartBuilder::on(root)
            .caption(
                "When each series reaches capacity: 10th to 90th percentile, median marked",
                (FONT, 22).into_font(),
            )
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(20 + 9 * widest.clamp(6, 40) as u32)
            .build_cartesian_2d(t0..t1, 0.0..n as f64)?;
        let span_days = (t1 - t0).num_hours() as f64 / 24.0;
        let time_format = if span_days > 3.0 {
            "%d %b"
        } else {
            "%d %b %H:%M"
        };
        let row_name = |y: &f64| -> String {
            let i = n as f64 - y - 0.5;
            let near = (i - i.round()).abs() < 0.01 && i > -0.5;
            near.then(|| self.rows.get(i.round() as usize).map(|r| r.series.clone()))
                .flatten()
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(2 * n + 1)
            .y_label_formatter(&row_name)
            .x_labels(10)
            .x_label_formatter(&|t: &DateTime<Utc>| t.format(time_format).to_string())
            .x_desc("time (UTC)")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        for (i, r) in self.rows.iter().enumerate() {
            self.draw_row(&mut chart, root, r, n as f64 - i as f64 - 0.5, t1)?;
        }
        if let Some(review) = self.review {
            let style = CAPACITY_COLOR.stroke_width(2);
            chart.draw_series(DashedLineSeries::new(
                [(review, 0.0), (review, n as f64)],
                8,
                5,
                style,
            ))?;
            let (x, y) = chart.backend_coord(&(review, n as f64));
            let text = format!("review {}", review.format("%d %b %Y"));
            root.draw(&Text::new(
                text,
                (x + 6, y + 2),
                (FONT, 14).into_font().color(&CAPACITY_COLOR),
            ))?;
        }
        Ok(())
    }

    fn draw_row<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<
            '_,
            DB,
            Cartesian2d<RangedDateTime<DateTime<Utc>>, RangedCoordf64>,
        >,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        r: &Saturation,
        y: f64,
        t1: DateTime<Utc>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let color = match r.status {
            Status::Saturated => CAPACITY_COLOR,
            _ if r.p50_at.is_some() => RGBColor(230, 85, 13),
            _ => RGBColor(120, 120, 120),
        };
        chart.draw_series(std::iter::once(Circle::new(
            (r.last_timestamp, y),
            3,
            HISTORY_COLOR.filled(),
        )))?;
        let end = r.p90_at.unwrap_or(t1);
        if let Some(start) = r.p10_at {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(start, y - 0.28), (end, y + 0.28)],
                color.mix(0.45).filled(),
            )))?;
        }
        if let Some(median) = r.p50_at {
            chart.draw_series(std::iter::once(PathElement::new(
                [(median, y - 0.38), (median, y + 0.38)],
                color.stroke_width(4),
            )))?;
        }
        let note = match (r.status, r.p50_at) {
            (Status::Saturated, _) => "already at capacity".to_string(),
            (_, Some(m)) => format!(
                "{} · {:.0} %",
                m.format("%d %b %H:%M"),
                100.0 * r.probability
            ),
            _ if r.probability > 0.0 => {
                format!("{:.0} % within the horizon", 100.0 * r.probability)
            }
            _ => "clear".to_string(),
        };
        let at = if r.p10_at.is_some() {
            end
        } else {
            r.last_timestamp
        };
        let (x, yy) = chart.backend_coord(&(at, y));
        root.draw(&Text::new(
            note,
            (x + 8, yy - 8),
            (FONT, 14).into_font().color(&color),
        ))?;
        Ok(())
    }
}

/// The sentence next to the saturation marker.
fn saturation_label(s: &Saturation) -> String {
    let day = |t: DateTime<Utc>| t.format("%d %b %H:%M").to_string();
    let p = format!("{:.0} %", s.probability * 100.0);
    let cap = si(s.capacity);
    match (s.status, s.p50_at.or(s.saturation_at)) {
        (Status::Saturated, _) => format!("already at capacity {cap}"),
        (_, Some(at)) => {
            let range = match (s.p10_at, s.p90_at, s.earliest_at, s.latest_at) {
                (Some(a), Some(b), _, _) => format!(" (80 %: {} – {})", day(a), day(b)),
                (Some(a), None, _, _) => format!(" (10 % by {})", day(a)),
                (None, _, Some(e), Some(l)) => format!(" (range {} – {})", day(e), day(l)),
                _ => String::new(),
            };
            format!("reaches {cap} around {}{range}; probability {p}", day(at))
        }
        (Status::Crossing, None) => match s.p10_at.or(s.earliest_at) {
            Some(e) => format!("may reach {cap} from {}; probability {p}", day(e)),
            None => format!("may reach {cap}; probability {p}"),
        },
        (Status::Clear, _) => format!("stays clear of {cap} (probability {p})"),
    }
}

/// An [`Error::Plot`] for the chart at `path`.
fn plot_error(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Plot {
        path: path.display().to_string(),
        message: e.to_string(),
    }
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
