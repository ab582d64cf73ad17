//! Rolling-origin backtests: cut the history at several origins, fit on what came
//! before each, forecast the stretch after it, and score the forecast
//! ([`backtest`]) or the saturation answer ([`backtest_saturation`]).
//!
//! The origins are `spacing` steps apart (by default one horizon, so the stretches
//! assessed follow each other without overlapping), the last one a horizon before
//! the end of the series. A spacing shorter than the horizon fits more origins
//! into the same history; their stretches then overlap, and so do their outcomes.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::metrics::{mase_scale, Scores};
use super::saturation::{SaturationOutcome, SaturationScores, DEFAULT_BINS};
use crate::capacity::CapacityRule;
use crate::decompose::{period, StlOptions};
use crate::error::{Error, Result};
use crate::forecast::{bound_forecast, Bounds, Forecast, ModelChoice, DEFAULT_LEVELS};
use crate::pipeline::{ForecastSettings, Prepared};
use crate::saturation::{Direction, Questions, Saturation, Status};
use crate::scenario::Scenarios;
use crate::series::RegularSeries;
use crate::units::Span;

/// How to backtest. Defaults: 48 steps, 3 windows a horizon apart, levels 80 and
/// 95, no season.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestSettings {
    /// Steps forecast from each origin.
    pub horizon: usize,
    /// Number of origins: the last `windows` stretches of `horizon` steps.
    pub windows: usize,
    /// Steps between consecutive origins (`None`: the horizon).
    #[serde(default)]
    pub spacing: Option<usize>,
    /// Interval levels in percent.
    pub levels: Vec<f64>,
    /// Seasonal periods given to the models; the shortest also scales MASE and
    /// MSIS (1 when there is none), as M4 scales by the data's frequency.
    pub periods: Vec<usize>,
    /// STL settings for the models that decompose.
    pub stl: StlOptions,
    /// The values the metric can take, resolved on each origin's history (as the
    /// `forecast` command resolves them on the whole), so the scores are those of
    /// the forecasts it answers (default: inferred).
    #[serde(default)]
    pub bounds: Bounds,
}

impl Default for BacktestSettings {
    fn default() -> Self {
        BacktestSettings {
            horizon: 48,
            windows: 3,
            spacing: None,
            levels: DEFAULT_LEVELS.to_vec(),
            periods: Vec::new(),
            stl: StlOptions::default(),
            bounds: Bounds::Infer,
        }
    }
}

/// One origin of a backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Number of steps of history the model was fitted on.
    pub origin: usize,
    /// The forecast made from that origin.
    pub forecast: Forecast,
    /// What happened.
    pub actual: Vec<f64>,
    /// The forecast's scores.
    pub scores: Scores,
}

/// The backtest of one model on one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The series.
    pub series: String,
    /// The model as requested (`auto` may choose a different model per window).
    pub model: ModelChoice,
    /// Every origin, oldest first.
    pub windows: Vec<Window>,
    /// The mean of the windows' scores.
    pub scores: Scores,
}

/// The origins (steps of history before each) of `windows` stretches of `horizon`
/// steps, `spacing` apart, the last ending at the end of `n` steps, oldest first;
/// origins that would leave fewer than `min_history` steps of history are dropped.
fn origins(
    n: usize,
    horizon: usize,
    windows: usize,
    spacing: usize,
    min_history: usize,
) -> Vec<usize> {
    let Some(last) = n.checked_sub(horizon) else {
        return Vec::new();
    };
    let mut found: Vec<usize> = (0..windows)
        .map_while(|i| last.checked_sub(i * spacing))
        .filter(|&o| o >= min_history)
        .collect();
    found.reverse();
    found
}

fn check_shape(horizon: usize, windows: usize, spacing: usize) -> Result<()> {
    if horizon == 0 || windows == 0 || spacing == 0 {
        return Err(Error::invalid(
            "a backtest needs a horizon, at least one window and a spacing of at least one step",
        ));
    }
    Ok(())
}

