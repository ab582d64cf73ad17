//! `auto`: validate candidate models on rolling origins and pool the best.
//!
//! Every candidate ([`candidates`]) is fitted at up to [`VALIDATION_WINDOWS`]
//! origins in the recent past and scored by its mean absolute error over the
//! stretch that follows each ([`validation_horizon`] steps). The candidates within
//! [`POOL_RATIO`] of the best score, at most [`POOL_SIZE`] of them, are combined
//! with weights proportional to their inverse squared error ([`Combination`]): one
//! when it is clearly best, several when the history cannot tell them apart. The
//! pool's intervals are then rescaled by the conformal scores of its own
//! validation forecasts ([`Conformalised`]).
//!
//! Long horizons. A stretch is the horizon asked, but no longer than lets every
//! origin keep half of the history to fit on, nor shorter than the longest season.
//! When the horizon is longer, the choice is made on the longest stretch the
//! history allows, and the pooled paths' trend-change uncertainty
//! ([`TrendChanges`](super::TrendChanges), added by [`fit_with_intervals`]) covers
//! what the validation could not see.

use std::fmt;

use super::auto::{ets_period, ModelChoice};
use super::boxcox::{BoxCox, Transformed};
use super::combination::{mix, Combination};
use super::conformal::{ConformalScores, Conformalised};
use super::decomposed::{forecasting_options, AdjustedModel, Decomposed, SeasonalSplit};
use super::{EtsSpec, FittedModel, Forecast};
use crate::decompose::StlOptions;
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// Number of rolling origins `auto` validates on. On the M4 Hourly validation
/// split, three stretches chose better than one or two (sMAPE 11.6 against 12.0
/// and 11.8; `examples/m4_candidates.rs`), and give 144 conformal scores at h = 48.
pub const VALIDATION_WINDOWS: usize = 3;

/// Extra origins, before the validation stretches, at which the pool is refitted
/// for its conformal scores only. The validation stretches alone favour the
/// winners (they won on them), which made the 95 % intervals cover 0.93 of the M4
/// Hourly held-out points; stretches they were not chosen on correct that.
const CALIBRATION_WINDOWS: usize = 2;

/// A candidate joins the pool when its validation error is at most this many
/// times the best. On the M4 Hourly split, pooling within 20 % (at most three,
/// inverse squared error weights) lowered MASE from 1.076 to 1.054 and sMAPE from
/// 11.40 to 11.31 against picking the best alone; equal-weight pools of a fixed
/// size did worse there (the seasonal naive forecast is often far better than the
/// rest) while they helped on M4 Weekly (`examples/m4_weekly.rs`).
pub const POOL_RATIO: f64 = 1.2;

/// The most candidates pooled.
pub const POOL_SIZE: usize = 3;

/// Beyond the steps the validation covered, nothing tells the candidates apart
/// any more: a horizon `h` longer than the validation stretch `s` gives the share
/// `1 - s / h` of the weight to every candidate within this many times the best
/// error, equally. Model uncertainty grows with the distance extrapolated.
pub const WIDE_RATIO: f64 = 2.0;

/// The most candidates a long horizon spreads its weight over.
pub const WIDE_SIZE: usize = 6;

/// The interval level whose width the conformal scores are measured against.
const CONFORMAL_LEVEL: f64 = 95.0;

/// The largest `n * period` for which `auto` also tries seasonal ETS on the
/// series itself: its fifteen candidate fits cost about `n * period` squared, and
/// `auto` fits it at six origins. 337 hourly points with period 24 took 1.2 s a
/// fit on this 2-core machine, 7 s a series in all; 3,000 keeps monthly series of
/// up to 250 months (where ETS(M,A,M) is the textbook model) and daily ones with
/// a weekly season of over a year.
pub const ETS_BUDGET: usize = 3_000;

/// The outcome of automatic selection.
pub struct Selection {
    /// The pooled models, fitted to the whole history, with conformal intervals
    /// from their validation forecasts when there were enough of them.
    pub model: Box<dyn FittedModel>,
    /// Each validated candidate with its mean absolute error over the windows.
    pub scores: Vec<(ModelChoice, f64)>,
    /// The candidates pooled, with their weights (summing to one).
    pub members: Vec<(ModelChoice, f64)>,
    /// Candidates left out, with the reason.
    pub skipped: Vec<(ModelChoice, String)>,
}

