//! `auto` on many origins of one fit: choose the model on how every candidate's
//! forecasts did from each recent origin, pull its forecast towards the
//! repeated last cycle by the share of its projected departures that came true,
//! and make its futures of its own past errors ([`Empirical`]).
//!
//! The forecasts from past origins come from [`super::origins`]: exact for the
//! seasonal naive, naive, drift, linear trend and cycles models, the filter run
//! to each origin for exponential smoothing. The decomposition candidates of
//! `auto` are the cycles models ([`ModelChoice::Cycles`]), whose seasonal cycles
//! are learnt from the past alone, so their past forecasts are exactly their
//! refits; STL's centred smoothers cannot give that (forecasts from the one
//! robust decomposition of the whole history erred a third as much as refits on
//! M4 Hourly, `examples/origin_leak.rs`), and on the M4 Hourly validation split
//! the cycles models forecast better than STL's refits (mean absolute error 824
//! against 1,128 for the adjusted naive on 100 series).

use super::auto::{candidates_with, shortest_origin, validation_horizon, ModelChoice, Selection};
use super::decomposed::AdjustedModel;
use super::empirical::{combination_weights_by_lead, lead_band, Combination, Empirical, Held};
use super::naive::level_shift_positions;
use super::origins::{errors, origins, slope_free_errors, OriginContext, MAX_LEADS};
use super::{remove_level_shifts, AutoEts, FittedModel, Forecaster, Origin};
use crate::decompose::StlOptions;
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// Origins a choice on many origins needs: fewer, and five refits decide.
const MIN_SELECTION_ORIGINS: usize = 10;

/// The stretches of the question's length the futures are drawn from, back
/// from the end: the recent past speaks for the present (on the three M4
/// Hourly validation windows, the last eight stretches gave Brier 0.149, 0.101
/// and 0.084 where every origin gave 0.155, 0.106 and 0.090), while eight
/// stretches still hold a few hundred trajectories.
const RECENT_STRETCHES: usize = 10;

/// Whether origin `o` of a history of `n` steps speaks for the forecast made at
/// its end: within the last [`RECENT_STRETCHES`] stretches of `step`, and with
/// at least half the history behind it (a slope fitted on a quarter of a short
/// history is a guess, on a quarter of the whole one a measurement).
fn is_recent(o: usize, n: usize, step: usize) -> bool {
    o + RECENT_STRETCHES * step >= n && 2 * o >= n
}

/// Stretches the choice is scored on: the last three, as the refits were.
const SCORED_STRETCHES: usize = 3;

/// What one fit of a series is studied with: its origins and what it knows.
struct Study<'a> {
    series: &'a RegularSeries,
    periods: Vec<usize>,
    /// Every studied origin, oldest first.
    all: Vec<usize>,
    context: OriginContext<'a>,
}

impl<'a> Study<'a> {
    /// The study of `series` with these periods; `ets` is the exponential
    /// smoothing fit for that candidate, if it is one.
    fn new(
        series: &'a RegularSeries,
        periods: &[usize],
        ets: Option<&'a super::FittedEts>,
    ) -> Study<'a> {
        let n = series.len();
        let periods = fitting_periods(periods, n);
        let all = origins(n, shortest_origin(&periods));
        // The end itself is studied too: the cycles known there are the forecast's.
        let studied = [all.as_slice(), &[n]].concat();
        let context = OriginContext::new(series.values(), &periods, &studied, ets);
        Study {
            series,
            periods,
            all,
            context,
        }
    }

    /// The studied origins `keep` keeps, oldest first.
    fn origins_where(&self, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        self.all.iter().copied().filter(|&o| keep(o)).collect()
    }

    /// The origins whose next `step` values the choice is scored on: those of
    /// the last [`SCORED_STRETCHES`] stretches that `step` values still follow.
    fn scored(&self, step: usize) -> Vec<usize> {
        let n = self.series.len();
        self.origins_where(|o| o + step <= n && o + SCORED_STRETCHES * step >= n)
    }

    /// The origins that speak for the forecast made at the end ([`is_recent`]).
    fn recent(&self, step: usize) -> Vec<usize> {
        let n = self.series.len();
        self.origins_where(|o| is_recent(o, n, step))
    }
}

/// The periods that fit twice into `n` points (as a decomposition keeps them).
fn fitting_periods(periods: &[usize], n: usize) -> Vec<usize> {
    let mut kept: Vec<usize> = periods.iter().copied().filter(|&p| 2 * p <= n).collect();
    kept.sort_unstable();
    kept.dedup();
    kept
}

