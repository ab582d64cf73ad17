//! Hygiene for raw series before they are put on a grid: Prometheus-style counters
//! turned into per-second rates ([`counter_rate`]), and resampling to a coarser
//! step with an aggregation ([`resample`]). [`Hygiene`] chains both, as the
//! command line's `--rate`, `--step` and `--agg` do; each step reports what it
//! did, so nothing is dropped without a reason.
//!
//! Snapping irregular scrapes to the inferred step and merging duplicates is
//! the job of [`Series::regularise`], which runs after these.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::series::{Series, Step};

/// How the values that fall into one resampling bucket become one value. Missing
/// values (`NaN`) are ignored; a bucket with no value left is missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aggregation {
    /// The arithmetic mean (the default: it keeps the level of a gauge).
    #[default]
    Mean,
    /// The largest value (peaks matter for capacity).
    Max,
    /// The smallest value.
    Min,
    /// The value with the latest timestamp (the state of a gauge at the end).
    Last,
    /// The sum (counts per bucket from counts per scrape).
    Sum,
    /// The 95th percentile, interpolated linearly between order statistics (as
    /// numpy's default and Excel's `PERCENTILE.INC`).
    P95,
}

impl FromStr for Aggregation {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mean" | "avg" | "average" => Ok(Aggregation::Mean),
            "max" => Ok(Aggregation::Max),
            "min" => Ok(Aggregation::Min),
            "last" => Ok(Aggregation::Last),
            "sum" => Ok(Aggregation::Sum),
            "p95" => Ok(Aggregation::P95),
            other => Err(Error::invalid(format!(
                "unknown aggregation '{other}'; expected mean, max, min, last, sum or p95"
            ))),
        }
    }
}

impl fmt::Display for Aggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Aggregation::Mean => "mean",
            Aggregation::Max => "max",
            Aggregation::Min => "min",
            Aggregation::Last => "last",
            Aggregation::Sum => "sum",
            Aggregation::P95 => "p95",
        })
    }
}

impl Aggregation {
    /// Aggregate values given in time order; `NaN` when none is present.
    pub fn apply(&self, values_in_time_order: &[f64]) -> f64 {
        let mut present = values_in_time_order.iter().copied().filter(|v| !v.is_nan());
        match self {
            Aggregation::Mean => {
                let (sum, n) = present.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
                if n == 0 {
                    f64::NAN
                } else {
                    sum / n as f64
                }
            }
            Aggregation::Max => present.fold(f64::NAN, f64::max),
            Aggregation::Min => present.fold(f64::NAN, f64::min),
            Aggregation::Last => present.next_back().unwrap_or(f64::NAN),
            Aggregation::Sum => present
                .fold(None, |s: Option<f64>, v| Some(s.unwrap_or(0.0) + v))
                .unwrap_or(f64::NAN),
            Aggregation::P95 => {
                let mut sorted: Vec<f64> = present.collect();
                sorted.sort_by(f64::total_cmp);
                quantile_sorted(&sorted, 0.95)
            }
        }
    }
}

/// The `q` quantile of sorted values, linear between order statistics.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let (a, b, t) = (sorted[lo], sorted[hi], h - lo as f64);
            // numpy's lerp: from the nearer end, so results match numpy.percentile.
            if t >= 0.5 {
                b - (b - a) * (1.0 - t)
            } else {
                a + (b - a) * t
            }
        }
    }
}

/// What [`resample`] did to a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResampleReport {
    /// The series name.
    pub series: String,
    /// The new step.
    pub step: Step,
    /// The aggregation used.
    pub aggregation: Aggregation,
    /// Rows read.
    pub rows: usize,
    /// Buckets that received at least one row (the points of the result).
    pub buckets: usize,
    /// Buckets whose rows were all missing values (missing in the result).
    pub empty_buckets: usize,
    /// The step the series had before ([`Series::infer_step`]), when it could be
    /// inferred.
    pub own_step: Option<Step>,
}

impl ResampleReport {
    /// True when the new step is finer than the series' own: each row lands in
    /// a step of its own and the steps between them are gaps, so regularisation
    /// will interpolate most of the result.
    pub fn is_finer(&self) -> bool {
        self.own_step
            .is_some_and(|own| own.nominal_seconds() > self.step.nominal_seconds() * 1.000_001)
    }
}

