//! The report's HTML: one page, its style inline, its charts as PNG data URIs,
//! no script and nothing fetched, so it opens from a mail attachment and prints.

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::{Report, SeriesReport, Trust};
use crate::error::Result;
use crate::evaluate::SaturationScores;
use crate::output::format_time_left;
use crate::plot::{FleetChart, ForecastChart, ReliabilityChart};
use crate::saturation::{Saturation, Status};
use crate::units::{si, Span};

/// Rows of the fleet chart at most: past this the page would be mostly chart.
const FLEET_ROWS: usize = 40;

/// The style: readable on a screen, and on paper without the backgrounds.
const STYLE: &str = r#"
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222;
  max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
.meta { color: #666; font-size: 0.9em; margin-top: 0; }
.summary { font-size: 1.2em; background: #fff4e5; border-left: 5px solid #e6550d;
  padding: 0.7em 1em; }
.summary.ok { background: #eef7ee; border-left-color: #31a354; }
.scenario { background: #eef3fb; border-left: 5px solid #3182bd; padding: 0.5em 1em; }
table { border-collapse: collapse; width: 100%; font-size: 0.85em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.45em; text-align: left;
  vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { min-width: 7.5em; }
td.name { white-space: nowrap; font-weight: 600; }
img.small { max-width: 560px; }
.footnote { color: #555; font-size: 0.8em; margin-top: 0.2em; }
tr.saturated td:first-child, tr.crossing td:first-child { border-left: 4px solid #cb181d; }
tr.possible td:first-child { border-left: 4px solid #fd8d3c; }
tr.clear td:first-child { border-left: 4px solid #74c476; }
.status { font-weight: 600; }
img { max-width: 100%; height: auto; display: block; }
figure { margin: 0.8em 0 1.6em; break-inside: avoid; page-break-inside: avoid; }
figcaption { color: #444; font-size: 0.9em; margin-top: 0.3em; }
.note { color: #555; font-size: 0.9em; }
.failed td { color: #a50f15; }
footer { margin-top: 3em; color: #888; font-size: 0.8em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  .summary, .scenario, th { background: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
}
"#;

/// Text made safe inside HTML elements and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for data URIs.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An `<img>` of PNG bytes.
fn image(png: &[u8], alt: &str) -> String {
    format!(
        "<img src=\"data:image/png;base64,{}\" alt=\"{}\">",
        base64(png),
        escape(alt)
    )
}

/// A date as people read it: `14 Mar 2025 09:00`.
fn day(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y %H:%M").to_string()
}

fn maybe_day(t: Option<DateTime<Utc>>) -> String {
    t.map(day).unwrap_or_else(|| "–".into())
}

fn percent(p: f64) -> String {
    crate::units::probability_words(p)
}

/// The horizon in words: `30 days`, `48 steps`.
fn horizon_words(span: Option<Span>) -> String {
    let Some(span) = span else {
        return "history-long".into();
    };
    match span {
        Span::Steps(n) => format!("{n} steps"),
        Span::Seconds(s) if s >= 2.0 * 86_400.0 => format!("{} days", fmt_num(s / 86_400.0)),
        Span::Seconds(s) if s >= 2.0 * 3600.0 => format!("{} hours", fmt_num(s / 3600.0)),
        Span::Seconds(s) => format!("{} minutes", fmt_num(s / 60.0)),
    }
}

fn fmt_num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

/// The status as the contract names it: `possible` is a crossing with a
/// probability under one half.
fn status(row: &Saturation) -> String {
    let name = row.status.to_string();
    if name == "crossing" && row.probability < 0.5 {
        "possible".into()
    } else {
        name
    }
}

/// Reaches capacity within the horizon: saturated, or more likely than not.
fn reaches(row: &Saturation) -> bool {
    row.status == Status::Saturated || (row.status != Status::Clear && row.probability >= 0.5)
}

/// The sentence at the top of the page.
pub(super) fn summary(report: &Report) -> String {
    let total = report.series.len();
    let within = match report.options.query.horizon() {
        Some(h) => format!("within the next {}", horizon_words(Some(h))),
        None => "within the horizon (as far ahead as each history reaches back)".into(),
    };
    let reaching: Vec<&SeriesReport> = report.series.iter().filter(|s| reaches(&s.row)).collect();
    let possible = report
        .series
        .iter()
        .filter(|s| s.at_risk() && !reaches(&s.row))
        .count();
    let of = if total == 1 {
        "the 1 series".to_string()
    } else {
        format!("{total} series")
    };
    let mut text = match reaching.len() {
        0 if total == 0 => "No series could be answered.".to_string(),
        0 => format!("None of {of} reaches capacity {within}"),
        1 if total == 1 => format!("The series reaches capacity {within}"),
        n => format!("{n} of {of} reach capacity {within}"),
    };
    if total > 0 {
        if possible > 0 {
            text += &format!(
                "; {possible} more might (a chance under one half){}",
                if reaching.is_empty() { "." } else { "" }
            );
        } else if reaching.is_empty() {
            text += ".";
        }
    }
    if let Some(first) = reaching.first() {
        let drawn = report.options.query.scenarios().drawn(&first.row);
        text += &format!(". The first: {}.", first_sentence(&drawn));
    }
    if let Some(label) = report.options.query.scenarios().label() {
        text = format!("Under the scenario “{label}”: {text}");
    }
    text
}

/// The first series to reach capacity: when, the 80 % range, how likely.
fn first_sentence(row: &Saturation) -> String {
    let cap = si(row.capacity);
    if row.status == Status::Saturated {
        return format!(
            "{} is already at {cap} (last value {})",
            row.series,
            si(row.last_value)
        );
    }
    let median = maybe_day(row.p50_at);
    let range = match (row.p10_at, row.p90_at) {
        (Some(a), Some(b)) => format!(
            ", 80 % of the simulated futures between {} and {}",
            day(a),
            day(b)
        ),
        (Some(a), None) if Some(a) != row.p50_at => {
            format!(", one in ten of the simulated futures by {}", day(a))
        }
        _ => String::new(),
    };
    format!(
        "{} reaches {cap} around {median}{range}, with probability {}",
        row.series,
        percent(row.probability)
    )
}

/// The charts of the at-risk series, rendered in parallel: (series, PNG).
fn series_charts(report: &Report) -> Vec<(String, Result<Vec<u8>>)> {
    let risky: Vec<&SeriesReport> = report.at_risk().take(report.options.charts).collect();
    risky
        .par_iter()
        .map(|s| {
            let drawn = report.options.query.scenarios().drawn(&s.row);
            let png = ForecastChart::new(&s.history, &s.forecast)
                .saturation(&drawn)
                .size(1280, 600)
                .render_png_bytes();
            (s.row.series.clone(), png)
        })
        .collect()
}

/// The whole page.
pub(super) fn page(report: &Report) -> Result<String> {
    let o = &report.options;
    let mut h = String::with_capacity(1 << 20);
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += &format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&o.title)
    );
    h += &format!("<h1>{}</h1>\n", escape(&o.title));
    let failed = if report.failures.is_empty() {
        String::new()
    } else {
        format!(", {} failed", report.failures.len())
    };
    h += &format!(
        "<p class=\"meta\">{}{} series answered{failed} · horizon {} · model {} · {} simulated futures per series · made {} UTC</p>\n",
        if o.source.is_empty() { String::new() } else { format!("{} · ", escape(&o.source)) },
        report.series.len(),
        horizon_words(o.query.horizon()),
        escape(&o.query.settings().model.to_string()),
        o.query.settings().paths,
        report.made_at.format("%Y-%m-%d %H:%M"),
    );
    let ok = report.series.iter().all(|s| !s.at_risk()) && !report.series.is_empty();
    h += &format!(
        "<p class=\"summary{}\" id=\"summary\">{}</p>\n",
        if ok { " ok" } else { "" },
        escape(&summary(report))
    );
    if let Some(label) = o.query.scenarios().label() {
        h += &format!(
            "<p class=\"scenario\">Every probability and date below answers the what-if <b>{}</b>: \
             the change is applied to each simulated future and to the forecast drawn. \
             Capacities shown are those before any planned change.</p>\n",
            escape(&label)
        );
    }
    h += &table(report);
    h += &fleet(report)?;
    h += &at_risk_section(report);
    h += &trust_section(report)?;
    h += &details(report);
    h += &failures(report);
    h += &format!(
        "<footer>Made by headroom {}. Probabilities are the share of {} simulated futures \
         per series that reach capacity within the horizon; dates are UTC.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        o.query.settings().paths
    );
    Ok(h)
}

/// The ranked table: the saturation columns and the capacity needed.
fn table(report: &Report) -> String {
    let mut h = String::from("<h2>Series, most urgent first</h2>\n");
    if report.series.is_empty() {
        return h + "<p>No series could be answered; the reasons are below.</p>\n";
    }
    let by = report.series.iter().any(|s| s.row.probability_by.is_some());
    let until = match report.options.query.need_until() {
        Some(_) => "the date asked",
        None => "the end of the horizon",
    };
    h += "<table id=\"at-risk\">\n<thead><tr><th>Series</th><th>Status</th><th>Last value</th>\
          <th>Capacity</th><th>Proba&shy;bility</th><th>Median date</th><th>80 % of futures</th>\
          <th>Time left</th><th>Forecast reaches (widest band)</th>";
    if by {
        h += "<th>By the date asked</th>";
    }
    h += "<th>Capacity needed*</th><th>Model</th></tr></thead>\n<tbody>\n";
    for s in &report.series {
        let r = &s.row;
        let range = match (r.p10_at, r.p90_at) {
            (Some(a), Some(b)) => format!("{} –<br>{}", day(a), day(b)),
            (Some(a), None) => format!("from {}", day(a)),
            _ => "–".into(),
        };
        let band = match (r.earliest_at, r.latest_at) {
            (None, None) => String::new(),
            (Some(a), None) => format!("<br>(from {})", day(a)),
            (a, b) => format!("<br>({} – {})", maybe_day(a), maybe_day(b)),
        };
        let st = status(r);
        h += &format!(
            "<tr class=\"{st}\"><td class=\"name\">{}</td><td class=\"status\">{st}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"date\">{}</td>\
             <td class=\"date\">{}</td><td class=\"num\">{}</td><td class=\"date\">{}{}</td>",
            escape(&r.series),
            si(r.last_value),
            si(r.capacity),
            percent(r.probability),
            maybe_day(r.p50_at),
            range,
            r.time_left().map(format_time_left).unwrap_or_else(|| "–".into()),
            maybe_day(r.saturation_at),
            band,
        );
        if by {
            h += &format!(
                "<td class=\"num\">{}</td>",
                r.probability_by.map(percent).unwrap_or_else(|| "–".into())
            );
        }
        h += &format!(
            "<td class=\"num\">{}</td><td>{}</td></tr>\n",
            r.capacity_needed.map(si).unwrap_or_else(|| "–".into()),
            escape(&s.forecast.model)
        );
    }
    h += &format!(
        "</tbody>\n</table>\n<p class=\"footnote\">* Capacity needed: the capacity that the \
         simulated futures reach before {until} with a chance of only {} (--risk).</p>\n",
        percent(report.options.query.risk())
    );
    h
}

/// The fleet chart: every series' crossing range on one dated axis.
fn fleet(report: &Report) -> Result<String> {
    if report.series.is_empty() {
        return Ok(String::new());
    }
    let rows: Vec<Saturation> = report
        .series
        .iter()
        .take(FLEET_ROWS)
        .map(|s| s.row.clone())
        .collect();
    let png = FleetChart::new(&rows).render_png_bytes()?;
    let more = report.series.len().saturating_sub(FLEET_ROWS);
    let caption = if more > 0 {
        format!("The {FLEET_ROWS} most urgent series; {more} more are in the table.")
    } else {
        "Each bar runs from the 10th to the 90th percentile of the simulated crossing dates; the median is marked.".into()
    };
    Ok(format!(
        "<h2>The fleet</h2>\n<figure>{}<figcaption>{}</figcaption></figure>\n",
        image(&png, "fleet chart: crossing dates of every series"),
        escape(&caption)
    ))
}

/// A chart per at-risk series (at most `charts` of them).
fn at_risk_section(report: &Report) -> String {
    let risky = report.at_risk().count();
    let mut h = String::from("<h2>At-risk series</h2>\n");
    if risky == 0 {
        return h + "<p>No series has any chance of reaching capacity within the horizon.</p>\n";
    }
    for (name, png) in series_charts(report) {
        h += &format!("<h3>{}</h3>\n<figure>", escape(&name));
        match png {
            Ok(png) => h += &image(&png, &format!("forecast of {name}")),
            Err(e) => {
                h += &format!(
                    "<p class=\"note\">The chart could not be drawn: {}</p>",
                    escape(&e.to_string())
                )
            }
        }
        if let Some(s) = report.series.iter().find(|s| s.row.series == name) {
            let drawn = report.options.query.scenarios().drawn(&s.row);
            h += &format!(
                "<figcaption>{}.</figcaption>",
                escape(&first_sentence(&drawn))
            );
        }
        h += "</figure>\n";
    }
    let more = risky.saturating_sub(report.options.charts);
    if more > 0 {
        h += &format!(
            "<p class=\"note\">{more} more at-risk series are in the table (charts drawn: {}; raise with --charts).</p>\n",
            report.options.charts
        );
    }
    h
}

/// "Can you trust this": the saturation backtest on the fleet's own history.
fn trust_section(report: &Report) -> Result<String> {
    let mut h = String::from("<h2 id=\"trust\">Can you trust this?</h2>\n");
    let (scores, own, series, skipped) = match &report.trust {
        Trust::Skipped(why) => {
            return Ok(h + &format!(
                "<p>The backtest was skipped: {}.</p>\n",
                escape(why.trim_end_matches('.'))
            ))
        }
        Trust::Scored {
            scores,
            own_capacity,
            series,
            skipped,
        } => (scores, *own_capacity, *series, skipped),
    };
    h += &format!(
        "<p>The same answer was computed as of {} earlier dates in the history of {series}{} series \
         (each with the {} that followed kept back) and compared with what happened.{}</p>\n",
        scores.cases,
        if series < report.series.len() {
            format!(" (spread over the fleet) of the {}", report.series.len())
        } else {
            String::new()
        },
        horizon_words(report.options.query.horizon()),
        if report.options.query.scenarios().is_empty() {
            ""
        } else {
            " The past had no such what-if, so this scores the forecast without the scenario."
        }
    );
    if !own {
        h += "<p>No past stretch reached the real capacity (or every one did), which would leave \
              one outcome to score. So each earlier date was given a limit halfway between the peak \
              so far and the peak that followed (the rule of the M4 saturation benchmark): some \
              stretches pass it, some do not, and the scores say whether the probabilities tell \
              them apart.</p>\n";
    }
    h += &scores_table(scores);
    let png = ReliabilityChart::new()
        .curve(report.options.query.settings().model.to_string(), scores)
        .render_png_bytes()?;
    h += &format!(
        "<figure>{}<figcaption>Reliability: of the past answers that gave a probability in each band, \
         the share that did reach capacity. On the diagonal, a probability of 30 % comes true three \
         times in ten.</figcaption></figure>\n",
        image(&png, "reliability chart of the crossing probability").replacen("<img ", "<img class=\"small\" ", 1)
    );
    if !skipped.is_empty() {
        h += "<p class=\"note\">Not backtested: ";
        h += &skipped
            .iter()
            .map(|(n, why)| format!("{} ({})", escape(n), escape(why)))
            .collect::<Vec<_>>()
            .join("; ");
        h += ".</p>\n";
    }
    Ok(h)
}

fn scores_table(s: &SaturationScores) -> String {
    let opt = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map(f).unwrap_or_else(|| "–".into());
    let rows = [
        ("Past answers scored", s.cases.to_string(), "".to_string()),
        (
            "Of these, reached capacity",
            s.crossings.to_string(),
            String::new(),
        ),
        (
            "Brier score",
            format!("{:.3}", s.brier),
            "0 is perfect; 0.25 is a coin toss".into(),
        ),
        (
            "Brier skill",
            opt(s.brier_skill, &|v| format!("{v:.2}")),
            "above 0: better than always answering the observed share".into(),
        ),
        (
            "AUC",
            opt(s.auc, &|v| format!("{v:.3}")),
            if s.auc.is_none() {
                "not defined: every past answer had the same outcome".into()
            } else {
                "1 ranks every crossing above every non-crossing; 0.5 is chance".into()
            },
        ),
        (
            "Crossings the forecast saw",
            opt(s.hit_rate, &percent),
            "the point forecast reached capacity within the horizon".into(),
        ),
        (
            "False alarms",
            opt(s.false_alarm_rate, &percent),
            "the point forecast reached capacity, the series did not".into(),
        ),
        (
            "Crossings inside the 80 % range",
            opt(s.p10_p90_coverage, &percent),
            String::new(),
        ),
    ];
    let mut h = String::from("<table id=\"trust-scores\"><tbody>\n");
    for (name, value, note) in rows {
        h += &format!(
            "<tr><th>{name}</th><td class=\"num\">{value}</td><td class=\"note\">{}</td></tr>\n",
            escape(&note)
        );
    }
    h + "</tbody></table>\n"
}

/// Per series: the cleaning, the seasons and the model that answered.
fn details(report: &Report) -> String {
    if report.series.is_empty() {
        return String::new();
    }
    let mut h = String::from(
        "<h2>Per series: data cleaning and model</h2>\n<table id=\"details\">\n\
         <thead><tr><th>Series</th><th>Points</th><th>What the cleaning did</th>\
         <th>Seasons (steps)</th><th>Model that answered</th></tr></thead>\n<tbody>\n",
    );
    for s in &report.series {
        let (periods, detected) = &s.periods;
        let seasons = if periods.is_empty() {
            "none".to_string()
        } else {
            periods
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        h += &format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{seasons}{}</td><td>{}</td></tr>\n",
            escape(&s.row.series),
            s.history.len(),
            escape(&s.cleaning),
            if *detected { " (detected)" } else { " (given)" },
            escape(&s.forecast.model)
        );
    }
    h + "</tbody>\n</table>\n"
}

/// The series that failed, each with its reason.
fn failures(report: &Report) -> String {
    if report.failures.is_empty() {
        return String::new();
    }
    let mut h = String::from(
        "<h2 id=\"failed\">Series that could not be answered</h2>\n<table class=\"failed\">\n\
         <thead><tr><th>Series</th><th>Reason</th></tr></thead>\n<tbody>\n",
    );
    for (name, why) in &report.failures {
        h += &format!(
            "<tr><td>{}</td><td>{}</td></tr>\n",
            escape(name),
            escape(why)
        );
    }
    h + "</tbody>\n</table>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn horizons_in_words() {
        assert_eq!(horizon_words(Some("30d".parse().unwrap())), "30 days");
        assert_eq!(horizon_words(Some("48".parse().unwrap())), "48 steps");
        assert_eq!(horizon_words(None), "history-long");
        assert_eq!(horizon_words(Some("36h".parse().unwrap())), "36 hours");
    }
}
