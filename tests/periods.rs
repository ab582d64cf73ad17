//! Period detection on real series with known seasonality (shared data).

mod common;

use headroom::decompose::period::detect;
use headroom::ingest::{read_path, ReadOptions};
use headroom::RegulariseOptions;

fn periods_of(path: &std::path::Path) -> Vec<Vec<usize>> {
    let read = read_path(path.to_str().unwrap(), &ReadOptions::default()).unwrap();
    read.series
        .iter()
        .map(|s| {
            let (regular, _) = s.regularise(&RegulariseOptions::default()).unwrap();
            detect(&regular).iter().map(|d| d.period).collect()
        })
        .collect()
}

#[test]
fn nab_five_minute_series_with_a_daily_cycle() {
    // The shared data README: 53ea38 has a visible daily pattern (lag-one-day
    // autocorrelation 0.57), and it is the same after the level is removed.
    let Some(path) = common::shared("data/nab/realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv")
    else {
        return;
    };
    assert_eq!(periods_of(&path), vec![vec![288]]);
}

#[test]
fn nab_series_without_a_cycle() {
    // Bursty or flat series named as negative controls in the shared README, and
    // grok_asg_anomaly, whose lag-one-day autocorrelation (0.64) comes from slow
    // level changes: its mean by hour of day is flat (27.4 to 27.9).
    for file in [
        "ec2_network_in_257a54.csv",
        "ec2_cpu_utilization_c6585a.csv",
        "grok_asg_anomaly.csv",
    ] {
        let Some(path) = common::shared(&format!("data/nab/realAWSCloudwatch/{file}")) else {
            return;
        };
        let found = periods_of(&path);
        assert_eq!(found, vec![Vec::<usize>::new()], "{file}");
    }
}

#[test]
fn m4_hourly_series_are_daily() {
    let Some(path) = common::shared("data/m4/Hourly-train-long.csv") else {
        return;
    };
    let found = periods_of(&path);
    let daily = found.iter().filter(|p| p.contains(&24)).count();
    let weekly = found.iter().filter(|p| p.contains(&168)).count();
    println!(
        "M4 Hourly: {daily} of {} daily, {weekly} weekly",
        found.len()
    );
    // M4 gives every hourly series frequency 24; at the time of writing 408 of
    // the 414 show it to this detector.
    assert!(daily * 10 >= found.len() * 9, "{daily} of {}", found.len());
    assert!(weekly > 0);
}
