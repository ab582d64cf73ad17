//! Choosing a model by name, or automatically by rolling-origin validation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::boxcox::{BoxCox, Noted, Transformed};
use super::select::{conformal_for, grows_in_proportion, select, transform_period};
use super::trend_change::{TrendChanges, WithTrendChanges};
use super::{
    AdjustedModel, AutoEts, Curve, Decomposed, Drift, Ets, EtsSpec, FittedModel, Forecaster,
    HarmonicRegression, Naive2, SeasonalNaive, Theta, TrendRegression, WindowMean,
};
use crate::decompose::StlOptions;
use crate::error::{Error, Result};
use crate::series::RegularSeries;

/// A model by name, as `--model` takes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum ModelChoice {
    /// Choose per series by rolling-origin validation among the candidates (default).
    #[default]
    Auto,
    /// Naive: the last value, repeated.
    Naive,
    /// Seasonal naive on the given period, or (`None`) on the longest period that
    /// fits twice into the history; written `seasonal_naive` or `seasonal_naive(24)`.
    SeasonalNaive(Option<usize>),
    /// The last value plus the average change.
    Drift,
    /// The mean of the recent history.
    Mean,
    /// The M4 benchmark: naive on the classically deseasonalised series (seasonality
    /// tested at the shortest period).
    Naive2,
    /// A trend regression of this shape, no season.
    Trend(Curve),
    /// STL (or MSTL) plus a model of the seasonally adjusted series.
    Decomposed(AdjustedModel),
    /// The same on the Box-Cox scale, with lambda by Guerrero's method
    /// ([`BoxCox::guerrero`]); written `boxcox_stl_drift` and so on. On values that
    /// are not all positive it falls back to the original scale and says so
    /// ([`Forecast::notes`](super::Forecast::notes)).
    BoxCox(AdjustedModel),
    /// A piecewise-linear trend plus Fourier terms for every period.
    Harmonic,
    /// The Theta method, seasonally adjusted (M4's classical multiplicative
    /// adjustment) at the shortest period when the M4 test finds seasonality there.
    Theta,
    /// Exponential smoothing: this spec, or (`None`) chosen by AICc; seasonal with
    /// the shortest period when it is at most [`ETS_MAX_PERIOD`] steps. Written
    /// `ets` or `ets(AAdN)`.
    Ets(Option<EtsSpec>),
}

/// Every name `--model` takes, with its model.
const NAMED: [(&str, ModelChoice); 29] = [
    ("auto", ModelChoice::Auto),
    ("naive", ModelChoice::Naive),
    ("seasonal_naive", ModelChoice::SeasonalNaive(None)),
    ("drift", ModelChoice::Drift),
    ("window_mean", ModelChoice::Mean),
    ("naive2", ModelChoice::Naive2),
    ("linear_trend", ModelChoice::Trend(Curve::Linear)),
    ("quadratic_trend", ModelChoice::Trend(Curve::Polynomial(2))),
    ("cubic_trend", ModelChoice::Trend(Curve::Polynomial(3))),
    ("exponential_trend", ModelChoice::Trend(Curve::Exponential)),
    ("logarithmic_trend", ModelChoice::Trend(Curve::Logarithmic)),
    ("power_trend", ModelChoice::Trend(Curve::Power)),
    ("logistic_trend", ModelChoice::Trend(Curve::Logistic(None))),
    (
        "stl_linear",
        ModelChoice::Decomposed(AdjustedModel::Trend(Curve::Linear)),
    ),
    ("stl_drift", ModelChoice::Decomposed(AdjustedModel::Drift)),
    ("stl_naive", ModelChoice::Decomposed(AdjustedModel::Naive)),
    ("stl_mean", ModelChoice::Decomposed(AdjustedModel::Mean)),
    ("harmonic", ModelChoice::Harmonic),
    ("ets", ModelChoice::Ets(None)),
    ("stl_ets", ModelChoice::Decomposed(AdjustedModel::Ets)),
    ("theta", ModelChoice::Theta),
    ("stl_theta", ModelChoice::Decomposed(AdjustedModel::Theta)),
    ("stl_damped", ModelChoice::Decomposed(AdjustedModel::Damped)),
    (
        "boxcox_stl_linear",
        ModelChoice::BoxCox(AdjustedModel::Trend(Curve::Linear)),
    ),
    (
        "boxcox_stl_drift",
        ModelChoice::BoxCox(AdjustedModel::Drift),
    ),
    (
        "boxcox_stl_naive",
        ModelChoice::BoxCox(AdjustedModel::Naive),
    ),
    (
        "boxcox_stl_theta",
        ModelChoice::BoxCox(AdjustedModel::Theta),
    ),
    (
        "boxcox_stl_damped",
        ModelChoice::BoxCox(AdjustedModel::Damped),
    ),
    ("boxcox_stl_ets", ModelChoice::BoxCox(AdjustedModel::Ets)),
];

