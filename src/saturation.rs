//! Saturation: when does a forecast reach capacity, and how likely is it.
//!
//! The row of the saturation table ([`Saturation`]) takes its dates from the
//! point forecast and its widest interval (`saturation_at`, `earliest_at`,
//! `latest_at`) and its probability and crossing percentiles from simulated
//! sample paths ([`CrossingDistribution`]). The question that produces it, for
//! one series or a fleet, is [`crate::query::SaturationQuery`]; [`assess_paths`]
//! is the same assessment of a forecast and its paths held whole. [`rank`] orders
//! a fleet most urgent first.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forecast::{Forecast, SamplePaths};
use crate::series::Step;
use crate::units::Span;

mod history;
mod sentence;
mod settled;
pub(crate) use history::{history_frequency, log_pool};
pub use sentence::describe;
pub(crate) use settled::wilson;

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

/// The state of a series with respect to its capacity: one meaning each, read
/// from the numbers of the row (the contract's definitions), most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The last observed value is already at or past capacity (`time_left` 0).
    Saturated,
    /// At least half the simulated futures reach capacity within the horizon
    /// (`probability` >= 0.5), so the median crossing date `p50_at` exists.
    Crossing,
    /// Fewer than half do but some do (0 < `probability` < 0.5), or the widest
    /// interval reaches capacity.
    Possible,
    /// Neither: no simulated future and no interval bound reaches capacity.
    Clear,
}

impl Status {
    /// Every status, most urgent first (the order of [`rank`]).
    pub const ALL: [Status; 4] = [
        Status::Saturated,
        Status::Crossing,
        Status::Possible,
        Status::Clear,
    ];

    /// The status of `row` from its numbers: the last value against capacity,
    /// then `crossing` when `median_exists` (the median crossing date exists, which
    /// with sample paths is exactly `probability >= 0.5`), then `possible` when
    /// the probability is positive or a forecast bound reaches capacity.
    fn of(row: &Saturation, direction: Direction, median_exists: bool) -> Status {
        if direction.reaches(row.last_value, row.capacity) {
            Status::Saturated
        } else if median_exists {
            Status::Crossing
        } else if row.probability > 0.0 || row.earliest_at.is_some() || row.saturation_at.is_some()
        {
            Status::Possible
        } else {
            Status::Clear
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Saturated => "saturated",
            Status::Crossing => "crossing",
            Status::Possible => "possible",
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
    /// Saturated, crossing, possible or clear.
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
    /// The 10th percentile of the crossing time: the date by which one in ten
    /// simulated futures has reached capacity (empty when fewer do).
    pub p10_at: Option<DateTime<Utc>>,
    /// The median crossing time (empty when fewer than half the futures cross).
    pub p50_at: Option<DateTime<Utc>>,
    /// The 90th percentile of the crossing time.
    pub p90_at: Option<DateTime<Utc>>,
    /// Probability of reaching capacity by the date asked for (`--by`).
    pub probability_by: Option<f64>,
    /// The capacity that keeps the probability of reaching it before the date asked
    /// for under the risk asked for (`--need-until`, `--risk`).
    pub capacity_needed: Option<f64>,
    /// How the same answer scored on the series' own history (`--self-check`).
    #[serde(default)]
    pub self_check: Option<SelfCheck>,
}

/// The saturation answer scored on the series' own history: a few origins before
/// the end, each assessed as the row was (same capacity, horizon and model) and
/// compared with what followed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelfCheck {
    /// Origins scored.
    pub origins: usize,
    /// Of these, the ones after which the series reached capacity.
    pub crossings: usize,
    /// Brier score of their probabilities.
    pub brier: f64,
    /// Brier skill against climatology, the base rate smoothed to
    /// `(crossings + 1/2) / (origins + 1)` so that it is defined when every origin
    /// had the same outcome: below 0, a constant would have done better.
    pub skill: f64,
}

impl SelfCheck {
    /// Whether the probability did at least as well as climatology on the history.
    pub fn trusted(&self) -> bool {
        self.skill >= 0.0
    }

