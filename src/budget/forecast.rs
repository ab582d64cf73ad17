//! When the budget runs out: simulated futures of the bad and total events, and
//! the budget spent (and, in a rolling window, recovered) along each of them.

use chrono::{DateTime, Utc};
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::{
    exhausts, first_true, status, BudgetRow, BudgetStatus, Frame, Sli, SliKind, Slo, Window,
};
use crate::decompose::period;
use crate::error::{Error, Result};
use crate::forecast::{fit_with_intervals, SamplePaths};
use crate::pipeline::ForecastSettings;
use crate::series::RegularSeries;
use crate::units::Span;

/// The quantiles of the remaining budget kept for the fan of the burn-down chart.
pub const FAN_QUANTILES: [f64; 7] = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95];

/// Simulated futures kept whole for the chart, drawn as thin lines under the fan.
const SAMPLE_LINES: usize = 20;

/// Simulated future events: `bad[[i, k]]` and `total[[i, k]]` are path `i`'s
/// counts in the `k`-th step after now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventPaths {
    /// Bad events per path and step, between 0 and the path's total.
    pub bad: Array2<f64>,
    /// Total events per path and step, at least 0.
    pub total: Array2<f64>,
    /// The models that simulated them (`bad: ..., total: ...`), or a description.
    pub model: String,
    /// History steps whose error ratio the models saw capped as one-off incidents
    /// ([`INCIDENT_QUANTILE`]).
    pub capped_steps: usize,
}

impl EventPaths {
    /// Paths from arrays of the same shape. Totals are clamped at 0 and bad events
    /// at the total, neither of which a future can exceed. Bad events are not
    /// clamped at 0: the models' noise is symmetric, and a step drawn below zero
    /// balances one drawn above, so the sums that spend the budget stay unbiased
    /// (clamping each step would add the noise's positive half to every step: for a
    /// service with few failures, several times its real burn). Non-finite values
    /// are an error.
    pub fn new(bad: Array2<f64>, total: Array2<f64>, model: impl Into<String>) -> Result<Self> {
        if bad.dim() != total.dim() {
            return Err(Error::invalid(format!(
                "bad paths {:?} and total paths {:?} differ in shape",
                bad.dim(),
                total.dim()
            )));
        }
        if bad.nrows() == 0 || bad.ncols() == 0 {
            return Err(Error::invalid("no simulated paths"));
        }
        if bad.iter().chain(total.iter()).any(|v| !v.is_finite()) {
            return Err(Error::invalid("a simulated count is not finite"));
        }
        let total = total.mapv(|t| t.max(0.0));
        let mut bad = bad;
        bad.zip_mut_with(&total, |b, &t| *b = b.min(t));
        Ok(EventPaths {
            bad,
            total,
            model: model.into(),
            capped_steps: 0,
        })
    }

    /// Number of paths.
    pub fn n_paths(&self) -> usize {
        self.bad.nrows()
    }

    /// Number of future steps.
    pub fn horizon(&self) -> usize {
        self.bad.ncols()
    }
}

/// The future steps the forecast needs: one window length for a rolling window
/// (by then every failure of today has aged out), the rest of the month for a
/// calendar month.
pub fn horizon(sli: &Sli, slo: &Slo) -> Result<usize> {
    Ok(Frame::of(sli, slo)?.horizon)
}

