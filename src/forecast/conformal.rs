//! Conformal prediction intervals from rolling-origin refits.
//!
//! The model is refitted at earlier origins and its forecasts from there are
//! compared with what happened. Each error at forecast step `h` is divided by the
//! model's own standard deviation at that step on the side of the error (read off
//! its 95 % interval), which makes the scores of different steps comparable, so the
//! few refits a history allows give enough of them; steps are pooled into bins of
//! at least [`SCORES_PER_BIN`] scores. The bounds of the interval at level `L` are
//! then the model's own, rescaled to the `(1 - L) / 2` and `(1 + L) / 2` quantiles
//! of the signed scores of the step's bin (split-conformal quantiles, Vovk et al.
//! 2005, one per side as in conformalised quantile regression, Romano et al. 2019;
//! Stankeviciute et al. 2021 for forecasts). Each side is calibrated on its own
//! errors, so a past drop (a cleanup) widens the lower bound, not the upper one.

use ndarray::Array2;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::{
    central_quantile, check_request, check_simulation, rng, FittedModel, Forecast, Interval,
    SamplePaths,
};
use crate::error::Result;

/// Lags that measure the short-memory noise of a seasonal series' errors.
const SHORT_LAGS: usize = 3;

/// The weight, in origins, of the prior level share of one half.
pub const PRIOR_ORIGINS: f64 = 5.0;

/// The level whose interval gives the model's standard deviation.
const REFERENCE_LEVEL: f64 = 95.0;

/// Scores a bin of forecast steps needs before it gets its own quantiles: with 40,
/// the 97.5 % quantile of one side is the largest but one.
pub const SCORES_PER_BIN: usize = 40;

/// Signed normalised errors of rolling-origin forecasts, by bin of forecast steps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConformalScores {
    /// Sorted signed scores of each bin of steps.
    bins: Vec<Vec<f64>>,
    /// Steps per bin; steps past the last bin use the last bin.
    width: usize,
    /// How the errors of one forecast move together across lead times
    /// ([`ErrorStructure`]).
    #[serde(default)]
    structure: ErrorStructure,
}

/// The joint structure of one origin's errors across lead times: a shared level
/// shock (the share `level` of each step's variance, the same draw at every step
/// of a path: a misjudged level stays misjudged) plus short-memory noise, an AR(1)
/// with lag-one autocorrelation `persistence`. The correlation of the errors `k`
/// steps apart is then `level + (1 - level) * persistence^k`, the usual shape of
/// multi-step forecast errors (a permanent component plus a transient one; Harvey
/// 1989, section 4.6), fitted to the rolling-origin errors by weighted least
/// squares over their lags ([`ConformalScores::from_seasonal_forecasts`] says
/// which). Each step keeps its variance, so the per-step
/// intervals are unchanged; what changes is how far a path wanders from its own
/// start, and so its peak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorStructure {
    /// Share of each step's error variance that is one shock for the whole path
    /// (0 to 1).
    pub level: f64,
    /// Lag-one autocorrelation of the remaining, short-memory part (0 to 0.99).
    pub persistence: f64,
}

impl ErrorStructure {
    /// The level share measured on `origins` trajectories, shrunk towards one half
    /// with the weight of [`PRIOR_ORIGINS`] origins: a handful of origins measure it
    /// with a standard error near 0.4, and one half is the share that assumes
    /// nothing (a level shock and short-memory noise of equal variance).
    fn shrunk(mut self, origins: usize) -> Self {
        let m = origins as f64;
        self.level = (m * self.level + PRIOR_ORIGINS * 0.5) / (m + PRIOR_ORIGINS);
        self
    }

    /// The correlation of two errors `lag` steps apart under this structure.
    pub fn correlation(&self, lag: usize) -> f64 {
        self.level + (1.0 - self.level) * self.persistence.powi(lag as i32)
    }

