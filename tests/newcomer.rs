//! What a newcomer hit in an afternoon (issue 28): a horizon that ate the
//! machine, a capacities row that named no series.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

fn scratch(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("headroom-newcomer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// The sample's `log-01` alone (90 days, hourly).
fn one_host() -> PathBuf {
    let sample = std::fs::read_to_string("data/disk_used.csv").unwrap();
    let mut lines = sample.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    for line in lines.filter(|l| l.starts_with("log-01,")) {
        csv += line;
        csv.push('\n');
    }
    scratch("log-01.csv", &csv)
}

/// The binary under an address-space limit of `megabytes` (the shell's `ulimit
/// -v`): an allocation past it fails instead of taking the machine down.
fn limited(megabytes: u64, args: &[&str]) -> Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "ulimit -v {} && exec '{}' {}",
        megabytes * 1024,
        env!("CARGO_BIN_EXE_headroom"),
        quoted.join(" ")
    );
    Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("sh runs")
}

#[test]
fn a_horizon_beyond_what_the_history_supports_is_refused_with_the_limit() {
    let input = one_host();
    let out = limited(
        2048,
        &[
            "saturation",
            "--input",
            input.to_str().unwrap(),
            "--capacity",
            "500G",
            "--horizon",
            "100y",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("too far") && stderr.contains("21600 steps"),
        "the refusal names the limit: {stderr}"
    );
    let forecast = common::headroom(&[
        "forecast",
        "--input",
        input.to_str().unwrap(),
        "--horizon",
        "100y",
    ]);
    assert_eq!(forecast.status.code(), Some(1));
    assert!(forecast.stdout.len() < 1000, "no 400 MB CSV");
}

#[test]
fn a_long_horizon_is_answered_within_two_gigabytes() {
    // A year of hourly steps, 2,000 paths: 17.5 M path values, simulated in
    // blocks rather than held whole.
    let input = one_host();
    let out = limited(
        2048,
        &[
            "saturation",
            "--input",
            input.to_str().unwrap(),
            "--capacity",
            "500G",
            "--horizon",
            "1y",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().nth(1).unwrap().starts_with("log-01,"),
        "{stdout}"
    );
}

#[test]
fn capacities_rows_for_series_not_in_the_input_are_named() {
    let input = one_host();
    let table = scratch(
        "capacities.csv",
        "series,capacity\nlog-01,500G\nlog-1,400G\ndb-99,1T\n",
    );
    for command in ["saturation", "backtest", "report"] {
        let mut args = vec![
            command,
            "--input",
            input.to_str().unwrap(),
            "--capacities",
            table.to_str().unwrap(),
            "--horizon",
            "7d",
        ];
        let html = scratch("report.html", "");
        if command == "report" {
            args.extend(["--trust-windows", "0", "--output", html.to_str().unwrap()]);
        }
        let out = common::headroom(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{command}: {stderr}");
        assert!(
            stderr.contains("2 series not in the input")
                && stderr.contains("'db-99'")
                && stderr.contains("'log-1'"),
            "{command}: {stderr}"
        );
    }
}
