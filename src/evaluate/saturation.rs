//! Scores of saturation answers against what happened: the proper scores of the
//! crossing probability (Brier score, ROC AUC, a reliability table) and the hit
//! rates of the dates (the point date's hits and false alarms, and how often the
//! actual crossing falls inside the 10th-90th percentile range and the widest
//! interval's band).
//!
//! Each question is one [`SaturationOutcome`]: at an origin, a probability of
//! reaching capacity within the horizon and the predicted dates as steps after the
//! origin, beside the step at which the series actually reached it (if it did).
//! [`SaturationScores::of`] pools any number of them.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};

/// Reliability bins used when none are asked for: ten of width 0.1, as in the
/// usual reliability diagram (Wilks, *Statistical Methods in the Atmospheric
/// Sciences*, 3rd ed., section 8.4.4).
pub const DEFAULT_BINS: usize = 10;

/// One saturation question whose answer is known. Steps are 0-based from the first
/// step after the origin; `None` means "not within the horizon".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaturationOutcome {
    /// The predicted probability (0 to 1) of reaching capacity within the horizon.
    pub probability: f64,
    /// The step at which the series actually reached capacity first.
    pub actual: Option<usize>,
    /// The first step whose point forecast reaches capacity (`saturation_at`).
    pub point: Option<usize>,
    /// The 10th percentile of the simulated crossing step (`p10_at`).
    pub p10: Option<usize>,
    /// The 90th percentile of the simulated crossing step (`p90_at`); `None` with a
    /// `p10` means that it lies beyond the horizon.
    pub p90: Option<usize>,
    /// The first step the widest interval's bound on the capacity side reaches
    /// capacity (`earliest_at`).
    pub earliest: Option<usize>,
    /// The first step its other bound does (`latest_at`); `None` with an
    /// `earliest` means beyond the horizon.
    pub latest: Option<usize>,
    /// Steps assessed after the origin.
    pub horizon: usize,
    /// The series' step in seconds (nominal for calendar months), to give date
    /// errors in time as well as in steps.
    #[serde(default)]
    pub step_seconds: f64,
}

impl SaturationOutcome {
    /// Whether the series reached capacity within the horizon.
    pub fn crossed(&self) -> bool {
        self.actual.is_some()
    }

    /// Whether the actual crossing lies inside `[p10, p90]`, a missing `p90` standing
    /// for "after the horizon"; `None` when the series did not cross.
    pub fn inside_p10_p90(&self) -> Option<bool> {
        self.actual.map(|a| inside(a, self.p10, self.p90))
    }

    /// Whether the actual crossing lies inside `[earliest, latest]`, the band of the
    /// widest interval; `None` when the series did not cross.
    pub fn inside_band(&self) -> Option<bool> {
        self.actual.map(|a| inside(a, self.earliest, self.latest))
    }
}

/// `a` in `[from, to]`, no `from` meaning the range never starts within the horizon
/// and no `to` that it ends after it.
fn inside(a: usize, from: Option<usize>, to: Option<usize>) -> bool {
    from.is_some_and(|f| f <= a) && to.is_none_or(|t| a <= t)
}

/// One bin of a reliability table: the questions whose probability fell in
/// `[lower, upper)` (the last bin includes 1), and how often they came true.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the bin.
    pub lower: f64,
    /// Upper edge of the bin.
    pub upper: f64,
    /// Questions in the bin.
    pub count: usize,
    /// Of these, the ones that came true (the series reached capacity).
    pub events: usize,
    /// Mean predicted probability in the bin (`NaN` when empty).
    pub mean_probability: f64,
}

impl ReliabilityBin {
    /// The observed frequency `events / count` (`NaN` when empty).
    pub fn observed_frequency(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.events as f64 / self.count as f64
        }
    }

    /// The Wilson score interval of the observed frequency at `level` percent
    /// (Wilson 1927): where the true frequency of the bin lies given its count, so a
    /// bin whose interval holds its mean probability is consistent with a calibrated
    /// forecast. `(NaN, NaN)` when the bin is empty.
    pub fn observed_interval(&self, level: f64) -> (f64, f64) {
        if self.count == 0 || !(level > 0.0 && level < 100.0) {
            return (f64::NAN, f64::NAN);
        }
        let z = Normal::standard().inverse_cdf(0.5 + level / 200.0);
        crate::saturation::wilson(self.events, self.count, z)
    }
}

