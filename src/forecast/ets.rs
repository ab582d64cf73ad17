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
//! Estimation profiles the initial states out: for given smoothing parameters the
//! best initial states are found by Gauss-Newton (exactly, in one step, for the
//! linear models, whose one-step predictions are linear in the initial states),
//! and a Nelder-Mead search over the at most four smoothing parameters maximises
//! the profile likelihood within the usual bounds.

use std::fmt;
use std::str::FromStr;

use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::optim::{nelder_mead, solve_spd, NelderMead};
use super::{
    check_request, check_simulation, normal_intervals, rng, FittedModel, Forecast, Forecaster,
    Interval, Origin, SamplePaths,
};
use crate::error::{Error, Result};
use crate::series::RegularSeries;

// ---------------------------------------------------------------------------
// Specification
// ---------------------------------------------------------------------------

/// The error component of an ETS model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EtsErrorType {
    /// `y = prediction + e` (code `A`).
    Additive,
    /// `y = prediction (1 + e)` (code `M`); needs strictly positive data.
    Multiplicative,
}

/// The trend component of an ETS model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EtsTrend {
    /// No trend (code `N`).
    None,
    /// A linear trend (code `A`).
    Additive,
    /// A trend damped by a factor `phi` per step (code `Ad`).
    Damped,
}

/// The seasonal component of an ETS model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EtsSeason {
    /// No season (code `N`).
    None,
    /// A season added to the level (code `A`).
    Additive,
    /// A season multiplying the level (code `M`); needs strictly positive data.
    Multiplicative,
}

/// An ETS model: error, trend and season types, and the seasonal period.
///
/// It displays as the code of Hyndman et al. (`AAdN`: additive error, damped
/// trend, no season) and parses from the code, with the period in parentheses
/// for seasonal models (`"MAM(12)"`).
///
/// ```
/// use headroom::forecast::{EtsSpec, EtsTrend};
/// let spec: EtsSpec = "AAdA(24)".parse().unwrap();
/// assert_eq!(spec.trend, EtsTrend::Damped);
/// assert_eq!((spec.to_string(), spec.period), ("AAdA".to_string(), 24));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EtsSpec {
    /// The error type.
    pub error: EtsErrorType,
    /// The trend type.
    pub trend: EtsTrend,
    /// The season type.
    pub season: EtsSeason,
    /// Steps per season; ignored (and 1 by convention) without a season.
    pub period: usize,
}

impl EtsSpec {
    /// A spec; a seasonal one needs a period of at least 2, a non-seasonal one gets
    /// period 1 whatever is given.
    pub fn new(
        error: EtsErrorType,
        trend: EtsTrend,
        season: EtsSeason,
        period: usize,
    ) -> Result<Self> {
        let spec = EtsSpec {
            error,
            trend,
            season,
            period: if season == EtsSeason::None { 1 } else { period },
        };
        spec.validate()?;
        Ok(spec)
    }

    /// The spec with this code (`ANN`, `AAdM`, ...) and seasonal period.
    pub fn parse(code: &str, period: usize) -> Result<Self> {
        let bad = || {
            Error::invalid(format!(
                "'{code}' is not an ETS code: error A or M, trend N, A or Ad, season N, A or M \
                 (for example ANN, AAdN, MAM)"
            ))
        };
        let chars: Vec<char> = code.trim().chars().collect();
        let (error, rest) = match chars.split_first() {
            Some(('A', rest)) => (EtsErrorType::Additive, rest),
            Some(('M', rest)) => (EtsErrorType::Multiplicative, rest),
            _ => return Err(bad()),
        };
        let (trend, rest) = match rest {
            ['N', rest @ ..] => (EtsTrend::None, rest),
            ['A', 'd', rest @ ..] => (EtsTrend::Damped, rest),
            ['A', rest @ ..] => (EtsTrend::Additive, rest),
            _ => return Err(bad()),
        };
        let season = match rest {
            ['N'] => EtsSeason::None,
            ['A'] => EtsSeason::Additive,
            ['M'] => EtsSeason::Multiplicative,
            _ => return Err(bad()),
        };
        EtsSpec::new(error, trend, season, period)
    }

    /// The code of Hyndman et al.: `ANN`, `AAdA`, `MAM`, ...
    pub fn code(&self) -> String {
        let e = match self.error {
            EtsErrorType::Additive => "A",
            EtsErrorType::Multiplicative => "M",
        };
        let t = match self.trend {
            EtsTrend::None => "N",
            EtsTrend::Additive => "A",
            EtsTrend::Damped => "Ad",
        };
        let s = match self.season {
            EtsSeason::None => "N",
            EtsSeason::Additive => "A",
            EtsSeason::Multiplicative => "M",
        };
        format!("{e}{t}{s}")
    }

    /// True with a season.
    pub fn is_seasonal(&self) -> bool {
        self.season != EtsSeason::None
    }

    /// True with a trend, damped or not.
    pub fn has_trend(&self) -> bool {
        self.trend != EtsTrend::None
    }

    /// True with a damped trend.
    pub fn is_damped(&self) -> bool {
        self.trend == EtsTrend::Damped
    }

    /// True when any component is multiplicative (the data must then be positive).
    pub fn is_multiplicative(&self) -> bool {
        self.error == EtsErrorType::Multiplicative || self.season == EtsSeason::Multiplicative
    }

    /// True for the linear models (additive error, no multiplicative season:
    /// class 1 of Hyndman et al. 2008, chapter 6), whose prediction intervals are
    /// exact and normal; the others' come from simulation.
    pub fn has_exact_intervals(&self) -> bool {
        self.error == EtsErrorType::Additive && self.season != EtsSeason::Multiplicative
    }

    /// The seasonal period in use: the period with a season, 1 without.
    pub fn season_length(&self) -> usize {
        if self.is_seasonal() {
            self.period
        } else {
            1
        }
    }

    /// The number of estimated parameters as statsmodels counts them for AIC,
    /// AICc and BIC: smoothing parameters, damping, the initial level, trend and
    /// all `period` initial seasonal states (one of which only fixes the
    /// normalisation), plus the error variance.
    pub fn n_params(&self) -> usize {
        let smoothing = 1
            + usize::from(self.has_trend())
            + usize::from(self.is_seasonal())
            + usize::from(self.is_damped());
        let states =
            1 + usize::from(self.has_trend()) + if self.is_seasonal() { self.period } else { 0 };
        smoothing + states + 1
    }

    /// The fewest observations a fit needs: four more than the parameters (as R's
    /// `forecast::ets`), and two full seasons for a seasonal model (as statsmodels'
    /// initial-state heuristic).
    pub fn min_observations(&self) -> usize {
        let by_params = self.n_params() + 4;
        if self.is_seasonal() {
            by_params.max(2 * self.period)
        } else {
            by_params
        }
    }

    fn validate(&self) -> Result<()> {
        if self.is_seasonal() && self.period < 2 {
            return Err(Error::invalid(format!(
                "the seasonal ETS model {} needs a period of at least 2, got {}",
                self.code(),
                self.period
            )));
        }
        Ok(())
    }

