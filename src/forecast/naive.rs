//! Seasonal naive: every future step repeats the value one season earlier.
//!
//! Intervals are the usual ones for this method (Hyndman and Athanasopoulos,
//! *Forecasting: Principles and Practice*, 3rd ed., section 5.5): normal, with
//! standard deviation `sigma * sqrt(k + 1)` at step `h`, where `k` is the number of
//! complete seasons before `h` and `sigma` is the root mean square of the in-sample
//! seasonal differences `y[t] - y[t - m]`.

use serde::{Deserialize, Serialize};

use rand_distr::{Distribution, StandardNormal};

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::trend::TrendWindow;
use super::{
    central_quantile, check_request, normal_intervals, symmetric_interval, FittedModel, Forecast,
    Forecaster, Origin, SamplePaths,
};
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// The seasonal naive model with period `m` steps (`m = 1` is the naive model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonalNaive {
    period: usize,
}

impl SeasonalNaive {
    /// Seasonal naive with this period in steps (1 for plain naive).
    pub fn new(period: usize) -> Self {
        SeasonalNaive { period }
    }
}

/// A fitted seasonal naive model: the last season and the residual scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedSeasonalNaive {
    origin: Origin,
    period: usize,
    last_season: Vec<f64>,
    sigma: f64,
}

impl FittedSeasonalNaive {
    /// Root mean square of the in-sample seasonal differences.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl Forecaster for SeasonalNaive {
    type Fitted = FittedSeasonalNaive;

    fn fit(&self, series: &RegularSeries) -> Result<FittedSeasonalNaive> {
        let m = self.period;
        let y = series.values();
        if m == 0 {
            return Err(Error::invalid(
                "the seasonal naive period must be at least 1",
            ));
        }
        if y.len() <= m {
            return Err(Error::series(
                series.name(),
                format!(
                    "seasonal naive with period {m} needs more than one season of history \
                     ({} points, need {})",
                    y.len(),
                    m + 1
                ),
            ));
        }
        let sum_sq: f64 = (m..y.len()).map(|t| (y[t] - y[t - m]).powi(2)).sum();
        Ok(FittedSeasonalNaive {
            origin: Origin::of(series),
            period: m,
            last_season: y[y.len() - m..].to_vec(),
            sigma: (sum_sq / (y.len() - m) as f64).sqrt(),
        })
    }
}