impl fmt::Debug for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selection")
            .field("model", &self.model.name())
            .field("scores", &self.scores)
            .field("members", &self.members)
            .field("skipped", &self.skipped)
            .finish()
    }
}

/// The candidates of `auto` for a series with these periods.
///
/// - With periods: seasonal naive on every period, and the decomposition
///   forecaster with a line, a drift, no change, the Theta method and a damped
///   trend on the seasonally adjusted series.
/// - Without: naive, drift, the Theta method, simple exponential smoothing and
///   the damped trend, with multiplicative errors too when the values are
///   positive.
/// - Both: when the values are positive and Guerrero's method asks for a
///   transform ([`BoxCox::guerrero`] below [`NEAR_IDENTITY`](super::boxcox::NEAR_IDENTITY)),
///   the drift, Theta and damped forecasters on the Box-Cox scale; and seasonal
///   ETS on the series itself when its shortest period is short enough for the
///   cost ([`ETS_BUDGET`]).
pub fn candidates(periods: &[usize], values: &[f64]) -> Vec<ModelChoice> {
    let positive = values.iter().all(|v| *v > 0.0);
    let mut sorted = periods.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<ModelChoice> = if sorted.is_empty() {
        let mut plain = vec![
            ModelChoice::Naive,
            ModelChoice::Drift,
            ModelChoice::Theta,
            ets("ANN"),
            ets("AAdN"),
        ];
        if positive {
            plain.extend([ets("MNN"), ets("MAdN")]);
        }
        plain
    } else {
        let mut seasonal: Vec<ModelChoice> = sorted
            .iter()
            .map(|&p| ModelChoice::SeasonalNaive(Some(p)))
            .collect();
        seasonal.extend(
            [
                AdjustedModel::Trend(super::Curve::Linear),
                AdjustedModel::Drift,
                AdjustedModel::Naive,
                AdjustedModel::Theta,
                AdjustedModel::Damped,
            ]
            .map(ModelChoice::Decomposed),
        );
        let m = ets_period(&sorted);
        if m > 1 && values.len() * m <= ETS_BUDGET {
            seasonal.push(ModelChoice::Ets(None));
        }
        seasonal
    };
    if wants_transform(&sorted, values) {
        out.extend(
            [
                AdjustedModel::Drift,
                AdjustedModel::Theta,
                AdjustedModel::Damped,
            ]
            .map(ModelChoice::BoxCox),
        );
    }
    out
}

fn ets(code: &str) -> ModelChoice {
    ModelChoice::Ets(EtsSpec::parse(code, 1).ok())
}

/// Whether a transform is worth a second set of models: the level has changed
/// by at least [`GROWTH_RATIO`] over the history (otherwise proportional and
/// additive growth forecast alike), and Guerrero's method asks for one.
fn wants_transform(periods: &[usize], values: &[f64]) -> bool {
    grows_in_proportion(periods, values)
        && BoxCox::guerrero(values, transform_period(periods))
            .is_some_and(|t| t.lambda() < super::boxcox::NEAR_IDENTITY)
}

/// Whether the level of a positive series has changed by at least
/// [`GROWTH_RATIO`] (either way) between the first and the last quarter of its
/// whole seasons: then its growth, and the changes of its trend, are better told
/// in proportion than in units.
pub(crate) fn grows_in_proportion(periods: &[usize], values: &[f64]) -> bool {
    let m = transform_period(periods);
    let seasons = values.len() / m;
    if seasons < 4 {
        return false;
    }
    // The first and last quarter of the whole seasons, so that a season's shape
    // does not pass for a change of level.
    let quarter = (seasons / 4) * m;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let first = mean(&values[..quarter]);
    let last = mean(&values[values.len() - quarter..]);
    let ratio = if first > 0.0 && last > 0.0 {
        (last / first).max(first / last)
    } else {
        return false;
    };
    ratio >= GROWTH_RATIO
}

