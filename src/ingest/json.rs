//! JSON replies: telling Prometheus from CloudWatch and handing the parsed reply
//! to its reader.

use serde_json::Value;

use super::json_value::parse;
use super::{cloudwatch, prometheus, Format, Ingested, ReadOptions};
use crate::error::{Error, Result};

/// Guess the JSON format from the start of the text (the keys of a reply come
/// early; the readers check again on the parsed value).
pub(crate) fn detect(start: &str) -> Format {
    let has = |key: &str| start.contains(&format!("\"{key}\""));
    if has("Datapoints") || has("MetricDataResults") {
        Format::Cloudwatch
    } else if has("resultType") || has("status") || has("metric") {
        Format::Prometheus
    } else {
        Format::Cloudwatch
    }
}

/// Parse and read a JSON reply; `forced` is the format the user asked for.
pub(crate) fn read(
    file: &str,
    stem: &str,
    text: &str,
    options: &ReadOptions,
    forced: Option<Format>,
) -> Result<Ingested> {
    let value = parse(file, text)?;
    let format = match forced {
        Some(f) => f,
        None => kind(file, &value)?,
    };
    match format {
        Format::Prometheus => prometheus::read(file, stem, &value),
        Format::Cloudwatch => cloudwatch::read(file, stem, &value, options),
        other => Err(Error::Format {
            file: file.to_string(),
            message: format!("this is JSON, not {other}"),
        }),
    }
}

/// Which reply this is, from its top-level keys.
fn kind(file: &str, value: &Value) -> Result<Format> {
    match value {
        Value::Object(map) => {
            if map.contains_key("Datapoints") || map.contains_key("MetricDataResults") {
                Ok(Format::Cloudwatch)
            } else if map.contains_key("status") || map.contains_key("data") {
                Ok(Format::Prometheus)
            } else {
                let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
                Err(Error::Format {
                    file: file.to_string(),
                    message: format!(
                        "JSON that is neither a Prometheus reply (status, data) nor a \
                         CloudWatch one (Datapoints, MetricDataResults); its keys are {}",
                        keys.join(", ")
                    ),
                })
            }
        }
        // `promtool query range -o json` prints the result list alone.
        Value::Array(_) => Ok(Format::Prometheus),
        _ => Err(Error::Format {
            file: file.to_string(),
            message: "JSON that is not an object; expected a Prometheus or CloudWatch reply"
                .to_string(),
        }),
    }
}
