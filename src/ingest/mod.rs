//! Reading exported metric history into [`Series`].
//!
//! [`read_path`] reads a file (or standard input for `-`), detects its format from
//! the content unless [`ReadOptions::format`] says otherwise, and returns every
//! series it holds. A series with a bad row fails alone: it is listed in
//! [`Ingested::failed`] with the file, line and column of the first bad field,
//! and the other series are still returned.

mod csv;
mod timestamp;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use self::csv::{SERIES_ALIASES, TIME_ALIASES, VALUE_ALIASES};
pub use timestamp::{parse_timestamp, parse_value};

use crate::error::{Error, Result};
use crate::series::Series;

/// An input format of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// CSV, one row per observation (`series,timestamp,value`).
    Long,
    /// CSV, a time column and one column per series.
    Wide,
    /// Prometheus HTTP API `query_range` JSON.
    Prometheus,
    /// InfluxDB annotated CSV.
    Influx,
    /// AWS CloudWatch `get-metric-statistics` or `get-metric-data` JSON.
    Cloudwatch,
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "long" => Ok(Format::Long),
            "wide" => Ok(Format::Wide),
            "prometheus" => Ok(Format::Prometheus),
            "influx" => Ok(Format::Influx),
            "cloudwatch" => Ok(Format::Cloudwatch),
            other => Err(Error::invalid(format!(
                "unknown format '{other}'; expected long, wide, prometheus, influx or cloudwatch"
            ))),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Long => "long",
            Format::Wide => "wide",
            Format::Prometheus => "prometheus",
            Format::Influx => "influx",
            Format::Cloudwatch => "cloudwatch",
        })
    }
}

/// How to read an input. The default detects everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// The format; `None` detects it from the content.
    pub format: Option<Format>,
    /// The CSV column holding timestamps (default: the first named as in
    /// [`TIME_ALIASES`]).
    pub time_column: Option<String>,
    /// The CSV column holding series names (default: the first named as in
    /// [`SERIES_ALIASES`]).
    pub series_column: Option<String>,
    /// The CSV value columns; with several, each is one series (default: the first
    /// named as in [`VALUE_ALIASES`], or every other column of a wide file).
    pub value_columns: Vec<String>,
}

impl ReadOptions {
    /// Read in this format instead of detecting it.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Take timestamps from this column.
    pub fn with_time_column(mut self, name: impl Into<String>) -> Self {
        self.time_column = Some(name.into());
        self
    }

    /// Take series names from this column.
    pub fn with_series_column(mut self, name: impl Into<String>) -> Self {
        self.series_column = Some(name.into());
        self
    }

    /// Add a value column.
    pub fn with_value_column(mut self, name: impl Into<String>) -> Self {
        self.value_columns.push(name.into());
        self
    }
}

/// What was read from one input.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Series read successfully, in order of first appearance.
    pub series: Vec<Series>,
    /// Series that could not be read, with the reason.
    pub failed: Vec<(String, Error)>,
}

impl Ingested {
    fn push(&mut self, series: Result<Series>, name: &str) {
        match series {
            Ok(s) => self.series.push(s),
            Err(e) => self.failed.push((name.to_string(), e)),
        }
    }
}

/// Read a file, or standard input when `path` is `-`.
///
/// ```no_run
/// use headroom::ingest::{read_path, ReadOptions};
/// let read = read_path("data/disk_used.csv", &ReadOptions::default()).unwrap();
/// for s in &read.series {
///     println!("{}: {} rows", s.name(), s.len());
/// }
/// ```
pub fn read_path(path: &str, options: &ReadOptions) -> Result<Ingested> {
    let mut bytes = Vec::new();
    let (name, stem) = if path == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| Error::Io {
                path: "<stdin>".into(),
                source,
            })?;
        ("<stdin>".to_string(), "stdin".to_string())
    } else {
        bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })?;
        let stem = Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.to_string());
        (path.to_string(), stem)
    };
    read_bytes(&name, &stem, &bytes, options)
}

