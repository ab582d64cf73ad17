//! Timestamps and values as they appear in exported metrics.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Epoch integers above this are milliseconds, not seconds (10^11 seconds is the
/// year 5138; 10^11 milliseconds is 1973).
const EPOCH_MILLIS_ABOVE: f64 = 1e11;

/// Parse a timestamp in any of the contract's forms: RFC 3339 with any offset,
/// `YYYY-MM-DD HH:MM[:SS[.fff]]` or `YYYY-MM-DDTHH:MM[:SS]` without an offset (UTC),
/// `YYYY-MM-DD` (midnight UTC), or Unix epoch seconds (integer or fractional; an
/// integer above 10^11 is milliseconds). The error says what was expected.
///
/// ```
/// use headroom::ingest::parse_timestamp;
/// let a = parse_timestamp("2024-03-01T13:00:00+01:00").unwrap();
/// let b = parse_timestamp("1709294400").unwrap();
/// let c = parse_timestamp("2024-03-01 12:00").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(b, c);
/// ```
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty timestamp".to_string());
    }
    // Almost every exported timestamp has one of a few fixed shapes; reading those
    // by hand is several times faster than trying chrono's formats in turn, which
    // matters for inputs of millions of rows. Anything unusual takes the full path.
    match parse_common(s.as_bytes()) {
        Some(t) => Ok(t),
        None => parse_any(s),
    }
}

/// Every accepted form, tried in turn (the slow path of [`parse_timestamp`]).
fn parse_any(s: &str) -> Result<DateTime<Utc>, String> {
    let unparsable = || {
        format!(
            "cannot read '{}' as a timestamp (expected RFC 3339, YYYY-MM-DD[ HH:MM[:SS]] \
             or Unix epoch seconds)",
            crate::error::clip(s)
        )
    };
    if s.is_empty() {
        return Err("empty timestamp".to_string());
    }
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && !s[1..].contains('-')
    {
        return parse_epoch(s).ok_or_else(unparsable);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    // Offsets written without a colon (+0200) and a 'Z' after a space are common in
    // exports; chrono's RFC 3339 parser takes neither.
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    Err(unparsable())
}

/// The common shapes, read by hand: an integer epoch (seconds, or milliseconds above
/// 10^11), and `YYYY-MM-DD`, optionally followed by `T` or a space, `HH:MM`, then
/// optionally `:SS` with up to nine fraction digits and, after seconds, `Z` or a
/// `+HH:MM`/`+HHMM` offset. `None` for anything else, so that
/// [`parse_timestamp`] decides (and gives the same answer as it would have).
fn parse_common(b: &[u8]) -> Option<DateTime<Utc>> {
    let first = *b.first()?;
    if first.is_ascii_digit() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        let x: i64 = std::str::from_utf8(b).ok()?.parse().ok()?;
        let millis = if x as f64 > EPOCH_MILLIS_ABOVE {
            x
        } else {
            x.checked_mul(1000)?
        };
        return DateTime::from_timestamp_millis(millis);
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    if b.len() == 10 {
        return Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?));
    }
    if b.len() < 16 || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' {
        return None;
    }
    let (hour, minute) = (digits(&b[11..13])?, digits(&b[14..16])?);
    let mut rest = &b[16..];
    let (mut second, mut nanos) = (0, 0);
    if let Some(after) = rest.strip_prefix(b":") {
        if after.len() < 2 {
            return None;
        }
        second = digits(&after[..2])?;
        rest = &after[2..];
        if let Some(after) = rest.strip_prefix(b".") {
            let n = after.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            nanos = digits(&after[..n])? * 10u32.pow(9 - n as u32);
            rest = &after[n..];
        }
    } else if !rest.is_empty() {
        // An offset needs seconds before it (as in the full parser).
        return None;
    }
    if second > 59 {
        // Leap seconds are left to chrono.
        return None;
    }
    let naive = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    let offset_seconds = match rest {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let (h, m) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let magnitude = (h * 3600 + m * 60) as i64;
            if *sign == b'-' {
                -magnitude
            } else {
                magnitude
            }
        }
        _ => return None,
    };
    Some(Utc.from_utc_datetime(&naive) - chrono::TimeDelta::seconds(offset_seconds))
}

/// An unsigned decimal of ASCII digits only.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn parse_epoch(s: &str) -> Option<DateTime<Utc>> {
    let x: f64 = s.parse().ok()?;
    if !x.is_finite() {
        return None;
    }
    let is_integer = !s.contains('.');
    let millis = if is_integer && x.abs() > EPOCH_MILLIS_ABOVE {
        x
    } else {
        x * 1000.0
    };
    DateTime::from_timestamp_millis(millis.round() as i64)
}

