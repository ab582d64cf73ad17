//! Does the saturation answer depend on the sampling step? The same generated
//! free-memory history (60 % of 3.5 days at 30 s: a leak of 1.5 GB a day, a daily
//! swing of 1 GB, persistent noise) is asked at its own step and resampled to
//! 5 minutes and 1 hour by the minimum of each step (`--agg min`, so the question
//! does not change), for floors of 2.0, 2.4 and 2.8 GB a day ahead. Issue 9's
//! target: probabilities within 0.05 of each other, medians within one coarse step.
//!
//! `cargo run --release --example step_invariance [-- SEEDS]` (default 3 seeds)
use chrono::{TimeDelta, TimeZone, Utc};
use headroom::pipeline::{prepare, ForecastSettings};
use headroom::query::SaturationQuery;
use headroom::resample::{resample, Aggregation};
use headroom::saturation::Direction;
use headroom::units::Span;
use headroom::{RegulariseOptions, Series, Step};
use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

fn generate(seed: u64, leak_per_day: f64) -> Series {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let start = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
    let n = 10080 * 6 / 10;
    let dt: f64 = 30.0;
    let tau: f64 = 600.0;
    let rho = (-dt / tau).exp();
    let mut ou = 0.0;
    let (mut ts, mut vs) = (Vec::new(), Vec::new());
    for i in 0..n {
        let t = i as f64 * dt;
        let z: f64 = StandardNormal.sample(&mut rng);
        ou = rho * ou + (1.0 - rho * rho).sqrt() * z;
        let day = t / 86400.0;
        let daily = 0.5e9 * (1.0 + (std::f64::consts::TAU * day).sin());
        ts.push(start + TimeDelta::seconds(30 * i as i64));
        vs.push(8e9 - leak_per_day * day - daily + 0.15e9 * ou);
    }
    Series::new("free", ts, vs).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds: u64 = args.first().map(|s| s.parse().unwrap()).unwrap_or(3);
    for seed in 0..seeds {
        let raw = generate(seed, 1.5e9);
        for floor in [2.0e9, 2.4e9, 2.8e9] {
            let mut line = format!("seed {seed} floor {:.1}G:", floor / 1e9);
            for step in [30i64, 300, 3600] {
                let s = if step == 30 {
                    raw.clone()
                } else {
                    resample(&raw, Step::seconds(step), Aggregation::Min)
                        .unwrap()
                        .0
                };
                let p = prepare(&s, &RegulariseOptions::default(), &[]).unwrap();
                let settings = ForecastSettings {
                    horizon: Some("1d".parse::<Span>().unwrap()),
                    ..Default::default()
                };
                let query = SaturationQuery::fixed(floor, Direction::Down, settings).unwrap();
                let answer = query.answer(&p).unwrap();
                let (f, row) = (answer.forecast, answer.row);
                let median = row
                    .p50_at
                    .map(|t| {
                        format!(
                            "{:.1}h",
                            (t - row.last_timestamp).num_minutes() as f64 / 60.0
                        )
                    })
                    .unwrap_or("-".into());
                line += &format!(
                    "  {step}s: p {:.2} p50 {median} [{}; periods {:?}]",
                    row.probability,
                    f.model.chars().take(40).collect::<String>(),
                    p.periods
                );
            }
            println!("{line}");
        }
    }
}