    /// The warning for a probability not to be trusted (`None` when it is): one
    /// sentence, the same on standard error and on the charts, so a reader who
    /// sees one recognises the other.
    pub fn caution(&self) -> Option<String> {
        (!self.trusted()).then(|| {
            format!(
                "trust this probability little: on {} origins of its own history it scored \
                 Brier {:.3}, skill {:.2} against climatology",
                self.origins, self.brier, self.skill
            )
        })
    }
}

impl Saturation {
    /// The median time left before capacity is reached, from the last observation:
    /// zero for a saturated series (it is there now), else until `p50_at`.
    pub fn time_left(&self) -> Option<chrono::TimeDelta> {
        if self.status == Status::Saturated {
            return Some(chrono::TimeDelta::zero());
        }
        self.p50_at.map(|t| t - self.last_timestamp)
    }

    /// Why the point forecast's crossing `saturation_at` is not inside the
    /// simulated crossings' `[p10_at, p90_at]`, where the median exists: `None`
    /// when it is (or there is no median to compare with).
    pub fn date_disagreement(&self) -> Option<String> {
        if self.status == Status::Saturated {
            return None;
        }
        let median = self.p50_at?;
        let day = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        match (self.saturation_at, self.p10_at, self.p90_at) {
            (None, _, _) => Some(format!(
                "the point forecast stays short of capacity within the horizon, while {:.0} % of the \
                 simulated futures reach it (median {}): they swing about the forecast and touch it \
                 on the way",
                100.0 * self.probability,
                day(median)
            )),
            (Some(at), Some(p10), _) if at < p10 => Some(format!(
                "the point forecast reaches capacity at {}, before 90 % of the simulated futures \
                 (p10 {})",
                day(at),
                day(p10)
            )),
            (Some(at), _, Some(p90)) if at > p90 => Some(format!(
                "the point forecast reaches capacity at {}, after 90 % of the simulated futures \
                 (p90 {}): they swing about the forecast and touch capacity before it does",
                day(at),
                day(p90)
            )),
            _ => None,
        }
    }
}

/// When each simulated future first reaches capacity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossingDistribution {
    /// Number of paths simulated.
    pub paths: usize,
    /// The first step (0-based) at which each crossing path reaches capacity,
    /// sorted; paths that never do within the horizon are not listed.
    pub steps: Vec<usize>,
    /// The paths the crossing ones are counted out of: `paths`, unless the
    /// history's own answer re-weighed the crossing and the other futures
    /// ([`CrossingDistribution::pooled`]).
    pub out_of: f64,
}

impl CrossingDistribution {
    /// The crossing steps of `paths` against `capacity` (`>=` up, `<=` down).
    pub fn of(paths: &SamplePaths, capacity: f64, direction: Direction) -> Self {
        let mut steps = Vec::new();
        crossing_steps(&paths.paths, capacity, None, direction, &mut steps);
        CrossingDistribution::from_steps(paths.n_paths(), steps)
    }

    /// The distribution of `paths` paths of which those listed crossed at these
    /// steps (in any order).
    pub fn from_steps(paths: usize, mut steps: Vec<usize>) -> Self {
        steps.sort_unstable();
        CrossingDistribution {
            paths,
            steps,
            out_of: paths as f64,
        }
    }

    /// The share of paths that reach capacity within the horizon.
    pub fn probability(&self) -> f64 {
        self.steps.len() as f64 / self.out_of.max(1e-12)
    }

    /// The share of paths that reach capacity at or before step `step` (0-based).
    pub fn probability_by(&self, step: usize) -> f64 {
        self.steps.partition_point(|&s| s <= step) as f64 / self.out_of.max(1e-12)
    }

    /// The `q` quantile (0 to 1) of the crossing step, counting paths that never
    /// cross as crossing after the horizon: `None` when fewer than `q` of the
    /// paths cross.
    pub fn quantile(&self, q: f64) -> Option<usize> {
        // The rank among the crossing paths, each of weight `paths / out_of`;
        // re-weighed, a thousandth of a path absorbs the rounding of that weight.
        let slack = if self.out_of == self.paths as f64 {
            0.0
        } else {
            1e-3
        };
        let rank = (q * self.out_of - slack).ceil().max(1.0) as usize;
        self.steps.get(rank - 1).copied()
    }

    /// The futures re-weighed so that the share crossing is `probability`: each
    /// crossing future keeps its date and weighs `probability / p` against the
    /// others' `(1 - probability) / (1 - p)`, `p` being the share simulated. The
    /// dates' percentiles then move with the probability (`p10_at` exists only
    /// when a tenth of the weight crosses). Unchanged when no path crosses or
    /// all do.
    pub fn pooled(mut self, probability: f64) -> Self {
        let k = self.steps.len() as f64;
        if k > 0.0 && (k as usize) < self.paths && probability > 0.0 {
            self.out_of = k / probability.min(1.0);
        } else if k > 0.0 && probability <= 0.0 {
            self.steps.clear();
        }
        self
    }
}

