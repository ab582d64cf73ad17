//! Time axes labelled for the span shown, and dates written to the precision of
//! the data.
//!
//! Ticks fall on calendar boundaries (whole hours, midnights, Mondays, the first
//! of a month, the first of January) in the unit the span calls for, as many as fit
//! the width. Labels carry the year whenever the span crosses one; otherwise the
//! year is written once, in the axis caption. Sub-daily labels show the date at the
//! first tick and wherever the day changes.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use crate::series::Step;

/// The calendar unit of an axis' ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TickUnit {
    /// Seconds of a minute.
    Second,
    /// Minutes of an hour.
    Minute,
    /// Hours of a day.
    Hour,
    /// Days (or weeks, from Mondays).
    Day,
    /// First days of months.
    Month,
    /// First days of years.
    Year,
}

/// Candidate tick spacings, finest first: the unit and how many of it.
const SPACINGS: [(TickUnit, u32); 35] = [
    (TickUnit::Second, 1),
    (TickUnit::Second, 2),
    (TickUnit::Second, 5),
    (TickUnit::Second, 10),
    (TickUnit::Second, 15),
    (TickUnit::Second, 30),
    (TickUnit::Minute, 1),
    (TickUnit::Minute, 2),
    (TickUnit::Minute, 5),
    (TickUnit::Minute, 10),
    (TickUnit::Minute, 15),
    (TickUnit::Minute, 30),
    (TickUnit::Hour, 1),
    (TickUnit::Hour, 2),
    (TickUnit::Hour, 3),
    (TickUnit::Hour, 6),
    (TickUnit::Hour, 12),
    (TickUnit::Day, 1),
    (TickUnit::Day, 2),
    (TickUnit::Day, 7),
    (TickUnit::Day, 14),
    (TickUnit::Month, 1),
    (TickUnit::Month, 2),
    (TickUnit::Month, 3),
    (TickUnit::Month, 6),
    (TickUnit::Year, 1),
    (TickUnit::Year, 2),
    (TickUnit::Year, 5),
    (TickUnit::Year, 10),
    (TickUnit::Year, 20),
    (TickUnit::Year, 50),
    (TickUnit::Year, 100),
    (TickUnit::Year, 200),
    (TickUnit::Year, 500),
    (TickUnit::Year, 1000),
];

/// Width of one character of the tick labels, in pixels (DejaVu Sans at 15 px
/// averages about 8.5), and the gap kept between two labels.
const CHAR_PX: f64 = 8.5;
const GAP_PX: f64 = 24.0;

/// A time axis: its ticks and how to label them.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeAxis {
    ticks: Vec<DateTime<Utc>>,
    unit: TickUnit,
    crosses_year: bool,
    year: i32,
}

impl TimeAxis {
    /// The axis of `t0..=t1` drawn `width_px` pixels wide: the finest calendar
    /// spacing whose labels fit without overlapping.
    pub fn new(t0: DateTime<Utc>, t1: DateTime<Utc>, width_px: u32) -> Self {
        let (t0, t1) = if t1 < t0 { (t1, t0) } else { (t0, t1) };
        let crosses_year = t0.year() != t1.year();
        let span = (t1 - t0).as_seconds_f64().max(0.0);
        for &(unit, k) in &SPACINGS {
            let chars = label_chars(unit, crosses_year);
            let fit = (f64::from(width_px) / (chars * CHAR_PX + GAP_PX))
                .floor()
                .max(2.0);
            // Skip the spacings that would give far too many ticks before listing them.
            if span / nominal_seconds(unit, k) > fit + 2.0 {
                continue;
            }
            let ticks = ticks(t0, t1, unit, k);
            if ticks.len() as f64 <= fit && !ticks.is_empty() {
                return TimeAxis {
                    ticks,
                    unit,
                    crosses_year,
                    year: t0.year(),
                };
            }
        }
        // A span too short for one whole second, or too long for the table.
        TimeAxis {
            ticks: vec![t0],
            unit: if span < 1.0 {
                TickUnit::Second
            } else {
                TickUnit::Year
            },
            crosses_year,
            year: t0.year(),
        }
    }

    /// The ticks, in time order.
    pub fn ticks(&self) -> &[DateTime<Utc>] {
        &self.ticks
    }

