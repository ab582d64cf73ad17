//! Saturation: when does a forecast reach capacity, and how likely is it.
//!
//! From a [`Forecast`], [`assess`] finds the first step at which the point forecast
//! reaches capacity (`saturation_at`), the first at which the widest interval's
//! bound on the capacity side reaches it (`earliest_at`) and the first at which its
//! other bound does (`latest_at`), and the probability of reaching capacity within
//! the horizon. [`rank`] orders a fleet most urgent first.
//!
//! The probability here comes from a normal approximation of the forecast: at each
//! step the forecast is taken as normal with the point forecast as mean and the
//! standard deviation implied by the widest interval; the probability of reaching
//! capacity at some step is estimated as the largest single-step probability. That
//! is exact when forecast errors are perfectly correlated across steps (a trend that
//! is simply higher or lower than estimated) and a lower bound otherwise.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};
use crate::forecast::{central_quantile, Forecast};

/// Whether the metric rises to a ceiling or falls to a floor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// The metric rises to a ceiling (disk used, CPU): reaching means `>=`.
    #[default]
    Up,
    /// The metric falls to a floor (free bytes): reaching means `<=`.
    Down,
}

impl Direction {
    /// Whether `value` has reached `capacity` in this direction.
    pub fn reaches(self, value: f64, capacity: f64) -> bool {
        match self {
            Direction::Up => value >= capacity,
            Direction::Down => value <= capacity,
        }
    }
}

impl FromStr for Direction {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            other => Err(Error::invalid(format!(
                "direction must be 'up' or 'down', got '{other}'"
            ))),
        }
    }
}

/// The state of a series with respect to its capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The last observed value is already at or past capacity.
    Saturated,
    /// Some forecast quantity reaches capacity within the horizon.
    Crossing,
    /// Nothing reaches capacity within the horizon.
    Clear,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Saturated => "saturated",
            Status::Crossing => "crossing",
            Status::Clear => "clear",
        })
    }
}

/// One row of the saturation table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Saturation {
    /// The series.
    pub series: String,
    /// The capacity, in the data's unit.
    pub capacity: f64,
    /// Saturated, crossing or clear.
    pub status: Status,
    /// Timestamp of the last observation.
    pub last_timestamp: DateTime<Utc>,
    /// The last observed value.
    pub last_value: f64,
    /// First step whose point forecast reaches capacity.
    pub saturation_at: Option<DateTime<Utc>>,
    /// First step whose widest-level bound on the capacity side reaches capacity.
    pub earliest_at: Option<DateTime<Utc>>,
    /// First step whose widest-level bound on the other side reaches capacity.
    pub latest_at: Option<DateTime<Utc>>,
    /// Probability (0 to 1) of reaching capacity within the horizon.
    pub probability: f64,
}

/// Assess a forecast against a capacity.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{Curve, FittedModel, Forecaster, TrendRegression};
/// use headroom::saturation::{assess, Direction, Status};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..100).map(|t| 50.0 + t as f64 * 0.5 + (t % 3) as f64).collect();
/// let s = RegularSeries::new("disk", start, Step::seconds(3600), y).unwrap();
/// let f = TrendRegression::new(Curve::Linear).fit(&s).unwrap().predict(48, &[80.0, 95.0]).unwrap();
/// let row = assess(&f, s.last_timestamp(), s.last_value(), 110.0, Direction::Up).unwrap();
/// assert_eq!(row.status, Status::Crossing);
/// assert!(row.earliest_at <= row.saturation_at && row.saturation_at <= row.latest_at);
/// ```
pub fn assess(
    forecast: &Forecast,
    last_timestamp: DateTime<Utc>,
    last_value: f64,
    capacity: f64,
    direction: Direction,
) -> Result<Saturation> {
    if !capacity.is_finite() {
        return Err(Error::invalid(format!(
            "the capacity must be a finite number, got {capacity}"
        )));
    }
    let reaches = |v: f64| direction.reaches(v, capacity);
    let first = |values: &[f64]| {
        values
            .iter()
            .position(|&v| reaches(v))
            .map(|i| forecast.timestamps[i])
    };
    let saturation_at = first(&forecast.point);
    let (earliest_at, latest_at) = match forecast.widest() {
        Some(widest) => match direction {
            Direction::Up => (first(&widest.upper), first(&widest.lower)),
            Direction::Down => (first(&widest.lower), first(&widest.upper)),
        },
        None => (saturation_at, saturation_at),
    };
    let status = if reaches(last_value) {
        Status::Saturated
    } else if saturation_at.is_some() || earliest_at.is_some() {
        Status::Crossing
    } else {
        Status::Clear
    };
    Ok(Saturation {
        series: forecast.series.clone(),
        capacity,
        status,
        last_timestamp,
        last_value,
        saturation_at,
        earliest_at,
        latest_at,
        probability: normal_probability(forecast, capacity, direction),
    })
}

