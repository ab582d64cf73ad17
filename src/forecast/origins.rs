//! Forecasts from many origins of one fit.
//!
//! `auto` chooses its model, and measures how sure that model's answer is, on
//! how the candidates' forecasts did at many past origins: a few hundred where
//! the history allows, where five refits gave too few errors for a 95 %
//! quantile, a spread good to a third, or a choice that luck could not sway.
//! Refitting at every origin would cost one robust decomposition each, so the
//! series is fitted once and each candidate's forecast from origin `o` (the
//! first `o` values as history) is computed from what the fit knew up to `o`:
//!
//! - seasonal naive, naive, drift and the linear trend from the values before
//!   `o` (exactly the refit, bar the trend's level-shift handling);
//! - exponential smoothing from its filter run to `o` with the full fit's
//!   parameters (the state is exactly the refit's; the parameters are not
//!   re-estimated);
//! - the decomposition forecasters from a causal decomposition run once through
//!   the history ([`CausalSeasons`]): each period's seasonal indices updated
//!   cycle by cycle as STL's seasonal smoother would see them at the end of a
//!   history, so the cycle repeated from origin `o` saw nothing after it. The
//!   components of the one robust decomposition of the whole history cannot
//!   serve: STL's smoothers are centred, and on M4 Hourly forecasts made from
//!   them erred a third as much as refits did (`examples/origin_leak.rs`
//!   measures both).

use super::auto::ModelChoice;
use super::decomposed::AdjustedModel;
use super::ets::FittedEts;
use super::trend::{Curve, TrendWindow};

/// At most this many origins are studied: a few hundred errors per lead time
/// make the 2.5 % and 97.5 % quantiles good to about a percentile, and the
/// cost stays linear in the history.
pub(crate) const MAX_ORIGINS: usize = 400;

/// Lead times studied at most: past them the spread is extrapolated from its
/// growth over the leads studied.
pub(crate) const MAX_LEADS: usize = 2000;

/// What one fit of a series knows, for forecasting from any origin.
pub(crate) struct OriginContext<'a> {
    y: &'a [f64],
    /// The seasonally adjusted series (the series itself without periods).
    adjusted: Vec<f64>,
    /// The seasonal cycles known at each studied origin.
    seasons: CausalSeasons,
    /// The longest period (1 without any), for the trend's window.
    longest: usize,
    /// The exponential smoothing fit, for the `ets` candidate.
    ets: Option<&'a FittedEts>,
    /// Prefix sums for least-squares lines over windows of the series and of the
    /// adjusted series.
    lines: [Prefix; 2],
}

/// Prefix sums of `v` and `t * v`.
struct Prefix {
    sum: Vec<f64>,
    weighted: Vec<f64>,
}

impl Prefix {
    fn of(v: &[f64]) -> Prefix {
        let mut sum = Vec::with_capacity(v.len() + 1);
        let mut weighted = Vec::with_capacity(v.len() + 1);
        let (mut s, mut w) = (0.0, 0.0);
        sum.push(0.0);
        weighted.push(0.0);
        for (t, &x) in v.iter().enumerate() {
            s += x;
            w += t as f64 * x;
            sum.push(s);
            weighted.push(w);
        }
        Prefix { sum, weighted }
    }

    /// Intercept and slope (in index time) of the least-squares line through
    /// `v[from..to]`.
    fn line(&self, from: usize, to: usize) -> (f64, f64) {
        let n = (to - from) as f64;
        let st: f64 = (from..to).map(|t| t as f64).sum();
        let stt: f64 = (from..to).map(|t| (t * t) as f64).sum();
        let sv = self.sum[to] - self.sum[from];
        let stv = self.weighted[to] - self.weighted[from];
        let den = n * stt - st * st;
        let b = if den.abs() > 0.0 {
            (n * stv - st * sv) / den
        } else {
            0.0
        };
        ((sv - b * st) / n, b)
    }
}

impl<'a> OriginContext<'a> {
    /// The context of series `y` with these seasonal `periods`, for forecasts
    /// from `origins` (sorted) and, for the `ets` candidate, its exponential
    /// smoothing fit.
    pub(crate) fn new(
        y: &'a [f64],
        periods: &[usize],
        origins: &[usize],
        ets: Option<&'a FittedEts>,
    ) -> Self {
        let (seasons, adjusted) = CausalSeasons::of(y, periods, origins);
        let lines = [Prefix::of(y), Prefix::of(&adjusted)];
        let longest = periods.iter().copied().max().unwrap_or(1);
        OriginContext {
            y,
            adjusted,
            seasons,
            longest,
            ets,
            lines,
        }
    }

