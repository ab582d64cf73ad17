//! CSV layouts: comma, semicolon and tab delimiters, several metric columns, and
//! the column-choice flags for layouts that detection cannot guess.

use std::process::Command;

use headroom::ingest::{read_bytes, Format, Ingested, ReadOptions};

fn read(text: &str, options: &ReadOptions) -> Ingested {
    read_bytes("m.csv", "m", text.as_bytes(), options).unwrap()
}

fn names(r: &Ingested) -> Vec<&str> {
    r.series.iter().map(|s| s.name()).collect()
}

#[test]
fn every_delimiter_with_several_metric_columns() {
    for sep in [",", ";", "\t"] {
        let text = ["time", "cpu", "mem"].join(sep)
            + "\n"
            + &["2024-01-01T00:00:00Z", "1.5", "10"].join(sep)
            + "\n"
            + &["2024-01-01T01:00:00Z", "2.5", ""].join(sep)
            + "\n";
        let r = read(&text, &ReadOptions::default());
        assert_eq!(r.format, Some(Format::Wide), "{sep:?}");
        assert_eq!(names(&r), ["cpu", "mem"], "{sep:?}");
        assert_eq!(r.series[0].values(), &[1.5, 2.5]);
        assert!(r.series[1].values()[1].is_nan());
    }
}

#[test]
fn series_column_with_several_metric_columns() {
    let text = "host;ts;cpu;mem\nweb;2024-01-01 00:00;1;100\ndb;2024-01-01 00:00;5;500\n\
                web;2024-01-01 01:00;2;110\n";
    let options = ReadOptions::default().with_series_column("host");
    let r = read(text, &options);
    assert_eq!(names(&r), ["web/cpu", "web/mem", "db/cpu", "db/mem"]);
    assert_eq!(r.series[1].values(), &[100.0, 110.0]);
    assert_eq!(r.series[2].values(), &[5.0]);
    // Choosing one value column gives one series per host, named by the host.
    let r = read(text, &options.with_value_column("mem"));
    assert_eq!(names(&r), ["web", "db"]);
}

#[test]
fn column_flags_for_layouts_detection_cannot_guess() {
    let text = "when\tnode\treading\tjunk\n1704067200\ta\t1\tx\n1704070800\ta\t2\ty\n";
    let err = read_bytes("m.csv", "m", text.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("--time-column"), "{err}");
    let options = ReadOptions::default()
        .with_time_column("when")
        .with_series_column("node")
        .with_value_column("reading");
    let r = read(text, &options);
    assert_eq!(names(&r), ["a"]);
    assert_eq!(r.series[0].values(), &[1.0, 2.0]);

    // The same through the command line.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest_csv_layouts");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("odd.tsv");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(["inspect", "--input", path.to_str().unwrap()])
        .args(["--time-column", "when", "--series-column", "node"])
        .args(["--value-column", "reading"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("\na,2,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,3600,0,0,1,2,"),
        "{stdout}"
    );
}

#[test]
fn standard_input_of_any_format() {
    let reply = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up"},"value":[1704067200,"1"]},{"metric":{"__name__":"down"},"value":[1704067200,"0"]}]}}"#;
    let mut child = Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(["inspect", "--input", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(reply.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // One point cannot give a step: each series fails alone, with its name.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("series up: cannot infer a step"),
        "{stderr}"
    );
    assert!(
        stderr.contains("series down: cannot infer a step"),
        "{stderr}"
    );
}
