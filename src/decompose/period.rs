//! Detection of the seasonal periods present in a series.
//!
//! Capacity metrics follow human calendars, so the calendar periods that the step
//! divides are tried first: a day and a week for sub-daily data, a week for daily
//! data, a year for monthly and quarterly data. Each candidate, shortest first, is
//! kept when the autocorrelation at its lag of the series with its trend removed
//! (a centred moving average of one period) is at least [`MIN_AUTOCORRELATION`];
//! the kept season is then subtracted before the next, longer candidate is tested,
//! so that a daily cycle alone does not pass for a weekly one (it repeats every
//! seven days too). When no calendar period is present, the highest peak of that
//! autocorrelation function (lags 2 to a sixth of the series) is taken if it
//! passes the same bar. Every period found is returned with its seasonal strength
//! from an STL (or MSTL) decomposition on the periods found.

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
    /// Seasonal strength of the period's component, from 0 to 1 (Wang, Smith and
    /// Hyndman 2006).
    pub strength: f64,
}

/// The calendar periods (in steps) worth testing for this step, shortest first:
/// a day and a week where the step divides them, and a year for steps of a day
/// or more (365 days, 52 weeks: a year is not a whole number of either, and the
/// quarter of a day it drifts by each year is far below what a yearly season's
/// smoothing resolves).
pub fn calendar_candidates(step: Step) -> Vec<usize> {
    match step {
        Step::Months { months } if 12 % months == 0 && months < 12 => vec![(12 / months) as usize],
        Step::Months { .. } => vec![],
        Step::Fixed { millis } => {
            let mut out: Vec<usize> = [DAY_MILLIS, 7 * DAY_MILLIS]
                .iter()
                .filter(|&&span| span % millis == 0 && span / millis >= 2)
                .map(|&span| (span / millis) as usize)
                .collect();
            if millis >= DAY_MILLIS {
                let year = (YEAR_DAYS * DAY_MILLIS as f64 / millis as f64).round() as usize;
                out.extend((year >= 2).then_some(year));
            }
            out
        }
    }
}

/// A day in milliseconds.
pub(crate) const DAY_MILLIS: i64 = 86_400_000;

/// The mean length of a calendar year in days (the Julian year).
const YEAR_DAYS: f64 = 365.25;

/// The yearly period of this step when it has one ([`calendar_candidates`]'
/// longest for steps of a day or more, 12 months for monthly steps).
pub fn yearly_period(step: Step) -> Option<usize> {
    match step {
        Step::Months { months } if 12 % months == 0 && months < 12 => Some((12 / months) as usize),
        Step::Fixed { millis } if millis >= DAY_MILLIS => calendar_candidates(step).last().copied(),
        _ => None,
    }
}

/// The seasonal periods present in `series`, shortest first, with their
/// autocorrelation and seasonal strength. A candidate is only tested when the
/// series holds three of its cycles (two for the lag, one for the moving average
/// that removes the trend). The strengths cost a decomposition; [`periods`] skips it.
pub fn detect(series: &RegularSeries) -> Vec<DetectedPeriod> {
    let found = present(series);
    let periods: Vec<usize> = found.iter().map(|f| f.0).collect();
    let strengths = super::decompose(series.values(), &periods, &super::StlOptions::default())
        .map(|d| d.seasonal_strength())
        .unwrap_or_default();
    found
        .iter()
        .enumerate()
        .map(|(i, &(period, autocorrelation))| DetectedPeriod {
            period,
            autocorrelation,
            strength: strengths.get(i).copied().unwrap_or(0.0),
        })
        .collect()
}

/// The periods [`detect`] finds, without their strengths.
pub fn periods(series: &RegularSeries) -> Vec<usize> {
    present(series).iter().map(|f| f.0).collect()
}

/// The periods present with their autocorrelation: calendar ones first, else the
/// strongest autocorrelation peak.
fn present(series: &RegularSeries) -> Vec<(usize, f64)> {
    let y = series.values();
    let mut residual = y.to_vec();
    let mut found: Vec<(usize, f64)> = Vec::new();
    for period in calendar_candidates(series.step()) {
        if residual.len() < 3 * period {
            continue;
        }
        let detrended = detrend(&residual, period);
        let r = autocorrelation(&detrended, period);
        if r >= MIN_AUTOCORRELATION {
            remove_phase_means(&mut residual, &detrended, period);
            found.push((period, r));
        }
    }
    if found.is_empty() {
        found.extend(strongest_lag(y));
    }
    found
}

/// The lag with the highest autocorrelation peak between 2 and a sixth of the
/// series (so that twice the lag is still well estimated), when it reaches [`MIN_AUTOCORRELATION`] and rises at least as much above
/// the lowest autocorrelation at a shorter lag (a cycle dips between its repeats;
/// a slowly decaying autocorrelation, from level shifts, does not), and that is
/// high again at twice the lag (a cycle repeats; a pair of bursts does not). The
/// trend is
/// removed first with a centred moving average over a tenth of the series, long
/// enough to leave any cycle shorter than that in place.
fn strongest_lag(y: &[f64]) -> Option<(usize, f64)> {
    let n = y.len();
    let max_lag = n / 6;
    if max_lag < 3 {
        return None;
    }
    let window = (n / 10).max(3) | 1;
    let detrended = detrend(y, window);
    let acf: Vec<f64> = (0..=2 * max_lag + 1)
        .map(|lag| autocorrelation(&detrended, lag))
        .collect();
    let mut trough = vec![f64::INFINITY; acf.len()];
    for k in 1..acf.len() {
        trough[k] = trough[k - 1].min(acf[k]);
    }
    (2..=max_lag)
        .filter(|&k| acf[k] > acf[k - 1] && acf[k] >= acf[k + 1])
        .filter(|&k| acf[k] - trough[k - 1] >= MIN_AUTOCORRELATION)
        .filter(|&k| acf[2 * k] >= MIN_AUTOCORRELATION)
        .max_by(|&a, &b| acf[a].total_cmp(&acf[b]))
        .filter(|&k| acf[k] >= MIN_AUTOCORRELATION)
        .map(|k| (k, acf[k]))
}

/// `y` minus its centred moving average of one period, `NaN` where the average
/// is undefined.
fn detrend(y: &[f64], period: usize) -> Vec<f64> {
    super::classical::centred_moving_average(y, period)
        .iter()
        .zip(y)
        .map(|(m, v)| v - m)
        .collect()
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
        assert_eq!(calendar_candidates(Step::seconds(86_400)), vec![7, 365]);
        assert_eq!(calendar_candidates(Step::seconds(7 * 86_400)), vec![52]);
        assert_eq!(yearly_period(Step::seconds(86_400)), Some(365));
        assert_eq!(yearly_period(Step::Months { months: 1 }), Some(12));
        assert_eq!(yearly_period(Step::seconds(3600)), None);
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
    fn a_period_off_the_calendar_is_found_by_its_peak() {
        let e = noise(600);
        let y: Vec<f64> = (0..600)
            .map(|t| 5.0 * (t as f64 * std::f64::consts::TAU / 10.0).sin() + e[t] + 0.02 * t as f64)
            .collect();
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = RegularSeries::new("s", start, Step::seconds(60), y).unwrap();
        let found = detect(&s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].period, 10);
        assert!(found[0].strength > 0.9, "{found:?}");
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
