//! Error budgets: when does a service-level objective's budget run out, and how
//! sure are we.
//!
//! An SLO of 99.9 % over 30 days allows 0.1 % of the window's events to fail; that
//! allowance is the error budget, and failures spend it. headroom turns a service
//! level indicator ([`Sli`]: per-step good and total event counts, or an error
//! ratio) and an objective ([`Slo`]: a percentage over a rolling window or a
//! calendar month) into:
//!
//! - the budget now ([`status`]): allowed, spent and remaining events in the window,
//!   and the burn rates over the last hour, six hours and three days (the error
//!   ratio divided by the allowed one: 1 spends the budget exactly over the window);
//! - the date it runs out ([`forecast_budget`]): the bad and total event series are
//!   forecast with the crate's models (seasonality included) and simulated as sample
//!   paths; along each path the budget is spent step by step, and in a rolling window
//!   it is also recovered as old failures age out of the window. The exhaustion
//!   dates over the paths give the median, the 10th and 90th percentiles and the
//!   probability of running out before the window ends ([`BudgetRow`], one row of
//!   the `headroom budget` table), and a [`BurnDown`] of the remaining budget that
//!   [`BurnDownChart`] draws;
//! - Prometheus recording and alerting rules for the multiwindow, multi-burn-rate
//!   alerts of Google's SRE workbook ([`rules::prometheus_rules`]);
//! - realistic SLI series for trying all of this ([`SliGenerator`]).
//!
//! ## The sample's error budget
//!
//! The error budget of the sample's `search` service, its burn-down chart and its
//! alert rules (what `headroom budget` does):
//!
//! ```
//! use headroom::budget::rules::{prometheus_rules, RuleSpec, SliQuery};
//! use headroom::budget::{describe, forecast_budget, pair_series, BurnDownChart, EventUnit, Sli, Slo, Window};
//! use headroom::ingest::{read_path, ReadOptions};
//! use headroom::pipeline::ForecastSettings;
//! use headroom::RegulariseOptions;
//!
//! fn main() -> headroom::Result<()> {
//!     // Columns good and total with a series column: series search/good, search/total, ...
//!     let read = read_path("data/sli_requests.csv", &ReadOptions::default())?;
//!     let slo = Slo::new(99.9, Window::rolling_days(30.0))?;
//!     let settings = ForecastSettings { paths: 500, ..Default::default() };
//!     std::fs::create_dir_all("out").ok();
//!     for (service, pair) in pair_series(&read.series, "good", "total", "sli") {
//!         if service != "search" {
//!             continue;
//!         }
//!         let (good, total) = pair?;
//!         let (good, _) = good.regularise(&RegulariseOptions::default())?;
//!         let (total, _) = total.regularise(&RegulariseOptions::default())?;
//!         let sli = Sli::from_series(service.clone(), &good, &total, EventUnit::PerStep)?;
//!         let budget = forecast_budget(&sli, &slo, &settings, &[])?;
//!         println!("{}", describe(&budget.row)); // search: 34 % of the 30d budget left; runs out around ...
//!         assert!(budget.row.probability > 0.9);
//!         BurnDownChart::new(&budget).render_png("out/readme-budget-search.png")?;
//!     }
//!     let rules = prometheus_rules(&[RuleSpec {
//!         service: "search".into(),
//!         slo,
//!         sli: SliQuery::Events {
//!             good: r#"http_requests_total{job="search",code!~"5.."}"#.into(),
//!             total: r#"http_requests_total{job="search"}"#.into(),
//!         },
//!     }])?;
//!     std::fs::write("out/readme-slo-rules.yaml", rules).map_err(|source| headroom::Error::Io {
//!         path: "out/readme-slo-rules.yaml".into(),
//!         source,
//!     })?;
//!     Ok(())
//! }
//! ```
//!
//! ## Conventions
//!
//! - A step's count is the events of the step that its timestamp starts (the
//!   timestamp 10:00 of an hourly series labels 10:00 to 11:00), as the resampler
//!   labels its buckets. "Now" is the end of the last step.
//! - The budget of a window is `(1 - objective) × total events in the window`; it is
//!   exhausted when the bad events in the window reach it. In a rolling window the
//!   budget at an instant is that of the window ending then; in a calendar month it
//!   is that of the whole month, whose events still to come are forecast.
//! - Dates are the end of the step during which the budget ran out.
//! - With an error ratio instead of event counts, every second weighs the same: a
//!   step counts as its length in seconds of events, so the budget is in seconds of
//!   total failure (43.2 minutes for 99.9 % over 30 days).
//!
//! ## Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use headroom::budget::{forecast_budget, status, SliGenerator, Slo, Window};
//! use headroom::pipeline::ForecastSettings;
//!
//! // Six weeks of hourly requests with daily and weekly cycles, 0.05 % failing
//! // (a burn rate of 0.5 against 99.9 %) and one incident failing 5 % for 3 hours.
//! let start = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
//! let generated = SliGenerator::new("checkout", start)
//!     .days(42.0)
//!     .error_ratio(0.0005)
//!     .incident(start + chrono::TimeDelta::days(35), 3, 0.05)
//!     .generate()?;
//! let sli = generated.sli()?;
//! let slo = Slo::new(99.9, Window::rolling_days(30.0))?;
//! let now = status(&sli, &slo)?;
//! assert!(now.spent < now.allowed);
//! let settings = ForecastSettings {
//!     model: "seasonal_naive".parse()?,
//!     paths: 200,
//!     ..Default::default()
//! };
//! let budget = forecast_budget(&sli, &slo, &settings, &[])?;
//! // Spending at half the allowed rate, the budget does not run out.
//! assert!(budget.row.probability < 0.05, "{}", budget.row.probability);
//! assert_eq!(budget.row.exhausted_at, None);
//! # Ok::<(), headroom::Error>(())
//! ```

