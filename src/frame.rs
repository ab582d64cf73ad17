//! polars DataFrames in and out, so that a crate user never has to write CSV.
//!
//! Metric history travels in the contract's long layout, one row per
//! observation: `series` (string), `timestamp` (datetime, microseconds, UTC) and
//! `value` (f64; null where missing). Results come out with exactly the columns
//! of the contract's CSV outputs: [`forecasts_to_frame`],
//! [`decompositions_to_frame`], [`saturations_to_frame`],
//! [`inspections_to_frame`] and [`backtests_to_frame`].
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

use crate::decompose::Decomposition;
use crate::error::{Error, Result};
use crate::evaluate::{Backtest, Scores};
use crate::forecast::Forecast;
use crate::forecast::ModelChoice;
use crate::ingest::timecol::TimeKind;
use crate::ingest::{parse_timestamp, Ingested, SERIES_ALIASES, TIME_ALIASES, VALUE_ALIASES};
use crate::output::{format_time_left, level_label, Inspection, OVERALL};
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

/// A timestamp column: microseconds since the epoch, time zone UTC.
fn time_column(name: &str, times: impl Iterator<Item = Option<DateTime<Utc>>>) -> Column {
    let micros: Vec<Option<i64>> = times.map(|t| t.map(|t| t.timestamp_micros())).collect();
    Int64Chunked::new(PlSmallStr::from(name), &micros)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

/// A float column with nulls where the value is not finite (missing).
fn float_column(name: &str, values: impl Iterator<Item = f64>) -> Column {
    let values: Vec<Option<f64>> = values.map(|v| v.is_finite().then_some(v)).collect();
    Column::new(PlSmallStr::from(name), values)
}

fn string_column(name: &str, values: Vec<String>) -> Column {
    Column::new(PlSmallStr::from(name), values)
}

fn frame(columns: Vec<Column>) -> Result<DataFrame> {
    DataFrame::new_infer_height(columns).map_err(polars_error)
}

/// Series in the long layout: `series`, `timestamp`, `value`, rows in each
/// series' order. Labels are not carried (the long layout has no place for them).
pub fn series_to_frame(series: &[Series]) -> Result<DataFrame> {
    let rows: usize = series.iter().map(Series::len).sum();
    let mut names = Vec::with_capacity(rows);
    for s in series {
        names.extend(std::iter::repeat_n(s.name().to_string(), s.len()));
    }
    frame(vec![
        string_column("series", names),
        time_column(
            "timestamp",
            series
                .iter()
                .flat_map(|s| s.timestamps().iter().map(|&t| Some(t))),
        ),
        float_column(
            "value",
            series.iter().flat_map(|s| s.values().iter().copied()),
        ),
    ])
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

/// Forecasts with the contract's columns: `series`, `timestamp`, `forecast`, a
/// `lower_L`, `upper_L` pair per level in the order given, then `model`.
pub fn forecasts_to_frame(forecasts: &[Forecast], levels: &[f64]) -> Result<DataFrame> {
    let rows = || {
        forecasts
            .iter()
            .flat_map(|f| (0..f.horizon()).map(move |h| (f, h)))
    };
    let mut columns = vec![
        string_column("series", rows().map(|(f, _)| f.series.clone()).collect()),
        time_column("timestamp", rows().map(|(f, h)| Some(f.timestamps[h]))),
        float_column("forecast", rows().map(|(f, h)| f.point[h])),
    ];
    for &level in levels {
        let bound = |upper: bool| {
            rows().map(move |(f, h)| {
                f.interval(level)
                    .map_or(f64::NAN, |i| if upper { i.upper[h] } else { i.lower[h] })
            })
        };
        let label = level_label(level);
        columns.push(float_column(&format!("lower_{label}"), bound(false)));
        columns.push(float_column(&format!("upper_{label}"), bound(true)));
    }
    columns.push(string_column(
        "model",
        rows().map(|(f, _)| f.model.clone()).collect(),
    ));
    frame(columns)
}

/// Decompositions with the contract's columns: `series`, `timestamp`, `value`,
/// `trend`, one `seasonal_<S>` per period found in any series (null where a series
/// has no such component), `remainder`. `value` and `remainder` are null at steps
/// that were filled by interpolation.
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
    let periods = crate::decompose::all_periods(parts.iter().map(|(_, d)| d));
    let rows = || {
        parts
            .iter()
            .flat_map(|(s, d)| (0..s.len()).map(move |i| (s, d, i)))
    };
    let observed = |s: &RegularSeries, i: usize| s.imputed().binary_search(&i).is_err();
    let mut columns = vec![
        string_column(
            "series",
            rows().map(|(s, _, _)| s.name().to_string()).collect(),
        ),
        time_column("timestamp", rows().map(|(s, _, i)| Some(s.timestamp(i)))),
        float_column(
            "value",
            rows().map(|(s, _, i)| {
                if observed(s, i) {
                    s.values()[i]
                } else {
                    f64::NAN
                }
            }),
        ),
        float_column("trend", rows().map(|(_, d, i)| d.trend[i])),
    ];
    for &p in &periods {
        columns.push(float_column(
            &format!("seasonal_{p}"),
            rows().map(move |(_, d, i)| {
                d.periods
                    .iter()
                    .position(|&q| q == p)
                    .map_or(f64::NAN, |c| d.seasonal[c][i])
            }),
        ));
    }
    columns.push(float_column(
        "remainder",
        rows().map(|(s, d, i)| {
            if observed(s, i) {
                d.remainder[i]
            } else {
                f64::NAN
            }
        }),
    ));
    if weights {
        columns.push(float_column(
            "robust_weight",
            rows().map(|(_, d, i)| d.weights[i]),
        ));
    }
    frame(columns)
}

/// Saturation results with the columns `saturation` writes, in the order given
/// (rank them first with [`rank`](crate::saturation::rank)): the contract's, then
/// `p10_at`, `p50_at`, `p90_at`, `time_left` (as `14d`, `36h`, `45m`), then
/// `probability_by` and `capacity_needed` when any row answers them.
pub fn saturations_to_frame(rows: &[Saturation]) -> Result<DataFrame> {
    let mut columns = vec![
        string_column("series", rows.iter().map(|r| r.series.clone()).collect()),
        float_column("capacity", rows.iter().map(|r| r.capacity)),
        string_column(
            "status",
            rows.iter().map(|r| r.status.to_string()).collect(),
        ),
        time_column(
            "last_timestamp",
            rows.iter().map(|r| Some(r.last_timestamp)),
        ),
        float_column("last_value", rows.iter().map(|r| r.last_value)),
        time_column("saturation_at", rows.iter().map(|r| r.saturation_at)),
        time_column("earliest_at", rows.iter().map(|r| r.earliest_at)),
        time_column("latest_at", rows.iter().map(|r| r.latest_at)),
        float_column("probability", rows.iter().map(|r| r.probability)),
        time_column("p10_at", rows.iter().map(|r| r.p10_at)),
        time_column("p50_at", rows.iter().map(|r| r.p50_at)),
        time_column("p90_at", rows.iter().map(|r| r.p90_at)),
        Column::new(
            "time_left".into(),
            rows.iter()
                .map(|r| r.time_left().map(format_time_left))
                .collect::<Vec<_>>(),
        ),
    ];
    if rows.iter().any(|r| r.probability_by.is_some()) {
        let by = rows.iter().map(|r| r.probability_by.unwrap_or(f64::NAN));
        columns.push(float_column("probability_by", by));
    }
    if rows.iter().any(|r| r.capacity_needed.is_some()) {
        let needed = rows.iter().map(|r| r.capacity_needed.unwrap_or(f64::NAN));
        columns.push(float_column("capacity_needed", needed));
    }
    if rows.iter().any(|r| r.self_check.is_some()) {
        let trust = rows.iter().map(|r| {
            r.self_check
                .map(|c| if c.trusted() { "ok" } else { "low" }.to_string())
        });
        columns.push(Column::new("trust".into(), trust.collect::<Vec<_>>()));
        let skill = rows
            .iter()
            .map(|r| r.self_check.map_or(f64::NAN, |c| c.skill));
        columns.push(float_column("trust_skill", skill));
    }
    frame(columns)
}

/// Backtest scores with the columns `backtest` writes: `series`, `model`,
/// `windows`, `smape`, `mase`, `msis` and a `coverage_L` per level, one row per
/// series and model, then one row per model over all series named
/// [`OVERALL`](crate::output::OVERALL).
pub fn backtests_to_frame(
    rows: &[Backtest],
    overall: &[(ModelChoice, Scores)],
    levels: &[f64],
) -> Result<DataFrame> {
    let windows_of = |m: &ModelChoice| -> usize {
        rows.iter()
            .filter(|b| b.model == *m)
            .map(|b| b.windows.len())
            .sum()
    };
    let table: Vec<(String, &ModelChoice, usize, &Scores)> = rows
        .iter()
        .map(|b| (b.series.clone(), &b.model, b.windows.len(), &b.scores))
        .chain(
            overall
                .iter()
                .map(|(m, s)| (OVERALL.to_string(), m, windows_of(m), s)),
        )
        .collect();
    let mut columns = vec![
        string_column("series", table.iter().map(|t| t.0.clone()).collect()),
        string_column("model", table.iter().map(|t| t.1.to_string()).collect()),
        Column::new(
            "windows".into(),
            table.iter().map(|t| t.2 as u64).collect::<Vec<_>>(),
        ),
        float_column("smape", table.iter().map(|t| t.3.smape)),
        float_column("mase", table.iter().map(|t| t.3.mase)),
        float_column("msis", table.iter().map(|t| t.3.msis)),
    ];
    for &l in levels {
        columns.push(float_column(
            &format!("coverage_{}", level_label(l)),
            table.iter().map(|t| t.3.coverage_at(l).unwrap_or(f64::NAN)),
        ));
    }
    frame(columns)
}

/// The inspect table: `series`, `points`, `first_timestamp`, `last_timestamp`,
/// `step_seconds`, `missing`, `duplicates`, then `min`, `max`, `labels`.
pub fn inspections_to_frame(rows: &[Inspection]) -> Result<DataFrame> {
    let count =
        |f: fn(&Inspection) -> usize| -> Vec<u64> { rows.iter().map(|r| f(r) as u64).collect() };
    frame(vec![
        string_column("series", rows.iter().map(|r| r.series.clone()).collect()),
        Column::new("points".into(), count(|r| r.points)),
        time_column("first_timestamp", rows.iter().map(|r| r.first_timestamp)),
        time_column("last_timestamp", rows.iter().map(|r| r.last_timestamp)),
        float_column("step_seconds", rows.iter().map(|r| r.step_seconds)),
        Column::new("missing".into(), count(|r| r.missing)),
        Column::new("duplicates".into(), count(|r| r.duplicates)),
        float_column("min", rows.iter().map(|r| r.min)),
        float_column("max", rows.iter().map(|r| r.max)),
        string_column("labels", rows.iter().map(|r| r.labels.clone()).collect()),
    ])
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
