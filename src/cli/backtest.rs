//! `headroom backtest`: the accuracy of forecasts, or, with `--capacity` or
//! `--capacities`, the saturation answer scored on the user's own history.

use std::process::ExitCode;

use clap::Args;

use headroom::capacity::{read_capacities, Capacities, CapacityRule};
use headroom::decompose::StlOptions;
use headroom::evaluate::{
    backtest_models, backtest_prepared, backtest_saturation, overall_scores, pooled_scores,
    Backtest, SaturationBacktest, SaturationBacktestSettings, SaturationScores,
};
use headroom::forecast::{Bounds, IntervalMethod, ModelChoice, DEFAULT_LEVELS};
use headroom::output::{
    write_backtests, write_reliability, write_saturation_backtests, write_saturation_origins,
};
use headroom::pipeline::{for_each_series, ForecastSettings, Prepared, DEFAULT_PATHS};
use headroom::plot::ReliabilityChart;
use headroom::saturation::Direction;
use headroom::units::Span;
use headroom::Error;

use super::args::{
    parse_bounds, parse_capacity_rule, parse_direction, parse_horizon, parse_intervals,
    parse_level, parse_model, parse_span, InputArgs, OutputArg,
};
use super::{finish, open_output, prepare_all, read, Progress, Tally};

#[derive(Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Steps forecast from each origin: steps (48) or a duration (2d).
    #[arg(long, value_parser = parse_horizon)]
    pub horizon: Span,
    /// Seasonal period as steps or a duration; repeat for several (default: detected).
    #[arg(long = "season", value_parser = parse_span)]
    pub seasons: Vec<Span>,
    /// Interval level in percent; repeat for several (default 80 and 95).
    #[arg(long = "level", value_parser = parse_level)]
    pub levels: Vec<f64>,
    /// Model to score; repeat to compare several (default auto). Without a
    /// capacity, seasonal naive is always scored beside them as the baseline.
    #[arg(long = "model", value_parser = parse_model)]
    pub models: Vec<ModelChoice>,
    /// Number of rolling origins: the last N stretches of the horizon.
    #[arg(long, default_value_t = 3)]
    pub windows: usize,
    /// Time between origins, as steps or a duration (default: the horizon). A
    /// shorter spacing fits more origins into the history; their stretches overlap.
    #[arg(long, value_parser = parse_span)]
    pub every: Option<Span>,
    /// Score the saturation answer against this capacity instead of the forecast:
    /// a number in the data's unit (500G, 16GiB), a multiple of the extreme of the
    /// history before each origin (1.1x: 10 % above the peak so far), or a share
    /// of a percent metric (80%).
    #[arg(long, value_parser = parse_capacity_rule, allow_hyphen_values = true, conflicts_with = "capacities")]
    pub capacity: Option<CapacityRule>,
    /// Score the saturation answer against each series' capacity in this CSV
    /// (`series,capacity`).
    #[arg(long)]
    pub capacities: Option<String>,
    /// With a capacity: up, the metric rises to a ceiling; down, it falls to a floor.
    #[arg(long, default_value = "up", value_parser = parse_direction)]
    pub direction: Direction,
    /// The values the metric can take, as for `forecast` (auto, none, LO,HI),
    /// resolved on each origin's history: the forecasts and simulated futures
    /// scored are those the commands answer.
    #[arg(long, default_value = "auto", value_parser = parse_bounds)]
    pub bounds: Bounds,
    /// With a capacity: intervals as for `saturation` (auto, model, conformal).
    #[arg(long, default_value = "auto", value_parser = parse_intervals)]
    pub intervals: IntervalMethod,
    /// With a capacity: sample paths simulated per origin.
    #[arg(long, default_value_t = DEFAULT_PATHS)]
    pub paths: usize,
    /// With a capacity: seed of the simulation.
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
    /// With a capacity: bins of the reliability table.
    #[arg(long, default_value_t = headroom::evaluate::saturation::DEFAULT_BINS)]
    pub bins: usize,
    /// With a capacity: write the reliability table to this CSV.
    #[arg(long)]
    pub reliability: Option<String>,
    /// With a capacity: write every origin's assessment and outcome to this CSV.
    #[arg(long)]
    pub origins: Option<String>,
    /// With a capacity: draw the reliability chart to this PNG.
    #[arg(long)]
    pub plot: Option<String>,
    #[command(flatten)]
    pub output: OutputArg,
}

