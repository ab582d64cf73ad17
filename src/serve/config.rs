//! The exporter's configuration file and the Prometheus client it describes.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::ingest::{Auth, Prometheus};
use crate::units::Span;

/// Where the exporter listens unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9847";

/// The exporter's configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Address and port to listen on (default [`DEFAULT_LISTEN`]).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Rules evaluated at once (default 2, the cores of a small machine).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// The Prometheus to read from.
    pub prometheus: SourceConfig,
    /// The rules.
    pub rules: Vec<RuleConfig>,
}

/// How to reach Prometheus.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Base URL (`http://127.0.0.1:9090`).
    pub url: String,
    /// A file holding a bearer token; without it, basic authentication comes
    /// from `HEADROOM_PROMETHEUS_USERNAME` and `HEADROOM_PROMETHEUS_PASSWORD`.
    pub bearer_token_file: Option<String>,
    /// PEM file of certificate authorities to trust.
    pub ca_file: Option<String>,
    /// Time allowed for each request (default 60s).
    pub timeout: Option<Scalar>,
    /// Retries after a failed request (default 3).
    pub retries: Option<u32>,
}

/// One saturation rule.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The rule's name: the `rule` label of its metrics.
    pub name: String,
    /// The PromQL expression.
    pub query: String,
    /// History read (default 30d).
    pub range: Option<Scalar>,
    /// Query resolution (default: one request per series).
    pub step: Option<Scalar>,
    /// One capacity for every series (`500G`, `5e11`), or a rule as
    /// `--capacity` reads it (`1.1x` of the peak so far, `80%` of a percent metric).
    pub capacity: Option<Scalar>,
    /// A capacity per series, by series name.
    pub capacities: Option<BTreeMap<String, Scalar>>,
    /// `up` (default) or `down`.
    pub direction: Option<String>,
    /// How far ahead (default: as far as the range reaches back).
    pub horizon: Option<Scalar>,
    /// How often to evaluate (default 5m).
    pub interval: Option<Scalar>,
    /// The model (default `auto`).
    pub model: Option<String>,
    /// Seasonal periods (default: detected).
    #[serde(default)]
    pub seasons: Vec<Scalar>,
    /// Sample paths per series (default 2000).
    pub paths: Option<usize>,
    /// Also the probability of reaching capacity this long after the last
    /// observation (`probability_by`).
    pub by: Option<Scalar>,
    /// The values the metric can take, as `--bounds` reads them: `auto` (the
    /// default), `none`, or `LO,HI` with either side empty (`0,`).
    pub bounds: Option<Scalar>,
}

/// A YAML scalar read as text: `30d`, `500G`, `5e11` and `48` alike.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// Written as a string.
    Text(String),
    /// Written as an integer.
    Integer(i64),
    /// Written as a number with a fraction or exponent.
    Number(f64),
}

impl Scalar {
    pub(super) fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Integer(i) => i.to_string(),
            Scalar::Number(x) => x.to_string(),
        }
    }
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}

fn default_concurrency() -> usize {
    2
}

impl ServeConfig {
    /// Read a configuration file; a syntax error names its line and column.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })?;
        Self::from_yaml(&path.display().to_string(), &text)
    }

    /// Read a configuration from YAML text; `file` names it in messages.
    pub fn from_yaml(file: &str, text: &str) -> Result<Self> {
        let config: ServeConfig = serde_saphyr::from_str(text).map_err(|e| Error::Format {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        Ok(config)
    }
}

/// The client a configuration describes.
pub(super) fn source(config: &SourceConfig) -> Result<Prometheus> {
    let mut prometheus = Prometheus::new(&config.url)?;
    if let Some(t) = &config.timeout {
        match t.text().parse::<Span>() {
            Ok(Span::Seconds(s)) if s > 0.0 => {
                prometheus = prometheus.with_timeout(Duration::from_secs_f64(s));
            }
            _ => {
                return Err(Error::invalid(format!(
                    "prometheus: timeout: '{}' is not a duration such as 60s",
                    t.text()
                )))
            }
        }
    }
    if let Some(retries) = config.retries {
        prometheus = prometheus.with_retries(retries);
    }
    if let Some(ca) = &config.ca_file {
        prometheus = prometheus.with_ca_file(ca)?;
    }
    let auth = match &config.bearer_token_file {
        Some(path) => Some(Auth::bearer_token_file(path)?),
        None => Auth::basic_from_env()?,
    };
    Ok(match auth {
        Some(auth) => prometheus.with_auth(auth),
        None => prometheus,
    })
}
