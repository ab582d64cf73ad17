//! Choosing a model by name, or automatically by rolling-origin validation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::conformal::{ConformalScores, Conformalised};
use super::decomposed::{forecasting_options, SeasonalSplit};
use super::naive::level_shift_positions;
use super::study::{fit_cycles, leaves_the_range};
use super::{
    remove_level_shifts, AdjustedModel, AutoEts, Curve, Decomposed, Drift, Ets, EtsSpec,
    FittedModel, Forecast, Forecaster, Growth, HarmonicRegression, Naive2, SeasonalNaive,
    TrendRegression, WindowMean,
};
use crate::decompose::StlOptions;
use crate::error::{Error, Result};
use crate::series::{RegularSeries, Step};

/// Number of rolling origins `auto` validates on. On the M4 Hourly validation
/// split, three stretches chose better than one or two (sMAPE 11.6 against 12.0
/// and 11.8; `examples/m4_candidates.rs`), and give 144 conformal scores at h = 48.
pub const VALIDATION_WINDOWS: usize = 3;

/// A model by name, as `--model` takes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum ModelChoice {
    /// Choose per series by rolling-origin validation among the candidates (default).
    #[default]
    Auto,
    /// Naive: the last value, repeated.
    Naive,
    /// Seasonal naive on the given period, or (`None`) on the longest period that
    /// fits twice into the history; written `seasonal_naive` or `seasonal_naive(24)`.
    SeasonalNaive(Option<usize>),
    /// The last value plus the average change.
    Drift,
    /// The mean of the recent history.
    Mean,
    /// The M4 benchmark: naive on the classically deseasonalised series (seasonality
    /// tested at the shortest period).
    Naive2,
    /// A trend regression of this shape, no season.
    Trend(Curve),
    /// STL (or MSTL) plus a model of the seasonally adjusted series.
    Decomposed(AdjustedModel),
    /// A piecewise-linear trend plus Fourier terms for every period.
    Harmonic,
    /// A cycles model: the seasonally adjusted series' naive, drift or line plus
    /// the last seasonal cycles, both learnt from the past alone (seasonal
    /// indices updated cycle by cycle), so its forecasts from past origins are
    /// its refits' (`auto`'s decomposition candidates). Written `cycles_naive`,
    /// `cycles_drift` or `cycles_linear`.
    Cycles(AdjustedModel),
    /// Exponential smoothing: this spec, or (`None`) chosen by AICc; seasonal with
    /// the shortest period when it is at most [`ETS_MAX_PERIOD`] steps. Written
    /// `ets` or `ets(AAdN)`.
    Ets(Option<EtsSpec>),
    /// Growth that compounds: the additive ETS models (and STL, on a season)
    /// of the series' logarithm, mapped back ([`Growth`]); of the values
    /// themselves where some are at or below zero.
    Growth,
}

/// Every name `--model` takes, with its model.
const NAMED: [(&str, ModelChoice); 24] = [
    ("auto", ModelChoice::Auto),
    ("naive", ModelChoice::Naive),
    ("seasonal_naive", ModelChoice::SeasonalNaive(None)),
    ("drift", ModelChoice::Drift),
    ("window_mean", ModelChoice::Mean),
    ("naive2", ModelChoice::Naive2),
    ("linear_trend", ModelChoice::Trend(Curve::Linear)),
    ("quadratic_trend", ModelChoice::Trend(Curve::Polynomial(2))),
    ("cubic_trend", ModelChoice::Trend(Curve::Polynomial(3))),
    ("exponential_trend", ModelChoice::Trend(Curve::Exponential)),
    ("logarithmic_trend", ModelChoice::Trend(Curve::Logarithmic)),
    ("power_trend", ModelChoice::Trend(Curve::Power)),
    ("logistic_trend", ModelChoice::Trend(Curve::Logistic(None))),
    (
        "stl_linear",
        ModelChoice::Decomposed(AdjustedModel::Trend(Curve::Linear)),
    ),
    ("stl_drift", ModelChoice::Decomposed(AdjustedModel::Drift)),
    ("stl_naive", ModelChoice::Decomposed(AdjustedModel::Naive)),
    ("stl_mean", ModelChoice::Decomposed(AdjustedModel::Mean)),
    ("harmonic", ModelChoice::Harmonic),
    ("ets", ModelChoice::Ets(None)),
    ("stl_ets", ModelChoice::Decomposed(AdjustedModel::Ets)),
    ("cycles_naive", ModelChoice::Cycles(AdjustedModel::Naive)),
    ("cycles_drift", ModelChoice::Cycles(AdjustedModel::Drift)),
    (
        "cycles_linear",
        ModelChoice::Cycles(AdjustedModel::Trend(Curve::Linear)),
    ),
    ("growth", ModelChoice::Growth),
];

