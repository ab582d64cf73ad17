//! Forecasting: the model interface, the [`Forecast`] it returns, and the models.
//!
//! A model ([`Forecaster`]) is configuration only; [`Forecaster::fit`] turns it and
//! a [`RegularSeries`] into a fitted model ([`FittedModel`]), the only type that can
//! [`predict`](FittedModel::predict). Every forecast carries a lower and upper bound
//! for each requested level.
//!
//! Models: [`SeasonalNaive`] and [`Drift`] baselines, [`TrendRegression`]s
//! (linear, polynomial, exponential, logarithmic, power, logistic), the
//! [`Decomposed`] forecaster (STL or MSTL, then a non-seasonal model of the
//! seasonally adjusted series), and [`ModelChoice`] to pick one by name or
//! automatically.

mod auto;
pub mod bounds;
mod conformal;
mod decomposed;
mod empirical;
mod ets;
mod growth;
mod harmonic;
mod naive;
pub mod ols;
mod optim;
mod origins;
mod study;
mod trend;

use chrono::{DateTime, Utc};
use ndarray::{Array2, ArrayViewMut1};
use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

pub(crate) use auto::weighs_growth;
pub use auto::{
    candidates, fit_with_intervals, select, validation_horizon, IntervalMethod, ModelChoice,
    Selection, VALIDATION_WINDOWS,
};
pub use bounds::{bound_forecast, bound_paths, Bounds};
pub use conformal::{ConformalScores, Conformalised, ErrorStructure};
pub use decomposed::{
    forecasting_options, AdjustedModel, Decomposed, FittedDecomposed, FORECAST_OUTER_ITERATIONS,
};
pub use empirical::{Combination, Empirical, Held};
pub use ets::{
    ets_loglik, ets_smooth, AutoEts, Ets, EtsCandidate, EtsErrorType, EtsOutcome, EtsParams,
    EtsSeason, EtsSelection, EtsSmoothed, EtsSpec, EtsState, EtsTrend, FittedEts,
    DEFAULT_INTERVAL_PATHS, DEFAULT_INTERVAL_SEED,
};
pub use growth::{has_logarithm, FittedGrowth, Growth};
pub use harmonic::{
    default_harmonics, FittedHarmonic, HarmonicRegression, HarmonicTrend, MAX_CHANGEPOINTS,
};
pub use naive::{
    remove_level_shifts, Drift, FittedDrift, FittedNaive2, FittedSeasonalNaive, FittedWindowMean,
    Naive2, SeasonalNaive, WindowMean, LEVEL_SHIFT_MADS,
};
pub use origins::CyclesForecaster;
pub use study::one_fit_errors;
pub use trend::{Curve, FittedTrend, TrendRegression, TrendWindow};

use crate::error::{Error, Result};
use crate::series::{RegularSeries, Step};

/// Values of sample paths a simulation holds at once for one series: 8 M values
/// (64 MB). Two series in flight then hold a few hundred MB at most, whatever the
/// horizon; every 2,000-path question up to 4,000 steps fits in one.
pub(crate) const MAX_PATH_VALUES: usize = 1 << 23;

/// The default interval levels, in percent.
pub const DEFAULT_LEVELS: [f64; 2] = [80.0, 95.0];

/// An unfitted model: configuration that can be fitted to a series.
pub trait Forecaster {
    /// The fitted form of this model.
    type Fitted: FittedModel;

    /// Fit the model to the series.
    fn fit(&self, series: &RegularSeries) -> Result<Self::Fitted>;
}

/// A fitted model: it can forecast.
pub trait FittedModel: Send + Sync {
    /// A short description of the model and its settings, as written in the
    /// `model` column (`seasonal_naive(24)`).
    fn name(&self) -> String;

    /// The point forecast and, for each level (percent, strictly between 0 and
    /// 100), a lower and upper bound, for `horizon` steps after the last observation.
    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast>;

    /// `n_paths` simulated future paths of `horizon` steps, drawn from the model's
    /// own error distribution (parameter uncertainty included where the model has
    /// it). The same seed gives the same paths.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths>;

    /// An upper bound on the chance that one path of
    /// [`simulate`](Self::simulate) reaches `capacity` (`>=` up, `<=` down) within
    /// `horizon` steps, without simulating: the sum over steps of each step's own
    /// tail probability (a union bound, valid however the steps move together).
    /// `None` when the model cannot say cheaply; then the paths must be drawn.
    fn crossing_bound(&self, horizon: usize, capacity: f64, up: bool) -> Result<Option<f64>> {
        let _ = (horizon, capacity, up);
        Ok(None)
    }
}

/// Simulated future paths of one series: `paths[[i, h]]` is path `i` at step `h`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplePaths {
    /// The series simulated.
    pub series: String,
    /// The model that simulated it.
    pub model: String,
    /// One timestamp per future step.
    pub timestamps: Vec<DateTime<Utc>>,
    /// The paths, one row per path, one column per step.
    pub paths: Array2<f64>,
}

impl SamplePaths {
    /// Number of paths.
    pub fn n_paths(&self) -> usize {
        self.paths.nrows()
    }

    /// Number of steps.
    pub fn horizon(&self) -> usize {
        self.paths.ncols()
    }

    /// The empirical `q` quantile (0 to 1) of the paths at each step, by linear
    /// interpolation between order statistics (type 7, as R and numpy default).
    pub fn quantile(&self, q: f64) -> Vec<f64> {
        self.paths
            .columns()
            .into_iter()
            .map(|column| {
                let mut v: Vec<f64> = column.to_vec();
                v.sort_by(f64::total_cmp);
                let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
                let lo = pos.floor() as usize;
                let hi = pos.ceil() as usize;
                v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
            })
            .collect()
    }
}

