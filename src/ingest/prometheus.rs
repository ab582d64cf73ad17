//! The Prometheus HTTP API's JSON replies: `query_range` (`resultType` `matrix`)
//! and `query` (`vector`, `scalar`).
//!
//! Each series is named by its label set in Prometheus' own notation,
//! `go_goroutines{instance="host:9090",job="prometheus"}`, and keeps its labels
//! (`__name__` included) on the [`Series`]. Sample values are strings: `NaN` is a
//! missing value; `+Inf` and `-Inf` (which `histogram_quantile` and divisions by
//! zero produce) cannot be modelled and are dropped with a note. A bad sample fails
//! its series alone; an error reply (`"status":"error"`) fails the whole input with
//! Prometheus' own message.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::json_value::{error_at, number, show};
use super::{Ingested, Note};
use crate::error::{Error, Result};
use crate::series::Series;

/// Read a parsed Prometheus reply (or a bare result list, as `promtool` prints).
pub(crate) fn read(file: &str, stem: &str, reply: &Value) -> Result<Ingested> {
    let raw = read_raw(file, stem, reply)?;
    if raw.items.is_empty() {
        return Err(error_at(
            file,
            &raw.place,
            "the reply holds no series (the query matched nothing in its time range)",
        ));
    }
    let mut ingested = Ingested {
        notes: raw.notes,
        ..Ingested::default()
    };
    for (name, outcome) in raw.items {
        match outcome.and_then(|r| r.finish(file)) {
            Ok((series, notes)) => {
                ingested.series.push(series);
                ingested.notes.extend(notes);
            }
            Err(e) => ingested.failed.push((name, e)),
        }
    }
    Ok(ingested)
}

/// One reply before its series are made: each item's name with its samples or
/// why they could not be read, and the reply's warnings. The live reader joins
/// these over several replies before finishing the series, so a series split
/// over requests is read exactly as the same series in one exported reply.
pub(crate) struct RawReply {
    /// Where the result list is, for messages (`data.result`).
    pub place: String,
    /// Each series' name and its samples, or the error that fails it.
    pub items: Vec<(String, Result<RawSeries>)>,
    /// Prometheus' warnings and infos.
    pub notes: Vec<Note>,
}

/// The samples of one series as read, before the series is made.
pub(crate) struct RawSeries {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// Where the samples are, for messages (`data.result[2].values`).
    pub place: String,
    pub timestamps: Vec<DateTime<Utc>>,
    pub values: Vec<f64>,
    /// Infinite samples left out, and the time of the first.
    pub infinite: usize,
    pub first_infinite: Option<DateTime<Utc>>,
}

impl RawSeries {
    /// The series with its labels and the note on infinite samples dropped; no
    /// finite sample at all fails it.
    pub fn finish(self, file: &str) -> Result<(Series, Vec<Note>)> {
        let mut notes = Vec::new();
        if let Some(first) = self.first_infinite {
            notes.push(Note::new(
                Some(&self.name),
                self.infinite,
                format!(
                    "{} infinite sample(s) (+Inf/-Inf) dropped, the first at {}",
                    self.infinite,
                    first.format("%Y-%m-%dT%H:%M:%S%.3fZ")
                ),
            ));
        }
        let series = Series::new(self.name.as_str(), self.timestamps, self.values)
            .map_err(|e| named(e, &self.name))?;
        if series.is_empty() {
            return Err(named(
                error_at(file, &self.place, "no finite samples"),
                &self.name,
            ));
        }
        Ok((series.with_labels(self.labels), notes))
    }

    /// Append the samples of the same series from a later reply, leaving out the
    /// timestamps already held (replies that overlap repeat them) (live reads).
    #[cfg(feature = "live")]
    pub fn extend(&mut self, later: RawSeries) {
        let last = self.timestamps.last().copied();
        for (t, v) in later.timestamps.into_iter().zip(later.values) {
            if last.is_none_or(|last| t > last) {
                self.timestamps.push(t);
                self.values.push(v);
            }
        }
        if let Some(t) = later.first_infinite {
            if last.is_none_or(|last| t > last) {
                self.infinite += later.infinite;
                self.first_infinite.get_or_insert(t);
            }
        }
    }
}

/// Add the series name to a reader's error, as every per-series message has it.
fn named(e: Error, name: &str) -> Error {
    match e {
        Error::Format { file, message } => Error::Format {
            file,
            message: format!("{message} (series {name})"),
        },
        other => other,
    }
}

