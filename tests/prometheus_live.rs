//! Live Prometheus reads against a mock server: splitting under the 11,000-point
//! limit and joining give exactly what a read of the same range exported to a
//! file gives (library and command line, byte for byte), and every bad input of
//! issue 11 gets a clear error that names the query and never a credential.

mod common;

use common::headroom;

mod mock_prometheus;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use headroom::ingest::{read_path, Auth, Ingested, Prometheus, RangeQuery, ReadOptions};
use headroom::Error;
use mock_prometheus::{
    cut_off, json, labels, prometheus_error, reply, Mock, Request, Store, Stored,
};

/// 2024-03-31T00:00:00Z.
const END: i64 = 1_711_843_200;

fn end() -> DateTime<Utc> {
    DateTime::from_timestamp(END, 0).unwrap()
}

/// Three disks: one grows, one has a NaN and infinities across the request
/// boundaries, one appears only in the last week; label values that need
/// escaping.
fn store() -> Store {
    let start = END - 30 * 86400;
    Store {
        series: vec![
            Stored {
                labels: labels(&[
                    ("__name__", "disk_used_bytes"),
                    ("instance", "db-01:9100"),
                    ("mount", "/var/lib/\"pg\""),
                ]),
                value: Box::new(move |t| {
                    let day = (t - start) as f64 / 86400.0;
                    Some(4e11 + 1e9 * day + 2e8 * (day * std::f64::consts::TAU).sin())
                }),
            },
            Stored {
                labels: labels(&[("__name__", "disk_used_bytes"), ("instance", "db-02:9100")]),
                value: Box::new(move |t| {
                    let minute = (t - start) / 60;
                    Some(match minute {
                        10_999..=11_001 => f64::INFINITY,
                        20_000 => f64::NAN,
                        _ => 1e11 + (minute % 1440) as f64 * 1e5,
                    })
                }),
            },
            Stored {
                labels: labels(&[("__name__", "disk_used_bytes"), ("instance", "db-00:9100")]),
                value: Box::new(move |t| (t >= END - 7 * 86400).then(|| 2e11 + (t - start) as f64)),
            },
        ],
    }
}

/// A mock that answers `query_range` from [`store`] as Prometheus does.
fn prometheus() -> Mock {
    let store = store();
    Mock::start(move |r: &Request| {
        if r.path != "/api/v1/query_range" {
            return reply(404, "text/plain", "404 page not found");
        }
        store.query_range(r.number("start"), r.number("end"), r.number("step"), true)
    })
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prometheus_live");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The same range exported in one reply (as `curl .../query_range` would if the
/// limit allowed it), saved to a file.
fn export(step_s: i64, range_days: i64, name: &str) -> PathBuf {
    let path = scratch(name);
    let start = (END - range_days * 86400) as f64;
    std::fs::write(&path, store().matrix(start, END as f64, step_s as f64)).unwrap();
    path
}

fn assert_same(live: &Ingested, file: &Ingested) {
    assert_eq!(live.series.len(), file.series.len());
    for (a, b) in live.series.iter().zip(&file.series) {
        assert_eq!(a.name(), b.name());
        assert_eq!(a.labels(), b.labels());
        assert_eq!(a.timestamps(), b.timestamps(), "{}", a.name());
        let bits =
            |s: &headroom::Series| s.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a), bits(b), "{}", a.name());
    }
    let messages = |r: &Ingested| r.notes.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(messages(live), messages(file));
    assert_eq!(live.failed.len(), file.failed.len());
}

fn fast(url: &str) -> Prometheus {
    Prometheus::new(url)
        .unwrap()
        .with_backoff(Duration::from_millis(5))
        .with_timeout(Duration::from_secs(5))
}

