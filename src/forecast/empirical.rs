//! Futures made of the model's own past errors.
//!
//! [`Empirical`] wraps a fitted model with the errors its forecasts made at many
//! past origins ([`super::origins`]): each error trajectory is how one past
//! forecast was wrong, lead time by lead time. A simulated future is the point
//! forecast plus one such trajectory, drawn at random, so the futures are as
//! rough, as biased and as persistent as the model's forecasts have really been,
//! and their peak spreads as the realised peaks did (a prototype that calibrated
//! the horizon's peak this way put the held-out M4 Hourly peak inside its 80 %
//! and 95 % intervals for 86 % and 95 % of series, against 70 % and 89.5 %). The
//! intervals are the futures' quantiles, so the table, the paths and the chart
//! agree.
//!
//! A trajectory ends where the data after its origin ended. Past its end a
//! future goes on as an AR(1) of the errors: the last error carried with the
//! lag-one persistence the trajectories show at long lead times, plus fresh
//! noise that keeps each step's spread on the curve the errors followed,
//! `sd(h) = sd(L) (h / L)^g` past the last well-covered lead `L`, with `g`
//! measured on the leads before it (0 for a series whose errors stop growing:
//! a flat history gets a band that stops widening; 0.5 for a random walk; 1
//! for a slope that is wrong).

use ndarray::Array2;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::ContinuousCDF;

use super::{check_request, check_simulation, rng, FittedModel, Forecast, Interval, SamplePaths};
use crate::error::Result;

/// Trajectories a lead time needs to be drawn from the data alone: with 30, the
/// 10th and 90th percentiles of a crossing date are each three trajectories in.
pub(crate) const MIN_TRAJECTORIES: usize = 30;

/// Futures simulated for the intervals: the quantiles of 2,000 futures are good
/// to about half a percentile.
const INTERVAL_PATHS: usize = 2000;

/// The seed of the intervals' futures: the same forecast every time.
const INTERVAL_SEED: u64 = 0x1_4e7e_4a15;

/// A fitted model whose futures are its point forecast plus its own past errors.
pub struct Empirical {
    inner: Box<dyn FittedModel>,
    /// Error trajectories (actual minus forecast), oldest origin first, each as
    /// long as the data after its origin allowed.
    trajectories: Vec<Vec<f64>>,
    /// The trajectories a future is drawn from: those covering `draw_leads`.
    eligible: Vec<usize>,
    /// Lead times every drawn trajectory covers: the question's horizon, or as
    /// many as [`MIN_TRAJECTORIES`] cover.
    draw_leads: usize,
    /// Spread of the errors at each covered lead time.
    spread: Vec<f64>,
    /// Growth exponent of the spread past the covered leads.
    growth: f64,
    /// Lag-one persistence of the errors at long lead times.
    persistence: f64,
    /// The steps the studied origins span: a `j`-step error's scale is known
    /// from about `span / j` independent stretches ([`Empirical::freedom`]).
    span: f64,
}

impl std::fmt::Debug for Empirical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Empirical")
            .field("model", &self.inner.name())
            .field("trajectories", &self.trajectories.len())
            .field("draw_leads", &self.draw_leads)
            .field("growth", &self.growth)
            .field("persistence", &self.persistence)
            .finish()
    }
}

impl Empirical {
    /// Wrap `inner` with its error `trajectories`, drawing futures from those
    /// that cover `question` lead times (the horizon the question asks about),
    /// or as many as [`MIN_TRAJECTORIES`] trajectories cover. `None` when fewer
    /// than [`MIN_TRAJECTORIES`] trajectories cover even the first lead.
    pub fn new(
        inner: Box<dyn FittedModel>,
        trajectories: Vec<Vec<f64>>,
        question: usize,
        span: usize,
    ) -> Option<Empirical> {
        let covered = covered_leads(&trajectories);
        if covered == 0 {
            return None;
        }
        let draw_leads = question.clamp(1, covered);
        let eligible: Vec<usize> = (0..trajectories.len())
            .filter(|&i| trajectories[i].len() >= draw_leads)
            .collect();
        let spread: Vec<f64> = (0..covered)
            .map(|j| {
                let at: Vec<f64> = trajectories
                    .iter()
                    .filter_map(|t| t.get(j).copied())
                    .collect();
                robust_sd(&at)
            })
            .collect();
        let growth = growth_exponent(&spread);
        let persistence = persistence(&trajectories, covered);
        let span = span as f64;
        Some(Empirical {
            inner,
            trajectories,
            eligible,
            draw_leads,
            spread,
            growth,
            persistence,
            span,
        })
    }

