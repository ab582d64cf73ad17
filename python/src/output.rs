//! The crate's result tables ([`headroom::frame::Table`]) to Python, column by
//! column, for the Python side to build a pandas or polars DataFrame from.
//!
//! Each column goes as `(name, kind, data)`: `"str"` with data
//! `(codes, names)` (codes little-endian i32 into `names`, -1 for null),
//! `"float"` (little-endian f64, NaN for null), `"time"` (little-endian i64
//! microseconds since the epoch, UTC, `i64::MIN` for null, which numpy reads as
//! NaT) or `"int"` (little-endian i64).

use std::collections::HashMap;

use headroom::frame::{Table, Values};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// One column ready for Python.
pub enum Data {
    Str(Vec<i32>, Vec<String>),
    Float(Vec<f64>),
    Time(Vec<i64>),
    Int(Vec<i64>),
}

/// The columns of a table, converted while the GIL is released.
pub struct Columns(Vec<(String, Data)>);

impl Columns {
    pub fn of(table: Table) -> Columns {
        Columns(
            table
                .into_columns()
                .into_iter()
                .map(|c| (c.name, data(c.values)))
                .collect(),
        )
    }

    /// `[(name, kind)]`.
    pub fn kinds(&self) -> Vec<(String, &'static str)> {
        self.0
            .iter()
            .map(|(name, d)| (name.clone(), d.kind()))
            .collect()
    }

    /// `[(name, kind, data)]` for the Python side.
    pub fn into_py(self, py: Python<'_>) -> PyResult<Vec<(String, &'static str, Py<PyAny>)>> {
        self.0
            .into_iter()
            .map(|(name, d)| {
                let kind = d.kind();
                let object = match d {
                    Data::Str(codes, names) => {
                        let codes = bytes(py, codes.iter().flat_map(|c| c.to_le_bytes()));
                        (codes, names).into_pyobject(py)?.into_any().unbind()
                    }
                    Data::Float(v) => bytes(py, v.iter().flat_map(|x| x.to_le_bytes())),
                    Data::Time(v) => bytes(py, v.iter().flat_map(|x| x.to_le_bytes())),
                    Data::Int(v) => bytes(py, v.iter().flat_map(|x| x.to_le_bytes())),
                };
                Ok((name, kind, object))
            })
            .collect()
    }
}

impl Data {
    fn kind(&self) -> &'static str {
        match self {
            Data::Str(..) => "str",
            Data::Float(_) => "float",
            Data::Time(_) => "time",
            Data::Int(_) => "int",
        }
    }
}

fn bytes(py: Python<'_>, data: impl Iterator<Item = u8>) -> Py<PyAny> {
    let data: Vec<u8> = data.collect();
    PyBytes::new(py, &data).into_any().unbind()
}

fn data(values: Values) -> Data {
    match values {
        Values::Text(texts) => {
            // Each distinct text once, numbered in order of first appearance.
            let mut index: HashMap<String, i32> = HashMap::new();
            let mut names = Vec::new();
            let codes = texts
                .into_iter()
                .map(|v| match v {
                    None => -1,
                    Some(s) => *index.entry(s).or_insert_with_key(|s| {
                        names.push(s.clone());
                        names.len() as i32 - 1
                    }),
                })
                .collect();
            Data::Str(codes, names)
        }
        Values::Float(v) => Data::Float(v.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
        Values::Time(v) => Data::Time(v.into_iter().map(|v| v.unwrap_or(i64::MIN)).collect()),
        Values::Count(v) => Data::Int(v.into_iter().map(|v| v as i64).collect()),
    }
}
