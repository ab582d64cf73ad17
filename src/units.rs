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

/// What a metric's values measure, for the value axis of a chart: taken from a
/// `--unit` flag ([`Unit::parse`]) or from the metric's name ([`Unit::from_name`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Unit {
    /// Bytes: each value is `scale` bytes (1 for `bytes`, 1e6 for `MB`, 2^20 for
    /// `MiB`), written in binary prefixes (KiB, MiB, GiB) when `binary`, else SI
    /// (kB, MB, GB).
    Bytes {
        /// Bytes per unit of the values.
        scale: f64,
        /// Binary prefixes (powers of 1024) rather than SI (powers of 1000).
        binary: bool,
    },
    /// Percent, 0 to 100.
    Percent,
    /// Seconds: each value is `scale` seconds (1e-3 for `ms`).
    Seconds {
        /// Seconds per unit of the values.
        scale: f64,
    },
    /// Any other unit, named as given (`requests`): the axis title says it and the
    /// ticks keep their SI suffixes.
    Other(String),
}

/// Byte units as names and flags write them, lower-cased, with bytes per unit
/// and whether they are binary.
const BYTE_UNITS: [(&str, f64, bool); 14] = [
    ("b", 1.0, false),
    ("bytes", 1.0, false),
    ("byte", 1.0, false),
    ("kb", 1e3, false),
    ("mb", 1e6, false),
    ("gb", 1e9, false),
    ("tb", 1e12, false),
    ("pb", 1e15, false),
    ("kib", 1024.0, true),
    ("mib", 1_048_576.0, true),
    ("gib", 1_073_741_824.0, true),
    ("tib", 1_099_511_627_776.0, true),
    ("kbytes", 1e3, false),
    ("mbytes", 1e6, false),
];

impl Unit {
    /// Read a `--unit` flag: a byte unit (`bytes`, `B`, `kB`, `MB`, `GB`, `TB`,
    /// `KiB`, `MiB`, `GiB`, `TiB`), a percentage (`%`, `percent`, `pct`), a time
    /// (`s`, `seconds`, `ms`, `us`, `min`, `h`), or any other name, kept as
    /// written. Empty text is an error.
    ///
    /// ```
    /// use headroom::units::Unit;
    /// assert_eq!(Unit::parse("MB").unwrap(), Unit::Bytes { scale: 1e6, binary: false });
    /// assert_eq!(Unit::parse("%").unwrap(), Unit::Percent);
    /// assert_eq!(Unit::parse("requests").unwrap(), Unit::Other("requests".into()));
    /// ```
    pub fn parse(text: &str) -> Result<Unit> {
        let t = text.trim();
        if t.is_empty() {
            return Err(Error::invalid(
                "the unit is empty: give one such as bytes, MB, GiB, %, seconds or requests",
            ));
        }
        Ok(Self::known(&t.to_ascii_lowercase()).unwrap_or_else(|| Unit::Other(t.to_string())))
    }

    /// A unit word, lower-cased, when headroom knows it.
    fn known(word: &str) -> Option<Unit> {
        if let Some(&(_, scale, binary)) = BYTE_UNITS.iter().find(|(w, _, _)| *w == word) {
            return Some(Unit::Bytes { scale, binary });
        }
        let seconds = match word {
            "%" | "percent" | "pct" | "percentage" => return Some(Unit::Percent),
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "ms" | "msec" | "millis" | "milliseconds" => 1e-3,
            "us" | "µs" | "usec" | "micros" | "microseconds" => 1e-6,
            "ns" | "nanoseconds" => 1e-9,
            "min" | "mins" | "minutes" => 60.0,
            "h" | "hours" => 3600.0,
            _ => return None,
        };
        Some(Unit::Seconds { scale: seconds })
    }

