//! Answers a planner can trust (issue 25): generated cases with a known
//! answer, asked as a planner asks them, on the default path and on many
//! origins (`--intervals origins`).

mod common;

use std::path::PathBuf;

use common::{headroom, Noise};

fn scratch(name: &str, content: &str) -> PathBuf {
    common::scratch_in("trust", name, content)
}

fn csv(name: &str, start: i64, step: i64, values: &[f64]) -> PathBuf {
    let mut text = String::from("series,timestamp,value\n");
    for (i, v) in values.iter().enumerate() {
        text += &format!("{name},{},{v}\n", start + step * i as i64);
    }
    scratch(&format!("{name}.csv"), &text)
}

/// The row of the one series a `saturation` call answers, as column -> value.
fn row(args: &[&str]) -> Row {
    let o = headroom(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let values: Vec<&str> = lines.next().unwrap().split(',').collect();
    header
        .iter()
        .zip(values)
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect()
}

/// The row `saturation` gives for `input` against `capacity` with `flags`, on
/// the default path and on many origins, in that order.
fn on_both_paths(input: &std::path::Path, capacity: &str, flags: &[&str]) -> Vec<Row> {
    [&[][..], &["--intervals", "origins"][..]]
        .iter()
        .map(|extra| {
            let mut args = vec![
                "saturation",
                "--input",
                input.to_str().unwrap(),
                "--capacity",
                capacity,
            ];
            args.extend(flags);
            args.extend(*extra);
            row(&args)
        })
        .collect()
}

type Row = std::collections::HashMap<String, String>;

fn hours_between(a: &str, b: &str) -> f64 {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    (t(b) - t(a)).num_seconds() as f64 / 3600.0
}

#[test]
fn a_flat_cyclic_series_never_reaches_a_floor_beyond_its_range() {
    // Thirty days of a daily cycle and noise (sd 2): a floor 5 sd below the
    // lowest value ever seen, asked over a history-long horizon.
    let mut noise = Noise(1);
    let values: Vec<f64> = (0..24 * 30)
        .map(|t| {
            100.0 + 10.0 * (t as f64 * std::f64::consts::TAU / 24.0).sin() + 2.0 * noise.normal()
        })
        .collect();
    let floor = values.iter().copied().fold(f64::INFINITY, f64::min) - 10.0;
    let input = csv("flat", 1_735_689_600, 3600, &values);
    let floor = floor.to_string();
    let rows = on_both_paths(&input, &floor, &["--direction", "down", "--paths", "1000"]);
    for (r, path) in rows.iter().zip(["default", "origins"]) {
        let p: f64 = r["probability"].parse().unwrap();
        assert!(p < 0.05, "{path}: p {p}, status {}", r["status"]);
        assert_ne!(r["status"], "crossing", "{path}");
    }
}

#[test]
fn a_straight_leak_is_dated_where_its_line_reaches_the_floor() {
    // Two days at 30 s of a leak of -8.1 MB an hour with AR(1) noise (sd 9,
    // lag-one correlation 0.97): the line reaches the floor 31.5 h after the end.
    let mut noise = Noise(2);
    let n = 2 * 24 * 120;
    let (phi, sd) = (0.97f64, 9.0);
    let mut e = 0.0;
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        e = phi * e + sd * (1.0 - phi * phi).sqrt() * noise.normal();
        values.push(4400.0 - 8.1 * i as f64 / 120.0 + e);
    }
    let line_end = 4400.0 - 8.1 * (n - 1) as f64 / 120.0;
    let floor = (line_end - 8.1 * 31.5).to_string();
    let input = csv("leak", 1_740_787_200, 30, &values);
    let flags = ["--direction", "down", "--horizon", "3d", "--paths", "500"];
    for (r, path) in on_both_paths(&input, &floor, &flags)
        .iter()
        .zip(["default", "origins"])
    {
        let median = hours_between(&r["last_timestamp"], &r["p50_at"]);
        assert!(
            (median - 31.5).abs() <= 0.1 * 31.5,
            "{path}: median {median:.1} h against the line's 31.5 h"
        );
    }
}

#[test]
fn a_probability_by_a_date_does_not_depend_on_the_horizon() {
    // Ten weeks of half-hourly counts with daily and weekly cycles; a level one
    // week in ten passed, asked by 7 days with horizons of 7, 14 and 30 days.
    let mut noise = Noise(4);
    let values: Vec<f64> = (0..48 * 70)
        .map(|k| {
            let k = k as f64;
            15000.0
                + 8000.0 * (k * std::f64::consts::TAU / 48.0).sin()
                + 3000.0 * (k * std::f64::consts::TAU / 336.0).sin()
                + 2500.0 * noise.normal()
        })
        .collect();
    let input = csv("taxi", 1_735_689_600, 1800, &values);
    let mut weekly: Vec<f64> = values
        .windows(336)
        .map(|w| w.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect();
    weekly.sort_by(f64::total_cmp);
    let capacity = weekly[weekly.len() * 9 / 10].to_string();
    let by: Vec<Vec<f64>> = ["7d", "14d", "30d"]
        .iter()
        .map(|h| {
            let flags = ["--by", "7d", "--horizon", h, "--paths", "1000"];
            on_both_paths(&input, &capacity, &flags)
                .iter()
                .map(|r| r["probability_by"].parse().unwrap())
                .collect()
        })
        .collect();
    for (k, path) in ["default", "origins"].iter().enumerate() {
        let by: Vec<f64> = by.iter().map(|b| b[k]).collect();
        let spread = by.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - by.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(spread <= 0.05, "{path}: probabilities by 7 days {by:?}");
    }
}
