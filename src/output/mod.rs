//! Writers for the contract's outputs, no computation: the CSV tables
//! (inspect, forecast, decomposition, saturation, backtest) and the saturation
//! table as OpenMetrics text ([`openmetrics`]).

mod csv;
pub mod openmetrics;

pub use self::csv::*;
pub use openmetrics::{write_file_atomically, SaturationMetrics};

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// What a table is written as: `--output-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputFormat {
    /// The contract's CSV table (the default).
    #[default]
    Csv,
    /// OpenMetrics text ([`openmetrics`]).
    OpenMetrics,
}

impl FromStr for OutputFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(OutputFormat::Csv),
            "openmetrics" => Ok(OutputFormat::OpenMetrics),
            other => Err(Error::invalid(format!(
                "unknown output format '{other}'; expected csv or openmetrics"
            ))),
        }
    }
}
