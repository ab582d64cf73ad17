//! The `headroom` command: a thin layer of flags over the library.
//!
//! Exit status: 0 when every series succeeded, 1 when nothing could be done, 2 for a
//! wrong command line (clap's own status), 3 when some series failed (each named on
//! standard error) and the others were written.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, Parser, Subcommand};

use headroom::decompose::period::calendar_candidates;
use headroom::decompose::{decompose, StlOptions};
use headroom::evaluate::{backtest, Backtest, BacktestSettings, Scores};
use headroom::forecast::{Forecast, IntervalMethod, ModelChoice, DEFAULT_LEVELS};
use headroom::ingest::{read_capacities, read_path, Format, Ingested, ReadOptions};
use headroom::output::{
    write_backtests, write_decompositions, write_forecasts, write_inspections, write_saturations,
    Inspection,
};
use headroom::pipeline::{
    for_each_series, forecast, prepare, saturation, saturation_with, ForecastSettings, Prepared,
    DEFAULT_PATHS,
};
use headroom::plot::{FleetChart, ForecastChart};
use headroom::resample::{step_from_seconds, Aggregation, Hygiene};
use headroom::saturation::{describe, rank, Deadline, Direction, Questions};
use headroom::units::{parse_capacity, Span};
use headroom::{Error, GapPolicy, RegulariseOptions, Series, Step};

#[derive(Parser)]
#[command(
    name = "headroom",
    version,
    about = "Capacity planning for metric series: forecast, saturation dates and charts."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show what was read: points, step, gaps and duplicates per series.
    Inspect(InspectArgs),
    /// Forecast every series with prediction intervals.
    Forecast(ForecastArgs),
    /// Decompose every series into trend, seasonal components and remainder.
    Decompose(DecomposeArgs),
    /// When does each series reach its capacity, and how likely is it.
    Saturation(SaturationArgs),
    /// Draw one series' forecast, capacity and saturation date to a PNG.
    Plot(PlotArgs),
    /// Score models by rolling-origin backtests: sMAPE, MASE, MSIS, coverage.
    Backtest(BacktestArgs),
}

#[derive(Args)]
struct InputArgs {
    /// Metric history to read (`-` for standard input).
    #[arg(long, short)]
    input: String,
    /// Input format (default: detected from the content).
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// CSV column holding timestamps.
    #[arg(long)]
    time_column: Option<String>,
    /// CSV column holding series names.
    #[arg(long)]
    series_column: Option<String>,
    /// CSV column holding values (repeat for several series, one per column).
    #[arg(long)]
    value_column: Vec<String>,
    /// What to do with missing steps: interpolate them linearly, or refuse the series.
    #[arg(long, default_value = "interpolate", value_parser = parse_gaps)]
    gaps: GapPolicy,
    /// CloudWatch get-metric-statistics: the statistic to read (Average, Sum, Minimum,
    /// Maximum, SampleCount, or an extended one such as p95). Default: Average.
    #[arg(long)]
    statistic: Option<String>,
    /// Resample every series to this coarser step (a duration: 5m, 1h, 1d, 1w).
    #[arg(long, value_parser = parse_step)]
    step: Option<Step>,
    /// How --step aggregates the values of one step: mean, max, min, last, sum or p95.
    #[arg(long, default_value = "mean", value_parser = parse_agg, requires = "step")]
    agg: Aggregation,
    /// Read every series as a counter (monotonic, reset to zero on restart) and turn it
    /// into a per-second rate before anything else.
    #[arg(long)]
    rate: bool,
}

#[derive(Args)]
struct OutputArg {
    /// Where to write the CSV (default or `-`: standard output).
    #[arg(long, short)]
    output: Option<String>,
}

#[derive(Args)]
struct ModelArgs {
    /// Seasonal period as steps (24) or a duration (1d); repeat for several.
    /// Without it, daily and weekly periods are detected from the data.
    #[arg(long = "season", value_parser = parse_span)]
    seasons: Vec<Span>,
    /// Interval level in percent; repeat for several (default 80 and 95).
    #[arg(long = "level", value_parser = parse_level)]
    levels: Vec<f64>,
    /// Model: auto, or a model name (naive, seasonal_naive, drift, stl_linear, linear_trend, ...; see the README).
    #[arg(long, default_value = "auto", value_parser = parse_model)]
    model: ModelChoice,
    /// Intervals: auto (conformal for the auto model, the model's own otherwise),
    /// model, or conformal (from rolling-origin refits).
    #[arg(long, default_value = "auto", value_parser = parse_intervals)]
    intervals: IntervalMethod,
}

