//! The decomposition forecaster: decompose (STL for one period, MSTL for several),
//! forecast the seasonally adjusted series (trend plus remainder) with a
//! non-seasonal model, and add the last cycle of every seasonal component.
//!
//! The intervals widen the adjusted model's intervals by the uncertainty of the
//! seasonal part: repeating the last cycle is wrong by about as much as a cycle
//! differs from the one before it, so each component contributes the mean square of
//! that change over its last two cycles as a variance. With no period the model is
//! the adjusted model alone.

use ndarray::Array2;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::ets::{AutoEts, FittedEts};
use super::naive::{remove_level_shifts, Drift, FittedDrift, FittedWindowMean, WindowMean};
use super::trend::{Curve, FittedTrend, TrendRegression, TrendWindow};
use super::{
    central_quantile, check_request, check_simulation, rng, FittedModel, FittedSeasonalNaive,
    Forecast, Forecaster, Interval, SamplePaths, SeasonalNaive,
};
use crate::decompose::{decompose, StlOptions};
use crate::error::Result;
use crate::series::RegularSeries;

/// How the seasonally adjusted series is forecast.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AdjustedModel {
    /// A trend regression on the recent adjusted series.
    Trend(Curve),
    /// The last adjusted value plus the average change (random walk with drift).
    Drift,
    /// The last adjusted value.
    Naive,
    /// The mean of the recent adjusted series.
    Mean,
    /// Exponential smoothing chosen by AICc among the additive non-seasonal models
    /// (ANN, AAN, AAdN), as statsforecast's and augurs' MSTL forecasters do (with
    /// the multiplicative ones too; the additive ones cost a fifth as much).
    Ets,
}

impl AdjustedModel {
    fn label(&self) -> String {
        match self {
            AdjustedModel::Trend(Curve::Linear) => "linear".to_string(),
            AdjustedModel::Trend(c) => c.to_string(),
            AdjustedModel::Drift => "drift".to_string(),
            AdjustedModel::Naive => "naive".to_string(),
            AdjustedModel::Mean => "mean".to_string(),
            AdjustedModel::Ets => "ets".to_string(),
        }
    }
}

/// The decomposition forecaster, configured with methods that consume and return it.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{AdjustedModel, Curve, Decomposed, FittedModel, Forecaster};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..24 * 14).map(|t| t as f64 + 5.0 * ((t % 24) as f64 / 4.0).sin()).collect();
/// let s = RegularSeries::new("disk", start, Step::seconds(3600), y).unwrap();
/// let model = Decomposed::new(vec![24], AdjustedModel::Trend(Curve::Linear));
/// let f = model.fit(&s).unwrap().predict(24, &[80.0, 95.0]).unwrap();
/// assert!((f.point[23] - (24.0 * 15.0 - 1.0 + 5.0 * (23.0f64 / 4.0).sin())).abs() < 0.5);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decomposed {
    periods: Vec<usize>,
    options: StlOptions,
    adjusted: AdjustedModel,
    window: TrendWindow,
}

/// The STL settings the forecasters decompose with: `options` with coarse jumps
/// (see [`StlOptions::coarse_jumps`]) and robustness weights, unless they say
/// otherwise. Robust weights keep a level shift (a cleanup) in the adjusted
/// series as one step instead of letting the seasonal component absorb part of
/// it for days around it, where no model of the adjusted series could see it
/// for what it is. [`FORECAST_OUTER_ITERATIONS`] robustness passes suffice for that.
pub fn forecasting_options(options: &StlOptions) -> StlOptions {
    let mut o = options.clone();
    o.coarse_jumps = true;
    if !o.robust && o.outer_iter.is_none() {
        o.robust = true;
        o.outer_iter = Some(FORECAST_OUTER_ITERATIONS);
    }
    o
}

/// Robustness passes of the forecasters' decompositions.
pub const FORECAST_OUTER_ITERATIONS: usize = 3;

impl Decomposed {
    /// Decompose on these periods and forecast the adjusted series with `adjusted`.
    /// STL settings default to statsmodels' with coarse jumps (see
    /// [`StlOptions::coarse_jumps`]).
    pub fn new(periods: Vec<usize>, adjusted: AdjustedModel) -> Self {
        Decomposed {
            periods,
            options: forecasting_options(&StlOptions::default()),
            adjusted,
            window: TrendWindow::Recent,
        }
    }

    /// STL settings for the decomposition (passed through [`forecasting_options`]).
    pub fn stl_options(mut self, options: StlOptions) -> Self {
        self.options = forecasting_options(&options);
        self
    }

    /// The part of the history a trend regression is fitted to.
    pub fn window(mut self, window: TrendWindow) -> Self {
        self.window = window;
        self
    }
}

