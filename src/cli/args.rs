//! The argument groups several commands share, and the parsers of flag values.

use clap::Args;

use chrono::{DateTime, Utc};
use headroom::capacity::CapacityRule;
use headroom::forecast::{Bounds, IntervalMethod, ModelChoice};

use headroom::ingest::{parse_timestamp, Duplicates, Format, ReadOptions, RowClock, Since};
use headroom::pipeline::DEFAULT_PATHS;
use headroom::query::DEFAULT_RISK;
use headroom::resample::{Aggregation, Hygiene};
use headroom::saturation::{Deadline, Direction};
use headroom::units::{self, Span};
use headroom::{GapPolicy, Step};

#[derive(Args)]
pub struct InputArgs {
    /// Metric history to read (`-` for standard input).
    #[arg(long, short, required_unless_present = "prometheus")]
    pub input: Option<String>,
    #[command(flatten)]
    pub live: super::live::LiveArgs,
    /// Input format (default: detected from the content).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// CSV column holding timestamps.
    #[arg(long)]
    pub time_column: Option<String>,
    /// CSV column holding series names.
    #[arg(long)]
    pub series_column: Option<String>,
    /// CSV column holding values (repeat for several series, one per column).
    #[arg(long)]
    pub value_column: Vec<String>,
    /// Rows of one series that share a timestamp: refuse the series when they are more
    /// than 1 % of its rows (the default; fewer are merged by their mean), or merge them
    /// all by their mean, max, or the last row's value.
    #[arg(long, default_value = "refuse", value_parser = parse_duplicates)]
    pub duplicates: Duplicates,
    /// What to do with missing steps: auto (a line across short gaps; gaps longer than a
    /// season and closed hours, gaps that recur every week, are not learnt from), fill
    /// (a line across every gap), closed (the gaps are closed hours), or refuse the series.
    #[arg(long, default_value = "auto", value_parser = parse_gaps)]
    pub gaps: GapPolicy,
    /// CloudWatch get-metric-statistics: the statistic to read (Average, Sum, Minimum,
    /// Maximum, SampleCount, or an extended one such as p95). Default: Average.
    #[arg(long)]
    pub statistic: Option<String>,
    /// Resample every series to this coarser step (a duration: 5m, 1h, 1d, 1w); with
    /// --start, the spacing of the file's rows.
    #[arg(long, value_parser = parse_step)]
    pub step: Option<Step>,
    /// For a CSV without timestamps (`rownames,x`): the time of each series' first
    /// row (2024-01-01, 2024-01-01T09:00:00Z); the rows follow --step apart.
    #[arg(long, value_parser = parse_start, requires = "step", conflicts_with_all = ["time_column", "prometheus"])]
    pub start: Option<DateTime<Utc>>,
    /// Use only the recent history: a span back from each series' last timestamp
    /// (28d, 12h), a number of points (500), or a date or time (2024-03-01).
    #[arg(long, value_parser = parse_since)]
    pub since: Option<Since>,
    /// How --step aggregates the values of one step: mean, max, min, last, sum or p95.
    #[arg(long, default_value = "mean", value_parser = parse_agg, requires = "step")]
    pub agg: Aggregation,
    /// Read every series as a counter (monotonic, reset to zero on restart) and turn it
    /// into a per-second rate before anything else.
    #[arg(long)]
    pub rate: bool,
}

impl InputArgs {
    /// How the input is read, from the flags.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            time_column: self.time_column.clone(),
            series_column: self.series_column.clone(),
            value_columns: self.value_column.clone(),
            statistic: self.statistic.clone(),
            duplicates: self.duplicates,
            clock: self
                .start
                .zip(self.step)
                .map(|(start, step)| RowClock { start, step }),
            since: self.since,
        }
    }

    /// The hygiene steps asked for. With --start, --step is the rows' spacing,
    /// not a step to resample to.
    pub fn hygiene(&self) -> Hygiene {
        Hygiene {
            rate: self.rate,
            step: self.step.filter(|_| self.start.is_none()),
            aggregation: self.agg,
        }
    }

    /// What is read, for messages: the file, or the Prometheus URL.
    pub fn source(&self) -> &str {
        match (&self.live.prometheus, &self.input) {
            (Some(url), _) => url,
            (None, Some(path)) => path,
            (None, None) => "-",
        }
    }
}

