//! Issue 20, items 1 and 2: label columns found by their content and never
//! averaged by accident, index columns dropped, and numeric time columns read for
//! what they are (decimal years at month starts; implausible epochs refused).

mod common;

use common::headroom;

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use headroom::ingest::{read_bytes, Duplicates, Ingested, ReadOptions};
use headroom::{RegulariseOptions, Step};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch file with this content, unique per test.
fn scratch(name: &str, content: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest_labels");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn read(csv: &str, options: &ReadOptions) -> Ingested {
    read_bytes("t.csv", "t", csv.as_bytes(), options).expect("readable")
}

fn names(r: &Ingested) -> Vec<&str> {
    r.series.iter().map(|s| s.name()).collect()
}

fn notes(r: &Ingested) -> String {
    r.notes
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sample with its `series` column renamed `host` (issue 20's reproduction:
/// `sed '1s/^series/host/' data/disk_used.csv`).
fn host_file() -> String {
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    assert!(sample.starts_with("series,"));
    format!("host{}", &sample["series".len()..])
}

#[test]
fn a_host_column_gives_the_four_series_and_the_same_answers() {
    let r = read(&host_file(), &ReadOptions::default());
    assert_eq!(names(&r), ["db-01", "web-01", "log-01", "cache-01"]);
    assert_eq!(r.series[2].labels()["host"], "log-01");
    assert!(
        notes(&r).contains("series label column: host"),
        "{}",
        notes(&r)
    );

    let host = scratch("host.csv", &host_file());
    let run = |input: &str| {
        headroom(&[
            "saturation",
            "--input",
            input,
            "--capacity",
            "500G",
            "--horizon",
            "30d",
        ])
    };
    let ours = run(host.to_str().unwrap());
    let reference = run(SAMPLE);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
    // What regularisation says is what it says of the sample: no hosts merged.
    let said: Vec<String> = text(&ours.stderr)
        .lines()
        .filter(|l| !l.contains("series label column: host") && !l.contains(" answered, "))
        .map(str::to_string)
        .collect();
    let reference_said: Vec<String> = text(&reference.stderr)
        .lines()
        .filter(|l| !l.contains(" answered, "))
        .map(str::to_string)
        .collect();
    assert_eq!(said, reference_said);
    let out = text(&ours.stdout);
    let log = out
        .lines()
        .find(|l| l.starts_with("log-01,"))
        .expect("a log-01 row");
    assert!(log.contains(",crossing,"), "{log}");
    assert_eq!(out, text(&reference.stdout));
}

#[test]
fn two_label_columns_name_a_series_together() {
    let mut csv = String::from("host,mountpoint,timestamp,used\n");
    for h in 0..48 {
        for (host, mount, base) in [
            ("a", "/", 10),
            ("a", "/var", 20),
            ("b", "/", 30),
            ("b", "/var", 40),
        ] {
            csv += &format!("{host},{mount},{},{}\n", 1_704_067_200 + 3600 * h, base + h);
        }
    }
    let r = read(&csv, &ReadOptions::default());
    assert_eq!(
        names(&r),
        [
            "{host=\"a\",mountpoint=\"/\"}",
            "{host=\"a\",mountpoint=\"/var\"}",
            "{host=\"b\",mountpoint=\"/\"}",
            "{host=\"b\",mountpoint=\"/var\"}"
        ]
    );
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let s = &r.series[3];
    assert_eq!(s.labels()["mountpoint"], "/var");
    assert_eq!(s.len(), 48);
    assert_eq!(s.values()[5], 45.0);
    assert!(
        notes(&r).contains("series label columns: host, mountpoint"),
        "{}",
        notes(&r)
    );
}

/// A series of 100 hourly rows, 30 of them written twice with another value.
fn thirty_percent_duplicates(extra: &str) -> String {
    let mut csv = format!("{extra}timestamp,value\n");
    let prefix = if extra.is_empty() { "" } else { "x," };
    for h in 0..100 {
        csv += &format!("{prefix}{},{}\n", 1_704_067_200 + 3600 * h, h);
        if h % 10 < 3 {
            csv += &format!("{prefix}{},{}\n", 1_704_067_200 + 3600 * h, h + 2);
        }
    }
    csv
}

#[test]
fn many_duplicated_timestamps_are_refused_unless_merging_is_asked() {
    let csv = thirty_percent_duplicates("");
    let r = read(&csv, &ReadOptions::default());
    assert!(r.series.is_empty());
    let err = r.failed[0].1.to_string();
    for want in ["30 of 130 rows", "--series-column", "--duplicates mean"] {
        assert!(err.contains(want), "{want}: {err}");
    }
    let merged = read(
        &csv,
        &ReadOptions::default().with_duplicates(Duplicates::Mean),
    );
    let (regular, report) = merged.series[0]
        .regularise(&RegulariseOptions::default())
        .unwrap();
    assert_eq!(report.duplicates, 30);
    assert_eq!(regular.values()[0], 1.0);
    let max = read(
        &csv,
        &ReadOptions::default().with_duplicates(Duplicates::Max),
    );
    assert_eq!(max.series[0].len(), 100);
    assert_eq!(max.series[0].values()[0], 2.0);

    let path = scratch("dups.csv", &csv);
    let refused = headroom(&["inspect", "--input", path.to_str().unwrap()]);
    assert_ne!(refused.status.code(), Some(0));
    let err = text(&refused.stderr);
    assert!(
        err.contains("--series-column") && err.contains("--duplicates"),
        "{err}"
    );
    let merged = headroom(&[
        "inspect",
        "--input",
        path.to_str().unwrap(),
        "--duplicates",
        "mean",
    ]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    assert!(
        text(&merged.stdout).contains(",100,"),
        "{}",
        text(&merged.stdout)
    );
    let bad = headroom(&[
        "inspect",
        "--input",
        path.to_str().unwrap(),
        "--duplicates",
        "median",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_label_the_first_rows_cannot_show_is_named_or_refused() {
    // Sorted by label, the first value fills the reader's first block of 4 MiB:
    // the column does not vary there. Named as labels are (`instance`), it is a
    // label all the same; named otherwise (`box`), the merged series' repeated
    // timestamps are refused, naming it.
    let sorted = |column: &str| {
        let mut csv = format!("{column},timestamp,value\n");
        let long = "x".repeat(40);
        for label in ["a", "b"] {
            for i in 0..80_000 {
                csv += &format!("{label}{long},{},{i}\n", 1_704_067_200 + 60 * i);
            }
        }
        assert!(csv.len() > 8 << 20);
        csv
    };
    let r = read(&sorted("instance"), &ReadOptions::default());
    assert_eq!(r.series.len(), 2, "{:?}", r.failed);
    assert_eq!(r.series[1].len(), 80_000);
    let csv = sorted("box");
    let r = read(&csv, &ReadOptions::default());
    let err = r.failed[0].1.to_string();
    assert!(err.contains("--series-column box"), "{err}");
    let r = read(&csv, &ReadOptions::default().with_series_column("box"));
    assert_eq!(r.series.len(), 2);
}

#[test]
fn an_index_column_is_not_a_series() {
    // R's write.csv: an unnamed first column counting 1..n, every field quoted.
    let mut r_csv = String::from("\"\",\"when\",\"x\"\n");
    let mut pandas = String::from(",timestamp,value\n");
    let mut rownames = String::from("rownames,time,load\n");
    for i in 0..30 {
        let t = 1_704_067_200 + 3600 * i;
        r_csv += &format!("\"{}\",{t},{i}\n", i + 1);
        pandas += &format!("{i},{t},{i}\n");
        rownames += &format!("{},{t},{i}\n", i + 1);
    }
    let options = ReadOptions::default().with_time_column("when");
    for (csv, options, name) in [
        (&r_csv, &options, "x"),
        (&pandas, &ReadOptions::default(), "t"),
        (&rownames, &ReadOptions::default(), "load"),
    ] {
        let r = read(csv, options);
        assert_eq!(names(&r), [name], "{csv:.40}");
        assert!(r.failed.is_empty());
        assert!(
            notes(&r).contains("an index, not a series"),
            "{}",
            notes(&r)
        );
    }
    // A first column that does not count the rows is data.
    let r = read(&rownames.replace("\n1,", "\n7,"), &ReadOptions::default());
    assert_eq!(names(&r), ["rownames", "load"]);
}

/// An R `ts` written with `write.csv(data.frame(time = time(x), value = x))`.
fn r_export(values: &[f64], start: f64, per_year: u32) -> String {
    let mut csv = String::from("\"\",\"time\",\"value\"\n");
    for (k, v) in values.iter().enumerate() {
        let t = start + k as f64 / f64::from(per_year);
        // R writes 15 significant digits.
        csv += &format!(
            "\"{}\",{},{v}\n",
            k + 1,
            format!("{t:.11}")
                .trim_end_matches('0')
                .trim_end_matches('.')
        );
    }
    csv
}

#[test]
fn decimal_years_are_read_at_month_and_quarter_starts() {
    let values: Vec<f64> = (0..40).map(|k| 100.0 + k as f64).collect();
    let monthly = read(&r_export(&values, 1973.0, 12), &ReadOptions::default());
    let s = &monthly.series[0];
    assert_eq!(
        s.timestamps()[0],
        Utc.with_ymd_and_hms(1973, 1, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(
        s.timestamps()[1],
        Utc.with_ymd_and_hms(1973, 2, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(
        s.timestamps()[13],
        Utc.with_ymd_and_hms(1974, 2, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(s.infer_step().unwrap(), Step::Months { months: 1 });
    assert!(
        notes(&monthly).contains("decimal years (monthly"),
        "{}",
        notes(&monthly)
    );

    let quarterly = read(&r_export(&values, 1973.25, 4), &ReadOptions::default());
    let s = &quarterly.series[0];
    assert_eq!(
        s.timestamps()[0],
        Utc.with_ymd_and_hms(1973, 4, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(
        s.timestamps()[3],
        Utc.with_ymd_and_hms(1974, 1, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(s.infer_step().unwrap(), Step::Months { months: 3 });

    let yearly = read(&r_export(&values, 1871.0, 1), &ReadOptions::default());
    assert_eq!(
        yearly.series[0].infer_step().unwrap(),
        Step::Months { months: 12 }
    );

    let path = scratch("r_monthly.csv", &r_export(&values, 1973.0, 12));
    let o = headroom(&["inspect", "--input", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains(",40,1973-01-01T00:00:00Z,1976-04-01T00:00:00Z,2629746,"),
        "{out}"
    );
    assert!(!out.contains("1970"), "{out}");
}

#[test]
fn air_passengers_as_r_writes_them_read_as_the_dated_file() {
    let Some(path) = common::shared("data/prophet/example_air_passengers.csv") else {
        return;
    };
    let dated = std::fs::read(&path).unwrap();
    let dated = read_bytes("air.csv", "air", &dated, &ReadOptions::default()).unwrap();
    let values = dated.series[0].values().to_vec();
    assert_eq!(values.len(), 144);
    let r = read(&r_export(&values, 1949.0, 12), &ReadOptions::default());
    assert_eq!(r.series[0].timestamps(), dated.series[0].timestamps());
    assert_eq!(r.series[0].values(), &values[..]);
}

#[test]
fn implausible_numeric_times_are_refused_not_read_as_1970() {
    let cases = [
        (
            "1..n",
            (1..=50).map(|i| i.to_string()).collect::<Vec<_>>(),
            "row numbers",
        ),
        (
            "1974",
            (0..50)
                .map(|i| (150_000_000 + 60 * i).to_string())
                .collect(),
            "1974-10-03",
        ),
        (
            "micros",
            (0..50)
                .map(|i| (1_704_067_200_000_000_i64 + 1_000_000 * i).to_string())
                .collect(),
            "microseconds",
        ),
        (
            "weekly decimal years",
            (0..50)
                .map(|i| format!("{}", 2001.0 + i as f64 / 52.0))
                .collect(),
            "about 52 a year",
        ),
    ];
    for (what, times, want) in cases {
        let csv = "stamp,value\n".to_string()
            + &times
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{t},{i}\n"))
                .collect::<String>();
        let options = ReadOptions::default().with_time_column("stamp");
        let err = read_bytes("t.csv", "t", csv.as_bytes(), &options)
            .err()
            .unwrap_or_else(|| panic!("{what}: read"))
            .to_string();
        assert!(
            err.contains("'stamp'") && err.contains(want),
            "{what}: {err}"
        );
        let path = scratch("implausible.csv", &csv);
        let o = headroom(&[
            "inspect",
            "--input",
            path.to_str().unwrap(),
            "--time-column",
            "stamp",
        ]);
        assert_eq!(o.status.code(), Some(1), "{what}");
        assert!(!text(&o.stdout).contains("1970"), "{what}");
        assert!(
            text(&o.stderr).contains(want),
            "{what}: {}",
            text(&o.stderr)
        );
    }
}

#[cfg(feature = "polars")]
#[test]
fn numeric_frame_times_are_read_as_csv_times_are() {
    use headroom::frame::frame_to_series;
    use polars::prelude::{Column, DataFrame};
    let years: Vec<f64> = (0..24).map(|k| 1973.0 + k as f64 / 12.0).collect();
    let values: Vec<f64> = (0..24).map(f64::from).collect();
    let frame = DataFrame::new_infer_height(vec![
        Column::new("time".into(), years),
        Column::new("value".into(), values.clone()),
    ])
    .unwrap();
    let read = frame_to_series(&frame).unwrap();
    let s = &read.series[0];
    assert_eq!(
        s.timestamps()[1],
        Utc.with_ymd_and_hms(1973, 2, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(s.infer_step().unwrap(), Step::Months { months: 1 });
    let counts: Vec<i64> = (1..=24).collect();
    let frame = DataFrame::new_infer_height(vec![
        Column::new("time".into(), counts),
        Column::new("value".into(), values),
    ])
    .unwrap();
    let err = frame_to_series(&frame).unwrap_err().to_string();
    assert!(
        err.contains("'time'") && err.contains("row numbers"),
        "{err}"
    );
}
