//! Accuracy of a forecast against what happened, as defined for the M4 competition
//! (Makridakis, Spiliotis and Assimakopoulos 2020): sMAPE, MASE and MSIS, the last
//! two scaled by the in-sample mean absolute seasonal difference; plus the share of
//! actual values inside each interval.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forecast::Forecast;

/// The scale of MASE and MSIS: the mean absolute difference between values one
/// season apart in the history (`period` 1 for non-seasonal data). `None` when the
/// history is too short or never changes.
pub fn mase_scale(history: &[f64], period: usize) -> Option<f64> {
    let m = period.max(1);
    if history.len() <= m {
        return None;
    }
    let diffs = history.windows(m + 1).map(|w| (w[m] - w[0]).abs());
    let scale = diffs.sum::<f64>() / (history.len() - m) as f64;
    (scale > 0.0 && scale.is_finite()).then_some(scale)
}

/// The scores of one forecast (or the mean of several).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Symmetric mean absolute percentage error, in percent (0 to 200).
    pub smape: f64,
    /// Mean absolute scaled error.
    pub mase: f64,
    /// Mean scaled interval score of the 95 % interval (`NaN` when the forecast has
    /// no 95 % interval).
    pub msis: f64,
    /// Share of actual values inside the interval of each level, in the forecast's
    /// level order: `(level, share)`.
    pub coverage: Vec<(f64, f64)>,
    /// Number of forecast steps scored.
    pub points: usize,
}

impl Scores {
    /// Score `forecast` against `actual` (as long as the forecast), with the MASE
    /// scale from the history ([`mase_scale`]).
    pub fn of(forecast: &Forecast, actual: &[f64], scale: f64) -> Result<Scores> {
        let h = forecast.horizon();
        if actual.len() != h {
            return Err(Error::invalid(format!(
                "{} actual values for a forecast of {h} steps",
                actual.len()
            )));
        }
        if !(scale > 0.0 && scale.is_finite()) {
            return Err(Error::series(
                &forecast.series,
                "the history never changes over a season, so scaled errors are undefined",
            ));
        }
        let f = &forecast.point;
        let smape = 200.0 / h as f64
            * (0..h)
                .map(|t| {
                    let denominator = actual[t].abs() + f[t].abs();
                    if denominator == 0.0 {
                        0.0
                    } else {
                        (actual[t] - f[t]).abs() / denominator
                    }
                })
                .sum::<f64>();
        let mase = (0..h).map(|t| (actual[t] - f[t]).abs()).sum::<f64>() / h as f64 / scale;
        let msis = match forecast.interval(95.0) {
            Some(i) => {
                let alpha = 0.05;
                (0..h)
                    .map(|t| {
                        let (lo, hi, y) = (i.lower[t], i.upper[t], actual[t]);
                        (hi - lo)
                            + 2.0 / alpha * (lo - y) * f64::from(u8::from(y < lo))
                            + 2.0 / alpha * (y - hi) * f64::from(u8::from(y > hi))
                    })
                    .sum::<f64>()
                    / h as f64
                    / scale
            }
            None => f64::NAN,
        };
        let coverage = forecast
            .intervals
            .iter()
            .map(|i| {
                let inside = (0..h)
                    .filter(|&t| i.lower[t] <= actual[t] && actual[t] <= i.upper[t])
                    .count();
                (i.level, inside as f64 / h as f64)
            })
            .collect();
        Ok(Scores {
            smape,
            mase,
            msis,
            coverage,
            points: h,
        })
    }

    /// The mean of several scores (each counted once, as M4 averages over series);
    /// coverage is averaged per level.
    pub fn mean(all: &[Scores]) -> Scores {
        if all.is_empty() {
            return Scores::default();
        }
        let k = all.len() as f64;
        let avg = |f: &dyn Fn(&Scores) -> f64| all.iter().map(f).sum::<f64>() / k;
        let coverage = all[0]
            .coverage
            .iter()
            .enumerate()
            .map(|(j, &(level, _))| {
                let shares: Vec<f64> = all
                    .iter()
                    .filter_map(|s| s.coverage.get(j).map(|c| c.1))
                    .collect();
                (
                    level,
                    shares.iter().sum::<f64>() / shares.len().max(1) as f64,
                )
            })
            .collect();
        Scores {
            smape: avg(&|s| s.smape),
            mase: avg(&|s| s.mase),
            msis: avg(&|s| s.msis),
            coverage,
            points: all.iter().map(|s| s.points).sum(),
        }
    }

    /// Coverage at `level`, if scored.
    pub fn coverage_at(&self, level: f64) -> Option<f64> {
        self.coverage.iter().find(|c| c.0 == level).map(|c| c.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Interval;

    fn forecast(point: Vec<f64>, lower: Vec<f64>, upper: Vec<f64>) -> Forecast {
        Forecast {
            series: "s".into(),
            model: "m".into(),
            timestamps: Vec::new(),
            intervals: vec![Interval {
                level: 95.0,
                lower,
                upper,
            }],
            point,
        }
    }

    #[test]
    fn m4_definitions_by_hand() {
        // History 1..=8 with period 2: every seasonal difference is 2.
        let history: Vec<f64> = (1..=8).map(f64::from).collect();
        let scale = mase_scale(&history, 2).unwrap();
        assert_eq!(scale, 2.0);
        let f = forecast(vec![10.0, 10.0], vec![9.0, 9.0], vec![11.0, 11.0]);
        let s = Scores::of(&f, &[10.0, 12.0], scale).unwrap();
        // sMAPE = 200/2 * (0/20 + 2/22)
        assert!((s.smape - 100.0 * 2.0 / 22.0).abs() < 1e-12);
        // MASE = mean(0, 2) / 2
        assert!((s.mase - 0.5).abs() < 1e-12);
        // MSIS = mean(2, 2 + 40 * 1) / 2
        assert!((s.msis - 11.0).abs() < 1e-12);
        assert_eq!(s.coverage, vec![(95.0, 0.5)]);
    }

    #[test]
    fn flat_history_has_no_scale() {
        assert_eq!(mase_scale(&[3.0; 10], 2), None);
        assert_eq!(mase_scale(&[1.0, 2.0], 2), None);
    }

    #[test]
    fn mean_of_scores() {
        let a = Scores {
            smape: 10.0,
            mase: 1.0,
            msis: 5.0,
            coverage: vec![(95.0, 1.0)],
            points: 2,
        };
        let b = Scores {
            smape: 20.0,
            mase: 2.0,
            msis: 7.0,
            coverage: vec![(95.0, 0.5)],
            points: 2,
        };
        let m = Scores::mean(&[a, b]);
        assert_eq!((m.smape, m.mase, m.msis, m.points), (15.0, 1.5, 6.0, 4));
        assert_eq!(m.coverage_at(95.0), Some(0.75));
    }
}