    /// `n_paths` error paths of `horizon` steps with this structure, each step a
    /// standard normal: `sqrt(level) * shared + sqrt(1 - level) * ar1[h]`.
    pub fn standard_errors(&self, horizon: usize, n_paths: usize, seed: u64) -> Array2<f64> {
        let shared = self.level.clamp(0.0, 1.0).sqrt();
        let own = (1.0 - self.level.clamp(0.0, 1.0)).sqrt();
        let rho = self.persistence.clamp(0.0, 0.99);
        let innovation = (1.0 - rho * rho).sqrt();
        let mut rng = rng(seed);
        let mut out = Array2::zeros((n_paths, horizon));
        for mut path in out.rows_mut() {
            let level: f64 = StandardNormal.sample(&mut rng);
            let mut e: f64 = StandardNormal.sample(&mut rng);
            for h in 0..horizon {
                if h > 0 {
                    let fresh: f64 = StandardNormal.sample(&mut rng);
                    e = rho * e + innovation * fresh;
                }
                path[h] = shared * level + own * e;
            }
        }
        out
    }

    /// Fit the structure to the uncentred correlations of errors at some lags
    /// (`(lag, correlation, pairs)`): for each persistence on a grid of 0.01, the
    /// level share in closed form, keeping the pair with the smallest
    /// pair-weighted squared error. The correlations are uncentred because a
    /// forecast's errors are centred on zero by construction, and a bias shared by
    /// the origins is exactly the lasting part wanted.
    fn fit(by_lag: &[(usize, f64, f64)]) -> ErrorStructure {
        let mut best = (f64::INFINITY, ErrorStructure::default());
        for step in 0..100 {
            let phi = step as f64 / 100.0;
            let (mut num, mut den) = (0.0, 0.0);
            for &(k, rho, n) in by_lag {
                let g = phi.powi(k as i32);
                num += n * (rho - g) * (1.0 - g);
                den += n * (1.0 - g) * (1.0 - g);
            }
            let level = if den > 0.0 {
                (num / den).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let candidate = ErrorStructure {
                level,
                persistence: phi,
            };
            let loss: f64 = by_lag
                .iter()
                .map(|&(k, rho, n)| n * (rho - candidate.correlation(k)).powi(2))
                .sum();
            if loss < best.0 {
                best = (loss, candidate);
            }
        }
        best.1
    }

    /// The lags the structure is fitted on: all of them, or for a seasonal
    /// series the first [`SHORT_LAGS`] (the noise's memory) and the whole seasons
    /// (the level's share): a seasonal metric peaks at the same phase of every
    /// cycle, so the peak's spread depends on how errors a season apart move
    /// together, not on those half a season apart (which a misjudged amplitude
    /// makes opposite).
    fn lags(correlations: &[(f64, f64)], period: usize) -> Vec<(usize, f64, f64)> {
        let all = correlations
            .iter()
            .enumerate()
            .map(|(i, &(rho, n))| (i + 1, rho, n));
        if period < 2 || correlations.len() < period {
            return all.collect();
        }
        all.filter(|&(k, _, _)| k <= SHORT_LAGS || k % period == 0)
            .collect()
    }

    /// Uncentred correlations of the scores by lag over every trajectory, with the
    /// number of pairs behind each: lags up to the longest trajectory.
    fn correlations(trajectories: &[Vec<Option<f64>>]) -> Vec<(f64, f64)> {
        let longest = trajectories.iter().map(Vec::len).max().unwrap_or(0);
        (1..longest)
            .map(|k| {
                let (mut cross, mut left, mut right, mut n) = (0.0, 0.0, 0.0, 0.0);
                for t in trajectories {
                    for (a, b) in t.iter().zip(t.iter().skip(k)) {
                        if let (Some(a), Some(b)) = (a, b) {
                            cross += a * b;
                            left += a * a;
                            right += b * b;
                            n += 1.0;
                        }
                    }
                }
                let rho = if left > 0.0 && right > 0.0 {
                    (cross / (left * right).sqrt()).clamp(-1.0, 1.0)
                } else {
                    0.0
                };
                (rho, n)
            })
            .filter(|&(_, n)| n > 0.0)
            .collect()
    }
}

impl ConformalScores {
    /// Scores of forecasts against what happened: `(actual - point) / sd` per step,
    /// with `sd` from the forecast's 95 % interval on the side of the error. Steps
    /// where the model claims certainty (zero width) are left out.
    pub fn from_forecasts<'a>(pairs: impl IntoIterator<Item = (&'a Forecast, &'a [f64])>) -> Self {
        Self::from_seasonal_forecasts(pairs, 1)
    }

