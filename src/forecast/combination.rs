//! A weighted combination of fitted models: the forecast averages theirs, the
//! sample paths pool theirs.
//!
//! Combinations won the M4 competition (Makridakis, Spiliotis and Assimakopoulos
//! 2020) and are the usual cure for a picked model's overconfidence: where the
//! members disagree about the future, a pool of their paths says so, and a
//! probability read off it is spread between their answers instead of staking
//! everything on one.
//!
//! The point forecast is the weighted mean of the members' points. The intervals
//! are those of the mixture of the members' forecasts, each taken as normal with
//! the standard deviation its own interval implies on each side: the bounds are
//! the mixture's quantiles, found by bisection. The paths are drawn from each
//! member in proportion to its weight (with its own seed), so the pool is a
//! sample of the mixture.

use ndarray::{s, Array2};
use statrs::distribution::{ContinuousCDF, Normal};

use super::{
    central_quantile, check_request, check_simulation, FittedModel, Forecast, Interval, SamplePaths,
};
use crate::error::{Error, Result};

/// The level whose interval gives each member's standard deviations.
const REFERENCE_LEVEL: f64 = 95.0;

/// A weighted combination of fitted models.
pub struct Combination {
    members: Vec<(f64, Box<dyn FittedModel>)>,
}

impl std::fmt::Debug for Combination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.members.iter().map(|(w, m)| (w, m.name())))
            .finish()
    }
}

impl Combination {
    /// Combine `members` with these weights (positive; they are normalised).
    pub fn new(members: Vec<(f64, Box<dyn FittedModel>)>) -> Result<Self> {
        if members.is_empty() {
            return Err(Error::invalid("a combination needs at least one model"));
        }
        if let Some((w, _)) = members.iter().find(|(w, _)| !(*w > 0.0 && w.is_finite())) {
            return Err(Error::invalid(format!(
                "combination weights must be positive, got {w}"
            )));
        }
        let total: f64 = members.iter().map(|(w, _)| w).sum();
        Ok(Combination {
            members: members.into_iter().map(|(w, m)| (w / total, m)).collect(),
        })
    }

    /// The members' normalised weights and names.
    pub fn members(&self) -> Vec<(f64, String)> {
        self.members.iter().map(|(w, m)| (*w, m.name())).collect()
    }

    /// Paths drawn from each member: the number each contributes, proportional to
    /// its weight (largest remainders), summing to `n_paths`.
    fn shares(&self, n_paths: usize) -> Vec<usize> {
        let exact: Vec<f64> = self
            .members
            .iter()
            .map(|(w, _)| w * n_paths as f64)
            .collect();
        let mut shares: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
        let mut order: Vec<usize> = (0..exact.len()).collect();
        order.sort_by(|&a, &b| {
            (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor()))
        });
        let missing = n_paths - shares.iter().sum::<usize>();
        for &i in order.iter().take(missing) {
            shares[i] += 1;
        }
        shares
    }
}

/// One member's forecast as the mixture sees it: point and the standard
/// deviations below and above it.
struct Component {
    weight: f64,
    point: Vec<f64>,
    below: Vec<f64>,
    above: Vec<f64>,
}