#[derive(Args)]
struct InspectArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
struct ForecastArgs {
    #[command(flatten)]
    input: InputArgs,
    /// How far ahead: steps (48) or a duration (2d).
    #[arg(long, value_parser = parse_horizon)]
    horizon: Span,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
struct DecomposeArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Seasonal period as steps or a duration; repeat for MSTL.
    #[arg(long = "season", value_parser = parse_span)]
    seasons: Vec<Span>,
    /// Robust STL: 2 inner and 15 outer iterations with bisquare weights.
    #[arg(long)]
    robust: bool,
    #[command(flatten)]
    stl: StlArgs,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
struct StlArgs {
    /// Seasonal smoother length (odd, at least 3; default 7).
    #[arg(long)]
    seasonal_window: Option<usize>,
    /// Trend smoother length (odd, greater than the period).
    #[arg(long)]
    trend_window: Option<usize>,
    /// Low-pass smoother length (odd, greater than the period).
    #[arg(long)]
    low_pass_window: Option<usize>,
    /// Seasonal LOESS degree (0 or 1).
    #[arg(long)]
    seasonal_degree: Option<u8>,
    /// Trend LOESS degree (0 or 1).
    #[arg(long)]
    trend_degree: Option<u8>,
    /// Low-pass LOESS degree (0 or 1).
    #[arg(long)]
    low_pass_degree: Option<u8>,
    /// Seasonal LOESS jump.
    #[arg(long)]
    seasonal_jump: Option<usize>,
    /// Trend LOESS jump.
    #[arg(long)]
    trend_jump: Option<usize>,
    /// Low-pass LOESS jump.
    #[arg(long)]
    low_pass_jump: Option<usize>,
    /// Inner-loop iterations.
    #[arg(long)]
    inner_iter: Option<usize>,
    /// Outer (robustness) iterations.
    #[arg(long)]
    outer_iter: Option<usize>,
}

#[derive(Args)]
#[group(id = "limit", required = true, multiple = false, args = ["capacity", "capacities"])]
struct CapacityArgs {
    /// Capacity in the data's unit; suffixes k M G T and Ki Mi Gi Ti accepted (500G).
    #[arg(long, value_parser = parse_capacity_arg, allow_hyphen_values = true)]
    capacity: Option<f64>,
    /// CSV `series,capacity` giving each series its own capacity.
    #[arg(long)]
    capacities: Option<String>,
}

#[derive(Args)]
struct SaturationArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    limit: CapacityArgs,
    /// up: the metric rises to a ceiling; down: it falls to a floor.
    #[arg(long, default_value = "up", value_parser = parse_direction)]
    direction: Direction,
    /// How far ahead (default: as far as the history reaches back).
    #[arg(long, value_parser = parse_horizon)]
    horizon: Option<Span>,
    /// Also give the probability of reaching capacity by this date (2025-06-30)
    /// or this long after the last observation (30d): column probability_by.
    #[arg(long, value_parser = parse_deadline)]
    by: Option<Deadline>,
    /// Also give the capacity needed until this date or span (column
    /// capacity_needed), keeping the probability of reaching it under --risk.
    #[arg(long, value_parser = parse_deadline)]
    need_until: Option<Deadline>,
    /// The risk accepted with --need-until, between 0 and 1.
    #[arg(long, default_value_t = 0.05, value_parser = parse_risk)]
    risk: f64,
    /// Sample paths simulated per series.
    #[arg(long, default_value_t = DEFAULT_PATHS)]
    paths: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 0x5eed)]
    seed: u64,
    /// Draw the fleet to this PNG: one row per series, the 10th to 90th
    /// percentile of its crossing date, the median marked.
    #[arg(long)]
    plot: Option<String>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    output: OutputArg,
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

#[derive(Args)]
struct PlotArgs {
    #[command(flatten)]
    input: InputArgs,
    /// How far ahead: steps (48) or a duration (2d).
    #[arg(long, value_parser = parse_horizon)]
    horizon: Span,
    /// Capacity line to draw, with the saturation date marked.
    #[arg(long, value_parser = parse_capacity_arg, allow_hyphen_values = true)]
    capacity: Option<f64>,
    /// up: the metric rises to a ceiling; down: it falls to a floor.
    #[arg(long, default_value = "up", value_parser = parse_direction)]
    direction: Direction,
    /// The series to draw (default: the first in the file).
    #[arg(long)]
    series: Option<String>,
    #[command(flatten)]
    model: ModelArgs,
    /// The PNG file to write.
    #[arg(long, short)]
    output: String,
}

