//! `headroom forecast`.

use std::process::ExitCode;

use clap::Args;

use headroom::forecast::Forecast;
use headroom::output::write_forecasts;
use headroom::pipeline::{for_each_series, forecast};
use headroom::units::Span;
use headroom::Error;

use super::args::{parse_horizon, InputArgs, ModelArgs, OutputArg};
use super::{finish, open_output, prepare_all, read, settings, Progress, Tally};

#[derive(Args)]
pub struct ForecastArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How far ahead: steps (48) or a duration (2d).
    #[arg(long, value_parser = parse_horizon)]
    pub horizon: Span,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub output: OutputArg,
}

pub fn run(a: ForecastArgs) -> Result<ExitCode, Error> {
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
