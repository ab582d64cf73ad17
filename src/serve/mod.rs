//! `headroom serve`: an exporter that evaluates saturation rules against a live
//! Prometheus on their schedules and serves the results as OpenMetrics on
//! `/metrics` (and a plain-text status on `/healthz`), as the Prometheus Anomaly
//! Detector serves its predictions.
//!
//! Each rule is a `query_range` read ([`crate::ingest::prometheus_live`]) with a
//! capacity, a direction and a horizon; its series go through the same
//! preparation, forecast and saturation as `headroom saturation`. Rules run
//! concurrently on a bounded pool of threads ([`ServeConfig::concurrency`]); a
//! rule is never evaluated twice at once. A rule that fails (Prometheus
//! unreachable, a PromQL error) is marked down (`headroom_rule_up 0`) while the
//! others go on, and its last good results are still served, with
//! `headroom_rule_staleness_seconds` saying how old they are.
//!
//! `/healthz` says whether the exporter can serve what it promises: it answers
//! 503, first line `unhealthy: every rule has failed for longer than its
//! interval`, once every rule has been failing for longer than its own interval
//! (counted from the start of its first failed evaluation since its last
//! success), and 200, first line `ok`, otherwise; then one line per rule (`ok`,
//! `failed: why` or `pending`). A rule pending its first evaluation is not
//! failing, and one rule that succeeds keeps the exporter healthy. With
//! Prometheus unreachable the status turns one interval after the first
//! evaluations start, or when they end if the timeout and retries take longer.
//! `/metrics` answers 200 whatever the health, with the last good results and
//! `headroom_rule_up 0`.
//!
//! The HTTP server is `tiny_http`: a blocking server with four small
//! dependencies that builds in seconds, where an async stack (hyper, axum and
//! tokio) would add far more compile time for two endpoints scraped every
//! 15 to 60 seconds. It binds to 127.0.0.1 unless the configuration says
//! otherwise.
//!
//! The configuration is YAML, like Prometheus' own files:
//!
//! ```yaml
//! listen: 127.0.0.1:9847          # the default
//! concurrency: 2                  # rules evaluated at once (the default)
//! prometheus:
//!   url: http://127.0.0.1:9090
//!   bearer_token_file: /etc/headroom/token   # or HEADROOM_PROMETHEUS_USERNAME/PASSWORD
//!   timeout: 60s
//! rules:
//!   - name: disk
//!     query: node_filesystem_size_bytes - node_filesystem_avail_bytes
//!     range: 30d                  # history read (default 30d)
//!     step: 5m                    # default: one request per series
//!     capacity: 500G              # or 1.1x, 80%; or capacities: {series name: capacity, ...}
//!     direction: up               # the default
//!     horizon: 7d                 # default: as far ahead as the range
//!     interval: 5m                # how often (default 5m)
//!     bounds: auto                # or none, or LO,HI (0,100); as --bounds
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::registry::Unit;

use crate::capacity::{Capacities, CapacityRule};
use crate::error::{Error, Result};
use crate::forecast::{Bounds, ModelChoice};
use crate::ingest::{Prometheus, RangeQuery};
use crate::output::openmetrics::{
    encode_collectors, gauge, series_labels_all, Labels, SaturationMetrics, CONTENT_TYPE,
};
use crate::pipeline::{for_each_series, ForecastSettings};
use crate::query::SaturationQuery;
use crate::saturation::{Deadline, Direction, Saturation};
use crate::units::{parse_capacity, Span};

mod config;
use config::source;
pub use config::{RuleConfig, Scalar, ServeConfig, SourceConfig, DEFAULT_LISTEN};

/// How long [`Exporter::run`] waits, once stopped, for evaluations to reach
/// their next series (a Prometheus query in flight is bounded by its timeout, so
/// past this the exporter returns without it).
pub const STOP_WAIT: Duration = Duration::from_secs(10);

