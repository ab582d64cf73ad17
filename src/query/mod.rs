//! The saturation question, asked in one place: *when does this series reach its
//! limit, and how sure are we?*
//!
//! A [`SaturationQuery`] holds everything the question says (the capacity, the
//! direction, the horizon, the `by` date, the capacity needed until a date at a
//! risk, what-if scenarios, bounds, the self-check and the forecast settings). It
//! is built and checked once ([`QueryBuilder::build`]) and then answered for one
//! series ([`SaturationQuery::answer`]) or many, each failing alone
//! ([`SaturationQuery::answer_all`], [`SaturationQuery::answer_iter`]). The
//! command line, the chart, the report, the exporter and the Python package all
//! build a query and render its [`Answer`]; none of them strings the steps
//! together itself.
//!
//! ```
//! use headroom::capacity::Capacities;
//! use headroom::ingest::{read_bytes, ReadOptions};
//! use headroom::query::SaturationQuery;
//! use headroom::saturation::Status;
//!
//! // Four weeks of hourly disk usage growing 1 GB a day.
//! let mut csv = String::from("series,timestamp,value\n");
//! for h in 0..24 * 28 {
//!     let t = 1_700_000_000 + h * 3600;
//!     csv += &format!("db-01,{t},{}\n", 400e9 + 1e9 * h as f64 / 24.0);
//! }
//! let read = read_bytes("disk.csv", "disk", csv.as_bytes(), &ReadOptions::default())?;
//! let query = SaturationQuery::builder("440G".parse::<Capacities>()?)
//!     .horizon(Some("30d".parse()?))
//!     .build()?;
//! let prepared = query.prepare(&read.series[0])?;
//! let answer = query.answer(&prepared)?;
//! assert_eq!(answer.row.status, Status::Crossing);
//! # Ok::<(), headroom::Error>(())
//! ```

mod answer;
mod self_check;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::capacity::{Capacities, CapacityRule};
use crate::error::{Error, Result};
use crate::forecast::{bound_forecast, Bounds, Forecast, ModelChoice};
use crate::pipeline::{bounds_of, fit, prepare, ForecastSettings, Prepared};
use crate::saturation::{check_risk, Deadline, Direction, Questions, Saturation};
use crate::scenario::Scenarios;
use crate::series::{RegularSeries, RegulariseOptions, Series};
use crate::units::Span;

pub(crate) use answer::assess;

/// The risk accepted with `need_until` by default: one in twenty.
pub const DEFAULT_RISK: f64 = 0.05;

/// Series answered together by [`SaturationQuery::answer_iter`]: enough to keep
/// every core busy, few enough that a chunk of long series stays small.
const CHUNK: usize = 256;

/// The saturation question, checked: build it with [`SaturationQuery::builder`].
#[derive(Clone, Debug)]
pub struct SaturationQuery {
    capacities: Capacities,
    direction: Direction,
    by: Option<Deadline>,
    need_until: Option<Deadline>,
    risk: f64,
    scenarios: Scenarios,
    self_check: bool,
    /// Without a `need_until` date, the capacity needed is until the end of
    /// the horizon (the report's column).
    needed_at_horizon: bool,
    seasons: Vec<Span>,
    regularise: RegulariseOptions,
    settings: ForecastSettings,
}

/// The options of a [`SaturationQuery`], each with its default, checked together
/// by [`build`](Self::build).
#[derive(Clone, Debug)]
#[must_use]
pub struct QueryBuilder {
    query: SaturationQuery,
}

/// One series' answer.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Answer {
    /// Its row of the saturation table.
    pub row: Saturation,
    /// The forecast (under the scenarios, when there are any).
    pub forecast: Forecast,
    /// The `by` date of the question, resolved for this series (a span counts
    /// from its own last observation).
    pub by: Option<DateTime<Utc>>,
    /// The capacity a chart with one capacity line draws: with a planned
    /// capacity change, the one in force at the crossing.
    pub capacity_drawn: f64,
}

