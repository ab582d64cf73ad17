//! Dense data drawn as an envelope: when a chart would show more cycles than
//! its width can separate (a 30-day forecast of five-minute data is thousands
//! of swings over a thousand pixels, a solid blob), each calendar bucket (a day,
//! a week) is drawn as its minimum-to-maximum range and its mean.

use chrono::{DateTime, Datelike, Utc};

/// A swing shorter than this many pixels does not read as a cycle.
const SWING_PX: f64 = 3.0;
/// Fewer pixels than this per visible cycle and the line is a blob.
const PX_PER_CYCLE: f64 = 4.0;

/// How many cycles `values` show when drawn `height_px` tall over `lo..hi`:
/// half the number of turns by more than [`SWING_PX`].
pub(crate) fn visible_cycles(values: &[f64], (lo, hi): (f64, f64), height_px: f64) -> usize {
    let scale = height_px / (hi - lo).max(f64::MIN_POSITIVE);
    let mut turns = 0;
    // The extreme since the last turn, and the direction towards it.
    let mut extreme: Option<f64> = None;
    let mut rising: Option<bool> = None;
    for y in values.iter().filter(|v| v.is_finite()).map(|v| v * scale) {
        let Some(e) = extreme else {
            extreme = Some(y);
            continue;
        };
        match rising {
            None if (y - e).abs() >= SWING_PX => {
                rising = Some(y > e);
                extreme = Some(y);
            }
            None => {}
            Some(up) => {
                if (up && y > e) || (!up && y < e) {
                    extreme = Some(y);
                } else if (y - e).abs() >= SWING_PX {
                    turns += 1;
                    rising = Some(!up);
                    extreme = Some(y);
                }
            }
        }
    }
    turns / 2
}

/// Whether `cycles` visible cycles are too many for `width_px` pixels.
pub(crate) fn too_dense(cycles: usize, width_px: f64) -> bool {
    cycles as f64 * PX_PER_CYCLE > width_px
}

/// A calendar bucket: its length in seconds (or a year) and its name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bucket {
    seconds: f64,
    /// `daily`, `weekly`, ...
    pub name: &'static str,
}

/// The calendar bucket for `span_seconds` of data on steps of `step_seconds`
/// drawn `width_px` wide: a day (the cycle most sub-daily data has, so a daily
/// cycle becomes one flat range), else a week, else a year; at least two steps
/// long and at least four pixels wide. Spans of less than two weeks use hours
/// instead, so that a few days still show their shape.
pub(crate) fn bucket(step_seconds: f64, span_seconds: f64, width_px: f64) -> Bucket {
    const DAY: f64 = 86_400.0;
    const YEAR: f64 = 31_556_952.0;
    let short = [(3600.0, "hourly"), (6.0 * 3600.0, "6-hourly")];
    let long = [(DAY, "daily"), (7.0 * DAY, "weekly"), (YEAR, "yearly")];
    let candidates: Vec<(f64, &'static str)> = if span_seconds < 14.0 * DAY {
        short.iter().chain(&long).copied().collect()
    } else {
        long.to_vec()
    };
    let (seconds, name) = candidates
        .iter()
        .copied()
        .find(|(c, _)| *c >= 2.0 * step_seconds && span_seconds / c <= width_px / 4.0)
        .unwrap_or((YEAR, "yearly"));
    Bucket { seconds, name }
}

impl Bucket {
    /// Which bucket `t` falls in: whole UTC days (weeks from Mondays; hours
    /// from midnight), or calendar years.
    fn index(&self, t: DateTime<Utc>) -> i64 {
        if self.name == "yearly" {
            return i64::from(t.year());
        }
        // 1970-01-05 was a Monday: weeks start there.
        let offset = if self.name == "weekly" { 4 * 86_400 } else { 0 };
        (t.timestamp() - offset).div_euclid(self.seconds as i64)
    }
}

