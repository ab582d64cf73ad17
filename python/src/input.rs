//! DataFrame columns, as the Python side hands them over, to the crate's series.
//!
//! Python picks the columns with [`layout`] (the crate's CSV layout rules, so a
//! frame is read as the same table written to CSV would be) and sends each as
//! raw little-endian bytes or a list of strings. Timestamps are read by the crate
//! (as a CSV's time column, [`TimeKind`]), values by [`parse_value`] when
//! they come as text, and every series is checked by [`Series::new`]; the
//! counter-rate and resampling steps are the crate's [`Hygiene`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use headroom::ingest::timecol::TimeKind;
use headroom::ingest::{
    duplicates, parse_value, resolve_layout, Duplicates, Layout, ReadOptions, SAMPLE_ROWS,
};
use headroom::pipeline::{failure_message, for_each_series, regularise_options};
use headroom::resample::{parse_step, Aggregation, Hygiene};
use headroom::{Error, GapPolicy, RegulariseOptions, Series};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{guarded, to_py};

/// The name errors give as the file of a DataFrame.
pub const FRAME: &str = "DataFrame";

/// A lone series is named after its value column; the crate's layout names it
/// after a file stem, so this stands in for the stem until the column is known.
const STEM: &str = "\u{0}";

/// Which columns hold time, series names and values:
/// Column positions `(time, series, values, fixed_names)`.
type LayoutTuple = (usize, Option<usize>, Vec<usize>, Vec<String>);

/// `(time, series, values, fixed_names)` as the crate's CSV reader decides them.
#[pyfunction]
#[pyo3(signature = (header, time_column=None, series_column=None, value_columns=Vec::new()))]
pub fn layout(
    header: Vec<String>,
    time_column: Option<String>,
    series_column: Option<String>,
    value_columns: Vec<String>,
) -> PyResult<LayoutTuple> {
    let options = ReadOptions {
        time_column,
        series_column,
        value_columns,
        ..Default::default()
    };
    let mut l = resolve_layout(FRAME, STEM, &header, &options, None).map_err(to_py)?;
    if let (None, [v]) = (l.series, l.values.as_slice()) {
        if l.fixed_names[0] == STEM {
            l.fixed_names[0] = header[*v].trim().to_string();
        }
    }
    Ok((l.time, l.series, l.values, l.fixed_names))
}

/// Timestamps as they come from the frame.
enum Times {
    /// Integers of `per_second` units since the epoch; `i64::MIN` is null (NaT).
    Epoch { ticks: Vec<i64>, per_second: i64 },
    /// Text, integers or floats (as text; `None` is null), read as a CSV's time
    /// column is: [`TimeKind::detect`] decides from the whole column whether its
    /// numbers are decimal years or plausible epoch seconds, never 1970.
    Read {
        text: Vec<Option<String>>,
        kind: TimeKind,
    },
}

impl Times {
    fn read(kind: &str, data: &Bound<'_, PyAny>, per_second: i64, name: &str) -> PyResult<Times> {
        let text: Vec<Option<String>> = match kind {
            "datetime" => {
                return Ok(Times::Epoch {
                    ticks: i64s(data)?,
                    per_second,
                })
            }
            "str" => data.extract()?,
            "int" => i64s(data)?.iter().map(|t| Some(t.to_string())).collect(),
            "float" => f64s(data)?
                .iter()
                .map(|t| t.is_finite().then(|| t.to_string()))
                .collect(),
            other => return Err(to_py(Error::invalid(format!("unknown time kind {other}")))),
        };
        let sample = text.iter().flatten().take(SAMPLE_ROWS).map(String::as_str);
        let kind = TimeKind::detect(name, sample).map_err(|message| {
            to_py(Error::Format {
                file: FRAME.to_string(),
                message,
            })
        })?;
        Ok(Times::Read { text, kind })
    }

    fn len(&self) -> usize {
        match self {
            Times::Epoch { ticks, .. } => ticks.len(),
            Times::Read { text, .. } => text.len(),
        }
    }

    /// What was read, for a note (decimal years); `None` for plain times.
    fn describe(&self, column: &str) -> Option<String> {
        match self {
            Times::Read { kind, .. } => kind.describe(column),
            Times::Epoch { .. } => None,
        }
    }

    /// The instant of `row`, or what is wrong with it.
    fn at(&self, row: usize) -> Result<DateTime<Utc>, String> {
        let null = || Err("null timestamp".to_string());
        match self {
            Times::Epoch { ticks, per_second } => match ticks[row] {
                i64::MIN => null(),
                t => {
                    let (secs, sub) = (t.div_euclid(*per_second), t.rem_euclid(*per_second));
                    let nanos = sub * (1_000_000_000 / per_second);
                    DateTime::from_timestamp(secs, nanos as u32)
                        .ok_or_else(|| format!("{t} is out of range"))
                }
            },
            Times::Read { text, kind } => text[row].as_deref().map_or_else(null, |t| kind.parse(t)),
        }
    }
}

