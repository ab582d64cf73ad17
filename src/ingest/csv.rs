//! CSV in the long and wide layouts of the contract, parsed by polars.
//!
//! Before polars sees the text, it is made regular: a UTF-8 byte-order mark is
//! removed, line endings (`\r\n` and bare `\r`, as in old Mac exports) become `\n`,
//! blank lines are dropped, and a Grafana `sep=;` first line sets the delimiter.
//! The original line number of every record is kept so an error can name it.
//! Columns are read as text and parsed here, so a bad field is reported with its
//! file, line and column instead of turning the whole column into nulls.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::{DateTime, Utc};
use polars::prelude::{CsvParseOptions, CsvReadOptions, DataFrame, SerReader, StringChunked};

use super::timestamp::{parse_timestamp, parse_value};
use super::{Ingested, ReadOptions};
use crate::error::{Error, Result};
use crate::series::Series;

/// Header names that mark the timestamp column, in order of preference.
pub const TIME_ALIASES: [&str; 6] = ["timestamp", "time", "ts", "date", "datetime", "ds"];
/// Header names that mark the series-name column, in order of preference.
pub const SERIES_ALIASES: [&str; 5] = ["series", "unique_id", "id", "name", "metric"];
/// Header names that mark the value column, in order of preference.
pub const VALUE_ALIASES: [&str; 2] = ["value", "y"];

/// Text ready for polars, with the original line number of each kept line.
struct Prepared {
    text: String,
    /// `lines[0]` is the header's line number; `lines[i]` that of record `i`.
    lines: Vec<usize>,
    separator: u8,
    header: Vec<String>,
}

/// How the columns map to series.
#[derive(Debug, PartialEq, Eq)]
enum Layout {
    /// One row per observation; `series` absent means a single series.
    Long {
        time: usize,
        series: Option<usize>,
        value: usize,
    },
    /// One column per series.
    Wide { time: usize, values: Vec<usize> },
}

/// Read CSV text. `file` names the input in messages; `stem` names a lone series.
pub(crate) fn read_csv(
    file: &str,
    stem: &str,
    text: &str,
    options: &ReadOptions,
    wide: Option<bool>,
) -> Result<Ingested> {
    let prepared = prepare(file, text)?;
    let layout = resolve_layout(file, &prepared.header, options, wide)?;
    let frame = parse_frame(file, &prepared)?;
    let column = |i: usize| -> Result<&StringChunked> {
        frame.columns()[i].str().map_err(|e| Error::Csv {
            file: file.to_string(),
            message: e.to_string(),
        })
    };
    let exact_lines = frame.height() + 1 == prepared.lines.len();
    let locate = |row: usize, col: usize, message: String| -> Error {
        Error::Row {
            file: file.to_string(),
            line: if exact_lines {
                prepared.lines[row + 1]
            } else {
                row + 2
            },
            column: col + 1,
            column_name: prepared.header[col].clone(),
            message,
        }
    };
    match layout {
        Layout::Long {
            time,
            series,
            value,
        } => {
            let names = series.map(column).transpose()?;
            let single_name = single_series_name(stem, &prepared.header[value], options);
            read_long(
                column(time)?,
                names,
                column(value)?,
                (time, series, value),
                &single_name,
                &locate,
            )
        }
        Layout::Wide { time, values } => {
            let times = column(time)?;
            let mut stamps = Vec::with_capacity(times.len());
            for (row, t) in times.iter().enumerate() {
                let t = t.unwrap_or("");
                stamps.push(parse_timestamp(t).map_err(|m| locate(row, time, m))?);
            }
            let mut ingested = Ingested::default();
            for col in values {
                let name = prepared.header[col].clone();
                let mut vals = Vec::with_capacity(stamps.len());
                let mut failure = None;
                for (row, v) in column(col)?.iter().enumerate() {
                    match parse_value(v.unwrap_or("")) {
                        Ok(v) => vals.push(v),
                        Err(m) => {
                            failure = Some(locate(row, col, m));
                            break;
                        }
                    }
                }
                match failure {
                    Some(e) => ingested.failed.push((name, e)),
                    None => ingested.push(Series::new(name.clone(), stamps.clone(), vals), &name),
                }
            }
            Ok(ingested)
        }
    }
}

