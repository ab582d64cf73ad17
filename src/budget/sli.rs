//! The service level indicator: bad and total events per step on a regular grid,
//! from counts, rates, or an error ratio; and the pairing of good and total series
//! into services.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::GOOD_ABOVE_TOTAL_SLACK;
use crate::error::{Error, Result};
use crate::output::format_time;
use crate::series::{RegularSeries, Series, Step};

/// What the SLI's events are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SliKind {
    /// Counted events (requests): good and total per step.
    #[default]
    Events,
    /// An error ratio per step, weighted by the step's length in seconds.
    ErrorRatio,
}

/// The unit of the values of a good or total series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventUnit {
    /// Events counted per step (`increase(x[1h])` on an hourly grid).
    #[default]
    PerStep,
    /// Events per second (a counter's rate, as `--rate` makes it).
    PerSecond,
}

/// A service level indicator: bad and total events per step on a regular grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sli {
    service: String,
    start: DateTime<Utc>,
    step: Step,
    bad: Vec<f64>,
    total: Vec<f64>,
    kind: SliKind,
}

impl Sli {
    /// An SLI from per-step good and total counts, the first step at `start`.
    /// Counts must be finite and non-negative, and good at most total (a step
    /// with no events at all is allowed: it spends nothing).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use headroom::budget::Sli;
    /// use headroom::Step;
    /// let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
    /// let sli = Sli::from_counts("api", t0, Step::seconds(3600), &[99.0, 0.0], &[100.0, 0.0])?;
    /// assert_eq!(sli.bad(), &[1.0, 0.0]);
    /// assert!(Sli::from_counts("api", t0, Step::seconds(3600), &[101.0], &[100.0]).is_err());
    /// # Ok::<(), headroom::Error>(())
    /// ```
    pub fn from_counts(
        service: impl Into<String>,
        start: DateTime<Utc>,
        step: Step,
        good: &[f64],
        total: &[f64],
    ) -> Result<Self> {
        let service = service.into();
        let fail = |i: usize, message: String| {
            Error::series(
                &service,
                format!(
                    "{} (step {i}): {message}",
                    format_time(step.advance(start, i as i64))
                ),
            )
        };
        check_step(&service, step)?;
        if good.len() != total.len() {
            return Err(Error::series(
                &service,
                format!(
                    "{} good counts for {} total counts",
                    good.len(),
                    total.len()
                ),
            ));
        }
        if total.is_empty() {
            return Err(Error::series(&service, "no events: the SLI is empty"));
        }
        let mut bad = Vec::with_capacity(total.len());
        for (i, (&g, &t)) in good.iter().zip(total).enumerate() {
            if !(g.is_finite() && t.is_finite()) {
                return Err(fail(i, format!("good {g} and total {t} must be numbers")));
            }
            if g < 0.0 || t < 0.0 {
                return Err(fail(
                    i,
                    format!("negative count (good {g}, total {t}); counts are never negative"),
                ));
            }
            if g > t * (1.0 + GOOD_ABOVE_TOTAL_SLACK) + f64::MIN_POSITIVE {
                return Err(fail(
                    i,
                    format!("good events {g} above total {t}; were --good and --total swapped?"),
                ));
            }
            bad.push((t - g).max(0.0));
        }
        Ok(Sli {
            service,
            start,
            step,
            bad,
            total: total.to_vec(),
            kind: SliKind::Events,
        })
    }

    /// An SLI from regular good and total series on the same step, in `unit`,
    /// over the steps both cover.
    pub fn from_series(
        service: impl Into<String>,
        good: &RegularSeries,
        total: &RegularSeries,
        unit: EventUnit,
    ) -> Result<Self> {
        let service = service.into();
        if good.step() != total.step() {
            return Err(Error::series(
                &service,
                format!(
                    "good ({}) and total ({}) have different steps; resample both with --step",
                    good.step(),
                    total.step()
                ),
            ));
        }
        let step = good.step();
        let first = good.start().max(total.start());
        let last = good.last_timestamp().min(total.last_timestamp());
        let (g, t) = match (slot(good, first), slot(total, first), slot(good, last)) {
            (Some(g0), Some(t0), Some(g1)) if last >= first => {
                let len = g1 + 1 - g0;
                (
                    &good.values()[g0..g0 + len],
                    total.values().get(t0..t0 + len).unwrap_or(&[]),
                )
            }
            _ => {
                return Err(Error::series(
                    &service,
                    format!(
                        "good ({} to {}) and total ({} to {}) do not overlap on one grid",
                        format_time(good.start()),
                        format_time(good.last_timestamp()),
                        format_time(total.start()),
                        format_time(total.last_timestamp())
                    ),
                ))
            }
        };
        let scale = match unit {
            EventUnit::PerStep => 1.0,
            EventUnit::PerSecond => step.nominal_seconds(),
        };
        let scaled = |v: &[f64]| v.iter().map(|x| x * scale).collect::<Vec<f64>>();
        Sli::from_counts(service, first, step, &scaled(g), &scaled(t))
    }

