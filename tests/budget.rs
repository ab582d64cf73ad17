//! Error budgets: exact answers where they are known (linear burn, a budget that
//! lasts, a burst ageing out of a rolling window), the CLI's table, chart and
//! rules, and bad input.
//!
//! The exact answers are checked twice: on given futures through
//! [`assess`] (deterministic), and through the forecasters with a named model
//! on noiseless series (whose simulated futures are the series' own constant
//! continuation), so they hold whichever model `auto` would pick.

mod common;

use common::headroom;

use std::path::PathBuf;
use std::process::Command;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ndarray::Array2;

use headroom::budget::rules::{prometheus_rules, RuleSpec, SliQuery};
use headroom::budget::{
    assess, forecast_budget, horizon, status, BurnDownChart, EventPaths, Sli, SliGenerator, Slo,
    Window, BUDGET_COLUMNS,
};
use headroom::pipeline::ForecastSettings;
use headroom::Step;

const HOUR: i64 = 3600;

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// Futures in which every step has `bad` of `total` events.
fn constant_paths(paths: usize, steps: usize, bad: f64, total: f64) -> EventPaths {
    EventPaths::new(
        Array2::from_elem((paths, steps), bad),
        Array2::from_elem((paths, steps), total),
        "constant",
    )
    .unwrap()
}

fn named_model(model: &str) -> ForecastSettings {
    ForecastSettings {
        model: model.parse().unwrap(),
        paths: 200,
        ..Default::default()
    }
}

/// January 2025 has 744 hours. 1000 requests an hour, 2 failing (0.2 %, a burn
/// rate of 2 against 99.9 %): the month's budget is 744 failures, spent at 2 an
/// hour from the 1st, so it runs out after 372 hours, on 16 January at 12:00.
#[test]
fn constant_error_rate_burns_linearly_and_exhausts_on_the_computed_date() {
    let hours = 10 * 24;
    let sli = Sli::from_counts(
        "api",
        at(2025, 1, 1, 0),
        Step::seconds(HOUR),
        &vec![998.0; hours],
        &vec![1000.0; hours],
    )
    .unwrap();
    let slo = Slo::new(99.9, Window::CalendarMonth).unwrap();
    let steps = horizon(&sli, &slo).unwrap();
    assert_eq!(steps, 744 - hours);
    let expected = at(2025, 1, 16, 12);

    let b = assess(&sli, &slo, &constant_paths(3, steps, 2.0, 1000.0)).unwrap();
    assert!(
        (b.row.budget_total - 744.0).abs() < 1e-9,
        "{}",
        b.row.budget_total
    );
    assert_eq!(b.row.budget_spent, 480.0);
    assert!((b.row.budget_remaining - 264.0).abs() < 1e-9);
    for rate in [b.row.burn_rate_1h, b.row.burn_rate_6h, b.row.burn_rate_3d] {
        assert!((rate.unwrap() - 2.0).abs() < 1e-9, "{rate:?}");
    }
    assert_eq!(b.row.exhausted_at, Some(expected));
    assert_eq!(
        (b.row.p10_at, b.row.p90_at),
        (Some(expected), Some(expected))
    );
    assert_eq!(b.row.probability, 1.0);
    // Linear: the remaining share falls by 2 / 744 an hour, past and future.
    let median = b.burn_down.quantile(0.5).unwrap();
    for (k, share) in median.iter().enumerate() {
        let exact = 1.0 - (480.0 + 2.0 * (k + 1) as f64) / 744.0;
        assert!(
            (share - exact).abs() < 1e-12,
            "step {k}: {share} vs {exact}"
        );
    }
    for (j, (t, share)) in b.burn_down.history.iter().enumerate().skip(1) {
        assert_eq!(*t, at(2025, 1, 1, 0) + TimeDelta::hours(j as i64));
        assert!((share - (1.0 - 2.0 * j as f64 / 744.0)).abs() < 1e-12);
    }

    // Through the forecasters: the naive continuation of a constant series.
    let b = forecast_budget(&sli, &slo, &named_model("naive"), &[]).unwrap();
    assert_eq!(b.row.exhausted_at, Some(expected), "{}", b.model);
    assert_eq!(b.row.probability, 1.0);
}