    /// The unit of the ticks.
    pub fn unit(&self) -> TickUnit {
        self.unit
    }

    /// The label of a tick: `2016`, `Mar 2024`, `Mar`, `14 Mar`, `14 Mar 2024`,
    /// `09:00`, or `14 Mar 09:00` where a sub-daily axis starts or changes day.
    pub fn label(&self, t: &DateTime<Utc>) -> String {
        let year = if self.crosses_year { " %Y" } else { "" };
        let format = match self.unit {
            TickUnit::Year => "%Y".to_string(),
            TickUnit::Month => format!("%b{year}"),
            TickUnit::Day => format!("%-d %b{year}"),
            TickUnit::Hour | TickUnit::Minute | TickUnit::Second => {
                let clock = if self.unit == TickUnit::Second {
                    "%H:%M:%S"
                } else {
                    "%H:%M"
                };
                let index = self.ticks.partition_point(|x| x < t);
                let new_day = index == 0
                    || self
                        .ticks
                        .get(index - 1)
                        .is_none_or(|p| p.date_naive() != t.date_naive());
                if new_day {
                    format!("%-d %b{year} {clock}")
                } else {
                    clock.to_string()
                }
            }
        };
        t.format(&format).to_string()
    }

    /// The label of the last tick: the one that may reach past the right end of
    /// the axis, by half its width.
    pub fn last_label(&self) -> String {
        self.ticks.last().map(|t| self.label(t)).unwrap_or_default()
    }

    /// The caption under the axis: `time (UTC)`, with the year when the labels
    /// do not show it (`time (UTC), 2024`).
    pub fn caption(&self) -> String {
        if self.crosses_year || self.unit == TickUnit::Year {
            "time (UTC)".to_string()
        } else {
            format!("time (UTC), {}", self.year)
        }
    }
}

/// The longest label of a unit, in characters.
fn label_chars(unit: TickUnit, crosses_year: bool) -> f64 {
    let year = if crosses_year { 5.0 } else { 0.0 };
    match unit {
        TickUnit::Year => 4.0,
        TickUnit::Month => 3.0 + year,
        TickUnit::Day => 6.0 + year,
        // The date shows where the day changes; size for it when that is often.
        TickUnit::Hour | TickUnit::Minute => 12.0 + year,
        TickUnit::Second => 15.0 + year,
    }
}

/// Roughly how long `k` units last, to skip spacings that cannot fit.
fn nominal_seconds(unit: TickUnit, k: u32) -> f64 {
    f64::from(k)
        * match unit {
            TickUnit::Second => 1.0,
            TickUnit::Minute => 60.0,
            TickUnit::Hour => 3600.0,
            TickUnit::Day => 86_400.0,
            TickUnit::Month => 2_629_746.0,
            TickUnit::Year => 31_556_952.0,
        }
}

/// The calendar-aligned instants `k` units apart in `t0..=t1`.
fn ticks(t0: DateTime<Utc>, t1: DateTime<Utc>, unit: TickUnit, k: u32) -> Vec<DateTime<Utc>> {
    match unit {
        TickUnit::Second | TickUnit::Minute | TickUnit::Hour | TickUnit::Day => {
            let every = nominal_seconds(unit, k) as i64;
            // Weeks start on Mondays: 1970-01-05 was one.
            let offset = if unit == TickUnit::Day && k.is_multiple_of(7) {
                4 * 86_400
            } else {
                0
            };
            let start = t0.timestamp() - offset;
            let mut first = start.div_euclid(every) * every + offset;
            if first < t0.timestamp()
                || (first == t0.timestamp() && t0.timestamp_subsec_nanos() > 0)
            {
                first += every;
            }
            let mut out = Vec::new();
            let mut at = first;
            while let Some(t) = DateTime::from_timestamp(at, 0).filter(|t| *t <= t1) {
                out.push(t);
                at += every;
            }
            out
        }
        TickUnit::Month | TickUnit::Year => {
            let months = if unit == TickUnit::Year { 12 * k } else { k } as i64;
            let index = |t: DateTime<Utc>| i64::from(t.year()) * 12 + i64::from(t.month0());
            let mut m = index(t0).div_euclid(months) * months;
            let mut out = Vec::new();
            while let Some(t) = month_start(m).filter(|t| *t <= t1) {
                if t >= t0 {
                    out.push(t);
                }
                m += months;
            }
            out
        }
    }
}

