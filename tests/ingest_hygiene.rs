//! `--rate`, `--step` and `--agg` on the command line, with exact expected values.
//! The `value` column of `decompose` lists the series as it reaches the models,
//! step by step, so it shows exactly what the hygiene produced.

mod common;

use common::headroom;

use std::path::{Path, PathBuf};

fn scratch(name: &str, content: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest_hygiene");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// `(timestamp, value)` of every row of a decomposition.
fn decomposed(path: &Path, extra: &[&str]) -> (Vec<(String, String)>, String) {
    let mut args = vec![
        "decompose",
        "--input",
        path.to_str().unwrap(),
        "--season",
        "2",
    ];
    args.extend_from_slice(extra);
    let out = headroom(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows = stdout
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].to_string(), f[2].to_string())
        })
        .collect();
    (rows, stderr)
}

fn values(rows: &[(String, String)]) -> Vec<&str> {
    rows.iter().map(|(_, v)| v.as_str()).collect()
}

/// Four hours of 15-minute rows, out of order, one missing value.
fn quarter_hours() -> PathBuf {
    let hours: [[&str; 4]; 4] = [
        ["1", "2", "3", "10"],
        ["4", "4", "4", "4"],
        ["0", "5", "", "1"],
        ["7", "8", "9", "6"],
    ];
    let mut rows = Vec::new();
    for (h, vals) in hours.iter().enumerate() {
        for (q, v) in vals.iter().enumerate() {
            rows.push(format!("2024-03-01T{:02}:{:02}:00Z,{v}", h, q * 15));
        }
    }
    rows.reverse();
    scratch(
        "quarter_hours.csv",
        &format!("timestamp,value\n{}\n", rows.join("\n")),
    )
}

#[test]
fn step_and_every_aggregation() {
    let path = quarter_hours();
    let expected = [
        ("mean", ["4", "4", "2", "7.5"]),
        ("max", ["10", "4", "5", "9"]),
        ("min", ["1", "4", "0", "6"]),
        ("last", ["10", "4", "1", "6"]),
        ("sum", ["16", "16", "6", "30"]),
        // Linear between order statistics, as numpy.percentile.
        ("p95", ["8.949999999999998", "4", "4.6", "8.85"]),
    ];
    for (agg, want) in expected {
        let (rows, stderr) = decomposed(&path, &["--step", "1h", "--agg", agg]);
        assert_eq!(values(&rows), want, "{agg}");
        assert_eq!(rows[0].0, "2024-03-01T00:00:00Z");
        assert_eq!(rows[3].0, "2024-03-01T03:00:00Z");
        assert!(
            stderr.contains(&format!("16 rows resampled to 4 steps of 1h by {agg}")),
            "{stderr}"
        );
    }
    // The default aggregation is the mean.
    let (rows, _) = decomposed(&path, &["--step", "60m"]);
    assert_eq!(values(&rows), ["4", "4", "2", "7.5"]);
}

#[test]
fn step_leaves_gaps_for_regularisation() {
    // Hour 01 has no rows: it is a gap, filled by interpolation and left empty in
    // the value column.
    let csv = "timestamp,value\n\
               2024-03-01T00:00:00Z,1\n2024-03-01T00:30:00Z,3\n\
               2024-03-01T02:10:00Z,6\n2024-03-01T03:50:00Z,8\n\
               2024-03-01T04:00:00Z,10\n";
    let path = scratch("gappy.csv", csv);
    let (rows, stderr) = decomposed(&path, &["--step", "1h", "--agg", "max"]);
    assert_eq!(values(&rows), ["3", "", "6", "8", "10"]);
    assert!(
        stderr.contains("filled by linear interpolation"),
        "{stderr}"
    );
}

#[test]
fn rate_of_a_counter_with_a_reset() {
    // A counter scraped every minute that restarts after its fourth value.
    let counts = ["0", "60", "180", "30", "90", "150", "270", "300"];
    let mut csv = String::from("timestamp,value\n");
    for (i, c) in counts.iter().enumerate() {
        csv += &format!("{},{c}\n", 1_709_251_200 + 60 * i);
    }
    let path = scratch("counter.csv", &csv);
    let (rows, stderr) = decomposed(&path, &["--rate"]);
    assert_eq!(values(&rows), ["1", "2", "0.5", "1", "1", "2", "0.5"]);
    assert_eq!(rows[0].0, "2024-03-01T00:01:00Z");
    assert!(stderr.contains("1 counter reset(s)"), "{stderr}");
    assert!(
        stderr.contains("turned into 7 per-second rates"),
        "{stderr}"
    );

    // Rates first, then resampled: the mean rate per 2 minutes.
    let (rows, _) = decomposed(&path, &["--rate", "--step", "2m", "--agg", "mean"]);
    // Buckets 00:00 (1), 00:02 (2, 0.5), 00:04 (1, 1), 00:06 (2, 0.5).
    assert_eq!(values(&rows), ["1", "1.25", "1", "1.25"]);
}

#[test]
fn counters_that_go_negative_fail_alone() {
    let csv = "series,timestamp,value\n\
               ok,2024-03-01T00:00:00Z,1\nok,2024-03-01T00:01:00Z,2\n\
               ok,2024-03-01T00:02:00Z,4\nok,2024-03-01T00:03:00Z,8\n\
               ok,2024-03-01T00:04:00Z,9\n\
               bad,2024-03-01T00:00:00Z,1\nbad,2024-03-01T00:01:00Z,-2\n";
    let path = scratch("negative.csv", csv);
    let out = headroom(&["inspect", "--input", path.to_str().unwrap(), "--rate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("series bad: value -2 at 2024-03-01T00:01:00Z is negative"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Rates of 1, 2, 4 and 1 per minute, in per second.
    assert!(
        stdout.contains(
            "\nok,4,2024-03-01T00:01:00Z,2024-03-01T00:04:00Z,60,0,0,0.016666666666666666,0.06666666666666667,"
        ),
        "{stdout}"
    );
}

#[test]
fn bad_hygiene_flags_are_command_line_errors() {
    let path = quarter_hours();
    let input = path.to_str().unwrap();
    for args in [
        vec!["inspect", "--input", input, "--agg", "max"],
        vec!["inspect", "--input", input, "--step", "12"],
        vec![
            "inspect", "--input", input, "--step", "1h", "--agg", "median",
        ],
    ] {
        let out = headroom(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // A step finer than the data's own is allowed, with a warning.
    let out = headroom(&["inspect", "--input", input, "--step", "5m"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("WARNING: 5m is finer than the series' own step 15m"),
        "{stderr}"
    );
}