/// A rule ready to evaluate: its Prometheus read and its saturation question.
#[derive(Clone, Debug)]
struct Rule {
    name: String,
    query: RangeQuery,
    question: SaturationQuery,
    interval: Duration,
}

impl Rule {
    fn from_config(config: &RuleConfig) -> Result<Rule> {
        let name = config.name.clone();
        let bad = |field: &str, e: Error| Error::invalid(format!("rule '{name}': {field}: {e}"));
        let duration = |field: &str, value: &Option<Scalar>, default: &str| -> Result<TimeDelta> {
            let text = value.as_ref().map_or(default.to_string(), Scalar::text);
            match text.parse::<Span>() {
                Ok(Span::Seconds(s)) if s > 0.0 => {
                    Ok(TimeDelta::milliseconds((s * 1000.0).round() as i64))
                }
                Ok(_) => Err(bad(
                    field,
                    Error::invalid(format!("'{text}' is not a positive duration such as 5m")),
                )),
                Err(e) => Err(bad(field, e)),
            }
        };
        let range = duration("range", &config.range, "30d")?;
        let mut query = RangeQuery::new(config.query.clone(), range);
        if config.step.is_some() {
            query = query.with_step(duration("step", &config.step, "")?);
        }
        query.plan(Utc::now()).map_err(|e| bad("query", e))?;
        let capacities = match (&config.capacity, &config.capacities) {
            (Some(c), None) => Capacities::All(
                c.text()
                    .parse::<CapacityRule>()
                    .map_err(|e| bad("capacity", e))?,
            ),
            (None, Some(each)) => Capacities::PerSeries(
                each.iter()
                    .map(|(series, c)| {
                        parse_capacity(&c.text())
                            .map(|c| (series.clone(), c))
                            .map_err(|e| bad("capacities", e))
                    })
                    .collect::<Result<HashMap<_, _>>>()?,
            ),
            _ => {
                return Err(Error::invalid(format!(
                    "rule '{name}': give capacity or capacities (one of them)"
                )))
            }
        };
        let direction = match &config.direction {
            Some(d) => d.parse::<Direction>().map_err(|e| bad("direction", e))?,
            None => Direction::Up,
        };
        let model = match &config.model {
            Some(m) => m.parse::<ModelChoice>().map_err(|e| bad("model", e))?,
            None => ModelChoice::Auto,
        };
        let horizon = match &config.horizon {
            Some(h) => Some(h.text().parse::<Span>().map_err(|e| bad("horizon", e))?),
            None => None,
        };
        let seasons = config
            .seasons
            .iter()
            .map(|s| s.text().parse::<Span>().map_err(|e| bad("seasons", e)))
            .collect::<Result<_>>()?;
        let by = match &config.by {
            Some(b) => Some(b.text().parse::<Deadline>().map_err(|e| bad("by", e))?),
            None => None,
        };
        let bounds = match &config.bounds {
            Some(b) => b.text().parse::<Bounds>().map_err(|e| bad("bounds", e))?,
            None => Bounds::Infer,
        };
        let interval = duration("interval", &config.interval, "5m")?;
        let question = SaturationQuery::builder(capacities)
            .direction(direction)
            .by(by)
            .seasons(seasons)
            .settings(ForecastSettings {
                model,
                horizon,
                paths: config.paths.unwrap_or(crate::pipeline::DEFAULT_PATHS),
                bounds,
                ..Default::default()
            })
            .build()
            .map_err(|e| Error::invalid(format!("rule '{name}': {e}")))?;
        Ok(Rule {
            name,
            query,
            question,
            interval: Duration::from_millis(interval.num_milliseconds().max(1) as u64),
        })
    }

