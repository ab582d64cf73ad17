//! The ETS model codes: error, trend and season types and the period, parsed
//! from and displayed as the codes of Hyndman et al. (`AAdN`, `MAM(12)`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The error component of an ETS model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EtsErrorType {
    /// `y = prediction + e` (code `A`).
    Additive,
    /// `y = prediction (1 + e)` (code `M`); needs strictly positive data.
    Multiplicative,
}

/// The trend component of an ETS model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EtsTrend {
    /// No trend (code `N`).
    None,
    /// A linear trend (code `A`).
    Additive,
    /// A trend damped by a factor `phi` per step (code `Ad`).
    Damped,
}

/// The seasonal component of an ETS model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EtsSeason {
    /// No season (code `N`).
    None,
    /// A season added to the level (code `A`).
    Additive,
    /// A season multiplying the level (code `M`); needs strictly positive data.
    Multiplicative,
}

/// An ETS model: error, trend and season types, and the seasonal period.
///
/// It displays as the code of Hyndman et al. (`AAdN`: additive error, damped
/// trend, no season) and parses from the code, with the period in parentheses
/// for seasonal models (`"MAM(12)"`).
///
/// ```
/// use headroom::forecast::{EtsSpec, EtsTrend};
/// let spec: EtsSpec = "AAdA(24)".parse().unwrap();
/// assert_eq!(spec.trend, EtsTrend::Damped);
/// assert_eq!((spec.to_string(), spec.period), ("AAdA".to_string(), 24));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EtsSpec {
    /// The error type.
    pub error: EtsErrorType,
    /// The trend type.
    pub trend: EtsTrend,
    /// The season type.
    pub season: EtsSeason,
    /// Steps per season; ignored (and 1 by convention) without a season.
    pub period: usize,
}

impl EtsSpec {
    /// A spec; a seasonal one needs a period of at least 2, a non-seasonal one gets
    /// period 1 whatever is given.
    pub fn new(
        error: EtsErrorType,
        trend: EtsTrend,
        season: EtsSeason,
        period: usize,
    ) -> Result<Self> {
        let spec = EtsSpec {
            error,
            trend,
            season,
            period: if season == EtsSeason::None { 1 } else { period },
        };
        spec.validate()?;
        Ok(spec)
    }

    /// The spec with this code (`ANN`, `AAdM`, ...) and seasonal period.
    pub fn parse(code: &str, period: usize) -> Result<Self> {
        let bad = || {
            Error::invalid(format!(
                "'{code}' is not an ETS code: error A or M, trend N, A or Ad, season N, A or M \
                 (for example ANN, AAdN, MAM)"
            ))
        };
        let chars: Vec<char> = code.trim().chars().collect();
        let (error, rest) = match chars.split_first() {
            Some(('A', rest)) => (EtsErrorType::Additive, rest),
            Some(('M', rest)) => (EtsErrorType::Multiplicative, rest),
            _ => return Err(bad()),
        };
        let (trend, rest) = match rest {
            ['N', rest @ ..] => (EtsTrend::None, rest),
            ['A', 'd', rest @ ..] => (EtsTrend::Damped, rest),
            ['A', rest @ ..] => (EtsTrend::Additive, rest),
            _ => return Err(bad()),
        };
        let season = match rest {
            ['N'] => EtsSeason::None,
            ['A'] => EtsSeason::Additive,
            ['M'] => EtsSeason::Multiplicative,
            _ => return Err(bad()),
        };
        EtsSpec::new(error, trend, season, period)
    }

    /// The code of Hyndman et al.: `ANN`, `AAdA`, `MAM`, ...
    pub fn code(&self) -> String {
        let e = match self.error {
            EtsErrorType::Additive => "A",
            EtsErrorType::Multiplicative => "M",
        };
        let t = match self.trend {
            EtsTrend::None => "N",
            EtsTrend::Additive => "A",
            EtsTrend::Damped => "Ad",
        };
        let s = match self.season {
            EtsSeason::None => "N",
            EtsSeason::Additive => "A",
            EtsSeason::Multiplicative => "M",
        };
        format!("{e}{t}{s}")
    }

    /// True with a season.
    pub fn is_seasonal(&self) -> bool {
        self.season != EtsSeason::None
    }

    /// True with a trend, damped or not.
    pub fn has_trend(&self) -> bool {
        self.trend != EtsTrend::None
    }

