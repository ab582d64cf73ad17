//! The self-check of an answer (`--self-check`): the same question asked at a
//! few origins of the series' own history, scored against what followed.

use crate::capacity::CapacityRule;
use crate::error::Result;
use crate::evaluate::{backtest_saturation, SaturationBacktestSettings, SaturationOutcome};
use crate::pipeline::{ForecastSettings, Prepared};
use crate::saturation::{Direction, SelfCheck};

/// Origins a self-check scores: few, so that it costs a fraction of the answer.
pub(crate) const SELF_CHECK_ORIGINS: usize = 2;

/// Sample paths per self-check origin: a Brier score over a couple of origins
/// does not need the answer's resolution.
pub(crate) const SELF_CHECK_PATHS: usize = 100;

/// Score the saturation answer on the series' own history, cheaply: up to
/// [`SELF_CHECK_ORIGINS`] origins a horizon apart at the end of the history, each
/// assessed against the same `capacity` over the same `horizon` (steps) with the
/// model the answer used (`model`, as the forecast names it; `settings.model`
/// when that name is not a model choice), [`SELF_CHECK_PATHS`] paths, and the
/// periods found on the whole series (not detected again at each origin).
/// `None` when the history is too short for one origin.
pub(crate) fn self_check(
    prepared: &Prepared,
    capacity: f64,
    direction: Direction,
    horizon: usize,
    model: &str,
    settings: &ForecastSettings,
) -> Result<Option<SelfCheck>> {
    // `stl_linear(24+168)` is `stl_linear` on the series' periods.
    let family = model.split('(').next().unwrap_or(model);
    let choice = family.parse().unwrap_or(settings.model);
    let fixed = Prepared {
        detected: false,
        ..prepared.clone()
    };
    let check = SaturationBacktestSettings {
        horizon,
        windows: SELF_CHECK_ORIGINS,
        spacing: None,
        direction,
        forecast: ForecastSettings {
            model: choice,
            paths: settings.paths.min(SELF_CHECK_PATHS),
            horizon: None,
            ..settings.clone()
        },
        bins: 1,
    };
    let backtest = match backtest_saturation(&fixed, CapacityRule::Fixed(capacity), &check) {
        Ok(b) => b,
        // Too short for an origin, or at capacity at every one: nothing to say.
        Err(e) if e.series_name().is_some() => return Ok(None),
        Err(e) => return Err(e),
    };
    let outcomes: Vec<&SaturationOutcome> = backtest.outcomes().collect();
    let n = outcomes.len();
    let crossings = outcomes.iter().filter(|o| o.crossed()).count();
    let rate = (crossings as f64 + 0.5) / (n as f64 + 1.0);
    let reference = outcomes
        .iter()
        .map(|o| (rate - f64::from(u8::from(o.crossed()))).powi(2))
        .sum::<f64>()
        / n as f64;
    let brier = backtest.scores.brier;
    Ok(Some(SelfCheck {
        origins: n,
        crossings,
        brier,
        skill: 1.0 - brier / reference,
    }))
}
