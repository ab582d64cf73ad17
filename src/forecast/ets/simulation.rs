//! Forecasting with a fitted model: the point forecast, exact intervals for the
//! linear models, and simulated paths and their quantiles for the others.

use ndarray::Array2;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};

use super::likelihood::{ring_of, Recursion};
use super::FittedEts;
use crate::error::Result;
use crate::forecast::{
    check_request, check_simulation, normal_intervals, rng, FittedModel, Forecast, Interval,
    SamplePaths, MAX_PATH_VALUES,
};

impl FittedEts {
    fn recursion(&self) -> Recursion {
        Recursion::new(&self.spec, &self.params)
    }

    /// The point forecast: the recursions run forward with zero errors.
    fn point_forecast(&self, horizon: usize) -> Vec<f64> {
        self.point_forecast_from(&self.final_state, horizon)
    }

    /// The point forecast this model (its parameters and initial states) makes
    /// after the first `y.len()` values of its history: the filter run to there,
    /// then forward with zero errors. `None` where the filter leaves the
    /// model's domain.
    pub(crate) fn point_forecast_after(&self, y: &[f64], horizon: usize) -> Option<Vec<f64>> {
        let smoothed = super::ets_smooth(&self.spec, &self.params, &self.initial, y).ok()?;
        Some(self.point_forecast_from(&smoothed.final_state, horizon))
    }

    fn point_forecast_from(&self, state: &super::EtsState, horizon: usize) -> Vec<f64> {
        let rec = self.recursion();
        let mut ring = ring_of(&self.spec, state);
        let m = ring.len();
        // The ring of the final state starts at the slot the next step uses.
        let (mut l, mut b) = (state.level, state.trend);
        (0..horizon)
            .map(|h| {
                let s = ring[h % m];
                let (big_l, yhat) = rec.predict(l, b, s);
                let (l1, b1, s1) = rec.update(big_l, b, s, yhat);
                l = l1;
                b = b1;
                ring[h % m] = s1;
                yhat
            })
            .collect()
    }

    /// Forecast standard deviations of the linear models (Hyndman et al. 2008,
    /// chapter 6, class 1): `sigma2 (1 + sum_{j<h} c_j^2)` with
    /// `c_j = alpha + beta (phi + ... + phi^j) + gamma [j divisible by m]`.
    fn exact_sd(&self, horizon: usize) -> Vec<f64> {
        let p = self.recursion();
        let m = self.spec.season_length();
        let seasonal = self.spec.is_seasonal();
        let mut sum = 0.0;
        let mut damp_sum = 0.0;
        let mut power = 1.0;
        (1..=horizon)
            .map(|h| {
                let sd = (self.mse * (1.0 + sum)).sqrt();
                // c_h, used from step h + 1 on.
                power *= p.phi;
                damp_sum += power;
                let season = if seasonal && h % m == 0 { p.gamma } else { 0.0 };
                let c = p.alpha + p.beta * damp_sum + season;
                sum += c * c;
                sd
            })
            .collect()
    }

    /// One simulated path into `out`, with `ring` as scratch; `false` if it left
    /// the model's domain.
    fn simulate_path(
        &self,
        rec: &Recursion,
        out: &mut [f64],
        ring: &mut [f64],
        rng: &mut Xoshiro256PlusPlus,
    ) -> bool {
        let sigma = self.mse.sqrt();
        if self.spec.is_seasonal() {
            for (slot, s) in ring.iter_mut().zip(self.final_state.seasonal.iter().rev()) {
                *slot = *s;
            }
        } else {
            ring[0] = 0.0;
        }
        let (mut l, mut b) = (self.final_state.level, self.final_state.trend);
        let mut idx = 0;
        for slot in out.iter_mut() {
            let s = ring[idx];
            let (big_l, yhat) = rec.predict(l, b, s);
            let e: f64 = StandardNormal.sample(rng);
            let y = if rec.mul_error {
                yhat * (1.0 + sigma * e)
            } else {
                yhat + sigma * e
            };
            let (l1, b1, s1) = rec.update(big_l, b, s, y);
            l = l1;
            b = b1;
            ring[idx] = s1;
            idx += 1;
            if idx == ring.len() {
                idx = 0;
            }
            *slot = y;
        }
        out.iter().all(|v| v.is_finite())
    }

