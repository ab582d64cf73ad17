//! The forecast chart: recent history, the forecast with its bands, the capacity
//! line and, where the forecast reaches capacity, a marker and a sentence with the
//! date, the range and the probability.

use std::path::Path;

use chrono::{DateTime, Utc};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::{RangedCoordf64, RangedDateTime};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{DatePrecision, TimeAxis};
use super::envelope::{self, Bucket, Summary};
use super::{
    plot_rect, render_layout, right_margin, trust_caution, write_png, Area, DrawError, DrawResult,
    Legend, Rect, Sheet, Swatch, CAPACITY_COLOR, FONT, GRID_COLOR, HISTORY_COLOR, TRUST_COLOR,
    TRUST_FILL,
};
use crate::error::Result;
use crate::forecast::Forecast;
use crate::ingest::Layout;
use crate::saturation::{Saturation, Status};
use crate::series::{RegularSeries, Step};
use crate::units::{si, Unit};

const FORECAST_COLOR: RGBColor = RGBColor(8, 81, 156);
const BAND_COLORS: [RGBColor; 3] = [
    RGBColor(198, 219, 239),
    RGBColor(140, 186, 222),
    RGBColor(90, 155, 205),
];
/// Pixels of margin around the chart; labels are kept inside it.
const MARGIN: u32 = 24;
/// Pixels left of the plotting area for the value labels.
const Y_LABELS: u32 = 84;
/// Pixels below the chart for the caution of a probability not to be trusted.
const CAUTION_PX: u32 = 46;

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<WithKeyPoints<RangedDateTime<DateTime<Utc>>>, ValueRange>,
>;

/// A sentence and the pixel it belongs beside.
type Anchored = (String, (i32, i32));

/// The value axis: a linear range with its ticks where the unit puts them
/// (`WithKeyPoints` over an `f64` range cannot take a label formatter).
#[derive(Clone)]
struct ValueRange {
    range: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for ValueRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // The ticks are the bold grid lines; there are no light ones.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

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
    unit: Option<Unit>,
    binary: bool,
    value_name: Option<String>,
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
            binary: false,
            value_name: None,
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

    /// The unit of the values (`bytes`, `MB`, `GiB`, `%`, `seconds`, or any other
    /// name, [`Unit::parse`]): the value axis is titled with it and, for bytes,
    /// percentages and times, its ticks are written in it (`1.2 GB`, `80 %`).
    /// Without it, the unit is read from the value name or the series name
    /// (`mem_free_mb`, `disk_used_bytes`, `cpu_pct`; [`Unit::from_name`]).
    pub fn unit(mut self, unit: impl AsRef<str>) -> Self {
        self.unit = Unit::parse(unit.as_ref()).ok();
        self
    }

    /// Write bytes in binary prefixes (`GiB`) rather than SI ones (`GB`): as
    /// the capacity was written (`16GiB`). A unit given in binary (`MiB`) is
    /// written in binary prefixes either way.
    pub fn binary_units(mut self, binary: bool) -> Self {
        self.binary = binary;
        self
    }

    /// Name of the value axis: what the values are, as the input's value column
    /// calls them (`mem_free_mb`); default `value`.
    pub fn value_name(mut self, name: impl Into<String>) -> Self {
        self.value_name = Some(name.into());
        self
    }

    /// The unit: as given, else read from the value name, else from the series'.
    fn resolved_unit(&self) -> Option<Unit> {
        self.unit
            .clone()
            .or_else(|| self.value_name.as_deref().and_then(Unit::from_name))
            .or_else(|| Unit::from_name(self.history.name()))
            // A unit written in binary (`GiB`) stays binary.
            .map(|u| if self.binary { u.with_binary(true) } else { u })
    }

    /// A value as the chart writes it: in the unit, else with an SI suffix.
    fn format_value(&self, v: f64) -> String {
        match self.resolved_unit() {
            Some(u @ (Unit::Bytes { .. } | Unit::Percent | Unit::Seconds { .. })) => u.format(v),
            _ => si(v),
        }
    }

