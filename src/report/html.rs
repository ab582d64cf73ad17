//! The report's HTML: one page, its style inline, its charts as PNG data URIs,
//! no script and nothing fetched, so it opens from a mail attachment and prints.

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::trust_page::{skill_caution, trust_section};
use super::{Report, SeriesReport};
use crate::error::Result;
use crate::output::format_time_left;
use crate::plot::{FleetChart, ForecastChart};
use crate::saturation::{Direction, Saturation, Status};
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
pub(super) fn image(png: &[u8], alt: &str) -> String {
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

pub(super) fn percent(p: f64) -> String {
    crate::units::probability_words(p)
}

/// A horizon in words: `30 days`, `48 steps`.
fn horizon_words(span: Span) -> String {
    match span {
        Span::Steps(n) => format!("{n} steps"),
        Span::Seconds(s) if s >= 2.0 * 86_400.0 => format!("{} days", fmt_num(s / 86_400.0)),
        Span::Seconds(s) if s >= 2.0 * 3600.0 => format!("{} hours", fmt_num(s / 3600.0)),
        Span::Seconds(s) => format!("{} minutes", fmt_num(s / 60.0)),
    }
}

fn fmt_num(x: f64) -> String {
    let text = format!("{x:.1}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// Why the horizon is what it is when none was asked for.
const NO_HORIZON: &str = "as far ahead as the history reaches back; no --horizon given";

/// The horizon the answers used, in words, and where none was asked for, why
/// it is that long: each series then looks as far ahead as its own history
/// reaches back.
pub(super) fn horizon_used(report: &Report) -> (String, Option<&'static str>) {
    if let Some(h) = report.options.query.horizon() {
        return (horizon_words(h), None);
    }
    let ahead = report
        .series
        .iter()
        .filter_map(|s| Some(*s.forecast.timestamps.last()? - s.row.last_timestamp));
    let words = |d: chrono::TimeDelta| horizon_words(Span::Seconds(d.num_seconds() as f64));
    let (lo, hi) = match (ahead.clone().min(), ahead.max()) {
        (Some(lo), Some(hi)) => (words(lo), words(hi)),
        _ => return ("as long as each history".into(), Some(NO_HORIZON)),
    };
    if lo == hi {
        (lo, Some(NO_HORIZON))
    } else {
        (
            format!("{lo} to {hi}"),
            Some("each series as far ahead as its history reaches back; no --horizon given"),
        )
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
    let within = match horizon_used(report) {
        (words, None) => format!("within the next {words}"),
        (words, Some(why)) => format!("within the next {words} ({why})"),
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
    // Only where the page gives a probability of a crossing still to come.
    if report.at_risk().any(|s| s.row.status != Status::Saturated) {
        if let Some(caution) = skill_caution(report) {
            text += &format!(" {caution}");
        }
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
    let Some(median) = row.p50_at.map(day) else {
        return no_median(row, &cap);
    };
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

/// A series with no median crossing date: how likely, or what reaches it.
fn no_median(row: &Saturation, cap: &str) -> String {
    let name = &row.series;
    match (row.status, row.earliest_at) {
        (Status::Clear, _) => format!(
            "{name} stays clear of {cap} within the horizon: no simulated future reaches it"
        ),
        _ if row.probability > 0.0 => format!(
            "{name} reaches {cap} in {} of the simulated futures within the horizon, \
             too few for a median date",
            percent(row.probability)
        ),
        (_, Some(t)) => format!(
            "no simulated future of {name} reaches {cap} within the horizon, but the edge of \
             the forecast's widest band does from {}",
            day(t)
        ),
        _ => format!("{name} reaches {cap} in none of the simulated futures within the horizon"),
    }
}

/// How far a series' last value is from its capacity, as a share of it.
fn distance(row: &Saturation) -> f64 {
    let d = ((row.capacity - row.last_value) / row.capacity).abs();
    if d.is_nan() {
        f64::INFINITY
    } else {
        d
    }
}

/// The charts of the first `charts` series, most urgent first (clear ones
/// too, nearest to capacity first), rendered in parallel: (series, PNG).
fn series_charts(report: &Report) -> Vec<(String, Result<Vec<u8>>)> {
    let mut clear: Vec<&SeriesReport> = report.series.iter().filter(|s| !s.at_risk()).collect();
    clear.sort_by(|a, b| distance(&a.row).total_cmp(&distance(&b.row)));
    let drawn: Vec<&SeriesReport> = report
        .at_risk()
        .chain(clear)
        .take(report.options.charts)
        .collect();
    drawn
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
        match horizon_used(report) {
            (words, None) => words,
            (words, Some(why)) => format!("{words} ({why})"),
        },
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

/// A capacity needed this many times the highest value the history ever took
/// gets a sentence saying why: a quarter above the peak is more than a planner
/// takes without a reason.
const FAR_ABOVE: f64 = 1.25;

/// The ranked table: the saturation columns and the capacity needed (for a
/// floor, the lowest level the futures fall to).
fn table(report: &Report) -> String {
    let mut h = String::from("<h2>Series, most urgent first</h2>\n");
    if report.series.is_empty() {
        return h + "<p>No series could be answered; the reasons are below.</p>\n";
    }
    let q = &report.options.query;
    let floor = q.direction() == Direction::Down;
    let by = report.series.iter().any(|s| s.row.probability_by.is_some());
    let until = match q.need_until() {
        Some(_) => "the date asked",
        None => "the end of the horizon",
    };
    h += "<table id=\"at-risk\">\n<thead><tr><th>Series</th><th>Status</th><th>Last value</th>\
          <th>Capacity</th><th>Proba&shy;bility</th><th>Median date</th><th>80 % of futures</th>\
          <th>Time left</th><th>Forecast reaches (widest band)</th>";
    if by {
        h += "<th>By the date asked</th>";
    }
    h += if floor {
        "<th>Lowest level*</th>"
    } else {
        "<th>Capacity needed*</th>"
    };
    h += "<th>Model</th></tr></thead>\n<tbody>\n";
    for s in &report.series {
        let r = &s.row;
        let range = match (r.p10_at, r.p90_at) {
            (Some(a), Some(b)) => format!("{} –<br>{}", day(a), day(b)),
            (Some(a), None) => format!("from {}", day(a)),
            _ => "–".into(),
        };
        let st = status(r);
        h += &format!(
            "<tr class=\"{st}\"><td class=\"name\">{}</td><td class=\"status\">{st}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"date\">{}</td>\
             <td class=\"date\">{}</td><td class=\"num\">{}</td><td class=\"date\">{}</td>",
            escape(&r.series),
            si(r.last_value),
            si(r.capacity),
            percent(r.probability),
            maybe_day(r.p50_at),
            range,
            r.time_left().map(format_time_left).unwrap_or_else(|| "–".into()),
            forecast_reaches(r),
        );
        if by {
            h += &format!(
                "<td class=\"num\">{}</td>",
                r.probability_by.map(percent).unwrap_or_else(|| "–".into())
            );
        }
        h += &format!(
            "<td class=\"num\">{}</td><td>{}</td></tr>\n",
            needed(report, s),
            escape(&s.forecast.model)
        );
    }
    let risk = percent(q.risk());
    h += "</tbody>\n</table>\n<p class=\"footnote\">";
    h += &if floor {
        format!(
            "* Lowest level: the level the simulated futures fall to before {until} with a chance \
             of only {risk} (--risk); a floor below it is passed with at most that chance. At the \
             lower bound, {risk} of the futures fall as far as the metric can go: no floor above \
             the bound keeps the risk that low."
        )
    } else {
        format!(
            "* Capacity needed: the capacity that the simulated futures reach before {until} with \
             a chance of only {risk} (--risk)."
        )
    };
    h += "</p>\n";
    for note in far_above(report) {
        h += &format!("<p class=\"note\">{}</p>\n", escape(&note));
    }
    h
}

/// The "forecast reaches" cell: when the forecast line reaches capacity, and
/// in brackets when the edge of its widest band does (from then on, or between
/// two dates when its far edge does too).
fn forecast_reaches(r: &Saturation) -> String {
    let band = match (r.earliest_at, r.latest_at) {
        (None, None) => None,
        (Some(a), None) => Some(format!("widest band from {}", day(a))),
        (None, Some(b)) => Some(format!("widest band by {}", day(b))),
        (Some(a), Some(b)) => Some(format!("widest band {} – {}", day(a), day(b))),
    };
    match (r.saturation_at, band) {
        (Some(t), Some(b)) => format!("{}<br>({b})", day(t)),
        (Some(t), None) => day(t),
        (None, Some(b)) => format!("not within the horizon<br>({b})"),
        (None, None) => "–".into(),
    }
}

/// The capacity needed; for a floor the lowest level, said to be the lower
/// bound when the futures are held there (0 for bytes or counts).
fn needed(report: &Report, s: &SeriesReport) -> String {
    let q = &report.options.query;
    let Some(v) = s.row.capacity_needed else {
        return "–".into();
    };
    if q.direction() == Direction::Down {
        let (lower, _) = q
            .settings()
            .bounds
            .resolve(&s.row.series, s.history.values());
        if lower.is_some_and(|lo| v <= lo) {
            return format!("{} (the lower bound)", si(v));
        }
    }
    si(v)
}

/// A sentence for each capacity needed far above the history's peak: how far,
/// and whether the forecast's growth or the futures' spread takes it there.
fn far_above(report: &Report) -> Vec<String> {
    let q = &report.options.query;
    if q.direction() == Direction::Down {
        return Vec::new();
    }
    let risk = percent(q.risk());
    let mut notes = Vec::new();
    for s in &report.series {
        let peak = s
            .history
            .values()
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let (Some(need), Some(&end), Some(&last)) = (
            s.row.capacity_needed,
            s.forecast.point.last(),
            s.forecast.timestamps.last(),
        ) else {
            continue;
        };
        if !(peak > 0.0 && need > FAR_ABOVE * peak) {
            continue;
        }
        let until = match q.need_until() {
            Some(_) => "the date asked".to_string(),
            None => format!("the end of the horizon ({})", day(last)),
        };
        let why = if end > peak {
            format!(
                "the forecast itself grows to {} by then, and the futures spread around that growth",
                si(end)
            )
        } else {
            format!(
                "the forecast itself ends near {}: the rest is how far the futures swing, and over \
                 {} steps a few of them climb far above anything seen",
                si(end),
                s.forecast.horizon()
            )
        };
        notes.push(format!(
            "{}: the capacity needed, {}, is {:.1} times the highest value in its history ({}). \
             It is the level only {risk} of the simulated futures pass before {until}; {why}.",
            s.row.series,
            si(need),
            need / peak,
            si(peak)
        ));
    }
    notes
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
    // The axis runs to the end of the horizon: a fleet that crosses early, or
    // not at all, is otherwise drawn on the hour or so its dates span.
    let end = report
        .series
        .iter()
        .take(FLEET_ROWS)
        .filter_map(|s| s.forecast.timestamps.last().copied())
        .max();
    let png = FleetChart::new(&rows).until(end).render_png_bytes()?;
    let more = report.series.len().saturating_sub(FLEET_ROWS);
    let mut caption = if more > 0 {
        format!("The {FLEET_ROWS} most urgent series; {more} more are in the table.")
    } else {
        "Each bar runs from the 10th to the 90th percentile of the simulated crossing dates; the median is marked.".into()
    };
    if let Some(end) = end {
        caption += &format!(
            " The time axis runs to the end of the horizon, {}.",
            day(end)
        );
    }
    Ok(format!(
        "<h2>The fleet</h2>\n<figure>{}<figcaption>{}</figcaption></figure>\n",
        image(&png, "fleet chart: crossing dates of every series"),
        escape(&caption)
    ))
}

/// A chart per series, at most `charts` of them: the at-risk ones first, then
/// the clear ones nearest to capacity under their own heading.
fn at_risk_section(report: &Report) -> String {
    let risky = report.at_risk().count();
    let mut h = String::from("<h2>At-risk series</h2>\n");
    if risky == 0 {
        h += "<p>No series has any chance of reaching capacity within the horizon.</p>\n";
    }
    for (i, (name, png)) in series_charts(report).into_iter().enumerate() {
        if i == risky {
            h += "<h2>Clear series</h2>\n<p class=\"note\">No simulated future of these reaches \
                  capacity within the horizon; their forecasts, nearest to capacity first.</p>\n";
        }
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
    let more = report.series.len().saturating_sub(report.options.charts);
    if more > 0 {
        h += &format!(
            "<p class=\"note\">{more} more series are in the table (charts drawn: {}; raise with --charts).</p>\n",
            report.options.charts
        );
    }
    h
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
        assert_eq!(horizon_words("30d".parse().unwrap()), "30 days");
        assert_eq!(horizon_words("48".parse().unwrap()), "48 steps");
        assert_eq!(horizon_words("36h".parse().unwrap()), "36 hours");
        assert_eq!(horizon_words(Span::Seconds(14.007 * 86_400.0)), "14 days");
        assert_eq!(horizon_words(Span::Seconds(2.5 * 86_400.0)), "2.5 days");
    }
}
