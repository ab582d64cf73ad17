//! The capacity report: one self-contained HTML page a planner hands on. Which
//! series reach capacity within the horizon, when and how sure, what it would
//! take, a chart of each at-risk series and of the fleet, how well the same
//! answer did on the fleet's own history, and what was done to each series.
//!
//! [`build`] runs the saturation pipeline ([`crate::pipeline`]) on every series,
//! each failing alone, and the saturation backtest
//! ([`crate::evaluate::backtest_saturation`]) for the "can you trust this"
//! section; [`Report::to_html`] writes the page, with every chart embedded as a
//! PNG data URI and nothing fetched from anywhere.
//!
//! ```no_run
//! # fn report(prepared: &[headroom::pipeline::Prepared]) -> headroom::Result<String> {
//! use headroom::pipeline::Capacities;
//! use headroom::report::{build, ReportOptions};
//! let options = ReportOptions::new(Capacities::One(500e9), Some("30d".parse()?));
//! build(prepared, Vec::new(), &options).to_html()
//! # }
//! ```

mod html;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::evaluate::saturation::DEFAULT_BINS;
use crate::evaluate::{
    backtest_saturation, pooled_scores, CapacityRule, SaturationBacktestSettings, SaturationScores,
};
use crate::forecast::Forecast;
use crate::pipeline::{
    failure_message, for_each_series, questions, saturation_scenario, Capacities, ForecastSettings,
    Prepared, DEFAULT_RISK,
};
use crate::saturation::{rank, Deadline, Direction, Saturation, Status};
use crate::scenario::Scenarios;
use crate::series::RegularSeries;
use crate::units::Span;

/// At-risk series drawn one chart each by default; the others are in the table.
pub const DEFAULT_CHARTS: usize = 12;

/// Backtest origins asked for per series in the "can you trust this" section.
pub const DEFAULT_TRUST_WINDOWS: usize = 3;

/// Series backtested at most for that section: 3 origins on each of 100 series
/// are 300 past answers, enough for Brier, AUC and a reliability table, while a
/// fleet of thousands stays quick.
pub const DEFAULT_TRUST_SERIES: usize = 100;

/// What the report answers and how.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The page's title.
    pub title: String,
    /// Where the history came from, as the page says it.
    pub source: String,
    /// Model, levels, paths and seed, as for `saturation`; the horizon is `horizon`.
    pub settings: ForecastSettings,
    /// How far ahead (`None`: as far as each series' history reaches back).
    pub horizon: Option<Span>,
    /// Each series' capacity.
    pub capacities: Capacities,
    /// Up to a ceiling or down to a floor.
    pub direction: Direction,
    /// Also the probability by this date (a column when given).
    pub by: Option<Deadline>,
    /// The capacity needed until this date (default: the end of the horizon).
    pub need_until: Option<Deadline>,
    /// The risk accepted for the capacity needed.
    pub risk: f64,
    /// What-if scenarios every series is answered under.
    pub scenarios: Scenarios,
    /// At most this many at-risk series get a chart of their own.
    pub charts: usize,
    /// Backtest origins per series for the trust section (0: no backtest).
    pub trust_windows: usize,
    /// At most this many series are backtested, evenly spread over the fleet
    /// (the pooled scores need a few hundred origins, not every series).
    pub trust_series: usize,
}

impl ReportOptions {
    /// The defaults of `headroom report` for these capacities and horizon.
    pub fn new(capacities: Capacities, horizon: Option<Span>) -> Self {
        ReportOptions {
            title: "Capacity report".into(),
            source: String::new(),
            settings: ForecastSettings::default(),
            horizon,
            capacities,
            direction: Direction::Up,
            by: None,
            need_until: None,
            risk: DEFAULT_RISK,
            scenarios: Scenarios::default(),
            charts: DEFAULT_CHARTS,
            trust_windows: DEFAULT_TRUST_WINDOWS,
            trust_series: DEFAULT_TRUST_SERIES,
        }
    }
}

/// One answered series.
#[derive(Clone, Debug)]
pub struct SeriesReport {
    /// Its row of the saturation table.
    pub row: Saturation,
    /// The history as modelled (regular, gaps filled).
    pub history: RegularSeries,
    /// The forecast, under the scenarios.
    pub forecast: Forecast,
    /// What the data cleaning did, in words.
    pub cleaning: String,
    /// The seasonal periods used, in steps, and whether they were detected.
    pub periods: (Vec<usize>, bool),
}