    /// [`from_forecasts`](Self::from_forecasts) for a series whose shortest
    /// seasonal period is `period` steps (1: none): the error structure is fitted
    /// on the lags that decide a seasonal peak ([`ErrorStructure`]).
    pub fn from_seasonal_forecasts<'a>(
        pairs: impl IntoIterator<Item = (&'a Forecast, &'a [f64])>,
        period: usize,
    ) -> Self {
        let z = reference_z();
        let mut by_step: Vec<Vec<f64>> = Vec::new();
        let mut trajectories: Vec<Vec<Option<f64>>> = Vec::new();
        for (forecast, actual) in pairs {
            let Some(interval) = forecast.interval(REFERENCE_LEVEL) else {
                continue;
            };
            let mut trajectory = Vec::with_capacity(actual.len());
            for (h, &y) in actual.iter().enumerate().take(forecast.horizon()) {
                let point = forecast.point[h];
                let half = if y >= point {
                    interval.upper[h] - point
                } else {
                    point - interval.lower[h]
                };
                let sd = half / z;
                if !(sd > 0.0 && sd.is_finite() && y.is_finite()) {
                    trajectory.push(None);
                    continue;
                }
                let score = (y - point) / sd;
                if by_step.len() <= h {
                    by_step.resize(h + 1, Vec::new());
                }
                by_step[h].push(score);
                trajectory.push(Some(score));
            }
            trajectories.push(trajectory);
        }
        let correlations = ErrorStructure::correlations(&trajectories);
        let structure = ErrorStructure::fit(&ErrorStructure::lags(&correlations, period))
            .shrunk(trajectories.len());
        let (bins, width) = bin(by_step);
        ConformalScores {
            bins,
            width,
            structure,
        }
    }

    /// Number of scores.
    pub fn len(&self) -> usize {
        self.bins.iter().map(Vec::len).sum()
    }

    /// True when there are no scores.
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    /// How the errors of one forecast moved together across lead times.
    pub fn structure(&self) -> ErrorStructure {
        self.structure
    }

    fn bin_index(&self, step: usize) -> Option<usize> {
        let last = self.bins.len().checked_sub(1)?;
        Some((step / self.width.max(1)).min(last))
    }

    fn bin_of(&self, step: usize) -> Option<&[f64]> {
        Some(&self.bins[self.bin_index(step)?])
    }

    /// The multipliers of the model's standard deviation below and above the point
    /// that bound the central `level` percent at forecast step `step` (0-based):
    /// minus the `(1 - level) / 2` quantile and the `(1 + level) / 2` quantile of
    /// the step's bin, by the split-conformal rank (`ceil((m + 1) a)`-th of `m`).
    /// `None` when the bin is too small for that level.
    pub fn multipliers(&self, level: f64, step: usize) -> Option<(f64, f64)> {
        let bin = self.bin_of(step)?;
        let m = bin.len();
        let a = (1.0 + level / 100.0) / 2.0;
        let rank = ((m + 1) as f64 * a).ceil() as usize;
        if rank > m || rank == 0 {
            return None;
        }
        // The upper quantile is the rank-th smallest; the lower, by symmetry, the
        // rank-th largest.
        Some((-bin[m - rank], bin[rank - 1]))
    }
}

/// Pool per-step scores into bins of at least [`SCORES_PER_BIN`]: per step when
/// there are many origins, wider when there are few; a short last bin joins the
/// one before it.
fn bin(by_step: Vec<Vec<f64>>) -> (Vec<Vec<f64>>, usize) {
    let total: usize = by_step.iter().map(Vec::len).sum();
    let steps = by_step.len().max(1);
    let per_step = (total / steps).max(1);
    let width = SCORES_PER_BIN.div_ceil(per_step).min(steps);
    let mut bins: Vec<Vec<f64>> = by_step.chunks(width).map(|c| c.concat()).collect();
    if bins.len() > 1 && bins[bins.len() - 1].len() < SCORES_PER_BIN {
        let last = bins.pop().unwrap_or_default();
        if let Some(previous) = bins.last_mut() {
            previous.extend(last);
        }
    }
    for b in &mut bins {
        b.sort_by(f64::total_cmp);
    }
    bins.retain(|b| !b.is_empty());
    (bins, width)
}

/// Half-width of the grid of standard normal draws a [`ScoreShape`] is tabled on.
const SHAPE_Z: f64 = 4.5;
/// Points of that grid (a step of 0.05).
const SHAPE_GRID: usize = 181;

