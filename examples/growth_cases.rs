//! Long-horizon saturation on growing series: cut each series at 65 % of its
//! length, set the capacity at a factor of the fitted part's maximum, look as far
//! ahead as the rest of the series, and check the answer against what happened.
//!
//! The rule of issue 9: a series that reaches capacity must have its actual
//! crossing inside `[p10_at, p90_at]` with a probability of at least one half; one
//! that does not must get a probability below one half. Reported per case for the
//! Prophet examples (air passengers and retail sales, factors 1.1 and 1.25), and
//! as shares over the M4 Weekly series (the same cut and factors, the horizon
//! capped at three years) as series the method was not tuned on, with the Brier
//! score of the probability.
//!
//! `cargo run --release --example growth_cases [-- --model ets] [--weekly N]`

use std::path::PathBuf;

use chrono::Utc;
use headroom::forecast::ModelChoice;
use headroom::ingest::{read_path, ReadOptions};
use headroom::pipeline::{prepare, ForecastSettings};
use headroom::query::SaturationQuery;
use headroom::saturation::{Direction, Saturation};
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};
use rayon::prelude::*;

const CUT: f64 = 0.65;
const FACTORS: [f64; 2] = [1.1, 1.25];

struct Outcome {
    model: String,
    crossed_at: Option<usize>,
    row: Saturation,
    /// Steps from the last observation of p10, p50 and p90 (None: not reached).
    p10: Option<usize>,
    p50: Option<usize>,
    p90: Option<usize>,
}

impl Outcome {
    fn right(&self) -> bool {
        match self.crossed_at {
            Some(a) => {
                self.row.probability >= 0.5
                    && self.p10.is_some_and(|p| p <= a)
                    && self.p90.is_none_or(|p| a <= p)
            }
            None => self.row.probability < 0.5,
        }
    }
}

fn step_index(
    series: &Series,
    row: &Saturation,
    at: Option<chrono::DateTime<Utc>>,
) -> Option<usize> {
    let t = at?;
    // Steps after the last observation: count the held-out timestamps up to t.
    let last = row.last_timestamp;
    let after: Vec<_> = series.timestamps().iter().filter(|&&s| s > last).collect();
    Some(after.iter().take_while(|&&&s| s < t).count() + 1)
}

fn assess(series: &Series, factor: f64, model: ModelChoice, cap_h: usize) -> Option<Outcome> {
    let n = series.len();
    let k = (n as f64 * CUT) as usize;
    let h = (n - k).min(cap_h);
    let fit = Series::new(
        series.name(),
        series.timestamps()[..k].to_vec(),
        series.values()[..k].to_vec(),
    )
    .ok()?;
    let max = fit
        .values()
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let capacity = factor * max;
    let rest = &series.values()[k..k + h];
    let crossed_at = rest.iter().position(|&v| v >= capacity).map(|i| i + 1);
    let prepared = prepare(&fit, &RegulariseOptions::default(), &[]).ok()?;
    let settings = ForecastSettings {
        model,
        horizon: Some(Span::Steps(h)),
        intervals: std::env::var("GROWTH_INTERVALS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_default(),
        ..Default::default()
    };
    let answer =
        SaturationQuery::fixed(capacity, Direction::Up, settings).and_then(|q| q.answer(&prepared));
    let (forecast, row) = match answer {
        Ok(a) => (a.forecast, a.row),
        Err(e) => {
            eprintln!("{}: {e}", series.name());
            return None;
        }
    };
    let p10 = step_index(series, &row, row.p10_at);
    let p50 = step_index(series, &row, row.p50_at);
    let p90 = step_index(series, &row, row.p90_at);
    Some(Outcome {
        model: forecast.model,
        crossed_at,
        row,
        p10,
        p50,
        p90,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let model: ModelChoice = flag("--model")
        .map(|m| m.parse().expect("model"))
        .unwrap_or_default();
    let weekly: usize = flag("--weekly")
        .map(|w| w.parse().expect("count"))
        .unwrap_or(359);
    let shared = std::env::var_os("HEADROOM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let prophet = shared.join("prophet");
    if !prophet.exists() {
        println!("SKIPPED: {} not found", prophet.display());
        return;
    }
    println!("model {model}");
    let mut right = 0;
    let mut total = 0;
    for file in ["example_air_passengers.csv", "example_retail_sales.csv"] {
        let read = read_path(
            prophet.join(file).to_str().unwrap(),
            &ReadOptions::default(),
        )
        .expect("reads");
        let s = &read.series[0];
        for factor in FACTORS {
            let Some(o) = assess(s, factor, model, usize::MAX) else {
                continue;
            };
            total += 1;
            right += usize::from(o.right());
            let d = |t: Option<chrono::DateTime<Utc>>| {
                t.map(|t| t.format("%Y-%m").to_string())
                    .unwrap_or("-".into())
            };
            println!(
                "{file} x{factor}: crossed at step {:?}; p {:.2}, p10 {} p50 {} p90 {} (steps {:?} {:?} {:?}), point {}, model {} -> {}",
                o.crossed_at,
                o.row.probability,
                d(o.row.p10_at),
                d(o.row.p50_at),
                d(o.row.p90_at),
                o.p10,
                o.p50,
                o.p90,
                d(o.row.saturation_at),
                o.model,
                if o.right() { "right" } else { "WRONG" }
            );
        }
    }
    println!("Prophet growth cases right: {right} of {total}");

    let mut series = headroom::evaluate::m4::weekly(&shared).unwrap_or_default();
    series.truncate(weekly);
    if series.is_empty() {
        return;
    }
    let outcomes: Vec<(f64, Outcome)> = series
        .par_iter()
        .flat_map(|s| {
            FACTORS
                .iter()
                .filter_map(|&f| assess(s, f, model, 156).map(|o| (f, o)))
                .collect::<Vec<_>>()
        })
        .collect();
    for factor in FACTORS {
        let of: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.0 == factor)
            .map(|o| &o.1)
            .collect();
        let crossing: Vec<&&Outcome> = of.iter().filter(|o| o.crossed_at.is_some()).collect();
        let brier = of
            .iter()
            .map(|o| (o.row.probability - f64::from(u8::from(o.crossed_at.is_some()))).powi(2))
            .sum::<f64>()
            / of.len().max(1) as f64;
        let inside = crossing
            .iter()
            .filter(|o| {
                let a = o.crossed_at.unwrap();
                o.p10.is_some_and(|p| p <= a) && o.p90.is_none_or(|p| a <= p)
            })
            .count();
        println!(
            "M4 Weekly x{factor}: {} series, {} cross; right {:.1} % (crossing {:.1} %, clear {:.1} %); p10-p90 holds the crossing {:.1} %; Brier {:.3}",
            of.len(),
            crossing.len(),
            100.0 * of.iter().filter(|o| o.right()).count() as f64 / of.len().max(1) as f64,
            100.0 * crossing.iter().filter(|o| o.right()).count() as f64 / crossing.len().max(1) as f64,
            100.0 * of.iter().filter(|o| o.crossed_at.is_none() && o.right()).count() as f64
                / (of.len() - crossing.len()).max(1) as f64,
            100.0 * inside as f64 / crossing.len().max(1) as f64,
            brier
        );
    }
}
