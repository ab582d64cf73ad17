//! Choosing a model by name, or automatically by rolling-origin validation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{FittedModel, Forecaster, SeasonalNaive, StlLinear};
use crate::decompose::StlOptions;
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// Number of rolling origins `auto` validates on: the last two stretches of the
/// validation horizon, so one unusual stretch does not decide alone.
const VALIDATION_WINDOWS: usize = 2;

/// A model by name, as `--model` takes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelChoice {
    /// Choose per series by rolling-origin validation among the candidates (default).
    #[default]
    Auto,
    /// Naive: the last value, repeated.
    Naive,
    /// Seasonal naive on the longest period that fits twice into the history.
    SeasonalNaive,
    /// STL (or MSTL) plus a linear trend on the recent adjusted series.
    StlLinear,
    /// A straight line through the recent history, no season.
    LinearTrend,
}

impl ModelChoice {
    /// Every choice with its name, for help texts.
    pub const NAMES: [&'static str; 5] = [
        "auto",
        "naive",
        "seasonal_naive",
        "stl_linear",
        "linear_trend",
    ];

    /// Fit this model (for `Auto`, the one chosen by validation) to `series` with
    /// these seasonal periods. `horizon` sets the validation length for `Auto`.
    pub fn fit(
        &self,
        series: &RegularSeries,
        periods: &[usize],
        options: &StlOptions,
        horizon: usize,
    ) -> Result<Box<dyn FittedModel>> {
        match self {
            ModelChoice::Auto => Ok(select(series, periods, options, horizon)?.model),
            ModelChoice::Naive => boxed(&SeasonalNaive::new(1), series),
            ModelChoice::SeasonalNaive => boxed(
                &SeasonalNaive::new(naive_period(periods, series.len())),
                series,
            ),
            ModelChoice::StlLinear => boxed(
                &StlLinear::new(periods.to_vec()).stl_options(options.clone()),
                series,
            ),
            ModelChoice::LinearTrend => boxed(&StlLinear::new(Vec::new()), series),
        }
    }
}

impl FromStr for ModelChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ModelChoice::Auto),
            "naive" => Ok(ModelChoice::Naive),
            "seasonal_naive" | "snaive" => Ok(ModelChoice::SeasonalNaive),
            "stl_linear" | "stl" => Ok(ModelChoice::StlLinear),
            "linear_trend" | "linear" => Ok(ModelChoice::LinearTrend),
            other => Err(Error::invalid(format!(
                "unknown model '{other}'; expected one of {}",
                Self::NAMES.join(", ")
            ))),
        }
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = match self {
            ModelChoice::Auto => 0,
            ModelChoice::Naive => 1,
            ModelChoice::SeasonalNaive => 2,
            ModelChoice::StlLinear => 3,
            ModelChoice::LinearTrend => 4,
        };
        f.write_str(Self::NAMES[i])
    }
}

/// The outcome of automatic selection.
pub struct Selection {
    /// The chosen model, fitted to the whole history.
    pub model: Box<dyn FittedModel>,
    /// Each validated candidate with its mean absolute error over the windows.
    pub scores: Vec<(ModelChoice, f64)>,
    /// Candidates left out, with the reason.
    pub skipped: Vec<(ModelChoice, String)>,
}

impl fmt::Debug for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selection")
            .field("model", &self.model.name())
            .field("scores", &self.scores)
            .field("skipped", &self.skipped)
            .finish()
    }
}

