//! Seasonal decomposition: STL for one period, MSTL for several, and detection of
//! the periods that are present.
//!
//! [`decompose`] is what the `decompose` command runs: STL with statsmodels'
//! defaults for one period, MSTL with statsmodels' defaults for several.

mod mstl;
pub mod period;
mod stl;

use serde::{Deserialize, Serialize};

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
