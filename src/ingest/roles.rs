//! What the columns of a CSV are, from their content: the header alone decides
//! the time and value columns ([`resolve_layout`](super::resolve_layout)); the
//! first rows then decide
//!
//! - an **index**: a first column named `rownames`, `row.names`, `index`,
//!   `Unnamed: 0`, `...1` or nothing at all, rising by exactly one each row (as
//!   R's `write.csv` and pandas' `to_csv` write it: from 0 or 1, or from
//!   wherever a slice of the frame starts, 51265, 51266, ...), is dropped, not
//!   read as a series;
//! - **columns of neither numbers nor the rows' times** (`Holiday` = `TRUE`,
//!   a second column of dates) that the layout took as values are ignored, with
//!   one note naming them, unless a value column names them: they would fail as
//!   series of their own;
//! - **series labels**: text columns (neither numbers nor times) whose values make
//!   the timestamps unique where the time column alone repeats them (`host`,
//!   `instance`, `pod`, or `host` and `mountpoint` together), whatever they are
//!   called;
//! - how the time column is written ([`TimeKind`]).
//!
//! The first rows are the first block the reader holds (up to [`SAMPLE_ROWS`]
//! rows). A label that does not vary there (a file sorted by host whose first
//! host fills the block) is caught later: its series repeat timestamps, which
//! [`duplicates`](super::duplicates) refuses naming the text columns left.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use super::duplicates::MAX_DUPLICATE_SHARE;
use super::layout::{Layout, NO_TIME_COLUMN, VALUE_ALIASES};
use super::timecol::TimeKind;
use super::timestamp::{parse_timestamp, parse_value};
use super::ReadOptions;

/// Rows of the first block looked at to decide the columns' roles (and, for a
/// DataFrame, how its time column is written).
pub const SAMPLE_ROWS: usize = 50_000;

/// Header names of an index column (compared without case).
const INDEX_NAMES: [&str; 6] = ["", "rownames", "row.names", "index", "unnamed: 0", "...1"];

/// Rows an index that starts elsewhere than 0 or 1 (a slice) must count in the
/// first rows: two numbers one apart are too likely to be data.
const MIN_SLICE_ROWS: usize = 3;

/// Names Prometheus, Grafana, InfluxDB and Telegraf give label columns (see
/// [`named_labels`]; found by content first, these only settle a column the
/// first rows cannot).
const LABEL_NAMES: [&str; 16] = [
    "host",
    "hostname",
    "instance",
    "node",
    "nodename",
    "pod",
    "job",
    "device",
    "mountpoint",
    "container",
    "namespace",
    "service",
    "server",
    "cluster",
    "region",
    "zone",
];

/// Label sets larger than this are not searched one by one: all the text
/// columns are used together.
const MAX_LABEL_SEARCH: usize = 3;

/// Joins the fields of several key columns into one series key.
pub(crate) const KEY_SEPARATOR: char = '\u{1f}';

/// The columns that name a series, when labels were found by content (the
/// layout's series column then holds the first of them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Keys {
    /// The first key column (the layout's series column).
    pub first: Option<usize>,
    /// Further columns that name a series with `first` (`host` and `mountpoint`).
    pub more: Vec<usize>,
    /// True when the key columns were found by content: their values become the
    /// series' labels.
    pub labelled: bool,
}

impl Keys {
    /// The columns that name a series, in order.
    pub fn columns(&self) -> Vec<usize> {
        self.first
            .into_iter()
            .chain(self.more.iter().copied())
            .collect()
    }

    /// A series key as read (the key columns' fields joined by
    /// [`KEY_SEPARATOR`]) as a name: the field itself for one key column,
    /// `{host="a",mountpoint="/"}` (as Prometheus and InfluxDB series are named)
    /// for several.
    pub fn display(&self, key: &str, header: &[String]) -> String {
        if self.more.is_empty() {
            return key.to_string();
        }
        super::prometheus::series_name(&self.labels(key, header), key)
    }

    /// The labels of a series key: each key column's name and value, when the
    /// columns were found by content; none otherwise.
    pub fn labels(&self, key: &str, header: &[String]) -> BTreeMap<String, String> {
        if !self.labelled {
            return BTreeMap::new();
        }
        self.columns()
            .iter()
            .zip(key.split(KEY_SEPARATOR))
            .map(|(&c, v)| (header[c].clone(), v.to_string()))
            .collect()
    }
}

