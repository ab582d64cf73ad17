//! Seasonal decomposition: STL for one period, MSTL for several, and detection of
//! the periods that are present.
//!
//! [`decompose`] is what the `decompose` command runs: STL with statsmodels'
//! defaults for one period, MSTL with statsmodels' defaults for several.

mod classical;
mod mstl;
pub mod period;
mod stl;

use serde::{Deserialize, Serialize};

pub use classical::{classical, ClassicalDecomposition, Composition};
pub use mstl::Mstl;
pub use stl::{Stl, StlOptions};

use crate::error::Result;

/// The components of a decomposition, one value per input step:
/// `value = trend + sum(seasonal) + remainder`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decomposition {
    /// The seasonal periods in steps, in increasing order.
    pub periods: Vec<usize>,
    /// The trend component.
    pub trend: Vec<f64>,
    /// One seasonal component per period, in the order of `periods`.
    pub seasonal: Vec<Vec<f64>>,
    /// What is left: value minus trend minus every seasonal component.
    pub remainder: Vec<f64>,
    /// Robustness weights of the final STL pass (1 everywhere unless robust):
    /// points with weight near 0 were treated as outliers.
    pub weights: Vec<f64>,
}

impl Decomposition {
    /// Number of steps.
    pub fn len(&self) -> usize {
        self.trend.len()
    }

    /// True when there are no steps.
    pub fn is_empty(&self) -> bool {
        self.trend.is_empty()
    }

    /// The sum of all seasonal components at step `i`.
    pub fn seasonal_sum(&self, i: usize) -> f64 {
        self.seasonal.iter().map(|s| s[i]).sum()
    }

    /// The seasonally adjusted series: trend plus remainder.
    pub fn adjusted(&self) -> Vec<f64> {
        self.trend
            .iter()
            .zip(&self.remainder)
            .map(|(t, r)| t + r)
            .collect()
    }

    /// Strength of the trend, from 0 to 1: `max(0, 1 - Var(R) / Var(T + R))`
    /// (Wang, Smith and Hyndman 2006, as in Hyndman and Athanasopoulos, FPP3
    /// section 4.3). Steps with a missing remainder are left out.
    pub fn trend_strength(&self) -> f64 {
        strength(&self.trend, &self.remainder, self.scale())
    }

    /// Strength of each seasonal component, from 0 to 1, in the order of
    /// `periods`: `max(0, 1 - Var(R) / Var(S + R))`.
    pub fn seasonal_strength(&self) -> Vec<f64> {
        self.seasonal
            .iter()
            .map(|s| strength(s, &self.remainder, self.scale()))
            .collect()
    }

    /// The largest trend magnitude: what rounding error is relative to.
    fn scale(&self) -> f64 {
        self.trend.iter().fold(0.0, |m, t| m.max(t.abs()))
    }
}

/// `max(0, 1 - Var(R) / Var(C + R))` over the steps where the remainder is known;
/// 0 when `C + R` varies no more than rounding error on `scale` (a constant series).
fn strength(component: &[f64], remainder: &[f64], scale: f64) -> f64 {
    let pairs: Vec<(f64, f64)> = component
        .iter()
        .zip(remainder)
        .filter(|(c, r)| c.is_finite() && r.is_finite())
        .map(|(&c, &r)| (c + r, r))
        .collect();
    let variance = |values: &mut dyn Iterator<Item = f64>| -> f64 {
        let v: Vec<f64> = values.collect();
        if v.len() < 2 {
            return 0.0;
        }
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64
    };
    let total = variance(&mut pairs.iter().map(|p| p.0));
    let noise = variance(&mut pairs.iter().map(|p| p.1));
    if total.sqrt() <= 1e-9 * scale || total == 0.0 {
        return 0.0;
    }
    (1.0 - noise / total).max(0.0)
}

/// Every period of these decompositions, sorted, each once: the seasonal columns
/// of a table that holds several series.
pub fn all_periods<'a>(decompositions: impl IntoIterator<Item = &'a Decomposition>) -> Vec<usize> {
    let mut periods: Vec<usize> = decompositions
        .into_iter()
        .flat_map(|d| d.periods.iter().copied())
        .collect();
    periods.sort_unstable();
    periods.dedup();
    periods
}

/// Decompose `y` by the contract's rule: STL for one period (statsmodels' defaults
/// overridden by `options`), MSTL for several (statsmodels' MSTL defaults, with
/// `options` passed to every inner STL). `periods` need not be sorted.
pub fn decompose(y: &[f64], periods: &[usize], options: &StlOptions) -> Result<Decomposition> {
    match periods {
        [] => Err(crate::Error::invalid(
            "no seasonal period was given or detected",
        )),
        [period] => Stl::with_options(*period, options.clone()).decompose(y),
        _ => Mstl::new(periods.to_vec())
            .stl_options(options.clone())
            .decompose(y),
    }
}
