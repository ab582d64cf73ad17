//! The command-line contract: commands, columns, exit statuses and bad input.

mod common;

use common::{cycle_csv, headroom};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// A scratch file with this content, unique per test.
fn scratch(name: &str, content: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `hours` hourly rows of `series,timestamp,value` with a daily cycle and growth.
fn hourly_csv(names: &[&str], hours: usize) -> String {
    let mut csv = String::from("series,timestamp,value\n");
    for name in names {
        for h in 0..hours {
            let v = 100.0
                + h as f64 * 0.5
                + 10.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
            csv += &format!("{name},{},{v}\n", 1_704_067_200 + h * 3600);
        }
    }
    csv
}

#[test]
fn inspect_follows_the_contract() {
    let o = headroom(&["inspect", "--input", SAMPLE]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with(
        "series,points,first_timestamp,last_timestamp,step_seconds,missing,duplicates"
    ));
    let web = out.lines().find(|l| l.starts_with("web-01,")).unwrap();
    assert!(
        web.starts_with("web-01,2157,2025-01-06T00:00:00Z,2025-04-05T23:00:00Z,3600,3,0,"),
        "{web}"
    );
    let db = out.lines().find(|l| l.starts_with("db-01,")).unwrap();
    assert!(db.starts_with("db-01,2160,"), "{db}");
    assert!(db.contains(",3600,0,1,"), "{db}");
}

#[test]
fn forecast_writes_every_series_and_reports_cleaning() {
    let o = headroom(&[
        "forecast",
        "--input",
        SAMPLE,
        "--horizon",
        "2d",
        "--season",
        "24",
        "--level",
        "90",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(
        out.lines().next().unwrap(),
        "series,timestamp,forecast,lower_90,upper_90,model"
    );
    assert_eq!(out.lines().count(), 1 + 4 * 48);
    assert!(out.contains("log-01,2025-04-06T00:00:00Z,"));
    for line in out.lines().skip(1) {
        let f: Vec<f64> = line
            .split(',')
            .skip(2)
            .take(3)
            .map(|x| x.parse().unwrap())
            .collect();
        assert!(f[1] <= f[0] && f[0] <= f[2], "{line}");
    }
    let err = stderr(&o);
    assert!(
        err.contains("series web-01") && err.contains("filled by linear interpolation"),
        "{err}"
    );
    assert!(
        err.contains("series db-01") && err.contains("duplicated"),
        "{err}"
    );
}

#[test]
fn decompose_adds_up_and_names_its_columns() {
    let o = headroom(&[
        "decompose",
        "--input",
        SAMPLE,
        "--season",
        "1d",
        "--season",
        "1w",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(
        out.lines().next().unwrap(),
        "series,timestamp,value,trend,seasonal_24,seasonal_168,remainder"
    );
    let mut blank = 0;
    for line in out.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[2].is_empty() {
            blank += 1;
            assert!(
                f[6].is_empty(),
                "remainder must be empty where value is: {line}"
            );
            continue;
        }
        let x: Vec<f64> = f[2..].iter().map(|x| x.parse().unwrap()).collect();
        assert!((x[0] - x[1] - x[2] - x[3] - x[4]).abs() < 1e-3, "{line}");
    }
    assert_eq!(blank, 3, "the three interpolated hours of web-01");
}

#[test]
fn saturation_ranks_the_fleet() {
    let out_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("saturation.csv");
    let o = headroom(&[
        "saturation",
        "--input",
        SAMPLE,
        "--capacity",
        "500G",
        "--horizon",
        "30d",
        "--output",
        s(&out_path),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = std::fs::read_to_string(&out_path).unwrap();
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "series,capacity,status,last_timestamp,last_value,saturation_at,earliest_at,latest_at,probability,\
         p10_at,p50_at,p90_at,time_left"
    );
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first[0], "log-01");
    assert_eq!(first[1], "500000000000");
    assert_eq!(first[2], "crossing");
    // log-01 grows 1.6 GB a day from 476 GB: 500 GB about 15 days on. The point
    // crossing (saturation_at) and the futures' dates tell one story (issue 16).
    assert!(first[9] <= first[10] && first[10] <= first[11], "{first:?}");
    assert!(first[9] <= first[5] && first[5] <= first[11], "{first:?}");
    let days: i64 = first[12].trim_end_matches('d').parse().expect("days");
    assert!((14..=16).contains(&days), "{first:?}");
    assert!(!first[5].is_empty() && first[6] <= first[5], "{first:?}");
    for line in lines {
        assert!(line.contains(",clear,"), "{line}");
    }
}

/// Issue 16: log-01's cleanup (60 GB freed on day 45) is an event, not noise: the
/// bands start about as wide as the one-step errors and widen with lead time,
/// instead of carrying the drop from the first hour (the 95 % lower bound used to
/// dive to about 305 GB at step one, 170 GB below the last value).
#[test]
fn a_cleanup_in_the_history_does_not_widen_the_first_steps() {
    let o = headroom(&["forecast", "--input", SAMPLE, "--horizon", "30d"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows: Vec<Vec<f64>> = stdout(&o)
        .lines()
        .filter(|l| l.starts_with("log-01,"))
        .map(|l| {
            l.split(',')
                .skip(2)
                .take(5)
                .map(|x| x.parse().unwrap())
                .collect()
        })
        .collect();
    let width = |h: usize| rows[h][4] - rows[h][3];
    assert!(width(0) <= width(23), "{} then {}", width(0), width(23));
    assert!(width(23) <= width(719), "{} then {}", width(23), width(719));
    // The sample's noise is 0.8 GB an hour: a 95 % band of a few times that.
    assert!(width(0) < 10e9, "{}", width(0));
    assert!(
        rows[0][3] > 460e9,
        "the lower bound at step one: {}",
        rows[0][3]
    );
}

/// Issue 20: bands stay inside what the metric can be. A count that is never
/// negative (small, noisy, near zero) keeps its forecast, bands and futures at or
/// above zero; a series named as a percentage stays within 0-100; `--bounds none`
/// gives the model's unbounded bands back, `--bounds LO,HI` sets them.
#[test]
fn forecasts_stay_within_the_bounds_of_the_metric() {
    let mut state = 7u64;
    let mut noise = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut csv = String::from("series,timestamp,value\n");
    for h in 0..24 * 30 {
        let t = 1_704_067_200 + h * 3600;
        let count = (3.0 * noise()).floor();
        let cpu = (60.0 + 38.0 * noise()).min(100.0);
        csv += &format!("queue,{t},{count}\ncpu_percent,{t},{cpu:.1}\n");
    }
    let input = scratch("bounded.csv", &csv);
    let lows = |extra: &[&str]| -> (f64, f64) {
        let args = [
            &["forecast", "--input", s(&input), "--horizon", "7d"],
            extra,
        ]
        .concat();
        let o = headroom(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let out = stdout(&o);
        let column = |series: &str, i: usize| -> Vec<f64> {
            out.lines()
                .filter(|l| l.starts_with(series))
                .map(|l| l.split(',').nth(i).unwrap().parse().unwrap())
                .collect()
        };
        let min = column("queue,", 5)
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        let max = column("cpu_percent,", 6)
            .into_iter()
            .fold(f64::NEG_INFINITY, f64::max);
        (min, max)
    };
    let (queue_low, cpu_high) = lows(&[]);
    assert!(queue_low >= 0.0, "{queue_low}");
    assert!(cpu_high <= 100.0, "{cpu_high}");
    let (queue_low, cpu_high) = lows(&["--bounds", "none"]);
    assert!(
        queue_low < 0.0 && cpu_high > 100.0,
        "{queue_low} {cpu_high}"
    );
    let (queue_low, _) = lows(&["--bounds", "1,"]);
    assert!(queue_low >= 1.0, "{queue_low}");
    let o = headroom(&[
        "forecast",
        "--input",
        s(&input),
        "--horizon",
        "7d",
        "--bounds",
        "9,1",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--bounds"), "{}", stderr(&o));
}

/// Issue 20: free memory at 30 s steps falling on a straight line for 3.5 days
/// (190 MB a day, a small daily swing, noise). A daily season is 2880 steps, and
/// validating it from origins with less than two cycles failed every seasonal
/// candidate, so `auto` fell back to a seasonal naive: a first step 190 MB up and
/// a forecast that never reached the floor. Now the line's answer: the floor of
/// 4000 MB, 336 MB below the last value, is reached about 42 hours on.
#[test]
fn auto_follows_a_plain_trend_at_a_fine_step() {
    let mut state = 11u64;
    let mut noise = move || {
        (0..4)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .sum::<f64>()
            * 14.0
    };
    let mut csv = String::from("timestamp,mem_free_mb\n");
    let n = 7 * 1440;
    for i in 0..n {
        let day = i as f64 / 2880.0;
        let v = 5000.0 - 190.0 * day + 15.0 * (std::f64::consts::TAU * day).sin() + noise();
        csv += &format!("{},{v:.2}\n", 1_725_148_800 + 30 * i);
    }
    let input = scratch("mem30.csv", &csv);
    let o = headroom(&["forecast", "--input", s(&input), "--horizon", "1d"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let first: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert!(!first[7].starts_with("seasonal_naive"), "{first:?}");
    let last_value = 5000.0 - 190.0 * (n - 1) as f64 / 2880.0;
    let step_one: f64 = first[2].parse().unwrap();
    assert!(
        (step_one - last_value).abs() < 40.0,
        "{step_one} vs {last_value}"
    );
    let o = headroom(&[
        "saturation",
        "--input",
        s(&input),
        "--capacity",
        "4000",
        "--direction",
        "down",
        "--horizon",
        "7d",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let row: Vec<String> = stdout(&o)
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    assert_eq!(row[2], "crossing", "{row:?}");
    let hours: f64 = row[12].trim_end_matches('h').parse().expect("hours");
    let exact = (last_value - 4000.0) / 190.0 * 24.0;
    // The point forecast reaches the floor (it never did), and the dates agree
    // with it. STL's trend on 3.5 cycles is steeper than the line (31 h against
    // 42 h here): within a third, not yet within a coarse step.
    assert!(!row[5].is_empty(), "{row:?}");
    assert!(
        (row[9] <= row[5] && row[5] <= row[11])
            || stderr(&o).contains("saturation_at is outside p10_at-p90_at"),
        "{row:?}"
    );
    assert!(
        (hours - exact).abs() <= exact / 3.0,
        "{hours} h vs {exact:.1} h: {row:?}, model {}",
        first[7]
    );
}

#[test]
fn saturation_down_and_per_series_capacities() {
    let csv = "series,timestamp,value\n".to_string()
        + &(0..200)
            .map(|h| {
                format!(
                    "free,{},{}\n",
                    1_704_067_200 + h * 3600,
                    1000.0 - 4.0 * h as f64
                )
            })
            .collect::<String>();
    let input = scratch("free.csv", &csv);
    let caps = scratch("caps.csv", "series,capacity\nfree,102\n");
    let o = headroom(&[
        "saturation",
        "--input",
        s(&input),
        "--capacities",
        s(&caps),
        "--direction",
        "down",
        "--model",
        "linear_trend",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let row = stdout(&o).lines().nth(1).unwrap().to_string();
    // 204 at the last hour, falling 4 per hour: 102 is passed 26 hours later.
    assert!(
        row.starts_with("free,102,crossing,2024-01-09T07:00:00Z,204,2024-01-10T09:00:00Z,"),
        "{row}"
    );
    let missing = scratch("caps-other.csv", "series,capacity\nother,100\n");
    let o = headroom(&[
        "saturation",
        "--input",
        s(&input),
        "--capacities",
        s(&missing),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("series free: no capacity"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn plot_writes_a_png() {
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("log-01.png");
    let o = headroom(&[
        "plot",
        "--input",
        SAMPLE,
        "--series",
        "log-01",
        "--horizon",
        "30d",
        "--capacity",
        "500G",
        "--output",
        s(&png),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 20_000, "a real chart, not a blank image");
    let o = headroom(&[
        "plot",
        "--input",
        SAMPLE,
        "--series",
        "nope",
        "--horizon",
        "1",
        "--output",
        s(&png),
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no series named 'nope'"));
}

#[test]
fn reads_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args([
            "forecast",
            "--input",
            "-",
            "--horizon",
            "3",
            "--model",
            "naive",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"timestamp,value\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains("stdin,2024-01-04T00:00:00Z,3,"), "{out}");
}

#[test]
fn empty_file_and_header_without_rows() {
    let empty = scratch("empty.csv", "");
    let o = headroom(&["forecast", "--input", s(&empty), "--horizon", "3"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(
        stderr(&o).contains("empty.csv: the file is empty"),
        "{}",
        stderr(&o)
    );
    let header = scratch("header.csv", "series,timestamp,value\n");
    let o = headroom(&["inspect", "--input", s(&header)]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("header.csv: the file has a header"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_value_and_timestamp_name_line_and_column() {
    let bad = scratch(
        "bad-value.csv",
        "timestamp,value\n2024-01-01,1\n2024-01-02,abc\n",
    );
    let o = headroom(&["inspect", "--input", s(&bad)]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad-value.csv: line 3, column 2 (value): cannot read 'abc' as a number"),
        "{err}"
    );
    let bad = scratch(
        "bad-time.csv",
        "timestamp,value\n2024-01-01,1\nlast tuesday,2\n",
    );
    let o = headroom(&["inspect", "--input", s(&bad)]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o)
            .contains("bad-time.csv: line 3, column 1 (timestamp): cannot read 'last tuesday'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_bad_series_fails_alone() {
    let mut csv = hourly_csv(&["good", "also-good"], 72);
    csv += "broken,2024-01-01T00:00:00Z,1\nbroken,2024-01-01T01:00:00Z,n/a\n";
    let input = scratch("mixed.csv", &csv);
    let o = headroom(&[
        "forecast",
        "--input",
        s(&input),
        "--horizon",
        "6",
        "--season",
        "24",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1 + 2 * 6);
    assert!(out.contains("\ngood,") && out.contains("\nalso-good,"));
    let err = stderr(&o);
    assert!(
        err.contains("series broken:") && err.contains("line 147, column 3"),
        "{err}"
    );
}

#[test]
fn unknown_layout_short_series_and_zero_horizon() {
    let layout = scratch("layout.csv", "a,b\n1,2\n");
    let o = headroom(&["inspect", "--input", s(&layout)]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("unknown column layout"),
        "{}",
        stderr(&o)
    );

    let short = scratch("short.csv", &hourly_csv(&["tiny"], 30));
    let o = headroom(&["decompose", "--input", s(&short), "--season", "24"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("series tiny:") && stderr(&o).contains("shorter than two seasons"),
        "{}",
        stderr(&o)
    );
    let o = headroom(&[
        "forecast",
        "--input",
        s(&short),
        "--season",
        "24",
        "--horizon",
        "5",
        "--model",
        "stl_linear",
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("series tiny:"), "{}", stderr(&o));

    let o = headroom(&["forecast", "--input", SAMPLE, "--horizon", "0"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("at least one step"), "{}", stderr(&o));
    let o = headroom(&["forecast", "--input", SAMPLE, "--horizon", "soon"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn refused_gaps_fail_the_series() {
    let o = headroom(&[
        "forecast",
        "--input",
        SAMPLE,
        "--horizon",
        "2",
        "--gaps",
        "refuse",
        "--season",
        "24",
    ]);
    assert_eq!(code(&o), 3);
    let err = stderr(&o);
    assert!(err.contains("series web-01: 3 missing step(s)"), "{err}");
}

#[test]
fn no_panic_on_garbage() {
    for (name, content) in [
        ("garbage.csv", "\u{0}\u{1}\u{2}"),
        (
            "ragged.csv",
            "timestamp,value\n2024-01-01,1,7,8\n2024-01-02\n",
        ),
        ("quotes.csv", "timestamp,value\n\"2024-01-01,1\n"),
        ("one.csv", "timestamp,value\n2024-01-01,1\n"),
        ("inf.csv", "timestamp,value\n2024-01-01,1\n2024-01-02,inf\n"),
    ] {
        let input = scratch(name, content);
        for cmd in [
            vec!["inspect", "--input", s(&input)],
            vec!["forecast", "--input", s(&input), "--horizon", "2"],
            vec!["saturation", "--input", s(&input), "--capacity", "5"],
        ] {
            let o = headroom(&cmd);
            assert!(
                matches!(code(&o), 0 | 1 | 3),
                "{name} {cmd:?}: {} {}",
                code(&o),
                stderr(&o)
            );
            assert!(!stderr(&o).contains("panicked"), "{name}: {}", stderr(&o));
        }
    }
}

#[test]
fn shared_exports_run_end_to_end() {
    let Some(nab) = common::shared("data/nab/realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv")
    else {
        return;
    };
    let nab = s(&nab);
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rds.png");
    for args in [
        vec!["inspect", "--input", nab],
        vec!["forecast", "--input", nab, "--horizon", "1d"],
        vec!["decompose", "--input", nab, "--season", "1d"],
        vec!["saturation", "--input", nab, "--capacity", "80"],
        vec![
            "plot",
            "--input",
            nab,
            "--horizon",
            "12h",
            "--capacity",
            "40",
            "--output",
            s(&png),
        ],
    ] {
        let o = headroom(&args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
    }
    let o = headroom(&["inspect", "--input", nab]);
    assert!(stdout(&o).contains(
        "rds_cpu_utilization_e47b3b,4032,2014-04-10T00:02:00Z,2014-04-23T23:57:00Z,300,0,0,"
    ));
}

#[test]
fn shared_prophet_files_are_read() {
    let Some(dir) = common::shared("data/prophet") else {
        return;
    };
    let inspect = |file: &str| {
        let o = headroom(&["inspect", "--input", s(&dir.join(file))]);
        assert_eq!(code(&o), 0, "{file}: {}", stderr(&o));
        stdout(&o)
    };
    // Bare carriage returns.
    assert!(inspect("example_air_passengers.csv").contains(
        "example_air_passengers,144,1949-01-01T00:00:00Z,1960-12-01T00:00:00Z,2629746,0,0,104,622"
    ));
    // Quoted header, unsorted rows, gaps.
    assert!(inspect("example_wp_log_R.csv")
        .contains("example_wp_log_R,2863,2008-01-01T00:00:00Z,2015-12-31T00:00:00Z,86400,59,0,"));
    // Wide layout: one series per column.
    let wide = inspect("example_pedestrians_multivariate.csv");
    assert!(
        wide.contains("\nlocation_4,720,") && wide.contains("\nlocation_41,720,"),
        "{wide}"
    );
    // Missing values.
    assert!(inspect("example_yosemite_temps.csv").contains(",300,12,0,"));
    // Monthly data forecast on its calendar.
    let o = headroom(&[
        "forecast",
        "--input",
        s(&dir.join("example_air_passengers.csv")),
        "--horizon",
        "2",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("example_air_passengers,1961-01-01T00:00:00Z,"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn saturation_questions_and_fleet_chart() {
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fleet.png");
    let o = headroom(&[
        "saturation",
        "--input",
        SAMPLE,
        "--capacity",
        "500G",
        "--horizon",
        "30d",
        "--by",
        "2025-04-25",
        "--need-until",
        "30d",
        "--risk",
        "0.1",
        "--plot",
        s(&png),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[13..], ["probability_by", "capacity_needed"]);
    let log: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("log-01,"))
        .unwrap()
        .split(',')
        .collect();
    let by: f64 = log[13].parse().unwrap();
    let needed: f64 = log[14].parse().unwrap();
    // Nearly certain by 25 April; at least 500 GB needed to stay safe for 30 days.
    assert!(by > 0.9, "{log:?}");
    assert!(needed > 500e9, "{log:?}");
    let web: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("web-01,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(web[13], "0");
    let web_needed: f64 = web[14].parse().unwrap();
    assert!(web_needed > 118e9 && web_needed < 140e9, "{web:?}");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn saturation_bad_questions() {
    let o = headroom(&["saturation", "--input", SAMPLE, "--capacity", "lots"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot read capacity 'lots'"),
        "{}",
        stderr(&o)
    );
    let o = headroom(&[
        "saturation",
        "--input",
        SAMPLE,
        "--capacity",
        "500G",
        "--need-until",
        "30d",
        "--risk",
        "1.5",
    ]);
    assert_eq!(code(&o), 2);
    let o = headroom(&[
        "saturation",
        "--input",
        SAMPLE,
        "--capacity",
        "500G",
        "--by",
        "2025-01-01",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("is not after the last observation"),
        "{}",
        stderr(&o)
    );
    let flat = scratch(
        "flat.csv",
        &(0..200).fold(String::from("timestamp,value\n"), |acc, h| {
            acc + &format!("{},42\n", 1_704_067_200 + h * 3600)
        }),
    );
    let o = headroom(&["saturation", "--input", s(&flat), "--capacity", "50"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("flat,50,clear,"), "{}", stdout(&o));
    let o = headroom(&[
        "saturation",
        "--input",
        s(&flat),
        "--capacity",
        "40",
        "--direction",
        "up",
    ]);
    assert!(stdout(&o).contains("flat,40,saturated,"), "{}", stdout(&o));
}

/// `saturation` on `csv` with a linear trend (quick), the rows by series name.
fn saturation_rows(csv: &Path, extra: &[&str]) -> (i32, Vec<Vec<String>>, String) {
    let o = headroom(
        &[
            &[
                "saturation",
                "--input",
                s(csv),
                "--model",
                "linear_trend",
                "--horizon",
                "2d",
            ],
            extra,
        ]
        .concat(),
    );
    let rows = stdout(&o)
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (code(&o), rows, stderr(&o))
}

#[test]
fn capacities_as_people_write_them() {
    let input = scratch("units.csv", &hourly_csv(&["a"], 100));
    // Bytes as disks and memory are labelled.
    for (text, value) in [
        ("16GB", "16000000000"),
        ("16GiB", "17179869184"),
        ("512MiB", "536870912"),
    ] {
        let (status, rows, err) = saturation_rows(&input, &["--capacity", text]);
        assert_eq!(status, 0, "{text}: {err}");
        assert_eq!(rows[0][1], value, "{text}");
    }
    // 0.9x: a multiple of the history's peak (of its trough going down), as
    // backtest --capacity reads it. The series' last value, its peak, is past it.
    let peak = (0..100)
        .map(|h| {
            100.0 + h as f64 * 0.5 + 10.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin()
        })
        .fold(f64::NEG_INFINITY, f64::max);
    let (status, rows, err) = saturation_rows(&input, &["--capacity", "1.2x"]);
    assert_eq!(status, 0, "{err}");
    let capacity: f64 = rows[0][1].parse().unwrap();
    assert!((capacity - 1.2 * peak).abs() < 1e-6, "{:?}", rows[0]);
    let (_, rows, _) = saturation_rows(&input, &["--capacity", "0.9x"]);
    assert_eq!(rows[0][2], "saturated", "{:?}", rows[0]);
    assert_eq!(rows[0][12], "0", "{:?}", rows[0]);
    let (_, rows, _) = saturation_rows(&input, &["--capacity", "0.5x", "--direction", "down"]);
    let trough: f64 = rows[0][1].parse().unwrap();
    assert!(trough > 40.0 && trough < 50.0, "{:?}", rows[0]);
    // 80% of a percent metric: 80 on values within 0-100, 0.8 within 0-1.
    let percent = |scale: f64| {
        let mut csv = String::from("series,timestamp,value\n");
        for h in 0..100 {
            let v = (20.0 + 0.5 * h as f64) * scale;
            csv += &format!("cpu,{},{v}\n", 1_704_067_200 + h * 3600);
        }
        csv
    };
    let (status, rows, err) = saturation_rows(
        &scratch("cpu100.csv", &percent(1.0)),
        &["--capacity", "80%"],
    );
    assert_eq!((status, rows[0][1].as_str()), (0, "80"), "{err}");
    let (status, rows, err) =
        saturation_rows(&scratch("cpu1.csv", &percent(0.01)), &["--capacity", "80%"]);
    assert_eq!((status, rows[0][1].as_str()), (0, "0.8"), "{err}");
    // On bytes a percentage means nothing: the series fails, named, with its range.
    let o = headroom(&[
        "saturation",
        "--input",
        SAMPLE,
        "--capacity",
        "80%",
        "--model",
        "naive",
        "--horizon",
        "2",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("series db-01: a capacity of 80% needs a percent metric"),
        "{}",
        stderr(&o)
    );
    // The chart takes the same forms.
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("units.png");
    let o = headroom(&[
        "plot",
        "--input",
        s(&input),
        "--horizon",
        "2d",
        "--capacity",
        "1.1x",
        "--model",
        "linear_trend",
        "--output",
        s(&png),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = headroom(&["saturation", "--input", s(&input), "--capacity", "12xB"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn self_check_says_when_a_probability_is_not_to_be_trusted() {
    // A capacity just above every peak of a flat cycle: the paths say it is
    // nearly certain to be reached within 30 days, and on the series' own
    // history the same answer was wrong: trust low, said on stderr.
    let input = scratch("cycle.csv", &cycle_csv("demand"));
    let peak = cycle_csv("demand")
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    let capacity = format!("{}", (peak + 3.0).round());
    // The futures alone: the history's own answer (never above it in 90 days)
    // would pull the probability down (below).
    let args = [
        "saturation",
        "--input",
        s(&input),
        "--capacity",
        &capacity,
        "--horizon",
        "30d",
        "--pool-history",
        "false",
    ];
    let o = headroom(&[&args[..], &["--self-check"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[13..], ["trust", "trust_skill"]);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    let probability: f64 = row[8].parse().unwrap();
    let skill: f64 = row[14].parse().unwrap();
    assert_eq!(row[13], "low", "{row:?}");
    assert!(skill < 0.0, "{row:?}");
    // Never in 90 days above this capacity, yet a real chance is claimed.
    assert!(probability > 0.2, "the overconfident answer: {row:?}");
    assert!(
        stderr(&o).contains("series demand: trust this probability little"),
        "{}",
        stderr(&o)
    );
    // Without the flag: the contract's columns only.
    let o = headroom(&args);
    assert!(!stdout(&o).lines().next().unwrap().contains("trust"));
    // Pooled with the history that never got there (the default), the claim
    // falls towards what happened.
    let o = headroom(&args[..7]);
    let row: Vec<String> = stdout(&o)
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let pooled: f64 = row[8].parse().unwrap();
    assert!(pooled < probability, "{pooled} vs {probability}: {row:?}");
    // A steady climb to capacity is what its history showed: trusted.
    let climb = scratch("climb.csv", &hourly_csv(&["climb"], 24 * 60));
    let o = headroom(&[
        "saturation",
        "--input",
        s(&climb),
        "--capacity",
        "900",
        "--horizon",
        "30d",
        "--self-check",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let row: Vec<String> = stdout(&o)
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    assert_eq!(row[13], "ok", "{row:?}");
}
