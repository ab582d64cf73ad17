//! The fleet chart: one row per series with the 10th to 90th percentile of its
//! crossing date, the median marked, and a note beside it.

use std::path::Path;

use chrono::{DateTime, Utc};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::{RangedCoordf64, RangedDateTime};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{DatePrecision, TimeAxis};
use super::{
    plot_rect, render_layout, right_margin, text_width, trust_caution, write_png, Area, DrawResult,
    Legend, Sheet, Swatch, CAPACITY_COLOR, FONT, HISTORY_COLOR, TRUST_COLOR,
};
use crate::error::Result;
use crate::saturation::{Saturation, Status};

const WIDTH: u32 = 1280;
const MARGIN: u32 = 20;
const ROW_PX: u32 = 36;
/// Pixels above the plot: the title, then the legend's line.
const TOP_PX: u32 = 76;
const NOTE_FONT: u32 = 14;
/// After the name of a series whose probability its own history says not to
/// trust (`--self-check`), in [`TRUST_COLOR`].
const NOT_TRUSTED: &str = " · not trusted";

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<WithKeyPoints<RangedDateTime<DateTime<Utc>>>, RangedCoordf64>,
>;

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
    row_reviews: Vec<Option<DateTime<Utc>>>,
    until: Option<DateTime<Utc>>,
}

impl<'a> FleetChart<'a> {
    /// A chart of these rows.
    pub fn new(rows: &'a [Saturation]) -> Self {
        FleetChart {
            rows,
            review: None,
            row_reviews: Vec::new(),
            until: None,
        }
    }

    /// Let the time axis run to at least this date, the end of the horizon:
    /// without it the axis spans the crossing dates only, an hour or so when
    /// no series crosses.
    pub fn until(mut self, end: Option<DateTime<Utc>>) -> Self {
        self.until = end;
        self
    }

    /// Draw this capacity-review date as a vertical line.
    pub fn review(mut self, date: Option<DateTime<Utc>>) -> Self {
        self.review = date;
        self
    }

    /// Each row's own review date, in the order of the rows (`--by 2d` is two
    /// days after each series' own last observation, as its `probability_by`):
    /// one vertical line when they are all the same date, else a mark on each
    /// row at its date.
    pub fn reviews(mut self, dates: Vec<Option<DateTime<Utc>>>) -> Self {
        let mut distinct: Vec<DateTime<Utc>> = dates.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        match distinct.as_slice() {
            [one] if dates.iter().all(Option::is_some) => {
                self.review = Some(*one);
                self.row_reviews.clear();
            }
            [] => self.row_reviews.clear(),
            _ => self.row_reviews = dates,
        }
        self
    }

