//! Result tables with exactly the columns of the contract's CSV outputs, and
//! (with the `polars` feature, on by default) polars DataFrames in and out, so
//! that a crate user never has to write CSV.
//!
//! Each result is first a [`Table`]: named columns of plain typed values, built
//! by [`forecasts_table`], [`decompositions_table`], [`saturations_table`],
//! [`inspections_table`], [`backtests_table`] and [`series_table`]. That is the
//! one definition of each result's columns; the Python bindings hand a table's
//! columns to Python as they are, and with the `polars` feature
//! `Table::to_frame` makes the polars DataFrame of it (`forecasts_to_frame`
//! and the other `*_to_frame` functions).
//!
//! Metric history travels in the contract's long layout, one row per
//! observation: `series` (text), `timestamp` (microseconds, UTC) and `value`
//! (f64; null where missing). With the `polars` feature, `frame_to_series` reads
//! a DataFrame of that layout back into series.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use headroom::frame::{series_table, Values};
//! use headroom::Series;
//! let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
//! let ts: Vec<_> = (0..3).map(|h| t0 + TimeDelta::hours(h)).collect();
//! let s = Series::new("disk", ts, vec![1.0, f64::NAN, 3.0])?;
//! let table = series_table(&[s]);
//! assert_eq!(table.height(), 3);
//! assert_eq!(table.names(), ["series", "timestamp", "value"]);
//! let value = table.column("value").unwrap();
//! assert_eq!(value.values, Values::Float(vec![Some(1.0), None, Some(3.0)]));
//! # Ok::<(), headroom::Error>(())
//! ```

use chrono::{DateTime, Utc};

use crate::decompose::Decomposition;
use crate::evaluate::{Backtest, Scores};
use crate::forecast::Forecast;
use crate::forecast::ModelChoice;
use crate::output::{format_time_left, level_label, Inspection, OVERALL};
use crate::saturation::Saturation;
use crate::series::{RegularSeries, Series};

#[cfg(feature = "polars")]
mod dataframe;
#[cfg(feature = "polars")]
pub use dataframe::{
    backtests_to_frame, decompositions_to_frame, decompositions_to_frame_with, forecasts_to_frame,
    frame_to_series, inspections_to_frame, saturations_to_frame, series_to_frame,
};

/// A result table: named columns of equal length, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    columns: Vec<Column>,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name, as the CSV output's header has it.
    pub name: String,
    /// Its values, one per row.
    pub values: Values,
}

/// The values of a [`Column`]; `None` is null.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text (a polars `String` column).
    Text(Vec<Option<String>>),
    /// Numbers, null where a value is missing or not finite (`Float64`).
    Float(Vec<Option<f64>>),
    /// Instants as microseconds since the epoch, UTC (`Datetime(us, UTC)`).
    Time(Vec<Option<i64>>),
    /// Counts (`UInt64`).
    Count(Vec<u64>),
}

