//! `headroom saturation`.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;

use headroom::output::{
    write_file_atomically, write_saturations_scenario, OutputFormat, SaturationMetrics,
};
use headroom::plot::FleetChart;
use headroom::saturation::{describe, rank};
use headroom::{Error, Series};

use super::args::{CapacityArgs, InputArgs, ModelArgs, OutputArg, QuestionArgs};
use super::stream::{stream, Answer};
use super::{finish, noted, open_output, Tally};

#[derive(Args)]
pub struct SaturationArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub limit: CapacityArgs,
    #[command(flatten)]
    pub question: QuestionArgs,
    /// Also score the answer on each series' own history (2 origins a horizon
    /// apart before the end, same capacity, horizon and model, 100 paths): columns
    /// trust (ok, or low when its Brier skill is negative) and trust_skill, and a
    /// line on standard error for each series whose history says not to trust it.
    #[arg(long)]
    pub self_check: bool,
    /// Draw the fleet to this PNG: one row per series, the 10th to 90th
    /// percentile of its crossing date, the median marked.
    #[arg(long)]
    pub plot: Option<String>,
    #[command(flatten)]
    pub scenario: super::args::ScenarioArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub output: OutputArg,
    /// csv (the contract's table) or openmetrics (gauges with the input series'
    /// labels, ending with # EOF; a file is written atomically).
    #[arg(long, default_value = "csv", value_parser = parse_output_format)]
    pub output_format: OutputFormat,
}

fn parse_output_format(s: &str) -> Result<OutputFormat, String> {
    s.parse::<OutputFormat>().map_err(|e| e.to_string())
}

/// The table as OpenMetrics text, labelled with the read series' labels; a file
/// is replaced atomically so a textfile collector never reads half of it.
fn write_openmetrics(
    path: Option<&str>,
    labels: &HashMap<String, BTreeMap<String, String>>,
    rows: &[headroom::saturation::Saturation],
) -> Result<(), Error> {
    let metrics = SaturationMetrics::from_rows(rows, |name| labels.get(name));
    match path {
        None | Some("-") => {
            let mut out = open_output(path)?;
            metrics.write(&mut out, "<stdout>")?;
            finish(out, path)
        }
        Some(p) => write_file_atomically(p, metrics.to_text().as_bytes()),
    }
}

pub fn run(a: SaturationArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let query = super::query(&a.limit, &a.question, &a.scenario, &a.model, &a.input)?
        .self_check(a.self_check)
        .build()?;
    let wrong = std::sync::Mutex::new(None);
    let answer = |raw: &Series| {
        let (notes, prepared) = noted(query.prepare(raw));
        let result = prepared.and_then(|p| match query.answer(&p) {
            Ok(answer) => {
                let end = answer.forecast.timestamps.last().copied();
                Ok((answer.row, raw.labels().clone(), answer.by, end))
            }
            // A scenario that does not fit a series makes the command line wrong.
            Err(e @ Error::InvalidArgument(_)) => {
                if let Ok(mut first) = wrong.lock() {
                    first.get_or_insert(e);
                }
                Err(Error::invalid("not answered: --scenario does not fit it"))
            }
            Err(e) => Err(e),
        });
        Answer { notes, result }
    };
    // Rows are small (a few hundred bytes): they are kept to be ranked, with the
    // series' labels for OpenMetrics.
    let mut rows = Vec::new();
    let mut labels = HashMap::new();
    // Each series' own --by date (a span counts from its own last observation),
    // for the fleet chart's review marks.
    let mut by_dates = HashMap::new();
    // The fleet chart's time axis runs to the horizon's end, not only over
    // the crossing dates (an hour or so for a fleet that is clear).
    let mut horizon_end = None;
    stream(&a.input, &mut tally, answer, |(row, l, by, end)| {
        horizon_end = horizon_end.max(end);
        labels.insert(row.series.clone(), l);
        by_dates.insert(row.series.clone(), by);
        rows.push(row);
        Ok(())
    })?;
    let names = rows.iter().map(|r| r.series.as_str());
    let failed = tally.failures.iter().map(|(name, _)| name.as_str());
    super::warn_unused_capacities(query.capacities(), names.chain(failed));
    if let Some(e) = wrong.into_inner().ok().flatten() {
        eprintln!("headroom: {e}");
        return Ok(ExitCode::from(2));
    }
    rank(&mut rows);
    // The row's dates come from two sources (the point forecast and the simulated
    // futures); where they disagree, say why rather than leave the reader to
    // guess which is right.
    for row in &rows {
        if let Some(caution) = row.self_check.and_then(|c| c.caution()) {
            eprintln!("headroom: series {}: {caution}", row.series);
        }
        if let Some(why) = row.date_disagreement() {
            eprintln!(
                "headroom: series {}: saturation_at is outside p10_at-p90_at: {why}",
                row.series
            );
        }
    }
    let path = a.output.output.as_deref();
    if a.output_format == OutputFormat::OpenMetrics {
        write_openmetrics(path, &labels, &rows)?;
    } else {
        let mut out = open_output(path)?;
        write_saturations_scenario(&mut out, &rows, query.scenarios().label().as_deref())?;
        finish(out, path)?;
    }
    if let Some(png) = &a.plot {
        let reviews = rows.iter().map(|r| by_dates[&r.series]).collect();
        FleetChart::new(&rows)
            .reviews(reviews)
            .until(horizon_end)
            .render_png(png)?;
    }
    if std::io::stdout().is_terminal() {
        if path.is_none() || path == Some("-") {
            println!();
        }
        for row in &rows {
            println!("{}", describe(row));
        }
    }
    Ok(tally.exit_code())
}
