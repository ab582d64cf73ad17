//! `headroom report`: the saturation answer of every series as one
//! self-contained HTML page (see [`headroom::report`]).

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use headroom::report::{
    build, ReportOptions, DEFAULT_CHARTS, DEFAULT_TRUST_SERIES, DEFAULT_TRUST_WINDOWS,
};
use headroom::Error;

use super::args::{CapacityArgs, InputArgs, ModelArgs, QuestionArgs, ScenarioArgs};
use super::{open_output, prepare_all, read, Tally};

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

pub fn run(a: ReportArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let query = match super::query(&a.limit, &a.question, &a.scenario, &a.model, &a.input) {
        Ok(q) => q.build()?,
        Err(e @ Error::InvalidArgument(_)) => {
            eprintln!("headroom: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e),
    };
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.model.seasons, &mut tally);
    super::warn_unused_capacities(query.capacities(), series.iter().map(|s| s.name()));
    let mut options = ReportOptions::new(query);
    options.title = a.title.clone();
    options.source = a.input.source().to_string();
    options.charts = a.charts;
    options.trust_windows = a.trust_windows;
    options.trust_series = a.trust_series;
    let before = tally.failures.len();
    let report = match build(&prepared, std::mem::take(&mut tally.failures), &options) {
        Ok(report) => report,
        Err(e @ Error::InvalidArgument(_)) => {
            eprintln!("headroom: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e),
    };
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