/// The largest single-step probability of reaching capacity, each step taken as
/// normal with the standard deviation implied by the widest interval.
fn normal_probability(forecast: &Forecast, capacity: f64, direction: Direction) -> f64 {
    let normal = Normal::standard();
    let widest = forecast.widest();
    let z = widest.map(|w| central_quantile(w.level, |p| normal.inverse_cdf(p)));
    let step_probability = |i: usize| -> f64 {
        let mean = forecast.point[i];
        let sd = match (widest, z) {
            (Some(w), Some(z)) if z > 0.0 => (w.upper[i] - w.lower[i]) / (2.0 * z),
            _ => 0.0,
        };
        if !(sd > 0.0 && sd.is_finite()) {
            return f64::from(u8::from(direction.reaches(mean, capacity)));
        }
        let zc = (capacity - mean) / sd;
        match direction {
            Direction::Up => normal.sf(zc),
            Direction::Down => normal.cdf(zc),
        }
    };
    (0..forecast.horizon())
        .map(step_probability)
        .fold(0.0, f64::max)
}

/// Order a fleet most urgent first: by `saturation_at` (rows without one last),
/// then `earliest_at`, then saturated before crossing before clear, then the higher
/// probability, then the name.
pub fn rank(rows: &mut [Saturation]) {
    fn by_time(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    rows.sort_by(|a, b| {
        by_time(a.saturation_at, b.saturation_at)
            .then_with(|| by_time(a.earliest_at, b.earliest_at))
            .then_with(|| a.status.cmp(&b.status))
            .then_with(|| b.probability.total_cmp(&a.probability))
            .then_with(|| a.series.cmp(&b.series))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Interval;
    use chrono::{TimeDelta, TimeZone};

    fn forecast(point: Vec<f64>, half_width: f64) -> Forecast {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let n = point.len();
        Forecast {
            series: "s".into(),
            model: "m".into(),
            timestamps: (1..=n as i64).map(|h| t0 + TimeDelta::hours(h)).collect(),
            intervals: vec![Interval {
                level: 95.0,
                lower: point.iter().map(|p| p - half_width).collect(),
                upper: point.iter().map(|p| p + half_width).collect(),
            }],
            point,
        }
    }

    fn hour(h: i64) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(h))
    }

    #[test]
    fn up_crossing_dates_bracket_the_point() {
        let f = forecast((1..=10).map(|h| h as f64 * 10.0).collect(), 15.0);
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = assess(&f, t0, 0.0, 50.0, Direction::Up).unwrap();
        assert_eq!(s.status, Status::Crossing);
        assert_eq!(s.saturation_at, hour(5));
        assert_eq!(s.earliest_at, hour(4));
        assert_eq!(s.latest_at, hour(7));
        // At the last step the mean is 100, sd = 15 / 1.96: certain.
        assert!(s.probability > 0.999);
    }

    #[test]
    fn down_direction_and_saturated_and_clear() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let f = forecast((1..=10).map(|h| 100.0 - h as f64 * 10.0).collect(), 5.0);
        let s = assess(&f, t0, 100.0, 20.0, Direction::Down).unwrap();
        assert_eq!(s.saturation_at, hour(8));
        assert_eq!(s.earliest_at, hour(8));
        assert_eq!(s.latest_at, hour(9));
        let s = assess(&f, t0, 10.0, 20.0, Direction::Down).unwrap();
        assert_eq!(s.status, Status::Saturated);
        let s = assess(&f, t0, 100.0, -50.0, Direction::Down).unwrap();
        assert_eq!(s.status, Status::Clear);
        assert!(s.probability < 1e-6);
        assert!(assess(&f, t0, 100.0, f64::NAN, Direction::Down).is_err());
    }

    #[test]
    fn probability_at_the_point_is_one_half() {
        let f = forecast(vec![40.0, 50.0], 10.0);
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = assess(&f, t0, 0.0, 50.0, Direction::Up).unwrap();
        assert!((s.probability - 0.5).abs() < 1e-12);
    }

    #[test]
    fn ranking_is_most_urgent_first() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let row = |name: &str, at: Option<DateTime<Utc>>, status| Saturation {
            series: name.into(),
            capacity: 1.0,
            status,
            last_timestamp: t0,
            last_value: 0.0,
            saturation_at: at,
            earliest_at: at,
            latest_at: None,
            probability: 0.5,
        };
        let mut rows = vec![
            row("c", None, Status::Clear),
            row("b", hour(9), Status::Crossing),
            row("s", None, Status::Saturated),
            row("a", hour(3), Status::Crossing),
        ];
        rank(&mut rows);
        let names: Vec<&str> = rows.iter().map(|r| r.series.as_str()).collect();
        assert_eq!(names, ["a", "b", "s", "c"]);
    }
}
