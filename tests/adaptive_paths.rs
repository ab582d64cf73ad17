//! Adaptive path counts (`--adaptive-paths`, `ForecastSettings::adaptive_paths`):
//! a quarter of the paths first, and the rest only where they could still move a
//! printed figure (`CrossingDistribution::settled`). Each answer must be either
//! exactly the answer of that quarter (settled) or exactly the answer of all the
//! paths, within the tolerances of the latter, and the same on every run.

mod common;

use headroom::capacity::Capacities;
use headroom::ingest::{read_bytes, read_path, ReadOptions};
use headroom::pipeline::{ForecastSettings, DEFAULT_PATHS};
use headroom::query::SaturationQuery;
use headroom::saturation::{Saturation, Status};
use headroom::units::Span;
use headroom::Series;

fn answer(series: &Series, capacity: &str, paths: usize, adaptive: bool) -> Saturation {
    let query = SaturationQuery::builder(capacity.parse::<Capacities>().expect("capacity"))
        .settings(ForecastSettings {
            paths,
            adaptive_paths: adaptive,
            ..Default::default()
        })
        .horizon(Some(Span::Steps(24 * 90)))
        .build()
        .expect("query");
    let prepared = query.prepare(series).expect("prepares");
    query.answer(&prepared).expect("answers").row
}

/// The adaptive answer, which must be all paths' answer or the first quarter's,
/// the same on every run, and within the tolerances of all paths' answer:
/// whether it is the quarter's where that differs from all paths' (`Some(true)`),
/// all paths' where the quarter's differs (`Some(false)`), or both are the same.
fn adaptive(series: &Series, capacity: &str) -> Option<bool> {
    let got = answer(series, capacity, DEFAULT_PATHS, true);
    assert_eq!(
        got,
        answer(series, capacity, DEFAULT_PATHS, true),
        "same seed, same answer"
    );
    let all = answer(series, capacity, DEFAULT_PATHS, false);
    let quarter = answer(series, capacity, DEFAULT_PATHS / 4, false);
    let name = format!("{} at {capacity}", series.name());
    assert_eq!(got.status, all.status, "{name}");
    assert!(
        (got.probability - all.probability).abs() <= 0.02,
        "{name}: {got:?} {all:?}"
    );
    if let (Some(a), Some(b)) = (got.p50_at, all.p50_at) {
        assert!((a - b).num_hours().abs() <= 1, "{name}: {a} {b}");
    }
    assert_eq!(got.p50_at.is_some(), all.p50_at.is_some(), "{name}");
    assert!(
        got == all || got == quarter,
        "{name}: neither all paths' answer nor the quarter's"
    );
    (quarter != all).then_some(got == quarter)
}

#[test]
fn settled_series_stop_at_a_quarter_of_the_paths_and_others_take_all() {
    let csv = common::cycle_csv("cycle");
    let read = read_bytes("c.csv", "c", csv.as_bytes(), &ReadOptions::default()).expect("reads");
    let cycle = &read.series[0];
    // A daily cycle from 80 to 120 (noise sd 3), 90 days ahead, against 148: one
    // future in a thousand reaches it, and a quarter of the paths bounds that well within
    // 0.02 (one crossing of 500: 0.002 against 0.001).
    assert_eq!(
        adaptive(cycle, "148"),
        Some(true),
        "a small, certain-enough chance stops early"
    );
    assert_eq!(
        answer(cycle, "148", DEFAULT_PATHS, true).status,
        Status::Possible
    );
    // Against 130 most futures cross, over weeks: the probability (0.856) is not
    // settled to 0.02 by 500 paths, and every path is simulated.
    assert_eq!(
        adaptive(cycle, "130"),
        Some(false),
        "an uncertain probability takes every path"
    );
    // Against 101 every future crosses within two steps: settled, and the same
    // row as all paths give.
    assert_eq!(adaptive(cycle, "101"), None);
    // The README's sample: growing disks whose crossing dates spread over days.
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");
    let read = read_path(sample, &ReadOptions::default()).expect("reads");
    for s in &read.series {
        adaptive(s, "1.1x");
    }
}
