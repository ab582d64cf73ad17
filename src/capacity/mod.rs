//! Capacities: the limit a series is asked about, as a rule (`500G`, `1.1x` of the
//! peak so far, `80%` of a percent metric) or a per-series table
//! (`--capacities FILE`). Every front end reads and resolves capacities here.

mod table;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::saturation::Direction;

pub use table::{read_capacities, read_capacities_bytes};

/// How the capacity of each origin is set.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum CapacityRule {
    /// The same capacity at every origin, in the data's unit.
    Fixed(f64),
    /// This factor times the history's extreme before each origin: its maximum
    /// for `up`, its minimum for `down` (`--capacity 1.1x`: "10 % above the peak
    /// so far").
    PeakFactor(f64),
    /// The history's extreme before the origin, moved this share of the way
    /// towards the extreme of the stretch assessed: for `up`,
    /// `max(history) + share * |max(future) - max(history)|`. With 0.5 this is the
    /// capacity rule of the M4 saturation baselines, under which a series crosses
    /// exactly when its future goes beyond its past extreme. It looks at the
    /// future, so it serves evaluation only.
    TowardsFuturePeak(f64),
    /// This percentage of a percent metric (`--capacity 80%`): 80 in the data's
    /// unit when its values lie within 0 to 100, 0.8 when they lie within 0 to 1.
    Percent(f64),
}

impl std::str::FromStr for CapacityRule {
    type Err = Error;

    /// `500G`, `16GiB` or `-3`: a capacity in the data's unit
    /// ([`parse_capacity`](crate::units::parse_capacity)); `1.1x`: a multiple of
    /// the history's extreme; `80%`: a share of a percent metric.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        let factor = |text: &str, what: &str| match text.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(f),
            _ => Err(Error::invalid(format!("cannot read '{s}' as {what}"))),
        };
        if let Some(f) = t.strip_suffix(['x', 'X']) {
            return factor(f, "a multiple of the peak so far (such as 1.1x)")
                .map(CapacityRule::PeakFactor);
        }
        if let Some(p) = t.strip_suffix('%') {
            return factor(p, "a percentage of a percent metric (such as 80%)")
                .map(CapacityRule::Percent);
        }
        crate::units::parse_capacity(t).map(CapacityRule::Fixed)
    }
}

impl CapacityRule {
    /// The capacity for an origin with this `history` before it and this `future`
    /// after it.
    pub fn at(&self, history: &[f64], future: &[f64], direction: Direction) -> f64 {
        let extreme = |values: &[f64]| match direction {
            Direction::Up => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Direction::Down => values.iter().copied().fold(f64::INFINITY, f64::min),
        };
        match *self {
            CapacityRule::Fixed(c) => c,
            CapacityRule::PeakFactor(factor) => factor * extreme(history),
            // Checked by `resolve` on the whole series first; here the scale
            // follows the history alone.
            CapacityRule::Percent(p) => match percent_scale(history) {
                Some(scale) => p * scale,
                None => p,
            },
            CapacityRule::TowardsFuturePeak(share) => {
                let past = extreme(history);
                let gap = share * (extreme(future) - past).abs();
                match direction {
                    Direction::Up => past + gap,
                    Direction::Down => past - gap,
                }
            }
        }
    }
}

impl CapacityRule {
    /// The capacity of a series with this `history`, for a rule that does not look
    /// at the future (the `saturation` command's): an error naming `series` for
    /// `80%` on values that are not a percentage, or for a rule that needs the
    /// future.
    pub fn resolve(&self, series: &str, history: &[f64], direction: Direction) -> Result<f64> {
        match *self {
            CapacityRule::Percent(p) => match percent_scale(history) {
                Some(scale) => Ok(p * scale),
                None => {
                    let (lo, hi) = finite_range(history);
                    Err(Error::series(
                        series,
                        format!(
                            "a capacity of {p}% needs a percent metric (values within 0 to 100, \
                             or 0 to 1), but its values run from {} to {}: give the capacity \
                             in the data's unit",
                            crate::units::si(lo),
                            crate::units::si(hi)
                        ),
                    ))
                }
            },
            CapacityRule::TowardsFuturePeak(_) => Err(Error::invalid(
                "a capacity set from the future serves evaluation only",
            )),
            rule => {
                let c = rule.at(history, &[], direction);
                if c.is_finite() {
                    Ok(c)
                } else {
                    Err(Error::series(series, "no finite value to take the peak of"))
                }
            }
        }
    }
}

/// The smallest and largest finite values.
fn finite_range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// The factor from a percentage to the data's unit: 0.01 for values within 0 to
/// 1 (a ratio), 1 for values within 0 to 100, `None` for anything else.
fn percent_scale(values: &[f64]) -> Option<f64> {
    let (lo, hi) = finite_range(values);
    if !(lo.is_finite() && lo >= 0.0) {
        None
    } else if hi <= 1.0 {
        Some(0.01)
    } else if hi <= 100.0 {
        Some(1.0)
    } else {
        None
    }
}

/// Each series' capacity: one rule for every series, or a table by name.
#[derive(Clone, Debug, PartialEq)]
pub enum Capacities {
    /// The same rule for every series, resolved on each one's history (`500G`,
    /// `1.1x`, `80%`).
    All(CapacityRule),
    /// Each series' own capacity (`--capacities FILE`); a series missing from the
    /// table fails alone.
    PerSeries(HashMap<String, f64>),
}

impl Capacities {
    /// The same capacity, in the data's unit, for every series.
    pub fn fixed(capacity: f64) -> Self {
        Capacities::All(CapacityRule::Fixed(capacity))
    }

