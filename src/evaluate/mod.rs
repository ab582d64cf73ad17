//! Scoring forecasts: the M4 competition's accuracy measures and interval
//! coverage ([`metrics`]), and rolling-origin backtests ([`backtest`]).

pub mod backtest;
pub mod metrics;

pub use backtest::{backtest, Backtest, BacktestSettings, Window};
pub use metrics::{mase_scale, Scores};