impl SeriesReport {
    /// Saturated, or a chance of reaching capacity within the horizon.
    pub fn at_risk(&self) -> bool {
        self.row.status != Status::Clear
    }
}

/// How well the saturation answer did on the fleet's own history.
#[derive(Clone, Debug)]
pub enum Trust {
    /// Scored: the pooled scores, the origins' series, and the series skipped
    /// with their reasons.
    Scored {
        /// Brier, AUC, reliability bins, pooled over every scored origin.
        scores: SaturationScores,
        /// Scored against each series' own capacity; otherwise against the
        /// halfway rule ([`CapacityRule::TowardsFuturePeak`]), because no past
        /// stretch (or every one) reached the real capacity.
        own_capacity: bool,
        /// Series backtested.
        series: usize,
        /// Series skipped, with the reason.
        skipped: Vec<(String, String)>,
    },
    /// Not scored, with the reason.
    Skipped(String),
}

/// Everything the page shows.
#[derive(Clone, Debug)]
pub struct Report {
    /// The options it was built with.
    pub options: ReportOptions,
    /// Answered series, most urgent first.
    pub series: Vec<SeriesReport>,
    /// Series that failed, with the reason, in input order.
    pub failures: Vec<(String, String)>,
    /// The trust section.
    pub trust: Trust,
    /// When it was made.
    pub made_at: DateTime<Utc>,
}

/// Answer every prepared series (in parallel, each failing alone) and backtest
/// the answer; `failures` are series that failed before (reading, cleaning),
/// listed with theirs.
pub fn build(
    prepared: &[Prepared],
    failures: Vec<(String, String)>,
    options: &ReportOptions,
) -> Report {
    let settings = ForecastSettings {
        horizon: options.horizon,
        ..options.settings.clone()
    };
    let results = for_each_series(prepared, |p| answer(p, &settings, options));
    let mut failures = failures;
    let mut series = Vec::new();
    for (p, r) in prepared.iter().zip(results) {
        match r {
            Ok(s) => series.push(s),
            Err(e) => failures.push((
                p.series.name().to_string(),
                failure_message(p.series.name(), &e),
            )),
        }
    }
    let mut rows: Vec<Saturation> = series.iter().map(|s| s.row.clone()).collect();
    rank(&mut rows);
    let order = |name: &str| rows.iter().position(|r| r.series == name);
    series.sort_by_key(|s| order(&s.row.series));
    let trust = trust(prepared, &series, &settings, options);
    Report {
        options: options.clone(),
        series,
        failures,
        trust,
        made_at: Utc::now(),
    }
}

/// The saturation answer for one series, with what the page says about it.
fn answer(
    p: &Prepared,
    settings: &ForecastSettings,
    options: &ReportOptions,
) -> Result<SeriesReport> {
    let s = &p.series;
    let capacity = options.capacities.of(s.name())?;
    let horizon = options.horizon.unwrap_or(Span::Steps(s.len()));
    let need_until = options.need_until.unwrap_or(Deadline::After(horizon));
    let q = questions(s, options.by, Some(need_until), options.risk)?;
    let (forecast, row) = saturation_scenario(
        p,
        settings,
        capacity,
        options.direction,
        &q,
        &options.scenarios,
    )?;
    Ok(SeriesReport {
        row,
        history: s.clone(),
        forecast,
        cleaning: cleaning(p),
        periods: (p.periods.clone(), p.detected),
    })
}

/// What regularisation did, without the series' name in front.
fn cleaning(p: &Prepared) -> String {
    let text = p.report.to_string();
    let prefix = format!("series {}: ", p.report.series);
    let text = text.strip_prefix(&prefix).unwrap_or(&text).to_string();
    if p.report.is_clean() {
        format!("nothing to clean ({text})")
    } else {
        text
    }
}