impl ModelChoice {
    /// Every name `--model` takes.
    pub fn names() -> Vec<&'static str> {
        NAMED.iter().map(|(name, _)| *name).collect()
    }

    /// Fit this model (for `Auto`, the one chosen by validation) to `series` with
    /// these seasonal periods. `horizon` sets the validation length for `Auto`.
    pub fn fit(
        &self,
        series: &RegularSeries,
        periods: &[usize],
        options: &StlOptions,
        horizon: usize,
    ) -> Result<Box<dyn FittedModel>> {
        let longest = periods.iter().copied().max().unwrap_or(1);
        match *self {
            ModelChoice::Auto => Ok(select(series, periods, options, horizon, true)?.model),
            ModelChoice::Naive => boxed(&SeasonalNaive::new(1), series),
            ModelChoice::SeasonalNaive(period) => boxed(
                &SeasonalNaive::new(period.unwrap_or_else(|| naive_period(periods, series.len()))),
                series,
            ),
            ModelChoice::Drift => boxed(&Drift, series),
            ModelChoice::Mean => boxed(&WindowMean::default().longest_period(longest), series),
            ModelChoice::Naive2 => boxed(
                &Naive2::new(periods.iter().copied().min().unwrap_or(1)),
                series,
            ),
            // Fitted without the level shifts, as the decomposed trends are: a
            // step in the history is an event, not a slope to extend.
            ModelChoice::Trend(curve) => boxed(
                &TrendRegression::new(curve).longest_period(longest),
                &without_level_shifts(series)?,
            ),
            ModelChoice::Harmonic => boxed(&HarmonicRegression::new(periods.to_vec()), series),
            ModelChoice::Cycles(adjusted) => fit_cycles(series, periods, adjusted, horizon),
            ModelChoice::Ets(spec) => {
                let period = ets_period(periods);
                match spec {
                    Some(spec) => {
                        let spec = EtsSpec::parse(
                            &spec.code(),
                            if spec.is_seasonal() { period } else { 1 },
                        )?;
                        boxed(&Ets::new(spec), series)
                    }
                    None => boxed(&AutoEts::new(period), series),
                }
            }
            ModelChoice::Decomposed(adjusted) => {
                let mut stl = options.clone();
                stl.coarse_jumps = true;
                boxed(
                    &Decomposed::new(periods.to_vec(), adjusted).stl_options(stl),
                    series,
                )
            }
            ModelChoice::Growth => boxed(
                &Growth::new(periods.to_vec()).stl_options(options.clone()),
                series,
            ),
        }
    }
}

