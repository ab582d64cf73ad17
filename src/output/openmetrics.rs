//! The saturation table as OpenMetrics text, encoded by the official
//! `prometheus-client` crate: `# HELP`, `# TYPE` and `# UNIT` lines, escaped
//! label values and the closing `# EOF`.
//!
//! Every metric is a gauge labelled `series` (headroom's name for the series)
//! plus the input series' own labels (Prometheus label sets; labels starting
//! with `__`, such as `__name__`, are reserved and left out). The labels are
//! not said twice: a series named from its labels, `disk_used_bytes{host="db-01"}`,
//! is published as `series="disk_used_bytes",host="db-01"`, and one with no
//! metric name, `{host="db-01"}`, as `host="db-01"` alone ([`series_labels`]):
//!
//! | metric | value |
//! |---|---|
//! | `headroom_saturation_probability` | probability (0 to 1) of reaching capacity within the horizon |
//! | `headroom_saturation_time_left_seconds{percentile="10"\|"50"\|"90"}` | seconds from the last observation until that percentage of simulated futures has reached capacity (the CSV's `p10_at`, `p50_at`, `p90_at`); absent when fewer do within the horizon; 0 for a saturated series, which is at capacity now (the CSV's `time_left` 0). The label is not `quantile`, which belongs to summaries |
//! | `headroom_saturation_capacity` | the capacity, in the data's unit |
//! | `headroom_saturation_last_value` | the last observed value |
//! | `headroom_saturation_last_timestamp_seconds` | Unix time of the last observation |
//! | `headroom_saturation_status{status="saturated"\|"crossing"\|"possible"\|"clear"}` | 1 for the series' status, 0 for the others (the CSV's `status`: saturated, the last value at or past capacity; crossing, probability >= 0.5; possible, some futures or the widest band reach it; clear, none does) |
//! | `headroom_saturation_probability_by` | with `--by`: probability of reaching capacity by that date |
//! | `headroom_saturation_capacity_needed` | with `--need-until`: the capacity that keeps the risk under `--risk` |
//!
//! The order of the text is the order of the rows, so the same table always
//! gives the same bytes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use crate::error::{Error, Result};
use crate::ingest::prometheus::escape;
use crate::saturation::{Saturation, Status};

/// The content type of OpenMetrics text, for HTTP replies.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A label set: pairs in the order they are written.
pub type Labels = Vec<(String, String)>;

/// The labels a series is published under: `series`, then the series' own
/// labels in name order, leaving out reserved ones (`__*`), its own `series`
/// and those in `taken` (labels the caller writes itself, such as the
/// exporter's `rule`).
///
/// `series` is headroom's name for the series, short of any label set that the
/// labels after it already say: `disk_used_bytes` for
/// `disk_used_bytes{host="db-01"}` (as the Prometheus reader names a series)
/// published with `host="db-01"`, and no `series` at all for `{host="db-01"}`
/// (the series of `rate(...)`, which has no metric name), as Prometheus itself
/// would show it. Two such series differ in their labels, as their names did.
pub fn series_labels(name: &str, labels: &BTreeMap<String, String>, taken: &[&str]) -> Labels {
    let own: Labels = labels
        .iter()
        .filter(|(k, _)| !k.starts_with("__") && k.as_str() != "series")
        .filter(|(k, _)| !taken.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let series = name_before_labels(name, &own).unwrap_or(name);
    (!series.is_empty())
        .then(|| ("series".to_string(), series.to_string()))
        .into_iter()
        .chain(own)
        .collect()
}

/// [`series_labels`] of many series at once, each `(name, labels)`, so that no
/// two series with different names are published under the same labels: where
/// the short `series` would make two label sets equal (two readers naming
/// series alike), those series keep their whole name.
pub fn series_labels_all(
    series: &[(&str, &BTreeMap<String, String>)],
    taken: &[&str],
) -> Vec<Labels> {
    let mut all: Vec<Labels> = series
        .iter()
        .map(|(name, labels)| series_labels(name, labels, taken))
        .collect();
    let mut names_of: HashMap<&Labels, HashSet<&str>> = HashMap::new();
    for (labels, (name, _)) in all.iter().zip(series) {
        names_of.entry(labels).or_default().insert(name);
    }
    let shared: Vec<bool> = all.iter().map(|l| names_of[l].len() > 1).collect();
    for ((labels, shared), (name, _)) in all.iter_mut().zip(shared).zip(series) {
        if shared {
            labels.retain(|(k, _)| k != "series");
            labels.insert(0, ("series".to_string(), name.to_string()));
        }
    }
    all
}

/// The part of `name` before a closing label set `{k="v",...}` each of whose
/// pairs is one of `own` (written as the readers write it, values escaped): the
/// metric name, or "" for a bare label set. `None` when the name does not end
/// so: then it says something the labels do not, and is kept whole.
fn name_before_labels<'a>(name: &'a str, own: &Labels) -> Option<&'a str> {
    let (metric, pairs) = name.split_once('{')?;
    let mut rest = pairs.strip_suffix('}').filter(|p| !p.is_empty())?;
    loop {
        // Each pair ends at its closing quote (quotes inside a value are
        // escaped), so at most one of `own` matches here.
        let after = own
            .iter()
            .find_map(|(k, v)| rest.strip_prefix(format!("{k}=\"{}\"", escape(v)).as_str()))?;
        match after.strip_prefix(',') {
            Some(more) if !more.is_empty() => rest = more,
            Some(_) => return None,
            None => return after.is_empty().then_some(metric),
        }
    }
}

