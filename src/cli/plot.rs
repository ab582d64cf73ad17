//! `headroom plot`.

use std::process::ExitCode;

use clap::Args;

use std::io::Read;

use headroom::capacity::{Capacities, CapacityRule};
use headroom::pipeline::choose_series;
use headroom::query::{forecast_under, SaturationQuery};

use headroom::ingest::{detect, resolve_layout, Format};
use headroom::plot::{value_column_name, ForecastChart};
use headroom::saturation::Direction;
use headroom::units::{Span, Unit};
use headroom::{Error, Series};

use super::args::{parse_capacity_rule, parse_direction, parse_horizon, InputArgs, ModelArgs};

/// A capacity rule and whether it was written in binary units (`16GiB`).
#[derive(Clone, Debug)]
pub struct WrittenCapacity {
    rule: CapacityRule,
    binary: bool,
}

fn parse_written_capacity(s: &str) -> Result<WrittenCapacity, String> {
    let rule = parse_capacity_rule(s)?;
    let t = s.trim().trim_end_matches('B');
    let binary = ["Ki", "Mi", "Gi", "Ti", "Pi"]
        .iter()
        .any(|p| t.ends_with(p));
    Ok(WrittenCapacity { rule, binary })
}

fn parse_unit(s: &str) -> Result<String, String> {
    Unit::parse(s)
        .map(|_| s.trim().to_string())
        .map_err(|e| e.to_string())
}
use super::{prepare_all, read, settings, Tally};

#[derive(Args)]
pub struct PlotArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How far ahead: steps (48) or a duration (2d).
    #[arg(long, value_parser = parse_horizon)]
    pub horizon: Span,
    /// Capacity line to draw, with the saturation date marked: as `saturation
    /// --capacity` takes it (500G, 16GiB, 0.9x, 80%).
    #[arg(long, value_parser = parse_written_capacity, allow_hyphen_values = true)]
    pub capacity: Option<WrittenCapacity>,
    /// The unit of the values, for the value axis (bytes, MB, GiB, %, seconds, ms,
    /// or any name such as requests). Default: read from the value column's or
    /// the series' name (mem_free_mb, disk_used_bytes, cpu_pct); bytes are
    /// written in binary units (GiB) when --capacity is (16GiB), else in SI (GB).
    #[arg(long, value_parser = parse_unit)]
    pub unit: Option<String>,
    /// up: the metric rises to a ceiling; down: it falls to a floor.
    #[arg(long, default_value = "up", value_parser = parse_direction)]
    pub direction: Direction,
    /// With --capacity: also score the probability on the series' own history, as
    /// `saturation --self-check` does, and say under the chart when it is not to
    /// be trusted (its Brier skill is negative).
    #[arg(long, requires = "capacity")]
    pub self_check: bool,
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
    let binary = a.capacity.as_ref().is_some_and(|c| c.binary);
    let (f, row) = match a.capacity.map(|c| c.rule) {
        Some(rule) => {
            let query = SaturationQuery::builder(Capacities::All(rule))
                .direction(a.direction)
                .scenarios(scenarios)
                .self_check(a.self_check)
                .settings(settings)
                .build()?;
            let answer = match query.answer(p) {
                Err(e @ Error::InvalidArgument(_)) => {
                    eprintln!("headroom: {e}");
                    return Ok(ExitCode::from(2));
                }
                other => other?,
            };
            if let Some(caution) = answer.row.self_check.and_then(|c| c.caution()) {
                eprintln!("headroom: series {}: {caution}", answer.row.series);
            }
            let drawn = answer.drawn();
            (answer.forecast, Some(drawn))
        }
        None => {
            if let Err(e) = check_scenarios(&scenarios, p, a.direction) {
                eprintln!("headroom: {e}");
                return Ok(ExitCode::from(2));
            }
            (forecast_under(p, &settings, &scenarios)?, None)
        }
    };
    let mut chart = ForecastChart::new(&p.series, &f);
    if let Some(name) = value_name(&a.input, &one) {
        chart = chart.value_name(name);
    }
    if let Some(row) = &row {
        chart = chart.saturation(row);
    }
    if let Some(unit) = &a.unit {
        chart = chart.unit(unit);
    }
    chart = chart.binary_units(binary);
    chart.render_png(&a.output)?;
    Ok(ExitCode::SUCCESS)
}

/// A scenario that does not fit the series is a wrong command line.
fn check_scenarios(
    scenarios: &headroom::scenario::Scenarios,
    p: &headroom::pipeline::Prepared,
    direction: Direction,
) -> Result<(), Error> {
    let s = &p.series;
    scenarios.check(s.name(), s.last_timestamp(), s.last_value(), direction)
}

/// What the values of `series` are called in the input: a Prometheus series'
/// metric name, or the CSV value column that holds it (`mem_free_mb`), from the
/// file's header read with the same layout rules as the reader. `None` (the axis
/// says `value`) for standard input or a header that cannot be read.
fn value_name(input: &InputArgs, series: &Series) -> Option<String> {
    if let Some(metric) = series.labels().get("__name__") {
        return Some(metric.clone());
    }
    let path = input.input.as_deref().filter(|p| *p != "-")?;
    if input.live.prometheus.is_some() {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut head)
        .ok()?;
    let text = String::from_utf8_lossy(&head);
    let wide = match input.format.unwrap_or_else(|| detect(&text)) {
        Format::Long => None,
        Format::Wide => Some(true),
        _ => return None,
    };
    let line = text
        .trim_start_matches('\u{feff}')
        .lines()
        .find(|l| !l.trim().is_empty())?;
    // The separator the line uses most, as the reader's dialect detection picks.
    let separator = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&c| line.bytes().filter(|&b| b == c).count())?;
    let header = split_header(line, separator as char);
    let options = input.read_options();
    let layout = resolve_layout(path, "", &header, &options, wide).ok()?;
    value_column_name(&layout, &header, series.name())
}

/// The fields of a CSV header line, double quotes removed (`""` is a quote).
fn split_header(line: &str, separator: char) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.trim_end_matches(['\r', '\n']).chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == separator && !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields.into_iter().map(|f| f.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::split_header;

    #[test]
    fn header_fields() {
        assert_eq!(split_header("a,b,c\r\n", ','), ["a", "b", "c"]);
        assert_eq!(
            split_header("\"time\";\"free \"\"MB\"\"\";x", ';'),
            ["time", "free \"MB\"", "x"]
        );
    }
}
