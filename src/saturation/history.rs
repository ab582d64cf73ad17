//! The history's own answer to a capacity question, pooled with the futures'.
//!
//! The simulated futures say how often a model's futures reach capacity; the
//! history says how often the series itself rose that far. At every past origin
//! with a whole horizon after it, the same question is asked of what happened:
//! did the series, within the horizon, reach the capacity's multiple of its
//! highest value so far (`capacity / max` times the running maximum; for a
//! series with values at or below zero, or a capacity at or below zero, the same
//! distance above it instead)? The share of origins where it did is a reference
//! class forecast (Kahneman and Tversky 1979; Flyvbjerg 2006), blind to the
//! current slope but immune to a model's over-extrapolation. The two are pooled
//! with equal weights on the log-odds scale (the logarithmic opinion pool;
//! Genest and Zidek 1986), which keeps a probability of 0 or 1 that either is
//! sure of and sides with the more confident where they differ.
//!
//! Measured on the M4 Weekly growth cases of
//! `../shared/baselines/growth_m4_weekly.md` (`examples/growth_m4_weekly.py`):
//! `docs/method.md`, "The history's own answer".

use super::Direction;
use crate::forecast::has_logarithm;

/// The share of past origins from which the series reached, within `horizon`
/// steps, the level `capacity` stands at against the extreme so far (the
/// highest value up, the lowest down), with half an origin added to each side
/// (the Jeffreys prior's estimate, `(k + 1/2) / (m + 1)`): a history that never
/// did it in `m` origins makes it unlikely, never impossible. `None` when no
/// origin has a whole horizon after it, or the history holds no finite value.
/// Origins run from the first step on ("as far back as the history allows");
/// holes (`NaN`) are skipped in the extremes and count as not reaching.
pub(crate) fn history_frequency(
    values: &[f64],
    capacity: f64,
    direction: Direction,
    horizon: usize,
) -> Option<f64> {
    let n = values.len();
    if horizon == 0 || n <= horizon {
        return None;
    }
    // Down is up on the negated series.
    let sign = match direction {
        Direction::Up => 1.0,
        Direction::Down => -1.0,
    };
    let y: Vec<f64> = values.iter().map(|v| sign * v).collect();
    let cap = sign * capacity;
    let top = y
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return None;
    }
    // A ratio where the series and capacity are positive (growth compounds:
    // 10 % above the peak means 10 % at any level); a distance otherwise.
    // (Down, the negated series' ratio is the same as the series' own.)
    let ratio = capacity > 0.0 && has_logarithm(values);
    let target = |peak: f64| {
        if ratio {
            peak * cap / top
        } else {
            peak + (cap - top)
        }
    };
    let ahead = window_maxima(&y[1..], horizon);
    let mut peak = f64::NEG_INFINITY;
    let mut hits = 0usize;
    let mut origins = 0usize;
    for t in 0..n - horizon {
        if y[t].is_finite() {
            peak = peak.max(y[t]);
        }
        if !peak.is_finite() {
            continue;
        }
        origins += 1;
        if ahead[t] >= target(peak) {
            hits += 1;
        }
    }
    (origins > 0).then(|| (hits as f64 + 0.5) / (origins as f64 + 1.0))
}

/// The maximum of every window of `width` consecutive values (`NaN` skipped),
/// one per window start, in one pass (a monotone deque).
fn window_maxima(y: &[f64], width: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(y.len().saturating_sub(width) + 1);
    let mut deque: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for (i, &v) in y.iter().enumerate() {
        if v.is_finite() {
            while deque.back().is_some_and(|&j| y[j] <= v) {
                deque.pop_back();
            }
            deque.push_back(i);
        }
        if deque.front().is_some_and(|&j| j + width <= i) {
            deque.pop_front();
        }
        if i + 1 >= width {
            out.push(deque.front().map_or(f64::NEG_INFINITY, |&j| y[j]));
        }
    }
    out
}

/// The logarithmic opinion pool of two probabilities with equal weights:
/// `sqrt(p q) / (sqrt(p q) + sqrt((1 - p) (1 - q)))`. Where the two are sure of
/// opposite answers (0 and 1) there is nothing to pool and `p` is kept.
pub(crate) fn log_pool(p: f64, q: f64) -> f64 {
    let yes = (p * q).sqrt();
    let no = ((1.0 - p) * (1.0 - q)).sqrt();
    if yes + no > 0.0 {
        yes / (yes + no)
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_maxima_match_the_direct_ones() {
        let y = [3.0, 1.0, f64::NAN, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        for width in 1..=4 {
            let direct: Vec<f64> = y
                .windows(width)
                .map(|w| {
                    w.iter()
                        .copied()
                        .filter(|v| v.is_finite())
                        .fold(f64::NEG_INFINITY, f64::max)
                })
                .collect();
            assert_eq!(window_maxima(&y, width), direct, "width {width}");
        }
    }

    #[test]
    fn a_flat_history_never_rose_ten_percent_and_a_steady_climb_always_did() {
        let flat: Vec<f64> = (0..200).map(|t| 100.0 + (t % 7) as f64).collect();
        // (k + 1/2) / (m + 1) of the 180 origins with 20 steps after them.
        let never = Some(0.5 / 181.0);
        let always = Some(180.5 / 181.0);
        assert_eq!(
            history_frequency(&flat, 1.1 * 106.0, Direction::Up, 20),
            never
        );
        // 1 % a step compounds to 22 % in 20 steps: every origin got 10 % higher.
        let climb: Vec<f64> = (0..200).map(|t| 100.0 * 1.01f64.powi(t)).collect();
        let top = climb[199];
        assert_eq!(
            history_frequency(&climb, 1.1 * top, Direction::Up, 20),
            always
        );
        // Reaching 1.3x takes 27 steps: never within 20.
        assert_eq!(
            history_frequency(&climb, 1.3 * top, Direction::Up, 20),
            never
        );
        // A shrinking series asked about a floor 10 % under its lowest value:
        // 1 % a step falls 18 % in 20 steps, every origin got there.
        let fall: Vec<f64> = (0..200).map(|t| 100.0 * 0.99f64.powi(t)).collect();
        let low = fall[199];
        assert_eq!(
            history_frequency(&fall, 0.9 * low, Direction::Down, 20),
            always
        );
        assert_eq!(
            history_frequency(&fall, 0.5 * low, Direction::Down, 20),
            never
        );
        // Below zero the question is a distance: 5 above a peak that was 3
        // steps of 1 ahead of each origin's, never reached within 2 steps.
        let line: Vec<f64> = (0..50).map(|t| t as f64 - 25.0).collect();
        assert_eq!(
            history_frequency(&line, 29.0, Direction::Up, 2),
            Some(0.5 / 49.0)
        );
        assert_eq!(
            history_frequency(&line, 26.0, Direction::Up, 2),
            Some(48.5 / 49.0)
        );
        assert_eq!(
            history_frequency(&flat[..20], 120.0, Direction::Up, 20),
            None
        );
    }

    #[test]
    fn the_pool_keeps_certainty_and_agreement() {
        assert_eq!(log_pool(0.3, 0.3), 0.3);
        assert_eq!(log_pool(0.7, 0.0), 0.0);
        assert_eq!(log_pool(0.2, 1.0), 1.0);
        assert_eq!(log_pool(0.0, 1.0), 0.0);
        let p = log_pool(0.8, 0.2);
        assert!((p - 0.5).abs() < 1e-12);
        assert!(log_pool(0.9, 0.5) < 0.9 && log_pool(0.9, 0.5) > 0.5);
    }
}