impl Answer {
    /// The row as a chart with one capacity line draws it ([`Answer::capacity_drawn`]).
    pub fn drawn(&self) -> Saturation {
        Saturation {
            capacity: self.capacity_drawn,
            ..self.row.clone()
        }
    }
}

impl SaturationQuery {
    /// A question about `capacities`, with every other option at its default:
    /// up to a ceiling, as far ahead as each history reaches back, the automatic
    /// model, 80 and 95 % intervals, 2,000 paths, bounds inferred, no scenario, no
    /// self-check, seasons detected, gaps interpolated.
    pub fn builder(capacities: impl Into<Capacities>) -> QueryBuilder {
        QueryBuilder {
            query: SaturationQuery {
                capacities: capacities.into(),
                direction: Direction::Up,
                by: None,
                need_until: None,
                risk: DEFAULT_RISK,
                scenarios: Scenarios::default(),
                self_check: false,
                needed_at_horizon: false,
                seasons: Vec::new(),
                regularise: RegulariseOptions::default(),
                settings: ForecastSettings::default(),
            },
        }
    }

    /// The plain question, checked: one fixed `capacity` for every series, a
    /// direction, and these forecast settings (their horizon included).
    pub fn fixed(
        capacity: f64,
        direction: Direction,
        settings: ForecastSettings,
    ) -> Result<SaturationQuery> {
        SaturationQuery::builder(Capacities::fixed(capacity))
            .direction(direction)
            .settings(settings)
            .build()
    }

    /// A builder holding this query's options, to change some of them.
    pub fn to_builder(&self) -> QueryBuilder {
        QueryBuilder {
            query: self.clone(),
        }
    }

    /// This question, also asking the capacity needed until the end of the
    /// horizon where no `need_until` date is given.
    pub fn needing_capacity_at_horizon(mut self) -> Self {
        self.needed_at_horizon = true;
        self
    }

    /// Each series' capacity.
    pub fn capacities(&self) -> &Capacities {
        &self.capacities
    }

    /// Up to a ceiling or down to a floor.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// How far ahead (`None`: as far as each history reaches back).
    pub fn horizon(&self) -> Option<Span> {
        self.settings.horizon
    }

    /// The date the probability `by` is asked for.
    pub fn by(&self) -> Option<Deadline> {
        self.by
    }

    /// The date the capacity needed is asked until.
    pub fn need_until(&self) -> Option<Deadline> {
        self.need_until
    }

    /// The risk accepted for the capacity needed.
    pub fn risk(&self) -> f64 {
        self.risk
    }

    /// The what-if scenarios.
    pub fn scenarios(&self) -> &Scenarios {
        &self.scenarios
    }

    /// Whether each answer is also scored on its own history.
    pub fn self_check(&self) -> bool {
        self.self_check
    }

    /// The model, levels, paths, seed and bounds.
    pub fn settings(&self) -> &ForecastSettings {
        &self.settings
    }

    /// Regularise a raw series and settle its seasonal periods, as the question
    /// asks (its seasons, its gap policy).
    pub fn prepare(&self, raw: &Series) -> Result<Prepared> {
        prepare(raw, &self.regularise, &self.seasons)
    }

    /// The question's dates for one series: spans count from its last
    /// observation; a date before it is an error.
    fn questions(&self, s: &RegularSeries) -> Result<Questions> {
        let (last, step) = (s.last_timestamp(), s.step());
        let horizon = self.settings.horizon.unwrap_or(Span::Steps(s.len()));
        let need_until = match self.need_until {
            None if self.needed_at_horizon => Some(Deadline::After(horizon)),
            d => d,
        };
        Ok(Questions {
            by: self.by.map(|d| d.resolve(last, step)).transpose()?,
            need_until: match need_until {
                Some(d) => Some((d.resolve(last, step)?, self.risk)),
                None => None,
            },
        })
    }

