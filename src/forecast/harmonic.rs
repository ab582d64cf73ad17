//! Harmonic regression: a trend plus Fourier terms for each seasonal period,
//! fitted by ordinary least squares. It captures daily and weekly shapes from a
//! short history, where a decomposition still has few cycles to smooth over.
//!
//! The trend is a straight line, or piecewise linear with changepoints. The
//! changepoints are chosen by a regularised rule: candidates are placed evenly over
//! the first 80 % of the history (as Prophet does, so the end keeps a stable slope);
//! starting from the straight line, the candidate that most reduces the residual sum
//! of squares of the seasonally adjusted series is added while the Bayesian
//! information criterion improves, at most [`MAX_CHANGEPOINTS`] times. BIC's
//! `log(n)` cost per slope change is the regulariser.

use serde::{Deserialize, Serialize};

use super::ols::OlsFit;
use super::{
    check_request, symmetric_interval, FittedModel, Forecast, Forecaster, Origin, SamplePaths,
};
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// Most changepoints the piecewise trend takes.
pub const MAX_CHANGEPOINTS: usize = 5;
/// Evenly spaced changepoint candidates (Prophet places 25).
const CANDIDATES: usize = 25;

/// The trend part of a harmonic regression.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HarmonicTrend {
    /// A straight line.
    Linear,
    /// Piecewise linear, changepoints chosen by BIC (the default).
    #[default]
    Piecewise,
}

/// A harmonic regression, configured with methods that consume and return it.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{FittedModel, Forecaster, HarmonicRegression};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let tau = std::f64::consts::TAU;
/// let y: Vec<f64> = (0..24 * 21).map(|t| 0.1 * t as f64 + 3.0 * (tau * t as f64 / 24.0).sin()).collect();
/// let s = RegularSeries::new("cpu", start, Step::seconds(3600), y).unwrap();
/// let f = HarmonicRegression::new(vec![24]).fit(&s).unwrap().predict(6, &[95.0]).unwrap();
/// let t = (24 * 21 + 5) as f64;
/// assert!((f.point[5] - (0.1 * t + 3.0 * (tau * t / 24.0).sin())).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HarmonicRegression {
    periods: Vec<usize>,
    harmonics: Option<Vec<usize>>,
    trend: HarmonicTrend,
}

impl HarmonicRegression {
    /// Fourier terms for these periods, the default number of harmonics
    /// ([`default_harmonics`]) and a piecewise-linear trend.
    pub fn new(periods: Vec<usize>) -> Self {
        HarmonicRegression {
            periods,
            harmonics: None,
            trend: HarmonicTrend::Piecewise,
        }
    }

    /// Harmonics per period, in the order of the periods.
    pub fn harmonics(mut self, harmonics: Vec<usize>) -> Self {
        self.harmonics = Some(harmonics);
        self
    }

    /// The trend part.
    pub fn trend(mut self, trend: HarmonicTrend) -> Self {
        self.trend = trend;
        self
    }
}

/// Harmonics for a period: up to 10 sine-cosine pairs, as Prophet's yearly season,
/// enough for sharp daily and weekly shapes, and fewer than half the period (at
/// half the period the sine vanishes on whole steps, above it they repeat).
pub fn default_harmonics(period: usize) -> usize {
    (period.saturating_sub(1) / 2).min(10)
}

/// A fitted harmonic regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedHarmonic {
    origin: Origin,
    periods: Vec<(usize, usize)>,
    changepoints: Vec<f64>,
    ols: OlsFit,
    n: usize,
}

impl FittedHarmonic {
    /// The changepoints chosen, as steps from the start of the history.
    pub fn changepoints(&self) -> &[f64] {
        &self.changepoints
    }

    fn row(&self, t: f64) -> Vec<f64> {
        design_row(t, &self.changepoints, &self.periods)
    }
}

