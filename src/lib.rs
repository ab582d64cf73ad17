//! # headroom
//!
//! Capacity planning for metric series. headroom reads exported metric history,
//! separates trend from daily and weekly seasonality, forecasts with prediction
//! intervals, estimates when each series reaches its capacity and how likely that
//! is, and draws the forecast to a PNG.
//!
//! The data flows one way:
//!
//! ```text
//! ingest ──> Series ──> regularise ──> decompose ──> forecast ──> saturation ──> CSV / PNG
//! ```
//!
//! ## Example
//!
//! From CSV text to a saturation date:
//!
//! ```
//! use headroom::forecast::ModelChoice;
//! use headroom::ingest::{read_bytes, ReadOptions};
//! use headroom::pipeline::{prepare, ForecastSettings};
//! use headroom::query::SaturationQuery;
//! use headroom::saturation::{Direction, Status};
//! use headroom::units::Span;
//! use headroom::RegulariseOptions;
//!
//! // Three weeks of hourly disk usage growing 1 GB a day with a daily cycle.
//! let mut csv = String::from("series,timestamp,value\n");
//! for h in 0..24 * 21 {
//!     let t = 1_700_000_000 + h * 3600;
//!     let daily = 2e8 * ((h % 24) as f64 * std::f64::consts::TAU / 24.0).sin();
//!     csv += &format!("db-01,{t},{}\n", 400e9 + 1e9 * h as f64 / 24.0 + daily);
//! }
//! let read = read_bytes("disk.csv", "disk", csv.as_bytes(), &ReadOptions::default())?;
//! let prepared = prepare(&read.series[0], &RegulariseOptions::default(), &[Span::Steps(24)])?;
//! let settings = ForecastSettings {
//!     model: "stl_linear".parse::<ModelChoice>()?,
//!     horizon: Some("30d".parse()?),
//!     ..Default::default()
//! };
//! let answer = SaturationQuery::fixed(430e9, Direction::Up, settings)?.answer(&prepared)?;
//! let (forecast, row) = (answer.forecast, answer.row);
//! assert_eq!(row.status, Status::Crossing);
//! // 421 GB now, +1 GB a day: 430 GB about nine days later.
//! let days = (row.saturation_at.unwrap() - row.last_timestamp).num_hours() as f64 / 24.0;
//! assert!((days - 9.0).abs() < 1.0, "{days}");
//! assert_eq!(forecast.intervals.len(), 2);
//! # Ok::<(), headroom::Error>(())
//! ```
//!
//! ## Features
//!
//! All on by default; the Python package builds the crate with none of them, and
//! every result is the same:
//!
//! - `polars`: the CSV reader's fast path (polars parses each plain block) and
//!   polars DataFrames in and out ([`frame`]'s `*_to_frame` and
//!   `frame_to_series`). Without it CSV is read field by field and results are
//!   plain [`frame::Table`]s, and a cold build does not compile polars, most of
//!   its time.
//! - `live`: reads from a running Prometheus (`ingest::prometheus_live`, over
//!   HTTPS with rustls).
//! - `serve`: the exporter (`serve`), with `live`.
//! - `cli`: the `headroom` binary, with `serve`.

#![warn(missing_docs)]

pub mod budget;
pub mod capacity;
pub mod decompose;
mod error;
pub mod evaluate;
pub mod forecast;
pub mod frame;
pub mod gaps;
pub mod ingest;
pub mod output;
pub mod pipeline;
pub mod plot;
pub mod query;
pub mod report;
pub mod resample;
pub mod saturation;
pub mod scenario;
pub mod series;
#[cfg(feature = "serve")]
pub mod serve;
pub mod units;

pub use error::{Error, Result};
pub use series::{GapPolicy, RegularSeries, RegularisationReport, RegulariseOptions, Series, Step};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