    /// Whether `choice` can be forecast from origins with this context.
    pub(crate) fn supports(&self, choice: ModelChoice) -> bool {
        match choice {
            ModelChoice::Naive | ModelChoice::Drift | ModelChoice::Trend(Curve::Linear) => true,
            ModelChoice::SeasonalNaive(Some(_)) => true,
            ModelChoice::Ets(None) => self.ets.is_some(),
            ModelChoice::Cycles(
                AdjustedModel::Naive | AdjustedModel::Drift | AdjustedModel::Trend(Curve::Linear),
            ) => true,
            _ => false,
        }
    }

    /// The forecast of `choice` for the `out.len()` steps after origin `o` (the
    /// first `o` values as history); `false` when it cannot be made there.
    pub(crate) fn forecast(&self, choice: ModelChoice, o: usize, out: &mut [f64]) -> bool {
        if o < 3 || o > self.y.len() {
            return false;
        }
        match choice {
            ModelChoice::Naive => out.fill(self.y[o - 1]),
            ModelChoice::SeasonalNaive(Some(p)) => {
                if p > o {
                    return false;
                }
                for (j, f) in out.iter_mut().enumerate() {
                    *f = self.y[o - p + j % p];
                }
            }
            ModelChoice::Drift => drift(self.y, o, out),
            ModelChoice::Trend(Curve::Linear) => self.line(0, o, 1, out),
            ModelChoice::Ets(None) => {
                let Some(f) = self
                    .ets
                    .and_then(|m| m.point_forecast_after(&self.y[..o], out.len()))
                else {
                    return false;
                };
                out.copy_from_slice(&f);
            }
            ModelChoice::Cycles(adjusted) => {
                match adjusted {
                    AdjustedModel::Naive => out.fill(self.adjusted[o - 1]),
                    AdjustedModel::Drift => drift(&self.adjusted, o, out),
                    AdjustedModel::Trend(Curve::Linear) => self.line(1, o, self.longest, out),
                    _ => return false,
                }
                let Some(cycles) = self.seasons.at(o) else {
                    return false;
                };
                for cycle in cycles {
                    for (j, f) in out.iter_mut().enumerate() {
                        *f += cycle[j % cycle.len()];
                    }
                }
            }
            _ => return false,
        }
        out.iter().all(|f| f.is_finite())
    }

    /// `choice`'s forecast from origin `o` without its slope: the level it
    /// projects from (its first step less one step's change), held, plus the
    /// seasonal cycles for a cycles model; what the model says if its slope
    /// never comes true. `false` where the forecast cannot be made or has fewer
    /// than two steps.
    pub(crate) fn slope_free(&self, choice: ModelChoice, o: usize, out: &mut [f64]) -> bool {
        if out.len() < 2 || !self.forecast(choice, o, out) {
            return false;
        }
        let cycles: Vec<f64> = match (choice, self.seasons.at(o)) {
            (ModelChoice::Cycles(_), Some(cycles)) => (0..out.len())
                .map(|j| cycles.iter().map(|c| c[j % c.len()]).sum())
                .collect(),
            _ => vec![0.0; out.len()],
        };
        let level = 2.0 * (out[0] - cycles[0]) - (out[1] - cycles[1]);
        for (f, c) in out.iter_mut().zip(&cycles) {
            *f = level + c;
        }
        true
    }

    /// The least-squares line over the trend's recent window before `o`
    /// ([`TrendWindow::Recent`]) of the series (`which` 0) or the adjusted
    /// series (1), extended.
    fn line(&self, which: usize, o: usize, longest: usize, out: &mut [f64]) {
        let window = TrendWindow::Recent.length(o, longest);
        let (a, b) = self.lines[which].line(o - window, o);
        for (j, f) in out.iter_mut().enumerate() {
            *f = a + b * (o + j) as f64;
        }
    }
}

