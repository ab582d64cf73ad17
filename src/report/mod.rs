//! The capacity report: one self-contained HTML page a planner hands on. Which
//! series reach capacity within the horizon, when and how sure, what it would
//! take, a chart of each at-risk series and of the fleet, how well the same
//! answer did on the fleet's own history, and what was done to each series.
//!
//! [`build`] answers the saturation question ([`crate::query`]) for every series,
//! each failing alone, and runs the saturation backtest
//! ([`crate::evaluate::backtest_saturation`]) for the "can you trust this"
//! section; [`Report::to_html`] writes the page, with every chart embedded as a
//! PNG data URI and nothing fetched from anywhere.
//!
//! ```no_run
//! # fn report(prepared: &[headroom::pipeline::Prepared]) -> headroom::Result<String> {
//! use headroom::capacity::Capacities;
//! use headroom::query::SaturationQuery;
//! use headroom::report::{build, ReportOptions};
//! let query = SaturationQuery::builder(Capacities::fixed(500e9))
//!     .horizon(Some("30d".parse()?))
//!     .build()?;
//! let options = ReportOptions::new(query);
//! build(prepared, Vec::new(), &options)?.to_html()
//! # }
//! ```

mod html;
mod trust_page;

use chrono::{DateTime, Utc};

use crate::capacity::CapacityRule;
use crate::error::{Error, Result};
use crate::evaluate::saturation::DEFAULT_BINS;
use crate::evaluate::{
    backtest_saturation, pooled_scores, SaturationBacktestSettings, SaturationScores,
};
use crate::forecast::Forecast;
use crate::pipeline::{failure_message, for_each_series, Prepared};
use crate::query::SaturationQuery;
use crate::saturation::{rank, Saturation, Status};
use crate::series::RegularSeries;

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
#[non_exhaustive]
pub struct ReportOptions {
    /// The page's title.
    pub title: String,
    /// Where the history came from, as the page says it.
    pub source: String,
    /// The question every series is answered; without a `need_until` date the
    /// capacity needed is until the end of the horizon.
    pub query: SaturationQuery,
    /// At most this many at-risk series get a chart of their own.
    pub charts: usize,
    /// Backtest origins per series for the trust section (0: no backtest).
    pub trust_windows: usize,
    /// At most this many series are backtested, evenly spread over the fleet
    /// (the pooled scores need a few hundred origins, not every series).
    pub trust_series: usize,
}

impl ReportOptions {
    /// The defaults of `headroom report` for this question.
    pub fn new(query: SaturationQuery) -> Self {
        ReportOptions {
            title: "Capacity report".into(),
            source: String::new(),
            query: query.needing_capacity_at_horizon(),
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
/// listed with theirs. A scenario that does not fit a series makes the whole
/// report wrong: that error is returned.
pub fn build(
    prepared: &[Prepared],
    failures: Vec<(String, String)>,
    options: &ReportOptions,
) -> Result<Report> {
    let results = options.query.answer_all(prepared);
    let mut failures = failures;
    let mut series = Vec::new();
    for (p, r) in prepared.iter().zip(results) {
        match r {
            Ok(a) => series.push(SeriesReport {
                row: a.row,
                history: p.series.clone(),
                forecast: a.forecast,
                cleaning: cleaning(p),
                periods: (p.periods.clone(), p.detected),
            }),
            Err(e @ Error::InvalidArgument(_)) => return Err(e),
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
    let trust = trust(prepared, &series, options);
    Ok(Report {
        options: options.clone(),
        series,
        failures,
        trust,
        made_at: Utc::now(),
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
fn trust(prepared: &[Prepared], answered: &[SeriesReport], options: &ReportOptions) -> Trust {
    let q = &options.query;
    if options.trust_windows == 0 {
        return Trust::Skipped("the backtest was turned off (--trust-windows 0)".into());
    }
    // A history-long horizon leaves no earlier date with a horizon of history
    // after it: every series would fail alone with a message about steps.
    if q.horizon().is_none() {
        return Trust::Skipped(format!(
            "without --horizon each series looks as far ahead as its history reaches back, \
             so no earlier date has that much history after it to compare with; give a \
             shorter horizon{} to get this section",
            suggested_horizon(answered)
                .map(|h| format!(" (such as --horizon {h}, a third of the shortest history)"))
                .unwrap_or_default()
        ));
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
        let s = &p.series;
        let c = q.capacities().of(s.name(), s.values(), q.direction());
        let c = c.unwrap_or(f64::NAN);
        s.values().iter().any(|&v| q.direction().reaches(v, c))
    });
    let own = reached.then(|| backtest(&todo, options, None));
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
            match (backtest(&todo, options, halfway), own) {
                (scored @ Trust::Scored { .. }, _) => scored,
                (_, Some(own)) => own,
                (skipped, None) => skipped,
            }
        }
    }
}

/// A horizon the backtest can score, as a flag value (`30d`, `8h`): a third of
/// the shortest history, so that an origin keeps two thirds of it to learn from.
fn suggested_horizon(answered: &[SeriesReport]) -> Option<String> {
    let seconds = answered
        .iter()
        .map(|s| s.history.len() as f64 * s.history.step().nominal_seconds() / 3.0)
        .min_by(f64::total_cmp)?;
    let (size, unit) = [(86_400.0, "d"), (3600.0, "h"), (60.0, "m")]
        .into_iter()
        .find(|(size, _)| seconds >= 2.0 * size)?;
    Some(format!("{}{unit}", (seconds / size).floor()))
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
fn backtest(todo: &[&Prepared], options: &ReportOptions, rule: Option<CapacityRule>) -> Trust {
    let q = &options.query;
    let results = for_each_series(todo, |p| {
        let s = &p.series;
        let rule = match rule {
            Some(r) => r,
            None => CapacityRule::Fixed(q.capacities().of(s.name(), s.values(), q.direction())?),
        };
        let bt = SaturationBacktestSettings {
            horizon: match q.horizon() {
                Some(h) => h.steps_ceil(s.step()).max(1),
                None => s.len(),
            },
            windows: options.trust_windows,
            spacing: None,
            direction: q.direction(),
            forecast: q.settings().clone(),
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
            Err(e) => skipped.push((p.series.name().to_string(), e.reason())),
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