/// Read a `series,capacity` table (capacities may carry suffixes such as `500G`).
pub(crate) fn read_capacities(file: &str, text: &str) -> Result<HashMap<String, f64>> {
    let prepared = prepare(file, text)?;
    let find = |aliases: &[&str]| {
        prepared
            .header
            .iter()
            .position(|h| aliases.iter().any(|a| h.eq_ignore_ascii_case(a)))
    };
    let (Some(series_col), Some(capacity_col)) = (find(&SERIES_ALIASES), find(&["capacity"]))
    else {
        return Err(Error::Format {
            file: file.to_string(),
            message: format!(
                "a capacities file needs the columns series,capacity; found {}",
                prepared.header.join(", ")
            ),
        });
    };
    let frame = parse_frame(file, &prepared)?;
    let column = |i: usize| {
        frame.columns()[i].str().map_err(|e| Error::Csv {
            file: file.to_string(),
            message: e.to_string(),
        })
    };
    let exact_lines = frame.height() + 1 == prepared.lines.len();
    let mut capacities = HashMap::new();
    for (row, (name, capacity)) in column(series_col)?
        .iter()
        .zip(column(capacity_col)?.iter())
        .enumerate()
    {
        let line = if exact_lines {
            prepared.lines[row + 1]
        } else {
            row + 2
        };
        let value =
            crate::units::parse_capacity(capacity.unwrap_or("")).map_err(|e| Error::Row {
                file: file.to_string(),
                line,
                column: capacity_col + 1,
                column_name: prepared.header[capacity_col].clone(),
                message: e.to_string(),
            })?;
        capacities.insert(name.unwrap_or("").trim().to_string(), value);
    }
    Ok(capacities)
}

/// Group long-layout rows into series, in order of first appearance. A bad row
/// fails its own series only.
fn read_long(
    times: &StringChunked,
    names: Option<&StringChunked>,
    values: &StringChunked,
    (time_col, series_col, value_col): (usize, Option<usize>, usize),
    single_name: &str,
    locate: &dyn Fn(usize, usize, String) -> Error,
) -> Result<Ingested> {
    struct Building {
        name: String,
        timestamps: Vec<DateTime<Utc>>,
        values: Vec<f64>,
        error: Option<Error>,
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut building: Vec<Building> = Vec::new();
    let mut name_iter = names.map(|n| n.iter());
    for (row, (t, v)) in times.iter().zip(values.iter()).enumerate() {
        let name = match name_iter.as_mut().and_then(|it| it.next()) {
            Some(Some(name)) if !name.trim().is_empty() => name.trim(),
            Some(_) => {
                let col = series_col.unwrap_or(0);
                return Err(locate(row, col, "empty series name".to_string()));
            }
            None => single_name,
        };
        let slot = match index.get(name) {
            Some(&slot) => slot,
            None => {
                index.insert(name.to_string(), building.len());
                building.push(Building {
                    name: name.to_string(),
                    timestamps: Vec::new(),
                    values: Vec::new(),
                    error: None,
                });
                building.len() - 1
            }
        };
        let b = &mut building[slot];
        if b.error.is_some() {
            continue;
        }
        let parsed = parse_timestamp(t.unwrap_or(""))
            .map_err(|m| locate(row, time_col, m))
            .and_then(|t| {
                parse_value(v.unwrap_or(""))
                    .map(|v| (t, v))
                    .map_err(|m| locate(row, value_col, m))
            });
        match parsed {
            Ok((t, v)) => {
                b.timestamps.push(t);
                b.values.push(v);
            }
            Err(e) => b.error = Some(e),
        }
    }
    let mut ingested = Ingested::default();
    for b in building {
        match b.error {
            Some(e) => ingested.failed.push((b.name, e)),
            None => ingested.push(Series::new(b.name.clone(), b.timestamps, b.values), &b.name),
        }
    }
    Ok(ingested)
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

/// Normalise line endings, drop blank lines and a `sep=` line, find the header and
/// the delimiter.
fn prepare(file: &str, text: &str) -> Result<Prepared> {
    let mut separator = None;
    let mut kept = String::with_capacity(text.len());
    let mut lines = Vec::new();
    let mut line_no = 0;
    for line in split_lines(text) {
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        if lines.is_empty() && separator.is_none() {
            if let Some(sep) = line.trim().strip_prefix("sep=") {
                separator = sep.bytes().next();
                continue;
            }
        }
        kept.push_str(line);
        kept.push('\n');
        lines.push(line_no);
    }
    let Some(header_line) = kept.lines().next() else {
        return Err(Error::Format {
            file: file.to_string(),
            message: "the file is empty".to_string(),
        });
    };
    let separator = separator.unwrap_or_else(|| detect_separator(header_line));
    let header = split_header(header_line, separator);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(first) = seen.insert(name.to_ascii_lowercase(), i) {
            return Err(Error::Row {
                file: file.to_string(),
                line: lines[0],
                column: i + 1,
                column_name: name.clone(),
                message: format!(
                    "the header names column '{name}' twice (also column {})",
                    first + 1
                ),
            });
        }
    }
    if lines.len() < 2 {
        return Err(Error::Format {
            file: file.to_string(),
            message: format!("the file has a header ({}) but no rows", header.join(", ")),
        });
    }
    Ok(Prepared {
        text: kept,
        lines,
        separator,
        header,
    })
}

/// Lines split on `\n`, `\r\n` or a bare `\r`.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\r', '\n']) {
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
        }
    })
}