/// Midnight on the first day of month number `m` (year * 12 + month0).
fn month_start(m: i64) -> Option<DateTime<Utc>> {
    let year = i32::try_from(m.div_euclid(12)).ok()?;
    let month = u32::try_from(m.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)?
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
}

/// How finely a date is written in a sentence on a chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatePrecision {
    /// `Dec 2008`: monthly and coarser data.
    Month,
    /// `3 Dec 2008`: daily and weekly data.
    Day,
    /// `3 Dec 2008 14:00`: sub-daily data.
    Minute,
}

impl DatePrecision {
    /// The precision of data on this step.
    pub fn of_step(step: Step) -> Self {
        Self::of_seconds(step.nominal_seconds())
    }

    /// The precision of data whose step is this many seconds.
    pub fn of_seconds(seconds: f64) -> Self {
        // 28 days: the shortest calendar month.
        if seconds >= 28.0 * 86_400.0 {
            DatePrecision::Month
        } else if seconds >= 86_400.0 {
            DatePrecision::Day
        } else {
            DatePrecision::Minute
        }
    }

    /// The precision for a chart covering `t0..t1` without a known step: months
    /// beyond two years, days beyond ten days, minutes below.
    pub fn of_span(t0: DateTime<Utc>, t1: DateTime<Utc>) -> Self {
        let span = (t1 - t0).abs();
        if span > TimeDelta::days(730) {
            DatePrecision::Month
        } else if span > TimeDelta::days(10) {
            DatePrecision::Day
        } else {
            DatePrecision::Minute
        }
    }