/// Read a reply's status, warnings and samples; an empty result is not an error
/// here (a live read may find a series in some of its requests only).
pub(crate) fn read_raw(file: &str, stem: &str, reply: &Value) -> Result<RawReply> {
    let mut notes = Vec::new();
    let mut items = Vec::new();
    let (result_type, result, place) = match reply {
        Value::Array(_) => ("matrix", reply, "result".to_string()),
        Value::Object(top) => {
            check_status(file, top)?;
            // Prometheus 3 adds `infos` beside `warnings`.
            for (key, verb) in [("warnings", "warns"), ("infos", "notes")] {
                for item in top.get(key).and_then(Value::as_array).into_iter().flatten() {
                    let text = item.as_str().map_or_else(|| show(item), str::to_string);
                    notes.push(Note::new(None, 0, format!("Prometheus {verb}: {text}")));
                }
            }
            let data = top
                .get("data")
                .and_then(Value::as_object)
                .ok_or_else(|| error_at(file, "data", "missing; not a Prometheus reply"))?;
            let result_type = data
                .get("resultType")
                .and_then(Value::as_str)
                .ok_or_else(|| error_at(file, "data.resultType", "missing"))?;
            let result = data
                .get("result")
                .ok_or_else(|| error_at(file, "data.result", "missing"))?;
            (result_type, result, "data.result".to_string())
        }
        _ => return Err(error_at(file, "(top level)", "not a Prometheus reply")),
    };
    match result_type {
        "matrix" | "vector" => {
            let list = result.as_array().ok_or_else(|| {
                error_at(
                    file,
                    &place,
                    format!("expected a list, found {}", show(result)),
                )
            })?;
            for (i, item) in list.iter().enumerate() {
                let at = format!("{place}[{i}]");
                items.push(read_series(file, stem, &at, item, result_type));
            }
        }
        "scalar" => {
            let raw = samples(file, &place, stem, std::slice::from_ref(result))?;
            items.push((stem.to_string(), Ok(raw)));
        }
        other => {
            return Err(error_at(
                file,
                "data.resultType",
                format!("'{other}' results hold no numbers; expected matrix, vector or scalar"),
            ))
        }
    }
    Ok(RawReply {
        place,
        items,
        notes,
    })
}

/// An error reply becomes the error of the whole input.
fn check_status(file: &str, top: &Map<String, Value>) -> Result<()> {
    match top.get("status").and_then(Value::as_str) {
        Some("success") | None => Ok(()),
        Some(status) => {
            let kind = top
                .get("errorType")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            let message = top
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("(no message)");
            Err(Error::Format {
                file: file.to_string(),
                message: format!(
                    "status: Prometheus replied with status '{status}' ({kind}): {message}"
                ),
            })
        }
    }
}

/// One series of a matrix or vector: its name (for the failure list) and its
/// samples, or why they could not be read.
fn read_series(
    file: &str,
    stem: &str,
    at: &str,
    item: &Value,
    result_type: &str,
) -> (String, Result<RawSeries>) {
    let labels = match labels(file, at, item) {
        Ok(labels) => labels,
        Err(e) => return (at.to_string(), Err(e)),
    };
    let name = series_name(&labels, stem);
    let outcome = (|| {
        let (key, list) = if result_type == "matrix" {
            let values = item.get("values").or_else(|| item.get("histograms"));
            let list = values
                .and_then(Value::as_array)
                .ok_or_else(|| error_at(file, &format!("{at}.values"), "missing or not a list"))?;
            if item.get("values").is_none() {
                return Err(error_at(
                    file,
                    &format!("{at}.histograms"),
                    "native histogram samples are not read; query a quantile or a rate",
                ));
            }
            ("values", list.as_slice())
        } else {
            let value = item
                .get("value")
                .ok_or_else(|| error_at(file, &format!("{at}.value"), "missing"))?;
            ("value", std::slice::from_ref(value))
        };
        let raw = samples(file, &format!("{at}.{key}"), &name, list)?;
        Ok(RawSeries { labels, ..raw })
    })();
    let outcome = outcome.map_err(|e| named(e, &name));
    (name, outcome)
}

/// The label set of a series.
fn labels(file: &str, at: &str, item: &Value) -> Result<BTreeMap<String, String>> {
    let metric = item
        .get("metric")
        .and_then(Value::as_object)
        .ok_or_else(|| error_at(file, &format!("{at}.metric"), "missing or not an object"))?;
    metric
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(s) => Ok((k.clone(), s.to_string())),
            None => Err(error_at(
                file,
                &format!("{at}.metric.{k}"),
                format!("a label value must be a string, found {}", show(v)),
            )),
        })
        .collect()
}

