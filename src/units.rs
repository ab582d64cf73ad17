//! Horizons, seasons and capacities as people write them: `48`, `2h`, `7d`, `500G`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::series::Step;

/// A length of time given either as a number of steps or as a duration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Span {
    /// A number of steps of the series.
    Steps(usize),
    /// A duration in seconds (`90m`, `2h`, `7d`, `1w`, `1y`).
    Seconds(f64),
}

impl FromStr for Span {
    type Err = Error;

    /// `48` is steps; a number followed by `s`, `m`, `h`, `d`, `w` or `y` (365.2425
    /// days) is a duration.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if let Ok(steps) = t.parse::<usize>() {
            return Ok(Span::Steps(steps));
        }
        let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let unit_seconds = match unit {
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 604_800.0,
            "y" => 31_556_952.0,
            _ => f64::NAN,
        };
        match number.trim().parse::<f64>() {
            Ok(x) if x > 0.0 && x.is_finite() && unit_seconds.is_finite() => {
                Ok(Span::Seconds(x * unit_seconds))
            }
            _ => Err(Error::invalid(format!(
                "cannot read '{s}' as a number of steps or a duration (such as 48, 90m, 2h, 7d, 1w)"
            ))),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Steps(n) => write!(f, "{n} steps"),
            Span::Seconds(s) => write!(f, "{s} s"),
        }
    }
}

impl Span {
    /// The number of steps, rounding a duration up to whole steps (a horizon of
    /// 90 minutes on an hourly series is 2 steps).
    pub fn steps_ceil(&self, step: Step) -> usize {
        match *self {
            Span::Steps(n) => n,
            Span::Seconds(s) => (s / step.nominal_seconds() - 1e-9).ceil().max(0.0) as usize,
        }
    }

    /// The number of steps, which must be whole (a season of `1d` on 7-hour data is
    /// an error). Calendar-month steps allow the 3 % by which months differ.
    pub fn steps_exact(&self, step: Step) -> Result<usize> {
        match *self {
            Span::Steps(n) => Ok(n),
            Span::Seconds(s) => {
                let steps = s / step.nominal_seconds();
                let tolerance = match step {
                    Step::Months { .. } => 0.03 * steps,
                    Step::Fixed { .. } => 1e-6 * steps,
                };
                let whole = steps.round();
                if whole >= 1.0 && (steps - whole).abs() <= tolerance {
                    Ok(whole as usize)
                } else {
                    Err(Error::invalid(format!(
                        "a season of {s} s is {steps:.3} steps of {step}, not a whole number"
                    )))
                }
            }
        }
    }
}

/// Parse a capacity: a number with an optional SI suffix `k M G T P` (powers of
/// 1000) or binary suffix `Ki Mi Gi Ti Pi` (powers of 1024), either followed by an
/// optional `B` for bytes as disk and memory sizes are written (`16GB`, `16GiB`).
///
/// ```
/// use headroom::units::parse_capacity;
/// assert_eq!(parse_capacity("500G").unwrap(), 500e9);
/// assert_eq!(parse_capacity("2Ti").unwrap(), 2.0 * 1024f64.powi(4));
/// assert_eq!(parse_capacity("16GB").unwrap(), 16e9);
/// assert_eq!(parse_capacity("16GiB").unwrap(), 16.0 * 1024f64.powi(3));
/// assert_eq!(parse_capacity("-1.5e3").unwrap(), -1500.0);
/// assert!(parse_capacity("lots").is_err());
/// ```
pub fn parse_capacity(text: &str) -> Result<f64> {
    let t = text.trim();
    let suffixes: [(&str, f64); 11] = [
        ("Ki", 1024.0),
        ("Mi", 1024f64.powi(2)),
        ("Gi", 1024f64.powi(3)),
        ("Ti", 1024f64.powi(4)),
        ("Pi", 1024f64.powi(5)),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    // `B` only after a prefix: `16GB`, not `16B` (which would read as 16 with a
    // unit the rest of headroom never names).
    let prefixed = t.strip_suffix('B').unwrap_or(t);
    let (number, factor) = suffixes
        .iter()
        .find_map(|&(suffix, factor)| prefixed.strip_suffix(suffix).map(|n| (n, factor)))
        .or_else(|| (prefixed.len() == t.len()).then_some((t, 1.0)))
        .unwrap_or(("", f64::NAN));
    match number.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && factor.is_finite() => Ok(x * factor),
        _ => Err(Error::invalid(format!(
            "cannot read capacity '{text}': expected a number with an optional suffix \
             k, M, G, T, Ki, Mi, Gi or Ti, and an optional B after it (such as 500G, 16GB, 16GiB)"
        ))),
    }
}