mod chart;
mod forecast;
mod generate;
pub mod rules;
mod sli;

pub use chart::BurnDownChart;
pub use forecast::{
    assess, forecast_budget, horizon, simulate_events, BudgetForecast, BurnDown, EventPaths,
    FAN_QUANTILES, INCIDENT_QUANTILE,
};
pub use generate::{GeneratedSli, Incident, SliGenerator};
pub(crate) use sli::first_true;
pub use sli::{find_series, pair_series, EventUnit, Sli, SliKind};

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::output::{field, format_time};

/// Relative slack when comparing spent with allowed events: sums of many counts
/// round in the last bits, and an error ratio exactly at the objective must not
/// flip between exhausted and not with the order of additions.
const EXHAUSTION_SLACK: f64 = 1e-9;

/// Relative slack for good events above total: two counters scraped a moment
/// apart (or rates of them) can disagree in the last bits; more is bad input.
pub(crate) const GOOD_ABOVE_TOTAL_SLACK: f64 = 1e-9;

/// The windows of the burn-rate columns, in seconds: 1 hour, 6 hours, 3 days.
pub const BURN_RATE_WINDOWS: [f64; 3] = [3600.0, 6.0 * 3600.0, 3.0 * 86_400.0];

/// The window an objective is measured over.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Window {
    /// The last `seconds` seconds, moving with time: old failures age out.
    Rolling {
        /// Length of the window in seconds.
        seconds: f64,
    },
    /// The calendar month (UTC) containing now; the budget resets on the 1st.
    CalendarMonth,
}

impl Window {
    /// A rolling window of `days` days.
    pub fn rolling_days(days: f64) -> Self {
        Window::Rolling {
            seconds: days * 86_400.0,
        }
    }
}

impl fmt::Display for Window {
    /// `30d`, `12h`, `90m`, `45s` for rolling windows; `month` for the calendar.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Window::CalendarMonth => f.write_str("month"),
            Window::Rolling { seconds } => write!(f, "{}", duration_label(seconds)),
        }
    }
}