/// `name{k="v",...}` as Prometheus writes a series; the file stem for the empty
/// label set (an aggregate such as `sum(rate(x[5m]))`).
pub(crate) fn series_name(labels: &BTreeMap<String, String>, stem: &str) -> String {
    let metric = labels.get("__name__").map_or("", String::as_str);
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    match (metric.is_empty(), pairs.is_empty()) {
        (true, true) => stem.to_string(),
        (false, true) => metric.to_string(),
        _ => format!("{metric}{{{}}}", pairs.join(",")),
    }
}

/// A label value escaped as in the exposition format.
pub(crate) fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Samples `[unix_seconds, "value"]`; infinite values are left out and counted.
fn samples(file: &str, at: &str, name: &str, list: &[Value]) -> Result<RawSeries> {
    let mut timestamps = Vec::with_capacity(list.len());
    let mut values = Vec::with_capacity(list.len());
    let mut infinite = 0;
    let mut first_infinite = None;
    for (j, sample) in list.iter().enumerate() {
        let place = || format!("{at}[{j}]");
        let pair = sample.as_array().filter(|p| p.len() == 2).ok_or_else(|| {
            error_at(
                file,
                &place(),
                format!("expected [timestamp, \"value\"], found {}", show(sample)),
            )
        })?;
        let t = sample_time(&pair[0]).ok_or_else(|| {
            error_at(
                file,
                &place(),
                format!("cannot read {} as Unix seconds", show(&pair[0])),
            )
        })?;
        let v = match number(&pair[1]) {
            Some(Ok(v)) => v,
            Some(Err(m)) => return Err(error_at(file, &place(), m)),
            None => {
                return Err(error_at(
                    file,
                    &place(),
                    format!("cannot read {} as a number", show(&pair[1])),
                ))
            }
        };
        if v.is_infinite() {
            infinite += 1;
            first_infinite.get_or_insert(t);
            continue;
        }
        timestamps.push(t);
        values.push(v);
    }
    Ok(RawSeries {
        name: name.to_string(),
        labels: BTreeMap::new(),
        place: at.to_string(),
        timestamps,
        values,
        infinite,
        first_infinite,
    })
}

/// A sample time: Unix seconds with up to millisecond precision, as a number or
/// (some proxies) a string.
fn sample_time(v: &Value) -> Option<DateTime<Utc>> {
    let seconds = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if !seconds.is_finite() {
        return None;
    }
    DateTime::from_timestamp_millis((seconds * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::json_value::parse;

    fn read_text(text: &str) -> Result<Ingested> {
        read("r.json", "r", &parse("r.json", text)?)
    }

    #[test]
    fn matrix_with_labels_nan_and_inf() {
        let r = read_text(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"up","job":"a\"b"},"values":[[1600000000.5,"1"],[1600000010.5,"NaN"],[1600000020.5,"+Inf"]]},
              {"metric":{"job":"x"},"values":[[1600000000,"2"],[1600000010,"oops"]]}
            ]}}"#,
        )
        .unwrap();
        assert_eq!(r.series.len(), 1);
        let s = &r.series[0];
        assert_eq!(s.name(), r#"up{job="a\"b"}"#);
        assert_eq!(s.labels()["job"], "a\"b");
        assert_eq!(s.len(), 2);
        assert!(s.values()[1].is_nan());
        assert_eq!(s.timestamps()[0].timestamp_millis(), 1_600_000_000_500);
        assert_eq!(r.notes[0].dropped, 1);
        assert_eq!(r.failed[0].0, r#"{job="x"}"#);
        assert_eq!(
            r.failed[0].1.to_string(),
            "r.json: data.result[1].values[1]: cannot read 'oops' as a number (series {job=\"x\"})"
        );
    }

    #[test]
    fn vector_scalar_and_errors() {
        let r = read_text(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1600000000,"3.5"]}]}}"#,
        )
        .unwrap();
        assert_eq!(r.series[0].name(), "r");
        assert_eq!(r.series[0].values(), &[3.5]);
        let r = read_text(
            r#"{"status":"success","data":{"resultType":"scalar","result":[1600000000,"7"]}}"#,
        )
        .unwrap();
        assert_eq!(r.series[0].values(), &[7.0]);
        let err = read_text(
            r#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "r.json: status: Prometheus replied with status 'error' (bad_data): parse error at char 5"
        );
        let err = read_text(r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no series"), "{err}");
    }
}