impl FittedModel for FittedSeasonalNaive {
    fn name(&self) -> String {
        if self.period == 1 {
            "naive".to_string()
        } else {
            format!("seasonal_naive({})", self.period)
        }
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let m = self.period;
        let point: Vec<f64> = (0..horizon).map(|h| self.last_season[h % m]).collect();
        let sd: Vec<f64> = (0..horizon)
            .map(|h| self.sigma * ((h / m + 1) as f64).sqrt())
            .collect();
        let intervals = normal_intervals(&point, &sd, levels);
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    /// Each path repeats the last season plus a Gaussian step of `sigma` per
    /// season elapsed: the seasonal random walk the interval formula assumes.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let m = self.period;
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |rng, mut path| {
                for h in 0..horizon {
                    let previous = if h >= m {
                        path[h - m]
                    } else {
                        self.last_season[h]
                    };
                    let e: f64 = StandardNormal.sample(rng);
                    path[h] = previous + self.sigma * e;
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
    fn repeats_the_last_season_with_widening_intervals() {
        let y = vec![1.0, 2.0, 3.0, 2.0, 3.0, 4.0];
        let fit = SeasonalNaive::new(3).fit(&series(y)).unwrap();
        assert!((fit.sigma() - 1.0).abs() < 1e-12);
        let f = fit.predict(4, &[95.0]).unwrap();
        assert_eq!(f.point, vec![2.0, 3.0, 4.0, 2.0]);
        let i = &f.intervals[0];
        assert!((i.upper[0] - 2.0 - 1.959963984540054).abs() < 1e-9);
        assert!((i.upper[3] - 2.0 - 1.959963984540054 * 2f64.sqrt()).abs() < 1e-9);
        assert_eq!(
            f.timestamps[0],
            Utc.with_ymd_and_hms(2024, 1, 1, 6, 0, 0).unwrap()
        );
    }

    #[test]
    fn constant_series_has_zero_width_intervals() {
        let f = SeasonalNaive::new(2)
            .fit(&series(vec![4.0; 6]))
            .unwrap()
            .predict(3, &[80.0])
            .unwrap();
        assert_eq!(f.intervals[0].lower, vec![4.0; 3]);
        assert_eq!(f.intervals[0].upper, vec![4.0; 3]);
    }

    #[test]
    fn simulated_paths_match_the_interval() {
        let y: Vec<f64> = (0..48).map(|t| ((t * 7919) % 11) as f64).collect();
        let fit = SeasonalNaive::new(4).fit(&series(y)).unwrap();
        let paths = fit.simulate(9, 20_000, 7).unwrap();
        assert_eq!(
            paths,
            fit.simulate(9, 20_000, 7).unwrap(),
            "same seed, same paths"
        );
        let f = fit.predict(9, &[95.0]).unwrap();
        let (lo, hi) = (paths.quantile(0.025), paths.quantile(0.975));
        let sd = |h: usize| fit.sigma() * ((h / 4 + 1) as f64).sqrt();
        for h in 0..9 {
            // Quantile standard error at n = 20 000 is about 0.02 sd; allow 0.08 sd.
            assert!(
                (lo[h] - f.intervals[0].lower[h]).abs() < 0.08 * sd(h),
                "step {h}"
            );
            assert!(
                (hi[h] - f.intervals[0].upper[h]).abs() < 0.08 * sd(h),
                "step {h}"
            );
        }
    }

    #[test]
    fn needs_more_than_a_season_and_a_positive_horizon() {
        assert!(SeasonalNaive::new(3).fit(&series(vec![1.0; 3])).is_err());
        let fit = SeasonalNaive::new(1).fit(&series(vec![1.0, 2.0])).unwrap();
        assert!(fit.predict(0, &[80.0]).is_err());
        assert!(fit.predict(1, &[100.0]).is_err());
    }
}

/// The drift model: the last value plus the average change per step, extended
/// (a random walk with drift; Hyndman and Athanasopoulos, FPP3 section 5.2). Its
/// interval at step `h` has standard deviation `sigma * sqrt(h * (1 + h / (n - 1)))`,
/// where `sigma` is the standard deviation of the changes about their mean.
///
/// Changes further than [`LEVEL_SHIFT_MADS`] median absolute deviations from the
/// median change are left out of the average: a cleanup that frees a disk in one
/// step is a level shift, not growth, and would otherwise cancel weeks of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift;

/// A fitted drift model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedDrift {
    origin: Origin,
    last: f64,
    drift: f64,
    sigma: f64,
    n: usize,
    /// Measured variance of the `h`-step changes about `h * drift`, at the lags
    /// of [`spread_lags`], for the intervals ([`FittedDrift::predict`]).
    spread: Vec<(usize, f64)>,
}

impl Forecaster for Drift {
    type Fitted = FittedDrift;

    fn fit(&self, series: &RegularSeries) -> Result<FittedDrift> {
        let y = series.values();
        let n = y.len();
        if n < 3 {
            return Err(Error::series(
                series.name(),
                format!("the drift model needs at least 3 points, the history has {n}"),
            ));
        }
        let changes: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
        let shifts = level_shifts(&changes);
        let kept = without_level_shifts(&changes, &shifts);
        let drift = kept.iter().sum::<f64>() / kept.len() as f64;
        let sum_sq: f64 = kept.iter().map(|d| (d - drift).powi(2)).sum();
        let continuous = shifts_replaced(y, &changes, &shifts);
        Ok(FittedDrift {
            origin: Origin::of(series),
            last: y[n - 1],
            drift,
            sigma: (sum_sq / (kept.len() - 1).max(1) as f64).sqrt(),
            n: kept.len() + 1,
            spread: spread_lags(n)
                .map(|h| (h, change_variance(&continuous, h, drift)))
                .collect(),
        })
    }
}

impl FittedDrift {
    /// The variance of the change over `h` steps about `h * drift`: measured on
    /// the history where it has enough pairs (interpolated between the measured
    /// lags), growing in proportion to `h` past the longest lag measured, and a
    /// random walk's `h * sigma^2` where no lag could be measured.
    fn change_variance(&self, h: usize) -> f64 {
        let Some(&(last_lag, last_var)) = self.spread.last() else {
            return self.sigma.powi(2) * h as f64;
        };
        if h >= last_lag {
            return last_var * h as f64 / last_lag as f64;
        }
        let above = self.spread.partition_point(|&(lag, _)| lag < h);
        let (lag1, v1) = self.spread[above];
        if above == 0 || lag1 == h {
            return v1;
        }
        let (lag0, v0) = self.spread[above - 1];
        v0 + (v1 - v0) * (h - lag0) as f64 / (lag1 - lag0) as f64
    }
}

impl FittedModel for FittedDrift {
    fn name(&self) -> String {
        "drift".to_string()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let point: Vec<f64> = (1..=horizon)
            .map(|h| self.last + h as f64 * self.drift)
            .collect();
        let sd: Vec<f64> = (1..=horizon)
            .map(|h| {
                let drift_var = self.sigma.powi(2) * (h * h) as f64 / (self.n - 1) as f64;
                (self.change_variance(h) + drift_var).sqrt()
            })
            .collect();
        let intervals = normal_intervals(&point, &sd, levels);
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    /// Each path draws its drift from the estimate's sampling distribution and
    /// walks with normal steps, rescaled at every step to the measured spread of
    /// the `h`-step changes (`W_h / sqrt(h)` times that spread), so the paths
    /// have the intervals' width and a random walk's shape: a random walk's own
    /// paths where the history is one.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let drift_sd = self.sigma / ((self.n - 1) as f64).sqrt();
        let spread: Vec<f64> = (1..=horizon)
            .map(|h| (self.change_variance(h) / h as f64).sqrt())
            .collect();
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |rng, mut path| {
                let z: f64 = StandardNormal.sample(rng);
                let drift = self.drift + drift_sd * z;
                let mut walk = 0.0;
                for h in 0..horizon {
                    let e: f64 = StandardNormal.sample(rng);
                    walk += e;
                    path[h] = self.last + drift * (h + 1) as f64 + spread[h] * walk;
                }
            })
    }
}

/// The lags at which a drift's `h`-step spread is measured: a geometric grid (a
/// quarter more each time) up to a third of the history, so every lag has at
/// least twice as many pairs as steps; about 30 lags for 2,000 points.
fn spread_lags(n: usize) -> impl Iterator<Item = usize> {
    let longest = n / 3;
    std::iter::successors(Some(1usize), |&h| Some((h + 1).max(h * 5 / 4)))
        .take_while(move |&h| h <= longest)
}

/// Mean square of `y[t + h] - y[t] - h * drift` over the history: how far the
/// series really moved in `h` steps beyond its drift. For a random walk it grows
/// as `h`; for a trend with noise it stops at twice the noise's variance, which
/// is why the drift's intervals use it rather than the random walk's `h * sigma^2`
/// (variance ratio; Lo and MacKinlay 1988).
fn change_variance(y: &[f64], h: usize, drift: f64) -> f64 {
    let pairs = y.len().saturating_sub(h);
    if pairs == 0 {
        return 0.0;
    }
    let shift = h as f64 * drift;
    // One degree of freedom goes to the drift, as in the one-step sigma.
    y.windows(h + 1)
        .map(|w| (w[h] - w[0] - shift).powi(2))
        .sum::<f64>()
        / (pairs - 1).max(1) as f64
}

/// How many median absolute deviations from the median a one-step change must be
/// to count as a level shift. Under normal changes, 8 MADs (5.4 standard
/// deviations) is crossed once in tens of millions of steps.
pub const LEVEL_SHIFT_MADS: f64 = 8.0;

/// The changes without level shifts (all of them when the changes hardly vary).
fn without_level_shifts(changes: &[f64], shifts: &[bool]) -> Vec<f64> {
    changes
        .iter()
        .zip(shifts)
        .filter(|(_, &shift)| !shift)
        .map(|(d, _)| *d)
        .collect()
}

/// `values` with every level shift (a one-step change further than
/// [`LEVEL_SHIFT_MADS`] median absolute deviations from the median change) replaced
/// by the median change, keeping the last value: the history as it would be
/// without the cleanups, aligned with where the series is now.
pub fn remove_level_shifts(values: &[f64]) -> Vec<f64> {
    let changes: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    shifts_replaced(values, &changes, &level_shifts(&changes))
}

/// [`remove_level_shifts`] with the one-step changes and their shifts at hand.
fn shifts_replaced(values: &[f64], changes: &[f64], shifts: &[bool]) -> Vec<f64> {
    if !shifts.contains(&true) {
        return values.to_vec();
    }
    let mut sorted = changes.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let mut out = values.to_vec();
    for t in (0..changes.len()).rev() {
        let change = if shifts[t] { median } else { changes[t] };
        out[t] = out[t + 1] - change;
    }
    out
}

/// The positions `t` of the level shifts of `values` (the shift is between `t`
/// and `t + 1`), as [`remove_level_shifts`] finds them.
pub(crate) fn level_shift_positions(values: &[f64]) -> Vec<usize> {
    let changes: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    level_shifts(&changes)
        .iter()
        .enumerate()
        .filter(|(_, &shift)| shift)
        .map(|(t, _)| t)
        .collect()
}

/// Steps on each side over which a level shift must persist (a spike returns
/// within them; a cleanup does not).
const SHIFT_PERSISTENCE: usize = 12;

/// Which changes are level shifts: further than [`LEVEL_SHIFT_MADS`] median
/// absolute deviations from the median change, with the median level over the
/// next [`SHIFT_PERSISTENCE`] steps at least half the change away from the median
/// over the previous ones (so a spike that returns is not one), and rare: when
/// more than one change in a hundred qualifies, the series is jumpy rather than
/// shifted, and none counts.
fn level_shifts(changes: &[f64]) -> Vec<bool> {
    let none = vec![false; changes.len()];
    if changes.is_empty() {
        return none;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let centre = median(&mut changes.to_vec());
    let mad = median(&mut changes.iter().map(|d| (d - centre).abs()).collect());
    if mad <= 0.0 {
        return none;
    }
    // The levels the changes lead through (up to a constant).
    let levels: Vec<f64> = std::iter::once(0.0)
        .chain(changes.iter().scan(0.0, |level, d| {
            *level += d;
            Some(*level)
        }))
        .collect();
    let k = SHIFT_PERSISTENCE;
    let shifts: Vec<bool> = changes
        .iter()
        .enumerate()
        .map(|(t, &d)| {
            let jump = (d - centre).abs();
            if jump <= LEVEL_SHIFT_MADS * mad {
                return false;
            }
            let before = median(&mut levels[(t + 1).saturating_sub(k)..=t].to_vec());
            let after = median(&mut levels[t + 1..(t + 1 + k).min(levels.len())].to_vec());
            (after - before).abs() >= 0.5 * jump
        })
        .collect();
    let count = shifts.iter().filter(|&&s| s).count();
    if count > (changes.len() / 100).max(3) {
        return none;
    }
    shifts
}

#[cfg(test)]
mod drift_tests {
    use super::*;

    /// Uniform noise in [-0.5, 0.5) from a splitmix64 hash of `t`.
    fn noise(t: usize) -> f64 {
        let mut z = (t as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn drift_by_hand() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s =
            RegularSeries::new("s", start, Step::seconds(60), vec![1.0, 3.0, 4.0, 7.0]).unwrap();
        let fit = Drift.fit(&s).unwrap();
        let f = fit.predict(2, &[95.0]).unwrap();
        assert_eq!(f.point, vec![9.0, 11.0]);
        // Changes 2, 1, 3 about their mean 2: sigma = sqrt(2 / 2) = 1.
        let half = 1.959963984540054 * (1.0f64 * (1.0 + 1.0 / 3.0)).sqrt();
        assert!((f.intervals[0].upper[0] - 9.0 - half).abs() < 1e-9);
        let paths = fit.simulate(2, 20_000, 4).unwrap();
        let hi = paths.quantile(0.975);
        assert!((hi[0] - f.intervals[0].upper[0]).abs() < 0.05 * half);
    }

    #[test]
    fn level_shifts_are_removed_keeping_the_end() {
        let mut y: Vec<f64> = (0..50).map(|t| t as f64 + 0.5 * noise(t)).collect();
        for v in &mut y[30..] {
            *v -= 40.0;
        }
        let fixed = remove_level_shifts(&y);
        assert_eq!(fixed[49], y[49]);
        assert!(
            (fixed[0] - (y[0] - 40.0)).abs() < 1.5,
            "{} vs {}",
            fixed[0],
            y[0] - 40.0
        );
        assert_eq!(remove_level_shifts(&fixed), fixed);
    }

    #[test]
    fn a_cleanup_is_not_negative_growth() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..200)
            .map(|t| 100.0 + 2.0 * t as f64 + noise(t) - if t >= 120 { 150.0 } else { 0.0 })
            .collect();
        let s = RegularSeries::new("disk", start, Step::seconds(3600), y).unwrap();
        let f = Drift.fit(&s).unwrap().predict(10, &[]).unwrap();
        let slope = (f.point[9] - f.point[0]) / 9.0;
        assert!((slope - 2.0).abs() < 0.1, "{slope}");
    }
}

/// Naive2, the M4 competition's benchmark: when a 90 % autocorrelation test finds
/// seasonality at `period`, divide the series by classical multiplicative seasonal
/// indices, forecast the last adjusted value, and multiply the indices back
/// (Makridakis, Spiliotis and Assimakopoulos 2020). The test: the autocorrelation
/// at lag `period` exceeds `1.645 * sqrt((1 + 2 * sum of squared autocorrelations
/// below that lag) / n)`. Intervals are the naive intervals of the adjusted series,
/// scaled by the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Naive2 {
    period: usize,
}