impl ModelChoice {
    /// Every name `--model` takes.
    pub fn names() -> Vec<&'static str> {
        NAMED.iter().map(|(name, _)| *name).collect()
    }

    /// Fit this model (for `Auto`, the one chosen by validation) to `series` with
    /// these seasonal periods. `horizon` sets the validation length for `Auto`.
    pub fn fit(
        &self,
        series: &RegularSeries,
        periods: &[usize],
        options: &StlOptions,
        horizon: usize,
    ) -> Result<Box<dyn FittedModel>> {
        let longest = periods.iter().copied().max().unwrap_or(1);
        match *self {
            ModelChoice::Auto => Ok(select(series, periods, options, horizon, true)?.model),
            ModelChoice::Naive => boxed(&SeasonalNaive::new(1), series),
            ModelChoice::SeasonalNaive(period) => boxed(
                &SeasonalNaive::new(period.unwrap_or_else(|| naive_period(periods, series.len()))),
                series,
            ),
            ModelChoice::Drift => boxed(&Drift, series),
            ModelChoice::Mean => boxed(&WindowMean::default().longest_period(longest), series),
            ModelChoice::Naive2 => boxed(
                &Naive2::new(periods.iter().copied().min().unwrap_or(1)),
                series,
            ),
            ModelChoice::Trend(curve) => {
                boxed(&TrendRegression::new(curve).longest_period(longest), series)
            }
            ModelChoice::Harmonic => boxed(&HarmonicRegression::new(periods.to_vec()), series),
            ModelChoice::Theta => boxed(
                &Theta::new(periods.iter().copied().min().unwrap_or(1)),
                series,
            ),
            ModelChoice::Ets(spec) => {
                let period = ets_period(periods);
                match spec {
                    Some(spec) => {
                        let spec = EtsSpec::parse(
                            &spec.code(),
                            if spec.is_seasonal() { period } else { 1 },
                        )?;
                        boxed(&Ets::new(spec), series)
                    }
                    None => boxed(&AutoEts::new(period), series),
                }
            }
            ModelChoice::Decomposed(adjusted) => boxed(
                &Decomposed::new(periods.to_vec(), adjusted).stl_options(options.clone()),
                series,
            ),
            ModelChoice::BoxCox(adjusted) => {
                let model =
                    Decomposed::new(periods.to_vec(), adjusted).stl_options(options.clone());
                match BoxCox::guerrero(series.values(), transform_period(periods)) {
                    Some(t) => boxed(&Transformed::new(model, t), series),
                    None => Ok(Box::new(Noted::new(
                        model.fit(series)?,
                        "the values are not all positive, so no Box-Cox transform: fitted on the original scale",
                    ))),
                }
            }
        }
    }

    /// Whether the model extrapolates a trend, so that its paths should also let
    /// the trend change ([`TrendChanges`]): every model but the naive and mean
    /// baselines, whose forecasts are flat by design.
    pub fn carries_trend(&self) -> bool {
        !matches!(
            self,
            ModelChoice::Naive
                | ModelChoice::SeasonalNaive(_)
                | ModelChoice::Mean
                | ModelChoice::Naive2
                | ModelChoice::Decomposed(AdjustedModel::Naive | AdjustedModel::Mean)
                | ModelChoice::BoxCox(AdjustedModel::Naive | AdjustedModel::Mean)
        )
    }
}