/// A date given absolutely, or as a span after each series' last observation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Deadline {
    /// This instant.
    At(DateTime<Utc>),
    /// This long after the last observation.
    After(Span),
}

impl Deadline {
    /// The instant for a series whose last observation is at `last`, with `step`.
    /// A deadline before the last observation is an error.
    pub fn resolve(&self, last: DateTime<Utc>, step: Step) -> Result<DateTime<Utc>> {
        let at = match *self {
            Deadline::At(t) => t,
            Deadline::After(span) => step.advance(last, span.steps_ceil(step) as i64),
        };
        if at <= last {
            return Err(Error::invalid(format!(
                "the date {} is not after the last observation {}",
                at.format("%Y-%m-%dT%H:%M:%SZ"),
                last.format("%Y-%m-%dT%H:%M:%SZ")
            )));
        }
        Ok(at)
    }
}

impl FromStr for Deadline {
    type Err = Error;

    /// A timestamp in any of the input forms (`2025-06-30`), or a span (`30d`).
    fn from_str(s: &str) -> Result<Self> {
        if let Ok(t) = crate::ingest::parse_timestamp(s) {
            if s.contains('-') || s.contains(':') {
                return Ok(Deadline::At(t));
            }
        }
        s.parse::<Span>().map(Deadline::After).map_err(|_| {
            Error::invalid(format!(
                "cannot read '{s}' as a date (2025-06-30) or a span after the last observation (30d)"
            ))
        })
    }
}

/// The further questions a saturation assessment can answer from sample paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Questions {
    /// The probability of reaching capacity by this date.
    pub by: Option<DateTime<Utc>>,
    /// The capacity needed until this date, at this risk (0 to 1).
    pub need_until: Option<(DateTime<Utc>, f64)>,
}

/// Assess a forecast and its sample paths against a capacity: the contract's
/// columns (dates from the forecast; the probability, now, from the paths) plus
/// the crossing-time percentiles and the answers to `questions`.
pub fn assess_paths(
    forecast: &Forecast,
    paths: &SamplePaths,
    last_timestamp: DateTime<Utc>,
    last_value: f64,
    capacity: f64,
    direction: Direction,
    questions: &Questions,
) -> Result<Saturation> {
    let row = crossing_dates(forecast, last_timestamp, last_value, capacity, direction)?;
    if paths.horizon() != forecast.horizon() || paths.n_paths() == 0 {
        return Err(Error::invalid(format!(
            "{} paths of {} steps for a forecast of {} steps",
            paths.n_paths(),
            paths.horizon(),
            forecast.horizon()
        )));
    }
    let crossing = CrossingDistribution::of(paths, capacity, direction);
    let mut row = assess_crossings(row, forecast, &crossing, direction, questions.by);
    if let Some((until, risk)) = questions.need_until {
        check_risk(risk)?;
        let k = steps_until(forecast, until).max(1);
        let mut extremes = Vec::new();
        path_extremes(&paths.paths, k, direction, &mut extremes);
        row.capacity_needed = Some(capacity_needed(extremes, risk, direction));
    }
    Ok(row)
}

/// A risk is a probability strictly between 0 and 1.
pub(crate) fn check_risk(risk: f64) -> Result<()> {
    if risk > 0.0 && risk < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the risk must be between 0 and 1, got {risk}"
        )))
    }
}

/// The first step at which each row of `paths` reaches capacity, pushed to `out`
/// (rows that never do are left out). With `moved`, the capacity in force at
/// step `h` is `moved[h]` (a planned change), compared as the row's value moved
/// by `capacity - moved[h]` against `capacity`.
pub(crate) fn crossing_steps(
    paths: &ndarray::Array2<f64>,
    capacity: f64,
    moved: Option<&[f64]>,
    direction: Direction,
    out: &mut Vec<usize>,
) {
    for row in paths.rows() {
        let first = match moved {
            None => row.iter().position(|&v| direction.reaches(v, capacity)),
            Some(c) => row
                .iter()
                .zip(c)
                .position(|(&v, &c)| direction.reaches(v + (capacity - c), capacity)),
        };
        out.extend(first);
    }
}

