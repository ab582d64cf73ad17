//! What-if scenarios: a launch, a migration, a ramp or a planned upgrade, applied
//! to the simulated futures of a series so that the saturation probability and
//! dates answer the question asked.
//!
//! A scenario is written as the `--scenario` flag takes it:
//!
//! | text                              | meaning                                                   |
//! |-----------------------------------|-----------------------------------------------------------|
//! | `x1.3 from 2025-05-01`            | every value from that date on is 1.3 times the forecast   |
//! | `+50G on 2025-05-01`              | a step: 50G added from that date on (`-50G` removes)      |
//! | `+5G/day from 2025-05-01`         | a ramp: 5G more every day after that date                 |
//! | `+20%/month from 2025-05-01`      | a ramp: 20 % of the forecast more every month after it    |
//! | `growth x2 from 2025-05-01`       | the growth after that date is twice the forecast's        |
//! | `capacity 750G from 2025-06-01`   | the capacity becomes 750G on that date (a planned upgrade)|
//!
//! Changes of the metric apply in the order given to every sample path and to the
//! point forecast and interval bounds (each bound treated as a path of its own).
//! A planned capacity change is answered by moving the futures instead of the
//! limit: reaching a capacity `c(t)` that changes over time is reaching the first
//! capacity `c0` by `v(t) + c0 - c(t)`, so the crossing dates, percentiles and
//! probability come out of the unchanged assessment.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::forecast::{Forecast, SamplePaths};
use crate::saturation::{
    assess_crossings, assess_paths, capacity_needed, check_risk, crossing_dates, crossing_steps,
    path_extremes, steps_until, CrossingDistribution, Direction, Questions, Saturation,
};

/// Seconds in the units a ramp can be given per.
const RAMP_UNITS: [(&str, f64); 12] = [
    ("s", 1.0),
    // Not `m`, which could be read as a month.
    ("min", 60.0),
    ("h", 3600.0),
    ("hour", 3600.0),
    ("d", 86_400.0),
    ("day", 86_400.0),
    ("w", 604_800.0),
    ("week", 604_800.0),
    // A calendar month on average, as the crate counts monthly steps.
    ("month", 2_629_746.0),
    ("mo", 2_629_746.0),
    ("y", 31_556_952.0),
    ("year", 31_556_952.0),
];

/// What a scenario changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// Every value from the date on is multiplied by this factor (`x1.3`).
    Scale(f64),
    /// This amount is added from the date on (`+50G`, `-20G`).
    Step(f64),
    /// This amount per second elapsed since the date is added (`+5G/day`).
    Ramp(f64),
    /// The value is multiplied by `1 + rate * seconds elapsed since the date`
    /// (`+20%/month` is a rate of 0.2 per month).
    PercentRamp(f64),
    /// The change after the date is this multiple of the forecast's (`growth x2`).
    Growth(f64),
    /// The capacity from the date on (`capacity 750G`).
    Capacity(f64),
}

/// One what-if: a change from a date on.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// What changes.
    pub change: Change,
    /// From when on.
    pub from: DateTime<Utc>,
    /// The text as given, to name the scenario in the output.
    text: String,
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The error of a scenario that cannot be read, with the accepted forms.
fn malformed(text: &str, why: &str) -> Error {
    Error::invalid(format!(
        "--scenario '{text}': {why}; expected one of 'x1.3 from 2025-05-01', \
         '+50G on 2025-05-01', '+5G/day from 2025-05-01', '+20%/month from 2025-05-01', \
         'growth x2 from 2025-05-01', 'capacity 750G from 2025-06-01'"
    ))
}

/// A number after `x`, `*` or `×`: a positive finite factor.
fn factor(text: &str, word: &str) -> Result<f64> {
    let number = word
        .strip_prefix(['x', 'X', '*', '×'])
        .ok_or_else(|| malformed(text, &format!("'{word}' is not a factor such as x1.3")))?;
    match number.parse::<f64>() {
        Ok(k) if k.is_finite() && k >= 0.0 => Ok(k),
        _ => Err(malformed(
            text,
            &format!("'{word}' is not a factor of zero or more such as x1.3"),
        )),
    }
}

