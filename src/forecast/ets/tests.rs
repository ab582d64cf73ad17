//! Helpers shared by the ETS tests, and the tests that span fitting, choosing and
//! forecasting.

use chrono::{TimeZone, Utc};
use rand_distr::{Distribution, StandardNormal};

use super::{AutoEts, Ets, EtsOutcome, EtsSpec};
use crate::forecast::{rng, FittedModel, Forecaster};
use crate::series::{RegularSeries, Step};

pub(super) fn series(values: Vec<f64>) -> RegularSeries {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    RegularSeries::new("s", start, Step::seconds(3600), values).unwrap()
}

pub(super) fn spec(code: &str) -> EtsSpec {
    code.parse().unwrap()
}

/// A reproducible noisy series: level, slope, season of period `m`, noise.
pub(super) fn noisy(
    n: usize,
    slope: f64,
    m: usize,
    amplitude: f64,
    noise: f64,
    seed: u64,
) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n)
        .map(|t| {
            let season =
                amplitude * (std::f64::consts::TAU * (t % m.max(1)) as f64 / m.max(1) as f64).sin();
            let e: f64 = StandardNormal.sample(&mut r);
            100.0 + slope * t as f64 + season + noise * e
        })
        .collect()
}

#[test]
fn constant_series_gives_a_flat_forecast_with_zero_width_intervals() {
    let s = series(vec![7.5; 60]);
    for code in ["ANN", "AAdN", "MAN", "MNN"] {
        let fit = Ets::new(spec(code)).fit(&s).unwrap();
        let f = fit.predict(10, &[80.0, 95.0]).unwrap();
        assert_eq!(f.point, vec![7.5; 10], "{code}");
        for i in &f.intervals {
            assert_eq!(i.lower, vec![7.5; 10], "{code}");
            assert_eq!(i.upper, vec![7.5; 10], "{code}");
        }
        assert!(fit.loglik().is_finite() && fit.aicc().is_finite(), "{code}");
    }
    let seasonal = Ets::new(EtsSpec::parse("ANA", 12).unwrap())
        .fit(&s)
        .unwrap();
    assert_eq!(seasonal.predict(13, &[95.0]).unwrap().point, vec![7.5; 13]);
    let auto = AutoEts::new(12).fit(&s).unwrap();
    assert_eq!(auto.spec(), spec("ANN"));
    let skipped = auto
        .selection()
        .unwrap()
        .candidates
        .iter()
        .filter(
            |c| matches!(&c.outcome, EtsOutcome::Skipped { reason } if reason.contains("constant")),
        )
        .count();
    assert_eq!(skipped, 14);
    let paths = auto.simulate(5, 3, 1).unwrap();
    assert!(paths.paths.iter().all(|v| *v == 7.5));
}

#[test]
fn too_little_history_is_an_error_or_a_skipped_candidate() {
    let e = Ets::new(spec("AAdN"))
        .fit(&series(vec![1.0, 2.0, 4.0, 3.0, 5.0]))
        .unwrap_err();
    assert!(e.to_string().contains("too little history"), "{e}");
    let ana = EtsSpec::parse("ANA", 24).unwrap();
    let e = Ets::new(ana)
        .fit(&series(noisy(40, 0.1, 24, 5.0, 1.0, 1)))
        .unwrap_err();
    assert!(e.to_string().contains("two full seasons"), "{e}");
    // AutoEts fits what it can and says why it skipped the rest.
    let fit = AutoEts::new(24)
        .fit(&series(noisy(40, 0.1, 24, 5.0, 1.0, 1)))
        .unwrap();
    assert!(!fit.spec().is_seasonal());
    for c in &fit.selection().unwrap().candidates {
        if c.spec.is_seasonal() {
            assert!(
                matches!(&c.outcome, EtsOutcome::Skipped { reason } if reason.contains("two full seasons")),
                "{c:?}"
            );
        }
    }
    assert!(AutoEts::new(1).fit(&series(vec![1.0, 2.0, 3.0])).is_err());
}

#[test]
fn non_positive_values_exclude_multiplicative_models() {
    let mut y = noisy(120, 0.05, 12, 3.0, 1.0, 2);
    y[30] = 0.0;
    let s = series(y);
    let e = Ets::new(spec("MNN")).fit(&s).unwrap_err();
    assert!(e.to_string().contains("strictly positive"), "{e}");
    let fit = AutoEts::new(12).fit(&s).unwrap();
    assert!(!fit.spec().is_multiplicative());
    let candidates = &fit.selection().unwrap().candidates;
    for c in candidates {
        let skipped = matches!(&c.outcome, EtsOutcome::Skipped { reason } if reason.contains("value 30 is 0"));
        assert_eq!(skipped, c.spec.is_multiplicative(), "{c:?}");
    }
}
