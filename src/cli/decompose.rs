//! `headroom decompose`.

use std::process::ExitCode;

use clap::Args;

use headroom::decompose::period::calendar_candidates;
use headroom::decompose::{decompose, StlOptions};
use headroom::output::write_decompositions;
use headroom::pipeline::for_each_series;
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