    /// The degrees of freedom of the errors' scale at lead `j` (0-based): the
    /// independent stretches of `j + 1` steps the origins span (the errors of
    /// one forecast move together over its length: a misjudged level or slope
    /// is one draw, however many steps it covers) or of the errors' memory if
    /// shorter, at least 4 (fewer make a scale mixture whose variance is
    /// infinite or nearly so).
    fn freedom(&self, j: usize) -> f64 {
        // Errors that forget fast (a flat, noisy series) are as many draws as
        // their memory allows: an AR(1)'s `(1 + rho) / (1 - rho)` steps.
        let rho = self.persistence.min(0.999);
        let memory = ((1.0 + rho) / (1.0 - rho)).max(1.0);
        (self.span / ((j + 1) as f64).min(memory)).max(3.0) + 1.0
    }

    /// The spread of the errors at lead `j` (0-based): measured where covered,
    /// extrapolated past it.
    fn spread_at(&self, j: usize) -> f64 {
        let covered = self.spread.len();
        if j < covered {
            return self.spread[j];
        }
        let last = self.spread[covered - 1];
        last * ((j + 1) as f64 / covered as f64).powf(self.growth)
    }

    /// One future's errors for `horizon` steps from trajectory `i`: its own as
    /// far as it goes, then carried on as an AR(1) on the spread curve.
    /// `fresh[j]` is the sd of the new noise at lead `j` ([`Self::fresh_noise`]).
    fn errors_into(
        &self,
        i: usize,
        fresh: &[f64],
        out: &mut [f64],
        rng: &mut rand::rngs::Xoshiro256PlusPlus,
    ) {
        let t = &self.trajectories[i];
        let own = t.len().min(out.len());
        out[..own].copy_from_slice(&t[..own]);
        let rho = self.persistence;
        for j in own..out.len() {
            let previous = if j == 0 { 0.0 } else { out[j - 1] };
            let fresh = fresh[j];
            let z: f64 = StandardNormal.sample(rng);
            out[j] = rho * previous + fresh * z;
        }
    }

    /// The sd of the fresh noise at each of `horizon` leads that keeps an AR(1)
    /// of the errors on the spread curve: computed once, not per future (the
    /// powers in [`Self::spread_at`] were half of the time spent).
    fn fresh_noise(&self, horizon: usize) -> Vec<f64> {
        let rho = self.persistence;
        let spread: Vec<f64> = (0..horizon).map(|j| self.spread_at(j)).collect();
        (0..horizon)
            .map(|j| {
                let before = if j == 0 { 0.0 } else { spread[j - 1] };
                (spread[j].powi(2) - (rho * before).powi(2)).max(0.0).sqrt()
            })
            .collect()
    }

    /// `n_paths` futures' errors: the trajectories drawn first (so the same seed
    /// draws the same ones whatever the horizon, and a shorter horizon's futures
    /// are the start of a longer one's), each carried on with its own generator.
    fn error_paths(&self, horizon: usize, n_paths: usize, seed: u64) -> Array2<f64> {
        let mut draw = rng(seed);
        let picks: Vec<usize> = (0..n_paths)
            .map(|_| self.eligible[draw.random_range(0..self.eligible.len())])
            .collect();
        let mut out = Array2::zeros((n_paths, horizon));
        let mut buffer = vec![0.0; horizon];
        let freedoms: Vec<Freedom> = (0..horizon)
            .map(|j| Freedom::new(self.freedom(j)))
            .collect();
        let fresh = self.fresh_noise(horizon);
        for (k, (mut row, &i)) in out.rows_mut().into_iter().zip(&picks).enumerate() {
            let mut own = rng(seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(k as u64 + 1)));
            // The errors' scale is known from few independent stretches at long
            // lead times: each future takes one draw from its posterior, the
            // same quantile at every step (a Student-t mixture whose tails grow
            // with the lead time).
            let z: f64 = StandardNormal.sample(&mut own);
            self.errors_into(i, &fresh, &mut buffer, &mut own);
            for ((r, e), nu) in row.iter_mut().zip(&buffer).zip(&freedoms) {
                *r = *e * nu.scale(z);
            }
        }
        out
    }
}