/// Parse a value: a decimal number, or one of the missing markers (empty, `NaN`,
/// `null`, `undefined`, in any case), which give `NaN`. Infinities and anything else
/// are errors.
///
/// ```
/// use headroom::ingest::parse_value;
/// assert_eq!(parse_value("1.5e3").unwrap(), 1500.0);
/// assert!(parse_value("null").unwrap().is_nan());
/// assert!(parse_value("1,234").is_err());
/// ```
pub fn parse_value(text: &str) -> Result<f64, String> {
    let s = text.trim();
    if s.is_empty()
        || s.eq_ignore_ascii_case("nan")
        || s.eq_ignore_ascii_case("null")
        || s.eq_ignore_ascii_case("undefined")
    {
        return Ok(f64::NAN);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!(
            "'{}' is infinite; values must be finite numbers",
            crate::error::clip(s)
        )),
        Err(_) => {
            let hint = if s.contains(',') && s.chars().any(|c| c.is_ascii_digit()) {
                " (thousands separators and decimal commas are not read)"
            } else {
                ""
            };
            Err(format!(
                "cannot read '{}' as a number{hint}",
                crate::error::clip(s)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_form() {
        let noon = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
        for s in [
            "2024-03-01T12:00:00Z",
            "2024-03-01T14:00:00+02:00",
            "2024-03-01 12:00:00",
            "2024-03-01 12:00",
            "2024-03-01T12:00",
            "1709294400",
            "1709294400.0",
            "1709294400000",
            " 2024-03-01T12:00:00.000Z ",
            "2024-03-01T14:00:00+0200",
        ] {
            assert_eq!(parse_timestamp(s).unwrap(), noon, "{s}");
        }
        assert_eq!(
            parse_timestamp("2024-03-01").unwrap(),
            Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            parse_timestamp("1600487770.436")
                .unwrap()
                .timestamp_millis(),
            1_600_487_770_436
        );
    }

    /// The hand-written fast path must give exactly what the full parser gives, or
    /// step aside.
    #[test]
    fn fast_path_agrees_with_the_full_parser() {
        let dates = [
            "2024-03-01",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "0000-01-01",
        ];
        let times = [
            "",
            "T12:00",
            " 12:00",
            "T12:00:00",
            " 23:59:59",
            "T24:00:00",
            "T12:60:00",
            "T12:00:60",
            "T12:00:00.5",
            "T12:00:00.123456789",
            "T12:00:00.1234567891",
            "T12:00:00.",
            "T12:0",
            "T12:00:0",
            "t12:00:00",
        ];
        let offsets = [
            "", "Z", "z", "+02:00", "-05:30", "+0200", "-0000", "+24:00", "+02:60", "+2:00", " Z",
            "+02", "UTC",
        ];
        let mut checked = 0;
        for d in dates {
            for t in times {
                for o in offsets {
                    let s = format!("{d}{t}{o}");
                    if let Some(fast) = parse_common(s.as_bytes()) {
                        assert_eq!(Ok(fast), parse_any(&s), "{s}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 40, "{checked}");
        for s in [
            "0",
            "1709294400",
            "99999999999",
            "100000000000",
            "1709294400000",
        ] {
            assert_eq!(
                parse_common(s.as_bytes()).map(Ok),
                Some(parse_any(s)),
                "{s}"
            );
        }
    }

    #[test]
    fn bad_timestamps_say_why() {
        for s in ["", "yesterday", "2024-13-01", "01/03/2024", "12-3"] {
            assert!(parse_timestamp(s).is_err(), "{s}");
        }
        assert!(parse_timestamp("soon").unwrap_err().contains("'soon'"));
    }

    #[test]
    fn values_and_missing_markers() {
        assert_eq!(parse_value(" 42 ").unwrap(), 42.0);
        assert_eq!(parse_value("-1.5E-3").unwrap(), -0.0015);
        for s in ["", "NaN", "nan", "null", "NULL", "undefined"] {
            assert!(parse_value(s).unwrap().is_nan(), "{s}");
        }
        for s in ["abc", "inf", "+Inf", "1,234", "12 %"] {
            assert!(parse_value(s).is_err(), "{s}");
        }
        assert!(parse_value("1,234").unwrap_err().contains("thousands"));
    }
}
