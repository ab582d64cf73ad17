//! Scoring forecasts: the M4 competition's accuracy measures and interval
//! coverage ([`metrics`]), the proper scores of saturation probabilities and the
//! hit rates of saturation dates ([`saturation`]), and rolling-origin backtests of
//! both ([`backtest`]), and the shared M4 sets as the examples read them ([`m4`]).

pub mod backtest;
pub mod m4;
pub mod metrics;
pub mod saturation;

pub use backtest::{
    backtest, backtest_models, backtest_prepared, backtest_saturation, overall_scores,
    pooled_scores, Backtest, BacktestSettings, SaturationBacktest, SaturationBacktestSettings,
    SaturationCase, Window,
};
pub use metrics::{mase_scale, Scores};
pub use saturation::{
    brier_score, reliability, roc_auc, ReliabilityBin, SaturationOutcome, SaturationScores,
};