#[derive(Args)]
struct BacktestArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Steps forecast from each origin: steps (48) or a duration (2d).
    #[arg(long, value_parser = parse_horizon)]
    horizon: Span,
    /// Seasonal period as steps or a duration; repeat for several (default: detected).
    #[arg(long = "season", value_parser = parse_span)]
    seasons: Vec<Span>,
    /// Interval level in percent; repeat for several (default 80 and 95).
    #[arg(long = "level", value_parser = parse_level)]
    levels: Vec<f64>,
    /// Model to score; repeat to compare several (default auto). Seasonal naive is
    /// always scored beside them as the baseline.
    #[arg(long = "model", value_parser = parse_model)]
    models: Vec<ModelChoice>,
    /// Number of rolling origins: the last N stretches of the horizon.
    #[arg(long, default_value_t = 3)]
    windows: usize,
    #[command(flatten)]
    output: OutputArg,
}

fn parse_span(s: &str) -> Result<Span, String> {
    s.parse::<Span>().map_err(|e| e.to_string())
}

fn parse_horizon(s: &str) -> Result<Span, String> {
    match parse_span(s)? {
        Span::Steps(0) => Err("the horizon must be at least one step".to_string()),
        span => Ok(span),
    }
}

fn parse_level(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('%').parse::<f64>() {
        Ok(l) if l > 0.0 && l < 100.0 => Ok(l),
        _ => Err(format!(
            "a level is a percentage strictly between 0 and 100, got '{s}'"
        )),
    }
}

fn parse_model(s: &str) -> Result<ModelChoice, String> {
    s.parse::<ModelChoice>().map_err(|e| e.to_string())
}

fn parse_intervals(s: &str) -> Result<IntervalMethod, String> {
    s.parse::<IntervalMethod>().map_err(|e| e.to_string())
}

fn parse_deadline(s: &str) -> Result<Deadline, String> {
    s.parse::<Deadline>().map_err(|e| e.to_string())
}

