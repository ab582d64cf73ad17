//! The automatic choice of a spec by AICc ([`AutoEts`]) and the record of how
//! every candidate fared.

use serde::{Deserialize, Serialize};

use super::estimation::{admissible, fit_checked, is_constant, Estimate};
use super::likelihood::ets_smooth;
use super::spec::{EtsErrorType, EtsSeason, EtsSpec, EtsTrend};
use super::{FittedEts, DEFAULT_INTERVAL_PATHS, DEFAULT_INTERVAL_SEED};
use crate::error::{Error, Result};
use crate::forecast::Forecaster;
use crate::series::RegularSeries;

/// How one candidate of an [`AutoEts`] choice fared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EtsOutcome {
    /// Fitted, with its log-likelihood and AICc.
    Fitted {
        /// The log-likelihood.
        loglik: f64,
        /// The AICc the choice compares.
        aicc: f64,
    },
    /// Not a candidate for this series, and why.
    Skipped {
        /// The reason.
        reason: String,
    },
}

/// One candidate of an [`AutoEts`] choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsCandidate {
    /// The spec.
    pub spec: EtsSpec,
    /// Fitted or skipped.
    pub outcome: EtsOutcome,
}

/// The candidates of an [`AutoEts`] choice and the chosen spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsSelection {
    /// Every candidate considered, in the order tried.
    pub candidates: Vec<EtsCandidate>,
    /// The spec with the smallest AICc.
    pub chosen: EtsSpec,
}

/// ETS with the spec chosen by AICc among the admissible candidates, as R's
/// `forecast::ets`.
///
/// By default the candidates are every combination of error (A, M), trend (N, A,
/// Ad) and season (N, and A and M when the period is at least 2), except the
/// additive-error, multiplicative-season models, whose forecast variance can be
/// infinite (R's `restrict = TRUE`). A candidate is skipped, with the reason
/// recorded, when it has multiplicative components and the series has a value
/// at or below zero, when the series is shorter than two seasons or than the
/// parameters need ([`EtsSpec::min_observations`]), or when its fit fails. A
/// constant series gets `ANN`, which fits it exactly.
///
/// Cost: the six non-seasonal candidates take about 5 ms on 1000 points, most of
/// it in the three multiplicative-error fits ([`AutoEts::additive_only`] is about
/// five times cheaper); with period 24 the fifteen candidates take about a
/// quarter of a second, with period 168 over ten seconds (R's `ets` refuses
/// periods above 24).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::forecast::{AutoEts, FittedModel, Forecaster};
/// use headroom::{RegularSeries, Step};
/// let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let y: Vec<f64> = (0..96).map(|t| 10.0 + 3.0 * ((t % 12) as f64 - 5.5).abs() + (t % 5) as f64 * 0.3).collect();
/// let s = RegularSeries::new("cpu", start, Step::seconds(3600), y).unwrap();
/// let fit = AutoEts::new(12).fit(&s).unwrap();
/// assert!(fit.spec().is_seasonal());
/// assert_eq!(fit.selection().unwrap().candidates.len(), 15);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoEts {
    period: usize,
    restrict: bool,
    candidates: Option<Vec<EtsSpec>>,
    interval_paths: usize,
    interval_seed: u64,
}

impl AutoEts {
    /// Automatic ETS for this seasonal period (1 or 0 for non-seasonal candidates
    /// only).
    pub fn new(period: usize) -> Self {
        AutoEts {
            period,
            restrict: true,
            candidates: None,
            interval_paths: DEFAULT_INTERVAL_PATHS,
            interval_seed: DEFAULT_INTERVAL_SEED,
        }
    }

    /// Also consider the additive-error, multiplicative-season models.
    pub fn unrestricted(mut self) -> Self {
        self.restrict = false;
        self
    }

    /// Consider only the additive models (ANN, AAN, AAdN, and ANA, AAA, AAdA with
    /// a period), as R's `additive.only`: about a fifth of the cost of the full
    /// non-seasonal choice, whose multiplicative-error fits are the slow ones.
    pub fn additive_only(self) -> Self {
        let specs = self
            .specs()
            .into_iter()
            .filter(|s| !s.is_multiplicative())
            .collect();
        self.candidates(specs)
    }

    /// Choose among exactly these specs instead (the admissibility rules still
    /// apply).
    pub fn candidates(mut self, specs: Vec<EtsSpec>) -> Self {
        self.candidates = Some(specs);
        self
    }

    /// Paths and seed for simulated intervals, as
    /// [`Ets::interval_simulation`](super::Ets::interval_simulation).
    pub fn interval_simulation(mut self, paths: usize, seed: u64) -> Self {
        self.interval_paths = paths.max(1);
        self.interval_seed = seed;
        self
    }

