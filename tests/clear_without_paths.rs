//! Series far from capacity are answered without drawing paths
//! (`FittedModel::crossing_bound`, `pipeline::CLEAR_EXPECTED_PATHS`): the rows
//! must be those the paths give (`--all-paths`), on the README's sample and, when
//! the shared data is there, on the M4 Hourly training set.

mod common;
use common::headroom;

fn rows(args: &[&str]) -> String {
    let out = headroom(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn same_with_and_without_paths(args: &[&str]) {
    let shortcut = rows(args);
    let all: Vec<&str> = args.iter().copied().chain(["--all-paths"]).collect();
    assert_eq!(shortcut, rows(&all), "{args:?}");
}

#[test]
fn the_sample_answers_the_same_without_paths_where_none_reach() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");
    for capacity in ["500G", "1.2x", "2x", "10T"] {
        let args = [
            "saturation",
            "--input",
            sample,
            "--capacity",
            capacity,
            "--horizon",
            "30d",
        ];
        same_with_and_without_paths(&args);
    }
    let args = [
        "saturation",
        "--input",
        sample,
        "--capacity",
        "1.5x",
        "--by",
        "7d",
    ];
    same_with_and_without_paths(&args);
    let down = [
        "saturation",
        "--input",
        sample,
        "--capacity",
        "0.5x",
        "--direction",
        "down",
    ];
    same_with_and_without_paths(&down);
}

#[test]
fn m4_hourly_answers_the_same_without_paths_where_none_reach() {
    let Some(train) = common::shared("data/m4/Hourly-train-long.csv") else {
        return;
    };
    // The first 40 series keep this debug-built test short; the closing note of
    // issue 17 has all 414 at 1.1x, 1.3x and 2x (identical rows).
    let fit = std::env::temp_dir().join(format!("headroom-clear-{}.csv", std::process::id()));
    write_first_series(&train, &fit, 40);
    let f = fit.to_str().expect("UTF-8 path");
    for capacity in ["1.1x", "2x"] {
        let args = [
            "saturation",
            "--input",
            f,
            "--capacity",
            capacity,
            "--horizon",
            "48",
            "--season",
            "24",
            "--season",
            "168",
        ];
        same_with_and_without_paths(&args);
    }
    let _ = std::fs::remove_file(&fit);
}

/// The first `n` series of the M4 long training file.
fn write_first_series(train: &std::path::Path, out: &std::path::Path, n: usize) {
    let text = std::fs::read_to_string(train).expect("M4 file readable");
    let mut names = std::collections::HashSet::new();
    let mut csv = String::new();
    for (i, line) in text.lines().enumerate() {
        let name = line.split(',').next().unwrap_or_default();
        if i > 0 && !names.contains(name) {
            if names.len() == n {
                continue;
            }
            names.insert(name.to_string());
        }
        csv.push_str(line);
        csv.push('\n');
    }
    std::fs::write(out, csv).expect("temp file writable");
}
