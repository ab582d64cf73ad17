//! polars DataFrames in and out (the `polars` feature): the result
//! [`Table`]s as DataFrames, and metric history from a DataFrame.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use headroom::frame::{frame_to_series, series_to_frame};
//! use headroom::Series;
//! let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
//! let ts: Vec<_> = (0..3).map(|h| t0 + TimeDelta::hours(h)).collect();
//! let s = Series::new("disk", ts, vec![1.0, f64::NAN, 3.0])?;
//! let frame = series_to_frame(&[s.clone()])?;
//! assert_eq!(frame.height(), 3);
//! let back = frame_to_series(&frame)?;
//! assert_eq!(back.series[0].timestamps(), s.timestamps());
//! # Ok::<(), headroom::Error>(())
//! ```

use chrono::{DateTime, Utc};
use polars::prelude::{
    Column, DataFrame, DataType, Int64Chunked, IntoColumn, NamedFrom, PlSmallStr, TimeUnit,
    TimeZone,
};

use super::{
    backtests_table, decompositions_table, forecasts_table, inspections_table, saturations_table,
    series_table, Table, Values,
};
use crate::decompose::Decomposition;
use crate::error::{Error, Result};
use crate::evaluate::{Backtest, Scores};
use crate::forecast::{Forecast, ModelChoice};
use crate::ingest::timecol::TimeKind;
use crate::ingest::{parse_timestamp, Ingested, SERIES_ALIASES, TIME_ALIASES, VALUE_ALIASES};
use crate::output::Inspection;
use crate::saturation::Saturation;
use crate::series::{RegularSeries, Series};

/// The name frame errors give as their "file".
const FRAME: &str = "DataFrame";

fn polars_error(e: polars::prelude::PolarsError) -> Error {
    Error::Csv {
        file: FRAME.to_string(),
        message: e.to_string(),
    }
}

impl Table {
    /// The polars DataFrame of this table: text columns as `String`, numbers as
    /// `Float64`, instants as `Datetime(us, UTC)`, counts as `UInt64`, nulls where
    /// the table has `None`.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let columns = self
            .columns()
            .iter()
            .map(|c| {
                let name = PlSmallStr::from(c.name.as_str());
                match &c.values {
                    Values::Text(v) => Column::new(name, v),
                    Values::Float(v) => Column::new(name, v),
                    Values::Time(v) => Int64Chunked::new(name, v)
                        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                        .into_column(),
                    Values::Count(v) => Column::new(name, v),
                }
            })
            .collect();
        DataFrame::new_infer_height(columns).map_err(polars_error)
    }
}

/// [`series_table`] as a DataFrame: `series`, `timestamp`, `value`, rows in each
/// series' order. Labels are not carried (the long layout has no place for them).
pub fn series_to_frame(series: &[Series]) -> Result<DataFrame> {
    series_table(series).to_frame()
}

/// Series from a frame in the long layout. The columns are found by the same
/// names as in CSV (`series`/`unique_id`/..., `timestamp`/`ds`/..., `value`/`y`);
/// without a series column the frame is one series named after its value column.
/// Timestamps may be datetimes (any unit; naive ones are UTC), strings in any of
/// the contract's forms, or integers/floats of Unix seconds (milliseconds above
/// 10^11) between 1980 and 2200, or decimal years as R's `time()` writes them
/// (1973.0833 is 1973-02-01; see [`TimeKind`]); other numbers are refused with
/// what they look like. Null values are
/// missing; a null timestamp fails its series, which the others survive.
pub fn frame_to_series(frame: &DataFrame) -> Result<Ingested> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let find = |aliases: &[&str]| {
        aliases
            .iter()
            .find_map(|a| names.iter().find(|n| n.eq_ignore_ascii_case(a)))
    };
    let missing = |what: &str, aliases: &[&str]| Error::Format {
        file: FRAME.to_string(),
        message: format!(
            "no {what} column among {}; expected one named {}",
            names.join(", "),
            aliases.join(", ")
        ),
    };
    let time_name = find(&TIME_ALIASES).ok_or_else(|| missing("timestamp", &TIME_ALIASES))?;
    let value_name = find(&VALUE_ALIASES).ok_or_else(|| missing("value", &VALUE_ALIASES))?;
    let times = timestamps_of(frame.column(time_name).map_err(polars_error)?)?;
    let values = frame
        .column(value_name)
        .and_then(|c| c.cast(&DataType::Float64))
        .map_err(polars_error)?;
    let values = values.f64().map_err(polars_error)?;
    let series_names: Option<Vec<Option<String>>> = match find(&SERIES_ALIASES) {
        Some(n) => {
            let c = frame
                .column(n)
                .and_then(|c| c.cast(&DataType::String))
                .map_err(polars_error)?;
            let s = c.str().map_err(polars_error)?;
            Some(s.iter().map(|v| v.map(str::to_string)).collect())
        }
        None => None,
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (row, (t, v)) in times.into_iter().zip(values.iter()).enumerate() {
        let name = match &series_names {
            Some(names) => match &names[row] {
                Some(n) if !n.trim().is_empty() => n.trim().to_string(),
                _ => {
                    return Err(Error::Format {
                        file: FRAME.to_string(),
                        message: format!("row {row}: empty series name"),
                    })
                }
            },
            None => value_name.clone(),
        };
        let slot = *index.entry(name.clone()).or_insert_with(|| {
            groups.push((name, Vec::new(), Vec::new(), None));
            groups.len() - 1
        });
        let g = &mut groups[slot];
        if g.3.is_some() {
            continue;
        }
        match t {
            Ok(t) => {
                g.1.push(t);
                g.2.push(v.unwrap_or(f64::NAN));
            }
            Err(m) => {
                g.3 = Some(Error::Format {
                    file: FRAME.to_string(),
                    message: format!("row {row}, column {time_name}: {m}"),
                })
            }
        }
    }
    let mut ingested = Ingested::default();
    for (name, ts, vs, error) in groups {
        match error {
            Some(e) => ingested.failed.push((name, e)),
            None => match Series::new(name.clone(), ts, vs) {
                Ok(s) => ingested.series.push(s),
                Err(e) => ingested.failed.push((name, e)),
            },
        }
    }
    Ok(ingested)
}

