//! `headroom forecast`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use headroom::forecast::Forecast;
use headroom::output::{write_forecast_header, write_forecast_rows};
use headroom::pipeline::forecast;
use headroom::units::Span;
use headroom::{Error, Series};

use super::args::{parse_horizon, InputArgs, ModelArgs, OutputArg};
use super::stream::{stream, Answer};
use super::{open_output, prepare_one, settings, Tally};

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
    let settings = settings(&a.model, Some(a.horizon));
    let path = a.output.output.as_deref();
    let mut out: Option<Box<dyn Write>> = None;
    let answer = |s: &Series| {
        let (notes, prepared) = prepare_one(s, &a.input, &a.model.seasons);
        let result = prepared.and_then(|p| forecast(&p, &settings));
        Answer { notes, result }
    };
    let mut emit = |f: Forecast| -> Result<(), Error> {
        let w = started(&mut out, path, &settings.levels)?;
        write_forecast_rows(w, std::slice::from_ref(&f), &settings.levels)
    };
    stream(&a.input, &mut tally, answer, &mut emit)?;
    let w = started(&mut out, path, &settings.levels)?;
    w.flush().map_err(|source| Error::Io {
        path: path.unwrap_or("<stdout>").into(),
        source,
    })?;
    Ok(tally.exit_code())
}

/// The output, opened and given its header on the first forecast (or at the
/// end), so that a run that fails as a whole writes nothing.
fn started<'a>(
    out: &'a mut Option<Box<dyn Write>>,
    path: Option<&str>,
    levels: &[f64],
) -> Result<&'a mut Box<dyn Write>, Error> {
    if out.is_none() {
        let mut w = open_output(path)?;
        write_forecast_header(&mut w, levels)?;
        *out = Some(w);
    }
    Ok(out.as_mut().expect("opened above"))
}