/// One value column as it comes from the frame.
enum Values {
    /// Numbers; NaN is missing.
    Numbers(Vec<f64>),
    /// Text, read as CSV fields are; null is missing.
    Text(Vec<Option<String>>),
}

impl Values {
    fn read(kind: &str, data: &Bound<'_, PyAny>) -> PyResult<Values> {
        Ok(match kind {
            "float" => Values::Numbers(f64s(data)?),
            "str" => Values::Text(data.extract()?),
            other => return Err(to_py(Error::invalid(format!("unknown value kind {other}")))),
        })
    }

    fn at(&self, row: usize) -> Result<f64, String> {
        match self {
            Values::Numbers(v) => Ok(v[row]),
            Values::Text(v) => v[row].as_deref().map_or(Ok(f64::NAN), parse_value),
        }
    }
}

fn i64s(data: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let bytes = data.cast::<PyBytes>()?.as_bytes();
    Ok(bytes
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().expect("chunks of 8")))
        .collect())
}

fn f64s(data: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let bytes = data.cast::<PyBytes>()?.as_bytes();
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("chunks of 8")))
        .collect())
}

/// Series read from a DataFrame, with the series that failed and what was done,
/// ready for any command.
#[pyclass(frozen, module = "headroom._headroom")]
pub struct Batch {
    pub series: Vec<Series>,
    /// `(series, message)` for each series that could not be read.
    pub failed: Vec<(String, String)>,
    /// What reading changed, one line each (rates, resampling).
    pub notes: Vec<String>,
    pub regularise: RegulariseOptions,
}

/// One series being gathered: its name and the rows of the frame that hold it.
struct Group {
    name: String,
    rows: Vec<usize>,
    column: usize,
}

