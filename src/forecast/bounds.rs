//! What values a metric can take: bounds on its forecasts and simulated futures.
//!
//! A count, a byte total, free memory or a rate is never negative; a percentage
//! stays within 0 to 100 (or 0 to 1 as a ratio). A model of the history knows none
//! of that, and its bands and paths run past them (a passenger count with a lower
//! band of -22,668, a CPU percentage banded from -65 to 150). The bounds are
//! applied to the point forecast, the intervals and every sample path, so the
//! bands, probabilities and dates all answer about values the metric can have.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Forecast, SamplePaths};
use crate::error::{Error, Result};

/// The bounds of a metric: inferred from its history (the default), none, or
/// given (`--bounds LO,HI`, either side may be empty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Bounds {
    /// Inferred where the evidence is plain ([`Bounds::resolve`]).
    #[default]
    Infer,
    /// No bounds.
    None,
    /// These bounds.
    Fixed {
        /// The lowest value the metric can take.
        lower: Option<f64>,
        /// The highest value the metric can take.
        upper: Option<f64>,
    },
}

/// Words in a series' name that say it is a percentage or a ratio.
const PERCENT_WORDS: [&str; 7] = [
    "%",
    "percent",
    "pct",
    "ratio",
    "utilization",
    "utilisation",
    "usage_rate",
];

impl Bounds {
    /// The lower and upper bound for the series `name` with these `values`. Inferred:
    /// a history that is never negative is bounded below by 0 (counts, bytes, free
    /// memory, rates); a series named as a percentage or a ratio (`%`, `percent`,
    /// `ratio`, `utilization`, ...) whose values lie within 0 to 100 is bounded above
    /// by 100, or by 1 when they lie within 0 to 1.
    pub fn resolve(&self, name: &str, values: &[f64]) -> (Option<f64>, Option<f64>) {
        match *self {
            Bounds::None => (None, None),
            Bounds::Fixed { lower, upper } => (lower, upper),
            Bounds::Infer => {
                let finite = || values.iter().copied().filter(|v| v.is_finite());
                let (lo, hi) = finite().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                });
                if lo > hi {
                    return (None, None);
                }
                let lower = (lo >= 0.0).then_some(0.0);
                let name = name.to_ascii_lowercase();
                let percent = PERCENT_WORDS.iter().any(|w| name.contains(w));
                let upper = match (percent, lower) {
                    (true, Some(_)) if hi <= 1.0 => Some(1.0),
                    (true, Some(_)) if hi <= 100.0 => Some(100.0),
                    _ => None,
                };
                (lower, upper)
            }
        }
    }
}

impl FromStr for Bounds {
    type Err = Error;

    /// `auto` (infer), `none`, or `LO,HI` with either side empty (`0,` or `,100`).
    /// The message names the value only: the caller names the flag (`--bounds`),
    /// the rule key (`bounds:`) or the keyword (`bounds=`).
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "auto" => return Ok(Bounds::Infer),
            "none" => return Ok(Bounds::None),
            _ => {}
        }
        let bad = || {
            Error::invalid(format!(
                "'{s}' is not auto, none, or LO,HI (either may be empty: 0, or ,100)"
            ))
        };
        let (lo, hi) = t.split_once(',').ok_or_else(bad)?;
        let side = |x: &str| -> Result<Option<f64>> {
            let x = x.trim();
            if x.is_empty() {
                return Ok(None);
            }
            match x.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(bad()),
            }
        };
        let (lower, upper) = (side(lo)?, side(hi)?);
        if let (Some(l), Some(u)) = (lower, upper) {
            if l >= u {
                return Err(Error::invalid(format!(
                    "'{s}': the lower bound must be below the upper"
                )));
            }
        }
        Ok(Bounds::Fixed { lower, upper })
    }
}

/// `x` within the bounds.
fn clamp(x: f64, (lower, upper): (Option<f64>, Option<f64>)) -> f64 {
    let x = lower.map_or(x, |l| x.max(l));
    upper.map_or(x, |u| x.min(u))
}

/// Keep a forecast's point and bounds within `bounds` (`(lower, upper)`).
pub fn bound_forecast(forecast: &mut Forecast, bounds: (Option<f64>, Option<f64>)) {
    if bounds == (None, None) {
        return;
    }
    for p in &mut forecast.point {
        *p = clamp(*p, bounds);
    }
    for interval in &mut forecast.intervals {
        for v in interval.lower.iter_mut().chain(interval.upper.iter_mut()) {
            *v = clamp(*v, bounds);
        }
    }
}

/// Keep every simulated path within `bounds`: a future that would go below the
/// floor stays at it (free memory at zero), so it still reaches a capacity there.
pub fn bound_paths(paths: &mut SamplePaths, bounds: (Option<f64>, Option<f64>)) {
    if bounds != (None, None) {
        paths.paths.mapv_inplace(|x| clamp(x, bounds));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inferred_from_the_history_and_its_name() {
        let counts = [3.0, 0.0, 12.0];
        assert_eq!(
            Bounds::Infer.resolve("passengers", &counts),
            (Some(0.0), None)
        );
        assert_eq!(Bounds::Infer.resolve("temp", &[-3.0, 4.0]), (None, None));
        let cpu = [12.0, 55.0, 97.0];
        assert_eq!(
            Bounds::Infer.resolve("cpu_percent", &cpu),
            (Some(0.0), Some(100.0))
        );
        assert_eq!(
            Bounds::Infer.resolve("error_ratio", &[0.01, 0.2]),
            (Some(0.0), Some(1.0))
        );
        // A "percent" beyond 100 is not one.
        assert_eq!(
            Bounds::Infer.resolve("pct", &[50.0, 130.0]),
            (Some(0.0), None)
        );
        assert_eq!(Bounds::None.resolve("passengers", &counts), (None, None));
    }

    #[test]
    fn parsed_as_written() {
        assert_eq!("auto".parse::<Bounds>().unwrap(), Bounds::Infer);
        assert_eq!("none".parse::<Bounds>().unwrap(), Bounds::None);
        assert_eq!(
            "0,100".parse::<Bounds>().unwrap(),
            Bounds::Fixed {
                lower: Some(0.0),
                upper: Some(100.0)
            }
        );
        assert_eq!(
            ",5".parse::<Bounds>().unwrap(),
            Bounds::Fixed {
                lower: None,
                upper: Some(5.0)
            }
        );
        for bad in ["", "5", "a,b", "10,1", "nan,"] {
            assert!(bad.parse::<Bounds>().is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_and_bands_stay_inside() {
        use chrono::{TimeZone, Utc};
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut f = Forecast {
            series: "s".into(),
            model: "m".into(),
            timestamps: vec![t],
            point: vec![-1.0],
            intervals: vec![super::super::Interval {
                level: 95.0,
                lower: vec![-5.0],
                upper: vec![120.0],
            }],
        };
        bound_forecast(&mut f, (Some(0.0), Some(100.0)));
        assert_eq!(
            (f.point[0], f.intervals[0].lower[0], f.intervals[0].upper[0]),
            (0.0, 0.0, 100.0)
        );
        let mut p = SamplePaths {
            series: "s".into(),
            model: "m".into(),
            timestamps: vec![t],
            paths: ndarray::Array2::from_elem((2, 1), -3.0),
        };
        bound_paths(&mut p, (Some(0.0), None));
        assert!(p.paths.iter().all(|&x| x == 0.0));
    }
}
