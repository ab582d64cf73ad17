//! CSV in the long and wide layouts of the contract (and Grafana's exports of
//! both), read in blocks of lines so that memory stays bounded.
//!
//! The preamble is read first: a byte-order mark and blank lines are skipped, a
//! Grafana `sep=;` line sets the delimiter (otherwise the header decides), and
//! copies of the header right after it (Grafana's "Download for Excel" writes two)
//! are dropped with a note. Then every block of lines takes one of two paths:
//!
//! - the fast path (the `polars` feature, on by default; `csv/fast.rs`): polars
//!   parses the block with the value columns typed as `Float64`, and the
//!   timestamps are read by [`parse_timestamp`](super::parse_timestamp)'s fast
//!   path. It is taken only when the block is plain (no `\r`, no blank lines) and
//!   every field of it reads cleanly, so it never has to say where something went
//!   wrong;
//! - the exact path: each line is split here and each field parsed on its own, so
//!   that a bad field is reported with its file, line and column, a repeated
//!   header is skipped, and a bad series fails alone. Any block that the fast path
//!   declines is read this way, which gives the same values; without the `polars`
//!   feature (the Python package's build) every block is.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::Read;

use chrono::{DateTime, Utc};

use super::blocks::for_each_block;
use super::dialect::{
    detect_separator, lines_with_ends, repeats_header, separator_line, split_header, split_record,
};
use super::duplicates::{self, Duplicates};
use super::layout::{resolve_layout, Layout};
use super::roles::{self, Keys, KEY_SEPARATOR, SAMPLE_ROWS};
use super::timecol::{RowClock, TimeKind};
use super::timestamp::parse_value;
use super::{Format, Ingested, Note, ReadOptions};
use crate::error::{Error, Result};
use crate::series::Series;

/// The fast path (the `polars` feature).
#[cfg(feature = "polars")]
mod fast;

/// Read CSV from `reader` whole. `file` names the input in messages; `stem` names a
/// lone series; `wide` forces the layout (`None` decides from the header).
#[cfg(test)]
fn read_csv(
    file: &str,
    stem: &str,
    reader: &mut dyn Read,
    options: &ReadOptions,
    wide: Option<bool>,
    block_bytes: usize,
) -> Result<Ingested> {
    let mut never = |_: Ingested| Ok(());
    let input = CsvInput {
        file,
        stem,
        options,
        wide,
        block_bytes,
    };
    stream_csv(&input, reader, usize::MAX, &mut never)
}

/// What [`stream_csv`] reads and how.
pub(crate) struct CsvInput<'a> {
    pub file: &'a str,
    pub stem: &'a str,
    pub options: &'a ReadOptions,
    pub wide: Option<bool>,
    pub block_bytes: usize,
}

/// Read CSV from `reader`, handing complete series to `each` as the rows held
/// pass `budget` bytes: with a series column, the series seen first are complete
/// once other series follow them (input sorted by series), and are handed out
/// oldest first until the rows held fit the budget again. A series named again
/// after it was handed out is an error that says how to sort the file. Returns
/// what remained at the end (the whole input when nothing was handed out), with
/// the notes. On an error in the records, the series read so far are handed out
/// before the error is returned.
pub(crate) fn stream_csv(
    input: &CsvInput<'_>,
    reader: &mut dyn Read,
    budget: usize,
    each: &mut dyn FnMut(Ingested) -> Result<()>,
) -> Result<Ingested> {
    let CsvInput {
        file,
        stem,
        options,
        wide,
        block_bytes,
    } = *input;
    let mut state = State::Preamble { separator: None };
    let mut reader_state: Option<CsvReader> = None;
    // The header and its layout, until the first rows decide the columns' roles.
    let mut pending: Option<(u8, Vec<String>, Layout)> = None;
    let read = for_each_block(file, reader, block_bytes, |text, first_line| {
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
                    pending = Some((separator, header_fields, layout));
                    state = State::AfterHeader;
                    body_start = offset;
                    body_line = line;
                }
            }
        }
        if reader_state.is_none() {
            let body = &text[body_start..];
            if body.trim().is_empty() {
                return Ok(());
            }
            if let Some((separator, header, layout)) = pending.take() {
                let sample = sample_rows(body, separator, &header);
                reader_state = Some(CsvReader::with_roles(
                    input, separator, header, layout, &sample,
                )?);
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
        csv.block(body, body_line)?;
        if budget != usize::MAX {
            if let Some(done) = csv.complete_series(budget) {
                each(done)?;
            }
        }
        Ok(())
    });
    if let Err(e) = read {
        if let Some(csv) = reader_state {
            if budget != usize::MAX && csv.rows > 0 {
                each(csv.into_ingested_but_current())?;
            }
        }
        return Err(e);
    }
    if let (None, Some((separator, header, layout))) = (&reader_state, pending) {
        reader_state = Some(CsvReader::with_roles(
            input,
            separator,
            header,
            layout,
            &[],
        )?);
    }
    match reader_state {
        None => Err(Error::Format {
            file: file.to_string(),
            message: "the file is empty".to_string(),
        }),
        Some(csv) => csv.finish(),
    }
}