impl FromStr for ModelChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase();
        if let Some(code) = s
            .trim()
            .strip_prefix("ets(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            // The period comes from the seasons given; here only the shape.
            let period = if code.trim().ends_with('N') { 1 } else { 2 };
            return EtsSpec::parse(code.trim(), period).map(|spec| ModelChoice::Ets(Some(spec)));
        }
        if let Some(period) = wanted
            .strip_prefix("seasonal_naive(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            return match period.trim().parse::<usize>() {
                Ok(p) if p >= 1 => Ok(ModelChoice::SeasonalNaive(Some(p))),
                _ => Err(Error::invalid(format!(
                    "'{wanted}': the period must be a whole number of steps"
                ))),
            };
        }
        let alias = match wanted.as_str() {
            "snaive" => "seasonal_naive",
            "stl" => "stl_linear",
            "linear" => "linear_trend",
            other => other,
        };
        NAMED
            .iter()
            .find(|(name, _)| *name == alias)
            .map(|(_, choice)| *choice)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown model '{wanted}'; expected one of {}",
                    Self::names().join(", ")
                ))
            })
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ModelChoice::SeasonalNaive(Some(p)) = self {
            return write!(f, "seasonal_naive({p})");
        }
        if let ModelChoice::Ets(Some(spec)) = self {
            return write!(f, "ets({})", spec.code());
        }
        let name = NAMED
            .iter()
            .find(|(_, choice)| choice == self)
            .map(|(name, _)| *name)
            .unwrap_or("custom");
        f.write_str(name)
    }
}

/// The outcome of automatic selection.
pub struct Selection {
    /// The chosen model, fitted to the whole history, with conformal intervals
    /// from its validation forecasts when there were enough of them.
    pub model: Box<dyn FittedModel>,
    /// Each validated candidate with its mean absolute error over the windows.
    pub scores: Vec<(ModelChoice, f64)>,
    /// Candidates left out, with the reason.
    pub skipped: Vec<(ModelChoice, String)>,
}

impl fmt::Debug for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selection")
            .field("model", &self.model.name())
            .field("scores", &self.scores)
            .field("skipped", &self.skipped)
            .finish()
    }
}

/// The candidates of `auto` for these periods: seasonal naive on every period and
/// the decomposition forecaster with each model of the adjusted series; without a
/// period, naive, drift and a linear trend.
pub fn candidates(periods: &[usize]) -> Vec<ModelChoice> {
    candidates_with(periods, ModelChoice::Decomposed)
}

/// The candidates of `auto` for `series`: [`candidates`], and [`ModelChoice::Growth`]
/// where the step is a day or longer. Such histories span the months and years
/// over which growth compounds and seasonal swings grow with the level (M4
/// Weekly validation: sMAPE 7.82 -> 7.26, MASE 2.566 -> 2.461); at finer steps
/// the M4 Hourly validation measured it worse (MASE 1.076 -> 1.094 at 48 h).
fn candidates_for(series: &RegularSeries, periods: &[usize]) -> Vec<ModelChoice> {
    let mut out = candidates(periods);
    if weighs_growth(series.step()) {
        out.push(ModelChoice::Growth);
    }
    out
}

/// Whether `auto` weighs [`ModelChoice::Growth`] at this step: a day or longer
/// ([`candidates_for`] says why).
pub(crate) fn weighs_growth(step: Step) -> bool {
    step.nominal_seconds() >= 86_400.0
}

/// [`candidates`] with `decomposition` making the decomposition candidates (STL's
/// for the refits, [`ModelChoice::Cycles`] on many origins).
pub(crate) fn candidates_with(
    periods: &[usize],
    decomposition: fn(AdjustedModel) -> ModelChoice,
) -> Vec<ModelChoice> {
    if periods.is_empty() {
        return vec![
            ModelChoice::Naive,
            ModelChoice::Drift,
            ModelChoice::Trend(Curve::Linear),
            ModelChoice::Ets(None),
        ];
    }
    let mut sorted = periods.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<ModelChoice> = sorted
        .iter()
        .map(|&p| ModelChoice::SeasonalNaive(Some(p)))
        .collect();
    out.extend(
        [
            AdjustedModel::Trend(Curve::Linear),
            AdjustedModel::Drift,
            AdjustedModel::Naive,
        ]
        .map(decomposition),
    );
    out
}

/// The length of each validation stretch: the horizon, but no more than an eighth
/// of the history or the longest period, whichever is longer. The stretches stay
/// in the recent past because the model is wanted for what the series does now:
/// a long stretch reaches back across old level shifts (a cleanup, a migration)
/// that no model should be judged on.
pub fn validation_horizon(horizon: usize, n: usize, periods: &[usize]) -> usize {
    let longest = periods.iter().copied().max().unwrap_or(1);
    horizon.min((n / 8).max(longest)).max(1)
}

