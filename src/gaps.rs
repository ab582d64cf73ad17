//! Missing steps the models skip rather than learn from: gaps longer than a
//! season ([`long_gap_limit`], filled for display by [`seasonal_fill`]), and the
//! closed hours of a series with opening hours ([`OpenHours`]), forecast on its
//! open steps only (a model that puts them back on the clock).
//!
//! [`Series::regularise`](crate::Series::regularise) finds both (under
//! [`crate::GapPolicy::Auto`] or `Closed`) and lists them as the
//! series' [`holes`](crate::RegularSeries::holes); [`crate::pipeline::prepare`]
//! then decides what the models see.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decompose::period::{self, DAY_MILLIS};
use crate::error::{Error, Result};
use crate::forecast::{FittedModel, Forecast, SamplePaths};
use crate::series::{interpolate_run, GapPolicy, RegularisationReport, Step};

const WEEK_MILLIS: i64 = 7 * DAY_MILLIS;
/// 1970-01-05T00:00:00Z, a Monday: slots of the week count from it.
const MONDAY_MILLIS: i64 = 4 * DAY_MILLIS;

/// The longest run of missing steps that is filled by a straight line and learnt
/// from: one cycle of the shortest calendar season of the step (a day for steps
/// under a day, a week for daily steps, a year for monthly ones). A longer gap
/// hides at least one whole cycle, which a line cannot stand in for. `None` when
/// the step has no calendar season (weekly steps): every gap is then filled.
pub fn long_gap_limit(step: Step) -> Option<usize> {
    period::calendar_candidates(step).first().copied()
}

/// Fill the missing run `values[at..at + len]` with the series' own profile of
/// `period` steps: each step takes the value of the same phase in the last cycle
/// before the gap, plus a correction that moves linearly from the mismatch at the
/// gap's left edge to the one at its right edge (so the fill joins both sides,
/// and follows a trend). Each mismatch is the mean over a 24th of the period
/// (an hour of a day) beside the gap, as one noisy step would tilt the whole
/// fill. Falls back to a straight line when no whole cycle precedes the gap.
/// The neighbours of the run and every value before it must be finite.
pub fn seasonal_fill(values: &mut [f64], at: usize, len: usize, period: usize) {
    // The same phase as `i` in the last cycle that ends before the gap.
    let profile = |values: &[f64], i: usize| -> Option<f64> {
        let cycles = if i < at { 1 } else { (i - at) / period + 1 };
        i.checked_sub(cycles * period)
            .map(|j| values[j])
            .filter(|v| v.is_finite())
    };
    let width = (period / 24).max(1);
    let mismatch = |values: &[f64], steps: std::ops::Range<usize>| -> Option<f64> {
        let found: Vec<f64> = steps
            .filter_map(|i| Some(values[i] - profile(values, i)?))
            .filter(|e| e.is_finite())
            .collect();
        (!found.is_empty()).then(|| found.iter().sum::<f64>() / found.len() as f64)
    };
    let n = values.len();
    let e_left = mismatch(values, at.saturating_sub(width)..at);
    let e_right = mismatch(values, at + len..(at + len + width).min(n));
    let span = (len + 1) as f64;
    let Some((e_left, e_right)) = e_left.zip(e_right) else {
        let (left, right) = (values[at - 1], values[at + len]);
        for k in 0..len {
            values[at + k] = left + (right - left) * (k + 1) as f64 / span;
        }
        return;
    };
    for k in 0..len {
        let base = profile(values, at + k).unwrap_or(values[at - 1]);
        values[at + k] = base + e_left + (e_right - e_left) * (k + 1) as f64 / span;
    }
}

/// What [`fill`] made of the missing runs of a grid.
pub(crate) struct Filled {
    /// Every step filled, in order.
    pub imputed: Vec<usize>,
    /// The runs that are not data: long gaps and closed hours.
    pub holes: Vec<(usize, usize)>,
    /// The opening hours found.
    pub open_hours: Option<OpenHours>,
}