/// The monotone map of one step from a standard normal draw to a score (a
/// multiple of the model's standard deviation on the draw's side): zero at zero,
/// the conformal 95 % multiplier at the normal 97.5 % point on each side, and in
/// between and beyond the shape of the step's own scores (their quantile at the
/// draw's normal probability, measured from their median). A Gaussian copula with
/// the scores' own marginal: heavy-tailed errors put fewer paths between the
/// point and the 95 % bounds than a normal does, and so a narrower peak.
struct ScoreShape {
    /// Scores at the grid's draws, or `None` for the normal shape.
    table: Option<Vec<f64>>,
    below: f64,
    above: f64,
}

impl ScoreShape {
    fn new(bin: Option<&[f64]>, below: f64, above: f64) -> Self {
        let z = reference_z();
        let table = bin.filter(|b| b.len() >= SCORES_PER_BIN).and_then(|b| {
            let normal = Normal::standard();
            let mid = empirical_quantile(b, 0.5, 0.0);
            let low = mid - empirical_quantile(b, normal.cdf(-z), -z);
            let high = empirical_quantile(b, normal.cdf(z), z) - mid;
            if !(low > 0.0 && high > 0.0) {
                return None;
            }
            let grid = shape_grid();
            Some(
                grid.iter()
                    .map(|&(x, u)| {
                        let d = empirical_quantile(b, u, x) - mid;
                        if x >= 0.0 {
                            (above * d / high).max(0.0)
                        } else {
                            (below * d / low).min(0.0)
                        }
                    })
                    .collect(),
            )
        });
        ScoreShape {
            table,
            below,
            above,
        }
    }

    /// The standard normal draw whose score is `score` (the inverse of
    /// [`score`](Self::score), extrapolated as it is); `None` where the map is flat
    /// there (no draw reaches it, or every draw past zero does).
    fn draw_of(&self, score: f64) -> Option<f64> {
        let Some(table) = &self.table else {
            let scale = if score >= 0.0 { self.above } else { self.below } / reference_z();
            return (scale > 0.0).then(|| score / scale);
        };
        let grid = shape_grid();
        let at = |i: usize, t: f64| grid[i].0 + t * (grid[i + 1].0 - grid[i].0);
        let i = table
            .partition_point(|&v| v < score)
            .clamp(1, SHAPE_GRID - 1)
            - 1;
        let (a, b) = (table[i], table[i + 1]);
        if b <= a {
            return None;
        }
        Some(at(i, (score - a) / (b - a)))
    }

    /// The score of a standard normal draw `e`.
    fn score(&self, e: f64) -> f64 {
        let Some(table) = &self.table else {
            return e * if e >= 0.0 { self.above } else { self.below } / reference_z();
        };
        let at = (e + SHAPE_Z) / (2.0 * SHAPE_Z) * (SHAPE_GRID - 1) as f64;
        let i = (at.floor().max(0.0) as usize).min(SHAPE_GRID - 2);
        let t = at - i as f64;
        table[i] + t * (table[i + 1] - table[i])
    }
}

/// The grid's standard normal draws and their probabilities, computed once.
fn shape_grid() -> &'static [(f64, f64)] {
    static GRID: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    GRID.get_or_init(|| {
        let normal = Normal::standard();
        (0..SHAPE_GRID)
            .map(|i| {
                let x = -SHAPE_Z + 2.0 * SHAPE_Z * i as f64 / (SHAPE_GRID - 1) as f64;
                (x, normal.cdf(x))
            })
            .collect()
    })
}

/// The `u` quantile of sorted `scores` (`x` the standard normal draw with
/// probability `u`), the `k`-th smallest standing at `k / (m + 1)` and linear
/// between; past the extremes a normal tail scaled to them.
fn empirical_quantile(scores: &[f64], u: f64, x: f64) -> f64 {
    let m = scores.len();
    if m == 0 {
        return 0.0;
    }
    let at = u * (m + 1) as f64 - 1.0;
    if at >= 0.0 && at <= (m - 1) as f64 {
        let i = (at.floor() as usize).min(m.saturating_sub(2));
        let t = at - i as f64;
        return scores[i] + t * (scores[(i + 1).min(m - 1)] - scores[i]);
    }
    let edge = Normal::standard().inverse_cdf(1.0 / (m + 1) as f64).abs();
    let median = empirical_quantile(scores, 0.5, 0.0);
    let extreme = if at < 0.0 { scores[0] } else { scores[m - 1] };
    median + (extreme - median) * x.abs() / edge
}