impl FromStr for ModelChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase();
        if let Some(code) = s
            .trim()
            .strip_prefix("ets(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            // The period comes from the seasons given; here only the shape.
            let period = if code.trim().ends_with('N') { 1 } else { 2 };
            return EtsSpec::parse(code.trim(), period).map(|spec| ModelChoice::Ets(Some(spec)));
        }
        if let Some(period) = wanted
            .strip_prefix("seasonal_naive(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            return match period.trim().parse::<usize>() {
                Ok(p) if p >= 1 => Ok(ModelChoice::SeasonalNaive(Some(p))),
                _ => Err(Error::invalid(format!(
                    "'{wanted}': the period must be a whole number of steps"
                ))),
            };
        }
        let alias = match wanted.as_str() {
            "snaive" => "seasonal_naive",
            "stl" => "stl_linear",
            "linear" => "linear_trend",
            other => other,
        };
        NAMED
            .iter()
            .find(|(name, _)| *name == alias)
            .map(|(_, choice)| *choice)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown model '{wanted}'; expected one of {}",
                    Self::names().join(", ")
                ))
            })
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ModelChoice::SeasonalNaive(Some(p)) = self {
            return write!(f, "seasonal_naive({p})");
        }
        if let ModelChoice::Ets(Some(spec)) = self {
            return write!(f, "ets({})", spec.code());
        }
        let name = NAMED
            .iter()
            .find(|(_, choice)| choice == self)
            .map(|(name, _)| *name)
            .unwrap_or("custom");
        f.write_str(name)
    }
}

/// How a forecast's intervals are made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntervalMethod {
    /// Conformal for `auto` (from its validation), the model's own otherwise.
    #[default]
    Auto,
    /// The model's own intervals.
    Model,
    /// Conformal intervals from rolling-origin refits of the model.
    Conformal,
}

impl FromStr for IntervalMethod {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(IntervalMethod::Auto),
            "model" => Ok(IntervalMethod::Model),
            "conformal" => Ok(IntervalMethod::Conformal),
            other => Err(Error::invalid(format!(
                "intervals must be auto, model or conformal, got '{other}'"
            ))),
        }
    }
}

/// Fit `choice` with intervals made by `method`, and with the trend changes of
/// the history in its paths and intervals when it carries a trend (`auto`
/// always: see [`TrendChanges`]). Conformal intervals for a named model come from
/// refits at the last stretches of [`validation_horizon`](super::validation_horizon) steps; where the history
/// is too short for enough of them, the model keeps its own intervals.
pub fn fit_with_intervals(
    choice: ModelChoice,
    series: &RegularSeries,
    periods: &[usize],
    options: &StlOptions,
    horizon: usize,
    method: IntervalMethod,
) -> Result<Box<dyn FittedModel>> {
    let model = match (choice, method) {
        (ModelChoice::Auto, IntervalMethod::Model) => {
            select(series, periods, options, horizon, false)?.model
        }
        (ModelChoice::Auto, _) => select(series, periods, options, horizon, true)?.model,
        (_, IntervalMethod::Conformal) => {
            let model = choice.fit(series, periods, options, horizon)?;
            conformal_for(model, choice, series, periods, options, horizon)
        }
        _ => choice.fit(series, periods, options, horizon)?,
    };
    if !choice.carries_trend() {
        return Ok(model);
    }
    let longest = periods.iter().copied().max().unwrap_or(1);
    let proportional = grows_in_proportion(periods, series.values());
    Ok(Box::new(WithTrendChanges::new(
        model,
        TrendChanges::estimate_on(series, longest, proportional),
        series.step().nominal_seconds(),
    )))
}

/// The longest seasonal period ETS models with a seasonal state: beyond it a
/// state per step of the season makes the fit slow and the likelihood flat (R's
/// `ets` refuses periods above 24; 52 admits weekly seasons of daily data).
pub const ETS_MAX_PERIOD: usize = 52;

/// The period seasonal ETS uses: the shortest given, if at most [`ETS_MAX_PERIOD`].
pub(crate) fn ets_period(periods: &[usize]) -> usize {
    periods
        .iter()
        .copied()
        .min()
        .filter(|&p| p <= ETS_MAX_PERIOD)
        .unwrap_or(1)
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

    #[test]
    fn names_round_trip() {
        for name in ModelChoice::names() {
            assert_eq!(name.parse::<ModelChoice>().unwrap().to_string(), name);
        }
        assert!("prophet".parse::<ModelChoice>().is_err());
        let weekly: ModelChoice = "seasonal_naive(168)".parse().unwrap();
        assert_eq!(weekly, ModelChoice::SeasonalNaive(Some(168)));
        assert_eq!(weekly.to_string(), "seasonal_naive(168)");
        assert!("seasonal_naive(0)".parse::<ModelChoice>().is_err());
    }

    #[test]
    fn naive_period_rule() {
        assert_eq!(naive_period(&[24, 168], 400), 168);
        assert_eq!(naive_period(&[24, 168], 300), 24);
        assert_eq!(naive_period(&[], 300), 1);
    }
}
