//! How far are the one-fit forecasts from past origins (`auto`'s many origins,
//! `headroom::forecast` module `origins`) from true refits? On a sample of the
//! M4 Hourly series (the last 48 hours held out, seasons 24 and 168), each
//! candidate is forecast 48 steps from a few origins twice: from the one fit of
//! the whole history, and refitted on the history up to the origin. Printed per
//! candidate: the mean absolute error of each, and their ratio (one-fit / refit:
//! below 1, the one fit saw some of the future and its errors are too small).
//!
//! ```sh
//! cargo run --release --example origin_leak [-- --series 60 --origins 6]
//! ```

use rayon::prelude::*;

use headroom::decompose::StlOptions;
use headroom::evaluate::m4;
use headroom::forecast::{candidates, one_fit_errors, ModelChoice};
use headroom::{RegularSeries, RegulariseOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (wanted, per_series) = (flag("--series", 60), flag("--origins", 6));
    let shared = m4::shared_data();
    let all = m4::hourly(&shared)?;
    if all.is_empty() {
        println!("SKIPPED: {} holds no M4 Hourly series", shared.display());
        return Ok(());
    }
    let every = (all.len() / wanted).max(1);
    let periods = [24, 168];
    let horizon = 48;
    let chosen: Vec<RegularSeries> = all
        .iter()
        .step_by(every)
        .take(wanted)
        .filter_map(|s| s.regularise(&RegulariseOptions::default()).ok())
        .map(|(s, _)| s)
        .collect();
    let models = candidates(&periods);
    // Per series: per candidate, (sum |one-fit error|, sum |refit error|, count).
    let sums: Vec<Vec<(f64, f64, usize)>> = chosen
        .par_iter()
        .filter_map(|s| {
            // The whole series: its first origin is the validation split's.
            let fit = s.clone();
            let n = fit.len();
            let origins: Vec<usize> = (1..=per_series).map(|k| n - k * horizon).collect();
            let options = StlOptions::default();
            let mut out = Vec::new();
            for &m in &models {
                let one = one_fit_errors(&fit, m, &periods, &origins, horizon).ok()?;
                let (mut a, mut b, mut c) = (0.0, 0.0, 0);
                for (o, e) in origins.iter().zip(&one) {
                    let history = fit.head(*o).ok()?;
                    let f = m.fit(&history, &periods, &options, horizon).ok()?;
                    let f = f.predict(horizon, &[]).ok()?;
                    for (j, err) in e.iter().enumerate() {
                        a += err.abs();
                        b += (fit.values()[o + j] - f.point[j]).abs();
                        c += 1;
                    }
                }
                out.push((a, b, c));
            }
            Some(out)
        })
        .collect();
    println!(
        "{} series, {per_series} origins each, 48 steps ahead",
        sums.len()
    );
    println!("candidate                 one-fit MAE   refit MAE   ratio");
    for (i, m) in models.iter().enumerate() {
        let (a, b, c) = sums
            .iter()
            .map(|s| s[i])
            .fold((0.0, 0.0, 0), |x, y| (x.0 + y.0, x.1 + y.1, x.2 + y.2));
        let name = match m {
            ModelChoice::SeasonalNaive(Some(p)) => format!("seasonal_naive({p})"),
            other => other.to_string(),
        };
        println!(
            "{name:<24} {:>12.2} {:>11.2} {:>7.3}",
            a / c as f64,
            b / c as f64,
            a / b
        );
    }
    Ok(())
}