/// `[1, t, (t - c)+ ..., sin, cos ...]` at time `t`. A frequency shared by two
/// periods (the seventh weekly harmonic is the first daily one) appears once.
fn design_row(t: f64, changepoints: &[f64], periods: &[(usize, usize)]) -> Vec<f64> {
    let mut row = vec![1.0, t];
    row.extend(changepoints.iter().map(|&c| (t - c).max(0.0)));
    for (i, &(p, k)) in periods.iter().enumerate() {
        for j in 1..=k {
            let repeated = periods[..i]
                .iter()
                .any(|&(q, kq)| (1..=kq).any(|jq| jq * p == j * q));
            if repeated {
                continue;
            }
            let angle = std::f64::consts::TAU * j as f64 * t / p as f64;
            row.push(angle.sin());
            row.push(angle.cos());
        }
    }
    row
}

fn fit_rows(
    y: &[f64],
    changepoints: &[f64],
    periods: &[(usize, usize)],
) -> Result<(OlsFit, usize)> {
    let rows: Vec<Vec<f64>> = (0..y.len())
        .map(|t| design_row(t as f64, changepoints, periods))
        .collect();
    let p = rows[0].len();
    let design: Vec<f64> = rows.concat();
    Ok((OlsFit::fit(&design, p, y)?, p))
}

/// Residual sum of squares of a straight line plus hinges at `changepoints`.
fn hinge_rss(y: &[f64], changepoints: &[f64]) -> Option<f64> {
    let (fit, _) = fit_rows(y, changepoints, &[]).ok()?;
    Some(fit.sigma.powi(2) * fit.df as f64)
}

