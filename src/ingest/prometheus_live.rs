//! Reading from a running Prometheus over its HTTP API (`/api/v1/query_range`).
//!
//! A [`RangeQuery`] asks for `--range` back from `--end` at `--step`. Prometheus
//! refuses a request for more than 11,000 points per series, so the range is
//! split into as many requests as that needs ([`QueryPlan`]); every point lies on
//! the step's grid (the end is rounded down to a multiple of the step, as
//! `headroom`'s resampling buckets are), so requests never overlap, and any
//! timestamp a reply repeats is left out when the replies are joined.
//!
//! Each reply goes through the same reader as an exported `query_range` file
//! ([`read_path`](super::read_path) with `--format prometheus`): series are named
//! by their label sets in Prometheus' notation, `NaN` is missing, `±Inf` is
//! dropped with a note, and the joined series are ordered by their label sets as
//! Prometheus orders one reply. A live read and a read of the same range exported
//! to a file therefore give the same series, point for point. A series without
//! labels (an aggregate such as `sum(x)`) is named by the query, where a file
//! would name it by its stem.
//!
//! Credentials come from a file or the environment ([`Auth`]), never from the
//! URL, and never appear in an error, a note or a log line: any text that came
//! back from the server is scrubbed of them before it is shown.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::json_value::parse;
use super::prometheus::{read_raw, RawSeries};
use super::{Format, Ingested, Note};
use crate::error::{Error, Result};
use crate::resample::bucket_start;
use crate::series::Step;

/// The most points per series Prometheus returns for one `query_range`
/// request (its `exceeded maximum resolution of 11,000 points per timeseries`).
pub const MAX_POINTS_PER_REQUEST: i64 = 11_000;

/// Default limit on the points one read may hold over all its series: about
/// 400 MB as series; it refuses a query that matches far more than was meant.
pub const DEFAULT_MAX_POINTS: usize = 20_000_000;

/// Default limit on one reply's size. A reply is parsed whole, which takes
/// about seven times its size in memory; a larger reply is split in time.
pub const DEFAULT_MAX_REPLY_BYTES: u64 = 32 << 20;

/// The environment variables that hold HTTP basic-auth credentials.
pub const USERNAME_VAR: &str = "HEADROOM_PROMETHEUS_USERNAME";
/// See [`USERNAME_VAR`].
pub const PASSWORD_VAR: &str = "HEADROOM_PROMETHEUS_PASSWORD";

/// A credential: shown as `***` by `Debug`, so it cannot leak into a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How to authenticate to Prometheus.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}

impl Auth {
    /// A bearer token read from a file (surrounding whitespace removed), as
    /// Prometheus' own `bearer_token_file` / `credentials_file` settings do. A
    /// missing or empty file is an error naming the file, never its content.
    pub fn bearer_token_file(path: impl AsRef<Path>) -> Result<Auth> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(Error::invalid(format!(
                "the bearer token file {} is empty",
                path.display()
            )));
        }
        Ok(Auth::Bearer(Secret::new(token)))
    }

    /// Basic authentication from [`USERNAME_VAR`] and [`PASSWORD_VAR`]; `None`
    /// when neither is set, an error when only one is.
    pub fn basic_from_env() -> Result<Option<Auth>> {
        let username = std::env::var(USERNAME_VAR).ok().filter(|u| !u.is_empty());
        let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
        match (username, password) {
            (None, None) => Ok(None),
            (Some(username), Some(password)) => Ok(Some(Auth::Basic {
                username,
                password: Secret::new(password),
            })),
            _ => Err(Error::invalid(format!(
                "basic authentication needs both {USERNAME_VAR} and {PASSWORD_VAR}"
            ))),
        }
    }

    fn header(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Bearer(token) => Some(format!("Bearer {}", token.0)),
            Auth::Basic { username, password } => Some(format!(
                "Basic {}",
                base64(format!("{username}:{}", password.0).as_bytes())
            )),
        }
    }

    /// `text` with every credential (and its encoded header form) replaced by `***`.
    fn scrub(&self, text: &str) -> String {
        let secrets: Vec<String> = match self {
            Auth::None => Vec::new(),
            Auth::Bearer(token) => vec![token.0.clone()],
            Auth::Basic { password, .. } => vec![password.0.clone()],
        };
        let mut out = text.to_string();
        for secret in secrets
            .into_iter()
            .chain(self.header())
            .filter(|s| s.len() >= 3)
        {
            out = out.replace(&secret, "***");
        }
        out
    }
}

