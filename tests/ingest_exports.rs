//! Files a planner exports as they are (issue 28, item 9): a slice of an R
//! export whose row names start at 51265, text columns beside the values, a
//! file without timestamps (`--start --step`), and only the recent history
//! (`--since`).

mod common;

use std::path::PathBuf;

use common::headroom;
use headroom::ingest::parse_timestamp;
use headroom::ingest::{read_bytes, Ingested, ReadOptions, Since};
use headroom::resample::parse_step;

fn scratch(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("headroom-exports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Half-hourly demand as R's `write.csv` writes rows `first..` of a
/// `vic_elec`-like frame: row names, the time, two numeric columns, the day as
/// a date and a holiday flag as text.
fn r_slice(first: usize, rows: usize) -> String {
    let mut csv =
        String::from("\"rownames\",\"Time\",\"Demand\",\"Temperature\",\"Date\",\"Holiday\"\n");
    let t0 = parse_timestamp("2014-12-01T00:00:00Z").unwrap();
    for i in 0..rows {
        let t = t0 + chrono::TimeDelta::minutes(30 * i as i64);
        let phase = 2.0 * std::f64::consts::PI * (i % 48) as f64 / 48.0;
        let demand = 4000.0 + 800.0 * phase.sin() + (i % 7) as f64;
        let holiday = if t.format("%d").to_string() == "25" {
            "TRUE"
        } else {
            "FALSE"
        };
        csv += &format!(
            "{},\"{}\",{demand:.3},{:.1},\"{}\",{holiday}\n",
            first + i,
            t.format("%Y-%m-%dT%H:%M:%SZ"),
            20.0 + 5.0 * phase.sin(),
            t.format("%Y-%m-%d"),
        );
    }
    csv
}

fn read(csv: &str, options: &ReadOptions) -> Ingested {
    read_bytes("e.csv", "e", csv.as_bytes(), options).unwrap()
}

fn names(r: &Ingested) -> Vec<&str> {
    r.series.iter().map(|s| s.name()).collect()
}

fn notes(r: &Ingested) -> String {
    r.notes.iter().map(|n| n.to_string() + "\n").collect()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_sliced_r_export_keeps_its_index_out_of_the_series() {
    // Before: `rownames` (51265..52608) was a series, ranked first as
    // "saturated (52608)", and Date and Holiday failed the run (exit 3).
    let csv = r_slice(51265, 1344);
    let r = read(&csv, &ReadOptions::default());
    assert_eq!(names(&r), ["Demand", "Temperature"]);
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert!(notes(&r).contains("column 1 ('rownames') numbers the rows"));
    let path = scratch("vic_elec_slice.csv", &csv);
    let out = headroom(&[
        "saturation",
        "--input",
        path.to_str().unwrap(),
        "--capacity",
        "5000",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = stdout(&out);
    assert!(!rows.contains("rownames"), "{rows}");
    assert!(
        rows.lines()
            .nth(1)
            .unwrap()
            .starts_with("Demand,5000,clear"),
        "{rows}"
    );
    // A pandas slice (an unnamed index from 300) is one too, and an index that
    // skips a row is data.
    let pandas = r_slice(300, 50).replacen("\"rownames\"", "", 1);
    let r = read(&pandas, &ReadOptions::default());
    assert_eq!(names(&r), ["Demand", "Temperature"]);
    let gap = csv.replace("\n51300,", "\n51299,");
    let r = read(&gap, &ReadOptions::default());
    assert_eq!(names(&r), ["rownames", "Demand", "Temperature"]);
}

#[test]
fn text_columns_beside_the_values_are_ignored_once() {
    let path = scratch("with_text.csv", &r_slice(1, 672));
    let out = headroom(&[
        "forecast",
        "--input",
        path.to_str().unwrap(),
        "--horizon",
        "4",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let said: Vec<&str> = err.lines().filter(|l| l.contains("Holiday")).collect();
    assert_eq!(said.len(), 1, "{err}");
    assert!(
        said[0].contains("columns Date, Holiday hold neither numbers nor the rows' times"),
        "{err}"
    );
    let rows = stdout(&out);
    let series: Vec<&str> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        series,
        ["Demand"; 4]
            .iter()
            .chain(&["Temperature"; 4])
            .copied()
            .collect::<Vec<_>>()
    );
    // Named with --value-column, a text column is still read as values, and
    // its first bad field is named.
    let out = headroom(&[
        "inspect",
        "--input",
        path.to_str().unwrap(),
        "--value-column",
        "Demand",
        "--value-column",
        "Holiday",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot read 'FALSE' as a number"),
        "{}",
        stderr(&out)
    );
    // A value column of text alone is not dropped: the reader says why it fails.
    let r = read(
        "time,value\n2024-01-01,abc\n2024-01-02,def\n",
        &ReadOptions::default(),
    );
    assert!(r.failed[0].1.to_string().contains("cannot read 'abc'"));
}

#[test]
fn a_file_without_timestamps_is_read_with_start_and_step() {
    let mut csv = String::from("rownames,x\n");
    for i in 0..96 {
        csv += &format!("{},{}\n", i + 1, 100 + i % 48);
    }
    let path = scratch("demand.csv", &csv);
    let file = path.to_str().unwrap();
    // Before: "pass --time-column", which cannot help.
    let out = headroom(&["inspect", "--input", file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--start TIME --step STEP"),
        "{}",
        stderr(&out)
    );
    let out = headroom(&[
        "inspect",
        "--input",
        file,
        "--start",
        "2024-01-01",
        "--step",
        "30m",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().nth(1).unwrap(),
        "x,96,2024-01-01T00:00:00Z,2024-01-02T23:30:00Z,1800,0,0,100,147,"
    );
    // --start needs --step; a file with a time column refuses it.
    let out = headroom(&["inspect", "--input", file, "--start", "2024-01-01"]);
    assert_eq!(out.status.code(), Some(2));
    let timed = scratch("timed.csv", &r_slice(1, 10));
    let out = headroom(&[
        "inspect",
        "--input",
        timed.to_str().unwrap(),
        "--start",
        "2024-01-01",
        "--step",
        "30m",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("column 'Time' holds times"),
        "{}",
        stderr(&out)
    );
    // Long layout: each series' rows are numbered on their own.
    let long = "series,value\na,1\nb,10\na,2\nb,11\na,3\n";
    let options = ReadOptions::default().with_clock(
        parse_timestamp("2024-01-01").unwrap(),
        parse_step("1h").unwrap(),
    );
    let r = read(long, &options);
    assert_eq!(r.series[0].len(), 3);
    assert_eq!(
        r.series[1].timestamps()[1],
        parse_timestamp("2024-01-01T01:00:00Z").unwrap()
    );
}

/// A real 5-minute CloudWatch series written without its timestamps (as
/// `write.csv(data.frame(value = x))` would) reads back, with --start at its
/// first timestamp, into the same forecast as the original file.
#[test]
fn a_real_series_without_its_timestamps_forecasts_the_same() {
    let Some(path) = common::shared("data/nab/realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv")
    else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let mut bare = String::from("\"\",\"value\"\n");
    let mut first = None;
    for (i, line) in text.lines().skip(1).enumerate() {
        let (t, v) = line.split_once(',').unwrap();
        first.get_or_insert(t.to_string());
        bare += &format!("\"{}\",{v}\n", i + 1);
    }
    let original = scratch("ec2_cpu_utilization_53ea38.csv", &text);
    // Another folder: the series is named after the file's stem in both runs.
    let bare_dir =
        std::env::temp_dir().join(format!("headroom-exports-bare-{}", std::process::id()));
    std::fs::create_dir_all(&bare_dir).unwrap();
    let stripped = bare_dir.join("ec2_cpu_utilization_53ea38.csv");
    std::fs::write(&stripped, bare).unwrap();
    let first = first.unwrap();
    let run = |extra: &[&str], file: &PathBuf| {
        let mut args = vec![
            "forecast",
            "--input",
            file.to_str().unwrap(),
            "--horizon",
            "1d",
        ];
        args.extend_from_slice(extra);
        let out = headroom(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let want = run(&[], &original);
    let got = run(&["--start", &first, "--step", "5m"], &stripped);
    assert_eq!(got, want);
    assert_eq!(got.lines().count(), 1 + 288);
}

#[test]
fn since_uses_only_the_recent_history() {
    let path = scratch("since.csv", &r_slice(1, 1344));
    let file = path.to_str().unwrap();
    let inspect = |since: &str| {
        let out = headroom(&["inspect", "--input", file, "--since", since]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        (stdout(&out), stderr(&out))
    };
    let (rows, err) = inspect("7d");
    assert!(
        rows.contains("Demand,336,2014-12-22T00:00:00Z,2014-12-28T23:30:00Z,1800,"),
        "{rows}"
    );
    assert!(
        err.contains("--since 7d: 2016 earlier point(s) left out"),
        "{err}"
    );
    let (rows, _) = inspect("2014-12-27");
    assert!(rows.contains("Demand,96,2014-12-27T00:00:00Z,"), "{rows}");
    let (rows, _) = inspect("48");
    assert!(rows.contains("Demand,48,2014-12-28T00:00:00Z,"), "{rows}");
    // The forecast starts where the history ends either way, and differs.
    let forecast = |extra: &[&str]| {
        let mut args = vec![
            "forecast",
            "--input",
            file,
            "--horizon",
            "2",
            "--model",
            "drift",
        ];
        args.extend_from_slice(extra);
        stdout(&headroom(&args))
    };
    assert_ne!(forecast(&["--since", "2d"]), forecast(&[]));
    let out = headroom(&[
        "forecast",
        "--input",
        file,
        "--horizon",
        "2",
        "--since",
        "2030-01-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("leaves no history"),
        "{}",
        stderr(&out)
    );
    let out = headroom(&["inspect", "--input", file, "--since", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    // The library's Since is the same.
    let r = read(
        &r_slice(1, 1344),
        &ReadOptions::default().with_since("7d".parse::<Since>().unwrap()),
    );
    assert_eq!(r.series[0].len(), 336);
}
