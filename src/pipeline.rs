//! The per-series steps that every command shares, usable from the crate as from
//! the CLI: regularise a series and settle its seasonal periods ([`prepare`]),
//! forecast it, assess it against a capacity, and run any of these over a batch in
//! parallel with each series failing alone ([`for_each_series`]).

use rayon::prelude::*;

use crate::decompose::{period, StlOptions};
use crate::error::{Error, Result};
use crate::forecast::{fit_with_intervals, Forecast, IntervalMethod, ModelChoice};
use chrono::{DateTime, Utc};

use crate::forecast::FittedModel;
use crate::saturation::{assess_paths, Direction, Questions, Saturation};
use crate::series::{RegularSeries, RegularisationReport, RegulariseOptions, Series};
use crate::units::Span;

/// A series ready for modelling: on its grid, with its seasonal periods.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The regular series.
    pub series: RegularSeries,
    /// What regularisation did.
    pub report: RegularisationReport,
    /// Seasonal periods in steps: those given, or those detected.
    pub periods: Vec<usize>,
    /// True when the periods were detected rather than given.
    pub detected: bool,
}

/// Regularise `raw` and turn the requested seasons into periods of its step; with
/// no seasons given, detect them ([`period::periods`]).
pub fn prepare(raw: &Series, options: &RegulariseOptions, seasons: &[Span]) -> Result<Prepared> {
    let (series, report) = raw.regularise(options)?;
    let periods = seasons
        .iter()
        .map(|s| {
            let p = s.steps_exact(series.step())?;
            if p < 2 {
                return Err(Error::invalid(format!(
                    "a season of {s} is {p} step(s) of {}; a season needs at least 2 steps",
                    series.step()
                )));
            }
            Ok(p)
        })
        .collect::<Result<Vec<usize>>>()
        .map_err(|e| e.in_series(raw.name()))?;
    let detected = seasons.is_empty();
    let periods = if detected {
        period::periods(&series)
    } else {
        periods
    };
    Ok(Prepared {
        series,
        report,
        periods,
        detected,
    })
}

/// What to forecast: model, horizon, levels and STL settings.
#[derive(Clone, Debug)]
pub struct ForecastSettings {
    /// The model, or `Auto`.
    pub model: ModelChoice,
    /// How far ahead; `None` looks as far ahead as the history reaches back.
    pub horizon: Option<Span>,
    /// Interval levels in percent.
    pub levels: Vec<f64>,
    /// STL settings for the models that decompose.
    pub stl: StlOptions,
    /// How the intervals are made.
    pub intervals: IntervalMethod,
    /// Sample paths simulated for saturation probabilities.
    pub paths: usize,
    /// Seed of the simulation: the same seed gives the same probabilities.
    pub seed: u64,
}

/// Sample paths simulated by default: the standard error of a probability near
/// one half is then about 0.011, and of a 10th percentile date about a step.
pub const DEFAULT_PATHS: usize = 2000;

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings {
            model: ModelChoice::Auto,
            horizon: None,
            levels: crate::forecast::DEFAULT_LEVELS.to_vec(),
            stl: StlOptions::default(),
            intervals: IntervalMethod::Auto,
            paths: DEFAULT_PATHS,
            seed: 0x5eed,
        }
    }
}

/// Fit the chosen model to a prepared series: the fitted model and the horizon in
/// steps (at least `min_horizon`).
fn fit(
    prepared: &Prepared,
    settings: &ForecastSettings,
    min_horizon: usize,
) -> Result<(Box<dyn FittedModel>, usize)> {
    let series = &prepared.series;
    let horizon = match settings.horizon {
        Some(span) => span.steps_ceil(series.step()),
        None => series.len(),
    }
    .max(min_horizon);
    if horizon == 0 {
        return Err(Error::series(
            series.name(),
            "the horizon must be at least one step",
        ));
    }
    let model = fit_with_intervals(
        settings.model,
        series,
        &prepared.periods,
        &settings.stl,
        horizon,
        settings.intervals,
    )
    .map_err(|e| e.in_series(series.name()))?;
    Ok((model, horizon))
}

/// Fit the chosen model to a prepared series and forecast.
pub fn forecast(prepared: &Prepared, settings: &ForecastSettings) -> Result<Forecast> {
    let (model, horizon) = fit(prepared, settings, 0)?;
    model
        .predict(horizon, &settings.levels)
        .map_err(|e| e.in_series(prepared.series.name()))
}

/// Forecast a prepared series and assess it against `capacity`: dates from the
/// forecast, probability and crossing percentiles from sample paths.
pub fn saturation(
    prepared: &Prepared,
    settings: &ForecastSettings,
    capacity: f64,
    direction: Direction,
) -> Result<(Forecast, Saturation)> {
    saturation_with(
        prepared,
        settings,
        capacity,
        direction,
        &Questions::default(),
    )
}

/// [`saturation`] that also answers `questions`; the horizon is extended to reach
/// their dates.
pub fn saturation_with(
    prepared: &Prepared,
    settings: &ForecastSettings,
    capacity: f64,
    direction: Direction,
    questions: &Questions,
) -> Result<(Forecast, Saturation)> {
    let s = &prepared.series;
    let last = s.last_timestamp();
    let steps_to = |t: DateTime<Utc>| {
        ((t - last).num_milliseconds() as f64 / 1000.0 / s.step().nominal_seconds()).ceil() as usize
    };
    let reach = questions
        .by
        .into_iter()
        .chain(questions.need_until.map(|n| n.0))
        .map(steps_to)
        .max()
        .unwrap_or(0);
    let (model, horizon) = fit(prepared, settings, reach)?;
    let in_series = |e: Error| e.in_series(s.name());
    let f = model
        .predict(horizon, &settings.levels)
        .map_err(in_series)?;
    let paths = model
        .simulate(horizon, settings.paths, settings.seed)
        .map_err(in_series)?;
    let row = assess_paths(
        &f,
        &paths,
        last,
        s.last_value(),
        capacity,
        direction,
        questions,
    )
    .map_err(in_series)?;
    Ok((f, row))
}

/// Run `work` on every item in parallel, keeping the input order; each item
/// succeeds or fails alone.
pub fn for_each_series<T: Sync, U: Send>(
    items: &[T],
    work: impl Fn(&T) -> Result<U> + Sync + Send,
) -> Vec<Result<U>> {
    items.par_iter().map(work).collect()
}