    /// The value axis' title: the value name with the unit in brackets, the
    /// unit alone, or `value`.
    fn value_axis(&self) -> String {
        let unit = self.resolved_unit();
        match (&self.value_name, &unit) {
            (Some(name), Some(u)) => format!("{name} ({})", u.title()),
            (Some(name), None) => name.clone(),
            (None, Some(Unit::Percent)) => "percent".to_string(),
            (None, Some(u)) => u.title().to_string(),
            (None, None) => "value".to_string(),
        }
    }

    /// Where everything went, and the pixels under the legend and labels (for
    /// tests).
    #[doc(hidden)]
    pub fn layout(&self) -> Result<super::Layout> {
        self.check()?;
        render_layout(self.size, true, |root, sheet| self.draw(root, sheet)).map(|(_, l)| l)
    }

    /// Render the chart to a PNG file.
    pub fn render_png(&self, path: impl AsRef<Path>) -> Result<()> {
        write_png(path.as_ref(), self.render_png_bytes())
    }

    /// Render the chart to the bytes of a PNG file.
    pub fn render_png_bytes(&self) -> Result<Vec<u8>> {
        self.check()?;
        super::render(self.size, |root, sheet| self.draw(root, sheet))
    }

    fn check(&self) -> Result<()> {
        if self.forecast.horizon() == 0 {
            return Err(super::plot_error(
                Path::new(super::IN_MEMORY),
                &"the forecast is empty",
            ));
        }
        Ok(())
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

    /// The chart, and below it, when the row's self-check says not to trust its
    /// probability, a boxed caution line: under the chart rather than on it, so
    /// it never hides the data or the saturation label, and the chart above is
    /// the same chart, only shorter.
    fn draw(&self, root: &Area<'_>, sheet: &mut Sheet) -> DrawResult {
        let Some(caution) = self.saturation.and_then(trust_caution) else {
            return self.draw_chart(root, sheet);
        };
        let (_, height) = root.dim_in_pixel();
        let (chart, strip) = root.split_vertically(height.saturating_sub(CAUTION_PX));
        self.draw_chart(&chart, sheet)?;
        draw_caution(&strip, &caution)
    }

    fn draw_chart(&self, root: &Area<'_>, sheet: &mut Sheet) -> DrawResult {
        let (from, to) = self.history_window();
        let t0 = self.history.timestamp(from);
        let t1 = *self.forecast.timestamps.last().unwrap_or(&t0);
        let (y0, y1) = self.value_range();
        let axis = TimeAxis::new(t0, t1, self.size.0.saturating_sub(3 * MARGIN + Y_LABELS));
        let title_font: TextStyle = (FONT, 26).into_font().into();
        let title = super::fit_text(
            root,
            &format!(
                "{}  ·  forecast by {}",
                self.forecast.series, self.forecast.model
            ),
            &title_font,
            self.size.0 as i32 - 2 * MARGIN as i32,
        );
        let y_ticks: Vec<(f64, String)> = match self.resolved_unit() {
            Some(u @ (Unit::Bytes { .. } | Unit::Percent | Unit::Seconds { .. })) => {
                u.ticks(y0, y1, 8)
            }
            // plotters' own ticks, so a chart without a unit is drawn as before.
            _ => RangedCoordf64::from(y0..y1)
                .key_points(8usize)
                .into_iter()
                .map(|v| (v, si(v)))
                .collect(),
        };
        let tick_label = |v: &f64| {
            y_ticks
                .iter()
                .min_by(|a, b| (a.0 - v).abs().total_cmp(&(b.0 - v).abs()))
                .map(|t| t.1.clone())
                .unwrap_or_default()
        };
        let mut chart = ChartBuilder::on(root)
            .caption(title, title_font)
            .margin(MARGIN)
            .margin_right(right_margin(root, &axis, MARGIN))
            .x_label_area_size(48)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(
                (t0..t1).with_key_points(axis.ticks().to_vec()),
                ValueRange {
                    range: (y0..y1).into(),
                    ticks: y_ticks.iter().map(|t| t.0).collect(),
                },
            )?;
        let value_axis = self.value_axis();
        chart
            .configure_mesh()
            .x_label_formatter(&|t: &DateTime<Utc>| axis.label(t))
            .y_label_formatter(&tick_label)
            .x_desc(axis.caption())
            .y_desc(value_axis.clone())
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .light_line_style(WHITE)
            .bold_line_style(GRID_COLOR)
            .draw()?;
        let plot = plot_rect(&chart);
        sheet.layout.plots.push(plot);
        sheet.layout.y_ticks = y_ticks.iter().map(|t| t.1.clone()).collect();
        sheet.layout.y_title = value_axis;

        let mut hole = vec![false; to - from];
        for &(at, len) in self.history.holes() {
            for i in at.max(from)..(at + len).min(to) {
                hole[i - from] = true;
            }
        }
        let history: Vec<(DateTime<Utc>, f64)> = (from..to)
            .filter(|&i| !hole[i - from])
            .map(|i| (self.history.timestamp(i), self.history.values()[i]))
            .collect();
        let forecast: Vec<(DateTime<Utc>, f64)> = self
            .forecast
            .timestamps
            .iter()
            .copied()
            .zip(self.forecast.point.iter().copied())
            .collect();
        let width = f64::from((plot.x1 - plot.x0).max(1));
        let height = f64::from((plot.y1 - plot.y0).max(1));
        let cycles = envelope::visible_cycles(&self.history.values()[from..to], (y0, y1), height)
            + envelope::visible_cycles(&self.forecast.point, (y0, y1), height);
        let mut legend = Legend::new();
        if envelope::too_dense(cycles, width) {
            let span = (t1 - t0).as_seconds_f64();
            let bucket = envelope::bucket(self.history.step().nominal_seconds(), span, width);
            sheet.layout.envelope = Some(bucket.name.to_string());
            self.draw_envelope(&mut chart, &mut legend, bucket, &history, &forecast)?;
        } else {
            self.draw_bands(&mut chart, &mut legend)?;
            let last = history[history.len() - 1];
            // Holes in the history (closed hours, long gaps) are drawn as gaps.
            let step = self.history.step();
            let style = HISTORY_COLOR.stroke_width(1);
            let pieces = runs(history, step).into_iter();
            chart.draw_series(pieces.map(|r| PathElement::new(r, style)))?;
            legend.entry(Swatch::Line(HISTORY_COLOR, 3), "history");
            let forecast: Vec<_> = std::iter::once(last).chain(forecast).collect();
            let style = FORECAST_COLOR.stroke_width(2);
            let pieces = runs(forecast, step).into_iter();
            chart.draw_series(pieces.map(|r| PathElement::new(r, style)))?;
            legend.entry(Swatch::Line(FORECAST_COLOR, 3), "forecast");
        }
        if let Some(c) = self.capacity {
            let style = CAPACITY_COLOR.stroke_width(2);
            chart.draw_series(DashedLineSeries::new([(t0, c), (t1, c)], 10, 6, style))?;
            legend.entry(
                Swatch::Dashed(CAPACITY_COLOR, 2),
                format!("capacity {}", self.format_value(c)),
            );
        }
        // The sentence first (it must stay by its marker), then the legend
        // around it (it may go anywhere): both where the data is not, the legend
        // preferring the upper left as it always stood.
        if let Some((text, (px, py))) = self.draw_saturation(&mut chart, sheet, &mut legend)? {
            place_label(root, sheet, &text, (px, py), plot);
        }
        sheet.legend_in(root, legend, plot);
        Ok(())
    }

    /// Dense data as its buckets' ranges and means: the bands' extremes per
    /// bucket, the history's and the forecast's range and mean; the legend
    /// says which bucket.
    fn draw_envelope(
        &self,
        chart: &mut Chart<'_, '_>,
        legend: &mut Legend,
        bucket: Bucket,
        history: &[(DateTime<Utc>, f64)],
        forecast: &[(DateTime<Utc>, f64)],
    ) -> DrawResult {
        let every = bucket.name;
        let ts = &self.forecast.timestamps;
        let mut intervals: Vec<_> = self.forecast.intervals.iter().collect();
        intervals.sort_by(|a, b| b.level.total_cmp(&a.level));
        for (k, interval) in intervals.iter().enumerate() {
            let color = BAND_COLORS[k.min(BAND_COLORS.len() - 1)];
            let pairs = |v: &[f64]| -> Vec<(DateTime<Utc>, f64)> {
                ts.iter().copied().zip(v.iter().copied()).collect()
            };
            let lower = envelope::summarise(&pairs(&interval.lower), bucket);
            let upper = envelope::summarise(&pairs(&interval.upper), bucket);
            let merged: Vec<Summary> = lower
                .iter()
                .zip(&upper)
                .map(|(l, u)| Summary { max: u.max, ..*l })
                .collect();
            let outline = envelope::outline(&merged, |s| s.min, |s| s.max);
            chart.draw_series(std::iter::once(Polygon::new(outline, color.filled())))?;
            legend.entry(
                Swatch::Fill(color),
                format!("{} % interval, {every} extremes", interval.level),
            );
        }
        let spread = |points: &[(DateTime<Utc>, f64)], color: RGBColor| {
            let s = envelope::summarise(points, bucket);
            let outline = envelope::outline(&s, |s| s.min, |s| s.max);
            (
                Polygon::new(outline, color.mix(0.3).filled()),
                envelope::means(&s),
            )
        };
        let (range, mean) = spread(history, HISTORY_COLOR);
        chart.draw_series(std::iter::once(range))?;
        chart.draw_series(LineSeries::new(mean, HISTORY_COLOR.stroke_width(2)))?;
        legend.entry(
            Swatch::LineOnFill(HISTORY_COLOR, super::layout::faint(HISTORY_COLOR, 0.3)),
            format!("history: {every} mean, shaded min–max"),
        );
        let (range, mean) = spread(forecast, FORECAST_COLOR);
        chart.draw_series(std::iter::once(range))?;
        chart.draw_series(LineSeries::new(mean, FORECAST_COLOR.stroke_width(2)))?;
        legend.entry(
            Swatch::LineOnFill(FORECAST_COLOR, super::layout::faint(FORECAST_COLOR, 0.3)),
            format!("forecast: {every} mean, shaded min–max"),
        );
        Ok(())
    }

    /// One band per level, widest first, over the forecast steps only: a band
    /// starts at the first forecast step, not at the last observation.
    fn draw_bands(&self, chart: &mut Chart<'_, '_>, legend: &mut Legend) -> DrawResult {
        let mut intervals: Vec<_> = self.forecast.intervals.iter().collect();
        intervals.sort_by(|a, b| b.level.total_cmp(&a.level));
        for (k, interval) in intervals.iter().enumerate() {
            let color = BAND_COLORS[k.min(BAND_COLORS.len() - 1)];
            let ts = &self.forecast.timestamps;
            let outlines = spans(ts, self.history.step()).into_iter().map(|r| {
                let upper = r.clone().map(|h| (ts[h], interval.upper[h]));
                let lower = r.map(|h| (ts[h], interval.lower[h])).rev();
                Polygon::new(upper.chain(lower).collect::<Vec<_>>(), color.filled())
            });
            chart.draw_series(outlines)?;
            legend.entry(
                Swatch::Fill(color),
                format!("{} % interval", interval.level),
            );
        }
        Ok(())
    }

    /// The crossing: the 10th to 90th percentile of the crossing dates along
    /// the capacity line, a dot at the median crossing of the simulated futures,
    /// a ring where the forecast line itself crosses (the two differ when the
    /// futures spread unevenly), each named in the legend; and the sentence,
    /// placed inside the frame where it covers the least data.
    /// Returns the sentence and the pixel of its anchor on the capacity line.
    fn draw_saturation(
        &self,
        chart: &mut Chart<'_, '_>,
        sheet: &mut Sheet,
        legend: &mut Legend,
    ) -> std::result::Result<Option<Anchored>, DrawError> {
        let Some(s) = self.saturation else {
            return Ok(None);
        };
        let (y0, y1) = self.value_range();
        let label = saturation_label(s, DatePrecision::of_step(self.history.step()), &|v| {
            self.format_value(v)
        });
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
            let what = if s.p10_at.is_some() {
                "10th–90th percentile of the crossing dates"
            } else {
                "crossing dates of the interval bounds"
            };
            legend.entry(
                Swatch::Fill(super::layout::faint(CAPACITY_COLOR, 0.3)),
                what,
            );
        }
        let dated = s.p50_at.or(s.saturation_at);
        if let Some(at) = dated {
            let style = CAPACITY_COLOR.stroke_width(1);
            chart.draw_series(DashedLineSeries::new(
                [(at, y0), (at, s.capacity)],
                6,
                5,
                style,
            ))?;
        }
        if let Some(at) = s.p50_at {
            chart.draw_series(std::iter::once(Circle::new(
                (at, s.capacity),
                7,
                CAPACITY_COLOR.filled(),
            )))?;
            legend.entry(
                Swatch::Dot(CAPACITY_COLOR, 6),
                "median crossing date of the simulated futures",
            );
            let at = chart.backend_coord(&(at, s.capacity));
            sheet.layout.markers.push(("median crossing".into(), at));
        }
        if let Some(at) = s.saturation_at {
            chart.draw_series(std::iter::once(Circle::new(
                (at, s.capacity),
                10,
                FORECAST_COLOR.stroke_width(3),
            )))?;
            legend.entry(
                Swatch::Ring(FORECAST_COLOR, 7),
                "where the forecast line crosses capacity",
            );
            let at = chart.backend_coord(&(at, s.capacity));
            sheet.layout.markers.push(("forecast crossing".into(), at));
        }
        let anchor_time = match (s.status, dated) {
            (_, Some(at)) => at,
            (Status::Saturated, None) => s.last_timestamp,
            _ => horizon_end.unwrap_or(s.last_timestamp),
        };
        Ok(Some((
            label,
            chart.backend_coord(&(anchor_time, s.capacity)),
        )))
    }
}

