//! Classical decomposition by moving averages, additive or multiplicative: the
//! simple reference operators know (R's `decompose`, statsmodels'
//! `seasonal_decompose` with its defaults).
//!
//! The trend is a centred moving average of one period (a 2 x period average for
//! an even period), undefined for half a period at each end; the seasonal index of
//! each phase is the mean of the detrended values at that phase, centred to sum to
//! zero (additive) or to average one (multiplicative); the remainder is what is left.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the components combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Composition {
    /// `value = trend + seasonal + remainder`.
    Additive,
    /// `value = trend * seasonal * remainder` (positive values only).
    Multiplicative,
}

/// The result of [`classical`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassicalDecomposition {
    /// The period in steps.
    pub period: usize,
    /// How the components combine.
    pub composition: Composition,
    /// The centred moving average; `NaN` for the first and last `period / 2` steps,
    /// where the average is not defined.
    pub trend: Vec<f64>,
    /// The seasonal index, repeating every period.
    pub seasonal: Vec<f64>,
    /// The remainder; `NaN` where the trend is.
    pub remainder: Vec<f64>,
}

/// Decompose `y` (finite values, two full periods; positive for multiplicative).
///
/// ```
/// use headroom::decompose::{classical, Composition};
/// let y: Vec<f64> = (0..12).map(|t| t as f64 + [1.0, -1.0][t % 2]).collect();
/// let d = classical(&y, 2, Composition::Additive).unwrap();
/// assert_eq!(d.seasonal[..2], [1.0, -1.0]);
/// assert_eq!(d.trend[5], 5.0);
/// ```
pub fn classical(
    y: &[f64],
    period: usize,
    composition: Composition,
) -> Result<ClassicalDecomposition> {
    let n = y.len();
    if period < 2 {
        return Err(Error::invalid(format!(
            "the seasonal period must be at least 2 steps, got {period}"
        )));
    }
    if n < 2 * period {
        return Err(Error::too_short(format!(
            "{n} points is shorter than two seasons of {period} steps ({} points needed)",
            2 * period
        )));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!(
            "value {} at step {i} is not finite (classical decomposition needs every value)",
            y[i]
        )));
    }
    if composition == Composition::Multiplicative {
        if let Some(i) = y.iter().position(|&v| v <= 0.0) {
            return Err(Error::invalid(format!(
                "multiplicative decomposition needs positive values; step {i} is {}",
                y[i]
            )));
        }
    }
    let trend = centred_moving_average(y, period);
    let detrended: Vec<f64> = y
        .iter()
        .zip(&trend)
        .map(|(v, t)| match composition {
            Composition::Additive => v - t,
            Composition::Multiplicative => v / t,
        })
        .collect();
    let mut index: Vec<f64> = (0..period)
        .map(|phase| {
            let at_phase: Vec<f64> = detrended
                .iter()
                .skip(phase)
                .step_by(period)
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            at_phase.iter().sum::<f64>() / at_phase.len() as f64
        })
        .collect();
    let centre = index.iter().sum::<f64>() / period as f64;
    for s in &mut index {
        match composition {
            Composition::Additive => *s -= centre,
            Composition::Multiplicative => *s /= centre,
        }
    }
    let seasonal: Vec<f64> = (0..n).map(|t| index[t % period]).collect();
    let remainder = detrended
        .iter()
        .zip(&seasonal)
        .map(|(d, s)| match composition {
            Composition::Additive => d - s,
            Composition::Multiplicative => d / s,
        })
        .collect();
    Ok(ClassicalDecomposition {
        period,
        composition,
        trend,
        seasonal,
        remainder,
    })
}

/// The centred moving average of one period: equal weights for an odd period,
/// `[0.5, 1, ..., 1, 0.5] / period` over `period + 1` points for an even one.
pub(crate) fn centred_moving_average(y: &[f64], period: usize) -> Vec<f64> {
    let n = y.len();
    let half = period / 2;
    let mut out = vec![f64::NAN; n];
    if n <= 2 * half {
        return out;
    }
    for t in half..n - half {
        let window = &y[t - half..=t + half];
        let sum: f64 = window.iter().sum();
        out[t] = if period % 2 == 1 {
            sum / period as f64
        } else {
            (sum - 0.5 * (window[0] + window[2 * half])) / period as f64
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_by_hand() {
        // Period 4, trend 10 + t, seasonal (3, -1, -3, 1).
        let s = [3.0, -1.0, -3.0, 1.0];
        let y: Vec<f64> = (0..16).map(|t| 10.0 + t as f64 + s[t % 4]).collect();
        let d = classical(&y, 4, Composition::Additive).unwrap();
        assert!(d.trend[..2].iter().all(|v| v.is_nan()));
        assert!(d.trend[14..].iter().all(|v| v.is_nan()));
        for t in 2..14 {
            assert!((d.trend[t] - (10.0 + t as f64)).abs() < 1e-12);
            assert!(d.remainder[t].abs() < 1e-12);
        }
        for t in 0..16 {
            assert!((d.seasonal[t] - s[t % 4]).abs() < 1e-12);
        }
    }

    #[test]
    fn multiplicative_by_hand() {
        let s = [1.2, 0.8, 1.1, 0.9, 1.0];
        let y: Vec<f64> = (0..20).map(|t| 100.0 * s[t % 5]).collect();
        let d = classical(&y, 5, Composition::Multiplicative).unwrap();
        for t in 2..18 {
            assert!((d.trend[t] - 100.0).abs() < 1e-9);
            assert!((d.remainder[t] - 1.0).abs() < 1e-12);
        }
        for t in 0..20 {
            assert!((d.seasonal[t] - s[t % 5]).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_input() {
        assert!(classical(&[1.0; 7], 4, Composition::Additive).is_err());
        assert!(classical(&[1.0; 8], 1, Composition::Additive).is_err());
        assert!(classical(&[1.0, 0.0, 1.0, 1.0], 2, Composition::Multiplicative).is_err());
        assert!(classical(&[1.0, f64::NAN, 1.0, 1.0], 2, Composition::Additive).is_err());
    }
}
