//! How each candidate model, and each way of choosing among them, scores on the
//! M4 Hourly validation split (the last 48 hours of every series held out), through
//! the library. This is the evidence behind `--model auto`'s candidates and rule;
//! `examples/m4_validation.rs` measures the CLI itself.
//!
//! ```sh
//! cargo run --release --example m4_candidates [-- model names...]
//! ```

use headroom::decompose::StlOptions;
use headroom::evaluate::{mase_scale, Scores};
use headroom::forecast::{Forecast, ModelChoice};
use headroom::ingest::{read_path, ReadOptions};
use headroom::{RegularSeries, RegulariseOptions};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

const H: usize = 48;
const LEVELS: [f64; 2] = [80.0, 95.0];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shared = std::env::var_os("HEADROOM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let input = shared.join("m4/Hourly-train-long.csv");
    if !input.exists() {
        println!("SKIPPED: {} not found", input.display());
        return Ok(());
    }
    let names: Vec<String> = std::env::args().skip(1).collect();
    let candidates: Vec<ModelChoice> = if names.is_empty() {
        [
            "seasonal_naive",
            "naive",
            "drift",
            "stl_linear",
            "stl_drift",
            "stl_naive",
        ]
        .iter()
        .map(|n| n.parse())
        .collect::<Result<_, _>>()?
    } else {
        names.iter().map(|n| n.parse()).collect::<Result<_, _>>()?
    };
    let read = read_path(input.to_str().ok_or("path")?, &ReadOptions::default())?;
    let series: Vec<RegularSeries> = read
        .series
        .iter()
        .map(|s| s.regularise(&RegulariseOptions::default()).map(|r| r.0))
        .collect::<Result<_, _>>()?;
    let periods = [24, 168];
    let stl = StlOptions::default();
    // For every series and candidate: the forecasts from the test origin (n - 48)
    // and from VALIDATION earlier origins, each 48 steps apart.
    const VALIDATION: usize = 3;
    let started = Instant::now();
    let runs: Vec<Vec<Vec<Option<Forecast>>>> = series
        .par_iter()
        .map(|s| {
            candidates
                .iter()
                .map(|choice| {
                    (0..=VALIDATION)
                        .map(|k| {
                            let fit = s.head(s.len() - H * (k + 1)).ok()?;
                            match choice
                                .fit(&fit, &periods, &stl, H)
                                .and_then(|m| m.predict(H, &LEVELS))
                            {
                                Ok(f) => Some(f),
                                Err(e) => {
                                    eprintln!("{choice} on {} at origin {k}: {e}", s.name());
                                    None
                                }
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    println!(
        "fitted {} candidates x {} origins in {:.1} s",
        candidates.len(),
        VALIDATION + 1,
        started.elapsed().as_secs_f64()
    );
    let actual =
        |s: &RegularSeries, k: usize| s.values()[s.len() - H * (k + 1)..s.len() - H * k].to_vec();
    let scale = |s: &RegularSeries, k: usize| {
        mase_scale(&s.values()[..s.len() - H * (k + 1)], 24).expect("varies")
    };
    let score = |s: &RegularSeries, f: &Forecast, k: usize| {
        Scores::of(f, &actual(s, k), scale(s, k)).expect("scores")
    };
    for (c, choice) in candidates.iter().enumerate() {
        let scores: Vec<Scores> = series
            .iter()
            .zip(&runs)
            .map(|(s, r)| score(s, r[c][0].as_ref().expect("fits"), 0))
            .collect();
        print_row(&choice.to_string(), &Scores::mean(&scores));
    }
    // Validation error of candidate c on series i: mean MASE over the origins.
    let validation = |i: usize, c: usize, windows: usize| -> f64 {
        (1..=windows)
            .map(|k| {
                runs[i][c][k]
                    .as_ref()
                    .map(|f| score(&series[i], f, k).mase)
                    .unwrap_or(f64::INFINITY)
            })
            .sum::<f64>()
    };
    for windows in 1..=VALIDATION {
        let picked: Vec<Scores> = (0..series.len())
            .map(|i| {
                let best = (0..candidates.len())
                    .min_by(|&a, &b| {
                        validation(i, a, windows).total_cmp(&validation(i, b, windows))
                    })
                    .unwrap();
                score(&series[i], runs[i][best][0].as_ref().unwrap(), 0)
            })
            .collect();
        print_row(
            &format!("select by {windows} window(s)"),
            &Scores::mean(&picked),
        );
        for top in [2, 3].into_iter().filter(|&t| t <= candidates.len()) {
            let combined: Vec<Scores> = (0..series.len())
                .map(|i| {
                    let mut order: Vec<usize> = (0..candidates.len()).collect();
                    order.sort_by(|&a, &b| {
                        validation(i, a, windows).total_cmp(&validation(i, b, windows))
                    });
                    let chosen: Vec<&Forecast> = order[..top]
                        .iter()
                        .map(|&c| runs[i][c][0].as_ref().unwrap())
                        .collect();
                    let mut f = chosen[0].clone();
                    for h in 0..H {
                        f.point[h] = chosen.iter().map(|c| c.point[h]).sum::<f64>() / top as f64;
                        for (j, interval) in f.intervals.iter_mut().enumerate() {
                            interval.lower[h] =
                                chosen.iter().map(|c| c.intervals[j].lower[h]).sum::<f64>()
                                    / top as f64;
                            interval.upper[h] =
                                chosen.iter().map(|c| c.intervals[j].upper[h]).sum::<f64>()
                                    / top as f64;
                        }
                    }
                    score(&series[i], &f, 0)
                })
                .collect();
            print_row(
                &format!("mean of top {top} by {windows}"),
                &Scores::mean(&combined),
            );
        }
    }
    let oracle: Vec<Scores> = (0..series.len())
        .map(|i| {
            (0..candidates.len())
                .map(|c| score(&series[i], runs[i][c][0].as_ref().unwrap(), 0))
                .min_by(|a, b| a.mase.total_cmp(&b.mase))
                .unwrap()
        })
        .collect();
    print_row("oracle (best on test)", &Scores::mean(&oracle));
    Ok(())
}

fn print_row(name: &str, m: &Scores) {
    println!(
        "{:<26} sMAPE {:6.2}  MASE {:.3}  MSIS {:6.2}  cov80 {:.3}  cov95 {:.3}",
        name,
        m.smape,
        m.mase,
        m.msis,
        m.coverage_at(80.0).unwrap_or(f64::NAN),
        m.coverage_at(95.0).unwrap_or(f64::NAN),
    );
}
