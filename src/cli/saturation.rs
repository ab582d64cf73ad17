//! `headroom saturation`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;

use headroom::ingest::read_capacities;
use headroom::output::write_saturations;
use headroom::pipeline::{saturation_with, ForecastSettings, DEFAULT_PATHS};
use headroom::plot::FleetChart;
use headroom::saturation::{describe, rank, Deadline, Direction, Questions};
use headroom::units::Span;
use headroom::{Error, Series};

use super::args::{
    parse_deadline, parse_direction, parse_horizon, parse_risk, CapacityArgs, InputArgs, ModelArgs,
    OutputArg,
};
use super::stream::{stream, Answer};
use super::{finish, open_output, prepare_one, settings, Tally};

#[derive(Args)]
pub struct SaturationArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub limit: CapacityArgs,
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
    #[arg(long, default_value_t = 0.05, value_parser = parse_risk)]
    pub risk: f64,
    /// Sample paths simulated per series.
    #[arg(long, default_value_t = DEFAULT_PATHS)]
    pub paths: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
    /// Draw the fleet to this PNG: one row per series, the 10th to 90th
    /// percentile of its crossing date, the median marked.
    #[arg(long)]
    pub plot: Option<String>,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub output: OutputArg,
}

impl SaturationArgs {
    /// The review date drawn on the fleet chart: an absolute --by date, or the
    /// span after the earliest last observation.
    fn by_date(
        &self,
        rows: &[headroom::saturation::Saturation],
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        match self.by? {
            Deadline::At(t) => Some(t),
            Deadline::After(Span::Seconds(s)) => {
                let first = rows.iter().map(|r| r.last_timestamp).min()?;
                Some(first + chrono::TimeDelta::milliseconds((s * 1000.0) as i64))
            }
            Deadline::After(Span::Steps(_)) => None,
        }
    }
}

pub fn run(a: SaturationArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let capacities = match &a.limit.capacities {
        Some(path) => Some(read_capacities(path)?),
        None => None,
    };
    let settings = ForecastSettings {
        paths: a.paths.max(1),
        seed: a.seed,
        ..settings(&a.model, a.horizon)
    };
    let capacity_of = |name: &str| -> Result<f64, Error> {
        match (&capacities, a.limit.capacity) {
            (Some(table), _) => table.get(name).copied().ok_or_else(|| Error::Series {
                series: name.to_string(),
                message: "no capacity for this series in the capacities file".to_string(),
            }),
            (None, Some(c)) => Ok(c),
            (None, None) => Err(Error::invalid("--capacity or --capacities is required")),
        }
    };
    let answer = |raw: &Series| {
        let (notes, prepared) = prepare_one(raw, &a.input, &a.model.seasons);
        let result = prepared.and_then(|p| {
            let c = capacity_of(p.series.name())?;
            let s = &p.series;
            let (last, step) = (s.last_timestamp(), s.step());
            let questions = Questions {
                by: a.by.map(|d| d.resolve(last, step)).transpose()?,
                need_until: match a.need_until {
                    Some(d) => Some((d.resolve(last, step)?, a.risk)),
                    None => None,
                },
            };
            saturation_with(&p, &settings, c, a.direction, &questions).map(|(_, row)| row)
        });
        Answer { notes, result }
    };
    // Rows are small (a few hundred bytes): they are kept to be ranked.
    let mut rows = Vec::new();
    stream(&a.input, &mut tally, answer, |row| {
        rows.push(row);
        Ok(())
    })?;
    rank(&mut rows);
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_saturations(&mut out, &rows)?;
    finish(out, path)?;
    if let Some(png) = &a.plot {
        FleetChart::new(&rows)
            .review(a.by_date(&rows))
            .render_png(png)?;
    }
    if std::io::stdout().is_terminal() {
        if path.is_none() || path == Some("-") {
            println!();
        }
        for row in &rows {
            println!("{}", describe(row));
        }
    }
    Ok(tally.exit_code())
}
