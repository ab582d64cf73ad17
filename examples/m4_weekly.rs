//! Accuracy on the M4 Weekly validation split beside the peers' figures in
//! `../shared/baselines/m4_weekly_validation.md`: each of the 359 series of
//! `../shared/data/m4/Weekly-train.csv` starts on Monday 2000-01-03 with a 7-day
//! step (M4 gives no dates), its last 13 weeks are held out, and the forecast of
//! the rest is scored with M4's definitions for weekly data (m = 1: MASE and MSIS
//! scaled by the mean absolute one-step change, Naive2 = naive).
//!
//! `cargo run --release --example m4_weekly [-- --model ets] [--season 52]`

use std::time::Instant;

use headroom::evaluate::{m4, mase_scale, Scores};
use headroom::forecast::ModelChoice;
use headroom::pipeline::{forecast, prepare, ForecastSettings};
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};
use rayon::prelude::*;

const H: usize = 13;
/// Naive's sMAPE and MASE on this split (the baseline's first row).
const NAIVE: (f64, f64) = (9.20, 2.898);

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
    let seasons: Vec<Span> = flag("--season")
        .map(|s| vec![s.parse().expect("season")])
        .unwrap_or_default();
    let Ok(series) = m4::weekly(&m4::shared_data()) else {
        println!("SKIPPED: m4/Weekly-train.csv not found");
        return;
    };
    let split: Vec<(Series, Vec<f64>)> = series.iter().filter_map(|s| m4::split(s, H)).collect();
    let settings = ForecastSettings {
        model,
        horizon: Some(Span::Steps(H)),
        ..Default::default()
    };
    let started = Instant::now();
    let scored: Vec<(Scores, String)> = split
        .par_iter()
        .filter_map(|(fit, actual)| {
            let prepared = prepare(fit, &RegulariseOptions::default(), &seasons).ok()?;
            let scale = mase_scale(fit.values(), 1)?;
            let f = match forecast(&prepared, &settings) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("{}: {e}", fit.name());
                    return None;
                }
            };
            Some((Scores::of(&f, actual, scale).ok()?, f.model))
        })
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let scores: Vec<Scores> = scored.iter().map(|s| s.0.clone()).collect();
    let mean = Scores::mean(&scores);
    let owa = 0.5 * (mean.smape / NAIVE.0 + mean.mase / NAIVE.1);
    println!(
        "M4 Weekly, {} of {} series, h = {H}, model {model}: sMAPE {:.2} MASE {:.3} OWA {:.3} MSIS {:.2} cov80 {:.3} cov95 {:.3} in {seconds:.1} s",
        scores.len(),
        split.len(),
        mean.smape,
        mean.mase,
        owa,
        mean.msis,
        mean.coverage_at(80.0).unwrap_or(f64::NAN),
        mean.coverage_at(95.0).unwrap_or(f64::NAN),
    );
    println!("peers: AutoETS 8.69 / 2.548 / cov95 0.962; AutoTheta 8.25 / 2.642 / 0.911; AutoARIMA 9.30 / 2.462 / 0.940");
    let mut models: std::collections::BTreeMap<String, usize> = Default::default();
    for (_, m) in &scored {
        *models
            .entry(m.split('(').next().unwrap_or("").to_string())
            .or_default() += 1;
    }
    println!("models: {models:?}");
}