#[pymethods]
impl Batch {
    /// Read a frame. `layout` is what [`layout`] returned; `time` is
    /// `(kind, data, per_second)`; `series` is `(codes, names)` with codes as
    /// little-endian i64 (-1 for null) into `names`; `values` holds one
    /// `(kind, data)` per value column of the layout.
    #[new]
    #[pyo3(signature = (header, layout, time, series, values, gaps="auto", step=None, agg="mean", rate=false, duplicates="refuse"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        header: Vec<String>,
        layout: (usize, Option<usize>, Vec<usize>, Vec<String>),
        time: (String, Bound<'_, PyAny>, i64),
        series: Option<(Bound<'_, PyBytes>, Vec<String>)>,
        values: Vec<(String, Bound<'_, PyAny>)>,
        gaps: &str,
        step: Option<&str>,
        agg: &str,
        rate: bool,
        duplicates: &str,
    ) -> PyResult<Batch> {
        let gaps: GapPolicy = gaps.parse().map_err(to_py)?;
        let policy: Duplicates = duplicates
            .parse()
            .map_err(|e: Error| to_py(Error::invalid(python_words(&e.to_string()))))?;
        let step = step.map(parse_step).transpose().map_err(to_py)?;
        let aggregation: Aggregation = agg.parse().map_err(to_py)?;
        let (time_index, series_index, value_indexes, fixed_names) = layout;
        let l = Layout {
            time: time_index,
            series: series_index,
            values: value_indexes,
            fixed_names,
        };
        let times = Times::read(&time.0, &time.1, time.2, &header[time_index])?;
        let columns = values
            .iter()
            .map(|(kind, data)| Values::read(kind, data))
            .collect::<PyResult<Vec<_>>>()?;
        let codes = match &series {
            Some((codes, names)) => Some((i64s(codes.as_any())?, names.clone())),
            None => None,
        };
        if times.len() == 0 {
            return Err(to_py(Error::Format {
                file: FRAME.to_string(),
                message: "the DataFrame has no rows".to_string(),
            }));
        }
        if columns.len() != l.values.len() {
            return Err(to_py(Error::invalid("one value column per layout column")));
        }
        let hygiene = Hygiene {
            rate,
            step,
            aggregation,
        };
        // Columns the layout does not use are the likely labels of a series
        // whose rows repeat its timestamps.
        let used = l.used_columns();
        let hint: Vec<String> = (0..header.len())
            .filter(|c| !used.contains(c))
            .map(|c| header[c].clone())
            .collect();
        py.detach(|| {
            let groups = group_rows(&header, &l, times.len(), codes.as_ref())?;
            let read = for_each_series(&groups, |g| {
                guarded(&g.name, || {
                    let s = gather(g, &times, &columns[g.column], &header, &l)?;
                    duplicates::apply(s, policy, &hint)
                })
            });
            let mut batch = Batch {
                series: Vec::with_capacity(groups.len()),
                failed: Vec::new(),
                notes: times.describe(&header[l.time]).into_iter().collect(),
                regularise: regularise_options(gaps, step),
            };
            for (g, r) in groups.iter().zip(read) {
                match r {
                    Ok(s) => batch.series.push(s),
                    Err(e) => batch.fail(&g.name, &e),
                }
            }
            if !hygiene.is_identity() {
                batch.clean(&hygiene);
            }
            Ok(batch)
        })
        .map_err(to_py)
    }

    /// The names of the series read, in the frame's order.
    fn names(&self) -> Vec<String> {
        self.series.iter().map(|s| s.name().to_string()).collect()
    }
}

impl Batch {
    pub fn fail(&mut self, name: &str, error: &Error) {
        let message = python_words(&failure_message(name, error));
        self.failed.push((name.to_string(), message));
    }

    /// Rates and resampling, as the command line's reading does them.
    fn clean(&mut self, hygiene: &Hygiene) {
        let raw = std::mem::take(&mut self.series);
        let results = for_each_series(&raw, |s| guarded(s.name(), || hygiene.apply(s)));
        for (s, r) in raw.iter().zip(results) {
            match r {
                Ok((cleaned, report)) => {
                    self.notes.push(report.to_string());
                    self.series.push(cleaned);
                }
                Err(e) => self.fail(s.name(), &e),
            }
        }
    }
}

/// A reading message with the keyword arguments a Python caller passes instead
/// of the command line's flags.
fn python_words(message: &str) -> String {
    message
        .replace("--series-column ", "series_column=")
        .replace("--series-column", "series_column=")
        .replace(
            "--duplicates mean (or max, last)",
            "duplicates=\"mean\" (or \"max\", \"last\")",
        )
        .replace("--duplicates", "duplicates=")
}

/// The rows of every series, series in order of first appearance (each value
/// column after the other within a series name, as the CSV reader orders them).
fn group_rows(
    header: &[String],
    l: &Layout,
    rows: usize,
    codes: Option<&(Vec<i64>, Vec<String>)>,
) -> Result<Vec<Group>, Error> {
    let Some((codes, names)) = codes else {
        return Ok(l
            .fixed_names
            .iter()
            .enumerate()
            .map(|(column, name)| Group {
                name: name.clone(),
                rows: (0..rows).collect(),
                column,
            })
            .collect());
    };
    let series_name = l.series.map_or("series", |i| header[i].as_str());
    let mut order: Vec<usize> = Vec::new();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (row, &code) in codes.iter().enumerate() {
        let name = usize::try_from(code)
            .ok()
            .filter(|&c| c < names.len() && !names[c].trim().is_empty())
            .ok_or_else(|| Error::Format {
                file: FRAME.to_string(),
                message: format!("row {row}, column {series_name}: empty series name"),
            })?;
        if members[name].is_empty() {
            order.push(name);
        }
        members[name].push(row);
    }
    let mut groups = Vec::with_capacity(order.len() * l.values.len());
    for code in order {
        let rows = std::mem::take(&mut members[code]);
        let group = names[code].trim();
        for column in 0..l.values.len() {
            groups.push(Group {
                name: l.grouped_name(group, column, header),
                rows: rows.clone(),
                column,
            });
        }
    }
    Ok(groups)
}

/// The series of one group; the first bad row fails it.
fn gather(
    g: &Group,
    times: &Times,
    values: &Values,
    header: &[String],
    l: &Layout,
) -> Result<Series, Error> {
    let bad = |row: usize, column: usize, message: String| Error::Format {
        file: FRAME.to_string(),
        message: format!("row {row}, column {}: {message}", header[column]),
    };
    let mut ts = Vec::with_capacity(g.rows.len());
    let mut vs = Vec::with_capacity(g.rows.len());
    for &row in &g.rows {
        ts.push(times.at(row).map_err(|m| bad(row, l.time, m))?);
        vs.push(
            values
                .at(row)
                .map_err(|m| bad(row, l.values[g.column], m))?,
        );
    }
    Series::new(g.name.clone(), ts, vs)
}

/// Per-series capacities from a mapping of names to numbers or texts (`500G`).
pub fn capacity_table(table: HashMap<String, String>) -> Result<HashMap<String, f64>, Error> {
    table
        .into_iter()
        .map(|(name, text)| {
            headroom::units::parse_capacity(&text)
                .map(|c| (name.clone(), c))
                .map_err(|e| Error::invalid(format!("capacities: series {name}: {e}")))
        })
        .collect()
}
