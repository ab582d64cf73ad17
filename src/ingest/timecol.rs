//! What a numeric time column holds, decided from its values as a whole.
//!
//! A single number is ambiguous: `1973` is a year, or 32 minutes past the Unix
//! epoch. A column of them is not: R's `time()` of a monthly `ts` writes
//! 1973, 1973.0833..., which as epoch seconds is a series 0.083 s apart on
//! 1 January 1970. So a column whose numbers all lie between the years
//! [`FIRST_YEAR`] and [`LAST_YEAR`] and fall on a whole number of months is read
//! as decimal years (each number the start of its month), and a column of other
//! numbers is read as epoch seconds (milliseconds above 10^11) only when they fall
//! between [`PLAUSIBLE_FROM`] and [`PLAUSIBLE_TO`]; anything else is refused
//! with what it looks like, never read as 1970.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::timestamp::parse_timestamp;
use crate::series::Step;

/// Decimal years are read from this year on (R's classic series start in 1700).
pub const FIRST_YEAR: f64 = 1500.0;
/// ... up to this year.
pub const LAST_YEAR: f64 = 2500.0;
/// Epoch times before this (1980-01-01) are not metric history.
pub const PLAUSIBLE_FROM: i64 = 315_532_800;
/// Epoch times from this on (2200-01-01) are not metric history.
pub const PLAUSIBLE_TO: i64 = 7_258_118_400;

/// Steps per year that decimal years are read at: yearly, half-yearly, every
/// four months, quarterly, every two months, monthly (whole months each).
const FREQUENCIES: [u32; 6] = [1, 2, 3, 4, 6, 12];

/// How far (in steps) a decimal year may be from a whole step: R writes 15
/// digits, a spreadsheet may keep 2 decimals (1973.08 for February, 0.04 months
/// off).
const STEP_TOLERANCE: f64 = 0.06;

/// The times of a CSV without a time column (`--start TIME --step 30m`): each
/// series' `k`-th row is at `start` plus `k` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowClock {
    /// The time of each series' first row.
    pub start: DateTime<Utc>,
    /// The spacing of the rows.
    pub step: Step,
}

impl RowClock {
    /// The time of row `k` (0-based) of a series.
    pub fn at(&self, k: usize) -> DateTime<Utc> {
        self.step.advance(self.start, k as i64)
    }
}

/// How a time column is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeKind {
    /// Text timestamps (RFC 3339, dates), each read on its own.
    Text,
    /// Unix epoch seconds or milliseconds, each checked to be plausible.
    Epoch,
    /// Decimal years at `per_year` steps a year (12 monthly, 4 quarterly, 1
    /// yearly), each read as the start of its month.
    DecimalYears {
        /// Steps per year.
        per_year: u32,
    },
}

impl TimeKind {
    /// Decide from a sample of the column's fields. `column` names it in the
    /// error, which says what the numbers look like.
    pub fn detect<'a>(
        column: &str,
        fields: impl Iterator<Item = &'a str>,
    ) -> Result<TimeKind, String> {
        let mut numbers = Vec::new();
        for f in fields.map(str::trim).filter(|f| !f.is_empty()) {
            match f.parse::<f64>() {
                Ok(x) if x.is_finite() => numbers.push(x),
                _ => return Ok(TimeKind::Text),
            }
        }
        if numbers.is_empty() {
            return Ok(TimeKind::Text);
        }
        let (lo, hi) = numbers
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        if lo >= FIRST_YEAR && hi <= LAST_YEAR {
            return FREQUENCIES
                .iter()
                .find(|&&f| numbers.iter().all(|&x| off_step(x, f) < STEP_TOLERANCE))
                .map(|&per_year| TimeKind::DecimalYears { per_year })
                .ok_or_else(|| not_calendar(column, &numbers, lo, hi));
        }
        if numbers.iter().all(|&x| epoch_plausible(x)) {
            return Ok(TimeKind::Epoch);
        }
        Err(implausible(column, &numbers, lo, hi))
    }

    /// Read one field of the column.
    pub fn parse(&self, text: &str) -> Result<DateTime<Utc>, String> {
        match *self {
            TimeKind::Text => parse_timestamp(text),
            TimeKind::Epoch => {
                let t = parse_timestamp(text)?;
                if (PLAUSIBLE_FROM..PLAUSIBLE_TO).contains(&t.timestamp()) {
                    Ok(t)
                } else {
                    Err(format!(
                        "'{}' read as Unix epoch time is {}, outside 1980-2200 like no \
                         other time of this column",
                        crate::error::clip(text.trim()),
                        t.format("%Y-%m-%dT%H:%M:%SZ")
                    ))
                }
            }
            TimeKind::DecimalYears { per_year } => decimal_year(text, per_year),
        }
    }

    /// What was read, for a note on standard error; `None` for text.
    pub fn describe(&self, column: &str) -> Option<String> {
        let TimeKind::DecimalYears { per_year } = *self else {
            return None;
        };
        let step = match per_year {
            1 => "yearly".to_string(),
            4 => "quarterly".to_string(),
            12 => "monthly".to_string(),
            f => format!("every {} months", 12 / f),
        };
        let month = 1 + 12 / per_year % 12;
        let example = 1973.0
            + if per_year == 1 {
                0.0
            } else {
                1.0 / f64::from(per_year)
            };
        Some(format!(
            "time column '{column}' holds decimal years ({step}, as R's time() of a ts \
             writes them): each is read as the start of its month ({} is \
             1973-{month:02}-01T00:00:00Z)",
            (example * 10_000.0).floor() / 10_000.0
        ))
    }
}

/// How far `x` years is from a whole step of `1 / per_year` years, in steps.
fn off_step(x: f64, per_year: u32) -> f64 {
    let steps = x * f64::from(per_year);
    (steps - steps.round()).abs()
}