/// How much the level must have changed (a ratio, either way) before `auto` tries
/// models on the Box-Cox scale: half as much again. Below that, a log and a
/// linear scale forecast the same growth within the noise; on the M4 Hourly
/// series (whose level moves less) the transformed candidates made the crossing
/// probabilities worse (Brier 0.172 against 0.155), their exponential
/// extrapolation overshooting over two days.
pub const GROWTH_RATIO: f64 = 1.5;

/// The season Guerrero's method groups values by: the shortest period (2 without).
pub(crate) fn transform_period(periods: &[usize]) -> usize {
    periods.iter().copied().min().unwrap_or(2)
}

/// The length of each validation stretch: the horizon, but no longer than lets
/// [`VALIDATION_WINDOWS`] stretches leave half the history before the first
/// origin, and no shorter than the longest period (a stretch sees a whole cycle).
pub fn validation_horizon(horizon: usize, n: usize, periods: &[usize]) -> usize {
    let longest = periods.iter().copied().max().unwrap_or(1);
    horizon
        .min((n / (2 * VALIDATION_WINDOWS)).max(longest))
        .max(1)
}

/// Forecasts of every candidate from the end of `history` (see [`fit_candidates`]).
fn candidate_forecasts(
    history: &RegularSeries,
    candidates: &[ModelChoice],
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
) -> Vec<Result<Forecast>> {
    fit_candidates(history, candidates, periods, options, horizon)
        .into_iter()
        .map(|m| m?.predict(horizon, &[CONFORMAL_LEVEL]))
        .collect()
}

/// Every candidate fitted to `history`, decomposing once for all the
/// decomposition forecasters (and once more for those on the Box-Cox scale):
/// the decomposition is most of their cost.
fn fit_candidates(
    history: &RegularSeries,
    candidates: &[ModelChoice],
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
) -> Vec<Result<Box<dyn FittedModel>>> {
    let stl = forecasting_options(options);
    let split = candidates
        .iter()
        .any(|c| matches!(c, ModelChoice::Decomposed(_)))
        .then(|| SeasonalSplit::of(history, periods, &stl));
    let transformed = candidates
        .iter()
        .any(|c| matches!(c, ModelChoice::BoxCox(_)))
        .then(|| {
            let t =
                BoxCox::guerrero(history.values(), transform_period(periods)).ok_or_else(|| {
                    Error::series(history.name(), "a Box-Cox transform needs positive values")
                })?;
            let z = t.apply(history)?;
            Ok::<_, Error>((t, SeasonalSplit::of(&z, periods, &stl)?))
        });
    let shared_error = |e: &Error| Error::series(history.name(), e.to_string());
    candidates
        .iter()
        .map(|choice| -> Result<Box<dyn FittedModel>> {
            match (choice, &split, &transformed) {
                (ModelChoice::Decomposed(adjusted), Some(split), _) => {
                    let split = split.as_ref().map_err(shared_error)?;
                    Ok(Box::new(
                        Decomposed::new(periods.to_vec(), *adjusted).fit_split(split)?,
                    ))
                }
                (ModelChoice::BoxCox(adjusted), _, Some(transformed)) => {
                    let (t, split) = transformed.as_ref().map_err(shared_error)?;
                    let fitted = Decomposed::new(periods.to_vec(), *adjusted).fit_split(split)?;
                    Ok(Box::new(Transformed::new(fitted, *t)))
                }
                _ => choice.fit(history, periods, options, horizon),
            }
        })
        .collect()
}

/// The origins of the validation stretches (oldest first) or, for `windows`
/// further back, of the calibration stretches; origins without three points of
/// history are left out.
fn origins(n: usize, step: usize, windows: std::ops::RangeInclusive<usize>) -> Vec<usize> {
    let mut out: Vec<usize> = windows
        .filter_map(|k| n.checked_sub(k * step).filter(|&c| c >= 3))
        .collect();
    out.sort_unstable();
    out
}

