//! JSON values: parsing with a located error, and the small helpers the JSON
//! readers (Prometheus, CloudWatch) share, below both so neither imports the
//! other's dispatcher.

use serde_json::Value;

use crate::error::{Error, Result};

/// Parse JSON; a syntax error or truncation names its line and column.
pub(crate) fn parse(file: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON ends early (is the file truncated?)".to_string()
        } else {
            let message = e.to_string();
            // serde_json appends " at line L column C"; the place is given first.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m)
                .to_string();
            format!("invalid JSON: {message}")
        };
        Error::Format {
            file: file.to_string(),
            message: format!("line {}, column {}: {what}", e.line(), e.column()),
        }
    })
}

/// A located error inside a JSON reply: `place` is a path such as
/// `data.result[2].values[17]`.
pub(crate) fn error_at(file: &str, place: &str, message: impl std::fmt::Display) -> Error {
    Error::Format {
        file: file.to_string(),
        message: format!("{place}: {message}"),
    }
}

/// A short, single-line rendering of a JSON value for messages.
pub(crate) fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// A number written as a JSON number or as a string holding one (Prometheus
/// writes sample values as strings).
pub(crate) fn number(value: &Value) -> Option<Result<f64, String>> {
    match value {
        Value::Number(n) => n.as_f64().map(Ok),
        Value::String(s) => Some(super::parse_value(s).or_else(|e| match s.trim() {
            "+Inf" | "Inf" | "inf" | "+inf" => Ok(f64::INFINITY),
            "-Inf" | "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(e),
        })),
        Value::Null => Some(Ok(f64::NAN)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_invalid_json_are_located() {
        let err = parse("r.json", "{\n  \"status\": \"success\",\n  \"data\": {")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "r.json: line 3, column 11: the JSON ends early (is the file truncated?)"
        );
        let err = parse("r.json", "{\"a\": tru}").unwrap_err().to_string();
        assert!(
            err.starts_with("r.json: line 1, column 10: invalid JSON"),
            "{err}"
        );
    }

    #[test]
    fn numbers_as_strings() {
        assert_eq!(number(&Value::from("1.5")), Some(Ok(1.5)));
        assert_eq!(number(&Value::from(2)), Some(Ok(2.0)));
        assert_eq!(number(&Value::from("+Inf")), Some(Ok(f64::INFINITY)));
        assert!(number(&Value::from("NaN")).unwrap().unwrap().is_nan());
        assert!(number(&Value::from("x")).unwrap().is_err());
        assert!(number(&Value::Bool(true)).is_none());
    }
}