impl FromStr for Window {
    type Err = Error;

    /// A duration (`30d`, `4w`, `720h`) for a rolling window, or `month`.
    fn from_str(s: &str) -> Result<Self> {
        if s.trim().eq_ignore_ascii_case("month") {
            return Ok(Window::CalendarMonth);
        }
        match s.parse::<crate::units::Span>() {
            Ok(crate::units::Span::Seconds(seconds)) => Ok(Window::Rolling { seconds }),
            _ => Err(Error::invalid(format!(
                "a window is a duration such as 30d, 4w or 720h, or 'month'; got '{s}'"
            ))),
        }
    }
}

/// A duration in the largest unit that divides it: `30d`, `6h`, `5m`, `45s`.
pub fn duration_label(seconds: f64) -> String {
    let units = [(86_400.0, "d"), (3600.0, "h"), (60.0, "m")];
    for (size, unit) in units {
        let n = seconds / size;
        if n >= 1.0 && (n - n.round()).abs() < 1e-9 {
            return format!("{}{unit}", n.round());
        }
    }
    format!("{seconds}s")
}

/// A service-level objective: a percentage of good events over a window.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slo {
    objective: f64,
    window: Window,
}

impl Slo {
    /// `objective` in percent, strictly between 0 and 100 (99.9), over `window`
    /// (a rolling window must be longer than zero).
    pub fn new(objective: f64, window: Window) -> Result<Self> {
        if !(objective > 0.0 && objective < 100.0) {
            return Err(Error::invalid(format!(
                "the objective is a percentage strictly between 0 and 100 (such as 99.9), got {objective}"
            )));
        }
        if let Window::Rolling { seconds } = window {
            if !(seconds > 0.0 && seconds.is_finite()) {
                return Err(Error::invalid(format!(
                    "a rolling window must last longer than zero, got {seconds} s"
                )));
            }
        }
        Ok(Slo { objective, window })
    }

    /// The objective in percent.
    pub fn objective(&self) -> f64 {
        self.objective
    }

    /// The window.
    pub fn window(&self) -> Window {
        self.window
    }

    /// The share of events allowed to fail: `1 - objective / 100` (0.001 for 99.9).
    pub fn allowed_ratio(&self) -> f64 {
        // From the percentage's complement, so that 99.9 gives 0.1 / 100 rather
        // than 1 - 0.999 with the rounding of 0.999.
        (100.0 - self.objective) / 100.0
    }

    /// The burn rate of an error ratio: how many times faster than allowed it spends.
    pub fn burn_rate(&self, error_ratio: f64) -> f64 {
        error_ratio / self.allowed_ratio()
    }
}

/// Where a window stands at the end of an SLI's history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Frame {
    /// End of the last step.
    pub now: DateTime<Utc>,
    /// The start of the window now: `now - W`, or the 1st of the month.
    pub start: DateTime<Utc>,
    /// How far the forecast looks: `now + W` (rolling), or the month's end.
    pub end: DateTime<Utc>,
    /// The rolling window in steps (0 for a calendar month).
    pub steps: usize,
    /// Future steps to simulate.
    pub horizon: usize,
    /// First history step inside the window now.
    pub first: usize,
}