/// One bucket of points: when it starts and ends (its first and last point),
/// and the minimum, mean and maximum of its values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Summary {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub min: f64,
    pub mean: f64,
    pub max: f64,
}

/// `points` (in time order) summarised per bucket; non-finite values skipped.
pub(crate) fn summarise(points: &[(DateTime<Utc>, f64)], bucket: Bucket) -> Vec<Summary> {
    let mut out: Vec<(i64, Summary, usize)> = Vec::new();
    for &(t, v) in points.iter().filter(|(_, v)| v.is_finite()) {
        let k = bucket.index(t);
        match out.last_mut() {
            Some((last, s, n)) if *last == k => {
                s.to = t;
                s.min = s.min.min(v);
                s.max = s.max.max(v);
                s.mean += v;
                *n += 1;
            }
            _ => out.push((
                k,
                Summary {
                    from: t,
                    to: t,
                    min: v,
                    mean: v,
                    max: v,
                },
                1,
            )),
        }
    }
    out.into_iter()
        .map(|(_, mut s, n)| {
            s.mean /= n as f64;
            s
        })
        .collect()
}

/// The outline of the buckets' ranges, as steps (each bucket flat from its
/// first to its last point), joined from one bucket to the next: the upper
/// edge left to right, then the lower edge back.
pub(crate) fn outline(
    summaries: &[Summary],
    lower: impl Fn(&Summary) -> f64,
    upper: impl Fn(&Summary) -> f64,
) -> Vec<(DateTime<Utc>, f64)> {
    let top = summaries
        .iter()
        .flat_map(|s| [(s.from, upper(s)), (s.to, upper(s))]);
    let bottom: Vec<_> = summaries
        .iter()
        .flat_map(|s| [(s.from, lower(s)), (s.to, lower(s))])
        .collect();
    top.chain(bottom.into_iter().rev()).collect()
}

/// The means, at each bucket's middle.
pub(crate) fn means(summaries: &[Summary]) -> Vec<(DateTime<Utc>, f64)> {
    summaries
        .iter()
        .map(|s| (s.from + (s.to - s.from) / 2, s.mean))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    #[test]
    fn cycles_are_counted_in_pixels() {
        // 100 cycles of a sine 200 pixels tall: 100 cycles; the same sine a
        // pixel tall: none.
        let sine: Vec<f64> = (0..4800)
            .map(|i| (i as f64 * std::f64::consts::TAU / 48.0).sin())
            .collect();
        let n = visible_cycles(&sine, (-1.0, 1.0), 200.0);
        assert!((99..=100).contains(&n), "{n}");
        assert_eq!(visible_cycles(&sine, (-100.0, 100.0), 200.0), 0);
        assert!(too_dense(300, 1100.0));
        assert!(!too_dense(100, 1100.0));
    }

    #[test]
    fn buckets_are_calendar_days() {
        let b = bucket(300.0, 44.0 * 86_400.0, 1100.0);
        assert_eq!(b.name, "daily");
        assert_eq!(bucket(300.0, 10.0 * 86_400.0, 1100.0).name, "hourly");
        assert_eq!(bucket(300.0, 10.0 * 86_400.0, 500.0).name, "6-hourly");
        assert_eq!(bucket(1.0, 2.0 * 86_400.0, 1100.0).name, "hourly");
        assert_eq!(
            bucket(86_400.0, 5.0 * 365.0 * 86_400.0, 1100.0).name,
            "weekly"
        );
        let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 22, 0, 0).unwrap();
        let points: Vec<_> = (0..8)
            .map(|i| (t0 + TimeDelta::hours(i), i as f64))
            .collect();
        let s = summarise(&points, b);
        // 22:00 and 23:00 on the 1st, then six hours of the 2nd.
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].min, s[0].mean, s[0].max), (0.0, 0.5, 1.0));
        assert_eq!((s[1].min, s[1].max), (2.0, 7.0));
        assert_eq!(outline(&s, |s| s.min, |s| s.max).len(), 8);
    }
}
