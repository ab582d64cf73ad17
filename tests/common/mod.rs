//! Helpers shared by the integration tests: where the shared data lives, and
//! the binary run with arguments.

#![allow(dead_code)]

use std::path::PathBuf;

/// Whether a missing shared folder fails the test instead of skipping it:
/// `HEADROOM_REQUIRE_SHARED` set to anything but empty or `0` (`.ci/run` sets it
/// where the shared data is present).
pub fn shared_required() -> bool {
    std::env::var_os("HEADROOM_REQUIRE_SHARED").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The shared folder (`../shared` beside the repository, or the parent of
/// `HEADROOM_SHARED_DATA`) joined with `sub`, when it exists. When it does not,
/// the one policy of every test that needs it: a panic if
/// [`shared_required`], else `None` and a `SKIPPED:` line naming the test (the
/// caller returns at once).
pub fn shared(sub: &str) -> Option<PathBuf> {
    shared_else(sub, "")
}

/// [`shared`], for a test that still runs without the file but does less:
/// `without` says what it runs without (as in "the export samples as seeds").
pub fn shared_else(sub: &str, without: &str) -> Option<PathBuf> {
    let root = match std::env::var_os("HEADROOM_SHARED_DATA") {
        Some(data) => PathBuf::from(data).join(".."),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    let path = root.join(sub);
    if path.exists() {
        return Some(path);
    }
    // The harness names each test's thread after the test.
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    if shared_required() {
        panic!(
            "HEADROOM_REQUIRE_SHARED is set but {} is missing ({test} needs it; \
             HEADROOM_SHARED_DATA names the shared data folder)",
            path.display()
        );
    }
    let skipped = if without.is_empty() {
        String::new()
    } else {
        format!(" runs without {without}")
    };
    // One write straight to the process' standard error: the harness captures
    // `println!` and `eprintln!` of a passing test, and a skip must show in a
    // plain `cargo test`.
    let line = format!(
        "SKIPPED: {test}{skipped}: {} not found (set HEADROOM_SHARED_DATA to the shared \
         data folder; HEADROOM_REQUIRE_SHARED=1 makes this a failure)\n",
        path.display()
    );
    use std::io::Write;
    let _ = std::io::stderr().write_all(line.as_bytes());
    None
}

/// The shared fixtures whose names start with `prefix`, sorted; `None` (by the
/// policy of [`shared`]) when the fixtures folder is absent. A folder without
/// any such fixture is a failure, not a pass over nothing.
pub fn fixtures(prefix: &str) -> Option<Vec<PathBuf>> {
    let dir = shared("fixtures")?;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures folder readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".json")
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no {prefix}*.json fixture in {}",
        dir.display()
    );
    Some(files)
}

/// Read a JSON fixture.
pub fn json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A JSON array of numbers as a vector.
pub fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// The largest relative error of `ours` against `reference`, relative to the
/// reference's largest magnitude (so components that cross zero are not divided
/// by values near zero).
pub fn max_relative_error(ours: &[f64], reference: &[f64]) -> f64 {
    assert_eq!(ours.len(), reference.len(), "lengths differ");
    let scale = reference
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()))
        .max(1e-300);
    ours.iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs() / scale)
        .fold(0.0, f64::max)
}

/// The `headroom` binary of this build, run with `args`.
pub fn headroom(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// 90 days of an hourly daily cycle around 100 (amplitude 20) with noise (sd
/// about 3), never trending: `series,timestamp,value`.
pub fn cycle_csv(name: &str) -> String {
    let mut state = 12345u64;
    let mut noise = || {
        // Sum of four uniforms: roughly normal, deterministic.
        (0..4)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .sum::<f64>()
            * 5.2
    };
    let mut csv = String::from("series,timestamp,value\n");
    for h in 0..24 * 90 {
        let v = 100.0 + 20.0 * (std::f64::consts::TAU * h as f64 / 24.0).sin() + noise();
        csv += &format!("{name},{},{v:.2}\n", 1_704_067_200 + h * 3600);
    }
    csv
}

/// A deterministic standard normal stream (Box-Muller on a 64-bit LCG), so the
/// cases do not depend on the crate's own generator.
pub struct Noise(pub u64);

impl Noise {
    pub fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Write `content` to `name` in this run's scratch folder for `suite`.
pub fn scratch_in(suite: &str, name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("headroom-{suite}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Saturation scores of these `(probability, crossed)` answers: questions of 10
/// hourly steps, a crossing at step 3, no dates.
pub fn scores_of(answers: &[(f64, bool)]) -> headroom::evaluate::SaturationScores {
    let outcomes: Vec<headroom::evaluate::SaturationOutcome> = answers
        .iter()
        .map(
            |&(probability, crossed)| headroom::evaluate::SaturationOutcome {
                probability,
                actual: crossed.then_some(3),
                point: None,
                p10: None,
                p90: None,
                earliest: None,
                latest: None,
                horizon: 10,
                step_seconds: 3600.0,
            },
        )
        .collect();
    headroom::evaluate::SaturationScores::of(&outcomes, 10).unwrap()
}
