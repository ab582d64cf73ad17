//! CSV in the long and wide layouts of the contract (and Grafana's exports of
//! both), read in blocks of lines so that memory stays bounded.
//!
//! The preamble is read first: a byte-order mark and blank lines are skipped, a
//! Grafana `sep=;` line sets the delimiter (otherwise the header decides), and
//! copies of the header right after it (Grafana's "Download for Excel" writes two)
//! are dropped with a note. Then each block is split into records in one pass
//! over its bytes ([`Records`]) and each field parsed on its own, so that a bad
//! field is reported with its file, line and column, a repeated header is skipped
//! with a note, and a bad series fails alone.
//!
//! Why not polars' CSV reader, which the first version used: it reads every
//! field into Arrow strings first and has to be given the whole text, and the
//! timestamps must be parsed again afterwards. Streaming blocks through it with
//! the value columns typed as `Float64` was measured on 10 million rows
//! (`benches/ingest.rs`): 1.32 s of CPU on two threads, against 0.93 s on one
//! for this reader, and a bad field could still only be located by a second
//! reading. polars remains the DataFrame layer ([`crate::frame`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, Utc};

use super::blocks::for_each_block;
use super::dialect::{
    detect_separator, lines_with_ends, repeats_header, separator_line, split_header, split_record,
    Records,
};
use super::layout::{resolve_layout, Layout, SERIES_ALIASES};
use super::timestamp::{parse_timestamp, parse_value, trim};
use super::{Format, Ingested, Note, ReadOptions};
use crate::error::{Error, Result};
use crate::series::Series;

/// Read CSV from `reader`. `file` names the input in messages; `stem` names a lone
/// series; `wide` forces the layout (`None` decides from the header).
pub(crate) fn read_csv(
    file: &str,
    stem: &str,
    reader: &mut dyn Read,
    options: &ReadOptions,
    wide: Option<bool>,
    block_bytes: usize,
) -> Result<Ingested> {
    let mut state = State::Preamble { separator: None };
    let mut reader_state: Option<CsvReader> = None;
    for_each_block(file, reader, block_bytes, |text, first_line| {
        let mut body_start = 0;
        let mut body_line = first_line;
        if let State::Preamble { separator } = &mut state {
            match read_preamble(text, first_line, separator) {
                None => return Ok(()),
                Some((header, header_line, offset, line)) => {
                    let separator = separator.unwrap_or_else(|| detect_separator(&header));
                    let header_fields = split_header(&header, separator);
                    check_header(file, &header_fields, header_line)?;
                    let layout = resolve_layout(file, stem, &header_fields, options, wide)?;
                    reader_state = Some(CsvReader::new(
                        file.to_string(),
                        separator,
                        header_fields,
                        layout,
                    ));
                    state = State::AfterHeader;
                    body_start = offset;
                    body_line = line;
                }
            }
        }
        let Some(csv) = reader_state.as_mut() else {
            return Ok(());
        };
        let mut body = &text[body_start..];
        if let State::AfterHeader = state {
            // Grafana's second copy of the header comes right after the first.
            let (rest, line) = skip_header_copies(body, body_line, csv);
            body = rest;
            body_line = line;
            if !body.trim().is_empty() {
                state = State::Body;
            }
        }
        csv.block(body, body_line)
    })?;
    match reader_state {
        None => Err(Error::Format {
            file: file.to_string(),
            message: "the file is empty".to_string(),
        }),
        Some(csv) => csv.finish(),
    }
}

/// Where the reader is in the file.
enum State {
    /// Before the header; a `sep=` line may have set the delimiter.
    Preamble { separator: Option<u8> },
    /// Just after the header, where Grafana repeats it.
    AfterHeader,
    /// In the records.
    Body,
}

/// Find the header in a block: skip blank lines and a `sep=` line. Returns the
/// header line, its number, and the offset and line number where the records
/// start; `None` when the block holds no header yet.
fn read_preamble(
    text: &str,
    first_line: usize,
    separator: &mut Option<u8>,
) -> Option<(String, usize, usize, usize)> {
    let mut line_no = first_line;
    for (line, end) in lines_with_ends(text) {
        let line = if line_no == 1 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        if line.trim().is_empty() {
            line_no += 1;
            continue;
        }
        if separator.is_none() {
            if let Some(sep) = separator_line(line) {
                *separator = Some(sep);
                line_no += 1;
                continue;
            }
        }
        return Some((line.to_string(), line_no, end, line_no + 1));
    }
    None
}

