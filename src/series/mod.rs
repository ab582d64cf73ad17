//! Metric series: raw observations as read, and the regular grid that models use.
//!
//! A [`Series`] is what ingestion produces: a name, labels, UTC timestamps and f64
//! values in any order, with duplicates, gaps and `NaN` for missing values.
//! [`Series::regularise`] turns it into a [`RegularSeries`] on an inferred step,
//! under a [`GapPolicy`] the caller chooses, and reports what it did in a
//! [`RegularisationReport`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Months, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gaps::OpenHours;

mod report;
pub use report::RegularisationReport;

/// Mean length of a Gregorian month in seconds (365.2425 days / 12), used where a
/// calendar-month step must be expressed in seconds (the `step_seconds` column).
pub const MEAN_MONTH_SECONDS: f64 = 2_629_746.0;

/// A grid refuses to grow past this many steps per observation: a single stray
/// timestamp (a 1970 epoch among 2024 rows) would otherwise allocate a grid of
/// billions of empty steps.
const MAX_GRID_STEPS_PER_POINT: usize = 100;

/// The largest magnitude a value may have to be modelled: the models square
/// values and sum the squares, and from about 1.3e154 a square overflows to
/// infinity (property tests found infinite intervals at 1e300). 1e150 keeps the
/// sum of 1e8 squares finite, and is far above any measured quantity (an
/// exabyte is 1e18; a u64 counter wraps at 1.8e19).
pub const MAX_MAGNITUDE: f64 = 1e150;

/// The refusal of values beyond [`MAX_MAGNITUDE`], naming the first one.
fn check_magnitude(name: &str, values: &[f64], at: impl Fn(usize) -> String) -> Result<()> {
    match values.iter().position(|v| v.abs() > MAX_MAGNITUDE) {
        None => Ok(()),
        Some(i) => Err(Error::series(
            name,
            format!(
                "value {:e} at {} is beyond ±{MAX_MAGNITUDE:e}, where the models' sums of \
                 squares overflow; rescale the series (another unit)",
                values[i],
                at(i)
            ),
        )),
    }
}

/// The regular spacing of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// A fixed duration in milliseconds (seconds, minutes, hours, days, weeks).
    Fixed {
        /// Length of the step in milliseconds.
        millis: i64,
    },
    /// A number of calendar months (monthly, quarterly or yearly data, whose steps
    /// are not a fixed number of seconds).
    Months {
        /// Months per step.
        months: u32,
    },
}

impl Step {
    /// A fixed step of whole seconds.
    pub fn seconds(seconds: i64) -> Self {
        Step::Fixed {
            millis: seconds * 1000,
        }
    }

    /// The step in seconds; calendar months count as [`MEAN_MONTH_SECONDS`].
    pub fn nominal_seconds(&self) -> f64 {
        match *self {
            Step::Fixed { millis } => millis as f64 / 1000.0,
            Step::Months { months } => months as f64 * MEAN_MONTH_SECONDS,
        }
    }

    /// The instant `k` steps after `start` (`k` may be negative).
    pub fn advance(&self, start: DateTime<Utc>, k: i64) -> DateTime<Utc> {
        match *self {
            Step::Fixed { millis } => start + TimeDelta::milliseconds(millis * k),
            Step::Months { months } => {
                let total = (months as i64 * k).unsigned_abs() as u32;
                let shifted = if k >= 0 {
                    start.checked_add_months(Months::new(total))
                } else {
                    start.checked_sub_months(Months::new(total))
                };
                shifted.unwrap_or(start)
            }
        }
    }