/// Backtest `choice` on `series` over `settings.windows` stretches of
/// `settings.horizon` steps, `settings.spacing` apart, the last ending at the last
/// observation. Every window must fit after at least two steps of history.
pub fn backtest(
    series: &RegularSeries,
    choice: ModelChoice,
    settings: &BacktestSettings,
) -> Result<Backtest> {
    let (h, k, n) = (settings.horizon, settings.windows, series.len());
    let spacing = settings.spacing.unwrap_or(h);
    check_shape(h, k, spacing)?;
    let starts = origins(n, h, k, spacing, 2);
    if starts.len() < k {
        return Err(Error::series(
            series.name(),
            format!(
                "{n} points cannot hold {k} backtest window(s) of {h} steps, {spacing} apart, after a history"
            ),
        ));
    }
    let scale_period = settings.periods.iter().copied().min().unwrap_or(1);
    let mut windows = Vec::with_capacity(k);
    for origin in starts {
        let history = series.head(origin)?;
        let scale = mase_scale(history.values(), scale_period).ok_or_else(|| {
            Error::series(
                series.name(),
                format!("the history before step {origin} never changes over a season; scaled errors are undefined"),
            )
        })?;
        let mut forecast = choice
            .fit(&history, &settings.periods, &settings.stl, h)?
            .predict(h, &settings.levels)?;
        bound_forecast(
            &mut forecast,
            settings.bounds.resolve(series.name(), history.values()),
        );
        let actual = series.values()[origin..origin + h].to_vec();
        let scores = Scores::of(&forecast, &actual, scale)?;
        windows.push(Window {
            origin,
            forecast,
            actual,
            scores,
        });
    }
    let scores = Scores::mean(&windows.iter().map(|w| w.scores.clone()).collect::<Vec<_>>());
    Ok(Backtest {
        series: series.name().to_string(),
        model: choice,
        windows,
        scores,
    })
}

/// How to backtest a saturation answer. Defaults: 48 steps, 3 windows a horizon
/// apart, up, the forecast settings of the `saturation` command, ten reliability
/// bins.
#[derive(Clone, Debug)]
pub struct SaturationBacktestSettings {
    /// Steps assessed after each origin (the saturation horizon).
    pub horizon: usize,
    /// Number of origins asked for.
    pub windows: usize,
    /// Steps between consecutive origins (`None`: the horizon).
    pub spacing: Option<usize>,
    /// Up to a ceiling or down to a floor.
    pub direction: Direction,
    /// Model, levels, intervals, paths and seed, as the `saturation` command takes
    /// them; the horizon is replaced by `horizon`.
    pub forecast: ForecastSettings,
    /// Bins of the reliability table.
    pub bins: usize,
}

impl Default for SaturationBacktestSettings {
    fn default() -> Self {
        SaturationBacktestSettings {
            horizon: 48,
            windows: 3,
            spacing: None,
            direction: Direction::Up,
            forecast: ForecastSettings::default(),
            bins: DEFAULT_BINS,
        }
    }
}

/// One origin of a saturation backtest: what was said and what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaturationCase {
    /// Steps of history before the origin.
    pub origin: usize,
    /// The assessment made at the origin, as `headroom saturation` would have
    /// written it on the history up to there.
    pub assessment: Saturation,
    /// When the series actually reached capacity, if within the horizon.
    pub actual_at: Option<DateTime<Utc>>,
    /// The same as steps after the origin, with the probability.
    pub outcome: SaturationOutcome,
    /// False when the last value before the origin was already at capacity: the
    /// question was answered before it was asked, so it is not scored.
    pub scored: bool,
}

/// The saturation backtest of one model on one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaturationBacktest {
    /// The series.
    pub series: String,
    /// The model as requested.
    pub model: ModelChoice,
    /// Steps assessed after each origin.
    pub horizon: usize,
    /// Every origin, oldest first.
    pub cases: Vec<SaturationCase>,
    /// The scores of the scored origins.
    pub scores: SaturationScores,
}

impl SaturationBacktest {
    /// The outcomes of the scored origins.
    pub fn outcomes(&self) -> impl Iterator<Item = &SaturationOutcome> {
        self.cases.iter().filter(|c| c.scored).map(|c| &c.outcome)
    }
}

/// The scores of every scored origin of several backtests, pooled (each origin
/// counts once, whichever series it belongs to).
pub fn pooled_scores(backtests: &[SaturationBacktest], bins: usize) -> Result<SaturationScores> {
    let all: Vec<SaturationOutcome> = backtests
        .iter()
        .flat_map(|b| b.outcomes().cloned())
        .collect();
    SaturationScores::of(&all, bins)
}