/// Standard base64 with padding (RFC 4648), for the basic-auth header.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A `query_range` read: the expression, how far back, at what resolution, up
/// to when.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeQuery {
    /// The PromQL expression.
    pub query: String,
    /// How far back from `end`.
    pub range: TimeDelta,
    /// The resolution; `None` picks [`default_step`].
    pub step: Option<TimeDelta>,
    /// The end; `None` is now.
    pub end: Option<DateTime<Utc>>,
}

impl RangeQuery {
    /// `query` over the `range` that ends now, at the default step.
    pub fn new(query: impl Into<String>, range: TimeDelta) -> Self {
        RangeQuery {
            query: query.into(),
            range,
            step: None,
            end: None,
        }
    }

    /// At this resolution.
    pub fn with_step(mut self, step: TimeDelta) -> Self {
        self.step = Some(step);
        self
    }

    /// Ending at this instant instead of now.
    pub fn with_end(mut self, end: DateTime<Utc>) -> Self {
        self.end = Some(end);
        self
    }

    /// The requests this query takes, with `now` standing for a missing end.
    pub fn plan(&self, now: DateTime<Utc>) -> Result<QueryPlan> {
        if self.query.trim().is_empty() {
            return Err(Error::invalid("the query is empty"));
        }
        if self.range <= TimeDelta::zero() {
            return Err(Error::invalid("the range must be a positive duration"));
        }
        let step = self.step.unwrap_or_else(|| default_step(self.range));
        let step_ms = step.num_milliseconds();
        if step_ms < 1 {
            return Err(Error::invalid("the step must be a positive duration"));
        }
        let end = bucket_start(Step::Fixed { millis: step_ms }, self.end.unwrap_or(now));
        let start_ms = end.timestamp_millis() - self.range.num_milliseconds();
        // The first grid point at or after end - range.
        let steps_back = (end.timestamp_millis() - start_ms) / step_ms;
        let start = end - TimeDelta::milliseconds(steps_back * step_ms);
        let points = steps_back + 1;
        let per_request = MAX_POINTS_PER_REQUEST;
        let requests = (0..(points + per_request - 1) / per_request)
            .map(|i| {
                let first = start + TimeDelta::milliseconds(i * per_request * step_ms);
                let last = (first + TimeDelta::milliseconds((per_request - 1) * step_ms)).min(end);
                (first, last)
            })
            .collect();
        Ok(QueryPlan {
            start,
            end,
            step,
            points: points as usize,
            requests,
        })
    }
}

/// The requests of a [`RangeQuery`]: every point on the step's grid from
/// `start` to `end`, at most [`MAX_POINTS_PER_REQUEST`] per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryPlan {
    /// The first point.
    pub start: DateTime<Utc>,
    /// The last point (the end asked for, rounded down to a multiple of the step).
    pub end: DateTime<Utc>,
    /// The resolution.
    pub step: TimeDelta,
    /// Points per series over the whole range.
    pub points: usize,
    /// Each request's first and last point, in time order, disjoint.
    pub requests: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The step used when none is given: the finest of 15s, 30s, 1m, 2m, 5m, 10m,
/// 15m, 30m, 1h, 2h, 3h, 6h, 12h and 1d that keeps each series within one
/// request (30 days gives 5m, 7 days 1m, a year 1h), so a default read costs one
/// request per query.
pub fn default_step(range: TimeDelta) -> TimeDelta {
    const STEPS: [i64; 14] = [
        15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    ];
    let range_s = range.num_seconds().max(1);
    let fits = |s: i64| range_s / s < MAX_POINTS_PER_REQUEST;
    let seconds = STEPS.into_iter().find(|&s| fits(s)).unwrap_or_else(|| {
        // Longer than 30 years: whole days, as few as fit.
        (range_s / (MAX_POINTS_PER_REQUEST - 1) / 86400 + 1) * 86400
    });
    TimeDelta::seconds(seconds)
}