impl fmt::Display for ResampleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "series {}: {} rows resampled to {} steps of {} by {}",
            self.series, self.rows, self.buckets, self.step, self.aggregation
        )?;
        if self.empty_buckets > 0 {
            write!(
                f,
                " ({} step(s) held only missing values)",
                self.empty_buckets
            )?;
        }
        if let (true, Some(own)) = (self.is_finer(), self.own_step) {
            write!(
                f,
                "; WARNING: {} is finer than the series' own step {own}, so most steps \
                 are gaps",
                self.step
            )?;
        }
        Ok(())
    }
}

/// The start of the bucket of `step` that holds `t`. Fixed steps are aligned to
/// the Unix epoch (so `1h` buckets start on the hour and `1d` buckets at midnight
/// UTC), except whole weeks, which start on Monday 00:00 UTC; month steps start on
/// the first of a month, counted from January of year 0.
pub fn bucket_start(step: Step, t: DateTime<Utc>) -> DateTime<Utc> {
    match step {
        Step::Fixed { millis } => {
            const WEEK_MILLIS: i64 = 7 * 86_400_000;
            // 1970-01-05 was a Monday.
            let origin = if millis % WEEK_MILLIS == 0 {
                4 * 86_400_000
            } else {
                0
            };
            let offset = t.timestamp_millis() - origin;
            let start = offset.div_euclid(millis) * millis + origin;
            DateTime::from_timestamp_millis(start).unwrap_or(t)
        }
        Step::Months { months } => {
            let index = i64::from(t.year()) * 12 + i64::from(t.month0());
            let start = index.div_euclid(i64::from(months)) * i64::from(months);
            let (year, month0) = (start.div_euclid(12), start.rem_euclid(12));
            Utc.with_ymd_and_hms(year as i32, month0 as u32 + 1, 1, 0, 0, 0)
                .single()
                .unwrap_or(t)
        }
    }
}

/// Resample a series to a coarser `step`: every row goes to the bucket that holds
/// its timestamp ([`bucket_start`]), and each bucket's values become one value by
/// `aggregation`, stamped with the bucket's start. Buckets without rows are left
/// out (they are gaps for [`Series::regularise`] to fill or refuse). A step finer
/// than the series' own is allowed but flagged in the report
/// ([`ResampleReport::is_finer`]).
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use headroom::resample::{resample, Aggregation};
/// use headroom::{Series, Step};
/// let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
/// let ts = (0..6).map(|i| t0 + TimeDelta::minutes(30 * i)).collect();
/// let s = Series::new("cpu", ts, vec![1.0, 3.0, 5.0, 7.0, 9.0, 11.0])?;
/// let (hourly, report) = resample(&s, Step::seconds(3600), Aggregation::Max)?;
/// assert_eq!(hourly.values(), &[3.0, 7.0, 11.0]);
/// assert_eq!(report.buckets, 3);
/// # Ok::<(), headroom::Error>(())
/// ```
pub fn resample(
    series: &Series,
    step: Step,
    aggregation: Aggregation,
) -> Result<(Series, ResampleReport)> {
    if matches!(step, Step::Fixed { millis } if millis <= 0)
        || matches!(step, Step::Months { months: 0 })
    {
        return Err(Error::invalid(format!("step {step} is not positive")));
    }
    if series.is_empty() {
        return Err(Error::series(series.name(), "no rows to resample"));
    }
    let own_step = series.infer_step().ok();
    let order = time_order(series);
    let (ts, vs) = (series.timestamps(), series.values());
    let mut timestamps = Vec::new();
    let mut values = Vec::new();
    let mut empty_buckets = 0;
    let mut bucket: Vec<f64> = Vec::new();
    let mut current: Option<DateTime<Utc>> = None;
    let mut flush = |start: DateTime<Utc>, bucket: &mut Vec<f64>| {
        let v = aggregation.apply(bucket);
        if v.is_nan() {
            empty_buckets += 1;
        }
        timestamps.push(start);
        values.push(v);
        bucket.clear();
    };
    for &i in &order {
        let start = bucket_start(step, ts[i]);
        if let Some(c) = current.filter(|&c| c != start) {
            flush(c, &mut bucket);
        }
        current = Some(start);
        bucket.push(vs[i]);
    }
    if let Some(c) = current {
        flush(c, &mut bucket);
    }
    let report = ResampleReport {
        series: series.name().to_string(),
        step,
        aggregation,
        rows: series.len(),
        buckets: values.len(),
        empty_buckets,
        own_step,
    };
    let out = Series::new(series.name(), timestamps, values)?.with_labels(series.labels().clone());
    Ok((out, report))
}