    /// The name of a fitted model of this spec, as in the `model` column.
    fn model_name(&self) -> String {
        if self.is_seasonal() {
            format!("ets({},{})", self.code(), self.period)
        } else {
            format!("ets({})", self.code())
        }
    }
}

impl fmt::Display for EtsSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl FromStr for EtsSpec {
    type Err = Error;

    /// A code, with the period in parentheses for a seasonal model: `AAdN`,
    /// `ANA(24)`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        match s.split_once('(') {
            Some((code, rest)) => {
                let period = rest
                    .strip_suffix(')')
                    .and_then(|p| p.trim().parse::<usize>().ok())
                    .ok_or_else(|| {
                        Error::invalid(format!("'{s}': the period in parentheses is not a number"))
                    })?;
                EtsSpec::parse(code, period)
            }
            None => EtsSpec::parse(s, 1),
        }
    }
}

// ---------------------------------------------------------------------------
// Parameters and states
// ---------------------------------------------------------------------------

/// Smoothing parameters in the state-space form of Hyndman et al. (2008), as
/// statsmodels reports them (`smoothing_level`, `smoothing_trend`,
/// `smoothing_seasonal`, `damping_trend`).
///
/// The usual bounds apply to fits: `alpha` in `[1e-4, 1 - 1e-4]`, `beta / alpha`
/// and `gamma / (1 - alpha)` in the same interval, and `phi` in `[0.8, 0.98]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsParams {
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing (0 without a trend).
    pub beta: f64,
    /// Seasonal smoothing (0 without a season).
    pub gamma: f64,
    /// Damping (1 without damping).
    pub phi: f64,
}

/// The states of an ETS model at one time: level, trend and one season of
/// seasonal states.
///
/// `seasonal[0]` is the most recent seasonal state and `seasonal[period - 1]` the
/// oldest, the one the next observation uses: the order of statsmodels'
/// `initial_seasonal.0`, `initial_seasonal.1`, ... and of the state vector of
/// Hyndman et al. (2008).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsState {
    /// The level.
    pub level: f64,
    /// The trend (0 without a trend).
    pub trend: f64,
    /// The seasonal states, most recent first (empty without a season).
    pub seasonal: Vec<f64>,
}

/// The result of running the recursions over a series: see [`ets_smooth`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsSmoothed {
    /// One-step predictions, one per observation.
    pub fitted: Vec<f64>,
    /// Residuals: `y - fitted`, divided by `fitted` for multiplicative error.
    pub residuals: Vec<f64>,
    /// The mean squared residual (the maximum likelihood estimate of the error
    /// variance).
    pub mse: f64,
    /// The log-likelihood.
    pub loglik: f64,
    /// The states after the last observation.
    pub final_state: EtsState,
}

/// The log-likelihood of `spec` with these parameters and initial states on `y`,
/// as statsmodels' `ETSModel.loglike` computes it.
///
/// ```
/// use headroom::forecast::{ets_loglik, EtsParams, EtsSpec, EtsState};
/// let spec: EtsSpec = "ANN".parse().unwrap();
/// let params = EtsParams { alpha: 0.5, beta: 0.0, gamma: 0.0, phi: 1.0 };
/// let start = EtsState { level: 1.0, trend: 0.0, seasonal: vec![] };
/// // Residuals 1 and 0.5: mean square 0.625.
/// let ll = ets_loglik(&spec, &params, &start, &[2.0, 2.0]).unwrap();
/// let expected = -(2.0 * std::f64::consts::PI * 0.625f64).ln() - 1.0;
/// assert!((ll - expected).abs() < 1e-12);
/// ```
pub fn ets_loglik(
    spec: &EtsSpec,
    params: &EtsParams,
    initial: &EtsState,
    y: &[f64],
) -> Result<f64> {
    Ok(ets_smooth(spec, params, initial, y)?.loglik)
}

/// Run the smoothing recursions of `spec` over `y` from the initial states:
/// one-step predictions, residuals, the error variance, the log-likelihood and
/// the final states.
///
/// Fails when the inputs do not fit the spec (a seasonal state count other than
/// the period, parameters outside `0 <= beta <= alpha <= 1`,
/// `0 <= gamma <= 1 - alpha`, `0 < phi <= 1`, non-positive data for a
/// multiplicative model) or when the model is undefined along the way (a
/// non-positive prediction under multiplicative error).
pub fn ets_smooth(
    spec: &EtsSpec,
    params: &EtsParams,
    initial: &EtsState,
    y: &[f64],
) -> Result<EtsSmoothed> {
    spec.validate()?;
    check_params(spec, params)?;
    check_state(spec, initial)?;
    check_data(spec, y)?;
    let rec = Recursion::new(spec, params);
    let mut ring = ring_of(spec, initial);
    let n = y.len();
    let mut fitted = vec![0.0; n];
    let sums = rec.filter(initial.level, initial.trend, &mut ring, y, |t, yhat| {
        fitted[t] = yhat
    });
    if !sums.valid {
        return Err(Error::invalid(format!(
            "the {} model is undefined at these parameters: a one-step prediction is not \
             positive or not finite",
            spec.code()
        )));
    }
    let residuals: Vec<f64> = match spec.error {
        EtsErrorType::Additive => y.iter().zip(&fitted).map(|(y, f)| y - f).collect(),
        EtsErrorType::Multiplicative => y.iter().zip(&fitted).map(|(y, f)| (y - f) / f).collect(),
    };
    let final_state = EtsState {
        level: sums.level,
        trend: sums.trend,
        seasonal: state_of_ring(spec, &ring, n),
    };
    Ok(EtsSmoothed {
        mse: sums.sse / n as f64,
        loglik: sums.loglik(n, variance_floor(spec, y)),
        fitted,
        residuals,
        final_state,
    })
}

fn check_params(spec: &EtsSpec, p: &EtsParams) -> Result<()> {
    let slack = 1e-12;
    let fail = |what: &str| {
        Err(Error::invalid(format!(
            "ETS {} parameters alpha {}, beta {}, gamma {}, phi {}: {what}",
            spec.code(),
            p.alpha,
            p.beta,
            p.gamma,
            p.phi
        )))
    };
    if ![p.alpha, p.beta, p.gamma, p.phi]
        .iter()
        .all(|v| v.is_finite())
    {
        return fail("all must be finite");
    }
    if !(0.0..=1.0).contains(&p.alpha) {
        return fail("alpha must lie in [0, 1]");
    }
    if spec.has_trend() && !(p.beta >= 0.0 && p.beta <= p.alpha + slack) {
        return fail("beta must lie in [0, alpha]");
    }
    if spec.is_seasonal() && !(p.gamma >= 0.0 && p.gamma <= 1.0 - p.alpha + slack) {
        return fail("gamma must lie in [0, 1 - alpha]");
    }
    if spec.is_damped() && !(p.phi > 0.0 && p.phi <= 1.0) {
        return fail("phi must lie in (0, 1]");
    }
    Ok(())
}