/// One series being read from a frame: name, timestamps, values, first error.
type Group = (String, Vec<DateTime<Utc>>, Vec<f64>, Option<Error>);

/// Timestamps of a column of any accepted type; an error message per bad row.
fn timestamps_of(column: &Column) -> Result<Vec<Result<DateTime<Utc>, String>>> {
    let null = || Err("null timestamp".to_string());
    match column.dtype() {
        DataType::Datetime(unit, _) => {
            let per_second: i64 = match unit {
                TimeUnit::Nanoseconds => 1_000_000_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Milliseconds => 1000,
            };
            let physical = column.as_materialized_series().to_physical_repr();
            let ints = physical.i64().map_err(polars_error)?;
            Ok(ints
                .iter()
                .map(|t| match t {
                    None => null(),
                    Some(t) => {
                        let (secs, sub) = (t.div_euclid(per_second), t.rem_euclid(per_second));
                        let nanos = sub * (1_000_000_000 / per_second);
                        DateTime::from_timestamp(secs, nanos as u32)
                            .ok_or_else(|| format!("{t} is out of range"))
                    }
                })
                .collect())
        }
        DataType::String => {
            let s = column.str().map_err(polars_error)?;
            Ok(s.iter()
                .map(|t| t.map_or_else(null, parse_timestamp))
                .collect())
        }
        // Numbers are read as a column, as in CSV: decimal years (R's time()) at
        // month starts, epoch seconds only where plausible, never 1970.
        dtype if dtype.is_integer() => {
            let c = column.cast(&DataType::Int64).map_err(polars_error)?;
            let ints = c.i64().map_err(polars_error)?;
            numeric_times(column.name(), ints.iter().map(|t| t.map(|t| t.to_string())))
        }
        dtype if dtype.is_float() => {
            let c = column.cast(&DataType::Float64).map_err(polars_error)?;
            let floats = c.f64().map_err(polars_error)?;
            let text = floats
                .iter()
                .map(|t| t.filter(|t| t.is_finite()).map(|t| t.to_string()));
            numeric_times(column.name(), text)
        }
        other => Err(Error::Format {
            file: FRAME.to_string(),
            message: format!(
                "the timestamp column {} has type {other}; expected datetime, string or Unix seconds",
                column.name()
            ),
        }),
    }
}

/// Numeric timestamps (as text, `None` for null) read as
/// [`TimeKind::detect`] decides from the whole column.
fn numeric_times(
    name: &str,
    text: impl Iterator<Item = Option<String>>,
) -> Result<Vec<Result<DateTime<Utc>, String>>> {
    let text: Vec<Option<String>> = text.collect();
    let kind =
        TimeKind::detect(name, text.iter().flatten().map(String::as_str)).map_err(|message| {
            Error::Format {
                file: FRAME.to_string(),
                message,
            }
        })?;
    Ok(text
        .iter()
        .map(|t| match t {
            Some(t) => kind.parse(t),
            None => Err("null timestamp".to_string()),
        })
        .collect())
}