/// Check that probabilities and outcomes pair up and are probabilities.
fn check(probabilities: &[f64], outcomes: &[bool]) -> Result<()> {
    if probabilities.len() != outcomes.len() {
        return Err(Error::invalid(format!(
            "{} probabilities for {} outcomes",
            probabilities.len(),
            outcomes.len()
        )));
    }
    if probabilities.is_empty() {
        return Err(Error::invalid("no probabilities to score"));
    }
    match probabilities.iter().position(|p| !(0.0..=1.0).contains(p)) {
        Some(i) => Err(Error::invalid(format!(
            "probability {} (question {i}) is not between 0 and 1",
            probabilities[i]
        ))),
        None => Ok(()),
    }
}

/// The Brier score: the mean of `(p - outcome)^2`, outcome 1 when the event
/// happened. 0 is perfect; always answering 1/2 scores 0.25.
pub fn brier_score(probabilities: &[f64], outcomes: &[bool]) -> Result<f64> {
    check(probabilities, outcomes)?;
    let sum: f64 = probabilities
        .iter()
        .zip(outcomes)
        .map(|(&p, &o)| (p - f64::from(u8::from(o))).powi(2))
        .sum();
    Ok(sum / probabilities.len() as f64)
}

/// The area under the ROC curve: the probability that a question whose event
/// happened got a higher probability than one whose event did not, ties counting
/// one half (the Mann-Whitney statistic with mid-ranks). `None` unless both
/// outcomes occur.
pub fn roc_auc(probabilities: &[f64], outcomes: &[bool]) -> Result<Option<f64>> {
    check(probabilities, outcomes)?;
    let positives = outcomes.iter().filter(|&&o| o).count();
    let negatives = outcomes.len() - positives;
    if positives == 0 || negatives == 0 {
        return Ok(None);
    }
    let mut order: Vec<usize> = (0..probabilities.len()).collect();
    order.sort_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]));
    // Sum of the 1-based mid-ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && probabilities[order[j + 1]] == probabilities[order[i]] {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        let tied_positives = order[i..=j].iter().filter(|&&k| outcomes[k]).count();
        rank_sum += mid_rank * tied_positives as f64;
        i = j + 1;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Ok(Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n)))
}

/// The reliability table: `bins` bins of equal width over `[0, 1]`, each with its
/// count, its events and its mean predicted probability. Empty bins are kept, so
/// the table always has `bins` rows.
pub fn reliability(
    probabilities: &[f64],
    outcomes: &[bool],
    bins: usize,
) -> Result<Vec<ReliabilityBin>> {
    check(probabilities, outcomes)?;
    if bins == 0 {
        return Err(Error::invalid("a reliability table needs at least one bin"));
    }
    let mut table: Vec<ReliabilityBin> = (0..bins)
        .map(|k| ReliabilityBin {
            lower: k as f64 / bins as f64,
            upper: (k + 1) as f64 / bins as f64,
            count: 0,
            events: 0,
            mean_probability: 0.0,
        })
        .collect();
    for (&p, &o) in probabilities.iter().zip(outcomes) {
        // The upper edge belongs to the next bin; 1 to the last.
        let k = ((p * bins as f64).floor() as usize).min(bins - 1);
        let bin = &mut table[k];
        bin.count += 1;
        bin.events += usize::from(o);
        bin.mean_probability += p;
    }
    for bin in &mut table {
        bin.mean_probability = if bin.count == 0 {
            f64::NAN
        } else {
            bin.mean_probability / bin.count as f64
        };
    }
    Ok(table)
}