    /// The rule for the named series: the table's value as a fixed capacity, or
    /// the one rule; a series missing from the table fails.
    pub fn rule_for(&self, series: &str) -> Result<CapacityRule> {
        match self {
            Capacities::All(rule) => Ok(*rule),
            Capacities::PerSeries(table) => table
                .get(series)
                .map(|&c| CapacityRule::Fixed(c))
                .ok_or_else(|| {
                    Error::series(series, "no capacity for this series in the capacities file")
                }),
        }
    }

    /// The capacity of the named series with this `history`, in the data's unit.
    pub fn of(&self, series: &str, history: &[f64], direction: Direction) -> Result<f64> {
        self.rule_for(series)?.resolve(series, history, direction)
    }

    /// The rows of a table that name none of `series`, sorted: a typo in a
    /// capacities file is otherwise silently a series without a limit.
    pub fn unused<'a>(&self, series: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let Capacities::PerSeries(table) = self else {
            return Vec::new();
        };
        let seen: std::collections::HashSet<&str> = series.into_iter().collect();
        let mut unused: Vec<String> = table
            .keys()
            .filter(|k| !seen.contains(k.as_str()))
            .cloned()
            .collect();
        unused.sort();
        unused
    }
}

impl std::str::FromStr for Capacities {
    type Err = Error;

    /// One rule for every series, as [`CapacityRule`] reads it (`500G`, `1.1x`,
    /// `80%`).
    fn from_str(s: &str) -> Result<Self> {
        s.parse().map(Capacities::All)
    }
}

impl From<CapacityRule> for Capacities {
    fn from(rule: CapacityRule) -> Self {
        Capacities::All(rule)
    }
}

impl From<HashMap<String, f64>> for Capacities {
    fn from(table: HashMap<String, f64>) -> Self {
        Capacities::PerSeries(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_rules_by_hand() {
        let (history, future) = ([1.0, 5.0, 3.0], [2.0, 9.0]);
        let at = |rule: CapacityRule, d| rule.at(&history, &future, d);
        assert_eq!(at(CapacityRule::Fixed(7.0), Direction::Up), 7.0);
        assert_eq!(at(CapacityRule::PeakFactor(1.1), Direction::Up), 1.1 * 5.0);
        assert_eq!(at(CapacityRule::PeakFactor(0.5), Direction::Down), 0.5);
        assert_eq!(at(CapacityRule::Percent(80.0), Direction::Up), 80.0);
        // M4: halfway from the past peak 5 to the future peak 9.
        assert_eq!(at(CapacityRule::TowardsFuturePeak(0.5), Direction::Up), 7.0);
        // A future that stays below: half its distance above the past peak.
        let below = CapacityRule::TowardsFuturePeak(0.5).at(&history, &[2.0, 4.0], Direction::Up);
        assert_eq!(below, 5.5);
        // Down: from the past low 1 towards the future low 2, mirrored below.
        assert_eq!(
            at(CapacityRule::TowardsFuturePeak(0.5), Direction::Down),
            0.5
        );
    }

    #[test]
    fn capacity_rules_from_text() {
        let rule = |s: &str| s.parse::<CapacityRule>();
        assert_eq!(rule("500G").unwrap(), CapacityRule::Fixed(500e9));
        assert_eq!(
            rule("16GiB").unwrap(),
            CapacityRule::Fixed(16.0 * 1024f64.powi(3))
        );
        assert_eq!(rule("-3").unwrap(), CapacityRule::Fixed(-3.0));
        assert_eq!(rule("0.9x").unwrap(), CapacityRule::PeakFactor(0.9));
        assert_eq!(rule("80%").unwrap(), CapacityRule::Percent(80.0));
        for bad in ["ax", "lots", "%", "x", "80%%"] {
            assert!(rule(bad).is_err(), "{bad}");
        }
        // 80% is 80 on a 0-100 metric, 0.8 on a 0-1 one, an error on bytes.
        let percent = CapacityRule::Percent(80.0);
        let up = Direction::Up;
        assert_eq!(
            percent.resolve("cpu", &[3.0, 55.0, 97.5], up).unwrap(),
            80.0
        );
        assert!((percent.resolve("cpu", &[0.03, 0.55], up).unwrap() - 0.8).abs() < 1e-12);
        let e = percent
            .resolve("disk", &[1.2e9, 136e9], up)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("disk") && e.contains("136G") && e.contains("80%"),
            "{e}"
        );
        assert!(percent.resolve("x", &[-5.0, 50.0], up).is_err());
        // 0.9x: of the peak (up) or the trough (down) of the history.
        let history = [4.0, 10.0, f64::NAN, 6.0];
        assert_eq!(
            CapacityRule::PeakFactor(0.9)
                .resolve("s", &history, up)
                .unwrap(),
            9.0
        );
        let down = CapacityRule::PeakFactor(0.5).resolve("s", &history, Direction::Down);
        assert_eq!(down.unwrap(), 2.0);
        assert!(CapacityRule::TowardsFuturePeak(0.5)
            .resolve("s", &history, up)
            .is_err());
    }

    #[test]
    fn a_table_names_its_unused_rows_and_fails_a_missing_series() {
        let table: HashMap<String, f64> =
            [("a".to_string(), 1.0), ("typo".to_string(), 2.0)].into();
        let caps = Capacities::from(table);
        assert_eq!(caps.unused(["a", "b"]), ["typo"]);
        assert_eq!(caps.of("a", &[0.5], Direction::Up).unwrap(), 1.0);
        assert!(caps.of("b", &[0.5], Direction::Up).is_err());
        let one = Capacities::All("1.5x".parse().unwrap());
        assert_eq!(one.of("b", &[2.0, 4.0], Direction::Up).unwrap(), 6.0);
        assert!(one.unused(["x"]).is_empty());
    }
}