    /// Read, prepare and assess every series: the rows with their labels, and
    /// the series that failed; `None` when `keep_going` turned false part-way
    /// (the exporter is stopping), so no half-done rule is served.
    fn evaluate(
        &self,
        prometheus: &Prometheus,
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Evaluation>> {
        let read = prometheus.query_range(&self.query)?;
        let mut failed: Vec<(String, Error)> = read.failed;
        let Some(prepared) = each_until(&read.series, keep_going, |s| self.question.prepare(s))
        else {
            return Ok(None);
        };
        // The rule's own label is written for every row: a series' label of
        // that name is left out.
        let named: Vec<_> = read.series.iter().map(|s| (s.name(), s.labels())).collect();
        let labels = series_labels_all(&named, &["rule"]);
        let mut ready = Vec::new();
        for ((s, p), labels) in read.series.iter().zip(prepared).zip(labels) {
            match p {
                Ok(p) => ready.push((labels, p)),
                Err(e) => failed.push((s.name().to_string(), e)),
            }
        }
        let Some(assessed) = self.assess(&ready, keep_going) else {
            return Ok(None);
        };
        let mut rows = Vec::new();
        for ((labels, p), row) in ready.into_iter().zip(assessed) {
            match row {
                Ok(row) => rows.push((labels, row)),
                Err(e) => failed.push((p.series.name().to_string(), e)),
            }
        }
        Ok(Some(Evaluation { rows, failed }))
    }

    /// Assess each prepared series, checking `keep_going` before each one: `None`
    /// as soon as it is false, whatever is left.
    fn assess(
        &self,
        ready: &[(Labels, crate::pipeline::Prepared)],
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> Option<Vec<Result<Saturation>>> {
        each_until(ready, keep_going, |(_, p)| {
            self.question.answer(p).map(|a| a.row)
        })
    }
}

/// [`for_each_series`] that checks `keep_going` before each item, so a stop is
/// honoured within one series' time rather than a whole rule's: `None` when it
/// turned false (the items not started are skipped).
fn each_until<T: Sync, U: Send>(
    items: &[T],
    keep_going: &(dyn Fn() -> bool + Sync),
    work: impl Fn(&T) -> Result<U> + Sync + Send,
) -> Option<Vec<Result<U>>> {
    let stopped = AtomicBool::new(false);
    let results = for_each_series(items, |item| {
        if stopped.load(Ordering::Relaxed) || !keep_going() {
            stopped.store(true, Ordering::Relaxed);
            return Err(Error::invalid("stopped"));
        }
        work(item)
    });
    (!stopped.load(Ordering::Relaxed)).then_some(results)
}

/// Saturation rows with the labels they are served under.
type Rows = Vec<(Labels, Saturation)>;

struct Evaluation {
    rows: Rows,
    failed: Vec<(String, Error)>,
}

/// What the exporter knows of one rule.
#[derive(Clone, Debug, Default)]
struct RuleState {
    running: bool,
    due: Option<Instant>,
    /// When the last good results were computed, and the results.
    good: Option<(DateTime<Utc>, Rows)>,
    /// Whether the last evaluation succeeded (`None` before the first ends).
    up: Option<bool>,
    /// Why the last evaluation failed.
    error: Option<String>,
    /// When the rule started failing: the start of its first failed evaluation
    /// since its last success (or since the exporter started, when it never
    /// succeeded); `None` while its last evaluation succeeded or before any ends.
    failing_since: Option<Instant>,
    duration: Option<Duration>,
    failed_series: usize,
}

struct Shared {
    rules: Vec<Rule>,
    prometheus: Prometheus,
    states: Mutex<Vec<RuleState>>,
}

impl Shared {
    /// Evaluate rule `index` and record the outcome, unless `stop` is set on the
    /// way: then the evaluation ends at the next series and nothing is recorded.
    fn evaluate(&self, index: usize, stop: &AtomicBool) {
        let rule = &self.rules[index];
        let started = Instant::now();
        let outcome = rule.evaluate(&self.prometheus, &|| !stop.load(Ordering::Relaxed));
        let elapsed = started.elapsed();
        let mut states = lock(&self.states);
        let state = &mut states[index];
        state.running = false;
        state.duration = Some(elapsed);
        match outcome {
            Ok(None) => {}
            Ok(Some(evaluation)) => {
                for (series, e) in &evaluation.failed {
                    eprintln!("headroom serve: rule '{}': series {series}: {e}", rule.name);
                }
                eprintln!(
                    "headroom serve: rule '{}': {} series assessed, {} failed, in {:.1}s",
                    rule.name,
                    evaluation.rows.len(),
                    evaluation.failed.len(),
                    elapsed.as_secs_f64()
                );
                state.up = Some(true);
                state.error = None;
                state.failing_since = None;
                state.failed_series = evaluation.failed.len();
                state.good = Some((Utc::now(), evaluation.rows));
            }
            Err(e) => {
                eprintln!("headroom serve: rule '{}' failed: {e}", rule.name);
                state.up = Some(false);
                state.error = Some(e.to_string());
                // The first failure in a row dates the outage; later ones do not
                // move it, so a rule that keeps failing ages.
                state.failing_since.get_or_insert(started);
            }
        }
    }

    /// A copy of what `/metrics` shows.
    fn snapshot(&self) -> Snapshot {
        let states = lock(&self.states).clone();
        Snapshot {
            names: self.rules.iter().map(|r| r.name.clone()).collect(),
            horizons: self
                .rules
                .iter()
                .map(|r| match r.question.horizon() {
                    Some(Span::Seconds(s)) => Some(s),
                    _ => None,
                })
                .collect(),
            states,
            now: Utc::now(),
        }
    }
}

/// The states survive a panic in an evaluation: the data is plain values.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The exposition at one instant: the last good rows of every rule, labelled
/// with the rule, and each rule's health.
#[derive(Debug)]
struct Snapshot {
    names: Vec<String>,
    /// Each rule's horizon in seconds, when given as a duration.
    horizons: Vec<Option<f64>>,
    states: Vec<RuleState>,
    now: DateTime<Utc>,
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let mut metrics = SaturationMetrics::new();
        for (name, state) in self.names.iter().zip(&self.states) {
            for (labels, row) in state.good.iter().flat_map(|(_, rows)| rows) {
                let labels = std::iter::once(("rule".to_string(), name.clone()))
                    .chain(labels.iter().cloned())
                    .collect();
                metrics.push(labels, row.clone());
            }
        }
        metrics.encode_into(&mut encoder)?;
        let rule = |name: &String| vec![("rule".to_string(), name.clone())];
        let per_rule = |f: &dyn Fn(&RuleState) -> Option<f64>| {
            self.names
                .iter()
                .zip(&self.states)
                .map(|(n, s)| (rule(n), f(s)))
                .collect::<Vec<_>>()
                .into_iter()
        };
        gauge(
            &mut encoder,
            "headroom_rule_up",
            "1 when the rule's last evaluation succeeded, 0 when it failed (its last good results are still served).",
            None,
            per_rule(&|s| s.up.map(|up| if up { 1.0 } else { 0.0 })),
        )?;
        gauge(
            &mut encoder,
            "headroom_rule_horizon",
            "How far ahead the rule looks: its probability is of reaching capacity within this many seconds of the last observation.",
            Some(&Unit::Seconds),
            self.names
                .iter()
                .zip(&self.horizons)
                .map(|(n, h)| (rule(n), *h)),
        )?;
        gauge(
            &mut encoder,
            "headroom_rule_last_success_timestamp",
            "Unix time of the rule's last successful evaluation.",
            Some(&Unit::Seconds),
            per_rule(&|s| {
                s.good
                    .as_ref()
                    .map(|(t, _)| t.timestamp_millis() as f64 / 1e3)
            }),
        )?;
        gauge(
            &mut encoder,
            "headroom_rule_staleness",
            "Age of the results served for the rule: seconds since its last successful evaluation.",
            Some(&Unit::Seconds),
            per_rule(&|s| {
                s.good
                    .as_ref()
                    .map(|(t, _)| (self.now - *t).num_milliseconds().max(0) as f64 / 1e3)
            }),
        )?;
        gauge(
            &mut encoder,
            "headroom_rule_evaluation_duration",
            "How long the rule's last evaluation took.",
            Some(&Unit::Seconds),
            per_rule(&|s| s.duration.map(|d| d.as_secs_f64())),
        )?;
        gauge(
            &mut encoder,
            "headroom_rule_series",
            "Series the rule's last good evaluation assessed.",
            None,
            per_rule(&|s| s.good.as_ref().map(|(_, rows)| rows.len() as f64)),
        )?;
        gauge(
            &mut encoder,
            "headroom_rule_failed_series",
            "Series the rule's last good evaluation could not assess (named on standard error).",
            None,
            per_rule(&|s| s.good.as_ref().map(|_| s.failed_series as f64)),
        )?;
        Ok(())
    }
}

/// A bound, configured exporter. [`Exporter::run`] evaluates the rules and
/// serves `/metrics` until told to stop.
///
/// ```no_run
/// use std::sync::{atomic::AtomicBool, Arc};
/// use headroom::serve::{Exporter, ServeConfig};
/// let exporter = Exporter::bind(ServeConfig::from_file("headroom.yml")?)?;
/// println!("serving on http://{}/metrics", exporter.local_addr());
/// let stop = Arc::new(AtomicBool::new(false));
/// exporter.run(stop)?;
/// # Ok::<(), headroom::Error>(())
/// ```
pub struct Exporter {
    shared: Arc<Shared>,
    server: tiny_http::Server,
    addr: SocketAddr,
    concurrency: usize,
}

impl Exporter {
    /// Check the configuration, build the Prometheus client and bind the
    /// listening socket (nothing is evaluated yet).
    pub fn bind(config: ServeConfig) -> Result<Exporter> {
        if config.rules.is_empty() {
            return Err(Error::invalid("the configuration has no rules"));
        }
        let mut rules = Vec::with_capacity(config.rules.len());
        for rule in &config.rules {
            if rules.iter().any(|r: &Rule| r.name == rule.name) {
                return Err(Error::invalid(format!(
                    "two rules are named '{}'",
                    rule.name
                )));
            }
            rules.push(Rule::from_config(rule)?);
        }
        let prometheus = source(&config.prometheus)?;
        let server = tiny_http::Server::http(config.listen.as_str())
            .map_err(|e| Error::invalid(format!("cannot listen on {}: {e}", config.listen)))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| Error::invalid(format!("{} is not an IP address", config.listen)))?;
        let states = vec![RuleState::default(); rules.len()];
        Ok(Exporter {
            shared: Arc::new(Shared {
                rules,
                prometheus,
                states: Mutex::new(states),
            }),
            server,
            addr,
            concurrency: config.concurrency.max(1),
        })
    }