/// Backtest the saturation answer on a prepared series: at each origin, cut the
/// history, assess it against the capacity `rule` gives as the `saturation` command
/// would (same model, paths and seed; periods detected again on the cut history
/// when they were detected), and compare with whether and when the following
/// `settings.horizon` steps reached capacity.
///
/// Origins that would leave less than two seasons of history (and less than three
/// steps) are dropped, so a short series gets fewer origins than asked for; a
/// series too short for one is an error naming it.
pub fn backtest_saturation(
    prepared: &Prepared,
    rule: CapacityRule,
    settings: &SaturationBacktestSettings,
) -> Result<SaturationBacktest> {
    let s = &prepared.series;
    let (h, k, n) = (settings.horizon, settings.windows, s.len());
    let spacing = settings.spacing.unwrap_or(h);
    check_shape(h, k, spacing)?;
    if settings.bins == 0 {
        return Err(Error::invalid("a reliability table needs at least one bin"));
    }
    // Two seasons: the least from which a seasonal component can be estimated.
    let min_history = (2 * prepared.periods.iter().copied().max().unwrap_or(0)).max(3);
    let starts = origins(n, h, k, spacing, min_history);
    if starts.is_empty() {
        return Err(Error::TooShort {
            series: Some(s.name().to_string()),
            message: format!(
                "{n} points are too short for one backtest origin: a horizon of {h} steps after at least {min_history} steps of history"
            ),
        });
    }
    let cases = starts
        .par_iter()
        .map(|&origin| saturation_case(prepared, origin, rule, settings))
        .collect::<Result<Vec<SaturationCase>>>()?;
    let scored: Vec<SaturationOutcome> = cases
        .iter()
        .filter(|c| c.scored)
        .map(|c| c.outcome.clone())
        .collect();
    if scored.is_empty() {
        return Err(Error::series(
            s.name(),
            "the series is already at capacity at every backtest origin; there is nothing to score",
        ));
    }
    Ok(SaturationBacktest {
        series: s.name().to_string(),
        model: settings.forecast.model,
        horizon: h,
        scores: SaturationScores::of(&scored, settings.bins)?,
        cases,
    })
}

/// Assess the history before `origin` and compare with what followed.
fn saturation_case(
    prepared: &Prepared,
    origin: usize,
    rule: CapacityRule,
    settings: &SaturationBacktestSettings,
) -> Result<SaturationCase> {
    let s = &prepared.series;
    let h = settings.horizon;
    let at_origin = |e: Error| {
        let message = e.reason();
        Error::series(
            s.name(),
            format!(
                "backtest origin after {} ({origin} steps of history): {message}",
                crate::output::format_time(s.timestamp(origin - 1))
            ),
        )
    };
    let history = s.head(origin)?;
    let periods = if prepared.detected {
        period::periods(&history)
    } else {
        prepared.periods.clone()
    };
    let future = &s.values()[origin..origin + h];
    let capacity = rule.at(history.values(), future, settings.direction);
    let cut = Prepared::new(history, prepared.report.clone(), periods, prepared.detected);
    let forecast_settings = ForecastSettings {
        horizon: Some(Span::Steps(h)),
        ..settings.forecast.clone()
    };
    let (_, row) = crate::query::assess(
        &cut,
        &forecast_settings,
        capacity,
        settings.direction,
        &Questions::default(),
        &Scenarios::default(),
    )
    .map_err(at_origin)?;
    // Holes (closed hours, long gaps) hold no outcome.
    let actual = s
        .observed(origin, h)
        .iter()
        .position(|&v| settings.direction.reaches(v, capacity));
    // Steps counted on the series' clock: a series with opening hours is
    // forecast on its open steps only, so the forecast's own rows skip some.
    let clock: Vec<DateTime<Utc>> = (origin..origin + h).map(|i| s.timestamp(i)).collect();
    let step = |t: Option<DateTime<Utc>>| t.and_then(|t| clock.binary_search(&t).ok());
    let outcome = SaturationOutcome {
        probability: row.probability,
        actual,
        point: step(row.saturation_at),
        p10: step(row.p10_at),
        p90: step(row.p90_at),
        earliest: step(row.earliest_at),
        latest: step(row.latest_at),
        horizon: h,
        step_seconds: s.step().nominal_seconds(),
    };
    Ok(SaturationCase {
        origin,
        scored: row.status != Status::Saturated,
        actual_at: actual.map(|a| s.timestamp(origin + a)),
        assessment: row,
        outcome,
    })
}

