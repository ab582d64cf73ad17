//! Estimation: the bounds and search of the smoothing parameters, the starting
//! states, and the checks that a spec can be fitted to a series at all.

use super::likelihood::{EtsParams, EtsState, Recursion};
use super::profile::{Layout, Workspace};
use super::spec::{EtsSeason, EtsSpec};
use crate::decompose::{classical, Composition};
use crate::forecast::optim::{nelder_mead, NelderMead};

/// Bounds of the smoothing parameters during fits: statsmodels' `ETSModel`
/// defaults (`_setup_bounds`), the "usual" region of R's `forecast::ets`.
const SMOOTHING_BOUNDS: (f64, f64) = (1e-4, 1.0 - 1e-4);
const DAMPING_BOUNDS: (f64, f64) = (0.8, 0.98);

/// The smoothing parameters searched: `alpha`, then `beta* = beta / alpha`,
/// `gamma* = gamma / (1 - alpha)` and `phi` as the spec has them. The starred
/// forms turn `beta <= alpha` and `gamma <= 1 - alpha` into a box.
#[derive(Clone, Copy, Debug)]
pub(super) struct Search {
    trend: bool,
    season: bool,
    damped: bool,
}

impl Search {
    pub(super) fn of(spec: &EtsSpec) -> Self {
        Search {
            trend: spec.has_trend(),
            season: spec.is_seasonal(),
            damped: spec.is_damped(),
        }
    }

    fn bounds(&self) -> (Vec<f64>, Vec<f64>) {
        let (lo, hi) = SMOOTHING_BOUNDS;
        let mut lower = vec![lo];
        let mut upper = vec![hi];
        for (on, (l, u)) in [
            (self.trend, SMOOTHING_BOUNDS),
            (self.season, SMOOTHING_BOUNDS),
            (self.damped, DAMPING_BOUNDS),
        ] {
            if on {
                lower.push(l);
                upper.push(u);
            }
        }
        (lower, upper)
    }

    /// Starting points for the search: a coarse grid over the box.
    fn grid(&self) -> Vec<Vec<f64>> {
        let mut grid = vec![vec![]];
        let axes: [(bool, &[f64]); 4] = [
            (true, &[0.05, 0.2, 0.5, 0.8, 0.98]),
            (self.trend, &[0.001, 0.05, 0.3, 0.9]),
            (self.season, &[0.001, 0.05, 0.3, 0.9]),
            (self.damped, &[0.85, 0.95]),
        ];
        for (on, values) in axes {
            if on {
                grid = grid
                    .into_iter()
                    .flat_map(|point: Vec<f64>| {
                        values.iter().map(move |v| {
                            let mut p = point.clone();
                            p.push(*v);
                            p
                        })
                    })
                    .collect();
            }
        }
        grid
    }

    pub(super) fn params(&self, theta: &[f64]) -> EtsParams {
        let alpha = theta[0];
        let mut i = 1;
        let mut next = |on: bool| {
            if on {
                i += 1;
                Some(theta[i - 1])
            } else {
                None
            }
        };
        let beta = next(self.trend).map_or(0.0, |b| b * alpha);
        let gamma = next(self.season).map_or(0.0, |g| g * (1.0 - alpha));
        let phi = next(self.damped).unwrap_or(1.0);
        EtsParams {
            alpha,
            beta,
            gamma,
            phi,
        }
    }

    pub(super) fn theta(&self, p: &EtsParams) -> Vec<f64> {
        let mut theta = vec![p.alpha];
        if self.trend {
            theta.push(if p.alpha > 0.0 { p.beta / p.alpha } else { 0.0 });
        }
        if self.season {
            theta.push(if p.alpha < 1.0 {
                p.gamma / (1.0 - p.alpha)
            } else {
                0.0
            });
        }
        if self.damped {
            theta.push(p.phi);
        }
        theta
    }
}

/// The default starting smoothing parameters (statsmodels' `alpha` 0.1, `beta`
/// 0.01, `gamma` 0.01; `phi` 0.95 rather than its 0.98, which sits on the bound).
pub(super) const START_PARAMS: EtsParams = EtsParams {
    alpha: 0.1,
    beta: 0.01,
    gamma: 0.01,
    phi: 0.95,
};

/// The outcome of a fit before it is wrapped with the series origin.
pub(super) struct Estimate {
    pub(super) params: EtsParams,
    pub(super) initial: EtsState,
}

