//! The forecast chart: recent history, the forecast with its bands, the capacity
//! line and, where the forecast reaches capacity, a marker and a sentence with the
//! date, the range and the probability.

use std::path::Path;

use chrono::{DateTime, Utc};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::{RangedCoordf64, RangedDateTime};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{DatePrecision, TimeAxis};
use super::{
    render, right_margin, text_width, trust_caution, write_png, Area, DrawResult, CAPACITY_COLOR,
    FONT, GRID_COLOR, HISTORY_COLOR, TRUST_COLOR, TRUST_FILL,
};
use crate::error::Result;
use crate::forecast::Forecast;
use crate::ingest::Layout;
use crate::saturation::{Saturation, Status};
use crate::series::{RegularSeries, Step};
use crate::units::si;

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
    Cartesian2d<WithKeyPoints<RangedDateTime<DateTime<Utc>>>, RangedCoordf64>,
>;

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

    /// Name of the unit, written on the value axis (`bytes`, `%`).
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Name of the value axis: what the values are, as the input's value column
    /// calls them (`mem_free_mb`); default `value`.
    pub fn value_name(mut self, name: impl Into<String>) -> Self {
        self.value_name = Some(name.into());
        self
    }

    /// The value axis' title: the value name, then the unit in brackets.
    fn value_axis(&self) -> String {
        let name = self.value_name.as_deref().unwrap_or("value");
        match &self.unit {
            Some(u) => format!("{name} ({u})"),
            None => name.to_string(),
        }
    }

    /// Render the chart to a PNG file.
    pub fn render_png(&self, path: impl AsRef<Path>) -> Result<()> {
        write_png(path.as_ref(), self.render_png_bytes())
    }

    /// Render the chart to the bytes of a PNG file.
    pub fn render_png_bytes(&self) -> Result<Vec<u8>> {
        if self.forecast.horizon() == 0 {
            return Err(super::plot_error(
                Path::new(super::IN_MEMORY),
                &"the forecast is empty",
            ));
        }
        render(self.size, |root| self.draw(root))
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
    fn draw(&self, root: &Area<'_>) -> DrawResult {
        let Some(caution) = self.saturation.and_then(trust_caution) else {
            return self.draw_chart(root);
        };
        let (_, height) = root.dim_in_pixel();
        let (chart, strip) = root.split_vertically(height.saturating_sub(CAUTION_PX));
        self.draw_chart(&chart)?;
        draw_caution(&strip, &caution)
    }

    fn draw_chart(&self, root: &Area<'_>) -> DrawResult {
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
        let mut chart = ChartBuilder::on(root)
            .caption(title, title_font)
            .margin(MARGIN)
            .margin_right(right_margin(root, &axis, MARGIN))
            .x_label_area_size(48)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d((t0..t1).with_key_points(axis.ticks().to_vec()), y0..y1)?;
        let value_axis = self.value_axis();
        chart
            .configure_mesh()
            .y_labels(8)
            .x_label_formatter(&|t: &DateTime<Utc>| axis.label(t))
            .y_label_formatter(&|v: &f64| si(*v))
            .x_desc(axis.caption())
            .y_desc(value_axis)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .light_line_style(WHITE)
            .bold_line_style(GRID_COLOR)
            .draw()?;

        self.draw_bands(&mut chart)?;
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
        let last = history[history.len() - 1];
        let step = self.history.step();
        let style = HISTORY_COLOR.stroke_width(1);
        chart
            .draw_series(
                runs(history, step)
                    .into_iter()
                    .map(|r| PathElement::new(r, style)),
            )?
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
        let style = FORECAST_COLOR.stroke_width(2);
        chart
            .draw_series(
                runs(forecast, step)
                    .into_iter()
                    .map(|r| PathElement::new(r, style)),
            )?
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

    /// One band per level, widest first, over the forecast steps only: a band
    /// starts at the first forecast step, not at the last observation.
    fn draw_bands(&self, chart: &mut Chart<'_, '_>) -> DrawResult {
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
            chart
                .draw_series(outlines)?
                .label(format!("{} % interval", interval.level))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 22, y + 6)], color.filled())
                });
        }
        Ok(())
    }

    fn draw_saturation(&self, chart: &mut Chart<'_, '_>, root: &Area<'_>) -> DrawResult {
        let Some(s) = self.saturation else {
            return Ok(());
        };
        let (y0, y1) = self.value_range();
        let label = saturation_label(s, DatePrecision::of_step(self.history.step()));
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
        let font = TextStyle::from((FONT, 17).into_font()).color(&CAPACITY_COLOR);
        // Beside the marker, on the side with more room, and never past the margin
        // (shortened on a chart too narrow for it, rather than drawn off it).
        let label = super::fit_text(root, &label, &font, width as i32 - 2 * MARGIN as i32);
        let text = text_width(root, &label, &font);
        let right_half = px > width as i32 / 2;
        let wanted = if right_half { px - 10 - text } else { px + 10 };
        let x = wanted
            .min((width - MARGIN) as i32 - text)
            .max(MARGIN as i32);
        let style = font.pos(Pos::new(HPos::Left, VPos::Bottom));
        root.draw(&Text::new(label, (x.max(0), py - 10), style))?;
        Ok(())
    }
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
pub(super) fn saturation_label(s: &Saturation, precision: DatePrecision) -> String {
    let day = |t: DateTime<Utc>| precision.format(t);
    let p = crate::units::probability_words(s.probability);
    let cap = si(s.capacity);
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
                si(s.last_value)
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
        let label = saturation_label(&row(Status::Possible, None), DatePrecision::Month);
        assert_eq!(label, "possible: may reach 500k; probability 97 %");
        let mut r = row(Status::Possible, Some(at));
        r.saturation_at = None;
        r.p50_at = None;
        let label = saturation_label(&r, DatePrecision::Month);
        assert_eq!(
            label,
            "possible: may reach 500k from Dec 2008; probability 97 %"
        );
        r.status = Status::Crossing;
        r.p50_at = Some(at + TimeDelta::days(62));
        r.saturation_at = r.p50_at;
        let label = saturation_label(&r, DatePrecision::Month);
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
        assert_eq!(named.value_axis(), "mem_free_mb");
        assert_eq!(named.unit("MB").value_axis(), "mem_free_mb (MB)");
    }

    #[test]
    fn the_caption_says_what_the_row_says() {
        let at = Utc.with_ymd_and_hms(2008, 12, 1, 0, 0, 0).unwrap();
        // The median exists but the point forecast never reaches capacity: the
        // caption must not say the line reaches it.
        let mut r = row(Status::Crossing, Some(at));
        r.saturation_at = None;
        r.p50_at = Some(at);
        let label = saturation_label(&r, DatePrecision::Month);
        assert!(
            label.starts_with("crossing: half the futures reach 500k by Dec 2008"),
            "{label}"
        );
        let mut r = row(Status::Saturated, None);
        r.last_value = 6e5;
        let label = saturation_label(&r, DatePrecision::Month);
        assert_eq!(
            label,
            "saturated: already above capacity 500k (last value 600k)"
        );
    }
}