/// Extra origins, before the validation stretches, at which the chosen model is
/// refitted for its conformal scores only. The validation stretches alone favour
/// the winner (it won on them), which made the 95 % intervals cover 0.93 of the M4
/// Hourly held-out points; stretches it was not chosen on correct that.
const CALIBRATION_WINDOWS: usize = 2;

/// Forecasts of `choice` of `step` steps from the origins `windows` stretches
/// before the end, with what happened; origins without enough history are skipped.
fn calibration_forecasts(
    series: &RegularSeries,
    choice: ModelChoice,
    periods: &[usize],
    options: &StlOptions,
    step: usize,
    windows: std::ops::RangeInclusive<usize>,
) -> Vec<(Forecast, Vec<f64>)> {
    let n = series.len();
    windows
        .filter_map(|k| {
            let origin = n
                .checked_sub(k * step)
                .filter(|&c| c >= shortest_origin(periods))?;
            let history = series.head(origin).ok()?;
            let forecast = candidate_forecasts(&history, &[choice], periods, options, step)
                .pop()?
                .ok()?;
            Some((forecast, series.observed(origin, step)))
        })
        .collect()
}

/// `model` with conformal intervals from these forecasts, when they give enough
/// scores for a 95 % interval; otherwise `model` as it is.
fn wrap(
    model: Box<dyn FittedModel>,
    pairs: &[(Forecast, Vec<f64>)],
    periods: &[usize],
    widen_only: bool,
) -> Box<dyn FittedModel> {
    let shortest = periods.iter().copied().min().unwrap_or(1);
    let scores =
        ConformalScores::from_seasonal_forecasts(pairs.iter().map(|(f, a)| (f, &a[..])), shortest);
    if scores.multipliers(CONFORMAL_LEVEL, 0).is_none() {
        return model;
    }
    Box::new(Conformalised::new(model, scores).widen_only(widen_only))
}

/// How a forecast's intervals are made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntervalMethod {
    /// Conformal for `auto` (from its validation), the model's own otherwise.
    #[default]
    Auto,
    /// The model's own intervals.
    Model,
    /// Conformal intervals from rolling-origin refits of the model.
    Conformal,
    /// Experimental, for `auto`: the model chosen on many origins of one fit
    /// (at least 100 where the history allows), its slope and cycles weighted
    /// by how they did there, and its futures made of its own past errors
    /// (`docs/method.md`, "Many origins"); the other models as `conformal`.
    Origins,
}

impl FromStr for IntervalMethod {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(IntervalMethod::Auto),
            "model" => Ok(IntervalMethod::Model),
            "conformal" => Ok(IntervalMethod::Conformal),
            "origins" => Ok(IntervalMethod::Origins),
            other => Err(Error::invalid(format!(
                "intervals must be auto, model, conformal or origins, got '{other}'"
            ))),
        }
    }
}

/// Fit `choice` with intervals made by `method`. Conformal intervals for a named
/// model come from refits at the last `VALIDATION_WINDOWS + CALIBRATION_WINDOWS`
/// stretches of [`validation_horizon`] steps; where the history is too short for
/// enough of them, the model keeps its own intervals.
pub fn fit_with_intervals(
    choice: ModelChoice,
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
    method: IntervalMethod,
) -> Result<Box<dyn FittedModel>> {
    match (choice, method) {
        (ModelChoice::Auto, IntervalMethod::Model) => {
            Ok(select(series, periods, options, horizon, false)?.model)
        }
        (ModelChoice::Auto, IntervalMethod::Origins) => {
            match super::study::select_on_origins(series, periods, options, horizon, true)? {
                Some(selection) => Ok(selection.model),
                None => Ok(select(series, periods, options, horizon, true)?.model),
            }
        }
        (ModelChoice::Auto, _) => Ok(select(series, periods, options, horizon, true)?.model),
        (_, IntervalMethod::Conformal | IntervalMethod::Origins) => {
            let model = choice.fit(series, periods, options, horizon)?;
            let step = validation_horizon(horizon, series.len(), periods);
            let pairs = calibration_forecasts(
                &without_level_shifts(series)?,
                choice,
                periods,
                options,
                step,
                1..=VALIDATION_WINDOWS + CALIBRATION_WINDOWS,
            );
            Ok(wrap(model, &pairs, periods, false))
        }
        _ => choice.fit(series, periods, options, horizon),
    }
}

