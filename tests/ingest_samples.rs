//! Every real export under `../shared/data/export-samples/` loads, with its series
//! count, point counts and a few exact values checked against the file.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use headroom::ingest::{read_path, Format, Ingested, ReadOptions};
use headroom::Series;

fn samples(sub: &str) -> Option<PathBuf> {
    common::shared(&format!("data/export-samples/{sub}"))
}

fn read(path: &Path) -> Ingested {
    read_path(path.to_str().unwrap(), &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()))
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().into()
}

fn named<'a>(r: &'a Ingested, name: &str) -> &'a Series {
    r.series
        .iter()
        .find(|s| s.name() == name)
        .unwrap_or_else(|| panic!("no series {name}"))
}

#[test]
fn prometheus_matrix_with_millisecond_times() {
    let Some(dir) = samples("prometheus") else {
        return;
    };
    let r = read(&dir.join("promR_demo.robustperception.io_query_range-0a053b.json"));
    assert_eq!(r.format, Some(Format::Prometheus));
    assert!(r.failed.is_empty() && r.notes.is_empty());
    assert_eq!(r.series.len(), 4);
    assert!(r.series.iter().all(|s| s.len() == 61));
    let p = named(
        &r,
        "go_goroutines{instance=\"demo.robustperception.io:9090\",job=\"prometheus\"}",
    );
    assert_eq!(p.labels()["job"], "prometheus");
    assert_eq!(p.labels()["__name__"], "go_goroutines");
    assert_eq!(p.timestamps()[0].timestamp_millis(), 1_600_487_770_436);
    assert_eq!(p.values()[0], 66.0);
    assert_eq!(p.values()[30], 69.0);
    assert_eq!(p.values()[60], 70.0);
    let node = named(
        &r,
        "go_goroutines{instance=\"demo.robustperception.io:9100\",job=\"node\"}",
    );
    assert_eq!(node.values()[0], 9.0);
}

#[test]
fn prometheus_matrix_of_a_day() {
    let Some(dir) = samples("prometheus") else {
        return;
    };
    let r = read(&dir.join("promR_demo.robustperception.io_query_range-2bf485.json"));
    assert_eq!(r.series.len(), 4);
    assert!(r.series.iter().all(|s| s.len() == 8703));
    let p = &r.series[0];
    assert_eq!(p.labels()["job"], "prometheus");
    assert_eq!(p.timestamps()[0], at("2019-08-04T20:06:56Z"));
    assert_eq!(p.timestamps()[8702], at("2019-08-05T20:17:16Z"));
    assert_eq!((p.values()[0], p.values()[8702]), (258.0, 278.0));
    let push = &r.series[1];
    assert_eq!(push.labels()["job"], "pushgateway");
    assert_eq!((push.values()[0], push.values()[8702]), (120.0, 121.0));
    assert_eq!(r.series[3].values()[30], 8.0);
}

#[test]
fn grafana_excel_dialect_with_bom_repeated_header_nulls_and_dst() {
    let Some(dir) = samples("grafana") else {
        return;
    };
    let r = read(&dir.join("TenSt_goldfish-model_grafana_data_export.csv"));
    assert_eq!(r.format, Some(Format::Wide));
    let names: Vec<&str> = r.series.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "C.MeteoST_bme280",
            "C.Gas_boiler_supply",
            "C.Kitchen_temp",
            "C.MeteoST_ds18b20"
        ]
    );
    // 28 554 lines: sep=, two headers, 28 551 rows.
    assert!(r.series.iter().all(|s| s.len() == 28_551));
    assert_eq!(r.notes.len(), 1);
    assert!(r.notes[0].message.contains("line 3"), "{}", r.notes[0]);
    let boiler = &r.series[1];
    assert_eq!(boiler.timestamps()[0], at("2019-01-15T12:10:00Z"));
    assert_eq!(boiler.values()[0], 37.6);
    assert!(r.series[0].values()[0].is_nan(), "null is missing");
    assert_eq!(r.series[3].values()[1], -0.6);
    // The last row has no trailing newline.
    assert_eq!(boiler.timestamps()[28_550], at("2019-04-24T15:20:00Z"));
    assert_eq!(r.series[3].values()[28_550], 15.2);
    // Across the switch to summer time (+02:00 to +03:00) the UTC steps stay 5
    // minutes: 02:55+02:00 is followed by 04:00+03:00.
    let i = boiler
        .timestamps()
        .iter()
        .position(|&t| t == at("2019-03-31T02:55:00+02:00"))
        .unwrap();
    assert_eq!(boiler.timestamps()[i + 1], at("2019-03-31T01:00:00Z"));
    assert_eq!(boiler.values()[i + 1], 32.2);
}

