//! Futures whose trend can change.
//!
//! A fitted model extrapolates the trend it saw; the history shows that trends
//! change. Prophet simulates future changepoints at the rate and with the size of
//! the changes in the history (Taylor and Letham 2018, section 3.1.4). Here the
//! same idea is put in continuous time, so that it does not depend on the sampling
//! step: the slope of the future follows a random walk whose variance grows by `q`
//! per second (the local linear trend of Harvey's structural models), and a path
//! moves by the integral of that slope. The deviation it adds at time `t` after the
//! last observation has variance `q t³ / 3`: nothing in the first steps, a wide
//! fan over months.
//!
//! `q` is measured on the history: the series is cut into windows of equal length
//! (whole cycles of its longest season, so that the season does not tilt a
//! window's line), a line is fitted to each, and the slopes of windows that follow
//! each other are compared. Under the random walk, the mean slopes of two adjacent
//! windows of `T` seconds differ with variance `2 q T / 3`; the windows' own
//! estimation noise (their OLS slope variance, inflated for autocorrelated
//! residuals) is subtracted first, so that noise about a straight line is not
//! taken for a changing trend.

use ndarray::Array2;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::naive::remove_level_shifts;
use super::{
    central_quantile, check_request, check_simulation, rng, FittedModel, Forecast, Interval,
    SamplePaths,
};
use crate::decompose::{classical, Composition};
use crate::error::Result;
use crate::series::RegularSeries;

/// Windows the history is cut into at most (their length is the history over
/// this, but at least [`MIN_WINDOW`] steps and two cycles of the longest season):
/// eight give seven slope changes to average while each window keeps an eighth of
/// the history to estimate its slope from.
pub const WINDOWS: usize = 8;

/// The fewest steps a window's line is fitted to.
pub const MIN_WINDOW: usize = 8;

/// How fast a series' trend changes: the variance, per second, of its slope's
/// random walk (slope in units per second, or in log units per second when the
/// changes are proportional).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrendChanges {
    /// `q`: the slope's variance grows by this much per second.
    pub rate: f64,
    /// Whether the trend changes in proportion to the level (its growth rate
    /// changes), measured and applied on the log scale; otherwise in units.
    pub proportional: bool,
}

impl TrendChanges {
    /// No trend change at all.
    pub fn none() -> Self {
        TrendChanges::default()
    }

    /// Measure the rate of trend change as [`estimate`](Self::estimate) does, on
    /// the log scale when `proportional` (every value must then be positive; if
    /// one is not, the changes are measured in units instead). A series whose
    /// level has grown severalfold changes its trend in proportion: a slope change
    /// measured in units in its early years says little about its later ones.
    pub fn estimate_on(
        series: &RegularSeries,
        longest_period: usize,
        proportional: bool,
    ) -> TrendChanges {
        if !(proportional && series.values().iter().all(|v| *v > 0.0)) {
            return Self::estimate(series, longest_period);
        }
        let logs: Vec<f64> = series.values().iter().map(|v| v.ln()).collect();
        let imputed = series.imputed();
        let mut changes = Self::measure(
            &logs,
            imputed,
            series.step().nominal_seconds(),
            longest_period,
        );
        changes.proportional = true;
        changes
    }

    /// Measure the rate of trend change on a series whose longest seasonal period
    /// is `longest_period` steps (1 without a season). Interpolated steps are left
    /// out of the window fits; level shifts (a cleanup) are not trend changes and
    /// are removed first. Too short a history for three windows gives no change.
    pub fn estimate(series: &RegularSeries, longest_period: usize) -> TrendChanges {
        Self::measure(
            series.values(),
            series.imputed(),
            series.step().nominal_seconds(),
            longest_period,
        )
    }

    fn measure(
        values: &[f64],
        imputed: &[usize],
        step: f64,
        longest_period: usize,
    ) -> TrendChanges {
        let mut values = remove_level_shifts(values);
        // The season goes first: its swings within a window would otherwise pass
        // for noise about the window's line and hide the changes between windows.
        // A classical decomposition at the longest period suffices (its cycle holds
        // the shorter ones) and costs two moving averages.
        if longest_period >= 2 {
            if let Ok(d) = classical(&values, longest_period, Composition::Additive) {
                for (v, s) in values.iter_mut().zip(&d.seasonal) {
                    *v -= s;
                }
            }
        }
        for &i in imputed {
            values[i] = f64::NAN;
        }
        Self::from_values(&values, step, longest_period)
    }