/// A number with an SI suffix and at most three significant digits: `512G`, `1.5k`.
pub fn si(v: f64) -> String {
    let units = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let (scaled, suffix) = units
        .iter()
        .find(|(size, _)| v.abs() >= *size)
        .map(|(size, s)| (v / size, *s))
        .unwrap_or((v, ""));
    let digits = if scaled.abs() >= 100.0 || scaled == scaled.trunc() {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{scaled:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{suffix}")
}

/// Parse a horizon: a [`Span`] of at least one step (`48`, `2d`).
pub fn parse_horizon(text: &str) -> Result<Span> {
    match text.parse::<Span>()? {
        Span::Steps(0) => Err(Error::invalid("the horizon must be at least one step")),
        span => Ok(span),
    }
}

/// Parse an interval level: a percentage strictly between 0 and 100 (`80`, `99.5%`).
pub fn parse_level(text: &str) -> Result<f64> {
    match text.trim().trim_end_matches('%').parse::<f64>() {
        Ok(l) if l > 0.0 && l < 100.0 => Ok(l),
        _ => Err(Error::invalid(format!(
            "a level is a percentage strictly between 0 and 100, got '{text}'"
        ))),
    }
}

/// Parse a risk: a probability strictly between 0 and 1 (`0.05`).
pub fn parse_risk(text: &str) -> Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(r) if r > 0.0 && r < 1.0 => Ok(r),
        _ => Err(Error::invalid(format!(
            "the risk is a probability strictly between 0 and 1, got '{text}'"
        ))),
    }
}

/// A probability (0 to 1) as a person reads it: whole percents, but never `0 %`
/// or `100 %` for what is only nearly impossible or nearly certain (`< 1 %`,
/// `> 99 %`), so a chart, a sentence and a report say the same of one row.
pub fn probability_words(p: f64) -> String {
    if p > 0.0 && p < 0.005 {
        "< 1 %".into()
    } else if p < 1.0 && p > 0.995 {
        "> 99 %".into()
    } else {
        format!("{:.0} %", 100.0 * p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        let hourly = Step::seconds(3600);
        assert_eq!("48".parse::<Span>().unwrap().steps_ceil(hourly), 48);
        assert_eq!("2h".parse::<Span>().unwrap().steps_ceil(hourly), 2);
        assert_eq!("90m".parse::<Span>().unwrap().steps_ceil(hourly), 2);
        assert_eq!(
            "7d".parse::<Span>().unwrap().steps_exact(hourly).unwrap(),
            168
        );
        assert_eq!(
            "1w".parse::<Span>()
                .unwrap()
                .steps_exact(Step::seconds(300))
                .unwrap(),
            2016
        );
        assert_eq!(
            "1y".parse::<Span>()
                .unwrap()
                .steps_exact(Step::Months { months: 1 })
                .unwrap(),
            12
        );
        assert!("1d"
            .parse::<Span>()
            .unwrap()
            .steps_exact(Step::seconds(7 * 3600))
            .is_err());
        for bad in ["", "h", "-2h", "2x", "1.5.2d"] {
            assert!(bad.parse::<Span>().is_err(), "{bad}");
        }
    }

    #[test]
    fn capacities() {
        assert_eq!(parse_capacity("500e9").unwrap(), 500e9);
        assert_eq!(parse_capacity("80").unwrap(), 80.0);
        assert_eq!(parse_capacity("1.5k").unwrap(), 1500.0);
        assert_eq!(parse_capacity("1Ki").unwrap(), 1024.0);
        // Sizes as disk and memory are labelled.
        assert_eq!(parse_capacity("16GB").unwrap(), 16e9);
        assert_eq!(parse_capacity("16GiB").unwrap(), 16.0 * 1024f64.powi(3));
        assert_eq!(parse_capacity("512MiB").unwrap(), 512.0 * 1024f64.powi(2));
        assert_eq!(parse_capacity("2 TB").unwrap(), 2e12);
        assert_eq!(parse_capacity("4KB").unwrap(), 4000.0);
        for bad in ["", "G", "GB", "12B", "12GBB", "12xB", "inf", "NaN", "80%"] {
            assert!(parse_capacity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn si_suffixes() {
        assert_eq!(si(500e9), "500G");
        assert_eq!(si(1536.0), "1.54k");
        assert_eq!(si(12.5), "12.5");
        assert_eq!(si(0.0), "0");
        assert_eq!(si(-2e6), "-2M");
        assert_eq!(si(42.26e3), "42.3k");
    }
}
