//! Reading exported metric history into [`Series`].
//!
//! [`read_path`] reads a file (or standard input for `-`), detects its format from
//! the content unless [`ReadOptions::format`] says otherwise, and returns every
//! series it holds. A series with a bad row fails alone: it is listed in
//! [`Ingested::failed`] with the file, line and column of the first bad field (or
//! the place in a JSON reply), and the other series are still returned. Whatever
//! a reader leaves out on purpose (a repeated header line, an infinite sample)
//! is listed in [`Ingested::notes`] with the reason.
//!
//! One module per format: [`csv`](self) for long and wide CSV (Grafana's exports
//! included), `prometheus` for the HTTP API's `query_range`/`query` JSON,
//! `influx` for InfluxDB annotated CSV and `cloudwatch` for the JSON of
//! `aws cloudwatch get-metric-statistics` and `get-metric-data`.
//! [`prometheus_live`] reads a running Prometheus ([`Prometheus::query_range`])
//! through the same reader as an exported `query_range` reply.
//!
//! CSV is read as a stream in blocks of lines, so a long file of millions of rows
//! needs memory for its values only, not for its text. JSON and annotated CSV
//! are read whole.

mod blocks;
mod cloudwatch;
pub(crate) mod csv;
pub(crate) mod dialect;
pub mod duplicates;
mod influx;
mod json;
mod json_value;
pub(crate) mod layout;
pub(crate) mod prometheus;
#[cfg(feature = "live")]
pub mod prometheus_live;
mod roles;
mod since;
pub mod timecol;
mod timestamp;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use duplicates::{Duplicates, MAX_DUPLICATE_SHARE};
pub use layout::{resolve_layout, Layout, SERIES_ALIASES, TIME_ALIASES, VALUE_ALIASES};
#[cfg(feature = "live")]
pub use prometheus_live::{Auth, Prometheus, RangeQuery};
pub use roles::SAMPLE_ROWS;
pub use since::Since;
pub use timecol::RowClock;
pub use timestamp::{parse_timestamp, parse_value};

use crate::error::{Error, Result};
use crate::series::Series;

/// How many bytes of an input are looked at to detect its format.
const HEAD_BYTES: u64 = 64 << 10;

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
    /// [`TIME_ALIASES`]; `_time` for InfluxDB).
    pub time_column: Option<String>,
    /// The CSV column holding series names (default: the first named as in
    /// [`SERIES_ALIASES`]).
    pub series_column: Option<String>,
    /// The CSV value columns; with several, each is one series (default: the first
    /// named as in [`VALUE_ALIASES`], or every other column of a wide file; `_value`
    /// for InfluxDB).
    pub value_columns: Vec<String>,
    /// The CloudWatch statistic to read from `get-metric-statistics` datapoints
    /// (`Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, or an extended
    /// statistic such as `p95`). Default: `Average`; when the reply holds a single
    /// other statistic, that one, with a note.
    pub statistic: Option<String>,
    /// What to do with rows of one series that share a timestamp (default:
    /// refuse the series when they are more than [`MAX_DUPLICATE_SHARE`] of
    /// its rows; see [`duplicates`]).
    #[serde(default)]
    pub duplicates: Duplicates,
    /// For a CSV without timestamps: the time of each series' first row and
    /// the rows' spacing (`--start TIME --step 30m`). No column is then read as
    /// time, and a file that has a time column is refused.
    #[serde(default)]
    pub clock: Option<RowClock>,
    /// Keep only the recent history of each series (`--since 28d`).
    #[serde(default)]
    pub since: Option<Since>,
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

    /// Merge (or refuse) rows of one series that share a timestamp this way.
    pub fn with_duplicates(mut self, duplicates: Duplicates) -> Self {
        self.duplicates = duplicates;
        self
    }

    /// Number the rows of a CSV without timestamps from `start`, `step` apart.
    pub fn with_clock(mut self, start: chrono::DateTime<chrono::Utc>, step: crate::Step) -> Self {
        self.clock = Some(RowClock { start, step });
        self
    }

    /// Keep only the history since this (a date, a span back, or points).
    pub fn with_since(mut self, since: Since) -> Self {
        self.since = Some(since);
        self
    }

    /// Read this CloudWatch statistic.
    pub fn with_statistic(mut self, statistic: impl Into<String>) -> Self {
        self.statistic = Some(statistic.into());
        self
    }
}

/// Something a reader did on purpose that changes what was read: points dropped
/// (and why), lines skipped, a choice made for the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The series concerned; `None` for the input as a whole.
    pub series: Option<String>,
    /// How many points were dropped (0 when none were).
    pub dropped: usize,
    /// What was done and why.
    pub message: String,
}

