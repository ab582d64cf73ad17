//! Conformal prediction intervals from rolling-origin refits.
//!
//! The model is refitted at earlier origins and its forecasts from there are
//! compared with what happened. Each error at forecast step `h` is divided by the
//! model's own standard deviation at that step (read off its 95 % interval), which
//! makes the scores of different steps comparable, so the few refits a history
//! allows give enough of them. The interval at level `L` is then the model's
//! interval rescaled so that it covers the `L` quantile of the scores (the
//! split-conformal quantile, `ceil((m + 1) L) / m`, Vovk et al. 2005; Stankeviciute
//! et al. 2021 for the per-step version). A model whose intervals were too narrow
//! gets wider ones, and the reverse.

use ndarray::Zip;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::{central_quantile, check_request, FittedModel, Forecast, Interval, SamplePaths};
use crate::error::Result;

/// The level whose interval gives the model's standard deviation.
const REFERENCE_LEVEL: f64 = 95.0;

/// Scores a bin of forecast steps needs before it gets its own quantile: 40 puts
/// the 95 % quantile at the 39th of 40, one score from the top.
const SCORES_PER_BIN: usize = 40;

/// Normalised absolute errors of rolling-origin forecasts, kept by forecast step
/// and pooled over neighbouring steps into bins of at least [`SCORES_PER_BIN`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConformalScores {
    /// Sorted scores of each bin of steps.
    bins: Vec<Vec<f64>>,
    /// Steps per bin; steps past the last bin use the last bin.
    width: usize,
}

impl ConformalScores {
    /// Scores of forecasts against what happened: `|actual - point| / sd` per step,
    /// with `sd` from the forecast's 95 % interval on the side of the error. Steps
    /// where the model claims certainty (zero width) are left out.
    pub fn from_forecasts<'a>(pairs: impl IntoIterator<Item = (&'a Forecast, &'a [f64])>) -> Self {
        let z = reference_z();
        let mut by_step: Vec<Vec<f64>> = Vec::new();
        for (forecast, actual) in pairs {
            let Some(interval) = forecast.interval(REFERENCE_LEVEL) else {
                continue;
            };
            for (h, &y) in actual.iter().enumerate().take(forecast.horizon()) {
                let point = forecast.point[h];
                let half = if y >= point {
                    interval.upper[h] - point
                } else {
                    point - interval.lower[h]
                };
                let sd = half / z;
                if sd > 0.0 && sd.is_finite() && y.is_finite() {
                    if by_step.len() <= h {
                        by_step.resize(h + 1, Vec::new());
                    }
                    by_step[h].push((y - point).abs() / sd);
                }
            }
        }
        let total: usize = by_step.iter().map(Vec::len).sum();
        let steps = by_step.len().max(1);
        // Bins as narrow as the scores allow: per step when there are many
        // origins, one pool when there are few.
        let per_step = (total / steps).max(1);
        let width = SCORES_PER_BIN.div_ceil(per_step).min(steps);
        let mut bins: Vec<Vec<f64>> = by_step.chunks(width).map(|c| c.concat()).collect();
        // A short last bin joins the one before it.
        if bins.len() > 1 && bins[bins.len() - 1].len() < SCORES_PER_BIN {
            let last = bins.pop().unwrap_or_default();
            if let Some(previous) = bins.last_mut() {
                previous.extend(last);
            }
        }
        for bin in &mut bins {
            bin.sort_by(f64::total_cmp);
        }
        bins.retain(|b| !b.is_empty());
        ConformalScores { bins, width }
    }

    /// Number of scores.
    pub fn len(&self) -> usize {
        self.bins.iter().map(Vec::len).sum()
    }

    /// True when there are no scores.
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    /// The multiplier of the standard deviation that covers `level` percent at
    /// forecast step `step` (0-based): the `ceil((m + 1) level / 100)`-th smallest
    /// of the `m` scores of that step's bin, or `None` when there are too few
    /// scores for that level.
    pub fn multiplier(&self, level: f64, step: usize) -> Option<f64> {
        let bin = self
            .bins
            .get((step / self.width.max(1)).min(self.bins.len().checked_sub(1)?))?;
        let m = bin.len();
        let rank = ((m + 1) as f64 * level / 100.0).ceil() as usize;
        (rank >= 1 && rank <= m).then(|| bin[rank - 1])
    }
}

fn reference_z() -> f64 {
    central_quantile(REFERENCE_LEVEL, |p| Normal::standard().inverse_cdf(p))
}

/// A fitted model whose intervals are rescaled by conformal scores.
pub struct Conformalised {
    inner: Box<dyn FittedModel>,
    scores: ConformalScores,
    widen_only: bool,
}

impl std::fmt::Debug for Conformalised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conformalised")
            .field("model", &self.inner.name())
            .field("scores", &self.scores.len())
            .finish()
    }
}

impl Conformalised {
    /// Wrap a fitted model with the scores of its rolling-origin refits.
    pub fn new(inner: Box<dyn FittedModel>, scores: ConformalScores) -> Self {
        Conformalised {
            inner,
            scores,
            widen_only: false,
        }
    }

    /// Keep the model's own interval where the scores would narrow it.
    pub fn widen_only(mut self, widen_only: bool) -> Self {
        self.widen_only = widen_only;
        self
    }

    /// The scores behind the intervals.
    pub fn scores(&self) -> &ConformalScores {
        &self.scores
    }

    /// How much wider (above 1) or narrower the 95 % interval is than the model's
    /// own at forecast step `step`.
    pub fn scale(&self, step: usize) -> Option<f64> {
        self.scores
            .multiplier(REFERENCE_LEVEL, step)
            .map(|q| q / reference_z())
    }