/// A rolling window of 30 days over traffic of 1000 an hour holds a budget of 720
/// failures. Failures start at 4 an hour two days before now and never age out
/// within the window: 720 / 4 = 180 hours after they began, the budget is gone.
#[test]
fn constant_error_rate_from_an_onset_exhausts_a_rolling_window_on_the_computed_date() {
    let hours = 40 * 24;
    let start = at(2025, 2, 1, 0);
    let onset = hours - 48;
    let good: Vec<f64> = (0..hours)
        .map(|i| if i >= onset { 996.0 } else { 1000.0 })
        .collect();
    let sli = Sli::from_counts(
        "api",
        start,
        Step::seconds(HOUR),
        &good,
        &vec![1000.0; hours],
    )
    .unwrap();
    let slo = Slo::new(99.9, Window::rolling_days(30.0)).unwrap();
    let expected = start + TimeDelta::hours(onset as i64 + 180);
    let now = status(&sli, &slo).unwrap();
    assert_eq!((now.spent, now.events), (192.0, 720_000.0));

    let b = assess(&sli, &slo, &constant_paths(1, 720, 4.0, 1000.0)).unwrap();
    assert_eq!(b.row.exhausted_at, Some(expected));
    let median = b.burn_down.quantile(0.5).unwrap();
    for (k, share) in median.iter().take(200).enumerate() {
        let exact = 1.0 - (192.0 + 4.0 * (k + 1) as f64) / 720.0;
        assert!((share - exact).abs() < 1e-12, "step {k}");
    }

    // Through the forecasters: the naive model's noise comes from the onset's
    // jump, so the date is a distribution around the exact one.
    let b = forecast_budget(&sli, &slo, &named_model("naive"), &[]).unwrap();
    let (p10, p50, p90) = (
        b.row.p10_at.unwrap(),
        b.row.p50_at.unwrap(),
        b.row.p90_at.unwrap(),
    );
    println!("onset: {p10} {p50} {p90} p = {}", b.row.probability);
    assert!((p50 - expected).num_hours().abs() <= 12, "{p50}");
    assert!(p10 <= expected && expected <= p90, "{p10} {p90}");
    assert!(b.row.probability >= 0.95, "{}", b.row.probability);
}

/// Issue 16's case: constant traffic (100 requests a second, Poisson and binomial
/// noise, 5-minute counts) whose error rate steps from 0.05 % to 0.2 % three days
/// before the end of 31 days; 30-day rolling window, objective 99.9 %. "At this
/// rate" the budget runs out on a computable date: the window keeps its history's
/// failures until they age out, and every future step adds 0.2 % of its requests.
/// The forecast must date it within 12 hours, inside its own p10-p90.
#[test]
fn an_error_rate_that_stepped_up_exhausts_on_the_date_at_this_rate() {
    let start = at(2025, 3, 1, 0);
    let five = Step::seconds(300);
    let per_day = 288;
    let onset = start + TimeDelta::days(28);
    let generated = SliGenerator::new("stepped", start)
        .step(five)
        .days(31.0)
        .requests_per_second(100.0)
        .daily_amplitude(0.0)
        .weekend_factor(1.0)
        .error_ratio(0.0005)
        .incident(onset, 3 * per_day, 0.002)
        .seed(5)
        .generate()
        .unwrap();
    let sli = generated.sli().unwrap();
    let slo = Slo::new(99.9, Window::rolling_days(30.0)).unwrap();
    // The exact date: the window's real counts, then 0.2 % of 30,000 requests a step.
    let bad = generated.bad();
    let (window, n) = (30 * per_day, bad.len());
    let step_requests = 100.0 * 300.0;
    let budget = 0.001 * step_requests * window as f64;
    let mut spent: f64 = bad[n - window..].iter().sum();
    let mut k = 0;
    while spent < budget {
        spent += 0.002 * step_requests - bad[n - window + k];
        k += 1;
    }
    let last = start + TimeDelta::seconds(300 * (n as i64 - 1));
    let expected = last + TimeDelta::seconds(300 * k as i64);
    let settings = ForecastSettings {
        paths: 500,
        ..Default::default()
    };
    let b = forecast_budget(&sli, &slo, &settings, &[]).unwrap();
    let (p10, p50, p90) = (
        b.row.p10_at.unwrap(),
        b.row.p50_at.unwrap(),
        b.row.p90_at.unwrap(),
    );
    println!(
        "stepped: model {}, exact {expected}, p10 {p10}, p50 {p50}, p90 {p90}, p {}",
        b.model, b.row.probability
    );
    assert!(
        (p50 - expected).num_minutes().abs() <= 12 * 60,
        "{p50} vs {expected}"
    );
    assert!(
        p10 <= expected && expected <= p90,
        "{p10} {p90} vs {expected}"
    );
}