/// The random-number generator behind every simulation: xoshiro256++, named so
/// that a seed gives the same paths whatever `rand`'s default generator becomes.
pub(crate) fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Check a simulation request.
pub(crate) fn check_simulation(horizon: usize, n_paths: usize) -> Result<()> {
    check_request(horizon, &[])?;
    if n_paths == 0 {
        return Err(Error::invalid("at least one sample path is needed"));
    }
    Ok(())
}

/// A prediction interval at one level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Nominal coverage in percent (80 means an 80 % interval).
    pub level: f64,
    /// Lower bound per step.
    pub lower: Vec<f64>,
    /// Upper bound per step.
    pub upper: Vec<f64>,
}

/// A forecast of one series: timestamps, point forecast and intervals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The series forecast.
    pub series: String,
    /// The model that made it.
    pub model: String,
    /// One timestamp per future step.
    pub timestamps: Vec<DateTime<Utc>>,
    /// The point forecast per step.
    pub point: Vec<f64>,
    /// One interval per requested level, in the order requested.
    pub intervals: Vec<Interval>,
}

impl Forecast {
    /// Number of steps forecast.
    pub fn horizon(&self) -> usize {
        self.point.len()
    }

    /// The interval at `level` percent, if it was requested.
    pub fn interval(&self, level: f64) -> Option<&Interval> {
        self.intervals.iter().find(|i| i.level == level)
    }

    /// The interval with the highest level.
    pub fn widest(&self) -> Option<&Interval> {
        self.intervals
            .iter()
            .max_by(|a, b| a.level.total_cmp(&b.level))
    }
}

/// Where a fitted model's forecast starts: the series name, its last timestamp and
/// its step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// The series name.
    pub series: String,
    /// Timestamp of the last observation.
    pub last: DateTime<Utc>,
    /// The step between observations.
    pub step: Step,
}

impl Origin {
    /// The origin at the end of `series`.
    pub fn of(series: &RegularSeries) -> Self {
        Origin {
            series: series.name().to_string(),
            last: series.last_timestamp(),
            step: series.step(),
        }
    }

    /// Timestamps of the `horizon` steps after the origin.
    pub fn future(&self, horizon: usize) -> Vec<DateTime<Utc>> {
        (1..=horizon as i64)
            .map(|k| self.step.advance(self.last, k))
            .collect()
    }

    /// A forecast from this origin.
    pub(crate) fn forecast(
        &self,
        model: String,
        point: Vec<f64>,
        intervals: Vec<Interval>,
    ) -> Forecast {
        Forecast {
            series: self.series.clone(),
            model,
            timestamps: self.future(point.len()),
            point,
            intervals,
        }
    }

    /// `n_paths` paths of `horizon` steps from this origin, each filled by `fill`
    /// from the seeded generator.
    pub(crate) fn simulate(
        &self,
        model: String,
        horizon: usize,
        n_paths: usize,
        seed: u64,
        mut fill: impl FnMut(&mut Xoshiro256PlusPlus, ArrayViewMut1<f64>),
    ) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let mut rng = rng(seed);
        let mut paths = Array2::zeros((n_paths, horizon));
        for path in paths.rows_mut() {
            fill(&mut rng, path);
        }
        Ok(SamplePaths {
            series: self.series.clone(),
            model,
            timestamps: self.future(horizon),
            paths,
        })
    }
}

/// Check a horizon and levels before predicting.
pub(crate) fn check_request(horizon: usize, levels: &[f64]) -> Result<()> {
    if horizon == 0 {
        return Err(Error::invalid("the horizon must be at least one step"));
    }
    if let Some(l) = levels.iter().find(|l| !(**l > 0.0 && **l < 100.0)) {
        return Err(Error::invalid(format!(
            "interval levels are percentages strictly between 0 and 100, got {l}"
        )));
    }
    Ok(())
}

/// The two-sided quantile multiplier of a level: `q(0.5 + level / 200)`.
pub fn central_quantile(level: f64, quantile: impl Fn(f64) -> f64) -> f64 {
    quantile(0.5 + level / 200.0)
}

/// Intervals `point ± z * sd` from the normal distribution, one per level.
pub(crate) fn normal_intervals(point: &[f64], sd: &[f64], levels: &[f64]) -> Vec<Interval> {
    let normal = Normal::standard();
    levels
        .iter()
        .map(|&level| {
            let z = central_quantile(level, |p| normal.inverse_cdf(p));
            symmetric_interval(level, point, sd, z)
        })
        .collect()
}

/// The interval `point ± multiplier * scale` at one level.
pub(crate) fn symmetric_interval(
    level: f64,
    point: &[f64],
    scale: &[f64],
    multiplier: f64,
) -> Interval {
    Interval {
        level,
        lower: point
            .iter()
            .zip(scale)
            .map(|(p, s)| p - multiplier * s)
            .collect(),
        upper: point
            .iter()
            .zip(scale)
            .map(|(p, s)| p + multiplier * s)
            .collect(),
    }
}

/// Fit any model and forecast in one call.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{forecast, SeasonalNaive};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..48).map(|t| (t % 24) as f64).collect();
/// let s = RegularSeries::new("cpu", start, Step::seconds(3600), y).unwrap();
/// let f = forecast(&SeasonalNaive::new(24), &s, 3, &[95.0]).unwrap();
/// assert_eq!(f.point, vec![0.0, 1.0, 2.0]);
/// ```
pub fn forecast<M: Forecaster>(
    model: &M,
    series: &RegularSeries,
    horizon: usize,
    levels: &[f64],
) -> Result<Forecast> {
    model.fit(series)?.predict(horizon, levels)
}