impl Values {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Time(v) => v.len(),
            Values::Count(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Table {
    fn new(columns: Vec<Column>) -> Table {
        debug_assert!(
            columns
                .windows(2)
                .all(|w| w[0].values.len() == w[1].values.len()),
            "the columns of a table have one length"
        );
        Table { columns }
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The columns, taken out of the table.
    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The names of the columns, in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The number of rows.
    pub fn height(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }
}

fn column(name: &str, values: Values) -> Column {
    Column {
        name: name.to_string(),
        values,
    }
}

/// A timestamp column: microseconds since the epoch, UTC.
fn time_column(name: &str, times: impl Iterator<Item = Option<DateTime<Utc>>>) -> Column {
    let micros = times.map(|t| t.map(|t| t.timestamp_micros())).collect();
    column(name, Values::Time(micros))
}

/// A float column with nulls where the value is not finite (missing).
fn float_column(name: &str, values: impl Iterator<Item = f64>) -> Column {
    let values = values.map(|v| v.is_finite().then_some(v)).collect();
    column(name, Values::Float(values))
}

/// A text column without nulls.
fn string_column(name: &str, values: impl Iterator<Item = String>) -> Column {
    column(name, Values::Text(values.map(Some).collect()))
}

/// A text column with nulls.
fn optional_string_column(name: &str, values: impl Iterator<Item = Option<String>>) -> Column {
    column(name, Values::Text(values.collect()))
}

fn count_column(name: &str, values: impl Iterator<Item = usize>) -> Column {
    column(name, Values::Count(values.map(|v| v as u64).collect()))
}

/// Series in the long layout: `series`, `timestamp`, `value`, rows in each
/// series' order. Labels are not carried (the long layout has no place for them).
pub fn series_table(series: &[Series]) -> Table {
    let names = series
        .iter()
        .flat_map(|s| std::iter::repeat_n(s.name(), s.len()).map(str::to_string));
    Table::new(vec![
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

/// Forecasts with the contract's columns: `series`, `timestamp`, `forecast`, a
/// `lower_L`, `upper_L` pair per level in the order given, then `model`.
pub fn forecasts_table(forecasts: &[Forecast], levels: &[f64]) -> Table {
    let rows = || {
        forecasts
            .iter()
            .flat_map(|f| (0..f.horizon()).map(move |h| (f, h)))
    };
    let mut columns = vec![
        string_column("series", rows().map(|(f, _)| f.series.clone())),
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
    columns.push(string_column("model", rows().map(|(f, _)| f.model.clone())));
    Table::new(columns)
}

/// Decompositions with the contract's columns: `series`, `timestamp`, `value`,
/// `trend`, one `seasonal_<S>` per period found in any series (null where a series
/// has no such component), `remainder`, and a last column `robust_weight` (the
/// robustness weights, near 0 for outliers) when `weights` is true, as
/// `decompose --robust` writes. `value` and `remainder` are null at steps that
/// were filled by interpolation.
pub fn decompositions_table(parts: &[(RegularSeries, Decomposition)], weights: bool) -> Table {
    let periods = crate::decompose::all_periods(parts.iter().map(|(_, d)| d));
    let rows = || {
        parts
            .iter()
            .flat_map(|(s, d)| (0..s.len()).map(move |i| (s, d, i)))
    };
    let observed = |s: &RegularSeries, i: usize| s.imputed().binary_search(&i).is_err();
    let mut columns = vec![
        string_column("series", rows().map(|(s, _, _)| s.name().to_string())),
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
    Table::new(columns)
}

/// Saturation results with the columns `saturation` writes, in the order given
/// (rank them first with [`rank`](crate::saturation::rank)): the contract's, then
/// `p10_at`, `p50_at`, `p90_at`, `time_left` (as `14d`, `36h`, `45m`), then
/// `probability_by` and `capacity_needed` when any row answers them, and `trust`,
/// `trust_skill` when any row was self-checked.
pub fn saturations_table(rows: &[Saturation]) -> Table {
    let mut columns = vec![
        string_column("series", rows.iter().map(|r| r.series.clone())),
        float_column("capacity", rows.iter().map(|r| r.capacity)),
        string_column("status", rows.iter().map(|r| r.status.to_string())),
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
        optional_string_column(
            "time_left",
            rows.iter().map(|r| r.time_left().map(format_time_left)),
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
        columns.push(optional_string_column("trust", trust));
        let skill = rows
            .iter()
            .map(|r| r.self_check.map_or(f64::NAN, |c| c.skill));
        columns.push(float_column("trust_skill", skill));
    }
    Table::new(columns)
}

/// Backtest scores with the columns `backtest` writes: `series`, `model`,
/// `windows`, `smape`, `mase`, `msis` and a `coverage_L` per level, one row per
/// series and model, then one row per model over all series named
/// [`OVERALL`](crate::output::OVERALL).
pub fn backtests_table(
    rows: &[Backtest],
    overall: &[(ModelChoice, Scores)],
    levels: &[f64],
) -> Table {
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
        string_column("series", table.iter().map(|t| t.0.clone())),
        string_column("model", table.iter().map(|t| t.1.to_string())),
        count_column("windows", table.iter().map(|t| t.2)),
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
    Table::new(columns)
}

/// The inspect table: `series`, `points`, `first_timestamp`, `last_timestamp`,
/// `step_seconds`, `missing`, `duplicates`, then `min`, `max`, `labels`.
pub fn inspections_table(rows: &[Inspection]) -> Table {
    Table::new(vec![
        string_column("series", rows.iter().map(|r| r.series.clone())),
        count_column("points", rows.iter().map(|r| r.points)),
        time_column("first_timestamp", rows.iter().map(|r| r.first_timestamp)),
        time_column("last_timestamp", rows.iter().map(|r| r.last_timestamp)),
        float_column("step_seconds", rows.iter().map(|r| r.step_seconds)),
        count_column("missing", rows.iter().map(|r| r.missing)),
        count_column("duplicates", rows.iter().map(|r| r.duplicates)),
        float_column("min", rows.iter().map(|r| r.min)),
        float_column("max", rows.iter().map(|r| r.max)),
        string_column("labels", rows.iter().map(|r| r.labels.clone())),
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
    fn series_table_has_the_long_layout() {
        let a = Series::new("a", vec![at(0), at(1)], vec![1.5, f64::NAN]).unwrap();
        let b = Series::new("b", vec![at(0)], vec![2.0]).unwrap();
        let t = series_table(&[a, b]);
        assert_eq!(t.height(), 3);
        assert_eq!(t.names(), ["series", "timestamp", "value"]);
        let text = |s: &str| Some(s.to_string());
        assert_eq!(
            t.column("series").unwrap().values,
            Values::Text(vec![text("a"), text("a"), text("b")])
        );
        let micros = at(0).timestamp_micros();
        assert_eq!(
            t.column("timestamp").unwrap().values,
            Values::Time(vec![
                Some(micros),
                Some(micros + 3_600_000_000),
                Some(micros)
            ])
        );
        assert_eq!(
            t.column("value").unwrap().values,
            Values::Float(vec![Some(1.5), None, Some(2.0)])
        );
    }

    #[test]
    fn an_empty_saturation_table_has_its_columns() {
        let t = saturations_table(&[]);
        assert_eq!(t.height(), 0);
        assert_eq!(t.columns().len(), 13);
        assert_eq!(t.names()[12], "time_left");
        assert!(matches!(
            t.column("p50_at").unwrap().values,
            Values::Time(ref v) if v.is_empty()
        ));
    }
}