/// A header must name each column once.
fn check_header(file: &str, header: &[String], line: usize) -> Result<()> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(first) = seen.insert(name.to_ascii_lowercase(), i) {
            return Err(Error::Row {
                file: file.to_string(),
                line,
                column: i + 1,
                column_name: name.clone(),
                message: format!(
                    "the header names column '{name}' twice (also column {}); \
                     rename one of them",
                    first + 1
                ),
            });
        }
    }
    Ok(())
}

/// Skip copies of the header at the start of `body`, noting each. Returns the
/// rest and its first line number.
fn skip_header_copies<'a>(
    body: &'a str,
    mut line_no: usize,
    csv: &mut CsvReader,
) -> (&'a str, usize) {
    let mut offset = 0;
    for (line, end) in lines_with_ends(body) {
        if line.trim().is_empty() {
            // Blank lines are left to the block reader, which skips them.
            break;
        }
        if !repeats_header(line, csv.separator, &csv.header) {
            break;
        }
        csv.note_repeated_header(line_no);
        offset = end;
        line_no += 1;
    }
    (&body[offset..], line_no)
}

/// The series being built from one value column (and one series name).
struct Builder {
    name: String,
    timestamps: Vec<DateTime<Utc>>,
    values: Vec<f64>,
    error: Option<Error>,
}

impl Builder {
    fn new(name: String) -> Self {
        Builder {
            name,
            timestamps: Vec::new(),
            values: Vec::new(),
            error: None,
        }
    }

    fn push(&mut self, t: DateTime<Utc>, v: f64) {
        if self.error.is_none() {
            self.timestamps.push(t);
            self.values.push(v);
        }
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
            // The rows read so far will not be used; give their memory back.
            self.timestamps = Vec::new();
            self.values = Vec::new();
        }
    }
}

/// The reader's state across blocks.
struct CsvReader {
    file: String,
    separator: u8,
    header: Vec<String>,
    layout: Layout,
    /// Builders in order of first appearance; with a series column, those of one
    /// series name are consecutive, one per value column.
    builders: Vec<Builder>,
    /// Series name to its group number (order of first appearance); the builders
    /// of group `g` are `g * values .. (g + 1) * values`.
    groups: HashMap<String, usize>,
    /// Series names by group number.
    group_names: Vec<String>,
    /// The group of the previous row. Exports list a series' rows together or
    /// cycle through the series in the same order at every timestamp, so the
    /// next row's group is nearly always this one, the next, or the first: most
    /// rows compare one name and skip the hash.
    last_group: usize,
    rows: usize,
    repeated_headers: Vec<usize>,
}

impl CsvReader {
    fn new(file: String, separator: u8, header: Vec<String>, layout: Layout) -> Self {
        let builders = layout
            .fixed_names
            .iter()
            .map(|n| Builder::new(n.clone()))
            .collect();
        CsvReader {
            file,
            separator,
            header,
            layout,
            builders,
            groups: HashMap::new(),
            group_names: Vec::new(),
            last_group: 0,
            rows: 0,
            repeated_headers: Vec::new(),
        }
    }

    fn note_repeated_header(&mut self, line: usize) {
        self.repeated_headers.push(line);
    }

    /// Read one block of records whose first line is `first_line`.
    fn block(&mut self, text: &str, first_line: usize) -> Result<()> {
        if text.trim().is_empty() {
            return Ok(());
        }
        self.parse_block(text, first_line)
    }

    /// The first builder of a series name, created on first sight.
    fn group(&mut self, name: &str) -> usize {
        let width = self.layout.values.len();
        let last = self.last_group;
        for g in [last, last + 1, 0] {
            if self.group_names.get(g).is_some_and(|n| n == name) {
                self.last_group = g;
                return g * width;
            }
        }
        let g = match self.groups.get(name) {
            Some(&g) => g,
            None => {
                let g = self.group_names.len();
                for m in 0..width {
                    let full = self.layout.grouped_name(name, m, &self.header);
                    self.builders.push(Builder::new(full));
                }
                self.groups.insert(name.to_string(), g);
                self.group_names.push(name.to_string());
                g
            }
        };
        self.last_group = g;
        g * width
    }

