//! Parity of exponential smoothing with statsmodels' `ETSModel` on the
//! `../shared/fixtures/ets_*.json` cases.
//!
//! At the reference's parameters and initial states, the log-likelihood, the
//! one-step predictions and (for the models with exact intervals) the forecast and
//! its 95 % bounds must equal the reference's to 1e-6 relative. Our own fit must
//! reach a log-likelihood at least as high as the reference's (statsmodels'
//! optimiser sometimes stops early).

mod common;

use std::time::Instant;

use chrono::{TimeZone, Utc};
use common::{fixtures, floats, json, max_relative_error, shared};
use headroom::forecast::{
    ets_loglik, Ets, EtsParams, EtsSpec, EtsState, FittedEts, FittedModel, Forecaster,
};
use headroom::{RegularSeries, Step};

const TOLERANCE: f64 = 1e-6;

/// The spec, parameters and initial states of a fixture, by statsmodels' names.
fn reference(f: &serde_json::Value) -> (EtsSpec, EtsParams, EtsState) {
    let period = f["season_length"].as_u64().expect("season_length") as usize;
    let spec = EtsSpec::parse(f["model"].as_str().expect("model"), period).expect("a spec");
    let p = &f["params"];
    let get = |k: &str, default: f64| p.get(k).and_then(|v| v.as_f64()).unwrap_or(default);
    let params = EtsParams {
        alpha: get("smoothing_level", 0.0),
        beta: get("smoothing_trend", 0.0),
        gamma: get("smoothing_seasonal", 0.0),
        phi: get("damping_trend", 1.0),
    };
    let seasonal = if spec.is_seasonal() {
        (0..period)
            .map(|i| get(&format!("initial_seasonal.{i}"), f64::NAN))
            .collect()
    } else {
        Vec::new()
    };
    let state = EtsState {
        level: get("initial_level", f64::NAN),
        trend: get("initial_trend", 0.0),
        seasonal,
    };
    (spec, params, state)
}

