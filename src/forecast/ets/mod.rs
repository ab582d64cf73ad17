//! Exponential smoothing (ETS) in the taxonomy of Hyndman, Koehler, Ord and Snyder,
//! *Forecasting with Exponential Smoothing* (Springer, 2008): additive or
//! multiplicative error, no, additive or damped trend, and no, additive or
//! multiplicative season, as statsmodels' `ETSModel` defines them.
//!
//! - [`EtsSpec`] names a model by its code (`AAdN`, `MNM`, ...) and period.
//! - [`Ets`] fits one spec by maximum likelihood, the initial states estimated
//!   jointly with the smoothing parameters; [`AutoEts`] fits every admissible spec
//!   and keeps the one with the smallest AICc.
//! - [`ets_loglik`] and [`ets_smooth`] run the recursions at given parameters and
//!   initial states (what the parity tests against statsmodels call).
//!
//! The recursions are statsmodels' (`_ets_smooth.pyx`): with `L = l + phi b` and
//! `S` the seasonal state of one period ago, the one-step prediction is `L + S` or
//! `L S`, and the states are updated by the smoothing equations, which are the same
//! for both error types. The log-likelihood is the concentrated Gaussian one of
//! Ord, Koehler and Snyder (1997), `-n/2 (ln(2 pi s2) + 1) - sum ln |k_t|`, with
//! `s2` the mean squared (relative, for multiplicative error) residual and `k_t`
//! the prediction under multiplicative error and 1 otherwise.
//!
//! Estimation profiles the initial states out. For given smoothing parameters the
//! best initial states are exact in one least-squares step for the linear models
//! (additive error, no multiplicative season), whose one-step predictions are
//! affine in the initial states; with multiplicative error and no multiplicative
//! season the predictions are still affine, so Newton iterations run on stored
//! predictions and derivatives; with a multiplicative season, Gauss-Newton runs on
//! full passes. The smoothing parameters (at most four) are then searched within
//! the usual bounds: a coarse grid, short Nelder-Mead runs from its three best
//! separated points (the profile likelihood has several local maxima on real
//! series), and a longer run from the best. Fits of the non-seasonal models take
//! well under a millisecond to a few milliseconds on 1000 points; seasonal ones
//! with period 24, tens to a few hundred.
//!
//! Prediction intervals are exact and normal for the linear models (Hyndman et
//! al. 2008, chapter 6, class 1) and empirical quantiles of simulated paths for
//! the others.
//!
//! The code is split by concern: `spec` (the model codes), `likelihood` (the
//! recursions and the log-likelihood), `profile` (the best initial states at given
//! smoothing parameters), `estimation` (the search, starting states and bounds),
//! `simulation` (forecasts and intervals) and `selection` ([`AutoEts`]).

mod estimation;
mod likelihood;
mod profile;
mod selection;
mod simulation;
mod spec;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use likelihood::{ets_loglik, ets_smooth, EtsParams, EtsSmoothed, EtsState};
pub use selection::{AutoEts, EtsCandidate, EtsOutcome, EtsSelection};
pub use spec::{EtsErrorType, EtsSeason, EtsSpec, EtsTrend};

use super::{Forecaster, Origin};
use crate::error::{Error, Result};
use crate::series::RegularSeries;
use estimation::{admissible, fit_checked, Estimate};

/// Sample paths drawn for the prediction intervals of the models without exact
/// ones (statsmodels draws 1000, R's `forecast` 5000): the 95 % bounds then have a
/// Monte Carlo error of about 3 % of their distance from the forecast.
pub const DEFAULT_INTERVAL_PATHS: usize = 2000;

/// The seed of those paths, fixed so that a forecast is reproducible.
pub const DEFAULT_INTERVAL_SEED: u64 = 0x05ee_de75;

/// One ETS model, fitted by maximum likelihood.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{Ets, FittedModel, Forecaster};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..120).map(|t| 50.0 + 0.5 * t as f64 + ((t * 7) % 5) as f64).collect();
/// let s = RegularSeries::new("cpu", start, Step::seconds(3600), y).unwrap();
/// let fit = Ets::new("AAdN".parse().unwrap()).fit(&s).unwrap();
/// let f = fit.predict(12, &[95.0]).unwrap();
/// assert!(f.point[11] > f.point[0]);
/// assert!(f.intervals[0].upper[11] - f.intervals[0].lower[11] > f.intervals[0].upper[0] - f.intervals[0].lower[0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ets {
    spec: EtsSpec,
    interval_paths: usize,
    interval_seed: u64,
}

impl Ets {
    /// The model of this spec.
    pub fn new(spec: EtsSpec) -> Self {
        Ets {
            spec,
            interval_paths: DEFAULT_INTERVAL_PATHS,
            interval_seed: DEFAULT_INTERVAL_SEED,
        }
    }