/// The fitted model of the adjusted series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum FittedAdjusted {
    Trend(FittedTrend),
    Drift(FittedDrift),
    Naive(FittedSeasonalNaive),
    Mean(FittedWindowMean),
    Ets(FittedEts),
}

impl FittedAdjusted {
    fn model(&self) -> &dyn FittedModel {
        match self {
            FittedAdjusted::Trend(m) => m,
            FittedAdjusted::Drift(m) => m,
            FittedAdjusted::Naive(m) => m,
            FittedAdjusted::Mean(m) => m,
            FittedAdjusted::Ets(m) => m,
        }
    }
}

/// A fitted decomposition forecaster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedDecomposed {
    periods: Vec<usize>,
    label: String,
    /// The last cycle of each seasonal component: index `h % p` is the value
    /// `h + 1` steps after the end.
    last_cycles: Vec<Vec<f64>>,
    /// Variance of each component's cycle-to-cycle change.
    seasonal_variance: Vec<f64>,
    adjusted: FittedAdjusted,
}

impl FittedDecomposed {
    /// The periods used (MSTL drops those that do not fit twice).
    pub fn periods(&self) -> &[usize] {
        &self.periods
    }

    fn seasonal(&self, h: usize) -> f64 {
        self.last_cycles.iter().map(|c| c[h % c.len()]).sum()
    }

    fn seasonal_sd(&self) -> f64 {
        self.seasonal_variance.iter().sum::<f64>().sqrt()
    }
}

/// A series split into its seasonal cycles and the adjusted series, shared by every
/// model of the adjusted series fitted on it.
#[derive(Clone, Debug)]
pub(crate) struct SeasonalSplit {
    periods: Vec<usize>,
    last_cycles: Vec<Vec<f64>>,
    seasonal_variance: Vec<f64>,
    adjusted: RegularSeries,
}

impl SeasonalSplit {
    /// Decompose `series` on `periods` (none: the series is its own adjusted series).
    pub fn of(
        series: &RegularSeries,
        periods: &[usize],
        options: &StlOptions,
    ) -> Result<SeasonalSplit> {
        if periods.is_empty() {
            return Ok(SeasonalSplit {
                periods: Vec::new(),
                last_cycles: Vec::new(),
                seasonal_variance: Vec::new(),
                adjusted: series.clone(),
            });
        }
        let y = series.values();
        let n = y.len();
        let d = decompose(y, periods, options).map_err(|e| e.in_series(series.name()))?;
        let last_cycles = d
            .periods
            .iter()
            .zip(&d.seasonal)
            .map(|(&p, s)| s[n - p..].to_vec())
            .collect();
        let seasonal_variance = d
            .periods
            .iter()
            .zip(&d.seasonal)
            .map(|(&p, s)| {
                let recent = (2 * p).min(n - p);
                (n - recent..n)
                    .map(|t| (s[t] - s[t - p]).powi(2))
                    .sum::<f64>()
                    / recent.max(1) as f64
            })
            .collect();
        let adjusted: Vec<f64> = (0..n).map(|t| y[t] - d.seasonal_sum(t)).collect();
        Ok(SeasonalSplit {
            periods: d.periods,
            last_cycles,
            seasonal_variance,
            adjusted: RegularSeries::new(series.name(), series.start(), series.step(), adjusted)?,
        })
    }
}

impl Decomposed {
    /// Fit the adjusted model on a split made with this model's periods and options.
    pub(crate) fn fit_split(&self, split: &SeasonalSplit) -> Result<FittedDecomposed> {
        let longest = split.periods.iter().copied().max().unwrap_or(1);
        let adjusted = &split.adjusted;
        let fitted = match self.adjusted {
            AdjustedModel::Trend(curve) => {
                // A trend is fitted to the history without its level shifts, so a
                // cleanup inside the window does not bend the slope.
                let continuous = RegularSeries::new(
                    adjusted.name(),
                    adjusted.start(),
                    adjusted.step(),
                    remove_level_shifts(adjusted.values()),
                )?;
                FittedAdjusted::Trend(
                    TrendRegression::new(curve)
                        .window(self.window)
                        .longest_period(longest)
                        .fit(&continuous)?,
                )
            }
            AdjustedModel::Drift => FittedAdjusted::Drift(Drift.fit(adjusted)?),
            AdjustedModel::Naive => FittedAdjusted::Naive(SeasonalNaive::new(1).fit(adjusted)?),
            AdjustedModel::Ets => {
                FittedAdjusted::Ets(AutoEts::new(1).additive_only().fit(adjusted)?)
            }
            AdjustedModel::Mean => FittedAdjusted::Mean(
                WindowMean::new(self.window)
                    .longest_period(longest)
                    .fit(adjusted)?,
            ),
        };
        Ok(FittedDecomposed {
            periods: split.periods.clone(),
            label: self.adjusted.label(),
            last_cycles: split.last_cycles.clone(),
            seasonal_variance: split.seasonal_variance.clone(),
            adjusted: fitted,
        })
    }
}

