//! Which CSV columns hold time, series names and values, from the header and the
//! column-choice options (`--time-column`, `--series-column`, `--value-column`).

use super::ReadOptions;
use crate::error::{Error, Result};

/// Header names that mark the timestamp column, in order of preference.
pub const TIME_ALIASES: [&str; 6] = ["timestamp", "time", "ts", "date", "datetime", "ds"];
/// Header names that mark the series-name column, in order of preference.
pub const SERIES_ALIASES: [&str; 5] = ["series", "unique_id", "id", "name", "metric"];
/// Header names that mark the value column, in order of preference.
pub const VALUE_ALIASES: [&str; 2] = ["value", "y"];

/// [`Layout::time`] of a file read with a [`RowClock`](super::RowClock): no
/// column holds time, the rows are numbered.
pub const NO_TIME_COLUMN: usize = usize::MAX;

/// How the columns of a CSV map to series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The timestamp column; [`NO_TIME_COLUMN`] when the rows are numbered
    /// instead ([`ReadOptions::clock`]).
    pub time: usize,
    /// The series-name column; `None` when each value column is its own series.
    pub series: Option<usize>,
    /// The value columns, in header order of choice.
    pub values: Vec<usize>,
    /// The names of the series when there is no series column: one per value
    /// column.
    pub fixed_names: Vec<String>,
}

impl Layout {
    /// True for the wide layout (no series column, each value column a series).
    pub fn is_wide(&self) -> bool {
        self.series.is_none() && self.values.len() > 1
    }

    /// The name of the series of `group` (a series-column value) and value column
    /// `m`: the group alone with one value column, `group/column` with several.
    pub fn grouped_name(&self, group: &str, m: usize, header: &[String]) -> String {
        if self.values.len() == 1 {
            group.to_string()
        } else {
            format!("{group}/{}", header[self.values[m]])
        }
    }

    /// Every column the reader needs, in increasing order.
    pub fn used_columns(&self) -> Vec<usize> {
        let mut used: Vec<usize> = std::iter::once(self.time)
            .filter(|&t| t != NO_TIME_COLUMN)
            .chain(self.series)
            .chain(self.values.iter().copied())
            .collect();
        used.sort_unstable();
        used.dedup();
        used
    }
}

/// Decide which columns hold time, series names and values. `wide` forces the
/// layout (`Some(true)` wide, `Some(false)` long); `None` decides from the header.
pub fn resolve_layout(
    file: &str,
    stem: &str,
    header: &[String],
    options: &ReadOptions,
    wide: Option<bool>,
) -> Result<Layout> {
    let listing = || header.join(", ");
    let format_error = |message: String| Error::Format {
        file: file.to_string(),
        message,
    };
    let named = |name: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                format_error(format!(
                    "no column named '{name}'; the columns are {}",
                    listing()
                ))
            })
    };
    let alias = |aliases: &[&str], taken: &[usize]| -> Option<usize> {
        aliases.iter().find_map(|a| {
            header
                .iter()
                .enumerate()
                .position(|(i, h)| !taken.contains(&i) && h.eq_ignore_ascii_case(a))
        })
    };
    let chosen_values =
        || -> Result<Vec<usize>> { options.value_columns.iter().map(|v| named(v)).collect() };
    let time = match (&options.time_column, &options.clock) {
        (Some(name), None) => named(name)?,
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "--start numbers the rows of a file without timestamps; it does not go \
                 with --time-column",
            ))
        }
        // A time column beside --start is most likely a mistake; with the values
        // named (`Date,Period,Demand`: a day, not the rows' times) it is meant.
        (None, Some(_)) => match alias(&TIME_ALIASES, &[]) {
            Some(c) if options.value_columns.is_empty() => {
                return Err(format_error(format!(
                    "column '{}' holds times; --start numbers the rows of a file without \
                     timestamps: drop --start (or, to number the rows all the same, name \
                     the values with --value-column)",
                    header[c]
                )))
            }
            _ => NO_TIME_COLUMN,
        },
        (None, None) => alias(&TIME_ALIASES, &[]).ok_or_else(|| {
            format_error(format!(
                "unknown column layout: no time column among {}; expected one named {} \
                 (pass --time-column NAME), or, for a file without timestamps, pass \
                 --start TIME --step STEP (e.g. --start 2024-01-01 --step 30m) to number \
                 its rows",
                listing(),
                TIME_ALIASES.join(", ")
            ))
        })?,
    };
    let wide_layout = |values: Vec<usize>| -> Result<Layout> {
        if values.is_empty() {
            return Err(format_error(format!(
                "unknown column layout: only a time column ({})",
                listing()
            )));
        }
        let fixed_names = values.iter().map(|&v| header[v].clone()).collect();
        Ok(Layout {
            time,
            series: None,
            values,
            fixed_names,
        })
    };
    if wide == Some(true) {
        let values = if options.value_columns.is_empty() {
            (0..header.len()).filter(|&i| i != time).collect()
        } else {
            chosen_values()?
        };
        return wide_layout(values);
    }
    let series = match &options.series_column {
        Some(name) => Some(named(name)?),
        None => alias(&SERIES_ALIASES, &[time]),
    };
    let taken: Vec<usize> = std::iter::once(time).chain(series).collect();
    let values: Vec<usize> = if options.value_columns.is_empty() {
        alias(&VALUE_ALIASES, &taken).into_iter().collect()
    } else {
        chosen_values()?
    };
    let others: Vec<usize> = (0..header.len()).filter(|i| !taken.contains(i)).collect();
    let grouped = |values: Vec<usize>| Layout {
        time,
        series,
        values,
        fixed_names: Vec::new(),
    };
    match (values.len(), series) {
        (1, None) => Ok(Layout {
            time,
            series: None,
            fixed_names: vec![single_series_name(stem, &header[values[0]], options)],
            values,
        }),
        (_, Some(_)) if !values.is_empty() => Ok(grouped(values)),
        // A series column and several unnamed metric columns: each (series,
        // column) pair is one series.
        (0, Some(_)) if !others.is_empty() => Ok(grouped(others)),
        (0, Some(_)) => Err(format_error(format!(
            "unknown column layout: a series column but no value column among {}; \
             expected one named {} (or pass --value-column)",
            listing(),
            VALUE_ALIASES.join(", ")
        ))),
        (0, None) if wide == Some(false) => Err(format_error(format!(
            "no value column among {}; expected one named {} (or pass --value-column)",
            listing(),
            VALUE_ALIASES.join(", ")
        ))),
        (0, None) => wide_layout(others),
        _ => wide_layout(values),
    }
}

