//! How well saturation dates and probabilities hold up when the future is known:
//! cut real series, set a capacity that the held-out part may or may not reach, and
//! compare the prediction with what happened.
//!
//! The capacity rule is the one of `../shared/baselines/m4_hourly_validation.md`:
//! `capacity = max(fit) + 0.5 * |max(held-out) - max(fit)|`, so a series crosses
//! exactly when its held-out part rises above its past maximum. Reported:
//!
//! - hit %: crossing series for which a crossing is predicted (the median crossing
//!   date lies within the horizon: probability at least one half);
//! - FA %: non-crossing series for which one is predicted (false alarms);
//! - band %: crossing series whose actual crossing lies in the 95 % band (first
//!   step the upper 95 % bound reaches capacity to the first the lower one does);
//! - p10-p90 %: crossing series whose actual crossing lies between the 10th and
//!   90th percentile of the simulated crossing dates;
//! - MAEc: mean absolute error of the median crossing step, a miss counted as the
//!   step after the horizon (as the peers' table does).
//!
//! Run on the M4 Hourly split (48 hours held out) and on the shared NAB CloudWatch
//! series (the last day of 5-minute data held out):
//! `cargo run --release --example saturation_calibration`.

use std::path::{Path, PathBuf};

use headroom::ingest::{read_path, ReadOptions};
use headroom::pipeline::{prepare, ForecastSettings};
use headroom::query::SaturationQuery;
use headroom::saturation::{Direction, Saturation};
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};
use rayon::prelude::*;

/// Whether a series crossed, at which held-out step, the prediction, and the step
/// length in seconds.
type Outcome = (bool, Option<usize>, Saturation, f64);

struct Case {
    fit: Series,
    held_out: Vec<f64>,
}

fn cases(path: &Path, held_out: usize) -> Vec<Case> {
    let read = read_path(path.to_str().expect("path"), &ReadOptions::default()).expect("reads");
    read.series
        .iter()
        .filter(|s| s.len() > 4 * held_out)
        .map(|s| {
            let n = s.len();
            Case {
                fit: Series::new(
                    s.name(),
                    s.timestamps()[..n - held_out].to_vec(),
                    s.values()[..n - held_out].to_vec(),
                )
                .expect("valid"),
                held_out: s.values()[n - held_out..].to_vec(),
            }
        })
        .collect()
}

/// The step (0-based) of a date among the forecast dates after the last observation.
fn step_of(
    row: &Saturation,
    at: Option<chrono::DateTime<chrono::Utc>>,
    step_seconds: f64,
) -> Option<usize> {
    at.map(|t| ((t - row.last_timestamp).num_seconds() as f64 / step_seconds).round() as usize - 1)
}

fn evaluate(name: &str, cases: &[Case], horizon: usize, seasons: &[Span]) {
    let settings = ForecastSettings {
        horizon: Some(Span::Steps(horizon)),
        ..Default::default()
    };
    let outcomes: Vec<Option<Outcome>> = cases
        .par_iter()
        .map(|c| {
            let max_fit = c
                .fit
                .values()
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            let max_out = c.held_out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let capacity = max_fit + 0.5 * (max_out - max_fit).abs();
            let actual = c.held_out.iter().position(|&v| v >= capacity);
            let prepared = prepare(&c.fit, &RegulariseOptions::default(), seasons).ok()?;
            let query = SaturationQuery::fixed(capacity, Direction::Up, settings.clone()).ok()?;
            let row = query.answer(&prepared).ok()?.row;
            Some((
                actual.is_some(),
                actual,
                row,
                prepared.series.step().nominal_seconds(),
            ))
        })
        .collect();
    let done: Vec<_> = outcomes.into_iter().flatten().collect();
    let crossing: Vec<_> = done.iter().filter(|o| o.0).collect();
    let clear: Vec<_> = done.iter().filter(|o| !o.0).collect();
    let share = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    let hit = crossing.iter().filter(|o| o.2.p50_at.is_some()).count();
    let point_hit = crossing
        .iter()
        .filter(|o| o.2.saturation_at.is_some())
        .count();
    let false_alarm = clear.iter().filter(|o| o.2.p50_at.is_some()).count();
    let point_false_alarm = clear.iter().filter(|o| o.2.saturation_at.is_some()).count();
    let mut band = 0;
    let mut inner = 0;
    let mut error = 0.0;
    for (_, actual, row, step) in &crossing {
        let a = actual.expect("crosses");
        let first = step_of(row, row.earliest_at, *step).unwrap_or(usize::MAX);
        let last = step_of(row, row.latest_at, *step).unwrap_or(horizon);
        band += usize::from(first <= a && a <= last);
        let p10 = step_of(row, row.p10_at, *step).unwrap_or(usize::MAX);
        let p90 = step_of(row, row.p90_at, *step).unwrap_or(horizon);
        inner += usize::from(p10 <= a && a <= p90);
        let median = step_of(row, row.p50_at, *step).unwrap_or(horizon);
        error += (median as f64 - a as f64).abs();
    }
    {
        println!("{name}: decision threshold and reliability of the probability");
        for t in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
            let h = crossing.iter().filter(|o| o.2.probability >= t).count();
            let f = clear.iter().filter(|o| o.2.probability >= t).count();
            println!(
                "  P >= {t}: hit {:.1} FA {:.1}",
                share(h, crossing.len()),
                share(f, clear.len())
            );
        }
        for lo in [0.0, 0.1, 0.3, 0.5, 0.7, 0.9] {
            let hi = match lo {
                0.0 => 0.1,
                0.1 => 0.3,
                0.3 => 0.5,
                0.5 => 0.7,
                0.7 => 0.9,
                _ => 1.01,
            };
            let inside: Vec<_> = done
                .iter()
                .filter(|o| o.2.probability >= lo && o.2.probability < hi)
                .collect();
            let crossed = inside.iter().filter(|o| o.0).count();
            println!(
                "  P in [{lo}, {hi}): {} series, {:.0} % crossed",
                inside.len(),
                share(crossed, inside.len())
            );
        }
    }
    println!(
        "{name}: {} series ({} cross, {} do not)",
        done.len(),
        crossing.len(),
        clear.len()
    );
    println!(
        "  median crossing: hit {:.1} %, FA {:.1} %, MAEc {:.1} steps",
        share(hit, crossing.len()),
        share(false_alarm, clear.len()),
        error / crossing.len().max(1) as f64
    );
    println!(
        "  point crossing:  hit {:.1} %, FA {:.1} %",
        share(point_hit, crossing.len()),
        share(point_false_alarm, clear.len())
    );
    println!(
        "  actual crossing inside the 95 % band {:.1} %, inside p10-p90 {:.1} %",
        share(band, crossing.len()),
        share(inner, crossing.len())
    );
}

fn main() {
    let shared = std::env::var_os("HEADROOM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let m4 = shared.join("m4/Hourly-train-long.csv");
    if !m4.exists() {
        println!("SKIPPED: {} not found", m4.display());
        return;
    }
    evaluate(
        "M4 Hourly, 48 h held out",
        &cases(&m4, 48),
        48,
        &[Span::Steps(24), Span::Steps(168)],
    );
    let nab = shared.join("nab/realAWSCloudwatch");
    let mut all = Vec::new();
    for entry in std::fs::read_dir(&nab).expect("NAB folder") {
        let path = entry.expect("entry").path();
        all.extend(cases(&path, 288));
    }
    evaluate(
        "NAB CloudWatch, 1 day of 5-minute data held out",
        &all,
        288,
        &[],
    );
}