/// The interval level whose width the conformal scores are measured against.
const CONFORMAL_LEVEL: f64 = 95.0;

/// Forecasts of every candidate from the end of `history`, decomposing once for
/// all the decomposition forecasters.
fn candidate_forecasts(
    history: &RegularSeries,
    candidates: &[ModelChoice],
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
) -> Vec<Result<Forecast>> {
    let stl = forecasting_options(options);
    let needs_split = candidates
        .iter()
        .any(|c| matches!(c, ModelChoice::Decomposed(_)));
    let split = needs_split.then(|| SeasonalSplit::of(history, periods, &stl));
    candidates
        .iter()
        .map(|choice| match (choice, &split) {
            (ModelChoice::Decomposed(adjusted), Some(split)) => {
                let split = split
                    .as_ref()
                    .map_err(|e| Error::series(history.name(), e.to_string()))?;
                Decomposed::new(periods.to_vec(), *adjusted)
                    .fit_split(split)?
                    .predict(horizon, &[CONFORMAL_LEVEL])
            }
            _ => choice
                .fit(history, periods, options, horizon)?
                .predict(horizon, &[CONFORMAL_LEVEL]),
        })
        .collect()
}

/// Pick the candidate ([`candidates`]) with the lowest mean absolute error over up
/// to [`VALIDATION_WINDOWS`] consecutive stretches of [`validation_horizon`] steps
/// at the end of the history, each forecast by the candidate fitted on the history
/// before it. Candidates that fail on a stretch are skipped with the reason. The
/// winner is refitted on the whole history, and its intervals are rescaled by the
/// conformal scores of its validation forecasts ([`Conformalised`]), never made
/// narrower than its own (the winner of a validation looks better on it than it
/// is), unless `conformal` is false. With too little history to validate, the
/// first candidate that fits is used as it is.
pub fn select(
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
    conformal: bool,
) -> Result<Selection> {
    select_on_refits(series, periods, options, horizon, conformal)
}