    /// An SLI from an error ratio per step (0 to 1), every step weighted by its
    /// length in seconds.
    pub fn from_error_ratio(service: impl Into<String>, ratio: &RegularSeries) -> Result<Self> {
        let service = service.into();
        let step = ratio.step();
        check_step(&service, step)?;
        let seconds = step.nominal_seconds();
        if let Some(i) = ratio.values().iter().position(|r| !(0.0..=1.0).contains(r)) {
            let hint = if ratio.values()[i] > 1.0 && ratio.values()[i] <= 100.0 {
                " (a percentage? give the ratio: 0.2 % is 0.002)"
            } else {
                ""
            };
            return Err(Error::series(
                &service,
                format!(
                    "{} (step {i}): error ratio {} is not between 0 and 1{hint}",
                    format_time(ratio.timestamp(i)),
                    ratio.values()[i]
                ),
            ));
        }
        Ok(Sli {
            service,
            start: ratio.start(),
            step,
            bad: ratio.values().iter().map(|r| r * seconds).collect(),
            total: vec![seconds; ratio.len()],
            kind: SliKind::ErrorRatio,
        })
    }

    /// The service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Timestamp of the first step.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The grid step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.total.len()
    }

    /// Always false: an SLI has at least one step.
    pub fn is_empty(&self) -> bool {
        self.total.is_empty()
    }

    /// Bad events per step.
    pub fn bad(&self) -> &[f64] {
        &self.bad
    }

    /// Total events per step.
    pub fn total(&self) -> &[f64] {
        &self.total
    }

    /// Counted events or a weighted error ratio.
    pub fn kind(&self) -> SliKind {
        self.kind
    }

    /// The timestamp (start) of step `i`.
    pub fn timestamp(&self, i: usize) -> DateTime<Utc> {
        self.step.advance(self.start, i as i64)
    }

    /// The end of the last step: the instant the SLI is known up to.
    pub fn now(&self) -> DateTime<Utc> {
        self.timestamp(self.len())
    }

    /// The bad events as a regular series named `<service>/bad`.
    pub fn bad_series(&self) -> Result<RegularSeries> {
        RegularSeries::new(
            format!("{}/bad", self.service),
            self.start,
            self.step,
            self.bad.clone(),
        )
    }

    /// The total events as a regular series named `<service>/total`.
    pub fn total_series(&self) -> Result<RegularSeries> {
        RegularSeries::new(
            format!("{}/total", self.service),
            self.start,
            self.step,
            self.total.clone(),
        )
    }

    /// The error ratio per step as a series named `<service>/error_ratio` (0 where
    /// a step has no events).
    pub fn error_ratio_series(&self) -> Result<RegularSeries> {
        let ratio = self
            .bad
            .iter()
            .zip(&self.total)
            .map(|(&b, &t)| if t > 0.0 { b / t } else { 0.0 })
            .collect();
        RegularSeries::new(
            format!("{}/error_ratio", self.service),
            self.start,
            self.step,
            ratio,
        )
    }

    /// The first step whose timestamp is at or after `t` (`len()` if none).
    pub(crate) fn first_step_from(&self, t: DateTime<Utc>) -> usize {
        first_true(0, self.len(), |i| self.timestamp(i) >= t)
    }
}