/// 0.03 % failing against 99.9 %: a burn rate of 0.3, with noise, daily and
/// weekly cycles and the model `auto` picks. A rolling window never runs out.
#[test]
fn error_rate_below_the_objective_never_exhausts_a_rolling_window() {
    let sli = SliGenerator::new("steady", at(2025, 1, 6, 0))
        .days(56.0)
        .error_ratio(0.0003)
        .seed(7)
        .generate()
        .unwrap()
        .sli()
        .unwrap();
    let slo = Slo::new(99.9, Window::rolling_days(30.0)).unwrap();
    let settings = ForecastSettings {
        paths: 500,
        ..Default::default()
    };
    let b = forecast_budget(&sli, &slo, &settings, &[]).unwrap();
    println!(
        "steady: model {}, spent {:.0} of {:.0}, burn 3d {:?}, probability {}",
        b.model, b.row.budget_spent, b.row.budget_total, b.row.burn_rate_3d, b.row.probability
    );
    let burn = b.row.burn_rate_3d.unwrap();
    assert!((burn - 0.3).abs() < 0.05, "{burn}");
    let spent = b.row.budget_spent / b.row.budget_total;
    assert!((spent - 0.3).abs() < 0.02, "{spent}");
    assert!(b.row.probability <= 0.01, "{}", b.row.probability);
    assert_eq!(b.row.exhausted_at, None);
    // The median future keeps about 70 % of the budget throughout.
    let median = b.burn_down.quantile(0.5).unwrap();
    assert!(median.iter().all(|&s| (s - 0.7).abs() < 0.1), "{median:?}");
}

