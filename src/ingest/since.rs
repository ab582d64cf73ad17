//! `--since DATE|SPAN`: only the recent history of each series is used.
//!
//! A span counts back from each series' own last timestamp (`28d` keeps the
//! last 28 days of every series, however their ends differ); a date keeps what
//! is at or after it; a number of steps keeps that many of the latest points.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::timecol::PLAUSIBLE_FROM;
use super::timestamp::parse_timestamp;
use super::{Ingested, Note};
use crate::error::{Error, Result};
use crate::series::Series;
use crate::units::Span;

/// Where the history used starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Since {
    /// From this instant on (inclusive).
    At(DateTime<Utc>),
    /// This long before each series' last timestamp (exclusive, so that `1d`
    /// of hourly data keeps 24 points).
    Back {
        /// The length in milliseconds.
        millis: i64,
    },
    /// Each series' latest points, this many.
    Steps(usize),
}

impl FromStr for Since {
    type Err = Error;

    /// `28d`, `12h`, `2w` (a span back from the last timestamp), `500` (the last
    /// 500 points), or a time as timestamps are written (`2024-03-01`,
    /// `2024-03-01T12:00:00Z`, Unix seconds).
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        match t.parse::<Span>() {
            Ok(Span::Steps(0)) => {
                return Err(Error::invalid("--since 0 would keep no history"));
            }
            // Beyond any series' length, a number is Unix epoch time.
            Ok(Span::Steps(n)) if (n as i64) < PLAUSIBLE_FROM => return Ok(Since::Steps(n)),
            Ok(Span::Steps(_)) => {}
            Ok(Span::Seconds(seconds)) => {
                return Ok(Since::Back {
                    millis: (seconds * 1000.0).round() as i64,
                })
            }
            Err(_) => {}
        }
        parse_timestamp(t).map(Since::At).map_err(|_| {
            Error::invalid(format!(
                "--since '{t}': expected a span back from the last timestamp (28d, 12h, 2w), \
                 a number of points (500), or a date or time (2024-03-01, \
                 2024-03-01T12:00:00Z)"
            ))
        })
    }
}

impl fmt::Display for Since {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Since::At(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ")),
            Since::Back { millis } => {
                // The largest unit that writes the span whole (days, not weeks:
                // `28d` reads as it is usually given).
                let units = [
                    (86_400_000, "d"),
                    (3_600_000, "h"),
                    (60_000, "m"),
                    (1000, "s"),
                ];
                let (size, unit) = units
                    .into_iter()
                    .find(|&(size, _)| millis % size == 0)
                    .unwrap_or((1000, "s"));
                if millis % size == 0 {
                    write!(f, "{}{unit}", millis / size)
                } else {
                    write!(f, "{}s", millis as f64 / 1000.0)
                }
            }
            Since::Steps(n) => write!(f, "{n} points"),
        }
    }
}

impl Since {
    /// The series with only the points kept; and how many were left out. A
    /// series with nothing left is an error that says where its history ends.
    pub fn apply(&self, series: &Series) -> Result<(Series, usize)> {
        let ts = series.timestamps();
        let Some(&last) = ts.iter().max() else {
            return Ok((series.clone(), 0));
        };
        let keep: Box<dyn Fn(DateTime<Utc>) -> bool> = match *self {
            Since::At(at) => Box::new(move |t| t >= at),
            Since::Back { millis } => {
                let from = last - TimeDelta::milliseconds(millis);
                Box::new(move |t| t > from)
            }
            Since::Steps(n) => {
                if n >= ts.len() {
                    return Ok((series.clone(), 0));
                }
                let mut sorted = ts.to_vec();
                sorted.sort_unstable();
                let from = sorted[sorted.len() - n];
                Box::new(move |t| t >= from)
            }
        };
        let kept: Vec<usize> = (0..ts.len()).filter(|&i| keep(ts[i])).collect();
        if kept.len() == ts.len() {
            return Ok((series.clone(), 0));
        }
        if kept.is_empty() {
            return Err(Error::series(
                series.name(),
                format!(
                    "--since {self} leaves no history: the last point is at {}",
                    last.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        let values = series.values();
        let trimmed = Series::new(
            series.name(),
            kept.iter().map(|&i| ts[i]).collect(),
            kept.iter().map(|&i| values[i]).collect(),
        )?
        .with_labels(series.labels().clone());
        Ok((trimmed, ts.len() - kept.len()))
    }

    /// Trim every series of `read`; series left with nothing fail, and one note
    /// says how much was left out.
    pub fn apply_all(&self, read: &mut Ingested) {
        let series = std::mem::take(&mut read.series);
        let (mut dropped, mut trimmed, total) = (0, 0, series.len());
        let mut first_kept = None;
        for s in series {
            match self.apply(&s) {
                Ok((kept, n)) => {
                    if n > 0 {
                        dropped += n;
                        trimmed += 1;
                        first_kept = kept.timestamps().iter().min().copied().or(first_kept);
                    }
                    read.series.push(kept);
                }
                Err(e) => read.failed.push((s.name().to_string(), e)),
            }
        }
        if dropped == 0 {
            return;
        }
        let whose = match (total, first_kept) {
            (1, Some(t)) => format!("kept from {}", t.format("%Y-%m-%dT%H:%M:%SZ")),
            _ => format!("in {trimmed} of {total} series"),
        };
        read.notes.push(Note::new(
            None,
            dropped,
            format!("--since {self}: {dropped} earlier point(s) left out ({whose})"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hourly(n: i64) -> Series {
        let t0 = parse_timestamp("2024-01-01T00:00:00Z").unwrap();
        let ts = (0..n).map(|h| t0 + TimeDelta::hours(h)).collect();
        Series::new("s", ts, (0..n).map(|v| v as f64).collect()).unwrap()
    }

    #[test]
    fn parses_spans_points_and_dates() {
        assert_eq!(
            "28d".parse::<Since>().unwrap(),
            Since::Back {
                millis: 28 * 86_400_000
            }
        );
        assert_eq!("500".parse::<Since>().unwrap(), Since::Steps(500));
        assert_eq!(
            "2024-03-01".parse::<Since>().unwrap(),
            Since::At(parse_timestamp("2024-03-01T00:00:00Z").unwrap())
        );
        assert!("yesterday".parse::<Since>().is_err());
        assert!("0".parse::<Since>().is_err());
        assert_eq!(
            "1709294400".parse::<Since>().unwrap(),
            Since::At(parse_timestamp("2024-03-01T12:00:00Z").unwrap())
        );
    }

    #[test]
    fn keeps_the_recent_points() {
        let s = hourly(72);
        let (kept, dropped) = "1d".parse::<Since>().unwrap().apply(&s).unwrap();
        assert_eq!((kept.len(), dropped), (24, 48));
        assert_eq!(kept.values()[0], 48.0);
        let (kept, _) = "10".parse::<Since>().unwrap().apply(&s).unwrap();
        assert_eq!(kept.values()[0], 62.0);
        let (kept, _) = "2024-01-03".parse::<Since>().unwrap().apply(&s).unwrap();
        assert_eq!(kept.len(), 24);
        let err = "2025-01-01"
            .parse::<Since>()
            .unwrap()
            .apply(&s)
            .unwrap_err();
        assert!(err.to_string().contains("leaves no history"), "{err}");
    }
}
