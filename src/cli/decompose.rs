//! `headroom decompose`.

use std::process::ExitCode;

use clap::Args;

use headroom::decompose::StlOptions;
use headroom::output::write_decompositions;
use headroom::pipeline::{decompose_prepared, for_each_series};
use headroom::units::Span;
use headroom::Error;

use super::args::{parse_span, InputArgs, OutputArg, StlArgs};
use super::{finish, open_output, prepare_all, read, Tally};

#[derive(Args)]
pub struct DecomposeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Seasonal period as steps or a duration; repeat for MSTL.
    #[arg(long = "season", value_parser = parse_span)]
    pub seasons: Vec<Span>,
    /// Robust STL: 2 inner and 15 outer iterations with bisquare weights.
    #[arg(long)]
    pub robust: bool,
    #[command(flatten)]
    pub stl: StlArgs,
    #[command(flatten)]
    pub output: OutputArg,
}

pub fn run(a: DecomposeArgs) -> Result<ExitCode, Error> {
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
    let results = for_each_series(&prepared, |p| decompose_prepared(p, &options));
    let mut parts = Vec::new();
    for (p, r) in prepared.into_iter().zip(results) {
        match r {
            Ok(d) => {
                for note in &d.notes {
                    eprintln!("headroom: {note}");
                }
                parts.push((p.series, d.decomposition));
            }
            Err(e) => tally.fail(p.series.name(), &e),
        }
    }
    tally.ok = parts.len();
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_decompositions(&mut out, &parts, a.robust)?;
    finish(out, path)?;
    Ok(tally.exit_code())
}
