//! Trend regressions for series without seasonality (or after deseasonalising):
//! the curves that Zabbix's `forecast` and `timeleft` fit, plus logistic growth
//! towards a ceiling.
//!
//! | curve | fitted as | needs |
//! |---|---|---|
//! | linear | `y = a + b t` | |
//! | polynomial 2, 3 | `y = a + b t + c t² (+ d t³)` | |
//! | exponential | `ln y = a + b t` | `y > 0` |
//! | logarithmic | `y = a + b ln t` | |
//! | power | `ln y = a + b ln t` | `y > 0` |
//! | logistic | `ln(y / (K - y)) = a + b t` for a ceiling `K` | `0 < y < K` |
//!
//! Each is ordinary least squares on the scale in the second column, over a recent
//! window ([`TrendWindow`]); prediction intervals come from the t distribution on
//! that scale and are mapped back through the inverse transform, which keeps their
//! coverage (quantiles survive monotone maps). Time `t` counts steps from 1 at the
//! start of the window, so that `ln t` is defined.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ols::OlsFit;
use super::{check_request, FittedModel, Forecast, Forecaster, Interval, Origin, SamplePaths};
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// Which part of the history a trend is fitted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrendWindow {
    /// The most recent quarter of the history, but at least two cycles of the
    /// longest season and at least 10 points (the default). A quarter follows the
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
    /// The number of points a trend is fitted to, for `n` points of history.
    pub fn length(&self, n: usize, longest_period: usize) -> usize {
        match *self {
            TrendWindow::Recent => (n / 4).max(2 * longest_period).max(10).min(n),
            TrendWindow::Last(len) => len.min(n),
            TrendWindow::All => n,
        }
    }
}

/// The shape of a trend regression.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Curve {
    /// A straight line.
    Linear,
    /// A polynomial of degree 2 or 3.
    Polynomial(u8),
    /// Exponential growth or decay.
    Exponential,
    /// Logarithmic growth.
    Logarithmic,
    /// A power law.
    Power,
    /// Logistic growth towards a ceiling; `None` estimates it (the ceiling that
    /// fits best among values above the largest observation).
    Logistic(Option<f64>),
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Curve::Linear => write!(f, "linear_trend"),
            Curve::Polynomial(d) => write!(f, "polynomial_trend({d})"),
            Curve::Exponential => write!(f, "exponential_trend"),
            Curve::Logarithmic => write!(f, "logarithmic_trend"),
            Curve::Power => write!(f, "power_trend"),
            Curve::Logistic(Some(k)) => write!(f, "logistic_trend({k})"),
            Curve::Logistic(None) => write!(f, "logistic_trend"),
        }
    }
}

/// A trend regression, configured with methods that consume and return it.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{Curve, FittedModel, Forecaster, TrendRegression};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..50).map(|t| 100.0 * 1.02f64.powi(t)).collect();
/// let s = RegularSeries::new("requests", start, Step::seconds(86_400), y).unwrap();
/// let f = TrendRegression::new(Curve::Exponential).fit(&s).unwrap().predict(10, &[95.0]).unwrap();
/// assert!((f.point[9] - 100.0 * 1.02f64.powi(59)).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendRegression {
    curve: Curve,
    window: TrendWindow,
    longest_period: usize,
}

impl TrendRegression {
    /// A regression of this shape on the default window ([`TrendWindow::Recent`]).
    pub fn new(curve: Curve) -> Self {
        TrendRegression {
            curve,
            window: TrendWindow::Recent,
            longest_period: 1,
        }
    }

    /// The part of the history to fit.
    pub fn window(mut self, window: TrendWindow) -> Self {
        self.window = window;
        self
    }

    /// The longest seasonal period of the series the trend was taken from (the
    /// default window covers at least two of its cycles).
    pub fn longest_period(mut self, period: usize) -> Self {
        self.longest_period = period.max(1);
        self
    }
}