/// The seasonal cycles a decomposition of the history up to each origin would
/// repeat, made in one pass: for each period in increasing order, the series
/// (less the shorter periods' components) minus its trailing mean over one
/// period is averaged phase by phase across cycles, exponentially with the
/// weight `2 / (w + 1)` of STL's seasonal window `w` (7 for one period; 11, 15,
/// ... for several, as MSTL's), and centred to sum to zero. The component at `t`
/// is the index known before `t`; the cycle of origin `o` is the indices known
/// at `o`, from phase `o` on.
pub(crate) struct CausalSeasons {
    origins: Vec<usize>,
    /// Per origin, per period: the next cycle (index `j` is `j` steps after the
    /// origin).
    cycles: Vec<Vec<Vec<f64>>>,
}

impl CausalSeasons {
    /// The cycles at `origins` (sorted) and the series less its causal seasonal
    /// components.
    fn of(y: &[f64], periods: &[usize], origins: &[usize]) -> (CausalSeasons, Vec<f64>) {
        let mut origins = origins.to_vec();
        origins.sort_unstable();
        origins.dedup();
        let mut sorted = periods.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let n = y.len();
        let mut rest = y.to_vec();
        let mut cycles = vec![Vec::with_capacity(sorted.len()); origins.len()];
        for (i, &p) in sorted.iter().enumerate() {
            let window = if sorted.len() == 1 {
                7
            } else {
                7 + 4 * (i + 1)
            };
            let alpha = 2.0 / (window as f64 + 1.0);
            let mut index = vec![0.0; p];
            let mut seen = vec![0usize; p];
            let mut component = vec![0.0; n];
            let mut window_sum = 0.0;
            let mut next = 0;
            for t in 0..n {
                while next < origins.len() && origins[next] == t {
                    let mean = index.iter().sum::<f64>() / p as f64;
                    cycles[next].push((0..p).map(|j| index[(t + j) % p] - mean).collect());
                    next += 1;
                }
                let mean = index.iter().sum::<f64>() / p as f64;
                component[t] = index[t % p] - mean;
                window_sum += rest[t];
                if t >= p {
                    window_sum -= rest[t - p];
                }
                if t + 1 >= p {
                    let deviation = rest[t] - window_sum / p as f64;
                    let phase = t % p;
                    // Plain means over the first cycles, then exponential.
                    let weight = (1.0 / (seen[phase] + 1) as f64).max(alpha);
                    index[phase] += weight * (deviation - index[phase]);
                    seen[phase] += 1;
                }
            }
            while next < origins.len() && origins[next] == n {
                let mean = index.iter().sum::<f64>() / p as f64;
                cycles[next].push((0..p).map(|j| index[(n + j) % p] - mean).collect());
                next += 1;
            }
            for (r, c) in rest.iter_mut().zip(&component) {
                *r -= c;
            }
        }
        let seasons = CausalSeasons { origins, cycles };
        (seasons, rest)
    }

    /// The cycles known at origin `o`, one per period (none without periods);
    /// `None` for an origin that was not studied.
    fn at(&self, o: usize) -> Option<&[Vec<f64>]> {
        let i = self.origins.binary_search(&o).ok()?;
        Some(&self.cycles[i])
    }
}

/// A cycles model ([`ModelChoice::Cycles`]): the seasonally adjusted series'
/// naive, drift or line, plus the seasonal cycles known at the end of the
/// history, both from the causal decomposition ([`CausalSeasons`]). Its
/// forecasts from past origins are exactly its refits'.
#[derive(Clone, Debug)]
pub struct CyclesForecaster {
    name: String,
    origin: super::Origin,
    /// Intercept and slope (per step after the end) of the adjusted forecast.
    level: f64,
    slope: f64,
    cycles: Vec<Vec<f64>>,
}

impl<'a> OriginContext<'a> {
    /// The cycles model `choice` fitted on the whole history (which must be
    /// among the studied origins, as `y.len()`).
    pub(crate) fn cycles_forecaster(
        &self,
        choice: ModelChoice,
        series: &crate::series::RegularSeries,
    ) -> Option<CyclesForecaster> {
        let n = self.y.len();
        let ModelChoice::Cycles(adjusted) = choice else {
            return None;
        };
        let a = &self.adjusted;
        let (level, slope) = match adjusted {
            AdjustedModel::Naive => (a[n - 1], 0.0),
            AdjustedModel::Drift => {
                let slope = (a[n - 1] - a[0]) / (n - 1).max(1) as f64;
                (a[n - 1] + slope, slope)
            }
            AdjustedModel::Trend(Curve::Linear) => {
                let window = TrendWindow::Recent.length(n, self.longest);
                let (i, b) = self.lines[1].line(n - window, n);
                (i + b * n as f64, b)
            }
            _ => return None,
        };
        let cycles = self.seasons.at(n)?.to_vec();
        let periods: Vec<String> = cycles.iter().map(|c| c.len().to_string()).collect();
        let label = match adjusted {
            AdjustedModel::Naive => "naive",
            AdjustedModel::Drift => "drift",
            _ => "linear",
        };
        let name = if periods.is_empty() {
            format!("cycles_{label}")
        } else {
            format!("cycles_{label}({})", periods.join("+"))
        };
        Some(CyclesForecaster {
            name,
            origin: super::Origin::of(series),
            level,
            slope,
            cycles,
        })
    }
}

