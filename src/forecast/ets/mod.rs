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

use std::fmt;
use std::str::FromStr;

use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::optim::{nelder_mead, solve_pd, solve_spd, NelderMead};
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
    fn invalid() -> Self {
        PassSums {
            sse: f64::INFINITY,
            sum_log: 0.0,
            valid: false,
            level: 0.0,
            trend: 0.0,
        }
    }

    fn new(
        sse: f64,
        mul_error: bool,
        logs: LogSum,
        positive: bool,
        level: f64,
        trend: f64,
    ) -> Self {
        let sum_log = if mul_error { logs.total() } else { 0.0 };
        PassSums {
            sse,
            sum_log,
            valid: positive
                && sse.is_finite()
                && sum_log.is_finite()
                && level.is_finite()
                && trend.is_finite(),
            level,
            trend,
        }
    }

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

/// A sum of logarithms taken as the logarithm of running products, one `ln`
/// per many terms instead of one per term (the logarithm dominates the cost of a
/// multiplicative-error pass otherwise). Products are flushed before they can
/// leave the normal range.
#[derive(Clone, Copy, Debug)]
struct LogSum {
    sum: f64,
    product: f64,
}

impl LogSum {
    fn new() -> Self {
        LogSum {
            sum: 0.0,
            product: 1.0,
        }
    }

    /// Add `ln v`; a `v` that is not positive makes the total NaN.
    #[inline(always)]
    fn add(&mut self, v: f64) {
        if v <= 0.0 {
            self.sum = f64::NAN;
            return;
        }
        self.product *= v;
        if !(1e-100..=1e100).contains(&self.product) {
            self.sum += self.product.ln();
            self.product = 1.0;
        }
    }

    /// The sum; NaN if a term was not positive.
    fn total(self) -> f64 {
        self.sum + self.product.ln()
    }
}

