//! Box-Cox transforms, for series whose growth and seasonal swings scale with
//! their level (multiplicative growth: traffic, passengers, sales).
//!
//! `z = (y^lambda - 1) / lambda`, and `z = ln y` at `lambda = 0`. A model fitted to
//! `z` forecasts growth in proportion; its forecast, interval bounds and sample
//! paths are mapped back through the inverse transform, which keeps the coverage
//! of intervals and the probabilities of paths (quantiles survive monotone maps).
//! The point forecast mapped back is the forecast median on the original scale
//! (Hyndman and Athanasopoulos, FPP3 section 5.6, without bias adjustment).
//!
//! `lambda` is chosen by Guerrero's (1993) method, as R's `BoxCox.lambda`: the
//! value that makes the ratio of each season's standard deviation to its mean
//! raised to `1 - lambda` most nearly constant. It is searched in `[0, 1]` only:
//! below zero the inverse transform explodes for paths that wander low, and
//! above one the transform would exaggerate growth. Values that are not all
//! positive cannot be transformed; the caller falls back to the original scale and
//! says so.

use serde::{Deserialize, Serialize};

use super::{FittedModel, Forecast, Forecaster, SamplePaths};
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// Where the search for lambda stops short of a plain series: above this, the
/// transform is too close to the identity to be worth a second model.
pub const NEAR_IDENTITY: f64 = 0.9;

/// Largest exponent the inverse of the log transform takes, so that a path that
/// wanders far up stays finite (e^700 is about 1e304).
const MAX_EXP: f64 = 700.0;

/// A Box-Cox transform with a given `lambda` in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoxCox {
    lambda: f64,
}

impl BoxCox {
    /// The transform with this `lambda` (clamped to `[0, 1]`).
    pub fn new(lambda: f64) -> Self {
        BoxCox {
            lambda: if lambda.is_finite() {
                lambda.clamp(0.0, 1.0)
            } else {
                1.0
            },
        }
    }

    /// The transform Guerrero's method chooses for `y` with seasons of `period`
    /// steps (2 without a season); `None` when a value is not positive or there
    /// are fewer than two whole seasons.
    pub fn guerrero(y: &[f64], period: usize) -> Option<BoxCox> {
        if y.iter().any(|v| !(*v > 0.0 && v.is_finite())) {
            return None;
        }
        let m = period.max(2);
        let seasons = y.len() / m;
        if seasons < 2 {
            return None;
        }
        let recent = &y[y.len() - seasons * m..];
        let stats: Vec<(f64, f64)> = recent
            .chunks(m)
            .map(|c| {
                let mean = c.iter().sum::<f64>() / m as f64;
                let var = c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m - 1) as f64;
                (mean, var.sqrt())
            })
            .collect();
        let variation = |lambda: f64| {
            let ratios: Vec<f64> = stats
                .iter()
                .map(|(mean, sd)| sd / mean.powf(1.0 - lambda))
                .collect();
            let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
            let var =
                ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (ratios.len() - 1) as f64;
            if mean > 0.0 {
                var.sqrt() / mean
            } else {
                f64::INFINITY
            }
        };
        // A grid: the coefficient of variation is not always unimodal in lambda,
        // and 101 evaluations of a pass over the seasons' statistics are cheap.
        let best = (0..=100)
            .map(|k| k as f64 / 100.0)
            .min_by(|a, b| variation(*a).total_cmp(&variation(*b)))?;
        Some(BoxCox::new(best))
    }

    /// The parameter.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// The transformed value of a positive `y`.
    pub fn forward(&self, y: f64) -> f64 {
        if self.lambda == 0.0 {
            y.ln()
        } else {
            (y.powf(self.lambda) - 1.0) / self.lambda
        }
    }

    /// The original-scale value of a transformed `z`: below the transform's range
    /// (`lambda z + 1 <= 0`) the original value is 0, its floor.
    pub fn back(&self, z: f64) -> f64 {
        if self.lambda == 0.0 {
            z.min(MAX_EXP).exp()
        } else {
            let base = self.lambda * z + 1.0;
            if base <= 0.0 {
                0.0
            } else {
                base.powf(1.0 / self.lambda).min(f64::MAX)
            }
        }
    }

    /// `series` on the transformed scale (every value must be positive).
    pub fn apply(&self, series: &RegularSeries) -> Result<RegularSeries> {
        if let Some(v) = series.values().iter().find(|v| v.is_nan() || **v <= 0.0) {
            return Err(Error::series(
                series.name(),
                format!("a Box-Cox transform needs positive values; the history holds {v}"),
            ));
        }
        let z = series.values().iter().map(|&y| self.forward(y)).collect();
        RegularSeries::new(series.name(), series.start(), series.step(), z)
    }

    /// A forecast made on the transformed scale, mapped back.
    pub fn back_forecast(&self, mut f: Forecast) -> Forecast {
        for v in f.point.iter_mut() {
            *v = self.back(*v);
        }
        for i in f.intervals.iter_mut() {
            for v in i.lower.iter_mut().chain(i.upper.iter_mut()) {
                *v = self.back(*v);
            }
        }
        f
    }

    /// Sample paths made on the transformed scale, mapped back.
    pub fn back_paths(&self, mut p: SamplePaths) -> SamplePaths {
        p.paths.mapv_inplace(|z| self.back(z));
        p
    }

    /// How the transform is written in a model name: `log` or `boxcox(0.35)`.
    pub fn label(&self) -> String {
        if self.lambda == 0.0 {
            "log".to_string()
        } else {
            format!("boxcox({:.2})", self.lambda)
        }
    }
}

