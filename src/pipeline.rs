//! The per-series steps that every command shares, usable from the crate as from
//! the CLI: regularise a series and settle its seasonal periods ([`prepare`]),
//! forecast it, assess it against a capacity, and run any of these over a batch in
//! parallel with each series failing alone ([`for_each_series`]).

use rayon::prelude::*;

use crate::decompose::{decompose, period, Decomposition, StlOptions};
use crate::error::{Error, Result};
use crate::forecast::{
    bound_forecast, fit_with_intervals, Bounds, FittedModel, Forecast, IntervalMethod, ModelChoice,
};
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
    /// What the models see when it is not `series` (a series with holes:
    /// [`RegularSeries::holes`]); `None` for every series without them.
    pub view: Option<ModelView>,
    /// What the models will not do for this series and why, for standard
    /// error (`series NAME: ...`): a yearly season the history is too short for,
    /// growth without logarithms where a value is at or below zero.
    pub notes: Vec<String>,
}

/// The part of a series the models learn from when some of its steps are not
/// data: the open steps of a series with opening hours.
#[derive(Clone, Debug)]
pub struct ModelView {
    /// The steps the models see.
    pub series: RegularSeries,
    /// Their seasonal periods, in their own steps.
    pub periods: Vec<usize>,
    /// What was done, for standard error: `series NAME: ...`.
    pub note: String,
}

impl Prepared {
    /// A prepared series from its parts, with the models' [`ModelView`] worked
    /// out from its holes.
    pub fn new(
        series: RegularSeries,
        report: RegularisationReport,
        periods: Vec<usize>,
        detected: bool,
    ) -> Prepared {
        let view = model_view(&series, &periods, detected);
        let notes = detected
            .then(|| short_of_a_yearly_season(&series))
            .flatten()
            .into_iter()
            .chain(growth_without_logarithm(&series))
            .collect();
        Prepared {
            series,
            report,
            periods,
            detected,
            view,
            notes,
        }
    }
}

/// The note for a history of at least one year but under the three a yearly
/// season is looked for in ([`period::yearly_period`]): its yearly cycle, if it
/// has one, is not modelled.
fn short_of_a_yearly_season(series: &RegularSeries) -> Option<String> {
    let year = period::yearly_period(series.step())?;
    let n = series.len();
    (year <= n && n < 3 * year).then(|| {
        format!(
            "series {}: no yearly season: {:.1} years of history, a yearly season is \
             looked for from three",
            series.name(),
            n as f64 / year as f64
        )
    })
}

/// The note for a series `auto` weighs growth for (a step of a day or more,
/// [`crate::forecast::Growth`]) that has a value at or below zero: growth is
/// then modelled on the values, not their logarithm.
fn growth_without_logarithm(series: &RegularSeries) -> Option<String> {
    let weighed = crate::forecast::weighs_growth(series.step());
    let positive = crate::forecast::has_logarithm(series.values());
    (weighed && !positive).then(|| {
        format!(
            "series {}: values at or below zero: growth is modelled on the values, \
             not their logarithm",
            series.name()
        )
    })
}

/// What the models of `series` see when it is not all of it: its open steps.
/// A series with long gaps is learnt from whole, the gaps holding its own daily
/// profile ([`crate::gaps::seasonal_fill`]) and left out of validation and
/// calibration ([`RegularSeries::observed`]): fitting only the stretch after a
/// gap would lose the history the seasons and bands are estimated on.
fn model_view(series: &RegularSeries, periods: &[usize], detected: bool) -> Option<ModelView> {
    let name = series.name();
    let hours = series.open_hours()?;
    let open = series.open_steps()?;
    let day = crate::gaps::long_gap_limit(series.step());
    let week = day.map(|d| 7 * d);
    let mut kept: Vec<usize> = if detected {
        hours.open_periods()
    } else {
        periods
            .iter()
            .filter_map(|&p| {
                if Some(p) == week {
                    Some(hours.open_per_week())
                } else if Some(p) == day {
                    hours.open_per_day()
                } else {
                    None
                }
            })
            .collect()
    };
    kept.retain(|&p| p >= 2 && 2 * p <= open.len());
    kept.dedup();
    let seasons = match kept.as_slice() {
        [] => "no season".to_string(),
        k => format!(
            "season(s) of {} open steps",
            k.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    };
    let note = format!(
        "series {name}: forecast on its {} open steps only ({}, {seasons}); closed steps \
         have no forecast row",
        open.len(),
        hours.describe()
    );
    Some(ModelView {
        series: open,
        periods: kept,
        note,
    })
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
    Ok(Prepared::new(series, report, periods, detected))
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
    /// Simulate a quarter of the paths first and stop there when more could no
    /// longer change the printed figures beyond their tolerances
    /// ([`CrossingDistribution::settled`](crate::saturation::CrossingDistribution::settled));
    /// otherwise simulate all of them, as without it (default false).
    pub adaptive_paths: bool,
    /// Pool the futures' probability of reaching capacity with the history's
    /// own answer to the question, and re-weigh the futures' dates to match
    /// (default true; `docs/method.md`, "The history's own answer").
    pub pool_history: bool,
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
            adaptive_paths: false,
            pool_history: true,
        }
    }
}