fn reference_z() -> f64 {
    normal_z(REFERENCE_LEVEL)
}

fn normal_z(level: f64) -> f64 {
    central_quantile(level, |p| Normal::standard().inverse_cdf(p))
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
            .field("widen_only", &self.widen_only)
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

    /// Keep the model's own bound where the scores would narrow it.
    pub fn widen_only(mut self, widen_only: bool) -> Self {
        self.widen_only = widen_only;
        self
    }

    /// The scores behind the intervals.
    pub fn scores(&self) -> &ConformalScores {
        &self.scores
    }

    /// Multipliers of the model's standard deviation below and above the point at
    /// `level` and `step`: the conformal ones, or the normal quantile where there
    /// are too few scores or (when only widening) where that is wider.
    fn multipliers(&self, level: f64, step: usize) -> (f64, f64) {
        let z = normal_z(level);
        match self.scores.multipliers(level, step) {
            Some((below, above)) if self.widen_only => (below.max(z), above.max(z)),
            Some(pair) => pair,
            None => (z, z),
        }
    }

    /// The model's point and standard deviations below and above it, per step.
    fn spread(&self, horizon: usize) -> Result<Forecast> {
        self.inner.predict(horizon, &[REFERENCE_LEVEL])
    }

    /// What the paths are made of: the point, the model's own standard deviations
    /// above and below it (the same bounds as the intervals: paths that followed
    /// the narrower raw scores covered 0.84 of the M4 Hourly held-out steps at
    /// 95 %, the intervals 0.95; examples/peak_coverage.rs), and each step's shape.
    fn path_model(&self, horizon: usize) -> Result<PathModel> {
        let own = self.spread(horizon)?;
        let z = reference_z();
        let (upper_sd, lower_sd): (Vec<f64>, Vec<f64>) = match own.interval(REFERENCE_LEVEL) {
            Some(i) => (0..horizon)
                .map(|h| {
                    let p = own.point[h];
                    ((i.upper[h] - p) / z, (p - i.lower[h]) / z)
                })
                .unzip(),
            None => (vec![0.0; horizon], vec![0.0; horizon]),
        };
        // One shape per bin of steps: the steps of a bin share their scores.
        let mut shapes: Vec<ScoreShape> = Vec::new();
        let mut shape_of = Vec::with_capacity(horizon);
        let mut last_bin = None;
        for h in 0..horizon {
            let bin = self.scores.bin_index(h);
            if shapes.is_empty() || bin != last_bin {
                let (below, above) = self.multipliers(REFERENCE_LEVEL, h);
                let scores = self.scores.bin_of(h);
                shapes.push(ScoreShape::new(scores, below.max(0.0), above.max(0.0)));
                last_bin = bin;
            }
            shape_of.push(shapes.len() - 1);
        }
        Ok(PathModel {
            own,
            upper_sd,
            lower_sd,
            shapes,
            shape_of,
        })
    }
}

