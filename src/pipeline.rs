//! The per-series steps that every command shares, usable from the crate as from
//! the CLI: regularise a series and settle its seasonal periods ([`prepare`]),
//! forecast it, assess it against a capacity, and run any of these over a batch in
//! parallel with each series failing alone ([`for_each_series`]).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::decompose::{decompose, period, Decomposition, StlOptions};
use crate::error::{Error, Result};
use crate::forecast::{
    bound_forecast, bound_paths, fit_with_intervals, Bounds, Forecast, IntervalMethod, ModelChoice,
};
use chrono::{DateTime, Utc};

use crate::forecast::FittedModel;
use crate::saturation::{assess_unreached, Deadline, Direction, Questions, Saturation};
use crate::scenario::Scenarios;
use crate::series::{
    GapPolicy, RegularSeries, RegularisationReport, RegulariseOptions, Series, Step,
};
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
    /// The values the metric can take, applied to forecasts and paths
    /// (default: inferred from the history, [`Bounds::resolve`]).
    pub bounds: Bounds,
    /// Simulate the paths of every series, also where
    /// [`FittedModel::crossing_bound`] says none would reach capacity (default
    /// false: such a series is answered without paths, [`CLEAR_EXPECTED_PATHS`]).
    pub all_paths: bool,
}

/// A series is answered without paths when the paths expected to reach capacity
/// number at most this (the bound on one path's chance times the paths): the
/// simulation would then have found none, probability 0, in at least 998 of 1000
/// such series, and in the others one path (probability 1 / paths).
pub const CLEAR_EXPECTED_PATHS: f64 = 0.002;

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
            bounds: Bounds::Infer,
            all_paths: false,
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
    let mut f = model
        .predict(horizon, &settings.levels)
        .map_err(|e| e.in_series(prepared.series.name()))?;
    bound_forecast(&mut f, bounds_of(prepared, settings));
    Ok(f)
}

/// The bounds of a prepared series under these settings.
fn bounds_of(prepared: &Prepared, settings: &ForecastSettings) -> (Option<f64>, Option<f64>) {
    let s = &prepared.series;
    settings.bounds.resolve(s.name(), s.values())
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
    let none = Scenarios::default();
    saturation_scenario(prepared, settings, capacity, direction, questions, &none)
}