fn check_state(spec: &EtsSpec, s: &EtsState) -> Result<()> {
    let m = if spec.is_seasonal() { spec.period } else { 0 };
    if s.seasonal.len() != m {
        return Err(Error::invalid(format!(
            "the {} model with period {} needs {m} initial seasonal states, got {}",
            spec.code(),
            spec.period,
            s.seasonal.len()
        )));
    }
    let finite =
        s.level.is_finite() && s.trend.is_finite() && s.seasonal.iter().all(|v| v.is_finite());
    if !finite {
        return Err(Error::invalid("ETS initial states must be finite"));
    }
    Ok(())
}

fn check_data(spec: &EtsSpec, y: &[f64]) -> Result<()> {
    if y.is_empty() {
        return Err(Error::invalid("ETS needs at least one observation"));
    }
    if let Some(t) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!("value {t} is not finite")));
    }
    if spec.is_multiplicative() {
        if let Some(t) = y.iter().position(|v| *v <= 0.0) {
            return Err(Error::invalid(format!(
                "the {} model has multiplicative components and needs strictly positive \
                 values, but value {t} is {}",
                spec.code(),
                y[t]
            )));
        }
    }
    Ok(())
}

/// The smallest error variance the likelihood uses, so that a series fitted
/// exactly (a constant, a straight line) has a large finite log-likelihood rather
/// than an infinite one. It is far below the variance of any real residuals.
fn variance_floor(spec: &EtsSpec, y: &[f64]) -> f64 {
    let tiny = (8.0 * f64::EPSILON).powi(2);
    match spec.error {
        EtsErrorType::Multiplicative => tiny,
        EtsErrorType::Additive => {
            let scale = y.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            (tiny * scale * scale).max(f64::MIN_POSITIVE)
        }
    }
}

/// The seasonal ring buffer of the recursions: slot `t % m` holds the state the
/// observation at `t` uses. Without a season, a single slot holding 0.
fn ring_of(spec: &EtsSpec, state: &EtsState) -> Vec<f64> {
    if spec.is_seasonal() {
        state.seasonal.iter().rev().copied().collect()
    } else {
        vec![0.0]
    }
}

/// The seasonal states, most recent first, from the ring after `n` steps.
fn state_of_ring(spec: &EtsSpec, ring: &[f64], n: usize) -> Vec<f64> {
    if !spec.is_seasonal() {
        return Vec::new();
    }
    let m = ring.len();
    (0..m).map(|j| ring[(n + m - 1 - j) % m]).collect()
}

// ---------------------------------------------------------------------------
// The recursions
// ---------------------------------------------------------------------------

/// Sums of one pass over the data.
#[derive(Clone, Copy, Debug)]
struct PassSums {
    /// Sum of squared (relative) residuals.
    sse: f64,
    /// Sum of the log predictions (multiplicative error only).
    sum_log: f64,
    /// False when a prediction was unusable (not finite; not positive under
    /// multiplicative error).
    valid: bool,
    level: f64,
    trend: f64,
}

impl PassSums {
    /// `-n/2 (ln(2 pi s2) + 1) - sum ln k_t`.
    fn loglik(&self, n: usize, floor: f64) -> f64 {
        let nf = n as f64;
        let s2 = (self.sse / nf).max(floor);
        -0.5 * nf * ((2.0 * std::f64::consts::PI * s2).ln() + 1.0) - self.sum_log
    }

    /// The negative log-likelihood without its constant: what the fit minimises.
    fn objective(&self, n: usize, floor: f64) -> f64 {
        if !self.valid {
            return f64::INFINITY;
        }
        let nf = n as f64;
        0.5 * nf * (self.sse / nf).max(floor).ln() + self.sum_log
    }
}

/// The smoothing equations of one spec at one parameter set.
///
/// Written in error-correction form so that no parameter is divided by another
/// (statsmodels divides by `alpha` and `1 - alpha` to get `beta*` and `gamma*`);
/// the two forms are algebraically identical: with `u = y - S - L` (additive
/// season) or `u = y / S - L` (multiplicative), `l = L + alpha u`,
/// `b = phi b + beta u`, and `s = S + gamma u` (additive) or
/// `s = S + gamma* (y / l - S)` (multiplicative, Holt-Winters' form, as
/// statsmodels).
#[derive(Clone, Copy, Debug)]
struct Recursion {
    alpha: f64,
    beta: f64,
    gamma: f64,
    gamma_star: f64,
    phi: f64,
    mul_season: bool,
    mul_error: bool,
}

impl Recursion {
    fn new(spec: &EtsSpec, p: &EtsParams) -> Self {
        let beta = if spec.has_trend() { p.beta } else { 0.0 };
        let gamma = if spec.is_seasonal() { p.gamma } else { 0.0 };
        let gamma_star = if gamma == 0.0 {
            0.0
        } else {
            gamma / (1.0 - p.alpha)
        };
        Recursion {
            alpha: p.alpha,
            beta,
            gamma,
            gamma_star,
            phi: if spec.is_damped() { p.phi } else { 1.0 },
            mul_season: spec.season == EtsSeason::Multiplicative,
            mul_error: spec.error == EtsErrorType::Multiplicative,
        }
    }

    /// `L = l + phi b` and the one-step prediction from level, trend and season.
    #[inline(always)]
    fn predict(&self, l: f64, b: f64, s: f64) -> (f64, f64) {
        let big_l = l + self.phi * b;
        let yhat = if self.mul_season {
            big_l * s
        } else {
            big_l + s
        };
        (big_l, yhat)
    }

    /// The states after observing `y`, from `L`, the trend and the season used.
    #[inline(always)]
    fn update(&self, big_l: f64, b: f64, s: f64, y: f64) -> (f64, f64, f64) {
        if self.mul_season {
            let u = y / s - big_l;
            let l = big_l + self.alpha * u;
            (
                l,
                self.phi * b + self.beta * u,
                s + self.gamma_star * (y / l - s),
            )
        } else {
            let u = y - s - big_l;
            (
                big_l + self.alpha * u,
                self.phi * b + self.beta * u,
                s + self.gamma * u,
            )
        }
    }

    /// Run over `y` from level `l`, trend `b` and the seasonal ring (updated in
    /// place), calling `visit(t, prediction)` at every step.
    fn filter(
        &self,
        mut l: f64,
        mut b: f64,
        ring: &mut [f64],
        y: &[f64],
        mut visit: impl FnMut(usize, f64),
    ) -> PassSums {
        let m = ring.len();
        let mut idx = 0;
        let mut sse = 0.0;
        let mut sum_log = 0.0;
        let mut positive = true;
        for (t, &yt) in y.iter().enumerate() {
            let s = ring[idx];
            let (big_l, yhat) = self.predict(l, b, s);
            visit(t, yhat);
            if self.mul_error {
                positive &= yhat > 0.0;
                let r = yt / yhat - 1.0;
                sse += r * r;
                sum_log += yhat.ln();
            } else {
                let r = yt - yhat;
                sse += r * r;
            }
            let (l1, b1, s1) = self.update(big_l, b, s, yt);
            l = l1;
            b = b1;
            ring[idx] = s1;
            idx += 1;
            if idx == m {
                idx = 0;
            }
        }
        PassSums {
            sse,
            sum_log,
            valid: positive
                && sse.is_finite()
                && sum_log.is_finite()
                && l.is_finite()
                && b.is_finite(),
            level: l,
            trend: b,
        }
    }
}