    /// True with a damped trend.
    pub fn is_damped(&self) -> bool {
        self.trend == EtsTrend::Damped
    }

    /// True when any component is multiplicative (the data must then be positive).
    pub fn is_multiplicative(&self) -> bool {
        self.error == EtsErrorType::Multiplicative || self.season == EtsSeason::Multiplicative
    }

    /// True for the linear models (additive error, no multiplicative season:
    /// class 1 of Hyndman et al. 2008, chapter 6), whose prediction intervals are
    /// exact and normal; the others' come from simulation.
    pub fn has_exact_intervals(&self) -> bool {
        self.error == EtsErrorType::Additive && self.season != EtsSeason::Multiplicative
    }

    /// The seasonal period in use: the period with a season, 1 without.
    pub fn season_length(&self) -> usize {
        if self.is_seasonal() {
            self.period
        } else {
            1
        }
    }

    /// The number of estimated parameters as statsmodels counts them for AIC,
    /// AICc and BIC: smoothing parameters, damping, the initial level, trend and
    /// all `period` initial seasonal states (one of which only fixes the
    /// normalisation), plus the error variance.
    pub fn n_params(&self) -> usize {
        let smoothing = 1
            + usize::from(self.has_trend())
            + usize::from(self.is_seasonal())
            + usize::from(self.is_damped());
        let states =
            1 + usize::from(self.has_trend()) + if self.is_seasonal() { self.period } else { 0 };
        smoothing + states + 1
    }

    /// The fewest observations a fit needs: four more than the parameters (as R's
    /// `forecast::ets`), and two full seasons for a seasonal model (as statsmodels'
    /// initial-state heuristic).
    pub fn min_observations(&self) -> usize {
        let by_params = self.n_params() + 4;
        if self.is_seasonal() {
            by_params.max(2 * self.period)
        } else {
            by_params
        }
    }

    pub(super) fn validate(&self) -> Result<()> {
        if self.is_seasonal() && self.period < 2 {
            return Err(Error::invalid(format!(
                "the seasonal ETS model {} needs a period of at least 2, got {}",
                self.code(),
                self.period
            )));
        }
        Ok(())
    }

    /// The name of a fitted model of this spec, as in the `model` column.
    pub(super) fn model_name(&self) -> String {
        if self.is_seasonal() {
            format!("ets({},{})", self.code(), self.period)
        } else {
            format!("ets({})", self.code())
        }
    }
}

impl fmt::Display for EtsSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl FromStr for EtsSpec {
    type Err = Error;

    /// A code, with the period in parentheses for a seasonal model: `AAdN`,
    /// `ANA(24)`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        match s.split_once('(') {
            Some((code, rest)) => {
                let period = rest
                    .strip_suffix(')')
                    .and_then(|p| p.trim().parse::<usize>().ok())
                    .ok_or_else(|| {
                        Error::invalid(format!("'{s}': the period in parentheses is not a number"))
                    })?;
                EtsSpec::parse(code, period)
            }
            None => EtsSpec::parse(s, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ets::tests::spec;

    #[test]
    fn codes_parse_display_and_count_parameters() {
        for code in ["ANN", "AAN", "AAdN", "MNN", "MAdM", "ANA"] {
            let s = EtsSpec::parse(code, 12).unwrap();
            assert_eq!(s.to_string(), code);
        }
        let s: EtsSpec = "MAdM(12)".parse().unwrap();
        assert_eq!(
            (s.error, s.trend, s.season, s.period),
            (
                EtsErrorType::Multiplicative,
                EtsTrend::Damped,
                EtsSeason::Multiplicative,
                12
            )
        );
        assert_eq!(spec("AAdN").period, 1);
        assert!("AAA".parse::<EtsSpec>().is_err(), "a season needs a period");
        assert!("AMN".parse::<EtsSpec>().is_err());
        assert!("AAdN(x)".parse::<EtsSpec>().is_err());
        assert!(EtsSpec::parse("ANNN", 1).is_err());
        // statsmodels' counts (see the fixtures' AIC): AAA(12) 18, ANN 3, AAdN 6.
        assert_eq!(EtsSpec::parse("AAA", 12).unwrap().n_params(), 18);
        assert_eq!(spec("ANN").n_params(), 3);
        assert_eq!(spec("AAdN").n_params(), 6);
        assert!(spec("AAdN").has_exact_intervals() && !spec("MNN").has_exact_intervals());
    }
}