/// [`saturation_with`] under what-if `scenarios`, applied to the forecast and
/// the sample paths before they are assessed ([`Scenarios::assess`]); the
/// forecast returned is the scenario's.
pub fn saturation_scenario(
    prepared: &Prepared,
    settings: &ForecastSettings,
    capacity: f64,
    direction: Direction,
    questions: &Questions,
    scenarios: &Scenarios,
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
    let mut f = model
        .predict(horizon, &settings.levels)
        .map_err(in_series)?;
    let bounds = bounds_of(prepared, settings);
    let (v, q) = (s.last_value(), questions);
    if !settings.all_paths && scenarios.is_empty() && q.need_until.is_none() {
        let up = direction == Direction::Up;
        let bound = model.crossing_bound(horizon, capacity, up);
        if let Some(b) = bound.map_err(in_series)? {
            if b * settings.paths as f64 <= CLEAR_EXPECTED_PATHS {
                bound_forecast(&mut f, bounds);
                let row = assess_unreached(&f, settings.paths, last, v, capacity, direction, q)
                    .map_err(in_series)?;
                return Ok((f, row));
            }
        }
    }
    let mut paths = model
        .simulate(horizon, settings.paths, settings.seed)
        .map_err(in_series)?;
    bound_forecast(&mut f, bounds);
    bound_paths(&mut paths, bounds);
    let row = scenarios
        .assess(&mut f, &mut paths, last, v, capacity, direction, q)
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

/// The regularisation options for `gaps`: series resampled to `step` stay on that
/// grid (inferring a step could pick another).
pub fn regularise_options(gaps: GapPolicy, step: Option<Step>) -> RegulariseOptions {
    let options = RegulariseOptions::default().with_gaps(gaps);
    match step {
        Some(step) => options.with_step(step),
        None => options,
    }
}

/// The line that reports a failed series: `series NAME: reason`.
pub fn failure_message(name: &str, error: &Error) -> String {
    match error {
        Error::Series { .. } => error.to_string(),
        _ => {
            // A megabyte-long name is not printed whole.
            let short: String = name.chars().take(200).collect();
            let cut = if short.len() < name.len() { "..." } else { "" };
            format!("series {short}{cut}: {error}")
        }
    }
}

/// A decomposition of a prepared series, with what was decided along the way.
#[derive(Clone, Debug)]
pub struct Decomposed {
    /// The decomposition.
    pub decomposition: Decomposition,
    /// What was decided for the user to know (a fallback period, periods dropped),
    /// each starting `series NAME:`.
    pub notes: Vec<String>,
}

/// Decompose a prepared series by its periods; interpolated steps go back to
/// missing, so the decomposition skips them. With no period detected, the
/// shortest calendar period that fits twice is used, so the trend is still
/// separated from any weak cycle.
pub fn decompose_prepared(prepared: &Prepared, options: &StlOptions) -> Result<Decomposed> {
    let s = &prepared.series;
    let mut notes = Vec::new();
    let periods = if prepared.periods.is_empty() {
        let fallback = period::calendar_candidates(s.step())
            .into_iter()
            .find(|&q| 2 * q <= s.len())
            .ok_or_else(|| {
                Error::series(
                    s.name(),
                    "no season was detected and no calendar period fits; pass --season",
                )
            })?;
        notes.push(format!(
            "series {}: no daily or weekly season detected; decomposing with period {fallback}",
            s.name()
        ));
        vec![fallback]
    } else {
        prepared.periods.clone()
    };
    let mut values = s.values().to_vec();
    for &i in s.imputed() {
        values[i] = f64::NAN;
    }
    let decomposition = decompose(&values, &periods, options).map_err(|e| e.in_series(s.name()))?;
    let dropped: Vec<String> = prepared
        .periods
        .iter()
        .filter(|q| !decomposition.periods.contains(q))
        .map(|q| q.to_string())
        .collect();
    if !dropped.is_empty() {
        notes.push(format!(
            "series {}: period(s) {} do not fit twice into {} points and were dropped",
            s.name(),
            dropped.join(", "),
            s.len()
        ));
    }
    Ok(Decomposed {
        decomposition,
        notes,
    })
}

/// Capacities: one for every series, or one per series by name.
#[derive(Clone, Debug, PartialEq)]
pub enum Capacities {
    /// The same capacity for every series.
    One(f64),
    /// Each series' own capacity (`--capacities FILE`).
    PerSeries(HashMap<String, f64>),
}

impl Capacities {
    /// The capacity of the named series; a series missing from the table fails.
    pub fn of(&self, series: &str) -> Result<f64> {
        match self {
            Capacities::One(c) => Ok(*c),
            Capacities::PerSeries(table) => table.get(series).copied().ok_or_else(|| {
                Error::series(series, "no capacity for this series in the capacities file")
            }),
        }
    }
}

/// The risk accepted with `--need-until` by default: one in twenty.
pub const DEFAULT_RISK: f64 = 0.05;

/// The questions asked of one series: the probability of reaching capacity `by` a
/// deadline, the capacity needed until `need_until` at `risk`; deadlines given as
/// spans count from the series' last observation.
pub fn questions(
    series: &RegularSeries,
    by: Option<Deadline>,
    need_until: Option<Deadline>,
    risk: f64,
) -> Result<Questions> {
    let (last, step) = (series.last_timestamp(), series.step());
    Ok(Questions {
        by: by.map(|d| d.resolve(last, step)).transpose()?,
        need_until: match need_until {
            Some(d) => Some((d.resolve(last, step)?, risk)),
            None => None,
        },
    })
}

/// Which of `names` (read from `source`) to draw: the one named, or the first,
/// with a note when there were several to choose from.
pub fn choose_series(
    names: &[&str],
    name: Option<&str>,
    source: &str,
) -> Result<(usize, Option<String>)> {
    match name {
        Some(name) => names
            .iter()
            .position(|n| *n == name)
            .map(|i| (i, None))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "no series named '{name}' in {source}; it holds {}",
                    names.join(", ")
                ))
            }),
        None if names.is_empty() => Err(Error::invalid(format!("{source} holds no series"))),
        None => {
            let note = (names.len() > 1).then(|| {
                format!(
                    "{source} holds {} series; drawing '{}' (choose one with --series)",
                    names.len(),
                    names[0]
                )
            });
            Ok((0, note))
        }
    }
}