impl CyclesForecaster {
    /// The level the forecast projects from and the seasonal cycles it adds.
    pub(crate) fn level_and_cycles(&self) -> (f64, &[Vec<f64>]) {
        (self.level - self.slope, &self.cycles)
    }

    fn point(&self, horizon: usize) -> Vec<f64> {
        (0..horizon)
            .map(|j| {
                let season: f64 = self.cycles.iter().map(|c| c[j % c.len()]).sum();
                self.level + self.slope * j as f64 + season
            })
            .collect()
    }
}

impl super::FittedModel for CyclesForecaster {
    fn name(&self) -> String {
        self.name.clone()
    }

    /// The point forecast; intervals come from its errors at past origins
    /// ([`super::Empirical`]), so asked for alone it gives none.
    fn predict(&self, horizon: usize, levels: &[f64]) -> crate::error::Result<super::Forecast> {
        super::check_request(horizon, levels)?;
        let point = self.point(horizon);
        let intervals = levels
            .iter()
            .map(|&level| super::Interval {
                level,
                lower: point.clone(),
                upper: point.clone(),
            })
            .collect();
        Ok(self.origin.forecast(self.name(), point, intervals))
    }

    fn simulate(
        &self,
        horizon: usize,
        n_paths: usize,
        seed: u64,
    ) -> crate::error::Result<super::SamplePaths> {
        let point = self.point(horizon);
        self.origin
            .simulate(self.name(), horizon, n_paths, seed, |_, mut row| {
                row.iter_mut().zip(&point).for_each(|(r, p)| *r = *p)
            })
    }
}

/// The last value plus the average change over the history before `o`.
fn drift(v: &[f64], o: usize, out: &mut [f64]) {
    let slope = (v[o - 1] - v[0]) / (o - 1) as f64;
    for (j, f) in out.iter_mut().enumerate() {
        *f = v[o - 1] + slope * (j + 1) as f64;
    }
}

/// The origins studied in a history of `n` values, each with at least `first`
/// values before it: the latest (`n - 1`, one step of data after it) and back
/// from there evenly, at most [`MAX_ORIGINS`] of them; oldest first.
pub(crate) fn origins(n: usize, first: usize) -> Vec<usize> {
    if n < first + 2 {
        return Vec::new();
    }
    let span = n - 1 - first;
    let stride = span.div_ceil(MAX_ORIGINS).max(1);
    let mut out: Vec<usize> = (0..)
        .map_while(|k| (n - 1).checked_sub(k * stride))
        .take_while(|&o| o >= first)
        .collect();
    out.reverse();
    out
}

/// The errors of `choice`'s slope-free forecast ([`OriginContext::slope_free`])
/// from each of `origins`, as [`errors`] gives those of the forecast.
pub(crate) fn slope_free_errors(
    context: &OriginContext<'_>,
    choice: ModelChoice,
    origins: &[usize],
    leads: usize,
) -> Vec<Vec<f64>> {
    errors_of(context, origins, leads, leads.max(2), |o, _, buffer| {
        context.slope_free(choice, o, buffer)
    })
}

/// The errors (`actual - forecast`) of `choice` from each of `origins`, for up
/// to `leads` steps and no further than the data goes; an origin where the
/// forecast cannot be made gets no errors.
pub(crate) fn errors(
    context: &OriginContext<'_>,
    choice: ModelChoice,
    origins: &[usize],
    leads: usize,
) -> Vec<Vec<f64>> {
    errors_of(context, origins, leads, leads, |o, k, buffer| {
        context.forecast(choice, o, &mut buffer[..k])
    })
}