impl FittedModel for Conformalised {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let own = self.spread(horizon)?;
        let Some(reference) = own.interval(REFERENCE_LEVEL).cloned() else {
            return self.inner.predict(horizon, levels);
        };
        let z = reference_z();
        let intervals = levels
            .iter()
            .map(|&level| {
                let mut lower = Vec::with_capacity(horizon);
                let mut upper = Vec::with_capacity(horizon);
                for h in 0..horizon {
                    let (below, above) = self.multipliers(level, h);
                    let p = own.point[h];
                    lower.push(p - below * (p - reference.lower[h]) / z);
                    upper.push(p + above * (reference.upper[h] - p) / z);
                }
                Interval {
                    level,
                    lower,
                    upper,
                }
            })
            .collect();
        Ok(Forecast { intervals, ..own })
    }

    /// Paths about the point forecast whose errors move together across lead times
    /// as the rolling-origin errors did ([`ErrorStructure`]: a level shock shared by
    /// the whole path plus short-memory noise), scaled above and below the point to
    /// the 95 % bounds of [`predict`](FittedModel::predict) on each side (a monotone
    /// map, so the median path is the point forecast and each step's quantiles are
    /// the intervals'), and between and beyond those bounds shaped as the step's
    /// own scores ([`ScoreShape`]). The structure decides how far a path
    /// wanders from its own start, and so the spread of its peak, which is what a
    /// capacity question asks about: errors drawn too independently overshoot it.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let PathModel {
            own,
            upper_sd,
            lower_sd,
            shapes,
            shape_of,
        } = self.path_model(horizon)?;
        // The standard errors become the paths in place.
        let mut paths = self
            .scores
            .structure
            .standard_errors(horizon, n_paths, seed);
        for mut path in paths.rows_mut() {
            for h in 0..horizon {
                let e = shapes[shape_of[h]].score(path[h]);
                let sd = if e >= 0.0 { upper_sd[h] } else { lower_sd[h] };
                path[h] = own.point[h] + sd * e;
            }
        }
        Ok(SamplePaths {
            series: own.series,
            model: own.model,
            timestamps: own.timestamps,
            paths,
        })
    }

    fn crossing_bound(&self, horizon: usize, capacity: f64, up: bool) -> Result<Option<f64>> {
        let m = self.path_model(horizon)?;
        let normal = Normal::standard();
        let mut bound = 0.0;
        for h in 0..horizon {
            let gap = capacity - m.own.point[h];
            let (sd, gap) = if up {
                (m.upper_sd[h], gap)
            } else {
                (m.lower_sd[h], -gap)
            };
            if !(gap > 0.0 && sd > 0.0 && sd.is_finite()) {
                // At or past capacity, or a step with no spread the bound can use.
                return Ok(None);
            }
            let score = if up { gap / sd } else { -gap / sd };
            let Some(draw) = m.shapes[m.shape_of[h]].draw_of(score) else {
                return Ok(None);
            };
            bound += if up {
                normal.sf(draw)
            } else {
                normal.cdf(draw)
            };
        }
        Ok(Some(bound.min(1.0)))
    }
}

/// The parts of a [`Conformalised`] model's paths ([`Conformalised::path_model`]).
struct PathModel {
    own: Forecast,
    upper_sd: Vec<f64>,
    lower_sd: Vec<f64>,
    shapes: Vec<ScoreShape>,
    shape_of: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{Forecaster, SeasonalNaive};
    use crate::saturation::Direction;
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
    fn quantile_ranks_are_the_split_conformal_ones() {
        // Scores -19..=19 at one step each: one bin of 39.
        let f = forecast(0.0, reference_z(), 39);
        let actual: Vec<f64> = (-19..=19).map(f64::from).collect();
        let scores = ConformalScores::from_forecasts([(&f, &actual[..])]);
        assert_eq!(scores.len(), 39);
        // 95 %: a = 0.975, rank ceil(40 * 0.975) = 39: the extremes.
        assert_eq!(scores.multipliers(95.0, 0), Some((19.0, 19.0)));
        // 50 %: a = 0.75, rank 30 of 39: 10 on each side.
        assert_eq!(scores.multipliers(50.0, 7), Some((10.0, 10.0)));
        assert_eq!(scores.multipliers(99.0, 0), None);
    }

    #[test]
    fn each_side_is_calibrated_on_its_own_errors() {
        // Errors only below the point: the upper bound comes out at zero width.
        let f = forecast(0.0, reference_z(), 40);
        let actual: Vec<f64> = (1..=40).map(|k| -(k as f64)).collect();
        let scores = ConformalScores::from_forecasts([(&f, &actual[..])]);
        let (below, above) = scores.multipliers(90.0, 0).unwrap();
        assert!(below > 30.0 && above < 0.0, "{below} {above}");
    }