impl Note {
    /// A note about `series` (or the whole input).
    pub fn new(series: Option<&str>, dropped: usize, message: impl Into<String>) -> Self {
        Note {
            series: series.map(str::to_string),
            dropped,
            message: message.into(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(series) = &self.series {
            write!(f, "series {series}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// What was read from one input.
#[derive(Debug, Default)]
pub struct Ingested {
    /// The format that was read (detected or given).
    pub format: Option<Format>,
    /// Series read successfully, in order of first appearance.
    pub series: Vec<Series>,
    /// Series that could not be read, with the reason.
    pub failed: Vec<(String, Error)>,
    /// What the reader dropped or decided, with the reason.
    pub notes: Vec<Note>,
    /// Series not read to their end because the input stopped at an error in
    /// the middle of them ([`stream_reader`]); they are neither read nor failed.
    pub skipped: Vec<String>,
}

impl Ingested {
    fn push(&mut self, series: Result<Series>, name: &str) {
        match series {
            Ok(s) => self.series.push(s),
            Err(e) => self.failed.push((name.to_string(), e)),
        }
    }

    /// Points dropped by the reader, over all notes.
    pub fn dropped(&self) -> usize {
        self.notes.iter().map(|n| n.dropped).sum()
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
/// for note in &read.notes {
///     eprintln!("{note}");
/// }
/// ```
pub fn read_path(path: &str, options: &ReadOptions) -> Result<Ingested> {
    if path == "-" {
        let stdin = std::io::stdin();
        return read_reader("<stdin>", "stdin", &mut stdin.lock(), options);
    }
    let mut file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    let stem = Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    read_reader(path, &stem, &mut file, options)
}

/// Read an input held in memory. `file` names it in messages; `stem` names a
/// single unnamed series.
pub fn read_bytes(file: &str, stem: &str, bytes: &[u8], options: &ReadOptions) -> Result<Ingested> {
    read_reader(file, stem, &mut &bytes[..], options)
}

/// Read an input from any reader. CSV is streamed in blocks; JSON and annotated
/// CSV are read whole. `file` names the input in messages; `stem` names a single
/// unnamed series.
pub fn read_reader(
    file: &str,
    stem: &str,
    reader: &mut dyn Read,
    options: &ReadOptions,
) -> Result<Ingested> {
    let mut never = |_: Ingested| Ok(());
    stream_reader(file, stem, reader, options, usize::MAX, &mut never)
}

/// Read an input from any reader, handing series to `each` in batches as they
/// are complete, so that memory stays bounded for a long CSV sorted by series
/// (each series' rows together, as `sort -t, -k1,1 -s` leaves them): once the
/// rows held pass `budget` bytes, the series seen first are handed out, oldest
/// first. A smaller input, or one in another format (JSON and annotated CSV are
/// read whole, and so is wide CSV, whose rows hold every series), is handed out
/// at the end. In a larger input, a series named again after it was handed out is
/// an error that says how to sort the file.
///
/// Returns what remained at the end, with the format and the notes; the caller
/// takes the union of the batches and the result. After an error in the records,
/// the series read before it have been handed out.
pub fn stream_reader(
    file: &str,
    stem: &str,
    reader: &mut dyn Read,
    options: &ReadOptions,
    budget: usize,
    each: &mut dyn FnMut(Ingested) -> Result<()>,
) -> Result<Ingested> {
    let io_error = |source| Error::Io {
        path: file.into(),
        source,
    };
    let mut head = Vec::new();
    reader
        .take(HEAD_BYTES)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    check_encoding(file, &head)?;
    let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let head_text = valid_prefix(&head[bom..]);
    let format = match options.format {
        Some(f) => f,
        None => detect(head_text),
    };
    let mut handed_out = 0;
    let mut counting = |mut batch: Ingested| {
        if let Some(since) = options.since {
            since.apply_all(&mut batch);
        }
        handed_out += batch.series.len() + batch.failed.len() + batch.skipped.len();
        each(batch)
    };
    let mut ingested = match format {
        Format::Long | Format::Wide => {
            let input = csv::CsvInput {
                file,
                stem,
                options,
                wide: options.format.map(|f| f == Format::Wide),
                block_bytes: blocks::BLOCK_BYTES,
            };
            let mut chained = (&head[bom..]).chain(reader);
            csv::stream_csv(&input, &mut chained, budget, &mut counting)?
        }
        Format::Prometheus | Format::Cloudwatch | Format::Influx => {
            let mut bytes = head;
            reader.read_to_end(&mut bytes).map_err(io_error)?;
            let text = decode(file, &bytes)?;
            let mut read = match format {
                Format::Influx => influx::read(file, stem, text, options)?,
                _ => json::read(file, stem, text, options, options.format)?,
            };
            apply_duplicates(&mut read, options.duplicates);
            read
        }
    };
    if ingested.format.is_none() {
        ingested.format = Some(format);
    }
    if let Some(since) = options.since {
        since.apply_all(&mut ingested);
    }
    ingested.notes.extend(unused_options(format, options));
    if handed_out == 0 && ingested.series.is_empty() && ingested.failed.is_empty() {
        return Err(Error::Format {
            file: file.to_string(),
            message: "no series found".to_string(),
        });
    }
    Ok(ingested)
}

/// [`duplicates::apply`] to the series of a reader that has no text columns to
/// suggest (JSON and annotated CSV name their series by their labels).
fn apply_duplicates(ingested: &mut Ingested, policy: Duplicates) {
    let series = std::mem::take(&mut ingested.series);
    for s in series {
        let name = s.name().to_string();
        ingested.push(duplicates::apply(s, policy, &[]), &name);
    }
}

/// Options that the format read has no use for: said, not silently ignored.
fn unused_options(format: Format, options: &ReadOptions) -> Vec<Note> {
    let json = matches!(format, Format::Prometheus | Format::Cloudwatch);
    let mut unused = Vec::new();
    if json && options.time_column.is_some() {
        unused.push("--time-column");
    }
    if json && !options.value_columns.is_empty() {
        unused.push("--value-column");
    }
    if (json || format == Format::Influx) && options.series_column.is_some() {
        unused.push("--series-column");
    }
    if format != Format::Cloudwatch && options.statistic.is_some() {
        unused.push("--statistic");
    }
    if !matches!(format, Format::Long | Format::Wide) && options.clock.is_some() {
        unused.push("--start");
    }
    unused
        .into_iter()
        .map(|flag| {
            Note::new(
                None,
                0,
                format!("{flag} does not apply to {format} input; ignored"),
            )
        })
        .collect()
}

/// Detect the format from the start of the content: JSON replies by their keys
/// (Prometheus has `status` or `resultType`, CloudWatch `Datapoints` or
/// `MetricDataResults`), InfluxDB by its annotation lines or its `,result,table,`
/// header, otherwise CSV (long or wide is decided by the header).
pub fn detect(text: &str) -> Format {
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if start.starts_with('{') || start.starts_with('[') {
        return json::detect(start);
    }
    let first_line = start.lines().next().unwrap_or("");
    if ["#datatype", "#group", "#default"]
        .iter()
        .any(|a| first_line.starts_with(a))
        || first_line.starts_with(",result,table,")
    {
        return Format::Influx;
    }
    Format::Long
}

/// The longest valid UTF-8 prefix (a head cut in the middle of a character is
/// still worth detecting on).
fn valid_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    }
}

/// UTF-16 (with or without a byte-order mark) is refused with advice: it would
/// otherwise fail later with a confusing message about the first field.
pub(crate) fn check_encoding(file: &str, head: &[u8]) -> Result<()> {
    let with_bom = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    let sample = &head[..head.len().min(512)];
    let nul = sample.iter().filter(|&&b| b == 0).count();
    if with_bom || (nul > 0 && nul * 4 >= sample.len()) {
        return Err(Error::Format {
            file: file.to_string(),
            message: "line 1: the file is UTF-16; save it as UTF-8 (for example with \
                      iconv -f UTF-16 -t UTF-8)"
                .to_string(),
        });
    }
    if let Some(i) = sample.iter().position(|&b| b == 0) {
        let line = 1 + sample[..i].iter().filter(|&&b| b == b'\n').count();
        return Err(Error::Format {
            file: file.to_string(),
            message: format!("line {line}: a NUL byte; this is not a text file"),
        });
    }
    Ok(())
}

/// The input as UTF-8 text without a byte-order mark. Invalid UTF-8 is an error
/// that says where.
pub(crate) fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        Error::Format {
            file: file.to_string(),
            message: format!(
                "line {line}: the file is not valid UTF-8 (byte {offset}); save it as UTF-8"
            ),
        }
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
    fn options_that_do_not_apply_are_noted() {
        let options = ReadOptions::default()
            .with_statistic("Maximum")
            .with_time_column("timestamp");
        let r = read_bytes("t.csv", "t", b"timestamp,value\n2024-01-01,1\n", &options).unwrap();
        assert_eq!(r.notes.len(), 1);
        assert_eq!(
            r.notes[0].to_string(),
            "--statistic does not apply to long input; ignored"
        );
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