    /// Check that the scenarios fit a series (no date before its history
    /// ends, no planned capacity its last value has reached): an
    /// [`Error::InvalidArgument`] naming the scenario and the series, which
    /// makes the whole question wrong rather than the series bad.
    pub fn check_series(&self, s: &RegularSeries) -> Result<()> {
        self.scenarios
            .check(s.name(), s.last_timestamp(), s.last_value(), self.direction)
    }

    /// Answer the question for one prepared series. A scenario that does not
    /// fit it is an [`Error::InvalidArgument`] (the question is wrong); anything
    /// else names the series.
    pub fn answer(&self, p: &Prepared) -> Result<Answer> {
        let s = &p.series;
        self.check_series(s)?;
        let name = s.name();
        let capacity = self.capacities.of(name, s.values(), self.direction)?;
        let questions = self.questions(s).map_err(|e| e.in_series(name))?;
        let (forecast, mut row) = assess(
            p,
            &self.settings,
            capacity,
            self.direction,
            &questions,
            &self.scenarios,
        )?;
        if self.self_check {
            // A self-check that cannot be done leaves the row unscored, never
            // fails the answer.
            row.self_check = self_check::self_check(
                p,
                capacity,
                self.direction,
                forecast.horizon(),
                &forecast.model,
                &self.settings,
            )
            .ok()
            .flatten();
        }
        let capacity_drawn = self.scenarios.drawn(&row).capacity;
        Ok(Answer {
            row,
            forecast,
            by: questions.by,
            capacity_drawn,
        })
    }

    /// Answer every prepared series in parallel, in their order, each
    /// succeeding or failing alone.
    pub fn answer_all(&self, prepared: &[Prepared]) -> Vec<Result<Answer>> {
        prepared.par_iter().map(|p| self.answer(p)).collect()
    }