/// A Prometheus server to read from. Build it with [`Prometheus::new`] and the
/// `with_*` settings; [`query_range`](Prometheus::query_range) does the reading.
///
/// ```no_run
/// use chrono::TimeDelta;
/// use headroom::ingest::{Auth, Prometheus, RangeQuery};
/// let prometheus = Prometheus::new("http://127.0.0.1:9090")?
///     .with_auth(Auth::bearer_token_file("/etc/headroom/token")?);
/// let query = RangeQuery::new("node_filesystem_avail_bytes", TimeDelta::days(30));
/// let read = prometheus.query_range(&query)?;
/// for s in &read.series {
///     println!("{}: {} points", s.name(), s.len());
/// }
/// # Ok::<(), headroom::Error>(())
/// ```
#[derive(Clone)]
pub struct Prometheus {
    url: String,
    auth: Auth,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
    max_points: usize,
    max_reply_bytes: u64,
    agent: ureq::Agent,
    roots: Option<Vec<ureq::tls::Certificate<'static>>>,
}

impl fmt::Debug for Prometheus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prometheus")
            .field("url", &self.url)
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

/// Default time allowed for one request, connection to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default retries after a failed request (so four tries at most).
pub const DEFAULT_RETRIES: u32 = 3;
/// Default wait before the first retry; it doubles at each retry.
pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(500);

