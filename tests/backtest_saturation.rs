//! `headroom backtest --capacity`: the saturation answer scored on the user's own
//! history, its three CSVs, its chart and its errors.

mod common;

use common::headroom;

use std::path::PathBuf;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("backtest_saturation");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The fields of the first line starting with `prefix`.
fn row<'a>(csv: &'a str, prefix: &str) -> Vec<&'a str> {
    csv.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no row {prefix} in\n{csv}"))
        .split(',')
        .collect()
}

#[test]
fn scores_the_sample_fleet_with_tables_and_chart() {
    let (reliability, origins, png) = (
        scratch("reliability.csv"),
        scratch("origins.csv"),
        scratch("reliability.png"),
    );
    let o = headroom(&[
        "backtest",
        "--input",
        SAMPLE,
        "--horizon",
        "7d",
        "--capacity",
        "1.05x",
        "--windows",
        "4",
        "--every",
        "3d",
        "--paths",
        "500",
        "--reliability",
        reliability.to_str().unwrap(),
        "--origins",
        origins.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_eq!(
        out.lines().next().unwrap(),
        "series,model,origins,scored,crossings,brier,brier_skill,auc,hit_rate,false_alarm_rate,p10_p90_coverage,band_coverage,date_mae_steps,mean_probability,date_mae_hours"
    );
    // Four hosts and the pooled row.
    assert_eq!(out.lines().count(), 6, "{out}");
    let all = row(&out, "(all),auto,");
    // The date error in time as well as in steps: hourly data, so the same number.
    for line in out.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        match (f[12].parse::<f64>(), f[14].parse::<f64>()) {
            (Ok(steps), Ok(hours)) => assert!((steps - hours).abs() < 1e-9, "{line}"),
            _ => assert_eq!((f[12], f[14]), ("", ""), "{line}"),
        }
    }
    assert_eq!(all[2], "16");
    let brier: f64 = all[5].parse().unwrap();
    assert!((0.0..=1.0).contains(&brier), "{all:?}");
    // The summary on standard error, with the reliability table.
    let err = text(&o.stderr);
    assert!(err.contains("auto: 16 origins on 4 series"), "{err}");
    assert!(err.contains("Brier") && err.contains("observed"), "{err}");

    let table = std::fs::read_to_string(&reliability).unwrap();
    assert!(table.starts_with(
        "series,model,bin_lower,bin_upper,count,events,mean_probability,observed_frequency,observed_low_95,observed_high_95\n"
    ));
    // Ten bins for each host and for the pool; the pooled counts add up.
    assert_eq!(table.lines().count(), 1 + 10 * 5);
    let pooled: usize = table
        .lines()
        .filter(|l| l.starts_with("(all),"))
        .map(|l| l.split(',').nth(4).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(pooled.to_string(), all[3]);

    let per_origin = std::fs::read_to_string(&origins).unwrap();
    assert!(per_origin.starts_with("series,model,last_timestamp,last_value,capacity,status,probability,saturation_at,earliest_at,latest_at,p10_at,p50_at,p90_at,actual_at,crossed,scored\n"));
    assert_eq!(per_origin.lines().count(), 1 + 16);
    // Origins three days apart, the last one a week before the end of the data
    // (2025-04-05T23:00Z for db-01).
    let db: Vec<Vec<&str>> = per_origin
        .lines()
        .filter(|l| l.starts_with("db-01,"))
        .map(|l| l.split(',').collect())
        .collect();
    let last: Vec<&str> = db.iter().map(|r| r[2]).collect();
    assert_eq!(
        last,
        [
            "2025-03-20T23:00:00Z",
            "2025-03-23T23:00:00Z",
            "2025-03-26T23:00:00Z",
            "2025-03-29T23:00:00Z"
        ]
    );
    // Each origin's capacity is 1.05 times the peak before it.
    let capacities: Vec<f64> = db.iter().map(|r| r[4].parse().unwrap()).collect();
    assert!(
        capacities.windows(2).all(|w| w[0] <= w[1]),
        "{capacities:?}"
    );

    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn per_series_capacities_and_a_fixed_one() {
    let capacities = scratch("capacities.csv");
    std::fs::write(&capacities, "series,capacity\nlog-01,500G\nweb-01,200G\n").unwrap();
    let o = headroom(&[
        "backtest",
        "--input",
        SAMPLE,
        "--horizon",
        "14d",
        "--capacities",
        capacities.to_str().unwrap(),
        "--paths",
        "300",
        "--windows",
        "2",
    ]);
    // Two series have no capacity: they fail alone, named; the others are scored.
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("db-01") && err.contains("no capacity"),
        "{err}"
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("\nlog-01,auto,2,") && out.contains("\nweb-01,auto,2,"),
        "{out}"
    );

    let o = headroom(&[
        "backtest",
        "--input",
        SAMPLE,
        "--horizon",
        "1d",
        "--capacity",
        "500G",
        "--model",
        "drift",
        "--model",
        "naive",
        "--paths",
        "200",
        "--windows",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("\n(all),drift,8,") && out.contains("\n(all),naive,8,"),
        "{out}"
    );
}

#[test]
fn too_short_for_one_origin_names_the_series() {
    let csv = scratch("short.csv");
    let mut body = String::from("series,timestamp,value\n");
    for h in 0..30 {
        body += &format!("tiny,{},{}\n", 1_704_067_200 + h * 3600, 10 + h);
    }
    for h in 0..300 {
        body += &format!("long,{},{}\n", 1_704_067_200 + h * 3600, 10 + h);
    }
    std::fs::write(&csv, body).unwrap();
    let o = headroom(&[
        "backtest",
        "--input",
        csv.to_str().unwrap(),
        "--horizon",
        "48",
        "--capacity",
        "200",
        "--paths",
        "200",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("series tiny: 30 points are too short for one backtest origin"),
        "{err}"
    );
    assert!(text(&o.stdout).contains("\nlong,auto,3,"));
}

#[test]
fn saturation_flags_need_a_capacity() {
    for flag in ["--plot", "--reliability", "--origins"] {
        let o = headroom(&[
            "backtest",
            "--input",
            SAMPLE,
            "--horizon",
            "1d",
            flag,
            "x.out",
        ]);
        assert_eq!(o.status.code(), Some(2), "{flag}");
        assert!(text(&o.stderr).contains("give --capacity or --capacities"));
    }
    let o = headroom(&[
        "backtest",
        "--input",
        SAMPLE,
        "--horizon",
        "1d",
        "--capacity",
        "1.1y",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn short_histories_are_reported_once_not_per_series() {
    // Four hosts of 90 days: 7-day horizons a week apart fit 12 origins, not 20.
    let o = headroom(&[
        "backtest",
        "--input",
        SAMPLE,
        "--horizon",
        "7d",
        "--capacity",
        "1.05x",
        "--windows",
        "20",
        "--model",
        "linear_trend",
        "--paths",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.matches("origins asked for fit").count(), 1, "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("origins asked for fit"))
        .unwrap();
    for host in ["cache-01", "db-01", "log-01", "web-01"] {
        assert!(line.contains(host), "{line}");
    }
    assert!(
        line.contains("of the 20 origins asked") && line.contains("4 series"),
        "{line}"
    );
}