/// The `p` quantile of a mixture of two-piece normals at step `h`, by bisection
/// on its distribution function.
fn mixture_quantile(parts: &[Component], h: usize, p: f64) -> f64 {
    let normal = Normal::standard();
    let cdf = |x: f64| -> f64 {
        parts
            .iter()
            .map(|c| {
                let d = x - c.point[h];
                let sd = if d < 0.0 { c.below[h] } else { c.above[h] };
                let prob = if sd > 0.0 {
                    normal.cdf(d / sd)
                } else if d >= 0.0 {
                    1.0
                } else {
                    0.0
                };
                c.weight * prob
            })
            .sum()
    };
    let lo0 = parts
        .iter()
        .map(|c| c.point[h] - 10.0 * c.below[h])
        .fold(f64::INFINITY, f64::min);
    let hi0 = parts
        .iter()
        .map(|c| c.point[h] + 10.0 * c.above[h])
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = (lo0, hi0);
    // 60 halvings bring the bracket below the f64 spacing of any value in it.
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The mixture of weighted forecasts (each with a 95 % interval): the weighted
/// mean of their points, and for each level the mixture's central interval.
pub(crate) fn mix(forecasts: &[(f64, Forecast)], levels: &[f64]) -> Result<Forecast> {
    let (_, first) = forecasts
        .first()
        .ok_or_else(|| Error::invalid("no forecast to mix"))?;
    let horizon = first.horizon();
    let normal = Normal::standard();
    let z = central_quantile(REFERENCE_LEVEL, |p| normal.inverse_cdf(p));
    let total: f64 = forecasts.iter().map(|(w, _)| w).sum();
    let mut parts = Vec::with_capacity(forecasts.len());
    for (w, f) in forecasts {
        let i = f.interval(REFERENCE_LEVEL).ok_or_else(|| {
            Error::invalid(format!("{} gave no {REFERENCE_LEVEL} % interval", f.model))
        })?;
        if f.horizon() != horizon {
            return Err(Error::invalid(
                "forecasts of different horizons cannot be mixed",
            ));
        }
        parts.push(Component {
            weight: w / total,
            below: (0..horizon)
                .map(|h| (f.point[h] - i.lower[h]).max(0.0) / z)
                .collect(),
            above: (0..horizon)
                .map(|h| (i.upper[h] - f.point[h]).max(0.0) / z)
                .collect(),
            point: f.point.clone(),
        });
    }
    let point: Vec<f64> = (0..horizon)
        .map(|h| parts.iter().map(|c| c.weight * c.point[h]).sum())
        .collect();
    let intervals = levels
        .iter()
        .map(|&level| {
            let tail = (1.0 - level / 100.0) / 2.0;
            Interval {
                level,
                lower: (0..horizon)
                    .map(|h| mixture_quantile(&parts, h, tail))
                    .collect(),
                upper: (0..horizon)
                    .map(|h| mixture_quantile(&parts, h, 1.0 - tail))
                    .collect(),
            }
        })
        .collect();
    Ok(Forecast {
        series: first.series.clone(),
        model: forecasts
            .iter()
            .map(|(_, f)| f.model.as_str())
            .collect::<Vec<_>>()
            .join(" & "),
        timestamps: first.timestamps.clone(),
        point,
        intervals,
        notes: forecasts
            .iter()
            .flat_map(|(_, f)| f.notes.clone())
            .collect(),
    })
}

impl FittedModel for Combination {
    fn name(&self) -> String {
        self.members
            .iter()
            .map(|(_, m)| m.name())
            .collect::<Vec<_>>()
            .join(" & ")
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        if self.members.len() == 1 {
            let mut f = self.members[0].1.predict(horizon, levels)?;
            f.model = self.name();
            return Ok(f);
        }
        let forecasts = self
            .members
            .iter()
            .map(|(w, m)| Ok((*w, m.predict(horizon, &[REFERENCE_LEVEL])?)))
            .collect::<Result<Vec<_>>>()?;
        let mut f = mix(&forecasts, levels)?;
        f.model = self.name();
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let mut paths = Array2::zeros((n_paths, horizon));
        let mut template = None;
        let mut row = 0;
        for (k, ((_, member), share)) in self.members.iter().zip(self.shares(n_paths)).enumerate() {
            if share == 0 {
                continue;
            }
            let drawn =
                member.simulate(horizon, share, seed.wrapping_add(k as u64 * 0x9e37_79b9))?;
            paths
                .slice_mut(s![row..row + share, ..])
                .assign(&drawn.paths);
            row += share;
            template.get_or_insert(drawn);
        }
        let template = template.ok_or_else(|| Error::invalid("no member paths"))?;
        Ok(SamplePaths {
            series: template.series,
            model: self.name(),
            timestamps: template.timestamps,
            paths,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{Drift, Forecaster, SeasonalNaive};
    use crate::series::{RegularSeries, Step};
    use chrono::{TimeZone, Utc};

    fn series() -> RegularSeries {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..60)
            .map(|t| t as f64 + ((t * 7919) % 7) as f64)
            .collect();
        RegularSeries::new("s", start, Step::seconds(60), y).unwrap()
    }

    fn pair() -> Combination {
        let s = series();
        Combination::new(vec![
            (
                3.0,
                Box::new(Drift.fit(&s).unwrap()) as Box<dyn FittedModel>,
            ),
            (1.0, Box::new(SeasonalNaive::new(1).fit(&s).unwrap())),
        ])
        .unwrap()
    }

    #[test]
    fn the_point_is_the_weighted_mean() {
        let s = series();
        let a = Drift.fit(&s).unwrap().predict(5, &[]).unwrap();
        let b = SeasonalNaive::new(1)
            .fit(&s)
            .unwrap()
            .predict(5, &[])
            .unwrap();
        let f = pair().predict(5, &[80.0, 95.0]).unwrap();
        for h in 0..5 {
            assert!((f.point[h] - (0.75 * a.point[h] + 0.25 * b.point[h])).abs() < 1e-9);
            assert!(f.intervals[0].lower[h] > f.intervals[1].lower[h]);
        }
        assert_eq!(f.model, "drift & naive");
    }

    #[test]
    fn paths_pool_the_members_in_proportion() {
        let c = pair();
        assert_eq!(c.shares(1000), vec![750, 250]);
        assert_eq!(c.shares(3).iter().sum::<usize>(), 3);
        let paths = c.simulate(20, 8000, 1).unwrap();
        assert_eq!(paths.n_paths(), 8000);
        // The pooled paths' quantiles match the mixture interval.
        let f = c.predict(20, &[90.0]).unwrap();
        let (lo, hi) = (paths.quantile(0.05), paths.quantile(0.95));
        for h in [0, 19] {
            let width = f.intervals[0].upper[h] - f.intervals[0].lower[h];
            assert!(
                (lo[h] - f.intervals[0].lower[h]).abs() < 0.05 * width,
                "step {h}"
            );
            assert!(
                (hi[h] - f.intervals[0].upper[h]).abs() < 0.05 * width,
                "step {h}"
            );
        }
    }

    #[test]
    fn weights_must_be_positive() {
        let s = series();
        assert!(Combination::new(vec![]).is_err());
        assert!(Combination::new(vec![(
            0.0,
            Box::new(Drift.fit(&s).unwrap()) as Box<dyn FittedModel>
        )])
        .is_err());
    }
}
