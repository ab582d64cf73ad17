//! A `series,capacity` table (`--capacities`), read with the CSV reader's own
//! dialect rules: the separator is detected, fields may be quoted, and a bad
//! capacity is named by its line and column.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::ingest::csv::check_header;
use crate::ingest::dialect::{detect_separator, lines_with_ends, split_header, split_record};
use crate::ingest::layout::SERIES_ALIASES;
use crate::ingest::{check_encoding, decode};

/// Read a `series,capacity` CSV for fleets whose members have different limits.
/// Capacities accept the suffixes of [`parse_capacity`](crate::units::parse_capacity).
pub fn read_capacities(path: &str) -> Result<HashMap<String, f64>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    read_capacities_bytes(path, &bytes)
}

/// [`read_capacities`] of a table held in memory; `file` names it in messages.
pub fn read_capacities_bytes(file: &str, bytes: &[u8]) -> Result<HashMap<String, f64>> {
    check_encoding(file, bytes)?;
    parse_table(file, decode(file, bytes)?)
}

/// Parse a `series,capacity` table (capacities may carry suffixes such as `500G`).
fn parse_table(file: &str, text: &str) -> Result<HashMap<String, f64>> {
    let mut lines = lines_with_ends(text)
        .enumerate()
        .map(|(i, (line, _))| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((header_line, header_text)) = lines.next() else {
        return Err(Error::Format {
            file: file.to_string(),
            message: "the file is empty".to_string(),
        });
    };
    let header_text = header_text.strip_prefix('\u{feff}').unwrap_or(header_text);
    let separator = detect_separator(header_text);
    let header = split_header(header_text, separator);
    check_header(file, &header, header_line)?;
    let find = |aliases: &[&str]| {
        header
            .iter()
            .position(|h| aliases.iter().any(|a| h.eq_ignore_ascii_case(a)))
    };
    let (Some(series_col), Some(capacity_col)) = (find(&SERIES_ALIASES), find(&["capacity"]))
    else {
        return Err(Error::Format {
            file: file.to_string(),
            message: format!(
                "a capacities file needs the columns series,capacity; found {}",
                header.join(", ")
            ),
        });
    };
    let locate = |line: usize, column: usize, message: String| Error::Row {
        file: file.to_string(),
        line,
        column: column + 1,
        column_name: header.get(column).cloned().unwrap_or_default(),
        message,
    };
    let mut capacities = HashMap::new();
    for (line_no, line) in lines {
        let fields = split_record(line, separator)
            .map_err(|(column, message)| locate(line_no, column.saturating_sub(1), message))?;
        let field = |i: usize| fields.get(i).map_or("", |f| f.as_ref());
        let value = crate::units::parse_capacity(field(capacity_col))
            .map_err(|e| locate(line_no, capacity_col, e.to_string()))?;
        capacities.insert(field(series_col).trim().to_string(), value);
    }
    if capacities.is_empty() {
        return Err(Error::Format {
            file: file.to_string(),
            message: format!("the file has a header ({}) but no rows", header.join(", ")),
        });
    }
    Ok(capacities)
}