/// Fit the chosen model to a prepared series: the fitted model and the horizon in
/// steps (at least `min_horizon`), refused beyond [`horizon_limit`]. The model
/// is chosen and calibrated for `question` steps ahead when given (the date a
/// probability is asked for), else for the horizon: one question gets one
/// answer, however far the rest of the forecast reaches.
pub(crate) fn fit(
    prepared: &Prepared,
    settings: &ForecastSettings,
    min_horizon: usize,
    question: Option<usize>,
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
    check_horizon(series, horizon)?;
    let asked = question.map_or(horizon, |q| q.clamp(1, horizon));
    let Some(view) = &prepared.view else {
        let model = fit_with_intervals(
            settings.model,
            series,
            &prepared.periods,
            &settings.stl,
            asked,
            settings.intervals,
        )
        .map_err(|e| e.in_series(series.name()))?;
        return Ok((model, horizon));
    };
    let hours = series
        .open_hours()
        .ok_or_else(|| Error::series(series.name(), "a model view without opening hours"))?;
    let (last, step) = (series.last_timestamp(), series.step());
    // The model is chosen for the open steps within the asked steps.
    let open = hours.open_after(last, step, asked).len().max(1);
    let inner = fit_with_intervals(
        settings.model,
        &view.series,
        &view.periods,
        &settings.stl,
        open,
        settings.intervals,
    )
    .map_err(|e| e.in_series(series.name()))?;
    let model = crate::gaps::OpenHoursModel {
        inner,
        hours: hours.clone(),
        last,
        step,
        series: series.name().to_string(),
    };
    Ok((Box::new(model), horizon))
}

/// How many times its own length a history may be forecast ahead: further out,
/// no origin of the history can check the forecast, and the band is the model's
/// assumption alone.
pub const HORIZON_HISTORY_FACTOR: usize = 10;

/// The most steps one series is forecast: beyond it a forecast (and its sample
/// paths, and its CSV) costs more than a planner's question is worth; a coarser
/// `--step` asks the same question in fewer steps.
pub const MAX_HORIZON_STEPS: usize = 100_000;

/// The longest horizon, in steps, a series of `n` steps is forecast: ten times
/// its history (at least 1,000 steps, so a short history can still be asked a
/// day ahead at a fine step), and never more than [`MAX_HORIZON_STEPS`].
pub fn horizon_limit(n: usize) -> usize {
    (HORIZON_HISTORY_FACTOR * n).clamp(1000, MAX_HORIZON_STEPS)
}

/// Refuse a horizon the history cannot support, before anything is allocated.
fn check_horizon(series: &RegularSeries, horizon: usize) -> Result<()> {
    let limit = horizon_limit(series.len());
    if horizon <= limit {
        return Ok(());
    }
    let step = series.step();
    let why = if limit == MAX_HORIZON_STEPS {
        format!("at most {MAX_HORIZON_STEPS} steps are forecast (ask with a coarser --step)")
    } else {
        format!(
            "at most {HORIZON_HISTORY_FACTOR} times the history ({} steps of {step}) is \
             forecast: no part of the history could check a forecast further ahead",
            series.len()
        )
    };
    Err(Error::TooShort {
        series: Some(series.name().to_string()),
        message: format!(
            "a horizon of {horizon} steps of {step} is too far: {why}; the limit here is \
             {limit} steps (about {:.0} days)",
            limit as f64 * step.nominal_seconds() / 86_400.0
        ),
    })
}

/// Fit the chosen model to a prepared series and forecast.
pub fn forecast(prepared: &Prepared, settings: &ForecastSettings) -> Result<Forecast> {
    let (model, horizon) = fit(prepared, settings, 0, None)?;
    let mut f = model
        .predict(horizon, &settings.levels)
        .map_err(|e| e.in_series(prepared.series.name()))?;
    bound_forecast(&mut f, bounds_of(prepared, settings));
    Ok(f)
}

/// The bounds of a prepared series under these settings.
pub(crate) fn bounds_of(
    prepared: &Prepared,
    settings: &ForecastSettings,
) -> (Option<f64>, Option<f64>) {
    let s = &prepared.series;
    settings.bounds.resolve(s.name(), s.values())
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
    match error.series_name() {
        Some(_) => error.to_string(),
        None => {
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