impl Naive2 {
    /// Naive2 testing for seasonality at this period.
    pub fn new(period: usize) -> Self {
        Naive2 { period }
    }
}

/// A fitted Naive2 model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedNaive2 {
    naive: FittedSeasonalNaive,
    /// Seasonal indices for the steps after the end, `index[h % period]`; empty
    /// when no seasonality was found.
    index: Vec<f64>,
}

/// Whether the M4 90 % autocorrelation test finds seasonality at `period`.
fn m4_seasonality_test(y: &[f64], period: usize) -> bool {
    let n = y.len();
    if period < 2 || n < 3 * period {
        return false;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let var: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    if var == 0.0 {
        return false;
    }
    let acf = |lag: usize| -> f64 {
        (lag..n)
            .map(|t| (y[t] - mean) * (y[t - lag] - mean))
            .sum::<f64>()
            / var
    };
    let below: f64 = (1..period).map(|k| acf(k).powi(2)).sum();
    acf(period).abs() > 1.645 * ((1.0 + 2.0 * below) / n as f64).sqrt()
}

impl Forecaster for Naive2 {
    type Fitted = FittedNaive2;

    fn fit(&self, series: &RegularSeries) -> Result<FittedNaive2> {
        let y = series.values();
        let seasonal = m4_seasonality_test(y, self.period) && y.iter().all(|&v| v > 0.0);
        if !seasonal {
            return Ok(FittedNaive2 {
                naive: SeasonalNaive::new(1).fit(series)?,
                index: Vec::new(),
            });
        }
        let d = crate::decompose::classical(
            y,
            self.period,
            crate::decompose::Composition::Multiplicative,
        )
        .map_err(|e| e.in_series(series.name()))?;
        let adjusted: Vec<f64> = y.iter().zip(&d.seasonal).map(|(v, s)| v / s).collect();
        let adjusted = RegularSeries::new(series.name(), series.start(), series.step(), adjusted)?;
        let n = y.len();
        let index = (0..self.period)
            .map(|h| d.seasonal[n - self.period + h % self.period])
            .collect();
        Ok(FittedNaive2 {
            naive: SeasonalNaive::new(1).fit(&adjusted)?,
            index,
        })
    }
}

impl FittedNaive2 {
    fn factor(&self, h: usize) -> f64 {
        if self.index.is_empty() {
            1.0
        } else {
            self.index[h % self.index.len()]
        }
    }
}

impl FittedModel for FittedNaive2 {
    fn name(&self) -> String {
        "naive2".to_string()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        let mut f = self.naive.predict(horizon, levels)?;
        for h in 0..horizon {
            let s = self.factor(h);
            f.point[h] *= s;
            for i in &mut f.intervals {
                i.lower[h] *= s;
                i.upper[h] *= s;
            }
        }
        f.model = self.name();
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let mut p = self.naive.simulate(horizon, n_paths, seed)?;
        for mut path in p.paths.rows_mut() {
            for h in 0..horizon {
                path[h] *= self.factor(h);
            }
        }
        p.model = self.name();
        Ok(p)
    }
}

/// The window mean: the mean of the recent history, repeated, with the prediction
/// interval of one more draw from a normal sample (`s * sqrt(1 + 1/w)`, t
/// distribution with `w - 1` degrees of freedom) over the window of `w` points
/// given by [`TrendWindow`]. The model for a metric that fluctuates about a level
/// (CPU of a steady service), where a random walk would wander off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowMean {
    window: TrendWindow,
    longest_period: usize,
}