/// The scores of a set of saturation questions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaturationScores {
    /// Questions scored.
    pub cases: usize,
    /// Of these, the ones where the series reached capacity within the horizon.
    pub crossings: usize,
    /// Brier score of the probability.
    pub brier: f64,
    /// Brier skill score against always answering the observed share of crossings:
    /// `1 - brier / (r (1 - r))`; above 0 is better than that constant. `None` when
    /// every question had the same outcome.
    pub brier_skill: Option<f64>,
    /// ROC AUC of the probability; `None` unless both outcomes occur.
    pub auc: Option<f64>,
    /// Share of the crossings whose point forecast reached capacity within the
    /// horizon (`saturation_at` set); `None` without crossings.
    pub hit_rate: Option<f64>,
    /// Share of the questions without a crossing whose point forecast reached
    /// capacity (a false alarm); `None` when every series crossed.
    pub false_alarm_rate: Option<f64>,
    /// Share of the crossings that happened inside `[p10_at, p90_at]`.
    pub p10_p90_coverage: Option<f64>,
    /// Share of the crossings that happened inside `[earliest_at, latest_at]`, the
    /// band of the widest interval.
    pub band_coverage: Option<f64>,
    /// Mean absolute error, in steps, of the point date over the crossings, a
    /// missed crossing counted as the step after the horizon (as the M4 baselines
    /// count it).
    pub date_mae: Option<f64>,
    /// The same error in seconds, each crossing's steps times its series' step
    /// (so series of different steps pool in one unit).
    #[serde(default)]
    pub date_mae_seconds: Option<f64>,
    /// Mean predicted probability.
    pub mean_probability: f64,
    /// The reliability table.
    pub reliability: Vec<ReliabilityBin>,
}

