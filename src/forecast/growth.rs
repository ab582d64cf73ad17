//! Growth that compounds: exponential smoothing of the series' logarithm.
//!
//! A disk that grows by a share of itself each month, traffic that doubles each
//! year, seasonal swings that grow with the level: all are straight lines and
//! constant swings in logs. [`Growth`] fits the additive exponential smoothing
//! models (ANN, AAN, AAdN, chosen by AICc; on a season, STL in logs and the same
//! choice for the seasonally adjusted logs) to `ln y`, and maps everything back
//! with `exp`: the point forecast is the median, each interval bound and each
//! sample path is the bound or path in logs, back-transformed (Hyndman and
//! Athanasopoulos, FPP3 section 5.6; R's `ets(y, lambda = 0)`). The damped
//! trend lets a slope fade; the smoothing of the slope (ETS's `beta`) puts the
//! trend changes the history shows into every future, and every future also
//! draws the slope's own estimation error (ETS's paths hold the fitted
//! slope as if it were known; over months its error is most of the spread of a
//! crossing date).
//!
//! A series with a value at or below zero has no logarithm: it is modelled as
//! it is (the model's name then has no `log_`).

use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal};

use super::{
    central_quantile, rng, AdjustedModel, AutoEts, Decomposed, FittedModel, Forecast, Forecaster,
    SamplePaths,
};
use crate::decompose::StlOptions;
use crate::error::Result;
use crate::series::RegularSeries;

/// Logarithms above this are held there before `exp`: `exp(700)` is near the
/// largest finite `f64`, and a path so far out has long passed any capacity.
const MAX_LOG: f64 = 700.0;

/// Exponential smoothing of the logarithm of a series (see the module).
#[derive(Clone, Debug, PartialEq)]
pub struct Growth {
    periods: Vec<usize>,
    options: StlOptions,
}

impl Growth {
    /// Growth on these seasonal periods (none: ETS of the logs alone).
    pub fn new(periods: Vec<usize>) -> Self {
        Growth {
            periods,
            options: StlOptions::default(),
        }
    }

    /// STL settings for the seasonal decomposition in logs.
    pub fn stl_options(mut self, options: StlOptions) -> Self {
        self.options = options;
        self
    }
}

/// A fitted [`Growth`]: the model of the logs (or of the values, when some are
/// at or below zero).
pub struct FittedGrowth {
    inner: Box<dyn FittedModel>,
    log: bool,
    /// The longest period (1 without a season): the slope is read over it.
    period: usize,
    /// Standard error of the slope per step, in the model's scale.
    slope_sd: f64,
}

impl std::fmt::Debug for FittedGrowth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedGrowth")
            .field("inner", &self.inner.name())
            .field("log", &self.log)
            .finish()
    }
}

impl Forecaster for Growth {
    type Fitted = FittedGrowth;

    fn fit(&self, series: &RegularSeries) -> Result<FittedGrowth> {
        let log = has_logarithm(series.values());
        let scaled = if log {
            RegularSeries::new(
                series.name(),
                series.start(),
                series.step(),
                series.values().iter().map(|v| v.ln()).collect(),
            )?
        } else {
            series.clone()
        };
        let inner: Box<dyn FittedModel> = if self.periods.is_empty() {
            Box::new(AutoEts::new(1).additive_only().fit(&scaled)?)
        } else {
            Box::new(
                Decomposed::new(self.periods.clone(), AdjustedModel::Ets)
                    .stl_options(super::forecasting_options(&self.options))
                    .fit(&scaled)?,
            )
        };
        let period = self.periods.iter().copied().max().unwrap_or(1);
        Ok(FittedGrowth {
            inner,
            log,
            period,
            slope_sd: slope_standard_error(scaled.values(), period),
        })
    }
}

/// The standard error of a slope per step read from the history's changes over
/// `period` steps (which cancel a season of that period): the spread of those
/// changes per step, over the square root of the independent ones (`(n - p) / p`
/// non-overlapping), as for the drift's mean change (FPP3 section 5.2).
fn slope_standard_error(z: &[f64], period: usize) -> f64 {
    let changes: Vec<f64> = z
        .windows(period + 1)
        .map(|w| (w[period] - w[0]) / period as f64)
        .filter(|d| d.is_finite())
        .collect();
    let m = changes.len();
    if m < 2 {
        return 0.0;
    }
    let mean = changes.iter().sum::<f64>() / m as f64;
    let var = changes.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (m - 1) as f64;
    let independent = (m as f64 / period as f64).max(1.0);
    (var / independent).sqrt()
}

/// Whether every value has a logarithm (finite and above zero; missing steps
/// are left to the model): whether [`Growth`] models the logarithm.
pub fn has_logarithm(values: &[f64]) -> bool {
    values
        .iter()
        .all(|v| v.is_nan() || (v.is_finite() && *v > 0.0))
}

fn back(z: f64) -> f64 {
    z.min(MAX_LOG).exp()
}

/// How far a slope error of one per step moves each of the first `horizon`
/// steps of the point forecast `z` (which runs `period` steps further): the
/// forecast's own trend, normalised to its first step (so a damped trend damps
/// its error too), or `h` where the forecast has no trend to scale. The trend
/// is read over one period, which cancels the season.
fn slope_reach(z: &[f64], period: usize, horizon: usize) -> Vec<f64> {
    let p = period;
    let slope: Vec<f64> = (0..horizon).map(|h| (z[h + p] - z[h]) / p as f64).collect();
    let first = slope[0];
    let mut reach = 0.0;
    slope
        .iter()
        .map(|s| {
            reach += if first.abs() > 1e-12 { s / first } else { 1.0 };
            reach
        })
        .collect()
}