/// Saturation rows with the labels they are published under, encoded as
/// OpenMetrics gauges (see the module documentation for the names).
#[derive(Clone, Debug, Default)]
pub struct SaturationMetrics {
    rows: Vec<(Labels, Saturation)>,
}

impl SaturationMetrics {
    /// No rows yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a row under these labels.
    pub fn push(&mut self, labels: Labels, row: Saturation) {
        self.rows.push((labels, row));
    }

    /// Rows read from series with these labels: each row's labels are
    /// [`series_labels_all`] of the series (`labels_of` gives a series' own
    /// labels by name; none when it returns `None`).
    pub fn from_rows<'a>(
        rows: &[Saturation],
        labels_of: impl Fn(&str) -> Option<&'a BTreeMap<String, String>>,
    ) -> Self {
        let empty = BTreeMap::new();
        let series: Vec<(&str, &BTreeMap<String, String>)> = rows
            .iter()
            .map(|row| {
                (
                    row.series.as_str(),
                    labels_of(&row.series).unwrap_or(&empty),
                )
            })
            .collect();
        let mut metrics = Self::new();
        for (labels, row) in series_labels_all(&series, &[]).into_iter().zip(rows) {
            metrics.push(labels, row.clone());
        }
        metrics
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The whole exposition, `# EOF` included.
    pub fn to_text(&self) -> String {
        encode_collectors(vec![Box::new(self.clone())])
    }

    /// Write the whole exposition.
    pub fn write(&self, w: &mut dyn Write, path: &str) -> Result<()> {
        w.write_all(self.to_text().as_bytes())
            .map_err(|source| Error::Io {
                path: path.into(),
                source,
            })
    }

    /// Encode the families into an encoder (an exporter adds its own after).
    pub fn encode_into(&self, encoder: &mut DescriptorEncoder) -> std::fmt::Result {
        let rows = &self.rows;
        gauge(
            encoder,
            "headroom_saturation_probability",
            "Probability (0 to 1) that the series reaches its capacity within the horizon.",
            None,
            rows.iter().map(|(l, r)| (l.clone(), Some(r.probability))),
        )?;
        let percentiles = rows.iter().flat_map(|(labels, r)| {
            [("10", r.p10_at), ("50", r.p50_at), ("90", r.p90_at)]
                .into_iter()
                .map(move |(q, at)| {
                    let left = match r.status {
                        Status::Saturated => Some(0.0),
                        _ => at.map(|t| (t - r.last_timestamp).num_milliseconds() as f64 / 1e3),
                    };
                    (with(labels, "percentile", q), left)
                })
        });
        gauge(
            encoder,
            "headroom_saturation_time_left",
            "Seconds from the last observation until this percentage of simulated futures has reached capacity (absent when fewer do within the horizon).",
            Some(&Unit::Seconds),
            percentiles,
        )?;
        gauge(
            encoder,
            "headroom_saturation_capacity",
            "The capacity, in the unit of the data.",
            None,
            rows.iter().map(|(l, r)| (l.clone(), Some(r.capacity))),
        )?;
        gauge(
            encoder,
            "headroom_saturation_last_value",
            "The last observed value.",
            None,
            rows.iter().map(|(l, r)| (l.clone(), Some(r.last_value))),
        )?;
        gauge(
            encoder,
            "headroom_saturation_last_timestamp",
            "Unix time of the last observation.",
            Some(&Unit::Seconds),
            rows.iter().map(|(l, r)| {
                let t = r.last_timestamp.timestamp_millis() as f64 / 1e3;
                (l.clone(), Some(t))
            }),
        )?;
        let states = rows.iter().flat_map(|(labels, r)| {
            let current = r.status.to_string();
            Status::ALL.into_iter().map(move |s| {
                let s = s.to_string();
                let value = if s == current { 1.0 } else { 0.0 };
                (with(labels, "status", &s), Some(value))
            })
        });
        gauge(
            encoder,
            "headroom_saturation_status",
            "1 for the series' status (saturated: at or past capacity now; crossing: at least half the simulated futures reach it within the horizon; possible: fewer do, or the widest band does; clear: none), 0 for the others.",
            None,
            states,
        )?;
        if rows.iter().any(|(_, r)| r.probability_by.is_some()) {
            gauge(
                encoder,
                "headroom_saturation_probability_by",
                "Probability (0 to 1) that the series reaches its capacity by the date asked for.",
                None,
                rows.iter().map(|(l, r)| (l.clone(), r.probability_by)),
            )?;
        }
        if rows.iter().any(|(_, r)| r.capacity_needed.is_some()) {
            gauge(
                encoder,
                "headroom_saturation_capacity_needed",
                "The capacity that keeps the probability of reaching it before the date asked for under the risk asked for.",
                None,
                rows.iter().map(|(l, r)| (l.clone(), r.capacity_needed)),
            )?;
        }
        Ok(())
    }
}