/// The pool's forecasts from `origins`, each mixed from its members' forecasts,
/// with what happened; origins where a member fails are left out.
fn pooled_forecasts(
    series: &RegularSeries,
    members: &[(ModelChoice, f64)],
    periods: &[usize],
    options: &StlOptions,
    step: usize,
    origins: &[usize],
) -> Vec<(Forecast, Vec<f64>)> {
    let choices: Vec<ModelChoice> = members.iter().map(|m| m.0).collect();
    origins
        .iter()
        .filter_map(|&origin| {
            let history = series.head(origin).ok()?;
            let forecasts = candidate_forecasts(&history, &choices, periods, options, step)
                .into_iter()
                .zip(members)
                .map(|(f, (_, w))| f.map(|f| (*w, f)))
                .collect::<Result<Vec<_>>>()
                .ok()?;
            let mixed = mix(&forecasts, &[CONFORMAL_LEVEL]).ok()?;
            Some((mixed, series.values()[origin..origin + step].to_vec()))
        })
        .collect()
}

/// `model` with conformal intervals from these forecasts, when they give enough
/// scores for a 95 % interval; otherwise `model` as it is.
pub(crate) fn wrap(
    model: Box<dyn FittedModel>,
    pairs: &[(Forecast, Vec<f64>)],
    widen_only: bool,
) -> Box<dyn FittedModel> {
    let scores = ConformalScores::from_forecasts(pairs.iter().map(|(f, a)| (f, &a[..])));
    if scores.multipliers(CONFORMAL_LEVEL, 0).is_some() {
        Box::new(Conformalised::new(model, scores).widen_only(widen_only))
    } else {
        model
    }
}

/// Conformal intervals for a named model: refits at the last
/// `VALIDATION_WINDOWS + CALIBRATION_WINDOWS` stretches.
pub(crate) fn conformal_for(
    model: Box<dyn FittedModel>,
    choice: ModelChoice,
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
) -> Box<dyn FittedModel> {
    let step = validation_horizon(horizon, series.len(), periods);
    let at = origins(
        series.len(),
        step,
        1..=VALIDATION_WINDOWS + CALIBRATION_WINDOWS,
    );
    let pairs = pooled_forecasts(series, &[(choice, 1.0)], periods, options, step, &at);
    wrap(model, &pairs, false)
}

/// Validation scores: each candidate's mean absolute error over the stretches, or
/// why it was left out.
struct Validation {
    errors: Vec<std::result::Result<f64, String>>,
    forecasts: Vec<Vec<Forecast>>,
}

fn validate(
    series: &RegularSeries,
    candidates: &[ModelChoice],
    periods: &[usize],
    options: &StlOptions,
    step: usize,
    at: &[usize],
) -> Validation {
    let mut sums = vec![0.0; candidates.len()];
    let mut failures: Vec<Option<String>> = vec![None; candidates.len()];
    let mut forecasts: Vec<Vec<Forecast>> = vec![Vec::new(); candidates.len()];
    for &origin in at {
        let Ok(history) = series.head(origin) else {
            continue;
        };
        let actual = &series.values()[origin..origin + step];
        let results = candidate_forecasts(&history, candidates, periods, options, step);
        for (c, result) in results.into_iter().enumerate() {
            match result {
                Ok(f) => {
                    let mae = f
                        .point
                        .iter()
                        .zip(actual)
                        .map(|(p, a)| (p - a).abs())
                        .sum::<f64>();
                    sums[c] += mae;
                    forecasts[c].push(f);
                }
                Err(e) => {
                    failures[c].get_or_insert_with(|| e.to_string());
                }
            }
        }
    }
    let errors = failures
        .into_iter()
        .zip(sums)
        .map(|(failure, sum)| match (failure, at.is_empty()) {
            (Some(reason), _) => Err(reason),
            (None, true) => Err("too little history to validate".to_string()),
            (None, false) => {
                let mean = sum / (at.len() * step) as f64;
                if mean.is_finite() {
                    Ok(mean)
                } else {
                    Err("its validation forecasts are not finite".to_string())
                }
            }
        })
        .collect();
    Validation { errors, forecasts }
}

/// The pool: candidates within [`POOL_RATIO`] of the best error, at most
/// [`POOL_SIZE`], weighted by inverse squared error (an error of zero takes all
/// the weight).
fn pool(ranked: &[(usize, f64)]) -> Vec<(usize, f64)> {
    let Some(&(_, best)) = ranked.first() else {
        return Vec::new();
    };
    let members: Vec<(usize, f64)> = ranked
        .iter()
        .take(POOL_SIZE)
        .take_while(|(_, e)| *e <= POOL_RATIO * best)
        .copied()
        .collect();
    if best <= 0.0 {
        return vec![(members[0].0, 1.0)];
    }
    let weights: Vec<f64> = members.iter().map(|(_, e)| e.powi(-2)).collect();
    let total: f64 = weights.iter().sum();
    members
        .iter()
        .zip(weights)
        .map(|(&(c, _), w)| (c, w / total))
        .collect()
}

