//! `headroom report` and the what-if scenarios: exact answers on a noiseless
//! line, bad input, the report's content, and the page as a browser shows it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use headroom::capacity::Capacities;
use headroom::forecast::ModelChoice;
use headroom::pipeline::{prepare, ForecastSettings, Prepared};
use headroom::query::SaturationQuery;
use headroom::saturation::Saturation;
use headroom::scenario::Scenarios;
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");

/// The binary under test (`HEADROOM_TEST_BIN` overrides it, for a build
/// directory shared with other checkouts).
fn bin() -> String {
    std::env::var("HEADROOM_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_headroom").into())
}

fn headroom(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// 200 hours of `100 + t`: the history ends at 299 on hour 199, and the line
/// forecast is `299 + h` at step `h`.
fn line() -> Prepared {
    let timestamps = (0..200).map(|t| start() + TimeDelta::hours(t)).collect();
    let values = (0..200).map(|t| 100.0 + t as f64).collect();
    let raw = Series::new("line", timestamps, values).unwrap();
    prepare(&raw, &RegulariseOptions::default(), &[]).unwrap()
}

/// The timestamp of forecast step `h` of [`line`].
fn step(h: i64) -> DateTime<Utc> {
    start() + TimeDelta::hours(199 + h)
}

fn settings(horizon: usize) -> ForecastSettings {
    ForecastSettings {
        model: "linear_trend".parse::<ModelChoice>().unwrap(),
        horizon: Some(Span::Steps(horizon)),
        paths: 200,
        ..Default::default()
    }
}

fn answer(texts: &[&str], capacity: f64, horizon: usize) -> (Vec<f64>, Saturation) {
    let scenarios = Scenarios(texts.iter().map(|t| t.parse().unwrap()).collect());
    let answer = SaturationQuery::builder(Capacities::fixed(capacity))
        .scenarios(scenarios)
        .settings(settings(horizon))
        .build()
        .and_then(|q| q.answer(&line()))
        .unwrap();
    (answer.forecast.point, answer.row)
}

fn date(h: i64) -> String {
    step(h).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn times_two_from_a_date_doubles_every_future_value_from_then_on() {
    let (plain, _) = answer(&[], 1e9, 100);
    for h in 1..=100 {
        assert!(
            (plain[h - 1] - (299.0 + h as f64)).abs() < 1e-6,
            "the line itself"
        );
    }
    let (doubled, row) = answer(&[&format!("x2 from {}", date(20))], 1e9, 100);
    for h in 1..=100usize {
        let want = if h >= 20 {
            2.0 * plain[h - 1]
        } else {
            plain[h - 1]
        };
        assert!((doubled[h - 1] - want).abs() < 1e-6, "step {h}");
    }
    assert_eq!(row.saturation_at, None);
    // Against 500: 2 x 319 = 638 from step 20 on, and 318 before it.
    let (_, row) = answer(&[&format!("x2 from {}", date(20))], 500.0, 100);
    assert_eq!(row.saturation_at, Some(step(20)));
    assert_eq!(row.p50_at, Some(step(20)));
    assert_eq!(row.probability, 1.0);
}

#[test]
fn doubling_the_growth_rate_from_a_date_halves_the_time_left_after_it() {
    // 349.5 is reached at step 51 (350; half a unit of margin against rounding in
    // the fit); from step 21 (320) that is 30 steps, 15 with twice the growth
    // (320 + 2 x 15 = 350).
    let (_, plain) = answer(&[], 349.5, 100);
    assert_eq!(plain.p50_at, Some(step(51)));
    let (_, growth) = answer(&[&format!("growth x2 from {}", date(21))], 349.5, 100);
    assert_eq!(growth.saturation_at, Some(step(36)));
    assert_eq!(growth.p50_at, Some(step(36)));
    assert_eq!(
        (growth.p50_at.unwrap() - step(21)) * 2,
        plain.p50_at.unwrap() - step(21)
    );
    // A ramp of the line's own rate (1 an hour) is the same change.
    let (_, ramp) = answer(&[&format!("+1/h from {}", date(21))], 349.5, 100);
    assert_eq!(ramp.p50_at, Some(step(36)));
}

#[test]
fn a_planned_capacity_change_before_the_crossing_moves_it_one_after_leaves_it() {
    // Limits half a unit below the line's values, against rounding in the fit.
    let (_, plain) = answer(&[], 349.5, 150);
    assert_eq!(plain.saturation_at, Some(step(51)));
    // Upgraded to 399.5 at step 30: the line passes it at step 101 (400).
    let (_, before) = answer(&[&format!("capacity 399.5 from {}", date(30))], 349.5, 150);
    assert_eq!(before.saturation_at, Some(step(101)));
    assert_eq!(before.p50_at, Some(step(101)));
    assert_eq!(before.capacity, 349.5);
    // Upgraded at step 60, after 349.5 was passed at 51: too late.
    let (_, after) = answer(&[&format!("capacity 399.5 from {}", date(60))], 349.5, 150);
    assert_eq!(after.saturation_at, Some(step(51)));
    assert_eq!(after.p50_at, Some(step(51)));
}

#[test]
fn bad_scenarios_are_a_wrong_command_line_naming_the_flag_and_value() {
    let cases = [
        // Before the history ends (2025-04-05T23:00:00Z).
        ("x1.3 from 2025-03-01", "before the history of series"),
        ("x1.3 frm 2025-05-01", "not followed by 'from DATE'"),
        ("twice from 2025-05-01", "does not start with a change"),
        // log-01 ends at 476G.
        (
            "capacity 450G from 2025-05-01",
            "at or below the last observation",
        ),
    ];
    for command in ["saturation", "plot", "report"] {
        for (scenario, why) in cases {
            let out = scratch(&format!("bad-{command}.out"));
            // plot draws one series: log-01, whose last value is 476G.
            let series: &[&str] = if command == "plot" {
                &["--series", "log-01"]
            } else {
                &[]
            };
            let o = headroom(
                &[
                    &[command][..],
                    series,
                    &[
                        "--input",
                        SAMPLE,
                        "--capacity",
                        "500G",
                        "--horizon",
                        "30d",
                        "--scenario",
                        scenario,
                        "--output",
                        s(&out),
                    ],
                ]
                .concat(),
            );
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{command} {scenario}: {err}");
            assert!(
                err.contains(&format!("--scenario '{scenario}'")),
                "{command} {scenario}: {err}"
            );
            assert!(err.contains(why), "{command} {scenario}: {err}");
        }
    }
}

#[test]
fn saturation_names_the_scenario_in_a_last_column() {
    let out = scratch("scenario.csv");
    let o = headroom(&[
        "saturation",
        "--input",
        SAMPLE,
        "--capacity",
        "500G",
        "--horizon",
        "30d",
        "--scenario",
        "x1.3 from 2025-04-10",
        "--scenario",
        "capacity 750G from 2025-04-20",
        "--output",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with(
        "series,capacity,status,last_timestamp,last_value,saturation_at,earliest_at,latest_at,probability,"
    ));
    assert!(header.ends_with(",time_left,scenario"), "{header}");
    let label = "x1.3 from 2025-04-10; capacity 750G from 2025-04-20";
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r.ends_with(label)), "{rows:?}");
    // db-01 (390G, 1.3 x 390G > 500G from 10 Apr on) crosses on that date.
    let db = rows.iter().find(|r| r.starts_with("db-01,")).unwrap();
    assert!(
        db.contains(",crossing,") && db.contains(",2025-04-10T00:00:00Z,"),
        "{db}"
    );
    // Without a scenario there is no such column.
    let plain = scratch("plain.csv");
    let o = headroom(&[
        "saturation",
        "--input",
        SAMPLE,
        "--capacity",
        "500G",
        "--horizon",
        "30d",
        "-o",
        s(&plain),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&plain).unwrap();
    assert!(!text.lines().next().unwrap().contains("scenario"));
}

/// `headroom report` with `args`, written to `name` in the scratch folder: the
/// page's path and the run.
fn report_to(name: &str, args: &[&str]) -> (PathBuf, Output) {
    let out = scratch(name);
    let o = headroom(&[&["report"], args, &["--output", s(&out)]].concat());
    (out, o)
}

/// The sample's report against 500G over 30 days, with `extra` flags.
fn sample_report(name: &str, extra: &[&str]) -> (PathBuf, Output) {
    let sample = ["--input", SAMPLE, "--capacity", "500G", "--horizon", "30d"];
    report_to(name, &[&sample[..], extra].concat())
}

#[test]
fn the_report_is_one_self_contained_page_with_every_section() {
    let (path, o) = sample_report("sample.html", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    // Nothing to fetch: no script, no stylesheet link, no remote address.
    let lower = html.to_lowercase();
    for banned in ["<script", "<link", "http://", "https://", "url(", "@import"] {
        assert!(!lower.contains(banned), "the page holds {banned}");
    }
    let images = html.matches("<img ").count();
    assert_eq!(
        images,
        html.matches(" src=\"data:image/png;base64,").count()
    );
    // The fleet, log-01 (the one at risk), the three clear ones and the
    // reliability chart.
    assert_eq!(images, 6, "{images} images");
    assert!(html.contains("id=\"summary\">1 of 4 series reach capacity within the next 30 days. The first: log-01 reaches 500G around"));
    assert!(html.contains("id=\"at-risk\""));
    assert!(html.contains("<td class=\"name\">log-01</td><td class=\"status\">crossing</td>"));
    assert!(html.contains("Can you trust this?"));
    assert!(html.contains("Brier score"));
    // Cleaning and model per series.
    assert!(html.contains("1 duplicated timestamp(s) merged by their mean"));
    assert!(html.contains("3 missing step(s) in 1 gap(s) filled by linear interpolation"));
    assert!(html.contains("stl_drift(24)") || html.contains("stl_linear("));
}

#[test]
fn a_failing_series_is_listed_and_the_rest_is_written() {
    let capacities = scratch("capacities.csv");
    std::fs::write(
        &capacities,
        "series,capacity\ndb-01,500G\nlog-01,500G\nweb-01,500G\n",
    )
    .unwrap();
    let (out, o) = report_to(
        "partial.html",
        &[
            "--input",
            SAMPLE,
            "--capacities",
            s(&capacities),
            "--horizon",
            "30d",
            "--trust-windows",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Series that could not be answered"));
    assert!(html.contains(
        "<td>cache-01</td><td>series cache-01: no capacity for this series in the capacities file</td>"
    ));
    assert!(html.contains("1 of 3 series reach capacity"));
    assert!(html.contains("The backtest was skipped: the backtest was turned off"));
}

#[test]
fn a_scenario_report_names_the_scenario() {
    let (path, o) = sample_report("scenario.html", &["--scenario", "x1.3 from 2025-04-10"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(
        html.contains("Under the scenario “x1.3 from 2025-04-10”: 2 of 4 series reach capacity")
    );
    assert!(html.contains("the forecast without the scenario"));
}

/// Chromium, or the reason it is not there.
fn chromium() -> Result<String, String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if found {
            return Ok(name.into());
        }
    }
    Err("chromium is not installed (Debian package chromium; .ci/run installs it)".into())
}

/// A script for the test's copy of the page, first in its head: it records
/// errors and console errors, then on load counts the images and whether each
/// decoded, and writes the findings into the page for --dump-dom to print.
const PROBE: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || 'unknown'));
}, true);
var __consoleError = console.error;
console.error = function () { window.__errors.push('console: ' + Array.from(arguments).join(' ')); __consoleError.apply(console, arguments); };
window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length;
  var p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = 'PRO' + 'BE: images=' + imgs.length + ' broken=' + broken + ' errors=' + window.__errors.length
    + ' summary=' + (document.getElementById('summary') ? document.getElementById('summary').textContent : 'none')
    + ' table_rows=' + document.querySelectorAll('#at-risk tbody tr').length
    + ' ' + window.__errors.join(' | ') + ' :EN' + 'D';
  document.body.appendChild(p);
});
</script>"#;