/// [`forecasts_table`] as a DataFrame: `series`, `timestamp`, `forecast`, a
/// `lower_L`, `upper_L` pair per level in the order given, then `model`.
pub fn forecasts_to_frame(forecasts: &[Forecast], levels: &[f64]) -> Result<DataFrame> {
    forecasts_table(forecasts, levels).to_frame()
}

/// [`decompositions_table`] (without weights) as a DataFrame: `series`,
/// `timestamp`, `value`, `trend`, one `seasonal_<S>` per period found in any
/// series (null where a series has no such component), `remainder`. `value` and
/// `remainder` are null at steps that were filled by interpolation.
pub fn decompositions_to_frame(parts: &[(RegularSeries, Decomposition)]) -> Result<DataFrame> {
    decompositions_to_frame_with(parts, false)
}

/// [`decompositions_to_frame`], with a last column `robust_weight` (the robustness
/// weights, near 0 for outliers) when `weights` is true, as `decompose --robust`
/// writes.
pub fn decompositions_to_frame_with(
    parts: &[(RegularSeries, Decomposition)],
    weights: bool,
) -> Result<DataFrame> {
    decompositions_table(parts, weights).to_frame()
}

/// [`saturations_table`] as a DataFrame: the columns `saturation` writes, in the
/// order given (rank them first with [`rank`](crate::saturation::rank)).
pub fn saturations_to_frame(rows: &[Saturation]) -> Result<DataFrame> {
    saturations_table(rows).to_frame()
}

/// [`backtests_table`] as a DataFrame: `series`, `model`, `windows`, `smape`,
/// `mase`, `msis` and a `coverage_L` per level, one row per series and model,
/// then one row per model over all series named
/// [`OVERALL`](crate::output::OVERALL).
pub fn backtests_to_frame(
    rows: &[Backtest],
    overall: &[(ModelChoice, Scores)],
    levels: &[f64],
) -> Result<DataFrame> {
    backtests_table(rows, overall, levels).to_frame()
}

/// [`inspections_table`] as a DataFrame: `series`, `points`, `first_timestamp`,
/// `last_timestamp`, `step_seconds`, `missing`, `duplicates`, then `min`, `max`,
/// `labels`.
pub fn inspections_to_frame(rows: &[Inspection]) -> Result<DataFrame> {
    inspections_table(rows).to_frame()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(h)
    }

    #[test]
    fn series_round_trip_with_missing_values() {
        let a = Series::new("a", vec![at(0), at(1)], vec![1.5, f64::NAN]).unwrap();
        let b = Series::new("b", vec![at(0)], vec![2.0]).unwrap();
        let f = series_to_frame(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(f.height(), 3);
        assert_eq!(
            f.get_column_names()
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>(),
            ["series", "timestamp", "value"]
        );
        assert_eq!(f.column("value").unwrap().null_count(), 1);
        let back = frame_to_series(&f).unwrap();
        assert_eq!(back.series.len(), 2);
        assert_eq!(back.series[0].timestamps(), a.timestamps());
        assert!(back.series[0].values()[1].is_nan());
        assert_eq!(back.series[1], b);
    }

    #[test]
    fn frames_with_aliases_and_epoch_or_text_times() {
        let f = DataFrame::new_infer_height(vec![
            Column::new("unique_id".into(), ["x", "x", "y"]),
            Column::new(
                "ds".into(),
                ["2024-01-01T00:00:00Z", "2024-01-01 01:00", "soon"],
            ),
            Column::new("y".into(), [1i64, 2, 3]),
        ])
        .unwrap();
        let r = frame_to_series(&f).unwrap();
        assert_eq!(r.series[0].values(), &[1.0, 2.0]);
        assert_eq!(r.series[0].timestamps()[1], at(1));
        assert_eq!(r.failed[0].0, "y");
        assert!(r.failed[0].1.to_string().contains("row 2, column ds"));
        let f = DataFrame::new_infer_height(vec![
            Column::new("time".into(), [1_704_067_200i64, 1_704_070_800]),
            Column::new("value".into(), [1.0, 2.0]),
        ])
        .unwrap();
        let r = frame_to_series(&f).unwrap();
        assert_eq!(r.series[0].name(), "value");
        assert_eq!(r.series[0].timestamps(), &[at(0), at(1)]);
        let err = frame_to_series(&DataFrame::empty()).unwrap_err();
        assert!(err.to_string().contains("no timestamp column"), "{err}");
    }
}