    /// [`estimate`](Self::estimate) on plain values (`NaN` for missing) at a step
    /// of `step_seconds`.
    pub fn from_values(values: &[f64], step_seconds: f64, longest_period: usize) -> TrendChanges {
        let n = values.len();
        let season = longest_period.max(1);
        let cycles = (n / WINDOWS).max(MIN_WINDOW).div_ceil(season).max(2);
        let window = cycles * season;
        let count = n / window;
        if count < 3 || step_seconds.is_nan() || step_seconds <= 0.0 {
            return TrendChanges::none();
        }
        // Windows aligned on the end: the most recent history counts fully.
        let offset = n - count * window;
        let fits: Vec<Option<(f64, f64)>> = (0..count)
            .map(|k| slope(&values[offset + k * window..offset + (k + 1) * window]))
            .collect();
        let mut excess = Vec::new();
        for pair in fits.windows(2) {
            if let [Some((b0, v0)), Some((b1, v1))] = pair {
                excess.push((b1 - b0).powi(2) - v0 - v1);
            }
        }
        if excess.is_empty() {
            return TrendChanges::none();
        }
        let per_step = excess.iter().sum::<f64>() / excess.len() as f64;
        // Var(slope difference) = 2 q T / 3 with T the window's length; slopes are
        // per step here, so divide by the step twice to get them per second.
        let seconds = window as f64 * step_seconds;
        let rate = (per_step.max(0.0) / step_seconds.powi(2)) * 3.0 / (2.0 * seconds);
        TrendChanges {
            rate: if rate.is_finite() { rate } else { 0.0 },
            proportional: false,
        }
    }

    /// The standard deviation of the deviation the changes add `seconds` after the
    /// last observation: `sqrt(q t³ / 3)`.
    pub fn sd_at(&self, seconds: f64) -> f64 {
        (self.rate * seconds.max(0.0).powi(3) / 3.0).sqrt()
    }

    /// Add to every path (steps of `step_seconds`) the integral of a slope that
    /// walks from zero with variance `q` per second (multiply by its exponential
    /// when the changes are proportional).
    pub fn perturb(&self, paths: &mut Array2<f64>, step_seconds: f64, seed: u64) {
        if self.rate <= 0.0 {
            return;
        }
        let mut rng = rng(seed);
        let kick = (self.rate * step_seconds).sqrt();
        for mut path in paths.rows_mut() {
            let (mut slope, mut offset) = (0.0, 0.0);
            for v in path.iter_mut() {
                // The slope moves within the step; its mean over the step is the
                // old slope plus half the move (exact integral of a linear ramp).
                let z: f64 = StandardNormal.sample(&mut rng);
                let next = slope + kick * z;
                offset += 0.5 * (slope + next) * step_seconds;
                slope = next;
                if self.proportional {
                    // Capped as the log transform's inverse is: e^700 is about 1e304.
                    *v *= offset.min(700.0).exp();
                } else {
                    *v += offset;
                }
            }
        }
    }
}

/// The least-squares slope per step of the finite values of `y` against their
/// index, and its variance, inflated by `(1 + r) / (1 - r)` for residuals with
/// lag-one autocorrelation `r` (the variance of a mean of AR(1) noise). `None`
/// with fewer than four finite values.
fn slope(y: &[f64]) -> Option<(f64, f64)> {
    let points: Vec<(f64, f64)> = y
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| (i as f64, v))
        .collect();
    let m = points.len();
    if m < 4 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / m as f64;
    let my = points.iter().map(|p| p.1).sum::<f64>() / m as f64;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let b = sxy / sxx;
    let residuals: Vec<f64> = points.iter().map(|p| p.1 - my - b * (p.0 - mx)).collect();
    let rss: f64 = residuals.iter().map(|r| r * r).sum();
    let lagged: f64 = residuals.windows(2).map(|w| w[0] * w[1]).sum();
    // Clamped below 1: a residual that is a random walk is noise too, but its
    // inflation is not an AR(1)'s; 0.9 caps the factor at 19.
    let r = if rss > 0.0 {
        (lagged / rss).clamp(0.0, 0.9)
    } else {
        0.0
    };
    let variance = rss / (m - 2) as f64 / sxx * (1.0 + r) / (1.0 - r);
    Some((b, variance))
}

/// A fitted model whose paths and intervals also carry trend changes.
pub struct WithTrendChanges {
    inner: Box<dyn FittedModel>,
    changes: TrendChanges,
    step_seconds: f64,
}

impl std::fmt::Debug for WithTrendChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithTrendChanges")
            .field("model", &self.inner.name())
            .field("changes", &self.changes)
            .finish()
    }
}

impl WithTrendChanges {
    /// Wrap `inner`, fitted to a series of steps of `step_seconds`.
    pub fn new(inner: Box<dyn FittedModel>, changes: TrendChanges, step_seconds: f64) -> Self {
        WithTrendChanges {
            inner,
            changes,
            step_seconds,
        }
    }

    /// The trend changes added.
    pub fn changes(&self) -> TrendChanges {
        self.changes
    }

    /// Not less than `q t³ / 3` even where the inner model's spread was calibrated
    /// on its own errors (conformal): subtracting what the calibration stretches
    /// saw made the M4 Weekly growth cases worse (Brier 0.226 against 0.210 at
    /// 1.1 x the peak, `examples/growth_cases.rs`), the rate measured between
    /// windows of an eighth of the history being a lower bound on shorter changes.
    fn sd(&self, h: usize) -> f64 {
        self.changes.sd_at((h + 1) as f64 * self.step_seconds)
    }
}