    /// The candidate specs, before the series is seen.
    pub fn specs(&self) -> Vec<EtsSpec> {
        if let Some(specs) = &self.candidates {
            return specs.clone();
        }
        let seasons: &[EtsSeason] = if self.period >= 2 {
            &[
                EtsSeason::None,
                EtsSeason::Additive,
                EtsSeason::Multiplicative,
            ]
        } else {
            &[EtsSeason::None]
        };
        let mut specs = Vec::new();
        // Additive errors first: their fits start the multiplicative-error ones.
        for error in [EtsErrorType::Additive, EtsErrorType::Multiplicative] {
            for &season in seasons {
                for trend in [EtsTrend::None, EtsTrend::Additive, EtsTrend::Damped] {
                    if self.restrict
                        && error == EtsErrorType::Additive
                        && season == EtsSeason::Multiplicative
                    {
                        continue;
                    }
                    specs.push(EtsSpec {
                        error,
                        trend,
                        season,
                        period: if season == EtsSeason::None {
                            1
                        } else {
                            self.period
                        },
                    });
                }
            }
        }
        specs
    }
}

impl Forecaster for AutoEts {
    type Fitted = FittedEts;

    fn fit(&self, series: &RegularSeries) -> Result<FittedEts> {
        let y = series.values();
        let constant = is_constant(y);
        let mut candidates = Vec::new();
        let mut fits: Vec<(EtsSpec, Estimate, f64)> = Vec::new();
        for spec in self.specs() {
            let outcome = if let Err(reason) = admissible(&spec, y) {
                EtsOutcome::Skipped { reason }
            } else if constant && spec.code() != "ANN" {
                EtsOutcome::Skipped {
                    reason: "the series is constant: ANN fits it exactly".to_string(),
                }
            } else {
                let start = warm_start(&spec, &fits);
                let fitted = fit_checked(&spec, y, start).and_then(|estimate| {
                    ets_smooth(&spec, &estimate.params, &estimate.initial, y)
                        .map(|s| (estimate, s))
                        .map_err(|e| e.to_string())
                });
                match fitted {
                    Ok((estimate, s)) => {
                        let k = spec.n_params() as f64;
                        let n = y.len() as f64;
                        let aicc = -2.0 * s.loglik + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0);
                        fits.push((spec, estimate, aicc));
                        EtsOutcome::Fitted {
                            loglik: s.loglik,
                            aicc,
                        }
                    }
                    Err(reason) => EtsOutcome::Skipped { reason },
                }
            };
            candidates.push(EtsCandidate { spec, outcome });
        }
        let best = fits
            .into_iter()
            .filter(|f| f.2.is_finite())
            .min_by(|a, b| a.2.total_cmp(&b.2));
        let Some((spec, estimate, _)) = best else {
            let reasons: Vec<String> = candidates
                .iter()
                .filter_map(|c| match &c.outcome {
                    EtsOutcome::Skipped { reason } => Some(format!("{}: {reason}", c.spec)),
                    EtsOutcome::Fitted { .. } => None,
                })
                .collect();
            return Err(Error::series(
                series.name(),
                format!("no ETS model could be fitted ({})", reasons.join("; ")),
            ));
        };
        let selection = EtsSelection {
            candidates,
            chosen: spec,
        };
        FittedEts::build(
            series,
            spec,
            estimate,
            Some(selection),
            self.interval_paths,
            self.interval_seed,
        )
    }
}

/// A multiplicative-error candidate starts from the fit of its additive-error
/// twin when there is one: the smoothing equations are the same, so that fit is
/// close.
fn warm_start<'a>(spec: &EtsSpec, fits: &'a [(EtsSpec, Estimate, f64)]) -> Option<&'a Estimate> {
    if spec.error != EtsErrorType::Multiplicative {
        return None;
    }
    fits.iter()
        .find(|(s, _, _)| {
            s.error == EtsErrorType::Additive && s.trend == spec.trend && s.season == spec.season
        })
        .map(|(_, e, _)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_choice_leaves_out_additive_error_with_multiplicative_season() {
        let specs = AutoEts::new(12).specs();
        assert_eq!(specs.len(), 15);
        assert!(!specs
            .iter()
            .any(|s| s.code() == "ANM" || s.code() == "AAdM"));
        assert_eq!(AutoEts::new(12).unrestricted().specs().len(), 18);
        assert_eq!(AutoEts::new(1).specs().len(), 6);
        let additive: Vec<String> = AutoEts::new(1)
            .additive_only()
            .specs()
            .iter()
            .map(|s| s.code())
            .collect();
        assert_eq!(additive, ["ANN", "AAN", "AAdN"]);
    }
}