// ---------------------------------------------------------------------------
// Profiling out the initial states
// ---------------------------------------------------------------------------

/// Which initial states are free in a fit: the level, the trend when there is one,
/// and all seasonal states but the oldest (`seasonal[m - 1]`, the first one used),
/// which stays at its starting value because level and season are only identified
/// up to a shift (a scale, for a multiplicative season). statsmodels fixes the
/// same state, at 0 or 1; the fitted states are normalised afterwards.
#[derive(Clone, Copy, Debug)]
struct Layout {
    trend: bool,
    /// Seasonal period, 0 without a season.
    m: usize,
}

impl Layout {
    fn of(spec: &EtsSpec) -> Self {
        Layout {
            trend: spec.has_trend(),
            m: if spec.is_seasonal() { spec.period } else { 0 },
        }
    }

    /// Number of free initial states.
    fn k(&self) -> usize {
        1 + usize::from(self.trend) + self.m.saturating_sub(1)
    }

    fn season_offset(&self) -> usize {
        1 + usize::from(self.trend)
    }

    /// The free states of `state`.
    fn free(&self, state: &EtsState) -> Vec<f64> {
        let mut x = vec![state.level];
        if self.trend {
            x.push(state.trend);
        }
        if self.m > 0 {
            x.extend_from_slice(&state.seasonal[..self.m - 1]);
        }
        x
    }

    /// Level, trend and the seasonal ring from free states `x` and the fixed
    /// oldest seasonal state.
    fn unpack(&self, x: &[f64], fixed: f64, ring: &mut [f64]) -> (f64, f64) {
        let b = if self.trend { x[1] } else { 0.0 };
        if self.m > 0 {
            let off = self.season_offset();
            ring[0] = fixed;
            for i in 1..self.m {
                ring[i] = x[off + self.m - 1 - i];
            }
        } else {
            ring[0] = 0.0;
        }
        (x[0], b)
    }

    fn state(&self, x: &[f64], fixed: f64) -> EtsState {
        let mut seasonal = Vec::new();
        if self.m > 0 {
            seasonal.extend_from_slice(&x[self.season_offset()..]);
            seasonal.push(fixed);
        }
        EtsState {
            level: x[0],
            trend: if self.trend { x[1] } else { 0.0 },
            seasonal,
        }
    }
}

/// Derivatives with respect to one free initial state, carried through a pass.
#[derive(Clone, Copy, Debug, Default)]
struct Tangent {
    level: f64,
    trend: f64,
    /// Of `L = l + phi b` at the current step.
    big_l: f64,
    /// `sum r dr` over the steps so far.
    g1: f64,
    /// `sum dyhat / yhat` (multiplicative error only).
    g2: f64,
}

/// Scratch space for the passes of one fit, allocated once.
struct Workspace<'a> {
    y: &'a [f64],
    layout: Layout,
    floor: f64,
    ring: Vec<f64>,
    /// Derivatives of the seasonal ring with respect to the free states, one row
    /// of `k` per slot.
    d_ring: Vec<f64>,
    tangents: Vec<Tangent>,
    /// Derivatives of the current residual.
    d_r: Vec<f64>,
    /// `sum dr dr'`, lower triangle, row-major `k` by `k`.
    h: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<f64>,
}

impl<'a> Workspace<'a> {
    fn new(spec: &EtsSpec, y: &'a [f64]) -> Self {
        let layout = Layout::of(spec);
        let k = layout.k();
        let slots = layout.m.max(1);
        Workspace {
            y,
            layout,
            floor: variance_floor(spec, y),
            ring: vec![0.0; slots],
            d_ring: vec![0.0; slots * k],
            tangents: vec![Tangent::default(); k],
            d_r: vec![0.0; k],
            h: vec![0.0; k * k],
            step: vec![0.0; k],
            trial: vec![0.0; k],
        }
    }

    fn n(&self) -> usize {
        self.y.len()
    }