#[test]
fn split_requests_join_to_the_exported_read() {
    let mock = prometheus();
    let query = RangeQuery::new("disk_used_bytes", TimeDelta::days(30))
        .with_step(TimeDelta::minutes(1))
        .with_end(end());
    let live = fast(&mock.url()).query_range(&query).unwrap();
    // 43,201 points per series: four requests, none over the limit (the mock
    // refuses those as Prometheus does), in time order without overlap.
    let requests = mock.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 4);
    let mut previous_end = f64::MIN;
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.form["query"], "disk_used_bytes");
        assert!((r.number("end") - r.number("start")) / 60.0 <= 11_000.0);
        assert!(r.number("start") > previous_end);
        previous_end = r.number("end");
    }
    let file = read_path(
        export(60, 30, "disk_1m.json").to_str().unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_same(&live, &file);
    let names: Vec<&str> = live.series.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            r#"disk_used_bytes{instance="db-00:9100"}"#,
            r#"disk_used_bytes{instance="db-01:9100",mount="/var/lib/\"pg\""}"#,
            r#"disk_used_bytes{instance="db-02:9100"}"#,
        ]
    );
    assert!(
        live.notes.iter().any(|n| n.dropped == 3),
        "{:?}",
        live.notes
    );
}

#[test]
fn a_reply_too_large_is_asked_for_in_halves() {
    let mock = prometheus();
    let query = RangeQuery::new("disk_used_bytes", TimeDelta::days(2))
        .with_step(TimeDelta::minutes(5))
        .with_end(end());
    let live = fast(&mock.url())
        .with_max_reply_bytes(40_000)
        .query_range(&query)
        .unwrap();
    assert!(mock.count() > 2, "{} requests", mock.count());
    let file = read_path(
        export(300, 2, "disk_5m_2d.json").to_str().unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_same(&live, &file);
}

#[test]
fn command_line_outputs_are_byte_identical() {
    let mock = prometheus();
    let url = mock.url();
    let file = export(3600, 14, "disk_1h_14d.json");
    let end = END.to_string();
    let live = [
        "--prometheus",
        &url,
        "--query",
        "disk_used_bytes",
        "--range",
        "14d",
        "--end",
        &end,
        "--step",
        "1h",
    ];
    let exported = ["--input", file.to_str().unwrap(), "--step", "1h"];
    for command in [
        &["forecast", "--horizon", "2d"][..],
        &[
            "saturation",
            "--capacity",
            "500G",
            "--paths",
            "200",
            "--horizon",
            "30d",
        ][..],
        &["inspect"][..],
    ] {
        let a = headroom(&[command, &live[..]].concat());
        let b = headroom(&[command, &exported[..]].concat());
        let err = String::from_utf8_lossy(&a.stderr);
        assert_eq!(a.status.code(), b.status.code(), "{command:?}: {err}");
        assert!(!a.stdout.is_empty(), "{command:?}: {err}");
        assert_eq!(a.stdout, b.stdout, "{command:?}");
    }
}

fn error_of(mock: &Mock, configure: impl Fn(Prometheus) -> Prometheus) -> String {
    let query = RangeQuery::new("rate(x[5m])", TimeDelta::days(1)).with_end(end());
    match configure(fast(&mock.url())).query_range(&query) {
        Ok(r) => panic!("expected an error, read {} series", r.series.len()),
        Err(e) => {
            assert!(matches!(e, Error::Prometheus { .. }), "{e:?}");
            e.to_string()
        }
    }
}

#[test]
fn unreachable_server_is_retried_then_named() {
    // A port nothing listens on: bind one, then close it.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let query = RangeQuery::new("up", TimeDelta::hours(1));
    let err = fast(&format!("http://{addr}"))
        .with_retries(2)
        .query_range(&query)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("http://{addr}")), "{err}");
    assert!(err.contains("query 'up'"), "{err}");
    assert!(err.contains("after 3 tries"), "{err}");
}