    /// The address the exporter listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `/metrics` exposition now.
    pub fn metrics(&self) -> String {
        encode_collectors(vec![Box::new(self.shared.snapshot())])
    }

    /// Evaluate the rules on their schedules and answer HTTP requests until
    /// `stop` is set (a SIGTERM handler sets it); then stop accepting
    /// connections and return. An evaluation still running sees the flag before
    /// its next series and ends there without recording anything; `run` waits
    /// for that (up to [`STOP_WAIT`], for a Prometheus query that hangs).
    pub fn run(self, stop: Arc<AtomicBool>) -> Result<()> {
        let (jobs, queue) = mpsc::channel::<usize>();
        let queue = Arc::new(Mutex::new(queue));
        let (ended, workers_done) = mpsc::channel::<()>();
        for _ in 0..self.concurrency {
            let queue = Arc::clone(&queue);
            let shared = Arc::clone(&self.shared);
            let stop = Arc::clone(&stop);
            let ended = ended.clone();
            thread::spawn(move || {
                loop {
                    let job = lock(&queue).recv();
                    match job {
                        Ok(index) if !stop.load(Ordering::Relaxed) => shared.evaluate(index, &stop),
                        _ => break,
                    }
                }
                let _ = ended.send(());
            });
        }
        drop(ended);
        let scheduler = {
            let shared = Arc::clone(&self.shared);
            let stop = Arc::clone(&stop);
            thread::spawn(move || schedule(&shared, &jobs, &stop))
        };
        while !stop.load(Ordering::Relaxed) {
            match self.server.recv_timeout(Duration::from_millis(100)) {
                Ok(Some(request)) => self.answer(request),
                Ok(None) => {}
                Err(e) => eprintln!("headroom serve: {e}"),
            }
        }
        // The scheduler ends within its tick and drops the job queue's sender,
        // so idle workers end too; busy ones end at their next series.
        let _ = scheduler.join();
        let deadline = Instant::now() + STOP_WAIT;
        for _ in 0..self.concurrency {
            let left = deadline.saturating_duration_since(Instant::now());
            if workers_done.recv_timeout(left).is_err() {
                break;
            }
        }
        Ok(())
    }

