//! When more sample paths can no longer change the answer (`--adaptive-paths`):
//! the probability's binomial (Wilson) error and the crossing percentiles'
//! order-statistic error, both at three standard errors, against what the row
//! prints.

use super::CrossingDistribution;

/// Standard errors the bounds are taken at: about 99.7 % two-sided, so that a
/// fleet of thousands sees a figure outside its bound a few times per thousand.
pub(crate) const SETTLED_Z: f64 = 3.0;

/// How far the probability (and the probability by `--by`) may still move:
/// 0.02, the tolerance a planner reads a probability at (two percentage points).
pub(crate) const PROBABILITY_TOLERANCE: f64 = 0.02;

/// How far a crossing percentile's step may still move: one step.
pub(crate) const STEP_TOLERANCE: usize = 1;

/// The crossing percentiles the row prints (`p10_at`, `p50_at`, `p90_at`).
const PRINTED_QUANTILES: [f64; 3] = [0.1, 0.5, 0.9];

/// The Wilson score interval of a binomial proportion: `k` successes of `n`, at
/// `z` standard errors.
pub(crate) fn wilson(k: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

impl CrossingDistribution {
    /// Whether more paths could no longer change the figures this distribution
    /// prints, at [`SETTLED_Z`] standard errors: at least one path crosses (with
    /// none, the status `clear` or `possible` can hang on a single path); the
    /// probability's Wilson interval lies within [`PROBABILITY_TOLERANCE`] of it,
    /// as does that of the probability by step `by_step` when one is asked; each
    /// of the 10th, 50th and 90th percentiles either surely exists or surely not
    /// (its interval leaves out the level, so the status, `crossing` at one half,
    /// is settled too); and each that exists has the ranks of its
    /// order-statistic interval, `n q ± z sqrt(n q (1 - q))`, within
    /// [`STEP_TOLERANCE`] step of its estimate.
    pub fn settled(&self, by_step: Option<usize>) -> bool {
        let (n, k) = (self.paths, self.steps.len());
        if n == 0 || k == 0 {
            return false;
        }
        let close = |count: usize| {
            let p = count as f64 / n as f64;
            let (lo, hi) = wilson(count, n, SETTLED_Z);
            p - lo <= PROBABILITY_TOLERANCE && hi - p <= PROBABILITY_TOLERANCE
        };
        if !close(k) || by_step.is_some_and(|s| !close(self.steps.partition_point(|&x| x <= s))) {
            return false;
        }
        let (lo, hi) = wilson(k, n, SETTLED_Z);
        PRINTED_QUANTILES.iter().all(|&q| {
            if hi < q {
                return true;
            }
            if lo <= q {
                return false;
            }
            let Some(estimate) = self.quantile(q) else {
                return false;
            };
            let spread = SETTLED_Z * (n as f64 * q * (1.0 - q)).sqrt();
            let first = ((n as f64 * q - spread).floor().max(1.0) as usize).min(k);
            let last = (n as f64 * q + spread).ceil() as usize;
            last <= k
                && self.steps[first - 1] + STEP_TOLERANCE >= estimate
                && self.steps[last - 1] <= estimate + STEP_TOLERANCE
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_interval() {
        // 0 of 10 at z = 1.96: (0, 0.2775).
        let (lo, hi) = wilson(0, 10, 1.96);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.2775).abs() < 1e-4, "{hi}");
        // 50 of 100 at z = 1.96: 0.5 ± 0.0963 about.
        let (lo, hi) = wilson(50, 100, 1.96);
        assert!((lo - 0.4038).abs() < 1e-3 && (hi - 0.5962).abs() < 1e-3);
    }

    #[test]
    fn certain_and_concentrated_crossings_settle_spread_ones_do_not() {
        // Every one of 500 paths crosses at step 3 or 4.
        let tight = CrossingDistribution::from_steps(500, (0..500).map(|i| 3 + i % 2).collect());
        assert!(tight.settled(None));
        // Half of them by step 3: that probability is not settled; all by step 4 is.
        assert!(!tight.settled(Some(3)));
        assert!(tight.settled(Some(4)));
        // The same crossings spread over 100 steps: the median is not pinned.
        let spread = CrossingDistribution::from_steps(500, (0..500).map(|i| i % 100).collect());
        assert!(!spread.settled(None));
        // Too few paths for the probability: 1 of 1 is not certain.
        assert!(!CrossingDistribution::from_steps(1, vec![0]).settled(None));
        // No crossing: never settled early.
        assert!(!CrossingDistribution::from_steps(500, vec![]).settled(None));
        // Half the paths: the status could go either way.
        let half = CrossingDistribution::from_steps(500, vec![5; 250]);
        assert!(!half.settled(None));
    }
}