    /// The review marks drawn on single rows: (row index, date).
    fn row_marks(&self) -> impl Iterator<Item = (usize, DateTime<Utc>)> + '_ {
        self.row_reviews
            .iter()
            .take(self.rows.len())
            .enumerate()
            .filter_map(|(i, d)| d.map(|d| (i, d)))
    }

    /// Render to a PNG file, 1280 pixels wide and 36 per series tall (plus 180
    /// for the title, the legend and the time axis).
    pub fn render_png(&self, path: impl AsRef<Path>) -> Result<()> {
        write_png(path.as_ref(), self.render_png_bytes())
    }

    /// Render to the bytes of a PNG file, as [`render_png`](Self::render_png).
    pub fn render_png_bytes(&self) -> Result<Vec<u8>> {
        self.render(false).map(|(png, _)| png)
    }

    /// Where everything went (for tests).
    #[doc(hidden)]
    pub fn layout(&self) -> Result<super::Layout> {
        self.render(true).map(|(_, layout)| layout)
    }

    fn render(&self, keep_bare: bool) -> Result<(Vec<u8>, super::Layout)> {
        if self.rows.is_empty() {
            return Err(super::plot_error(
                Path::new(super::IN_MEMORY),
                &"no series to draw",
            ));
        }
        let height = 180 + ROW_PX.saturating_mul(self.rows.len() as u32);
        render_layout((WIDTH, height), keep_bare, |root, sheet| {
            self.draw(root, sheet)
        })
    }

    fn time_range(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let mut times: Vec<DateTime<Utc>> = self.rows.iter().map(|r| r.last_timestamp).collect();
        for r in self.rows {
            times.extend([r.p10_at, r.p50_at, r.p90_at].into_iter().flatten());
        }
        times.extend(self.review);
        times.extend(self.until);
        times.extend(self.row_marks().map(|(_, d)| d));
        let lo = times.iter().min().copied().unwrap_or_default();
        let hi = times.iter().max().copied().unwrap_or(lo);
        let pad = ((hi - lo) / 12).max(chrono::TimeDelta::hours(1));
        (lo - pad / 3, hi + pad)
    }

    fn draw(&self, root: &Area<'_>, sheet: &mut Sheet) -> DrawResult {
        let (t0, t1) = self.time_range();
        // The title, and under it what the marks mean, in one line.
        let centre = WIDTH as i32 / 2;
        root.draw(&Text::new(
            "When each series reaches capacity",
            (centre, MARGIN as i32 - 6),
            TextStyle::from((FONT, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let legend = self.legend();
        let (w, _) = legend.size(root);
        sheet.legend_at(root, legend, (centre - w / 2, MARGIN as i32 + 24));
        let (_, body) = root.split_vertically(TOP_PX);
        let n = self.rows.len();
        let name_font: TextStyle = (FONT, 14).into_font().into();
        let widest = self
            .rows
            .iter()
            .map(|r| text_width(root, &row_label(r).concat(), &name_font))
            .max()
            .unwrap_or(60)
            .clamp(60, 400) as u32;
        let y_labels = widest + 16;
        let axis = TimeAxis::new(t0, t1, WIDTH - 3 * MARGIN - y_labels);
        let precision = DatePrecision::of_span(t0, t1);
        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(4)
            .margin_right(right_margin(root, &axis, MARGIN))
            .x_label_area_size(48)
            .y_label_area_size(y_labels)
            .build_cartesian_2d(
                (t0..t1).with_key_points(axis.ticks().to_vec()),
                0.0..n as f64,
            )?;
        // The row names are drawn below, not by the mesh: a name may end in a
        // second colour (`· not trusted`), which one label style cannot give.
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(2 * n + 1)
            .y_label_formatter(&|_| String::new())
            .x_label_formatter(&|t: &DateTime<Utc>| axis.label(t))
            .x_desc(axis.caption())
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        sheet.layout.plots.push(plot_rect(&chart));
        let left = chart.plotting_area().get_pixel_range().0.start;
        for (i, r) in self.rows.iter().enumerate() {
            let (_, y) = chart.backend_coord(&(t0, n as f64 - i as f64 - 0.5));
            let [name, mark] = row_label(r);
            let right = left - 10;
            let mark_width = if mark.is_empty() {
                0
            } else {
                text_width(root, mark, &name_font)
            };
            let at = |x: i32| (x, y);
            let anchor = Pos::new(HPos::Right, VPos::Center);
            root.draw(&Text::new(
                name.to_string(),
                at(right - mark_width),
                name_font.clone().pos(anchor),
            ))?;
            if !mark.is_empty() {
                let font = name_font.clone().color(&TRUST_COLOR).pos(anchor);
                root.draw(&Text::new(mark.to_string(), at(right), font))?;
            }
        }
        for (i, r) in self.rows.iter().enumerate() {
            self.draw_row(
                &mut chart,
                root,
                sheet,
                r,
                n as f64 - i as f64 - 0.5,
                (t1, precision),
            )?;
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
            let text = format!("review {}", DatePrecision::Day.format(review));
            let font = TextStyle::from((FONT, NOTE_FONT).into_font()).color(&CAPACITY_COLOR);
            let x = fit_beside(root, &chart, &text, &font, x + 6, x - 6);
            sheet.drawn_label(root, &text, NOTE_FONT, (x, y + 2));
            root.draw(&Text::new(text, (x, y + 2), font))?;
        }
        if self.rows.iter().any(|r| trust_caution(r).is_some()) {
            // What the mark means, once, under the row names (left of the
            // centred axis title).
            let (_, height) = root.dim_in_pixel();
            let font = TextStyle::from((FONT, 13).into_font()).color(&TRUST_COLOR);
            root.draw(&Text::new(
                "not trusted: on its own history, this probability did worse than climatology",
                (MARGIN as i32, height as i32 - MARGIN as i32 - 8),
                font.pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
        }
        for (i, review) in self.row_marks() {
            let y = n as f64 - i as f64 - 0.5;
            chart.draw_series(DashedLineSeries::new(
                [(review, y - 0.45), (review, y + 0.45)],
                4,
                3,
                CAPACITY_COLOR.stroke_width(2),
            ))?;
        }
        Ok(())
    }

    fn draw_row(
        &self,
        chart: &mut Chart<'_, '_>,
        root: &Area<'_>,
        sheet: &mut Sheet,
        r: &Saturation,
        y: f64,
        (t1, precision): (DateTime<Utc>, DatePrecision),
    ) -> DrawResult {
        let color = status_color(r.status);
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
        let note = row_note(r, precision);
        // After the bar if it fits, else before it; the last observation when
        // there is no bar.
        let (after, before) = match r.p10_at {
            Some(start) => (end, start),
            None => (r.last_timestamp, r.last_timestamp),
        };
        let (x_after, yy) = chart.backend_coord(&(after, y));
        let (x_before, _) = chart.backend_coord(&(before, y));
        let font = TextStyle::from((FONT, NOTE_FONT).into_font()).color(&color);
        let x = fit_beside(root, chart, &note, &font, x_after + 8, x_before - 8);
        let half = NOTE_FONT as i32 / 2 + 2;
        sheet.drawn_label(root, &note, NOTE_FONT, (x, yy - half));
        root.draw(&Text::new(
            note,
            (x, yy),
            font.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        Ok(())
    }
}

impl FleetChart<'_> {
    /// What the marks mean: the dot, the bar, the median mark and any review
    /// date (the colours are the statuses the notes name).
    fn legend(&self) -> Legend {
        let grey = status_color(Status::Clear);
        let mut legend = Legend {
            horizontal: true,
            ..Legend::new()
        };
        legend.entry(Swatch::Dot(HISTORY_COLOR, 3), "last observation");
        legend.entry(
            Swatch::Fill(super::layout::faint(grey, 0.45)),
            "10th to 90th percentile of the crossing date",
        );
        legend.entry(Swatch::Tick(grey), "median crossing date");
        if self.review.is_some() || self.row_marks().next().is_some() {
            legend.entry(Swatch::Dashed(CAPACITY_COLOR, 2), "review date");
        }
        legend
    }
}

/// A row's label in its two colours: the series name, and [`NOT_TRUSTED`] when
/// its self-check says not to trust its probability (else empty).
fn row_label(r: &Saturation) -> [&str; 2] {
    let mark = if trust_caution(r).is_some() {
        NOT_TRUSTED
    } else {
        ""
    };
    [&r.series, mark]
}

/// The colour of a row: red for saturated, orange for crossing, amber for
/// possible, grey for clear.
fn status_color(status: Status) -> RGBColor {
    match status {
        Status::Saturated => CAPACITY_COLOR,
        Status::Crossing => RGBColor(230, 85, 13),
        Status::Possible => RGBColor(204, 153, 0),
        Status::Clear => RGBColor(120, 120, 120),
    }
}

/// The note beside a row: its status as the CSV writes it, then the median date
/// and probability it rests on.
fn row_note(r: &Saturation, precision: DatePrecision) -> String {
    let percent = crate::units::probability_words(r.probability);
    match (r.status, r.p50_at) {
        (Status::Saturated, _) => "saturated · already at capacity".to_string(),
        (status, Some(m)) => format!("{status} · {} · {percent}", precision.format(m)),
        (Status::Clear, None) => "clear".to_string(),
        (status, None) => format!("{status} · {percent} within the horizon"),
    }
}

/// Where a note starts: at `after` (the left edge of a note placed right of a
/// mark) when it fits inside the plotting area, else ending at `before` (left of
/// the mark) when that fits, else pushed inside the right edge.
fn fit_beside(
    root: &Area<'_>,
    chart: &Chart<'_, '_>,
    text: &str,
    font: &TextStyle<'_>,
    after: i32,
    before: i32,
) -> i32 {
    let width = text_width(root, text, font);
    let area = chart.plotting_area().get_pixel_range();
    let (left, right) = (area.0.start, area.0.end);
    if after + width <= right {
        after
    } else if before - width >= left {
        before - width
    } else {
        (right - width - 4).max(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    fn row(name: &str, last: DateTime<Utc>, status: Status) -> Saturation {
        Saturation {
            series: name.into(),
            capacity: 1000.0,
            status,
            last_timestamp: last,
            last_value: 500.0,
            saturation_at: None,
            earliest_at: None,
            latest_at: None,
            probability: 0.25,
            p10_at: None,
            p50_at: None,
            p90_at: None,
            probability_by: None,
            capacity_needed: None,
            self_check: None,
        }
    }

    #[test]
    fn review_dates_follow_each_row() {
        let t = Utc.with_ymd_and_hms(2026, 9, 4, 0, 0, 0).unwrap();
        let two_days = TimeDelta::days(2);
        let rows = [
            row("a", t, Status::Possible),
            row("b", t - two_days, Status::Clear),
        ];
        // Shared date: one line, no row marks.
        let chart = FleetChart::new(&rows).reviews(vec![Some(t + two_days); 2]);
        assert_eq!(chart.review, Some(t + two_days));
        assert_eq!(chart.row_marks().count(), 0);
        // b stopped two days earlier: its review is at a's last observation, a's
        // two days later; each row gets its own mark, never one line at the
        // earliest.
        let chart = FleetChart::new(&rows).reviews(vec![Some(t + two_days), Some(t)]);
        assert_eq!(chart.review, None);
        let marks: Vec<_> = chart.row_marks().collect();
        assert_eq!(marks, [(0, t + two_days), (1, t)]);
        assert!(chart.time_range().1 > t + two_days);
        assert!(chart.render_png_bytes().is_ok());
    }

    #[test]
    fn a_clear_fleet_spans_the_horizon_given_not_an_hour() {
        let t = Utc.with_ymd_and_hms(2026, 9, 4, 0, 0, 0).unwrap();
        let rows = [row("a", t, Status::Clear)];
        let (t0, t1) = FleetChart::new(&rows).time_range();
        assert!(t1 - t0 < TimeDelta::hours(2));
        let end = t + TimeDelta::days(30);
        let (t0, t1) = FleetChart::new(&rows).until(Some(end)).time_range();
        assert!(t0 < t && t1 >= end, "{t0} {t1}");
    }

    #[test]
    fn notes_name_the_status() {
        let t = Utc.with_ymd_and_hms(2026, 9, 4, 0, 0, 0).unwrap();
        let mut r = row("a", t, Status::Possible);
        assert_eq!(
            row_note(&r, DatePrecision::Day),
            "possible · 25 % within the horizon"
        );
        r.status = Status::Crossing;
        r.probability = 0.75;
        r.p50_at = Some(t + TimeDelta::days(3));
        assert_eq!(
            row_note(&r, DatePrecision::Day),
            "crossing · 7 Sep 2026 · 75 %"
        );
        r.status = Status::Clear;
        r.p50_at = None;
        assert_eq!(row_note(&r, DatePrecision::Day), "clear");
        r.status = Status::Saturated;
        assert!(row_note(&r, DatePrecision::Day).starts_with("saturated"));
        assert_ne!(
            status_color(Status::Possible),
            status_color(Status::Crossing)
        );
    }
}