impl Prometheus {
    /// A server by its base URL (`http://host:9090`, or with a path prefix such
    /// as `https://host/prometheus`). Credentials in the URL are refused: they
    /// would show in `ps` and in messages; use [`Auth`].
    pub fn new(url: &str) -> Result<Self> {
        let url = url.trim().trim_end_matches('/').to_string();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "the Prometheus URL must start with http:// or https:// (got '{}')",
                    url.split('@').next_back().unwrap_or("")
                ))
            })?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(Error::invalid(
                "the Prometheus URL holds credentials; give a bearer token file or set \
                 HEADROOM_PROMETHEUS_USERNAME and HEADROOM_PROMETHEUS_PASSWORD instead",
            ));
        }
        if authority.is_empty() {
            return Err(Error::invalid("the Prometheus URL has no host"));
        }
        let mut prometheus = Prometheus {
            url,
            auth: Auth::None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            backoff: DEFAULT_BACKOFF,
            max_points: DEFAULT_MAX_POINTS,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
            agent: ureq::Agent::new_with_defaults(),
            roots: None,
        };
        prometheus.agent = prometheus.build_agent();
        Ok(prometheus)
    }

    fn build_agent(&self) -> ureq::Agent {
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(roots) = &self.roots {
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(roots));
        }
        ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("headroom/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build()
            .into()
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Authenticate with this (default: none).
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Allow each request this long, from connecting to the last byte
    /// (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.agent = self.build_agent();
        self
    }

    /// Retry a failed request this many times (default [`DEFAULT_RETRIES`]):
    /// after a connection error, a timeout, a reply cut off, or HTTP 429, 502,
    /// 503 or 504. A PromQL error or another 4xx is not retried.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Wait this long before the first retry, doubling at each (default
    /// [`DEFAULT_BACKOFF`]).
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// Refuse a read of more points than this over all series (default
    /// [`DEFAULT_MAX_POINTS`]).
    pub fn with_max_points(mut self, max_points: usize) -> Self {
        self.max_points = max_points;
        self
    }

    /// The largest reply read whole (default [`DEFAULT_MAX_REPLY_BYTES`]); a
    /// larger one is asked for again in two halves of its time range.
    pub fn with_max_reply_bytes(mut self, bytes: u64) -> Self {
        self.max_reply_bytes = bytes;
        self
    }

    /// Trust the certificate authorities in this PEM file instead of the
    /// built-in web roots (an internal CA).
    pub fn with_ca_file(mut self, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })?;
        let mut roots = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => roots.push(c),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::invalid(format!(
                        "{}: not a PEM certificate file: {e}",
                        path.display()
                    )))
                }
            }
        }
        if roots.is_empty() {
            return Err(Error::invalid(format!(
                "{}: holds no PEM certificate",
                path.display()
            )));
        }
        self.roots = Some(roots);
        self.agent = self.build_agent();
        Ok(self)
    }

    /// Read `query` over its range: every request of its [`QueryPlan`], joined.
    /// Series that fail are listed in [`Ingested::failed`]; warnings, retries
    /// and dropped samples are in [`Ingested::notes`].
    pub fn query_range(&self, query: &RangeQuery) -> Result<Ingested> {
        let plan = query.plan(Utc::now())?;
        let fail = |message: String| self.error(&query.query, message);
        if plan.points > self.max_points {
            return Err(fail(format!(
                "{} points per series at step {}s is more than the limit of {}; \
                 use a larger step or a shorter range",
                plan.points,
                plan.step.num_milliseconds() as f64 / 1000.0,
                self.max_points
            )));
        }
        let mut joined = Joined::default();
        let mut pending: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            plan.requests.iter().rev().copied().collect();
        while let Some((start, end)) = pending.pop() {
            match self.fetch(query, start, end, plan.step, &mut joined.notes)? {
                Reply::Body(body) => {
                    joined.add(self, query, start, end, &body)?;
                    if joined.points > self.max_points {
                        return Err(fail(format!(
                            "the reply holds {} series and {} points up to {}, more than the \
                             limit of {} points; narrow the query or use a larger step",
                            joined.series.len(),
                            joined.points,
                            show_time(end),
                            self.max_points
                        )));
                    }
                }
                Reply::TooLarge => {
                    let steps = (end - start).num_milliseconds() / plan.step.num_milliseconds();
                    if steps < 1 {
                        return Err(fail(format!(
                            "one point of every series is a reply larger than {} bytes; \
                             narrow the query",
                            self.max_reply_bytes
                        )));
                    }
                    let middle = start + plan.step * ((steps - 1) / 2) as i32;
                    pending.push((middle + plan.step, end));
                    pending.push((start, middle));
                }
            }
        }
        joined.finish(self, query, plan)
    }

    fn error(&self, query: &str, message: String) -> Error {
        Error::Prometheus {
            url: self.url.clone(),
            query: query.to_string(),
            message: self.auth.scrub(&message),
        }
    }

    /// One request, retried as [`with_retries`](Self::with_retries) says.
    fn fetch(
        &self,
        query: &RangeQuery,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: TimeDelta,
        notes: &mut Vec<Note>,
    ) -> Result<Reply> {
        let mut wait = self.backoff;
        let mut attempt = 0;
        loop {
            match self.attempt(query, start, end, step) {
                Ok(reply) => return Ok(reply),
                Err(failure) if failure.retry && attempt < self.retries => {
                    attempt += 1;
                    notes.push(Note::new(
                        None,
                        0,
                        self.auth.scrub(&format!(
                            "request for {} to {} failed ({}); retry {attempt} of {} in {:.1}s",
                            show_time(start),
                            show_time(end),
                            failure.message,
                            self.retries,
                            wait.as_secs_f64()
                        )),
                    ));
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
                Err(failure) => {
                    let tries = if attempt > 0 {
                        format!(" (after {} tries)", attempt + 1)
                    } else {
                        String::new()
                    };
                    return Err(self.error(&query.query, format!("{}{tries}", failure.message)));
                }
            }
        }
    }

    fn attempt(
        &self,
        query: &RangeQuery,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: TimeDelta,
    ) -> std::result::Result<Reply, Failure> {
        let url = format!("{}/api/v1/query_range", self.url);
        let mut request = self.agent.post(&url);
        if let Some(header) = self.auth.header() {
            request = request.header("Authorization", header);
        }
        let form = [
            ("query", query.query.clone()),
            ("start", unix_seconds(start)),
            ("end", unix_seconds(end)),
            ("step", seconds(step)),
        ];
        let mut response = request
            .send_form(form.iter().map(|(k, v)| (*k, v.as_str())))
            .map_err(Failure::transport)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_reply_bytes)
            .read_to_vec();
        let body = match body {
            Ok(body) => body,
            Err(ureq::Error::BodyExceedsLimit(_)) => return Ok(Reply::TooLarge),
            Err(e) => {
                return Err(Failure {
                    message: format!("HTTP {status}, the reply was cut off mid-body: {e}"),
                    retry: true,
                })
            }
        };
        if (200..300).contains(&status) {
            return Ok(Reply::Body(body));
        }
        Err(Failure::status(status, &body))
    }
}

enum Reply {
    Body(Vec<u8>),
    TooLarge,
}