#[test]
fn grafana_series_as_columns_with_undefined() {
    let Some(dir) = samples("grafana") else {
        return;
    };
    let r = read(&dir.join("mpawlik_CloudFunctionOptimizer_grafana_data_export.csv"));
    let names: Vec<&str> = r.series.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["1024", "128", "2048", "256", "512"]);
    assert!(r.series.iter().all(|s| s.len() == 1358));
    assert_eq!(r.series[0].values()[0], 11.978747331666668);
    assert_eq!(r.series[4].values()[1], 19.456113230818183);
    assert_eq!(r.series[0].values()[1357], 11.960330536666667);
    assert!(r.series[1].values()[1357].is_nan(), "undefined is missing");
    assert_eq!(r.series[0].timestamps()[0], at("2017-08-15T18:30:00Z"));
}

#[test]
fn grafana_series_as_rows() {
    let Some(dir) = samples("grafana") else {
        return;
    };
    let r = read(&dir.join("heekof_Forecasting-ANN_grafana_data_export.csv"));
    assert_eq!(r.format, Some(Format::Long));
    assert_eq!(r.series.len(), 27);
    assert_eq!(r.series.iter().map(Series::len).sum::<usize>(), 20_234);
    let mini = &r.series[0];
    assert_eq!(
        mini.name(),
        "net.out_packets_sec.value(device=eth0,hostname=mini-mon,service=monitoring,)"
    );
    assert_eq!(mini.len(), 1501);
    assert_eq!(mini.values()[..2], [8.266666666666667, 7.4]);
    assert_eq!(mini.timestamps()[0], at("2016-05-19T11:36:27Z"));
    let odl = named(
        &r,
        "net.out_packets_sec.value(device=eth0,hostname=ODLcontroller,service=streaming-testbed,)",
    );
    assert_eq!(odl.len(), 719);
    assert_eq!(odl.values()[718], 0.43333333333333335);
}

#[test]
fn influx_annotated_csv_with_two_tables() {
    let Some(dir) = samples("influxdb") else {
        return;
    };
    let r = read(&dir.join("bonitoo-io_influxdb-csv-import_fluxQueryResult.csv"));
    assert_eq!(r.format, Some(Format::Influx));
    assert_eq!(r.series.len(), 2);
    let steal = &r.series[0];
    assert_eq!(
        steal.name(),
        "cpu_time_steal{cpu=\"cpu1\",host=\"rsavage.prod\"}"
    );
    assert_eq!(steal.labels()["host"], "rsavage.prod");
    assert_eq!(steal.values(), &[0.0, 0.0]);
    let user = &r.series[1];
    assert_eq!(
        user.name(),
        "cpu_usage_user{cpu=\"cpu-total\",host=\"tahoecity.prod\"}"
    );
    assert_eq!(user.values(), &[2.7263631815907954, 2.247752247752248]);
    assert_eq!(
        user.timestamps(),
        &[at("2020-02-25T22:18:01Z"), at("2020-02-25T22:18:11Z")]
    );
}

#[test]
fn cloudwatch_statistics_unsorted_with_only_maximum() {
    let Some(dir) = samples("cloudwatch") else {
        return;
    };
    let r = read(&dir.join("aws-cli_get-metric-statistics_CPUUtilization_2014-02-19.json"));
    assert_eq!(r.format, Some(Format::Cloudwatch));
    let s = &r.series[0];
    assert_eq!(s.name(), "CPUUtilization");
    assert_eq!(s.len(), 21);
    assert_eq!(s.labels()["statistic"], "Maximum");
    assert_eq!(s.labels()["unit"], "Percent");
    // Kept in the reply's order; 0.33000000000000002 is the f64 0.33.
    assert_eq!(s.timestamps()[0], at("2014-02-19T00:18:00Z"));
    assert_eq!(s.values()[..2], [0.33, 99.67]);
    assert_eq!(s.values()[20], 6.67);
    assert!(
        r.notes[0].message.contains("only Maximum"),
        "{}",
        r.notes[0]
    );

    let r = read(&dir.join("aws-cli_get-metric-statistics_CPUUtilization_2014-04-09.json"));
    let s = &r.series[0];
    assert_eq!(s.len(), 23);
    assert_eq!((s.values()[0], s.values()[22]), (44.79, 49.18));
    let asked = ReadOptions::default().with_statistic("Average");
    let path = dir.join("aws-cli_get-metric-statistics_CPUUtilization_2014-04-09.json");
    let r = read_path(path.to_str().unwrap(), &asked).unwrap();
    let err = r.failed[0].1.to_string();
    assert!(
        err.contains("no datapoint holds the statistic Average"),
        "{err}"
    );
}

/// `headroom inspect` shows what was read from every sample, with exit status 0.
#[test]
fn inspect_reads_every_sample() {
    let Some(dir) = samples("") else {
        return;
    };
    let mut seen = 0;
    for sub in ["prometheus", "grafana", "influxdb", "cloudwatch"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let out = Command::new(env!("CARGO_BIN_EXE_headroom"))
                .args(["inspect", "--input", path.to_str().unwrap()])
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(stdout.starts_with(
                "series,points,first_timestamp,last_timestamp,step_seconds,missing,duplicates"
            ));
            assert!(stdout.lines().count() >= 2, "{}", path.display());
            seen += 1;
        }
    }
    assert_eq!(seen, 8);
}
