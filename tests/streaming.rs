//! Streaming a long CSV sorted by series: series handed out in order as they are
//! complete, unsorted large input refused with the command that sorts it, a
//! malformed record part way answered up to it; and the hostile inputs of issue
//! 13 (a directory, a named pipe, a megabyte-long series name, a very long line).

mod common;

use common::headroom;

use std::path::{Path, PathBuf};
use std::process::Command;

use headroom::ingest::{stream_reader, Ingested, ReadOptions};

/// `series` series of `points` hourly rows each, sorted by series.
fn long_csv(series: usize, points: usize) -> String {
    let mut text = String::from("series,timestamp,value\n");
    for s in 0..series {
        for h in 0..points {
            text += &format!("s{s:03},{},{}\n", 1_700_000_000 + 3600 * h, (s + h) % 7);
        }
    }
    text
}

/// Stream `text` with this budget: the batches handed out, and the end.
fn stream(text: &str, budget: usize) -> (Vec<Ingested>, headroom::Result<Ingested>) {
    let mut batches = Vec::new();
    let mut each = |b: Ingested| {
        batches.push(b);
        Ok(())
    };
    let end = stream_reader(
        "f.csv",
        "f",
        &mut text.as_bytes(),
        &ReadOptions::default(),
        budget,
        &mut each,
    );
    (batches, end)
}

fn names(batches: &[Ingested]) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| b.series.iter().map(|s| s.name().to_string()))
        .collect()
}

/// Blocks are 4 MB: a file of 5.3 MB (400 series of 600 rows) is read in two, and a
/// budget of 1 MB hands series out after each.
const SERIES: usize = 400;
const POINTS: usize = 600;
const BUDGET: usize = 1 << 20;

#[test]
fn sorted_series_are_handed_out_in_order_as_they_complete() {
    let text = long_csv(SERIES, POINTS);
    let (batches, end) = stream(&text, BUDGET);
    let end = end.unwrap();
    assert!(batches.len() >= 2, "{} batches", batches.len());
    let mut all = names(&batches);
    all.extend(end.series.iter().map(|s| s.name().to_string()));
    let expected: Vec<String> = (0..SERIES).map(|s| format!("s{s:03}")).collect();
    assert_eq!(all, expected);
    // The same series as read whole.
    let (none, whole) = stream(&text, usize::MAX);
    assert!(none.is_empty());
    let whole = whole.unwrap();
    let mut streamed: Vec<_> = batches.into_iter().flat_map(|b| b.series).collect();
    streamed.extend(end.series);
    assert_eq!(streamed, whole.series);
}

#[test]
fn unsorted_input_is_read_whole_when_small_and_refused_when_large() {
    let mut text = long_csv(SERIES, POINTS);
    text += "s000,1800000000,1\n";
    // Within the budget, series may come in any order (the contract's CSV).
    let (_, whole) = stream(&text, usize::MAX);
    assert_eq!(whole.unwrap().series[0].len(), POINTS + 1);
    let (batches, end) = stream(&text, BUDGET);
    assert!(!batches.is_empty());
    let err = end.unwrap_err().to_string();
    let line = 2 + SERIES * POINTS;
    assert!(
        err.contains(&format!("f.csv: line {line}, column 1 (series)")),
        "{err}"
    );
    assert!(err.contains("series 's000' appears again"), "{err}");
    assert!(err.contains("sort -t, -k1,1 -s"), "{err}");
}