    /// The grid slot nearest to `t` on the grid that starts at `start`.
    fn nearest_slot(&self, start: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
        match *self {
            Step::Fixed { millis } => {
                let offset = (t - start).num_milliseconds() as f64;
                (offset / millis as f64).round() as i64
            }
            Step::Months { months } => {
                let month_index = |d: DateTime<Utc>| d.year() as i64 * 12 + d.month0() as i64;
                let approx = (month_index(t) - month_index(start)) / months as i64;
                // The month count can be one off when days of month differ; pick the
                // nearest of the neighbouring slots.
                (approx - 1..=approx + 1)
                    .min_by_key(|&k| (t - self.advance(start, k)).num_seconds().abs())
                    .unwrap_or(approx)
            }
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Step::Months { months: 1 } => write!(f, "1 month"),
            Step::Months { months } => write!(f, "{months} months"),
            Step::Fixed { millis } => {
                let units = [
                    (604_800_000, "w"),
                    (86_400_000, "d"),
                    (3_600_000, "h"),
                    (60_000, "m"),
                    (1000, "s"),
                ];
                for (size, unit) in units {
                    if millis >= size && millis % size == 0 {
                        return write!(f, "{}{unit}", millis / size);
                    }
                }
                write!(f, "{millis}ms")
            }
        }
    }
}

/// What to do with steps of the regular grid that have no value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GapPolicy {
    /// Fill short gaps by linear interpolation; keep the models off what a line
    /// cannot stand in for (the default): a gap longer than a season
    /// ([`crate::gaps::long_gap_limit`]) is filled with the series' own daily
    /// profile and listed in [`RegularSeries::holes`], and gaps that recur every
    /// week are closed hours ([`crate::gaps::OpenHours`]), also holes. Missing
    /// steps before the first or after the last observed value are trimmed.
    #[default]
    Auto,
    /// Fill each missing step by linear interpolation between its nearest observed
    /// neighbours, however long the gap (`--gaps fill`, the behaviour before
    /// `auto`). Missing steps before the first or after the last observed value
    /// are trimmed rather than invented.
    Interpolate,
    /// As `Auto`, and the gaps are closed hours even when they recur in only one
    /// week or half the weeks (`--gaps closed`); a series without recurring gaps
    /// is refused.
    Closed,
    /// Fail with an error that names the series, the number of missing steps and
    /// the first of them.
    Refuse,
}

impl std::str::FromStr for GapPolicy {
    type Err = Error;

    /// `auto`, `fill` (or `interpolate`), `closed` or `refuse`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(GapPolicy::Auto),
            "fill" | "interpolate" => Ok(GapPolicy::Interpolate),
            "closed" => Ok(GapPolicy::Closed),
            "refuse" => Ok(GapPolicy::Refuse),
            other => Err(Error::invalid(format!(
                "gaps must be 'auto', 'fill', 'closed' or 'refuse', got '{other}'"
            ))),
        }
    }
}

/// Options for [`Series::regularise`], built with `with_*` methods.
///
/// Defaults: the step is inferred from the data, gaps are interpolated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegulariseOptions {
    /// The grid step; `None` infers it with [`Series::infer_step`].
    pub step: Option<Step>,
    /// What to do with missing steps.
    pub gaps: GapPolicy,
}

impl RegulariseOptions {
    /// Use this step instead of inferring one.
    pub fn with_step(mut self, step: Step) -> Self {
        self.step = Some(step);
        self
    }

    /// Choose the gap policy.
    pub fn with_gaps(mut self, gaps: GapPolicy) -> Self {
        self.gaps = gaps;
        self
    }
}

/// A metric series as read: observations in any order, `NaN` for missing values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    name: String,
    labels: BTreeMap<String, String>,
    timestamps: Vec<DateTime<Utc>>,
    values: Vec<f64>,
}