    /// The unit a metric's name ends with, as monitoring names write it:
    /// `disk_used_bytes`, `mem_free_mb`, `cpu_pct`, `cpu_percent`,
    /// `request_duration_seconds`, `process_cpu_seconds_total`. Only whole words
    /// of the name count (`node_filesystem_avail_bytes{mountpoint="/"}` reads its
    /// metric name, not its labels), and only the last unit word; a one-letter
    /// word (`s`, `b`) is too ambiguous in a name to be a unit there.
    ///
    /// ```
    /// use headroom::units::Unit;
    /// assert_eq!(Unit::from_name("mem_free_mb"), Some(Unit::Bytes { scale: 1e6, binary: false }));
    /// assert_eq!(Unit::from_name("cpu_pct"), Some(Unit::Percent));
    /// assert_eq!(Unit::from_name("log-01"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Unit> {
        let metric = name.split('{').next().unwrap_or(name);
        metric
            .split(|c: char| !c.is_alphanumeric() && c != '%')
            .filter(|w| w.chars().count() > 1 || *w == "%")
            // Words that name other things in metric names: a minimum, a region
            // (`us_east`), a namespace.
            .filter(|w| !["min", "mins", "us", "ns"].contains(&w.to_ascii_lowercase().as_str()))
            .rev()
            .find_map(|w| Self::known(&w.to_ascii_lowercase()))
    }

    /// The same unit, with binary prefixes when `binary` (bytes only): as the
    /// capacity was written (`16GiB` binary, `16GB` SI).
    pub fn with_binary(self, binary: bool) -> Unit {
        match self {
            Unit::Bytes { scale, .. } => Unit::Bytes { scale, binary },
            other => other,
        }
    }

    /// The name of the unit for an axis title: `bytes`, `%`, `seconds`, or the
    /// name given.
    pub fn title(&self) -> &str {
        match self {
            Unit::Bytes { .. } => "bytes",
            Unit::Percent => "%",
            Unit::Seconds { .. } => "seconds",
            Unit::Other(name) => name,
        }
    }

    /// The prefix (or time unit) the values around `magnitude` are written in:
    /// its size in the values' own unit and its symbol; `None` for units whose
    /// values keep their SI suffixes.
    fn display(&self, magnitude: f64) -> Option<(f64, &'static str)> {
        let m = magnitude.abs();
        match *self {
            Unit::Bytes { scale, binary } => {
                let (base, symbols): (f64, [&str; 6]) = if binary {
                    (1024.0, ["B", "KiB", "MiB", "GiB", "TiB", "PiB"])
                } else {
                    (1000.0, ["B", "kB", "MB", "GB", "TB", "PB"])
                };
                let bytes = m * scale;
                let k = (0..symbols.len())
                    .rev()
                    .find(|&k| bytes >= base.powi(k as i32))
                    .unwrap_or(0);
                Some((base.powi(k as i32) / scale, symbols[k]))
            }
            Unit::Percent => Some((1.0, "%")),
            Unit::Seconds { scale } => {
                let s = m * scale;
                let (size, symbol) = match s {
                    s if s >= 2.0 * 86_400.0 => (86_400.0, "d"),
                    s if s >= 2.0 * 3600.0 => (3600.0, "h"),
                    s if s >= 120.0 => (60.0, "min"),
                    s if s >= 1.0 || s == 0.0 => (1.0, "s"),
                    s if s >= 1e-3 => (1e-3, "ms"),
                    s if s >= 1e-6 => (1e-6, "µs"),
                    _ => (1e-9, "ns"),
                };
                Some((size / scale, symbol))
            }
            Unit::Other(_) => None,
        }
    }

    /// One value written in this unit, to three significant digits: `476 GB`,
    /// `1.18 GiB`, `85 %`, `250 ms`; other units as [`si`] writes them.
    pub fn format(&self, v: f64) -> String {
        match self.display(v) {
            Some((size, symbol)) => format!("{} {symbol}", si(v / size)),
            None => si(v),
        }
    }

    /// At most about `max` ticks for a value axis over `lo..hi`, all written with
    /// the prefix its largest value calls for and round in it (`0.5 GiB` steps,
    /// not the `0.466 GiB` of round decimal values): the ticks and their labels.
    pub fn ticks(&self, lo: f64, hi: f64, max: usize) -> Vec<(f64, String)> {
        let Some((size, symbol)) = self.display(lo.abs().max(hi.abs())) else {
            return nice_ticks(lo, hi, max)
                .into_iter()
                .map(|v| (v, si(v)))
                .collect();
        };
        let ticks = nice_ticks(lo / size, hi / size, max);
        let step = match ticks.as_slice() {
            [a, b, ..] => b - a,
            _ => 1.0,
        };
        // Enough decimals for the step: 0.25 needs two, 5 needs none.
        let decimals = (0..4)
            .find(|&d| {
                let scaled = step * 10f64.powi(d);
                (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
            })
            .unwrap_or(3) as usize;
        ticks
            .into_iter()
            .map(|t| (t * size, format!("{:.decimals$} {symbol}", t + 0.0)))
            .collect()
    }
}