/// Simulate `horizon` future steps of the SLI's bad and total events with the
/// crate's forecasters: `settings.model` (`auto` by default) fitted to each series
/// with `settings.intervals`, `settings.paths` sample paths from `settings.seed`.
/// Both series take the seasonal periods of `seasons`, or, with none given, those
/// detected on the total events (traffic carries the cycles; the bad events are
/// often too sparse to show them). An error-ratio SLI forecasts its ratio, kept
/// at most 1. `settings.horizon` and `settings.levels` are not used.
///
/// The models forecast the burn "at this rate": the bad events they are fitted to
/// have their error ratio capped at its [`INCIDENT_QUANTILE`] quantile, so that a
/// one-off incident (rarer than that) neither repeats as a seasonal pattern nor
/// inflates the noise of every future step. Incidents count in full in the
/// history's budget; a degradation that lasts (more than 1 % of the history) is
/// kept whole.
pub fn simulate_events(
    sli: &Sli,
    horizon: usize,
    settings: &ForecastSettings,
    seasons: &[Span],
) -> Result<EventPaths> {
    let in_service = |e: Error| e.in_series(sli.service());
    match sli.kind() {
        SliKind::Events => {
            let total = sli.total_series()?;
            let (capped, capped_steps) = cap_incidents(sli.bad(), sli.total());
            let bad = RegularSeries::new(
                format!("{}/bad", sli.service()),
                sli.start(),
                sli.step(),
                capped,
            )?;
            let periods = periods_of(&total, seasons).map_err(in_service)?;
            let (t, b) = rayon::join(
                || simulate(&total, &periods, horizon, settings, settings.seed),
                || simulate(&bad, &periods, horizon, settings, settings.seed ^ BAD_SEED),
            );
            let (t, b) = (t.map_err(in_service)?, b.map_err(in_service)?);
            let model = format!("bad: {}, total: {}", b.model, t.model);
            let mut paths = EventPaths::new(b.paths, t.paths, model)?;
            paths.capped_steps = capped_steps;
            Ok(paths)
        }
        SliKind::ErrorRatio => {
            let seconds = sli.step().nominal_seconds();
            let (capped, capped_steps) = cap_incidents(sli.bad(), sli.total());
            let ratio = RegularSeries::new(
                format!("{}/error_ratio", sli.service()),
                sli.start(),
                sli.step(),
                capped.iter().map(|b| b / seconds).collect(),
            )?;
            let periods = periods_of(&ratio, seasons).map_err(in_service)?;
            let r =
                simulate(&ratio, &periods, horizon, settings, settings.seed).map_err(in_service)?;
            let bad = r.paths.mapv(|x| x * seconds);
            let total = Array2::from_elem(bad.dim(), seconds);
            let mut paths = EventPaths::new(bad, total, format!("error ratio: {}", r.model))?;
            paths.capped_steps = capped_steps;
            Ok(paths)
        }
    }
}

/// The quantile of the error ratio at which the models see the history capped:
/// steps above it are one-off incidents when they are rarer than 1 % of the
/// history (an hour a week is 0.6 %). A degradation that lasts longer than that
/// holds the quantile up and is forecast as it is.
pub const INCIDENT_QUANTILE: f64 = 0.99;

/// The bad events with their error ratio capped at its [`INCIDENT_QUANTILE`]
/// quantile (steps without events keep theirs), and how many steps were capped.
fn cap_incidents(bad: &[f64], total: &[f64]) -> (Vec<f64>, usize) {
    let mut ratios: Vec<f64> = bad
        .iter()
        .zip(total)
        .filter(|(_, &t)| t > 0.0)
        .map(|(&b, &t)| b / t)
        .collect();
    if ratios.is_empty() {
        return (bad.to_vec(), 0);
    }
    ratios.sort_by(f64::total_cmp);
    // The order statistic at or above the quantile: never an interpolation that
    // would cap a step of a run of equal ratios.
    let rank = ((INCIDENT_QUANTILE * ratios.len() as f64).ceil() as usize).clamp(1, ratios.len());
    let cap = ratios[rank - 1];
    let mut capped_steps = 0;
    let capped = bad
        .iter()
        .zip(total)
        .map(|(&b, &t)| {
            if t > 0.0 && b > cap * t {
                capped_steps += 1;
                cap * t
            } else {
                b
            }
        })
        .collect();
    (capped, capped_steps)
}

/// Mixed into the seed of the bad events, so their paths are not drawn from the
/// same random numbers as the totals' (which would correlate their noise).
const BAD_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// The seasonal periods in steps: those given (each at least 2 steps), or those
/// detected.
fn periods_of(series: &RegularSeries, seasons: &[Span]) -> Result<Vec<usize>> {
    if seasons.is_empty() {
        return Ok(period::periods(series));
    }
    seasons
        .iter()
        .map(|s| match s.steps_exact(series.step())? {
            p if p >= 2 => Ok(p),
            p => Err(Error::invalid(format!(
                "a season of {s} is {p} step(s) of {}; a season needs at least 2 steps",
                series.step()
            ))),
        })
        .collect()
}

