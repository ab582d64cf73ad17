//! `headroom serve` against a mock Prometheus: rules evaluated on schedule and
//! served as OpenMetrics, a failed rule marked down while the others go on,
//! the last good results kept (with their age) when Prometheus goes away,
//! `/healthz` at 503 once every rule has failed for longer than its interval,
//! and a clean stop on SIGTERM.

mod mock_prometheus;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headroom::serve::{Exporter, ServeConfig};
use mock_prometheus::{labels, prometheus_error, reply, Mock, Request, Store, Stored};

/// Two hosts' disks, 2 days at 5 minutes up to now: one fills fast, one is flat.
fn store() -> Store {
    Store {
        series: vec![
            Stored {
                labels: labels(&[("__name__", "disk_used_bytes"), ("host", "full")]),
                value: Box::new(|t| Some(9e10 + (t % 100_000_000) as f64 * 1e3)),
            },
            Stored {
                labels: labels(&[("__name__", "disk_used_bytes"), ("host", "flat")]),
                value: Box::new(|t| Some(1e10 + ((t / 300) % 7) as f64)),
            },
        ],
    }
}

/// A mock whose `disk` queries succeed while `up` holds, and whose `bad(`
/// queries are PromQL errors.
fn prometheus(up: Arc<AtomicBool>) -> Mock {
    let store = store();
    Mock::start(move |r: &Request| {
        if !up.load(Ordering::SeqCst) {
            return reply(503, "text/plain", "down for maintenance");
        }
        if r.form["query"].starts_with("bad(") {
            return prometheus_error(400, "bad_data", "1:1: parse error: unknown function bad");
        }
        store.query_range(r.number("start"), r.number("end"), r.number("step"), true)
    })
}

fn config(url: &str, interval: &str) -> String {
    format!(
        "listen: 127.0.0.1:0\nconcurrency: 2\nprometheus:\n  url: {url}\n  retries: 0\n  timeout: 5s\nrules:\n  - name: disk\n    query: disk_used_bytes\n    range: 2d\n    step: 5m\n    capacity: 2e11\n    horizon: 7d\n    interval: {interval}\n    model: drift\n    paths: 200\n  - name: broken\n    query: bad(disk_used_bytes)\n    range: 2d\n    capacity: 1\n    interval: {interval}\n"
    )
}