/// Round ticks over `lo..hi`, at most `max` of them (at least 2 asked): steps of
/// 1, 2, 2.5 or 5 times a power of ten.
fn nice_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return if lo.is_finite() { vec![lo] } else { Vec::new() };
    }
    let max = max.max(2) as f64;
    let rough = span / max;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|&s| (span / s).floor() + 1.0 <= max)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil();
    let last = (hi / step).floor();
    (0..=((last - first).max(0.0) as usize))
        .map(|k| (first + k as f64) * step)
        .collect()
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
    fn units_from_names_and_flags() {
        let mb = Unit::Bytes {
            scale: 1e6,
            binary: false,
        };
        assert_eq!(Unit::from_name("mem_free_mb"), Some(mb.clone()));
        assert_eq!(Unit::parse("MB").unwrap(), mb);
        assert_eq!(
            Unit::from_name("node_filesystem_avail_bytes{mountpoint=\"/var/pct\"}"),
            Some(Unit::Bytes {
                scale: 1.0,
                binary: false
            })
        );
        assert_eq!(
            Unit::from_name("ec2_disk_write_bytes_1ef3de").map(|u| u.title().to_string()),
            Some("bytes".into())
        );
        assert_eq!(Unit::from_name("cpu_percent"), Some(Unit::Percent));
        assert_eq!(
            Unit::from_name("process_cpu_seconds_total"),
            Some(Unit::Seconds { scale: 1.0 })
        );
        assert_eq!(
            Unit::from_name("latency_ms"),
            Some(Unit::Seconds { scale: 1e-3 })
        );
        for none in [
            "log-01",
            "value",
            "ec2_cpu_utilization_5f5533",
            "requests_s",
            "H1",
            "temp_min",
            "us_east_load",
        ] {
            assert_eq!(Unit::from_name(none), None, "{none}");
        }
        assert_eq!(Unit::parse("GiB").unwrap().title(), "bytes");
        assert_eq!(Unit::parse("req/s").unwrap(), Unit::Other("req/s".into()));
        assert!(Unit::parse(" ").is_err());
    }

    #[test]
    fn values_and_ticks_in_their_unit() {
        let mb = Unit::parse("MB").unwrap();
        assert_eq!(mb.format(1270.0), "1.27 GB");
        assert_eq!(mb.clone().with_binary(true).format(1073.741824), "1 GiB");
        let bytes = Unit::parse("bytes").unwrap();
        assert_eq!(bytes.format(476_065_160_813.0), "476 GB");
        assert_eq!(
            bytes
                .clone()
                .with_binary(true)
                .format(16.0 * 1024f64.powi(3)),
            "16 GiB"
        );
        assert_eq!(Unit::Percent.format(85.0), "85 %");
        assert_eq!(Unit::Seconds { scale: 1.0 }.format(0.25), "250 ms");
        // Binary ticks are round in GiB, all with the same prefix.
        let ticks = bytes.with_binary(true).ticks(380e9, 520e9, 8);
        let labels: Vec<&str> = ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert!(labels.iter().all(|l| l.ends_with(" GiB")), "{labels:?}");
        assert!(ticks.len() >= 4 && ticks.len() <= 8, "{labels:?}");
        for (v, l) in &ticks {
            let gib = v / 1024f64.powi(3);
            assert!((gib - gib.round()).abs() < 1e-9, "{l}");
        }
        let ticks = mb.ticks(900.0, 1400.0, 8);
        assert_eq!(ticks[0].1, "0.9 GB");
        assert!(ticks.iter().any(|(_, l)| l == "1.2 GB"), "{ticks:?}");
        let pct: Vec<String> = Unit::Percent
            .ticks(0.0, 100.0, 6)
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(pct, ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]);
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