impl Forecaster for Decomposed {
    type Fitted = FittedDecomposed;

    fn fit(&self, series: &RegularSeries) -> Result<FittedDecomposed> {
        self.fit_split(&SeasonalSplit::of(series, &self.periods, &self.options)?)
    }
}

impl FittedModel for FittedDecomposed {
    fn name(&self) -> String {
        if self.periods.is_empty() {
            return self.adjusted.model().name();
        }
        let periods: Vec<String> = self.periods.iter().map(|p| p.to_string()).collect();
        format!("stl_{}({})", self.label, periods.join("+"))
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let inner = self.adjusted.model().predict(horizon, levels)?;
        let normal = Normal::standard();
        let seasonal_sd = self.seasonal_sd();
        let point: Vec<f64> = (0..horizon)
            .map(|h| inner.point[h] + self.seasonal(h))
            .collect();
        let intervals = inner
            .intervals
            .iter()
            .map(|i| {
                let z = central_quantile(i.level, |p| normal.inverse_cdf(p));
                let widen = |half: f64| (half * half + (z * seasonal_sd).powi(2)).sqrt();
                Interval {
                    level: i.level,
                    lower: (0..horizon)
                        .map(|h| point[h] - widen(inner.point[h] - i.lower[h]))
                        .collect(),
                    upper: (0..horizon)
                        .map(|h| point[h] + widen(i.upper[h] - inner.point[h]))
                        .collect(),
                }
            })
            .collect();
        Ok(Forecast {
            series: inner.series,
            model: self.name(),
            timestamps: inner.timestamps,
            point,
            intervals,
        })
    }

    /// The adjusted model's paths plus the last seasonal cycles, each component
    /// shifted by one normal error per phase and path (the error of a repeated
    /// cycle repeats with it).
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let mut inner = self.adjusted.model().simulate(horizon, n_paths, seed)?;
        let mut rng = rng(seed ^ 0x5ea5_0a1d);
        let mut phase_errors: Vec<Vec<f64>> = self
            .last_cycles
            .iter()
            .map(|c| vec![0.0; c.len()])
            .collect();
        for mut path in inner.paths.rows_mut() {
            for (errors, variance) in phase_errors.iter_mut().zip(&self.seasonal_variance) {
                for e in errors.iter_mut() {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    *e = variance.sqrt() * z;
                }
            }
            for h in 0..horizon {
                let shift: f64 = phase_errors.iter().map(|e| e[h % e.len()]).sum();
                path[h] += self.seasonal(h) + shift;
            }
        }
        inner.model = self.name();
        Ok(SamplePaths {
            paths: std::mem::replace(&mut inner.paths, Array2::zeros((0, 0))),
            ..inner
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn plain_line_extends_exactly() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..40).map(|t| 100.0 - 2.0 * t as f64).collect();
        let s = RegularSeries::new("free", start, Step::seconds(60), y).unwrap();
        let f = Decomposed::new(vec![], AdjustedModel::Trend(Curve::Linear))
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

    #[test]
    fn seasonal_models_name_and_paths() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..24 * 10)
            .map(|t| {
                50.0 + 0.1 * t as f64
                    + 4.0 * ((t % 24) as f64 / 3.8).sin()
                    + ((t * 7919) % 11) as f64 * 0.1
            })
            .collect();
        let s = RegularSeries::new("cpu", start, Step::seconds(3600), y).unwrap();
        for (adjusted, name) in [
            (AdjustedModel::Trend(Curve::Linear), "stl_linear(24)"),
            (AdjustedModel::Drift, "stl_drift(24)"),
            (AdjustedModel::Naive, "stl_naive(24)"),
        ] {
            let fit = Decomposed::new(vec![24], adjusted).fit(&s).unwrap();
            assert_eq!(fit.name(), name);
            let f = fit.predict(30, &[95.0]).unwrap();
            let paths = fit.simulate(30, 4000, 1).unwrap();
            let (lo, hi) = (paths.quantile(0.025), paths.quantile(0.975));
            for h in [0, 29] {
                let width = f.intervals[0].upper[h] - f.intervals[0].lower[h];
                assert!(
                    (lo[h] - f.intervals[0].lower[h]).abs() < 0.15 * width,
                    "{name} step {h}"
                );
                assert!(
                    (hi[h] - f.intervals[0].upper[h]).abs() < 0.15 * width,
                    "{name} step {h}"
                );
            }
        }
    }
}