    /// Prepare and answer raw series as they come, a chunk at a time in
    /// parallel, in their order: memory holds one chunk, however many series
    /// the iterator yields. Each item is the series' name and its answer (or
    /// why it has none).
    pub fn answer_iter<'a, I>(
        &'a self,
        series: I,
    ) -> impl Iterator<Item = (String, Result<Answer>)> + 'a
    where
        I: IntoIterator<Item = Series> + 'a,
    {
        let mut input = series.into_iter();
        std::iter::from_fn(move || {
            let chunk: Vec<Series> = input.by_ref().take(CHUNK).collect();
            (!chunk.is_empty()).then(|| {
                chunk
                    .par_iter()
                    .map(|s| {
                        let answer = self.prepare(s).and_then(|p| self.answer(&p));
                        (s.name().to_string(), answer)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .flatten()
    }
}

/// The forecast of a prepared series under what-if scenarios (the chart of a
/// forecast without a capacity): the scenarios' changes of the metric applied
/// to the point and every bound, inside the metric's bounds.
pub fn forecast_under(
    prepared: &Prepared,
    settings: &ForecastSettings,
    scenarios: &Scenarios,
) -> Result<Forecast> {
    let (model, horizon) = fit(prepared, settings, 0, None)?;
    let s = &prepared.series;
    let mut f = model
        .predict(horizon, &settings.levels)
        .map_err(|e| e.in_series(s.name()))?;
    bound_forecast(&mut f, bounds_of(prepared, settings));
    scenarios.apply_forecast(&mut f, s.last_timestamp(), s.last_value());
    Ok(f)
}

impl QueryBuilder {
    /// Up to a ceiling (default) or down to a floor.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.query.direction = direction;
        self
    }

    /// How far ahead (default `None`: as far as each history reaches back).
    pub fn horizon(mut self, horizon: Option<Span>) -> Self {
        self.query.settings.horizon = horizon;
        self
    }

    /// Also the probability of reaching capacity by this date (default none).
    pub fn by(mut self, by: Option<Deadline>) -> Self {
        self.query.by = by;
        self
    }

    /// Also the capacity needed until this date (default none), at the risk
    /// [`risk`](Self::risk).
    pub fn need_until(mut self, need_until: Option<Deadline>) -> Self {
        self.query.need_until = need_until;
        self
    }

    /// The risk accepted for the capacity needed (default [`DEFAULT_RISK`]),
    /// strictly between 0 and 1.
    pub fn risk(mut self, risk: f64) -> Self {
        self.query.risk = risk;
        self
    }

    /// What-if scenarios every series is answered under (default none).
    pub fn scenarios(mut self, scenarios: Scenarios) -> Self {
        self.query.scenarios = scenarios;
        self
    }

    /// Also score each answer on its own history (default false).
    pub fn self_check(mut self, on: bool) -> Self {
        self.query.self_check = on;
        self
    }

    /// Seasonal periods (default none: detected from each series).
    pub fn seasons(mut self, seasons: Vec<Span>) -> Self {
        self.query.seasons = seasons;
        self
    }

    /// How raw series are regularised (default [`RegulariseOptions::default`]).
    pub fn regularise(mut self, options: RegulariseOptions) -> Self {
        self.query.regularise = options;
        self
    }

    /// The forecast settings: model, levels, intervals, paths, seed, bounds
    /// (default [`ForecastSettings::default`]); their horizon is the question's.
    pub fn settings(mut self, settings: ForecastSettings) -> Self {
        self.query.settings = settings;
        self
    }

    /// The model (default `auto`).
    pub fn model(mut self, model: ModelChoice) -> Self {
        self.query.settings.model = model;
        self
    }

    /// The values the metric can take (default inferred from each history).
    pub fn bounds(mut self, bounds: Bounds) -> Self {
        self.query.settings.bounds = bounds;
        self
    }

    /// Sample paths per series (default 2,000) and the seed that makes them.
    pub fn paths(mut self, paths: usize, seed: u64) -> Self {
        self.query.settings.paths = paths;
        self.query.settings.seed = seed;
        self
    }

    /// Check the options together: a risk strictly between 0 and 1, at least
    /// one path, levels strictly between 0 and 100, a horizon of at least one
    /// step, and a capacity rule that does not look at the future.
    pub fn build(self) -> Result<SaturationQuery> {
        let q = self.query;
        check_risk(q.risk)?;
        if q.settings.paths == 0 {
            return Err(Error::invalid("at least one sample path is needed"));
        }
        if let Some(l) = q
            .settings
            .levels
            .iter()
            .find(|l| !(**l > 0.0 && **l < 100.0))
        {
            return Err(Error::invalid(format!(
                "interval levels are percentages strictly between 0 and 100, got {l}"
            )));
        }
        match q.settings.horizon {
            Some(Span::Steps(0)) => {
                return Err(Error::invalid("the horizon must be at least one step"))
            }
            Some(Span::Seconds(s)) if s.is_nan() || s <= 0.0 => {
                return Err(Error::invalid("the horizon must be a positive duration"))
            }
            _ => {}
        }
        match &q.capacities {
            Capacities::All(CapacityRule::TowardsFuturePeak(_)) => {
                return Err(Error::invalid(
                    "a capacity set from the future serves evaluation only",
                ))
            }
            Capacities::All(CapacityRule::Fixed(c) | CapacityRule::PeakFactor(c))
            | Capacities::All(CapacityRule::Percent(c))
                if !c.is_finite() =>
            {
                return Err(Error::invalid(format!(
                    "the capacity must be a finite number, got {c}"
                )))
            }
            Capacities::PerSeries(table) => {
                if let Some((name, c)) = table.iter().find(|(_, c)| !c.is_finite()) {
                    return Err(Error::invalid(format!(
                        "the capacity of series {name} must be a finite number, got {c}"
                    )));
                }
            }
            _ => {}
        }
        Ok(q)
    }
}
