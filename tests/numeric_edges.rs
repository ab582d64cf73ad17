//! Numerical edges: every model, and the saturation step, give finite output or
//! a clear error for finite input: values near 1e300 and 1e-300, constant
//! series, a single step change, two points, alternating values, and timestamps
//! a microsecond apart. Property tests (proptest): the shapes are drawn with
//! random lengths, levels, scales and noise, and a failure is shrunk to the
//! smallest case that shows it.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use headroom::decompose::StlOptions;
use headroom::forecast::{fit_with_intervals, Forecast, IntervalMethod, ModelChoice};
use headroom::pipeline::{prepare, ForecastSettings};
use headroom::query::SaturationQuery;
use headroom::saturation::Direction;
use headroom::units::Span;
use headroom::{Error, RegularSeries, RegulariseOptions, Series, Step};

/// The shapes of the issue, before scaling.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Constant,
    StepChange,
    Alternating,
    Noisy,
    Daily,
}

fn shape_values(shape: Shape, n: usize, noise: &[f64]) -> Vec<f64> {
    (0..n)
        .map(|i| match shape {
            Shape::Constant => 1.0,
            Shape::StepChange => {
                if i < n / 2 {
                    1.0
                } else {
                    2.0
                }
            }
            Shape::Alternating => {
                if i % 2 == 0 {
                    1.0
                } else {
                    -1.0
                }
            }
            Shape::Noisy => 1.0 + noise[i % noise.len()],
            Shape::Daily => {
                1.0 + (std::f64::consts::TAU * i as f64 / 24.0).sin() + 0.1 * noise[i % noise.len()]
            }
        })
        .collect()
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Constant),
        Just(Shape::StepChange),
        Just(Shape::Alternating),
        Just(Shape::Noisy),
        Just(Shape::Daily),
    ]
}

/// Scales near the ends of f64's range, and ordinary ones.
fn scale() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1e300),
        Just(-1e300),
        Just(1.7e308 / 4.0),
        Just(1e-300),
        Just(-1e-300),
        Just(5e-324),
        Just(1.0),
        Just(1e6),
        -1e3..1e3f64,
    ]
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// A clear error: it says something, and does not speak of a panic.
fn clear(e: &Error) -> bool {
    let m = e.to_string();
    !m.trim().is_empty() && !m.contains("panicked")
}

fn check_forecast(model: &str, f: &Forecast) -> Result<(), TestCaseError> {
    prop_assert!(
        f.point.iter().all(|v| v.is_finite()),
        "{model}: point {:?}",
        f.point
    );
    for interval in &f.intervals {
        for (lo, hi) in interval.lower.iter().zip(&interval.upper) {
            prop_assert!(
                lo.is_finite() && hi.is_finite(),
                "{model}: interval {lo} {hi}"
            );
            prop_assert!(lo <= hi, "{model}: interval {lo} > {hi}");
        }
    }
    Ok(())
}

/// Fit, predict and simulate every model; each step finite or a clear error.
fn every_model_is_finite_or_refuses(
    series: &RegularSeries,
    periods: &[usize],
) -> Result<(), TestCaseError> {
    for name in ModelChoice::names() {
        let choice: ModelChoice = name.parse().unwrap();
        let fitted = fit_with_intervals(
            choice,
            series,
            periods,
            &StlOptions::default(),
            6,
            IntervalMethod::Auto,
        );
        let model = match fitted {
            Ok(m) => m,
            Err(e) => {
                prop_assert!(clear(&e), "{name}: {e}");
                continue;
            }
        };
        match model.predict(6, &[80.0, 95.0]) {
            Ok(f) => check_forecast(name, &f)?,
            Err(e) => prop_assert!(clear(&e), "{name}: {e}"),
        }
        match model.simulate(6, 20, 7) {
            Ok(paths) => {
                let bad = paths.paths.iter().find(|v| !v.is_finite());
                prop_assert!(bad.is_none(), "{name}: a path holds {bad:?}");
            }
            Err(e) => prop_assert!(clear(&e), "{name}: {e}"),
        }
    }
    Ok(())
}

/// Saturation through the pipeline: a probability in [0, 1], or a clear error.
fn saturation_is_a_probability(raw: &Series, capacity: f64) -> Result<(), TestCaseError> {
    let prepared = match prepare(raw, &RegulariseOptions::default(), &[]) {
        Ok(p) => p,
        Err(e) => {
            prop_assert!(clear(&e), "prepare: {e}");
            return Ok(());
        }
    };
    let settings = ForecastSettings {
        horizon: Some(Span::Steps(6)),
        paths: 50,
        ..ForecastSettings::default()
    };
    for direction in [Direction::Up, Direction::Down] {
        let answer = SaturationQuery::fixed(capacity, direction, settings.clone())
            .and_then(|q| q.answer(&prepared))
            .map(|a| (a.forecast, a.row));
        match answer {
            Ok((f, row)) => {
                check_forecast("saturation", &f)?;
                prop_assert!(
                    (0.0..=1.0).contains(&row.probability),
                    "probability {}",
                    row.probability
                );
            }
            Err(e) => prop_assert!(clear(&e), "saturation: {e}"),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn models_give_finite_output_or_a_clear_error(
        shape in shape(),
        scale in scale(),
        offset in prop_oneof![Just(0.0), Just(1e300), -1e3..1e3f64],
        n in prop_oneof![Just(2usize), Just(3), 4..80usize],
        noise in prop::collection::vec(-1.0..1.0f64, 1..16),
    ) {
        let values: Vec<f64> = shape_values(shape, n, &noise)
            .into_iter()
            .map(|v| (v * scale + offset).clamp(-f64::MAX, f64::MAX))
            .collect();
        let series = match RegularSeries::new("edge", start(), Step::seconds(3600), values) {
            Ok(s) => s,
            // Values beyond headroom::series::MAX_MAGNITUDE are refused here.
            Err(e) => {
                prop_assert!(clear(&e), "{e}");
                return Ok(());
            }
        };
        let periods: Vec<usize> = if n >= 48 { vec![24] } else { Vec::new() };
        every_model_is_finite_or_refuses(&series, &periods)?;
    }

    #[test]
    fn saturation_gives_a_probability_or_a_clear_error(
        shape in shape(),
        scale in scale(),
        n in prop_oneof![Just(2usize), Just(3), 4..80usize],
        noise in prop::collection::vec(-1.0..1.0f64, 1..16),
        capacity_at in prop_oneof![Just(0.5), Just(1.0), Just(2.0), Just(1e10)],
    ) {
        let values = shape_values(shape, n, &noise).into_iter().map(|v| v * scale).collect();
        let times = (0..n as i64).map(|i| start() + TimeDelta::hours(i)).collect();
        let raw = Series::new("edge", times, values).unwrap();
        saturation_is_a_probability(&raw, (capacity_at * scale).clamp(-f64::MAX, f64::MAX))?;
    }

    #[test]
    fn timestamps_a_microsecond_apart(
        n in 2..60usize,
        gap_us in 1..999i64,
        shape in shape(),
        noise in prop::collection::vec(-1.0..1.0f64, 1..16),
    ) {
        let values = shape_values(shape, n, &noise);
        let times = (0..n as i64).map(|i| start() + TimeDelta::microseconds(i * gap_us)).collect();
        let raw = Series::new("edge", times, values).unwrap();
        saturation_is_a_probability(&raw, 2.0)?;
    }
}