/// The candidates a long horizon spreads its weight over: every candidate within
/// [`WIDE_RATIO`] of the best validation error, at most [`WIDE_SIZE`], with equal
/// weights.
fn wide_pool(ranked: &[(usize, f64)]) -> Vec<(usize, f64)> {
    let Some(&(_, best)) = ranked.first() else {
        return Vec::new();
    };
    let members: Vec<usize> = ranked
        .iter()
        .take(WIDE_SIZE)
        .take_while(|(_, e)| *e <= WIDE_RATIO * best)
        .map(|(c, _)| *c)
        .collect();
    let w = 1.0 / members.len() as f64;
    members.into_iter().map(|c| (c, w)).collect()
}

/// How much of the horizon the validation stretches covered (1 when they cover
/// it all).
fn validated_share(step: usize, horizon: usize) -> f64 {
    (step as f64 / horizon.max(1) as f64).min(1.0)
}

/// `share` of the validation pool's weights and the rest of the wide pool's.
fn blend(short: &[(usize, f64)], wide: &[(usize, f64)], share: f64) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = short.iter().map(|&(c, w)| (c, share * w)).collect();
    if share < 1.0 {
        for &(c, w) in wide {
            match out.iter_mut().find(|m| m.0 == c) {
                Some(m) => m.1 += (1.0 - share) * w,
                None => out.push((c, (1.0 - share) * w)),
            }
        }
    }
    out.retain(|m| m.1 > 0.0);
    out
}