impl WindowMean {
    /// The mean over `window` (default [`TrendWindow::Recent`]).
    pub fn new(window: TrendWindow) -> Self {
        WindowMean {
            window,
            longest_period: 1,
        }
    }

    /// The longest seasonal period of the series (the recent window covers two).
    pub fn longest_period(mut self, period: usize) -> Self {
        self.longest_period = period.max(1);
        self
    }
}

/// A fitted window mean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedWindowMean {
    origin: Origin,
    mean: f64,
    sd: f64,
    w: usize,
}

impl Forecaster for WindowMean {
    type Fitted = FittedWindowMean;

    fn fit(&self, series: &RegularSeries) -> Result<FittedWindowMean> {
        let n = series.len();
        let w = self.window.length(n, self.longest_period);
        if w < 2 {
            return Err(Error::series(
                series.name(),
                format!("a window mean needs at least 2 points, the history has {n}"),
            ));
        }
        let recent = &series.values()[n - w..];
        let mean = recent.iter().sum::<f64>() / w as f64;
        let var = recent.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (w - 1) as f64;
        Ok(FittedWindowMean {
            origin: Origin::of(series),
            mean,
            sd: var.sqrt(),
            w,
        })
    }
}

impl FittedModel for FittedWindowMean {
    fn name(&self) -> String {
        "window_mean".to_string()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let point = vec![self.mean; horizon];
        let scale = vec![self.sd * (1.0 + 1.0 / self.w as f64).sqrt(); horizon];
        let t = StudentsT::new(0.0, 1.0, (self.w - 1) as f64)
            .map_err(|e| Error::invalid(e.to_string()))?;
        let intervals = levels
            .iter()
            .map(|&level| {
                symmetric_interval(
                    level,
                    &point,
                    &scale,
                    central_quantile(level, |p| t.inverse_cdf(p)),
                )
            })
            .collect();
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    /// Each path draws the level from the mean's sampling distribution, then
    /// independent normal values about it.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let level_sd = self.sd / (self.w as f64).sqrt();
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |rng, mut path| {
                let z: f64 = StandardNormal.sample(rng);
                let level = self.mean + level_sd * z;
                for h in 0..horizon {
                    let e: f64 = StandardNormal.sample(rng);
                    path[h] = level + self.sd * e;
                }
            })
    }
}