impl FittedModel for Empirical {
    fn name(&self) -> String {
        self.inner.name()
    }

    /// The point forecast, and intervals that are the futures' quantiles.
    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let mut f = self.inner.predict(horizon, &[])?;
        let n = INTERVAL_PATHS.min((super::MAX_PATH_VALUES / horizon).max(200));
        let errors = self.error_paths(horizon, n, INTERVAL_SEED);
        let mut column = vec![0.0; n];
        let mut intervals: Vec<Interval> = levels
            .iter()
            .map(|&level| Interval {
                level,
                lower: Vec::with_capacity(horizon),
                upper: Vec::with_capacity(horizon),
            })
            .collect();
        for (h, values) in errors.columns().into_iter().enumerate() {
            column.iter_mut().zip(values).for_each(|(c, v)| *c = *v);
            for interval in &mut intervals {
                let a = (1.0 - interval.level / 100.0) / 2.0;
                interval
                    .lower
                    .push(f.point[h] + selected_quantile(&mut column, a));
                interval
                    .upper
                    .push(f.point[h] + selected_quantile(&mut column, 1.0 - a));
            }
        }
        f.intervals = intervals;
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        check_simulation(horizon, n_paths)?;
        let f = self.inner.predict(horizon, &[])?;
        let mut paths = self.error_paths(horizon, n_paths, seed);
        for mut row in paths.rows_mut() {
            row.iter_mut().zip(&f.point).for_each(|(e, p)| *e += p);
        }
        Ok(SamplePaths {
            series: f.series,
            model: f.model,
            timestamps: f.timestamps,
            paths,
        })
    }

    /// Exact where every future is drawn from the data alone: over the steps,
    /// the sum of the chance that a drawn trajectory, scaled by its draw from
    /// the scale's posterior, reaches capacity.
    fn crossing_bound(&self, horizon: usize, capacity: f64, up: bool) -> Result<Option<f64>> {
        if horizon > self.draw_leads {
            return Ok(None);
        }
        let normal = statrs::distribution::Normal::standard();
        let f = self.inner.predict(horizon, &[])?;
        let m = self.eligible.len() as f64;
        let mut bound = 0.0;
        for (j, p) in f.point.iter().enumerate() {
            // How far capacity is from the point, towards the capacity side.
            let gap = if up { capacity - p } else { p - capacity };
            if gap.is_nan() || gap <= 0.0 {
                return Ok(None);
            }
            let mut step = 0.0;
            let nu = self.freedom(j);
            for &i in &self.eligible {
                let e = self.trajectories[i][j];
                let toward = if up { e } else { -e };
                if toward > 0.0 {
                    // Freedom::new(nu).scale(z) * toward >= gap, for z below this draw.
                    step += normal.cdf(draw_reaching(gap / toward, nu));
                }
            }
            bound += step / m;
        }
        Ok(Some(bound.min(1.0)))
    }
}

/// A weighted combination of forecasts, named after the first: the chosen
/// model with the forecasts that check it. The weights (summing to one) are set
/// per band of lead times ([`lead_band`]): the forecast that is best an hour
/// ahead is not always the one that is best a week ahead.
pub struct Combination {
    models: Vec<Box<dyn FittedModel>>,
    /// Per band of lead times, one weight per model.
    weights: Vec<Vec<f64>>,
}

/// The band of lead time `j` (0-based): bands double in length (1, 1, 2, 4,
/// 8, ... steps), so the first steps, where the forecasts differ most, each
/// get their own weights.
pub(crate) fn lead_band(j: usize) -> usize {
    (usize::BITS - j.leading_zeros()) as usize
}

impl Combination {
    /// The forecasts, the first naming the combination, with their weights per
    /// band of lead times (the last band's past the bands given).
    pub fn new(models: Vec<Box<dyn FittedModel>>, weights: Vec<Vec<f64>>) -> Self {
        Combination { models, weights }
    }

    fn weight(&self, band: usize, model: usize) -> f64 {
        match self.weights.get(band).or(self.weights.last()) {
            Some(w) => w.get(model).copied().unwrap_or(0.0),
            None => f64::from(u8::from(model == 0)),
        }
    }

    fn point(&self, horizon: usize) -> Result<Vec<f64>> {
        let mut point = vec![0.0; horizon];
        for (k, m) in self.models.iter().enumerate() {
            if (0..horizon).all(|j| self.weight(lead_band(j), k) == 0.0) {
                continue;
            }
            for (j, (p, v)) in point
                .iter_mut()
                .zip(m.predict(horizon, &[])?.point)
                .enumerate()
            {
                *p += self.weight(lead_band(j), k) * v;
            }
        }
        Ok(point)
    }

