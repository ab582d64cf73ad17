//! `headroom report`: the saturation answer of every series as one
//! self-contained HTML page (see [`headroom::report`]).

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use headroom::evaluate::CapacityRule;
use headroom::ingest::read_capacities;
use headroom::pipeline::{Capacities, Prepared};
use headroom::report::{
    build, ReportOptions, DEFAULT_CHARTS, DEFAULT_TRUST_SERIES, DEFAULT_TRUST_WINDOWS,
};
use headroom::saturation::Direction;
use headroom::scenario::Scenarios;
use headroom::Error;

use super::args::{CapacityArgs, InputArgs, ModelArgs, QuestionArgs, ScenarioArgs};
use super::{open_output, prepare_all, read, settings, Tally};

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub limit: CapacityArgs,
    #[command(flatten)]
    pub question: QuestionArgs,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// At most this many at-risk series get a chart of their own.
    #[arg(long, default_value_t = DEFAULT_CHARTS)]
    pub charts: usize,
    /// Backtest origins per series for "can you trust this" (0: no backtest).
    #[arg(long, default_value_t = DEFAULT_TRUST_WINDOWS)]
    pub trust_windows: usize,
    /// At most this many series are backtested, evenly spread over the fleet.
    #[arg(long, default_value_t = DEFAULT_TRUST_SERIES)]
    pub trust_series: usize,
    /// The page's title.
    #[arg(long, default_value = "Capacity report")]
    pub title: String,
    /// The HTML file to write (`-`: standard output).
    #[arg(long, short)]
    pub output: String,
}

/// A scenario that does not fit a series (a date before its history ends, an
/// upgrade below its last value) is a wrong command line: the first such error.
pub fn check_scenarios(
    prepared: &[Prepared],
    scenarios: &Scenarios,
    direction: Direction,
) -> Result<(), Error> {
    for p in prepared {
        let s = &p.series;
        scenarios.check(s.name(), s.last_timestamp(), s.last_value(), direction)?;
    }
    Ok(())
}

pub fn run(a: ReportArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.model.seasons, &mut tally);
    let capacities = match (&a.limit.capacities, a.limit.capacity) {
        (Some(path), _) => Capacities::PerSeries(read_capacities(path)?),
        (None, Some(CapacityRule::Fixed(c))) => Capacities::One(c),
        // A multiple of the peak or a percentage: each series' own limit.
        (None, Some(rule)) => Capacities::PerSeries(
            prepared
                .iter()
                .map(|p| {
                    let s = &p.series;
                    Ok((
                        s.name().to_string(),
                        rule.resolve(s.name(), s.values(), a.question.direction)?,
                    ))
                })
                .collect::<Result<_, Error>>()?,
        ),
        (None, None) => {
            eprintln!("headroom: --capacity or --capacities is required");
            return Ok(ExitCode::from(2));
        }
    };
    let scenarios = a.scenario.scenarios();
    if let Err(e) = check_scenarios(&prepared, &scenarios, a.question.direction) {
        eprintln!("headroom: {e}");
        return Ok(ExitCode::from(2));
    }
    let options = ReportOptions {
        title: a.title.clone(),
        source: a.input.source().to_string(),
        settings: headroom::pipeline::ForecastSettings {
            paths: a.question.paths.max(1),
            seed: a.question.seed,
            all_paths: a.question.all_paths,
            ..settings(&a.model, a.question.horizon)
        },
        horizon: a.question.horizon,
        capacities,
        direction: a.question.direction,
        by: a.question.by,
        need_until: a.question.need_until,
        risk: a.question.risk,
        scenarios,
        charts: a.charts,
        trust_windows: a.trust_windows,
        trust_series: a.trust_series,
    };
    let before = tally.failures.len();
    let report = build(&prepared, std::mem::take(&mut tally.failures), &options);
    for (_, message) in &report.failures[before..] {
        eprintln!("headroom: {message}");
        tally.failed += 1;
    }
    tally.ok = report.series.len();
    let html = report.to_html()?;
    let path = (a.output != "-").then_some(a.output.as_str());
    let mut out = open_output(path)?;
    out.write_all(html.as_bytes()).map_err(|source| Error::Io {
        path: a.output.clone().into(),
        source,
    })?;
    super::finish(out, path)?;
    eprintln!("headroom: {}", report.summary());
    Ok(tally.exit_code())
}
