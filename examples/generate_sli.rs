//! Writes `data/sli_requests.csv`: 60 days of hourly good and total request counts
//! for three services, the sample the README's `headroom budget` runs on.
//!
//! Traffic has a daily cycle (peak at 15:00 UTC) and quieter weekends; requests
//! fail at a small baseline ratio, with incidents as bursts:
//!
//! - `checkout`: 80 requests a second, 0.04 % failing, and a 3-hour incident at
//!   5 % eleven days before the end that spends about a third of the 99.9 % budget;
//!   it ages out of a 30-day window nineteen days after the end.
//! - `search`: 200 requests a second, 0.02 % failing until a bad release ten days
//!   before the end, 0.16 % since (a burn rate of 1.6): the budget runs out about
//!   a week after the end.
//! - `login`: 20 requests a second, 0.01 % failing, one 1-hour incident at 20 %
//!   25 days before the end.
//!
//! Run with `cargo run --example generate_sli`; the output is the same on every
//! run (fixed seeds).

use chrono::{TimeDelta, TimeZone, Utc};
use headroom::budget::{GeneratedSli, SliGenerator};

fn main() -> headroom::Result<()> {
    // 2025-01-06T00:00:00Z, a Monday; 60 days end on 2025-03-07T00:00:00Z.
    let start = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
    let end = start + TimeDelta::days(60);
    let services = [
        SliGenerator::new("checkout", start)
            .requests_per_second(80.0)
            .error_ratio(0.0004)
            .incident(end - TimeDelta::days(11) + TimeDelta::hours(14), 3, 0.05)
            .seed(11)
            .generate()?,
        SliGenerator::new("search", start)
            .requests_per_second(200.0)
            .error_ratio(0.0002)
            .incident(
                end - TimeDelta::days(10) + TimeDelta::hours(9),
                10 * 24 - 9,
                0.0016,
            )
            .seed(12)
            .generate()?,
        SliGenerator::new("login", start)
            .requests_per_second(20.0)
            .daily_amplitude(0.7)
            .error_ratio(0.0001)
            .incident(end - TimeDelta::days(25) + TimeDelta::hours(20), 1, 0.2)
            .seed(13)
            .generate()?,
    ];
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sli_requests.csv");
    let mut csv = Vec::new();
    GeneratedSli::write_csv(&mut csv, &services)?;
    std::fs::write(path, csv).map_err(|source| headroom::Error::Io {
        path: path.into(),
        source,
    })?;
    println!("wrote {path}");
    Ok(())
}
