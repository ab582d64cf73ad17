//! InfluxDB 2 annotated CSV, as Flux queries return it (`influx query --raw`, the
//! UI's CSV download, the `/api/v2/query` API).
//!
//! A file holds one or more tables. Each starts with three annotation rows,
//! `#group`, `#datatype` and `#default`, then a header row, then records; tables
//! are separated by a blank line (or by new annotations). The first column is the
//! annotation column, empty in headers and records. A table that lacks an
//! annotation is an error that names its line: without `#datatype` the value and
//! time columns cannot be read safely, without `#group` the series cannot be told
//! apart.
//!
//! One series per group key: the columns marked `true` in `#group`, except the
//! query bounds `_start` and `_stop` and the bookkeeping columns `result` and
//! `table`. It is named `<_measurement>_<_field>{tag="value",...}` (Telegraf's
//! Prometheus naming) and keeps the group key as labels. Values come from `_value`,
//! or, in a pivoted table without `_value`, from every numeric column outside the
//! group key (then each column is a series). A Flux error table (`error`,
//! `reference`) becomes the error of the whole input.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::dialect::{lines_with_ends, split_record};
use super::prometheus::series_name;
use super::{parse_timestamp, parse_value, Ingested, ReadOptions};
use crate::error::{Error, Result};
use crate::series::Series;

/// The annotations every table must carry.
const REQUIRED: [&str; 3] = ["#group", "#datatype", "#default"];

/// Columns that are never labels even when in the group key.
const NOT_LABELS: [&str; 4] = ["_start", "_stop", "result", "table"];

/// Read annotated CSV text.
pub(crate) fn read(file: &str, stem: &str, text: &str, options: &ReadOptions) -> Result<Ingested> {
    let mut reader = Reader {
        file,
        stem,
        options,
        annotations: HashMap::new(),
        table: None,
        series: HashMap::new(),
        builders: Vec::new(),
        tables: 0,
    };
    for (i, (line, _)) in lines_with_ends(text).enumerate() {
        reader.line(line, i + 1)?;
    }
    if reader.tables == 0 {
        return Err(reader.error(
            1,
            "no table found (expected #group, #datatype, #default and a header)",
        ));
    }
    let mut ingested = Ingested::default();
    for b in reader.builders {
        match b.error {
            Some(e) => ingested.failed.push((b.name, e)),
            None => {
                let series = Series::new(b.name.clone(), b.timestamps, b.values)
                    .map(|s| s.with_labels(b.labels));
                ingested.push(series, &b.name);
            }
        }
    }
    Ok(ingested)
}

/// The columns of the current table.
struct Table {
    header: Vec<String>,
    datatypes: Vec<String>,
    defaults: Vec<String>,
    time: usize,
    values: Vec<usize>,
    /// Group-key columns that become labels.
    labels: Vec<usize>,
}

struct Builder {
    name: String,
    labels: BTreeMap<String, String>,
    timestamps: Vec<DateTime<Utc>>,
    values: Vec<f64>,
    error: Option<Error>,
}

struct Reader<'a> {
    file: &'a str,
    stem: &'a str,
    options: &'a ReadOptions,
    /// Annotations seen since the last table: name to (line, fields).
    annotations: HashMap<String, (usize, Vec<String>)>,
    table: Option<Table>,
    /// Series key to builder index.
    series: HashMap<String, usize>,
    builders: Vec<Builder>,
    tables: usize,
}

