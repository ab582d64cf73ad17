//! MSTL: STL for several seasonal periods (Bandara, Hyndman and Bergmeir, 2021,
//! arXiv:2107.13462), with statsmodels' defaults: periods in increasing order,
//! seasonal windows `7 + 4 * i` for the i-th period (i from 1), two iterations,
//! no Box-Cox transform, periods that do not fit twice into the series dropped.

#![allow(clippy::needless_range_loop)] // parallel arrays, as in stl.rs

use serde::{Deserialize, Serialize};

use super::stl::{check_values, Stl, StlOptions, Workspace};
use super::Decomposition;
use crate::error::{Error, Result};

/// An MSTL decomposition, built with methods that consume and return the value.
///
/// ```
/// use headroom::decompose::Mstl;
/// let y: Vec<f64> = (0..400)
///     .map(|t| [0.0, 2.0, -2.0, 1.0][t % 4] + if t % 20 < 10 { 5.0 } else { -5.0 })
///     .collect();
/// let d = Mstl::new(vec![4, 20]).decompose(&y).unwrap();
/// assert_eq!(d.periods, vec![4, 20]);
/// assert!((d.seasonal[1][5] - 5.0).abs() < 1.0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mstl {
    periods: Vec<usize>,
    windows: Option<Vec<usize>>,
    iterate: usize,
    options: StlOptions,
}

impl Mstl {
    /// MSTL for these periods (in steps, any order) with statsmodels' defaults.
    pub fn new(periods: Vec<usize>) -> Self {
        Mstl {
            periods,
            windows: None,
            iterate: 2,
            options: StlOptions::default(),
        }
    }

    /// Seasonal windows, one per period in the order the periods were given
    /// (default `7 + 4 * i` in increasing period order).
    pub fn windows(mut self, windows: Vec<usize>) -> Self {
        self.windows = Some(windows);
        self
    }

    /// Number of passes over the seasonal components (default 2; 1 when there is
    /// a single period, as in statsmodels).
    pub fn iterate(mut self, iterate: usize) -> Self {
        self.iterate = iterate;
        self
    }

    /// Settings passed to every inner STL (the seasonal window is set per period).
    pub fn stl_options(mut self, options: StlOptions) -> Self {
        self.options = options;
        self
    }

    /// Periods sorted with their windows, without those that do not fit twice into
    /// `n` points (statsmodels drops periods of at least `n / 2`).
    fn periods_and_windows(&self, n: usize) -> Result<(Vec<usize>, Vec<usize>)> {
        let mut pairs: Vec<(usize, Option<usize>)> = match &self.windows {
            Some(w) if w.len() != self.periods.len() => {
                return Err(Error::invalid(format!(
                    "{} seasonal windows for {} periods",
                    w.len(),
                    self.periods.len()
                )))
            }
            Some(w) => self
                .periods
                .iter()
                .copied()
                .zip(w.iter().map(|&w| Some(w)))
                .collect(),
            None => self.periods.iter().map(|&p| (p, None)).collect(),
        };
        pairs.sort_unstable();
        pairs.dedup_by_key(|p| p.0);
        let windows: Vec<usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, &(_, w))| w.unwrap_or(7 + 4 * (i + 1)))
            .collect();
        let (periods, windows): (Vec<usize>, Vec<usize>) = pairs
            .iter()
            .map(|p| p.0)
            .zip(windows)
            .filter(|&(p, _)| (p as f64) < n as f64 / 2.0)
            .unzip();
        if periods.is_empty() {
            return Err(Error::too_short(format!(
                "{n} points is shorter than two seasons of every period in {:?}",
                self.periods
            )));
        }
        Ok((periods, windows))
    }

    /// Decompose `y` into a trend, one seasonal component per period that fits
    /// twice into the series, and a remainder. `periods` of the result lists the
    /// periods kept.
    pub fn decompose(&self, y: &[f64]) -> Result<Decomposition> {
        let (periods, windows) = self.periods_and_windows(y.len())?;
        for &period in &periods {
            check_values(y, period)?;
        }
        let iterate = if periods.len() == 1 {
            1
        } else {
            self.iterate.max(1)
        };
        let n = y.len();
        let mut seasonal = vec![vec![0.0; n]; periods.len()];
        let mut deseason = y.to_vec();
        let mut spaces = Vec::with_capacity(periods.len());
        for (&period, &window) in periods.iter().zip(&windows) {
            let stl = Stl::with_options(period, self.options.clone()).seasonal_window(window);
            spaces.push(Workspace::new(n, stl.resolve()?));
        }
        for _ in 0..iterate {
            for (i, ws) in spaces.iter_mut().enumerate() {
                for t in 0..n {
                    deseason[t] += seasonal[i][t];
                }
                ws.run(&deseason);
                seasonal[i].copy_from_slice(&ws.season);
                for t in 0..n {
                    deseason[t] -= seasonal[i][t];
                }
            }
        }
        let last = &spaces[spaces.len() - 1];
        let (trend, weights) = (last.trend.clone(), last.rw.clone());
        let remainder = deseason.iter().zip(&trend).map(|(d, t)| d - t).collect();
        Ok(Decomposition {
            periods,
            trend,
            seasonal,
            remainder,
            weights,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_periods_that_do_not_fit_twice() {
        let y: Vec<f64> = (0..100).map(|t| (t % 7) as f64).collect();
        let d = Mstl::new(vec![60, 7]).decompose(&y).unwrap();
        assert_eq!(d.periods, vec![7]);
        assert!(Mstl::new(vec![60]).decompose(&y).is_err());
    }

    #[test]
    fn bad_periods_and_values() {
        let y: Vec<f64> = (0..100).map(|t| (t % 7) as f64).collect();
        assert!(Mstl::new(vec![0, 7]).decompose(&y).is_err());
        assert!(Mstl::new(vec![1, 7]).decompose(&y).is_err());
        assert!(Mstl::new(vec![7, 14])
            .windows(vec![8, 11])
            .decompose(&y)
            .is_err());
        assert!(Mstl::new(vec![7, 14]).decompose(&[f64::NAN; 100]).is_err());
        let mut inf = y.clone();
        inf[50] = f64::INFINITY;
        assert!(Mstl::new(vec![7, 14]).decompose(&inf).is_err());
        let flat = Mstl::new(vec![7, 14]).decompose(&[3.0; 100]).unwrap();
        assert!(flat.trend.iter().all(|t| (t - 3.0).abs() < 1e-9));
        assert!(flat.remainder.iter().all(|r| r.abs() < 1e-9));
    }

    #[test]
    fn components_add_up() {
        let y: Vec<f64> = (0..300)
            .map(|t| (t as f64 / 3.0).sin() + (t as f64 / 17.0).cos() * 2.0 + t as f64 * 0.01)
            .collect();
        let d = Mstl::new(vec![24, 6]).decompose(&y).unwrap();
        assert_eq!(d.periods, vec![6, 24]);
        for t in 0..y.len() {
            let sum = d.trend[t] + d.seasonal_sum(t) + d.remainder[t];
            assert!((sum - y[t]).abs() < 1e-9);
        }
    }
}
