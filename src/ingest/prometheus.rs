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

use super::json::{error_at, number, show};
use super::{Ingested, Note};
use crate::error::{Error, Result};
use crate::series::Series;

/// Read a parsed Prometheus reply (or a bare result list, as `promtool` prints).
pub(crate) fn read(file: &str, stem: &str, reply: &Value) -> Result<Ingested> {
    let mut ingested = Ingested::default();
    let (result_type, result, place) = match reply {
        Value::Array(_) => ("matrix", reply, "result".to_string()),
        Value::Object(top) => {
            check_status(file, top)?;
            for warning in top
                .get("warnings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let text = warning
                    .as_str()
                    .map_or_else(|| show(warning), str::to_string);
                ingested
                    .notes
                    .push(Note::new(None, 0, format!("Prometheus warns: {text}")));
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
            if list.is_empty() {
                return Err(error_at(
                    file,
                    &place,
                    "the reply holds no series (the query matched nothing in its time range)",
                ));
            }
            for (i, item) in list.iter().enumerate() {
                let at = format!("{place}[{i}]");
                let (name, outcome) = read_series(file, stem, &at, item, result_type);
                match outcome {
                    Ok((series, notes)) => {
                        ingested.series.push(series);
                        ingested.notes.extend(notes);
                    }
                    Err(e) => ingested.failed.push((name, e)),
                }
            }
        }
        "scalar" => {
            let (series, notes) = samples(file, &place, stem, std::slice::from_ref(result))?;
            ingested.series.push(series);
            ingested.notes.extend(notes);
        }
        other => {
            return Err(error_at(
                file,
                "data.resultType",
                format!("'{other}' results hold no numbers; expected matrix, vector or scalar"),
            ))
        }
    }
    Ok(ingested)
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

/// One series of a matrix or vector: its name (for the failure list) and the
/// series with its notes, or why it failed.
fn read_series(
    file: &str,
    stem: &str,
    at: &str,
    item: &Value,
    result_type: &str,
) -> (String, Result<(Series, Vec<Note>)>) {
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
        let (series, notes) = samples(file, &format!("{at}.{key}"), &name, list)?;
        Ok((series.with_labels(labels), notes))
    })();
    let outcome = outcome.map_err(|e| match e {
        Error::Format { file, message } => Error::Format {
            file,
            message: format!("{message} (series {name})"),
        },
        other => other,
    });
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
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Samples `[unix_seconds, "value"]` into a series; infinite values are dropped
/// and noted.
fn samples(file: &str, at: &str, name: &str, list: &[Value]) -> Result<(Series, Vec<Note>)> {
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
    let mut notes = Vec::new();
    if let Some(first) = first_infinite {
        notes.push(Note::new(
            Some(name),
            infinite,
            format!(
                "{infinite} infinite sample(s) (+Inf/-Inf) dropped, the first at {}",
                first.format("%Y-%m-%dT%H:%M:%S%.3fZ")
            ),
        ));
    }
    let series = Series::new(name, timestamps, values)?;
    if series.is_empty() {
        return Err(error_at(file, at, "no finite samples"));
    }
    Ok((series, notes))
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
    use crate::ingest::json::parse;

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