fn simulate(
    series: &RegularSeries,
    periods: &[usize],
    horizon: usize,
    settings: &ForecastSettings,
    seed: u64,
) -> Result<SamplePaths> {
    let model = fit_with_intervals(
        settings.model,
        series,
        periods,
        &settings.stl,
        horizon,
        settings.intervals,
    )?;
    model.simulate(horizon, settings.paths.max(1), seed)
}

/// The remaining budget over the window, as a share of the budget (1 untouched,
/// 0 exhausted, below 0 overspent): what the history shows and what the simulated
/// futures do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BurnDown {
    /// The start of the window now (rolling: now minus the window; calendar: the 1st).
    pub window_start: DateTime<Utc>,
    /// The end of the last step.
    pub now: DateTime<Utc>,
    /// How far the futures reach (rolling: now plus the window; calendar: the
    /// month's end).
    pub window_end: DateTime<Utc>,
    /// The remaining share at the end of each past step in the window so far.
    pub history: Vec<(DateTime<Utc>, f64)>,
    /// The end of each simulated future step.
    pub timestamps: Vec<DateTime<Utc>>,
    /// The [`FAN_QUANTILES`] of the remaining share over the paths, one vector per
    /// quantile, one value per future step.
    pub quantiles: Vec<Vec<f64>>,
    /// A few whole paths of the remaining share, for drawing.
    pub samples: Vec<Vec<f64>>,
}

impl BurnDown {
    /// The remaining share at quantile `q` of [`FAN_QUANTILES`].
    pub fn quantile(&self, q: f64) -> Option<&[f64]> {
        FAN_QUANTILES
            .iter()
            .position(|&f| (f - q).abs() < 1e-12)
            .map(|i| self.quantiles[i].as_slice())
    }
}

/// Everything [`forecast_budget`] finds for one service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetForecast {
    /// The row of the budget table.
    pub row: BudgetRow,
    /// The budget now.
    pub status: BudgetStatus,
    /// The remaining budget over the window, past and simulated.
    pub burn_down: BurnDown,
    /// The models that simulated the futures.
    pub model: String,
    /// Number of simulated futures.
    pub paths: usize,
    /// History steps the models saw capped as one-off incidents.
    pub capped_steps: usize,
}

/// Forecast when an SLI's budget runs out: simulate its bad and total events
/// ([`simulate_events`]) for [`horizon`] steps and [`assess`] them.
pub fn forecast_budget(
    sli: &Sli,
    slo: &Slo,
    settings: &ForecastSettings,
    seasons: &[Span],
) -> Result<BudgetForecast> {
    let steps = horizon(sli, slo)?;
    let paths = simulate_events(sli, steps, settings, seasons)?;
    assess(sli, slo, &paths)
}