/// Pixels of the screenshot that are not (near) white, as a share.
fn ink(png_path: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let inked = pixels
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    inked as f64 / (pixels.len() / channels) as f64
}

#[test]
fn the_sample_report_renders_in_headless_chromium() {
    let browser = match chromium() {
        Ok(b) => b,
        Err(why) => {
            println!("SKIPPED: {why}");
            return;
        }
    };
    let (path, o) = sample_report("browser.html", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    let probed = scratch("browser-probed.html");
    std::fs::write(
        &probed,
        html.replacen("<head>", &format!("<head>\n{PROBE}"), 1),
    )
    .unwrap();
    let url = format!("file://{}", probed.display());
    // No network at all: every host resolves to nothing.
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=5000",
    ];
    let dom = Command::new(&browser)
        .args(common)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let probe = dom_text
        .split("PROBE: ")
        .nth(1)
        .and_then(|t| t.split(" :END").next())
        .unwrap_or_else(|| panic!("no probe in the page: {}", stderr(&dom)));
    assert!(probe.contains("images=6 broken=0 errors=0"), "{probe}");
    assert!(
        probe.contains("summary=1 of 4 series reach capacity"),
        "{probe}"
    );
    assert!(probe.contains("table_rows=4"), "{probe}");
    // The real page (no probe), as a person sees it.
    let shot = scratch("report.png");
    let _ = std::fs::remove_file(&shot);
    let o = Command::new(&browser)
        .args(common)
        .arg("--window-size=1200,2400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", path.display()))
        .output()
        .expect("chromium runs");
    assert!(shot.exists(), "no screenshot: {}", stderr(&o));
    let share = ink(&shot);
    // Text, tables and three charts: far from blank, far from a solid fill.
    assert!(share > 0.03 && share < 0.6, "{share} of the pixels inked");
}

