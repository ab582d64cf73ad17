//! Ordinary least squares with prediction intervals, solved by nalgebra's QR
//! decomposition (no normal equations, so a badly scaled design loses no accuracy).

use nalgebra::{DMatrix, DVector};
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::central_quantile;
use crate::error::{Error, Result};

/// A fitted linear regression `y = X b + e` with homoscedastic normal errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OlsFit {
    /// The estimated coefficients, one per design column.
    pub coefficients: Vec<f64>,
    /// Residual standard error: `sqrt(RSS / (n - p))`.
    pub sigma: f64,
    /// Residual degrees of freedom `n - p`.
    pub df: usize,
    /// The upper-triangular factor R of the design's QR decomposition (p x p, row
    /// major), kept to compute `x0' (X'X)^-1 x0 = |R^-T x0|^2` for new points.
    r: Vec<f64>,
}

impl OlsFit {
    /// Fit by least squares. `design` is `n` rows of `p` columns, row-major.
    /// Needs more rows than columns and a design of full column rank.
    pub fn fit(design: &[f64], p: usize, y: &[f64]) -> Result<OlsFit> {
        let n = y.len();
        if p == 0 || design.len() != n * p {
            return Err(Error::invalid(format!(
                "a design of {} values does not have {n} rows of {p} columns",
                design.len()
            )));
        }
        if n <= p {
            return Err(Error::invalid(format!(
                "{n} points cannot fit {p} regression coefficients with any residual \
                 freedom (need at least {})",
                p + 1
            )));
        }
        let x = DMatrix::from_row_slice(n, p, design);
        let qr = x.qr();
        let r = qr.r();
        let scale = (0..p).map(|i| r[(i, i)].abs()).fold(0.0, f64::max);
        if (0..p).any(|i| r[(i, i)].abs() <= scale * 1e-12) {
            return Err(Error::invalid(
                "the regression design is rank deficient (a constant or repeated column)",
            ));
        }
        let qty = qr.q().transpose() * DVector::from_column_slice(y);
        let b = r
            .solve_upper_triangular(&qty)
            .ok_or_else(|| Error::invalid("the regression design is singular"))?;
        let fitted = DMatrix::from_row_slice(n, p, design) * &b;
        let rss: f64 = fitted.iter().zip(y).map(|(f, y)| (y - f).powi(2)).sum();
        let df = n - p;
        Ok(OlsFit {
            coefficients: b.iter().copied().collect(),
            sigma: (rss / df as f64).sqrt(),
            df,
            r: (0..p)
                .flat_map(|i| (0..p).map(move |j| (i, j)))
                .map(|(i, j)| r[(i, j)])
                .collect(),
        })
    }

    /// The fitted mean at a new design row.
    pub fn mean(&self, x0: &[f64]) -> f64 {
        self.coefficients.iter().zip(x0).map(|(b, x)| b * x).sum()
    }

    /// `x0' (X'X)^-1 x0`, the variance of the fitted mean at `x0` in units of sigma².
    pub fn leverage(&self, x0: &[f64]) -> f64 {
        let p = self.coefficients.len();
        let rt = DMatrix::from_row_slice(p, p, &self.r).transpose();
        rt.solve_lower_triangular(&DVector::from_column_slice(x0))
            .map(|z| z.norm_squared())
            .unwrap_or(f64::INFINITY)
    }

    /// Standard error of a new observation at `x0`: `sigma * sqrt(1 + leverage)`.
    pub fn prediction_se(&self, x0: &[f64]) -> f64 {
        self.sigma * (1.0 + self.leverage(x0)).sqrt()
    }

    /// Coefficients drawn from their normal sampling distribution with residual
    /// scale `sigma`: `b + sigma * R^-1 z` for standard normal `z` (one per
    /// coefficient), since `(X'X)^-1 = R^-1 R^-T`.
    pub fn draw_coefficients(&self, sigma: f64, z: &[f64]) -> Vec<f64> {
        let p = self.coefficients.len();
        let r = DMatrix::from_row_slice(p, p, &self.r);
        let shift = r
            .solve_upper_triangular(&DVector::from_column_slice(&z[..p]))
            .unwrap_or_else(|| DVector::zeros(p));
        self.coefficients
            .iter()
            .zip(shift.iter())
            .map(|(b, s)| b + sigma * s)
            .collect()
    }

    /// One draw of the residual scale and the coefficients from their sampling
    /// distribution: `sigma² ~ s² df / chi²(df)`, then the coefficients normal about
    /// the estimate with that scale ([`draw_coefficients`](Self::draw_coefficients)).
    pub fn draw(&self, rng: &mut impl rand::Rng) -> (f64, Vec<f64>) {
        let df = self.df as f64;
        let chi = ChiSquared::new(df).map(|c| c.sample(rng)).unwrap_or(df);
        let sigma = self.sigma * (df / chi).sqrt();
        let z: Vec<f64> = (0..self.coefficients.len())
            .map(|_| StandardNormal.sample(rng))
            .collect();
        (sigma, self.draw_coefficients(sigma, &z))
    }

    /// Fill `path` with one simulated future: coefficients and scale drawn once
    /// ([`draw`](Self::draw)), then each step the mean at its design row plus
    /// independent noise, mapped through `back` (the inverse of the fitted scale).
    pub fn draw_path(
        &self,
        rng: &mut impl rand::Rng,
        rows: &[Vec<f64>],
        mut path: ndarray::ArrayViewMut1<f64>,
        back: impl Fn(f64) -> f64,
    ) {
        let (sigma, b) = self.draw(rng);
        for (h, x) in rows.iter().enumerate() {
            let e: f64 = StandardNormal.sample(rng);
            let mean: f64 = b.iter().zip(x).map(|(b, x)| b * x).sum();
            path[h] = back(mean + sigma * e);
        }
    }

    /// The two-sided multiplier of the t distribution with the residual degrees of
    /// freedom at `level` percent.
    pub fn t_multiplier(&self, level: f64) -> f64 {
        match StudentsT::new(0.0, 1.0, self.df as f64) {
            Ok(t) => central_quantile(level, |p| t.inverse_cdf(p)),
            Err(_) => f64::INFINITY,
        }
    }
}

/// The design `[1, t]` for `t` in `offset..offset + n`, row-major.
pub fn linear_trend_design(offset: f64, n: usize) -> Vec<f64> {
    (0..n).flat_map(|i| [1.0, offset + i as f64]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_line() {
        let y: Vec<f64> = (0..10).map(|t| 3.0 + 2.0 * t as f64).collect();
        let fit = OlsFit::fit(&linear_trend_design(0.0, 10), 2, &y).unwrap();
        assert!((fit.coefficients[0] - 3.0).abs() < 1e-12);
        assert!((fit.coefficients[1] - 2.0).abs() < 1e-12);
        assert!(fit.sigma < 1e-12);
        assert_eq!(fit.df, 8);
    }

    #[test]
    fn leverage_of_the_mean_is_one_over_n() {
        let y = [1.0, 3.0, 2.0, 5.0, 4.0];
        let fit = OlsFit::fit(&linear_trend_design(0.0, 5), 2, &y).unwrap();
        assert!((fit.leverage(&[1.0, 2.0]) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn refuses_too_few_points_and_rank_deficiency() {
        assert!(OlsFit::fit(&linear_trend_design(0.0, 2), 2, &[1.0, 2.0]).is_err());
        let design = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        assert!(OlsFit::fit(&design, 2, &[1.0, 2.0, 3.0]).is_err());
    }
}
