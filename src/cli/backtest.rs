//! `headroom backtest`.

use std::process::ExitCode;

use clap::Args;

use headroom::evaluate::Backtest;
use headroom::forecast::{ModelChoice, DEFAULT_LEVELS};
use headroom::output::write_backtests;
use headroom::pipeline::{backtest_models, backtest_prepared, for_each_series, overall_scores};
use headroom::units::Span;
use headroom::Error;

use super::args::{parse_horizon, parse_level, parse_model, parse_span, InputArgs, OutputArg};
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
    /// Model to score; repeat to compare several (default auto). Seasonal naive is
    /// always scored beside them as the baseline.
    #[arg(long = "model", value_parser = parse_model)]
    pub models: Vec<ModelChoice>,
    /// Number of rolling origins: the last N stretches of the horizon.
    #[arg(long, default_value_t = 3)]
    pub windows: usize,
    #[command(flatten)]
    pub output: OutputArg,
}

pub fn run(a: BacktestArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    if a.windows == 0 {
        eprintln!("headroom: --windows must be at least 1");
        return Ok(ExitCode::from(2));
    }
    let series = read(&a.input, &mut tally)?;
    let prepared = prepare_all(&series, &a.input, &a.seasons, &mut tally);
    let models = backtest_models(&a.models);
    let levels = if a.levels.is_empty() {
        DEFAULT_LEVELS.to_vec()
    } else {
        a.levels.clone()
    };
    let progress = Progress::new(prepared.len());
    let results = for_each_series(&prepared, |p| {
        let scored = backtest_prepared(p, &models, a.horizon, a.windows, &levels);
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
