//! `headroom plot`.

use std::process::ExitCode;

use clap::Args;

use headroom::pipeline::{choose_series, forecast, saturation_scenario};
use headroom::plot::ForecastChart;
use headroom::saturation::Direction;
use headroom::units::Span;
use headroom::Error;

use super::args::{parse_capacity_arg, parse_direction, parse_horizon, InputArgs, ModelArgs};
use super::{prepare_all, read, settings, Tally};

#[derive(Args)]
pub struct PlotArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How far ahead: steps (48) or a duration (2d).
    #[arg(long, value_parser = parse_horizon)]
    pub horizon: Span,
    /// Capacity line to draw, with the saturation date marked.
    #[arg(long, value_parser = parse_capacity_arg, allow_hyphen_values = true)]
    pub capacity: Option<f64>,
    /// up: the metric rises to a ceiling; down: it falls to a floor.
    #[arg(long, default_value = "up", value_parser = parse_direction)]
    pub direction: Direction,
    /// The series to draw (default: the first in the file).
    #[arg(long)]
    pub series: Option<String>,
    #[command(flatten)]
    pub scenario: super::args::ScenarioArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// The PNG file to write.
    #[arg(long, short)]
    pub output: String,
}

pub fn run(a: PlotArgs) -> Result<ExitCode, Error> {
    let mut tally = Tally::default();
    let mut series = read(&a.input, &mut tally)?;
    if series.is_empty() && a.series.is_none() {
        return Ok(ExitCode::from(1));
    }
    let names: Vec<&str> = series.iter().map(|s| s.name()).collect();
    let (chosen, note) = choose_series(&names, a.series.as_deref(), a.input.source())?;
    if let Some(note) = note {
        eprintln!("headroom: {note}");
    }
    let one = series.swap_remove(chosen);
    let mut none = Tally::default();
    let prepared = prepare_all(
        std::slice::from_ref(&one),
        &a.input,
        &a.model.seasons,
        &mut none,
    );
    let Some(p) = prepared.first() else {
        return Ok(ExitCode::from(1));
    };
    let settings = settings(&a.model, Some(a.horizon));
    let scenarios = a.scenario.scenarios();
    if let Err(e) = super::report::check_scenarios(&prepared, &scenarios, a.direction) {
        eprintln!("headroom: {e}");
        return Ok(ExitCode::from(2));
    }
    let (f, row) = match a.capacity {
        Some(c) => {
            let q = Default::default();
            let (f, row) = saturation_scenario(p, &settings, c, a.direction, &q, &scenarios)?;
            (f, Some(row))
        }
        None => {
            let mut f = forecast(p, &settings)?;
            let s = &p.series;
            scenarios.apply_forecast(&mut f, s.last_timestamp(), s.last_value());
            (f, None)
        }
    };
    let row = row.map(|r| scenarios.drawn(&r));
    let mut chart = ForecastChart::new(&p.series, &f);
    if let Some(row) = &row {
        chart = chart.saturation(row);
    }
    chart.render_png(&a.output)?;
    Ok(ExitCode::SUCCESS)
}
