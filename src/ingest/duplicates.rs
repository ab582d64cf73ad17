//! Rows of one series that share a timestamp: a few are tolerated (and merged
//! later by their mean), many are refused unless the user asked for merging.
//!
//! An overlap between two exports, a retried scrape or a repeated hour at a
//! daylight-saving change repeats a handful of samples: well under 1 % of a
//! series' rows. A label column that was not recognised (`host`, `instance`)
//! repeats every timestamp once per series it hides, 50 % of the rows or more
//! with two series; merging those by their mean answers for a series that does
//! not exist. So more than [`MAX_DUPLICATE_SHARE`] of the rows repeating a
//! timestamp is an error naming the likely label column, unless
//! [`Duplicates`] says how to merge them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::series::Series;

/// The share of a series' rows that may repeat an earlier timestamp before the
/// series is refused under [`Duplicates::Refuse`] (1 %; see the module notes).
pub const MAX_DUPLICATE_SHARE: f64 = 0.01;

/// What to do with rows of one series that share a timestamp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Duplicates {
    /// Refuse a series whose repeated rows are more than
    /// [`MAX_DUPLICATE_SHARE`] of its rows; fewer are merged by their mean.
    #[default]
    Refuse,
    /// Merge rows that share a timestamp into their mean, however many.
    Mean,
    /// Keep the largest value of the rows that share a timestamp.
    Max,
    /// Keep the value of the last such row in the input.
    Last,
}

impl FromStr for Duplicates {
    type Err = Error;

    /// `refuse`, `mean`, `max` or `last`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "refuse" => Ok(Duplicates::Refuse),
            "mean" => Ok(Duplicates::Mean),
            "max" => Ok(Duplicates::Max),
            "last" => Ok(Duplicates::Last),
            other => Err(Error::invalid(format!(
                "--duplicates must be refuse, mean, max or last, got '{other}'"
            ))),
        }
    }
}

impl fmt::Display for Duplicates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Duplicates::Refuse => "refuse",
            Duplicates::Mean => "mean",
            Duplicates::Max => "max",
            Duplicates::Last => "last",
        })
    }
}

/// Rows whose timestamp repeats that of an earlier row.
pub fn repeated_rows(timestamps: &[DateTime<Utc>]) -> usize {
    let count = |sorted: &[DateTime<Utc>]| sorted.windows(2).filter(|w| w[0] == w[1]).count();
    if timestamps.windows(2).all(|w| w[0] <= w[1]) {
        return count(timestamps);
    }
    let mut sorted = timestamps.to_vec();
    sorted.sort_unstable();
    count(&sorted)
}

/// Apply `policy` to a series just read. `hint` names the columns that may tell
/// its rows apart (non-numeric columns not used as labels), for the error.
///
/// # Errors
/// Under [`Duplicates::Refuse`], a series whose rows repeat a timestamp more
/// often than [`MAX_DUPLICATE_SHARE`] of them, naming the likely label columns.
pub fn apply(series: Series, policy: Duplicates, hint: &[String]) -> Result<Series> {
    let repeated = repeated_rows(series.timestamps());
    if repeated == 0 {
        return Ok(series);
    }
    match policy {
        Duplicates::Mean => Ok(series),
        Duplicates::Refuse => {
            let share = repeated as f64 / series.len() as f64;
            if share <= MAX_DUPLICATE_SHARE {
                return Ok(series);
            }
            Err(Error::series(
                series.name(),
                refusal(repeated, series.len(), hint),
            ))
        }
        Duplicates::Max | Duplicates::Last => collapse(series, policy),
    }
}

/// The message of a refused series.
fn refusal(repeated: usize, rows: usize, hint: &[String]) -> String {
    let share = 100.0 * repeated as f64 / rows as f64;
    let cause = match hint {
        [] => "the input may hold several series merged into one (in a CSV, pass \
               --series-column NAME for the column that names them)"
            .to_string(),
        [one] => {
            format!("column '{one}' probably names several series: pass --series-column {one}")
        }
        many => format!(
            "columns {} probably name several series: pass --series-column with the one \
             that names them",
            many.iter()
                .map(|c| format!("'{c}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "{repeated} of {rows} rows ({share:.0} %) repeat a timestamp of this series, more than \
         the {:.0} % that overlapping exports explain; {cause}, or --duplicates mean (or max, \
         last) to merge the rows that share a timestamp",
        100.0 * MAX_DUPLICATE_SHARE
    )
}

/// One row per timestamp: the largest value (`Max`) or the last in input order
/// (`Last`). Missing values lose to any value.
fn collapse(series: Series, policy: Duplicates) -> Result<Series> {
    let times = series.timestamps();
    let values = series.values();
    let mut order: Vec<usize> = (0..times.len()).collect();
    // Stable: rows of one timestamp stay in input order, so `Last` is the last.
    order.sort_by_key(|&i| times[i]);
    let mut kept_t: Vec<DateTime<Utc>> = Vec::with_capacity(order.len());
    let mut kept_v: Vec<f64> = Vec::with_capacity(order.len());
    for i in order {
        let (t, v) = (times[i], values[i]);
        match kept_t.last() {
            Some(&last) if last == t => {
                let slot = kept_v.last_mut().expect("a value per time");
                let replace = match policy {
                    Duplicates::Max => slot.is_nan() || v > *slot,
                    _ => !v.is_nan() || slot.is_nan(),
                };
                if replace {
                    *slot = v;
                }
            }
            _ => {
                kept_t.push(t);
                kept_v.push(v);
            }
        }
    }
    let labels = series.labels().clone();
    Ok(Series::new(series.name(), kept_t, kept_v)?.with_labels(labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn series(hours: &[i64], values: &[f64]) -> Series {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let ts = hours
            .iter()
            .map(|&h| t0 + chrono::TimeDelta::hours(h))
            .collect();
        Series::new("s", ts, values.to_vec()).unwrap()
    }

    #[test]
    fn a_few_pass_many_are_refused_unless_merged() {
        let hours: Vec<i64> = (0..200).collect();
        let mut one = hours.clone();
        one.push(5);
        let s = series(&one, &vec![1.0; 201]);
        assert_eq!(repeated_rows(s.timestamps()), 1);
        assert!(apply(s, Duplicates::Refuse, &[]).is_ok());
        let twice: Vec<i64> = hours.iter().chain(&hours).copied().collect();
        let s = series(&twice, &vec![1.0; 400]);
        let err = apply(s.clone(), Duplicates::Refuse, &["host".into()]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("200 of 400 rows (50 %)"), "{msg}");
        assert!(msg.contains("--series-column host"), "{msg}");
        assert!(msg.contains("--duplicates mean"), "{msg}");
        assert_eq!(apply(s, Duplicates::Mean, &[]).unwrap().len(), 400);
    }

    #[test]
    fn max_and_last_keep_one_row_per_timestamp() {
        let s = series(&[1, 0, 1, 1], &[5.0, 1.0, 9.0, f64::NAN]);
        let max = apply(s.clone(), Duplicates::Max, &[]).unwrap();
        assert_eq!(max.values(), &[1.0, 9.0]);
        let last = apply(s, Duplicates::Last, &[]).unwrap();
        assert_eq!(last.values(), &[1.0, 9.0]);
        let s = series(&[0, 0], &[2.0, 3.0]);
        assert_eq!(apply(s, Duplicates::Last, &[]).unwrap().values(), &[3.0]);
        assert!("median".parse::<Duplicates>().is_err());
        assert_eq!("MAX".parse::<Duplicates>().unwrap(), Duplicates::Max);
    }
}