/// How the smoothing parameters are searched: the best of a coarse grid and of
/// the starting points, then a short Nelder-Mead from each of the `starts` best
/// points that lie apart, then a longer one from the best result.
struct Plan {
    starts: usize,
    explore: NelderMead,
    polish: NelderMead,
}

/// The search used by every fit. The settings were tuned on the M4 Hourly series
/// against a brute-force search (a dense grid and eight tight Nelder-Mead runs):
/// three starts keep the fits within 1e-3 of its log-likelihood on all but a few
/// series at a third of the cost of tight searches from every start.
const PLAN: Plan = Plan {
    starts: 3,
    explore: NelderMead {
        max_evals: 24,
        f_tol: 1e-5,
        x_tol: 3e-2,
        restarts: 0,
    },
    polish: NelderMead {
        max_evals: 400,
        f_tol: 1e-10,
        x_tol: 1e-4,
        restarts: 0,
    },
};

/// The profiled objective as a function of the searched parameters, remembering
/// the best initial states seen (the next profile starts from them).
struct Profiled<'a> {
    spec: &'a EtsSpec,
    search: Search,
    fixed: f64,
    ws: Workspace<'a>,
    best_x: Vec<f64>,
    best_f: f64,
    x: Vec<f64>,
}

impl Profiled<'_> {
    fn eval(&mut self, theta: &[f64]) -> f64 {
        let rec = Recursion::new(self.spec, &self.search.params(theta));
        self.x.copy_from_slice(&self.best_x);
        let f = self.ws.profile(&rec, &mut self.x, self.fixed, 20);
        if f < self.best_f {
            self.best_f = f;
            self.best_x.copy_from_slice(&self.x);
        }
        f
    }
}