fn get(addr: &std::net::SocketAddr, path: &str) -> (u16, String, String) {
    let mut response = ureq::get(&format!("http://{addr}{path}"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let status = response.status().as_u16();
    (
        status,
        content_type,
        response.body_mut().read_to_string().unwrap(),
    )
}

/// Poll `/metrics` until `done` holds (at most 60 s).
fn wait_for(addr: &std::net::SocketAddr, done: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let (_, _, text) = get(addr, "/metrics");
        if done(&text) {
            return text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out; last:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn rules_are_served_failed_rules_marked_and_last_results_kept() {
    let up = Arc::new(AtomicBool::new(true));
    let mock = prometheus(Arc::clone(&up));
    let exporter =
        Exporter::bind(ServeConfig::from_yaml("t.yml", &config(&mock.url(), "1s")).unwrap())
            .unwrap();
    let addr = exporter.local_addr();
    assert!(addr.ip().is_loopback());
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || exporter.run(stop))
    };

    let text = wait_for(&addr, |t| {
        t.contains("headroom_rule_up{rule=\"disk\"} 1")
            && t.contains("headroom_rule_up{rule=\"broken\"} 0")
    });
    assert!(text.ends_with("# EOF\n"), "{text}");
    // The series' labels are labels, not repeated in `series` (issue 28).
    let full = "rule=\"disk\",series=\"disk_used_bytes\",host=\"full\"";
    assert!(
        text.contains(&format!("headroom_saturation_probability{{{full}}} ")),
        "{text}"
    );
    assert!(!text.contains("series=\"disk_used_bytes{"), "{text}");
    assert!(
        text.contains("headroom_rule_series{rule=\"disk\"} 2"),
        "{text}"
    );
    assert!(
        !text.contains("headroom_rule_series{rule=\"broken\"}"),
        "{text}"
    );
    let (status, content_type, _) = get(&addr, "/metrics");
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    // One rule failing while another succeeds: the exporter is healthy.
    let (status, _, health) = get(&addr, "/healthz");
    assert_eq!(status, 200);
    assert!(health.starts_with("ok\n"), "{health}");
    assert!(health.contains("rule disk: ok, 2 series"), "{health}");
    assert!(
        health.contains("rule broken: failed:") && health.contains("unknown function bad"),
        "{health}"
    );
    assert_eq!(get(&addr, "/nothing").0, 404);

    // Prometheus goes away: the rule is down, its results stay, and their age grows.
    up.store(false, Ordering::SeqCst);
    let text = wait_for(&addr, |t| t.contains("headroom_rule_up{rule=\"disk\"} 0"));
    assert!(
        text.contains(&format!("headroom_saturation_probability{{{full}}} ")),
        "{text}"
    );
    let staleness = |t: &str| -> f64 {
        t.lines()
            .find_map(|l| l.strip_prefix("headroom_rule_staleness_seconds{rule=\"disk\"} "))
            .unwrap()
            .parse()
            .unwrap()
    };
    let first = staleness(&text);
    std::thread::sleep(Duration::from_millis(1200));
    let (_, _, later) = get(&addr, "/metrics");
    assert!(staleness(&later) > first + 1.0, "{first} then {later}");
    // Both rules now fail (broken always did): once disk has failed for longer
    // than its interval, /healthz says the exporter serves nothing fresh.
    let health = wait_for_health(&addr, 503);
    assert!(health.starts_with("unhealthy: "), "{health}");
    assert!(health.contains("HTTP 503"), "{health}");

    // Back again: up, fresh, and healthy.
    up.store(true, Ordering::SeqCst);
    wait_for(&addr, |t| t.contains("headroom_rule_up{rule=\"disk\"} 1"));
    let health = wait_for_health(&addr, 200);
    assert!(health.starts_with("ok\n"), "{health}");

    // Stopping is prompt by design: an evaluation under way ends at its next
    // series (the unit test `a_stop_ends_an_evaluation_at_the_next_series`
    // counts that), and `run` returns once the workers have. The bound here is
    // only against a hang: seconds on a loaded machine must not fail it.
    stop.store(true, Ordering::SeqCst);
    let started = Instant::now();
    running.join().unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    // Nothing is evaluated after `run` returns: no rule queries Prometheus.
    let queries = mock.count();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        mock.count(),
        queries,
        "an evaluation went on after the stop"
    );
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the port is released"
    );
}