/// The models a backtest scores: those requested (`auto` when none), with the
/// seasonal naive baseline added when it is not among them.
pub fn backtest_models(requested: &[ModelChoice]) -> Vec<ModelChoice> {
    let mut models = if requested.is_empty() {
        vec![ModelChoice::Auto]
    } else {
        requested.to_vec()
    };
    if !models
        .iter()
        .any(|m| matches!(m, ModelChoice::SeasonalNaive(_)))
    {
        models.push(ModelChoice::SeasonalNaive(None));
    }
    models
}

/// Backtest every model on a prepared series over `windows` stretches of
/// `horizon`, `every` apart (default: one horizon), its forecasts kept inside
/// `bounds`; each model succeeds or fails alone.
pub fn backtest_prepared(
    prepared: &Prepared,
    models: &[ModelChoice],
    horizon: Span,
    windows: usize,
    levels: &[f64],
    every: Option<Span>,
    bounds: Bounds,
) -> Vec<Result<Backtest>> {
    let s = &prepared.series;
    let settings = BacktestSettings {
        horizon: horizon.steps_ceil(s.step()),
        windows,
        spacing: every.map(|e| e.steps_ceil(s.step()).max(1)),
        levels: levels.to_vec(),
        periods: prepared.periods.clone(),
        stl: StlOptions::default(),
        bounds,
    };
    models
        .iter()
        .map(|&m| backtest(s, m, &settings).map_err(|e| e.in_series(s.name())))
        .collect()
}