/// `+50G`, `-5G/day`, `+20%/month`: the change of a signed amount.
fn signed(text: &str, word: &str) -> Result<Change> {
    let bad = |why: &str| malformed(text, &format!("'{word}': {why}"));
    let (amount, per) = match word.split_once('/') {
        Some((a, unit)) => {
            let seconds = RAMP_UNITS
                .iter()
                .find(|(u, _)| u.eq_ignore_ascii_case(unit))
                .map(|&(_, s)| s)
                .ok_or_else(|| {
                    bad("the unit of a ramp is one of s, min, h, day, week, month, year")
                })?;
            (a, Some(seconds))
        }
        None => (word, None),
    };
    let value = |s: &str| {
        crate::units::parse_capacity(s).map_err(|_| bad("not an amount such as +50G or -2.5e9"))
    };
    match (amount.strip_suffix('%'), per) {
        (Some(p), Some(seconds)) => Ok(Change::PercentRamp(value(p)? / 100.0 / seconds)),
        (Some(_), None) => Err(bad(
            "a percentage is a ramp (+20%/month); a lasting change is a factor (x1.2)",
        )),
        (None, Some(seconds)) => Ok(Change::Ramp(value(amount)? / seconds)),
        (None, None) => Ok(Change::Step(value(amount)?)),
    }
}

impl FromStr for Scenario {
    type Err = Error;

    /// One of the forms in the [module documentation](self).
    fn from_str(s: &str) -> Result<Self> {
        let text = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let words: Vec<&str> = text.split(' ').collect();
        let (change, rest) = match words.as_slice() {
            [w, k, rest @ ..] if w.eq_ignore_ascii_case("growth") => {
                (Change::Growth(factor(&text, k)?), rest)
            }
            [w, c, rest @ ..] if w.eq_ignore_ascii_case("capacity") => {
                let c = crate::units::parse_capacity(c).map_err(|_| {
                    malformed(&text, &format!("'{c}' is not a capacity such as 750G"))
                })?;
                (Change::Capacity(c), rest)
            }
            [w, rest @ ..] if w.starts_with(['+', '-']) => (signed(&text, w)?, rest),
            [w, rest @ ..] if w.starts_with(['x', 'X', '*', '×']) => {
                (Change::Scale(factor(&text, w)?), rest)
            }
            _ => return Err(malformed(&text, "it does not start with a change")),
        };
        let date = match rest {
            [on, date @ ..]
                if !date.is_empty()
                    && (on.eq_ignore_ascii_case("from") || on.eq_ignore_ascii_case("on")) =>
            {
                date.join(" ")
            }
            _ => {
                return Err(malformed(
                    &text,
                    "the change is not followed by 'from DATE'",
                ))
            }
        };
        let from = crate::ingest::parse_timestamp(&date)
            .map_err(|e| malformed(&text, &format!("cannot read the date '{date}': {e}")))?;
        Ok(Scenario { change, from, text })
    }
}

impl Scenario {
    /// Whether this changes the capacity rather than the metric.
    pub fn is_capacity(&self) -> bool {
        matches!(self.change, Change::Capacity(_))
    }

    /// Apply a change of the metric to one curve: `values` at `times`, following
    /// the observation `(t0, v0)`. Capacity changes leave it alone.
    fn apply(&self, times: &[DateTime<Utc>], values: &mut [f64], t0: DateTime<Utc>, v0: f64) {
        let first = times.partition_point(|&t| t < self.from);
        if first == times.len() {
            return;
        }
        let elapsed = |t: DateTime<Utc>| (t - self.from).num_milliseconds() as f64 / 1000.0;
        match self.change {
            Change::Scale(k) => values[first..].iter_mut().for_each(|v| *v *= k),
            Change::Step(a) => values[first..].iter_mut().for_each(|v| *v += a),
            Change::Ramp(r) => {
                for (v, &t) in values[first..].iter_mut().zip(&times[first..]) {
                    *v += r * elapsed(t);
                }
            }
            Change::PercentRamp(r) => {
                for (v, &t) in values[first..].iter_mut().zip(&times[first..]) {
                    *v *= 1.0 + r * elapsed(t);
                }
            }
            Change::Growth(k) => {
                // The value at the date itself, between the steps around it.
                let (tp, vp) = match first {
                    0 => (t0, v0),
                    i => (times[i - 1], values[i - 1]),
                };
                let span = (times[first] - tp).num_milliseconds() as f64;
                let share = (self.from - tp).num_milliseconds() as f64 / span.max(1.0);
                let anchor = vp + (values[first] - vp) * share;
                values[first..]
                    .iter_mut()
                    .for_each(|v| *v = anchor + k * (*v - anchor));
            }
            Change::Capacity(_) => {}
        }
    }
}