    /// Paths (and their seed) drawn for the intervals of models without exact ones
    /// (default [`DEFAULT_INTERVAL_PATHS`], [`DEFAULT_INTERVAL_SEED`]).
    pub fn interval_simulation(mut self, paths: usize, seed: u64) -> Self {
        self.interval_paths = paths.max(1);
        self.interval_seed = seed;
        self
    }

    /// The spec.
    pub fn spec(&self) -> EtsSpec {
        self.spec
    }
}

impl Forecaster for Ets {
    type Fitted = FittedEts;

    fn fit(&self, series: &RegularSeries) -> Result<FittedEts> {
        let y = series.values();
        admissible(&self.spec, y).map_err(|reason| Error::series(series.name(), reason))?;
        let estimate =
            fit_checked(&self.spec, y, None).map_err(|e| Error::series(series.name(), e))?;
        FittedEts::build(
            series,
            self.spec,
            estimate,
            None,
            self.interval_paths,
            self.interval_seed,
        )
    }
}

/// A fitted ETS model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedEts {
    origin: Origin,
    spec: EtsSpec,
    params: EtsParams,
    initial: EtsState,
    final_state: EtsState,
    n: usize,
    mse: f64,
    loglik: f64,
    fitted: Vec<f64>,
    interval_paths: usize,
    interval_seed: u64,
    selection: Option<EtsSelection>,
}

impl FittedEts {
    /// The model of `spec` on `series` at given parameters and initial states,
    /// without estimation (to reproduce another tool's fit).
    pub fn from_parameters(
        series: &RegularSeries,
        spec: EtsSpec,
        params: EtsParams,
        initial: EtsState,
    ) -> Result<FittedEts> {
        FittedEts::build(
            series,
            spec,
            Estimate { params, initial },
            None,
            DEFAULT_INTERVAL_PATHS,
            DEFAULT_INTERVAL_SEED,
        )
    }

    fn build(
        series: &RegularSeries,
        spec: EtsSpec,
        estimate: Estimate,
        selection: Option<EtsSelection>,
        interval_paths: usize,
        interval_seed: u64,
    ) -> Result<FittedEts> {
        let smoothed = ets_smooth(&spec, &estimate.params, &estimate.initial, series.values())
            .map_err(|e| e.in_series(series.name()))?;
        Ok(FittedEts {
            origin: Origin::of(series),
            spec,
            params: estimate.params,
            initial: estimate.initial,
            final_state: smoothed.final_state,
            n: series.len(),
            mse: smoothed.mse,
            loglik: smoothed.loglik,
            fitted: smoothed.fitted,
            interval_paths,
            interval_seed,
            selection,
        })
    }

    /// The spec.
    pub fn spec(&self) -> EtsSpec {
        self.spec
    }

    /// The smoothing parameters.
    pub fn params(&self) -> EtsParams {
        self.params
    }

    /// The initial states (before the first observation).
    pub fn initial_state(&self) -> &EtsState {
        &self.initial
    }

    /// The states after the last observation, from which forecasts start.
    pub fn final_state(&self) -> &EtsState {
        &self.final_state
    }

    /// The error variance: the mean squared residual (relative residual, for
    /// multiplicative error).
    pub fn sigma2(&self) -> f64 {
        self.mse
    }

    /// The log-likelihood.
    pub fn loglik(&self) -> f64 {
        self.loglik
    }

    /// Number of parameters counted by the information criteria
    /// ([`EtsSpec::n_params`]).
    pub fn n_params(&self) -> usize {
        self.spec.n_params()
    }

    /// Akaike's information criterion `-2 loglik + 2 k`.
    pub fn aic(&self) -> f64 {
        -2.0 * self.loglik + 2.0 * self.n_params() as f64
    }

    /// AIC corrected for small samples: `AIC + 2 k (k + 1) / (n - k - 1)`.
    pub fn aicc(&self) -> f64 {
        let k = self.n_params() as f64;
        let denominator = self.n as f64 - k - 1.0;
        if denominator > 0.0 {
            self.aic() + 2.0 * k * (k + 1.0) / denominator
        } else {
            f64::MAX
        }
    }

    /// The Bayesian information criterion `-2 loglik + k ln n`.
    pub fn bic(&self) -> f64 {
        -2.0 * self.loglik + self.n_params() as f64 * (self.n as f64).ln()
    }

    /// The one-step predictions over the history.
    pub fn fitted(&self) -> &[f64] {
        &self.fitted
    }

    /// For a model chosen by [`AutoEts`], every candidate and how it fared.
    pub fn selection(&self) -> Option<&EtsSelection> {
        self.selection.as_ref()
    }
}
