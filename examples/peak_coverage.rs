//! Is the spread of a simulated future's peak right? On the shared M4 validation
//! splits (Hourly: the last 48 hours held out, seasons 24 and 168; Weekly: the last
//! 13 weeks, seasons detected), every series is fitted on its history, 2000 paths
//! are simulated over the held-out stretch, and the held-out peak (its maximum;
//! and, for `--direction down` questions, its minimum) is checked against the
//! paths' central 80 and 95 % intervals of that peak. The crossing probability of
//! the baselines' capacity rule (`max(fit) + 0.5 * |max(held-out) - max(fit)|`,
//! `../shared/baselines/m4_hourly_saturation.md`) is read off the same paths and
//! scored (Brier, AUC).
//!
//! ```sh
//! cargo run --release --example peak_coverage                    # both splits, auto
//! cargo run --release --example peak_coverage -- --only hourly --model stl_drift
//! ```
//! Targets (issue 16): the peak inside its 80 % interval for 77-83 % of series and
//! inside its 95 % interval for 93-97 %.

use std::time::Instant;

use rayon::prelude::*;

use headroom::decompose::StlOptions;
use headroom::evaluate::{brier_score, m4, roc_auc};
use headroom::forecast::{fit_with_intervals, IntervalMethod, ModelChoice};
use headroom::pipeline::{prepare, DEFAULT_PATHS};
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};

/// One series' answer: where the held-out maximum and minimum fell in the paths'
/// distribution of the peak and trough, and the crossing question.
struct Outcome {
    /// Percentile (0 to 1) of the held-out maximum among the paths' maxima.
    max_rank: f64,
    /// Percentile of the held-out minimum among the paths' minima.
    min_rank: f64,
    /// Share of paths whose maximum reaches the capacity.
    probability: f64,
    /// Whether the held-out stretch reached it.
    crossed: bool,
    /// Share of held-out steps inside the paths' per-step 80 and 95 % intervals.
    step_coverage: (f64, f64),
    /// Whether the held-out maximum stayed below the point forecast's.
    peak_below_point: bool,
    /// Whether the held-out minimum stayed above the point forecast's.
    trough_above_point: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let model: ModelChoice = flag("--model").as_deref().unwrap_or("auto").parse()?;
    let only = flag("--only");
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let shared = m4::shared_data();
    if !shared.join("m4").exists() {
        println!("SKIPPED: {} not found", shared.join("m4").display());
        return Ok(());
    }
    if run("hourly") {
        let seasons = [Span::Steps(24), Span::Steps(168)];
        score(
            "M4 Hourly, 48 h",
            &m4::hourly(&shared)?,
            48,
            &seasons,
            model,
        );
    }
    if run("weekly") {
        score("M4 Weekly, 13 weeks", &m4::weekly(&shared)?, 13, &[], model);
    }
    Ok(())
}