/// Read an input held in memory. `file` names it in messages; `stem` names a
/// single unnamed series.
pub fn read_bytes(file: &str, stem: &str, bytes: &[u8], options: &ReadOptions) -> Result<Ingested> {
    let text = decode(file, bytes)?;
    let (format, wide) = match options.format {
        Some(Format::Long) => (Format::Long, Some(false)),
        Some(Format::Wide) => (Format::Wide, Some(true)),
        Some(f) => (f, None),
        // Detected CSV: the header decides between long and wide.
        None => (detect(text), None),
    };
    match format {
        Format::Long | Format::Wide => csv::read_csv(file, stem, text, options, wide),
        other => Err(Error::Format {
            file: file.to_string(),
            message: format!(
                "{other} input is recognised but not read by this version of headroom; \
                 export it as CSV (series,timestamp,value)"
            ),
        }),
    }
    .and_then(|ingested| {
        if ingested.series.is_empty() && ingested.failed.is_empty() {
            Err(Error::Format {
                file: file.to_string(),
                message: "no series found".to_string(),
            })
        } else {
            Ok(ingested)
        }
    })
}

/// Read a `series,capacity` CSV for fleets whose members have different limits.
/// Capacities accept the suffixes of [`parse_capacity`](crate::units::parse_capacity).
pub fn read_capacities(path: &str) -> Result<std::collections::HashMap<String, f64>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    csv::read_capacities(path, decode(path, &bytes)?)
}

/// Detect the format from the content: JSON replies by their keys, InfluxDB by its
/// annotation lines, otherwise CSV (long or wide is decided by the header).
pub fn detect(text: &str) -> Format {
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        if start.contains("\"resultType\"") {
            return Format::Prometheus;
        }
        return Format::Cloudwatch;
    }
    if start.starts_with("#datatype")
        || start.starts_with("#group")
        || start.starts_with("#default")
    {
        return Format::Influx;
    }
    Format::Long
}

/// The input as UTF-8 text without a byte-order mark. UTF-16 and invalid UTF-8 are
/// errors that say where.
fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str> {
    let format_error = |message: String| Error::Format {
        file: file.to_string(),
        message,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(format_error(
            "the file is UTF-16; save it as UTF-8 (for example with iconv -f UTF-16 -t UTF-8)"
                .to_string(),
        ));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        format_error(format!(
            "line {line}: the file is not valid UTF-8 (byte {offset}); save it as UTF-8"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Ingested> {
        read_bytes("t.csv", "t", text.as_bytes(), &ReadOptions::default())
    }

    #[test]
    fn long_with_series_and_missing_markers() {
        let r = read("series,timestamp,value\na,2024-01-01,1\nb,2024-01-01,2\na,2024-01-02,null\n")
            .unwrap();
        assert_eq!(r.series.len(), 2);
        assert_eq!(r.series[0].name(), "a");
        assert!(r.series[0].values()[1].is_nan());
    }

    #[test]
    fn bare_cr_quoted_header_and_bom() {
        let r = read("\u{feff}\"ds\",\"y\"\r\"2024-01-01\",1\r\"2024-01-02\",2\r").unwrap();
        assert_eq!(r.series[0].name(), "t");
        assert_eq!(r.series[0].values(), &[1.0, 2.0]);
    }

    #[test]
    fn bad_row_fails_its_series_alone_with_its_place() {
        let r = read("id;time;value\na;2024-01-01;1\n\nb;2024-01-01;x\na;2024-01-02;2\n").unwrap();
        assert_eq!(r.series.len(), 1);
        let (name, err) = &r.failed[0];
        assert_eq!(name, "b");
        assert_eq!(
            err.to_string(),
            "t.csv: line 4, column 3 (value): cannot read 'x' as a number"
        );
    }

    #[test]
    fn empty_and_header_only_and_utf16() {
        assert!(read("").unwrap_err().to_string().contains("empty"));
        assert!(read("timestamp,value\n")
            .unwrap_err()
            .to_string()
            .contains("no rows"));
        let utf16 = [0xFF, 0xFE, b't', 0];
        let err = read_bytes("u.csv", "u", &utf16, &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("UTF-16"));
    }

    #[test]
    fn detects_formats() {
        assert_eq!(
            detect("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\"}}"),
            Format::Prometheus
        );
        assert_eq!(detect("#datatype,string\n"), Format::Influx);
        assert_eq!(detect("timestamp,value\n"), Format::Long);
    }
}
