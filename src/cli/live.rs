//! The flags of a live Prometheus read (`--prometheus URL --query PROMQL --range R
//! [--step S] [--end TIME]`), shared by every command that reads history.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use clap::Args;

use headroom::ingest::{parse_timestamp, Auth, Ingested, Prometheus, RangeQuery};
use headroom::units::Span;
use headroom::{Error, Step};

#[derive(Args)]
pub struct LiveArgs {
    /// Read from this Prometheus server (its base URL) instead of --input.
    #[arg(long, value_name = "URL", conflicts_with = "input", requires_all = ["query", "range"])]
    pub prometheus: Option<String>,
    /// The PromQL expression to read with --prometheus.
    #[arg(long, value_name = "PROMQL", requires = "prometheus")]
    pub query: Option<String>,
    /// How far back from --end to read with --prometheus (30d, 12h).
    #[arg(long, value_parser = parse_duration, requires = "prometheus")]
    pub range: Option<TimeDelta>,
    /// The end of the range: RFC 3339, a date or Unix seconds (default: now).
    #[arg(long, value_parser = parse_end, requires = "prometheus")]
    pub end: Option<DateTime<Utc>>,
    /// A file holding the bearer token for --prometheus. For basic authentication
    /// set HEADROOM_PROMETHEUS_USERNAME and HEADROOM_PROMETHEUS_PASSWORD instead.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub bearer_token_file: Option<PathBuf>,
    /// PEM file of certificate authorities to trust for an https:// --prometheus.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub ca_file: Option<PathBuf>,
    /// Time allowed for each request to --prometheus (failed requests are
    /// retried three times, waiting 0.5s, 1s, 2s).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub timeout: TimeDelta,
}

pub fn parse_duration(s: &str) -> Result<TimeDelta, String> {
    match s.parse::<Span>().map_err(|e| e.to_string())? {
        Span::Seconds(seconds) if seconds > 0.0 && seconds < 1e12 => {
            Ok(TimeDelta::milliseconds((seconds * 1000.0).round() as i64))
        }
        _ => Err(format!(
            "expected a positive duration such as 30d, 12h or 90s, got '{s}'"
        )),
    }
}

pub fn parse_end(s: &str) -> Result<DateTime<Utc>, String> {
    if s == "now" {
        return Ok(Utc::now());
    }
    parse_timestamp(s)
}

/// The client and query the flags describe.
pub fn client(live: &LiveArgs, step: Option<Step>) -> Result<(Prometheus, RangeQuery), Error> {
    let url = live.prometheus.as_deref().unwrap_or_default();
    let timeout = Duration::from_millis(live.timeout.num_milliseconds().max(1) as u64);
    let mut prometheus = Prometheus::new(url)?.with_timeout(timeout);
    if let Some(path) = &live.ca_file {
        prometheus = prometheus.with_ca_file(path)?;
    }
    let auth = match &live.bearer_token_file {
        Some(path) => Some(Auth::bearer_token_file(path)?),
        None => Auth::basic_from_env()?,
    };
    if let Some(auth) = auth {
        prometheus = prometheus.with_auth(auth);
    }
    let query = live.query.clone().unwrap_or_default();
    let range = live.range.unwrap_or(TimeDelta::days(30));
    let mut range_query = RangeQuery::new(query, range);
    if let Some(Step::Fixed { millis }) = step {
        range_query = range_query.with_step(TimeDelta::milliseconds(millis));
    }
    if let Some(end) = live.end {
        range_query = range_query.with_end(end);
    }
    Ok((prometheus, range_query))
}

/// Read what the flags ask for.
pub fn read(live: &LiveArgs, step: Option<Step>) -> Result<Ingested, Error> {
    let (prometheus, query) = client(live, step)?;
    prometheus.query_range(&query)
}