/// Greedy BIC selection of changepoints on the seasonally adjusted series.
fn choose_changepoints(adjusted: &[f64]) -> Vec<f64> {
    let n = adjusted.len();
    let bic = |rss: f64, k: usize| {
        n as f64 * (rss.max(f64::MIN_POSITIVE) / n as f64).ln() + k as f64 * (n as f64).ln()
    };
    let candidates: Vec<f64> = (1..=CANDIDATES)
        .map(|i| (0.8 * n as f64 * i as f64 / (CANDIDATES + 1) as f64).round())
        .collect();
    let mut chosen: Vec<f64> = Vec::new();
    let Some(mut best) = hinge_rss(adjusted, &chosen).map(|rss| bic(rss, 2)) else {
        return chosen;
    };
    while chosen.len() < MAX_CHANGEPOINTS {
        let step = candidates
            .iter()
            .filter(|c| !chosen.contains(c))
            .filter_map(|&c| {
                let mut trial = chosen.clone();
                trial.push(c);
                hinge_rss(adjusted, &trial).map(|rss| (c, bic(rss, trial.len() + 2)))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        match step {
            Some((c, score)) if score < best => {
                chosen.push(c);
                best = score;
            }
            _ => break,
        }
    }
    chosen.sort_by(f64::total_cmp);
    chosen
}

impl Forecaster for HarmonicRegression {
    type Fitted = FittedHarmonic;

    fn fit(&self, series: &RegularSeries) -> Result<FittedHarmonic> {
        let y = series.values();
        let n = y.len();
        let harmonics = match &self.harmonics {
            Some(h) if h.len() != self.periods.len() => {
                return Err(Error::invalid(format!(
                    "{} harmonic counts for {} periods",
                    h.len(),
                    self.periods.len()
                )))
            }
            Some(h) => h.clone(),
            None => self.periods.iter().map(|&p| default_harmonics(p)).collect(),
        };
        let periods: Vec<(usize, usize)> = self
            .periods
            .iter()
            .zip(&harmonics)
            .map(|(&p, &k)| (p, k.min(p.saturating_sub(1) / 2)))
            .filter(|&(p, k)| p >= 2 && k >= 1)
            .collect();
        let columns = 2 + periods.iter().map(|(_, k)| 2 * k).sum::<usize>();
        if n < columns + 3 {
            return Err(Error::series(
                series.name(),
                format!("a harmonic regression with {columns} terms needs at least {} points, the history has {n}", columns + 3),
            ));
        }
        let (linear, _) = fit_rows(y, &[], &periods).map_err(|e| e.in_series(series.name()))?;
        let changepoints = match self.trend {
            HarmonicTrend::Linear => Vec::new(),
            HarmonicTrend::Piecewise => {
                // Changepoints are chosen on the series less its seasonal terms, so
                // each trial is a small regression.
                let adjusted: Vec<f64> = (0..n)
                    .map(|t| {
                        let row = design_row(t as f64, &[], &periods);
                        y[t] - row[2..]
                            .iter()
                            .zip(&linear.coefficients[2..])
                            .map(|(x, b)| x * b)
                            .sum::<f64>()
                    })
                    .collect();
                choose_changepoints(&adjusted)
            }
        };
        let ols = if changepoints.is_empty() {
            linear
        } else {
            fit_rows(y, &changepoints, &periods)
                .map_err(|e| e.in_series(series.name()))?
                .0
        };
        Ok(FittedHarmonic {
            origin: Origin::of(series),
            periods,
            changepoints,
            ols,
            n,
        })
    }
}

impl FittedModel for FittedHarmonic {
    fn name(&self) -> String {
        let periods: Vec<String> = self.periods.iter().map(|(p, _)| p.to_string()).collect();
        format!("harmonic({})", periods.join("+"))
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let rows: Vec<Vec<f64>> = (0..horizon)
            .map(|h| self.row((self.n + h) as f64))
            .collect();
        let point: Vec<f64> = rows.iter().map(|x| self.ols.mean(x)).collect();
        let se: Vec<f64> = rows.iter().map(|x| self.ols.prediction_se(x)).collect();
        let intervals = levels
            .iter()
            .map(|&level| symmetric_interval(level, &point, &se, self.ols.t_multiplier(level)))
            .collect();
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    /// Residual scale and coefficients drawn from their sampling distribution per
    /// path, then independent noise per step.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let rows: Vec<Vec<f64>> = (0..horizon)
            .map(|h| self.row((self.n + h) as f64))
            .collect();
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |rng, path| {
                self.ols.draw_path(rng, &rows, path, |z| z)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    fn series(y: Vec<f64>) -> RegularSeries {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        RegularSeries::new("s", start, Step::seconds(3600), y).unwrap()
    }

    #[test]
    fn finds_a_slope_change() {
        let tau = std::f64::consts::TAU;
        let y: Vec<f64> = (0..400)
            .map(|t| {
                let trend = if t < 200 {
                    0.5 * t as f64
                } else {
                    100.0 + 0.1 * (t - 200) as f64
                };
                trend + 2.0 * (tau * t as f64 / 24.0).cos() + 0.05 * ((t * 7919) % 11) as f64
            })
            .collect();
        let fitted = HarmonicRegression::new(vec![24]).fit(&series(y)).unwrap();
        assert!(!fitted.changepoints().is_empty());
        assert!(
            fitted
                .changepoints()
                .iter()
                .any(|&c| (c - 200.0).abs() < 20.0),
            "{:?}",
            fitted.changepoints()
        );
        let f = fitted.predict(24, &[95.0]).unwrap();
        // The forecast follows the late slope (0.1 per step), not the early one.
        let t = 423.0;
        assert!(
            (f.point[23] - (100.0 + 0.1 * (t - 200.0) + 2.0 * (tau * t / 24.0).cos())).abs() < 1.0
        );
    }

    #[test]
    fn straight_line_without_changepoints() {
        let y: Vec<f64> = (0..100)
            .map(|t| 2.0 * t as f64 + ((t % 7) as f64 - 3.0))
            .collect();
        let fitted = HarmonicRegression::new(vec![7])
            .trend(HarmonicTrend::Linear)
            .fit(&series(y))
            .unwrap();
        assert!(fitted.changepoints().is_empty());
        assert_eq!(fitted.name(), "harmonic(7)");
    }

    #[test]
    fn too_short_and_paths() {
        assert!(HarmonicRegression::new(vec![168])
            .fit(&series(vec![1.0; 20]))
            .is_err());
        let y: Vec<f64> = (0..200)
            .map(|t| (t % 12) as f64 + ((t * 31) % 7) as f64 * 0.3)
            .collect();
        let fitted = HarmonicRegression::new(vec![12]).fit(&series(y)).unwrap();
        let f = fitted.predict(10, &[90.0]).unwrap();
        let paths = fitted.simulate(10, 20_000, 5).unwrap();
        let hi = paths.quantile(0.95);
        for (h, q) in hi.iter().enumerate() {
            let half = f.intervals[0].upper[h] - f.point[h];
            assert!(
                (q - f.intervals[0].upper[h]).abs() < 0.06 * half,
                "step {h}"
            );
        }
    }
}