/// The saturation backtest of the answered series against their own capacity,
/// pooled; skipped with the reason where no series has the history for it.
fn trust(
    prepared: &[Prepared],
    answered: &[SeriesReport],
    settings: &ForecastSettings,
    options: &ReportOptions,
) -> Trust {
    if options.trust_windows == 0 {
        return Trust::Skipped("the backtest was turned off (--trust-windows 0)".into());
    }
    // The past had no launch or upgrade: the backtest scores the forecast
    // without the scenarios, and the page says so.
    let names: std::collections::HashSet<&str> =
        answered.iter().map(|a| a.row.series.as_str()).collect();
    let answered: Vec<&Prepared> = prepared
        .iter()
        .filter(|p| names.contains(p.series.name()))
        .collect();
    let todo = spread(&answered, options.trust_series);
    // A history that never reached its capacity cannot have a past stretch that
    // did: the own-capacity backtest would score one outcome only, so it is not run.
    let reached = todo.iter().any(|p| {
        let c = options.capacities.of(p.series.name()).unwrap_or(f64::NAN);
        p.series
            .values()
            .iter()
            .any(|&v| options.direction.reaches(v, c))
    });
    let own = reached.then(|| backtest(&todo, settings, options, None));
    match own {
        Some(Trust::Scored { ref scores, .. })
            if scores.crossings > 0 && scores.crossings < scores.cases =>
        {
            own.unwrap_or_else(|| Trust::Skipped("no series was answered".into()))
        }
        Some(Trust::Skipped(why)) => Trust::Skipped(why),
        // One outcome only: Brier and AUC say little. The halfway rule gives
        // each origin a limit its future may or may not pass.
        _ => {
            let halfway = Some(CapacityRule::TowardsFuturePeak(0.5));
            match (backtest(&todo, settings, options, halfway), own) {
                (scored @ Trust::Scored { .. }, _) => scored,
                (_, Some(own)) => own,
                (skipped, None) => skipped,
            }
        }
    }
}

/// At most `k` of `items`, evenly spread over them in their order (all of them
/// when there are no more than `k`).
fn spread<'a, T>(items: &[&'a T], k: usize) -> Vec<&'a T> {
    let n = items.len();
    if n <= k {
        return items.to_vec();
    }
    (0..k).map(|i| items[i * n / k]).collect()
}

/// The pooled saturation backtest of `todo`, against each series' capacity or
/// `rule`.
fn backtest(
    todo: &[&Prepared],
    settings: &ForecastSettings,
    options: &ReportOptions,
    rule: Option<CapacityRule>,
) -> Trust {
    let results = for_each_series(todo, |p| {
        let rule = match rule {
            Some(r) => r,
            None => CapacityRule::Fixed(options.capacities.of(p.series.name())?),
        };
        let bt = SaturationBacktestSettings {
            horizon: match options.horizon {
                Some(h) => h.steps_ceil(p.series.step()).max(1),
                None => p.series.len(),
            },
            windows: options.trust_windows,
            spacing: None,
            direction: options.direction,
            forecast: settings.clone(),
            bins: DEFAULT_BINS,
        };
        backtest_saturation(p, rule, &bt)
    });
    let mut done = Vec::new();
    let mut skipped = Vec::new();
    for (p, r) in todo.iter().zip(results) {
        match r {
            Ok(b) if b.outcomes().next().is_some() => done.push(b),
            Ok(_) => skipped.push((
                p.series.name().to_string(),
                "no origin could be scored".to_string(),
            )),
            Err(e) => skipped.push((p.series.name().to_string(), reason(&e))),
        }
    }
    if done.is_empty() {
        let why = match skipped.first() {
            Some((name, why)) if skipped.len() == 1 => format!("series {name}: {why}"),
            Some((_, why)) => format!("no series has the history for it (the first: {why})"),
            None => "no series was answered".to_string(),
        };
        return Trust::Skipped(why);
    }
    match pooled_scores(&done, DEFAULT_BINS) {
        Ok(scores) => Trust::Scored {
            scores,
            own_capacity: rule.is_none(),
            series: done.len(),
            skipped,
        },
        Err(e) => Trust::Skipped(e.to_string()),
    }
}

/// An error's reason without the `series NAME:` in front (the name is shown
/// beside it).
fn reason(e: &Error) -> String {
    match e {
        Error::Series { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

impl Report {
    /// The page: HTML with its style and charts inside, nothing fetched.
    pub fn to_html(&self) -> Result<String> {
        html::page(self)
    }

    /// The answered series that are at risk, most urgent first.
    pub fn at_risk(&self) -> impl Iterator<Item = &SeriesReport> {
        self.series.iter().filter(|s| s.at_risk())
    }

    /// The sentence at the top: how many series reach capacity within the
    /// horizon, and the first with its date range and probability.
    pub fn summary(&self) -> String {
        html::summary(self)
    }
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_keeps_at_most_k_evenly_in_order() {
        let items: Vec<usize> = (0..10).collect();
        let refs: Vec<&usize> = items.iter().collect();
        let picked: Vec<usize> = spread(&refs, 4).into_iter().copied().collect();
        assert_eq!(picked, [0, 2, 5, 7]);
        assert_eq!(spread(&refs, 20).len(), 10);
        assert!(spread(&refs, 0).is_empty());
    }
}