    #[test]
    fn narrow_intervals_are_widened() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s =
            RegularSeries::new("s", start, Step::seconds(60), vec![1.0, 3.0, 2.0, 4.0]).unwrap();
        let fitted = SeasonalNaive::new(1).fit(&s).unwrap();
        let own = fitted.predict(1, &[95.0]).unwrap();
        let own_half = own.intervals[0].upper[0] - own.point[0];
        // Past errors were twice the model's standard deviation, both ways.
        let past = forecast(0.0, reference_z(), 40);
        let actual: Vec<f64> = (0..40)
            .map(|k| if k % 2 == 0 { 2.0 } else { -2.0 })
            .collect();
        let wrapped = Conformalised::new(
            Box::new(fitted),
            ConformalScores::from_forecasts([(&past, &actual[..])]),
        );
        let f = wrapped.predict(1, &[95.0]).unwrap();
        let half = f.intervals[0].upper[0] - f.point[0];
        assert!((half / own_half - 2.0 / reference_z()).abs() < 1e-12);
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
        let upper: Vec<f64> = (0..4)
            .map(|h| scores.multipliers(95.0, h).unwrap().1)
            .collect();
        assert!((upper[0] - 0.9).abs() < 1e-12, "{upper:?}");
        assert!((upper[1] - 1.8).abs() < 1e-12, "{upper:?}");
        assert!((upper[2] - 2.7).abs() < 1e-12, "{upper:?}");
        assert_eq!(
            upper[3], upper[2],
            "steps past the scored ones use the last bin"
        );
    }

    #[test]
    fn persistence_is_measured_along_forecasts() {
        let f = forecast(0.0, reference_z(), 50);
        let smooth: Vec<f64> = (0..50).map(|h| ((h / 10) as f64 - 2.0) + 0.5).collect();
        let scores = ConformalScores::from_forecasts([(&f, &smooth[..])]);
        let s = scores.structure();
        assert!(s.correlation(1) > 0.8, "{s:?}");
    }

    /// Trajectories drawn from a known structure give it back.
    #[test]
    fn a_known_error_structure_is_measured_back() {
        for truth in [
            ErrorStructure {
                level: 0.6,
                persistence: 0.5,
            },
            ErrorStructure {
                level: 0.0,
                persistence: 0.8,
            },
            ErrorStructure {
                level: 0.3,
                persistence: 0.0,
            },
        ] {
            let errors = truth.standard_errors(48, 400, 7);
            let f = forecast(0.0, reference_z(), 48);
            let rows: Vec<Vec<f64>> = errors.rows().into_iter().map(|r| r.to_vec()).collect();
            let scores = ConformalScores::from_forecasts(rows.iter().map(|a| (&f, &a[..])));
            let got = scores.structure();
            assert!((got.level - truth.level).abs() < 0.08, "{truth:?} {got:?}");
            for lag in [1, 5, 20] {
                let (want, have) = (truth.correlation(lag), got.correlation(lag));
                assert!((want - have).abs() < 0.08, "lag {lag}: {truth:?} {got:?}");
            }
        }
    }

    /// The peak of the simulated errors has the spread of the peak of errors with
    /// the structure measured: its 80 and 95 % intervals hold new trajectories at
    /// their nominal rates, where independent steps would overshoot.
    #[test]
    fn the_peak_of_the_paths_is_calibrated_on_a_known_structure() {
        let truth = ErrorStructure {
            level: 0.7,
            persistence: 0.6,
        };
        let f = forecast(0.0, reference_z(), 48);
        let past = truth.standard_errors(48, 60, 11);
        let rows: Vec<Vec<f64>> = past.rows().into_iter().map(|r| r.to_vec()).collect();
        let scores = ConformalScores::from_forecasts(rows.iter().map(|a| (&f, &a[..])));
        let peaks = |e: &Array2<f64>| -> Vec<f64> {
            e.rows()
                .into_iter()
                .map(|r| r.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                .collect()
        };
        let mut simulated = peaks(&scores.structure().standard_errors(48, 4000, 3));
        simulated.sort_by(f64::total_cmp);
        let q = |p: f64| simulated[(p * (simulated.len() - 1) as f64).round() as usize];
        let future = peaks(&truth.standard_errors(48, 2000, 99));
        for (level, lo, hi) in [(0.8, 0.77, 0.83), (0.95, 0.93, 0.97)] {
            let (a, b) = (q((1.0 - level) / 2.0), q((1.0 + level) / 2.0));
            let inside =
                future.iter().filter(|&&p| p >= a && p <= b).count() as f64 / future.len() as f64;
            assert!(inside >= lo && inside <= hi, "{level}: {inside}");
        }
        // Independent steps put the peak too high: their 80 % interval misses.
        let mut independent = peaks(&ErrorStructure::default().standard_errors(48, 4000, 3));
        independent.sort_by(f64::total_cmp);
        let low = independent[400];
        let below = future.iter().filter(|&&p| p < low).count() as f64 / future.len() as f64;
        assert!(below > 0.2, "{below}");
    }

    /// Heavy-tailed scores (Student t, 3 degrees of freedom) hold their 80 %
    /// interval closer in, relative to their 95 % one, than a normal does: paths
    /// shaped by the scores follow them at every level, where a normal scaled to
    /// the 95 % bounds puts the 80 % ones a tenth too far out here (and so the peak).
    #[test]
    fn paths_follow_the_scores_own_shape_between_the_95_bounds() {
        let t = rand_distr::StudentT::new(3.0).unwrap();
        let mut r = rng(5);
        let mut scores: Vec<f64> = (0..400).map(|_| t.sample(&mut r)).collect();
        scores.sort_by(f64::total_cmp);
        let normal = Normal::standard();
        let q = |p: f64| empirical_quantile(&scores, p, normal.inverse_cdf(p));
        let mid = q(0.5);
        let (below, above) = (mid - q(0.025), q(0.975) - mid);
        let sampled = |shape: &ScoreShape| {
            let mut r = rng(9);
            let mut d: Vec<f64> = (0..20_000)
                .map(|_| shape.score(StandardNormal.sample(&mut r)))
                .collect();
            d.sort_by(f64::total_cmp);
            move |p: f64| d[(p * (d.len() - 1) as f64).round() as usize]
        };
        let shaped = sampled(&ScoreShape::new(Some(&scores), below, above));
        let gaussian = sampled(&ScoreShape::new(None, below, above));
        for p in [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975] {
            let want = q(p) - mid;
            // The sampled quantile's own noise, steep in a heavy tail.
            let tolerance = 0.03 + 0.06 * want.abs();
            assert!(
                (shaped(p) - want).abs() < tolerance,
                "{p}: {} {want}",
                shaped(p)
            );
        }
        assert!((gaussian(0.975) - above).abs() < 0.1);
        let (normal_80, own_80) = (gaussian(0.9), q(0.9) - mid);
        assert!(normal_80 > 1.1 * own_80, "{normal_80} {own_80}");
        // Too few scores, or none on one side: the normal shape, never NaN.
        let few = ScoreShape::new(Some(&scores[..10]), below, above);
        assert!((few.score(1.0) - above / reference_z()).abs() < 1e-12);
        let one_sided: Vec<f64> = (1..=50).map(f64::from).collect();
        let flat = ScoreShape::new(Some(&one_sided), 0.0, 3.0);
        assert!(flat.score(-2.0) == 0.0 && flat.score(2.0).is_finite());
    }

    /// The bound on one path's chance of reaching a capacity is never below the
    /// share of simulated paths that do (a union bound over steps), and is tiny
    /// where none of 20,000 paths comes near.
    #[test]
    fn the_crossing_bound_holds_the_simulated_share() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let values: Vec<f64> = (0..200).map(|i| 100.0 + ((i * 37) % 11) as f64).collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), values).unwrap();
        let fitted = SeasonalNaive::new(1).fit(&s).unwrap();
        let t = rand_distr::StudentT::new(3.0).unwrap();
        let mut r = rng(2);
        let past: Vec<Forecast> = (0..8).map(|_| forecast(0.0, reference_z(), 24)).collect();
        let actual: Vec<Vec<f64>> = (0..8)
            .map(|_| (0..24).map(|_| 2.0 * t.sample(&mut r)).collect())
            .collect();
        let scores =
            ConformalScores::from_forecasts(past.iter().zip(&actual).map(|(f, a)| (f, &a[..])));
        let model = Conformalised::new(Box::new(fitted), scores);
        let paths = model.simulate(24, 20_000, 4).unwrap();
        let last = 100.0 + ((199 * 37) % 11) as f64;
        for (gap, up) in [
            (100.0, true),
            (200.0, true),
            (300.0, true),
            (150.0, false),
            (2000.0, true),
        ] {
            let capacity = if up { last + gap } else { last - gap };
            let bound = model.crossing_bound(24, capacity, up).unwrap().unwrap();
            let direction = if up { Direction::Up } else { Direction::Down };
            let share = crate::saturation::CrossingDistribution::of(&paths, capacity, direction)
                .probability();
            let noise = 3.0 * (share * (1.0 - share) / 20_000.0).sqrt();
            assert!(
                bound + noise >= share,
                "{gap} {up}: bound {bound}, share {share}"
            );
            if gap >= 2000.0 {
                assert!(bound < 1e-6 && share == 0.0, "{bound} {share}");
            }
        }
        // At capacity already: no bound.
        assert_eq!(model.crossing_bound(24, last - 1.0, true).unwrap(), None);
    }
}
