//! Exponential smoothing on the 414 M4 Hourly series (`m4/Hourly-train.csv` of
//! the shared data), the workload its estimation was tuned on: each non-seasonal
//! model on every series, the automatic non-seasonal choice with a 48-step
//! forecast, seasonal models on 20 series, and the slow cases (period 168) on the
//! first series.
//!
//! `cargo bench --bench ets`; `HEADROOM_SHARED_DATA` names the shared data folder
//! (default `../shared/data`), and without it nothing is measured (SKIPPED). No
//! other Rust ETS is a dependency to time beside it (augurs' MSTL with an AutoETS
//! trend is timed against headroom end to end by `benches/augurs_m4.py`), so the
//! figures compare with criterion's previous run (`--save-baseline`,
//! `--baseline`). Before timing, one pass prints what the fits gave: refusals and
//! summed log-likelihood per model, the automatic choices, and how many nested
//! pairs (a model and the richer one that contains it) have the richer one
//! clearly less likely, which should be none (`tests/ets_parity.rs` asserts it on
//! every 6th series).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use headroom::forecast::{AutoEts, Ets, EtsOutcome, EtsSpec, FittedModel, Forecaster};
use headroom::{RegularSeries, Step};

const NON_SEASONAL: [&str; 6] = ["ANN", "AAN", "AAdN", "MNN", "MAN", "MAdN"];
const NESTED: [(&str, &str); 4] = [
    ("ANN", "AAN"),
    ("ANN", "AAdN"),
    ("MNN", "MAN"),
    ("MNN", "MAdN"),
];

/// The M4 Hourly training series (one row per series: id, then values), or none
/// with a printed reason when the shared data is absent.
fn m4_hourly() -> Vec<(String, Vec<f64>)> {
    let path = headroom::evaluate::m4::shared_data().join("m4/Hourly-train.csv");
    if !Path::new(&path).exists() {
        println!(
            "SKIPPED: ets benchmarks: {} not found (set HEADROOM_SHARED_DATA)",
            path.display()
        );
        return Vec::new();
    }
    let text = std::fs::read_to_string(&path).expect("M4 file readable");
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

fn series(values: &[f64]) -> RegularSeries {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    RegularSeries::new("m4", start, Step::seconds(3600), values.to_vec()).unwrap()
}

/// One untimed pass: what the fits give, printed (see the module comment).
fn report(all: &[(String, RegularSeries)]) {
    for code in NON_SEASONAL {
        let spec: EtsSpec = code.parse().unwrap();
        let (mut total_ll, mut refused, mut positive) = (0.0, 0, Vec::new());
        for (id, s) in all {
            match Ets::new(spec).fit(s) {
                Ok(fit) => total_ll += fit.loglik(),
                Err(e) => {
                    refused += 1;
                    // Multiplicative models refuse the series that are not positive;
                    // any other refusal is named.
                    if s.values().iter().all(|v| *v > 0.0) {
                        positive.push(format!("{id}: {e}"));
                    }
                }
            }
        }
        println!(
            "{code}: {} fits (sum loglik {total_ll:.1}), {refused} refused{}",
            all.len() - refused,
            if positive.is_empty() {
                String::new()
            } else {
                format!(", positive series among them: {positive:?}")
            }
        );
    }
    let mut chosen = BTreeMap::new();
    let mut worse_than_nested = 0;
    for (_, s) in all {
        let fit = AutoEts::new(1).fit(s).unwrap();
        *chosen.entry(fit.spec().code()).or_insert(0) += 1;
        let ll = |code: &str| -> f64 {
            fit.selection()
                .unwrap()
                .candidates
                .iter()
                .find(|c| c.spec.code() == code)
                .and_then(|c| match c.outcome {
                    EtsOutcome::Fitted { loglik, .. } => Some(loglik),
                    _ => None,
                })
                .unwrap_or(f64::NEG_INFINITY)
        };
        for (small, big) in NESTED {
            if ll(big) < ll(small) - 0.5 {
                worse_than_nested += 1;
            }
        }
    }
    println!(
        "AutoEts non-seasonal: chosen {chosen:?}; {worse_than_nested} nested pairs clearly worse"
    );
}

fn ets(c: &mut Criterion) {
    let all: Vec<(String, RegularSeries)> = m4_hourly()
        .into_iter()
        .map(|(id, y)| (id, series(&y)))
        .collect();
    if all.is_empty() {
        return;
    }
    report(&all);
    let n = all.len() as u64;

    let mut group = c.benchmark_group("ets_m4_hourly_fit_every_series");
    group.sample_size(10).throughput(Throughput::Elements(n));
    for code in NON_SEASONAL {
        let spec: EtsSpec = code.parse().unwrap();
        group.bench_function(code, |b| {
            b.iter(|| {
                for (_, s) in &all {
                    // Multiplicative models refuse the series that are not positive.
                    let _ = black_box(Ets::new(spec).fit(black_box(s)));
                }
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("auto_ets_m4_hourly_fit_and_forecast_48");
    group.sample_size(10).throughput(Throughput::Elements(n));
    for (name, auto) in [
        ("non_seasonal", AutoEts::new(1)),
        (
            "non_seasonal_additive_only",
            AutoEts::new(1).additive_only(),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for (_, s) in &all {
                    let fit = auto.fit(black_box(s)).unwrap();
                    black_box(fit.predict(48, &[80.0, 95.0]).unwrap());
                }
            })
        });
    }
    group.finish();

    let positive: Vec<&RegularSeries> = all
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.values().iter().all(|v| *v > 0.0))
        .take(20)
        .collect();
    let mut group = c.benchmark_group("ets_period_24_fit_and_forecast_48_of_20_series");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(positive.len() as u64));
    for code in ["ANA", "AAdA", "MNA", "MAdM"] {
        let spec = EtsSpec::parse(code, 24).unwrap();
        group.bench_function(code, |b| {
            b.iter(|| {
                for s in &positive {
                    let fit = Ets::new(spec).fit(black_box(s)).unwrap();
                    black_box(fit.predict(48, &[95.0]).unwrap());
                }
            })
        });
    }
    group.finish();

    let (id, first) = &all[0];
    let mut group = c.benchmark_group(format!("ets_{id}_{}_points", first.len()));
    group.sample_size(10);
    for period in [24, 168] {
        group.bench_with_input(BenchmarkId::new("auto", period), &period, |b, &p| {
            b.iter(|| AutoEts::new(p).fit(black_box(first)).unwrap())
        });
    }
    let aaa = EtsSpec::parse("AAA", 168).unwrap();
    group.bench_function("AAA_168", |b| {
        b.iter(|| Ets::new(aaa).fit(black_box(first)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, ets);
criterion_main!(benches);