#[derive(Args)]
pub struct OutputArg {
    /// Where to write the CSV (default or `-`: standard output).
    #[arg(long, short)]
    pub output: Option<String>,
}

#[derive(Args)]
pub struct ModelArgs {
    /// Seasonal period as steps (24) or a duration (1d); repeat for several.
    /// Without it, daily and weekly periods are detected from the data.
    #[arg(long = "season", value_parser = parse_span)]
    pub seasons: Vec<Span>,
    /// Interval level in percent; repeat for several (default 80 and 95).
    #[arg(long = "level", value_parser = parse_level)]
    pub levels: Vec<f64>,
    /// Model: auto, or a model name (naive, seasonal_naive, drift, stl_linear, linear_trend, ...; see docs/cli.md).
    #[arg(long, default_value = "auto", value_parser = parse_model)]
    pub model: ModelChoice,
    /// Intervals: auto (conformal for the auto model, the model's own otherwise),
    /// model, conformal (from rolling-origin refits), or origins (experimental:
    /// auto chosen on many origins of one fit, futures of its own past errors;
    /// see docs/method.md).
    #[arg(long, default_value = "auto", value_parser = parse_intervals)]
    pub intervals: IntervalMethod,
    /// The values the metric can take: auto (never below 0 when the history never
    /// was; 0-100 or 0-1 for a series named as a percentage), none, or LO,HI
    /// (either may be empty: `0,`). Forecasts, bands and simulated futures stay inside.
    #[arg(long, default_value = "auto", value_parser = parse_bounds)]
    pub bounds: Bounds,
}

/// `--bounds`: `auto`, `none` or `LO,HI`.
pub fn parse_bounds(s: &str) -> Result<Bounds, String> {
    s.parse().map_err(|e: headroom::Error| e.to_string())
}

#[derive(Args)]
pub struct StlArgs {
    /// Seasonal smoother length (odd, at least 3; default 7).
    #[arg(long)]
    pub seasonal_window: Option<usize>,
    /// Trend smoother length (odd, greater than the period).
    #[arg(long)]
    pub trend_window: Option<usize>,
    /// Low-pass smoother length (odd, greater than the period).
    #[arg(long)]
    pub low_pass_window: Option<usize>,
    /// Seasonal LOESS degree (0 or 1).
    #[arg(long)]
    pub seasonal_degree: Option<u8>,
    /// Trend LOESS degree (0 or 1).
    #[arg(long)]
    pub trend_degree: Option<u8>,
    /// Low-pass LOESS degree (0 or 1).
    #[arg(long)]
    pub low_pass_degree: Option<u8>,
    /// Seasonal LOESS jump.
    #[arg(long)]
    pub seasonal_jump: Option<usize>,
    /// Trend LOESS jump.
    #[arg(long)]
    pub trend_jump: Option<usize>,
    /// Low-pass LOESS jump.
    #[arg(long)]
    pub low_pass_jump: Option<usize>,
    /// Inner-loop iterations.
    #[arg(long)]
    pub inner_iter: Option<usize>,
    /// Outer (robustness) iterations.
    #[arg(long)]
    pub outer_iter: Option<usize>,
}

#[derive(Args)]
#[group(id = "limit", required = true, multiple = false, args = ["capacity", "capacities"])]
pub struct CapacityArgs {
    /// Capacity in the data's unit, suffixes k M G T and Ki Mi Gi Ti with an
    /// optional B accepted (500G, 16GiB); or 0.9x, a multiple of the history's
    /// extreme (its peak, or with --direction down its trough); or 80%, a share of a
    /// percent metric (80 for values within 0-100, 0.8 within 0-1).
    #[arg(long, value_parser = parse_capacity_rule, allow_hyphen_values = true)]
    pub capacity: Option<CapacityRule>,
    /// CSV `series,capacity` giving each series its own capacity.
    #[arg(long)]
    pub capacities: Option<String>,
}