/// The roles decided from the first rows.
pub(crate) struct Roles {
    /// The layout with the index dropped and the first label as its series column.
    pub layout: Layout,
    /// The columns that name a series.
    pub keys: Keys,
    /// How the time column is written.
    pub time: TimeKind,
    /// What was decided, for notes on standard error.
    pub notes: Vec<String>,
    /// Text columns that are not labels: the likely labels when a series repeats
    /// its timestamps.
    pub hint: Vec<String>,
}

/// Decide the roles of the columns of `header` from `sample` (the first rows'
/// fields). `Err` is a message about the time column.
pub(crate) fn decide(
    header: &[String],
    mut layout: Layout,
    sample: &[Vec<Cow<'_, str>>],
    options: &ReadOptions,
    forced_wide: bool,
) -> Result<Roles, String> {
    let column = |c: usize| sample.iter().map(move |row| field(row, c));
    let mut notes = Vec::new();
    let index = find_index(header, &layout, sample, options);
    if let Some(i) = index {
        drop_values(&mut layout, &[i]);
        notes.push(format!(
            "column {} ('{}') numbers the rows: an index, not a series; ignored",
            i + 1,
            header[i]
        ));
    }
    let time = match header.get(layout.time) {
        Some(name) => TimeKind::detect(name, column(layout.time))?,
        // Numbered rows (`--start`): no column is read as time.
        None => TimeKind::Text,
    };
    if let Some(name) = header.get(layout.time) {
        notes.extend(time.describe(name));
    }
    let user_chosen = |c: usize| {
        options
            .value_columns
            .iter()
            .any(|v| v.trim().eq_ignore_ascii_case(&header[c]))
    };
    let text: Vec<usize> = (0..header.len())
        .filter(|&c| c != layout.time && Some(c) != index && Some(c) != layout.series)
        .filter(|&c| !user_chosen(c) && is_text(column(c)))
        .collect();
    let mut roles = Roles {
        hint: text.iter().map(|&c| header[c].clone()).collect(),
        keys: Keys {
            first: layout.series,
            ..Keys::default()
        },
        layout,
        time,
        notes,
    };
    let no_labels = options.series_column.is_some()
        || forced_wide
        || sample.is_empty()
        || text.is_empty()
        || roles.layout.time == NO_TIME_COLUMN;
    if !no_labels {
        find_series_labels(header, &mut roles, &text, sample);
    }
    drop_other_columns(header, &mut roles, sample, options);
    Ok(roles)
}

/// Make the text columns that tell series apart the series' labels (see the
/// module's documentation).
fn find_series_labels(
    header: &[String],
    roles: &mut Roles,
    text: &[usize],
    sample: &[Vec<Cow<'_, str>>],
) {
    let base: Vec<usize> = roles.layout.series.into_iter().collect();
    let (labels, why) = match find_labels(&base, text, roles.layout.time, sample) {
        Some(labels) => (
            labels,
            "where the time column repeats, they tell the series apart",
        ),
        None => {
            let named = named_labels(header, text);
            let unique = repeated_share(&base, roles.layout.time, sample) <= MAX_DUPLICATE_SHARE;
            if !base.is_empty() || named.is_empty() || !unique {
                return;
            }
            (
                named,
                "named as labels are, in a file whose first rows hold one series",
            )
        }
    };
    let note = format!(
        "series label column{}: {} ({why})",
        if labels.len() > 1 { "s" } else { "" },
        labels
            .iter()
            .map(|&c| header[c].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    roles.notes.push(note);
    // Text columns left among the values would fail as series of their own.
    let text_values: Vec<usize> = roles
        .layout
        .values
        .iter()
        .copied()
        .filter(|c| text.contains(c) && !labels.contains(c))
        .collect();
    for &c in &text_values {
        roles.notes.push(format!(
            "column '{}' is text, not a metric; ignored",
            header[c]
        ));
    }
    let dropped: Vec<usize> = labels.iter().chain(&text_values).copied().collect();
    drop_values(&mut roles.layout, &dropped);
    roles
        .hint
        .retain(|h| !labels.iter().any(|&c| &header[c] == h));
    let key: Vec<usize> = base.iter().chain(&labels).copied().collect();
    roles.layout.series = Some(key[0]);
    roles.layout.fixed_names.clear();
    roles.keys = Keys {
        first: Some(key[0]),
        more: key[1..].to_vec(),
        labelled: true,
    };
}

/// Drop the value columns that hold neither numbers nor anything but times
/// (text, a second column of dates), with one note naming them; kept when a
/// value column names them or when no other value column would be left (the
/// reader then says which field is not a number).
fn drop_other_columns(
    header: &[String],
    roles: &mut Roles,
    sample: &[Vec<Cow<'_, str>>],
    options: &ReadOptions,
) {
    let named = |c: usize| {
        let h = header[c].trim();
        options
            .value_columns
            .iter()
            .any(|v| v.trim().eq_ignore_ascii_case(h))
            || VALUE_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(h))
    };
    let other: Vec<usize> = roles
        .layout
        .values
        .iter()
        .copied()
        .filter(|&c| !named(c) && !has_numbers(sample.iter().map(|row| field(row, c))))
        .collect();
    if other.is_empty() || other.len() == roles.layout.values.len() {
        return;
    }
    let names: Vec<&str> = other.iter().map(|&c| header[c].as_str()).collect();
    roles.notes.push(format!(
        "column{} {} hold{} neither numbers nor the rows' times: ignored (name the \
         values with --value-column)",
        if other.len() > 1 { "s" } else { "" },
        names.join(", "),
        if other.len() > 1 { "" } else { "s" },
    ));
    drop_values(&mut roles.layout, &other);
}

/// True when some field of a column reads as a number (or a missing marker),
/// or no field holds anything (an empty column is a series of missing values,
/// as it always was).
fn has_numbers<'a>(fields: impl Iterator<Item = &'a str>) -> bool {
    let mut filled = fields.filter(|f| !f.is_empty()).peekable();
    filled.peek().is_none() || filled.any(|f| parse_value(f).is_ok())
}

/// Field `c` of a row, trimmed; empty when the row is short.
fn field<'a>(row: &'a [Cow<'_, str>], c: usize) -> &'a str {
    row.get(c).map_or("", |f| f.trim())
}

/// Text columns named as exporters name labels, which are labels even where the
/// first rows hold a single series (a file sorted by host, whose first host fills
/// the first block): a series named after its host is what the user means, and
/// without it the hosts after the first would be refused as repeated timestamps.
fn named_labels(header: &[String], text: &[usize]) -> Vec<usize> {
    text.iter()
        .copied()
        .filter(|&c| LABEL_NAMES.contains(&header[c].trim().to_ascii_lowercase().as_str()))
        .collect()
}

/// The first column, when its name is that of an index and it counts the rows.
fn find_index(
    header: &[String],
    layout: &Layout,
    sample: &[Vec<Cow<'_, str>>],
    options: &ReadOptions,
) -> Option<usize> {
    let name = header.first()?.trim().to_ascii_lowercase();
    let named = |o: &Option<String>| {
        o.as_ref()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(&name))
    };
    if header.len() < 2
        || !INDEX_NAMES.contains(&name.as_str())
        || layout.time == 0
        || layout.series == Some(0)
        || named(&options.series_column)
        || options
            .value_columns
            .iter()
            .any(|v| v.trim().eq_ignore_ascii_case(&name))
        || sample.is_empty()
    {
        return None;
    }
    let start: i64 = sample[0].first()?.trim().parse().ok()?;
    let counts = sample.iter().enumerate().all(|(i, row)| {
        row.first()
            .and_then(|f| f.trim().parse::<i64>().ok())
            .is_some_and(|n| n == start + i as i64)
    });
    let from_the_top = start == 0 || start == 1;
    (counts && (from_the_top || sample.len() >= MIN_SLICE_ROWS)).then_some(0)
}

/// Remove columns from the value columns (and their fixed names).
fn drop_values(layout: &mut Layout, columns: &[usize]) {
    let keep: Vec<bool> = layout.values.iter().map(|c| !columns.contains(c)).collect();
    if layout.fixed_names.len() == layout.values.len() {
        let mut k = keep.iter();
        layout.fixed_names.retain(|_| *k.next().unwrap_or(&true));
    }
    layout.values.retain(|c| !columns.contains(c));
}

/// True for a column of text: some field is not empty, and none reads as a
/// number (a missing marker aside) or all of them as timestamps.
fn is_text<'a>(fields: impl Iterator<Item = &'a str> + Clone) -> bool {
    let mut any = false;
    for f in fields.clone().filter(|f| !f.is_empty()) {
        any = true;
        if parse_value(f).is_ok() {
            return false;
        }
    }
    any && !fields
        .filter(|f| !f.is_empty())
        .all(|f| parse_timestamp(f).is_ok())
}

/// The fewest text columns that, added to `base`, leave at most
/// [`MAX_DUPLICATE_SHARE`] of the rows repeating a timestamp, when `base` alone
/// leaves more. `None` when no label is needed, or none helps.
fn find_labels(
    base: &[usize],
    text: &[usize],
    time: usize,
    sample: &[Vec<Cow<'_, str>>],
) -> Option<Vec<usize>> {
    let unique_enough = |extra: &[usize]| {
        let key: Vec<usize> = base.iter().chain(extra).copied().collect();
        repeated_share(&key, time, sample) <= MAX_DUPLICATE_SHARE
    };
    if unique_enough(&[]) || !unique_enough(text) {
        return None;
    }
    if text.len() > MAX_LABEL_SEARCH + 2 {
        return Some(text.to_vec());
    }
    for size in 1..text.len() {
        if let Some(found) = subsets(text, size).into_iter().find(|s| unique_enough(s)) {
            return Some(found);
        }
    }
    Some(text.to_vec())
}

/// Every subset of `items` of `size` elements, in order.
fn subsets(items: &[usize], size: usize) -> Vec<Vec<usize>> {
    if size == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for (i, &first) in items.iter().enumerate() {
        for mut rest in subsets(&items[i + 1..], size - 1) {
            rest.insert(0, first);
            out.push(rest);
        }
    }
    out
}

/// The share of rows whose (key columns, time) repeats an earlier row's.
fn repeated_share(key: &[usize], time: usize, sample: &[Vec<Cow<'_, str>>]) -> f64 {
    let mut seen = HashSet::with_capacity(sample.len());
    let mut repeated = 0usize;
    let mut buf = String::new();
    for row in sample {
        buf.clear();
        for &c in key.iter().chain(std::iter::once(&time)) {
            buf.push_str(row.get(c).map_or("", |f| f.trim()));
            buf.push('\u{1f}');
        }
        if !seen.insert(buf.clone()) {
            repeated += 1;
        }
    }
    repeated as f64 / sample.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::resolve_layout;

    fn rows(text: &str) -> (Vec<String>, Vec<Vec<Cow<'_, str>>>) {
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(|s| s.trim_matches('"').to_string())
            .collect();
        let sample = lines
            .map(|l| {
                l.split(',')
                    .map(|f| Cow::Borrowed(f.trim_matches('"')))
                    .collect()
            })
            .collect();
        (header, sample)
    }

    fn roles(text: &str) -> Roles {
        let (header, sample) = rows(text);
        let o = ReadOptions::default();
        let layout = resolve_layout("f", "stem", &header, &o, None).unwrap();
        decide(&header, layout, &sample, &o, false).unwrap()
    }

    #[test]
    fn labels_are_found_by_content() {
        let r = roles("box,time,value\na,1709294400,1\nb,1709294400,2\na,1709298000,3\n");
        assert_eq!(r.layout.series, Some(0));
        assert!(r.keys.labelled && r.keys.more.is_empty());
        let r = roles(
            "host,mnt,time,value\na,/,1709294400,1\na,/x,1709294400,2\nb,/,1709294400,3\n\
             b,/x,1709294400,3\n",
        );
        assert_eq!((r.layout.series, &r.keys.more), (Some(0), &vec![1]));
        // A text column that changes over a single series' time is not a label.
        let r = roles("time,status,value\n1709294400,ok,1\n1709298000,warn,2\n");
        assert_eq!(r.layout.series, None);
        assert_eq!(r.hint, ["status"]);
        // ... unless it is named as labels are.
        let r = roles("time,pod,value\n1709294400,a,1\n1709298000,a,2\n");
        assert_eq!(r.layout.series, Some(1));
    }

    #[test]
    fn an_index_is_dropped() {
        let r = roles("\"\",\"time\",\"x\"\n\"1\",1973,1\n\"2\",1974,2\n");
        assert_eq!(
            (r.layout.values.clone(), r.layout.fixed_names.clone()),
            (vec![2], vec!["x".to_string()])
        );
        assert_eq!(r.time, TimeKind::DecimalYears { per_year: 1 });
        let r = roles("index,time,x\n5,1973,1\n6,1974,2\n");
        assert_eq!(r.layout.values, vec![0, 2]);
        // A slice of a longer export: wherever it starts, from three rows on.
        let r = roles("index,time,x\n5,1973,1\n6,1974,2\n7,1975,2\n");
        assert_eq!(r.layout.values, vec![2]);
    }

    #[test]
    fn columns_of_neither_numbers_nor_times_are_dropped() {
        let r = roles("time,a,day,flag\n1709294400,1,2024-03-01,TRUE\n1709298000,,2024-03-01,\n");
        assert_eq!(r.layout.values, vec![1]);
        assert!(
            r.notes[0].starts_with("columns day, flag hold neither"),
            "{:?}",
            r.notes
        );
        // With nothing else left, the column stays (and fails with its field).
        let r = roles("time,flag\n1709294400,TRUE\n");
        assert_eq!(r.layout.values, vec![1]);
    }
}