/// Each row's highest value (up) or lowest (down) over its first `k` steps,
/// pushed to `out`.
pub(crate) fn path_extremes(
    paths: &ndarray::Array2<f64>,
    k: usize,
    direction: Direction,
    out: &mut Vec<f64>,
) {
    out.extend(paths.rows().into_iter().map(|row| {
        let window = row.iter().take(k);
        match direction {
            Direction::Up => window.fold(f64::NEG_INFINITY, |m, &v| m.max(v)),
            Direction::Down => window.fold(f64::INFINITY, |m, &v| m.min(v)),
        }
    }));
}

/// [`assess_paths`] for a series none of whose `n_paths` paths would reach
/// capacity (the caller knows it from [`FittedModel::crossing_bound`](crate::forecast::FittedModel::crossing_bound)):
/// probability 0 and no crossing percentiles, without drawing them. The capacity
/// needed (`questions.need_until`) takes the paths and is not answered here.
pub(crate) fn assess_unreached(
    forecast: &Forecast,
    n_paths: usize,
    last_timestamp: DateTime<Utc>,
    last_value: f64,
    capacity: f64,
    direction: Direction,
    questions: &Questions,
) -> Result<Saturation> {
    let row = crossing_dates(forecast, last_timestamp, last_value, capacity, direction)?;
    let none = CrossingDistribution::from_steps(n_paths.max(1), Vec::new());
    Ok(assess_crossings(
        row,
        forecast,
        &none,
        direction,
        questions.by,
    ))
}

/// The steps of `forecast` at or before `date`.
pub(crate) fn steps_until(forecast: &Forecast, date: DateTime<Utc>) -> usize {
    forecast.timestamps.partition_point(|&t| t <= date)
}

/// The row's probability, percentiles, status and probability by `by`, from the
/// paths' crossing steps.
pub(crate) fn assess_crossings(
    mut row: Saturation,
    forecast: &Forecast,
    crossing: &CrossingDistribution,
    direction: Direction,
    by: Option<DateTime<Utc>>,
) -> Saturation {
    let at = |step: Option<usize>| step.map(|s| forecast.timestamps[s]);
    row.probability = crossing.probability();
    row.p10_at = at(crossing.quantile(0.1));
    row.p50_at = at(crossing.quantile(0.5));
    row.p90_at = at(crossing.quantile(0.9));
    row.status = Status::of(&row, direction, row.p50_at.is_some());
    if let Some(by) = by {
        row.probability_by = Some(match steps_until(forecast, by) {
            0 => 0.0,
            k => crossing.probability_by(k - 1),
        });
    }
    row
}

/// The capacity reached by only `risk` of the paths, from each path's extreme
/// over the steps asked about ([`path_extremes`]): the `1 - risk` quantile of the
/// highest values (up), or the `risk` quantile of the lowest (down).
pub(crate) fn capacity_needed(mut extremes: Vec<f64>, risk: f64, direction: Direction) -> f64 {
    extremes.sort_by(f64::total_cmp);
    let n = extremes.len();
    let q = match direction {
        Direction::Up => 1.0 - risk,
        Direction::Down => risk,
    };
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    extremes[rank - 1]
}

/// The dates the forecast and its widest interval reach capacity; the
/// probability is left at 0 and the status provisional, for the caller to
/// estimate and classify.
pub(crate) fn crossing_dates(
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
    Ok(Saturation {
        series: forecast.series.clone(),
        capacity,
        status: Status::Clear,
        last_timestamp,
        last_value,
        saturation_at,
        earliest_at,
        latest_at,
        probability: 0.0,
        p10_at: None,
        p50_at: None,
        p90_at: None,
        probability_by: None,
        capacity_needed: None,
        self_check: None,
    })
}