    fn first(&self) -> Result<&dyn FittedModel> {
        self.models
            .first()
            .map(|m| m.as_ref())
            .ok_or_else(|| crate::Error::invalid("no forecast to combine"))
    }
}

impl FittedModel for Combination {
    fn name(&self) -> String {
        self.models.first().map(|m| m.name()).unwrap_or_default()
    }

    /// The combined point; intervals (asked alone) around it at the first
    /// forecast's width.
    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        let mut f = self.first()?.predict(horizon, levels)?;
        let point = self.point(horizon)?;
        let shift: Vec<f64> = point.iter().zip(&f.point).map(|(p, q)| p - q).collect();
        for i in &mut f.intervals {
            for (d, (lo, hi)) in shift.iter().zip(i.lower.iter_mut().zip(i.upper.iter_mut())) {
                *lo += d;
                *hi += d;
            }
        }
        f.point = point;
        Ok(f)
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let first = self.first()?;
        let mut paths = first.simulate(horizon, n_paths, seed)?;
        let own = first.predict(horizon, &[])?.point;
        let point = self.point(horizon)?;
        for mut row in paths.paths.rows_mut() {
            for h in 0..horizon {
                row[h] += point[h] - own[h];
            }
        }
        Ok(paths)
    }
}

/// A forecast held at a level, plus seasonal cycles: what a model says without
/// its slope.
pub struct Held {
    origin: super::Origin,
    level: f64,
    cycles: Vec<Vec<f64>>,
}

impl Held {
    /// `level` plus `cycles` (index `j` of a cycle is `j` steps after the end
    /// of `origin`'s history).
    pub fn new(origin: super::Origin, level: f64, cycles: Vec<Vec<f64>>) -> Self {
        Held {
            origin,
            level,
            cycles,
        }
    }
}

impl FittedModel for Held {
    fn name(&self) -> String {
        "held".to_string()
    }

    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_request(horizon, levels)?;
        let point: Vec<f64> = (0..horizon)
            .map(|j| self.level + self.cycles.iter().map(|c| c[j % c.len()]).sum::<f64>())
            .collect();
        let intervals = levels
            .iter()
            .map(|&level| Interval {
                level,
                lower: point.clone(),
                upper: point.clone(),
            })
            .collect();
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    fn simulate(&self, horizon: usize, n_paths: usize, seed: u64) -> Result<SamplePaths> {
        let point = self.predict(horizon, &[])?.point;
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |_, mut row| {
                row.iter_mut().zip(&point).for_each(|(r, p)| *r = *p)
            })
    }
}

/// The weights (summing to one, none below zero) of the forecasts whose
/// errors are `parts` (one set of trajectories each, matched by origin and
/// lead) that make the smallest squared error: least squares on the simplex,
/// searched on a grid of 0.05 (Bates and Granger 1969: a combination weighted
/// by its record beats its parts).
#[cfg(test)]
pub(crate) fn combination_weights(parts: &[&[Vec<f64>]]) -> Vec<f64> {
    weights_in(parts, |_| true)
}

/// [`combination_weights`] per band of lead times ([`lead_band`]), for the
/// bands the errors cover.
pub(crate) fn combination_weights_by_lead(parts: &[&[Vec<f64>]]) -> Vec<Vec<f64>> {
    let leads = parts
        .first()
        .map(|p| p.iter().map(Vec::len).max().unwrap_or(0))
        .unwrap_or(0);
    let bands = if leads == 0 {
        0
    } else {
        lead_band(leads - 1) + 1
    };
    (0..bands)
        .map(|b| weights_in(parts, |j| lead_band(j) == b))
        .collect()
}