    /// `t` written to this precision, always with its year.
    pub fn format(self, t: DateTime<Utc>) -> String {
        let format = match self {
            DatePrecision::Month => "%b %Y",
            DatePrecision::Day => "%-d %b %Y",
            DatePrecision::Minute => "%-d %b %Y %H:%M",
        };
        t.format(format).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn labels(axis: &TimeAxis) -> Vec<String> {
        axis.ticks().iter().map(|t| axis.label(t)).collect()
    }

    #[test]
    fn hours_within_a_day() {
        let axis = TimeAxis::new(at(2024, 3, 1, 0), at(2024, 3, 2, 0), 1200);
        assert_eq!(axis.unit(), TickUnit::Hour);
        let l = labels(&axis);
        assert_eq!(l[0], "1 Mar 00:00");
        assert_eq!(l.last().unwrap(), "2 Mar 00:00");
        assert!(l[1..l.len() - 1].iter().all(|s| s.len() == 5), "{l:?}");
        assert_eq!(axis.caption(), "time (UTC), 2024");
        // Ticks on whole hours, evenly spaced.
        let gaps: Vec<i64> = axis
            .ticks()
            .windows(2)
            .map(|w| (w[1] - w[0]).num_hours())
            .collect();
        assert!(gaps.iter().all(|&g| g == gaps[0]) && 24 % gaps[0] == 0);
    }

    #[test]
    fn minutes_with_the_date_where_the_day_changes() {
        let axis = TimeAxis::new(
            at(2024, 3, 1, 23),
            at(2024, 3, 2, 0) + TimeDelta::minutes(30),
            1200,
        );
        assert_eq!(axis.unit(), TickUnit::Minute);
        let l = labels(&axis);
        assert_eq!(l[0], "1 Mar 23:00");
        assert!(l.contains(&"2 Mar 00:00".to_string()), "{l:?}");
        assert!(l.contains(&"23:30".to_string()), "{l:?}");
    }

    #[test]
    fn days_and_weeks() {
        let axis = TimeAxis::new(at(2024, 3, 1, 0), at(2024, 3, 10, 0), 1200);
        assert_eq!(axis.unit(), TickUnit::Day);
        assert_eq!(labels(&axis)[..3], ["1 Mar", "2 Mar", "3 Mar"]);
        assert_eq!(axis.caption(), "time (UTC), 2024");
        // Three months of days on a narrow chart: weekly ticks, on Mondays.
        let axis = TimeAxis::new(at(2024, 3, 1, 0), at(2024, 5, 20, 0), 800);
        assert_eq!(axis.unit(), TickUnit::Day);
        assert!(axis
            .ticks()
            .iter()
            .all(|t| t.weekday() == chrono::Weekday::Mon));
        assert_eq!(labels(&axis)[0], "4 Mar");
    }

    #[test]
    fn months_within_a_year() {
        let axis = TimeAxis::new(at(2024, 1, 15, 0), at(2024, 11, 20, 0), 1200);
        assert_eq!(axis.unit(), TickUnit::Month);
        assert_eq!(labels(&axis)[..3], ["Feb", "Mar", "Apr"]);
        assert_eq!(axis.caption(), "time (UTC), 2024");
    }

    #[test]
    fn crossing_a_year_shows_it_in_every_label() {
        let axis = TimeAxis::new(at(2024, 11, 1, 0), at(2025, 2, 28, 0), 1200);
        assert_eq!(axis.unit(), TickUnit::Day);
        assert!(labels(&axis)
            .iter()
            .all(|l| l.ends_with(" 2024") || l.ends_with(" 2025")));
        let axis = TimeAxis::new(at(2024, 6, 1, 0), at(2025, 5, 1, 0), 1200);
        assert_eq!(axis.unit(), TickUnit::Month);
        let l = labels(&axis);
        assert_eq!(l[0], "Jun 2024");
        assert!(l.contains(&"Jan 2025".to_string()));
        assert_eq!(axis.caption(), "time (UTC)");
        let axis = TimeAxis::new(at(2024, 12, 31, 0), at(2025, 1, 1, 12), 1200);
        let l = labels(&axis);
        assert_eq!(l[0], "31 Dec 2024 00:00");
        assert!(l.contains(&"1 Jan 2025 00:00".to_string()), "{l:?}");
    }

    #[test]
    fn years_on_multi_year_data() {
        // The 17 years of a monthly retail series: whole years, never "01 Jul".
        let axis = TimeAxis::new(at(1999, 10, 1, 0), at(2016, 5, 1, 0), 1200);
        assert_eq!(axis.unit(), TickUnit::Year);
        let l = labels(&axis);
        assert!(
            l.iter().all(|s| s.len() == 4 && s.parse::<i32>().is_ok()),
            "{l:?}"
        );
        assert!(axis.ticks().iter().all(|t| t.month() == 1 && t.day() == 1));
        assert!(l.len() >= 4, "{l:?}");
        // A century on a narrow axis.
        let axis = TimeAxis::new(at(1900, 1, 1, 0), at(2000, 1, 1, 0), 400);
        assert_eq!(axis.unit(), TickUnit::Year);
        assert!(axis.ticks().len() <= 12);
        // Four years, twelve-monthly or coarser labels all carry their year.
        let axis = TimeAxis::new(at(2008, 3, 1, 0), at(2012, 2, 1, 0), 1200);
        assert!(labels(&axis).iter().all(|l| l.contains("20")));
    }

    #[test]
    fn degenerate_spans() {
        let t = at(2024, 3, 1, 12) + TimeDelta::milliseconds(250);
        let axis = TimeAxis::new(t, t, 1000);
        assert_eq!(axis.ticks(), [t]);
        let axis = TimeAxis::new(at(2024, 3, 2, 0), at(2024, 3, 1, 0), 1000);
        assert!(!axis.ticks().is_empty());
    }

    #[test]
    fn dates_to_the_precision_of_the_data() {
        let t = Utc.with_ymd_and_hms(2008, 12, 3, 14, 0, 0).unwrap();
        let month = DatePrecision::of_step(Step::Months { months: 1 });
        assert_eq!(month.format(t), "Dec 2008");
        assert_eq!(
            DatePrecision::of_step(Step::seconds(86_400)).format(t),
            "3 Dec 2008"
        );
        assert_eq!(
            DatePrecision::of_step(Step::seconds(604_800)),
            DatePrecision::Day
        );
        assert_eq!(
            DatePrecision::of_step(Step::seconds(3600)).format(t),
            "3 Dec 2008 14:00"
        );
        assert_eq!(
            DatePrecision::of_span(t, t + TimeDelta::days(1000)),
            DatePrecision::Month
        );
        assert_eq!(
            DatePrecision::of_span(t, t + TimeDelta::days(30)),
            DatePrecision::Day
        );
    }
}