/// How values map to the scale the line is fitted on, and back.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Scale {
    Identity,
    Log,
    Logit(f64),
}

impl Scale {
    fn forward(self, y: f64) -> f64 {
        match self {
            Scale::Identity => y,
            Scale::Log => y.ln(),
            Scale::Logit(k) => (y / (k - y)).ln(),
        }
    }

    fn back(self, z: f64) -> f64 {
        match self {
            Scale::Identity => z,
            Scale::Log => z.exp(),
            Scale::Logit(k) => k / (1.0 + (-z).exp()),
        }
    }
}

/// A fitted trend regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedTrend {
    origin: Origin,
    curve: Curve,
    scale: Scale,
    ols: OlsFit,
    /// Time of the last observation (steps from 1 at the window start).
    last_t: f64,
    degree: u8,
    log_time: bool,
}

impl FittedTrend {
    /// The least-squares fit on the transformed scale.
    pub fn regression(&self) -> &OlsFit {
        &self.ols
    }

    /// The estimated or given ceiling of a logistic curve.
    pub fn ceiling(&self) -> Option<f64> {
        match self.scale {
            Scale::Logit(k) => Some(k),
            _ => None,
        }
    }

    fn row(&self, t: f64) -> Vec<f64> {
        let x = if self.log_time { t.ln() } else { t };
        (0..=self.degree as i32).map(|d| x.powi(d)).collect()
    }
}

fn design(times: impl Iterator<Item = f64>, degree: u8, log_time: bool) -> Vec<f64> {
    times
        .flat_map(|t| {
            let x = if log_time { t.ln() } else { t };
            (0..=degree as i32).map(move |d| x.powi(d))
        })
        .collect()
}

impl Forecaster for TrendRegression {
    type Fitted = FittedTrend;

    fn fit(&self, series: &RegularSeries) -> Result<FittedTrend> {
        let n = series.len();
        let len = self.window.length(n, self.longest_period);
        let y = &series.values()[n - len..];
        let (degree, log_time) = match self.curve {
            Curve::Polynomial(d @ (2 | 3)) => (d, false),
            Curve::Polynomial(d) => {
                return Err(Error::invalid(format!(
                    "polynomial trends have degree 2 or 3, not {d}"
                )))
            }
            Curve::Logarithmic | Curve::Power => (1, true),
            _ => (1, false),
        };
        let scale = match self.curve {
            Curve::Exponential | Curve::Power => Scale::Log,
            Curve::Logistic(k) => Scale::Logit(match k {
                Some(k) => k,
                None => estimate_ceiling(y)?,
            }),
            _ => Scale::Identity,
        };
        check_domain(series.name(), self.curve, scale, y)?;
        if len < degree as usize + 3 {
            return Err(Error::series(
                series.name(),
                format!(
                    "{} needs at least {} points, the history has {n}",
                    self.curve,
                    degree + 3
                ),
            ));
        }
        let z: Vec<f64> = y.iter().map(|&v| scale.forward(v)).collect();
        let x = design((1..=len).map(|t| t as f64), degree, log_time);
        let ols =
            OlsFit::fit(&x, degree as usize + 1, &z).map_err(|e| e.in_series(series.name()))?;
        Ok(FittedTrend {
            origin: Origin::of(series),
            curve: self.curve,
            scale,
            ols,
            last_t: len as f64,
            degree,
            log_time,
        })
    }
}

/// The transformed scale needs positive values (log) or values under the ceiling.
fn check_domain(series: &str, curve: Curve, scale: Scale, y: &[f64]) -> Result<()> {
    let bad = match scale {
        Scale::Identity => None,
        Scale::Log => y.iter().find(|&&v| v <= 0.0),
        Scale::Logit(k) => y.iter().find(|&&v| v <= 0.0 || v >= k),
    };
    match bad {
        Some(v) => Err(Error::series(
            series,
            format!(
                "{curve} cannot fit the value {v} (it needs values above 0{})",
                match scale {
                    Scale::Logit(k) => format!(" and below the ceiling {k}"),
                    _ => String::new(),
                }
            ),
        )),
        None => Ok(()),
    }
}