/// The fields of the first records of `body` (up to [`SAMPLE_ROWS`]), for
/// [`roles::decide`]: blank lines, copies of the header and lines that do not
/// split are left out (the reader says where those are).
fn sample_rows<'a>(body: &'a str, separator: u8, header: &[String]) -> Vec<Vec<Cow<'a, str>>> {
    lines_with_ends(body)
        .map(|(line, _)| line)
        .filter(|line| !line.trim().is_empty() && !repeats_header(line, separator, header))
        .filter_map(|line| split_record(line, separator).ok())
        .take(SAMPLE_ROWS)
        .collect()
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
pub(crate) fn check_header(file: &str, header: &[String], line: usize) -> Result<()> {
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
    /// Rows of this series read so far, bad ones included (the row number a
    /// [`RowClock`](super::RowClock) gives a time).
    rows: usize,
    labels: BTreeMap<String, String>,
    timestamps: Vec<DateTime<Utc>>,
    values: Vec<f64>,
    error: Option<Error>,
}

impl Builder {
    fn new(name: String) -> Self {
        Builder {
            name,
            rows: 0,
            labels: BTreeMap::new(),
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

    /// The series read, or the error of its first bad row; rows that share a
    /// timestamp are dealt with as `policy` says (`hint`: the text columns that
    /// may tell them apart).
    fn into_series(mut self, policy: Duplicates, hint: &[String]) -> Result<Series> {
        match self.error {
            Some(e) => Err(e),
            None => {
                // Growth by doubling leaves up to half of each vector unused.
                self.timestamps.shrink_to_fit();
                self.values.shrink_to_fit();
                let series =
                    Series::new(self.name, self.timestamps, self.values)?.with_labels(self.labels);
                duplicates::apply(series, policy, hint)
            }
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

/// The memory a builder holds (its vectors' capacity, and its name).
fn builder_bytes(b: &Builder) -> usize {
    b.timestamps.capacity() * std::mem::size_of::<DateTime<Utc>>()
        + b.values.capacity() * std::mem::size_of::<f64>()
        + b.name.len()
}

/// The reader's state across blocks.
struct CsvReader {
    file: String,
    separator: u8,
    header: Vec<String>,
    layout: Layout,
    /// The columns that name a series (several when labels were found).
    keys: Keys,
    /// Builders in order of first appearance; with a series column, those of one
    /// series name are consecutive, one per value column. The first `emitted`
    /// were handed out (streaming): index `i` is at `builders[i - emitted]`.
    builders: VecDeque<Builder>,
    emitted: usize,
    /// Series names (of the builders held) in order of first appearance.
    group_names: VecDeque<String>,
    /// Series name to the index of its first builder.
    groups: HashMap<String, usize>,
    /// Series names handed out: seen again, the input was not sorted by series.
    closed: HashSet<String>,
    /// The last series name looked up, and its first builder (rows of one series
    /// usually come together, so most rows skip the hash).
    last_group: Option<(String, usize)>,
    rows: usize,
    repeated_headers: Vec<usize>,
    /// How the time column is written.
    time: TimeKind,
    /// What was decided about the columns, for notes.
    decided: Vec<String>,
    /// Text columns not used as labels, named when a series repeats timestamps.
    hint: Vec<String>,
    duplicates: Duplicates,
    /// The times of numbered rows, for a file without a time column.
    clock: Option<RowClock>,
}

impl CsvReader {
    /// A reader whose columns' roles are decided from the first rows `sample`.
    fn with_roles(
        input: &CsvInput<'_>,
        separator: u8,
        header: Vec<String>,
        layout: Layout,
        sample: &[Vec<Cow<'_, str>>],
    ) -> Result<Self> {
        let forced_wide = input.wide == Some(true);
        let roles = roles::decide(&header, layout, sample, input.options, forced_wide).map_err(
            |message| Error::Format {
                file: input.file.to_string(),
                message,
            },
        )?;
        let mut csv = CsvReader::new(input.file.to_string(), separator, header, roles.layout);
        csv.keys = roles.keys;
        csv.time = roles.time;
        csv.decided = roles.notes;
        csv.hint = roles.hint;
        csv.duplicates = input.options.duplicates;
        csv.clock = input.options.clock;
        Ok(csv)
    }

    fn new(file: String, separator: u8, header: Vec<String>, layout: Layout) -> Self {
        let builders = layout
            .fixed_names
            .iter()
            .map(|n| Builder::new(n.clone()))
            .collect();
        let layout_series = layout.series;
        CsvReader {
            file,
            separator,
            header,
            layout,
            builders,
            emitted: 0,
            group_names: VecDeque::new(),
            groups: HashMap::new(),
            closed: HashSet::new(),
            last_group: None,
            rows: 0,
            repeated_headers: Vec::new(),
            keys: Keys {
                first: layout_series,
                ..Keys::default()
            },
            time: TimeKind::Text,
            decided: Vec::new(),
            hint: Vec::new(),
            duplicates: Duplicates::default(),
            clock: None,
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
        // Numbered rows take the exact path, which counts each series' rows.
        #[cfg(feature = "polars")]
        if self.clock.is_none() && fast::is_plain(text, self.separator) && self.fast_block(text)? {
            return Ok(());
        }
        self.exact_block(text, first_line)
    }

    /// The builder of absolute index `i`.
    fn builder(&mut self, i: usize) -> &mut Builder {
        &mut self.builders[i - self.emitted]
    }

    /// The first builder of a series name, created on first sight; `None` when
    /// the series was handed out already.
    fn group(&mut self, name: &str) -> Option<usize> {
        if let Some((last, index)) = &self.last_group {
            if last == name {
                return Some(*index);
            }
        }
        let index = match self.groups.get(name) {
            Some(&index) => index,
            None if self.closed.contains(name) => return None,
            None => {
                let index = self.emitted + self.builders.len();
                let labels = self.keys.labels(name, &self.header);
                let shown = self.keys.display(name, &self.header);
                for m in 0..self.layout.values.len() {
                    let full = self.layout.grouped_name(&shown, m, &self.header);
                    let mut builder = Builder::new(full);
                    builder.labels = labels.clone();
                    self.builders.push_back(builder);
                }
                self.groups.insert(name.to_string(), index);
                self.group_names.push_back(name.to_string());
                index
            }
        };
        match &mut self.last_group {
            Some((last, i)) => {
                last.clear();
                last.push_str(name);
                *i = index;
            }
            None => self.last_group = Some((name.to_string(), index)),
        }
        Some(index)
    }

    /// The error for a series named again after it was handed out.
    fn unsorted(&self, line: usize, column: usize, name: &str) -> Error {
        let name = self.keys.display(name, &self.header);
        let name = name.as_str();
        self.locate(
            line,
            column,
            format!(
                "series '{}' appears again after other series: a file this large must be \
                 sorted by series to be read in bounded memory; sort it keeping the header \
                 on top, e.g. (head -n 1 FILE; tail -n +2 FILE | sort -t, -k1,1 -s) > sorted.csv",
                crate::error::clip(name)
            ),
        )
    }

    /// Hand out the series seen first while the rows held pass `budget` bytes,
    /// keeping the series being read.
    fn complete_series(&mut self, budget: usize) -> Option<Ingested> {
        let width = self.layout.values.len();
        if self.layout.series.is_none() || self.held_bytes() <= budget {
            return None;
        }
        let current = self.last_group.as_ref().map(|(_, i)| *i);
        let mut held = self.held_bytes();
        let mut done = Ingested::default();
        while held > budget && self.builders.len() > width && current != Some(self.emitted) {
            let name = self.group_names.pop_front().expect("a name per group");
            self.groups.remove(&name);
            self.closed.insert(name);
            for _ in 0..width {
                let b = self
                    .builders
                    .pop_front()
                    .expect("a builder per value column");
                held -= builder_bytes(&b);
                let name = b.name.clone();
                done.push(b.into_series(self.duplicates, &self.hint), &name);
            }
            self.emitted += width;
        }
        Some(done)
    }

    /// Bytes held by the rows read and not yet handed out.
    fn held_bytes(&self) -> usize {
        self.builders.iter().map(builder_bytes).sum()
    }

    /// The exact path: split and parse each line, locating every problem.
    fn exact_block(&mut self, text: &str, first_line: usize) -> Result<()> {
        for (i, (line, _)) in lines_with_ends(text).enumerate() {
            let line_no = first_line + i;
            if line.trim().is_empty() {
                continue;
            }
            let fields = split_record(line, self.separator).map_err(|(column, message)| {
                self.locate(line_no, column.saturating_sub(1), message)
            })?;
            if fields.len() == self.header.len()
                && repeats_header(line, self.separator, &self.header)
            {
                self.note_repeated_header(line_no);
                continue;
            }
            self.exact_row(&fields, line_no)?;
        }
        Ok(())
    }

    fn exact_row(&mut self, fields: &[Cow<'_, str>], line_no: usize) -> Result<()> {
        let field = |i: usize| fields.get(i).map_or("", |f| f.as_ref());
        let first = match self.layout.series {
            Some(c) => {
                let joined;
                let name = if self.keys.more.is_empty() {
                    field(c).trim()
                } else {
                    let parts: Vec<&str> = self
                        .keys
                        .columns()
                        .iter()
                        .map(|&k| field(k).trim())
                        .collect();
                    joined = parts.join(&KEY_SEPARATOR.to_string());
                    if parts.iter().all(|p| p.is_empty()) {
                        ""
                    } else {
                        joined.as_str()
                    }
                };
                if name.is_empty() {
                    return Err(self.locate(line_no, c, "empty series name".to_string()));
                }
                match self.group(name) {
                    Some(first) => first,
                    None => return Err(self.unsorted(line_no, c, name)),
                }
            }
            None => 0,
        };
        let count = self.layout.values.len();
        // (No builder when no value column is left: nothing is read then.)
        let row = match self.builders.get_mut(first - self.emitted) {
            Some(b) => {
                b.rows += 1;
                b.rows - 1
            }
            None => 0,
        };
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
                self.builder(first + m).fail(e);
            }
            return Ok(());
        }
        let parsed = match self.clock {
            Some(clock) => Ok(clock.at(row)),
            None => self.time.parse(field(self.layout.time)),
        };
        let time = match parsed {
            Ok(t) => t,
            // In the wide layout a bad time belongs to every series: the file fails.
            Err(m) if self.layout.is_wide() => {
                return Err(self.locate(line_no, self.layout.time, m))
            }
            Err(m) => {
                for b in first..first + count {
                    let e = self.locate(line_no, self.layout.time, m.clone());
                    self.builder(b).fail(e);
                }
                return Ok(());
            }
        };
        for m in 0..count {
            let c = self.layout.values[m];
            match parse_value(field(c)) {
                Ok(v) => self.builder(first + m).push(time, v),
                Err(message) => {
                    let e = self.locate(line_no, c, message);
                    self.builder(first + m).fail(e);
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
        Ok(self.into_ingested())
    }

    /// The series held, but for the series being read (all of them without a
    /// series column), which the input stopped in the middle of: skipped.
    fn into_ingested_but_current(mut self) -> Ingested {
        let width = self.layout.values.len();
        let current = match (&self.layout.series, &self.last_group) {
            (Some(_), Some((_, first))) => first - self.emitted,
            (Some(_), None) => self.builders.len(),
            (None, _) => 0,
        };
        let end = (current + width).min(self.builders.len());
        let skipped: Vec<String> = self.builders.drain(current..end).map(|b| b.name).collect();
        let mut ingested = self.into_ingested();
        ingested.skipped = skipped;
        ingested
    }

    /// The series held, with the notes.
    fn into_ingested(self) -> Ingested {
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
        for note in &self.decided {
            ingested.notes.push(Note::new(None, 0, note.clone()));
        }
        for b in self.builders {
            let name = b.name.clone();
            ingested.push(b.into_series(self.duplicates, &self.hint), &name);
        }
        ingested
    }
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
    use super::super::timestamp::parse_timestamp;
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
    fn fast_and_exact_paths_agree() {
        let mut plain = String::from("series,timestamp,value\n");
        for i in 0..300 {
            let name = ["a", "b", "c"][i % 3];
            plain += &format!("{name},{},{}.25\n", 1_700_000_000 + 60 * (i / 3), i);
        }
        // The same rows, but with \r\n line endings and a blank line: every block
        // takes the exact path.
        let messy = plain.replace('\n', "\r\n").replacen("\r\n", "\r\n\r\n", 2);
        for size in [64, 256, BLOCK_BYTES] {
            let fast = read_text(&plain, size).unwrap();
            let exact = read_text(&messy, size).unwrap();
            assert_eq!(fast.series, exact.series);
            assert_eq!(fast.series.len(), 3);
            assert_eq!(fast.series[1].len(), 100);
            assert_eq!(fast.series[1].values()[2], 7.25);
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
