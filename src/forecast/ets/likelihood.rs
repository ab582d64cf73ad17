//! Parameters and states, the smoothing recursions and the log-likelihood:
//! [`ets_loglik`] and [`ets_smooth`] at given parameters and initial states, and
//! the single passes over the data that estimation and simulation build on.

use serde::{Deserialize, Serialize};

use super::spec::{EtsErrorType, EtsSeason, EtsSpec};
use crate::error::{Error, Result};

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
pub(super) fn variance_floor(spec: &EtsSpec, y: &[f64]) -> f64 {
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
pub(super) fn ring_of(spec: &EtsSpec, state: &EtsState) -> Vec<f64> {
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

/// Sums of one pass over the data.
#[derive(Clone, Copy, Debug)]
pub(super) struct PassSums {
    /// Sum of squared (relative) residuals.
    pub(super) sse: f64,
    /// Sum of the log predictions (multiplicative error only).
    sum_log: f64,
    /// False when a prediction was unusable (not finite; not positive under
    /// multiplicative error).
    pub(super) valid: bool,
    level: f64,
    trend: f64,
}

impl PassSums {
    pub(super) fn invalid() -> Self {
        PassSums {
            sse: f64::INFINITY,
            sum_log: 0.0,
            valid: false,
            level: 0.0,
            trend: 0.0,
        }
    }

    pub(super) fn new(
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
    pub(super) fn objective(&self, n: usize, floor: f64) -> f64 {
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
pub(super) struct LogSum {
    sum: f64,
    product: f64,
}

impl LogSum {
    pub(super) fn new() -> Self {
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
pub(super) fn log_sum(p: &[f64]) -> LogSum {
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
pub(super) struct Recursion {
    pub(super) alpha: f64,
    pub(super) beta: f64,
    pub(super) gamma: f64,
    pub(super) gamma_star: f64,
    pub(super) phi: f64,
    pub(super) mul_season: bool,
    pub(super) mul_error: bool,
    seasonal: bool,
}

impl Recursion {
    pub(super) fn new(spec: &EtsSpec, p: &EtsParams) -> Self {
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
    pub(super) fn predict(&self, l: f64, b: f64, s: f64) -> (f64, f64) {
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
    pub(super) fn update(&self, big_l: f64, b: f64, s: f64, y: f64) -> (f64, f64, f64) {
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
    pub(super) fn filter(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ets::tests::spec;
    use crate::forecast::rng;
    use rand::RngExt;

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
}