pub fn run(a: BacktestArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    if a.windows == 0 {
        eprintln!("headroom: --windows must be at least 1");
        return Ok(ExitCode::from(2));
    }
    let with_capacity = a.capacity.is_some() || a.capacities.is_some();
    let saturation_only = [
        (a.reliability.is_some(), "--reliability"),
        (a.origins.is_some(), "--origins"),
        (a.plot.is_some(), "--plot"),
    ];
    if let Some((_, flag)) = saturation_only.iter().find(|f| f.0 && !with_capacity) {
        eprintln!("headroom: {flag} scores a saturation answer: give --capacity or --capacities");
        return Ok(ExitCode::from(2));
    }
    let capacities = match (&a.capacities, a.capacity) {
        (Some(path), _) => Some(Capacities::PerSeries(read_capacities(path)?)),
        (None, Some(rule)) => Some(Capacities::All(rule)),
        (None, None) => None,
    };
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.seasons, &mut tally);
    let levels = if a.levels.is_empty() {
        DEFAULT_LEVELS.to_vec()
    } else {
        a.levels.clone()
    };
    if let Some(capacities) = capacities {
        super::warn_unused_capacities(&capacities, series.iter().map(|s| s.name()));
        let rule_of = |name: &str| capacities.rule_for(name);
        return run_saturation(&a, &prepared, &levels, rule_of, tally);
    }
    let models = backtest_models(&a.models);
    let progress = Progress::new(prepared.len());
    let results = for_each_series(&prepared, |p| {
        let scored =
            backtest_prepared(p, &models, a.horizon, a.windows, &levels, a.every, a.bounds);
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
    let overall = overall_scores(&rows, &models);
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

/// `--every` in steps of this series (`None`: the horizon).
fn spacing(every: Option<Span>, p: &Prepared) -> Option<usize> {
    every.map(|e| e.steps_ceil(p.series.step()).max(1))
}

/// The saturation backtest: every model on every series, scored per series and
/// pooled per model.
fn run_saturation(
    a: &BacktestArgs,
    prepared: &[Prepared],
    levels: &[f64],
    rule_of: impl Fn(&str) -> Result<CapacityRule, Error> + Sync,
    mut tally: Tally,
) -> Result<ExitCode, Error> {
    let models = if a.models.is_empty() {
        vec![ModelChoice::Auto]
    } else {
        a.models.clone()
    };
    if a.bins == 0 {
        eprintln!("headroom: --bins must be at least 1");
        return Ok(ExitCode::from(2));
    }
    let progress = Progress::new(prepared.len());
    let results = for_each_series(prepared, |p| {
        let horizon = a.horizon.steps_ceil(p.series.step());
        // A percentage takes its scale from the whole series, not each origin's
        // history, and a series that is not a percentage is an error.
        let rule = match rule_of(p.series.name())? {
            percent @ CapacityRule::Percent(_) => CapacityRule::Fixed(percent.resolve(
                p.series.name(),
                p.series.values(),
                a.direction,
            )?),
            rule => rule,
        };
        let scored = models
            .iter()
            .map(|&model| {
                let settings = SaturationBacktestSettings {
                    horizon,
                    windows: a.windows,
                    spacing: spacing(a.every, p),
                    direction: a.direction,
                    forecast: ForecastSettings {
                        model,
                        horizon: None,
                        levels: levels.to_vec(),
                        stl: StlOptions::default(),
                        intervals: a.intervals,
                        bounds: a.bounds,
                        paths: a.paths.max(1),
                        seed: a.seed,
                        ..Default::default()
                    },
                    bins: a.bins,
                };
                backtest_saturation(p, rule, &settings)
            })
            .collect::<Vec<_>>();
        progress.tick();
        Ok(scored)
    });
    let mut rows: Vec<SaturationBacktest> = Vec::new();
    for (p, r) in prepared.iter().zip(results) {
        match r {
            Ok(per_model) => {
                for (m, outcome) in models.iter().zip(per_model) {
                    match outcome {
                        Ok(b) => rows.push(b),
                        Err(e) if models.len() > 1 => {
                            tally.fail(&format!("{} ({m})", p.series.name()), &e)
                        }
                        Err(e) => tally.fail(p.series.name(), &e),
                    }
                }
            }
            Err(e) => tally.fail(p.series.name(), &e),
        }
    }
    if let Some(line) = short_histories(&rows, a.windows) {
        eprintln!("headroom: {line}");
    }
    tally.ok = rows.len();
    let mut overall: Vec<(ModelChoice, SaturationScores)> = Vec::new();
    for m in &models {
        let of_model: Vec<SaturationBacktest> =
            rows.iter().filter(|b| b.model == *m).cloned().collect();
        if of_model.is_empty() {
            continue;
        }
        let scores = pooled_scores(&of_model, a.bins)?;
        eprintln!("headroom: {m}: {}", summary(&scores, of_model.len()));
        eprint!("{}", reliability_lines(&scores));
        overall.push((*m, scores));
    }
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_saturation_backtests(&mut out, &rows, &overall)?;
    finish(out, path)?;
    if let Some(file) = &a.reliability {
        let mut out = open_output(Some(file))?;
        write_reliability(&mut out, &rows, &overall)?;
        finish(out, Some(file))?;
    }
    if let Some(file) = &a.origins {
        let mut out = open_output(Some(file))?;
        write_saturation_origins(&mut out, &rows)?;
        finish(out, Some(file))?;
    }
    if let Some(png) = &a.plot {
        if !overall.is_empty() {
            let mut chart = ReliabilityChart::new();
            for (m, scores) in &overall {
                chart = chart.curve(m.to_string(), scores);
            }
            chart.render_png(png)?;
        }
    }
    Ok(tally.exit_code())
}

/// One line for every series whose history holds fewer origins than `asked`
/// (each series once, whatever the number of models), or `None`: printed once,
/// not once per series, so a fleet of short series does not bury the summary.
fn short_histories(rows: &[SaturationBacktest], asked: usize) -> Option<String> {
    let mut short: Vec<(&str, usize)> = rows
        .iter()
        .filter(|b| b.cases.len() < asked)
        .map(|b| (b.series.as_str(), b.cases.len()))
        .collect();
    short.sort_unstable();
    short.dedup_by_key(|s| s.0);
    let first = short.first()?.1;
    const LISTED: usize = 8;
    let names = |with_count: bool| {
        let mut listed: Vec<String> = short
            .iter()
            .take(LISTED)
            .map(|(name, n)| match with_count {
                true => format!("{name} ({n})"),
                false => name.to_string(),
            })
            .collect();
        if short.len() > LISTED {
            listed.push(format!("and {} more", short.len() - LISTED));
        }
        listed.join(", ")
    };
    let series = match short.len() {
        1 => "series".to_string(),
        n => format!("{n} series"),
    };
    Some(if short.iter().all(|s| s.1 == first) {
        format!(
            "{first} of the {asked} origins asked for fit in the history of {series}: {}",
            names(false)
        )
    } else {
        format!(
            "only some of the {asked} origins asked for fit in the history of {series} (those that do): {}",
            names(true)
        )
    })
}

/// One line a person reads: how good the probability and the dates were.
fn summary(s: &SaturationScores, series: usize) -> String {
    let percent = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.1} %", 100.0 * v));
    let auc = s.auc.map_or("-".to_string(), |v| format!("{v:.3}"));
    format!(
        "{} origins on {series} series, {} reached capacity: Brier {:.3}, AUC {auc}; \
         the point date found {} of the crossings with {} false alarms; \
         p10-p90 held {} of the crossings, the widest band {}",
        s.cases,
        s.crossings,
        s.brier,
        percent(s.hit_rate),
        percent(s.false_alarm_rate),
        percent(s.p10_p90_coverage),
        percent(s.band_coverage),
    )
}

/// The reliability table, indented, for standard error.
fn reliability_lines(s: &SaturationScores) -> String {
    let mut text = String::from("  probability      origins  mean p  observed\n");
    for bin in s.reliability.iter().filter(|b| b.count > 0) {
        text += &format!(
            "  [{:.2}, {:.2}{}  {:>7}  {:>6.3}  {:>8.3}\n",
            bin.lower,
            bin.upper,
            if bin.upper >= 1.0 { "]" } else { ")" },
            bin.count,
            bin.mean_probability,
            bin.observed_frequency()
        );
    }
    text
}
