//! Bad exports: each gives a non-zero exit status and one line on standard error
//! that names the file and the place, never a panic. A reply that mixes good and
//! bad series keeps the good ones (exit status 3).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch file with these bytes, unique per test.
fn scratch(name: &str, content: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest_bad_input");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn inspect(path: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(["inspect", "--input", path.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("the binary runs")
}

/// Exit status 1 and exactly one line: `headroom: <file>: <place>: ...`.
fn fails_with(name: &str, content: &[u8], place: &str, what: &str) {
    let path = scratch(name, content);
    let out = inspect(&path, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(path.to_str().unwrap()), "{name}: {stderr}");
    assert!(stderr.contains(place), "{name}: no '{place}' in {stderr}");
    assert!(stderr.contains(what), "{name}: no '{what}' in {stderr}");
}

const MATRIX: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[
{"metric":{"__name__":"up","job":"a"},"values":[[1700000000,"1"],[1700000010,"1"]]},
{"metric":{"__name__":"up","job":"b"},"values":[[1700000000,"1"],[1700000010,"x"]]}
]}}"#;

#[test]
fn truncated_json() {
    let cut = &MATRIX[..MATRIX.len() - 40];
    fails_with(
        "truncated.json",
        cut.as_bytes(),
        "line 3, column",
        "ends early",
    );
}

#[test]
fn prometheus_error_reply() {
    fails_with(
        "error.json",
        br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#,
        "status",
        "bad_data",
    );
}

#[test]
fn influx_missing_annotation() {
    let text = "#group,false,false,false,false\n\
                #default,_result,,,\n\
                ,result,table,_time,_value\n\
                ,,0,2020-01-01T00:00:00Z,1\n";
    fails_with("noann.csv", text.as_bytes(), "line 3", "#datatype");
}

#[test]
fn cloudwatch_without_datapoints() {
    fails_with(
        "empty.json",
        br#"{"Label":"CPUUtilization","Datapoints":[]}"#,
        "Datapoints",
        "no datapoints",
    );
}

#[test]
fn wide_header_naming_a_column_twice() {
    fails_with(
        "twice.csv",
        b"Time;web;web\n2024-01-01T00:00:00Z;1;2\n",
        "line 1, column 3",
        "twice",
    );
}

#[test]
fn thousands_separators() {
    fails_with(
        "thousands.csv",
        b"timestamp,value\n2024-01-01T00:00:00Z,\"1,234\"\n2024-01-01T01:00:00Z,\"2,345\"\n",
        "line 2, column 2",
        "thousands",
    );
    fails_with(
        "thousands_unquoted.csv",
        b"timestamp,value\n2024-01-01T00:00:00Z,1,234\n",
        "line 2, column 3",
        "thousands",
    );
}

#[test]
fn utf16_files() {
    let text = "timestamp,value\n2024-01-01T00:00:00Z,1\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    fails_with("utf16.csv", &le, "line 1", "UTF-16");
    // Without a byte-order mark: every other byte is NUL.
    let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    fails_with("utf16_nobom.csv", &bare, "line 1", "UTF-16");
}

#[test]
fn a_mixed_reply_keeps_its_good_series() {
    let path = scratch("mixed.json", MATRIX.as_bytes());
    let out = inspect(&path, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stdout.contains("\"up{job=\"\"a\"\"}\",2,"), "{stdout}");
    assert!(!stdout.contains("job=\"\"b"), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("data.result[1].values[1]: cannot read 'x' as a number"),
        "{stderr}"
    );
}

#[test]
fn a_bad_row_deep_in_a_large_csv_is_located() {
    // Past the first block, so the block reader's line numbers are exercised.
    let mut csv = String::from("series,timestamp,value\n");
    for i in 0..200_000 {
        let v = if i == 150_001 {
            "12..5".to_string()
        } else {
            i.to_string()
        };
        csv += &format!("s{},{},{v}\n", i % 4, 1_700_000_000 + 60 * (i / 4));
    }
    let path = scratch("large.csv", csv.as_bytes());
    let out = inspect(&path, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("line 150003, column 3 (value): cannot read '12..5'"),
        "{stderr}"
    );
}

/// Found by fuzzing: a quote left open at the end of a block made polars' CSV
/// reader panic ("slice index starts at 1 but ends at 0", exit 101).
#[test]
fn a_quote_left_open_at_the_end_is_an_error_with_its_line() {
    // Without the last line break it panicked; with it, it did not.
    let text = b"series,timestamp,value\na,2[024-01-01TH0:00:00Z,\"";
    fails_with("open-quote.csv", text, "line 2, column 3", "never closed");
    let text = b"series,timestamp,value\na,2[024-01-01TH0:00:00Z,\"\n";
    fails_with(
        "open-quote-lf.csv",
        text,
        "line 2, column 3",
        "never closed",
    );
    let text = b"timestamp,value,series\n2024-01-01T00:00:00Z,1,\"";
    fails_with(
        "open-quote-name.csv",
        text,
        "line 2, column 3",
        "never closed",
    );
}

/// Found by the million-input campaign (case 816154): a lone quote closing a
/// line whose other quotes pair up (an even count on the line) still reached
/// polars, which panicked on it.
#[test]
fn a_lone_quote_after_paired_ones_is_an_error_with_its_line() {
    let text = b"timestamp,value\n1700000000,1.5\n1700003600,2.5\n17000atus\":\"success\",\"";
    fails_with("lone-quote.csv", text, "line 4, column 2", "never closed");
}

/// Found by fuzzing: one timestamp of a Grafana export moved four years on made
/// gap filling invent 70,029 steps per series (`forecast --horizon 5` took 18 s).
/// A gap longer than the history is refused, for each series, quickly.
#[test]
fn a_timestamp_moved_years_on_is_refused_not_filled() {
    let mut csv = String::from("\u{feff}sep=;\r\n\"Time\";\"a\";\"b\"\r\n");
    for i in 0..400 {
        let year = if i == 200 { 2023 } else { 2019 };
        csv += &format!(
            "\"{year}-01-{:02}T{:02}:00:00+02:00\";{i};{}\r\n",
            15 + i / 24,
            i % 24,
            2 * i
        );
    }
    let path = scratch("moved.csv", csv.as_bytes());
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args([
            "forecast",
            "--input",
            path.to_str().unwrap(),
            "--horizon",
            "5",
        ])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    for series in ["series a: a gap of", "series b: a gap of"] {
        assert!(stderr.contains(series), "{stderr}");
    }
    assert!(
        stderr.contains("longer than the 400 observed steps"),
        "{stderr}"
    );
}