/// The errors of the forecasts `fill(origin, steps, buffer)` writes into a
/// buffer of `buffer_len` values (false where it cannot), over the first
/// `steps` (at most `leads`, no further than the data goes) from each origin.
fn errors_of(
    context: &OriginContext<'_>,
    origins: &[usize],
    leads: usize,
    buffer_len: usize,
    mut fill: impl FnMut(usize, usize, &mut [f64]) -> bool,
) -> Vec<Vec<f64>> {
    let n = context.y.len();
    let mut buffer = vec![0.0; buffer_len];
    origins
        .iter()
        .map(|&o| {
            let k = leads.min(n.saturating_sub(o));
            if k == 0 || !fill(o, k, &mut buffer) {
                return Vec::new();
            }
            buffer[..k]
                .iter()
                .enumerate()
                .map(|(j, f)| context.y[o + j] - f)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_end_at_the_last_value_and_go_back_evenly() {
        assert_eq!(origins(10, 5), [5, 6, 7, 8, 9]);
        assert_eq!(origins(6, 5), Vec::<usize>::new());
        // An origin as early as the first value: no step below zero.
        assert_eq!(origins(5, 0), [0, 1, 2, 3, 4]);
        let many = origins(10_000, 100);
        assert!(many.len() <= MAX_ORIGINS + 1 && many.len() >= MAX_ORIGINS * 9 / 10);
        assert_eq!(*many.last().unwrap(), 9999);
        assert!(many[0] >= 100);
    }

    #[test]
    fn one_fit_forecasts_equal_the_refits_of_the_exact_candidates() {
        let y: Vec<f64> = (0..200)
            .map(|t| 10.0 + 0.3 * t as f64 + ((t % 24) as f64 - 12.0).abs() + ((t * 7) % 5) as f64)
            .collect();
        let c = OriginContext::new(&y, &[], &[100], None);
        let mut out = vec![0.0; 30];
        assert!(c.forecast(ModelChoice::SeasonalNaive(Some(24)), 100, &mut out));
        assert_eq!(out[0], y[76]);
        assert_eq!(out[25], y[77]);
        assert!(c.forecast(ModelChoice::Naive, 100, &mut out));
        assert!(out.iter().all(|&f| f == y[99]));
        assert!(c.forecast(ModelChoice::Drift, 100, &mut out));
        assert!((out[1] - (y[99] + 2.0 * (y[99] - y[0]) / 99.0)).abs() < 1e-9);
        // The line through a straight history is the history extended.
        let line: Vec<f64> = (0..200).map(|t| 5.0 - 0.25 * t as f64).collect();
        let c = OriginContext::new(&line, &[], &[120, 190], None);
        assert!(c.forecast(ModelChoice::Trend(Curve::Linear), 120, &mut out));
        for (j, f) in out.iter().enumerate() {
            assert!((f - (5.0 - 0.25 * (120 + j) as f64)).abs() < 1e-9, "{j}");
        }
        let e = errors(&c, ModelChoice::Trend(Curve::Linear), &[120, 190], 30);
        assert_eq!((e[0].len(), e[1].len()), (30, 10));
        assert!(e.iter().flatten().all(|v| v.abs() < 1e-9));
    }

    #[test]
    fn causal_seasons_learn_a_fixed_cycle_from_the_past_alone() {
        // A pure daily cycle on a slope: the cycle known at an origin after a few
        // days is the cycle, and the adjusted series is the slope.
        let cycle = |t: usize| 5.0 * ((t % 24) as f64 * std::f64::consts::TAU / 24.0).sin();
        let y: Vec<f64> = (0..24 * 40).map(|t| 0.1 * t as f64 + cycle(t)).collect();
        let c = OriginContext::new(&y, &[24], &[24 * 30 + 5], None);
        let mut out = vec![0.0; 48];
        assert!(c.forecast(
            ModelChoice::Cycles(AdjustedModel::Naive),
            24 * 30 + 5,
            &mut out
        ));
        for (j, f) in out.iter().enumerate() {
            let t = 24 * 30 + 5 + j;
            let expected = 0.1 * (t - 1 - j) as f64 + cycle(t);
            assert!((f - expected).abs() < 0.2, "{j}: {f} vs {expected}");
        }
        // An origin not studied has no cycles.
        assert!(!c.forecast(ModelChoice::Cycles(AdjustedModel::Naive), 500, &mut out));
    }
}