impl Frame {
    pub fn of(sli: &Sli, slo: &Slo) -> Result<Frame> {
        let step = sli.step();
        let step_seconds = step.nominal_seconds();
        let now = sli.now();
        let shorter = |window: &str| {
            Error::series(
                sli.service(),
                format!("the window {window} is shorter than the step {step}"),
            )
        };
        match slo.window() {
            Window::Rolling { seconds } => {
                if seconds < step_seconds * (1.0 - 1e-9) {
                    return Err(shorter(&slo.window().to_string()));
                }
                let steps = ((seconds / step_seconds) - 1e-9).ceil().max(1.0) as usize;
                Ok(Frame {
                    now,
                    start: step.advance(now, -(steps as i64)),
                    end: step.advance(now, steps as i64),
                    steps,
                    horizon: steps,
                    first: sli.len().saturating_sub(steps),
                })
            }
            Window::CalendarMonth => {
                let start = Utc
                    .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
                    .single()
                    .ok_or_else(|| Error::series(sli.service(), "no calendar month for now"))?;
                let end = start.checked_add_months(Months::new(1)).ok_or_else(|| {
                    Error::series(sli.service(), "the month's end is out of range")
                })?;
                let month_seconds = (end - start).num_seconds() as f64;
                if month_seconds < step_seconds * (1.0 - 1e-9) {
                    return Err(shorter("month"));
                }
                let left = (end - now).num_milliseconds() as f64 / 1000.0;
                let horizon = ((left / step_seconds) - 1e-9).ceil().max(1.0) as usize;
                Ok(Frame {
                    now,
                    start,
                    end,
                    steps: 0,
                    horizon,
                    first: sli.first_step_from(start),
                })
            }
        }
    }
}

/// The budget now, from the history alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetStatus {
    /// The service.
    pub service: String,
    /// The end of the last step.
    pub now: DateTime<Utc>,
    /// Where the window now starts (for a rolling window reaching before the
    /// history, the window still starts here; the history covers less of it).
    pub window_start: DateTime<Utc>,
    /// Total events in the window so far.
    pub events: f64,
    /// Bad events in the window so far: the budget spent.
    pub spent: f64,
    /// Events allowed to fail among those so far: `(1 - objective) × events`.
    pub allowed: f64,
    /// Burn rates over the last 1 hour, 6 hours and 3 days ([`BURN_RATE_WINDOWS`]);
    /// `None` where the window is shorter than the step, the history shorter than
    /// the window, or the window had no events.
    pub burn_rates: [Option<f64>; 3],
    /// The share (0 to 1) of the window so far that the history covers.
    pub coverage: f64,
}

/// The budget now: events, spending and burn rates over the window so far.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::budget::{status, Sli, Slo, Window};
/// use headroom::Step;
/// let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
/// // Three days of 1000 requests an hour, 2 failing: 0.2 %, twice the 0.1 % allowed.
/// let sli = Sli::from_counts("api", t0, Step::seconds(3600), &[998.0; 72], &[1000.0; 72])?;
/// let now = status(&sli, &Slo::new(99.9, Window::rolling_days(3.0))?)?;
/// assert_eq!((now.events, now.spent), (72_000.0, 144.0));
/// assert!((now.allowed - 72.0).abs() < 1e-9);
/// assert!((now.burn_rates[0].unwrap() - 2.0).abs() < 1e-9);
/// # Ok::<(), headroom::Error>(())
/// ```
pub fn status(sli: &Sli, slo: &Slo) -> Result<BudgetStatus> {
    let frame = Frame::of(sli, slo)?;
    let range = frame.first..sli.len();
    let events: f64 = sli.total()[range.clone()].iter().sum();
    let spent: f64 = sli.bad()[range.clone()].iter().sum();
    let window_seconds = (frame.now - frame.start).num_milliseconds() as f64 / 1000.0;
    let covered = (frame.now - sli.start().max(frame.start)).num_milliseconds() as f64 / 1000.0;
    let coverage = if window_seconds > 0.0 {
        (covered / window_seconds).clamp(0.0, 1.0)
    } else {
        1.0
    };
    Ok(BudgetStatus {
        service: sli.service().to_string(),
        now: frame.now,
        window_start: frame.start,
        events,
        spent,
        allowed: slo.allowed_ratio() * events,
        burn_rates: BURN_RATE_WINDOWS.map(|w| burn_rate(sli, slo, w)),
        coverage,
    })
}