/// Fit, simulate and score every series of a split; print one table row.
fn score(title: &str, series: &[Series], horizon: usize, seasons: &[Span], model: ModelChoice) {
    let started = Instant::now();
    let outcomes: Vec<Outcome> = series
        .par_iter()
        .filter_map(|s| outcome(s, horizon, seasons, model))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let share = |f: &dyn Fn(&Outcome) -> bool| {
        outcomes.iter().filter(|o| f(o)).count() as f64 / outcomes.len().max(1) as f64
    };
    let inside = |rank: f64, level: f64| {
        let tail = (1.0 - level) / 2.0;
        rank >= tail && rank <= 1.0 - tail
    };
    let probabilities: Vec<f64> = outcomes.iter().map(|o| o.probability).collect();
    let crossed: Vec<bool> = outcomes.iter().map(|o| o.crossed).collect();
    let brier = brier_score(&probabilities, &crossed).unwrap_or(f64::NAN);
    let auc = roc_auc(&probabilities, &crossed).ok().flatten();
    println!(
        "{title} ({model}): {} of {} series in {seconds:.1} s",
        outcomes.len(),
        series.len()
    );
    println!("| peak | inside 80 % | inside 95 % | below the 80 % interval | above it |");
    println!("|---|---|---|---|---|");
    for (name, rank) in [
        ("maximum", (|o: &Outcome| o.max_rank) as fn(&Outcome) -> f64),
        ("minimum", |o: &Outcome| o.min_rank),
    ] {
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            share(&|o| inside(rank(o), 0.8)),
            share(&|o| inside(rank(o), 0.95)),
            share(&|o| rank(o) < 0.1),
            share(&|o| rank(o) > 0.9),
        );
    }
    let mean = |f: &dyn Fn(&Outcome) -> f64| {
        outcomes.iter().map(f).sum::<f64>() / outcomes.len().max(1) as f64
    };
    println!(
        "per-step coverage of the paths' intervals: 80 % {:.3}, 95 % {:.3}",
        mean(&|o| o.step_coverage.0),
        mean(&|o| o.step_coverage.1)
    );
    println!(
        "held-out peak below the point forecast's: {:.3}; trough above it: {:.3}",
        share(&|o| o.peak_below_point),
        share(&|o| o.trough_above_point)
    );
    println!(
        "crossing probability: Brier {brier:.4}, AUC {}, {} of {} cross",
        auc.map_or("-".into(), |a| format!("{a:.3}")),
        crossed.iter().filter(|&&c| c).count(),
        crossed.len()
    );
    let median_within = |crossing: bool| {
        let group: Vec<&Outcome> = outcomes.iter().filter(|o| o.crossed == crossing).collect();
        group.iter().filter(|o| o.probability >= 0.5).count() as f64 / group.len().max(1) as f64
    };
    println!(
        "median date within the horizon (probability >= 0.5): {:.1} % of crossings, {:.1} % false alarms",
        100.0 * median_within(true),
        100.0 * median_within(false)
    );
    println!();
}

/// One series: held-out peak ranks and the crossing question, `None` when the
/// series cannot be split or fitted (counted as left out).
fn outcome(s: &Series, horizon: usize, seasons: &[Span], model: ModelChoice) -> Option<Outcome> {
    let (fit, held) = m4::split(s, horizon)?;
    let prepared = prepare(&fit, &RegulariseOptions::default(), seasons).ok()?;
    let fitted = fit_with_intervals(
        model,
        &prepared.series,
        &prepared.periods,
        &StlOptions::default(),
        horizon,
        IntervalMethod::Auto,
    )
    .ok()?;
    let paths = fitted.simulate(horizon, DEFAULT_PATHS, 0x5eed).ok()?;
    let point = fitted.predict(horizon, &[]).ok()?.point;
    let fold = |f: fn(f64, f64) -> f64, init: f64| move |v: &[f64]| v.iter().copied().fold(init, f);
    let (max, min) = (
        fold(f64::max, f64::NEG_INFINITY),
        fold(f64::min, f64::INFINITY),
    );
    let path_max: Vec<f64> = paths
        .paths
        .rows()
        .into_iter()
        .map(|r| max(&r.to_vec()))
        .collect();
    let path_min: Vec<f64> = paths
        .paths
        .rows()
        .into_iter()
        .map(|r| min(&r.to_vec()))
        .collect();
    let (held_max, held_min) = (max(&held), min(&held));
    let fit_max = max(prepared.series.values());
    let capacity = fit_max + 0.5 * (held_max - fit_max).abs();
    let step_coverage = |level: f64| {
        let (lo, hi) = (
            paths.quantile((1.0 - level) / 2.0),
            paths.quantile((1.0 + level) / 2.0),
        );
        held.iter()
            .enumerate()
            .filter(|&(h, &y)| y >= lo[h] && y <= hi[h])
            .count() as f64
            / held.len() as f64
    };
    let rank = |sample: &[f64], x: f64| {
        // Mid-rank, so ties (a flat forecast) sit in the middle.
        let below = sample.iter().filter(|&&v| v < x).count() as f64;
        let equal = sample.iter().filter(|&&v| v == x).count() as f64;
        (below + 0.5 * equal) / sample.len() as f64
    };
    Some(Outcome {
        max_rank: rank(&path_max, held_max),
        min_rank: rank(&path_min, held_min),
        probability: path_max.iter().filter(|&&m| m >= capacity).count() as f64
            / path_max.len() as f64,
        crossed: held_max >= capacity,
        peak_below_point: held_max < max(&point),
        trough_above_point: held_min > min(&point),
        step_coverage: (step_coverage(0.8), step_coverage(0.95)),
    })
}
