//! `headroom saturation`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;

use headroom::ingest::read_capacities;
use headroom::output::{write_file_atomically, write_saturations, OutputFormat, SaturationMetrics};
use headroom::pipeline::{
    for_each_series, questions, saturation_with, Capacities, ForecastSettings, DEFAULT_PATHS,
    DEFAULT_RISK,
};
use headroom::plot::FleetChart;
use headroom::saturation::{describe, rank, Deadline, Direction};
use headroom::units::Span;
use headroom::Error;

use super::args::{
    parse_deadline, parse_direction, parse_horizon, parse_risk, CapacityArgs, InputArgs, ModelArgs,
    OutputArg,
};
use super::{finish, open_output, prepare_all, read, settings, Progress, Tally};

#[derive(Args)]
pub struct SaturationArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub limit: CapacityArgs,
    /// up: the metric rises to a ceiling; down: it falls to a floor.
    #[arg(long, default_value = "up", value_parser = parse_direction)]
    pub direction: Direction,
    /// How far ahead (default: as far as the history reaches back).
    #[arg(long, value_parser = parse_horizon)]
    pub horizon: Option<Span>,
    /// Also give the probability of reaching capacity by this date (2025-06-30)
    /// or this long after the last observation (30d): column probability_by.
    #[arg(long, value_parser = parse_deadline)]
    pub by: Option<Deadline>,
    /// Also give the capacity needed until this date or span (column
    /// capacity_needed), keeping the probability of reaching it under --risk.
    #[arg(long, value_parser = parse_deadline)]
    pub need_until: Option<Deadline>,
    /// The risk accepted with --need-until, between 0 and 1.
    #[arg(long, default_value_t = DEFAULT_RISK, value_parser = parse_risk)]
    pub risk: f64,
    /// Sample paths simulated per series.
    #[arg(long, default_value_t = DEFAULT_PATHS)]
    pub paths: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
    /// Draw the fleet to this PNG: one row per series, the 10th to 90th
    /// percentile of its crossing date, the median marked.
    #[arg(long)]
    pub plot: Option<String>,
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
    series: &[headroom::Series],
    rows: &[headroom::saturation::Saturation],
) -> Result<(), Error> {
    let labels: std::collections::HashMap<&str, _> =
        series.iter().map(|s| (s.name(), s.labels())).collect();
    let metrics = SaturationMetrics::from_rows(rows, |name| labels.get(name).copied());
    match path {
        None | Some("-") => {
            let mut out = open_output(path)?;
            metrics.write(&mut out, "<stdout>")?;
            finish(out, path)
        }
        Some(p) => write_file_atomically(p, metrics.to_text().as_bytes()),
    }
}

impl SaturationArgs {
    /// The review date drawn on the fleet chart: an absolute --by date, or the
    /// span after the earliest last observation.
    fn by_date(
        &self,
        rows: &[headroom::saturation::Saturation],
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        match self.by? {
            Deadline::At(t) => Some(t),
            Deadline::After(Span::Seconds(s)) => {
                let first = rows.iter().map(|r| r.last_timestamp).min()?;
                Some(first + chrono::TimeDelta::milliseconds((s * 1000.0) as i64))
            }
            Deadline::After(Span::Steps(_)) => None,
        }
    }
}

pub fn run(a: SaturationArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let capacities = match (&a.limit.capacities, a.limit.capacity) {
        (Some(path), _) => Capacities::PerSeries(read_capacities(path)?),
        (None, Some(c)) => Capacities::One(c),
        (None, None) => return Err(Error::invalid("--capacity or --capacities is required")),
    };
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.model.seasons, &mut tally);
    let settings = ForecastSettings {
        paths: a.paths.max(1),
        seed: a.seed,
        ..settings(&a.model, a.horizon)
    };
    let progress = Progress::new(prepared.len());
    let results = for_each_series(&prepared, |p| {
        let row = capacities
            .of(p.series.name())
            .and_then(|c| {
                let questions = questions(&p.series, a.by, a.need_until, a.risk)?;
                saturation_with(p, &settings, c, a.direction, &questions)
            })
            .map(|(_, row)| row);
        progress.tick();
        row
    });
    let mut rows = Vec::new();
    for (p, r) in prepared.iter().zip(results) {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => tally.fail(p.series.name(), &e),
        }
    }
    rank(&mut rows);
    tally.ok = rows.len();
    let path = a.output.output.as_deref();
    if a.output_format == OutputFormat::OpenMetrics {
        write_openmetrics(path, &series, &rows)?;
    } else {
        let mut out = open_output(path)?;
        write_saturations(&mut out, &rows)?;
        finish(out, path)?;
    }
    if let Some(png) = &a.plot {
        FleetChart::new(&rows)
            .review(a.by_date(&rows))
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