/// Constant traffic without background failures; a two-hour burst from 10:00 on
/// 1 March spends 60 % of the 30-day budget. The budget stays at 40 % until the
/// burst leaves the window: half of it at 11:00 on 31 March, all at 12:00.
#[test]
fn a_burst_that_spends_60_percent_ages_out_of_the_rolling_window_on_the_right_day() {
    let start = at(2025, 2, 1, 0);
    let rps = 10.0;
    let per_hour = rps * 3600.0;
    // Two hours at ratio p spend 2 p per_hour of a budget of 0.001 * 720 per_hour.
    let ratio = 0.6 * 0.72 / 2.0;
    let generated = SliGenerator::new("burst", start)
        .days(40.0)
        .requests_per_second(rps)
        .daily_amplitude(0.0)
        .weekend_factor(1.0)
        .error_ratio(0.0)
        .incident(at(2025, 3, 1, 10), 2, ratio)
        .noiseless()
        .generate()
        .unwrap();
    let sli = generated.sli().unwrap();
    assert_eq!(sli.now(), at(2025, 3, 13, 0));
    let slo = Slo::new(99.9, Window::rolling_days(30.0)).unwrap();
    let now = status(&sli, &slo).unwrap();
    assert!((now.spent / now.allowed - 0.6).abs() < 1e-9);

    let check = |b: &headroom::budget::BudgetForecast| {
        let median = b.burn_down.quantile(0.5).unwrap();
        let share_at = |t: DateTime<Utc>| {
            let k = b.burn_down.timestamps.iter().position(|&s| s == t).unwrap();
            median[k]
        };
        assert!((share_at(at(2025, 3, 31, 10)) - 0.4).abs() < 1e-9);
        assert!((share_at(at(2025, 3, 31, 11)) - 0.7).abs() < 1e-9);
        assert!((share_at(at(2025, 3, 31, 12)) - 1.0).abs() < 1e-9);
        let recovered = b.burn_down.timestamps[median.iter().position(|&s| s > 0.999).unwrap()];
        assert_eq!(recovered, at(2025, 3, 31, 12));
        assert_eq!(b.row.probability, 0.0);
        assert_eq!(b.row.exhausted_at, None);
    };
    check(&assess(&sli, &slo, &constant_paths(2, 720, 0.0, per_hour)).unwrap());
    // Through the forecasters: the burst is a one-off incident (2 of 960 steps),
    // which the models see capped, so any of them continues the clean baseline.
    for model in ["seasonal_naive(24)", "auto"] {
        let b = forecast_budget(&sli, &slo, &named_model(model), &[]).unwrap();
        assert_eq!(b.capped_steps, 2);
        check(&b);
    }

    // A calendar month keeps the burst until the month ends: it never comes back.
    let month = Slo::new(99.9, Window::CalendarMonth).unwrap();
    let steps = horizon(&sli, &month).unwrap();
    let b = assess(&sli, &month, &constant_paths(1, steps, 0.0, per_hour)).unwrap();
    let median = b.burn_down.quantile(0.5).unwrap();
    let spent = 0.6 * 0.72 * per_hour;
    let budget = 0.001 * 744.0 * per_hour;
    assert!(median
        .iter()
        .all(|&s| (s - (1.0 - spent / budget)).abs() < 1e-9));
}

/// An already overspent window: the date is when it ran out, with certainty.
#[test]
fn an_overspent_budget_reports_when_it_ran_out() {
    let hours = 10 * 24;
    let good: Vec<f64> = (0..hours)
        .map(|i| if i == 100 { 0.0 } else { 1000.0 })
        .collect();
    let sli = Sli::from_counts(
        "api",
        at(2025, 1, 1, 0),
        Step::seconds(HOUR),
        &good,
        &vec![1000.0; hours],
    )
    .unwrap();
    // 1000 failed in the hour from 04:00 on 5 January, 139 hours before now. A
    // 3-day window (72 failures allowed) has let the burst go again...
    let slo = Slo::new(99.9, Window::rolling_days(3.0)).unwrap();
    let b = assess(&sli, &slo, &constant_paths(4, 72, 0.0, 1000.0)).unwrap();
    assert_eq!(b.row.budget_remaining, b.row.budget_total);
    assert_eq!((b.row.exhausted_at, b.row.probability), (None, 0.0));
    // ...a 6-day one still holds it: it ran out at the end of the burst's hour, and
    // comes back when the burst leaves, 144 hours after it.
    let slo = Slo::new(99.9, Window::rolling_days(6.0)).unwrap();
    let b = assess(&sli, &slo, &constant_paths(4, 144, 0.0, 1000.0)).unwrap();
    assert!(b.row.budget_remaining < 0.0);
    assert_eq!(b.row.exhausted_at, Some(at(2025, 1, 5, 5)));
    assert_eq!(b.row.probability, 1.0);
    assert_eq!(b.row.burn_rate_1h, Some(0.0));
    let median = b.burn_down.quantile(0.5).unwrap();
    let back = b.burn_down.timestamps[median.iter().position(|&s| s > 0.0).unwrap()];
    assert_eq!(back, at(2025, 1, 11, 5));
}