/// Choose automatically (see the module documentation): validate every
/// candidate, pool the best, fit the pool on the whole history, and, unless
/// `conformal` is false, rescale its intervals by the conformal scores of its
/// validation and calibration forecasts, never narrower than its own (a pool that
/// won a validation looks better on it than it is). With too little history to
/// validate, the first candidate that fits is used as it is.
pub fn select(
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
    conformal: bool,
) -> Result<Selection> {
    let candidates = candidates(periods, series.values());
    let n = series.len();
    let step = validation_horizon(horizon, n, periods);
    let at = origins(n, step, 1..=VALIDATION_WINDOWS);
    let validation = validate(series, &candidates, periods, options, step, &at);
    let mut ranked: Vec<(usize, f64)> = validation
        .errors
        .iter()
        .enumerate()
        .filter_map(|(c, e)| e.as_ref().ok().map(|&e| (c, e)))
        .collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    let skipped: Vec<(ModelChoice, String)> = validation
        .errors
        .iter()
        .zip(&candidates)
        .filter_map(|(e, c)| e.as_ref().err().map(|r| (*c, r.clone())))
        .collect();
    let scores: Vec<(ModelChoice, f64)> = ranked.iter().map(|&(c, e)| (candidates[c], e)).collect();
    // A member that fails on the whole history drops out; the next best stands in.
    let mut remaining = ranked;
    let mut last_error = None;
    let mut fitted: Vec<(usize, f64, Box<dyn FittedModel>)> = Vec::new();
    'pooling: loop {
        fitted.clear();
        let members = blend(
            &pool(&remaining),
            &wide_pool(&remaining),
            validated_share(step, horizon),
        );
        if members.is_empty() {
            break;
        }
        let choices: Vec<ModelChoice> = members.iter().map(|&(c, _)| candidates[c]).collect();
        let fits = fit_candidates(series, &choices, periods, options, horizon);
        for ((c, w), fit) in members.into_iter().zip(fits) {
            match fit {
                Ok(m) => fitted.push((c, w, m)),
                Err(e) => {
                    remaining.retain(|r| r.0 != c);
                    last_error = Some(e);
                    continue 'pooling;
                }
            }
        }
        break;
    }
    if fitted.is_empty() {
        // Nothing validated: the first candidate that fits, as it is.
        for choice in &candidates {
            match choice.fit(series, periods, options, horizon) {
                Ok(model) => {
                    return Ok(Selection {
                        model,
                        scores,
                        members: vec![(*choice, 1.0)],
                        skipped,
                    })
                }
                Err(e) => last_error = Some(e),
            }
        }
        return Err(
            last_error.unwrap_or_else(|| Error::series(series.name(), "no model could be fitted"))
        );
    }
    let members: Vec<(ModelChoice, f64)> = fitted
        .iter()
        .map(|(c, w, _)| (candidates[*c], *w))
        .collect();
    let mut pairs: Vec<(Forecast, Vec<f64>)> = Vec::new();
    if conformal {
        // The pool's validation forecasts, mixed from the members' own.
        for (k, &origin) in at.iter().enumerate() {
            let forecasts: Option<Vec<(f64, Forecast)>> = fitted
                .iter()
                .map(|(c, w, _)| validation.forecasts[*c].get(k).map(|f| (*w, f.clone())))
                .collect();
            if let Some(mixed) = forecasts.and_then(|f| mix(&f, &[CONFORMAL_LEVEL]).ok()) {
                pairs.push((mixed, series.values()[origin..origin + step].to_vec()));
            }
        }
        let extra = origins(
            n,
            step,
            VALIDATION_WINDOWS + 1..=VALIDATION_WINDOWS + CALIBRATION_WINDOWS,
        );
        pairs.extend(pooled_forecasts(
            series, &members, periods, options, step, &extra,
        ));
    }
    let model: Box<dyn FittedModel> = Box::new(Combination::new(
        fitted.into_iter().map(|(_, w, m)| (w, m)).collect(),
    )?);
    let model = if conformal {
        wrap(model, &pairs, true)
    } else {
        model
    };
    Ok(Selection {
        model,
        scores,
        members,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn auto_follows_the_trend_on_a_growing_series() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..24 * 20)
            .map(|t| 10.0 * t as f64 + ((t % 24) as f64 - 12.0).abs())
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let sel = select(&s, &[24], &StlOptions::default(), 48, true).unwrap();
        assert!(
            sel.members
                .iter()
                .all(|(m, _)| !matches!(m, ModelChoice::SeasonalNaive(_))),
            "{sel:?}"
        );
        let f = sel.model.predict(48, &[95.0]).unwrap();
        assert!(
            (f.point[47] - (10.0 * 527.0 + 11.0)).abs() < 30.0,
            "{}",
            f.point[47]
        );
        let total: f64 = sel.members.iter().map(|m| m.1).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn auto_falls_back_when_history_is_short() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = RegularSeries::new("s", start, Step::seconds(3600), vec![1.0, 2.0, 3.0]).unwrap();
        let sel = select(&s, &[], &StlOptions::default(), 10, true).unwrap();
        assert_eq!(sel.model.name(), "naive");
    }

    #[test]
    fn the_pool_keeps_near_ties_and_weights_them() {
        let pooled = pool(&[(4, 1.0), (2, 1.1), (7, 1.19), (1, 1.2)]);
        assert_eq!(
            pooled.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![4, 2, 7]
        );
        assert!(pooled[0].1 > pooled[1].1 && pooled[1].1 > pooled[2].1);
        assert_eq!(pool(&[(3, 1.0), (5, 1.5)]), vec![(3, 1.0)]);
        assert_eq!(pool(&[(3, 0.0), (5, 0.0)]), vec![(3, 1.0)]);
        assert!(pool(&[]).is_empty());
    }

    #[test]
    fn transforms_are_offered_for_multiplicative_growth_only() {
        let growth: Vec<f64> = (0..120)
            .map(|t| (0.02 * t as f64).exp() * (1.0 + 0.3 * ((t % 12) as f64 - 5.5) / 5.5))
            .collect();
        assert!(candidates(&[12], &growth)
            .iter()
            .any(|c| matches!(c, ModelChoice::BoxCox(_))));
        let mut with_zero = growth.clone();
        with_zero[5] = 0.0;
        assert!(!candidates(&[12], &with_zero)
            .iter()
            .any(|c| matches!(c, ModelChoice::BoxCox(_))));
    }
}