/// Spend the budget along each simulated future: the exhaustion date of each
/// path (in a rolling window the budget at a step is that of the window ending
/// then, so history's failures age out as the window moves past them; in a
/// calendar month it is that of the path's whole month), their median and 10th
/// and 90th percentiles, the probability of running out before the window ends,
/// and the burn-down. Deterministic given the paths, which need at least
/// [`horizon`] steps (more are ignored).
pub fn assess(sli: &Sli, slo: &Slo, paths: &EventPaths) -> Result<BudgetForecast> {
    let frame = Frame::of(sli, slo)?;
    if paths.horizon() < frame.horizon {
        return Err(Error::series(
            sli.service(),
            format!(
                "{} simulated steps for a window that needs {}",
                paths.horizon(),
                frame.horizon
            ),
        ));
    }
    let now = status(sli, slo)?;
    let spending = Spending::new(sli, slo, &frame, paths);
    let (dates, shares, budget_total) = match slo.window() {
        Window::Rolling { .. } => spending.rolling(&now),
        Window::CalendarMonth => spending.calendar(),
    };
    let history = match slo.window() {
        Window::Rolling { .. } => spending.rolling_history(),
        Window::CalendarMonth => spending.calendar_history(budget_total),
    };
    let mut exhausted: Vec<DateTime<Utc>> = dates.into_iter().flatten().collect();
    exhausted.sort_unstable();
    let n_paths = paths.n_paths();
    let at = |q: f64| -> Option<DateTime<Utc>> {
        let rank = (q * n_paths as f64).ceil().max(1.0) as usize;
        exhausted.get(rank - 1).copied()
    };
    let p50 = at(0.5);
    let row = BudgetRow {
        service: sli.service().to_string(),
        objective: slo.objective(),
        window: slo.window().to_string(),
        budget_total,
        budget_spent: now.spent,
        budget_remaining: budget_total - now.spent,
        burn_rate_1h: now.burn_rates[0],
        burn_rate_6h: now.burn_rates[1],
        burn_rate_3d: now.burn_rates[2],
        exhausted_at: p50,
        p10_at: at(0.1),
        p50_at: p50,
        p90_at: at(0.9),
        probability: exhausted.len() as f64 / n_paths as f64,
    };
    let timestamps: Vec<DateTime<Utc>> = (1..=frame.horizon)
        .map(|k| sli.step().advance(frame.now, k as i64))
        .collect();
    let fan = SamplePaths {
        series: sli.service().to_string(),
        model: paths.model.clone(),
        timestamps: timestamps.clone(),
        paths: shares,
    };
    let burn_down = BurnDown {
        window_start: frame.start,
        now: frame.now,
        window_end: frame.end,
        history,
        timestamps,
        quantiles: FAN_QUANTILES.iter().map(|&q| fan.quantile(q)).collect(),
        samples: fan
            .paths
            .axis_iter(Axis(0))
            .take(SAMPLE_LINES)
            .map(|row| row.to_vec())
            .collect(),
    };
    Ok(BudgetForecast {
        row,
        status: now,
        burn_down,
        model: paths.model.clone(),
        paths: n_paths,
        capped_steps: paths.capped_steps,
    })
}

/// Running sums of the history and the paths, for the budget at any step.
struct Spending<'a> {
    sli: &'a Sli,
    frame: &'a Frame,
    paths: &'a EventPaths,
    allowed_ratio: f64,
    /// `bad_sum[i]`: bad events of history steps `0..i`.
    bad_sum: Vec<f64>,
    total_sum: Vec<f64>,
}

/// Exhaustion date per path, the remaining share per path and future step, and
/// the budget of the window.
type Spent = (Vec<Option<DateTime<Utc>>>, Array2<f64>, f64);

impl<'a> Spending<'a> {
    fn new(sli: &'a Sli, slo: &Slo, frame: &'a Frame, paths: &'a EventPaths) -> Self {
        let running = |v: &[f64]| {
            std::iter::once(0.0)
                .chain(v.iter().scan(0.0, |s, x| {
                    *s += x;
                    Some(*s)
                }))
                .collect()
        };
        Spending {
            sli,
            frame,
            paths,
            allowed_ratio: slo.allowed_ratio(),
            bad_sum: running(sli.bad()),
            total_sum: running(sli.total()),
        }
    }

    /// The end of the `k`-th future step (0: now).
    fn future_end(&self, k: usize) -> DateTime<Utc> {
        self.sli.step().advance(self.frame.now, k as i64)
    }

    /// The end of history step `j`.
    fn history_end(&self, j: usize) -> DateTime<Utc> {
        self.sli.timestamp(j + 1)
    }

    fn share(&self, spent: f64, allowed: f64) -> f64 {
        if allowed > 0.0 {
            1.0 - spent / allowed
        } else {
            1.0
        }
    }

    /// Bad and total events of the rolling window ending with history step `j`.
    fn window_at(&self, j: usize) -> (f64, f64) {
        let from = (j + 1).saturating_sub(self.frame.steps);
        (
            self.bad_sum[j + 1] - self.bad_sum[from],
            self.total_sum[j + 1] - self.total_sum[from],
        )
    }

    fn rolling_history(&self) -> Vec<(DateTime<Utc>, f64)> {
        (self.frame.first..self.sli.len())
            .map(|j| {
                let (bad, total) = self.window_at(j);
                (
                    self.history_end(j),
                    self.share(bad, self.allowed_ratio * total),
                )
            })
            .collect()
    }

