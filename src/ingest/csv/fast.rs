//! The fast path of the CSV reader (the `polars` feature): polars parses a
//! plain block with the value columns typed as `Float64`, and the timestamps are
//! read by the column's [`TimeKind`](crate::ingest::timecol::TimeKind). A block is taken only when
//! every field of it reads cleanly; any other block is declined and read by the
//! exact path, which gives the same values (without the feature, every block is).

use std::io::Cursor;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use polars::prelude::{
    CsvParseOptions, CsvReadOptions, DataFrame, DataType, NullValues, PlSmallStr, Schema, SerReader,
};

use super::CsvReader;
use crate::error::Result;

/// Missing-value markers that polars turns into nulls on the fast path (the
/// exact path accepts them in any case through
/// [`parse_value`](crate::ingest::parse_value)).
const NULL_MARKERS: [&str; 6] = [
    "null",
    "NULL",
    "Null",
    "undefined",
    "Undefined",
    "UNDEFINED",
];

/// One row of a block as the fast path read it.
struct FastRow<'a> {
    name: Option<&'a str>,
    time: DateTime<Utc>,
}

impl CsvReader {
    /// The fast path: `Ok(false)` when the block needs the exact path.
    pub(super) fn fast_block(&mut self, text: &str) -> Result<bool> {
        // A series named by several columns takes the exact path, which joins them.
        if !self.keys.more.is_empty() {
            return Ok(false);
        }
        let Some(frame) = self.parse_typed(text) else {
            return Ok(false);
        };
        let used = self.layout.used_columns();
        let column = |c: usize| &frame.columns()[used.binary_search(&c).unwrap_or(0)];
        let Ok(times) = column(self.layout.time).str() else {
            return Ok(false);
        };
        let names = match self.layout.series {
            Some(c) => match column(c).str() {
                Ok(names) => Some(names),
                Err(_) => return Ok(false),
            },
            None => None,
        };
        let mut values = Vec::with_capacity(self.layout.values.len());
        for &c in &self.layout.values {
            match column(c).f64() {
                Ok(v) if v.iter().flatten().all(f64::is_finite) => values.push(v),
                _ => return Ok(false),
            }
        }
        // Check every row before taking any, so that a declined block is read
        // exactly once.
        let mut rows = Vec::with_capacity(frame.height());
        let mut name_iter = names.map(|n| n.iter());
        for t in times.iter() {
            let Some(Ok(time)) = t.map(|t| self.time.parse(t)) else {
                return Ok(false);
            };
            let name = match name_iter.as_mut().map(|it| it.next().flatten()) {
                Some(Some(name)) if !name.trim().is_empty() => Some(name.trim()),
                Some(_) => return Ok(false),
                None => None,
            };
            // A series handed out already: the exact path says where.
            if name.is_some_and(|n| !self.closed.is_empty() && self.closed.contains(n)) {
                return Ok(false);
            }
            rows.push(FastRow { name, time });
        }
        let mut value_iters: Vec<_> = values.iter().map(|v| v.iter()).collect();
        for row in &rows {
            let first = match row.name {
                Some(name) => self.group(name).expect("names handed out were declined"),
                None => 0,
            };
            for (m, it) in value_iters.iter_mut().enumerate() {
                let v = it.next().flatten().unwrap_or(f64::NAN);
                self.builder(first + m).push(row.time, v);
            }
        }
        self.rows += rows.len();
        Ok(true)
    }

    /// Parse a block with polars, value columns as `Float64`; `None` when polars
    /// rejects it (the exact path will say why).
    fn parse_typed(&self, text: &str) -> Option<DataFrame> {
        // [`is_plain`] keeps the quote shapes polars panics on away from it; should
        // another one get through, the panic declines the block (the exact path then
        // names the line) instead of ending the read.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.parse_with_polars(text)
        }))
        .ok()
        .flatten()
    }

    fn parse_with_polars(&self, text: &str) -> Option<DataFrame> {
        let mut schema = Schema::default();
        for i in 0..self.header.len() {
            let dtype = if self.layout.values.contains(&i) {
                DataType::Float64
            } else {
                DataType::String
            };
            // Positional names: header names may be empty or odd.
            schema.with_column(PlSmallStr::from(format!("c{i}")), dtype);
        }
        let nulls = NULL_MARKERS.iter().map(|&s| PlSmallStr::from(s)).collect();
        let parse = CsvParseOptions::default()
            .with_separator(self.separator)
            .with_quote_char(Some(b'"'))
            .with_missing_is_null(true)
            .with_null_values(Some(NullValues::AllColumns(nulls)));
        CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(Arc::new(schema)))
            .with_projection(Some(Arc::new(self.layout.used_columns())))
            .with_parse_options(parse)
            .with_raise_if_empty(false)
            .into_reader_with_file_handle(Cursor::new(text.as_bytes()))
            .finish()
            .ok()
    }
}