/// Why one request failed, and whether trying again may help.
struct Failure {
    message: String,
    retry: bool,
}

impl Failure {
    fn transport(e: ureq::Error) -> Failure {
        let (message, retry) = match &e {
            ureq::Error::Timeout(_) => (format!("no reply in time ({e})"), true),
            ureq::Error::HostNotFound => ("the host name does not resolve".to_string(), false),
            ureq::Error::ConnectionFailed => ("the connection failed".to_string(), true),
            ureq::Error::Io(io) => (format!("unreachable: {io}"), true),
            ureq::Error::Protocol(_) => (format!("not an HTTP reply: {e}"), true),
            _ => (e.to_string(), false),
        };
        Failure { message, retry }
    }

    /// A non-2xx reply: Prometheus' own `errorType` and `error` when the body
    /// holds them, else the start of the body.
    fn status(status: u16, body: &[u8]) -> Failure {
        let text = String::from_utf8_lossy(body);
        let prometheus_error = serde_json::from_str::<Value>(&text).ok().and_then(|v| {
            let error = v.get("error")?.as_str()?.to_string();
            let kind = v
                .get("errorType")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            Some(format!("Prometheus error ({kind}): {error}"))
        });
        let what = prometheus_error.unwrap_or_else(|| {
            let snippet: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let snippet: String = snippet.chars().take(200).collect();
            if snippet.is_empty() {
                "(empty body)".to_string()
            } else {
                snippet
            }
        });
        let hint = match status {
            401 | 403 => "; check the bearer token file or the basic-auth variables",
            404 => "; is the URL the Prometheus base URL (without /api/v1)?",
            _ => "",
        };
        Failure {
            message: format!("HTTP {status}: {what}{hint}"),
            retry: matches!(status, 429 | 502 | 503 | 504),
        }
    }
}

/// Series joined over replies, by name (a function of the label set).
#[derive(Default)]
struct Joined {
    series: BTreeMap<String, RawSeries>,
    failed: BTreeMap<String, Error>,
    notes: Vec<Note>,
    points: usize,
}

impl Joined {
    fn add(
        &mut self,
        prometheus: &Prometheus,
        query: &RangeQuery,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        body: &[u8],
    ) -> Result<()> {
        let label = reply_label(query, start, end);
        let text = std::str::from_utf8(body).map_err(|e| {
            prometheus.error(
                &query.query,
                format!("the reply is not UTF-8 (byte {})", e.valid_up_to()),
            )
        })?;
        let value =
            parse(&label, text).map_err(|e| prometheus.error(&query.query, e.to_string()))?;
        let raw = read_raw(&label, &query.query, &value)
            .map_err(|e| prometheus.error(&query.query, e.to_string()))?;
        for note in raw.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        for (name, outcome) in raw.items {
            if self.failed.contains_key(&name) {
                continue;
            }
            match outcome {
                Ok(raw) => match self.series.get_mut(&name) {
                    Some(held) => {
                        let before = held.timestamps.len();
                        held.extend(raw);
                        self.points += held.timestamps.len() - before;
                    }
                    None => {
                        self.points += raw.timestamps.len();
                        self.series.insert(name, raw);
                    }
                },
                Err(e) => {
                    if let Some(held) = self.series.remove(&name) {
                        self.points -= held.timestamps.len();
                    }
                    self.failed.insert(name, e);
                }
            }
        }
        Ok(())
    }

    fn finish(
        self,
        prometheus: &Prometheus,
        query: &RangeQuery,
        plan: QueryPlan,
    ) -> Result<Ingested> {
        if self.series.is_empty() && self.failed.is_empty() {
            return Err(prometheus.error(
                &query.query,
                format!(
                    "the result is empty: no series matched from {} to {}",
                    show_time(plan.start),
                    show_time(plan.end)
                ),
            ));
        }
        let label = reply_label(query, plan.start, plan.end);
        let mut series: Vec<RawSeries> = self.series.into_values().collect();
        // Prometheus sorts a range query's series by label set (name, then value,
        // pair by pair); the joined replies are put in that order again.
        series.sort_by(|a, b| a.labels.iter().cmp(b.labels.iter()));
        let mut ingested = Ingested {
            format: Some(Format::Prometheus),
            notes: self.notes,
            failed: self.failed.into_iter().collect(),
            ..Ingested::default()
        };
        for raw in series {
            let name = raw.name.clone();
            match raw.finish(&label) {
                Ok((s, notes)) => {
                    ingested.series.push(s);
                    ingested.notes.extend(notes);
                }
                Err(e) => ingested.failed.push((name, e)),
            }
        }
        Ok(ingested)
    }
}

