//! The saturation answer scored on the M4 splits of the shared baselines, through
//! the library's saturation backtest (`headroom::evaluate::backtest_saturation`,
//! what `headroom backtest --capacity` runs), beside the peers' figures.
//!
//! - M4 Hourly (`../shared/data/m4/Hourly-train-long.csv`, 414 series): the last
//!   48 hours held out, seasons 24 and 168, as in
//!   `../shared/baselines/m4_hourly_saturation.md`.
//! - M4 Weekly (`../shared/data/m4/Weekly-train.csv`, 359 series): every series
//!   starts on Monday 2000-01-03 with a 7-day step and its last 13 weeks are held
//!   out, as in `../shared/baselines/m4_weekly_validation.md`; the seasons are
//!   detected, as for a user who gives none.
//!
//! Each series gets one origin, at the start of its held-out part, and the
//! capacity rule of the baselines, `max(fit) + 0.5 * |max(held-out) - max(fit)|`
//! ([`CapacityRule::TowardsFuturePeak`]), so a series crosses exactly when its
//! held-out part rises above its past maximum. Reported, over all series pooled:
//! Brier score and ROC AUC of the probability; hit % and FA % of the point date
//! (`saturation_at`: a crossing predicted within the horizon, for series that
//! cross and for those that do not); MAEc, the mean absolute error of the point
//! date in steps (a miss counted as the step after the horizon); band %, the
//! crossings inside the widest interval's band (`earliest_at` to `latest_at`);
//! p10-p90 %, the crossings inside `[p10_at, p90_at]`; and the reliability table.
//!
//! ```sh
//! cargo run --release --example saturation_backtest                  # both splits, auto
//! cargo run --release --example saturation_backtest -- --model ets   # another model
//! cargo run --release --example saturation_backtest -- --only weekly --season 52
//! ```
//! Without a release build at hand (a cold one compiles polars for a long time),
//! optimising headroom alone gives nearly the same speed from the debug build:
//! `cargo run --example saturation_backtest --config 'profile.dev.package.headroom.opt-level=3'`
//! (414 hourly series in about 15 s of CPU, 359 weekly in about 6 s).
//!
//! Flags: `--model M` (as the CLI), `--only hourly|weekly`, `--season N` (weekly
//! only; repeat), `--paths N`. The reliability charts go to
//! `target/saturation_backtest/`. `HEADROOM_SHARED_DATA` names the shared data
//! folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use headroom::capacity::CapacityRule;
use headroom::evaluate::{
    backtest_saturation, m4, pooled_scores, SaturationBacktest, SaturationBacktestSettings,
    SaturationScores,
};
use headroom::forecast::ModelChoice;
use headroom::ingest::{read_path, ReadOptions};
use headroom::pipeline::{prepare, ForecastSettings};
use headroom::plot::ReliabilityChart;
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};

