//! DataFrames in and out: a crate user goes from a polars frame of metrics to
//! frames of forecasts, decompositions and saturation results with the contract's
//! columns, without writing CSV.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use headroom::decompose::{decompose, StlOptions};
use headroom::frame::{
    decompositions_to_frame, forecasts_to_frame, frame_to_series, inspections_to_frame,
    saturations_to_frame, series_to_frame,
};
use headroom::output::Inspection;
use headroom::pipeline::{forecast, prepare, ForecastSettings};
use headroom::query::SaturationQuery;
use headroom::saturation::Direction;
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};
use polars::prelude::{DataFrame, DataType, TimeUnit};

fn columns(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// Two weeks of hourly disk usage for two hosts, growing with a daily cycle.
fn history() -> Vec<Series> {
    let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    ["db-01", "db-02"]
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let ts: Vec<DateTime<Utc>> = (0..24 * 14).map(|h| t0 + TimeDelta::hours(h)).collect();
            let vs = (0..24 * 14)
                .map(|h| {
                    let daily = (h % 24) as f64 / 24.0 * std::f64::consts::TAU;
                    100.0 + (k as f64 + 1.0) * 0.5 * h as f64 + 5.0 * daily.sin()
                })
                .collect();
            Series::new(*name, ts, vs).unwrap()
        })
        .collect()
}

#[test]
fn metrics_in_results_out() {
    let frame = series_to_frame(&history()).unwrap();
    assert_eq!(columns(&frame), ["series", "timestamp", "value"]);
    assert_eq!(frame.height(), 2 * 24 * 14);
    assert!(matches!(
        frame.column("timestamp").unwrap().dtype(),
        DataType::Datetime(TimeUnit::Microseconds, Some(_))
    ));
    let read = frame_to_series(&frame).unwrap();
    assert_eq!(read.series, history());

    let settings = ForecastSettings {
        model: "stl_linear".parse().unwrap(),
        horizon: Some(Span::Steps(48)),
        ..Default::default()
    };
    let options = RegulariseOptions::default();
    let prepared: Vec<_> = read
        .series
        .iter()
        .map(|s| prepare(s, &options, &[Span::Steps(24)]).unwrap())
        .collect();

    let forecasts: Vec<_> = prepared
        .iter()
        .map(|p| forecast(p, &settings).unwrap())
        .collect();
    let f = forecasts_to_frame(&forecasts, &settings.levels).unwrap();
    assert_eq!(
        columns(&f),
        [
            "series",
            "timestamp",
            "forecast",
            "lower_80",
            "upper_80",
            "lower_95",
            "upper_95",
            "model"
        ]
    );
    assert_eq!(f.height(), 96);
    let first = f.column("forecast").unwrap().f64().unwrap().get(0).unwrap();
    assert_eq!(first, forecasts[0].point[0]);

    let parts: Vec<_> = prepared
        .iter()
        .map(|p| {
            let d = decompose(p.series.values(), &[24], &StlOptions::default()).unwrap();
            (p.series.clone(), d)
        })
        .collect();
    let d = decompositions_to_frame(&parts).unwrap();
    assert_eq!(
        columns(&d),
        [
            "series",
            "timestamp",
            "value",
            "trend",
            "seasonal_24",
            "remainder"
        ]
    );
    assert_eq!(d.height(), 2 * 24 * 14);

    let rows: Vec<_> = prepared
        .iter()
        .map(|p| {
            let q = SaturationQuery::fixed(280.0, Direction::Up, settings.clone()).unwrap();
            q.answer(p).unwrap().row
        })
        .collect();
    let s = saturations_to_frame(&rows).unwrap();
    assert_eq!(
        columns(&s),
        [
            "series",
            "capacity",
            "status",
            "last_timestamp",
            "last_value",
            "saturation_at",
            "earliest_at",
            "latest_at",
            "probability",
            "p10_at",
            "p50_at",
            "p90_at",
            "time_left"
        ]
    );
    // db-01 ends near 267 and grows 0.5 a step: it crosses 280 within two days;
    // db-02 ends near 435, already past it.
    let status = s.column("status").unwrap().str().unwrap();
    assert_eq!(status.get(0), Some("crossing"));
    assert_eq!(status.get(1), Some("saturated"));
    let at = s.column("saturation_at").unwrap();
    assert!(matches!(at.dtype(), DataType::Datetime(..)));
    assert_eq!(
        s.column("saturation_at").unwrap().null_count(),
        rows.iter().filter(|r| r.saturation_at.is_none()).count()
    );

    let inspections: Vec<_> = read
        .series
        .iter()
        .map(|s| Inspection::new(s, &s.regularise(&options).unwrap().1))
        .collect();
    let i = inspections_to_frame(&inspections).unwrap();
    assert_eq!(
        columns(&i)[..7],
        [
            "series",
            "points",
            "first_timestamp",
            "last_timestamp",
            "step_seconds",
            "missing",
            "duplicates"
        ]
    );
}