impl Reader<'_> {
    fn error(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Format {
            file: self.file.to_string(),
            message: format!("line {line}: {}", message.into()),
        }
    }

    fn fields(&self, line: &str, line_no: usize) -> Result<Vec<String>> {
        split_record(line, b',')
            .map(|f| f.into_iter().map(|c| c.into_owned()).collect())
            .map_err(|(column, m)| self.error(line_no, format!("column {column}: {m}")))
    }

    fn line(&mut self, line: &str, line_no: usize) -> Result<()> {
        if line.trim().is_empty() {
            self.table = None;
            return Ok(());
        }
        if line.starts_with('#') {
            // Annotations after records start a new table.
            self.table = None;
            let fields = self.fields(line, line_no)?;
            self.annotations
                .insert(fields[0].trim().to_string(), (line_no, fields));
            return Ok(());
        }
        if self.table.is_none() {
            return self.header(line, line_no);
        }
        self.record(line, line_no)
    }

    fn header(&mut self, line: &str, line_no: usize) -> Result<()> {
        let header: Vec<String> = self
            .fields(line, line_no)?
            .into_iter()
            .map(|h| h.trim().to_string())
            .collect();
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|a| !self.annotations.contains_key(*a))
            .collect();
        if missing.len() == REQUIRED.len() {
            return Err(self.error(
                line_no,
                "a table without annotations; annotated CSV gives #group, #datatype and \
                 #default before each header (export with annotations, or read plain CSV \
                 with --format long --time-column _time --value-column _value)",
            ));
        }
        if !missing.is_empty() {
            return Err(self.error(
                line_no,
                format!(
                    "the table header has no {} annotation (annotated CSV gives #group, \
                     #datatype and #default before each header)",
                    missing.join(" or ")
                ),
            ));
        }
        let mut annotation = |name: &str| -> Result<Vec<String>> {
            let (at, fields) = self.annotations.remove(name).unwrap_or_default();
            if fields.len() != header.len() {
                return Err(self.error(
                    at,
                    format!(
                        "{name} has {} fields but the header at line {line_no} has {}",
                        fields.len(),
                        header.len()
                    ),
                ));
            }
            Ok(fields)
        };
        let group: Vec<bool> = annotation("#group")?
            .iter()
            .map(|g| g.trim() == "true")
            .collect();
        let datatypes = annotation("#datatype")?;
        let defaults = annotation("#default")?;
        self.annotations.clear();
        let position = |name: &str| header.iter().position(|h| h == name);
        if position("error").is_some() && position("reference").is_some() {
            // The records of an error table carry the message; read it next.
            self.table = Some(Table {
                header,
                datatypes,
                defaults,
                time: usize::MAX,
                values: Vec::new(),
                labels: Vec::new(),
            });
            return Ok(());
        }
        let named = |name: &str, flag: &str| {
            position(name).ok_or_else(|| {
                self.error(
                    line_no,
                    format!(
                        "no column named '{name}'; the columns are {} (choose with {flag})",
                        header[1..].join(", ")
                    ),
                )
            })
        };
        let time = named(
            self.options.time_column.as_deref().unwrap_or("_time"),
            "--time-column",
        )?;
        let values: Vec<usize> = if !self.options.value_columns.is_empty() {
            self.options
                .value_columns
                .iter()
                .map(|v| named(v, "--value-column"))
                .collect::<Result<_>>()?
        } else if let Some(v) = position("_value") {
            vec![v]
        } else {
            (1..header.len())
                .filter(|&i| {
                    !group[i]
                        && i != time
                        && !NOT_LABELS.contains(&header[i].as_str())
                        && is_numeric(&datatypes[i])
                })
                .collect()
        };
        if values.is_empty() {
            return Err(self.error(
                line_no,
                "the table has no _value column and no numeric column outside its group key",
            ));
        }
        let labels = (1..header.len())
            .filter(|&i| group[i] && !NOT_LABELS.contains(&header[i].as_str()))
            .filter(|i| !values.contains(i) && *i != time)
            .chain(position("result"))
            .collect();
        self.tables += 1;
        self.table = Some(Table {
            header,
            datatypes,
            defaults,
            time,
            values,
            labels,
        });
        Ok(())
    }

    fn record(&mut self, line: &str, line_no: usize) -> Result<()> {
        let fields = self.fields(line, line_no)?;
        let Some(table) = self.table.as_ref() else {
            return Ok(());
        };
        if fields.len() != table.header.len() {
            return Err(self.error(
                line_no,
                format!(
                    "{} fields where the header has {}",
                    fields.len(),
                    table.header.len()
                ),
            ));
        }
        let field = |i: usize| -> &str {
            if fields[i].is_empty() {
                &table.defaults[i]
            } else {
                &fields[i]
            }
        };
        if table.time == usize::MAX {
            let position = |name: &str| table.header.iter().position(|h| h == name);
            let message = position("error").map_or("", field);
            let reference = position("reference").map_or("", field);
            return Err(self.error(
                line_no,
                format!("InfluxDB returned an error: {message} (reference {reference})"),
            ));
        }
        let mut labels = BTreeMap::new();
        for &c in &table.labels {
            let v = field(c);
            // The default result name says nothing; other names (from `yield`) do.
            if table.header[c] == "result" && (v.is_empty() || v == "_result") {
                continue;
            }
            labels.insert(table.header[c].clone(), v.to_string());
        }
        let time = read_time(field(table.time), &table.datatypes[table.time]);
        let located = |c: usize, message: String| Error::Row {
            file: self.file.to_string(),
            line: line_no,
            column: c + 1,
            column_name: table.header[c].clone(),
            message,
        };
        let pivoted = table.values.len() > 1 || table.header[table.values[0]] != "_value";
        let mut work = Vec::with_capacity(table.values.len());
        for &c in &table.values {
            let mut labels = labels.clone();
            if pivoted {
                labels.insert("_field".to_string(), table.header[c].clone());
            }
            let outcome = time
                .clone()
                .map_err(|m| located(table.time, m))
                .and_then(|t| {
                    read_value(field(c), &table.datatypes[c])
                        .map(|v| (t, v))
                        .map_err(|m| located(c, m))
                });
            work.push((labels, outcome));
        }
        for (labels, outcome) in work {
            let b = self.builder(labels);
            let b = &mut self.builders[b];
            if b.error.is_some() {
                continue;
            }
            match outcome {
                Ok((t, v)) => {
                    b.timestamps.push(t);
                    b.values.push(v);
                }
                Err(e) => b.error = Some(e),
            }
        }
        Ok(())
    }

    /// The builder of a label set, created on first sight.
    fn builder(&mut self, labels: BTreeMap<String, String>) -> usize {
        let mut naming = labels.clone();
        let base: Vec<String> = ["_measurement", "_field"]
            .iter()
            .filter_map(|k| naming.remove(*k))
            .collect();
        if !base.is_empty() {
            naming.insert("__name__".to_string(), base.join("_"));
        }
        let name = series_name(&naming, self.stem);
        if let Some(&i) = self.series.get(&name) {
            return i;
        }
        self.series.insert(name.clone(), self.builders.len());
        self.builders.push(Builder {
            name,
            labels,
            timestamps: Vec::new(),
            values: Vec::new(),
            error: None,
        });
        self.builders.len() - 1
    }
}

