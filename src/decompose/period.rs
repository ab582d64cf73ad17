//! Detection of the calendar seasonal periods present in a series.
//!
//! Capacity metrics follow human calendars, so the candidates are the calendar
//! periods that the step divides: a day and a week for sub-daily data, a week for
//! daily data, a year for monthly and quarterly data. Each candidate, shortest
//! first, is kept when the autocorrelation at its lag of the series with its trend
//! removed (a centred moving average of one period) is at least
//! [`MIN_AUTOCORRELATION`]; the kept season is then subtracted before the next,
//! longer candidate is tested, so that a daily cycle alone does not pass for a
//! weekly one (it repeats every seven days too).

use serde::{Deserialize, Serialize};

use crate::series::{RegularSeries, Step};

/// Autocorrelation at the seasonal lag above which a season is taken as present.
/// 0.3 separates "visible in a plot" from noise in practice, and is far above the
/// 2/sqrt(n) sampling band of white noise for the lengths where detection runs
/// (two cycles of a day of 5-minute data is 576 points: band 0.08).
pub const MIN_AUTOCORRELATION: f64 = 0.3;

/// A detected seasonal period.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectedPeriod {
    /// The period in steps.
    pub period: usize,
    /// Autocorrelation at that lag of the detrended series, from -1 to 1.
    pub autocorrelation: f64,
}

/// The calendar periods (in steps) worth testing for this step, shortest first.
pub fn calendar_candidates(step: Step) -> Vec<usize> {
    match step {
        Step::Months { months } if 12 % months == 0 && months < 12 => vec![(12 / months) as usize],
        Step::Months { .. } => vec![],
        Step::Fixed { millis } => [86_400_000_i64, 604_800_000]
            .iter()
            .filter(|&&span| span % millis == 0 && span / millis >= 2)
            .map(|&span| (span / millis) as usize)
            .collect(),
    }
}

/// The calendar periods present in `series`, shortest first, with their
/// autocorrelation. A candidate is only tested when the series holds three of its
/// cycles (two for the lag, one for the moving average that removes the trend).
pub fn detect(series: &RegularSeries) -> Vec<DetectedPeriod> {
    let mut residual = series.values().to_vec();
    let mut found = Vec::new();
    for period in calendar_candidates(series.step()) {
        if residual.len() < 3 * period {
            continue;
        }
        let detrended = detrend(&residual, period);
        let r = autocorrelation(&detrended, period);
        if r >= MIN_AUTOCORRELATION {
            remove_phase_means(&mut residual, &detrended, period);
            found.push(DetectedPeriod {
                period,
                autocorrelation: r,
            });
        }
    }
    found
}

/// `y` minus its centred moving average of one period (a 2 x period average for an
/// even period, as in classical decomposition), `NaN` where the average is undefined.
fn detrend(y: &[f64], period: usize) -> Vec<f64> {
    let n = y.len();
    let half = period / 2;
    let mut out = vec![f64::NAN; n];
    let prefix: Vec<f64> = std::iter::once(0.0)
        .chain(y.iter().scan(0.0, |s, v| {
            *s += v;
            Some(*s)
        }))
        .collect();
    let sum = |a: usize, b: usize| prefix[b] - prefix[a];
    for t in half..n.saturating_sub(half) {
        let mean = if period % 2 == 1 {
            sum(t - half, t + half + 1) / period as f64
        } else if t + half < n {
            // Weights 1/2 at both ends, 1 inside, over period + 1 points.
            (sum(t - half, t + half + 1) - 0.5 * (y[t - half] + y[t + half])) / period as f64
        } else {
            continue;
        };
        out[t] = y[t] - mean;
    }
    out
}

/// Sample autocorrelation at `lag`, over the pairs where both values are defined.
fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    let defined: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if defined.len() <= lag + 1 {
        return 0.0;
    }
    let mean = defined.iter().sum::<f64>() / defined.len() as f64;
    let var: f64 = defined.iter().map(|v| (v - mean).powi(2)).sum();
    if var <= f64::EPSILON * defined.len() as f64 * mean.abs().max(1.0) {
        return 0.0;
    }
    let cov: f64 = x
        .iter()
        .zip(&x[lag..])
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (a - mean) * (b - mean))
        .sum();
    cov / var
}

/// Subtract the mean detrended value of each phase (the classical seasonal index).
fn remove_phase_means(y: &mut [f64], detrended: &[f64], period: usize) {
    let mut sums = vec![0.0; period];
    let mut counts = vec![0usize; period];
    for (t, d) in detrended.iter().enumerate() {
        if d.is_finite() {
            sums[t % period] += d;
            counts[t % period] += 1;
        }
    }
    for (t, v) in y.iter_mut().enumerate() {
        if counts[t % period] > 0 {
            *v -= sums[t % period] / counts[t % period] as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn hourly(values: Vec<f64>) -> RegularSeries {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        RegularSeries::new("s", start, Step::seconds(3600), values).unwrap()
    }

    /// A deterministic pseudo-random sequence in [-0.5, 0.5).
    fn noise(n: usize) -> Vec<f64> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    #[test]
    fn candidates_follow_the_step() {
        assert_eq!(calendar_candidates(Step::seconds(300)), vec![288, 2016]);
        assert_eq!(calendar_candidates(Step::seconds(3600)), vec![24, 168]);
        assert_eq!(calendar_candidates(Step::seconds(86_400)), vec![7]);
        assert_eq!(calendar_candidates(Step::Months { months: 1 }), vec![12]);
        assert_eq!(
            calendar_candidates(Step::seconds(7 * 3600)),
            vec![24 * 7 / 7]
        );
    }

    #[test]
    fn daily_only_is_not_taken_for_weekly() {
        let e = noise(24 * 35);
        let y: Vec<f64> = (0..24 * 35)
            .map(|t| {
                10.0 * (t as f64 * std::f64::consts::TAU / 24.0).sin() + e[t] + t as f64 * 0.01
            })
            .collect();
        let found: Vec<usize> = detect(&hourly(y)).iter().map(|d| d.period).collect();
        assert_eq!(found, vec![24]);
    }

    #[test]
    fn daily_and_weekly() {
        let e = noise(24 * 35);
        let y: Vec<f64> = (0..24 * 35)
            .map(|t| {
                let weekend = if (t / 24) % 7 >= 5 { -8.0 } else { 0.0 };
                10.0 * (t as f64 * std::f64::consts::TAU / 24.0).sin() + weekend + e[t]
            })
            .collect();
        let found: Vec<usize> = detect(&hourly(y)).iter().map(|d| d.period).collect();
        assert_eq!(found, vec![24, 168]);
    }

    #[test]
    fn white_noise_has_no_season() {
        assert!(detect(&hourly(noise(24 * 35))).is_empty());
    }

    #[test]
    fn constant_series_has_no_season() {
        assert!(detect(&hourly(vec![3.0; 24 * 35])).is_empty());
    }
}