/// The logistic ceiling with the smallest residual sum of squares of the logit
/// line, searched on a grid from just above the largest value to ten times it.
fn estimate_ceiling(y: &[f64]) -> Result<f64> {
    let max = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max.is_nan() || max <= 0.0 || y.len() < 4 {
        return Err(Error::invalid(
            "a logistic ceiling needs at least 4 positive values",
        ));
    }
    let t: Vec<f64> = (1..=y.len()).map(|t| t as f64).collect();
    let x = design(t.into_iter(), 1, false);
    let sse = |k: f64| -> f64 {
        let z: Vec<f64> = y.iter().map(|&v| Scale::Logit(k).forward(v)).collect();
        if z.iter().any(|v| !v.is_finite()) {
            return f64::INFINITY;
        }
        match OlsFit::fit(&x, 2, &z) {
            // Compare on the original scale: the logit stretches values near K.
            Ok(fit) => (0..y.len())
                .map(|i| {
                    let zi = fit.mean(&[1.0, (i + 1) as f64]);
                    (Scale::Logit(k).back(zi) - y[i]).powi(2)
                })
                .sum(),
            Err(_) => f64::INFINITY,
        }
    };
    let candidates = (1..=60).map(|i| max * (1.0 + 9.0 * (i as f64 / 60.0).powi(2)) + 1e-9 * max);
    candidates
        .map(|k| (k, sse(k)))
        .filter(|(_, e)| e.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
        .ok_or_else(|| Error::invalid("no logistic ceiling fits the data"))
}

impl FittedModel for FittedTrend {
    fn name(&self) -> String {
        self.curve.to_string()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let rows: Vec<Vec<f64>> = (1..=horizon)
            .map(|h| self.row(self.last_t + h as f64))
            .collect();
        let centre: Vec<f64> = rows.iter().map(|x| self.ols.mean(x)).collect();
        let se: Vec<f64> = rows.iter().map(|x| self.ols.prediction_se(x)).collect();
        let point = centre.iter().map(|&z| self.scale.back(z)).collect();
        let intervals = levels
            .iter()
            .map(|&level| {
                let t = self.ols.t_multiplier(level);
                Interval {
                    level,
                    lower: centre
                        .iter()
                        .zip(&se)
                        .map(|(z, s)| self.scale.back(z - t * s))
                        .collect(),
                    upper: centre
                        .iter()
                        .zip(&se)
                        .map(|(z, s)| self.scale.back(z + t * s))
                        .collect(),
                }
            })
            .collect();
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    /// Each path draws the residual scale and coefficients from their sampling
    /// distribution (one trend error shared by the whole path) and adds independent
    /// noise at each step, on the fitted scale, then maps back.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let rows: Vec<Vec<f64>> = (1..=horizon)
            .map(|h| self.row(self.last_t + h as f64))
            .collect();
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |rng, path| {
                self.ols.draw_path(rng, &rows, path, |z| self.scale.back(z))
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

    fn fit(curve: Curve, y: Vec<f64>) -> FittedTrend {
        TrendRegression::new(curve)
            .window(TrendWindow::All)
            .fit(&series(y))
            .unwrap()
    }

    #[test]
    fn window_rule() {
        assert_eq!(TrendWindow::Recent.length(1000, 24), 250);
        assert_eq!(TrendWindow::Recent.length(100, 24), 48);
        assert_eq!(TrendWindow::Recent.length(12, 1), 10);
        assert_eq!(TrendWindow::Recent.length(5, 1), 5);
        assert_eq!(TrendWindow::Last(50).length(20, 1), 20);
    }

    #[test]
    fn exact_curves_are_recovered() {
        let n = 30;
        let t = |i: usize| (i + 1) as f64;
        type Truth = Box<dyn Fn(f64) -> f64>;
        let cases: Vec<(Curve, Truth)> = vec![
            (Curve::Linear, Box::new(|t| 3.0 + 2.0 * t)),
            (
                Curve::Polynomial(2),
                Box::new(|t| 1.0 + 0.5 * t - 0.02 * t * t),
            ),
            (
                Curve::Polynomial(3),
                Box::new(|t| 1.0 + 0.5 * t - 0.02 * t * t + 0.001 * t * t * t),
            ),
            (Curve::Exponential, Box::new(|t| 5.0 * (0.03 * t).exp())),
            (Curve::Logarithmic, Box::new(|t| 2.0 + 4.0 * t.ln())),
            (Curve::Power, Box::new(|t| 3.0 * t.powf(0.7))),
            (
                Curve::Logistic(Some(100.0)),
                Box::new(|t| 100.0 / (1.0 + (-(0.2 * t - 3.0)).exp())),
            ),
        ];
        for (curve, f) in cases {
            let y: Vec<f64> = (0..n).map(|i| f(t(i))).collect();
            let fc = fit(curve, y).predict(5, &[90.0]).unwrap();
            for h in 0..5 {
                let truth = f((n + h + 1) as f64);
                assert!(
                    (fc.point[h] - truth).abs() < 1e-6 * truth.abs().max(1.0),
                    "{curve}: {} vs {truth}",
                    fc.point[h]
                );
            }
        }
    }

    #[test]
    fn logistic_ceiling_is_estimated() {
        let y: Vec<f64> = (1..=60)
            .map(|t| 500.0 / (1.0 + (-(0.1 * t as f64 - 3.0)).exp()) + (t % 3) as f64 * 0.5)
            .collect();
        let fitted = fit(Curve::Logistic(None), y);
        let k = fitted.ceiling().unwrap();
        assert!((k - 500.0).abs() < 50.0, "{k}");
        let f = fitted.predict(100, &[95.0]).unwrap();
        assert!(f.point.iter().all(|&p| p < k));
    }

    #[test]
    fn back_transformed_intervals_bracket_the_point() {
        let y: Vec<f64> = (1..=40)
            .map(|t| 10.0 * (0.05 * t as f64).exp() * (1.0 + 0.05 * ((t * 7) % 5) as f64))
            .collect();
        let f = fit(Curve::Exponential, y)
            .predict(10, &[80.0, 95.0])
            .unwrap();
        for h in 0..10 {
            assert!(f.intervals[1].lower[h] < f.intervals[0].lower[h]);
            assert!(f.intervals[0].lower[h] < f.point[h] && f.point[h] < f.intervals[0].upper[h]);
            assert!(f.intervals[0].lower[h] > 0.0);
        }
    }

    #[test]
    fn domains_are_checked() {
        let s = series(vec![1.0, 0.0, 2.0, 3.0, 4.0, 5.0]);
        assert!(TrendRegression::new(Curve::Exponential).fit(&s).is_err());
        assert!(TrendRegression::new(Curve::Logistic(Some(4.0)))
            .fit(&s)
            .is_err());
        assert!(TrendRegression::new(Curve::Polynomial(4)).fit(&s).is_err());
        assert!(TrendRegression::new(Curve::Polynomial(3))
            .fit(&series(vec![1.0; 5]))
            .is_err());
    }

    #[test]
    fn paths_agree_with_intervals_on_the_log_scale() {
        let y: Vec<f64> = (1..=60)
            .map(|t| {
                10.0 * (0.02 * t as f64).exp()
                    * (1.0 + 0.1 * (((t * 7919) % 13) as f64 / 13.0 - 0.5))
            })
            .collect();
        let fitted = fit(Curve::Exponential, y);
        let f = fitted.predict(12, &[90.0]).unwrap();
        let paths = fitted.simulate(12, 40_000, 9).unwrap();
        let (lo, hi) = (paths.quantile(0.05), paths.quantile(0.95));
        for h in [0, 11] {
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
}