/// `sum ln p` of positive values as a [`LogSum`]: four running products (so that
/// the loop vectorises) whose binary exponents are split off after every step,
/// which leaves four logarithms to take in all.
fn log_sum(p: &[f64]) -> LogSum {
    const EXPONENT: u64 = 0x7ff << 52;
    const ONE: u64 = 1023 << 52;
    if p.iter().any(|v| !(*v >= f64::MIN_POSITIVE && *v <= 1e300)) {
        // Zero, subnormal, huge or not a number: the slow, plain sum.
        let mut logs = LogSum::new();
        p.iter().for_each(|v| logs.add(*v));
        return logs;
    }
    let mut mantissas = [1.0_f64; 4];
    let mut exponents = [0_i64; 4];
    let chunks = p.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for ((m, e), v) in mantissas.iter_mut().zip(&mut exponents).zip(c) {
            let bits = (*m * v).to_bits();
            *e += ((bits & EXPONENT) >> 52) as i64 - 1023;
            *m = f64::from_bits((bits & !EXPONENT) | ONE);
        }
    }
    let exponent: i64 = exponents.iter().sum();
    let mut logs = LogSum {
        sum: exponent as f64 * std::f64::consts::LN_2
            + mantissas.iter().map(|m| m.ln()).sum::<f64>(),
        product: 1.0,
    };
    for &v in tail {
        logs.add(v);
    }
    logs
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
    seasonal: bool,
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
            seasonal: spec.is_seasonal(),
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
        l: f64,
        b: f64,
        ring: &mut [f64],
        y: &[f64],
        visit: impl FnMut(usize, f64),
    ) -> PassSums {
        if self.seasonal {
            self.filter_seasonal(l, b, ring, y, visit)
        } else {
            self.filter_flat(l, b, y, visit)
        }
    }

    fn filter_seasonal(
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
        let mut logs = LogSum::new();
        for (t, &yt) in y.iter().enumerate() {
            let s = ring[idx];
            let (big_l, yhat) = self.predict(l, b, s);
            visit(t, yhat);
            if self.mul_error {
                if yhat <= 0.0 {
                    return PassSums::invalid();
                }
                let r = yt / yhat - 1.0;
                sse += r * r;
                logs.add(yhat);
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
        PassSums::new(sse, self.mul_error, logs, true, l, b)
    }

    /// The same without a season: no ring buffer on the critical path.
    fn filter_flat(
        &self,
        mut l: f64,
        mut b: f64,
        y: &[f64],
        mut visit: impl FnMut(usize, f64),
    ) -> PassSums {
        let mut sse = 0.0;
        let mut logs = LogSum::new();
        for (t, &yt) in y.iter().enumerate() {
            let yhat = l + self.phi * b;
            visit(t, yhat);
            let r = if self.mul_error {
                if yhat <= 0.0 {
                    return PassSums::invalid();
                }
                logs.add(yhat);
                yt / yhat - 1.0
            } else {
                yt - yhat
            };
            sse += r * r;
            let u = yt - yhat;
            l = yhat + self.alpha * u;
            b = self.phi * b + self.beta * u;
        }
        PassSums::new(sse, self.mul_error, logs, true, l, b)
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
}

/// Scratch space for the passes of one fit, allocated once.
///
/// A linearisation leaves the predictions `pred` and their derivatives `jac`
/// with respect to the `k` free initial states (column-major: column `i` is
/// `jac[i n .. (i + 1) n]`), and from them the gradient terms `g1`, `g2` and the
/// Gauss-Newton matrix `h`, computed column by column so that the sums vectorise.
struct Workspace<'a> {
    y: &'a [f64],
    layout: Layout,
    floor: f64,
    mul_error: bool,
    /// With multiplicative error and no multiplicative season the predictions are
    /// affine in the initial states, so `pred + jac delta` is exact for any change
    /// `delta` and the profile iterates on the stored arrays.
    in_memory: bool,
    ring: Vec<f64>,
    /// Derivatives of the seasonal ring, one row of `k` per slot.
    d_ring: Vec<f64>,
    tangents: Vec<Tangent>,
    pred: Vec<f64>,
    jac: Vec<f64>,
    /// Per-step weights: `r dr/dp`, `(dr/dp)^2` and `1 / p` (multiplicative
    /// error only), and a scratch column.
    w_r: Vec<f64>,
    w_q: Vec<f64>,
    w_i: Vec<f64>,
    scratch: Vec<f64>,
    /// `sum r dr`, `sum dp / p` and `sum dr dr'` (lower triangle, row-major).
    g1: Vec<f64>,
    g2: Vec<f64>,
    h: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<f64>,
    delta: Vec<f64>,
}

impl<'a> Workspace<'a> {
    fn new(spec: &EtsSpec, y: &'a [f64]) -> Self {
        let layout = Layout::of(spec);
        let k = layout.k();
        let n = y.len();
        let slots = layout.m.max(1);
        let mul_error = spec.error == EtsErrorType::Multiplicative;
        let in_memory = mul_error && spec.season != EtsSeason::Multiplicative;
        Workspace {
            y,
            layout,
            floor: variance_floor(spec, y),
            mul_error,
            in_memory,
            ring: vec![0.0; slots],
            d_ring: vec![0.0; slots * k],
            tangents: vec![Tangent::default(); k],
            pred: vec![0.0; n],
            jac: vec![0.0; n * k],
            w_r: vec![0.0; n],
            w_q: vec![0.0; n],
            w_i: vec![0.0; n],
            scratch: vec![0.0; n],
            g1: vec![0.0; k],
            g2: vec![0.0; k],
            h: vec![0.0; k * k],
            step: vec![0.0; k],
            trial: vec![0.0; k],
            delta: vec![0.0; k],
        }
    }

    fn n(&self) -> usize {
        self.y.len()
    }

    fn k(&self) -> usize {
        self.layout.k()
    }

    /// The objective at free states `x`.
    fn objective(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> f64 {
        let (l, b) = self.layout.unpack(x, fixed, &mut self.ring);
        let sums = rec.filter(l, b, &mut self.ring, self.y, |_, _| {});
        sums.objective(self.n(), self.floor)
    }

    /// A pass that also carries the derivatives of the predictions with respect
    /// to the free states (forward mode) and leaves `g1`, `g2` and `h`.
    fn linearise(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> PassSums {
        match (self.layout.m, self.layout.trend) {
            (0, false) => self.linearise_flat::<1>(rec, x),
            (0, true) => self.linearise_flat::<2>(rec, x),
            _ => self.linearise_seasonal(rec, x, fixed),
        }
    }

    /// [`Workspace::linearise`] without a season. The recursion runs on the
    /// prediction and the trend, `yhat' = (1 - alpha - phi beta) yhat +
    /// (alpha + phi beta) y + phi^2 b` and `b' = phi b + beta (y - yhat)`, which is
    /// the same model with one multiply-add per step on the critical path instead
    /// of three; the sums are taken afterwards, column by column.
    #[allow(clippy::needless_range_loop)] // several fixed-size arrays per index
    fn linearise_flat<const K: usize>(&mut self, rec: &Recursion, x: &[f64]) -> PassSums {
        let (alpha, beta, phi) = (rec.alpha, rec.beta, rec.phi);
        let (c1, c2, phi2) = (1.0 - alpha - phi * beta, alpha + phi * beta, phi * phi);
        let n = self.n();
        let mut b = if K == 2 { x[1] } else { 0.0 };
        let mut yhat = x[0] + phi * b;
        // Derivatives of the prediction and trend with respect to x.
        let mut dy = [0.0; K];
        let mut db = [0.0; K];
        dy[0] = 1.0;
        if K == 2 {
            dy[K - 1] = phi;
            db[K - 1] = 1.0;
        }
        let (pred, jac) = (&mut self.pred, &mut self.jac);
        for (t, &yt) in self.y.iter().enumerate() {
            pred[t] = yhat;
            for i in 0..K {
                jac[i * n + t] = dy[i];
            }
            let b_next = phi * b + beta * (yt - yhat);
            yhat = c1 * yhat + c2 * yt + phi2 * b;
            b = b_next;
            for i in 0..K {
                let db_next = phi * db[i] - beta * dy[i];
                dy[i] = c1 * dy[i] + phi2 * db[i];
                db[i] = db_next;
            }
        }
        let mut sums = self.weigh();
        sums.valid &= yhat.is_finite() && b.is_finite();
        if !self.in_memory {
            self.accumulate_columns();
        }
        sums
    }

    /// Unit derivatives at the start: each free state is its own variable.
    fn seed_tangents(&mut self) {
        let lay = self.layout;
        let k = lay.k();
        self.d_ring.iter_mut().for_each(|v| *v = 0.0);
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

    /// [`Workspace::linearise`] with a season: the pass stores predictions,
    /// derivatives and weights; the sums are taken column by column afterwards.
    fn linearise_seasonal(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> PassSums {
        let k = self.k();
        let n = self.n();
        let (mut l, mut b) = self.layout.unpack(x, fixed, &mut self.ring);
        self.seed_tangents();
        let slots = self.ring.len();
        let (alpha, beta, phi) = (rec.alpha, rec.beta, rec.phi);
        let mut positive = true;
        let mut idx = 0;
        for (t, &yt) in self.y.iter().enumerate() {
            let s = self.ring[idx];
            let (big_l, yhat) = rec.predict(l, b, s);
            if rec.mul_error && yhat <= 0.0 {
                positive = false;
                if !self.in_memory {
                    break;
                }
            }
            self.pred[t] = yhat;
            let ds = &mut self.d_ring[idx * k..(idx + 1) * k];
            for (i, (tan, &d_s)) in self.tangents.iter_mut().zip(ds.iter()).enumerate() {
                tan.big_l = tan.level + phi * tan.trend;
                self.jac[i * n + t] = if rec.mul_season {
                    s * tan.big_l + big_l * d_s
                } else {
                    tan.big_l + d_s
                };
            }
            // State update and its derivative; du is the derivative of the
            // correction u of `Recursion::update`.
            let (l1, b1, s1) = rec.update(big_l, b, s, yt);
            let du_ds = if rec.mul_season { -yt / (s * s) } else { -1.0 };
            let ds_dl1 = -yt / (l1 * l1);
            for (tan, d_s) in self.tangents.iter_mut().zip(ds.iter_mut()) {
                let du = du_ds * *d_s - tan.big_l;
                tan.level = tan.big_l + alpha * du;
                tan.trend = phi * tan.trend + beta * du;
                *d_s += if rec.mul_season {
                    rec.gamma_star * (ds_dl1 * tan.level - *d_s)
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
        if !positive && !self.in_memory {
            return PassSums::invalid();
        }
        let mut sums = self.weigh();
        sums.valid &= l.is_finite() && b.is_finite();
        if !self.in_memory {
            self.accumulate_columns();
        }
        sums
    }

    /// Residual weights (see the fields) and the sums of the objective for the
    /// predictions in `pred`.
    fn weigh(&mut self) -> PassSums {
        let p = &self.pred;
        let y = self.y;
        if !self.mul_error {
            let mut sse = 0.0;
            for ((w_r, w_q), (&p, &yt)) in
                self.w_r.iter_mut().zip(&mut self.w_q).zip(p.iter().zip(y))
            {
                let r = yt - p;
                sse += r * r;
                *w_r = -r;
                *w_q = 1.0;
            }
            return PassSums::new(sse, false, LogSum::new(), true, 0.0, 0.0);
        }
        let mut sse = 0.0;
        let mut positive = true;
        let weights = self.w_r.iter_mut().zip(&mut self.w_q).zip(&mut self.w_i);
        for (((w_r, w_q), w_i), (&p, &yt)) in weights.zip(p.iter().zip(y)) {
            positive &= p > 0.0;
            let inv = 1.0 / p;
            let r = yt * inv - 1.0;
            let q = -yt * inv * inv;
            sse += r * r;
            *w_r = r * q;
            *w_q = q * q;
            *w_i = inv;
        }
        if !positive {
            return PassSums::invalid();
        }
        PassSums::new(sse, true, log_sum(p), true, 0.0, 0.0)
    }

    /// `g1 = jac' w_r`, `g2 = jac' w_i` and `h = jac' diag(w_q) jac` (lower).
    fn accumulate_columns(&mut self) {
        let (n, k) = (self.n(), self.k());
        for i in 0..k {
            let col_i = &self.jac[i * n..(i + 1) * n];
            self.g1[i] = dot(&self.w_r, col_i);
            self.g2[i] = if self.mul_error {
                dot(&self.w_i, col_i)
            } else {
                0.0
            };
            for ((s, w), c) in self.scratch.iter_mut().zip(&self.w_q).zip(col_i) {
                *s = w * c;
            }
            for j in 0..=i {
                self.h[i * k + j] = dot(&self.scratch, &self.jac[j * n..(j + 1) * n]);
            }
        }
    }

    /// The Gauss-Newton step for `f = n/2 ln(sse) + sum ln yhat` from the last
    /// linearisation, into `self.step`: solve `H d = -(g1 + (sse / n) g2)`, which
    /// is `(n / sse) H d = -grad f`. `false` when the system cannot be solved.
    fn gauss_newton_step(&mut self, sse: f64) -> bool {
        let k = self.k();
        let ratio = sse.max(self.floor * self.n() as f64) / self.n() as f64;
        for ((d, g1), g2) in self.step.iter_mut().zip(&self.g1).zip(&self.g2) {
            *d = -(g1 + ratio * g2);
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
        if self.in_memory {
            return self.profile_in_memory(x, sums, max_iter);
        }
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
                let gain: f64 = self.g1.iter().zip(&self.step).map(|(g, d)| g * d).sum();
                let predicted = sse + gain;
                x.iter_mut().zip(&self.step).for_each(|(x, d)| *x += d);
                // Cancellation loses about eps * sse / predicted relative accuracy.
                if predicted > 1e-8 * sse {
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
            if gain <= PROFILE_TOLERANCE * (1.0 + f.abs()) {
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

    /// The profile with affine predictions (see `in_memory`), starting from the
    /// better of no change and the least-squares fit of the relative errors
    /// `(y - prediction) / y` (a convex problem whose solution is close to the
    /// likelihood's, and which needs no valid starting point).
    fn profile_in_memory(&mut self, x: &mut [f64], first: PassSums, max_iter: usize) -> f64 {
        let n = self.n();
        let mut delta = std::mem::take(&mut self.delta);
        let mut trial = std::mem::take(&mut self.trial);
        delta.iter_mut().for_each(|d| *d = 0.0);
        // `scratch` holds the predictions at `delta`, `sse` their sum of squares,
        // `step` the Newton step there when `stepped`.
        let (mut f, mut sse) = (f64::INFINITY, f64::INFINITY);
        let mut stepped = None;
        if first.valid {
            f = first.objective(n, self.floor);
            sse = first.sse;
            self.scratch.copy_from_slice(&self.pred);
            stepped = self.newton_step_in_memory(sse);
        }
        // A start that is invalid, or where the objective is not convex, is
        // replaced by the relative least-squares fit if that is better.
        if !stepped.is_some_and(f64::is_finite) && self.relative_least_squares() {
            trial.copy_from_slice(&self.step);
            let (f_ls, sse_ls) = self.objective_in_memory(&trial);
            if f_ls < f {
                (f, sse) = (f_ls, sse_ls);
                delta.copy_from_slice(&trial);
                stepped = None;
            } else if f.is_finite() {
                self.scratch.copy_from_slice(&self.pred);
                stepped = self.newton_step_in_memory(sse);
            }
        }
        if !f.is_finite() {
            self.delta = delta;
            self.trial = trial;
            return f64::INFINITY;
        }
        for _ in 0..max_iter {
            let predicted = match stepped.take() {
                Some(p) => p,
                None => match self.newton_step_in_memory(sse) {
                    Some(p) => p,
                    None => break,
                },
            };
            if predicted <= PROFILE_TOLERANCE * (1.0 + f.abs()) {
                break;
            }
            let mut accepted = None;
            let mut t = 1.0;
            for _ in 0..30 {
                for ((v, d), s) in trial.iter_mut().zip(&delta).zip(&self.step) {
                    *v = d + t * s;
                }
                let (ft, sse_t) = self.objective_in_memory(&trial);
                if ft <= f {
                    accepted = Some((ft, sse_t));
                    break;
                }
                t *= 0.5;
            }
            let Some((ft, sse_t)) = accepted else {
                break;
            };
            delta.copy_from_slice(&trial);
            let gain = f - ft;
            f = ft;
            sse = sse_t;
            // After a full Newton step what remains is about the quadratic
            // model's error, `gain - predicted`.
            let tolerance = PROFILE_TOLERANCE * (1.0 + f.abs());
            if gain <= tolerance || (t == 1.0 && (gain - predicted).abs() <= tolerance) {
                break;
            }
        }
        self.delta = delta;
        self.trial = trial;
        x.iter_mut().zip(&self.delta).for_each(|(x, d)| *x += d);
        f
    }

    /// The Newton step at the predictions in `scratch` (with sum of squared
    /// relative residuals `sse`), into `self.step`, and the decrease of the
    /// objective its quadratic model predicts. The exact Hessian of the objective
    /// is `(n / sse)` times `sum (q^2 + r q' - (sse/n)/p^2) J J' - (2 / sse) g1 g1'`
    /// with `q = dr/dp = -y/p^2` and `q' = 2 y/p^3`. (Its Gauss-Newton part
    /// `sum q^2 J J'` is no substitute: one prediction near zero makes it huge
    /// and the step vanish.)
    fn newton_step_in_memory(&mut self, sse: f64) -> Option<f64> {
        let n = self.n() as f64;
        let sse = sse.max(self.floor * n);
        let ratio = sse / n;
        let weights = self.w_r.iter_mut().zip(&mut self.w_q).zip(&mut self.w_i);
        for (((w_r, w_q), w_i), (&p, &yt)) in weights.zip(self.scratch.iter().zip(self.y)) {
            let inv = 1.0 / p;
            let r = yt * inv - 1.0;
            let q = -yt * inv * inv;
            *w_r = r * q;
            *w_i = inv;
            *w_q = q * q + r * 2.0 * yt * inv * inv * inv - ratio * inv * inv;
        }
        self.accumulate_columns();
        let k = self.k();
        for i in 0..k {
            for j in 0..=i {
                self.h[i * k + j] -= 2.0 / sse * self.g1[i] * self.g1[j];
            }
        }
        for ((d, g1), g2) in self.step.iter_mut().zip(&self.g1).zip(&self.g2) {
            *d = -(g1 + ratio * g2);
        }
        let rhs = self.step.clone();
        let hessian = self.h.clone();
        if !solve_pd(&mut self.h, &mut self.step, k) {
            // Not positive definite (far from the optimum): a ridge makes it so,
            // and the line search keeps the step honest. Its prediction is not
            // a convergence test.
            self.h.copy_from_slice(&hessian);
            self.step.copy_from_slice(&rhs);
            return solve_spd(&mut self.h, &mut self.step, k).then_some(f64::INFINITY);
        }
        let decrease = 0.5 / ratio * rhs.iter().zip(&self.step).map(|(r, d)| r * d).sum::<f64>();
        Some(decrease.max(0.0))
    }

    /// `scratch = pred + jac delta`.
    fn shifted_predictions(&mut self, delta: &[f64]) {
        let n = self.n();
        self.scratch.copy_from_slice(&self.pred);
        for (i, d) in delta.iter().enumerate() {
            for (p, j) in self.scratch.iter_mut().zip(&self.jac[i * n..(i + 1) * n]) {
                *p += d * j;
            }
        }
    }

    /// The objective and sum of squares at predictions `pred + jac delta` (left in
    /// `scratch`).
    fn objective_in_memory(&mut self, delta: &[f64]) -> (f64, f64) {
        self.shifted_predictions(delta);
        let mut sse = 0.0;
        let mut positive = true;
        for (&p, &yt) in self.scratch.iter().zip(self.y) {
            positive &= p > 0.0;
            let r = yt / p - 1.0;
            sse += r * r;
        }
        if !positive {
            return (f64::INFINITY, sse);
        }
        let sums = PassSums::new(sse, true, log_sum(&self.scratch), true, 0.0, 0.0);
        (sums.objective(self.n(), self.floor), sse)
    }

    /// The change of initial states minimising `sum ((y - pred - jac delta) / y)^2`,
    /// into `self.step`; `false` if it cannot be solved.
    fn relative_least_squares(&mut self) -> bool {
        for (((w_r, w_q), w_i), (&p, &yt)) in self
            .w_r
            .iter_mut()
            .zip(&mut self.w_q)
            .zip(&mut self.w_i)
            .zip(self.pred.iter().zip(self.y))
        {
            let w = 1.0 / (yt * yt);
            *w_r = -w * (yt - p);
            *w_q = w;
            *w_i = 0.0;
        }
        self.accumulate_columns();
        self.g2.iter_mut().for_each(|g| *g = 0.0);
        self.gauss_newton_step(0.0)
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

/// Relative decrease of the objective below which the profile stops iterating.
const PROFILE_TOLERANCE: f64 = 1e-10;

/// The dot product, with four running sums so that it vectorises.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a4.zip(b4) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
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

    /// Starting points for the search: a coarse grid over the box.
    fn grid(&self) -> Vec<Vec<f64>> {
        let mut grid = vec![vec![]];
        let axes: [(bool, &[f64]); 4] = [
            (true, &[0.05, 0.2, 0.5, 0.8, 0.98]),
            (self.trend, &[0.001, 0.05, 0.3, 0.9]),
            (self.season, &[0.001, 0.05, 0.3, 0.9]),
            (self.damped, &[0.85, 0.95]),
        ];
        for (on, values) in axes {
            if on {
                grid = grid
                    .into_iter()
                    .flat_map(|point: Vec<f64>| {
                        values.iter().map(move |v| {
                            let mut p = point.clone();
                            p.push(*v);
                            p
                        })
                    })
                    .collect();
            }
        }
        grid
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

/// How the smoothing parameters are searched: the best of a coarse grid and of
/// the starting points, then a short Nelder-Mead from each of the `starts` best
/// points that lie apart, then a longer one from the best result.
struct Plan {
    starts: usize,
    explore: NelderMead,
    polish: NelderMead,
}

/// The search used by every fit. The settings were tuned on the M4 Hourly series
/// against a brute-force search (a dense grid and eight tight Nelder-Mead runs):
/// three starts keep the fits within 1e-3 of its log-likelihood on all but a few
/// series at a third of the cost of tight searches from every start.
const PLAN: Plan = Plan {
    starts: 3,
    explore: NelderMead {
        max_evals: 24,
        f_tol: 1e-5,
        x_tol: 3e-2,
        restarts: 0,
    },
    polish: NelderMead {
        max_evals: 400,
        f_tol: 1e-10,
        x_tol: 1e-4,
        restarts: 0,
    },
};

/// The profiled objective as a function of the searched parameters, remembering
/// the best initial states seen (the next profile starts from them).
struct Profiled<'a> {
    spec: &'a EtsSpec,
    search: Search,
    fixed: f64,
    ws: Workspace<'a>,
    best_x: Vec<f64>,
    best_f: f64,
    x: Vec<f64>,
}

impl Profiled<'_> {
    fn eval(&mut self, theta: &[f64]) -> f64 {
        let rec = Recursion::new(self.spec, &self.search.params(theta));
        self.x.copy_from_slice(&self.best_x);
        let f = self.ws.profile(&rec, &mut self.x, self.fixed, 20);
        if f < self.best_f {
            self.best_f = f;
            self.best_x.copy_from_slice(&self.x);
        }
        f
    }
}

/// Estimate parameters and initial states of `spec` on `y` (data already checked),
/// from `warm` if given (the fit of a related model) as well as the default start.
fn estimate(
    spec: &EtsSpec,
    y: &[f64],
    warm: Option<&Estimate>,
) -> std::result::Result<Estimate, String> {
    let search = Search::of(spec);
    let layout = Layout::of(spec);
    let (lower, upper) = search.bounds();
    let fixed = neutral_season(spec);
    let plan = &PLAN;
    let mut ws = Workspace::new(spec, y);
    let (theta0, best_x, best_f) = best_start(spec, y, warm, &mut ws);
    let mut problem = Profiled {
        spec,
        search,
        fixed,
        ws,
        x: best_x.clone(),
        best_x,
        best_f,
    };
    // The profile likelihood can have several local maxima (a near-global line
    // at alpha ~ 0 against a local level at alpha ~ 1, say), so the search
    // explores from several points of a coarse grid.
    let mut scored = vec![(best_f, theta0)];
    for theta in search.grid() {
        scored.push((problem.eval(&theta), theta));
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let range: Vec<f64> = lower.iter().zip(&upper).map(|(l, u)| u - l).collect();
    let mut starts: Vec<Vec<f64>> = Vec::new();
    for (f, theta) in scored {
        if starts.len() == plan.starts || !f.is_finite() {
            break;
        }
        let apart = |other: &Vec<f64>| {
            theta
                .iter()
                .zip(other)
                .zip(&range)
                .any(|((a, b), r)| (a - b).abs() > 0.25 * r)
        };
        if starts.iter().all(apart) {
            starts.push(theta);
        }
    }
    if starts.is_empty() {
        starts.push(search.theta(&START_PARAMS));
    }
    let step: Vec<f64> = range.iter().map(|r| 0.1 * r).collect();
    let mut best = (f64::INFINITY, starts[0].clone());
    for start in &starts {
        let found = nelder_mead(
            |t| problem.eval(t),
            start,
            &step,
            &lower,
            &upper,
            &plan.explore,
        );
        if found.f < best.0 {
            best = (found.f, found.x);
        }
    }
    let fine: Vec<f64> = range.iter().map(|r| 0.02 * r).collect();
    let found = nelder_mead(
        |t| problem.eval(t),
        &best.1,
        &fine,
        &lower,
        &upper,
        &plan.polish,
    );
    if !found.f.is_finite() {
        return Err(format!(
            "no parameters were found for which the one-step predictions of ETS {} stay \
             positive",
            spec.code()
        ));
    }
    let params = search.params(&found.x);
    // Re-profile at the optimum from the best states seen, to full convergence.
    let rec = Recursion::new(spec, &params);
    let mut x = problem.best_x.clone();
    let f = problem.ws.profile(&rec, &mut x, fixed, 100);
    let x = if f.is_finite() { x } else { problem.best_x };
    Ok(Estimate {
        params,
        initial: normalise(spec, layout.state(&x, fixed)),
    })
}

/// The value of the oldest initial seasonal state, which fits keep fixed: 0 for
/// an additive season, 1 for a multiplicative one (as statsmodels).
fn neutral_season(spec: &EtsSpec) -> f64 {
    if spec.season == EtsSeason::Multiplicative {
        1.0
    } else {
        0.0
    }
}

/// The starting smoothing parameters and free initial states with the smallest
/// profiled objective among the candidates: `warm`, the heuristic states, and,
/// for multiplicative models (whose likelihood is undefined where a prediction is
/// not positive), the heuristic with the level at the first value and no trend.
fn best_start(
    spec: &EtsSpec,
    y: &[f64],
    warm: Option<&Estimate>,
    ws: &mut Workspace,
) -> (Vec<f64>, Vec<f64>, f64) {
    let search = Search::of(spec);
    let layout = Layout::of(spec);
    let (lower, upper) = search.bounds();
    let fixed = neutral_season(spec);
    let heuristic = heuristic_state(spec, y);
    let mut starts = Vec::new();
    if let Some(w) = warm {
        starts.push((w.params, w.initial.clone()));
    }
    starts.push((START_PARAMS, heuristic.clone()));
    if spec.is_multiplicative() {
        // Predictions must stay positive, which the default start need not
        // achieve after a sharp drop: also try a level that follows the data
        // closely from the first value, with a trend that barely moves.
        let first_season = heuristic.seasonal.last().copied().unwrap_or(fixed);
        let level = if spec.season == EtsSeason::Multiplicative {
            y[0] / first_season
        } else {
            y[0] - first_season
        };
        let tracking = EtsState {
            level,
            trend: 0.0,
            seasonal: heuristic.seasonal.clone(),
        };
        let params = |alpha: f64, beta_star: f64| EtsParams {
            alpha,
            beta: alpha * beta_star,
            gamma: 0.01,
            phi: 0.95,
        };
        starts.push((params(0.999, 1e-4), tracking.clone()));
        if spec.season == EtsSeason::Multiplicative {
            // Without affine predictions the profile cannot recover from an
            // invalid start by itself (see `Workspace::profile_in_memory`).
            let states = [heuristic.clone(), tracking];
            for (alpha, beta_star) in [(0.1, 0.1), (0.9, 0.1), (0.5, 0.001), (0.9, 0.001)] {
                starts.extend(
                    states
                        .iter()
                        .map(|state| (params(alpha, beta_star), state.clone())),
                );
            }
        }
    }
    let mut best: Option<(Vec<f64>, Vec<f64>, f64)> = None;
    for (params, state) in starts {
        let mut theta = search.theta(&params);
        for (t, (l, u)) in theta.iter_mut().zip(lower.iter().zip(&upper)) {
            *t = t.clamp(*l, *u);
        }
        let mut x = layout.free(&fix_oldest_season(spec, state));
        let f = ws.profile(
            &Recursion::new(spec, &search.params(&theta)),
            &mut x,
            fixed,
            50,
        );
        if best.as_ref().is_none_or(|b| f < b.2) {
            best = Some((theta, x, f));
        }
    }
    best.unwrap_or_else(|| {
        (
            search.theta(&START_PARAMS),
            layout.free(&heuristic),
            f64::INFINITY,
        )
    })
}

/// The same predictions with the oldest seasonal state at its neutral value:
/// shift (additive) or scale (multiplicative) level, trend and season.
fn fix_oldest_season(spec: &EtsSpec, mut state: EtsState) -> EtsState {
    let Some(&c) = state.seasonal.last() else {
        return state;
    };
    match spec.season {
        EtsSeason::Additive => {
            state.level += c;
            state.seasonal.iter_mut().for_each(|s| *s -= c);
        }
        EtsSeason::Multiplicative if c > 0.0 && c.is_finite() => {
            state.level *= c;
            state.trend *= c;
            state.seasonal.iter_mut().for_each(|s| *s /= c);
        }
        EtsSeason::Multiplicative => state.seasonal.iter_mut().for_each(|s| *s = 1.0),
        EtsSeason::None => {}
    }
    state
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
fn fit_checked(
    spec: &EtsSpec,
    y: &[f64],
    start: Option<&Estimate>,
) -> std::result::Result<Estimate, String> {
    if is_constant(y) {
        return Ok(flat_estimate(spec, y[0]));
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

    /// One simulated path into `out`, with `ring` as scratch; `false` if it left
    /// the model's domain.
    fn simulate_path(
        &self,
        rec: &Recursion,
        out: &mut [f64],
        ring: &mut [f64],
        rng: &mut Xoshiro256PlusPlus,
    ) -> bool {
        let sigma = self.mse.sqrt();
        if self.spec.is_seasonal() {
            for (slot, s) in ring.iter_mut().zip(self.final_state.seasonal.iter().rev()) {
                *slot = *s;
            }
        } else {
            ring[0] = 0.0;
        }
        let (mut l, mut b) = (self.final_state.level, self.final_state.trend);
        let mut idx = 0;
        for slot in out.iter_mut() {
            let s = ring[idx];
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
            ring[idx] = s1;
            idx += 1;
            if idx == ring.len() {
                idx = 0;
            }
            *slot = y;
        }
        out.iter().all(|v| v.is_finite())
    }

    /// Intervals from the quantiles of simulated paths.
    fn simulated_intervals(&self, horizon: usize, levels: &[f64]) -> Result<Vec<Interval>> {
        let paths = self.simulate(horizon, self.interval_paths, self.interval_seed)?;
        let mut probabilities: Vec<f64> = levels
            .iter()
            .flat_map(|l| [0.5 - l / 200.0, 0.5 + l / 200.0])
            .collect();
        probabilities.sort_by(f64::total_cmp);
        let mut column = vec![0.0; paths.n_paths()];
        let mut at = vec![Vec::with_capacity(horizon); probabilities.len()];
        for values in paths.paths.columns() {
            column.iter_mut().zip(values).for_each(|(c, v)| *c = *v);
            for (q, out) in quantiles(&mut column, &probabilities)
                .into_iter()
                .zip(&mut at)
            {
                out.push(q);
            }
        }
        let find = |p: f64| {
            let i = probabilities.iter().position(|q| *q == p).unwrap_or(0);
            at[i].clone()
        };
        Ok(levels
            .iter()
            .map(|&level| Interval {
                level,
                lower: find(0.5 - level / 200.0),
                upper: find(0.5 + level / 200.0),
            })
            .collect())
    }
}

/// Empirical quantiles of `values` (reordered in place) at ascending
/// probabilities, by linear interpolation between order statistics (type 7, as
/// [`SamplePaths::quantile`]), selecting rather than sorting: each quantile
/// partitions only what lies above the previous one.
fn quantiles(values: &mut [f64], probabilities: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut start = 0;
    probabilities
        .iter()
        .map(|q| {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = (pos.floor() as usize).max(start).min(n - 1);
            let (_, &mut low, above) =
                values[start..].select_nth_unstable_by(lo - start, f64::total_cmp);
            let high = if pos > lo as f64 {
                above.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                low
            };
            start = lo;
            low + (high - low) * (pos - lo as f64)
        })
        .collect()
}

impl FittedModel for FittedEts {
    fn name(&self) -> String {
        self.spec.model_name()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let point = self.point_forecast(horizon);
        let intervals = if self.spec.has_exact_intervals() || levels.is_empty() {
            normal_intervals(&point, &self.exact_sd(horizon), levels)
        } else {
            self.simulated_intervals(horizon, levels)?
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
        let mut ring = vec![0.0; self.spec.season_length()];
        let mut point: Option<Vec<f64>> = None;
        for mut row in paths.rows_mut() {
            let ok = (0..10).any(|_| self.simulate_path(&rec, &mut buffer, &mut ring, &mut rng));
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
/// Cost: the six non-seasonal candidates take about 5 ms on 1000 points, most of
/// it in the three multiplicative-error fits ([`AutoEts::additive_only`] is about
/// five times cheaper); with period 24 the fifteen candidates take about a
/// quarter of a second, with period 168 over ten seconds (R's `ets` refuses
/// periods above 24).
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

    /// Consider only the additive models (ANN, AAN, AAdN, and ANA, AAA, AAdA with
    /// a period), as R's `additive.only`: about a fifth of the cost of the full
    /// non-seasonal choice, whose multiplicative-error fits are the slow ones.
    pub fn additive_only(self) -> Self {
        let specs = self
            .specs()
            .into_iter()
            .filter(|s| !s.is_multiplicative())
            .collect();
        self.candidates(specs)
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
                let fitted = fit_checked(&spec, y, start).and_then(|estimate| {
                    ets_smooth(&spec, &estimate.params, &estimate.initial, y)
                        .map(|s| (estimate, s))
                        .map_err(|e| e.to_string())
                });
                match fitted {
                    Ok((estimate, s)) => {
                        let k = spec.n_params() as f64;
                        let n = y.len() as f64;
                        let aicc = -2.0 * s.loglik + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0);
                        fits.push((spec, estimate, aicc));
                        EtsOutcome::Fitted {
                            loglik: s.loglik,
                            aicc,
                        }
                    }
                    Err(reason) => EtsOutcome::Skipped { reason },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};
    use rand::RngExt;

    fn series(values: Vec<f64>) -> RegularSeries {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        RegularSeries::new("s", start, Step::seconds(3600), values).unwrap()
    }

    fn spec(code: &str) -> EtsSpec {
        code.parse().unwrap()
    }

    /// A reproducible noisy series: level, slope, season of period `m`, noise.
    fn noisy(n: usize, slope: f64, m: usize, amplitude: f64, noise: f64, seed: u64) -> Vec<f64> {
        let mut r = rng(seed);
        (0..n)
            .map(|t| {
                let season = amplitude
                    * (std::f64::consts::TAU * (t % m.max(1)) as f64 / m.max(1) as f64).sin();
                let e: f64 = StandardNormal.sample(&mut r);
                100.0 + slope * t as f64 + season + noise * e
            })
            .collect()
    }

    #[test]
    fn codes_parse_display_and_count_parameters() {
        for code in ["ANN", "AAN", "AAdN", "MNN", "MAdM", "ANA"] {
            let s = EtsSpec::parse(code, 12).unwrap();
            assert_eq!(s.to_string(), code);
        }
        let s: EtsSpec = "MAdM(12)".parse().unwrap();
        assert_eq!(
            (s.error, s.trend, s.season, s.period),
            (
                EtsErrorType::Multiplicative,
                EtsTrend::Damped,
                EtsSeason::Multiplicative,
                12
            )
        );
        assert_eq!(spec("AAdN").period, 1);
        assert!("AAA".parse::<EtsSpec>().is_err(), "a season needs a period");
        assert!("AMN".parse::<EtsSpec>().is_err());
        assert!("AAdN(x)".parse::<EtsSpec>().is_err());
        assert!(EtsSpec::parse("ANNN", 1).is_err());
        // statsmodels' counts (see the fixtures' AIC): AAA(12) 18, ANN 3, AAdN 6.
        assert_eq!(EtsSpec::parse("AAA", 12).unwrap().n_params(), 18);
        assert_eq!(spec("ANN").n_params(), 3);
        assert_eq!(spec("AAdN").n_params(), 6);
        assert!(spec("AAdN").has_exact_intervals() && !spec("MNN").has_exact_intervals());
    }

    #[test]
    fn loglik_matches_a_hand_computation() {
        // ANN, alpha 0.5, level 10: predictions 10, 11, 10.5.
        let y = [12.0, 10.0, 11.0];
        let p = EtsParams {
            alpha: 0.5,
            beta: 0.0,
            gamma: 0.0,
            phi: 1.0,
        };
        let s0 = EtsState {
            level: 10.0,
            trend: 0.0,
            seasonal: vec![],
        };
        let out = ets_smooth(&spec("ANN"), &p, &s0, &y).unwrap();
        assert_eq!(out.fitted, vec![10.0, 11.0, 10.5]);
        let mse = (4.0 + 1.0 + 0.25) / 3.0;
        let expected = -1.5 * ((2.0 * std::f64::consts::PI * mse).ln() + 1.0);
        assert!((out.loglik - expected).abs() < 1e-12);
        // Multiplicative error: relative residuals and the log-prediction term.
        let m = ets_smooth(&spec("MNN"), &p, &s0, &y).unwrap();
        let r = [0.2, -1.0 / 11.0, 0.5 / 10.5];
        let mse = r.iter().map(|r| r * r).sum::<f64>() / 3.0;
        let expected = -1.5 * ((2.0 * std::f64::consts::PI * mse).ln() + 1.0)
            - (10.0f64.ln() + 11.0f64.ln() + 10.5f64.ln());
        assert!((m.loglik - expected).abs() < 1e-12);
        assert_eq!(m.final_state.level, 10.75);
    }

    #[test]
    fn smoothing_rejects_bad_inputs() {
        let p = EtsParams {
            alpha: 0.5,
            beta: 0.1,
            gamma: 0.1,
            phi: 0.9,
        };
        let flat = EtsState {
            level: 1.0,
            trend: 0.0,
            seasonal: vec![],
        };
        let season = EtsState {
            seasonal: vec![0.0; 4],
            ..flat.clone()
        };
        let ana = EtsSpec::parse("ANA", 4).unwrap();
        assert!(
            ets_smooth(&ana, &p, &flat, &[1.0; 8]).is_err(),
            "seasonal states missing"
        );
        assert!(ets_smooth(&ana, &p, &season, &[1.0; 8]).is_ok());
        let too_fast = EtsParams { beta: 0.6, ..p };
        assert!(ets_smooth(&spec("AAN"), &too_fast, &flat, &[1.0; 8]).is_err());
        assert!(
            ets_smooth(&spec("MNN"), &p, &flat, &[1.0, 0.0]).is_err(),
            "non-positive data"
        );
        let negative = EtsState {
            level: -5.0,
            ..flat.clone()
        };
        let e = ets_smooth(&spec("MNN"), &p, &negative, &[1.0, 2.0]).unwrap_err();
        assert!(e.to_string().contains("not positive"), "{e}");
        assert!(ets_smooth(&spec("ANN"), &p, &flat, &[]).is_err());
    }

    #[test]
    fn constant_series_gives_a_flat_forecast_with_zero_width_intervals() {
        let s = series(vec![7.5; 60]);
        for code in ["ANN", "AAdN", "MAN", "MNN"] {
            let fit = Ets::new(spec(code)).fit(&s).unwrap();
            let f = fit.predict(10, &[80.0, 95.0]).unwrap();
            assert_eq!(f.point, vec![7.5; 10], "{code}");
            for i in &f.intervals {
                assert_eq!(i.lower, vec![7.5; 10], "{code}");
                assert_eq!(i.upper, vec![7.5; 10], "{code}");
            }
            assert!(fit.loglik().is_finite() && fit.aicc().is_finite(), "{code}");
        }
        let seasonal = Ets::new(EtsSpec::parse("ANA", 12).unwrap())
            .fit(&s)
            .unwrap();
        assert_eq!(seasonal.predict(13, &[95.0]).unwrap().point, vec![7.5; 13]);
        let auto = AutoEts::new(12).fit(&s).unwrap();
        assert_eq!(auto.spec(), spec("ANN"));
        let skipped = auto
            .selection()
            .unwrap()
            .candidates
            .iter()
            .filter(|c| matches!(&c.outcome, EtsOutcome::Skipped { reason } if reason.contains("constant")))
            .count();
        assert_eq!(skipped, 14);
        let paths = auto.simulate(5, 3, 1).unwrap();
        assert!(paths.paths.iter().all(|v| *v == 7.5));
    }

    #[test]
    fn too_little_history_is_an_error_or_a_skipped_candidate() {
        let e = Ets::new(spec("AAdN"))
            .fit(&series(vec![1.0, 2.0, 4.0, 3.0, 5.0]))
            .unwrap_err();
        assert!(e.to_string().contains("too little history"), "{e}");
        let ana = EtsSpec::parse("ANA", 24).unwrap();
        let e = Ets::new(ana)
            .fit(&series(noisy(40, 0.1, 24, 5.0, 1.0, 1)))
            .unwrap_err();
        assert!(e.to_string().contains("two full seasons"), "{e}");
        // AutoEts fits what it can and says why it skipped the rest.
        let fit = AutoEts::new(24)
            .fit(&series(noisy(40, 0.1, 24, 5.0, 1.0, 1)))
            .unwrap();
        assert!(!fit.spec().is_seasonal());
        for c in &fit.selection().unwrap().candidates {
            if c.spec.is_seasonal() {
                assert!(
                    matches!(&c.outcome, EtsOutcome::Skipped { reason } if reason.contains("two full seasons")),
                    "{c:?}"
                );
            }
        }
        assert!(AutoEts::new(1).fit(&series(vec![1.0, 2.0, 3.0])).is_err());
    }

    #[test]
    fn non_positive_values_exclude_multiplicative_models() {
        let mut y = noisy(120, 0.05, 12, 3.0, 1.0, 2);
        y[30] = 0.0;
        let s = series(y);
        let e = Ets::new(spec("MNN")).fit(&s).unwrap_err();
        assert!(e.to_string().contains("strictly positive"), "{e}");
        let fit = AutoEts::new(12).fit(&s).unwrap();
        assert!(!fit.spec().is_multiplicative());
        let candidates = &fit.selection().unwrap().candidates;
        for c in candidates {
            let skipped = matches!(&c.outcome, EtsOutcome::Skipped { reason } if reason.contains("value 30 is 0"));
            assert_eq!(skipped, c.spec.is_multiplicative(), "{c:?}");
        }
    }

    #[test]
    fn restricted_choice_leaves_out_additive_error_with_multiplicative_season() {
        let specs = AutoEts::new(12).specs();
        assert_eq!(specs.len(), 15);
        assert!(!specs
            .iter()
            .any(|s| s.code() == "ANM" || s.code() == "AAdM"));
        assert_eq!(AutoEts::new(12).unrestricted().specs().len(), 18);
        assert_eq!(AutoEts::new(1).specs().len(), 6);
        let additive: Vec<String> = AutoEts::new(1)
            .additive_only()
            .specs()
            .iter()
            .map(|s| s.code())
            .collect();
        assert_eq!(additive, ["ANN", "AAN", "AAdN"]);
    }

    #[test]
    fn fit_recovers_a_trend_and_a_season() {
        let y = noisy(240, 0.5, 12, 10.0, 0.5, 3);
        let fit = Ets::new(EtsSpec::parse("AAA", 12).unwrap())
            .fit(&series(y.clone()))
            .unwrap();
        let f = fit.predict(12, &[95.0]).unwrap();
        for (h, p) in f.point.iter().enumerate() {
            let t = (240 + h) as f64;
            let truth = 100.0
                + 0.5 * t
                + 10.0 * (std::f64::consts::TAU * ((240 + h) % 12) as f64 / 12.0).sin();
            assert!((p - truth).abs() < 2.0, "step {h}: {p} vs {truth}");
        }
        assert!(fit.sigma2().sqrt() < 0.7);
        // Reported seasonal states are normalised to mean zero.
        let mean = fit.initial_state().seasonal.iter().sum::<f64>() / 12.0;
        assert!(mean.abs() < 1e-9);
    }

    #[test]
    fn fit_is_at_least_as_good_as_its_start_and_nests_sensibly() {
        let y = noisy(300, 0.2, 1, 0.0, 2.0, 4);
        let s = series(y.clone());
        let ann = Ets::new(spec("ANN")).fit(&s).unwrap();
        let aan = Ets::new(spec("AAN")).fit(&s).unwrap();
        // AAN with the smallest beta is ANN up to a tiny trend.
        assert!(aan.loglik() > ann.loglik() - 0.5);
        let start = heuristic_state(&spec("AAN"), &y);
        let p = Search::of(&spec("AAN")).params(&Search::of(&spec("AAN")).theta(&START_PARAMS));
        let ll_start = ets_loglik(&spec("AAN"), &p, &start, &y).unwrap();
        assert!(aan.loglik() >= ll_start);
    }

    #[test]
    fn same_seed_same_paths() {
        let s = series(
            noisy(100, 0.3, 1, 0.0, 1.0, 5)
                .iter()
                .map(|v| v + 50.0)
                .collect(),
        );
        for code in ["AAdN", "MAN"] {
            let fit = Ets::new(spec(code)).fit(&s).unwrap();
            let a = fit.simulate(12, 50, 9).unwrap();
            assert_eq!(a, fit.simulate(12, 50, 9).unwrap(), "{code}");
            assert_ne!(a.paths, fit.simulate(12, 50, 10).unwrap().paths, "{code}");
            assert!(a.paths.iter().all(|v| v.is_finite()));
            assert_eq!((a.n_paths(), a.horizon()), (50, 12));
        }
        let fit = Ets::new(spec("ANN")).fit(&s).unwrap();
        assert!(fit.simulate(0, 5, 1).is_err() && fit.simulate(5, 0, 1).is_err());
    }

    #[test]
    fn simulated_quantiles_agree_with_exact_intervals() {
        let cases = [
            (spec("AAdN"), noisy(200, 0.3, 1, 0.0, 1.0, 6)),
            (
                EtsSpec::parse("ANA", 6).unwrap(),
                noisy(120, 0.0, 6, 4.0, 1.0, 7),
            ),
            (
                EtsSpec::parse("AAA", 6).unwrap(),
                noisy(120, 0.2, 6, 4.0, 1.0, 8),
            ),
        ];
        for (spec, y) in cases {
            let fit = Ets::new(spec).fit(&series(y)).unwrap();
            let f = fit.predict(14, &[90.0]).unwrap();
            let paths = fit.simulate(14, 20_000, 3).unwrap();
            let (lo, hi) = (paths.quantile(0.05), paths.quantile(0.95));
            for h in 0..14 {
                let half = f.intervals[0].upper[h] - f.point[h];
                // Quantile standard error at n = 20 000 is about 0.015 sd.
                assert!(
                    (lo[h] - f.intervals[0].lower[h]).abs() < 0.05 * half,
                    "{spec} step {h}"
                );
                assert!(
                    (hi[h] - f.intervals[0].upper[h]).abs() < 0.05 * half,
                    "{spec} step {h}"
                );
            }
        }
    }

    #[test]
    fn multiplicative_models_get_simulated_intervals_around_the_forecast() {
        let y: Vec<f64> = noisy(144, 0.5, 12, 10.0, 1.0, 9);
        let fit = Ets::new(EtsSpec::parse("MAM", 12).unwrap())
            .fit(&series(y))
            .unwrap();
        let f = fit.predict(24, &[80.0, 95.0]).unwrap();
        for h in 0..24 {
            let (i80, i95) = (&f.intervals[0], &f.intervals[1]);
            assert!(
                i95.lower[h] <= i80.lower[h] && i80.lower[h] < f.point[h],
                "step {h}"
            );
            assert!(
                f.point[h] < i80.upper[h] && i80.upper[h] <= i95.upper[h],
                "step {h}"
            );
        }
        let width = |h: usize| f.intervals[1].upper[h] - f.intervals[1].lower[h];
        assert!(width(23) > width(0));
        assert_eq!(f, fit.predict(24, &[80.0, 95.0]).unwrap(), "reproducible");
    }

    #[test]
    fn derivatives_of_the_predictions_match_finite_differences() {
        let y: Vec<f64> = noisy(60, 0.3, 4, 5.0, 1.0, 10);
        for code in ["ANN", "AAdN", "MAdN", "AAdA", "MAdM", "ANM"] {
            let spec = EtsSpec::parse(code, 4).unwrap();
            let params = EtsParams {
                alpha: 0.4,
                beta: 0.1,
                gamma: 0.2,
                phi: 0.9,
            };
            let rec = Recursion::new(&spec, &params);
            let start = fix_oldest_season(&spec, heuristic_state(&spec, &y));
            let layout = Layout::of(&spec);
            let x = layout.free(&start);
            let fixed = neutral_season(&spec);
            let mut ws = Workspace::new(&spec, &y);
            ws.linearise(&rec, &x, fixed);
            let (n, k) = (y.len(), layout.k());
            let predictions = |x: &[f64]| {
                let mut ring = vec![0.0; spec.season_length()];
                let (l, b) = layout.unpack(x, fixed, &mut ring);
                let mut p = vec![0.0; n];
                rec.filter(l, b, &mut ring, &y, |t, v| p[t] = v);
                p
            };
            assert!(ws
                .pred
                .iter()
                .zip(&predictions(&x))
                .all(|(a, b)| (a - b).abs() < 1e-9));
            for i in 0..k {
                let h = 1e-6 * x[i].abs().max(1.0);
                let (mut up, mut down) = (x.clone(), x.clone());
                up[i] += h;
                down[i] -= h;
                let (pu, pd) = (predictions(&up), predictions(&down));
                for t in 0..n {
                    let numeric = (pu[t] - pd[t]) / (2.0 * h);
                    let analytic = ws.jac[i * n + t];
                    assert!(
                        (numeric - analytic).abs() < 1e-5 * (1.0 + analytic.abs()),
                        "{code} state {i} step {t}: {numeric} vs {analytic}"
                    );
                }
            }
        }
    }

    #[test]
    fn profile_finds_the_best_initial_states() {
        // At fixed smoothing parameters, no small change of the profiled states
        // improves the objective.
        let y: Vec<f64> = noisy(96, 0.4, 8, 6.0, 1.5, 11);
        for code in ["AAN", "MAdN", "MNA", "MAM"] {
            let spec = EtsSpec::parse(code, 8).unwrap();
            let search = Search::of(&spec);
            let rec = Recursion::new(&spec, &search.params(&search.theta(&START_PARAMS)));
            let layout = Layout::of(&spec);
            let fixed = neutral_season(&spec);
            let mut x = layout.free(&fix_oldest_season(&spec, heuristic_state(&spec, &y)));
            let mut ws = Workspace::new(&spec, &y);
            let f = ws.profile(&rec, &mut x, fixed, 100);
            assert!(f.is_finite(), "{code}");
            assert!(
                (ws.objective(&rec, &x, fixed) - f).abs() < 1e-8 * f.abs(),
                "{code}"
            );
            let mut r = rng(12);
            for _ in 0..50 {
                let moved: Vec<f64> = x
                    .iter()
                    .map(|v| v + 1e-3 * (1.0 + v.abs()) * (r.random::<f64>() - 0.5))
                    .collect();
                assert!(
                    ws.objective(&rec, &moved, fixed) >= f - 1e-9 * f.abs(),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn normalising_states_keeps_the_predictions() {
        let y: Vec<f64> = noisy(48, 0.2, 6, 3.0, 1.0, 13);
        let p = EtsParams {
            alpha: 0.3,
            beta: 0.05,
            gamma: 0.1,
            phi: 0.9,
        };
        for code in ["AAdA", "MAdM"] {
            let spec = EtsSpec::parse(code, 6).unwrap();
            let start = heuristic_state(&spec, &y);
            let a = ets_smooth(&spec, &p, &start, &y).unwrap();
            for moved in [
                normalise(&spec, start.clone()),
                fix_oldest_season(&spec, start.clone()),
            ] {
                let b = ets_smooth(&spec, &p, &moved, &y).unwrap();
                assert!(
                    (a.loglik - b.loglik).abs() < 1e-9 * a.loglik.abs(),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn selected_quantiles_match_sorted_ones() {
        let mut r = rng(14);
        for n in [1, 2, 5, 1000] {
            let values: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut r)).collect();
            let probabilities = [0.0, 0.025, 0.1, 0.5, 0.9, 0.975, 1.0];
            let ours = quantiles(&mut values.clone(), &probabilities);
            let paths = SamplePaths {
                series: String::new(),
                model: String::new(),
                timestamps: vec![],
                paths: Array2::from_shape_vec((n, 1), values).unwrap(),
            };
            for (q, v) in probabilities.iter().zip(ours) {
                assert!((paths.quantile(*q)[0] - v).abs() < 1e-12, "n {n} q {q}");
            }
        }
    }

    #[test]
    fn log_sums_match_plain_sums() {
        let mut r = rng(15);
        for scale in [1e-3, 1.0, 1e5, 1e12] {
            let p: Vec<f64> = (0..1001)
                .map(|_| scale * (0.5 + r.random::<f64>()))
                .collect();
            let plain: f64 = p.iter().map(|v| v.ln()).sum();
            assert!(
                (log_sum(&p).total() - plain).abs() < 1e-9 * plain.abs().max(1.0),
                "{scale}"
            );
        }
        assert!(log_sum(&[1.0, 0.0, 2.0, 3.0, 4.0]).total().is_nan());
    }

    #[test]
    fn heuristic_states_follow_the_statsmodels_order() {
        // A noise-free season: the heuristic's oldest state is the first
        // observation's season.
        let y: Vec<f64> = (0..48)
            .map(|t| 10.0 + [3.0, -1.0, 0.0, -2.0][t % 4])
            .collect();
        let s = heuristic_state(&EtsSpec::parse("ANA", 4).unwrap(), &y);
        assert!(
            (s.seasonal[3] - 3.0).abs() < 1e-9 && (s.seasonal[0] + 2.0).abs() < 1e-9,
            "{s:?}"
        );
        assert!((s.level - 10.0).abs() < 1e-9);
    }
}