/// Fill the missing `runs` of a grid that starts at `start` (after trimming)
/// under `policy`, counting in `report` what was done: closed hours (runs that
/// touch a closed step) and gaps longer than [`long_gap_limit`] become holes,
/// the long ones filled by [`seasonal_fill`], the rest by a straight line.
pub(crate) fn fill(
    values: &mut [f64],
    runs: &[(usize, usize)],
    start: DateTime<Utc>,
    step: Step,
    policy: GapPolicy,
    report: &mut RegularisationReport,
) -> Result<Filled> {
    let open_hours = match policy {
        GapPolicy::Auto => OpenHours::detect(start, step, values, false),
        GapPolicy::Closed => {
            Some(OpenHours::detect(start, step, values, true).ok_or_else(|| {
                Error::invalid(
                    "--gaps closed: no gaps recur at the same steps of the week (opening hours \
                 need a step of at most an hour that divides a day, a week of history, and \
                 gaps at the same hours in at least half the weeks)",
                )
            })?)
        }
        GapPolicy::Interpolate | GapPolicy::Refuse => None,
    };
    let limit = match (policy, &open_hours) {
        (GapPolicy::Auto | GapPolicy::Closed, None) => long_gap_limit(step),
        _ => None,
    };
    let closed = |at: usize, len: usize| {
        open_hours
            .as_ref()
            .is_some_and(|h| (at..at + len).any(|i| !h.is_open(step.advance(start, i as i64))))
    };
    let mut filled = Filled {
        imputed: Vec::new(),
        holes: Vec::new(),
        open_hours: None,
    };
    let mut long = Vec::new();
    for &(at, len) in runs {
        filled.imputed.extend(at..at + len);
        if closed(at, len) {
            interpolate_run(values, at, len);
            filled.holes.push((at, len));
            report.closed_steps += len;
        } else if limit.is_some_and(|l| len > l) {
            long.push((at, len));
            filled.holes.push((at, len));
            report.long_gaps += 1;
            report.long_gap_steps += len;
        } else {
            interpolate_run(values, at, len);
            report.filled += len;
        }
    }
    // After the short runs, so that every value before a long gap is there.
    for (at, len) in long {
        seasonal_fill(values, at, len, limit.unwrap_or(len));
    }
    report.open_hours = open_hours.as_ref().map(OpenHours::describe);
    filled.open_hours = open_hours;
    Ok(filled)
}

/// The opening hours of a series whose gaps recur every week: which steps of
/// the week (counted from Monday 00:00 UTC) have no data because the thing
/// measured is closed, as a call centre's counts on weekday daytimes only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenHours {
    step_millis: i64,
    /// One flag per step of the week: true where closed.
    closed: Vec<bool>,
}

/// A slot of the week is closed when it is missing in at least this share of
/// the weeks that cover it: a one-off outage misses one week, a closing time
/// every week (a public holiday or a late shift may break the rule once).
const CLOSED_SHARE: f64 = 0.75;

/// Opening and closing times a day at most: two opening periods (a lunch break).
const MAX_CHANGES_PER_DAY: usize = 4;

/// Weeks of history needed before closed hours are detected rather than
/// guessed from one week (`--gaps closed` accepts one).
const DETECT_WEEKS: usize = 2;

impl OpenHours {
    /// Detect opening hours in a grid of `values` (`NaN` missing) that starts at
    /// `start` with `step`: the steps of the week missing in at least three
    /// weeks in four are closed, when they make at least a twentieth of the week,
    /// leave at least as much open, hold most of the missing steps, the open
    /// steps miss at most one week in four, and the week opens and closes at
    /// most four times a day. The step
    /// must divide a day and be at most an hour; `forced` (`--gaps closed`)
    /// accepts a single week and a closed share of one half.
    pub fn detect(start: DateTime<Utc>, step: Step, values: &[f64], forced: bool) -> Option<Self> {
        let Step::Fixed { millis } = step else {
            return None;
        };
        if millis <= 0 || millis > 3_600_000 || DAY_MILLIS % millis != 0 {
            return None;
        }
        let slots = (WEEK_MILLIS / millis) as usize;
        let weeks = if forced { 1 } else { DETECT_WEEKS };
        if values.len() < weeks * slots {
            return None;
        }
        let share = if forced { 0.5 } else { CLOSED_SHARE };
        let first = slot_of(millis, slots, start);
        let mut seen = vec![0usize; slots];
        let mut missing = vec![0usize; slots];
        for (i, v) in values.iter().enumerate() {
            let s = (first + i) % slots;
            seen[s] += 1;
            missing[s] += usize::from(v.is_nan());
        }
        let closed: Vec<bool> = (0..slots)
            .map(|s| seen[s] > 0 && missing[s] as f64 >= share * seen[s] as f64)
            .collect();
        let n_closed = closed.iter().filter(|&&c| c).count();
        let share_of = |want: bool| {
            let (m, n) = (0..slots)
                .filter(|&s| closed[s] == want)
                .fold((0, 0), |(m, n), s| (m + missing[s], n + seen[s]));
            m as f64 / n.max(1) as f64
        };
        let all_missing: usize = missing.iter().sum();
        let in_closed: usize = (0..slots).filter(|&s| closed[s]).map(|s| missing[s]).sum();
        let enough = |n: usize| n * 20 >= slots;
        let recurring = in_closed * 2 >= all_missing;
        // A sparse sensor misses steps everywhere, open ones too.
        let open_kept = share_of(false) <= 1.0 - share;
        // Opening and closing at most twice a day (a lunch break): a schedule of
        // scattered steps is chance, not hours.
        let changes = (0..slots)
            .filter(|&s| closed[s] != closed[(s + 1) % slots])
            .count();
        let few_changes = changes <= MAX_CHANGES_PER_DAY * 7;
        (enough(n_closed) && enough(slots - n_closed) && recurring && open_kept && few_changes)
            .then_some(OpenHours {
                step_millis: millis,
                closed,
            })
    }