    fn answer(&self, request: tiny_http::Request) {
        let header = |name: &str, value: &str| {
            tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
        };
        let text = "text/plain; charset=utf-8";
        let (status, content_type, body) = match (request.method(), request.url()) {
            (tiny_http::Method::Get, url) => match url.split('?').next().unwrap_or("") {
                "/metrics" => (200, CONTENT_TYPE, self.metrics()),
                "/healthz" => {
                    let (status, body) = self.health();
                    (status, text, body)
                }
                "/" => (
                    200,
                    text,
                    "headroom serve: saturation forecasts on /metrics, rule status on /healthz\n"
                        .to_string(),
                ),
                _ => (
                    404,
                    text,
                    "not found; try /metrics or /healthz\n".to_string(),
                ),
            },
            _ => (405, text, "only GET is served\n".to_string()),
        };
        let mut response = tiny_http::Response::from_string(body).with_status_code(status);
        if let Some(h) = header("Content-Type", content_type) {
            response = response.with_header(h);
        }
        // A scraper that hangs up early is not the exporter's failure.
        let _ = request.respond(response);
    }

    /// The status and body of `/healthz`: 503 once every rule has been failing
    /// for longer than its interval (the exporter then serves nothing fresh,
    /// however well it answers), 200 otherwise. The first line says which; then
    /// one line per rule, ok, failed (and why) or pending, for a person.
    fn health(&self) -> (u16, String) {
        let snapshot = self.shared.snapshot();
        let unhealthy = every_rule_failing(&self.shared.rules, &snapshot.states, Instant::now());
        let (status, mut out) = if unhealthy {
            (503, format!("{UNHEALTHY}\n"))
        } else {
            (200, String::from("ok\n"))
        };
        for (name, state) in snapshot.names.iter().zip(&snapshot.states) {
            let line = match (state.up, &state.error) {
                (Some(false), Some(e)) => format!("rule {name}: failed: {e}"),
                (Some(true), _) => format!(
                    "rule {name}: ok, {} series",
                    state.good.as_ref().map_or(0, |(_, rows)| rows.len())
                ),
                _ => format!("rule {name}: pending"),
            };
            out += &line;
            out.push('\n');
        }
        (status, out)
    }
}