/// How a reply is named in messages about its content.
fn reply_label(query: &RangeQuery, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "reply to '{}' from {} to {}",
        query.query,
        show_time(start),
        show_time(end)
    )
}

fn show_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Unix seconds with up to millisecond precision, as the API takes them.
fn unix_seconds(t: DateTime<Utc>) -> String {
    let ms = t.timestamp_millis();
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
    }
}

fn seconds(d: TimeDelta) -> String {
    let ms = d.num_milliseconds();
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn plan_splits_at_eleven_thousand_points_on_the_step_grid() {
        let q = RangeQuery::new("up", TimeDelta::days(30))
            .with_step(TimeDelta::minutes(1))
            .with_end(at("2024-03-31T12:00:30Z"));
        let plan = q.plan(Utc::now()).unwrap();
        assert_eq!(plan.end, at("2024-03-31T12:00:00Z"));
        assert_eq!(plan.start, at("2024-03-01T12:00:00Z"));
        assert_eq!(plan.points, 30 * 1440 + 1);
        assert_eq!(plan.requests.len(), 4);
        let mut next = plan.start;
        for &(first, last) in &plan.requests {
            assert_eq!(first, next);
            let points = (last - first).num_minutes() + 1;
            assert!(points <= MAX_POINTS_PER_REQUEST, "{points}");
            next = last + TimeDelta::minutes(1);
        }
        assert_eq!(plan.requests.last().unwrap().1, plan.end);
        assert_eq!(
            plan.requests[0].1 - plan.requests[0].0,
            TimeDelta::minutes(10_999)
        );
    }

    #[test]
    fn default_steps_keep_one_request() {
        assert_eq!(default_step(TimeDelta::days(30)), TimeDelta::minutes(5));
        assert_eq!(default_step(TimeDelta::days(7)), TimeDelta::minutes(1));
        assert_eq!(default_step(TimeDelta::days(365)), TimeDelta::hours(1));
        assert_eq!(default_step(TimeDelta::hours(1)), TimeDelta::seconds(15));
        for days in [1, 2, 7, 30, 90, 365, 3650, 40_000] {
            let q = RangeQuery::new("up", TimeDelta::days(days)).with_end(Utc::now());
            assert_eq!(q.plan(Utc::now()).unwrap().requests.len(), 1, "{days}");
        }
    }

    #[test]
    fn bad_plans_and_urls() {
        let q = RangeQuery::new(" ", TimeDelta::days(1));
        assert!(q.plan(Utc::now()).is_err());
        let q = RangeQuery::new("up", TimeDelta::zero());
        assert!(q.plan(Utc::now()).is_err());
        let err = Prometheus::new("http://me:hunter2@host:9090").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(Prometheus::new("host:9090").is_err());
        assert!(Prometheus::new("https://prom.example/prefix/").is_ok());
    }

    #[test]
    fn credentials_are_scrubbed_and_hidden() {
        let auth = Auth::Basic {
            username: "ops".into(),
            password: Secret::new("s3cret-pw"),
        };
        assert_eq!(base64(b"ops:s3cret-pw"), "b3BzOnMzY3JldC1wdw==");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        let text = "denied for s3cret-pw (Basic b3BzOnMzY3JldC1wdw==)";
        let scrubbed = auth.scrub(text);
        assert!(!scrubbed.contains("s3cret"), "{scrubbed}");
        assert!(!scrubbed.contains("b3BzOnMzY3JldC1wdw"), "{scrubbed}");
        assert!(!format!("{auth:?}").contains("s3cret"));
    }

    #[test]
    fn time_parameters() {
        let t = Utc.timestamp_millis_opt(1_700_000_000_250).unwrap();
        assert_eq!(unix_seconds(t), "1700000000.250");
        assert_eq!(seconds(TimeDelta::minutes(5)), "300");
        assert_eq!(seconds(TimeDelta::milliseconds(1500)), "1.500");
    }
}