/// A lone series is named after the file, unless the user picked a value column
/// that is not one of the value aliases: then it is named after that column.
fn single_series_name(stem: &str, value_header: &str, options: &ReadOptions) -> String {
    let is_alias = VALUE_ALIASES
        .iter()
        .any(|a| a.eq_ignore_ascii_case(value_header.trim()));
    if options.value_columns.is_empty() || is_alias {
        stem.to_string()
    } else {
        value_header.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn resolve(names: &[&str], o: &ReadOptions) -> Result<Layout> {
        resolve_layout("f", "stem", &header(names), o, None)
    }

    #[test]
    fn layouts_from_aliases() {
        let o = ReadOptions::default();
        let l = resolve(&["unique_id", "ds", "y"], &o).unwrap();
        assert_eq!((l.time, l.series, l.values), (1, Some(0), vec![2]));
        let l = resolve(&["Time", "a", "b"], &o).unwrap();
        assert_eq!((l.time, l.series, &l.values), (0, None, &vec![1, 2]));
        assert_eq!(l.fixed_names, ["a", "b"]);
        assert!(l.is_wide());
        let l = resolve(&["timestamp", "value"], &o).unwrap();
        assert_eq!((l.time, l.series, &l.values), (0, None, &vec![1]));
        assert_eq!(l.fixed_names, ["stem"]);
        let err = resolve(&["a", "b"], &o).unwrap_err();
        assert!(err.to_string().contains("unknown column layout"), "{err}");
    }

    #[test]
    fn series_column_with_several_metric_columns() {
        let o = ReadOptions::default();
        let h = header(&["host", "time", "cpu", "mem"]);
        let l = resolve_layout("f", "s", &h, &ReadOptions::default(), None);
        // `host` is not a series alias, so without --series-column this is wide.
        assert!(l.unwrap().is_wide());
        let o = ReadOptions {
            series_column: Some("host".into()),
            ..o
        };
        let l = resolve_layout("f", "s", &h, &o, None).unwrap();
        assert_eq!((l.series, &l.values), (Some(0), &vec![2, 3]));
        assert_eq!(l.grouped_name("web", 1, &h), "web/mem");
    }

    #[test]
    fn explicit_columns_override() {
        let o = ReadOptions {
            time_column: Some("when".into()),
            value_columns: vec!["b".into(), "c".into()],
            ..Default::default()
        };
        let l = resolve(&["when", "a", "b", "c"], &o).unwrap();
        assert_eq!((l.time, l.series, &l.values), (0, None, &vec![2, 3]));
        let o = ReadOptions {
            value_columns: vec!["a".into()],
            ..Default::default()
        };
        let l = resolve(&["time", "a", "b"], &o).unwrap();
        assert_eq!(l.fixed_names, ["a"]);
        let o = ReadOptions {
            time_column: Some("nope".into()),
            ..Default::default()
        };
        assert!(resolve(&["when"], &o).is_err());
    }
}