fn parse_risk(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r > 0.0 && r < 1.0 => Ok(r),
        _ => Err(format!(
            "the risk is a probability strictly between 0 and 1, got '{s}'"
        )),
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

fn parse_direction(s: &str) -> Result<Direction, String> {
    s.parse::<Direction>().map_err(|e| e.to_string())
}

fn parse_capacity_arg(s: &str) -> Result<f64, String> {
    parse_capacity(s).map_err(|e| e.to_string())
}

fn parse_step(s: &str) -> Result<Step, String> {
    match parse_span(s)? {
        Span::Seconds(seconds) => step_from_seconds(seconds).map_err(|e| e.to_string()),
        Span::Steps(_) => Err(format!(
            "a step is a duration such as 5m, 1h or 1d, not a number of steps ('{s}')"
        )),
    }
}

fn parse_agg(s: &str) -> Result<Aggregation, String> {
    s.parse::<Aggregation>().map_err(|e| e.to_string())
}

fn parse_gaps(s: &str) -> Result<GapPolicy, String> {
    match s {
        "interpolate" => Ok(GapPolicy::Interpolate),
        "refuse" => Ok(GapPolicy::Refuse),
        other => Err(format!(
            "gaps must be 'interpolate' or 'refuse', got '{other}'"
        )),
    }
}

/// How a run ended: series written and series failed.
#[derive(Default)]
struct Tally {
    ok: usize,
    failed: usize,
}

impl Tally {
    fn fail(&mut self, name: &str, error: &Error) {
        self.failed += 1;
        match error {
            Error::Series { .. } => eprintln!("headroom: {error}"),
            _ => eprintln!("headroom: series {name}: {error}"),
        }
    }

    fn exit_code(&self) -> ExitCode {
        match (self.ok, self.failed) {
            (0, _) => ExitCode::from(1),
            (_, 0) => ExitCode::SUCCESS,
            _ => ExitCode::from(3),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // A reader that stops early (`| head`) is not an error.
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("headroom: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Inspect(a) => inspect(a),
        Command::Forecast(a) => forecast_command(a),
        Command::Decompose(a) => decompose_command(a),
        Command::Saturation(a) => saturation_command(a),
        Command::Plot(a) => plot_command(a),
        Command::Backtest(a) => backtest_command(a),
    }
}

/// Read the input; report series that could not be read and what the reader
/// dropped; then turn counters into rates and resample, as asked.
fn read(input: &InputArgs, tally: &mut Tally) -> Result<Vec<Series>, Error> {
    let options = ReadOptions {
        format: input.format,
        time_column: input.time_column.clone(),
        series_column: input.series_column.clone(),
        value_columns: input.value_column.clone(),
        statistic: input.statistic.clone(),
    };
    let Ingested {
        series,
        failed,
        notes,
        ..
    } = read_path(&input.input, &options)?;
    for note in &notes {
        eprintln!("headroom: {}: {note}", input.input);
    }
    for (name, e) in &failed {
        tally.fail(name, e);
    }
    let hygiene = Hygiene {
        rate: input.rate,
        step: input.step,
        aggregation: input.agg,
    };
    if hygiene.is_identity() {
        return Ok(series);
    }
    let mut cleaned = Vec::with_capacity(series.len());
    for (s, r) in series
        .iter()
        .zip(for_each_series(&series, |s| hygiene.apply(s)))
    {
        match r {
            Ok((s, report)) => {
                eprintln!("headroom: {report}");
                cleaned.push(s);
            }
            Err(e) => tally.fail(s.name(), &e),
        }
    }
    Ok(cleaned)
}

fn regularise_options(input: &InputArgs) -> RegulariseOptions {
    let options = RegulariseOptions::default().with_gaps(input.gaps);
    match input.step {
        // Resampled series are on this grid already; inferring could pick another.
        Some(step) => options.with_step(step),
        None => options,
    }
}

/// Prepare every series in parallel, print what regularisation did, and keep the
/// series that could be prepared.
fn prepare_all(
    series: &[Series],
    input: &InputArgs,
    seasons: &[Span],
    tally: &mut Tally,
) -> Vec<Prepared> {
    let options = regularise_options(input);
    let results = for_each_series(series, |s| prepare(s, &options, seasons));
    let mut prepared = Vec::with_capacity(results.len());
    for (s, r) in series.iter().zip(results) {
        match r {
            Ok(p) => {
                if !p.report.is_clean() {
                    eprintln!("headroom: {}", p.report);
                }
                prepared.push(p);
            }
            Err(e) => tally.fail(s.name(), &e),
        }
    }
    prepared
}

/// A count of finished series on standard error, redrawn in place, when standard
/// error is a terminal and there are several series.
struct Progress {
    total: usize,
    done: AtomicUsize,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        Progress {
            total,
            done: AtomicUsize::new(0),
            shown: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.shown {
            let end = if done == self.total { "\n" } else { "" };
            eprint!("\rheadroom: {done}/{} series{end}", self.total);
        }
    }
}

fn open_output(path: Option<&str>) -> Result<Box<dyn Write>, Error> {
    match path {
        None | Some("-") => Ok(Box::new(BufWriter::new(std::io::stdout().lock()))),
        Some(p) => {
            let file = File::create(p).map_err(|source| Error::Io {
                path: p.into(),
                source,
            })?;
            Ok(Box::new(BufWriter::new(file)))
        }
    }
}

fn finish(mut out: Box<dyn Write>, path: Option<&str>) -> Result<(), Error> {
    out.flush().map_err(|source| Error::Io {
        path: path.unwrap_or("<stdout>").into(),
        source,
    })
}

fn settings(model: &ModelArgs, horizon: Option<Span>) -> ForecastSettings {
    ForecastSettings {
        model: model.model,
        horizon,
        levels: if model.levels.is_empty() {
            DEFAULT_LEVELS.to_vec()
        } else {
            model.levels.clone()
        },
        stl: StlOptions::default(),
        intervals: model.intervals,
        ..Default::default()
    }
}

fn inspect(a: InspectArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let series = read(&a.input, &mut tally)?;
    let options = regularise_options(&a.input).with_gaps(GapPolicy::Interpolate);
    let mut rows = Vec::new();
    for (s, r) in series
        .iter()
        .zip(for_each_series(&series, |s| s.regularise(&options)))
    {
        match r {
            Ok((_, report)) => rows.push(Inspection::new(s, &report)),
            Err(e) => tally.fail(s.name(), &e),
        }
    }
    tally.ok = rows.len();
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_inspections(&mut out, &rows)?;
    finish(out, path)?;
    Ok(tally.exit_code())
}

fn forecast_command(a: ForecastArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.model.seasons, &mut tally);
    let settings = settings(&a.model, Some(a.horizon));
    let progress = Progress::new(prepared.len());
    let mut forecasts: Vec<Forecast> = Vec::new();
    for (p, r) in prepared.iter().zip(for_each_series(&prepared, |p| {
        let f = forecast(p, &settings);
        progress.tick();
        f
    })) {
        match r {
            Ok(f) => forecasts.push(f),
            Err(e) => tally.fail(p.series.name(), &e),
        }
    }
    tally.ok = forecasts.len();
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_forecasts(&mut out, &forecasts, &settings.levels)?;
    finish(out, path)?;
    Ok(tally.exit_code())
}

fn decompose_command(a: DecomposeArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.seasons, &mut tally);
    let s = &a.stl;
    let options = StlOptions {
        seasonal_window: s.seasonal_window,
        trend_window: s.trend_window,
        low_pass_window: s.low_pass_window,
        seasonal_degree: s.seasonal_degree,
        trend_degree: s.trend_degree,
        low_pass_degree: s.low_pass_degree,
        seasonal_jump: s.seasonal_jump,
        trend_jump: s.trend_jump,
        low_pass_jump: s.low_pass_jump,
        robust: a.robust,
        inner_iter: s.inner_iter,
        outer_iter: s.outer_iter,
        coarse_jumps: false,
    };
    let results = for_each_series(&prepared, |p| {
        let periods = if p.periods.is_empty() {
            // Nothing detected: decompose on the shortest calendar period that fits,
            // so the trend is still separated from any weak cycle.
            let fallback = calendar_candidates(p.series.step())
                .into_iter()
                .find(|&q| 2 * q <= p.series.len())
                .ok_or_else(|| {
                    Error::invalid(
                        "no season was detected and no calendar period fits; pass --season",
                    )
                })?;
            eprintln!(
                "headroom: series {}: no daily or weekly season detected; decomposing with period {fallback}",
                p.series.name()
            );
            vec![fallback]
        } else {
            p.periods.clone()
        };
        // Interpolated steps go back to missing: the decomposition skips them.
        let mut values = p.series.values().to_vec();
        for &i in p.series.imputed() {
            values[i] = f64::NAN;
        }
        decompose(&values, &periods, &options)
    });
    let mut parts = Vec::new();
    for (p, r) in prepared.into_iter().zip(results) {
        match r {
            Ok(d) => {
                let dropped: Vec<String> = p
                    .periods
                    .iter()
                    .filter(|q| !d.periods.contains(q))
                    .map(|q| q.to_string())
                    .collect();
                if !dropped.is_empty() {
                    eprintln!(
                        "headroom: series {}: period(s) {} do not fit twice into {} points and were dropped",
                        p.series.name(),
                        dropped.join(", "),
                        p.series.len()
                    );
                }
                parts.push((p.series, d));
            }
            Err(e) => tally.fail(p.series.name(), &e.in_series(p.series.name())),
        }
    }
    tally.ok = parts.len();
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_decompositions(&mut out, &parts, a.robust)?;
    finish(out, path)?;
    Ok(tally.exit_code())
}

fn saturation_command(a: SaturationArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let capacities = match &a.limit.capacities {
        Some(path) => Some(read_capacities(path)?),
        None => None,
    };
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.model.seasons, &mut tally);
    let settings = ForecastSettings {
        paths: a.paths.max(1),
        seed: a.seed,
        ..settings(&a.model, a.horizon)
    };
    let capacity_of = |name: &str| -> Result<f64, Error> {
        match (&capacities, a.limit.capacity) {
            (Some(table), _) => table.get(name).copied().ok_or_else(|| Error::Series {
                series: name.to_string(),
                message: "no capacity for this series in the capacities file".to_string(),
            }),
            (None, Some(c)) => Ok(c),
            (None, None) => Err(Error::invalid("--capacity or --capacities is required")),
        }
    };
    let progress = Progress::new(prepared.len());
    let results = for_each_series(&prepared, |p| {
        let row = capacity_of(p.series.name())
            .and_then(|c| {
                let s = &p.series;
                let (last, step) = (s.last_timestamp(), s.step());
                let questions = Questions {
                    by: a.by.map(|d| d.resolve(last, step)).transpose()?,
                    need_until: match a.need_until {
                        Some(d) => Some((d.resolve(last, step)?, a.risk)),
                        None => None,
                    },
                };
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
    let mut out = open_output(path)?;
    write_saturations(&mut out, &rows)?;
    finish(out, path)?;
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

fn plot_command(a: PlotArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let mut series = read(&a.input, &mut tally)?;
    let chosen = match &a.series {
        Some(name) => series
            .iter()
            .position(|s| s.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = series.iter().map(|s| s.name()).collect();
                Error::invalid(format!(
                    "no series named '{name}' in {}; it holds {}",
                    a.input.input,
                    names.join(", ")
                ))
            })?,
        None => {
            if series.len() > 1 {
                eprintln!(
                    "headroom: {} holds {} series; drawing '{}' (choose one with --series)",
                    a.input.input,
                    series.len(),
                    series[0].name()
                );
            }
            0
        }
    };
    if series.is_empty() {
        return Ok(ExitCode::from(1));
    }
    let one = series.swap_remove(chosen);
    let mut none = Tally::default();
    let prepared = prepare_all(
        std::slice::from_ref(&one),
        &a.input,
        &a.model.seasons,
        &mut none,
    );
    let Some(p) = prepared.first() else {
        return Ok(ExitCode::from(1));
    };
    let settings = settings(&a.model, Some(a.horizon));
    let (f, row) = match a.capacity {
        Some(c) => {
            let (f, row) = saturation(p, &settings, c, a.direction)?;
            (f, Some(row))
        }
        None => (forecast(p, &settings)?, None),
    };
    let mut chart = ForecastChart::new(&p.series, &f);
    if let Some(row) = &row {
        chart = chart.saturation(row);
    }
    chart.render_png(&a.output)?;
    Ok(ExitCode::SUCCESS)
}

fn backtest_command(a: BacktestArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    if a.windows == 0 {
        eprintln!("headroom: --windows must be at least 1");
        return Ok(ExitCode::from(2));
    }
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.seasons, &mut tally);
    let mut models = if a.models.is_empty() {
        vec![ModelChoice::Auto]
    } else {
        a.models.clone()
    };
    if !models
        .iter()
        .any(|m| matches!(m, ModelChoice::SeasonalNaive(_)))
    {
        models.push(ModelChoice::SeasonalNaive(None));
    }
    let levels = if a.levels.is_empty() {
        DEFAULT_LEVELS.to_vec()
    } else {
        a.levels.clone()
    };
    let progress = Progress::new(prepared.len());
    let results = for_each_series(&prepared, |p| {
        let settings = BacktestSettings {
            horizon: a.horizon.steps_ceil(p.series.step()),
            windows: a.windows,
            levels: levels.clone(),
            periods: p.periods.clone(),
            stl: StlOptions::default(),
        };
        let scored = models
            .iter()
            .map(|&m| backtest(&p.series, m, &settings).map_err(|e| e.in_series(p.series.name())))
            .collect::<Vec<_>>();
        progress.tick();
        Ok(scored)
    });
    let mut rows: Vec<Backtest> = Vec::new();
    for (p, r) in prepared.iter().zip(results) {
        for (m, outcome) in models.iter().zip(r.unwrap_or_default()) {
            match outcome {
                Ok(b) => rows.push(b),
                Err(e) => tally.fail(&format!("{} ({m})", p.series.name()), &e),
            }
        }
    }
    tally.ok = rows.len();
    let overall: Vec<(ModelChoice, Scores)> = models
        .iter()
        .map(|m| {
            let scores: Vec<Scores> = rows
                .iter()
                .filter(|b| b.model == *m)
                .map(|b| b.scores.clone())
                .collect();
            (*m, Scores::mean(&scores))
        })
        .collect();
    for (m, s) in &overall {
        let coverage: Vec<String> = s
            .coverage
            .iter()
            .map(|(l, c)| format!("cov{l} {c:.3}"))
            .collect();
        eprintln!(
            "headroom: {m}: sMAPE {:.2}, MASE {:.3}, MSIS {:.2}, {} over {} series",
            s.smape,
            s.mase,
            s.msis,
            coverage.join(", "),
            rows.iter().filter(|b| b.model == *m).count()
        );
    }
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_backtests(&mut out, &rows, &overall, &levels)?;
    finish(out, path)?;
    Ok(tally.exit_code())
}