/// The saturation sentence beside its anchor `(px, py)` on the capacity line:
/// above or below the line, first on the side of the marker with more room,
/// then along the line at either end of the frame; in the end wherever it
/// covers the least, never outside the frame.
fn place_label(root: &Area<'_>, sheet: &mut Sheet, label: &str, (px, py): (i32, i32), plot: Rect) {
    let right_half = px > (plot.x0 + plot.x1) / 2;
    sheet.label_in(root, label, (17, CAPACITY_COLOR), plot, |(w, h)| {
        let (left, right) = ((px - 12 - w, py), (px + 12, py));
        let sides = if right_half {
            [left, right]
        } else {
            [right, left]
        };
        let mut spots = Vec::new();
        for dy in [-12 - h, 12] {
            spots.extend(sides.iter().map(|&(x, y)| (x, y + dy)));
        }
        for dy in [-12 - h, 12] {
            spots.push((plot.x0, py + dy));
            spots.push((plot.x1 - w, py + dy));
        }
        spots
    });
}

/// The caution line in a box across `strip`, inside the chart's margins; the
/// text is shortened with an ellipsis on a narrow chart rather than cut.
/// The index ranges of `times` with no gap of more than one and a half steps
/// inside: a gap in the data (closed hours, a long outage) is drawn as a gap,
/// never as a ramp.
fn spans(times: &[DateTime<Utc>], step: Step) -> Vec<std::ops::Range<usize>> {
    let most = 1.5 * step.nominal_seconds() * 1000.0;
    let mut spans = Vec::new();
    let mut first = 0;
    for i in 1..=times.len() {
        let broken = i == times.len() || (times[i] - times[i - 1]).num_milliseconds() as f64 > most;
        if broken {
            spans.push(first..i);
            first = i;
        }
    }
    spans
}

