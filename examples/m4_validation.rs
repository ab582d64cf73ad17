//! Accuracy and speed on the M4 Hourly validation split, measured through the CLI
//! exactly as a user runs it, beside the peers' figures from
//! `../shared/baselines/m4_hourly_validation.md`.
//!
//! For each of the 414 series of `../shared/data/m4/Hourly-train-long.csv` the last
//! 48 hours are held out; the rest is written to a CSV, and
//! `headroom forecast --input FIT.csv --horizon 48 --season 24 --season 168` is run
//! and timed. The forecasts are scored with the M4 definitions (sMAPE, MASE and
//! MSIS scaled by the lag-24 mean absolute difference of the fitting part) and the
//! coverage of the 80 and 95 % intervals.
//!
//! ```sh
//! cargo build --release && cargo run --release --example m4_validation
//! cargo run --release --example m4_validation -- --model seasonal_naive   # extra CLI flags
//! ```
//! `HEADROOM_BIN` names another binary; `HEADROOM_SHARED_DATA` the shared data folder.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use headroom::evaluate::{mase_scale, Scores};
use headroom::forecast::{Forecast, Interval};
use headroom::ingest::{read_path, ReadOptions};
use headroom::output::format_time;

const HORIZON: usize = 48;

/// The peers' figures: model, sMAPE, MASE, MSIS, cov80, cov95, seconds.
const PEERS: [(&str, f64, f64, f64, f64, f64, f64); 7] = [
    (
        "statsforecast SeasonalNaive(24)",
        14.57,
        1.228,
        9.41,
        0.822,
        0.955,
        2.3,
    ),
    ("M4 Naive2", 19.23, 2.455, 21.38, 0.836, 0.936, 2.4),
    (
        "statsforecast MSTL(24,168)+AutoETS",
        13.24,
        1.133,
        13.05,
        0.714,
        0.846,
        126.0,
    ),
    (
        "statsforecast AutoETS(24)",
        19.07,
        1.687,
        22.82,
        0.678,
        0.817,
        355.0,
    ),
    (
        "statsforecast AutoTheta(24)",
        19.06,
        2.509,
        21.35,
        0.788,
        0.905,
        51.0,
    ),
    (
        "augurs MSTL(24,168)+AutoETS",
        13.12,
        1.135,
        12.95,
        0.713,
        0.845,
        8.5,
    ),
    (
        "Prophet (daily+weekly)",
        19.18,
        1.680,
        15.82,
        0.632,
        0.809,
        84.0,
    ),
];
const NAIVE2: (f64, f64) = (19.23, 2.455);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shared = std::env::var_os("HEADROOM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let input = shared.join("m4/Hourly-train-long.csv");
    if !input.exists() {
        println!("SKIPPED: {} not found", input.display());
        return Ok(());
    }
    let read = read_path(input.to_str().ok_or("path")?, &ReadOptions::default())?;
    let work = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/m4");
    std::fs::create_dir_all(&work)?;
    let fit_path = work.join("FIT.csv");
    let out_path = work.join("forecast.csv");

    let mut fit_csv = String::from("series,timestamp,value\n");
    let mut held_out: HashMap<String, (Vec<f64>, Vec<f64>)> = HashMap::new();
    for s in &read.series {
        let n = s.len();
        for i in 0..n - HORIZON {
            writeln!(
                fit_csv,
                "{},{},{}",
                s.name(),
                format_time(s.timestamps()[i]),
                s.values()[i]
            )?;
        }
        let values = s.values();
        held_out.insert(
            s.name().to_string(),
            (
                values[..n - HORIZON].to_vec(),
                values[n - HORIZON..].to_vec(),
            ),
        );
    }
    std::fs::write(&fit_path, fit_csv)?;

    let bin = std::env::var("HEADROOM_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/headroom").to_string()
    });
    let extra: Vec<String> = std::env::args().skip(1).collect();
    let mut args: Vec<String> = [
        "forecast",
        "--input",
        fit_path.to_str().ok_or("path")?,
        "--horizon",
        "48",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(["--season", "24", "--season", "168", "--output"].map(String::from));
    args.push(out_path.to_str().ok_or("path")?.to_string());
    args.extend(extra.iter().cloned());
    let started = Instant::now();
    let status = Command::new(&bin).args(&args).status()?;
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("{bin} exited with {status}").into());
    }

    let forecasts = parse_forecasts(&std::fs::read_to_string(&out_path)?)?;
    let mut scores = Vec::new();
    let mut models: HashMap<String, usize> = HashMap::new();
    for f in &forecasts {
        let (history, actual) = &held_out[&f.series];
        let scale = mase_scale(history, 24).ok_or("flat history")?;
        scores.push(Scores::of(f, actual, scale)?);
        *models
            .entry(f.model.split('(').next().unwrap_or("").to_string())
            .or_default() += 1;
    }
    let mean = Scores::mean(&scores);
    let owa = 0.5 * (mean.smape / NAIVE2.0 + mean.mase / NAIVE2.1);

    println!(
        "M4 Hourly validation split: {} series, horizon {HORIZON}",
        forecasts.len()
    );
    println!("command: {bin} {}", args.join(" "));
    println!();
    println!("| model | sMAPE | MASE | OWA | MSIS | cov80 | cov95 | fit+forecast, all series |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| **headroom** ({}) | **{:.2}** | **{:.3}** | **{:.3}** | **{:.2}** | **{:.3}** | **{:.3}** | **{:.1} s** |",
        extra.join(" ").trim().to_string() + if extra.is_empty() { "auto" } else { "" },
        mean.smape,
        mean.mase,
        owa,
        mean.msis,
        mean.coverage_at(80.0).unwrap_or(f64::NAN),
        mean.coverage_at(95.0).unwrap_or(f64::NAN),
        seconds
    );
    for (name, smape, mase, msis, c80, c95, secs) in PEERS {
        let owa = 0.5 * (smape / NAIVE2.0 + mase / NAIVE2.1);
        println!("| {name} | {smape:.2} | {mase:.3} | {owa:.3} | {msis:.2} | {c80:.3} | {c95:.3} | {secs} s |");
    }
    let mut chosen: Vec<_> = models.into_iter().collect();
    chosen.sort_by_key(|c| std::cmp::Reverse(c.1));
    println!();
    println!("models chosen: {chosen:?}");
    Ok(())
}