/// The burn rate over the last `seconds`: `None` where that is shorter than the
/// step, longer than the history, or had no events.
fn burn_rate(sli: &Sli, slo: &Slo, seconds: f64) -> Option<f64> {
    let step_seconds = sli.step().nominal_seconds();
    if seconds < step_seconds * (1.0 - 1e-9) {
        return None;
    }
    let steps = ((seconds / step_seconds) - 1e-9).ceil() as usize;
    let from = sli.len().checked_sub(steps)?;
    let total: f64 = sli.total()[from..].iter().sum();
    let bad: f64 = sli.bad()[from..].iter().sum();
    (total > 0.0).then(|| slo.burn_rate(bad / total))
}

/// Whether `spent` bad events exhaust a budget of `allowed` (with no events, and
/// so no budget, nothing is exhausted).
pub(crate) fn exhausts(spent: f64, allowed: f64) -> bool {
    allowed > 0.0 && spent >= allowed * (1.0 - EXHAUSTION_SLACK)
}

/// One row of the `headroom budget` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetRow {
    /// The service.
    pub service: String,
    /// The objective in percent.
    pub objective: f64,
    /// The window as written: `30d`, or `month` for the calendar month.
    pub window: String,
    /// Events allowed to fail in the window: `(1 - objective)` times its total
    /// events (for a calendar month, those so far plus the mean forecast of the
    /// rest of the month).
    pub budget_total: f64,
    /// Bad events in the window so far.
    pub budget_spent: f64,
    /// `budget_total - budget_spent`; negative when the budget is overspent.
    pub budget_remaining: f64,
    /// The burn rate over the last hour (the error ratio over the allowed one).
    pub burn_rate_1h: Option<f64>,
    /// The burn rate over the last 6 hours.
    pub burn_rate_6h: Option<f64>,
    /// The burn rate over the last 3 days.
    pub burn_rate_3d: Option<f64>,
    /// The median date the budget runs out; empty when fewer than half the
    /// simulated futures run out before the window ends.
    pub exhausted_at: Option<DateTime<Utc>>,
    /// The date by which one in ten simulated futures has run out.
    pub p10_at: Option<DateTime<Utc>>,
    /// The median date (as `exhausted_at`).
    pub p50_at: Option<DateTime<Utc>>,
    /// The date by which nine in ten have run out.
    pub p90_at: Option<DateTime<Utc>>,
    /// The probability (0 to 1) that the budget runs out before the window ends
    /// (a rolling window: within one window length from now).
    pub probability: f64,
}

/// The columns of the budget table, as the contract writes them.
pub const BUDGET_COLUMNS: &str = "service,objective,window,budget_total,budget_spent,budget_remaining,burn_rate_1h,burn_rate_6h,burn_rate_3d,exhausted_at,p10_at,p50_at,p90_at,probability";

/// Write the budget table: the contract's columns, one row per service; missing
/// numbers and dates are empty fields.
pub fn write_budgets(w: &mut dyn Write, rows: &[BudgetRow]) -> Result<()> {
    let io = |source| Error::Io {
        path: "output".into(),
        source,
    };
    writeln!(w, "{BUDGET_COLUMNS}").map_err(io)?;
    let number = |v: Option<f64>| v.filter(|v| v.is_finite()).map(|v| format!("{v}"));
    let time = |t: Option<DateTime<Utc>>| t.map(format_time).unwrap_or_default();
    for r in rows {
        let fields = [
            field(&r.service),
            format!("{}", r.objective),
            field(&r.window),
            number(Some(r.budget_total)).unwrap_or_default(),
            number(Some(r.budget_spent)).unwrap_or_default(),
            number(Some(r.budget_remaining)).unwrap_or_default(),
            number(r.burn_rate_1h).unwrap_or_default(),
            number(r.burn_rate_6h).unwrap_or_default(),
            number(r.burn_rate_3d).unwrap_or_default(),
            time(r.exhausted_at),
            time(r.p10_at),
            time(r.p50_at),
            time(r.p90_at),
            number(Some(r.probability)).unwrap_or_default(),
        ];
        writeln!(w, "{}", fields.join(",")).map_err(io)?;
    }
    Ok(())
}