/// The start of the month that decimal year `text` names.
fn decimal_year(text: &str, per_year: u32) -> Result<DateTime<Utc>, String> {
    let s = text.trim();
    let x: f64 = s
        .parse()
        .map_err(|_| format!("cannot read '{}' as a decimal year", crate::error::clip(s)))?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&x) || off_step(x, per_year) >= STEP_TOLERANCE {
        return Err(format!(
            "'{}' is not a decimal year at {per_year} step(s) a year like the rest of \
             this column",
            crate::error::clip(s)
        ));
    }
    let steps = (x * f64::from(per_year)).round() as i64;
    let per_year = i64::from(per_year);
    let year = steps.div_euclid(per_year) as i32;
    let month = 1 + (steps.rem_euclid(per_year) * (12 / per_year)) as u32;
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| format!("'{s}' is not a calendar month"))
}

/// Epoch seconds (or milliseconds above 10^11) between 1980 and 2200.
fn epoch_plausible(x: f64) -> bool {
    let seconds = if x.fract() == 0.0 && x > 1e11 {
        x / 1000.0
    } else {
        x
    };
    (PLAUSIBLE_FROM as f64..PLAUSIBLE_TO as f64).contains(&seconds)
}

/// The refusal of decimal years that are not on a calendar step.
fn not_calendar(column: &str, numbers: &[f64], lo: f64, hi: f64) -> String {
    let per_year = typical_gap(numbers).map_or(String::new(), |gap| {
        format!(" (about {:.0} a year)", 1.0 / gap)
    });
    format!(
        "time column '{column}' holds numbers from {lo} to {hi}: decimal years, as R's \
         time() writes them, but not on a monthly, quarterly or yearly step{per_year}; \
         write calendar dates instead (for example as.Date or format() in R)"
    )
}

/// The refusal of numbers that are neither decimal years nor plausible epochs.
fn implausible(column: &str, numbers: &[f64], lo: f64, hi: f64) -> String {
    let epoch = |x: f64| {
        let millis = if x.fract() == 0.0 && x > 1e11 {
            x
        } else {
            x * 1000.0
        };
        DateTime::from_timestamp_millis(millis as i64).map_or_else(
            || "beyond the calendar".to_string(),
            |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
    };
    let looks = if numbers.iter().all(|x| x.fract() == 0.0) && hi < 1e8 {
        "they look like row numbers or step counts, not times".to_string()
    } else if lo > 1e14 {
        "they look like epoch microseconds or nanoseconds; divide them to seconds".to_string()
    } else {
        format!(
            "read as Unix epoch time they run from {} to {}, outside 1980-2200",
            epoch(lo),
            epoch(hi)
        )
    };
    format!(
        "time column '{column}' holds numbers from {lo} to {hi} that are neither Unix \
         epoch seconds or milliseconds nor decimal years: {looks}; give RFC 3339 \
         timestamps (2024-03-01T12:00:00Z) or epoch seconds"
    )
}

/// The median gap between consecutive distinct numbers.
fn typical_gap(numbers: &[f64]) -> Option<f64> {
    let mut sorted = numbers.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let mut gaps: Vec<f64> = sorted.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    gaps.get(gaps.len().checked_sub(1)? / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(fields: &[&str]) -> Result<TimeKind, String> {
        TimeKind::detect("time", fields.iter().copied())
    }

    #[test]
    fn decimal_years_at_calendar_steps() {
        let monthly: Vec<String> = (0..24)
            .map(|k| format!("{}", 1973.0 + k as f64 / 12.0))
            .collect();
        let fields: Vec<&str> = monthly.iter().map(String::as_str).collect();
        let kind = detect(&fields).unwrap();
        assert_eq!(kind, TimeKind::DecimalYears { per_year: 12 });
        assert_eq!(
            kind.parse("1973.08333333333").unwrap(),
            Utc.with_ymd_and_hms(1973, 2, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            kind.parse("1974.917").unwrap(),
            Utc.with_ymd_and_hms(1974, 12, 1, 0, 0, 0).unwrap()
        );
        let kind = detect(&["1973", "1973.25", "1973.5", "1973.75", "1974"]).unwrap();
        assert_eq!(kind, TimeKind::DecimalYears { per_year: 4 });
        assert_eq!(
            kind.parse("1973.75").unwrap(),
            Utc.with_ymd_and_hms(1973, 10, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            detect(&["1871", "1872", "1873"]).unwrap(),
            TimeKind::DecimalYears { per_year: 1 }
        );
        assert!(kind.parse("1973.1").is_err());
    }

    #[test]
    fn implausible_numbers_say_what_they_look_like() {
        let weekly: Vec<String> = (0..10)
            .map(|k| format!("{}", 2001.0 + k as f64 / 52.0))
            .collect();
        let err = detect(&weekly.iter().map(String::as_str).collect::<Vec<_>>()).unwrap_err();
        assert!(err.contains("about 52 a year"), "{err}");
        let err = detect(&["1", "2", "3"]).unwrap_err();
        assert!(err.contains("row numbers"), "{err}");
        assert!(err.contains("'time'"), "{err}");
        let err = detect(&["1700000000000000"]).unwrap_err();
        assert!(err.contains("microseconds"), "{err}");
        let err = detect(&["150000000"]).unwrap_err();
        assert!(err.contains("1974-10-03"), "{err}");
        assert_eq!(
            detect(&["1709294400", "1709294400000"]),
            Ok(TimeKind::Epoch)
        );
        assert_eq!(detect(&["2024-03-01", "1"]), Ok(TimeKind::Text));
        assert!(TimeKind::Epoch.parse("60").is_err());
    }
}