/// Order a fleet most urgent first: saturated, crossing, possible, clear; within a
/// status by `saturation_at` (rows without one last), then `earliest_at`, then the
/// higher probability, then the name. The status comes first so that a series
/// already full, or one most futures fill, is never listed below one that only
/// might fill earlier.
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
        a.status
            .cmp(&b.status)
            .then_with(|| by_time(a.saturation_at, b.saturation_at))
            .then_with(|| by_time(a.earliest_at, b.earliest_at))
            .then_with(|| b.probability.total_cmp(&a.probability))
            .then_with(|| a.series.cmp(&b.series))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Interval;
    use chrono::{TimeDelta, TimeZone};
    use statrs::distribution::{ContinuousCDF, Normal};

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

    /// The row's dates from the forecast and its bounds, the status from
    /// `probability` (as paths would give it).
    fn dated(f: &Forecast, last: f64, capacity: f64, d: Direction, p: f64) -> Result<Saturation> {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut row = crossing_dates(f, t0, last, capacity, d)?;
        row.probability = p;
        row.status = Status::of(&row, d, p >= 0.5);
        Ok(row)
    }

    #[test]
    fn up_crossing_dates_bracket_the_point() {
        let f = forecast((1..=10).map(|h| h as f64 * 10.0).collect(), 15.0);
        let s = dated(&f, 0.0, 50.0, Direction::Up, 1.0).unwrap();
        assert_eq!(s.status, Status::Crossing);
        assert_eq!(s.saturation_at, hour(5));
        assert_eq!(s.earliest_at, hour(4));
        assert_eq!(s.latest_at, hour(7));
    }

    #[test]
    fn down_direction_and_saturated_and_clear() {
        let f = forecast((1..=10).map(|h| 100.0 - h as f64 * 10.0).collect(), 5.0);
        let s = dated(&f, 100.0, 20.0, Direction::Down, 1.0).unwrap();
        assert_eq!(s.saturation_at, hour(8));
        assert_eq!(s.earliest_at, hour(8));
        assert_eq!(s.latest_at, hour(9));
        let s = dated(&f, 10.0, 20.0, Direction::Down, 1.0).unwrap();
        assert_eq!(s.status, Status::Saturated);
        // A small but positive probability is still a chance: possible, not clear.
        let s = dated(&f, 100.0, -50.0, Direction::Down, 1e-4).unwrap();
        assert_eq!(s.status, Status::Possible);
        let s = dated(&f, 100.0, -5000.0, Direction::Down, 0.0).unwrap();
        assert_eq!((s.status, s.probability), (Status::Clear, 0.0));
        assert!(dated(&f, 100.0, f64::NAN, Direction::Down, 0.0).is_err());
    }

    /// Paths `a + b h + sigma e` with independent standard normal `e`: the first
    /// crossing of `c` by step `k` has probability `1 - prod_{h <= k} Phi((c - a - b h) / sigma)`.
    fn trend_paths(n_paths: usize, horizon: usize) -> SamplePaths {
        use crate::forecast::rng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = rng(11);
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut paths = ndarray::Array2::zeros((n_paths, horizon));
        for mut row in paths.rows_mut() {
            for h in 0..horizon {
                let e: f64 = StandardNormal.sample(&mut rng);
                row[h] = 10.0 + 0.5 * (h + 1) as f64 + 2.0 * e;
            }
        }
        SamplePaths {
            series: "s".into(),
            model: "m".into(),
            timestamps: (1..=horizon as i64)
                .map(|h| t0 + TimeDelta::hours(h))
                .collect(),
            paths,
        }
    }

    fn exact_crossing_by(k: usize, capacity: f64) -> f64 {
        let normal = Normal::standard();
        1.0 - (0..=k)
            .map(|h| normal.cdf((capacity - 10.0 - 0.5 * (h + 1) as f64) / 2.0))
            .product::<f64>()
    }

    #[test]
    fn crossing_distribution_of_a_noisy_trend_is_exact() {
        let paths = trend_paths(20_000, 40);
        let dist = CrossingDistribution::of(&paths, 25.0, Direction::Up);
        for k in [0, 5, 10, 20, 39] {
            let exact = exact_crossing_by(k, 25.0);
            let se = (exact * (1.0 - exact) / 20_000.0).sqrt().max(1e-4);
            let got = dist.probability_by(k);
            assert!((got - exact).abs() < 4.0 * se, "step {k}: {got} vs {exact}");
        }
        assert_eq!(dist.probability(), dist.probability_by(39));
        // The median crossing step is where the exact probability passes one half.
        let median = dist.quantile(0.5).unwrap();
        assert!(
            exact_crossing_by(median, 25.0) >= 0.49 && exact_crossing_by(median - 1, 25.0) <= 0.51
        );
        assert!(dist.quantile(0.999).is_none() || dist.probability() >= 0.999);
    }

    #[test]
    fn fitted_trend_paths_cross_as_the_truth_does() {
        use crate::forecast::{Curve, FittedModel, Forecaster, TrendRegression, TrendWindow};
        use crate::series::{RegularSeries, Step};
        // 4000 points: the parameters are known almost exactly, so the crossing
        // distribution is that of the true line plus independent noise.
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = crate::forecast::rng(5);
        let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..4000)
            .map(|i| {
                let e: f64 = StandardNormal.sample(&mut rng);
                10.0 + 0.5 * (i as f64 - 3999.0) + 2.0 * e
            })
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let fitted = TrendRegression::new(Curve::Linear)
            .window(TrendWindow::All)
            .fit(&s)
            .unwrap();
        let f = fitted.predict(40, &[95.0]).unwrap();
        // The line through the history ends near 10 at its last step, rising 0.5 a step.
        assert!((f.point[0] - 10.5).abs() < 0.3, "{}", f.point[0]);
        let simulated = fitted.simulate(40, 20_000, 3).unwrap();
        let dist = CrossingDistribution::of(&simulated, 25.0 + (f.point[0] - 10.5), Direction::Up);
        for k in [5, 20, 39] {
            let exact = exact_crossing_by(k, 25.0);
            assert!(
                (dist.probability_by(k) - exact).abs() < 0.03,
                "step {k}: {} vs {exact}",
                dist.probability_by(k)
            );
        }
    }

    #[test]
    fn capacity_needed_of_independent_normals() {
        let paths = trend_paths(20_000, 10);
        // The highest of ten steps stays under c with probability 0.95.
        let mut extremes = Vec::new();
        path_extremes(&paths.paths, 10, Direction::Up, &mut extremes);
        let needed = capacity_needed(extremes, 0.05, Direction::Up);
        let normal = Normal::standard();
        let below = |c: f64| {
            (0..10)
                .map(|h| normal.cdf((c - 10.0 - 0.5 * (h + 1) as f64) / 2.0))
                .product::<f64>()
        };
        assert!((below(needed) - 0.95).abs() < 0.01, "{}", below(needed));
    }

    #[test]
    fn deadlines() {
        let last = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let step = Step::seconds(3600);
        let d: Deadline = "2024-01-03".parse().unwrap();
        assert_eq!(d.resolve(last, step).unwrap(), last + TimeDelta::days(2));
        let d: Deadline = "30d".parse().unwrap();
        assert_eq!(d.resolve(last, step).unwrap(), last + TimeDelta::days(30));
        let d: Deadline = "2023-12-01".parse().unwrap();
        assert!(d.resolve(last, step).is_err());
        assert!("soon".parse::<Deadline>().is_err());
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
            p10_at: None,
            p50_at: None,
            p90_at: None,
            probability_by: None,
            capacity_needed: None,
            self_check: None,
        };
        let mut rows = vec![
            row("c", None, Status::Clear),
            row("p", hour(1), Status::Possible),
            row("b", hour(9), Status::Crossing),
            row("s", None, Status::Saturated),
            row("a", hour(3), Status::Crossing),
        ];
        rank(&mut rows);
        let names: Vec<&str> = rows.iter().map(|r| r.series.as_str()).collect();
        // A saturated series first, a possible one after every crossing one even
        // though its point forecast reaches capacity earlier.
        assert_eq!(names, ["s", "a", "b", "p", "c"]);
    }

    /// Paths that all sit at `value` for `horizon` steps, except the first
    /// `jumpers` which reach `peak` at step `at`.
    fn flat_paths(
        n: usize,
        horizon: usize,
        value: f64,
        jumpers: usize,
        peak: f64,
        at: usize,
    ) -> SamplePaths {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut paths = ndarray::Array2::from_elem((n, horizon), value);
        for i in 0..jumpers {
            paths[[i, at]] = peak;
        }
        SamplePaths {
            series: "s".into(),
            model: "m".into(),
            timestamps: (1..=horizon as i64)
                .map(|h| t0 + TimeDelta::hours(h))
                .collect(),
            paths,
        }
    }

    #[test]
    fn status_follows_probability_not_any_forecast_quantity() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let f = forecast(vec![10.0; 10], 1.0);
        let q = Questions::default();
        let status = |paths: &SamplePaths, last: f64| {
            assess_paths(&f, paths, t0, last, 20.0, Direction::Up, &q).unwrap()
        };
        // 15 of 100 futures reach capacity: possible, no median, no time left.
        let row = status(&flat_paths(100, 10, 10.0, 15, 25.0, 4), 10.0);
        assert_eq!((row.status, row.probability), (Status::Possible, 0.15));
        assert!(row.p50_at.is_none() && row.time_left().is_none());
        // Half of them: crossing, with a median.
        let row = status(&flat_paths(100, 10, 10.0, 50, 25.0, 4), 10.0);
        assert_eq!(row.status, Status::Crossing);
        assert_eq!(row.p50_at, hour(5));
        // None, and no band reaching: clear.
        let row = status(&flat_paths(100, 10, 10.0, 0, 25.0, 4), 10.0);
        assert_eq!(row.status, Status::Clear);
        // No future reaches it but the widest band does: possible.
        let wide = forecast(vec![10.0; 10], 15.0);
        let row = assess_paths(
            &wide,
            &flat_paths(100, 10, 10.0, 0, 0.0, 0),
            t0,
            10.0,
            20.0,
            Direction::Up,
            &q,
        )
        .unwrap();
        assert_eq!((row.status, row.probability), (Status::Possible, 0.0));
        assert!(
            describe(&row).contains("the widest band does"),
            "{}",
            describe(&row)
        );
        // Already past capacity: saturated, nothing left.
        let row = status(&flat_paths(100, 10, 10.0, 0, 25.0, 4), 136.0);
        assert_eq!(row.status, Status::Saturated);
        assert_eq!(row.time_left(), Some(TimeDelta::zero()));
    }

    #[test]
    fn the_sentence_says_what_the_row_says() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let f = forecast(vec![10.0; 10], 1.0);
        let q = Questions::default();
        let paths = flat_paths(100, 10, 10.0, 0, 0.0, 0);
        let row = assess_paths(&f, &paths, t0, 136e9, 17.2e9, Direction::Up, &q).unwrap();
        let text = describe(&row);
        assert!(text.starts_with("s (saturated): "), "{text}");
        assert!(
            text.contains("last value 136G, already above the capacity 17.2G"),
            "{text}"
        );
        assert!(!text.contains("is already at 17.2G"), "{text}");
        let row = assess_paths(&f, &paths, t0, 5.0, 8.0, Direction::Down, &q).unwrap();
        assert!(
            describe(&row).contains("already below the capacity 8"),
            "{}",
            describe(&row)
        );
        let row = assess_paths(
            &f,
            &flat_paths(100, 10, 10.0, 15, 25.0, 4),
            t0,
            10.0,
            20.0,
            Direction::Up,
            &q,
        )
        .unwrap();
        assert_eq!(
            describe(&row),
            "s (possible): a 15 % chance of reaching 20 within the horizon."
        );
    }

    #[test]
    fn a_point_date_outside_the_simulated_crossings_is_explained() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        // The point never reaches 20 but 60 % of the futures do.
        let f = forecast(vec![10.0; 10], 1.0);
        let q = Questions::default();
        let row = assess_paths(
            &f,
            &flat_paths(100, 10, 10.0, 60, 25.0, 4),
            t0,
            10.0,
            20.0,
            Direction::Up,
            &q,
        )
        .unwrap();
        assert_eq!(row.status, Status::Crossing);
        assert!(row
            .date_disagreement()
            .unwrap()
            .contains("stays short of capacity"));
        // The point reaches it at step 9, after every future that does (step 4).
        let mut late = vec![10.0; 10];
        late[8] = 20.0;
        let f = forecast(late, 1.0);
        let row = assess_paths(
            &f,
            &flat_paths(100, 10, 10.0, 100, 25.0, 4),
            t0,
            10.0,
            20.0,
            Direction::Up,
            &q,
        )
        .unwrap();
        assert!(row.date_disagreement().unwrap().contains("after 90 %"));
        // At step 5 it agrees with them.
        let mut on_time = vec![10.0; 10];
        on_time[4] = 20.0;
        let f = forecast(on_time, 1.0);
        let row = assess_paths(
            &f,
            &flat_paths(100, 10, 10.0, 100, 25.0, 4),
            t0,
            10.0,
            20.0,
            Direction::Up,
            &q,
        )
        .unwrap();
        assert_eq!(row.date_disagreement(), None);
    }
}
