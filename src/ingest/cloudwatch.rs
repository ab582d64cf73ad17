//! AWS CloudWatch JSON, as the AWS CLI prints it.
//!
//! - `get-metric-statistics`: `{"Label": ..., "Datapoints": [{"Timestamp",
//!   "Average", "Maximum", ..., "ExtendedStatistics": {"p95": ...}, "Unit"}]}`. The
//!   datapoints come in no particular order. One statistic is read
//!   ([`ReadOptions::statistic`]): `Average` by default; when the reply holds a
//!   single other statistic (a request for `Maximum` only), that one, with a note.
//!   The series is named by `Label` and labelled with the statistic and unit.
//! - `get-metric-data`: `{"MetricDataResults": [{"Id", "Label", "Timestamps",
//!   "Values", "StatusCode"}]}`, one series per result (the statistic is part of
//!   each query). A result with `StatusCode` `PartialData` is kept with a note
//!   (more pages follow behind `NextToken`); `InternalError` or `Forbidden` fails
//!   that series alone.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::json_value::{error_at, number, show};
use super::{parse_timestamp, Ingested, Note, ReadOptions};
use crate::error::{Error, Result};
use crate::series::Series;

/// The plain statistics of `get-metric-statistics`.
const STATISTICS: [&str; 5] = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];

/// The statistic read when none is asked for.
const DEFAULT_STATISTIC: &str = "Average";

/// Read a parsed CloudWatch reply.
pub(crate) fn read(
    file: &str,
    stem: &str,
    reply: &Value,
    options: &ReadOptions,
) -> Result<Ingested> {
    let top = reply.as_object().ok_or_else(|| {
        error_at(
            file,
            "(top level)",
            "not a CloudWatch reply (not an object)",
        )
    })?;
    if let Some(points) = top.get("Datapoints") {
        return metric_statistics(file, stem, top, points, options);
    }
    if let Some(results) = top.get("MetricDataResults") {
        return metric_data(file, top, results, options);
    }
    Err(error_at(
        file,
        "(top level)",
        "neither Datapoints (get-metric-statistics) nor MetricDataResults (get-metric-data)",
    ))
}

/// `get-metric-statistics`: one series.
fn metric_statistics(
    file: &str,
    stem: &str,
    top: &Map<String, Value>,
    points: &Value,
    options: &ReadOptions,
) -> Result<Ingested> {
    let points = points
        .as_array()
        .ok_or_else(|| error_at(file, "Datapoints", format!("not a list: {}", show(points))))?;
    if points.is_empty() {
        return Err(error_at(
            file,
            "Datapoints",
            "the reply holds no datapoints (check the metric name, dimensions, period \
             and time range of the query)",
        ));
    }
    let name = top
        .get("Label")
        .and_then(Value::as_str)
        .filter(|l| !l.trim().is_empty())
        .unwrap_or(stem)
        .to_string();
    let mut ingested = Ingested::default();
    let present = statistics_present(points);
    let statistic = match choose_statistic(file, &present, options.statistic.as_deref()) {
        Ok((statistic, note)) => {
            if let Some(note) = note {
                ingested.notes.push(Note::new(Some(&name), 0, note));
            }
            statistic
        }
        Err(e) => {
            ingested.failed.push((name, e));
            return Ok(ingested);
        }
    };
    let mut timestamps = Vec::with_capacity(points.len());
    let mut values = Vec::with_capacity(points.len());
    let mut units = BTreeSet::new();
    let mut lacking = 0;
    for (i, point) in points.iter().enumerate() {
        let at = format!("Datapoints[{i}]");
        let outcome = (|| {
            let t = point
                .get("Timestamp")
                .ok_or_else(|| error_at(file, &at, "no Timestamp"))
                .and_then(|t| timestamp(file, &format!("{at}.Timestamp"), t))?;
            let Some(raw) = statistic_value(point, &statistic) else {
                return Ok(None);
            };
            let v = match number(raw) {
                Some(Ok(v)) if v.is_finite() || v.is_nan() => v,
                Some(Err(m)) => return Err(error_at(file, &format!("{at}.{statistic}"), m)),
                _ => {
                    return Err(error_at(
                        file,
                        &format!("{at}.{statistic}"),
                        format!("not a finite number: {}", show(raw)),
                    ))
                }
            };
            Ok(Some((t, v)))
        })();
        match outcome {
            Ok(Some((t, v))) => {
                timestamps.push(t);
                values.push(v);
                if let Some(unit) = point.get("Unit").and_then(Value::as_str) {
                    units.insert(unit.to_string());
                }
            }
            Ok(None) => lacking += 1,
            Err(e) => {
                ingested.failed.push((name, e));
                return Ok(ingested);
            }
        }
    }
    if lacking > 0 {
        ingested.notes.push(Note::new(
            Some(&name),
            lacking,
            format!("{lacking} datapoint(s) without {statistic} dropped"),
        ));
    }
    let mut labels = BTreeMap::from([("statistic".to_string(), statistic.clone())]);
    if !units.is_empty() {
        labels.insert(
            "unit".to_string(),
            units.into_iter().collect::<Vec<_>>().join("|"),
        );
    }
    let series = Series::new(name.clone(), timestamps, values).map(|s| s.with_labels(labels));
    ingested.push(series, &name);
    Ok(ingested)
}