/// Poll `/healthz` until it answers `status` (at most 60 s): the body.
fn wait_for_health(addr: &std::net::SocketAddr, status: u16) -> String {
    let started = Instant::now();
    loop {
        let (now, _, body) = get(addr, "/healthz");
        if now == status {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {status}; last {now}:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Issue 28: with Prometheus unreachable, every evaluation fails at once, and
/// `/healthz` answers 503 one interval after the first failure, so within two
/// intervals of the start, and not before one; `/metrics` still answers 200 and
/// says the rule is down.
#[test]
fn healthz_is_503_once_every_rule_has_failed_for_an_interval() {
    let interval = Duration::from_secs(2);
    let yaml = "listen: 127.0.0.1:0\nprometheus: {url: 'http://127.0.0.1:9', timeout: 1s, retries: 0}\nrules:\n  - {name: disk, query: disk_used_bytes, range: 2d, capacity: 2e11, interval: 2s}\n";
    let exporter = Exporter::bind(ServeConfig::from_yaml("t.yml", yaml).unwrap()).unwrap();
    let addr = exporter.local_addr();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let running = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || exporter.run(stop))
    };
    let (status, health) = loop {
        let (status, _, body) = get(&addr, "/healthz");
        let elapsed = started.elapsed();
        if status == 503 {
            // The rule started failing after `started`, so a 503 before one
            // interval would be a rule counted as failing too soon.
            assert!(elapsed > interval, "503 after {elapsed:?}:\n{body}");
            break (status, body);
        }
        assert_eq!(status, 200, "{body}");
        assert!(
            elapsed < 2 * interval,
            "still {status} after {elapsed:?}:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status, 503);
    let mut lines = health.lines();
    assert_eq!(
        lines.next(),
        Some("unhealthy: every rule has failed for longer than its interval"),
        "{health}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("rule disk: failed: ")),
        "{health}"
    );
    let (status, content_type, text) = get(&addr, "/metrics");
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(
        text.contains("headroom_rule_up{rule=\"disk\"} 0.0\n"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    stop.store(true, Ordering::SeqCst);
    running.join().unwrap().unwrap();
}

#[test]
fn sigterm_stops_the_command_cleanly() {
    let up = Arc::new(AtomicBool::new(true));
    let mock = prometheus(up);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("headroom.yml");
    std::fs::write(&path, config(&mock.url(), "1h")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(["serve", "--config", path.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr: std::net::SocketAddr = line
        .trim()
        .strip_prefix("headroom serve: listening on http://")
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("{line}"))
        .parse()
        .unwrap();
    wait_for(&addr, |t| t.contains("headroom_rule_up{rule=\"disk\"} 1"));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(rest.contains("headroom serve: stopped"), "{rest}");
}

/// Issue 20: a rule's `bounds:` is `--bounds`. A load rising one unit an hour
/// from 40 reaches 150 within the week unbounded; with `bounds: 0,100` no future
/// can pass 100, so the same series is clear (probability 0) under that rule.
#[test]
fn a_rule_s_bounds_hold_its_futures() {
    let t0 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 3 * 86_400;
    let store = Store {
        series: vec![Stored {
            labels: labels(&[("__name__", "load"), ("host", "a")]),
            value: Box::new(move |t| Some(40.0 + (t - t0) as f64 / 3600.0)),
        }],
    };
    let mock = Mock::start(move |r: &Request| {
        store.query_range(r.number("start"), r.number("end"), r.number("step"), true)
    });
    let rule = |name: &str, bounds: &str| {
        format!("  - {{name: {name}, query: load, range: 2d, step: 5m, capacity: 150, horizon: 7d, interval: 1h, model: drift, paths: 200{bounds}}}\n")
    };
    let yaml = format!(
        "listen: 127.0.0.1:0\nprometheus: {{url: '{}', retries: 0}}\nrules:\n{}{}",
        mock.url(),
        rule("open", ""),
        rule("capped", ", bounds: '0,100'"),
    );
    let exporter = Exporter::bind(ServeConfig::from_yaml("t.yml", &yaml).unwrap()).unwrap();
    let addr = exporter.local_addr();
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || exporter.run(stop))
    };
    let text = wait_for(&addr, |t| {
        t.contains("headroom_rule_up{rule=\"open\"} 1")
            && t.contains("headroom_rule_up{rule=\"capped\"} 1")
    });
    stop.store(true, Ordering::SeqCst);
    running.join().unwrap().unwrap();
    let probability = |rule: &str| -> f64 {
        let prefix = format!("headroom_saturation_probability{{rule=\"{rule}\",");
        text.lines()
            .find(|l| l.starts_with(&prefix))
            .and_then(|l| l.rsplit(' ').next())
            .unwrap_or_else(|| panic!("no probability for {rule}:\n{text}"))
            .parse()
            .unwrap()
    };
    assert!(probability("open") > 0.9, "{text}");
    assert_eq!(probability("capped"), 0.0, "{text}");
}

#[test]
fn bad_configurations_are_refused_with_the_place() {
    let err = ServeConfig::from_yaml(
        "t.yml",
        "prometheus:\n  url: http://x\nrules:\n  - name: a\n    query: [unclosed\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("t.yml:"), "{err}");
    let config = ServeConfig::from_yaml(
        "t.yml",
        "prometheus: {url: 'http://127.0.0.1:9'}\nrules:\n  - {name: a, query: q, capacity: 1}\n  - {name: a, query: r, capacity: 2}\n",
    )
    .unwrap();
    let err = Exporter::bind(config).err().unwrap().to_string();
    assert!(err.contains("two rules are named 'a'"), "{err}");
    let config = ServeConfig::from_yaml(
        "t.yml",
        "prometheus: {url: 'http://127.0.0.1:9', bearer_token_file: /no/such/token}\nrules:\n  - {name: a, query: q, capacity: 1}\n",
    )
    .unwrap();
    let err = Exporter::bind(config).err().unwrap().to_string();
    assert!(err.contains("/no/such/token"), "{err}");
    // A malformed bounds value names the rule, the key and the value.
    for bounds in ["'0,x'", "'9,1'", "between"] {
        let config = ServeConfig::from_yaml(
            "t.yml",
            &format!("prometheus: {{url: 'http://127.0.0.1:9'}}\nrules:\n  - {{name: cpu, query: q, capacity: 1, bounds: {bounds}}}\n"),
        )
        .unwrap();
        let err = Exporter::bind(config).err().unwrap().to_string();
        let value = bounds.trim_matches('\'');
        assert!(
            err.contains("rule 'cpu'") && err.contains("bounds") && err.contains(value),
            "{err}"
        );
    }
}