/// A model fitted on the Box-Cox scale of a series, forecasting on the original.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transformed<M> {
    inner: M,
    transform: BoxCox,
}

impl<M> Transformed<M> {
    /// `inner` fitted on the series transformed by `transform`.
    pub fn new(inner: M, transform: BoxCox) -> Self {
        Transformed { inner, transform }
    }
}

impl<M: Forecaster> Forecaster for Transformed<M> {
    type Fitted = Transformed<M::Fitted>;

    fn fit(&self, series: &RegularSeries) -> Result<Self::Fitted> {
        let z = self.transform.apply(series)?;
        Ok(Transformed {
            inner: self.inner.fit(&z)?,
            transform: self.transform,
        })
    }
}

impl<F: FittedModel> FittedModel for Transformed<F> {
    fn name(&self) -> String {
        format!("{}:{}", self.transform.label(), self.inner.name())
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        let mut f = self
            .transform
            .back_forecast(self.inner.predict(horizon, levels)?);
        f.model = self.name();
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let mut p = self
            .transform
            .back_paths(self.inner.simulate(horizon, n_paths, seed)?);
        p.model = self.name();
        Ok(p)
    }
}

/// A fitted model with a note for its user, passed on in its forecasts
/// ([`Forecast::notes`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Noted<F> {
    inner: F,
    note: String,
}

impl<F> Noted<F> {
    /// `inner`, with `note` to pass on.
    pub fn new(inner: F, note: impl Into<String>) -> Self {
        Noted {
            inner,
            note: note.into(),
        }
    }
}

impl<F: FittedModel> FittedModel for Noted<F> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        let mut f = self.inner.predict(horizon, levels)?;
        f.notes.push(self.note.clone());
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        self.inner.simulate(horizon, n_paths, seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{Drift, SeasonalNaive};
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn round_trip() {
        for lambda in [0.0, 0.25, 0.5, 1.0] {
            let t = BoxCox::new(lambda);
            for y in [1e-6, 0.5, 1.0, 3.0, 1e6] {
                let back = t.back(t.forward(y));
                // The identity's `y - 1` loses the digits of a tiny y below 1e-16.
                assert!(
                    (back - y).abs() <= 1e-12 * y.max(1e-4),
                    "lambda {lambda}, y {y}: {back}"
                );
            }
        }
        assert_eq!(
            BoxCox::new(0.5).back(-10.0),
            0.0,
            "below the range: the floor"
        );
        assert!(BoxCox::new(0.0).back(1e6).is_finite());
        assert_eq!(BoxCox::new(f64::NAN).lambda(), 1.0);
    }

    #[test]
    fn guerrero_finds_log_for_multiplicative_seasons() {
        // Swings proportional to the level: the log makes them constant.
        let y: Vec<f64> = (0..120)
            .map(|t| (0.02 * t as f64).exp() * 100.0 * (1.0 + 0.3 * ((t % 12) as f64 - 5.5) / 5.5))
            .collect();
        let t = BoxCox::guerrero(&y, 12).unwrap();
        assert!(t.lambda() < 0.1, "{}", t.lambda());
        // Constant swings about a rising level: no transform needed.
        let y: Vec<f64> = (0..120)
            .map(|t| 100.0 + 2.0 * t as f64 + 10.0 * ((t % 12) as f64 - 5.5) / 5.5)
            .collect();
        assert!(BoxCox::guerrero(&y, 12).unwrap().lambda() > 0.8);
        assert!(BoxCox::guerrero(&[1.0, 0.0, 2.0, 3.0], 2).is_none());
        assert!(BoxCox::guerrero(&[1.0, 2.0, 3.0], 12).is_none());
    }

    #[test]
    fn forecasts_and_paths_are_mapped_back() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..60)
            .map(|t| (0.05 * t as f64).exp() * (1.0 + 0.01 * (t % 3) as f64))
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let model = Transformed::new(Drift, BoxCox::new(0.0));
        let fit = model.fit(&s).unwrap();
        assert_eq!(fit.name(), "log:drift");
        let f = fit.predict(10, &[95.0]).unwrap();
        // Growth of 5 % a step continues in proportion.
        assert!((f.point[9] / f.point[8] - 0.05f64.exp()).abs() < 0.01);
        assert!(f.intervals[0].lower.iter().all(|v| *v > 0.0));
        let paths = fit.simulate(10, 4000, 2).unwrap();
        let median = paths.quantile(0.5);
        assert!((median[9] / f.point[9] - 1.0).abs() < 0.02);
        let bad = RegularSeries::new("s", start, Step::seconds(3600), vec![1.0, 0.0, 2.0]).unwrap();
        assert!(Transformed::new(SeasonalNaive::new(1), BoxCox::new(0.5))
            .fit(&bad)
            .is_err());
    }
}
