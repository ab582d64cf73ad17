//! Months ahead (issue 26): generated daily and monthly histories with a known
//! answer, asked as a planner asks them, on the default path.

mod common;

use std::path::PathBuf;

use common::{headroom, Noise};

const DAY: i64 = 86_400;

fn scratch(name: &str, content: &str) -> PathBuf {
    common::scratch_in("months", name, content)
}

/// `values` one `step` apart from 2023-01-01 (Unix seconds), as a CSV file.
fn csv(name: &str, step: i64, values: &[f64]) -> PathBuf {
    let start = 1_672_531_200;
    let mut text = String::from("series,timestamp,value\n");
    for (i, v) in values.iter().enumerate() {
        text += &format!("{name},{},{v}\n", start + step * i as i64);
    }
    scratch(&format!("{name}.csv"), &text)
}

/// `values` monthly from January 2010, as a CSV file.
fn monthly_csv(name: &str, values: &[f64]) -> PathBuf {
    let text = values
        .iter()
        .enumerate()
        .fold(String::from("series,timestamp,value\n"), |text, (t, v)| {
            text + &format!("{name},{}-{:02}-01,{v}\n", 2010 + t / 12, t % 12 + 1)
        });
    scratch(&format!("{name}.csv"), &text)
}

/// The one row `args` answers, as (header, values).
fn answer(args: &[&str]) -> (Vec<String>, Vec<String>) {
    let o = headroom(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let mut lines = out.lines();
    let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    (split(lines.next().unwrap()), split(lines.next().unwrap()))
}

fn column<'a>(row: &'a (Vec<String>, Vec<String>), name: &str) -> &'a str {
    let i = row.0.iter().position(|h| h == name).unwrap();
    &row.1[i]
}

/// Days from the history's last day to an RFC 3339 date in the row.
fn days_after(row: &(Vec<String>, Vec<String>), name: &str, last_day: i64) -> Option<f64> {
    let text = column(row, name);
    let t = chrono::DateTime::parse_from_rfc3339(text).ok()?.timestamp();
    Some((t - (1_672_531_200 + last_day * DAY)) as f64 / DAY as f64)
}

#[test]
fn compounding_growth_is_dated_inside_its_band() {
    // Two years of a disk growing 0.1 % a day (x2.07), a 1 % weekly cycle and
    // 0.5 % noise; asked when it reaches 1.5x its peak, 18 months ahead. The
    // trend reaches it 418 days on; a straight line through the last months
    // would say about 500.
    let mut noise = Noise(26);
    let n = 730;
    let y: Vec<f64> = (0..n)
        .map(|t| {
            let t = t as f64;
            200e9
                * (0.001 * t).exp()
                * (1.0 + 0.01 * (t * std::f64::consts::TAU / 7.0).sin())
                * (1.0 + 0.005 * noise.normal())
        })
        .collect();
    let peak = y.iter().copied().fold(f64::MIN, f64::max);
    let capacity = 1.5 * peak;
    let truth = (capacity / 200e9).ln() / 0.001 - (n - 1) as f64;
    let input = csv("compound", DAY, &y);
    let row = answer(&[
        "saturation",
        "--input",
        input.to_str().unwrap(),
        "--capacity",
        &format!("{capacity}"),
        "--horizon",
        "548d",
    ]);
    let p: f64 = column(&row, "probability").parse().unwrap();
    let p10 = days_after(&row, "p10_at", n as i64 - 1).expect("p10_at");
    let p90 = days_after(&row, "p90_at", n as i64 - 1).unwrap_or(f64::INFINITY);
    assert!(p >= 0.5, "p = {p}");
    assert!(
        p10 <= truth && truth <= p90,
        "the crossing at day {truth:.0} is outside p10-p90 {p10:.0}-{p90:.0} ({})",
        column(&row, "status")
    );
}

#[test]
fn a_history_that_flattened_is_not_expected_to_rise_far_above_it() {
    // Monthly for ten years: grew x3 over the first four, then flat with 2 %
    // noise for six; asked whether it reaches 1.25x its peak within two years.
    let mut noise = Noise(7);
    let y: Vec<f64> = (0..120)
        .map(|t| {
            let level = 100.0 + 200.0 / (1.0 + (-(t as f64 - 24.0) / 6.0).exp());
            level * (1.0 + 0.02 * noise.normal())
        })
        .collect();
    let input = monthly_csv("plateau", &y);
    let row = answer(&[
        "saturation",
        "--input",
        input.to_str().unwrap(),
        "--capacity",
        "1.25x",
        "--horizon",
        "24",
    ]);
    let p: f64 = column(&row, "probability").parse().unwrap();
    assert!(p < 0.5, "p = {p} ({})", column(&row, "status"));
}

#[test]
fn seasonal_swings_that_grow_with_the_level_stay_proportional() {
    // Twelve years of monthly data growing 1 % a month with a 25 % yearly
    // swing about the level (the air passengers' shape).
    let mut noise = Noise(3);
    let y: Vec<f64> = (0..144)
        .map(|t| {
            let season = 1.0 + 0.25 * (t as f64 * std::f64::consts::TAU / 12.0).sin();
            100.0 * (0.01 * t as f64).exp() * season * (1.0 + 0.01 * noise.normal())
        })
        .collect();
    let input = monthly_csv("swings", &y);
    let o = headroom(&[
        "forecast",
        "--input",
        input.to_str().unwrap(),
        "--horizon",
        "36",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let point: Vec<f64> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    let swing = |v: &[f64]| {
        let hi = v.iter().copied().fold(f64::MIN, f64::max);
        let lo = v.iter().copied().fold(f64::MAX, f64::min);
        (hi - lo) / (hi + lo)
    };
    // The third year ahead swings by the same share of its level as the last
    // year of history (an additive season would shrink it to about 0.19).
    let (history, ahead) = (swing(&y[132..144]), swing(&point[24..36]));
    assert!(
        (ahead / history - 1.0).abs() < 0.1,
        "swing {ahead:.3} ahead vs {history:.3} in the last year"
    );
}