/// The first index in `lo..hi` where `pred` holds (`hi` if none), for a `pred`
/// that is false and then true.
pub(crate) fn first_true(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The grid slot of `t` in `s`, when `t` lies on its grid within it.
fn slot(s: &RegularSeries, t: DateTime<Utc>) -> Option<usize> {
    let seconds = (t - s.start()).num_milliseconds() as f64 / 1000.0;
    let i = (seconds / s.step().nominal_seconds()).round();
    if i < 0.0 || i as usize >= s.len() {
        return None;
    }
    (s.timestamp(i as usize) == t).then_some(i as usize)
}

fn check_step(service: &str, step: Step) -> Result<()> {
    if step.nominal_seconds() > 0.0 {
        Ok(())
    } else {
        Err(Error::series(
            service,
            format!("step {step} is not positive"),
        ))
    }
}

/// Pair good and total series into services. A series named exactly `good` (or
/// `total`) belongs to `default_service`; one named `<service>/good` belongs to
/// `<service>` (the naming of a CSV with a series column and `good`, `total`
/// value columns). Services are returned in order of first appearance; a service
/// missing one of its two series is an error for that service alone.
pub fn pair_series<'a>(
    series: &'a [Series],
    good: &str,
    total: &str,
    default_service: &str,
) -> Vec<(String, Result<(&'a Series, &'a Series)>)> {
    let mut services: Vec<(String, Option<&Series>, Option<&Series>)> = Vec::new();
    for s in series {
        let (service, is_good) = match service_of(s.name(), good, default_service) {
            Some(service) => (service, true),
            None => match service_of(s.name(), total, default_service) {
                Some(service) => (service, false),
                None => continue,
            },
        };
        let entry = match services.iter().position(|(name, _, _)| *name == service) {
            Some(i) => &mut services[i],
            None => {
                services.push((service, None, None));
                services.last_mut().expect("just pushed")
            }
        };
        if is_good {
            entry.1 = Some(s);
        } else {
            entry.2 = Some(s);
        }
    }
    services
        .into_iter()
        .map(|(service, g, t)| {
            let paired = match (g, t) {
                (Some(g), Some(t)) => Ok((g, t)),
                (Some(_), None) => Err(Error::series(
                    &service,
                    format!("a good series but no total series '{total}'"),
                )),
                _ => Err(Error::series(
                    &service,
                    format!("a total series but no good series '{good}'"),
                )),
            };
            (service, paired)
        })
        .collect()
}

/// The series named `column` or `<service>/column`, with its service.
pub fn find_series<'a>(
    series: &'a [Series],
    column: &str,
    default_service: &str,
) -> Vec<(String, &'a Series)> {
    series
        .iter()
        .filter_map(|s| service_of(s.name(), column, default_service).map(|service| (service, s)))
        .collect()
}

fn service_of(name: &str, column: &str, default_service: &str) -> Option<String> {
    if name == column {
        return Some(default_service.to_string());
    }
    name.strip_suffix(column)
        .and_then(|prefix| prefix.strip_suffix('/'))
        .filter(|service| !service.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn hourly(values: usize) -> (DateTime<Utc>, Step, Vec<f64>) {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
        (t0, Step::seconds(3600), vec![100.0; values])
    }

    #[test]
    fn bad_counts_are_refused_with_their_step() {
        let (t0, step, total) = hourly(3);
        let e = Sli::from_counts("api", t0, step, &[1.0, 101.0, 1.0], &total).unwrap_err();
        assert!(e.to_string().contains("2025-03-01T01:00:00Z"), "{e}");
        assert!(e.to_string().contains("above total"), "{e}");
        let e = Sli::from_counts("api", t0, step, &[1.0, -1.0, 1.0], &total).unwrap_err();
        assert!(e.to_string().contains("negative"), "{e}");
        let e = Sli::from_counts("api", t0, step, &[1.0, f64::NAN, 1.0], &total).unwrap_err();
        assert!(e.to_string().contains("numbers"), "{e}");
        // A step without events is fine: it spends nothing.
        let sli = Sli::from_counts("api", t0, step, &[0.0, 5.0], &[0.0, 5.0]).unwrap();
        assert_eq!(sli.bad(), &[0.0, 0.0]);
        // Good a rounding above total is total.
        let sli = Sli::from_counts("api", t0, step, &[100.0 + 1e-12], &[100.0]).unwrap();
        assert_eq!(sli.bad(), &[0.0]);
    }

    #[test]
    fn pairing_by_name_and_by_service_prefix() {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
        let s = |name: &str| Series::new(name, vec![t0], vec![1.0]).unwrap();
        let series = vec![
            s("checkout/good"),
            s("checkout/total"),
            s("search/total"),
            s("good"),
            s("total"),
            s("other"),
        ];
        let pairs = pair_series(&series, "good", "total", "file");
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["checkout", "search", "file"]);
        assert!(pairs[0].1.is_ok() && pairs[2].1.is_ok());
        assert!(pairs[1]
            .1
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("no good"));
    }
}
