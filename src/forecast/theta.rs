//! The Theta method (Assimakopoulos and Nikolopoulos 2000), the M3 competition's
//! winner and a strong M4 benchmark: the average of the straight line through the
//! history (the theta = 0 line) extrapolated, and simple exponential smoothing of
//! the theta = 2 line. Hyndman and Billah (2003) showed it is simple exponential
//! smoothing with a drift of half the regression slope `b`:
//!
//! `y(n + h) = l(n) + b / 2 * (h - 1 + 1 / a - (1 - a)^n / a)`
//!
//! where `l(n)` is the smoothed level with parameter `a`. Halving the slope is what
//! makes it robust over long horizons: a trend seen in the past is believed only in
//! part. Its intervals are those of the state space form of SES with drift:
//! standard deviation `sigma * sqrt(1 + a² (h - 1))`.
//!
//! With a `period`, the series is first divided by classical multiplicative seasonal
//! indices when the M4 autocorrelation test finds seasonality (as for Naive2), and
//! the forecast multiplied back, as in the M4 benchmark.

use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::naive::m4_deseasonalise;
use super::optim::{nelder_mead, NelderMead};
use super::{
    check_request, normal_intervals, FittedModel, Forecast, Forecaster, Origin, SamplePaths,
};
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// The smoothing parameter's bounds: strictly inside (0, 1), as R's `thetaf`.
const ALPHA_BOUNDS: (f64, f64) = (1e-4, 0.9999);

/// The Theta method, seasonal by multiplicative adjustment at `period` (1: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theta {
    period: usize,
}

impl Theta {
    /// Theta, testing for seasonality at `period` steps (1 for none).
    pub fn new(period: usize) -> Self {
        Theta {
            period: period.max(1),
        }
    }
}

impl Default for Theta {
    fn default() -> Self {
        Theta::new(1)
    }
}

/// A fitted Theta model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedTheta {
    origin: Origin,
    /// The smoothing parameter.
    alpha: f64,
    /// The smoothed level after the last observation.
    level: f64,
    /// The regression slope per step of the (adjusted) history.
    slope: f64,
    /// Observations the level was smoothed over.
    n: usize,
    /// Standard deviation of the one-step errors.
    sigma: f64,
    /// Seasonal indices for the steps after the end (`h % period`); empty without.
    index: Vec<f64>,
}

impl FittedTheta {
    /// The smoothing parameter.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The drift per step: half the regression slope.
    pub fn drift(&self) -> f64 {
        self.slope / 2.0
    }

    fn factor(&self, h: usize) -> f64 {
        if self.index.is_empty() {
            1.0
        } else {
            self.index[h % self.index.len()]
        }
    }

    /// The point forecast of the adjusted series `h + 1` steps ahead.
    fn adjusted_point(&self, h: usize) -> f64 {
        let a = self.alpha;
        let tail = (1.0 - a).powi(self.n as i32);
        self.level + self.drift() * (h as f64 + 1.0 / a - tail / a)
    }
}

/// Sum of squared one-step errors of SES with parameter `alpha` from `level`, and
/// the final level.
fn ses(y: &[f64], alpha: f64, mut level: f64) -> (f64, f64) {
    let mut sse = 0.0;
    for &v in y {
        let e = v - level;
        sse += e * e;
        level += alpha * e;
    }
    (sse, level)
}

/// The least-squares slope of `y` against its index.
fn regression_slope(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        let dx = i as f64 - mx;
        sxy += dx * (v - my);
        sxx += dx * dx;
    }
    sxy / sxx
}

impl Forecaster for Theta {
    type Fitted = FittedTheta;

    fn fit(&self, series: &RegularSeries) -> Result<FittedTheta> {
        let raw = series.values();
        let n = raw.len();
        if n < 4 {
            return Err(Error::series(
                series.name(),
                format!("the Theta method needs at least 4 points, the history has {n}"),
            ));
        }
        let (y, index) = match m4_deseasonalise(raw, self.period)? {
            Some((adjusted, index)) => (adjusted, index),
            None => (raw.to_vec(), Vec::new()),
        };
        let spread = y
            .iter()
            .fold(0.0f64, |m, v| m.max((v - y[0]).abs()))
            .max(1e-12);
        // Smoothing parameter and initial level by least squares, as `thetaf` does
        // through `ses`.
        let best = nelder_mead(
            |x| ses(&y, x[0], x[1]).0,
            &[0.5, y[0]],
            &[0.2, 0.1 * spread],
            &[ALPHA_BOUNDS.0, y[0] - spread],
            &[ALPHA_BOUNDS.1, y[0] + spread],
            &NelderMead::default(),
        );
        let (alpha, start) = (best.x[0], best.x[1]);
        let (sse, level) = ses(&y, alpha, start);
        // Two estimated parameters (the level's start and alpha) besides the slope.
        let sigma = (sse / (n - 3) as f64).sqrt();
        Ok(FittedTheta {
            origin: Origin::of(series),
            alpha,
            level,
            slope: regression_slope(&y),
            n,
            sigma,
            index,
        })
    }
}