    /// Intervals from the quantiles of simulated paths; a horizon too long for
    /// all of them in [`MAX_PATH_VALUES`] gets fewer (at least 200: the 95 %
    /// bounds are then the 5th value from each end).
    fn simulated_intervals(&self, horizon: usize, levels: &[f64]) -> Result<Vec<Interval>> {
        let fit = (MAX_PATH_VALUES / horizon.max(1)).max(200);
        let paths = self.simulate(horizon, self.interval_paths.min(fit), self.interval_seed)?;
        let mut probabilities: Vec<f64> = levels
            .iter()
            .flat_map(|l| [0.5 - l / 200.0, 0.5 + l / 200.0])
            .collect();
        probabilities.sort_by(f64::total_cmp);
        let mut column = vec![0.0; paths.n_paths()];
        let mut at = vec![Vec::with_capacity(horizon); probabilities.len()];
        for values in paths.paths.columns() {
            column.iter_mut().zip(values).for_each(|(c, v)| *c = *v);
            for (q, out) in quantiles(&mut column, &probabilities)
                .into_iter()
                .zip(&mut at)
            {
                out.push(q);
            }
        }
        let find = |p: f64| {
            let i = probabilities.iter().position(|q| *q == p).unwrap_or(0);
            at[i].clone()
        };
        Ok(levels
            .iter()
            .map(|&level| Interval {
                level,
                lower: find(0.5 - level / 200.0),
                upper: find(0.5 + level / 200.0),
            })
            .collect())
    }
}

/// Empirical quantiles of `values` (reordered in place) at ascending
/// probabilities, by linear interpolation between order statistics (type 7, as
/// [`SamplePaths::quantile`]), selecting rather than sorting: each quantile
/// partitions only what lies above the previous one.
fn quantiles(values: &mut [f64], probabilities: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut start = 0;
    probabilities
        .iter()
        .map(|q| {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = (pos.floor() as usize).max(start).min(n - 1);
            let (_, &mut low, above) =
                values[start..].select_nth_unstable_by(lo - start, f64::total_cmp);
            let high = if pos > lo as f64 {
                above.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                low
            };
            start = lo;
            low + (high - low) * (pos - lo as f64)
        })
        .collect()
}

impl FittedModel for FittedEts {
    fn name(&self) -> String {
        self.spec.model_name()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let point = self.point_forecast(horizon);
        let intervals = if self.spec.has_exact_intervals() || levels.is_empty() {
            normal_intervals(&point, &self.exact_sd(horizon), levels)
        } else {
            self.simulated_intervals(horizon, levels)?
        };
        Ok(Forecast {
            series: self.origin.series.clone(),
            model: self.name(),
            timestamps: self.origin.future(horizon),
            point,
            intervals,
        })
    }