    /// A rolling window: at future step `k` the window holds the last `w - k`
    /// history steps and the first `k` simulated ones.
    fn rolling(&self, now: &BudgetStatus) -> Spent {
        let (n, w, h) = (self.sli.len(), self.frame.steps, self.frame.horizon);
        let a = self.allowed_ratio;
        let mut shares = Array2::zeros((self.paths.n_paths(), h));
        // Exhausted already: the date is when the current run of exhaustion began.
        let already = exhausts(now.spent, now.allowed).then(|| {
            let mut since = n - 1;
            while since > self.frame.first && {
                let (bad, total) = self.window_at(since - 1);
                exhausts(bad, a * total)
            } {
                since -= 1;
            }
            self.history_end(since)
        });
        let mut dates = Vec::with_capacity(self.paths.n_paths());
        for (i, mut share_row) in shares.axis_iter_mut(Axis(0)).enumerate() {
            let (bad, total) = (self.paths.bad.row(i), self.paths.total.row(i));
            let (mut future_bad, mut future_total) = (0.0, 0.0);
            let mut date = already;
            for k in 1..=h {
                future_bad += bad[k - 1];
                future_total += total[k - 1];
                let from = (n + k).saturating_sub(w).min(n);
                let spent = self.bad_sum[n] - self.bad_sum[from] + future_bad;
                let events = self.total_sum[n] - self.total_sum[from] + future_total;
                share_row[k - 1] = self.share(spent, a * events);
                if date.is_none() && exhausts(spent, a * events) {
                    date = Some(self.future_end(k));
                }
            }
            dates.push(date);
        }
        (dates, shares, now.allowed)
    }

    /// The month's bad and total events so far.
    fn month_so_far(&self) -> (f64, f64) {
        let (first, n) = (self.frame.first, self.sli.len());
        (
            self.bad_sum[n] - self.bad_sum[first],
            self.total_sum[n] - self.total_sum[first],
        )
    }

    fn calendar_history(&self, budget: f64) -> Vec<(DateTime<Utc>, f64)> {
        let first = self.frame.first;
        let start = (first < self.sli.len()).then(|| (self.sli.timestamp(first), 1.0));
        start
            .into_iter()
            .chain((first..self.sli.len()).map(|j| {
                let spent = self.bad_sum[j + 1] - self.bad_sum[first];
                (self.history_end(j), self.share(spent, budget))
            }))
            .collect()
    }

    /// A calendar month: each path's budget is that of its whole month (the
    /// events so far and its own to the month's end); it runs out at the first
    /// step where the month's bad events reach it, which may lie in the past.
    fn calendar(&self) -> Spent {
        let (n, h, first) = (self.sli.len(), self.frame.horizon, self.frame.first);
        let a = self.allowed_ratio;
        let (bad_so_far, total_so_far) = self.month_so_far();
        let mut shares = Array2::zeros((self.paths.n_paths(), h));
        let mut dates = Vec::with_capacity(self.paths.n_paths());
        let mut future_totals = 0.0;
        for (i, mut share_row) in shares.axis_iter_mut(Axis(0)).enumerate() {
            let (bad, total) = (self.paths.bad.row(i), self.paths.total.row(i));
            let future_total: f64 = total.iter().take(h).sum();
            future_totals += future_total;
            let allowed = a * (total_so_far + future_total);
            let mut date = exhausts(bad_so_far, allowed).then(|| {
                // The first history step of the month whose running bad count
                // reaches this path's budget (running sums never decrease).
                let spent_by = |j: usize| self.bad_sum[j + 1] - self.bad_sum[first];
                let j = first_true(first, n, |j| exhausts(spent_by(j), allowed));
                self.history_end(j.min(n - 1))
            });
            let mut spent = bad_so_far;
            for k in 1..=h {
                spent += bad[k - 1];
                share_row[k - 1] = self.share(spent, allowed);
                if date.is_none() && exhausts(spent, allowed) {
                    date = Some(self.future_end(k));
                }
            }
            dates.push(date);
        }
        let mean_future = future_totals / self.paths.n_paths() as f64;
        (dates, shares, a * (total_so_far + mean_future))
    }
}