/// What-if scenarios (`--scenario`, repeatable), shared by saturation, plot and
/// report.
#[derive(Args)]
pub struct ScenarioArgs {
    /// What-if, repeatable, applied to every simulated future: 'x1.3 from 2025-05-01'
    /// (a launch), '+50G on 2025-05-01' (a migration), '+5G/day from DATE' or
    /// '+20%/month from DATE' (a ramp), 'growth x2 from DATE', 'capacity 750G from
    /// 2025-06-01' (a planned upgrade). See docs/cli.md.
    #[arg(long = "scenario", value_parser = headroom::scenario::parse_scenario, allow_hyphen_values = true)]
    pub scenarios: Vec<headroom::scenario::Scenario>,
}

impl ScenarioArgs {
    /// The scenarios of the run.
    pub fn scenarios(&self) -> headroom::scenario::Scenarios {
        headroom::scenario::Scenarios(self.scenarios.clone())
    }
}

pub fn parse_span(s: &str) -> Result<Span, String> {
    s.parse::<Span>().map_err(|e| e.to_string())
}

pub fn parse_horizon(s: &str) -> Result<Span, String> {
    units::parse_horizon(s).map_err(|e| e.to_string())
}

pub fn parse_level(s: &str) -> Result<f64, String> {
    units::parse_level(s).map_err(|e| e.to_string())
}

pub fn parse_model(s: &str) -> Result<ModelChoice, String> {
    s.parse::<ModelChoice>().map_err(|e| e.to_string())
}

pub fn parse_intervals(s: &str) -> Result<IntervalMethod, String> {
    s.parse::<IntervalMethod>().map_err(|e| e.to_string())
}

pub fn parse_deadline(s: &str) -> Result<Deadline, String> {
    s.parse::<Deadline>().map_err(|e| e.to_string())
}

pub fn parse_risk(s: &str) -> Result<f64, String> {
    units::parse_risk(s).map_err(|e| e.to_string())
}

pub fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

pub fn parse_direction(s: &str) -> Result<Direction, String> {
    s.parse::<Direction>().map_err(|e| e.to_string())
}

/// `500G`, `16GiB`, `0.9x` (of the history's extreme) or `80%` (of a percent
/// metric): the rule `backtest --capacity` reads, for every command.
pub fn parse_capacity_rule(s: &str) -> Result<CapacityRule, String> {
    s.parse::<CapacityRule>().map_err(|e| e.to_string())
}

pub fn parse_step(s: &str) -> Result<Step, String> {
    headroom::resample::parse_step(s).map_err(|e| e.to_string())
}

/// `--start`: a time as the readers read timestamps.
pub fn parse_start(s: &str) -> Result<DateTime<Utc>, String> {
    parse_timestamp(s).map_err(|e| format!("--start: {e}"))
}

/// `--since`: a span back, a number of points, or a date.
pub fn parse_since(s: &str) -> Result<Since, String> {
    s.parse::<Since>().map_err(|e| e.to_string())
}

pub fn parse_agg(s: &str) -> Result<Aggregation, String> {
    s.parse::<Aggregation>().map_err(|e| e.to_string())
}

pub fn parse_gaps(s: &str) -> Result<GapPolicy, String> {
    s.parse::<GapPolicy>().map_err(|e| e.to_string())
}

pub fn parse_duplicates(s: &str) -> Result<Duplicates, String> {
    s.parse::<Duplicates>().map_err(|e| e.to_string())
}

/// The saturation question, as `saturation` and `report` ask it.
#[derive(Args)]
pub struct QuestionArgs {
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
    /// Simulate every series' paths, also where the bound on a path's chance of
    /// reaching capacity already says none of them would (the check of that
    /// shortcut, `headroom::pipeline::CLEAR_EXPECTED_PATHS`).
    #[arg(long)]
    pub all_paths: bool,
    /// Simulate a quarter of the paths first and stop there when the rest could
    /// no longer move the probability by more than 0.02, a crossing percentile
    /// by more than a step, or the status (at three standard errors); off by
    /// default.
    #[arg(long)]
    pub adaptive_paths: bool,
    /// Pool the futures' probability with the history's own answer to the
    /// question (how often, from every past origin, the series rose that far
    /// above its peak so far within the horizon), and weigh the dates to match;
    /// `--pool-history false` answers from the futures alone (docs/method.md,
    /// "The history's own answer").
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub pool_history: bool,
}