/// Every statistic some datapoint carries, extended ones included, in a stable
/// order (plain ones first).
fn statistics_present(points: &[Value]) -> Vec<String> {
    let mut plain = BTreeSet::new();
    let mut extended = BTreeSet::new();
    for p in points {
        for s in STATISTICS {
            if p.get(s).is_some() {
                plain.insert(s);
            }
        }
        if let Some(ext) = p.get("ExtendedStatistics").and_then(Value::as_object) {
            extended.extend(ext.keys().cloned());
        }
    }
    STATISTICS
        .iter()
        .filter(|s| plain.contains(*s))
        .map(|s| s.to_string())
        .chain(extended)
        .collect()
}

/// The statistic to read, and a note when it was chosen for the user.
fn choose_statistic(
    file: &str,
    present: &[String],
    asked: Option<&str>,
) -> Result<(String, Option<String>)> {
    let listing = || present.join(", ");
    match asked {
        Some(asked) => present
            .iter()
            .find(|p| p.eq_ignore_ascii_case(asked.trim()))
            .map(|p| (p.clone(), None))
            .ok_or_else(|| {
                error_at(
                    file,
                    "Datapoints",
                    format!("no datapoint holds the statistic {asked}; the reply holds {}", listing()),
                )
            }),
        None if present.iter().any(|p| p == DEFAULT_STATISTIC) => {
            Ok((DEFAULT_STATISTIC.to_string(), None))
        }
        None if present.len() == 1 => Ok((
            present[0].clone(),
            Some(format!(
                "the reply holds no {DEFAULT_STATISTIC}, only {}; reading {} (choose with --statistic)",
                present[0], present[0]
            )),
        )),
        None if present.is_empty() => Err(error_at(
            file,
            "Datapoints",
            "the datapoints hold no statistic (Average, Sum, Minimum, Maximum, SampleCount \
             or ExtendedStatistics)",
        )),
        None => Err(error_at(
            file,
            "Datapoints",
            format!(
                "the reply holds {} but no {DEFAULT_STATISTIC}; choose one with --statistic",
                listing()
            ),
        )),
    }
}

/// The value of `statistic` in one datapoint, plain or extended.
fn statistic_value<'a>(point: &'a Value, statistic: &str) -> Option<&'a Value> {
    point.get(statistic).or_else(|| {
        point
            .get("ExtendedStatistics")
            .and_then(|e| e.get(statistic))
    })
}

/// A CloudWatch timestamp: ISO 8601 text (the CLI), or Unix seconds (some SDKs).
fn timestamp(file: &str, at: &str, value: &Value) -> Result<DateTime<Utc>> {
    match value {
        Value::String(s) => parse_timestamp(s).map_err(|m| error_at(file, at, m)),
        Value::Number(n) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .and_then(|x| DateTime::from_timestamp_millis((x * 1000.0).round() as i64))
            .ok_or_else(|| error_at(file, at, format!("cannot read {n} as Unix seconds"))),
        other => Err(error_at(
            file,
            at,
            format!("cannot read {} as a timestamp", show(other)),
        )),
    }
}

/// `get-metric-data`: one series per result.
fn metric_data(
    file: &str,
    top: &Map<String, Value>,
    results: &Value,
    options: &ReadOptions,
) -> Result<Ingested> {
    let results = results.as_array().ok_or_else(|| {
        error_at(
            file,
            "MetricDataResults",
            format!("not a list: {}", show(results)),
        )
    })?;
    if results.is_empty() {
        return Err(error_at(
            file,
            "MetricDataResults",
            "the reply holds no results (check the metric data queries)",
        ));
    }
    let mut ingested = Ingested::default();
    if let Some(asked) = &options.statistic {
        ingested.notes.push(Note::new(
            None,
            0,
            format!(
                "--statistic {asked} does not apply to get-metric-data, whose queries name \
                 their statistic; every result is read"
            ),
        ));
    }
    if top.get("NextToken").and_then(Value::as_str).is_some() {
        ingested.notes.push(Note::new(
            None,
            0,
            "the reply has a NextToken: more datapoints exist than this page holds",
        ));
    }
    for (i, result) in results.iter().enumerate() {
        let at = format!("MetricDataResults[{i}]");
        let text = |key: &str| result.get(key).and_then(Value::as_str).map(str::to_string);
        let name = text("Label")
            .filter(|l| !l.trim().is_empty())
            .or_else(|| text("Id"))
            .unwrap_or_else(|| at.clone());
        match data_result(file, &at, &name, result) {
            Ok((series, notes)) => {
                ingested.series.push(series);
                ingested.notes.extend(notes);
            }
            Err(e) => ingested.failed.push((name, e)),
        }
    }
    Ok(ingested)
}