#[test]
fn a_history_too_short_for_the_backtest_skips_it_with_the_reason() {
    // Three days of hourly growth, a 30-day horizon: no origin has 30 days after it.
    let mut csv = String::from("series,timestamp,value\n");
    for h in 0..72 {
        let t = start() + TimeDelta::hours(h);
        csv += &format!(
            "short,{},{}\n",
            t.format("%Y-%m-%dT%H:%M:%SZ"),
            100.0 + h as f64
        );
    }
    let input = scratch("short.csv");
    std::fs::write(&input, csv).unwrap();
    let (out, o) = report_to(
        "short.html",
        &[
            "--input",
            s(&input),
            "--capacity",
            "150",
            "--horizon",
            "30d",
            "--model",
            "linear_trend",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("<p>The backtest was skipped: series short: 72 points are too short for one backtest origin"),
        "{}",
        html.split("id=\"trust\"").nth(1).unwrap_or("")
    );
    assert!(html.contains("The series reaches capacity within the next 30 days"));
}

#[test]
fn under_a_planned_upgrade_the_report_names_the_limit_reached() {
    let (path, o) = sample_report(
        "upgrade.html",
        &[
            "--scenario",
            "capacity 510G from 2025-04-15",
            "--trust-windows",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    // log-01 passes 500G after 15 April, so it is the new limit it reaches.
    assert!(
        html.contains("The first: log-01 reaches 510G around"),
        "{}",
        html.split("id=\"summary\">")
            .nth(1)
            .unwrap_or("")
            .split("</p>")
            .next()
            .unwrap()
    );
    assert!(html.contains("<figcaption>log-01 reaches 510G around"));
    // The table keeps the capacity before the change.
    assert!(html.contains("<td class=\"num\">500G</td>"));
}

// Issue 28, items 5 and 10: the report's words match its numbers.

mod common;

use common::scores_of;
use headroom::evaluate::SaturationScores;
use headroom::report::{build, Report, ReportOptions, Trust};
use headroom::saturation::Direction;

/// The report of [`line`] (`100 + t` hourly, 200 hours) against `capacity`
/// over `horizon` steps, without its backtest: the tests put in the trust
/// section they need.
fn line_report(capacity: f64, horizon: usize, direction: Direction, values: &[f64]) -> Report {
    let timestamps = (0..values.len())
        .map(|t| start() + TimeDelta::hours(t as i64))
        .collect();
    let raw = Series::new("line", timestamps, values.to_vec()).unwrap();
    let prepared = prepare(&raw, &RegulariseOptions::default(), &[]).unwrap();
    let query = SaturationQuery::builder(Capacities::fixed(capacity))
        .direction(direction)
        .settings(settings(horizon))
        .build()
        .unwrap();
    let mut options = ReportOptions::new(query);
    options.trust_windows = 0;
    build(&[prepared], Vec::new(), &options).unwrap()
}

fn rising() -> Vec<f64> {
    (0..200).map(|t| 100.0 + t as f64).collect()
}

/// Pooled scores of past answers: (probability, crossed).
fn scored(scores: SaturationScores, own_capacity: bool) -> Trust {
    Trust::Scored {
        scores,
        own_capacity,
        series: 1,
        skipped: Vec::new(),
    }
}

/// The text of the element that starts at `id` (up to its closing tag `end`).
fn section<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let from = html.split(id).nth(1).unwrap_or_else(|| panic!("no {id}"));
    from.split(end).next().unwrap()
}

#[test]
fn without_a_horizon_the_report_says_the_horizon_used_and_how_to_get_the_trust_section() {
    let (out, o) = report_to(
        "no-horizon.html",
        &["--input", SAMPLE, "--capacity", "500G"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("history-long"), "the made-up word is back");
    // 2,160 hourly steps: 90 days, said as the meta line and the headline say a horizon.
    assert!(
        html.contains(
            "· horizon 90 days (as far ahead as the history reaches back; no --horizon given) ·"
        ),
        "{}",
        section(&html, "class=\"meta\">", "</p>")
    );
    assert!(html.contains("reach capacity within the next 90 days (as far ahead"));
    assert!(stderr(&o).contains("within the next 90 days"));
    // The trust section says why it is missing and which flag brings it.
    let trust = section(&html, "id=\"trust\"", "</p>");
    assert!(
        trust.contains(
            "without --horizon each series looks as far ahead as its history reaches back"
        ) && trust.contains("such as --horizon 30d, a third of the shortest history"),
        "{trust}"
    );
    // The flag it names does bring it: the sample report with --horizon 30d
    // has its scores (the_report_is_one_self_contained_page_with_every_section).
}

#[test]
fn a_negative_brier_skill_is_said_in_words_and_cautions_the_headline() {
    let mut report = line_report(349.5, 100, Direction::Up, &rising());
    assert!(
        report.summary().contains("with probability"),
        "{}",
        report.summary()
    );
    // Confident and wrong half the time: worse than always saying one half.
    let bad = scores_of(&[(0.9, false), (0.9, false), (0.1, true), (0.1, true)]);
    assert!(bad.brier_skill.unwrap() < 0.0);
    report.trust = scored(bad, true);
    let summary = report.summary();
    assert!(
        summary.contains("Caution: on this fleet's own past these probabilities did worse than always saying the base rate, 50 % (Brier skill -")
            && summary.contains("read them as the model's view, not as a measured chance."),
        "{summary}"
    );
    let html = report.to_html().unwrap();
    assert!(html.contains("below 0: these answers did worse than always saying the base rate"));
    assert!(html.contains(&headroom_escape(&summary)));
    // Skill above zero: no caution, the words say better.
    let good = scores_of(&[(0.9, true), (0.8, true), (0.1, false), (0.2, false)]);
    assert!(good.brier_skill.unwrap() > 0.0);
    report.trust = scored(good, true);
    assert!(!report.summary().contains("Caution"));
    assert!(report
        .to_html()
        .unwrap()
        .contains("above 0: better than always saying the base rate"));
}

/// The page escapes quotes and ampersands; the summary has neither but its
/// curly quotes stay as they are.
fn headroom_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('\'', "&#39;")
}

#[test]
fn for_a_floor_the_table_gives_the_lowest_level_and_says_when_it_is_the_bound() {
    // 300 falling by 1 an hour to 101: 200 more hours would take it below 0,
    // where a never-negative history is held, so the futures' low is the bound.
    let falling: Vec<f64> = (0..200).map(|t| 300.0 - t as f64).collect();
    let report = line_report(50.0, 200, Direction::Down, &falling);
    assert_eq!(report.series[0].row.capacity_needed, Some(0.0));
    let html = report.to_html().unwrap();
    let table = section(&html, "id=\"at-risk\"", "</table>");
    assert!(!table.contains("Capacity needed"), "{table}");
    assert!(table.contains("<th>Lowest level*</th>"), "{table}");
    assert!(
        table.contains("<td class=\"num\">0 (the lower bound)</td>"),
        "{table}"
    );
    assert!(html.contains("* Lowest level: the level the simulated futures fall to before the end of the horizon with a chance of only 5 %"));
    // A rising metric keeps its capacity needed.
    let up = line_report(349.5, 100, Direction::Up, &rising())
        .to_html()
        .unwrap();
    assert!(up.contains("<th>Capacity needed*</th>"));
}

#[test]
fn a_band_without_the_line_reads_in_words_not_a_dash_and_brackets() {
    let mut report = line_report(349.5, 100, Direction::Up, &rising());
    let row = &mut report.series[0].row;
    let from = step(40);
    // The forecast line stays short; the widest band's edge reaches it from step 40.
    row.saturation_at = None;
    row.earliest_at = Some(from);
    row.latest_at = None;
    let html = report.to_html().unwrap();
    let table = section(&html, "id=\"at-risk\"", "</table>");
    assert!(!table.contains("–<br>("), "{table}");
    assert!(
        table.contains(&format!(
            "not within the horizon<br>(widest band from {})",
            from.format("%-d %b %Y %H:%M")
        )),
        "{table}"
    );
}

#[test]
fn the_table_writes_values_with_units_as_the_terminal_sentence_does() {
    let (path, o) = sample_report("units.html", &["--trust-windows", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    let table = section(&html, "id=\"at-risk\"", "</table>");
    // log-01 ends at 476,065,160,813 bytes: the sentence on the terminal says 476G.
    assert!(stderr(&o).contains("reaches 500G"));
    assert!(
        table.contains("<td class=\"num\">476G</td><td class=\"num\">500G</td>"),
        "{table}"
    );
    assert!(!html.contains("476065160813"));
    let long_number = table
        .split(|c: char| !c.is_ascii_digit())
        .find(|digits| digits.len() > 4);
    assert_eq!(long_number, None, "{table}");
}

#[test]
fn a_clear_series_gets_its_chart_and_the_fleet_axis_runs_to_the_horizon() {
    // Nothing comes near 2T in 30 days: every series is clear.
    let (out, o) = report_to(
        "clear.html",
        &[
            "--input",
            SAMPLE,
            "--capacity",
            "2T",
            "--horizon",
            "30d",
            "--trust-windows",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    // The fleet and the four forecasts.
    assert_eq!(html.matches("<img ").count(), 5);
    assert!(html.contains("<h2>Clear series</h2>"));
    assert!(html.contains("<figcaption>db-01 stays clear of 2T within the horizon"));
    // The last observation is 5 Apr 2025 23:00; 30 days on is 5 May.
    assert!(
        html.contains("The time axis runs to the end of the horizon, 5 May 2025 23:00."),
        "{}",
        section(&html, "<h2>The fleet</h2>", "</figure>")
            .split("<figcaption>")
            .nth(1)
            .unwrap_or("")
    );
    // --charts bounds them, at-risk or clear.
    let (path, o) = sample_report(
        "two-charts.html",
        &["--charts", "2", "--trust-windows", "0"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    assert_eq!(html.matches("<img ").count(), 3);
    assert!(html.contains("2 more series are in the table (charts drawn: 2; raise with --charts)"));
}

#[test]
fn when_no_past_stretch_crossed_the_trust_section_says_it_had_nothing_to_score() {
    let mut report = line_report(349.5, 100, Direction::Up, &rising());
    // Three stretches, none crossed the substitute limit, each answered 0 %:
    // Brier 0.000, which is no score at all.
    let none = scores_of(&[(0.0, false), (0.0, false), (0.0, false)]);
    assert_eq!(none.brier, 0.0);
    report.trust = scored(none, false);
    let html = report.to_html().unwrap();
    let trust = section(&html, "id=\"trust\"", "<h2>");
    assert!(trust.contains("The check had nothing to score."), "{trust}");
    assert!(
        trust.contains("None of the 3 past stretches reached the limit it was given"),
        "{trust}"
    );
    assert!(!trust.contains("some stretches pass"), "{trust}");
    assert!(!trust.contains("Brier score</th>"), "{trust}");
    assert!(!trust.contains("<img"), "{trust}");
    // Both outcomes: the substitute limit is explained with its counts, then scored.
    report.trust = scored(scores_of(&[(0.9, true), (0.2, false), (0.1, false)]), false);
    let html = report.to_html().unwrap();
    let trust = section(&html, "id=\"trust\"", "<h2>");
    assert!(trust.contains("1 of the 3 stretches passed it"), "{trust}");
    assert!(trust.contains("Brier score</th>"), "{trust}");
}

#[test]
fn a_capacity_needed_far_above_the_peak_gets_a_sentence() {
    // The line grows to 499 in 200 steps from a peak of 299.
    let report = line_report(349.5, 200, Direction::Up, &rising());
    let needed = report.series[0].row.capacity_needed.unwrap();
    assert!(needed > 1.5 * 299.0, "{needed}");
    let html = report.to_html().unwrap();
    let note = html
        .split("<p class=\"note\">line: the capacity needed")
        .nth(1)
        .unwrap_or_else(|| panic!("no note: {}", section(&html, "id=\"at-risk\"", "<h2>")));
    assert!(
        note.contains("times the highest value in its history (299)"),
        "{note}"
    );
    assert!(
        note.contains("the forecast itself grows to 499 by then"),
        "{note}"
    );
    // A capacity needed near the peak needs no sentence.
    let near = line_report(349.5, 10, Direction::Up, &rising())
        .to_html()
        .unwrap();
    assert!(!near.contains("times the highest value in its history"));
}

#[test]
fn a_cpu_falling_to_a_floor_on_real_data_reads_right() {
    let Some(path) = common::shared("data/nab/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv")
    else {
        return;
    };
    let (out, o) = report_to(
        "floor.html",
        &[
            "--input",
            s(&path),
            "--capacity",
            "30",
            "--direction",
            "down",
            "--horizon",
            "7d",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    let table = section(&html, "id=\"at-risk\"", "</table>");
    assert!(table.contains("<th>Lowest level*</th>"), "{table}");
    assert!(!table.contains("–<br>("), "{table}");
    assert!(!table.contains("<td class=\"num\">0</td>"), "{table}");
    // Whatever the past held, scores are shown only over both outcomes.
    let trust = section(&html, "id=\"trust\"", "<h2>");
    let count = |name: &str| -> usize {
        let cell = section(
            trust,
            &format!("<th>{name}</th><td class=\"num\">"),
            "</td>",
        );
        cell.parse().unwrap()
    };
    if trust.contains("The check had nothing to score.") {
        assert!(!trust.contains("Brier score</th>"), "{trust}");
    } else {
        let (cases, crossed) = (
            count("Past answers scored"),
            count("Of these, reached capacity"),
        );
        assert!(crossed > 0 && crossed < cases, "{trust}");
    }
    assert!(html.contains("The time axis runs to the end of the horizon, 7 Mar 2014 14:22."));
}
