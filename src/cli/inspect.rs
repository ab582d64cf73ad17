//! `headroom inspect`.

use std::process::ExitCode;

use clap::Args;

use headroom::output::{write_inspections, Inspection};
use headroom::pipeline::for_each_series;
use headroom::{Error, GapPolicy};

use super::args::{InputArgs, OutputArg};
use super::{finish, open_output, read, regularise_options, Tally};

#[derive(Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArg,
}

pub fn run(a: InspectArgs) -> Result<ExitCode, Error> {
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