/// [`super::select`] on many origins of one fit: every candidate forecast from
/// each studied origin whose stretch of [`validation_horizon`] steps lies in
/// the last three such stretches (the stretches the refits were scored on, each
/// step now forecast from every origin before it), the lowest mean absolute
/// error chosen. `None` where the history has too few origins (the refits then
/// decide).
pub(crate) fn select_on_origins(
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
    conformal: bool,
) -> Result<Option<Selection>> {
    let n = series.len();
    let step = validation_horizon(horizon, n, periods);
    let candidates = candidates_with(periods, ModelChoice::Cycles);
    let ets = candidates
        .contains(&ModelChoice::Ets(None))
        .then(|| {
            AutoEts::new(super::auto::ets_period(periods))
                .fit(series)
                .ok()
        })
        .flatten();
    let study = Study::new(series, periods, ets.as_ref());
    let scored = study.scored(step);
    if scored.len() < MIN_SELECTION_ORIGINS {
        return Ok(None);
    }
    let mut scores = Vec::new();
    let mut skipped = Vec::new();
    for (c, &choice) in candidates.iter().enumerate() {
        if !study.context.supports(choice) {
            skipped.push((choice, "cannot be forecast from past origins".to_string()));
            continue;
        }
        let e = errors(&study.context, choice, &scored, step);
        if e.iter().any(|t| t.len() < step) {
            skipped.push((
                choice,
                "could not be forecast from every origin".to_string(),
            ));
            continue;
        }
        let total: f64 = e.iter().flatten().map(|v| v.abs()).sum();
        scores.push((c, total / (e.len() * step) as f64));
    }
    if scores.is_empty() {
        return Ok(None);
    }
    scores.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut last_error = None;
    for &(c, _) in &scores {
        let choice = candidates[c];
        let model = match fitted(&study, choice, ets.as_ref(), options, horizon) {
            Ok(m) => m,
            Err(e) => {
                last_error = Some(e);
                continue;
            }
        };
        if let Some(why) = leaves_the_range(model.as_ref(), series.values(), periods) {
            skipped.push((choice, why));
            continue;
        }
        let model = if conformal {
            match measured(&study, choice, model, step, horizon) {
                Some(m) => m,
                None => return Ok(None),
            }
        } else {
            model
        };
        return Ok(Some(Selection {
            model,
            scores: scores.iter().map(|&(c, e)| (candidates[c], e)).collect(),
            skipped,
        }));
    }
    match last_error {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// `choice` fitted on the whole history: the cycles models and exponential
/// smoothing from the study's own fit, the others as named.
fn fitted(
    study: &Study<'_>,
    choice: ModelChoice,
    ets: Option<&super::FittedEts>,
    options: &StlOptions,
    horizon: usize,
) -> Result<Box<dyn FittedModel>> {
    match (choice, ets) {
        (ModelChoice::Cycles(_), _) => study
            .context
            .cycles_forecaster(choice, study.series)
            .map(|m| Box::new(m) as Box<dyn FittedModel>)
            .ok_or_else(|| {
                Error::series(study.series.name(), "the cycles model could not be fitted")
            }),
        (ModelChoice::Ets(None), Some(fit)) => Ok(Box::new(fit.clone())),
        _ => choice.fit(study.series, &study.periods, options, horizon),
    }
}

/// The fitted `model` of `choice` made into the question's answer: pulled
/// towards the repeated last cycle ([`blend`]) and with futures of its own
/// errors from the recent origins ([`Empirical`]). `None` when too few
/// origins cover even one step.
fn measured(
    study: &Study<'_>,
    choice: ModelChoice,
    model: Box<dyn FittedModel>,
    step: usize,
    horizon: usize,
) -> Option<Box<dyn FittedModel>> {
    let n = study.series.len();
    let recent = study.recent(step);
    let leads = horizon.clamp(1, MAX_LEADS);
    let (model, mix) = combine(study, choice, model, &recent, step, horizon);
    let mut trajectories = mix.errors(study, &recent, leads);
    let widen = self_calibration(study, &mix, step);
    if widen > 1.0 {
        trajectories.iter_mut().flatten().for_each(|e| *e *= widen);
    }
    let span = recent.last().zip(recent.first()).map_or(0, |(l, f)| l - f);
    let question = step.max(horizon.min(n));
    Empirical::new(model, trajectories, question, span).map(|m| Box::new(m) as Box<dyn FittedModel>)
}

/// How much wider the futures must be to hold what the recent past did: the
/// spread of the errors from the origins of the last [`SCORED_STRETCHES`]
/// stretches, each measured in the spread per lead time of the errors from the
/// [`RECENT_STRETCHES`] stretches before them (the futures those origins would
/// have been given), against the same measure of those earlier errors
/// themselves, at the 95 % quantile; at least 1. The choice and the
/// combination were fitted on the same record, so its own errors look smaller
/// than the next ones will be (split-conformal calibration of the futures'
/// scale: Vovk et al. 2005).
fn self_calibration(study: &Study<'_>, mix: &Mix, step: usize) -> f64 {
    let checked = study.scored(step);
    let Some(&first) = checked.first() else {
        return 1.0;
    };
    let before =
        study.origins_where(|o| o + step <= first && o + (RECENT_STRETCHES + 1) * step >= first);
    if before.len() < super::empirical::MIN_TRAJECTORIES {
        return 1.0;
    }
    let reference = mix.errors(study, &before, step);
    let scale: Vec<(f64, f64)> = (0..step)
        .map(|j| {
            let mut at: Vec<f64> = reference.iter().filter_map(|t| t.get(j).copied()).collect();
            at.sort_by(f64::total_cmp);
            let median = at.get(at.len() / 2).copied().unwrap_or(0.0);
            let mut dev: Vec<f64> = at.iter().map(|e| (e - median).abs()).collect();
            dev.sort_by(f64::total_cmp);
            (median, dev.get(dev.len() / 2).copied().unwrap_or(0.0))
        })
        .collect();
    let scores = |errors: &[Vec<f64>]| -> Vec<f64> {
        let mut out: Vec<f64> = errors
            .iter()
            .flat_map(|t| t.iter().enumerate().take(step))
            .filter(|(j, _)| scale[*j].1 > 0.0)
            .map(|(j, e)| (e - scale[j].0).abs() / scale[j].1)
            .collect();
        out.sort_by(f64::total_cmp);
        out
    };
    let inside = scores(&reference);
    let next = scores(&mix.errors(study, &checked, step));
    let q = |v: &[f64]| -> Option<f64> {
        let rank = ((v.len() + 1) as f64 * 0.95).ceil() as usize;
        v.get(rank.checked_sub(1)?).copied()
    };
    match (q(&inside), q(&next)) {
        (Some(a), Some(b)) if a > 0.0 => (b / a).max(1.0),
        _ => 1.0,
    }
}

/// The errors (actual minus forecast) of `choice` from these `origins` (history
/// lengths) of `series`, up to `leads` steps and no further than the data, each
/// forecast from the one fit of the whole series as `auto` measures them (see
/// `examples/origin_leak.rs` for how far they are from refits for STL's models).
pub fn one_fit_errors(
    series: &RegularSeries,
    choice: ModelChoice,
    periods: &[usize],
    origins: &[usize],
    leads: usize,
) -> Result<Vec<Vec<f64>>> {
    let ets = match choice {
        ModelChoice::Ets(None) => Some(AutoEts::new(super::auto::ets_period(periods)).fit(series)?),
        _ => None,
    };
    let periods = fitting_periods(periods, series.len());
    let context = OriginContext::new(series.values(), &periods, origins, ets.as_ref());
    if !context.supports(choice) {
        return Err(Error::invalid(format!(
            "{choice} cannot be forecast from past origins of one fit"
        )));
    }
    Ok(errors(&context, choice, origins, leads))
}

/// The chosen model's errors from `origins`, up to `horizon` lead times (at
/// most [`MAX_LEADS`]). Where the history has level shifts after the first
/// origin, they come from the history without them (a cleanup is an operator's
/// event, not the metric's noise: kept, it would put its whole size into every
/// future from the first step on).
fn chosen_errors(
    study: &Study<'_>,
    choice: ModelChoice,
    origins: &[usize],
    horizon: usize,
) -> Vec<Vec<f64>> {
    let leads = horizon.clamp(1, MAX_LEADS);
    on_history(study, choice, origins, |c| {
        errors(c, choice, origins, leads)
    })
}

/// `work` on the context the errors from `origins` are measured in: the
/// study's own, or, where the history has level shifts after the first origin,
/// one of the history without them, so that every part of a combination is
/// measured on the same history.
fn on_history<T>(
    study: &Study<'_>,
    choice: ModelChoice,
    origins: &[usize],
    work: impl Fn(&OriginContext<'_>) -> T,
) -> T {
    let first = origins.first().copied().unwrap_or(0);
    let y = study.series.values();
    if !level_shift_positions(y).iter().any(|&t| t + 1 >= first) {
        return work(&study.context);
    }
    let continuous = remove_level_shifts(y);
    let ets = match choice {
        ModelChoice::Ets(None) => RegularSeries::new(
            study.series.name(),
            study.series.start(),
            study.series.step(),
            continuous.clone(),
        )
        .ok()
        .and_then(|s| {
            AutoEts::new(super::auto::ets_period(&study.periods))
                .fit(&s)
                .ok()
        }),
        _ => None,
    };
    work(&OriginContext::new(
        &continuous,
        &study.periods,
        origins,
        ets.as_ref(),
    ))
}

/// A forecast a chosen model is combined with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    /// The chosen forecast itself.
    Chosen,
    /// The chosen forecast without its slope ([`OriginContext::slope_free`]).
    SlopeFree,
    /// Another model.
    Model(ModelChoice),
}

/// The forecasts a chosen model is combined with, and their weights.
struct Mix {
    choice: ModelChoice,
    parts: Vec<Part>,
    /// Per band of lead times ([`lead_band`]), one weight per part.
    weights: Vec<Vec<f64>>,
}

impl Mix {
    /// The weights at lead time `j` (the last band's past the bands measured).
    fn weights_at(&self, j: usize) -> &[f64] {
        let b = lead_band(j).min(self.weights.len().saturating_sub(1));
        self.weights.get(b).map_or(&[], |w| w.as_slice())
    }

    /// The errors of one part from `origins`, up to `leads` steps.
    fn part_errors(
        &self,
        study: &Study<'_>,
        part: Part,
        origins: &[usize],
        leads: usize,
    ) -> Vec<Vec<f64>> {
        match part {
            Part::Chosen => chosen_errors(study, self.choice, origins, leads),
            Part::SlopeFree => on_history(study, self.choice, origins, |c| {
                slope_free_errors(c, self.choice, origins, leads.clamp(1, MAX_LEADS))
            }),
            Part::Model(m) => chosen_errors(study, m, origins, leads),
        }
    }

    /// The combination's errors from `origins`, up to `leads` steps.
    fn errors(&self, study: &Study<'_>, origins: &[usize], leads: usize) -> Vec<Vec<f64>> {
        let used: Vec<Option<Vec<Vec<f64>>>> = self
            .parts
            .iter()
            .enumerate()
            .map(|(k, &part)| {
                (k == 0 || self.weights.iter().any(|w| w[k] > 0.0))
                    .then(|| self.part_errors(study, part, origins, leads))
            })
            .collect();
        let Some(Some(own)) = used.first() else {
            return Vec::new();
        };
        own.iter()
            .enumerate()
            .map(|(i, t)| {
                t.iter()
                    .enumerate()
                    .map(|(j, e)| {
                        let w = self.weights_at(j);
                        used.iter()
                            .zip(w)
                            .map(|(part, w)| {
                                let v = part
                                    .as_ref()
                                    .and_then(|p| p.get(i).and_then(|t| t.get(j)).copied())
                                    .unwrap_or(*e);
                                w * v
                            })
                            .sum()
                    })
                    .collect()
            })
            .collect()
    }
}

/// A trend earns its slope, and a model its place: the chosen forecast is
/// combined with the same forecast without its slope ([`OriginContext::slope_free`]:
/// its level held, its cycles kept), with the last value (plus its cycles for a
/// cycles model) and with the last cycle repeated (the seasonal naive of the
/// longest period), weighted per band of lead times by how each did from the
/// recent origins over the question's `step` lead times
/// ([`combination_weights_by_lead`]): the forecast best an hour ahead is not
/// always the one best a week ahead. A flat or cyclic history whose model
/// projected a slope that never came gets the flat or cyclic answer; a real
/// climb keeps its slope.
fn combine(
    study: &Study<'_>,
    choice: ModelChoice,
    model: Box<dyn FittedModel>,
    origins: &[usize],
    step: usize,
    horizon: usize,
) -> (Box<dyn FittedModel>, Mix) {
    let series = study.series;
    let mut parts = vec![Part::Chosen];
    let mut members: Vec<Box<dyn FittedModel>> = Vec::new();
    let held = match (
        model.predict(2, &[]),
        study.context.cycles_forecaster(choice, series),
    ) {
        (Ok(_), Some(c)) => {
            let (level, cycles) = c.level_and_cycles();
            Some(Held::new(Origin::of(series), level, cycles.to_vec()))
        }
        (Ok(f), None) if !matches!(choice, ModelChoice::Naive | ModelChoice::SeasonalNaive(_)) => {
            Some(Held::new(
                Origin::of(series),
                2.0 * f.point[0] - f.point[1],
                Vec::new(),
            ))
        }
        _ => None,
    };
    members.push(model);
    if let Some(h) = held {
        parts.push(Part::SlopeFree);
        members.push(Box::new(h));
    }
    let last = match choice {
        ModelChoice::Cycles(_) => ModelChoice::Cycles(AdjustedModel::Naive),
        _ => ModelChoice::Naive,
    };
    let cycle = study
        .periods
        .last()
        .map(|&p| ModelChoice::SeasonalNaive(Some(p)));
    for other in [Some(last), cycle].into_iter().flatten() {
        if other == choice || parts.contains(&Part::Model(other)) {
            continue;
        }
        let fit = match other {
            ModelChoice::Cycles(_) => study
                .context
                .cycles_forecaster(other, series)
                .map(|m| Box::new(m) as Box<dyn FittedModel>),
            _ => other
                .fit(series, &study.periods, &StlOptions::default(), horizon)
                .ok(),
        };
        if let Some(fit) = fit {
            parts.push(Part::Model(other));
            members.push(fit);
        }
    }
    let mut mix = Mix {
        choice,
        parts,
        weights: Vec::new(),
    };
    // The weights are measured on the recent origins, whose histories are
    // nearly as long as the one the forecast is made from: a slope fitted on
    // a quarter of the history is a guess at the first origins and a
    // measurement at the last.
    let records: Vec<Vec<Vec<f64>>> = mix
        .parts
        .iter()
        .map(|&p| mix.part_errors(study, p, origins, step))
        .collect();
    let views: Vec<&[Vec<f64>]> = records.iter().map(|r| r.as_slice()).collect();
    mix.weights = combination_weights_by_lead(&views);
    let combination = Combination::new(members, mix.weights.clone());
    (Box::new(combination), mix)
}

/// Why a fitted model's forecast is a defect whatever it scored: its first step
/// leaves the range of the last two cycles (ten values without a period) by
/// more than half that range (a seasonal naive over a stretch of zeros, a cycle
/// that outgrew the level); `None` when it stays near.
pub(crate) fn leaves_the_range(
    model: &dyn FittedModel,
    y: &[f64],
    periods: &[usize],
) -> Option<String> {
    let recent = (2 * periods.iter().copied().max().unwrap_or(1))
        .max(10)
        .min(y.len());
    let (lo, hi) = y[y.len() - recent..]
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let first = model.predict(1, &[]).ok()?.point[0];
    let margin = 0.5 * (hi - lo);
    (first < lo - margin || first > hi + margin).then(|| {
        format!(
            "its first step ({}) leaves the range of the last {recent} values ({} to {}) by \
             more than half of it",
            crate::units::si(first),
            crate::units::si(lo),
            crate::units::si(hi)
        )
    })
}

/// A cycles model ([`ModelChoice::Cycles`]) fitted to `series`, with futures of
/// its own errors from past origins where the history has enough of them.
pub(crate) fn fit_cycles(
    series: &RegularSeries,
    periods: &[usize],
    adjusted: AdjustedModel,
    horizon: usize,
) -> Result<Box<dyn FittedModel>> {
    let choice = ModelChoice::Cycles(adjusted);
    let study = Study::new(series, periods, None);
    let model: Box<dyn FittedModel> = Box::new(
        study
            .context
            .cycles_forecaster(choice, series)
            .ok_or_else(|| Error::series(series.name(), "the cycles model could not be fitted"))?,
    );
    let n = series.len();
    let step = validation_horizon(horizon, n, &study.periods);
    let recent = study.recent(step);
    let trajectories = chosen_errors(&study, choice, &recent, horizon);
    let span = recent.last().zip(recent.first()).map_or(0, |(l, f)| l - f);
    let question = step.max(horizon.min(n));
    let model = match Empirical::new(model, trajectories, question, span) {
        Some(m) => Box::new(m) as Box<dyn FittedModel>,
        None => Box::new(
            study
                .context
                .cycles_forecaster(choice, series)
                .ok_or_else(|| {
                    Error::series(series.name(), "the cycles model could not be fitted")
                })?,
        ),
    };
    Ok(model)
}
