//! The `headroom` command: a thin layer of flags over the library. Each command's
//! glue lives in its own file under `src/cli/`.
//!
//! Exit status: 0 when every series succeeded, 1 when nothing could be done, 2 for a
//! wrong command line (clap's own status), 3 when some series failed (each named on
//! standard error) and the others were written.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use headroom::Error;

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
    Inspect(cli::inspect::InspectArgs),
    /// Forecast every series with prediction intervals.
    Forecast(cli::forecast::ForecastArgs),
    /// Decompose every series into trend, seasonal components and remainder.
    Decompose(cli::decompose::DecomposeArgs),
    /// When does each series reach its capacity, and how likely is it.
    Saturation(cli::saturation::SaturationArgs),
    /// Draw one series' forecast, capacity and saturation date to a PNG.
    Plot(cli::plot::PlotArgs),
    /// Write one self-contained HTML capacity report: summary, ranked table,
    /// charts, backtest, what-if scenarios.
    Report(cli::report::ReportArgs),
    /// Score models by rolling-origin backtests: sMAPE, MASE, MSIS, coverage.
    Backtest(cli::backtest::BacktestArgs),
    /// When does an SLO's error budget run out; or its Prometheus burn-rate alerts.
    Budget(cli::budget::BudgetArgs),
    /// Evaluate saturation rules against Prometheus and serve them on /metrics.
    Serve(cli::serve::ServeArgs),
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Inspect(a) => cli::inspect::run(a),
        Command::Forecast(a) => cli::forecast::run(a),
        Command::Decompose(a) => cli::decompose::run(a),
        Command::Saturation(a) => cli::saturation::run(a),
        Command::Plot(a) => cli::plot::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Backtest(a) => cli::backtest::run(a),
        Command::Budget(a) => cli::budget::run(a),
        Command::Serve(a) => cli::serve::run(a),
    };
    match outcome {
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
