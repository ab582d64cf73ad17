//! STL forecaster: decompose (STL for one period, MSTL for several), fit a straight
//! line by ordinary least squares to the recent seasonally adjusted series, extend
//! it, and add the last cycle of every seasonal component.
//!
//! Intervals are the OLS prediction intervals of the line (t distribution with the
//! residual degrees of freedom), shifted by the seasonal component; they do not yet
//! include the uncertainty of the seasonal estimate. With no period it is a plain
//! linear trend, the model behind Prometheus' `predict_linear`, with intervals.

use serde::{Deserialize, Serialize};

use super::ols::{linear_trend_design, OlsFit};
use ndarray::Array2;
use rand_distr::{ChiSquared, Distribution, StandardNormal};

use super::{
    check_request, check_simulation, rng, symmetric_interval, FittedModel, Forecast, Forecaster,
    Origin, SamplePaths,
};
use crate::decompose::{decompose, StlOptions};
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// Which part of the history the trend line is fitted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrendWindow {
    /// The most recent quarter of the history, but at least two cycles of the
    /// longest period and at least 10 points (the default). A quarter follows the
    /// current growth rather than the whole past; two cycles keep the slope from
    /// being bent by where in a cycle the window starts.
    #[default]
    Recent,
    /// The last this many points.
    Last(usize),
    /// The whole history.
    All,
}

impl TrendWindow {
    /// The number of points the line is fitted to, for `n` points of history.
    pub fn length(&self, n: usize, longest_period: usize) -> usize {
        match *self {
            TrendWindow::Recent => (n / 4).max(2 * longest_period).max(10).min(n),
            TrendWindow::Last(len) => len.min(n),
            TrendWindow::All => n,
        }
    }
}

/// The STL-plus-linear-trend model.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{FittedModel, Forecaster, StlLinear};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..24 * 14).map(|t| t as f64 + 5.0 * ((t % 24) as f64 / 4.0).sin()).collect();
/// let s = RegularSeries::new("disk", start, Step::seconds(3600), y).unwrap();
/// let f = StlLinear::new(vec![24]).fit(&s).unwrap().predict(24, &[80.0, 95.0]).unwrap();
/// assert!((f.point[23] - (24.0 * 15.0 - 1.0 + 5.0 * (23.0f64 / 4.0).sin())).abs() < 0.5);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StlLinear {
    periods: Vec<usize>,
    options: StlOptions,
    window: TrendWindow,
}

impl StlLinear {
    /// The model for these seasonal periods (empty for a plain linear trend).
    pub fn new(periods: Vec<usize>) -> Self {
        StlLinear {
            periods,
            ..Default::default()
        }
    }

    /// STL settings for the decomposition (default: statsmodels' defaults).
    pub fn stl_options(mut self, options: StlOptions) -> Self {
        self.options = options;
        self
    }

    /// The part of the history the line is fitted to (default [`TrendWindow::Recent`]).
    pub fn window(mut self, window: TrendWindow) -> Self {
        self.window = window;
        self
    }
}

/// A fitted STL-plus-linear-trend model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedStlLinear {
    origin: Origin,
    periods: Vec<usize>,
    /// The last cycle of each seasonal component, aligned so that index `h % p`
    /// is the value `h + 1` steps after the end.
    last_cycles: Vec<Vec<f64>>,
    ols: OlsFit,
    /// Position of the last observation on the line's time axis.
    last_x: f64,
}

impl FittedStlLinear {
    /// The fitted line: intercept at the start of the window, and slope per step.
    pub fn line(&self) -> &OlsFit {
        &self.ols
    }

    /// The periods actually used (MSTL drops those that do not fit twice).
    pub fn periods(&self) -> &[usize] {
        &self.periods
    }
}

impl Forecaster for StlLinear {
    type Fitted = FittedStlLinear;

    fn fit(&self, series: &RegularSeries) -> Result<FittedStlLinear> {
        let y = series.values();
        let n = y.len();
        let (periods, last_cycles, adjusted) = if self.periods.is_empty() {
            (Vec::new(), Vec::new(), y.to_vec())
        } else {
            let d = decompose(y, &self.periods, &self.options)
                .map_err(|e| e.in_series(series.name()))?;
            let cycles = d
                .periods
                .iter()
                .zip(&d.seasonal)
                .map(|(&p, s)| s[n - p..].to_vec())
                .collect();
            let adjusted = (0..n).map(|t| y[t] - d.seasonal_sum(t)).collect();
            (d.periods, cycles, adjusted)
        };
        let longest = periods.iter().copied().max().unwrap_or(1);
        let len = self.window.length(n, longest);
        if len < 3 {
            return Err(Error::series(
                series.name(),
                format!("a trend line needs at least 3 points, the history has {n}"),
            ));
        }
        let ols = OlsFit::fit(&linear_trend_design(0.0, len), 2, &adjusted[n - len..])
            .map_err(|e| e.in_series(series.name()))?;
        Ok(FittedStlLinear {
            origin: Origin::of(series),
            periods,
            last_cycles,
            ols,
            last_x: (len - 1) as f64,
        })
    }
}