/// The least-squares weights on the simplex over the lead times `keep` keeps.
fn weights_in(parts: &[&[Vec<f64>]], keep: impl Fn(usize) -> bool) -> Vec<f64> {
    let k = parts.len();
    // The sums of products of every pair of parts' errors.
    let mut gram = vec![vec![0.0; k]; k];
    for a in 0..k {
        for b in a..k {
            let mut sum = 0.0;
            for (ta, tb) in parts[a].iter().zip(parts[b]) {
                for (j, (x, y)) in ta.iter().zip(tb).enumerate() {
                    if keep(j) {
                        sum += x * y;
                    }
                }
            }
            gram[a][b] = sum;
            gram[b][a] = sum;
        }
    }
    let loss = |w: &[f64]| -> f64 {
        let mut total = 0.0;
        for a in 0..k {
            for b in 0..k {
                total += w[a] * w[b] * gram[a][b];
            }
        }
        total
    };
    const GRID: usize = 20;
    let mut best = (f64::INFINITY, vec![0.0; k]);
    let mut w = vec![0usize; k];
    // Every composition of GRID into k parts.
    fn visit(i: usize, left: usize, w: &mut Vec<usize>, f: &mut dyn FnMut(&[usize])) {
        if i + 1 == w.len() {
            w[i] = left;
            f(w);
            return;
        }
        for v in 0..=left {
            w[i] = v;
            visit(i + 1, left - v, w, f);
        }
    }
    visit(0, GRID, &mut w, &mut |w| {
        let weights: Vec<f64> = w.iter().map(|&v| v as f64 / GRID as f64).collect();
        let l = loss(&weights);
        if l < best.0 {
            best = (l, weights);
        }
    });
    best.1
}

/// The scale of the errors for a future whose standard normal draw is `z`,
/// with `nu` degrees of freedom: `sqrt(nu / chi2)` at the chi-square quantile of
/// `z` (Wilson and Hilferty's cube-root approximation, `chi2 / nu ~ (1 - a + z
/// sqrt(a))^3` with `a = 2 / (9 nu)`), so a low draw is a wide future; the
/// cube root is kept above 0.2 (a scale of at most 11). The terms in `nu` are
/// computed once per lead time.
struct Freedom {
    /// `1 - a`
    centre: f64,
    /// `sqrt(a)`
    width: f64,
}

impl Freedom {
    fn new(nu: f64) -> Self {
        let a = 2.0 / (9.0 * nu);
        Freedom {
            centre: 1.0 - a,
            width: a.sqrt(),
        }
    }

    /// The scale at draw `z`: `c^(-3/2)` for the cube root `c`, without a
    /// general power (a power per future and lead was half the time spent).
    fn scale(&self, z: f64) -> f64 {
        let c = (self.centre + z * self.width).max(0.2);
        1.0 / (c * c.sqrt())
    }
}

/// The largest draw `z` whose scale ([`Freedom::scale`]) is at least `ratio`: a
/// future reaches where its error must be `ratio` times the trajectory's for
/// every draw below it.
fn draw_reaching(ratio: f64, nu: f64) -> f64 {
    let a = 2.0 / (9.0 * nu);
    // scale(z) >= ratio  <=>  1 - a + z sqrt(a) <= ratio^(-2/3), above 0.2.
    let root = ratio.powf(-2.0 / 3.0);
    if root < 0.2 {
        return f64::NEG_INFINITY;
    }
    (root - 1.0 + a) / a.sqrt()
}

/// [`quantile`] of `v` in any order, found by selection (it reorders `v`): a
/// few quantiles of a lead's futures without sorting them all, which took a
/// third of the time of `--intervals origins`.
fn selected_quantile(v: &mut [f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, at, above) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let low = *at;
    if pos == lo as f64 {
        return low;
    }
    let high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    low + (high - low) * (pos - lo as f64)
}

/// The `q` quantile of sorted `v`, linear between order statistics (type 7).
fn quantile(v: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// Leads covered by at least half the trajectories, and at least
/// [`MIN_TRAJECTORIES`]: further out only the oldest origins have data, made
/// from the least history, and their errors would speak for every future.
fn covered_leads(trajectories: &[Vec<f64>]) -> usize {
    let mut lengths: Vec<usize> = trajectories.iter().map(Vec::len).collect();
    lengths.sort_unstable_by(|a, b| b.cmp(a));
    let needed = MIN_TRAJECTORIES.max(lengths.len().div_ceil(2));
    lengths.get(needed - 1).copied().unwrap_or(0)
}

/// A spread robust to a few wild errors: the normal-consistent interquartile
/// range, or the standard deviation where that is zero.
fn robust_sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let iqr = (quantile(&s, 0.75) - quantile(&s, 0.25)) / 1.349;
    if iqr > 0.0 {
        return iqr;
    }
    let mean = s.iter().sum::<f64>() / s.len() as f64;
    (s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (s.len() - 1) as f64).sqrt()
}