// ---------------------------------------------------------------- the CLI

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("budget");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write(name: &str, content: &str) -> PathBuf {
    let path = scratch(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// A CSV `series,timestamp,good,total` of generated services.
fn generated_csv(name: &str, services: &[headroom::budget::GeneratedSli]) -> PathBuf {
    let mut csv = Vec::new();
    headroom::budget::GeneratedSli::write_csv(&mut csv, services).unwrap();
    let path = scratch(name);
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn cli_writes_one_row_per_service_and_a_chart() {
    let start = at(2025, 1, 6, 0);
    let end = start + TimeDelta::days(42);
    let services = [
        SliGenerator::new("quiet", start)
            .days(42.0)
            .seed(1)
            .generate()
            .unwrap(),
        SliGenerator::new("leaky", start)
            .days(42.0)
            .error_ratio(0.0002)
            .incident(end - TimeDelta::days(7), 7 * 24, 0.003)
            .seed(2)
            .generate()
            .unwrap(),
    ];
    let input = generated_csv("two.csv", &services);
    let png = scratch("burn-{service}.png");
    let o = headroom(&[
        "budget",
        "--input",
        input.to_str().unwrap(),
        "--good",
        "good",
        "--total",
        "total",
        "--objective",
        "99.9",
        "--window",
        "30d",
        "--paths",
        "300",
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(BUDGET_COLUMNS));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(
        !out.to_lowercase().contains("nan") && !out.contains("inf"),
        "{out}"
    );
    // The leaky service (3 per mille for a week: burn 3) comes first, running out
    // within days; the quiet one lasts.
    assert_eq!(rows[0][0], "leaky");
    // All but the rare future whose error rate stays far below the week's.
    assert!(rows[0][13].parse::<f64>().unwrap() >= 0.99, "{out}");
    let burn_6h: f64 = rows[0][7].parse().unwrap();
    assert!((burn_6h - 3.0).abs() < 0.6, "{burn_6h}");
    assert_eq!(rows[1][0], "quiet");
    assert_eq!(rows[1][9], "");
    for service in ["leaky", "quiet"] {
        let file = scratch(&format!("burn-{service}.png"));
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{}",
            bytes.len()
        );
        std::fs::remove_file(file).ok();
    }
}

#[test]
fn cli_reads_an_error_ratio_and_a_calendar_month() {
    let mut csv = String::from("timestamp,ratio\n");
    for h in 0..24 * 20 {
        let t = at(2025, 4, 1, 0) + TimeDelta::hours(h);
        csv += &format!("{},{}\n", t.format("%Y-%m-%dT%H:%M:%SZ"), 0.002);
    }
    let input = write("ratio.csv", &csv);
    let o = headroom(&[
        "budget",
        "--input",
        input.to_str().unwrap(),
        "--error-ratio",
        "ratio",
        "--objective",
        "99.9",
        "--calendar",
        "month",
        "--model",
        "naive",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    // Named after the file; April's budget is 0.1 % of 30 days of seconds, spent
    // twice as fast as allowed: gone after 15 days.
    assert_eq!(&row[..3], ["ratio", "99.9", "month"]);
    assert!(
        (row[3].parse::<f64>().unwrap() - 2592.0).abs() < 1e-6,
        "{out}"
    );
    assert_eq!(row[9], "2025-04-16T00:00:00Z");
    assert_eq!(row[13], "1");
}

/// Counters (running totals, as Prometheus exports them) with `--rate`: the same
/// budget as the counts they accumulate, less the first step, which has no
/// predecessor to take an increase from.
#[test]
fn cli_reads_counters_with_rate() {
    let g = SliGenerator::new("api", at(2025, 1, 6, 0))
        .days(10.0)
        .error_ratio(0.002)
        .generate()
        .unwrap();
    let mut csv = String::from("series,timestamp,value\n");
    for (name, counts) in [("api/good", &g.good), ("api/total", &g.total)] {
        let mut running = 0.0;
        for (i, c) in counts.iter().enumerate() {
            running += c;
            let t = at(2025, 1, 6, 0) + TimeDelta::hours(i as i64);
            csv += &format!("{name},{},{running}\n", t.format("%Y-%m-%dT%H:%M:%SZ"));
        }
    }
    let input = write("counters.csv", &csv);
    let args = |rate: bool| {
        let mut v = vec![
            "budget",
            "--input",
            input.to_str().unwrap(),
            "--good",
            "good",
            "--total",
            "total",
            "--objective",
            "99.9",
            "--window",
            "7d",
            "--model",
            "naive",
            "--paths",
            "50",
        ];
        if rate {
            v.push("--rate");
        }
        headroom(&v)
    };
    let o = args(true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[0], "api");
    let bad = g.bad();
    let n = bad.len();
    let spent: f64 = bad[n - 168..].iter().sum();
    let events: f64 = g.total[n - 168..].iter().sum();
    let got_spent: f64 = row[4].parse().unwrap();
    let got_total: f64 = row[3].parse().unwrap();
    assert!(
        (got_spent - spent).abs() < 1e-6 * spent,
        "{got_spent} vs {spent}"
    );
    assert!(
        (got_total - 0.001 * events).abs() < 1e-6 * events,
        "{got_total} vs {events}"
    );
    // Without --rate the running totals are read as counts, with a note.
    let o = args(false);
    assert!(
        text(&o.stderr).contains("pass --rate"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn bad_input_gets_a_clear_error_never_a_panic() {
    let csv = |rows: &[(u32, f64, f64)]| {
        let mut s = String::from("series,timestamp,good,total\n");
        for (h, g, t) in rows {
            s += &format!("api,2025-01-01T{h:02}:00:00Z,{g},{t}\n");
        }
        s
    };
    let rows_with = |bad: (f64, f64)| {
        let mut rows: Vec<(u32, f64, f64)> = (0..20).map(|h| (h, 99.0, 100.0)).collect();
        rows[5] = (5, bad.0, bad.1);
        csv(&rows)
    };
    let run = |name: &str, content: &str, extra: &[&str]| {
        let path = write(name, content);
        let mut args = vec![
            "budget",
            "--input",
            path.to_str().unwrap(),
            "--good",
            "good",
            "--total",
            "total",
            "--model",
            "naive",
            "--paths",
            "50",
        ];
        args.extend_from_slice(extra);
        if !extra.contains(&"--objective") {
            args.extend_from_slice(&["--objective", "99"]);
        }
        let o = headroom(&args);
        let err = text(&o.stderr);
        assert!(!err.contains("panicked"), "{err}");
        (o.status.code(), err, text(&o.stdout))
    };
    let (code, err, _) = run("above.csv", &rows_with((120.0, 100.0)), &["--window", "6h"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("api") && err.contains("2025-01-01T05:00:00Z") && err.contains("above total"),
        "{err}"
    );
    let (code, err, _) = run(
        "negative.csv",
        &rows_with((-1.0, 100.0)),
        &["--window", "6h"],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("negative"), "{err}");
    // A step without traffic spends nothing: a clear row.
    let (code, err, out) = run("zero.csv", &rows_with((0.0, 0.0)), &["--window", "6h"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.to_lowercase().contains("nan"), "{out}");
    // No traffic in the whole window: a row with no budget, never NaN.
    let silent: Vec<(u32, f64, f64)> = (0..20).map(|h| (h, 0.0, 0.0)).collect();
    let (code, err, out) = run("silent.csv", &csv(&silent), &["--window", "6h"]);
    assert_eq!(code, Some(0), "{err}");
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(&row[3..10], ["0", "0", "0", "", "", "", ""], "{out}");
    assert_eq!(row[13], "0");
    // Window shorter than the step.
    let (code, err, _) = run("short.csv", &rows_with((99.0, 100.0)), &["--window", "30m"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("shorter than the step"), "{err}");
    // Objectives outside (0, 100) are a wrong command line.
    for objective in ["100", "0", "-5", "101", "abc"] {
        let (code, err, _) = run(
            "objective.csv",
            &rows_with((99.0, 100.0)),
            &["--objective", objective],
        );
        assert_eq!(code, Some(2), "{objective}: {err}");
        assert!(err.contains("strictly between 0 and 100"), "{err}");
    }
    // An error ratio above 1 (a percentage?).
    let path = write(
        "percent.csv",
        &(0..20).fold(String::from("timestamp,ratio\n"), |s, h| {
            s + &format!("2025-01-01T{h:02}:00:00Z,5\n")
        }),
    );
    let o = headroom(&[
        "budget",
        "--input",
        path.to_str().unwrap(),
        "--error-ratio",
        "ratio",
        "--objective",
        "99",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("not between 0 and 1"),
        "{}",
        text(&o.stderr)
    );
    // Series that are not there.
    let (code, err, _) = run(
        "names.csv",
        &rows_with((99.0, 100.0)).replace("good,total", "ok,all"),
        &[],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("no series named"), "{err}");
}

// ---------------------------------------------------------------- rules

fn promtool() -> Option<PathBuf> {
    let found = Command::new("promtool").arg("--version").output().ok()?;
    found.status.success().then(|| PathBuf::from("promtool"))
}

#[test]
fn rules_are_accepted_by_promtool() {
    let specs: Vec<RuleSpec> = [
        (
            "checkout",
            Window::rolling_days(30.0),
            SliQuery::Events {
                good: r#"http_requests_total{job="checkout",code!~"5.."}"#.into(),
                total: r#"http_requests_total{job="checkout"}"#.into(),
            },
        ),
        (
            "search api",
            Window::CalendarMonth,
            SliQuery::ErrorRatio {
                ratio: r#"job:request_errors:ratio{job="search"}"#.into(),
            },
        ),
    ]
    .into_iter()
    .map(|(service, window, sli)| RuleSpec {
        service: service.into(),
        slo: Slo::new(99.5, window).unwrap(),
        sli,
    })
    .collect();
    let yaml = prometheus_rules(&specs).unwrap();
    let path = write("rules.yaml", &yaml);
    // The CLI prints the same rules without any input.
    let o = headroom(&[
        "budget",
        "--rules",
        "--good",
        r#"http_requests_total{job="checkout",code!~"5.."}"#,
        "--total",
        r#"http_requests_total{job="checkout"}"#,
        "--objective",
        "99.9",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let cli_rules = write("cli-rules.yaml", &text(&o.stdout));
    assert!(text(&o.stdout).contains("slo_service: \"checkout\""));
    let Some(promtool) = promtool() else {
        println!("SKIPPED: promtool is not installed (Debian package prometheus)");
        return;
    };
    for file in [&path, &cli_rules] {
        let o = Command::new(&promtool)
            .args(["check", "rules"])
            .arg(file)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "promtool refused {}:\n{}{}",
            file.display(),
            text(&o.stdout),
            text(&o.stderr)
        );
        println!("promtool: {}", text(&o.stdout).trim());
    }
}

#[test]
fn chart_of_a_forecast_renders() {
    let start = at(2025, 1, 6, 0);
    let sli = SliGenerator::new("chart", start)
        .days(35.0)
        .error_ratio(0.0005)
        .incident(start + TimeDelta::days(30), 4, 0.05)
        .generate()
        .unwrap()
        .sli()
        .unwrap();
    let slo = Slo::new(99.9, Window::rolling_days(30.0)).unwrap();
    let b = forecast_budget(&sli, &slo, &named_model("seasonal_naive"), &[]).unwrap();
    let png = scratch("chart.png");
    BurnDownChart::new(&b).render_png(&png).unwrap();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    std::fs::remove_file(png).ok();
}