/// Read the forecast CSV back (the contract's columns, levels 80 and 95).
fn parse_forecasts(text: &str) -> Result<Vec<Forecast>, Box<dyn std::error::Error>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty forecast")?.split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("no column {name}"))
    };
    let (series, point, model) = (col("series")?, col("forecast")?, col("model")?);
    let levels = [80.0, 95.0];
    let bounds: Vec<(usize, usize)> = levels
        .iter()
        .map(|l| Ok((col(&format!("lower_{l}"))?, col(&format!("upper_{l}"))?)))
        .collect::<Result<_, String>>()?;
    let mut out: Vec<Forecast> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if out.last().map(|o| o.series.as_str()) != Some(f[series]) {
            out.push(Forecast {
                series: f[series].to_string(),
                model: f[model].to_string(),
                timestamps: Vec::new(),
                point: Vec::new(),
                intervals: levels
                    .iter()
                    .map(|&level| Interval {
                        level,
                        lower: Vec::new(),
                        upper: Vec::new(),
                    })
                    .collect(),
            });
        }
        let current = out.last_mut().ok_or("no forecast")?;
        current.point.push(f[point].parse()?);
        for (k, &(lo, hi)) in bounds.iter().enumerate() {
            current.intervals[k].lower.push(f[lo].parse()?);
            current.intervals[k].upper.push(f[hi].parse()?);
        }
    }
    Ok(out)
}