fn series(values: Vec<f64>) -> RegularSeries {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    RegularSeries::new("fixture", start, Step::seconds(3600), values).unwrap()
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn loglik_fitted_and_forecast_at_reference_parameters() {
    let files = fixtures("ets_");
    for path in &files {
        let f = json(path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (spec, params, state) = reference(&f);
        let y = floats(&f["values"]);
        let reference_ll = f["loglik"].as_f64().unwrap();
        let ll = ets_loglik(&spec, &params, &state, &y).unwrap();
        let fit = FittedEts::from_parameters(&series(y), spec, params, state).unwrap();
        let fitted_error = max_relative_error(fit.fitted(), &floats(&f["fitted"]));
        let criteria = [("aic", fit.aic()), ("aicc", fit.aicc()), ("bic", fit.bic())];
        println!(
            "{name}: loglik {ll:.10} vs {reference_ll:.10} (relative error {:.2e}), fitted {fitted_error:.2e}",
            relative(ll, reference_ll)
        );
        assert!(relative(ll, reference_ll) < TOLERANCE, "{name}: loglik");
        assert!(fitted_error < TOLERANCE, "{name}: fitted values");
        for (key, ours) in criteria {
            let theirs = f[key].as_f64().unwrap();
            assert!(
                relative(ours, theirs) < TOLERANCE,
                "{name}: {key} {ours} vs {theirs}"
            );
        }
        let horizon = f["horizon"].as_u64().unwrap() as usize;
        let forecast = fit.predict(horizon, &[95.0]).unwrap();
        let point_error = max_relative_error(&forecast.point, &floats(&f["forecast"]));
        println!("  forecast {point_error:.2e}");
        assert!(point_error < TOLERANCE, "{name}: point forecast");
        if f["interval_method"].as_str() == Some("exact") {
            let bounds = &forecast.intervals[0];
            let lower = max_relative_error(&bounds.lower, &floats(&f["lower_95"]));
            let upper = max_relative_error(&bounds.upper, &floats(&f["upper_95"]));
            println!("  95 % bounds {lower:.2e} {upper:.2e}");
            assert!(
                lower < TOLERANCE && upper < TOLERANCE,
                "{name}: 95 % bounds"
            );
        }
    }
    println!(
        "{} ETS fixtures checked at reference parameters",
        files.len()
    );
}

#[test]
fn our_fit_is_at_least_as_likely_as_the_reference() {
    let files = fixtures("ets_");
    for path in &files {
        let f = json(path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (spec, _, _) = reference(&f);
        let reference_ll = f["loglik"].as_f64().unwrap();
        let clock = Instant::now();
        let fit = Ets::new(spec).fit(&series(floats(&f["values"]))).unwrap();
        let elapsed = clock.elapsed();
        let p = fit.params();
        println!(
            "{name}: ours {:.6} vs reference {reference_ll:.6} (gain {:+.3e}) in {elapsed:.1?}; \
             alpha {:.4} beta {:.4} gamma {:.4} phi {:.4}",
            fit.loglik(),
            fit.loglik() - reference_ll,
            p.alpha,
            p.beta,
            p.gamma,
            p.phi
        );
        assert!(
            fit.loglik() >= reference_ll - TOLERANCE * reference_ll.abs(),
            "{name}: our fit {} is below the reference {reference_ll}",
            fit.loglik()
        );
    }
}

/// The M4 Hourly training series (one row per series: id, then values).
fn m4_hourly() -> Vec<(String, Vec<f64>)> {
    let Some(path) = shared("data/m4/Hourly-train.csv") else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(path).expect("M4 file readable");
    text.lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split(',').map(|f| f.trim_matches('"'));
            let id = fields.next().unwrap_or_default().to_string();
            let values = fields
                .filter(|f| !f.is_empty())
                .map(|f| f.parse::<f64>().expect("a number"))
                .collect();
            (id, values)
        })
        .collect()
}

/// Timing and sanity on the 414 M4 Hourly series (run with `--ignored`, ideally
/// with optimisation: `--config 'profile.dev.package.headroom.opt-level=3'`).
#[test]
#[ignore]
fn m4_hourly_timing() {
    use headroom::forecast::AutoEts;
    let all = m4_hourly();
    if all.is_empty() {
        return;
    }
    let codes = ["ANN", "AAN", "AAdN", "MNN", "MAN", "MAdN"];
    let mut worse_than_nested = 0;
    for code in codes {
        let spec: EtsSpec = code.parse().unwrap();
        let clock = Instant::now();
        let mut total_ll = 0.0;
        let mut refused = 0;
        for (id, y) in &all {
            match Ets::new(spec).fit(&series(y.clone())) {
                Ok(fit) => total_ll += fit.loglik(),
                Err(e) => {
                    refused += 1;
                    if y.iter().all(|v| *v > 0.0) {
                        println!("  {code} {id}: {e}");
                    }
                }
            }
        }
        println!(
            "{code}: {} fits in {:.1?} (sum loglik {total_ll:.1}, {refused} refused)",
            all.len() - refused,
            clock.elapsed()
        );
    }
    let clock = Instant::now();
    let mut chosen = std::collections::BTreeMap::new();
    let mut predicting = std::time::Duration::ZERO;
    for (_, y) in &all {
        let s = series(y.clone());
        let fit = AutoEts::new(1).fit(&s).unwrap();
        let started = Instant::now();
        fit.predict(48, &[80.0, 95.0]).unwrap();
        predicting += started.elapsed();
        *chosen.entry(fit.spec().code()).or_insert(0) += 1;
        // Nested pairs: a richer model should not be clearly less likely.
        let ll = |code: &str| -> f64 {
            fit.selection()
                .unwrap()
                .candidates
                .iter()
                .find(|c| c.spec.code() == code)
                .and_then(|c| match c.outcome {
                    headroom::forecast::EtsOutcome::Fitted { loglik, .. } => Some(loglik),
                    _ => None,
                })
                .unwrap_or(f64::NEG_INFINITY)
        };
        for (small, big) in [
            ("ANN", "AAN"),
            ("ANN", "AAdN"),
            ("MNN", "MAN"),
            ("MNN", "MAdN"),
        ] {
            if ll(big) < ll(small) - 0.5 {
                worse_than_nested += 1;
            }
        }
    }
    println!(
        "AutoEts non-seasonal, fit + 48-step forecast of 414 series: {:.1?} ({predicting:.1?} \
         forecasting); chosen {chosen:?}; {worse_than_nested} nested pairs clearly worse",
        clock.elapsed()
    );
    let clock = Instant::now();
    for (_, y) in &all {
        let fit = AutoEts::new(1)
            .additive_only()
            .fit(&series(y.clone()))
            .unwrap();
        fit.predict(48, &[80.0, 95.0]).unwrap();
    }
    println!(
        "AutoEts non-seasonal additive only, fit + 48-step forecast of 414 series: {:.1?}",
        clock.elapsed()
    );
    for code in ["ANA", "AAdA", "MNA", "MAdM"] {
        let spec = EtsSpec::parse(code, 24).unwrap();
        let clock = Instant::now();
        for (_, y) in all
            .iter()
            .filter(|(_, y)| y.iter().all(|v| *v > 0.0))
            .take(20)
        {
            let fit = Ets::new(spec).fit(&series(y.clone())).unwrap();
            fit.predict(48, &[95.0]).unwrap();
        }
        println!(
            "{code} (24): 20 fits + forecasts in {:.1?}",
            clock.elapsed()
        );
    }
    for period in [24, 168] {
        let clock = Instant::now();
        let fit = AutoEts::new(period).fit(&series(all[0].1.clone())).unwrap();
        println!(
            "AutoEts({period}) on {} points: {:.1?}, chose {}",
            all[0].1.len(),
            clock.elapsed(),
            fit.spec()
        );
    }
    let clock = Instant::now();
    let fit = Ets::new(EtsSpec::parse("AAA", 168).unwrap())
        .fit(&series(all[0].1.clone()))
        .unwrap();
    println!(
        "AAA (168) on {} points: {:.1?}, loglik {:.2}",
        all[0].1.len(),
        clock.elapsed(),
        fit.loglik()
    );
}
