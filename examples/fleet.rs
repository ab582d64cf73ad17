//! The fleet measurement of issue 13: a generator of the long CSV of N hourly
//! series of 90 days (sorted by series, as a fleet export is), and a profiler that
//! says where the time of `headroom saturation` goes per series, stage by stage.
//!
//! ```text
//! cargo run --release --example fleet -- generate 2000 /scratch/fleet-2000.csv
//! cargo run --release --example fleet -- generate 100000 - | headroom saturation --input - ...
//! cargo run --release --example fleet -- profile /scratch/fleet-2000.csv 200
//! ```
//!
//! `benches/fleet.sh` runs both and the end-to-end command with its wall time and
//! peak memory. The series: a level, a trend (a third of them rising towards the
//! capacity of 100 within the month after the history, a third slowly, a third
//! flat), a daily and a weekly cycle, noise, and on one series in fifty a level
//! shift, as disks and volumes look.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use chrono::{TimeDelta, TimeZone, Utc};

use headroom::decompose::{period, StlOptions};
use headroom::forecast::{select, ModelChoice};
use headroom::ingest::{read_path, ReadOptions};
use headroom::pipeline::{ForecastSettings, DEFAULT_PATHS};
use headroom::saturation::{assess_paths, Direction, Questions};
use headroom::RegulariseOptions;

/// 90 days of hours.
const POINTS: usize = 90 * 24;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") if args.len() == 4 => {
            generate(args[2].parse().expect("a number of series"), &args[3])
        }
        Some("profile") if args.len() == 4 => {
            profile(&args[2], args[3].parse().expect("a number of series"))
        }
        _ => {
            eprintln!("usage: fleet generate SERIES OUT.csv | fleet profile IN.csv SERIES");
            std::process::exit(2);
        }
    }
}

/// splitmix64: fast, and the same file for the same N on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal by Box-Muller.
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// Write the sample of `series` series to `out` (`-`: standard output); the
/// status-invariant test includes this file to draw the same sample.
pub fn generate(series: usize, out: &str) {
    let started = Instant::now();
    let sink: Box<dyn Write> = if out == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(out).expect("output file"))
    };
    let mut w = BufWriter::with_capacity(1 << 20, sink);
    writeln!(w, "series,timestamp,value").unwrap();
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let stamps: Vec<String> = (0..POINTS)
        .map(|h| {
            (start + TimeDelta::hours(h as i64))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .collect();
    let mut rng = Rng(0x5eed);
    let mut bytes = 0u64;
    for s in 0..series {
        let name = format!("node-{:06}/disk-{}", s / 4, s % 4);
        let level = 20.0 + 40.0 * rng.uniform();
        let end = match s % 3 {
            // Reaches 100 somewhere in the 30 days after the history.
            0 => 100.0 + 10.0 * rng.uniform() - level,
            1 => 10.0 * rng.uniform(),
            _ => 0.0,
        };
        let slope = end / (POINTS as f64 + 360.0);
        let daily = 3.0 * rng.uniform();
        let weekly = 2.0 * rng.uniform();
        let noise = 0.2 + rng.uniform();
        let shift_at = (s % 50 == 7).then(|| POINTS / 2 + (rng.next() % 500) as usize);
        for (h, stamp) in stamps.iter().enumerate() {
            let t = h as f64;
            let mut v = level
                + slope * t
                + daily * (std::f64::consts::TAU * t / 24.0).sin()
                + weekly * (std::f64::consts::TAU * t / 168.0).sin()
                + noise * rng.normal();
            if shift_at.is_some_and(|at| h >= at) {
                v -= 10.0;
            }
            let line = format!("{name},{stamp},{:.3}\n", v.max(0.0));
            bytes += line.len() as u64;
            w.write_all(line.as_bytes()).unwrap();
        }
    }
    w.flush().unwrap();
    eprintln!(
        "fleet: {series} series, {} rows, {:.2} GB in {:.1} s",
        series * POINTS,
        bytes as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );
}

/// Seconds spent in each stage, summed over the series.
#[derive(Default)]
struct Stages {
    prepare: f64,
    select: f64,
    refit: f64,
    predict: f64,
    paths: f64,
    assess: f64,
}

/// Time the stages of `headroom saturation --capacity 100 --horizon 30d` on the
/// first `count` series, one thread.
fn profile(input: &str, count: usize) {
    let t = Instant::now();
    let read = read_path(input, &ReadOptions::default()).expect("input readable");
    let read_secs = t.elapsed().as_secs_f64();
    let rows: usize = read.series.iter().map(|s| s.len()).sum();
    let settings = ForecastSettings::default();
    let horizon = 30 * 24;
    let stl = StlOptions::default();
    let mut st = Stages::default();
    let mut chosen = std::collections::BTreeMap::<String, usize>::new();
    let mut crossing = [0usize; 3];
    for raw in read.series.iter().take(count) {
        let t = Instant::now();
        let (series, _) = raw
            .regularise(&RegulariseOptions::default())
            .expect("regular");
        let periods = period::periods(&series);
        st.prepare += lap(t);

        let t = Instant::now();
        let selection = select(&series, &periods, &stl, horizon, true).expect("a model");
        st.select += lap(t);
        *chosen.entry(selection.model.name()).or_default() += 1;

        // The winner's refit on the whole history, inside select: timed apart.
        let winner = selection
            .scores
            .first()
            .map(|s| s.0)
            .unwrap_or(ModelChoice::Naive);
        let t = Instant::now();
        let _ = winner.fit(&series, &periods, &stl, horizon);
        st.refit += lap(t);

        let model = selection.model;
        let t = Instant::now();
        let f = model.predict(horizon, &settings.levels).expect("forecast");
        st.predict += lap(t);
        let t = Instant::now();
        let paths = model
            .simulate(horizon, DEFAULT_PATHS, settings.seed)
            .expect("paths");
        st.paths += lap(t);
        let t = Instant::now();
        let row = assess_paths(
            &f,
            &paths,
            series.last_timestamp(),
            series.last_value(),
            100.0,
            Direction::Up,
            &Questions::default(),
        )
        .expect("row");
        st.assess += lap(t);
        let p = row.probability;
        crossing[if p < 0.01 {
            0
        } else if p > 0.99 {
            2
        } else {
            1
        }] += 1;
    }
    let n = count.min(read.series.len()) as f64;
    let total = st.prepare
        + st.select
        + st.predict
        + st.paths
        + st.assess
        + read_secs * n / read.series.len() as f64;
    let ms = |s: f64| 1000.0 * s / n;
    println!(
        "read: {} series, {rows} rows in {read_secs:.2} s ({:.2} ms per series)",
        read.series.len(),
        1000.0 * read_secs / read.series.len() as f64
    );
    println!("per series, mean of {n} (one thread), ms:");
    let share = |s: f64| 100.0 * s / total;
    let per_read = read_secs / read.series.len() as f64;
    for (name, secs) in [
        ("read", per_read * n),
        ("prepare (regularise, periods)", st.prepare),
        ("select (validation, refit, calibration)", st.select),
        ("  of which the winner's refit", st.refit),
        ("predict", st.predict),
        ("paths (2000)", st.paths),
        ("assess", st.assess),
    ] {
        println!("  {name:<42} {:>8.2}  {:>5.1} %", ms(secs), share(secs));
    }
    println!("chosen: {chosen:?}");
    println!(
        "probability < 0.01: {}, between: {}, > 0.99: {}",
        crossing[0], crossing[1], crossing[2]
    );
}

fn lap(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}