/// A peer's row: name, Brier, AUC, hit %, FA %, band %, MAEc (steps).
type Peer = (&'static str, f64, f64, f64, f64, f64, Option<f64>);

/// `../shared/baselines/m4_hourly_saturation.md`, with MAEc from
/// `m4_hourly_validation.md`.
const HOURLY_PEERS: [Peer; 6] = [
    (
        "statsforecast SeasonalNaive(24)",
        0.240,
        0.855,
        5.4,
        0.0,
        96.2,
        Some(23.8),
    ),
    ("M4 Naive2", 0.162, 0.824, 65.9, 10.9, 88.6, Some(14.6)),
    (
        "statsforecast MSTL(24, 168)",
        0.177,
        0.852,
        54.6,
        3.9,
        71.9,
        Some(16.6),
    ),
    (
        "statsforecast AutoTheta(24)",
        0.160,
        0.836,
        67.0,
        11.4,
        80.5,
        Some(14.4),
    ),
    (
        "augurs MSTL(24, 168)",
        0.183,
        0.849,
        54.1,
        3.1,
        71.4,
        Some(18.1),
    ),
    (
        "headroom, main of 2026-11-27",
        0.160,
        0.862,
        44.3,
        4.4,
        95.7,
        None,
    ),
];

/// `../shared/baselines/m4_weekly_validation.md`.
const WEEKLY_PEERS: [Peer; 4] = [
    (
        "statsforecast Naive / M4 Naive2",
        0.133,
        0.903,
        0.0,
        0.0,
        79.5,
        Some(5.9),
    ),
    (
        "statsforecast AutoETS",
        0.088,
        0.971,
        21.9,
        0.3,
        95.9,
        Some(5.3),
    ),
    (
        "statsforecast AutoTheta",
        0.135,
        0.925,
        8.2,
        0.3,
        68.5,
        Some(5.6),
    ),
    (
        "statsforecast AutoARIMA",
        0.094,
        0.963,
        27.4,
        1.0,
        89.0,
        Some(5.1),
    ),
];

struct Options {
    model: ModelChoice,
    only: Option<String>,
    weekly_seasons: Vec<Span>,
    paths: Option<usize>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        model: ModelChoice::Auto,
        only: None,
        weekly_seasons: Vec::new(),
        paths: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--model" => o.model = value()?.parse().map_err(|e| format!("{e}"))?,
            "--only" => o.only = Some(value()?),
            "--season" => o
                .weekly_seasons
                .push(value()?.parse().map_err(|e| format!("{e}"))?),
            "--paths" => o.paths = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    let shared = std::env::var_os("HEADROOM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/saturation_backtest");
    std::fs::create_dir_all(&out)?;
    let run = |name: &str| o.only.as_deref().is_none_or(|only| only == name);

    if run("hourly") {
        let path = shared.join("m4/Hourly-train-long.csv");
        if path.exists() {
            let read = read_path(path.to_str().ok_or("path")?, &ReadOptions::default())?;
            let seasons = [Span::Steps(24), Span::Steps(168)];
            split(
                "M4 Hourly validation split, 48 hours held out",
                &read.series,
                48,
                &seasons,
                &o,
                &HOURLY_PEERS,
                &out.join("m4_hourly_reliability.png"),
            )?;
        } else {
            println!("SKIPPED: {} not found", path.display());
        }
    }
    if run("weekly") {
        let path = shared.join("m4/Weekly-train.csv");
        if path.exists() {
            split(
                "M4 Weekly validation split, 13 weeks held out",
                &m4::weekly(&shared)?,
                13,
                &o.weekly_seasons,
                &o,
                &WEEKLY_PEERS,
                &out.join("m4_weekly_reliability.png"),
            )?;
        } else {
            println!("SKIPPED: {} not found", path.display());
        }
    }
    Ok(())
}

/// Backtest every series with one origin a horizon before its end, print the
/// table beside the peers', and draw the reliability chart.
fn split(
    title: &str,
    series: &[Series],
    horizon: usize,
    seasons: &[Span],
    o: &Options,
    peers: &[Peer],
    chart: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let defaults = ForecastSettings::default();
    let settings = SaturationBacktestSettings {
        horizon,
        windows: 1,
        forecast: ForecastSettings {
            model: o.model,
            paths: o.paths.unwrap_or(defaults.paths),
            ..defaults
        },
        ..Default::default()
    };
    let started = Instant::now();
    let results: Vec<(String, Result<SaturationBacktest, headroom::Error>)> = series
        .par_iter()
        .map(|s| {
            let result = prepare(s, &RegulariseOptions::default(), seasons).and_then(|p| {
                backtest_saturation(&p, CapacityRule::TowardsFuturePeak(0.5), &settings)
            });
            (s.name().to_string(), result)
        })
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let mut done = Vec::new();
    for (name, r) in results {
        match r {
            Ok(b) => done.push(b),
            Err(e) => println!("  failed: {name}: {e}"),
        }
    }
    let scores = pooled_scores(&done, settings.bins)?;
    println!(
        "{title}: {} of {} series scored, {} cross; {} in {seconds:.1} s (wall clock, all cores)",
        done.len(),
        series.len(),
        scores.crossings,
        o.model
    );
    println!();
    println!("| model | Brier | AUC | hit% | FA% | MAEc | band% | p10-p90% |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "{}",
        row(&format!("**headroom {} (this build)**", o.model), &scores)
    );
    for &(name, brier, auc, hit, fa, band, maec) in peers {
        let maec = maec.map_or("-".to_string(), |m| format!("{m:.1}"));
        println!(
            "| {name} | {brier:.3} | {auc:.3} | {hit:.1} | {fa:.1} | {maec} | {band:.1} | - |"
        );
    }
    println!();
    println!("reliability (all series pooled):");
    println!("| probability | series | mean p | observed | 95 % interval |");
    println!("|---|---|---|---|---|");
    for bin in scores.reliability.iter().filter(|b| b.count > 0) {
        let (lo, hi) = bin.observed_interval(95.0);
        println!(
            "| {:.1}-{:.1} | {} | {:.3} | {:.3} | {lo:.2}-{hi:.2} |",
            bin.lower,
            bin.upper,
            bin.count,
            bin.mean_probability,
            bin.observed_frequency()
        );
    }
    ReliabilityChart::new()
        .title(format!("{title}: reliability"))
        .curve(format!("headroom {}", o.model), &scores)
        .render_png(chart)?;
    println!();
    println!("reliability chart: {}", chart.display());
    println!();
    Ok(())
}

/// The table row of headroom's scores.
fn row(name: &str, s: &SaturationScores) -> String {
    let percent = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.1}", 100.0 * v));
    let auc = s.auc.map_or("-".to_string(), |a| format!("{a:.3}"));
    let maec = s.date_mae.map_or("-".to_string(), |m| format!("{m:.1}"));
    format!(
        "| {name} | {:.3} | {auc} | {} | {} | {maec} | {} | {} |",
        s.brier,
        percent(s.hit_rate),
        percent(s.false_alarm_rate),
        percent(s.band_coverage),
        percent(s.p10_p90_coverage),
    )
}