impl FittedModel for FittedTheta {
    fn name(&self) -> String {
        if self.index.is_empty() {
            "theta".to_string()
        } else {
            format!("theta({})", self.index.len())
        }
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let point: Vec<f64> = (0..horizon).map(|h| self.adjusted_point(h)).collect();
        let sd: Vec<f64> = (0..horizon)
            .map(|h| self.sigma * (1.0 + self.alpha * self.alpha * h as f64).sqrt())
            .collect();
        let mut intervals = normal_intervals(&point, &sd, levels);
        let mut point = point;
        for (h, value) in point.iter_mut().enumerate() {
            let s = self.factor(h);
            *value *= s;
            for i in &mut intervals {
                i.lower[h] *= s;
                i.upper[h] *= s;
            }
        }
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    /// Each path is the point forecast plus the SES error structure: every error
    /// stays in the level with weight `alpha`.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |rng, mut path| {
                let mut carried = 0.0;
                for h in 0..horizon {
                    let e: f64 = StandardNormal.sample(rng);
                    let e = self.sigma * e;
                    path[h] = (self.adjusted_point(h) + carried + e) * self.factor(h);
                    carried += self.alpha * e;
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    fn series(values: Vec<f64>) -> RegularSeries {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        RegularSeries::new("s", start, Step::seconds(3600), values).unwrap()
    }

    #[test]
    fn a_straight_line_is_followed_at_half_its_slope() {
        // On an exact line SES tracks the data closely (alpha near 1), so the
        // forecast starts at the last value and rises at half the slope.
        let y: Vec<f64> = (0..50).map(|t| 10.0 + 2.0 * t as f64).collect();
        let fit = Theta::new(1).fit(&series(y)).unwrap();
        assert!((fit.drift() - 1.0).abs() < 1e-9);
        let f = fit.predict(10, &[95.0]).unwrap();
        let rise = f.point[9] - f.point[0];
        assert!((rise - 9.0).abs() < 1e-6, "{rise}");
        assert!(f.point[0] > 108.0 && f.point[0] < 112.0, "{}", f.point[0]);
    }

    #[test]
    fn formula_by_hand() {
        let y = vec![3.0, 5.0, 4.0, 6.0, 7.0, 6.5, 8.0];
        let fit = Theta::new(1).fit(&series(y.clone())).unwrap();
        let a = fit.alpha();
        let (_, level) = ses(&y, a, {
            // the fitted start reproduces the stored level
            let mut l = fit.level;
            for v in y.iter().rev() {
                l = (l - a * v) / (1.0 - a);
            }
            l
        });
        assert!((level - fit.level).abs() < 1e-6);
        let f = fit.predict(3, &[]).unwrap();
        for h in 0..3 {
            let tail = (1.0 - a).powi(7);
            let expected = fit.level + fit.drift() * (h as f64 + 1.0 / a - tail / a);
            assert!((f.point[h] - expected).abs() < 1e-12);
        }
    }

    #[test]
    fn paths_agree_with_the_intervals() {
        let y: Vec<f64> = (0..120)
            .map(|t| 50.0 + 0.3 * t as f64 + ((t * 7919) % 13) as f64)
            .collect();
        let fit = Theta::new(1).fit(&series(y)).unwrap();
        let f = fit.predict(20, &[95.0]).unwrap();
        let paths = fit.simulate(20, 20_000, 5).unwrap();
        let (lo, hi) = (paths.quantile(0.025), paths.quantile(0.975));
        for h in [0, 19] {
            let width = f.intervals[0].upper[h] - f.intervals[0].lower[h];
            assert!(
                (lo[h] - f.intervals[0].lower[h]).abs() < 0.03 * width,
                "step {h}"
            );
            assert!(
                (hi[h] - f.intervals[0].upper[h]).abs() < 0.03 * width,
                "step {h}"
            );
        }
    }

    #[test]
    fn seasonal_indices_multiply_back() {
        let y: Vec<f64> = (0..96)
            .map(|t| (100.0 + t as f64) * if t % 12 < 6 { 1.2 } else { 0.8 })
            .collect();
        let fit = Theta::new(12).fit(&series(y)).unwrap();
        assert_eq!(fit.name(), "theta(12)");
        let f = fit.predict(12, &[]).unwrap();
        assert!(f.point[0] > f.point[6], "{:?}", f.point);
    }

    #[test]
    fn too_short() {
        assert!(Theta::new(1).fit(&series(vec![1.0, 2.0, 3.0])).is_err());
    }
}