#[test]
fn promql_errors_are_reported_and_not_retried() {
    let mock = Mock::start(|_: &Request| {
        prometheus_error(
            400,
            "bad_data",
            "1:6: parse error: unexpected right parenthesis ')'",
        )
    });
    let err = error_of(&mock, |p| p);
    assert!(err.contains("HTTP 400"), "{err}");
    assert!(err.contains("bad_data"), "{err}");
    assert!(err.contains("unexpected right parenthesis"), "{err}");
    assert!(err.contains("query 'rate(x[5m])'"), "{err}");
    assert_eq!(mock.count(), 1);
    // An error reply with status 200 is Prometheus' own word too.
    let mock = Mock::start(|_: &Request| {
        json(
            200,
            r#"{"status":"error","errorType":"execution","error":"query timed out"}"#,
        )
    });
    let err = error_of(&mock, |p| p);
    assert!(
        err.contains("execution") && err.contains("query timed out"),
        "{err}"
    );
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let mock =
        Mock::start(|_: &Request| reply(503, "text/html", "<html>Service Unavailable</html>"));
    let started = Instant::now();
    let err = error_of(&mock, |p| {
        p.with_retries(3).with_backoff(Duration::from_millis(20))
    });
    assert_eq!(mock.count(), 4);
    // 20 + 40 + 80 ms of backoff.
    assert!(started.elapsed() >= Duration::from_millis(140));
    assert!(
        err.contains("HTTP 503: <html>Service Unavailable</html>"),
        "{err}"
    );
    assert!(err.contains("after 4 tries"), "{err}");
    // A 404 says what the URL should be, and is not retried.
    let mock = Mock::start(|_: &Request| reply(404, "text/plain", "404 page not found"));
    let err = error_of(&mock, |p| p);
    assert!(
        err.contains("HTTP 404") && err.contains("base URL"),
        "{err}"
    );
    assert_eq!(mock.count(), 1);
}

#[test]
fn recovers_when_a_retry_succeeds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let store = store();
    let mock = Mock::start(move |r: &Request| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            return reply(502, "text/plain", "bad gateway");
        }
        store.query_range(r.number("start"), r.number("end"), r.number("step"), true)
    });
    let query = RangeQuery::new("disk_used_bytes", TimeDelta::days(1)).with_end(end());
    let read = fast(&mock.url()).query_range(&query).unwrap();
    assert_eq!(read.series.len(), 3);
    assert!(read
        .notes
        .iter()
        .any(|n| n.message.contains("retry 1 of 3")));
}

#[test]
fn empty_results_say_so() {
    let mock = Mock::start(|_: &Request| {
        json(
            200,
            r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
        )
    });
    let err = error_of(&mock, |p| p);
    assert!(err.contains("the result is empty"), "{err}");
}

#[test]
fn warnings_are_notes() {
    let mock = Mock::start(|_: &Request| {
        json(
            200,
            r#"{"status":"success","warnings":["partial response"],"data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1711756800,"1"]]}]}}"#,
        )
    });
    let query = RangeQuery::new("x", TimeDelta::days(1)).with_end(end());
    let read = fast(&mock.url()).query_range(&query).unwrap();
    assert_eq!(
        read.notes[0].to_string(),
        "Prometheus warns: partial response"
    );
    // A series without labels is named by the query.
    let mock = Mock::start(|_: &Request| {
        json(
            200,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1711756800,"1"]]}]}}"#,
        )
    });
    let read = fast(&mock.url())
        .query_range(&RangeQuery::new("sum(x)", TimeDelta::days(1)))
        .unwrap();
    assert_eq!(read.series[0].name(), "sum(x)");
}

#[test]
fn millions_of_points_are_refused_with_the_count() {
    // Asked for: a year at one second is refused before any request.
    let mock = prometheus();
    let query = RangeQuery::new("disk_used_bytes", TimeDelta::days(365))
        .with_step(TimeDelta::seconds(1))
        .with_end(end());
    let err = fast(&mock.url())
        .query_range(&query)
        .unwrap_err()
        .to_string();
    assert!(err.contains("31536001 points per series"), "{err}");
    assert_eq!(mock.count(), 0);
    // Sent: 120 series of 11,000 points (1.3 million) in one reply, over a
    // limit of one million.
    let store = Store {
        series: (0..120)
            .map(|i| Stored {
                labels: labels(&[("host", &format!("h{i:03}"))]),
                value: Box::new(|t| Some(t as f64)),
            })
            .collect(),
    };
    let mock = Mock::start(move |r: &Request| {
        store.query_range(r.number("start"), r.number("end"), r.number("step"), true)
    });
    let query = RangeQuery::new("big", TimeDelta::minutes(10_999))
        .with_step(TimeDelta::minutes(1))
        .with_end(end());
    let err = fast(&mock.url())
        .with_max_points(1_000_000)
        .with_max_reply_bytes(64 << 20)
        .query_range(&query)
        .unwrap_err()
        .to_string();
    assert!(err.contains("120 series and 1320000 points"), "{err}");
    assert!(err.contains("limit of 1000000"), "{err}");
}