/// The first line of `/healthz` when it answers 503.
const UNHEALTHY: &str = "unhealthy: every rule has failed for longer than its interval";

/// Whether every rule has been failing for longer than its own interval. A rule
/// pending its first evaluation, or whose last one succeeded, is not failing;
/// one that is gets an interval to recover (a Prometheus restart) before it
/// counts. One healthy rule is enough: the exporter still serves something fresh.
fn every_rule_failing(rules: &[Rule], states: &[RuleState], now: Instant) -> bool {
    rules.iter().zip(states).all(|(rule, state)| {
        state
            .failing_since
            .is_some_and(|since| now.saturating_duration_since(since) > rule.interval)
    })
}

/// Send each rule to the pool when it is due and not running; every rule is
/// due at start.
fn schedule(shared: &Shared, jobs: &mpsc::Sender<usize>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let mut due = Vec::new();
        {
            let mut states = lock(&shared.states);
            for (i, state) in states.iter_mut().enumerate() {
                if !state.running && state.due.is_none_or(|d| d <= now) {
                    state.running = true;
                    state.due = Some(now + shared.rules[i].interval);
                    due.push(i);
                }
            }
        }
        for i in due {
            if jobs.send(i).is_err() {
                return;
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_and_checks_rules() {
        let config = ServeConfig::from_yaml(
            "c.yml",
            "prometheus:\n  url: http://127.0.0.1:9\nrules:\n  - name: disk\n    query: disk_used\n    capacity: 500G\n    horizon: 7d\n  - name: mem\n    query: mem_used\n    capacities: {'mem_used{host=\"a\"}': 64Gi, other: 5e9}\n    interval: 30s\n    seasons: [24, 1d]\n",
        )
        .unwrap();
        assert_eq!(config.listen, DEFAULT_LISTEN);
        assert_eq!(config.rules.len(), 2);
        let mem = Rule::from_config(&config.rules[1]).unwrap();
        assert_eq!(mem.interval, Duration::from_secs(30));
        let capacity_of = |name: &str| mem.question.capacities().of(name, &[1.0], Direction::Up);
        assert_eq!(capacity_of("other").unwrap(), 5e9);
        assert_eq!(
            capacity_of("mem_used{host=\"a\"}").unwrap(),
            64.0 * (1u64 << 30) as f64
        );
        assert!(capacity_of("missing").is_err());
        let disk = Rule::from_config(&config.rules[0]).unwrap();
        assert_eq!(disk.interval, Duration::from_secs(300));
        // Bounds default to auto, as on the command line, and read as --bounds.
        assert_eq!(disk.question.settings().bounds, Bounds::Infer);
        let bounded = ServeConfig::from_yaml(
            "c.yml",
            "prometheus: {url: 'http://h'}\nrules: [{name: a, query: q, capacity: 1, bounds: '0,100'}, {name: b, query: q, capacity: 1, bounds: none}]\n",
        )
        .unwrap();
        assert_eq!(
            Rule::from_config(&bounded.rules[0])
                .unwrap()
                .question
                .settings()
                .bounds,
            Bounds::Fixed {
                lower: Some(0.0),
                upper: Some(100.0)
            }
        );
        assert_eq!(
            Rule::from_config(&bounded.rules[1])
                .unwrap()
                .question
                .settings()
                .bounds,
            Bounds::None
        );

        let err = ServeConfig::from_yaml(
            "c.yml",
            "prometheus: {url: x}\nrules: [{name: a, query: q, capcity: 1}]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("capcity"), "{err}");
        let no_capacity = ServeConfig::from_yaml(
            "c.yml",
            "prometheus: {url: 'http://h'}\nrules: [{name: a, query: q}]\n",
        )
        .unwrap();
        let err = Rule::from_config(&no_capacity.rules[0])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rule 'a'") && err.contains("capacity"),
            "{err}"
        );
        let bad_interval = ServeConfig::from_yaml("c.yml", "prometheus: {url: 'http://h'}\nrules: [{name: a, query: q, capacity: 1, interval: 3}]\n").unwrap();
        let err = Rule::from_config(&bad_interval.rules[0])
            .unwrap_err()
            .to_string();
        assert!(err.contains("interval"), "{err}");
    }

    #[test]
    fn unhealthy_once_every_rule_has_failed_for_longer_than_its_interval() {
        let config = ServeConfig::from_yaml(
            "c.yml",
            "prometheus: {url: 'http://127.0.0.1:9'}\nrules: [{name: fast, query: q, capacity: 1, interval: 10s}, {name: slow, query: q, capacity: 1, interval: 1m}]\n",
        )
        .unwrap();
        let rules: Vec<Rule> = config
            .rules
            .iter()
            .map(|r| Rule::from_config(r).unwrap())
            .collect();
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let failing = |since: u64| RuleState {
            up: Some(false),
            error: Some("down".to_string()),
            failing_since: Some(at(since)),
            ..RuleState::default()
        };
        let pending = RuleState::default();
        let ok = RuleState {
            up: Some(true),
            ..RuleState::default()
        };
        // Both failing since 0: unhealthy once past the longer interval, not at it.
        let both = [failing(0), failing(0)];
        assert!(!every_rule_failing(&rules, &both, at(11)));
        assert!(!every_rule_failing(&rules, &both, at(60)));
        assert!(every_rule_failing(&rules, &both, at(61)));
        // A rule pending its first evaluation is not failing, nor is one that succeeded.
        assert!(!every_rule_failing(
            &rules,
            &[failing(0), pending],
            at(3600)
        ));
        assert!(!every_rule_failing(&rules, &[ok, failing(0)], at(3600)));
        // A rule that failed, recovered and fails again counts from the new failure.
        assert!(!every_rule_failing(
            &rules,
            &[failing(0), failing(100)],
            at(130)
        ));
        assert!(every_rule_failing(
            &rules,
            &[failing(0), failing(100)],
            at(161)
        ));
    }

    #[test]
    fn a_stop_ends_an_evaluation_at_the_next_series() {
        use crate::pipeline::prepare;
        use crate::series::{RegulariseOptions, Series};
        use chrono::TimeZone;
        use std::sync::atomic::AtomicUsize;
        let config = ServeConfig::from_yaml(
            "c.yml",
            "prometheus: {url: 'http://127.0.0.1:9'}\nrules: [{name: a, query: q, capacity: 500, horizon: 24, model: drift, paths: 50}]\n",
        )
        .unwrap();
        let rule = Rule::from_config(&config.rules[0]).unwrap();
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let ready: Vec<(Labels, crate::pipeline::Prepared)> = (0..64)
            .map(|i| {
                let times = (0..100).map(|h| t0 + chrono::TimeDelta::hours(h)).collect();
                let values = (0..100).map(|h| (i + h) as f64).collect();
                let s = Series::new(format!("s{i}"), times, values).unwrap();
                let p = prepare(&s, &RegulariseOptions::default(), &[]).unwrap();
                (Vec::new(), p)
            })
            .collect();
        // Nothing stops: every series is assessed.
        let all = rule.assess(&ready, &|| true).unwrap();
        assert_eq!(all.len(), 64);
        assert!(all.iter().all(Result::is_ok));
        // Stopped before it starts: no series is assessed.
        let started = AtomicUsize::new(0);
        let never = rule.assess(&ready, &|| {
            started.fetch_add(1, Ordering::SeqCst);
            false
        });
        assert!(never.is_none());
        // Stopped after three series: each worker thread may be inside one more,
        // and nothing after that starts, however loaded the machine is (the
        // bound counts series, not seconds).
        let asked = AtomicUsize::new(0);
        let part = rule.assess(&ready, &|| asked.fetch_add(1, Ordering::SeqCst) < 3);
        assert!(part.is_none());
        let threads = rayon::current_num_threads();
        let checks = asked.load(Ordering::SeqCst);
        assert!(
            checks <= 3 + 2 * threads,
            "{checks} checks for {threads} threads"
        );
        assert!(checks < 64);
    }
}