impl FittedModel for FittedGrowth {
    fn name(&self) -> String {
        if self.log {
            format!("log_{}", self.inner.name())
        } else {
            self.inner.name()
        }
    }

    /// The model's forecast with each bound widened by the slope's error at
    /// that step (the two spreads added in variance, as the paths add them).
    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        // One period further, for the slope's reach; then cut to the horizon.
        let mut f = self.inner.predict(horizon + self.period, levels)?;
        let reach = slope_reach(&f.point, self.period, horizon);
        f.timestamps.truncate(horizon);
        f.point.truncate(horizon);
        for i in &mut f.intervals {
            i.lower.truncate(horizon);
            i.upper.truncate(horizon);
        }
        f.model = self.name();
        if self.slope_sd > 0.0 {
            let normal = Normal::standard();
            for i in &mut f.intervals {
                let z = central_quantile(i.level, |p| normal.inverse_cdf(p));
                for (h, r) in reach.iter().enumerate() {
                    let extra = (z * self.slope_sd * r).powi(2);
                    let widen = |half: f64| (half * half + extra).sqrt();
                    i.lower[h] = f.point[h] - widen(f.point[h] - i.lower[h]);
                    i.upper[h] = f.point[h] + widen(i.upper[h] - f.point[h]);
                }
            }
        }
        if self.log {
            f.point.iter_mut().for_each(|v| *v = back(*v));
            for i in &mut f.intervals {
                i.lower.iter_mut().for_each(|v| *v = back(*v));
                i.upper.iter_mut().for_each(|v| *v = back(*v));
            }
        }
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let mut paths = self.inner.simulate(horizon, n_paths, seed)?;
        paths.model = self.name();
        if self.slope_sd > 0.0 {
            let z = self.inner.predict(horizon + self.period, &[])?.point;
            let reach = slope_reach(&z, self.period, horizon);
            let mut rng = rng(seed ^ 0x510e_e77f);
            for mut path in paths.paths.rows_mut() {
                let e: f64 = StandardNormal.sample(&mut rng);
                let slope = self.slope_sd * e;
                for (v, r) in path.iter_mut().zip(&reach) {
                    *v += slope * r;
                }
            }
        }
        if self.log {
            paths.paths.mapv_inplace(back);
        }
        Ok(paths)
    }

    /// The logs' bound at the capacity's logarithm (`exp` keeps the order); a
    /// capacity at or below zero is reached by no path of a positive model
    /// going down and by every one going up, which the bound leaves to the
    /// paths, as it leaves a model with a slope error the inner bound omits.
    fn crossing_bound(&self, horizon: usize, capacity: f64, up: bool) -> Result<Option<f64>> {
        if self.slope_sd > 0.0 {
            return Ok(None);
        }
        match (self.log, capacity > 0.0) {
            (false, _) => self.inner.crossing_bound(horizon, capacity, up),
            (true, true) => self.inner.crossing_bound(horizon, capacity.ln(), up),
            (true, false) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    fn series(values: Vec<f64>, step: Step) -> RegularSeries {
        let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        RegularSeries::new("s", start, step, values).unwrap()
    }

    #[test]
    fn compounding_growth_is_continued_as_compounding() {
        // 1 % a day with a little noise: a year on, 1.01^365 = 37.8 times.
        let y: Vec<f64> = (0..400)
            .map(|t| 100.0 * 1.01f64.powi(t) * (1.0 + 0.002 * ((t * 7 % 11) as f64 - 5.0)))
            .collect();
        let fit = Growth::new(vec![])
            .fit(&series(y, Step::seconds(86_400)))
            .unwrap();
        assert!(fit.name().starts_with("log_ets"), "{}", fit.name());
        let f = fit.predict(100, &[95.0]).unwrap();
        let exact = 100.0 * 1.01f64.powi(499);
        assert!(
            (f.point[99] / exact - 1.0).abs() < 0.1,
            "{} vs {exact}",
            f.point[99]
        );
        let paths = fit.simulate(100, 200, 1).unwrap();
        assert!(paths.paths.iter().all(|v| v.is_finite() && *v > 0.0));
    }

    #[test]
    fn seasonal_swings_that_grow_stay_proportional() {
        // Monthly, 2 % growth a month, a 30 % yearly swing about the level.
        let y: Vec<f64> = (0..120)
            .map(|t| {
                let season = 1.0 + 0.3 * (t as f64 * std::f64::consts::TAU / 12.0).sin();
                100.0 * 1.02f64.powi(t) * season
            })
            .collect();
        let fit = Growth::new(vec![12])
            .fit(&series(y.clone(), Step::Months { months: 1 }))
            .unwrap();
        assert!(fit.name().starts_with("log_stl_ets"), "{}", fit.name());
        let f = fit.predict(24, &[95.0]).unwrap();
        let swing = |v: &[f64]| {
            let hi = v.iter().copied().fold(f64::MIN, f64::max);
            let lo = v.iter().copied().fold(f64::MAX, f64::min);
            (hi - lo) / (hi + lo)
        };
        // The relative swing of the second year ahead is the history's.
        let history = swing(&y[108..120]);
        let ahead = swing(&f.point[12..24]);
        assert!((ahead / history - 1.0).abs() < 0.1, "{ahead} vs {history}");
    }

    #[test]
    fn values_at_or_below_zero_are_modelled_as_they_are() {
        let y: Vec<f64> = (0..60).map(|t| t as f64 - 10.0).collect();
        let fit = Growth::new(vec![])
            .fit(&series(y, Step::seconds(3600)))
            .unwrap();
        assert!(!fit.name().starts_with("log_"));
        assert!(fit.predict(5, &[80.0]).unwrap().point[4] > 45.0);
    }
}