/// Row indices in time order (stable, so rows with equal timestamps keep their
/// order, which `last` relies on).
fn time_order(series: &Series) -> Vec<usize> {
    let ts = series.timestamps();
    let mut order: Vec<usize> = (0..series.len()).collect();
    if !ts.windows(2).all(|w| w[0] <= w[1]) {
        order.sort_by_key(|&i| ts[i]);
    }
    order
}

/// What [`counter_rate`] did to a series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateReport {
    /// The series name.
    pub series: String,
    /// Rows read.
    pub rows: usize,
    /// Rates computed (one per counter value after the first).
    pub points: usize,
    /// Counter resets: a value below its predecessor, read as a restart from zero.
    pub resets: usize,
    /// Rows without a value, skipped (the next rate spans the gap).
    pub skipped_missing: usize,
    /// Rows at the timestamp of the previous row, skipped (no time elapsed).
    pub skipped_repeated: usize,
}

impl fmt::Display for RateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "series {}: counter of {} rows turned into {} per-second rates (the first \
             value has no predecessor and gives no rate)",
            self.series, self.rows, self.points
        )?;
        if self.resets > 0 {
            write!(f, ", {} counter reset(s)", self.resets)?;
        }
        if self.skipped_missing > 0 {
            write!(f, ", {} missing value(s) skipped", self.skipped_missing)?;
        }
        if self.skipped_repeated > 0 {
            write!(
                f,
                ", {} row(s) at a repeated timestamp dropped",
                self.skipped_repeated
            )?;
        }
        Ok(())
    }
}

