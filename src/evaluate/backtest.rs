//! Rolling-origin backtests: cut the history at several origins, fit on what came
//! before each, forecast the stretch after it, and score the forecast.

use serde::{Deserialize, Serialize};

use super::metrics::{mase_scale, Scores};
use crate::decompose::StlOptions;
use crate::error::{Error, Result};
use crate::forecast::{Forecast, ModelChoice, DEFAULT_LEVELS};
use crate::series::RegularSeries;

/// How to backtest. Defaults: 48 steps, 3 windows, levels 80 and 95, no season.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestSettings {
    /// Steps forecast from each origin.
    pub horizon: usize,
    /// Number of origins: the last `windows` stretches of `horizon` steps.
    pub windows: usize,
    /// Interval levels in percent.
    pub levels: Vec<f64>,
    /// Seasonal periods given to the models; the shortest also scales MASE and
    /// MSIS (1 when there is none), as M4 scales by the data's frequency.
    pub periods: Vec<usize>,
    /// STL settings for the models that decompose.
    pub stl: StlOptions,
}

impl Default for BacktestSettings {
    fn default() -> Self {
        BacktestSettings {
            horizon: 48,
            windows: 3,
            levels: DEFAULT_LEVELS.to_vec(),
            periods: Vec::new(),
            stl: StlOptions::default(),
        }
    }
}

/// One origin of a backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Number of steps of history the model was fitted on.
    pub origin: usize,
    /// The forecast made from that origin.
    pub forecast: Forecast,
    /// What happened.
    pub actual: Vec<f64>,
    /// The forecast's scores.
    pub scores: Scores,
}

/// The backtest of one model on one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The series.
    pub series: String,
    /// The model as requested (`auto` may choose a different model per window).
    pub model: ModelChoice,
    /// Every origin, oldest first.
    pub windows: Vec<Window>,
    /// The mean of the windows' scores.
    pub scores: Scores,
}

/// Backtest `choice` on `series` over `settings.windows` consecutive stretches of
/// `settings.horizon` steps ending at the last observation.
pub fn backtest(
    series: &RegularSeries,
    choice: ModelChoice,
    settings: &BacktestSettings,
) -> Result<Backtest> {
    let (h, k, n) = (settings.horizon, settings.windows, series.len());
    if h == 0 || k == 0 {
        return Err(Error::invalid(
            "a backtest needs a horizon and at least one window",
        ));
    }
    let first = n.checked_sub(h * k).filter(|&c| c >= 2).ok_or_else(|| {
        Error::series(
            series.name(),
            format!("{n} points cannot hold {k} backtest window(s) of {h} steps after a history"),
        )
    })?;
    let scale_period = settings.periods.iter().copied().min().unwrap_or(1);
    let mut windows = Vec::with_capacity(k);
    for origin in (0..k).map(|i| first + i * h) {
        let history = series.head(origin)?;
        let scale = mase_scale(history.values(), scale_period).ok_or_else(|| {
            Error::series(
                series.name(),
                format!("the history before step {origin} never changes over a season; scaled errors are undefined"),
            )
        })?;
        let forecast = choice
            .fit(&history, &settings.periods, &settings.stl, h)?
            .predict(h, &settings.levels)?;
        let actual = series.values()[origin..origin + h].to_vec();
        let scores = Scores::of(&forecast, &actual, scale)?;
        windows.push(Window {
            origin,
            forecast,
            actual,
            scores,
        });
    }
    let scores = Scores::mean(&windows.iter().map(|w| w.scores.clone()).collect::<Vec<_>>());
    Ok(Backtest {
        series: series.name().to_string(),
        model: choice,
        windows,
        scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn seasonal_naive_is_perfect_on_a_pure_cycle() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..120).map(|t| 10.0 + (t % 12) as f64).collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let settings = BacktestSettings {
            horizon: 12,
            windows: 3,
            periods: vec![12],
            ..Default::default()
        };
        // The scale is 0 on a pure cycle: scaled errors are undefined.
        assert!(backtest(&s, ModelChoice::SeasonalNaive(None), &settings).is_err());
        let y: Vec<f64> = (0..120)
            .map(|t| 10.0 + (t % 12) as f64 + t as f64)
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let b = backtest(&s, ModelChoice::SeasonalNaive(None), &settings).unwrap();
        assert_eq!(b.windows.len(), 3);
        assert_eq!(b.windows[0].origin, 84);
        // Seasonal naive misses the growth of 12 per season by exactly the scale.
        assert!((b.scores.mase - 1.0).abs() < 1e-12);
    }

    #[test]
    fn too_short_for_the_windows() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = RegularSeries::new("s", start, Step::seconds(60), vec![1.0; 20]).unwrap();
        let settings = BacktestSettings {
            horizon: 10,
            windows: 2,
            ..Default::default()
        };
        assert!(backtest(&s, ModelChoice::Naive, &settings).is_err());
    }
}