    /// The objective at free states `x`.
    fn objective(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> f64 {
        let (l, b) = self.layout.unpack(x, fixed, &mut self.ring);
        let sums = rec.filter(l, b, &mut self.ring, self.y, |_, _| {});
        sums.objective(self.n(), self.floor)
    }

    /// Unit derivatives at the start: each free state is its own variable.
    fn seed_tangents(&mut self) {
        let lay = self.layout;
        let k = lay.k();
        self.d_ring.iter_mut().for_each(|v| *v = 0.0);
        self.h.iter_mut().for_each(|v| *v = 0.0);
        self.tangents
            .iter_mut()
            .for_each(|t| *t = Tangent::default());
        self.tangents[0].level = 1.0;
        if lay.trend {
            self.tangents[1].trend = 1.0;
        }
        let off = lay.season_offset();
        for slot in 1..lay.m {
            self.d_ring[slot * k + off + lay.m - 1 - slot] = 1.0;
        }
    }

    /// A pass that also carries the derivatives of the predictions with respect
    /// to the free states (forward mode), accumulating the gradient terms in the
    /// tangents and `sum dr dr'` in `h`.
    fn linearise(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> PassSums {
        let k = self.layout.k();
        let (mut l, mut b) = self.layout.unpack(x, fixed, &mut self.ring);
        self.seed_tangents();
        let slots = self.ring.len();
        let (alpha, beta, phi) = (rec.alpha, rec.beta, rec.phi);
        let mut sse = 0.0;
        let mut sum_log = 0.0;
        let mut positive = true;
        let mut idx = 0;
        for &yt in self.y {
            let s = self.ring[idx];
            let (big_l, yhat) = rec.predict(l, b, s);
            // Residual r and dr = dr_dyhat * dyhat.
            let (r, dr_dyhat, inv) = if rec.mul_error {
                positive &= yhat > 0.0;
                sum_log += yhat.ln();
                let inv = 1.0 / yhat;
                (yt * inv - 1.0, -yt * inv * inv, inv)
            } else {
                (yt - yhat, -1.0, 0.0)
            };
            sse += r * r;
            let ds = &mut self.d_ring[idx * k..(idx + 1) * k];
            for ((t, &d_s), d_r) in self.tangents.iter_mut().zip(ds.iter()).zip(&mut self.d_r) {
                t.big_l = t.level + phi * t.trend;
                let d_yhat = if rec.mul_season {
                    s * t.big_l + big_l * d_s
                } else {
                    t.big_l + d_s
                };
                *d_r = dr_dyhat * d_yhat;
                t.g1 += r * *d_r;
                t.g2 += d_yhat * inv;
            }
            for (i, (row, &d_ri)) in self.h.chunks_exact_mut(k).zip(&self.d_r).enumerate() {
                for (h_ij, &d_rj) in row[..=i].iter_mut().zip(&self.d_r[..=i]) {
                    *h_ij += d_ri * d_rj;
                }
            }
            // State update and its derivative; du is the derivative of the
            // correction u of `Recursion::update`.
            let (l1, b1, s1) = rec.update(big_l, b, s, yt);
            let du_ds = if rec.mul_season { -yt / (s * s) } else { -1.0 };
            let ds_dl1 = -yt / (l1 * l1);
            for (t, d_s) in self.tangents.iter_mut().zip(ds.iter_mut()) {
                let du = du_ds * *d_s - t.big_l;
                t.level = t.big_l + alpha * du;
                t.trend = phi * t.trend + beta * du;
                *d_s += if rec.mul_season {
                    rec.gamma_star * (ds_dl1 * t.level - *d_s)
                } else {
                    rec.gamma * du
                };
            }
            l = l1;
            b = b1;
            self.ring[idx] = s1;
            idx += 1;
            if idx == slots {
                idx = 0;
            }
        }
        PassSums {
            sse,
            sum_log,
            valid: positive
                && sse.is_finite()
                && sum_log.is_finite()
                && l.is_finite()
                && b.is_finite(),
            level: l,
            trend: b,
        }
    }

    /// The Gauss-Newton step for `f = n/2 ln(sse) + sum ln yhat` from the last
    /// linearisation, into `self.step`: solve `H d = -(g1 + (sse / n) g2)`, which
    /// is `(n / sse) H d = -grad f`. `false` when the system cannot be solved.
    fn gauss_newton_step(&mut self, sse: f64) -> bool {
        let k = self.layout.k();
        let ratio = sse.max(self.floor * self.n() as f64) / self.n() as f64;
        for (d, t) in self.step.iter_mut().zip(&self.tangents) {
            *d = -(t.g1 + ratio * t.g2);
        }
        solve_spd(&mut self.h, &mut self.step, k)
    }

    /// Move the free states `x` to the best ones for these smoothing parameters
    /// (Gauss-Newton with step halving; one exact step for the linear models) and
    /// return the objective there, or infinity when the model is undefined at `x`.
    fn profile(&mut self, rec: &Recursion, x: &mut [f64], fixed: f64, max_iter: usize) -> f64 {
        let n = self.n() as f64;
        let linear = !rec.mul_error && !rec.mul_season;
        let sums = self.linearise(rec, x, fixed);
        if !sums.valid {
            return f64::INFINITY;
        }
        let mut f = sums.objective(self.n(), self.floor);
        let mut sse = sums.sse;
        for _ in 0..max_iter {
            if !self.gauss_newton_step(sse) {
                return f;
            }
            if linear {
                // The residuals are linear in x: the step is exact, and so is the
                // new sum of squares, sse + g1' step, with no further pass.
                let gain: f64 = self
                    .tangents
                    .iter()
                    .zip(&self.step)
                    .map(|(t, d)| t.g1 * d)
                    .sum();
                let predicted = sse + gain;
                x.iter_mut().zip(&self.step).for_each(|(x, d)| *x += d);
                if predicted > 1e-3 * sse {
                    return 0.5 * n * (predicted / n).max(self.floor).ln();
                }
                // Most of the sum of squares cancelled: recompute it exactly.
                let sums = self.linearise(rec, x, fixed);
                sse = sums.sse;
                f = sums.objective(self.n(), self.floor);
                continue;
            }
            let Some(ft) = self.line_search(rec, x, fixed, f) else {
                return f;
            };
            x.copy_from_slice(&self.trial);
            let gain = f - ft;
            f = ft;
            if gain <= 1e-12 * (1.0 + f.abs()) {
                return f;
            }
            let sums = self.linearise(rec, x, fixed);
            if !sums.valid {
                return f;
            }
            sse = sums.sse;
        }
        f
    }

    /// Halve the step from `x` until the objective does not increase; the
    /// accepted point is left in `self.trial`.
    fn line_search(&mut self, rec: &Recursion, x: &[f64], fixed: f64, f: f64) -> Option<f64> {
        let mut t = 1.0;
        for _ in 0..30 {
            let mut trial = std::mem::take(&mut self.trial);
            for ((v, x), d) in trial.iter_mut().zip(x).zip(&self.step) {
                *v = x + t * d;
            }
            let ft = self.objective(rec, &trial, fixed);
            self.trial = trial;
            if ft <= f {
                return Some(ft);
            }
            t *= 0.5;
        }
        None
    }
}

// ---------------------------------------------------------------------------
// Fitting
// ---------------------------------------------------------------------------

/// Bounds of the smoothing parameters during fits: statsmodels' `ETSModel`
/// defaults (`_setup_bounds`), the "usual" region of R's `forecast::ets`.
const SMOOTHING_BOUNDS: (f64, f64) = (1e-4, 1.0 - 1e-4);
const DAMPING_BOUNDS: (f64, f64) = (0.8, 0.98);

/// The smoothing parameters searched: `alpha`, then `beta* = beta / alpha`,
/// `gamma* = gamma / (1 - alpha)` and `phi` as the spec has them. The starred
/// forms turn `beta <= alpha` and `gamma <= 1 - alpha` into a box.
#[derive(Clone, Copy, Debug)]
struct Search {
    trend: bool,
    season: bool,
    damped: bool,
}

impl Search {
    fn of(spec: &EtsSpec) -> Self {
        Search {
            trend: spec.has_trend(),
            season: spec.is_seasonal(),
            damped: spec.is_damped(),
        }
    }

    fn bounds(&self) -> (Vec<f64>, Vec<f64>) {
        let (lo, hi) = SMOOTHING_BOUNDS;
        let mut lower = vec![lo];
        let mut upper = vec![hi];
        for (on, (l, u)) in [
            (self.trend, SMOOTHING_BOUNDS),
            (self.season, SMOOTHING_BOUNDS),
            (self.damped, DAMPING_BOUNDS),
        ] {
            if on {
                lower.push(l);
                upper.push(u);
            }
        }
        (lower, upper)
    }

    fn params(&self, theta: &[f64]) -> EtsParams {
        let alpha = theta[0];
        let mut i = 1;
        let mut next = |on: bool| {
            if on {
                i += 1;
                Some(theta[i - 1])
            } else {
                None
            }
        };
        let beta = next(self.trend).map_or(0.0, |b| b * alpha);
        let gamma = next(self.season).map_or(0.0, |g| g * (1.0 - alpha));
        let phi = next(self.damped).unwrap_or(1.0);
        EtsParams {
            alpha,
            beta,
            gamma,
            phi,
        }
    }

    fn theta(&self, p: &EtsParams) -> Vec<f64> {
        let mut theta = vec![p.alpha];
        if self.trend {
            theta.push(if p.alpha > 0.0 { p.beta / p.alpha } else { 0.0 });
        }
        if self.season {
            theta.push(if p.alpha < 1.0 {
                p.gamma / (1.0 - p.alpha)
            } else {
                0.0
            });
        }
        if self.damped {
            theta.push(p.phi);
        }
        theta
    }
}

/// The default starting smoothing parameters (statsmodels' `alpha` 0.1, `beta`
/// 0.01, `gamma` 0.01; `phi` 0.95 rather than its 0.98, which sits on the bound).
const START_PARAMS: EtsParams = EtsParams {
    alpha: 0.1,
    beta: 0.01,
    gamma: 0.01,
    phi: 0.95,
};

/// The outcome of a fit before it is wrapped with the series origin.
struct Estimate {
    params: EtsParams,
    initial: EtsState,
}

/// Estimate parameters and initial states of `spec` on `y` (data already checked).
fn estimate(spec: &EtsSpec, y: &[f64], start: Option<&Estimate>) -> Estimate {
    let search = Search::of(spec);
    let layout = Layout::of(spec);
    let (lower, upper) = search.bounds();
    let (start_params, start_state) = match start {
        Some(e) => (e.params, e.initial.clone()),
        None => (START_PARAMS, heuristic_state(spec, y)),
    };
    let mut theta0 = search.theta(&start_params);
    for (t, (l, u)) in theta0.iter_mut().zip(lower.iter().zip(&upper)) {
        *t = t.clamp(*l, *u);
    }
    let fixed = start_state.seasonal.last().copied().unwrap_or(0.0);
    let mut ws = Workspace::new(spec, y);
    let mut best_x = layout.free(&start_state);
    let mut best_f = f64::INFINITY;
    let mut x = best_x.clone();
    let objective = |theta: &[f64]| {
        let rec = Recursion::new(spec, &search.params(theta));
        x.copy_from_slice(&best_x);
        let f = ws.profile(&rec, &mut x, fixed, 20);
        if f < best_f {
            best_f = f;
            best_x.copy_from_slice(&x);
        }
        f
    };
    let step: Vec<f64> = lower
        .iter()
        .zip(&upper)
        .map(|(l, u)| 0.2 * (u - l))
        .collect();
    let settings = NelderMead::default();
    let found = nelder_mead(objective, &theta0, &step, &lower, &upper, &settings);
    let params = search.params(&found.x);
    // Re-profile at the optimum from the best states seen, to full convergence.
    let rec = Recursion::new(spec, &params);
    let mut ws = Workspace::new(spec, y);
    let mut x = best_x.clone();
    let f = ws.profile(&rec, &mut x, fixed, 100);
    let x = if f.is_finite() { x } else { best_x };
    Estimate {
        params,
        initial: normalise(spec, layout.state(&x, fixed)),
    }
}

/// Shift (additive) or scale (multiplicative) the initial seasonal states to mean
/// 0 or 1, compensating in the level (and trend), which leaves every prediction
/// unchanged. Reported states are then comparable across fits, as R's `ets`.
fn normalise(spec: &EtsSpec, mut state: EtsState) -> EtsState {
    let m = state.seasonal.len();
    if m == 0 {
        return state;
    }
    let mean = state.seasonal.iter().sum::<f64>() / m as f64;
    match spec.season {
        EtsSeason::Additive => {
            state.level += mean;
            state.seasonal.iter_mut().for_each(|s| *s -= mean);
        }
        EtsSeason::Multiplicative if mean > 0.0 && mean.is_finite() => {
            state.level *= mean;
            state.trend *= mean;
            state.seasonal.iter_mut().for_each(|s| *s /= mean);
        }
        _ => {}
    }
    state
}

/// Starting initial states by the heuristic of Hyndman et al. (2008, section
/// 2.6.1) as statsmodels implements it: seasonal indices from a centred moving
/// average of the first few seasons, then level and trend from a straight line
/// through the first ten (seasonally adjusted) points. Short series fall back to
/// the first season's mean and the first difference.
fn heuristic_state(spec: &EtsSpec, y: &[f64]) -> EtsState {
    let n = y.len();
    let m = spec.period;
    let mul = spec.season == EtsSeason::Multiplicative;
    let (series, seasonal_in_time_order) = if spec.is_seasonal() {
        if n >= 2 * m && n >= 10 + 2 * (m / 2) {
            let (trend, seasonal) = classical_decomposition(y, m, mul);
            (trend, seasonal)
        } else {
            let first: f64 = y[..m.min(n)].iter().sum::<f64>() / m.min(n) as f64;
            let seasonal = (0..m)
                .map(|j| {
                    let v = y[j % n];
                    if mul {
                        v / first
                    } else {
                        v - first
                    }
                })
                .collect();
            (vec![first; 2], seasonal)
        }
    } else {
        (y.to_vec(), Vec::new())
    };
    let (level, trend) = if series.len() >= 10 {
        line_through(&series[..10])
    } else if series.len() >= 2 {
        (series[0], series[1] - series[0])
    } else {
        (series[0], 0.0)
    };
    EtsState {
        level,
        trend: if spec.has_trend() { trend } else { 0.0 },
        seasonal: seasonal_in_time_order.into_iter().rev().collect(),
    }
}

/// Intercept at step 0 and slope of the least-squares line through `v` at steps
/// 1, 2, ...
fn line_through(v: &[f64]) -> (f64, f64) {
    let k = v.len() as f64;
    let mean_x = (k + 1.0) / 2.0;
    let mean_y = v.iter().sum::<f64>() / k;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in v.iter().enumerate() {
        let dx = (i + 1) as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    (mean_y - slope * mean_x, slope)
}

/// The trend (centred moving average, 2 x m for even m) of the first few seasons
/// and the average seasonal index per position (`m` values in time order,
/// normalised to mean 0 or 1).
fn classical_decomposition(y: &[f64], m: usize, mul: bool) -> (Vec<f64>, Vec<f64>) {
    let n = y.len();
    let min_obs = 10 + 2 * (m / 2);
    let cycles = (n / m).min(5).max(min_obs.div_ceil(m));
    let len = (cycles * m).min(n);
    let data = &y[..len];
    let half = m / 2;
    let mut trend = Vec::new();
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..len.saturating_sub(half) {
        let ma = if m.is_multiple_of(2) {
            if t + half >= len {
                continue;
            }
            let inner: f64 = data[t + 1 - half..t + half].iter().sum();
            (inner + 0.5 * (data[t - half] + data[t + half])) / m as f64
        } else {
            data[t - half..=t + half].iter().sum::<f64>() / m as f64
        };
        trend.push(ma);
        let detrended = if mul { data[t] / ma } else { data[t] - ma };
        if detrended.is_finite() {
            sums[t % m] += detrended;
            counts[t % m] += 1;
        }
    }
    let neutral = if mul { 1.0 } else { 0.0 };
    let mut seasonal: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { neutral })
        .collect();
    let mean = seasonal.iter().sum::<f64>() / m as f64;
    if mul && mean > 0.0 {
        seasonal.iter_mut().for_each(|s| *s /= mean);
    } else if !mul {
        seasonal.iter_mut().for_each(|s| *s -= mean);
    }
    if trend.is_empty() {
        trend.push(y.iter().sum::<f64>() / n as f64);
    }
    (trend, seasonal)
}

// ---------------------------------------------------------------------------
// The models
// ---------------------------------------------------------------------------

/// Sample paths drawn for the prediction intervals of the models without exact
/// ones: the quantile standard error is then about 0.04 standard deviations at
/// 95 %.
pub const DEFAULT_INTERVAL_PATHS: usize = 5000;

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
        let estimate = fit_checked(&self.spec, y, None);
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

/// Why `spec` cannot be fitted to `y`, if it cannot.
fn admissible(spec: &EtsSpec, y: &[f64]) -> std::result::Result<(), String> {
    spec.validate().map_err(|e| e.to_string())?;
    if spec.is_multiplicative() {
        if let Some(t) = y.iter().position(|v| *v <= 0.0) {
            return Err(format!(
                "ETS {} has multiplicative components, which need strictly positive values; \
                 value {t} is {}",
                spec.code(),
                y[t]
            ));
        }
    }
    let need = spec.min_observations();
    if y.len() < need {
        let why = if spec.is_seasonal() && need == 2 * spec.period {
            format!("two full seasons of {}", spec.period)
        } else {
            format!("{} parameters", spec.n_params())
        };
        return Err(format!(
            "too little history for ETS {}: {} points, need at least {need} ({why})",
            spec.code(),
            y.len()
        ));
    }
    Ok(())
}

/// Estimate on admissible data; a constant series gets its exact flat fit.
fn fit_checked(spec: &EtsSpec, y: &[f64], start: Option<&Estimate>) -> Estimate {
    if is_constant(y) {
        return flat_estimate(spec, y[0]);
    }
    estimate(spec, y, start)
}

fn is_constant(y: &[f64]) -> bool {
    y.iter().all(|v| *v == y[0])
}

/// The exact fit of a constant series: level at the value, no trend, neutral
/// season, and the default smoothing parameters (any fit equally well).
fn flat_estimate(spec: &EtsSpec, value: f64) -> Estimate {
    let neutral = if spec.season == EtsSeason::Multiplicative {
        1.0
    } else {
        0.0
    };
    let search = Search::of(spec);
    Estimate {
        params: search.params(&search.theta(&START_PARAMS)),
        initial: EtsState {
            level: value,
            trend: 0.0,
            seasonal: vec![neutral; if spec.is_seasonal() { spec.period } else { 0 }],
        },
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

    fn recursion(&self) -> Recursion {
        Recursion::new(&self.spec, &self.params)
    }

    /// The point forecast: the recursions run forward with zero errors.
    fn point_forecast(&self, horizon: usize) -> Vec<f64> {
        let rec = self.recursion();
        let mut ring = ring_of(&self.spec, &self.final_state);
        let m = ring.len();
        // The ring of the final state starts at the slot the next step uses.
        let (mut l, mut b) = (self.final_state.level, self.final_state.trend);
        (0..horizon)
            .map(|h| {
                let s = ring[h % m];
                let (big_l, yhat) = rec.predict(l, b, s);
                let (l1, b1, s1) = rec.update(big_l, b, s, yhat);
                l = l1;
                b = b1;
                ring[h % m] = s1;
                yhat
            })
            .collect()
    }

    /// Forecast standard deviations of the linear models (Hyndman et al. 2008,
    /// chapter 6, class 1): `sigma2 (1 + sum_{j<h} c_j^2)` with
    /// `c_j = alpha + beta (phi + ... + phi^j) + gamma [j divisible by m]`.
    fn exact_sd(&self, horizon: usize) -> Vec<f64> {
        let p = self.recursion();
        let m = self.spec.season_length();
        let seasonal = self.spec.is_seasonal();
        let mut sum = 0.0;
        let mut damp_sum = 0.0;
        let mut power = 1.0;
        (1..=horizon)
            .map(|h| {
                let sd = (self.mse * (1.0 + sum)).sqrt();
                // c_h, used from step h + 1 on.
                power *= p.phi;
                damp_sum += power;
                let season = if seasonal && h % m == 0 { p.gamma } else { 0.0 };
                let c = p.alpha + p.beta * damp_sum + season;
                sum += c * c;
                sd
            })
            .collect()
    }

    /// One simulated path into `out`; `false` if it left the model's domain.
    fn simulate_path(
        &self,
        rec: &Recursion,
        out: &mut [f64],
        rng: &mut Xoshiro256PlusPlus,
    ) -> bool {
        let sigma = self.mse.sqrt();
        let mut ring = ring_of(&self.spec, &self.final_state);
        let m = ring.len();
        let (mut l, mut b) = (self.final_state.level, self.final_state.trend);
        for (h, slot) in out.iter_mut().enumerate() {
            let s = ring[h % m];
            let (big_l, yhat) = rec.predict(l, b, s);
            let e: f64 = StandardNormal.sample(rng);
            let y = if rec.mul_error {
                yhat * (1.0 + sigma * e)
            } else {
                yhat + sigma * e
            };
            let (l1, b1, s1) = rec.update(big_l, b, s, y);
            l = l1;
            b = b1;
            ring[h % m] = s1;
            *slot = y;
        }
        out.iter().all(|v| v.is_finite())
    }
}

impl FittedModel for FittedEts {
    fn name(&self) -> String {
        self.spec.model_name()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let point = self.point_forecast(horizon);
        let intervals = if self.spec.has_exact_intervals() {
            normal_intervals(&point, &self.exact_sd(horizon), levels)
        } else {
            let paths = self.simulate(horizon, self.interval_paths, self.interval_seed)?;
            levels
                .iter()
                .map(|&level| Interval {
                    level,
                    lower: paths.quantile(0.5 - level / 200.0),
                    upper: paths.quantile(0.5 + level / 200.0),
                })
                .collect()
        };
        Ok(Forecast {
            series: self.origin.series.clone(),
            model: self.name(),
            timestamps: self.origin.future(horizon),
            point,
            intervals,
        })
    }

    /// Paths of the model's own recursions with Gaussian errors of the fitted
    /// variance (added, or multiplying the prediction by `1 + e`, as the error
    /// type says). Parameter uncertainty is not included. A path that leaves the
    /// model's domain (a non-finite value, possible only with multiplicative
    /// components and large errors) is drawn again, up to ten times, and is then
    /// the point forecast.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let rec = self.recursion();
        let mut rng = rng(seed);
        let mut paths = Array2::zeros((n_paths, horizon));
        let mut buffer = vec![0.0; horizon];
        let mut point: Option<Vec<f64>> = None;
        for mut row in paths.rows_mut() {
            let ok = (0..10).any(|_| self.simulate_path(&rec, &mut buffer, &mut rng));
            if ok {
                row.iter_mut().zip(&buffer).for_each(|(r, v)| *r = *v);
            } else {
                let p = point.get_or_insert_with(|| self.point_forecast(horizon));
                row.iter_mut().zip(p.iter()).for_each(|(r, v)| *r = *v);
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

// ---------------------------------------------------------------------------
// Automatic choice
// ---------------------------------------------------------------------------

/// How one candidate of an [`AutoEts`] choice fared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EtsOutcome {
    /// Fitted, with its log-likelihood and AICc.
    Fitted {
        /// The log-likelihood.
        loglik: f64,
        /// The AICc the choice compares.
        aicc: f64,
    },
    /// Not a candidate for this series, and why.
    Skipped {
        /// The reason.
        reason: String,
    },
}

/// One candidate of an [`AutoEts`] choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsCandidate {
    /// The spec.
    pub spec: EtsSpec,
    /// Fitted or skipped.
    pub outcome: EtsOutcome,
}

/// The candidates of an [`AutoEts`] choice and the chosen spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsSelection {
    /// Every candidate considered, in the order tried.
    pub candidates: Vec<EtsCandidate>,
    /// The spec with the smallest AICc.
    pub chosen: EtsSpec,
}

/// ETS with the spec chosen by AICc among the admissible candidates, as R's
/// `forecast::ets`.
///
/// By default the candidates are every combination of error (A, M), trend (N, A,
/// Ad) and season (N, and A and M when the period is at least 2), except the
/// additive-error, multiplicative-season models, whose forecast variance can be
/// infinite (R's `restrict = TRUE`). A candidate is skipped, with the reason
/// recorded, when it has multiplicative components and the series has a value
/// at or below zero, when the series is shorter than two seasons or than the
/// parameters need ([`EtsSpec::min_observations`]), or when its fit fails. A
/// constant series gets `ANN`, which fits it exactly.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{AutoEts, FittedModel, Forecaster};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..96).map(|t| 10.0 + 3.0 * ((t % 12) as f64 - 5.5).abs() + (t % 5) as f64 * 0.3).collect();
/// let s = RegularSeries::new("cpu", start, Step::seconds(3600), y).unwrap();
/// let fit = AutoEts::new(12).fit(&s).unwrap();
/// assert!(fit.spec().is_seasonal());
/// assert_eq!(fit.selection().unwrap().candidates.len(), 15);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoEts {
    period: usize,
    restrict: bool,
    candidates: Option<Vec<EtsSpec>>,
    interval_paths: usize,
    interval_seed: u64,
}

impl AutoEts {
    /// Automatic ETS for this seasonal period (1 or 0 for non-seasonal candidates
    /// only).
    pub fn new(period: usize) -> Self {
        AutoEts {
            period,
            restrict: true,
            candidates: None,
            interval_paths: DEFAULT_INTERVAL_PATHS,
            interval_seed: DEFAULT_INTERVAL_SEED,
        }
    }

    /// Also consider the additive-error, multiplicative-season models.
    pub fn unrestricted(mut self) -> Self {
        self.restrict = false;
        self
    }

    /// Choose among exactly these specs instead (the admissibility rules still
    /// apply).
    pub fn candidates(mut self, specs: Vec<EtsSpec>) -> Self {
        self.candidates = Some(specs);
        self
    }

    /// Paths and seed for simulated intervals, as [`Ets::interval_simulation`].
    pub fn interval_simulation(mut self, paths: usize, seed: u64) -> Self {
        self.interval_paths = paths.max(1);
        self.interval_seed = seed;
        self
    }

    /// The candidate specs, before the series is seen.
    pub fn specs(&self) -> Vec<EtsSpec> {
        if let Some(specs) = &self.candidates {
            return specs.clone();
        }
        let seasons: &[EtsSeason] = if self.period >= 2 {
            &[
                EtsSeason::None,
                EtsSeason::Additive,
                EtsSeason::Multiplicative,
            ]
        } else {
            &[EtsSeason::None]
        };
        let mut specs = Vec::new();
        // Additive errors first: their fits start the multiplicative-error ones.
        for error in [EtsErrorType::Additive, EtsErrorType::Multiplicative] {
            for &season in seasons {
                for trend in [EtsTrend::None, EtsTrend::Additive, EtsTrend::Damped] {
                    if self.restrict
                        && error == EtsErrorType::Additive
                        && season == EtsSeason::Multiplicative
                    {
                        continue;
                    }
                    specs.push(EtsSpec {
                        error,
                        trend,
                        season,
                        period: if season == EtsSeason::None {
                            1
                        } else {
                            self.period
                        },
                    });
                }
            }
        }
        specs
    }
}

impl Forecaster for AutoEts {
    type Fitted = FittedEts;

    fn fit(&self, series: &RegularSeries) -> Result<FittedEts> {
        let y = series.values();
        let constant = is_constant(y);
        let mut candidates = Vec::new();
        let mut fits: Vec<(EtsSpec, Estimate, f64)> = Vec::new();
        for spec in self.specs() {
            let outcome = if let Err(reason) = admissible(&spec, y) {
                EtsOutcome::Skipped { reason }
            } else if constant && spec.code() != "ANN" {
                EtsOutcome::Skipped {
                    reason: "the series is constant: ANN fits it exactly".to_string(),
                }
            } else {
                let start = warm_start(&spec, &fits);
                let estimate = fit_checked(&spec, y, start);
                match ets_smooth(&spec, &estimate.params, &estimate.initial, y) {
                    Ok(s) => {
                        let k = spec.n_params() as f64;
                        let n = y.len() as f64;
                        let aicc = -2.0 * s.loglik + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0);
                        fits.push((spec, estimate, aicc));
                        EtsOutcome::Fitted {
                            loglik: s.loglik,
                            aicc,
                        }
                    }
                    Err(e) => EtsOutcome::Skipped {
                        reason: format!("the fit failed: {e}"),
                    },
                }
            };
            candidates.push(EtsCandidate { spec, outcome });
        }
        let best = fits
            .into_iter()
            .filter(|f| f.2.is_finite())
            .min_by(|a, b| a.2.total_cmp(&b.2));
        let Some((spec, estimate, _)) = best else {
            let reasons: Vec<String> = candidates
                .iter()
                .filter_map(|c| match &c.outcome {
                    EtsOutcome::Skipped { reason } => Some(format!("{}: {reason}", c.spec)),
                    EtsOutcome::Fitted { .. } => None,
                })
                .collect();
            return Err(Error::series(
                series.name(),
                format!("no ETS model could be fitted ({})", reasons.join("; ")),
            ));
        };
        let selection = EtsSelection {
            candidates,
            chosen: spec,
        };
        FittedEts::build(
            series,
            spec,
            estimate,
            Some(selection),
            self.interval_paths,
            self.interval_seed,
        )
    }
}

/// A multiplicative-error candidate starts from the fit of its additive-error
/// twin when there is one: the smoothing equations are the same, so that fit is
/// close.
fn warm_start<'a>(spec: &EtsSpec, fits: &'a [(EtsSpec, Estimate, f64)]) -> Option<&'a Estimate> {
    if spec.error != EtsErrorType::Multiplicative {
        return None;
    }
    fits.iter()
        .find(|(s, _, _)| {
            s.error == EtsErrorType::Additive && s.trend == spec.trend && s.season == spec.season
        })
        .map(|(_, e, _)| e)
}