/// The delimiter (comma, semicolon or tab) that occurs most often outside quotes
/// in the header; comma when none does.
fn detect_separator(header: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in header.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// Header fields, unquoted and trimmed.
fn split_header(line: &str, separator: u8) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if !quoted && c as u32 == separator as u32 => {
                fields.push(field.trim().to_string());
                field.clear();
            }
            c => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}

/// Every column as text, through polars.
fn parse_frame(file: &str, prepared: &Prepared) -> Result<DataFrame> {
    let parse = CsvParseOptions::default()
        .with_separator(prepared.separator)
        .with_quote_char(Some(b'"'))
        .with_missing_is_null(true);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(parse)
        .into_reader_with_file_handle(Cursor::new(prepared.text.as_bytes()))
        .finish()
        .map_err(|e| Error::Csv {
            file: file.to_string(),
            message: format!("not readable as CSV: {e}"),
        })
}

/// Decide which columns hold time, series names and values.
fn resolve_layout(
    file: &str,
    header: &[String],
    options: &ReadOptions,
    wide: Option<bool>,
) -> Result<Layout> {
    let listing = || header.join(", ");
    let named = |name: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::Format {
                file: file.to_string(),
                message: format!("no column named '{name}'; the columns are {}", listing()),
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
    let time = match &options.time_column {
        Some(name) => named(name)?,
        None => alias(&TIME_ALIASES, &[]).ok_or_else(|| Error::Format {
            file: file.to_string(),
            message: format!(
                "unknown column layout: no time column among {}; expected one named {} \
                 (or pass --time-column)",
                listing(),
                TIME_ALIASES.join(", ")
            ),
        })?,
    };
    if wide == Some(true) {
        let values: Vec<usize> = if options.value_columns.is_empty() {
            (0..header.len()).filter(|&i| i != time).collect()
        } else {
            options
                .value_columns
                .iter()
                .map(|v| named(v))
                .collect::<Result<_>>()?
        };
        return non_empty_wide(file, time, values, listing);
    }
    let series = match &options.series_column {
        Some(name) => Some(named(name)?),
        None => alias(&SERIES_ALIASES, &[time]),
    };
    let taken: Vec<usize> = std::iter::once(time).chain(series).collect();
    let values: Vec<usize> = if options.value_columns.is_empty() {
        alias(&VALUE_ALIASES, &taken).into_iter().collect()
    } else {
        options
            .value_columns
            .iter()
            .map(|v| named(v))
            .collect::<Result<_>>()?
    };
    let others: Vec<usize> = (0..header.len()).filter(|i| !taken.contains(i)).collect();
    match (values.len(), series) {
        (1, _) => Ok(Layout::Long {
            time,
            series,
            value: values[0],
        }),
        (0, Some(_)) if others.len() == 1 => Ok(Layout::Long {
            time,
            series,
            value: others[0],
        }),
        (0, Some(_)) => Err(Error::Format {
            file: file.to_string(),
            message: format!(
                "unknown column layout: a series column but no value column among {}; \
                 expected one named {} (or pass --value-column)",
                listing(),
                VALUE_ALIASES.join(", ")
            ),
        }),
        (0, None) if wide == Some(false) => Err(Error::Format {
            file: file.to_string(),
            message: format!(
                "no value column among {}; expected one named {} (or pass --value-column)",
                listing(),
                VALUE_ALIASES.join(", ")
            ),
        }),
        (0, None) => non_empty_wide(file, time, others, listing),
        _ => non_empty_wide(file, time, values, listing),
    }
}

fn non_empty_wide(
    file: &str,
    time: usize,
    values: Vec<usize>,
    listing: impl Fn() -> String,
) -> Result<Layout> {
    if values.is_empty() {
        return Err(Error::Format {
            file: file.to_string(),
            message: format!("unknown column layout: only a time column ({})", listing()),
        });
    }
    Ok(Layout::Wide { time, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn layouts_from_aliases() {
        let o = ReadOptions::default();
        let l = resolve_layout("f", &header(&["unique_id", "ds", "y"]), &o, None).unwrap();
        assert_eq!(
            l,
            Layout::Long {
                time: 1,
                series: Some(0),
                value: 2
            }
        );
        let l = resolve_layout("f", &header(&["Time", "a", "b"]), &o, None).unwrap();
        assert_eq!(
            l,
            Layout::Wide {
                time: 0,
                values: vec![1, 2]
            }
        );
        let l = resolve_layout("f", &header(&["timestamp", "value"]), &o, None).unwrap();
        assert_eq!(
            l,
            Layout::Long {
                time: 0,
                series: None,
                value: 1
            }
        );
        let err = resolve_layout("f", &header(&["a", "b"]), &o, None).unwrap_err();
        assert!(err.to_string().contains("unknown column layout"), "{err}");
    }

    #[test]
    fn explicit_columns_override() {
        let o = ReadOptions {
            time_column: Some("when".into()),
            value_columns: vec!["b".into(), "c".into()],
            ..Default::default()
        };
        let l = resolve_layout("f", &header(&["when", "a", "b", "c"]), &o, None).unwrap();
        assert_eq!(
            l,
            Layout::Wide {
                time: 0,
                values: vec![2, 3]
            }
        );
        let o = ReadOptions {
            time_column: Some("nope".into()),
            ..Default::default()
        };
        assert!(resolve_layout("f", &header(&["when"]), &o, None).is_err());
    }

    #[test]
    fn separators_and_line_endings() {
        assert_eq!(detect_separator("a;b;c"), b';');
        assert_eq!(detect_separator("a\tb"), b'\t');
        assert_eq!(detect_separator("\"a;x\",b"), b',');
        let lines: Vec<&str> = split_lines("a\rb\r\nc\n\nd").collect();
        assert_eq!(lines, ["a", "b", "c", "", "d"]);
    }

    #[test]
    fn duplicate_header_is_an_error() {
        let err = prepare("f.csv", "time,a,A\n1,2,3\n")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("line 1, column 3"), "{err}");
    }
}