/// Pick the model with the lowest mean absolute error over the last
/// [`VALIDATION_WINDOWS`] stretches of `min(horizon, max(n / 8, longest period))`
/// steps, each forecast from a model fitted on the history before it. The
/// stretches are kept to the recent eighth of the history because the model is
/// wanted for what the series does now: a long stretch reaches back across old
/// level shifts (a cleanup, a migration) that no model should be judged on. Seasonal naive is always a
/// candidate; with no period, naive and the linear trend are.
pub fn select(
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
) -> Result<Selection> {
    let candidates = if periods.is_empty() {
        vec![ModelChoice::Naive, ModelChoice::LinearTrend]
    } else {
        vec![ModelChoice::SeasonalNaive, ModelChoice::StlLinear]
    };
    let n = series.len();
    let longest = periods.iter().copied().max().unwrap_or(1);
    let step = horizon.min((n / 8).max(longest)).max(1);
    let mut scores = Vec::new();
    let mut skipped = Vec::new();
    for &choice in &candidates {
        match validation_error(choice, series, periods, options, step) {
            Ok(score) => scores.push((choice, score)),
            Err(e) => skipped.push((choice, e.to_string())),
        }
    }
    let mut ranked: Vec<ModelChoice> = {
        let mut s = scores.clone();
        s.sort_by(|a, b| a.1.total_cmp(&b.1));
        s.into_iter().map(|(c, _)| c).collect()
    };
    // Candidates that could not be validated stay as fallbacks, in candidate order.
    ranked.extend(skipped.iter().map(|(c, _)| *c));
    let mut last_error = None;
    for choice in ranked {
        match choice.fit(series, periods, options, horizon) {
            Ok(model) => {
                return Ok(Selection {
                    model,
                    scores,
                    skipped,
                })
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| Error::series(series.name(), "no model could be fitted")))
}

/// Mean absolute error of `choice` over the validation windows.
fn validation_error(
    choice: ModelChoice,
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    step: usize,
) -> Result<f64> {
    let n = series.len();
    let y = series.values();
    let mut total = 0.0;
    for k in (1..=VALIDATION_WINDOWS).rev() {
        let cut = n
            .checked_sub(k * step)
            .filter(|&c| c >= 2)
            .ok_or_else(|| Error::series(series.name(), "too short to validate"))?;
        let head = series.head(cut)?;
        let forecast = choice
            .fit(&head, periods, options, step)?
            .predict(step, &[])?;
        total += forecast
            .point
            .iter()
            .zip(&y[cut..cut + step])
            .map(|(f, a)| (f - a).abs())
            .sum::<f64>();
    }
    Ok(total / (VALIDATION_WINDOWS * step) as f64)
}

/// The longest period with two seasons of history, else the shortest, else 1.
fn naive_period(periods: &[usize], n: usize) -> usize {
    periods
        .iter()
        .copied()
        .filter(|&p| 2 * p <= n)
        .max()
        .or_else(|| periods.iter().copied().min())
        .unwrap_or(1)
}

fn boxed<M>(model: &M, series: &RegularSeries) -> Result<Box<dyn FittedModel>>
where
    M: Forecaster,
    M::Fitted: 'static,
{
    Ok(Box::new(model.fit(series)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Step;
    use chrono::{TimeZone, Utc};

    #[test]
    fn names_round_trip() {
        for name in ModelChoice::NAMES {
            assert_eq!(name.parse::<ModelChoice>().unwrap().to_string(), name);
        }
        assert!("prophet".parse::<ModelChoice>().is_err());
    }

    #[test]
    fn auto_prefers_the_trend_on_a_growing_series() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let y: Vec<f64> = (0..24 * 20)
            .map(|t| 10.0 * t as f64 + ((t % 24) as f64 - 12.0).abs())
            .collect();
        let s = RegularSeries::new("s", start, Step::seconds(3600), y).unwrap();
        let sel = select(&s, &[24], &StlOptions::default(), 48).unwrap();
        assert_eq!(sel.model.name(), "stl_linear(24)");
        assert_eq!(sel.scores.len(), 2);
    }

    #[test]
    fn auto_falls_back_when_history_is_short() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let s = RegularSeries::new("s", start, Step::seconds(3600), vec![1.0, 2.0, 3.0]).unwrap();
        let sel = select(&s, &[], &StlOptions::default(), 10).unwrap();
        assert_eq!(sel.model.name(), "naive");
    }

    #[test]
    fn naive_period_rule() {
        assert_eq!(naive_period(&[24, 168], 400), 168);
        assert_eq!(naive_period(&[24, 168], 300), 24);
        assert_eq!(naive_period(&[], 300), 1);
    }
}
