//! The crate's result frames ([`headroom::frame`]) to Python, column by column,
//! for the Python side to build a pandas or polars DataFrame from.
//!
//! Each column goes as `(name, kind, data)`: `"str"` with data
//! `(codes, names)` (codes little-endian i32 into `names`, -1 for null),
//! `"float"` (little-endian f64, NaN for null), `"time"` (little-endian i64
//! microseconds since the epoch, UTC, `i64::MIN` for null, which numpy reads as
//! NaT) or `"int"` (little-endian i64).

use std::collections::HashMap;

use headroom::Error;
use polars::prelude::{Column, DataFrame, DataType, TimeUnit};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// One column ready for Python.
pub enum Data {
    Str(Vec<i32>, Vec<String>),
    Float(Vec<f64>),
    Time(Vec<i64>),
    Int(Vec<i64>),
}

/// The columns of a frame, converted while the GIL is released.
pub struct Columns(Vec<(String, Data)>);

fn polars_error(e: polars::prelude::PolarsError) -> Error {
    Error::invalid(format!("converting the result: {e}"))
}

impl Columns {
    pub fn of(frame: &DataFrame) -> Result<Columns, Error> {
        frame
            .columns()
            .iter()
            .map(|c| Ok((c.name().to_string(), data(c)?)))
            .collect::<Result<Vec<_>, Error>>()
            .map(Columns)
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

fn data(c: &Column) -> Result<Data, Error> {
    let series = c.as_materialized_series();
    Ok(match c.dtype() {
        DataType::String => {
            let mut index: HashMap<&str, i32> = HashMap::new();
            let mut names = Vec::new();
            let codes = series
                .str()
                .map_err(polars_error)?
                .iter()
                .map(|v| match v {
                    None => -1,
                    Some(s) => *index.entry(s).or_insert_with(|| {
                        names.push(s.to_string());
                        names.len() as i32 - 1
                    }),
                })
                .collect();
            Data::Str(codes, names)
        }
        DataType::Float64 => Data::Float(
            series
                .f64()
                .map_err(polars_error)?
                .iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect(),
        ),
        DataType::Datetime(TimeUnit::Microseconds, _) => {
            let physical = series.to_physical_repr();
            Data::Time(
                physical
                    .i64()
                    .map_err(polars_error)?
                    .iter()
                    .map(|v| v.unwrap_or(i64::MIN))
                    .collect(),
            )
        }
        DataType::UInt64 => Data::Int(
            series
                .u64()
                .map_err(polars_error)?
                .iter()
                .map(|v| v.map_or(i64::MIN, |v| v as i64))
                .collect(),
        ),
        other => {
            return Err(Error::invalid(format!(
                "column {} has type {other}, which the binding does not convert",
                c.name()
            )))
        }
    })
}