#[test]
fn a_reply_cut_off_mid_body_is_an_error() {
    let body = store().matrix((END - 3600) as f64, END as f64, 60.0);
    let mock = Mock::start(move |_: &Request| cut_off(&body, 100));
    let err = error_of(&mock, |p| p.with_retries(1));
    assert!(err.contains("cut off"), "{err}");
    assert_eq!(mock.count(), 2);
    // Complete by HTTP, but the JSON stops: the place is named.
    let mock = Mock::start(|_: &Request| json(200, r#"{"status":"success","data":{"resu"#));
    let err = error_of(&mock, |p| p);
    assert!(err.contains("ends early"), "{err}");
}

#[test]
fn a_stalled_server_times_out() {
    let mock = Mock::start(|_: &Request| {
        std::thread::sleep(Duration::from_secs(3));
        json(200, "{}")
    });
    let started = Instant::now();
    let err = error_of(&mock, |p| {
        p.with_timeout(Duration::from_millis(300)).with_retries(0)
    });
    assert!(err.contains("no reply in time"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn credentials_never_appear_in_errors() {
    // The token goes out in the header; a server that echoes it back in its
    // error does not get it into the message.
    let token = "tok-3f9a-SECRET";
    let path = scratch("token");
    std::fs::write(&path, format!("{token}\n")).unwrap();
    let mock = Mock::start(|r: &Request| {
        let echoed = r.authorization.clone().unwrap_or_default();
        reply(401, "text/plain", &format!("bad credentials: {echoed}"))
    });
    let auth = Auth::bearer_token_file(&path).unwrap();
    let err = error_of(&mock, |p| p.with_auth(auth.clone()));
    assert_eq!(
        mock.requests.lock().unwrap()[0].authorization.as_deref(),
        Some(format!("Bearer {token}").as_str())
    );
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
    assert!(!format!("{auth:?}").contains("SECRET"));

    // A missing token file names the file.
    let err = Auth::bearer_token_file(scratch("no-such-token"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no-such-token"), "{err}");
}

#[test]
fn command_line_errors_and_basic_auth_from_the_environment() {
    let mock = Mock::start(|r: &Request| {
        let echoed = r.authorization.clone().unwrap_or_default();
        reply(403, "text/plain", &format!("forbidden for {echoed}"))
    });
    let url = mock.url();
    let out = Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args([
            "inspect",
            "--prometheus",
            &url,
            "--query",
            "up",
            "--range",
            "1h",
        ])
        .env("HEADROOM_PROMETHEUS_USERNAME", "ops")
        .env("HEADROOM_PROMETHEUS_PASSWORD", "pw-SECRET-77")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("HTTP 403"), "{err}");
    assert!(!err.contains("SECRET") && !err.contains("b3Bz"), "{err}");
    assert!(mock.requests.lock().unwrap()[0]
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Basic ")));

    let missing = scratch("missing-token");
    let out = headroom(&[
        "inspect",
        "--prometheus",
        &url,
        "--query",
        "up",
        "--range",
        "1h",
        "--bearer-token-file",
        missing.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("missing-token"), "{err}");

    // Credentials in the URL are refused, and not echoed.
    let out = headroom(&[
        "inspect",
        "--prometheus",
        "http://ops:pw-SECRET@127.0.0.1:9",
        "--query",
        "up",
        "--range",
        "1h",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("credentials") && !err.contains("SECRET"),
        "{err}"
    );

    // --prometheus and --input together, or --prometheus without --query, are
    // wrong command lines.
    let out = headroom(&["inspect", "--prometheus", &url, "--range", "1h"]);
    assert_eq!(out.status.code(), Some(2));
    let out = headroom(&[
        "inspect",
        "--prometheus",
        &url,
        "--query",
        "up",
        "--range",
        "1h",
        "--input",
        "x.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