/// `points` in the [`spans`] of their times.
fn runs(points: Vec<(DateTime<Utc>, f64)>, step: Step) -> Vec<Vec<(DateTime<Utc>, f64)>> {
    let times: Vec<DateTime<Utc>> = points.iter().map(|p| p.0).collect();
    spans(&times, step)
        .into_iter()
        .map(|r| points[r].to_vec())
        .collect()
}

fn draw_caution(strip: &Area<'_>, caution: &str) -> DrawResult {
    let (width, height) = strip.dim_in_pixel();
    let (left, right) = (MARGIN as i32, width as i32 - MARGIN as i32);
    let (top, bottom) = (0, height as i32 - 12);
    strip.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        TRUST_FILL.filled(),
    ))?;
    strip.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        TRUST_COLOR.stroke_width(2),
    ))?;
    let font = TextStyle::from((FONT, 16).into_font()).color(&TRUST_COLOR);
    let text = super::fit_text(strip, caution, &font, right - left - 24);
    strip.draw(&Text::new(
        text,
        (left + 12, (top + bottom) / 2),
        font.pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    Ok(())
}

/// The name of the value column that holds `series` in a CSV of this `header` read
/// with this `layout`: the one value column of a long file, the column of a wide
/// file whose series it is, or the column after the `/` of a long file with
/// several (`host-1/mem_free_mb`); `None` when the series is not found there.
pub fn value_column_name(layout: &Layout, header: &[String], series: &str) -> Option<String> {
    let column = |m: usize| {
        header
            .get(*layout.values.get(m)?)
            .map(|h| h.trim().to_string())
    };
    match (layout.series, layout.values.len()) {
        (Some(_), 1) => column(0),
        (Some(_), n) => (0..n).find_map(|m| {
            let name = column(m)?;
            series.ends_with(&format!("/{name}")).then_some(name)
        }),
        (None, _) => {
            let m = layout.fixed_names.iter().position(|n| n == series)?;
            column(m)
        }
    }
}

/// The sentence next to the saturation marker, its dates written to `precision`:
/// the row's status first, then what it rests on, so the caption never says
/// "reaches" over a forecast line that does not.
pub(super) fn saturation_label(
    s: &Saturation,
    precision: DatePrecision,
    value: &dyn Fn(f64) -> String,
) -> String {
    let day = |t: DateTime<Utc>| precision.format(t);
    let p = crate::units::probability_words(s.probability);
    let cap = value(s.capacity);
    let range = match (s.p10_at, s.p90_at, s.earliest_at, s.latest_at) {
        (Some(a), Some(b), _, _) => format!(" (80 %: {} – {})", day(a), day(b)),
        (Some(a), None, _, _) => format!(" (10 % by {})", day(a)),
        (None, _, Some(e), Some(l)) => format!(" (range {} – {})", day(e), day(l)),
        _ => String::new(),
    };
    let said = match (s.status, s.p50_at, s.saturation_at) {
        (Status::Saturated, _, _) => {
            let side = match s.last_value.total_cmp(&s.capacity) {
                std::cmp::Ordering::Equal => "at",
                std::cmp::Ordering::Greater => "above",
                std::cmp::Ordering::Less => "below",
            };
            format!(
                "already {side} capacity {cap} (last value {})",
                value(s.last_value)
            )
        }
        (_, Some(median), Some(_)) => {
            format!(
                "reaches {cap} around {}{range}; probability {p}",
                day(median)
            )
        }
        (_, Some(median), None) => format!(
            "half the futures reach {cap} by {}{range}; probability {p}",
            day(median)
        ),
        (Status::Clear, None, _) => format!("stays clear of {cap} (probability {p})"),
        (_, None, _) => match s.p10_at.or(s.earliest_at).or(s.saturation_at) {
            Some(e) => format!("may reach {cap} from {}; probability {p}", day(e)),
            None => format!("may reach {cap}; probability {p}"),
        },
    };
    format!("{}: {said}", s.status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    fn row(status: Status, at: Option<DateTime<Utc>>) -> Saturation {
        let t0 = Utc.with_ymd_and_hms(2007, 10, 1, 0, 0, 0).unwrap();
        Saturation {
            series: "s".into(),
            capacity: 5e5,
            status,
            last_timestamp: t0,
            last_value: 4e5,
            saturation_at: at,
            earliest_at: at,
            latest_at: None,
            probability: 0.97,
            p10_at: at,
            p50_at: None,
            p90_at: None,
            probability_by: None,
            capacity_needed: None,
            self_check: None,
        }
    }

    #[test]
    fn monthly_saturation_label_reads_in_months() {
        let at = Utc.with_ymd_and_hms(2008, 12, 1, 0, 0, 0).unwrap();
        let label = saturation_label(&row(Status::Possible, None), DatePrecision::Month, &si);
        assert_eq!(label, "possible: may reach 500k; probability 97 %");
        let mut r = row(Status::Possible, Some(at));
        r.saturation_at = None;
        r.p50_at = None;
        let label = saturation_label(&r, DatePrecision::Month, &si);
        assert_eq!(
            label,
            "possible: may reach 500k from Dec 2008; probability 97 %"
        );
        r.status = Status::Crossing;
        r.p50_at = Some(at + TimeDelta::days(62));
        r.saturation_at = r.p50_at;
        let label = saturation_label(&r, DatePrecision::Month, &si);
        assert_eq!(
            label,
            "crossing: reaches 500k around Feb 2009 (10 % by Dec 2008); probability 97 %"
        );
    }

    #[test]
    fn the_value_axis_is_named_after_the_value_column() {
        use crate::ingest::{resolve_layout, ReadOptions};
        let header = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let o = ReadOptions::default();
        let long = header(&["series", "timestamp", "mem_free_mb"]);
        let layout = resolve_layout("f", "f", &long, &o, None).unwrap();
        assert_eq!(
            value_column_name(&layout, &long, "host-1").as_deref(),
            Some("mem_free_mb")
        );
        let several = header(&["host", "timestamp", "mem_free_mb", "swap_mb"]);
        let o2 = ReadOptions {
            series_column: Some("host".into()),
            ..Default::default()
        };
        let layout = resolve_layout("f", "f", &several, &o2, None).unwrap();
        assert_eq!(
            value_column_name(&layout, &several, "a/swap_mb").as_deref(),
            Some("swap_mb")
        );
        let wide = header(&["timestamp", "cpu_pct", "mem_pct"]);
        let layout = resolve_layout("f", "f", &wide, &o, None).unwrap();
        assert_eq!(
            value_column_name(&layout, &wide, "mem_pct").as_deref(),
            Some("mem_pct")
        );
        assert_eq!(value_column_name(&layout, &wide, "other"), None);
        // On the chart: the name, with the unit when one is given.
        let s = RegularSeries::new(
            "s",
            Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            crate::series::Step::seconds(3600),
            vec![1.0, 2.0],
        )
        .unwrap();
        let f = Forecast {
            series: "s".into(),
            model: "naive".into(),
            timestamps: vec![Utc.with_ymd_and_hms(2024, 1, 1, 2, 0, 0).unwrap()],
            point: vec![2.0],
            intervals: Vec::new(),
        };
        assert_eq!(ForecastChart::new(&s, &f).value_axis(), "value");
        let named = ForecastChart::new(&s, &f).value_name("mem_free_mb");
        assert_eq!(named.value_axis(), "mem_free_mb (bytes)");
        let plain = ForecastChart::new(&s, &f).value_name("free");
        assert_eq!(plain.clone().unit("MB").value_axis(), "free (bytes)");
        assert_eq!(
            plain.clone().unit("requests").value_axis(),
            "free (requests)"
        );
        assert_eq!(ForecastChart::new(&s, &f).unit("%").value_axis(), "percent");
        assert_eq!(plain.unit("GiB").format_value(1.5), "1.5 GiB");
    }

    #[test]
    fn the_caption_says_what_the_row_says() {
        let at = Utc.with_ymd_and_hms(2008, 12, 1, 0, 0, 0).unwrap();
        // The median exists but the point forecast never reaches capacity: the
        // caption must not say the line reaches it.
        let mut r = row(Status::Crossing, Some(at));
        r.saturation_at = None;
        r.p50_at = Some(at);
        let label = saturation_label(&r, DatePrecision::Month, &si);
        assert!(
            label.starts_with("crossing: half the futures reach 500k by Dec 2008"),
            "{label}"
        );
        let mut r = row(Status::Saturated, None);
        r.last_value = 6e5;
        let label = saturation_label(&r, DatePrecision::Month, &si);
        assert_eq!(
            label,
            "saturated: already above capacity 500k (last value 600k)"
        );
    }
}
