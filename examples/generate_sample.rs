//! Writes `data/disk_used.csv`: three months of hourly disk-used bytes for four
//! hosts, the sample the README's main command runs on; and
//! `data/cluster_daily.csv`: three years of a database cluster's daily disk use,
//! growing by a share of itself each day, the README's months-ahead example.
//!
//! Each host has a growth trend, a daily cycle (batch jobs and temporary files
//! peak at night), a weekly cycle (less written at weekends) and Gaussian noise;
//! `log-01` also has a cleanup that frees 60 GB half-way through and is close to its
//! 500 GB disk at the end. Like a real export it is not perfectly clean: `web-01`
//! lost three hours of scrapes and `db-01` has one duplicated sample.
//!
//! Run with `cargo run --example generate_sample`; the output is the same on every
//! run (a fixed seed).

use std::fmt::Write as _;

/// xorshift64* with Box-Muller: a small deterministic normal generator, so the
/// sample does not depend on a random-number crate's version.
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

struct Host {
    name: &'static str,
    start_gb: f64,
    growth_gb_per_day: f64,
    daily_gb: f64,
    weekend_gb: f64,
    noise_gb: f64,
    cleanup: Option<(usize, f64)>,
}

fn main() -> std::io::Result<()> {
    const DAYS: usize = 90;
    const GB: f64 = 1e9;
    // 2025-01-06T00:00:00Z, a Monday.
    const START: i64 = 1_736_121_600;
    let hosts = [
        Host {
            name: "db-01",
            start_gb: 310.0,
            growth_gb_per_day: 0.9,
            daily_gb: 4.0,
            weekend_gb: 2.0,
            noise_gb: 0.6,
            cleanup: None,
        },
        Host {
            name: "web-01",
            start_gb: 118.0,
            growth_gb_per_day: 0.05,
            daily_gb: 1.5,
            weekend_gb: 0.5,
            noise_gb: 0.3,
            cleanup: None,
        },
        Host {
            name: "log-01",
            start_gb: 392.0,
            growth_gb_per_day: 1.6,
            daily_gb: 2.5,
            weekend_gb: 3.0,
            noise_gb: 0.8,
            cleanup: Some((45 * 24, 60.0)),
        },
        Host {
            name: "cache-01",
            start_gb: 240.0,
            growth_gb_per_day: 0.0,
            daily_gb: 6.0,
            weekend_gb: 4.0,
            noise_gb: 1.0,
            cleanup: None,
        },
    ];
    let mut noise = Noise(0x5eed_cafe_f00d_0001);
    let mut csv = String::from("series,timestamp,value\n");
    for host in &hosts {
        let mut level = 0.0;
        for hour in 0..DAYS * 24 {
            // An AR(1) wander: disk usage does not jump back to the trend every hour.
            level = 0.8 * level + host.noise_gb * noise.normal();
            if host.name == "web-01" && (1500..1503).contains(&hour) {
                continue; // three lost scrapes
            }
            let day_phase = (hour % 24) as f64 / 24.0 * std::f64::consts::TAU;
            let weekend = if (hour / 24) % 7 >= 5 {
                -host.weekend_gb
            } else {
                0.0
            };
            let cleanup = match host.cleanup {
                Some((at, gb)) if hour >= at => -gb,
                _ => 0.0,
            };
            let gb = host.start_gb
                + host.growth_gb_per_day * hour as f64 / 24.0
                + host.daily_gb * (day_phase - 1.0).cos()
                + weekend
                + cleanup
                + level;
            let t = chrono::DateTime::from_timestamp(START + hour as i64 * 3600, 0)
                .expect("in range")
                .format("%Y-%m-%dT%H:%M:%SZ");
            let bytes = (gb * GB).round();
            writeln!(csv, "{},{t},{bytes}", host.name).expect("write to string");
            if host.name == "db-01" && hour == 700 {
                writeln!(csv, "{},{t},{bytes}", host.name).expect("write to string");
                // re-sent sample
            }
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");
    std::fs::write(path, csv)?;
    println!("wrote {path}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cluster_daily.csv");
    std::fs::write(path, cluster_daily())?;
    println!("wrote {path}");
    Ok(())
}

/// Three years of daily disk use of a database cluster, 2022-04-06 to
/// 2025-04-04: 800 GB growing 0.08 % a day (x2.4 in three years: growth that
/// compounds, as data that is a share of the business does), 3 % more at the
/// turn of the year (year-end reporting keeps more), 1 % less on weekends, and an
/// AR(1) wander of 0.3 %.
fn cluster_daily() -> String {
    // 2022-04-06T00:00:00Z.
    const START: i64 = 1_649_203_200;
    const DAYS: usize = 3 * 365;
    let mut noise = Noise(0x5eed_cafe_f00d_0002);
    let mut wander = 0.0;
    let mut csv = String::from("series,timestamp,value\n");
    for day in 0..DAYS {
        wander = 0.8 * wander + 0.003 * noise.normal();
        let t = START + day as i64 * 86_400;
        let date = chrono::DateTime::from_timestamp(t, 0).expect("in range");
        let year_phase = chrono::Datelike::ordinal0(&date) as f64 / 365.25 * std::f64::consts::TAU;
        // 2022-04-06 was a Wednesday: day 3 of the week is the first Saturday.
        let weekend = if (day + 2) % 7 >= 5 { -0.01 } else { 0.0 };
        let gb = 800.0
            * (0.0008 * day as f64).exp()
            * (1.0 + 0.03 * year_phase.cos() + weekend + wander);
        writeln!(
            csv,
            "cluster-a,{},{}",
            date.format("%Y-%m-%dT%H:%M:%SZ"),
            (gb * 1e9).round()
        )
        .expect("write to string");
    }
    csv
}