fn is_numeric(datatype: &str) -> bool {
    matches!(datatype.trim(), "double" | "long" | "unsignedLong")
}

/// A time by its datatype: RFC 3339 text, or Unix nanoseconds for
/// `dateTime:number`.
fn read_time(text: &str, datatype: &str) -> Result<DateTime<Utc>, String> {
    if datatype.trim() == "dateTime:number" {
        let nanos: i64 = text
            .trim()
            .parse()
            .map_err(|_| format!("cannot read '{text}' as Unix nanoseconds"))?;
        return Ok(DateTime::from_timestamp_nanos(nanos));
    }
    parse_timestamp(text)
}

/// A value by its datatype: numbers as they are, booleans as 1 and 0.
fn read_value(text: &str, datatype: &str) -> Result<f64, String> {
    match datatype.trim() {
        "double" | "long" | "unsignedLong" | "" => parse_value(text),
        "boolean" => match text.trim() {
            "true" => Ok(1.0),
            "false" => Ok(0.0),
            "" => Ok(f64::NAN),
            other => Err(format!("cannot read '{other}' as a boolean")),
        },
        other => Err(format!(
            "the column holds {other} values; headroom reads numbers (double, long, \
             unsignedLong or boolean)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Ingested> {
        read("i.csv", "i", text, &ReadOptions::default())
    }

    const TWO_TABLES: &str = "#group,false,false,true,true,false,false,true,true,true\n\
#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\n\
#default,_result,,,,,,,,\n\
,result,table,_start,_stop,_time,_value,_field,_measurement,host\n\
,,0,2020-01-01T00:00:00Z,2020-01-02T00:00:00Z,2020-01-01T00:00:00Z,1.5,used,disk,a\n\
,,0,2020-01-01T00:00:00Z,2020-01-02T00:00:00Z,2020-01-01T00:01:00Z,,used,disk,a\n\
\n\
#group,false,false,true,true,false,false,true,true,true\n\
#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\n\
#default,_result,,,,,,,,\n\
,result,table,_start,_stop,_time,_value,_field,_measurement,host\n\
,,1,2020-01-01T00:00:00Z,2020-01-02T00:00:00Z,2020-01-01T00:00:00Z,2.5,used,disk,b\n";

    #[test]
    fn two_tables_two_series() {
        let r = read_text(TWO_TABLES).unwrap();
        assert_eq!(r.series.len(), 2);
        assert_eq!(r.series[0].name(), "disk_used{host=\"a\"}");
        assert_eq!(r.series[0].labels()["host"], "a");
        assert_eq!(r.series[0].labels()["_field"], "used");
        assert!(r.series[0].values()[1].is_nan());
        assert_eq!(r.series[1].values(), &[2.5]);
    }

    #[test]
    fn missing_annotation_names_the_header_line() {
        let broken = TWO_TABLES.replacen(
            "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\n",
            "",
            2,
        );
        let err = read_text(&broken).unwrap_err();
        assert_eq!(
            err.to_string(),
            "i.csv: line 3: the table header has no #datatype annotation (annotated CSV \
             gives #group, #datatype and #default before each header)"
        );
    }

    #[test]
    fn error_tables_and_pivots() {
        let err = read_text(
            "#datatype,string,string\n#group,true,true\n#default,,\n,error,reference\n,\"failed to parse query\",897\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "i.csv: line 5: InfluxDB returned an error: failed to parse query (reference 897)"
        );
        let r = read_text(
            "#group,false,false,false,true,false,false\n\
             #datatype,string,long,dateTime:RFC3339,string,double,long\n\
             #default,_result,,,,,\n\
             ,result,table,_time,host,cpu,mem\n\
             ,,0,2020-01-01T00:00:00Z,a,1,2\n",
        )
        .unwrap();
        let names: Vec<&str> = r.series.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["cpu{host=\"a\"}", "mem{host=\"a\"}"]);
    }
}