    /// Split and parse each line of a block, locating every problem.
    fn parse_block(&mut self, text: &str, first_line: usize) -> Result<()> {
        let mut fields = Vec::with_capacity(self.header.len() + 1);
        let mut times = TimeCache::default();
        let mut records = Records::new(text, self.separator);
        let mut line_no = first_line;
        while let Some((line, split)) = records.next_into(&mut fields) {
            line_no += 1;
            let line_no = line_no - 1;
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue;
            }
            split.map_err(|(column, message)| {
                self.locate(line_no, column.saturating_sub(1), message)
            })?;
            if self.is_header_copy(&fields, line) {
                self.note_repeated_header(line_no);
                continue;
            }
            self.parse_row(&fields, line_no, &mut times)?;
        }
        Ok(())
    }

    /// A copy of the header among the records (concatenated exports). Only rows
    /// whose time field is the time column's name are looked at closely.
    fn is_header_copy(&self, fields: &[Cow<'_, str>], line: &str) -> bool {
        let time = self.layout.time;
        fields.len() == self.header.len()
            && trim(&fields[time]).eq_ignore_ascii_case(&self.header[time])
            && repeats_header(line, self.separator, &self.header)
    }

    fn parse_row(
        &mut self,
        fields: &[Cow<'_, str>],
        line_no: usize,
        times: &mut TimeCache,
    ) -> Result<()> {
        let field = |i: usize| fields.get(i).map_or("", |f| f.as_ref());
        let first = match self.layout.series {
            Some(c) => {
                let name = trim(field(c));
                if name.is_empty() {
                    return Err(self.locate(line_no, c, "empty series name".to_string()));
                }
                self.group(name)
            }
            None => 0,
        };
        let count = self.layout.values.len();
        if fields.len() > self.header.len() {
            let message = format!(
                "{} fields where the header has {} (a thousands separator or an unquoted \
                 delimiter inside a value?)",
                fields.len(),
                self.header.len()
            );
            if self.layout.is_wide() {
                return Err(self.locate(line_no, self.header.len(), message));
            }
            for m in 0..count {
                let e = self.locate(line_no, self.header.len(), message.clone());
                self.builders[first + m].fail(e);
            }
            return Ok(());
        }
        let time = match times.parse(field(self.layout.time)) {
            Ok(t) => t,
            // In the wide layout a bad time belongs to every series: the file fails.
            Err(m) if self.layout.is_wide() => {
                return Err(self.locate(line_no, self.layout.time, m))
            }
            Err(m) => {
                for b in first..first + count {
                    let e = self.locate(line_no, self.layout.time, m.clone());
                    self.builders[b].fail(e);
                }
                return Ok(());
            }
        };
        for m in 0..count {
            let c = self.layout.values[m];
            match parse_value(field(c)) {
                Ok(v) => self.builders[first + m].push(time, v),
                Err(message) => {
                    let e = self.locate(line_no, c, message);
                    self.builders[first + m].fail(e);
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// An error at a line and 0-based column.
    fn locate(&self, line: usize, column: usize, message: String) -> Error {
        Error::Row {
            file: self.file.clone(),
            line,
            column: column + 1,
            column_name: self.header.get(column).cloned().unwrap_or_default(),
            message,
        }
    }

    fn finish(self) -> Result<Ingested> {
        if self.rows == 0 && self.builders.iter().all(|b| b.error.is_none()) {
            return Err(Error::Format {
                file: self.file,
                message: format!(
                    "the file has a header ({}) but no rows",
                    self.header.join(", ")
                ),
            });
        }
        let mut ingested = Ingested {
            format: Some(if self.layout.is_wide() {
                Format::Wide
            } else {
                Format::Long
            }),
            ..Ingested::default()
        };
        if let Some(&first) = self.repeated_headers.first() {
            ingested.notes.push(Note::new(
                None,
                0,
                format!(
                    "{} repeated header line(s) skipped (the first at line {first})",
                    self.repeated_headers.len()
                ),
            ));
        }
        for mut b in self.builders {
            match b.error {
                Some(e) => ingested.failed.push((b.name, e)),
                None => {
                    // Growth by doubling leaves up to half of each vector unused.
                    b.timestamps.shrink_to_fit();
                    b.values.shrink_to_fit();
                    ingested.push(Series::new(b.name.clone(), b.timestamps, b.values), &b.name);
                }
            }
        }
        Ok(ingested)
    }
}

/// The last timestamp text and its parse: in exports that cycle through the
/// series, each timestamp repeats once per series, and is parsed once.
#[derive(Default)]
struct TimeCache {
    text: String,
    time: Option<DateTime<Utc>>,
}

impl TimeCache {
    fn parse(&mut self, text: &str) -> std::result::Result<DateTime<Utc>, String> {
        if let Some(time) = self.time.filter(|_| self.text == text) {
            return Ok(time);
        }
        let time = parse_timestamp(text)?;
        self.text.clear();
        self.text.push_str(text);
        self.time = Some(time);
        Ok(time)
    }
}

/// Read a `series,capacity` table (capacities may carry suffixes such as `500G`).
pub(crate) fn read_capacities(file: &str, text: &str) -> Result<HashMap<String, f64>> {
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

/// Read CSV text held in memory (see [`read_csv`]).
#[cfg(test)]
fn read_text(text: &str, block_bytes: usize) -> Result<Ingested> {
    read_csv(
        "t.csv",
        "t",
        &mut text.as_bytes(),
        &ReadOptions::default(),
        None,
        block_bytes,
    )
}

#[cfg(test)]
mod tests {
    use super::super::blocks::BLOCK_BYTES;
    use super::*;

    #[test]
    fn duplicate_header_is_an_error() {
        let err = read_text("time,a,A\n1,2,3\n", BLOCK_BYTES)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("line 1, column 3"), "{err}");
    }

    #[test]
    fn line_endings_blank_lines_and_block_sizes_do_not_change_the_result() {
        let mut plain = String::from("series,timestamp,value\n");
        for i in 0..300 {
            let name = ["a", "b", "c"][i % 3];
            plain += &format!("{name},{},{}.25\n", 1_700_000_000 + 60 * (i / 3), i);
        }
        // The same rows with \r\n line endings and blank lines, and with old-Mac
        // bare \r line endings.
        let windows = plain.replace('\n', "\r\n").replacen("\r\n", "\r\n\r\n", 2);
        let mac = plain.replace('\n', "\r");
        for size in [64, 256, BLOCK_BYTES] {
            let reference = read_text(&plain, size).unwrap();
            assert_eq!(reference.series.len(), 3);
            assert_eq!(reference.series[1].len(), 100);
            assert_eq!(reference.series[1].values()[2], 7.25);
            assert_eq!(read_text(&windows, size).unwrap().series, reference.series);
            assert_eq!(read_text(&mac, size).unwrap().series, reference.series);
        }
    }

    #[test]
    fn bad_rows_are_located_in_any_block() {
        let mut text = String::from("series,timestamp,value\n");
        for i in 0..200 {
            let v = if i == 150 {
                "x".to_string()
            } else {
                i.to_string()
            };
            text += &format!("{},{},{v}\n", ["a", "b"][i % 2], 1_700_000_000 + 60 * i);
        }
        for size in [64, 512, BLOCK_BYTES] {
            let r = read_text(&text, size).unwrap();
            assert_eq!(r.series.len(), 1);
            assert_eq!(r.series[0].name(), "b");
            assert_eq!(
                r.failed[0].1.to_string(),
                "t.csv: line 152, column 3 (value): cannot read 'x' as a number"
            );
        }
    }

    #[test]
    fn grafana_preamble() {
        let text = "\u{feff}sep=;\r\n\"Time\";\"a\";\"b\"\r\nTime,a,b\r\n\
                    \"2019-01-15T14:10:00+02:00\";null;1\r\n\"2019-01-15T14:15:00+02:00\";2;undefined";
        let r = read_text(text, BLOCK_BYTES).unwrap();
        assert_eq!(r.series.len(), 2);
        assert!(r.series[0].values()[0].is_nan());
        assert_eq!(r.series[0].values()[1], 2.0);
        assert_eq!(r.notes.len(), 1);
        assert!(r.notes[0].to_string().contains("line 3"), "{}", r.notes[0]);
        assert_eq!(
            r.series[1].timestamps()[0],
            parse_timestamp("2019-01-15T12:10:00Z").unwrap()
        );
    }

    #[test]
    fn too_many_fields_name_the_line() {
        let r = read_text("time,value\n2024-01-01,1,234\n2024-01-02,2\n", 64).unwrap();
        let err = r.failed[0].1.to_string();
        assert!(err.contains("line 2, column 3"), "{err}");
        assert!(err.contains("thousands separator"), "{err}");
        let err = read_text("time,a,b\n2024-01-01,1,2,3\n", 64)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, column 4"), "{err}");
    }
}