    /// Paths of the model's own recursions with Gaussian errors of the fitted
    /// variance (added, or multiplying the prediction by `1 + e`, as the error
    /// type says). Parameter uncertainty is not included. A path that leaves the
    /// model's domain (a non-finite value, possible only with multiplicative
    /// components and large errors) is drawn again, up to ten times, and is then
    /// the point forecast.
    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let rec = self.recursion();
        let mut rng = rng(seed);
        let mut paths = Array2::zeros((n_paths, horizon));
        let mut buffer = vec![0.0; horizon];
        let mut ring = vec![0.0; self.spec.season_length()];
        let mut point: Option<Vec<f64>> = None;
        for mut row in paths.rows_mut() {
            let ok = (0..10).any(|_| self.simulate_path(&rec, &mut buffer, &mut ring, &mut rng));
            if ok {
                row.iter_mut().zip(&buffer).for_each(|(r, v)| *r = *v);
            } else {
                let p = point.get_or_insert_with(|| self.point_forecast(horizon));
                row.iter_mut().zip(p.iter()).for_each(|(r, v)| *r = *v);
            }
        }
        Ok(SamplePaths {
            series: self.origin.series.clone(),
            model: self.name(),
            timestamps: self.origin.future(horizon),
            paths,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ets::tests::{noisy, series, spec};
    use crate::forecast::ets::{Ets, EtsSpec};
    use crate::forecast::Forecaster;

    #[test]
    fn same_seed_same_paths() {
        let s = series(
            noisy(100, 0.3, 1, 0.0, 1.0, 5)
                .iter()
                .map(|v| v + 50.0)
                .collect(),
        );
        for code in ["AAdN", "MAN"] {
            let fit = Ets::new(spec(code)).fit(&s).unwrap();
            let a = fit.simulate(12, 50, 9).unwrap();
            assert_eq!(a, fit.simulate(12, 50, 9).unwrap(), "{code}");
            assert_ne!(a.paths, fit.simulate(12, 50, 10).unwrap().paths, "{code}");
            assert!(a.paths.iter().all(|v| v.is_finite()));
            assert_eq!((a.n_paths(), a.horizon()), (50, 12));
        }
        let fit = Ets::new(spec("ANN")).fit(&s).unwrap();
        assert!(fit.simulate(0, 5, 1).is_err() && fit.simulate(5, 0, 1).is_err());
    }

    #[test]
    fn simulated_quantiles_agree_with_exact_intervals() {
        let cases = [
            (spec("AAdN"), noisy(200, 0.3, 1, 0.0, 1.0, 6)),
            (
                EtsSpec::parse("ANA", 6).unwrap(),
                noisy(120, 0.0, 6, 4.0, 1.0, 7),
            ),
            (
                EtsSpec::parse("AAA", 6).unwrap(),
                noisy(120, 0.2, 6, 4.0, 1.0, 8),
            ),
        ];
        for (spec, y) in cases {
            let fit = Ets::new(spec).fit(&series(y)).unwrap();
            let f = fit.predict(14, &[90.0]).unwrap();
            let paths = fit.simulate(14, 20_000, 3).unwrap();
            let (lo, hi) = (paths.quantile(0.05), paths.quantile(0.95));
            for h in 0..14 {
                let half = f.intervals[0].upper[h] - f.point[h];
                // Quantile standard error at n = 20 000 is about 0.015 sd.
                assert!(
                    (lo[h] - f.intervals[0].lower[h]).abs() < 0.05 * half,
                    "{spec} step {h}"
                );
                assert!(
                    (hi[h] - f.intervals[0].upper[h]).abs() < 0.05 * half,
                    "{spec} step {h}"
                );
            }
        }
    }

    #[test]
    fn multiplicative_models_get_simulated_intervals_around_the_forecast() {
        let y: Vec<f64> = noisy(144, 0.5, 12, 10.0, 1.0, 9);
        let fit = Ets::new(EtsSpec::parse("MAM", 12).unwrap())
            .fit(&series(y))
            .unwrap();
        let f = fit.predict(24, &[80.0, 95.0]).unwrap();
        for h in 0..24 {
            let (i80, i95) = (&f.intervals[0], &f.intervals[1]);
            assert!(
                i95.lower[h] <= i80.lower[h] && i80.lower[h] < f.point[h],
                "step {h}"
            );
            assert!(
                f.point[h] < i80.upper[h] && i80.upper[h] <= i95.upper[h],
                "step {h}"
            );
        }
        let width = |h: usize| f.intervals[1].upper[h] - f.intervals[1].lower[h];
        assert!(width(23) > width(0));
        assert_eq!(f, fit.predict(24, &[80.0, 95.0]).unwrap(), "reproducible");
    }

    #[test]
    fn selected_quantiles_match_sorted_ones() {
        let mut r = rng(14);
        for n in [1, 2, 5, 1000] {
            let values: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut r)).collect();
            let probabilities = [0.0, 0.025, 0.1, 0.5, 0.9, 0.975, 1.0];
            let ours = quantiles(&mut values.clone(), &probabilities);
            let paths = SamplePaths {
                series: String::new(),
                model: String::new(),
                timestamps: vec![],
                paths: Array2::from_shape_vec((n, 1), values).unwrap(),
            };
            for (q, v) in probabilities.iter().zip(ours) {
                assert!((paths.quantile(*q)[0] - v).abs() < 1e-12, "n {n} q {q}");
            }
        }
    }
}