/// One sentence a person reads about a budget row.
///
/// `checkout: 62 % of the 30d budget left; runs out around 14 Mar 2025 09:00 (80 %
/// between 9 Mar 02:00 and 22 Mar 17:00); probability 71 %.`
pub fn describe(row: &BudgetRow) -> String {
    let day = |t: DateTime<Utc>| t.format("%-d %b %Y %H:%M").to_string();
    let left = if row.budget_total > 0.0 {
        format!(
            "{:.0} % of the {} budget left",
            100.0 * row.budget_remaining / row.budget_total,
            row.window
        )
    } else {
        format!("no events in the {} window yet", row.window)
    };
    let outlook = match (row.p50_at, row.p10_at, row.p90_at) {
        (Some(m), Some(a), Some(b)) if a == b => format!("ran out on {}", day(m)),
        (Some(m), Some(a), Some(b)) => format!(
            "runs out around {} (80 % between {} and {})",
            day(m),
            day(a),
            day(b)
        ),
        (Some(m), _, _) => format!("runs out around {}", day(m)),
        (None, Some(a), _) => format!("may run out from {}", day(a)),
        _ => "lasts the window".to_string(),
    };
    format!(
        "{}: {left}; {outlook}; probability {:.0} %.",
        row.service,
        100.0 * row.probability
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;

    fn hourly(values: usize) -> (DateTime<Utc>, Step, Vec<f64>) {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
        (t0, Step::seconds(3600), vec![100.0; values])
    }

    #[test]
    fn objectives_and_windows() {
        assert!(Slo::new(100.0, Window::CalendarMonth).is_err());
        assert!(Slo::new(0.0, Window::CalendarMonth).is_err());
        assert!(Slo::new(f64::NAN, Window::CalendarMonth).is_err());
        assert!(Slo::new(99.9, Window::Rolling { seconds: 0.0 }).is_err());
        let slo = Slo::new(99.9, Window::rolling_days(30.0)).unwrap();
        assert!((slo.allowed_ratio() - 0.001).abs() < 1e-15);
        assert_eq!(slo.window().to_string(), "30d");
        assert_eq!("month".parse::<Window>().unwrap(), Window::CalendarMonth);
        assert_eq!("4w".parse::<Window>().unwrap(), Window::rolling_days(28.0));
        assert!("48".parse::<Window>().is_err());
        assert_eq!(duration_label(6.0 * 3600.0), "6h");
        assert_eq!(duration_label(300.0), "5m");
    }

    #[test]
    fn window_shorter_than_the_step_is_an_error() {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
        let sli = Sli::from_counts("api", t0, Step::seconds(86_400), &[1.0; 5], &[1.0; 5]).unwrap();
        let slo = Slo::new(99.0, Window::Rolling { seconds: 3600.0 }).unwrap();
        let e = status(&sli, &slo).unwrap_err();
        assert!(e.to_string().contains("shorter than the step"), "{e}");
        // The burn rate over an hour of daily data is unknown, not NaN.
        let slo = Slo::new(99.0, Window::rolling_days(3.0)).unwrap();
        let s = status(&sli, &slo).unwrap();
        assert_eq!(s.burn_rates, [None, None, Some(0.0)]);
    }

    #[test]
    fn calendar_frame_runs_to_the_end_of_the_month() {
        let (t0, step, total) = hourly(24 * 10);
        let sli = Sli::from_counts("api", t0, step, &total, &total).unwrap();
        let slo = Slo::new(99.9, Window::CalendarMonth).unwrap();
        let f = Frame::of(&sli, &slo).unwrap();
        assert_eq!(f.now, Utc.with_ymd_and_hms(2025, 3, 11, 0, 0, 0).unwrap());
        assert_eq!(f.end, Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap());
        assert_eq!(f.horizon, 21 * 24);
        assert_eq!(f.first, 0);
        let rolling = Frame::of(&sli, &Slo::new(99.9, Window::rolling_days(3.0)).unwrap()).unwrap();
        assert_eq!((rolling.steps, rolling.first), (72, 240 - 72));
    }
}