impl Series {
    /// A series from parallel timestamps and values. `NaN` marks a missing value;
    /// an infinite value or a length mismatch is an error.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use headroom::Series;
    /// let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    /// let ts = (0..3).map(|h| t0 + chrono::TimeDelta::hours(h)).collect();
    /// let s = Series::new("disk", ts, vec![1.0, f64::NAN, 3.0]).unwrap();
    /// assert_eq!(s.len(), 3);
    /// ```
    pub fn new(
        name: impl Into<String>,
        timestamps: Vec<DateTime<Utc>>,
        values: Vec<f64>,
    ) -> Result<Self> {
        let name = name.into();
        if timestamps.len() != values.len() {
            return Err(Error::series(
                &name,
                format!(
                    "{} timestamps but {} values",
                    timestamps.len(),
                    values.len()
                ),
            ));
        }
        if let Some(i) = values.iter().position(|v| v.is_infinite()) {
            return Err(Error::series(
                &name,
                format!(
                    "infinite value at {}",
                    timestamps[i].format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        Ok(Series {
            name,
            labels: BTreeMap::new(),
            timestamps,
            values,
        })
    }

    /// The same series with these labels (for example Prometheus label sets).
    pub fn with_labels(mut self, labels: BTreeMap<String, String>) -> Self {
        self.labels = labels;
        self
    }

    /// The series name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The labels, sorted by key.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// Timestamps in the order read.
    pub fn timestamps(&self) -> &[DateTime<Utc>] {
        &self.timestamps
    }

    /// Values in the order read; `NaN` is missing.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of rows read.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no rows were read.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Infer the regular step from the differences between consecutive distinct
    /// timestamps: the most frequent difference when it is at least half of them (a
    /// regular series with gaps), otherwise the lower median (jittered scrapes),
    /// moved to the nearest common monitoring interval when within 5 % of one and
    /// rounded to whole seconds otherwise. Differences of 28 to 31 days (and 89 to 92,
    /// 365 to 366) are calendar months (quarters, years).
    pub fn infer_step(&self) -> Result<Step> {
        let mut sorted = self.timestamps.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let mut diffs: Vec<i64> = sorted
            .windows(2)
            .map(|w| (w[1] - w[0]).num_milliseconds())
            .collect();
        if diffs.is_empty() {
            return Err(Error::series(
                &self.name,
                format!(
                    "cannot infer a step from {} distinct timestamp(s); need at least 2",
                    sorted.len()
                ),
            ));
        }
        diffs.sort_unstable();
        let median = diffs[(diffs.len() - 1) / 2];
        if let Some(months) = calendar_months(median, &diffs) {
            return Ok(Step::Months { months });
        }
        let millis = match dominant(&diffs) {
            Some(mode) => mode,
            None => nice_step(median),
        };
        if millis <= 0 {
            // Steps are whole milliseconds; a zero step divided every grid
            // computation by zero (property tests, timestamps 1 µs apart).
            return Err(Error::series(
                &self.name,
                "the timestamps are less than a millisecond apart, the finest step \
                 headroom represents; aggregate them first (--step 1s)",
            ));
        }
        Ok(Step::Fixed { millis })
    }

    /// Put the series on a regular grid.
    ///
    /// Rows are sorted by time. Rows that share a timestamp are merged into their
    /// mean (of the values that are not missing): overlapping scrapes repeat a sample,
    /// and the mean keeps its level, as `avg_over_time` would. Timestamps off the grid
    /// (scrape jitter) are moved to the nearest grid step, and rows that land on the
    /// same step are merged the same way. Steps with no value are then filled or
    /// refused according to `options.gaps`.
    pub fn regularise(
        &self,
        options: &RegulariseOptions,
    ) -> Result<(RegularSeries, RegularisationReport)> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        let was_sorted = self.timestamps.windows(2).all(|w| w[0] <= w[1]);
        if !was_sorted {
            order.sort_by_key(|&i| self.timestamps[i]);
        }
        let step = match options.step {
            Some(step @ (Step::Fixed { millis: 1.. } | Step::Months { months: 1.. })) => step,
            Some(step) => {
                return Err(Error::series(
                    &self.name,
                    format!("step {step} is not positive"),
                ))
            }
            None => self.infer_step()?,
        };
        let start = self.timestamps[order[0]];
        let last_slot = step.nearest_slot(start, self.timestamps[order[order.len() - 1]]);
        let grid_len = usize::try_from(last_slot).unwrap_or(0) + 1;
        if grid_len > self.len().saturating_mul(MAX_GRID_STEPS_PER_POINT) + 1000 {
            return Err(Error::series(
                &self.name,
                format!(
                    "{} rows spread over {grid_len} steps of {step}: the timestamps are too \
                     irregular for that step (pass a coarser step)",
                    self.len()
                ),
            ));
        }

        let mut sums = vec![0.0; grid_len];
        let mut counts = vec![0u32; grid_len];
        let mut occupied = vec![false; grid_len];
        let mut report = RegularisationReport::new(&self.name, self.len(), step, was_sorted);
        for &i in &order {
            let t = self.timestamps[i];
            let slot = step.nearest_slot(start, t).clamp(0, last_slot) as usize;
            if step.advance(start, slot as i64) != t {
                report.snapped += 1;
            }
            if occupied[slot] {
                report.merged_rows += 1;
            }
            occupied[slot] = true;
            let v = self.values[i];
            if !v.is_nan() {
                sums[slot] += v;
                counts[slot] += 1;
            }
        }
        report.duplicates = count_repeated_timestamps(&self.timestamps, &order);

        let mut values: Vec<f64> = sums
            .iter()
            .zip(&counts)
            .map(|(&s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
            .collect();
        check_magnitude(&self.name, &values, |i| {
            step.advance(start, i as i64)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })?;
        report.points = counts.iter().filter(|&&c| c > 0).count();
        report.missing = values.iter().filter(|v| v.is_nan()).count();
        if report.points == 0 {
            return Err(Error::series(&self.name, "every value is missing"));
        }

        let lead = values.iter().take_while(|v| v.is_nan()).count();
        let trail = values.iter().rev().take_while(|v| v.is_nan()).count();
        values.truncate(values.len() - trail);
        values.drain(..lead);
        report.trimmed = lead + trail;
        let start = step.advance(start, lead as i64);

        let runs = missing_runs(&values);
        report.gaps = runs.len();
        report.longest_gap = runs.iter().map(|r| r.1).max().unwrap_or(0);
        if let Some(&(at, len)) = runs.iter().max_by_key(|r| r.1) {
            if len > report.points {
                return Err(self.gap_longer_than_history(step, start, at, len, report.points));
            }
        }
        if let (GapPolicy::Refuse, Some(&(at, _))) = (options.gaps, runs.first()) {
            let first = step.advance(start, at as i64);
            return Err(Error::series(
                &self.name,
                format!(
                    "{} missing step(s) of {step} in {} gap(s), the first at {}; \
                     gaps are refused (use interpolation to fill them)",
                    runs.iter().map(|r| r.1).sum::<usize>(),
                    runs.len(),
                    first.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        let filled = crate::gaps::fill(&mut values, &runs, start, step, options.gaps, &mut report)
            .map_err(|e| e.in_series(&self.name))?;
        report.first = Some(start);
        report.last = Some(step.advance(start, values.len() as i64 - 1));
        let regular = RegularSeries {
            name: self.name.clone(),
            labels: self.labels.clone(),
            start,
            step,
            values,
            imputed: filled.imputed,
            holes: filled.holes,
            open_hours: filled.open_hours,
        };
        Ok((regular, report))
    }
}

impl Series {
    /// The refusal of a gap of `len` steps at grid index `at` that is longer than
    /// the `points` observed: filling it would invent more of the series than was
    /// read (one timestamp moved four years on made 70,029 steps per series of a
    /// Grafana export), and it is more often a stray timestamp than an outage.
    fn gap_longer_than_history(
        &self,
        step: Step,
        start: DateTime<Utc>,
        at: usize,
        len: usize,
        points: usize,
    ) -> Error {
        let format = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let before = format(step.advance(start, at as i64 - 1));
        let after = format(step.advance(start, (at + len) as i64));
        Error::series(
            &self.name,
            format!(
                "a gap of {len} steps of {step} between {before} and {after} is longer than \
                 the {points} observed steps together; a timestamp out of place? (remove \
                 the rows on the short side of the gap, or pass a coarser --step)"
            ),
        )
    }
}

/// The most frequent value of sorted `diffs` when it accounts for at least half of
/// them (the smallest such value on a tie).
fn dominant(sorted: &[i64]) -> Option<i64> {
    let mut best = (0usize, 0i64);
    let mut i = 0;
    while i < sorted.len() {
        let run = sorted[i..].iter().take_while(|&&d| d == sorted[i]).count();
        if run > best.0 {
            best = (run, sorted[i]);
        }
        i += run;
    }
    (best.0 * 2 >= sorted.len()).then_some(best.1)
}

/// The common monitoring interval within 5 % of `millis`, else `millis` rounded to
/// whole seconds (or kept in milliseconds below a second).
fn nice_step(millis: i64) -> i64 {
    const NICE_SECONDS: [i64; 20] = [
        1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200,
        86_400, 604_800,
    ];
    let near = NICE_SECONDS
        .iter()
        .map(|s| s * 1000)
        .find(|&nice| (millis - nice).abs() * 20 <= nice);
    match near {
        Some(nice) => nice,
        None if millis >= 1000 => (millis as f64 / 1000.0).round() as i64 * 1000,
        None => millis.max(1),
    }
}

/// Number of distinct timestamps that occur more than once.
fn count_repeated_timestamps(timestamps: &[DateTime<Utc>], order: &[usize]) -> usize {
    let mut count = 0;
    let mut run = 1;
    for w in order.windows(2) {
        if timestamps[w[0]] == timestamps[w[1]] {
            run += 1;
            if run == 2 {
                count += 1;
            }
        } else {
            run = 1;
        }
    }
    count
}

/// `Some(months)` when the median difference is a calendar month, quarter or year
/// and nine in ten differences agree.
fn calendar_months(median_ms: i64, diffs: &[i64]) -> Option<u32> {
    const DAY: i64 = 86_400_000;
    let bands = [
        (1, 28 * DAY, 31 * DAY),
        (3, 89 * DAY, 92 * DAY),
        (12, 365 * DAY, 366 * DAY),
    ];
    bands.iter().find_map(|&(months, lo, hi)| {
        let inside = |d: i64| (lo..=hi).contains(&d);
        let agree = diffs.iter().filter(|&&d| inside(d)).count();
        (inside(median_ms) && agree * 10 >= diffs.len() * 9).then_some(months)
    })
}

/// Runs of `NaN` as (first index, length).
fn missing_runs(values: &[f64]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < values.len() {
        if values[i].is_nan() {
            let len = values[i..].iter().take_while(|v| v.is_nan()).count();
            runs.push((i, len));
            i += len;
        } else {
            i += 1;
        }
    }
    runs
}

/// Linear interpolation across a run of missing values with observed neighbours on
/// both sides (leading and trailing runs were trimmed before).
pub(crate) fn interpolate_run(values: &mut [f64], at: usize, len: usize) {
    let left = values[at - 1];
    let right = values[at + len];
    let span = (len + 1) as f64;
    for k in 0..len {
        values[at + k] = left + (right - left) * (k + 1) as f64 / span;
    }
}

/// A series on a regular grid with no missing values, ready for decomposition and
/// forecasting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegularSeries {
    name: String,
    labels: BTreeMap<String, String>,
    start: DateTime<Utc>,
    step: Step,
    values: Vec<f64>,
    imputed: Vec<usize>,
    #[serde(default)]
    holes: Vec<(usize, usize)>,
    #[serde(default)]
    open_hours: Option<OpenHours>,
}

impl RegularSeries {
    /// A regular series from its first timestamp, step and values. Every value must
    /// be finite.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use headroom::{RegularSeries, Step};
    /// let start = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    /// let s = RegularSeries::new("cpu", start, Step::seconds(3600), vec![1.0, 2.0]).unwrap();
    /// assert_eq!(s.last_timestamp(), Utc.with_ymd_and_hms(2024, 3, 1, 1, 0, 0).unwrap());
    /// ```
    pub fn new(
        name: impl Into<String>,
        start: DateTime<Utc>,
        step: Step,
        values: Vec<f64>,
    ) -> Result<Self> {
        let name = name.into();
        if values.is_empty() {
            return Err(Error::series(&name, "no values"));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::series(
                &name,
                format!("value {} at step {i} is not finite", values[i]),
            ));
        }
        if matches!(step, Step::Fixed { millis } if millis <= 0)
            || matches!(step, Step::Months { months: 0 })
        {
            return Err(Error::series(&name, format!("step {step} is not positive")));
        }
        check_magnitude(&name, &values, |i| format!("step {i}"))?;
        Ok(RegularSeries {
            name,
            labels: BTreeMap::new(),
            start,
            step,
            values,
            imputed: Vec::new(),
            holes: Vec::new(),
            open_hours: None,
        })
    }

    /// The series name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The labels, sorted by key.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// The first timestamp.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The grid step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// The values, one per step, all finite.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: a regular series has at least one value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Indices of the steps that were filled by interpolation, in order.
    pub fn imputed(&self) -> &[usize] {
        &self.imputed
    }

    /// Runs `(first step, length)` of missing steps that are not data to learn
    /// from: gaps longer than a season and closed hours (their filled values,
    /// also [`imputed`](Self::imputed), are only there to keep the grid whole).
    /// Charts draw them as gaps; [`crate::pipeline::prepare`] keeps the models
    /// off them.
    pub fn holes(&self) -> &[(usize, usize)] {
        &self.holes
    }

    /// The opening hours, when the series has them: its closed hours are holes,
    /// and it is forecast on its open steps only.
    pub fn open_hours(&self) -> Option<&OpenHours> {
        self.open_hours.as_ref()
    }

    /// The values of the `len` steps from `from`, `NaN` in holes: what
    /// happened there as far as scoring a forecast goes (validation and
    /// conformal calibration skip the holes' filled values).
    pub fn observed(&self, from: usize, len: usize) -> Vec<f64> {
        let mut v = self.values[from..from + len].to_vec();
        for &(at, n) in &self.holes {
            for i in at.max(from)..(at + n).min(from + len) {
                v[i - from] = f64::NAN;
            }
        }
        v
    }

    /// The open steps alone, one after the other, as a series for the models
    /// (its timestamps are not the steps' own: the model of the open hours
    /// puts them back). `None` without opening hours.
    pub fn open_steps(&self) -> Option<RegularSeries> {
        let hours = self.open_hours.as_ref()?;
        let kept: Vec<usize> = (0..self.len())
            .filter(|&i| hours.is_open(self.timestamp(i)))
            .collect();
        let mut open = self.clone();
        open.values = kept.iter().map(|&i| self.values[i]).collect();
        open.imputed = kept
            .iter()
            .enumerate()
            .filter(|(_, i)| self.imputed.binary_search(i).is_ok())
            .map(|(k, _)| k)
            .collect();
        open.holes = Vec::new();
        open.open_hours = None;
        (!open.values.is_empty()).then_some(open)
    }

    /// The timestamp of step `i` (which may lie beyond the end, for forecasts).
    pub fn timestamp(&self, i: usize) -> DateTime<Utc> {
        self.step.advance(self.start, i as i64)
    }

    /// The last observed timestamp.
    pub fn last_timestamp(&self) -> DateTime<Utc> {
        self.timestamp(self.len() - 1)
    }

    /// The last value.
    pub fn last_value(&self) -> f64 {
        self.values[self.len() - 1]
    }

    /// The first `len` steps as a new series (for holding out the end).
    pub fn head(&self, len: usize) -> Result<RegularSeries> {
        if len == 0 || len > self.len() {
            return Err(Error::series(
                &self.name,
                format!("cannot take the first {len} of {} steps", self.len()),
            ));
        }
        let mut head = self.clone();
        head.values.truncate(len);
        head.imputed.retain(|&i| i < len);
        head.holes.retain(|h| h.0 < len);
        if let Some(last) = head.holes.last_mut() {
            last.1 = last.1.min(len - last.0);
        }
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(h)
    }

    #[test]
    fn sorts_merges_and_interpolates() {
        let ts = vec![at(3), at(0), at(1), at(1), at(4)];
        let s = Series::new("s", ts, vec![30.0, 0.0, 10.0, 12.0, 40.0]).unwrap();
        let (r, rep) = s.regularise(&RegulariseOptions::default()).unwrap();
        assert_eq!(r.values(), &[0.0, 11.0, 20.5, 30.0, 40.0]);
        assert_eq!(r.imputed(), &[2]);
        assert!(!rep.was_sorted);
        assert_eq!(rep.duplicates, 1);
        assert_eq!(rep.merged_rows, 1);
        assert_eq!(rep.missing, 1);
        assert_eq!(rep.filled, 1);
        assert_eq!(rep.points, 4);
    }

    #[test]
    fn refuses_gaps_when_asked() {
        let s = Series::new("s", vec![at(0), at(1), at(3)], vec![1.0, 2.0, 3.0]).unwrap();
        let opts = RegulariseOptions::default().with_gaps(GapPolicy::Refuse);
        let err = s.regularise(&opts).unwrap_err().to_string();
        assert!(err.contains("series s"), "{err}");
        assert!(err.contains("2024-01-01T02:00:00Z"), "{err}");
    }

    /// Fuzzing found it: one timestamp of a Grafana export moved four years on
    /// made gap filling invent 70,029 steps per series.
    #[test]
    fn refuses_a_gap_longer_than_the_history() {
        let mut ts: Vec<_> = (0..400).map(at).collect();
        ts[150] = at(150 + 4 * 365 * 24);
        let s = Series::new("s", ts, vec![1.0; 400]).unwrap();
        let err = s
            .regularise(&RegulariseOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a gap of 34790 steps of 1h"), "{err}");
        assert!(
            err.contains("between 2024-01-17T15:00:00Z and 2028-01-06T06:00:00Z"),
            "{err}"
        );
        assert!(err.contains("longer than the 400 observed steps"), "{err}");
        // A gap as long as the rest of the series is still filled.
        let ts: Vec<_> = (0..10).chain(20..30).map(at).collect();
        let s = Series::new("s", ts, vec![1.0; 20]).unwrap();
        let (r, _) = s.regularise(&RegulariseOptions::default()).unwrap();
        assert_eq!(r.len(), 30);
    }

    #[test]
    fn snaps_jitter_and_trims_missing_ends() {
        let ts = vec![
            at(0),
            at(1) + TimeDelta::seconds(20),
            at(2),
            at(3) - TimeDelta::seconds(5),
            at(4),
        ];
        let vals = vec![f64::NAN, 1.0, 2.0, 3.0, f64::NAN];
        let s = Series::new("s", ts, vals).unwrap();
        let (r, rep) = s.regularise(&RegulariseOptions::default()).unwrap();
        assert_eq!(r.values(), &[1.0, 2.0, 3.0]);
        assert_eq!(r.start(), at(1));
        assert_eq!(rep.snapped, 2);
        assert_eq!(rep.trimmed, 2);
    }

    #[test]
    fn infers_calendar_months() {
        let ts: Vec<_> = (0..24)
            .map(|m| {
                Utc.with_ymd_and_hms(2020 + m / 12, (m % 12) as u32 + 1, 1, 0, 0, 0)
                    .unwrap()
            })
            .collect();
        let s = Series::new("m", ts, (0..24).map(f64::from).collect()).unwrap();
        assert_eq!(s.infer_step().unwrap(), Step::Months { months: 1 });
        let (r, rep) = s.regularise(&RegulariseOptions::default()).unwrap();
        assert!(rep.is_clean(), "{rep}");
        assert_eq!(r.len(), 24);
        assert_eq!(
            r.timestamp(24),
            Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn rejects_infinite_and_stray_timestamps() {
        assert!(Series::new("s", vec![at(0)], vec![f64::INFINITY]).is_err());
        let stray = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        let mut ts: Vec<_> = (0..10).map(at).collect();
        ts.push(stray);
        let s = Series::new("s", ts, vec![1.0; 11]).unwrap();
        assert!(s.regularise(&RegulariseOptions::default()).is_err());
    }

    #[test]
    fn single_timestamp_cannot_infer_a_step() {
        let s = Series::new("s", vec![at(0), at(0)], vec![1.0, 2.0]).unwrap();
        let err = s.infer_step().unwrap_err().to_string();
        assert!(err.contains("need at least 2"), "{err}");
    }
}
