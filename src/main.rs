//! The `headroom` command: a thin layer of flags over the library.
//!
//! Exit status: 0 when every series succeeded, 1 when nothing could be done, 2 for a
//! wrong command line (clap's own status), 3 when some series failed (each named on
//! standard error) and the others were written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use headroom::decompose::period::calendar_candidates;
use headroom::decompose::{decompose, StlOptions};
use headroom::forecast::{Forecast, ModelChoice, DEFAULT_LEVELS};
use headroom::ingest::{read_capacities, read_path, Format, Ingested, ReadOptions};
use headroom::output::{
    write_decompositions, write_forecasts, write_inspections, write_saturations, Inspection,
};
use headroom::pipeline::{
    for_each_series, forecast, prepare, saturation, ForecastSettings, Prepared,
};
use headroom::plot::ForecastChart;
use headroom::resample::{step_from_seconds, Aggregation, Hygiene};
use headroom::saturation::{rank, Direction};
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
    /// Model: auto, naive, seasonal_naive, stl_linear or linear_trend.
    #[arg(long, default_value = "auto", value_parser = parse_model)]
    model: ModelChoice,
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
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    output: OutputArg,
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
    let mut forecasts: Vec<Forecast> = Vec::new();
    for (p, r) in prepared
        .iter()
        .zip(for_each_series(&prepared, |p| forecast(p, &settings)))
    {
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
        decompose(p.series.values(), &periods, &options)
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
    write_decompositions(&mut out, &parts)?;
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
    let settings = settings(&a.model, a.horizon);
    let results = for_each_series(&prepared, |p| {
        let name = p.series.name();
        let capacity = match (&capacities, a.limit.capacity) {
            (Some(table), _) => *table.get(name).ok_or_else(|| Error::Series {
                series: name.to_string(),
                message: "no capacity for this series in the capacities file".to_string(),
            })?,
            (None, Some(c)) => c,
            (None, None) => unreachable!("clap requires --capacity or --capacities"),
        };
        saturation(p, &settings, capacity, a.direction).map(|(_, row)| row)
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