/// The scenarios of one run, in the order given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scenarios(pub Vec<Scenario>);

impl Scenarios {
    /// No scenario: the forecast as it is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The name of the scenario in outputs: the scenarios as given, joined by `; `
    /// (`None` without any).
    pub fn label(&self) -> Option<String> {
        (!self.is_empty()).then(|| {
            self.0
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Check the scenarios against a series whose last observation is `(last,
    /// last_value)`: no date before the history ends, no capacity change the last
    /// observation has already reached. The error names the flag and its value.
    pub fn check(
        &self,
        series: &str,
        last: DateTime<Utc>,
        last_value: f64,
        direction: Direction,
    ) -> Result<()> {
        let day = |t: DateTime<Utc>| crate::output::format_time(t);
        for s in &self.0 {
            if s.from < last {
                return Err(Error::invalid(format!(
                    "--scenario '{s}': the date {} is before the history of series {} ends ({})",
                    day(s.from),
                    crate::error::clip(series),
                    day(last)
                )));
            }
            if let Change::Capacity(c) = s.change {
                if direction.reaches(last_value, c) {
                    let side = match direction {
                        Direction::Up => "at or below",
                        Direction::Down => "at or above",
                    };
                    return Err(Error::invalid(format!(
                        "--scenario '{s}': the new capacity {} is {side} the last observation of series {} ({})",
                        crate::units::si(c),
                        crate::error::clip(series),
                        crate::units::si(last_value)
                    )));
                }
            }
        }
        Ok(())
    }

    /// Apply the changes of the metric to one curve following `(t0, v0)`.
    fn apply_curve(&self, times: &[DateTime<Utc>], values: &mut [f64], t0: DateTime<Utc>, v0: f64) {
        for s in &self.0 {
            s.apply(times, values, t0, v0);
        }
    }

    /// Apply the changes of the metric to a forecast: its point and each interval
    /// bound. The forecast follows the observation `(last, last_value)`.
    pub fn apply_forecast(&self, f: &mut Forecast, last: DateTime<Utc>, last_value: f64) {
        let times = f.timestamps.clone();
        self.apply_curve(&times, &mut f.point, last, last_value);
        for interval in &mut f.intervals {
            self.apply_curve(&times, &mut interval.lower, last, last_value);
            self.apply_curve(&times, &mut interval.upper, last, last_value);
            // A factor below one with a growth anchor can swap the bounds.
            for (lo, hi) in interval.lower.iter_mut().zip(interval.upper.iter_mut()) {
                if *lo > *hi {
                    std::mem::swap(lo, hi);
                }
            }
        }
    }

    /// Apply the changes of the metric to every sample path.
    pub fn apply_paths(&self, p: &mut SamplePaths, last: DateTime<Utc>, last_value: f64) {
        let times = p.timestamps.clone();
        for mut row in p.paths.rows_mut() {
            if let Some(values) = row.as_slice_mut() {
                self.apply_curve(&times, values, last, last_value);
            } else {
                let mut values = row.to_vec();
                self.apply_curve(&times, &mut values, last, last_value);
                row.iter_mut().zip(values).for_each(|(r, v)| *r = v);
            }
        }
    }

    /// The capacity at `t`, starting from `capacity`: the latest planned change on
    /// or before `t`.
    pub fn capacity_at(&self, capacity: f64, t: DateTime<Utc>) -> f64 {
        let mut changes: Vec<&Scenario> = self.0.iter().filter(|s| s.is_capacity()).collect();
        changes.sort_by_key(|s| s.from);
        changes
            .iter()
            .filter(|s| s.from <= t)
            .filter_map(|s| match s.change {
                Change::Capacity(c) => Some(c),
                _ => None,
            })
            .next_back()
            .unwrap_or(capacity)
    }

    /// The row as a chart with one capacity line draws it: with a planned change,
    /// the capacity in force at the median crossing (or the point forecast's),
    /// so that the line and the label name the limit actually reached.
    pub fn drawn(&self, row: &Saturation) -> Saturation {
        let at = row
            .p50_at
            .or(row.saturation_at)
            .unwrap_or(row.last_timestamp);
        Saturation {
            capacity: self.capacity_at(row.capacity, at),
            ..row.clone()
        }
    }

    /// The capacity in force at each of `times` under the planned changes, or
    /// `None` when no scenario changes the capacity.
    fn capacities(&self, times: &[DateTime<Utc>], capacity: f64) -> Option<Vec<f64>> {
        self.0.iter().any(Scenario::is_capacity).then(|| {
            times
                .iter()
                .map(|&t| self.capacity_at(capacity, t))
                .collect()
        })
    }

    /// Assess a forecast and its paths under these scenarios, as
    /// [`assess_paths`] does without them. The metric's changes are applied to
    /// `forecast` and `paths` in place (the forecast then draws the scenario);
    /// planned capacity changes move the crossing dates and the probability, while
    /// `capacity` stays the capacity before them and `capacity_needed` is that of
    /// the metric itself.
    #[allow(clippy::too_many_arguments)]
    pub fn assess(
        &self,
        forecast: &mut Forecast,
        paths: &mut SamplePaths,
        last: DateTime<Utc>,
        last_value: f64,
        capacity: f64,
        direction: Direction,
        questions: &Questions,
    ) -> Result<Saturation> {
        if self.is_empty() {
            return assess_paths(
                forecast, paths, last, last_value, capacity, direction, questions,
            );
        }
        let mut tally = PathTally::new(self, forecast, last, last_value, capacity, direction);
        tally.add(paths, questions)?;
        tally.finish(forecast, questions, None)
    }
}

/// What the sample paths of one series say about its capacity under some
/// scenarios, gathered a block of paths at a time so that a long horizon never
/// holds every path at once: each path's first crossing step and, for the
/// capacity needed, its extreme up to the date asked.
pub(crate) struct PathTally<'a> {
    scenarios: &'a Scenarios,
    last: DateTime<Utc>,
    last_value: f64,
    capacity: f64,
    direction: Direction,
    /// The capacity in force at each step, when a scenario changes it.
    moved: Option<Vec<f64>>,
    paths: usize,
    steps: Vec<usize>,
    extremes: Vec<f64>,
}

impl<'a> PathTally<'a> {
    /// An empty tally for the paths of `forecast`'s steps.
    pub(crate) fn new(
        scenarios: &'a Scenarios,
        forecast: &Forecast,
        last: DateTime<Utc>,
        last_value: f64,
        capacity: f64,
        direction: Direction,
    ) -> Self {
        PathTally {
            scenarios,
            last,
            last_value,
            capacity,
            direction,
            moved: scenarios.capacities(&forecast.timestamps, capacity),
            paths: 0,
            steps: Vec::new(),
            extremes: Vec::new(),
        }
    }

    /// Apply the scenarios' changes of the metric to a block of paths and count
    /// its crossings (and extremes up to `questions.need_until`).
    pub(crate) fn add(&mut self, block: &mut SamplePaths, questions: &Questions) -> Result<()> {
        if !self.scenarios.is_empty() {
            self.scenarios
                .apply_paths(block, self.last, self.last_value);
        }
        self.paths += block.n_paths();
        crossing_steps(
            &block.paths,
            self.capacity,
            self.moved.as_deref(),
            self.direction,
            &mut self.steps,
        );
        if let Some((until, risk)) = questions.need_until {
            check_risk(risk)?;
            let k = block.timestamps.partition_point(|&t| t <= until).max(1);
            path_extremes(&block.paths, k, self.direction, &mut self.extremes);
        }
        Ok(())
    }

    /// The crossings of the paths added so far.
    pub(crate) fn crossings(&self) -> CrossingDistribution {
        CrossingDistribution::from_steps(self.paths, self.steps.clone())
    }

    /// The row: dates from `forecast` (to which the scenarios' changes of the
    /// metric are applied, so that it draws the scenario), the probability and
    /// percentiles from the paths added.
    ///
    /// With `history` (the history's own answer within so many steps,
    /// [`crate::saturation::history_frequency`]), the probability is pooled with
    /// its answer within the horizon and the futures re-weighed to match; the
    /// probability by a date, with its answer by that date, so that it does not
    /// depend on the horizon.
    pub(crate) fn finish(
        self,
        forecast: &mut Forecast,
        questions: &Questions,
        history: Option<&dyn Fn(usize) -> Option<f64>>,
    ) -> Result<Saturation> {
        if self.paths == 0 {
            return Err(Error::invalid("no sample path was simulated"));
        }
        let s = self.scenarios;
        if !s.is_empty() {
            s.apply_forecast(forecast, self.last, self.last_value);
        }
        let dated = match &self.moved {
            None => crossing_dates(
                forecast,
                self.last,
                self.last_value,
                self.capacity,
                self.direction,
            )?,
            Some(moved) => {
                let mut f = forecast.clone();
                let shift = |values: &mut [f64]| {
                    for (v, c) in values.iter_mut().zip(moved) {
                        *v += self.capacity - c;
                    }
                };
                shift(&mut f.point);
                for i in &mut f.intervals {
                    shift(&mut i.lower);
                    shift(&mut i.upper);
                }
                crossing_dates(
                    &f,
                    self.last,
                    self.last_value,
                    self.capacity,
                    self.direction,
                )?
            }
        };
        let crossing = CrossingDistribution::from_steps(self.paths, self.steps);
        let pool = |p: f64, steps: usize| match history.and_then(|h| h(steps)) {
            Some(q) => crate::saturation::log_pool(p, q),
            None => p,
        };
        let by_step = questions.by.map(|by| steps_until(forecast, by));
        let by = by_step.map(|k| match k {
            0 => 0.0,
            k => pool(crossing.probability_by(k - 1), k),
        });
        let pooled = pool(crossing.probability(), forecast.point.len());
        let crossing = crossing.pooled(pooled);
        let mut row = assess_crossings(dated, forecast, &crossing, self.direction, questions.by);
        if by.is_some() {
            row.probability_by = by;
        }
        if let Some((_, risk)) = questions.need_until {
            row.capacity_needed = Some(capacity_needed(self.extremes, risk, self.direction));
        }
        Ok(row)
    }
}

/// Read a `--scenario` flag's value, for clap.
pub fn parse_scenario(text: &str) -> std::result::Result<Scenario, String> {
    text.parse::<Scenario>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Interval;
    use chrono::{TimeDelta, TimeZone};
    use ndarray::Array2;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap()
    }

    /// A noiseless line `100 + h` per hour for `n` hours after `t0`, as a
    /// forecast and as one path.
    fn line(n: usize) -> (Forecast, SamplePaths) {
        let timestamps: Vec<_> = (1..=n as i64).map(|h| t0() + TimeDelta::hours(h)).collect();
        let point: Vec<f64> = (1..=n).map(|h| 100.0 + h as f64).collect();
        let f = Forecast {
            series: "s".into(),
            model: "m".into(),
            timestamps: timestamps.clone(),
            intervals: vec![Interval {
                level: 95.0,
                lower: point.clone(),
                upper: point.clone(),
            }],
            point: point.clone(),
        };
        let paths = SamplePaths {
            series: "s".into(),
            model: "m".into(),
            timestamps,
            paths: Array2::from_shape_vec((1, n), point).unwrap(),
        };
        (f, paths)
    }

    fn at(h: i64) -> DateTime<Utc> {
        t0() + TimeDelta::hours(h)
    }

    fn scenarios(texts: &[&str]) -> Scenarios {
        Scenarios(texts.iter().map(|t| t.parse().unwrap()).collect())
    }

    #[test]
    fn forms_are_read() {
        let s: Scenario = "x1.3 from 2025-05-01".parse().unwrap();
        assert_eq!(s.change, Change::Scale(1.3));
        assert_eq!(s.from, Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap());
        let s: Scenario = "+50G on 2025-05-01".parse().unwrap();
        assert_eq!(s.change, Change::Step(50e9));
        let s: Scenario = "-2G  on 2025-05-01 12:00".parse().unwrap();
        assert_eq!(s.change, Change::Step(-2e9));
        assert_eq!(s.to_string(), "-2G on 2025-05-01 12:00");
        let s: Scenario = "+5G/day from 2025-05-01".parse().unwrap();
        assert_eq!(s.change, Change::Ramp(5e9 / 86_400.0));
        let s: Scenario = "+20%/month from 2025-05-01".parse().unwrap();
        assert_eq!(s.change, Change::PercentRamp(0.2 / 2_629_746.0));
        let s: Scenario = "growth x2 from 2025-05-01".parse().unwrap();
        assert_eq!(s.change, Change::Growth(2.0));
        let s: Scenario = "Capacity 750G from 2025-06-01T00:00:00Z".parse().unwrap();
        assert_eq!(s.change, Change::Capacity(750e9));
    }

    #[test]
    fn malformed_scenarios_name_the_flag_and_value() {
        for bad in [
            "",
            "x1.3",
            "x1.3 2025-05-01",
            "x1.3 from",
            "x-1 from 2025-05-01",
            "xlots from 2025-05-01",
            "+20% from 2025-05-01",
            "+5G/fortnight from 2025-05-01",
            "capacity big from 2025-05-01",
            "double from 2025-05-01",
            "x2 from someday",
        ] {
            let e = bad.parse::<Scenario>().unwrap_err().to_string();
            assert!(e.starts_with("--scenario '"), "{bad}: {e}");
            assert!(e.contains(bad.trim()), "{bad}: {e}");
        }
    }

    #[test]
    fn times_two_doubles_every_value_from_the_date() {
        let (mut f, mut p) = line(48);
        let sc = scenarios(&["x2 from 2025-04-02"]);
        sc.apply_forecast(&mut f, t0(), 100.0);
        sc.apply_paths(&mut p, t0(), 100.0);
        for h in 1..=48usize {
            let base = 100.0 + h as f64;
            let want = if h >= 24 { 2.0 * base } else { base };
            assert_eq!(f.point[h - 1], want, "step {h}");
            assert_eq!(f.intervals[0].upper[h - 1], want);
            assert_eq!(p.paths[[0, h - 1]], want);
        }
    }

    #[test]
    fn steps_and_ramps_add_from_the_date() {
        let (mut f, _) = line(10);
        scenarios(&["+50 on 2025-04-01 05:00", "+2/h from 2025-04-01 07:00"]).apply_forecast(
            &mut f,
            t0(),
            100.0,
        );
        assert_eq!(f.point[3], 104.0);
        assert_eq!(f.point[4], 155.0);
        assert_eq!(f.point[6], 157.0);
        assert_eq!(f.point[9], 160.0 + 6.0);
        let (mut f, _) = line(10);
        scenarios(&["+10%/h from 2025-04-01 08:00"]).apply_forecast(&mut f, t0(), 100.0);
        assert_eq!(f.point[7], 108.0);
        assert!((f.point[9] - 110.0 * 1.2).abs() < 1e-9);
    }

    #[test]
    fn doubling_the_growth_halves_the_time_left_after_the_date() {
        // The line reaches 160 at hour 60; from hour 20 (value 120) it has 40
        // hours left, and with twice the growth 20.
        let (mut f, mut p) = line(100);
        let before = assess_paths(
            &f,
            &p,
            t0(),
            100.0,
            160.0,
            Direction::Up,
            &Questions::default(),
        )
        .unwrap();
        assert_eq!(before.saturation_at, Some(at(60)));
        assert_eq!(before.p50_at, Some(at(60)));
        let row = scenarios(&["growth x2 from 2025-04-01 20:00"])
            .assess(
                &mut f,
                &mut p,
                t0(),
                100.0,
                160.0,
                Direction::Up,
                &Questions::default(),
            )
            .unwrap();
        assert_eq!(row.saturation_at, Some(at(40)));
        assert_eq!(row.p50_at, Some(at(40)));
        // The same answer as a ramp of the line's own rate, one per hour.
        let (mut f, mut p) = line(100);
        let row = scenarios(&["+1/h from 2025-04-01 20:00"])
            .assess(
                &mut f,
                &mut p,
                t0(),
                100.0,
                160.0,
                Direction::Up,
                &Questions::default(),
            )
            .unwrap();
        assert_eq!(row.saturation_at, Some(at(40)));
        // Off the grid, the growth is anchored at the value at the date itself:
        // from 19:30 (119.5), 40.5 hours left become 20.25, so hour 40 (rounded up).
        let (mut f, mut p) = line(100);
        let row = scenarios(&["growth x2 from 2025-04-01 19:30"])
            .assess(
                &mut f,
                &mut p,
                t0(),
                100.0,
                160.0,
                Direction::Up,
                &Questions::default(),
            )
            .unwrap();
        assert_eq!(row.saturation_at, Some(at(40)));
        assert!((f.point[39] - (119.5 + 2.0 * 20.5)).abs() < 1e-9);
    }

    #[test]
    fn a_planned_upgrade_before_the_crossing_moves_it_to_the_new_limit() {
        let q = Questions::default();
        // Crossing 160 at hour 60; the upgrade to 180 at hour 30 comes first, so
        // the line crosses the new limit at hour 80.
        let (mut f, mut p) = line(100);
        let sc = scenarios(&["capacity 180 from 2025-04-02 06:00"]);
        let row = sc
            .assess(&mut f, &mut p, t0(), 100.0, 160.0, Direction::Up, &q)
            .unwrap();
        assert_eq!(row.saturation_at, Some(at(80)));
        assert_eq!(row.p50_at, Some(at(80)));
        assert_eq!(row.capacity, 160.0);
        // The forecast drawn is the metric's own, not moved.
        assert_eq!(f.point[79], 180.0);
        // An upgrade after the crossing is too late: the date stays.
        let (mut f, mut p) = line(100);
        let row = scenarios(&["capacity 180 from 2025-04-03 20:00"])
            .assess(&mut f, &mut p, t0(), 100.0, 160.0, Direction::Up, &q)
            .unwrap();
        assert_eq!(row.saturation_at, Some(at(60)));
        // The chart draws the limit reached: the new one.
        let (mut f, mut p) = line(100);
        let row = sc
            .assess(&mut f, &mut p, t0(), 100.0, 160.0, Direction::Up, &q)
            .unwrap();
        assert_eq!(sc.drawn(&row).capacity, 180.0);
        // An upgrade that never comes within the horizon changes nothing.
        let (mut f, mut p) = line(100);
        let row = scenarios(&["capacity 180 from 2026-01-01"])
            .assess(&mut f, &mut p, t0(), 100.0, 160.0, Direction::Up, &q)
            .unwrap();
        assert_eq!(row.saturation_at, Some(at(60)));
    }

    #[test]
    fn capacity_needed_is_the_metrics_own_under_a_planned_change() {
        let (mut f, mut p) = line(100);
        let q = Questions {
            by: None,
            need_until: Some((at(50), 0.05)),
        };
        let row = scenarios(&["capacity 180 from 2025-04-02 06:00"])
            .assess(&mut f, &mut p, t0(), 100.0, 160.0, Direction::Up, &q)
            .unwrap();
        assert_eq!(row.capacity_needed, Some(150.0));
    }

    #[test]
    fn checks_name_the_flag_and_value() {
        let last = at(0);
        let sc = scenarios(&["x2 from 2025-03-01"]);
        let e = sc.check("db", last, 100.0, Direction::Up).unwrap_err();
        assert!(
            e.to_string().contains("--scenario 'x2 from 2025-03-01'"),
            "{e}"
        );
        assert!(e
            .to_string()
            .contains("before the history of series db ends"));
        let sc = scenarios(&["capacity 90 from 2025-05-01"]);
        let e = sc.check("db", last, 100.0, Direction::Up).unwrap_err();
        assert!(
            e.to_string().contains("'capacity 90 from 2025-05-01'"),
            "{e}"
        );
        assert!(sc.check("db", last, 100.0, Direction::Down).is_ok());
        assert!(scenarios(&["capacity 110 from 2025-05-01"])
            .check("db", last, 100.0, Direction::Up)
            .is_ok());
    }

    #[test]
    fn labels_and_capacity_over_time() {
        let sc = scenarios(&[
            "capacity 200 from 2025-05-01",
            "capacity 300 from 2025-04-10",
        ]);
        assert_eq!(
            sc.label().as_deref(),
            Some("capacity 200 from 2025-05-01; capacity 300 from 2025-04-10")
        );
        assert_eq!(sc.capacity_at(100.0, at(1)), 100.0);
        assert_eq!(sc.capacity_at(100.0, at(24 * 9)), 300.0);
        assert_eq!(sc.capacity_at(100.0, at(24 * 30)), 200.0);
        assert_eq!(Scenarios::default().label(), None);
    }
}