/// Each model's scores averaged over the series it was scored on.
pub fn overall_scores(rows: &[Backtest], models: &[ModelChoice]) -> Vec<(ModelChoice, Scores)> {
    models
        .iter()
        .map(|m| {
            let scores: Vec<Scores> = rows
                .iter()
                .filter(|b| b.model == *m)
                .map(|b| b.scores.clone())
                .collect();
            (*m, Scores::mean(&scores))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn seasonal_naive_is_perfect_on_a_pure_cycle() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..120).map(|t| 10.0 + (t % 12) as f64).collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let settings = BacktestSettings {
            horizon: 12,
            windows: 3,
            periods: vec![12],
            ..Default::default()
        };
        // The scale is 0 on a pure cycle: scaled errors are undefined.
        assert!(backtest(&s, ModelChoice::SeasonalNaive(None), &settings).is_err());
        let y: Vec<f64> = (0..120)
            .map(|t| 10.0 + (t % 12) as f64 + t as f64)
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let b = backtest(&s, ModelChoice::SeasonalNaive(None), &settings).unwrap();
        assert_eq!(b.windows.len(), 3);
        assert_eq!(b.windows[0].origin, 84);
        // Seasonal naive misses the growth of 12 per season by exactly the scale.
        assert!((b.scores.mase - 1.0).abs() < 1e-12);
    }

    #[test]
    fn forecasts_scored_inside_the_bounds() {
        // A count near zero: naive's intervals reach below it unless bounded.
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..120).map(|t| ((t * 7) % 5) as f64).collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let lowest = |bounds: Bounds| {
            let settings = BacktestSettings {
                horizon: 12,
                windows: 3,
                bounds,
                ..Default::default()
            };
            let b = backtest(&s, ModelChoice::Naive, &settings).unwrap();
            b.windows
                .iter()
                .flat_map(|w| w.forecast.intervals.iter().flat_map(|i| i.lower.clone()))
                .fold(f64::INFINITY, f64::min)
        };
        assert!(lowest(Bounds::None) < 0.0);
        assert_eq!(lowest(Bounds::Infer), 0.0);
    }

    #[test]
    fn too_short_for_the_windows() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = RegularSeries::new("s", start, Step::seconds(60), vec![1.0; 20]).unwrap();
        let settings = BacktestSettings {
            horizon: 10,
            windows: 2,
            ..Default::default()
        };
        assert!(backtest(&s, ModelChoice::Naive, &settings).is_err());
    }
    #[test]
    fn origins_are_spaced_back_from_the_end() {
        assert_eq!(origins(100, 10, 3, 10, 2), [70, 80, 90]);
        // Closer origins fit more into the same history.
        assert_eq!(origins(100, 10, 3, 5, 2), [80, 85, 90]);
        // Those leaving too little history are dropped.
        assert_eq!(origins(25, 10, 3, 10, 3), [5, 15]);
        assert!(origins(12, 10, 3, 10, 3).is_empty());
        assert!(origins(8, 10, 1, 10, 0).is_empty());
    }

    fn climb(n: usize) -> Prepared {
        use crate::series::{RegularisationReport, Series, Step};
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        // A line rising 1 a step with a small wiggle: the future is all but known.
        let y: Vec<f64> = (0..n)
            .map(|t| t as f64 + 0.01 * (t as f64 * 1.7).sin())
            .collect();
        let series = RegularSeries::new("climb", start, Step::seconds(3600), y).unwrap();
        let raw = Series::new(
            "climb",
            (0..n).map(|i| series.timestamp(i)).collect(),
            series.values().to_vec(),
        )
        .unwrap();
        let (_, report): (RegularSeries, RegularisationReport) =
            raw.regularise(&Default::default()).unwrap();
        Prepared::new(series, report, Vec::new(), false)
    }

    fn climb_settings() -> SaturationBacktestSettings {
        SaturationBacktestSettings {
            horizon: 20,
            windows: 10,
            spacing: Some(5),
            forecast: ForecastSettings {
                model: ModelChoice::Drift,
                paths: 400,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn saturation_backtest_of_a_steady_climb() {
        // Origins 235, 240, ..., 280 on 300 steps; capacity 274.5 (between steps, so the wiggle cannot decide). The last four
        // scored origins cross (at steps 15, 10, 5 and 0), the five before do not
        // (the nearest misses by one), and at 280 the series is already there.
        let b = backtest_saturation(&climb(300), CapacityRule::Fixed(274.5), &climb_settings())
            .unwrap();
        let origins: Vec<usize> = b.cases.iter().map(|c| c.origin).collect();
        assert_eq!(origins, (235..=280).step_by(5).collect::<Vec<_>>());
        let actual: Vec<Option<usize>> = b.cases.iter().map(|c| c.outcome.actual).collect();
        let mut expected = vec![None; 5];
        expected.extend([Some(15), Some(10), Some(5), Some(0), Some(0)]);
        assert_eq!(actual, expected);
        assert!(!b.cases[9].scored && b.cases[..9].iter().all(|c| c.scored));
        assert_eq!(
            b.cases[5].actual_at,
            Some(
                Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + chrono::TimeDelta::hours(275)
            )
        );
        let s = &b.scores;
        assert_eq!((s.cases, s.crossings), (9, 4));
        assert!(s.brier < 0.01, "{s:?}");
        assert_eq!(s.auc, Some(1.0));
        assert_eq!(s.hit_rate, Some(1.0));
        assert_eq!(s.false_alarm_rate, Some(0.0));
        assert_eq!(s.p10_p90_coverage, Some(1.0));
        assert_eq!(s.date_mae, Some(0.0));
        // Pooling one backtest gives its own scores.
        let pooled = pooled_scores(std::slice::from_ref(&b), DEFAULT_BINS).unwrap();
        assert_eq!(
            (pooled.cases, pooled.brier, pooled.auc),
            (9, s.brier, s.auc)
        );
    }

    #[test]
    fn saturation_backtest_errors_name_the_series() {
        let settings = climb_settings();
        let e = backtest_saturation(&climb(22), CapacityRule::Fixed(275.0), &settings)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("climb") && e.contains("too short for one backtest origin"),
            "{e}"
        );
        // Already at capacity everywhere: nothing to score.
        let e = backtest_saturation(&climb(300), CapacityRule::Fixed(-1.0), &settings)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("climb") && e.contains("already at capacity"),
            "{e}"
        );
        let zero = SaturationBacktestSettings {
            windows: 0,
            ..climb_settings()
        };
        assert!(backtest_saturation(&climb(300), CapacityRule::Fixed(275.0), &zero).is_err());
    }
}