/// True when a block can go to polars as it is: single `\n` line breaks, no
/// blank lines (polars would read those differently from the exact path) and
/// quotes only around whole fields, each closed on its line. A quote left open
/// makes polars read on across lines, and a field that is a lone quote at the end
/// of a block panics inside polars (0.55: "slice index starts at 1 but ends at
/// 0", found by fuzzing twice, the second time as `a":"b","` with an even count);
/// the exact path names the line instead.
pub(super) fn is_plain(text: &str, separator: u8) -> bool {
    !text.contains('\r')
        && !text.contains("\n\n")
        && !text.starts_with('\n')
        && quotes_are_whole_fields(text, separator)
}

/// True when every `"` of `text` opens a field, closes it right before a
/// separator or the line's end, or doubles inside a quoted field (RFC 4180).
fn quotes_are_whole_fields(text: &str, separator: u8) -> bool {
    if !text.contains('"') {
        return true;
    }
    text.split('\n').all(|line| {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i <= bytes.len() {
            // At the start of a field.
            if bytes.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return false,
                        Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                match bytes.get(i) {
                    None => return true,
                    Some(&b) if b == separator => i += 1,
                    Some(_) => return false,
                }
            } else {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == separator)
                    .map_or(bytes.len(), |p| i + p);
                if bytes[i..end].contains(&b'"') {
                    return false;
                }
                i = end + 1;
            }
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_quoted_fields_go_to_polars() {
        for plain in [
            "a,1\nb,2",
            "\"a,b\",1",
            "\"say \"\"hi\"\"\",2",
            "a,\"\"",
            "a,",
            "",
        ] {
            assert!(quotes_are_whole_fields(plain, b','), "{plain:?}");
        }
        for odd in ["a,\"", "a\":\"b\",\"", "a\"b,1", "\"a\"b,1", "\"a,1"] {
            assert!(!quotes_are_whole_fields(odd, b','), "{odd:?}");
        }
    }

    /// The exact path, which is all there is without this feature, reads every
    /// file the fast path reads to the same series: the samples shipped in
    /// `data/`, and numbers spelt every way polars and Rust both accept.
    #[test]
    fn the_exact_path_reads_what_the_fast_path_reads() {
        use super::super::read_text;
        use crate::ingest::blocks::BLOCK_BYTES;
        use crate::series::Series;
        let spellings = [
            "1e3",
            "1E-3",
            "-0.5",
            ".5",
            "5.",
            "+2",
            "007",
            "0.1",
            "1.7976931348623157e308",
            "4.9e-324",
            "123456789012345678901234567890",
            "",
            "null",
            "NULL",
            "undefined",
        ];
        let mut numbers = String::from("series,timestamp,value\n");
        for i in 0..600 {
            let name = ["a", "\"b,c\"", "d"][i % 3];
            let value = spellings[i % spellings.len()];
            numbers += &format!("{name},{},{value}\n", 1_700_000_000 + 60 * (i / 3));
        }
        let root = env!("CARGO_MANIFEST_DIR");
        let disk = std::fs::read_to_string(format!("{root}/data/disk_used.csv")).unwrap();
        let sli = std::fs::read_to_string(format!("{root}/data/sli_requests.csv")).unwrap();
        for text in [numbers, disk, sli] {
            assert!(is_plain(&text, b','));
            // \r\n line endings: every block declines the fast path.
            let exact = text.replace('\n', "\r\n");
            for size in [256, BLOCK_BYTES] {
                let fast = read_text(&text, size).unwrap();
                let exact = read_text(&exact, size).unwrap();
                assert!(!fast.series.is_empty() && fast.failed.is_empty());
                assert_eq!(fast.series.len(), exact.series.len());
                for (f, e) in fast.series.iter().zip(&exact.series) {
                    assert_eq!(f.name(), e.name());
                    assert_eq!(f.labels(), e.labels());
                    assert_eq!(f.timestamps(), e.timestamps());
                    // Bit for bit, missing values (NaN) included.
                    let bits = |s: &Series| s.values().iter().map(|v| v.to_bits()).collect();
                    let (fb, eb): (Vec<u64>, Vec<u64>) = (bits(f), bits(e));
                    assert_eq!(fb, eb, "{}", f.name());
                }
                assert_eq!(fast.notes, exact.notes);
            }
        }
    }
}