/// Estimate parameters and initial states of `spec` on `y` (data already checked),
/// from `warm` if given (the fit of a related model) as well as the default start.
fn estimate(
    spec: &EtsSpec,
    y: &[f64],
    warm: Option<&Estimate>,
) -> std::result::Result<Estimate, String> {
    let search = Search::of(spec);
    let layout = Layout::of(spec);
    let (lower, upper) = search.bounds();
    let fixed = neutral_season(spec);
    let plan = &PLAN;
    let mut ws = Workspace::new(spec, y);
    let (theta0, best_x, best_f) = best_start(spec, y, warm, &mut ws);
    let mut problem = Profiled {
        spec,
        search,
        fixed,
        ws,
        x: best_x.clone(),
        best_x,
        best_f,
    };
    // The profile likelihood can have several local maxima (a near-global line
    // at alpha ~ 0 against a local level at alpha ~ 1, say), so the search
    // explores from several points of a coarse grid.
    let mut scored = vec![(best_f, theta0)];
    for theta in search.grid() {
        scored.push((problem.eval(&theta), theta));
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let range: Vec<f64> = lower.iter().zip(&upper).map(|(l, u)| u - l).collect();
    let mut starts: Vec<Vec<f64>> = Vec::new();
    for (f, theta) in scored {
        if starts.len() == plan.starts || !f.is_finite() {
            break;
        }
        let apart = |other: &Vec<f64>| {
            theta
                .iter()
                .zip(other)
                .zip(&range)
                .any(|((a, b), r)| (a - b).abs() > 0.25 * r)
        };
        if starts.iter().all(apart) {
            starts.push(theta);
        }
    }
    if starts.is_empty() {
        starts.push(search.theta(&START_PARAMS));
    }
    let step: Vec<f64> = range.iter().map(|r| 0.1 * r).collect();
    let mut best = (f64::INFINITY, starts[0].clone());
    for start in &starts {
        let found = nelder_mead(
            |t| problem.eval(t),
            start,
            &step,
            &lower,
            &upper,
            &plan.explore,
        );
        if found.f < best.0 {
            best = (found.f, found.x);
        }
    }
    let fine: Vec<f64> = range.iter().map(|r| 0.02 * r).collect();
    let found = nelder_mead(
        |t| problem.eval(t),
        &best.1,
        &fine,
        &lower,
        &upper,
        &plan.polish,
    );
    if !found.f.is_finite() {
        return Err(format!(
            "no parameters were found for which the one-step predictions of ETS {} stay \
             positive",
            spec.code()
        ));
    }
    let params = search.params(&found.x);
    // Re-profile at the optimum from the best states seen, to full convergence.
    let rec = Recursion::new(spec, &params);
    let mut x = problem.best_x.clone();
    let f = problem.ws.profile(&rec, &mut x, fixed, 100);
    let x = if f.is_finite() { x } else { problem.best_x };
    Ok(Estimate {
        params,
        initial: normalise(spec, layout.state(&x, fixed)),
    })
}

/// The value of the oldest initial seasonal state, which fits keep fixed: 0 for
/// an additive season, 1 for a multiplicative one (as statsmodels).
pub(super) fn neutral_season(spec: &EtsSpec) -> f64 {
    if spec.season == EtsSeason::Multiplicative {
        1.0
    } else {
        0.0
    }
}

/// The starting smoothing parameters and free initial states with the smallest
/// profiled objective among the candidates: `warm`, the heuristic states, and,
/// for multiplicative models (whose likelihood is undefined where a prediction is
/// not positive), the heuristic with the level at the first value and no trend.
fn best_start(
    spec: &EtsSpec,
    y: &[f64],
    warm: Option<&Estimate>,
    ws: &mut Workspace,
) -> (Vec<f64>, Vec<f64>, f64) {
    let search = Search::of(spec);
    let layout = Layout::of(spec);
    let (lower, upper) = search.bounds();
    let fixed = neutral_season(spec);
    let heuristic = heuristic_state(spec, y);
    let mut starts = Vec::new();
    if let Some(w) = warm {
        starts.push((w.params, w.initial.clone()));
    }
    starts.push((START_PARAMS, heuristic.clone()));
    if spec.is_multiplicative() {
        // Predictions must stay positive, which the default start need not
        // achieve after a sharp drop: also try a level that follows the data
        // closely from the first value, with a trend that barely moves.
        let first_season = heuristic.seasonal.last().copied().unwrap_or(fixed);
        let level = if spec.season == EtsSeason::Multiplicative {
            y[0] / first_season
        } else {
            y[0] - first_season
        };
        let tracking = EtsState {
            level,
            trend: 0.0,
            seasonal: heuristic.seasonal.clone(),
        };
        let params = |alpha: f64, beta_star: f64| EtsParams {
            alpha,
            beta: alpha * beta_star,
            gamma: 0.01,
            phi: 0.95,
        };
        starts.push((params(0.999, 1e-4), tracking.clone()));
        if spec.season == EtsSeason::Multiplicative {
            // Without affine predictions the profile cannot recover from an
            // invalid start by itself (see `Workspace::profile_in_memory`).
            let states = [heuristic.clone(), tracking];
            for (alpha, beta_star) in [(0.1, 0.1), (0.9, 0.1), (0.5, 0.001), (0.9, 0.001)] {
                starts.extend(
                    states
                        .iter()
                        .map(|state| (params(alpha, beta_star), state.clone())),
                );
            }
        }
    }
    let mut best: Option<(Vec<f64>, Vec<f64>, f64)> = None;
    for (params, state) in starts {
        let mut theta = search.theta(&params);
        for (t, (l, u)) in theta.iter_mut().zip(lower.iter().zip(&upper)) {
            *t = t.clamp(*l, *u);
        }
        let mut x = layout.free(&fix_oldest_season(spec, state));
        let f = ws.profile(
            &Recursion::new(spec, &search.params(&theta)),
            &mut x,
            fixed,
            50,
        );
        if best.as_ref().is_none_or(|b| f < b.2) {
            best = Some((theta, x, f));
        }
    }
    best.unwrap_or_else(|| {
        (
            search.theta(&START_PARAMS),
            layout.free(&heuristic),
            f64::INFINITY,
        )
    })
}

/// The same predictions with the oldest seasonal state at its neutral value:
/// shift (additive) or scale (multiplicative) level, trend and season.
pub(super) fn fix_oldest_season(spec: &EtsSpec, mut state: EtsState) -> EtsState {
    let Some(&c) = state.seasonal.last() else {
        return state;
    };
    match spec.season {
        EtsSeason::Additive => {
            state.level += c;
            state.seasonal.iter_mut().for_each(|s| *s -= c);
        }
        EtsSeason::Multiplicative if c > 0.0 && c.is_finite() => {
            state.level *= c;
            state.trend *= c;
            state.seasonal.iter_mut().for_each(|s| *s /= c);
        }
        EtsSeason::Multiplicative => state.seasonal.iter_mut().for_each(|s| *s = 1.0),
        EtsSeason::None => {}
    }
    state
}

/// Shift (additive) or scale (multiplicative) the initial seasonal states to mean
/// 0 or 1, compensating in the level (and trend), which leaves every prediction
/// unchanged. Reported states are then comparable across fits, as R's `ets`.
fn normalise(spec: &EtsSpec, mut state: EtsState) -> EtsState {
    let m = state.seasonal.len();
    if m == 0 {
        return state;
    }
    let mean = state.seasonal.iter().sum::<f64>() / m as f64;
    match spec.season {
        EtsSeason::Additive => {
            state.level += mean;
            state.seasonal.iter_mut().for_each(|s| *s -= mean);
        }
        EtsSeason::Multiplicative if mean > 0.0 && mean.is_finite() => {
            state.level *= mean;
            state.trend *= mean;
            state.seasonal.iter_mut().for_each(|s| *s /= mean);
        }
        _ => {}
    }
    state
}

/// Starting initial states by the heuristic of Hyndman et al. (2008, section
/// 2.6.1) as statsmodels implements it: seasonal indices from a centred moving
/// average of the first few seasons, then level and trend from a straight line
/// through the first ten (seasonally adjusted) points. Short series fall back to
/// the first season's mean and the first difference.
pub(super) fn heuristic_state(spec: &EtsSpec, y: &[f64]) -> EtsState {
    let n = y.len();
    let m = spec.period;
    let mul = spec.season == EtsSeason::Multiplicative;
    let (series, seasonal_in_time_order) = if spec.is_seasonal() {
        let decomposed = if n >= 2 * m && n >= 10 + 2 * (m / 2) {
            first_seasons(y, m, mul)
        } else {
            None
        };
        if let Some(found) = decomposed {
            found
        } else {
            let first: f64 = y[..m.min(n)].iter().sum::<f64>() / m.min(n) as f64;
            let seasonal = (0..m)
                .map(|j| {
                    let v = y[j % n];
                    if mul {
                        v / first
                    } else {
                        v - first
                    }
                })
                .collect();
            (vec![first; 2], seasonal)
        }
    } else {
        (y.to_vec(), Vec::new())
    };
    let (level, trend) = if series.len() >= 10 {
        line_through(&series[..10])
    } else if series.len() >= 2 {
        (series[0], series[1] - series[0])
    } else {
        (series[0], 0.0)
    };
    EtsState {
        level,
        trend: if spec.has_trend() { trend } else { 0.0 },
        seasonal: seasonal_in_time_order.into_iter().rev().collect(),
    }
}

/// Intercept at step 0 and slope of the least-squares line through `v` at steps
/// 1, 2, ...
fn line_through(v: &[f64]) -> (f64, f64) {
    let k = v.len() as f64;
    let mean_x = (k + 1.0) / 2.0;
    let mean_y = v.iter().sum::<f64>() / k;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in v.iter().enumerate() {
        let dx = (i + 1) as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    (mean_y - slope * mean_x, slope)
}

/// The classical decomposition ([`classical`]) of the first few seasons, as
/// statsmodels' heuristic takes them (at most five, and enough for ten trend
/// values): the trend where it is defined, and the `m` seasonal indices in time
/// order, normalised to mean 0 or 1. `None` where [`classical`] refuses the data.
fn first_seasons(y: &[f64], m: usize, mul: bool) -> Option<(Vec<f64>, Vec<f64>)> {
    let min_obs = 10 + 2 * (m / 2);
    let cycles = (y.len() / m).min(5).max(min_obs.div_ceil(m));
    let len = (cycles * m).min(y.len());
    let composition = if mul {
        Composition::Multiplicative
    } else {
        Composition::Additive
    };
    let d = classical(&y[..len], m, composition).ok()?;
    let half = m / 2;
    Some((d.trend[half..len - half].to_vec(), d.seasonal[..m].to_vec()))
}

/// Why `spec` cannot be fitted to `y`, if it cannot.
pub(super) fn admissible(spec: &EtsSpec, y: &[f64]) -> std::result::Result<(), String> {
    spec.validate().map_err(|e| e.to_string())?;
    if spec.is_multiplicative() {
        if let Some(t) = y.iter().position(|v| *v <= 0.0) {
            return Err(format!(
                "ETS {} has multiplicative components, which need strictly positive values; \
                 value {t} is {}",
                spec.code(),
                y[t]
            ));
        }
    }
    let need = spec.min_observations();
    if y.len() < need {
        let why = if spec.is_seasonal() && need == 2 * spec.period {
            format!("two full seasons of {}", spec.period)
        } else {
            format!("{} parameters", spec.n_params())
        };
        return Err(format!(
            "too little history for ETS {}: {} points, need at least {need} ({why})",
            spec.code(),
            y.len()
        ));
    }
    Ok(())
}

/// Estimate on admissible data; a constant series gets its exact flat fit.
pub(super) fn fit_checked(
    spec: &EtsSpec,
    y: &[f64],
    start: Option<&Estimate>,
) -> std::result::Result<Estimate, String> {
    if is_constant(y) {
        return Ok(flat_estimate(spec, y[0]));
    }
    estimate(spec, y, start)
}

pub(super) fn is_constant(y: &[f64]) -> bool {
    y.iter().all(|v| *v == y[0])
}

/// The exact fit of a constant series: level at the value, no trend, neutral
/// season, and the default smoothing parameters (any fit equally well).
fn flat_estimate(spec: &EtsSpec, value: f64) -> Estimate {
    let neutral = if spec.season == EtsSeason::Multiplicative {
        1.0
    } else {
        0.0
    };
    let search = Search::of(spec);
    Estimate {
        params: search.params(&search.theta(&START_PARAMS)),
        initial: EtsState {
            level: value,
            trend: 0.0,
            seasonal: vec![neutral; if spec.is_seasonal() { spec.period } else { 0 }],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ets::likelihood::{ets_loglik, ets_smooth};
    use crate::forecast::ets::tests::{noisy, series, spec};
    use crate::forecast::ets::{Ets, EtsSpec};
    use crate::forecast::{FittedModel, Forecaster};

    #[test]
    fn fit_recovers_a_trend_and_a_season() {
        let y = noisy(240, 0.5, 12, 10.0, 0.5, 3);
        let fit = Ets::new(EtsSpec::parse("AAA", 12).unwrap())
            .fit(&series(y.clone()))
            .unwrap();
        let f = fit.predict(12, &[95.0]).unwrap();
        for (h, p) in f.point.iter().enumerate() {
            let t = (240 + h) as f64;
            let truth = 100.0
                + 0.5 * t
                + 10.0 * (std::f64::consts::TAU * ((240 + h) % 12) as f64 / 12.0).sin();
            assert!((p - truth).abs() < 2.0, "step {h}: {p} vs {truth}");
        }
        assert!(fit.sigma2().sqrt() < 0.7);
        // Reported seasonal states are normalised to mean zero.
        let mean = fit.initial_state().seasonal.iter().sum::<f64>() / 12.0;
        assert!(mean.abs() < 1e-9);
    }

    #[test]
    fn fit_is_at_least_as_good_as_its_start_and_nests_sensibly() {
        let y = noisy(300, 0.2, 1, 0.0, 2.0, 4);
        let s = series(y.clone());
        let ann = Ets::new(spec("ANN")).fit(&s).unwrap();
        let aan = Ets::new(spec("AAN")).fit(&s).unwrap();
        // AAN with the smallest beta is ANN up to a tiny trend.
        assert!(aan.loglik() > ann.loglik() - 0.5);
        let start = heuristic_state(&spec("AAN"), &y);
        let p = Search::of(&spec("AAN")).params(&Search::of(&spec("AAN")).theta(&START_PARAMS));
        let ll_start = ets_loglik(&spec("AAN"), &p, &start, &y).unwrap();
        assert!(aan.loglik() >= ll_start);
    }

    #[test]
    fn normalising_states_keeps_the_predictions() {
        let y: Vec<f64> = noisy(48, 0.2, 6, 3.0, 1.0, 13);
        let p = EtsParams {
            alpha: 0.3,
            beta: 0.05,
            gamma: 0.1,
            phi: 0.9,
        };
        for code in ["AAdA", "MAdM"] {
            let spec = EtsSpec::parse(code, 6).unwrap();
            let start = heuristic_state(&spec, &y);
            let a = ets_smooth(&spec, &p, &start, &y).unwrap();
            for moved in [
                normalise(&spec, start.clone()),
                fix_oldest_season(&spec, start.clone()),
            ] {
                let b = ets_smooth(&spec, &p, &moved, &y).unwrap();
                assert!(
                    (a.loglik - b.loglik).abs() < 1e-9 * a.loglik.abs(),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn heuristic_states_follow_the_statsmodels_order() {
        // A noise-free season: the heuristic's oldest state is the first
        // observation's season.
        let y: Vec<f64> = (0..48)
            .map(|t| 10.0 + [3.0, -1.0, 0.0, -2.0][t % 4])
            .collect();
        let s = heuristic_state(&EtsSpec::parse("ANA", 4).unwrap(), &y);
        assert!(
            (s.seasonal[3] - 3.0).abs() < 1e-9 && (s.seasonal[0] + 2.0).abs() < 1e-9,
            "{s:?}"
        );
        assert!((s.level - 10.0).abs() < 1e-9);
    }
}