impl FittedModel for WithTrendChanges {
    fn name(&self) -> String {
        self.inner.name()
    }

    /// The model's intervals widened in quadrature by the changes' deviation (the
    /// two are independent).
    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let own = self.inner.predict(horizon, levels)?;
        if self.changes.rate <= 0.0 {
            return Ok(own);
        }
        let normal = Normal::standard();
        let intervals = own
            .intervals
            .iter()
            .map(|i| {
                let z = central_quantile(i.level, |p| normal.inverse_cdf(p));
                let widen = |half: f64, h: usize| (half * half + (z * self.sd(h)).powi(2)).sqrt();
                // Proportional changes widen the bounds' log distance from the
                // point (where point and bound are positive; in units otherwise).
                let bound = |h: usize, b: f64, side: f64| {
                    let p = own.point[h];
                    if self.changes.proportional && p > 0.0 && b > 0.0 {
                        p * (side * widen((b / p).ln().abs(), h)).exp()
                    } else {
                        p + side * widen((b - p).abs(), h)
                    }
                };
                Interval {
                    level: i.level,
                    lower: (0..horizon).map(|h| bound(h, i.lower[h], -1.0)).collect(),
                    upper: (0..horizon).map(|h| bound(h, i.upper[h], 1.0)).collect(),
                }
            })
            .collect();
        Ok(Forecast { intervals, ..own })
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let mut paths = self.inner.simulate(horizon, n_paths, seed)?;
        self.changes
            .perturb(&mut paths.paths, self.step_seconds, seed ^ 0x7e4d_c4a9);
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::rng;
    use chrono::{TimeZone, Utc};

    /// A series whose slope walks with variance `q` per step (step 1 s), plus
    /// white noise of `noise` sd.
    fn walking_slope(n: usize, q: f64, noise: f64, seed: u64) -> Vec<f64> {
        let mut rng = rng(seed);
        let (mut slope, mut level) = (1.0, 100.0);
        (0..n)
            .map(|_| {
                let a: f64 = StandardNormal.sample(&mut rng);
                let e: f64 = StandardNormal.sample(&mut rng);
                slope += q.sqrt() * a;
                level += slope;
                level + noise * e
            })
            .collect()
    }

    #[test]
    fn a_known_rate_of_change_is_measured() {
        // Average over series: one history's estimate is noisy (seven differences).
        let q = 1e-4;
        let estimates: Vec<f64> = (0..200)
            .map(|s| TrendChanges::from_values(&walking_slope(4000, q, 5.0, s), 1.0, 1).rate)
            .collect();
        let mean = estimates.iter().sum::<f64>() / estimates.len() as f64;
        assert!((mean / q - 1.0).abs() < 0.2, "mean estimate {mean} for {q}");
    }

    #[test]
    fn a_straight_line_with_noise_has_almost_no_change() {
        let q = 1e-4;
        let mut rng = rng(3);
        let y: Vec<f64> = (0..4000)
            .map(|t| {
                let e: f64 = StandardNormal.sample(&mut rng);
                t as f64 + 5.0 * e
            })
            .collect();
        let rate = TrendChanges::from_values(&y, 1.0, 1).rate;
        assert!(rate < 0.05 * q, "{rate}");
    }

    #[test]
    fn the_spread_grows_as_t_to_the_three_halves() {
        let changes = TrendChanges {
            rate: 2e-6,
            proportional: false,
        };
        let mut paths = Array2::zeros((20_000, 100));
        changes.perturb(&mut paths, 10.0, 9);
        for h in [9usize, 49, 99] {
            let column = paths.column(h);
            let sd = (column.iter().map(|v| v * v).sum::<f64>() / column.len() as f64).sqrt();
            let exact = changes.sd_at((h + 1) as f64 * 10.0);
            assert!((sd / exact - 1.0).abs() < 0.05, "step {h}: {sd} vs {exact}");
        }
        // The same changes at a tenth of the step give the same spread at the same time.
        let mut fine = Array2::zeros((20_000, 1000));
        changes.perturb(&mut fine, 1.0, 10);
        let column = fine.column(999);
        let sd = (column.iter().map(|v| v * v).sum::<f64>() / column.len() as f64).sqrt();
        assert!((sd / changes.sd_at(1000.0) - 1.0).abs() < 0.05, "{sd}");
    }

    #[test]
    fn short_histories_and_steps_are_handled() {
        assert_eq!(TrendChanges::from_values(&[1.0; 10], 60.0, 1).rate, 0.0);
        assert_eq!(
            TrendChanges::from_values(&[f64::NAN; 100], 60.0, 1).rate,
            0.0
        );
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = RegularSeries::new(
            "s",
            start,
            crate::series::Step::seconds(60),
            walking_slope(500, 1e-3, 1.0, 1),
        )
        .unwrap();
        assert!(TrendChanges::estimate(&s, 1).rate > 0.0);
    }
}