/// How the spread grows with the lead time over the second half of the covered
/// leads: the slope of `log sd` on `log lead`, between 0 (it stopped growing)
/// and 1.5.
fn growth_exponent(spread: &[f64]) -> f64 {
    let n = spread.len();
    if n < 8 {
        return 0.5;
    }
    let points: Vec<(f64, f64)> = (n / 2..n)
        .filter(|&j| spread[j] > 0.0)
        .map(|j| (((j + 1) as f64).ln(), spread[j].ln()))
        .collect();
    if points.len() < 4 {
        return 0.5;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / points.len() as f64;
    let my = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx > 0.0 {
        (sxy / sxx).clamp(0.0, 1.5)
    } else {
        0.5
    }
}

/// The lag-one correlation of the errors over the second half of the covered
/// leads (uncentred: a bias shared by a trajectory persists), between 0 and 1.
fn persistence(trajectories: &[Vec<f64>], covered: usize) -> f64 {
    let (mut cross, mut left, mut right) = (0.0, 0.0, 0.0);
    for t in trajectories {
        for j in (covered / 2).max(1)..covered.min(t.len()) {
            cross += t[j] * t[j - 1];
            left += t[j - 1] * t[j - 1];
            right += t[j] * t[j];
        }
    }
    if left > 0.0 && right > 0.0 {
        (cross / (left * right).sqrt()).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_of_a_random_walk_and_of_a_stationary_noise() {
        let walk: Vec<f64> = (0..200).map(|j| ((j + 1) as f64).sqrt()).collect();
        assert!((growth_exponent(&walk) - 0.5).abs() < 1e-9);
        let flat = vec![2.0; 200];
        assert!(growth_exponent(&flat).abs() < 1e-9);
        let line: Vec<f64> = (0..200).map(|j| (j + 1) as f64).collect();
        assert!((growth_exponent(&line) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn combination_weights_find_the_better_forecast_and_the_mix() {
        // The second forecast's errors are half the first's: all weight to it.
        let a = vec![vec![2.0, -2.0, 4.0]];
        let b = vec![vec![1.0, -1.0, 2.0]];
        assert_eq!(combination_weights(&[&a, &b]), [0.0, 1.0]);
        // Opposite errors cancel half and half.
        let c = vec![vec![-2.0, 2.0, -4.0]];
        assert_eq!(combination_weights(&[&a, &c]), [0.5, 0.5]);
        // By lead: bands 0 (step 0), 1 (step 1), 2 (steps 2 and 3).
        assert_eq!(
            (lead_band(0), lead_band(1), lead_band(2), lead_band(3)),
            (0, 1, 2, 2)
        );
        assert_eq!(lead_band(4), 3);
        let d = vec![vec![1.0, -8.0, 8.0, 8.0]];
        let e = vec![vec![8.0, -1.0, 1.0, 1.0]];
        let w = combination_weights_by_lead(&[&d, &e]);
        assert_eq!(w, [vec![1.0, 0.0], vec![0.0, 1.0], vec![0.0, 1.0]]);
    }

    #[test]
    fn scale_draws_and_their_inverse_agree() {
        for nu in [4.0, 10.0, 400.0] {
            for z in [-2.0, -0.5, 0.0, 1.0, 3.0] {
                let s = Freedom::new(nu).scale(z);
                // The draw that gives exactly this scale is z.
                assert!((draw_reaching(s, nu) - z).abs() < 1e-9, "{nu} {z}");
            }
            // A high draw is a narrow future, a low one a wide one.
            assert!(Freedom::new(nu).scale(2.0) < 1.0 && Freedom::new(nu).scale(-2.0) > 1.0);
        }
        // Many degrees of freedom: the scale is one.
        assert!((Freedom::new(1e6).scale(1.0) - 1.0).abs() < 1e-2);
    }

    #[test]
    fn covered_leads_need_thirty_trajectories() {
        let t: Vec<Vec<f64>> = (0..40).map(|i| vec![0.0; i + 1]).collect();
        // Lengths 40, 39, ..., 1: the 30th longest is 11.
        assert_eq!(covered_leads(&t), 11);
        assert_eq!(covered_leads(&t[..29]), 0);
        // With 100, half of them: lengths 100 down to 51.
        let t: Vec<Vec<f64>> = (0..100).map(|i| vec![0.0; i + 1]).collect();
        assert_eq!(covered_leads(&t), 51);
    }
}