#[test]
fn a_malformed_record_stops_the_read_after_the_series_before_it() {
    let mut text = long_csv(10, 24);
    // Line 2 + 24 * 7 + 5: in the middle of s007.
    let bad = 2 + 24 * 7 + 5;
    let mut lines: Vec<&str> = text.lines().collect();
    lines[bad - 1] = "s007,\"1700018000,3";
    text = lines.join("\n") + "\n";
    let (batches, end) = stream(&text, 1 << 20);
    let err = end.unwrap_err().to_string();
    assert!(err.contains(&format!("line {bad}, column 2")), "{err}");
    assert!(err.contains("never closed"), "{err}");
    let read: Vec<String> = names(&batches);
    assert_eq!(read, (0..7).map(|s| format!("s{s:03}")).collect::<Vec<_>>());
    let skipped: Vec<&String> = batches.iter().flat_map(|b| &b.skipped).collect();
    assert_eq!(skipped, ["s007"]);
}

fn scratch(name: &str, content: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("streaming");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn cli_answers_the_series_before_a_malformed_record_and_exits_3() {
    let mut lines: Vec<String> = long_csv(6, 72).lines().map(str::to_string).collect();
    let bad = 2 + 72 * 4 + 10;
    lines[bad - 1] = "s004,\"1700036000,3".to_string();
    let path = scratch("malformed.csv", (lines.join("\n") + "\n").as_bytes());
    let o = headroom(&[
        "forecast",
        "--input",
        s(&path),
        "--horizon",
        "3",
        "--model",
        "naive",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    for answered in ["s000", "s003"] {
        assert!(stdout.contains(&format!("\n{answered},")), "{stdout}");
    }
    assert!(!stdout.contains("s004"), "{stdout}");
    assert!(
        stderr.contains(&format!("malformed.csv: line {bad}, column 2 (timestamp)")),
        "{stderr}"
    );
    assert!(stderr.contains("series s004: not answered"), "{stderr}");
    assert!(
        stderr.contains("4 series answered, 1 failed, 1 skipped"),
        "{stderr}"
    );
}

#[test]
fn cli_summary_line_ends_every_run() {
    let path = scratch("three.csv", long_csv(3, 48).as_bytes());
    let o = headroom(&[
        "saturation",
        "--input",
        s(&path),
        "--capacity",
        "10",
        "--horizon",
        "5",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let last = stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("headroom: 3 series answered, 0 failed, 0 skipped in "),
        "{stderr}"
    );
}

#[test]
fn a_directory_is_a_clear_error() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for command in [["forecast", "--horizon", "3"], ["inspect", "--output", "-"]] {
        let mut args = vec![command[0], "--input", s(&dir)];
        args.extend(&command[1..]);
        let o = headroom(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(s(&dir)), "{stderr}");
        assert!(stderr.to_lowercase().contains("directory"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_named_pipe_is_read_as_a_stream() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("streaming-fifo.csv");
    let _ = std::fs::remove_file(&path);
    let made = Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        println!("SKIPPED: mkfifo not available");
        return;
    }
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        std::fs::write(&writer_path, long_csv(2, 48)).unwrap();
    });
    let o = headroom(&[
        "forecast",
        "--input",
        s(&path),
        "--horizon",
        "2",
        "--model",
        "naive",
    ]);
    writer.join().unwrap();
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(stdout.lines().count(), 1 + 2 * 2, "{stdout}");
}

#[test]
fn a_megabyte_long_series_name_and_a_long_line() {
    let name = "n".repeat(1 << 20);
    let mut text = String::from("series,timestamp,value\n");
    for h in 0..12 {
        text += &format!("{name},{},{}\n", 1_700_000_000 + 3600 * h, h % 5);
    }
    // An 8 MB value field: the line is read, the field refused with its place,
    // and the message does not repeat it whole.
    text += &format!("other,1700000000,{}\n", "9".repeat(8 << 20));
    let path = scratch("long-name.csv", text.as_bytes());
    let o = headroom(&[
        "forecast",
        "--input",
        s(&path),
        "--horizon",
        "2",
        "--model",
        "naive",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
    assert_eq!(stdout.lines().count(), 3);
    assert!(
        stderr.len() < 10_000,
        "{} bytes on standard error",
        stderr.len()
    );
    assert!(
        stderr.contains("line 14, column 3 (value)"),
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
}