impl Collector for SaturationMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        self.encode_into(&mut encoder)
    }
}

/// `labels` with one more pair at the end.
pub fn with(labels: &Labels, name: &str, value: &str) -> Labels {
    let mut labels = labels.clone();
    labels.push((name.to_string(), value.to_string()));
    labels
}

/// One gauge family: its descriptor, then one sample per present value. A
/// family with no sample at all is left out (OpenMetrics allows an empty
/// family, but some parsers of the older text format do not).
pub fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    samples: impl Iterator<Item = (Labels, Option<f64>)>,
) -> std::fmt::Result {
    let samples: Vec<(Labels, f64)> = samples
        .filter_map(|(labels, value)| value.map(|v| (labels, v)))
        .collect();
    if samples.is_empty() {
        return Ok(());
    }
    let mut metric = encoder.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (labels, value) in &samples {
        ConstGauge::new(*value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

/// The OpenMetrics text of some collectors, in order, with `# EOF`.
pub fn encode_collectors(collectors: Vec<Box<dyn Collector>>) -> String {
    let mut registry = Registry::default();
    for collector in collectors {
        registry.register_collector(collector);
    }
    let mut text = String::new();
    // Writing to a String cannot fail; an encoder error would be a bug in a
    // collector, and an exposition cut short is better than none.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

/// Write a file so that a reader never sees half of it: the bytes go to a
/// temporary file in the same directory, which is flushed to disk and then
/// renamed over `path` (a rename within a file system is atomic). This is what
/// node_exporter's textfile collector asks of the files it reads.
pub fn write_file_atomically(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let io_error = |source| Error::Io {
        path: path.into(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} is not a file name", path.display())))?;
    // The textfile collector reads `*.prom` only: a `.tmp` name is never read.
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saturation::Status;
    use chrono::{TimeDelta, TimeZone, Utc};

    fn row(series: &str, status: Status, p50_days: Option<i64>) -> Saturation {
        let last = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
        let days = |d: i64| last + TimeDelta::days(d);
        Saturation {
            series: series.to_string(),
            capacity: 500e9,
            status,
            last_timestamp: last,
            last_value: 4.5e11,
            saturation_at: p50_days.map(days),
            earliest_at: None,
            latest_at: None,
            probability: if p50_days.is_some() { 0.9 } else { 0.0 },
            p10_at: p50_days.map(|d| days(d - 1)),
            p50_at: p50_days.map(days),
            p90_at: None,
            probability_by: None,
            capacity_needed: None,
            self_check: None,
        }
    }

    #[test]
    fn text_has_families_labels_and_eof() {
        let mut own = BTreeMap::new();
        own.insert("__name__".to_string(), "disk_used_bytes".to_string());
        own.insert("mount".to_string(), "/var \"data\"".to_string());
        let rows = [
            row("disk{mount=\"/var\"}", Status::Crossing, Some(9)),
            row("db-02", Status::Clear, None),
        ];
        let metrics =
            SaturationMetrics::from_rows(&rows, |name| (name.starts_with("disk")).then_some(&own));
        let text = metrics.to_text();
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert!(text.contains("# TYPE headroom_saturation_probability gauge\n"));
        assert!(text.contains(
            "headroom_saturation_probability{series=\"disk{mount=\\\"/var\\\"}\",mount=\"/var \\\"data\\\"\"} 0.9\n"
        ), "{text}");
        assert!(text.contains("# UNIT headroom_saturation_time_left_seconds seconds\n"));
        assert!(text.contains(
            "headroom_saturation_time_left_seconds{series=\"disk{mount=\\\"/var\\\"}\",mount=\"/var \\\"data\\\"\",percentile=\"50\"} 777600.0\n"
        ), "{text}");
        // Absent percentiles are absent samples, never a made-up number.
        assert!(!text.contains("percentile=\"90\""), "{text}");
        assert!(!text.contains("__name__"));
        assert!(
            text.contains("headroom_saturation_status{series=\"db-02\",status=\"clear\"} 1.0\n")
        );
        assert!(!text.contains("probability_by"));
        assert_eq!(text, metrics.to_text());
    }

    fn own(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Issue 28: the `series` label does not repeat the labels after it.
    #[test]
    fn series_is_short_where_the_labels_say_the_rest() {
        use crate::ingest::prometheus::series_name;
        fn pairs(labels: &Labels) -> Vec<(&str, &str)> {
            labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect()
        }
        // Named as the Prometheus reader names it, escapes and all: the metric name.
        let disk = own(&[
            ("__name__", "disk_used_bytes"),
            ("host", "db-01"),
            ("hostname", "a\\b"),
            ("mount", "/da\"ta"),
        ]);
        let name = series_name(&disk, "stem");
        assert_eq!(
            name,
            "disk_used_bytes{host=\"db-01\",hostname=\"a\\\\b\",mount=\"/da\\\"ta\"}"
        );
        let labels = series_labels(&name, &disk, &[]);
        assert_eq!(
            pairs(&labels),
            [
                ("series", "disk_used_bytes"),
                ("host", "db-01"),
                ("hostname", "a\\b"),
                ("mount", "/da\"ta")
            ]
        );
        // No metric name (rate(...)): the labels alone, as Prometheus shows it.
        let rate = own(&[("instance", "a:9100")]);
        let labels = series_labels(&series_name(&rate, "stem"), &rate, &[]);
        assert_eq!(pairs(&labels), [("instance", "a:9100")]);
        // No labels: the whole name.
        let none = BTreeMap::new();
        assert_eq!(
            pairs(&series_labels("db-02", &none, &[])),
            [("series", "db-02")]
        );
        // A name whose label set says what the labels do not keeps it all: a
        // label left out (its own `series`, one the caller writes, a reserved
        // one), a value that differs, a name that only looks like a label set.
        for (labels, taken) in [
            (
                own(&[("__name__", "up"), ("series", "s"), ("job", "j")]),
                &[][..],
            ),
            (
                own(&[("__name__", "up"), ("rule", "r"), ("job", "j")]),
                &["rule"][..],
            ),
            (
                own(&[("__name__", "up"), ("__meta", "m"), ("job", "j")]),
                &[][..],
            ),
        ] {
            let name = series_name(&labels, "stem");
            let published = series_labels(&name, &labels, taken);
            assert_eq!(published[0], ("series".to_string(), name.clone()));
        }
        let job = own(&[("job", "j")]);
        for name in [
            "up{job=\"k\"}",
            "up{job=\"j\",}",
            "up{job=\"j\"} ",
            "up{}",
            "{job=\"j\"x}",
        ] {
            assert_eq!(series_labels(name, &job, &[])[0].1, name, "{name}");
        }
    }

    /// Two series with different names never share a label set: where the short
    /// `series` would make them equal, both keep their whole name.
    #[test]
    fn short_names_that_would_collide_stay_whole() {
        let a = own(&[("host", "a")]);
        let b = own(&[("__name__", "x"), ("host", "b")]);
        let series = [("x{host=\"a\"}", &a), ("x", &a), ("x{host=\"b\"}", &b)];
        let all = series_labels_all(&series, &[]);
        let first = |labels: &Labels| labels[0].1.clone();
        assert_eq!(first(&all[0]), "x{host=\"a\"}");
        assert_eq!(first(&all[1]), "x");
        assert_eq!(first(&all[2]), "x", "no clash: short");
        let distinct: HashSet<&Labels> = all.iter().collect();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn four_statuses_and_no_time_left_when_saturated() {
        let mut full = row("full", Status::Saturated, Some(3));
        full.last_value = 6e11;
        let rows = [full, row("maybe", Status::Possible, None)];
        let text = SaturationMetrics::from_rows(&rows, |_| None).to_text();
        for status in ["saturated", "crossing", "possible", "clear"] {
            assert!(
                text.contains(&format!("{{series=\"maybe\",status=\"{status}\"}}")),
                "{text}"
            );
        }
        assert!(
            text.contains("headroom_saturation_status{series=\"maybe\",status=\"possible\"} 1.0\n")
        );
        for q in ["10", "50", "90"] {
            assert!(
                text.contains(&format!(
                    "headroom_saturation_time_left_seconds{{series=\"full\",percentile=\"{q}\"}} 0.0\n"
                )),
                "{text}"
            );
        }
    }

    #[test]
    fn atomic_write_replaces_whole_files() {
        let dir = std::env::temp_dir().join(format!("headroom-om-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sat.prom");
        write_file_atomically(&path, b"first\n").unwrap();
        write_file_atomically(&path, b"second\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second\n");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        assert!(write_file_atomically(dir.join("no/such/dir/x.prom"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