    /// Steps in a week.
    fn slots(&self) -> usize {
        self.closed.len()
    }

    /// True when the step at `t` is open.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        !self.closed[slot_of(self.step_millis, self.slots(), t)]
    }

    /// The open steps among the `horizon` steps of `step` after `last`.
    pub fn open_after(
        &self,
        last: DateTime<Utc>,
        step: Step,
        horizon: usize,
    ) -> Vec<DateTime<Utc>> {
        (1..=horizon as i64)
            .map(|k| step.advance(last, k))
            .filter(|&t| self.is_open(t))
            .collect()
    }

    /// Open steps in a week: the weekly season of the open steps.
    pub fn open_per_week(&self) -> usize {
        self.closed.iter().filter(|&&c| !c).count()
    }

    /// Open steps in each day that opens at all, when every such day has as
    /// many (weekdays 07:00-21:00: 168 five-minute steps): the daily season of
    /// the open steps. `None` when days differ (a short Saturday).
    pub fn open_per_day(&self) -> Option<usize> {
        let per_day = self.slots() / 7;
        let counts: Vec<usize> = self
            .closed
            .chunks(per_day)
            .map(|day| day.iter().filter(|&&c| !c).count())
            .filter(|&n| n > 0)
            .collect();
        let first = *counts.first()?;
        counts.iter().all(|&n| n == first).then_some(first)
    }

    /// The seasons of the open steps, in open steps: the day's (when days agree
    /// and it has at least two steps) and the week's.
    pub fn open_periods(&self) -> Vec<usize> {
        let mut periods: Vec<usize> = self
            .open_per_day()
            .filter(|&d| d >= 2)
            .into_iter()
            .collect();
        let week = self.open_per_week();
        if !periods.contains(&week) {
            periods.push(week);
        }
        periods
    }

    /// The opening hours in words, days with the same hours together:
    /// `Mon-Fri 07:00-21:00`.
    pub fn describe(&self) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let per_day = self.slots() / 7;
        let hours: Vec<String> = self
            .closed
            .chunks(per_day)
            .map(|day| self.day_hours(day))
            .collect();
        let mut parts = Vec::new();
        let mut d = 0;
        while d < 7 {
            let run = hours[d..].iter().take_while(|h| **h == hours[d]).count();
            if !hours[d].is_empty() {
                let days = match run {
                    1 => DAYS[d].to_string(),
                    _ => format!("{}-{}", DAYS[d], DAYS[d + run - 1]),
                };
                parts.push(format!("{days} {}", hours[d]));
            }
            d += run;
        }
        parts.join(", ")
    }

    /// One day's open ranges, `07:00-21:00` (empty when closed all day).
    fn day_hours(&self, day: &[bool]) -> String {
        let clock = |slot: usize| {
            let minutes = slot as i64 * self.step_millis / 60_000;
            format!("{:02}:{:02}", minutes / 60, minutes % 60)
        };
        let mut ranges = Vec::new();
        let mut s = 0;
        while s < day.len() {
            let run = day[s..].iter().take_while(|&&c| c == day[s]).count();
            if !day[s] {
                ranges.push(format!("{}-{}", clock(s), clock(s + run)));
            }
            s += run;
        }
        ranges.join(" ")
    }
}

/// The slot of the week (of `slots` steps of `millis`) that holds `t`.
fn slot_of(millis: i64, slots: usize, t: DateTime<Utc>) -> usize {
    let since = t.timestamp_millis() - MONDAY_MILLIS;
    (since.div_euclid(millis)).rem_euclid(slots as i64) as usize
}