    /// The multiplier at `level` and `step`, or `None` to keep the model's own.
    fn multiplier(&self, level: f64, step: usize) -> Option<f64> {
        let q = self.scores.multiplier(level, step)?;
        let own = central_quantile(level, |p| Normal::standard().inverse_cdf(p));
        (!self.widen_only || q >= own).then_some(q)
    }
}

impl FittedModel for Conformalised {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let mut wanted: Vec<f64> = levels.to_vec();
        wanted.push(REFERENCE_LEVEL);
        let own = self.inner.predict(horizon, &wanted)?;
        let Some(reference) = own.interval(REFERENCE_LEVEL).cloned() else {
            return Ok(own);
        };
        let z = reference_z();
        let own_interval = |level: f64| {
            own.interval(level).cloned().unwrap_or(Interval {
                level,
                lower: own.point.clone(),
                upper: own.point.clone(),
            })
        };
        let intervals = levels
            .iter()
            .map(|&level| {
                let mut interval = own_interval(level);
                for h in 0..horizon {
                    // Too few scores, or narrower than the model's own when only
                    // widening: that step keeps the model's own bounds.
                    if let Some(q) = self.multiplier(level, h) {
                        interval.lower[h] =
                            own.point[h] - q * (own.point[h] - reference.lower[h]) / z;
                        interval.upper[h] =
                            own.point[h] + q * (reference.upper[h] - own.point[h]) / z;
                    }
                }
                interval
            })
            .collect();
        Ok(Forecast { intervals, ..own })
    }

    /// The model's own paths, spread about the point forecast at each step by the
    /// ratio of the conformal 95 % interval to the model's.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let mut paths = self.inner.simulate(horizon, n_paths, seed)?;
        let point = self.inner.predict(horizon, &[])?.point;
        let scales: Vec<f64> = (0..horizon)
            .map(|h| {
                self.multiplier(REFERENCE_LEVEL, h)
                    .map(|q| q / reference_z())
                    .unwrap_or(1.0)
            })
            .collect();
        for mut row in paths.paths.rows_mut() {
            Zip::from(&mut row)
                .and(&point)
                .and(&scales)
                .for_each(|v, &p, &c| *v = p + c * (*v - p));
        }
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{Forecaster, SeasonalNaive};
    use crate::series::{RegularSeries, Step};
    use chrono::{TimeZone, Utc};

    fn forecast(point: f64, half: f64, h: usize) -> Forecast {
        Forecast {
            series: "s".into(),
            model: "m".into(),
            timestamps: Vec::new(),
            point: vec![point; h],
            intervals: vec![Interval {
                level: 95.0,
                lower: vec![point - half; h],
                upper: vec![point + half; h],
            }],
        }
    }

    #[test]
    fn quantile_rank_is_the_split_conformal_one() {
        let f = forecast(0.0, reference_z(), 19);
        let actual: Vec<f64> = (1..=19).map(f64::from).collect();
        let scores = ConformalScores::from_forecasts([(&f, &actual[..])]);
        assert_eq!(scores.len(), 19);
        // One score per step: a single bin. ceil(20 * 0.95) = 19: the largest score.
        assert_eq!(scores.multiplier(95.0, 0), Some(19.0));
        assert_eq!(scores.multiplier(50.0, 7), Some(10.0));
        assert_eq!(scores.multiplier(99.0, 0), None);
    }

    #[test]
    fn narrow_intervals_are_widened() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s =
            RegularSeries::new("s", start, Step::seconds(60), vec![1.0, 3.0, 2.0, 4.0]).unwrap();
        let fitted = SeasonalNaive::new(1).fit(&s).unwrap();
        let own = fitted.predict(1, &[95.0]).unwrap();
        let own_half = own.intervals[0].upper[0] - own.point[0];
        // Past errors were twice the model's standard deviation, everywhere.
        let past = forecast(0.0, reference_z(), 40);
        let actual = vec![2.0; 40];
        let wrapped = Conformalised::new(
            Box::new(fitted),
            ConformalScores::from_forecasts([(&past, &actual[..])]),
        );
        let f = wrapped.predict(1, &[95.0]).unwrap();
        let half = f.intervals[0].upper[0] - f.point[0];
        assert!((half / own_half - 2.0 / reference_z()).abs() < 1e-12);
        assert!((wrapped.scale(0).unwrap() - 2.0 / reference_z()).abs() < 1e-12);
    }

    #[test]
    fn steps_get_their_own_bins_when_there_are_enough_scores() {
        // 80 origins: every step has 80 scores, a bin of its own. Errors grow with
        // the step while the model's interval does not.
        let forecasts: Vec<Forecast> = (0..80).map(|_| forecast(0.0, reference_z(), 3)).collect();
        let actuals: Vec<Vec<f64>> = (0..80)
            .map(|k| (1..=3).map(|h| h as f64 * (k % 10) as f64 / 10.0).collect())
            .collect();
        let scores = ConformalScores::from_forecasts(
            forecasts.iter().zip(&actuals).map(|(f, a)| (f, &a[..])),
        );
        let q: Vec<f64> = (0..4)
            .map(|h| scores.multiplier(95.0, h).unwrap())
            .collect();
        assert!(
            (q[0] - 0.9).abs() < 1e-12 && (q[1] - 1.8).abs() < 1e-12 && (q[2] - 2.7).abs() < 1e-12,
            "{q:?}"
        );
        assert_eq!(q[3], q[2], "steps past the scored ones use the last bin");
    }
}