impl SaturationScores {
    /// Score `outcomes`, pooled, with a reliability table of `bins` bins.
    pub fn of(outcomes: &[SaturationOutcome], bins: usize) -> Result<SaturationScores> {
        let p: Vec<f64> = outcomes.iter().map(|o| o.probability).collect();
        let y: Vec<bool> = outcomes.iter().map(SaturationOutcome::crossed).collect();
        let brier = brier_score(&p, &y)?;
        let n = outcomes.len();
        let crossings = y.iter().filter(|&&c| c).count();
        let rate = crossings as f64 / n as f64;
        let share = |hits: usize, of: usize| (of > 0).then(|| hits as f64 / of as f64);
        let crossed: Vec<&SaturationOutcome> = outcomes.iter().filter(|o| o.crossed()).collect();
        let count =
            |f: &dyn Fn(&SaturationOutcome) -> bool| crossed.iter().filter(|o| f(o)).count();
        let false_alarms = outcomes
            .iter()
            .filter(|o| !o.crossed() && o.point.is_some())
            .count();
        let steps_off = |o: &SaturationOutcome| {
            let actual = o.actual.unwrap_or(o.horizon) as f64;
            (o.point.unwrap_or(o.horizon) as f64 - actual).abs()
        };
        let date_error: f64 = crossed.iter().map(|o| steps_off(o)).sum();
        let date_seconds: f64 = crossed.iter().map(|o| steps_off(o) * o.step_seconds).sum();
        Ok(SaturationScores {
            cases: n,
            crossings,
            brier,
            brier_skill: (crossings > 0 && crossings < n)
                .then(|| 1.0 - brier / (rate * (1.0 - rate))),
            auc: roc_auc(&p, &y)?,
            hit_rate: share(count(&|o| o.point.is_some()), crossings),
            false_alarm_rate: share(false_alarms, n - crossings),
            p10_p90_coverage: share(count(&|o| o.inside_p10_p90() == Some(true)), crossings),
            band_coverage: share(count(&|o| o.inside_band() == Some(true)), crossings),
            date_mae: (crossings > 0).then(|| date_error / crossings as f64),
            date_mae_seconds: (crossings > 0).then(|| date_seconds / crossings as f64),
            mean_probability: p.iter().sum::<f64>() / n as f64,
            reliability: reliability(&p, &y, bins)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn outcome(probability: f64, actual: Option<usize>) -> SaturationOutcome {
        SaturationOutcome {
            probability,
            actual,
            point: None,
            p10: None,
            p90: None,
            earliest: None,
            latest: None,
            horizon: 10,
            step_seconds: 3600.0,
        }
    }

    #[test]
    fn brier_by_hand() {
        let b = brier_score(&[0.0, 1.0, 0.5, 0.8], &[false, true, true, false]).unwrap();
        // (0 + 0 + 0.25 + 0.64) / 4
        assert!((b - 0.2225).abs() < 1e-15);
        assert!(brier_score(&[0.5], &[]).is_err());
        assert!(brier_score(&[], &[]).is_err());
        assert!(brier_score(&[1.5], &[true]).is_err());
        assert!(brier_score(&[f64::NAN], &[true]).is_err());
    }

    #[test]
    fn auc_by_hand_and_with_ties() {
        // scikit-learn's roc_auc_score example: 0.75.
        let auc = roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap();
        assert_eq!(auc, Some(0.75));
        // Pairs (positive, negative): (0.5, 0.2) 1, (0.5, 0.5) 1/2, (0.9, 0.2) 1,
        // (0.9, 0.5) 1: 3.5 of 4.
        let auc = roc_auc(&[0.2, 0.5, 0.5, 0.9], &[false, true, false, true]).unwrap();
        assert_eq!(auc, Some(0.875));
        // All tied: one half.
        assert_eq!(
            roc_auc(&[0.3; 5], &[true, false, true, false, false]).unwrap(),
            Some(0.5)
        );
        // Perfect and reversed ranking.
        assert_eq!(roc_auc(&[0.1, 0.9], &[false, true]).unwrap(), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.1], &[false, true]).unwrap(), Some(0.0));
        // One outcome only: undefined.
        assert_eq!(roc_auc(&[0.2, 0.7], &[true, true]).unwrap(), None);
    }

    #[test]
    fn auc_equals_the_pair_count() {
        // Against the definition, on probabilities with many ties (paths give
        // multiples of 1/2000, and often exactly 0 or 1).
        let mut rng = crate::forecast::rng(3);
        let p: Vec<f64> = (0..300)
            .map(|_| f64::from(rng.random_range(0..=8u8)) / 8.0)
            .collect();
        let y: Vec<bool> = p.iter().map(|&p| rng.random::<f64>() < p).collect();
        let mut pairs = 0.0;
        let mut wins = 0.0;
        for i in (0..p.len()).filter(|&i| y[i]) {
            for j in (0..p.len()).filter(|&j| !y[j]) {
                pairs += 1.0;
                wins += match p[i].total_cmp(&p[j]) {
                    std::cmp::Ordering::Greater => 1.0,
                    std::cmp::Ordering::Equal => 0.5,
                    std::cmp::Ordering::Less => 0.0,
                };
            }
        }
        let auc = roc_auc(&p, &y).unwrap().unwrap();
        assert!(
            (auc - wins / pairs).abs() < 1e-12,
            "{auc} vs {}",
            wins / pairs
        );
    }

    #[test]
    fn reliability_bins_by_hand() {
        let p = [0.0, 0.05, 0.1, 0.45, 0.55, 0.95, 1.0, 1.0];
        let y = [false, true, false, true, false, true, true, false];
        let table = reliability(&p, &y, 4).unwrap();
        assert_eq!(table.len(), 4);
        let counts: Vec<usize> = table.iter().map(|b| b.count).collect();
        assert_eq!(counts, [3, 1, 1, 3]);
        let events: Vec<usize> = table.iter().map(|b| b.events).collect();
        assert_eq!(events, [1, 1, 0, 2]);
        assert!((table[0].mean_probability - 0.05).abs() < 1e-15);
        assert!((table[3].mean_probability - 2.95 / 3.0).abs() < 1e-15);
        assert_eq!((table[3].lower, table[3].upper), (0.75, 1.0));
        assert!((table[3].observed_frequency() - 2.0 / 3.0).abs() < 1e-15);
        let empty = reliability(&[0.9], &[true], 2).unwrap();
        assert_eq!(empty[0].count, 0);
        assert!(empty[0].mean_probability.is_nan() && empty[0].observed_frequency().is_nan());
        assert!(reliability(&p, &y, 0).is_err());
    }

    #[test]
    fn wilson_interval_by_hand() {
        // 8 of 10 at 95 %: the textbook interval (0.490, 0.943).
        let bin = ReliabilityBin {
            lower: 0.7,
            upper: 0.8,
            count: 10,
            events: 8,
            mean_probability: 0.75,
        };
        let (lo, hi) = bin.observed_interval(95.0);
        assert!(
            (lo - 0.4902).abs() < 5e-4 && (hi - 0.9433).abs() < 5e-4,
            "{lo} {hi}"
        );
    }

    /// Outcomes drawn with known probabilities: every bin's observed frequency is
    /// within four binomial standard errors of its mean probability (a chance of
    /// about 6e-5 per bin of failing for a calibrated forecast), and a forecast
    /// that is off by 0.15 is caught.
    #[test]
    fn reliability_of_known_probabilities() {
        let mut rng = crate::forecast::rng(17);
        let n = 20_000;
        let p: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let y: Vec<bool> = p.iter().map(|&p| rng.random::<f64>() < p).collect();
        let table = reliability(&p, &y, DEFAULT_BINS).unwrap();
        assert_eq!(table.iter().map(|b| b.count).sum::<usize>(), n);
        for bin in &table {
            // Uniform probabilities: about n / 10 in each bin.
            assert!(bin.count > 1800 && bin.count < 2200, "{bin:?}");
            let m = bin.mean_probability;
            let se = (m * (1.0 - m) / bin.count as f64).sqrt();
            assert!(
                (bin.observed_frequency() - m).abs() < 4.0 * se,
                "bin [{}, {}): observed {} for mean {m} (se {se})",
                bin.lower,
                bin.upper,
                bin.observed_frequency()
            );
            let (lo, hi) = bin.observed_interval(99.9);
            assert!(lo <= m && m <= hi);
        }
        // The same outcomes against probabilities that are 0.15 too high: the
        // middle bins' frequencies fall far outside their sampling error.
        let high: Vec<f64> = p.iter().map(|&p| (p + 0.15).min(1.0)).collect();
        let table = reliability(&high, &y, DEFAULT_BINS).unwrap();
        let bin = &table[5];
        let se = (0.25 / bin.count as f64).sqrt();
        assert!(bin.mean_probability - bin.observed_frequency() > 10.0 * se);
        // A calibrated forecast's Brier score is E[p (1 - p)] = 1/6 for uniform p.
        let b = brier_score(&p, &y).unwrap();
        assert!((b - 1.0 / 6.0).abs() < 0.005, "{b}");
    }

    #[test]
    fn date_scores_by_hand() {
        let o = |p, actual, point, p10, p90, earliest, latest| SaturationOutcome {
            probability: p,
            actual,
            point,
            p10,
            p90,
            earliest,
            latest,
            horizon: 10,
            step_seconds: 1800.0,
        };
        let outcomes = [
            // Crossed at 4: point at 5, inside p10-p90 and band.
            o(0.9, Some(4), Some(5), Some(2), Some(6), Some(1), Some(8)),
            // Crossed at 7: point missed, p90 beyond the horizon, band misses.
            o(0.4, Some(7), None, Some(3), None, Some(8), None),
            // Crossed at 0: p10 after it.
            o(0.6, Some(0), Some(1), Some(1), Some(3), Some(0), Some(2)),
            // No crossing, but the point crossed: a false alarm.
            o(0.7, None, Some(9), Some(5), None, Some(3), None),
            // No crossing, no alarm.
            o(0.1, None, None, None, None, None, None),
        ];
        let s = SaturationScores::of(&outcomes, 5).unwrap();
        assert_eq!((s.cases, s.crossings), (5, 3));
        assert_eq!(s.hit_rate, Some(2.0 / 3.0));
        assert_eq!(s.false_alarm_rate, Some(0.5));
        assert_eq!(s.p10_p90_coverage, Some(2.0 / 3.0));
        assert_eq!(s.band_coverage, Some(2.0 / 3.0));
        // |5 - 4| + |10 - 7| + |1 - 0|
        assert_eq!(s.date_mae, Some(5.0 / 3.0));
        // Half-hour steps: the same error in seconds.
        assert_eq!(s.date_mae_seconds, Some(5.0 / 3.0 * 1800.0));
        let brier = (0.01 + 0.36 + 0.16 + 0.49 + 0.01) / 5.0;
        assert!((s.brier - brier).abs() < 1e-15);
        let skill = 1.0 - brier / (0.6 * 0.4);
        assert!((s.brier_skill.unwrap() - skill).abs() < 1e-12);
        // Positives 0.9, 0.4, 0.6 against negatives 0.7, 0.1: 1+1, 0+1, 0+1.
        assert!((s.auc.unwrap() - 4.0 / 6.0).abs() < 1e-15);
        assert!((s.mean_probability - 0.54).abs() < 1e-15);
        assert_eq!(s.reliability.len(), 5);
    }

    #[test]
    fn one_outcome_only() {
        let s = SaturationScores::of(&[outcome(0.2, None), outcome(0.0, None)], 10).unwrap();
        assert_eq!(s.auc, None);
        assert_eq!(s.brier_skill, None);
        assert_eq!(s.hit_rate, None);
        assert_eq!(s.p10_p90_coverage, None);
        assert_eq!(s.false_alarm_rate, Some(0.0));
        assert!(SaturationScores::of(&[], 10).is_err());
    }
}