/// A model fit on the open steps of a series with opening hours, answering for
/// the series' own steps: a horizon of `h` steps is the open steps among the
/// next `h`, and the forecast and its paths have rows for those only (closed
/// steps are absent, so no crossing is ever found in them).
pub(crate) struct OpenHoursModel {
    /// The model of the open steps.
    pub inner: Box<dyn FittedModel>,
    /// The opening hours.
    pub hours: OpenHours,
    /// The series' last timestamp.
    pub last: DateTime<Utc>,
    /// The series' step.
    pub step: Step,
    /// The series' name, for messages.
    pub series: String,
}

impl OpenHoursModel {
    /// The open timestamps among the `horizon` steps after the last one.
    fn open_future(&self, horizon: usize) -> Result<Vec<DateTime<Utc>>> {
        let ts = self.hours.open_after(self.last, self.step, horizon);
        if ts.is_empty() {
            return Err(Error::series(
                &self.series,
                format!(
                    "the horizon of {horizon} step(s) of {} holds no open step (opening \
                     hours {}); ask further ahead",
                    self.step,
                    self.hours.describe()
                ),
            ));
        }
        Ok(ts)
    }
}

impl FittedModel for OpenHoursModel {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        let ts = self.open_future(horizon)?;
        let mut f = self.inner.predict(ts.len(), levels)?;
        f.timestamps = ts;
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let ts = self.open_future(horizon)?;
        let mut paths = self.inner.simulate(ts.len(), n_paths, seed)?;
        paths.timestamps = ts;
        Ok(paths)
    }

    fn crossing_bound(&self, horizon: usize, capacity: f64, up: bool) -> Result<Option<f64>> {
        match self.hours.open_after(self.last, self.step, horizon).len() {
            0 => Ok(Some(0.0)),
            open => self.inner.crossing_bound(open, capacity, up),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeDelta, TimeZone, Timelike};

    #[test]
    fn seasonal_fill_joins_both_sides_with_the_last_cycle() {
        // Period 4, rising by 1 per cycle; a gap of 6 steps.
        let mut v: Vec<f64> = (0..20)
            .map(|i| [0.0, 5.0, 10.0, 5.0][i % 4] + (i / 4) as f64)
            .collect();
        let truth = v.clone();
        for x in &mut v[9..15] {
            *x = f64::NAN;
        }
        seasonal_fill(&mut v, 9, 6, 4);
        for (i, (a, b)) in v.iter().zip(&truth).enumerate() {
            // Within the trend of one cycle; a line would miss the peak by 5.
            assert!((a - b).abs() <= 1.0, "{i}: {a} vs {b}");
        }
        // The shape is the cycle's: step 10 (phase 2) is above its neighbours.
        assert!(v[10] > v[9] && v[10] > v[11], "{v:?}");
        // No cycle before the gap: a straight line.
        let mut w = vec![1.0, f64::NAN, f64::NAN, 4.0];
        seasonal_fill(&mut w, 1, 2, 4);
        assert_eq!(w, [1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn weekday_hours_are_detected_and_described() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(); // a Monday
        let step = Step::seconds(300);
        let open = |t: DateTime<Utc>| {
            t.weekday().num_days_from_monday() < 5 && (7..21).contains(&t.hour())
        };
        let values: Vec<f64> = (0..3 * 2016)
            .map(|i| {
                let t = start + TimeDelta::minutes(5 * i);
                if open(t) {
                    1.0
                } else {
                    f64::NAN
                }
            })
            .collect();
        let h = OpenHours::detect(start, step, &values, false).expect("detected");
        assert_eq!(h.describe(), "Mon-Fri 07:00-21:00");
        assert_eq!(h.open_per_week(), 840);
        assert_eq!(h.open_per_day(), Some(168));
        assert_eq!(h.open_periods(), [168, 840]);
        assert!(h.is_open(Utc.with_ymd_and_hms(2024, 5, 3, 20, 55, 0).unwrap()));
        assert!(!h.is_open(Utc.with_ymd_and_hms(2024, 5, 3, 21, 0, 0).unwrap()));
        // One week is not enough unless forced; a one-off outage is no schedule.
        assert!(OpenHours::detect(start, step, &values[..2016], false).is_none());
        assert!(OpenHours::detect(start, step, &values[..2016], true).is_some());
        // A sensor that reports one step in four, at random, has no hours.
        let sparse: Vec<f64> = (0..3 * 2016u64)
            .map(|i| {
                if (i.wrapping_mul(2_654_435_761) >> 7) % 4 == 0 {
                    1.0
                } else {
                    f64::NAN
                }
            })
            .collect();
        assert!(OpenHours::detect(start, step, &sparse, false).is_none());
        let mut outage = vec![1.0; 3 * 2016];
        outage[100..900].fill(f64::NAN);
        assert!(OpenHours::detect(start, step, &outage, false).is_none());
    }
}