/// One `MetricDataResults` entry.
fn data_result(file: &str, at: &str, name: &str, result: &Value) -> Result<(Series, Vec<Note>)> {
    let status = result
        .get("StatusCode")
        .and_then(Value::as_str)
        .unwrap_or("Complete");
    let messages = || {
        result
            .get("Messages")
            .and_then(Value::as_array)
            .map(|m| m.iter().map(show).collect::<Vec<_>>().join("; "))
            .unwrap_or_default()
    };
    let mut notes = Vec::new();
    match status {
        "Complete" => {}
        "PartialData" => notes.push(Note::new(
            Some(name),
            0,
            "StatusCode PartialData: more datapoints exist than this page holds",
        )),
        other => {
            return Err(error_at(
                file,
                &format!("{at}.StatusCode"),
                format!("{other} {}", messages()),
            ))
        }
    }
    let list = |key: &str| -> Result<&Vec<Value>> {
        result
            .get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| error_at(file, &format!("{at}.{key}"), "missing or not a list"))
    };
    let (times, values) = (list("Timestamps")?, list("Values")?);
    if times.len() != values.len() {
        return Err(error_at(
            file,
            at,
            format!("{} Timestamps but {} Values", times.len(), values.len()),
        ));
    }
    if times.is_empty() {
        return Err(error_at(file, at, "no datapoints"));
    }
    let mut ts = Vec::with_capacity(times.len());
    let mut vs = Vec::with_capacity(values.len());
    for (j, (t, v)) in times.iter().zip(values).enumerate() {
        ts.push(timestamp(file, &format!("{at}.Timestamps[{j}]"), t)?);
        vs.push(match number(v) {
            Some(Ok(v)) if !v.is_infinite() => v,
            Some(Err(m)) => return Err(error_at(file, &format!("{at}.Values[{j}]"), m)),
            _ => {
                return Err(error_at(
                    file,
                    &format!("{at}.Values[{j}]"),
                    format!("not a finite number: {}", show(v)),
                ))
            }
        });
    }
    let mut labels = BTreeMap::new();
    for key in ["Id", "Label"] {
        if let Some(v) = result.get(key).and_then(Value::as_str) {
            labels.insert(key.to_ascii_lowercase(), v.to_string());
        }
    }
    let series = Series::new(name, ts, vs).map_err(|e| match e {
        Error::Series { message, .. } => error_at(file, at, message),
        other => other,
    })?;
    Ok((series.with_labels(labels), notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::json_value::parse;

    fn read_text(text: &str, statistic: Option<&str>) -> Result<Ingested> {
        let options = ReadOptions {
            statistic: statistic.map(str::to_string),
            ..Default::default()
        };
        read("c.json", "c", &parse("c.json", text)?, &options)
    }

    const STATS: &str = r#"{"Label":"CPUUtilization","Datapoints":[
        {"Timestamp":"2024-01-01T01:00:00Z","Average":2.5,"Maximum":9,"Unit":"Percent"},
        {"Timestamp":"2024-01-01T00:00:00Z","Average":1.5,"Maximum":4,"Unit":"Percent",
         "ExtendedStatistics":{"p95":3.25}}]}"#;

    #[test]
    fn statistics_default_chosen_and_extended() {
        let r = read_text(STATS, None).unwrap();
        let s = &r.series[0];
        assert_eq!(s.name(), "CPUUtilization");
        assert_eq!(s.values(), &[2.5, 1.5]);
        assert_eq!(s.labels()["statistic"], "Average");
        assert_eq!(s.labels()["unit"], "Percent");
        let r = read_text(STATS, Some("maximum")).unwrap();
        assert_eq!(r.series[0].values(), &[9.0, 4.0]);
        let r = read_text(STATS, Some("p95")).unwrap();
        assert_eq!(r.series[0].values(), &[3.25]);
        assert_eq!(r.notes[0].dropped, 1);
        let r = read_text(STATS, Some("Sum")).unwrap();
        let err = r.failed[0].1.to_string();
        assert!(err.contains("holds Average, Maximum, p95"), "{err}");
    }

    #[test]
    fn empty_and_mixed_replies() {
        let err = read_text(r#"{"Label":"x","Datapoints":[]}"#, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.json: Datapoints: the reply holds no datapoints"),
            "{err}"
        );
        let r = read_text(
            r#"{"MetricDataResults":[
              {"Id":"a","Label":"cpu","Timestamps":["2024-01-01T00:05:00Z","2024-01-01T00:00:00Z"],"Values":[2,1],"StatusCode":"Complete"},
              {"Id":"b","Label":"mem","Timestamps":[],"Values":[],"StatusCode":"InternalError","Messages":[{"Code":"X","Value":"boom"}]},
              {"Id":"c","Label":"net","Timestamps":["2024-01-01T00:00:00Z"],"Values":[5],"StatusCode":"PartialData"}
            ],"NextToken":"abc"}"#,
            None,
        )
        .unwrap();
        assert_eq!(r.series.len(), 2);
        assert_eq!(r.series[0].values(), &[2.0, 1.0]);
        assert_eq!(r.failed[0].0, "mem");
        assert!(r.failed[0]
            .1
            .to_string()
            .contains("MetricDataResults[1].StatusCode: InternalError"));
        assert_eq!(r.notes.len(), 2);
    }
}