/// [`select`] on five refits: up to [`VALIDATION_WINDOWS`] stretches, then
/// [`CALIBRATION_WINDOWS`] more for the conformal scores.
fn select_on_refits(
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
    conformal: bool,
) -> Result<Selection> {
    let candidates = candidates_for(series, periods);
    let n = series.len();
    let step = validation_horizon(horizon, n, periods);
    let origins: Vec<usize> = (1..=VALIDATION_WINDOWS)
        .rev()
        .filter_map(|k| {
            n.checked_sub(k * step)
                .filter(|&c| c >= shortest_origin(periods))
        })
        .collect();
    let mut errors = vec![0.0; candidates.len()];
    let mut failures: Vec<Option<String>> = vec![None; candidates.len()];
    let mut validation: Vec<Vec<(Forecast, Vec<f64>)>> = vec![Vec::new(); candidates.len()];
    for &origin in &origins {
        let history = series.head(origin)?;
        // Holes (long gaps, closed hours) hold no outcome to score.
        let actual = series.observed(origin, step);
        let actual = &actual[..];
        let forecasts = candidate_forecasts(&history, &candidates, periods, options, step);
        for (c, result) in forecasts.into_iter().enumerate() {
            match result {
                Ok(f) => {
                    errors[c] += f
                        .point
                        .iter()
                        .zip(actual)
                        .filter(|(_, a)| a.is_finite())
                        .map(|(p, a)| (p - a).abs())
                        .sum::<f64>();
                    validation[c].push((f, actual.to_vec()));
                }
                Err(e) => {
                    failures[c].get_or_insert_with(|| e.to_string());
                }
            }
        }
    }
    let mut scores = Vec::new();
    let mut skipped = Vec::new();
    for (c, choice) in candidates.iter().enumerate() {
        match (&failures[c], origins.is_empty()) {
            (Some(reason), _) => skipped.push((*choice, reason.clone())),
            (None, true) => skipped.push((*choice, "too little history to validate".to_string())),
            (None, false) => scores.push((c, errors[c] / (origins.len() * step) as f64)),
        }
    }
    scores.sort_by(|a, b| a.1.total_cmp(&b.1));
    // Validated candidates by error, then the others in candidate order as fallbacks.
    let ranked: Vec<usize> = scores
        .iter()
        .map(|s| s.0)
        .chain((0..candidates.len()).filter(|c| !scores.iter().any(|s| s.0 == *c)))
        .collect();
    let mut last_error = None;
    for c in ranked {
        match candidates[c].fit(series, periods, options, horizon) {
            Ok(model) if leaves_the_range(model.as_ref(), series.values(), periods).is_some() => {
                if let Some(why) = leaves_the_range(model.as_ref(), series.values(), periods) {
                    skipped.push((candidates[c], why));
                }
            }
            Ok(model) => {
                // Growth's futures carry its slope's estimation error, which
                // grows with the horizon and which validation stretches of an
                // eighth of the history cannot measure: its own intervals stand.
                let model = if conformal && candidates[c] != ModelChoice::Growth {
                    let pairs = conformal_pairs(
                        series,
                        candidates[c],
                        &validation[c],
                        periods,
                        options,
                        step,
                    )?;
                    wrap(model, &pairs, periods, true)
                } else {
                    model
                };
                return Ok(Selection {
                    model,
                    scores: scores.iter().map(|&(c, e)| (candidates[c], e)).collect(),
                    skipped,
                });
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| Error::series(series.name(), "no model could be fitted")))
}

/// The forecasts behind the chosen model's conformal scores: its validation
/// forecasts and those of [`CALIBRATION_WINDOWS`] earlier origins. Where the
/// history has level shifts, all of them are made again on the history without
/// its shifts ([`without_level_shifts`]); the choice itself stays made on the
/// history as it is (choosing on the shift-free history cost M4 Hourly sMAPE 11.40
/// -> 11.61).
fn conformal_pairs(
    series: &RegularSeries,
    choice: ModelChoice,
    validation: &[(Forecast, Vec<f64>)],
    periods: &[usize],
    options: &StlOptions,
    step: usize,
) -> Result<Vec<(Forecast, Vec<f64>)>> {
    let windows = VALIDATION_WINDOWS + CALIBRATION_WINDOWS;
    // Only a shift inside a scored stretch changes a score: one further back is in
    // every origin's history, which the models step over themselves.
    let scored = series.len().saturating_sub(windows * step);
    if level_shift_positions(series.values())
        .iter()
        .any(|&t| t + 1 >= scored)
    {
        let continuous = without_level_shifts(series)?;
        return Ok(calibration_forecasts(
            &continuous,
            choice,
            periods,
            options,
            step,
            1..=windows,
        ));
    }
    let calibration = VALIDATION_WINDOWS + 1..=windows;
    let mut pairs = validation.to_vec();
    pairs.extend(calibration_forecasts(
        series,
        choice,
        periods,
        options,
        step,
        calibration,
    ));
    Ok(pairs)
}

/// The series with its level shifts (a cleanup, a migration: one-step changes far
/// beyond the others that last, [`remove_level_shifts`]) taken out, for validation
/// and conformal scores only: a shift is an operator's event, not the metric's
/// noise, and one inside a validation stretch would put its whole size into
/// every future's band from the first step on. The models themselves are fitted
/// to the history as it is (the trend models leave the shifts out on their own).
fn without_level_shifts(series: &RegularSeries) -> Result<RegularSeries> {
    RegularSeries::new(
        series.name(),
        series.start(),
        series.step(),
        remove_level_shifts(series.values()),
    )
}

/// The shortest history an origin may have: two cycles of the longest period (what
/// STL and a seasonal naive need to forecast it), and at least 3 points. An origin
/// with less would fail every seasonal candidate, and a validation that every
/// candidate fails falls back to the first of them: at 30 s steps a daily season
/// (2880 steps) validated from half a day of history chose a seasonal naive over
/// a plain falling line (issue 20).
pub(crate) fn shortest_origin(periods: &[usize]) -> usize {
    (2 * periods.iter().copied().max().unwrap_or(1)).max(3)
}

/// The longest seasonal period ETS models with a seasonal state: beyond it a
/// state per step of the season makes the fit slow and the likelihood flat (R's
/// `ets` refuses periods above 24; 52 admits weekly seasons of daily data).
pub const ETS_MAX_PERIOD: usize = 52;

/// The period seasonal ETS uses: the shortest given, if at most [`ETS_MAX_PERIOD`].
pub(crate) fn ets_period(periods: &[usize]) -> usize {
    periods
        .iter()
        .copied()
        .min()
        .filter(|&p| p <= ETS_MAX_PERIOD)
        .unwrap_or(1)
}

/// The longest period with two seasons of history, else the shortest, else 1.
fn naive_period(periods: &[usize], n: usize) -> usize {
    periods
        .iter()
        .copied()
        .filter(|&p| 2 * p <= n)
        .max()
        .or_else(|| periods.iter().copied().min())
        .unwrap_or(1)
}

fn boxed<M>(model: &M, series: &RegularSeries) -> Result<Box<dyn FittedModel>>
where
    M: Forecaster,
    M::Fitted: 'static,
{
    Ok(Box::new(model.fit(series)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn names_round_trip() {
        for name in ModelChoice::names() {
            assert_eq!(name.parse::<ModelChoice>().unwrap().to_string(), name);
        }
        assert!("prophet".parse::<ModelChoice>().is_err());
        let weekly: ModelChoice = "seasonal_naive(168)".parse().unwrap();
        assert_eq!(weekly, ModelChoice::SeasonalNaive(Some(168)));
        assert_eq!(weekly.to_string(), "seasonal_naive(168)");
        assert!("seasonal_naive(0)".parse::<ModelChoice>().is_err());
    }

    #[test]
    fn auto_prefers_the_trend_on_a_growing_series() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..24 * 20)
            .map(|t| 10.0 * t as f64 + ((t % 24) as f64 - 12.0).abs())
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let sel = select(&s, &[24], &StlOptions::default(), 48, true).unwrap();
        assert_eq!(sel.model.name(), "stl_linear(24)");
        assert_eq!(sel.scores.len(), 4);
        // On many origins: the cycles model, the line and its cycle continued
        // to within one step's growth (the cycle is learnt from the past alone,
        // cycle by cycle, and combined with the last value and cycle).
        let many =
            crate::forecast::study::select_on_origins(&s, &[24], &StlOptions::default(), 48, true)
                .unwrap()
                .unwrap();
        assert_eq!(many.model.name(), "cycles_linear(24)");
        let f = many.model.predict(48, &[95.0]).unwrap();
        for (h, p) in f.point.iter().enumerate() {
            let t = 24 * 20 + h;
            let exact = 10.0 * t as f64 + ((t % 24) as f64 - 12.0).abs();
            assert!((p - exact).abs() < 10.0, "step {h}: {p} vs {exact}");
        }
    }

    #[test]
    fn auto_falls_back_when_history_is_short() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = RegularSeries::new("s", start, Step::seconds(3600), vec![1.0, 2.0, 3.0]).unwrap();
        let sel = select(&s, &[], &StlOptions::default(), 10, true).unwrap();
        assert_eq!(sel.model.name(), "naive");
    }

    #[test]
    fn naive_period_rule() {
        assert_eq!(naive_period(&[24, 168], 400), 168);
        assert_eq!(naive_period(&[24, 168], 300), 24);
        assert_eq!(naive_period(&[], 300), 1);
    }
}