impl FittedModel for FittedStlLinear {
    fn name(&self) -> String {
        if self.periods.is_empty() {
            return "linear_trend".to_string();
        }
        let periods: Vec<String> = self.periods.iter().map(|p| p.to_string()).collect();
        format!("stl_linear({})", periods.join("+"))
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let rows: Vec<[f64; 2]> = (1..=horizon)
            .map(|h| [1.0, self.last_x + h as f64])
            .collect();
        let seasonal = |h: usize| -> f64 { self.last_cycles.iter().map(|c| c[h % c.len()]).sum() };
        let point: Vec<f64> = rows
            .iter()
            .enumerate()
            .map(|(h, x0)| self.ols.mean(x0) + seasonal(h))
            .collect();
        let se: Vec<f64> = rows.iter().map(|x0| self.ols.prediction_se(x0)).collect();
        let intervals = levels
            .iter()
            .map(|&level| symmetric_interval(level, &point, &se, self.ols.t_multiplier(level)))
            .collect();
        Ok(Forecast {
            series: self.origin.series.clone(),
            model: self.name(),
            timestamps: self.origin.future(horizon),
            point,
            intervals,
        })
    }

    /// Each path draws the line's residual scale and coefficients from their
    /// sampling distribution (sigma² from a scaled chi-square with the residual
    /// degrees of freedom, then the coefficients from their normal given sigma), so
    /// the paths share one trend error, and adds independent noise of that scale at
    /// every step; marginally each step follows the t-based prediction interval.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let mut rng = rng(seed);
        let df = self.ols.df as f64;
        let chi = ChiSquared::new(df).map_err(|e| Error::invalid(e.to_string()))?;
        let seasonal = |h: usize| -> f64 { self.last_cycles.iter().map(|c| c[h % c.len()]).sum() };
        let mut paths = Array2::zeros((n_paths, horizon));
        for mut path in paths.rows_mut() {
            let sigma = self.ols.sigma * (df / chi.sample(&mut rng)).sqrt();
            let z: [f64; 2] = [
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
            ];
            let coefficients = self.ols.draw_coefficients(sigma, &z);
            for h in 0..horizon {
                let x = self.last_x + (h + 1) as f64;
                let e: f64 = StandardNormal.sample(&mut rng);
                path[h] = coefficients[0] + coefficients[1] * x + seasonal(h) + sigma * e;
            }
        }
        Ok(SamplePaths {
            series: self.origin.series.clone(),
            model: self.name(),
            timestamps: self.origin.future(horizon),
            paths,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn window_rule() {
        assert_eq!(TrendWindow::Recent.length(1000, 24), 250);
        assert_eq!(TrendWindow::Recent.length(100, 24), 48);
        assert_eq!(TrendWindow::Recent.length(12, 1), 10);
        assert_eq!(TrendWindow::Recent.length(5, 1), 5);
        assert_eq!(TrendWindow::Last(50).length(20, 1), 20);
    }

    #[test]
    fn simulated_paths_follow_the_t_interval() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..60)
            .map(|t| 3.0 * t as f64 + ((t * 7919) % 13) as f64)
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(60), y).unwrap();
        let fit = StlLinear::new(vec![])
            .window(TrendWindow::All)
            .fit(&s)
            .unwrap();
        let f = fit.predict(20, &[90.0]).unwrap();
        let paths = fit.simulate(20, 40_000, 3).unwrap();
        let (lo, hi) = (paths.quantile(0.05), paths.quantile(0.95));
        for h in [0, 9, 19] {
            let half = f.intervals[0].upper[h] - f.point[h];
            assert!(
                (lo[h] - f.intervals[0].lower[h]).abs() < 0.04 * half,
                "step {h}"
            );
            assert!(
                (hi[h] - f.intervals[0].upper[h]).abs() < 0.04 * half,
                "step {h}"
            );
        }
    }

    #[test]
    fn plain_line_extends_exactly() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..40).map(|t| 100.0 - 2.0 * t as f64).collect();
        let s = RegularSeries::new("free", start, Step::seconds(60), y).unwrap();
        let f = StlLinear::new(vec![])
            .fit(&s)
            .unwrap()
            .predict(5, &[95.0])
            .unwrap();
        assert_eq!(f.model, "linear_trend");
        for (h, p) in f.point.iter().enumerate() {
            assert!((p - (100.0 - 2.0 * (40 + h) as f64)).abs() < 1e-9);
        }
        assert!((f.intervals[0].upper[0] - f.point[0]).abs() < 1e-9);
    }
}