/// Turn a counter (a running total that only grows, except when its process
/// restarts and it begins again from zero) into a per-second rate, as Prometheus'
/// `rate()` reads counters: between consecutive values, the increase divided by
/// the seconds elapsed, stamped at the later value; when a value is below its
/// predecessor the counter was reset, and the increase is the new value itself.
/// Missing values are skipped; a negative value is an error (not a counter).
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use headroom::resample::counter_rate;
/// use headroom::Series;
/// let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
/// let ts = (0..5).map(|i| t0 + TimeDelta::seconds(60 * i)).collect();
/// // A reset between the third and fourth scrape.
/// let s = Series::new("requests_total", ts, vec![0.0, 60.0, 180.0, 30.0, 90.0])?;
/// let (rate, report) = counter_rate(&s)?;
/// assert_eq!(rate.values(), &[1.0, 2.0, 0.5, 1.0]);
/// assert_eq!(report.resets, 1);
/// # Ok::<(), headroom::Error>(())
/// ```
pub fn counter_rate(series: &Series) -> Result<(Series, RateReport)> {
    let (ts, vs) = (series.timestamps(), series.values());
    let mut report = RateReport {
        series: series.name().to_string(),
        rows: series.len(),
        points: 0,
        resets: 0,
        skipped_missing: 0,
        skipped_repeated: 0,
    };
    let mut timestamps = Vec::with_capacity(series.len());
    let mut rates = Vec::with_capacity(series.len());
    let mut previous: Option<(DateTime<Utc>, f64)> = None;
    for i in time_order(series) {
        let (t, v) = (ts[i], vs[i]);
        if v.is_nan() {
            report.skipped_missing += 1;
            continue;
        }
        if v < 0.0 {
            return Err(Error::series(
                series.name(),
                format!(
                    "value {v} at {} is negative; --rate reads counters, which never are",
                    t.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        let Some((pt, pv)) = previous else {
            previous = Some((t, v));
            continue;
        };
        let elapsed = (t - pt).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
        if elapsed <= 0.0 {
            report.skipped_repeated += 1;
            continue;
        }
        let increase = if v >= pv {
            v - pv
        } else {
            report.resets += 1;
            v
        };
        timestamps.push(t);
        rates.push(increase / elapsed);
        previous = Some((t, v));
    }
    report.points = rates.len();
    if rates.is_empty() {
        return Err(Error::series(
            series.name(),
            "a rate needs at least two counter values at different times",
        ));
    }
    let out = Series::new(series.name(), timestamps, rates)?.with_labels(series.labels().clone());
    Ok((out, report))
}

/// What [`Hygiene::apply`] did: the reports of the steps that ran.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HygieneReport {
    /// The counter-to-rate step, when it ran.
    pub rate: Option<RateReport>,
    /// The resampling step, when it ran.
    pub resample: Option<ResampleReport>,
}

impl fmt::Display for HygieneReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .rate
            .iter()
            .map(ToString::to_string)
            .chain(self.resample.iter().map(ToString::to_string))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// The hygiene steps to run on each raw series, built with `with_*` methods.
///
/// Defaults: no rate, no resampling (the series passes through unchanged). When
/// both are asked for, the rate is taken first, at the resolution of the scrapes,
/// and the rates are then resampled (the mean rate per hour, for example).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hygiene {
    /// Turn counters into per-second rates.
    pub rate: bool,
    /// Resample to this step.
    pub step: Option<Step>,
    /// How to aggregate when resampling (default: mean).
    pub aggregation: Aggregation,
}

impl Hygiene {
    /// Turn counters into per-second rates ([`counter_rate`]).
    pub fn with_rate(mut self, rate: bool) -> Self {
        self.rate = rate;
        self
    }

    /// Resample to `step` ([`resample`]).
    pub fn with_step(mut self, step: Step) -> Self {
        self.step = Some(step);
        self
    }

    /// Aggregate resampling buckets this way.
    pub fn with_aggregation(mut self, aggregation: Aggregation) -> Self {
        self.aggregation = aggregation;
        self
    }

    /// True when no step would run.
    pub fn is_identity(&self) -> bool {
        !self.rate && self.step.is_none()
    }

    /// Run the steps on one series.
    pub fn apply(&self, series: &Series) -> Result<(Series, HygieneReport)> {
        let mut report = HygieneReport::default();
        let mut current = series.clone();
        if self.rate {
            let (rated, r) = counter_rate(&current)?;
            current = rated;
            report.rate = Some(r);
        }
        if let Some(step) = self.step {
            let (resampled, r) = resample(&current, step, self.aggregation)?;
            current = resampled;
            report.resample = Some(r);
        }
        Ok((current, report))
    }
}

/// A step from a duration in seconds, as `--step 1h` gives it.
pub fn step_from_seconds(seconds: f64) -> Result<Step> {
    let millis = (seconds * 1000.0).round();
    if !(millis >= 1.0 && millis < i64::MAX as f64) {
        return Err(Error::invalid(format!(
            "a step must be a positive duration, got {seconds} s"
        )));
    }
    Ok(Step::Fixed {
        millis: millis as i64,
    })
}

/// A resampling step as people write it: a duration (`5m`, `1h`, `1d`), not a
/// number of steps.
pub fn parse_step(text: &str) -> Result<Step> {
    match text.parse::<crate::units::Span>()? {
        crate::units::Span::Seconds(seconds) => step_from_seconds(seconds),
        crate::units::Span::Steps(_) => Err(Error::invalid(format!(
            "a step is a duration such as 5m, 1h or 1d, not a number of steps ('{text}')"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    #[test]
    fn aggregations_exactly() {
        let v = [4.0, f64::NAN, 1.0, 3.0, 2.0];
        assert_eq!(Aggregation::Mean.apply(&v), 2.5);
        assert_eq!(Aggregation::Max.apply(&v), 4.0);
        assert_eq!(Aggregation::Min.apply(&v), 1.0);
        assert_eq!(Aggregation::Last.apply(&v), 2.0);
        assert_eq!(Aggregation::Sum.apply(&v), 10.0);
        // Sorted 1 2 3 4: h = 3 * 0.95 = 2.85 (2.8499999999999996 in f64), so
        // 3 + 0.85 * (4 - 3); numpy.percentile([1, 2, 3, 4], 95) gives the same.
        assert_eq!(Aggregation::P95.apply(&v), 3.8499999999999996);
        let ramp: Vec<f64> = (0..=20).map(f64::from).collect();
        assert_eq!(Aggregation::P95.apply(&ramp), 19.0);
        assert!(Aggregation::Sum.apply(&[f64::NAN]).is_nan());
        assert!(Aggregation::Mean.apply(&[]).is_nan());
    }

    #[test]
    fn buckets_align_to_the_epoch_and_mondays() {
        let t = Utc.with_ymd_and_hms(2024, 3, 7, 13, 47, 12).unwrap(); // a Thursday
        let hour = bucket_start(Step::seconds(3600), t);
        assert_eq!(hour, Utc.with_ymd_and_hms(2024, 3, 7, 13, 0, 0).unwrap());
        let week = bucket_start(Step::seconds(7 * 86_400), t);
        assert_eq!(week, Utc.with_ymd_and_hms(2024, 3, 4, 0, 0, 0).unwrap());
        let quarter = bucket_start(Step::Months { months: 3 }, t);
        assert_eq!(quarter, Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap());
    }

    #[test]
    fn resampling_unsorted_rows_with_gaps() {
        // 15-minute rows, unsorted, the 01:xx hour missing, a missing value.
        let ts = vec![at(15), at(0), at(45), at(30), at(120), at(135), at(150)];
        let vs = vec![2.0, 1.0, 4.0, f64::NAN, 10.0, 20.0, 30.0];
        let s = Series::new("s", ts, vs).unwrap();
        let (r, rep) = resample(&s, Step::seconds(3600), Aggregation::Last).unwrap();
        assert_eq!(r.timestamps(), &[at(0), at(120)]);
        assert_eq!(r.values(), &[4.0, 30.0]);
        assert_eq!((rep.rows, rep.buckets, rep.empty_buckets), (7, 2, 0));
        let (r, _) = resample(&s, Step::seconds(3600), Aggregation::Mean).unwrap();
        assert_eq!(r.values(), &[7.0 / 3.0, 20.0]);
        assert!(!rep.is_finer());
        let (_, rep) = resample(&s, Step::seconds(60), Aggregation::Mean).unwrap();
        assert!(rep.is_finer());
        assert!(rep
            .to_string()
            .contains("WARNING: 1m is finer than the series' own step 15m"));
    }

    #[test]
    fn counters_with_resets_gaps_and_repeats() {
        let ts = vec![at(0), at(1), at(1), at(2), at(3), at(5)];
        let vs = vec![100.0, 160.0, 160.0, f64::NAN, 30.0, 150.0];
        let s = Series::new("c", ts, vs).unwrap();
        let (r, rep) = counter_rate(&s).unwrap();
        // 60 over 60 s; reset: 30 over 120 s; 120 over 120 s.
        assert_eq!(r.values(), &[1.0, 0.25, 1.0]);
        assert_eq!(r.timestamps(), &[at(1), at(3), at(5)]);
        assert_eq!(rep.resets, 1);
        assert_eq!(rep.skipped_missing, 1);
        assert_eq!(rep.skipped_repeated, 1);
        let bad = Series::new("c", vec![at(0), at(1)], vec![1.0, -1.0]).unwrap();
        assert!(counter_rate(&bad).is_err());
        let lone = Series::new("c", vec![at(0)], vec![1.0]).unwrap();
        assert!(counter_rate(&lone).is_err());
    }

    #[test]
    fn hygiene_rates_then_resamples() {
        let ts: Vec<_> = (0..=120).map(at).collect();
        // A counter growing 2 per minute for the first hour, 4 after.
        let vs: Vec<f64> = (0..=120)
            .map(|m| {
                if m <= 60 {
                    2.0 * m as f64
                } else {
                    120.0 + 4.0 * (m - 60) as f64
                }
            })
            .collect();
        let s = Series::new("c", ts, vs).unwrap();
        let h = Hygiene::default()
            .with_rate(true)
            .with_step(Step::seconds(3600))
            .with_aggregation(Aggregation::Mean);
        let (out, report) = h.apply(&s).unwrap();
        // Rates at 00:01..=01:00 go to hours 00 (59 of 2/60) and 01 (1 of 2/60,
        // 59 of 4/60), and 02:00 to hour 02.
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(out.values()[0], 2.0 / 60.0));
        assert!(close(
            out.values()[1],
            (2.0 / 60.0 + 59.0 * 4.0 / 60.0) / 60.0
        ));
        assert!(close(out.values()[2], 4.0 / 60.0));
        assert!(report
            .to_string()
            .contains("resampled to 3 steps of 1h by mean"));
        assert!(Hygiene::default().is_identity());
    }
}
