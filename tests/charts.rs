//! Every chart renders to PNG bytes and to a file, on real data of every span: the
//! hourly sample, a 17-year monthly series, an M4 hourly series, a fleet and a
//! reliability table. Nothing is drawn in the outer margin, so no label is cut at
//! an edge; no legend covers drawn data and every label stays inside the frame
//! (read from the charts' layout: the pixels under each legend before it was
//! drawn, and each label's box). The PNGs are left in the test target folder for
//! a person to look at.

mod common;

use std::path::PathBuf;

use headroom::ingest::{read_path, ReadOptions};
use headroom::pipeline::{prepare, ForecastSettings, Prepared};
use headroom::plot::{FleetChart, ForecastChart, ReliabilityChart};
use headroom::query::SaturationQuery;
use headroom::saturation::{rank, Direction};
use headroom::units::Span;
use headroom::{RegulariseOptions, Series};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");

fn out(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn read(path: &str) -> Vec<Series> {
    read_path(path, &ReadOptions::default()).unwrap().series
}

/// Decoded RGB pixels and the size of a PNG.
fn pixels(png_bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (buf, info.width, info.height)
}

/// A PNG of the expected size whose outer `margin` pixels on the left and right
/// are white (nothing drawn into them, so no text runs off the image), and which
/// is not blank; written to `name` for a person to look at, through `render_png`.
fn check_png(bytes: &[u8], size: Option<(u32, u32)>, margin: u32, name: &str) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (rgb, w, h) = pixels(bytes);
    if let Some(size) = size {
        assert_eq!((w, h), size);
    }
    let at = |x: u32, y: u32| {
        let i = 3 * (y as usize * w as usize + x as usize);
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    };
    for y in 0..h {
        for x in (0..margin).chain(w - margin..w) {
            assert_eq!(
                at(x, y),
                [255; 3],
                "{name}: pixel ({x}, {y}) in the margin is drawn"
            );
        }
    }
    let inked = rgb.chunks(3).filter(|p| p != &[255; 3]).count();
    assert!(
        inked > 10_000,
        "{name}: almost blank ({inked} pixels drawn)"
    );
    std::fs::write(out(name), bytes).unwrap();
}

fn assess(
    p: &Prepared,
    horizon: Span,
    capacity: f64,
) -> (
    headroom::forecast::Forecast,
    headroom::saturation::Saturation,
) {
    let settings = ForecastSettings {
        horizon: Some(horizon),
        paths: 500,
        ..Default::default()
    };
    let answer = SaturationQuery::fixed(capacity, Direction::Up, settings)
        .and_then(|q| q.answer(p))
        .unwrap();
    (answer.forecast, answer.row)
}

#[test]
fn forecast_chart_of_the_hourly_sample() {
    let series = read(SAMPLE);
    let log = series.iter().find(|s| s.name() == "log-01").unwrap();
    let p = prepare(log, &RegulariseOptions::default(), &[]).unwrap();
    let (f, row) = assess(&p, Span::Seconds(30.0 * 86_400.0), 500e9);
    let chart = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .unit("bytes");
    let bytes = chart.render_png_bytes().unwrap();
    check_png(&bytes, Some((1280, 720)), 6, "sample_log-01.png");
    // The file and the bytes are the same chart.
    let file = out("sample_log-01_file.png");
    chart.render_png(&file).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
}

#[test]
fn forecast_chart_of_17_years_of_months() {
    let Some(path) = common::shared("data/prophet/example_retail_sales.csv") else {
        return;
    };
    let series = read(path.to_str().unwrap());
    let p = prepare(&series[0], &RegulariseOptions::default(), &[]).unwrap();
    let cut = Prepared {
        series: p.series.head(190).unwrap(),
        ..p.clone()
    };
    let peak = cut.series.values().iter().copied().fold(f64::MIN, f64::max);
    let (f, row) = assess(&cut, Span::Steps(103), 1.1 * peak);
    let bytes = ForecastChart::new(&cut.series, &f)
        .saturation(&row)
        .history_steps(190)
        .render_png_bytes()
        .unwrap();
    check_png(&bytes, Some((1280, 720)), 6, "retail_monthly.png");
}

#[test]
fn forecast_chart_of_an_m4_hourly_series() {
    let Some(path) = common::shared("data/m4/Hourly-train-long.csv") else {
        return;
    };
    let series = read(path.to_str().unwrap());
    let h1 = series.iter().find(|s| s.name() == "H1").unwrap();
    let p = prepare(
        h1,
        &RegulariseOptions::default(),
        &[Span::Steps(24), Span::Steps(168)],
    )
    .unwrap();
    let peak = p.series.values().iter().copied().fold(f64::MIN, f64::max);
    let (f, row) = assess(&p, Span::Steps(48), 0.9 * peak);
    let bytes = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .size(1000, 600)
        .render_png_bytes()
        .unwrap();
    check_png(&bytes, Some((1000, 600)), 6, "m4_H1.png");
}

/// The sample's four hosts asked about `capacity` over `days` days with `paths`
/// futures, most urgent first.
fn sample_rows(capacity: f64, days: f64, paths: usize) -> Vec<headroom::saturation::Saturation> {
    let settings = ForecastSettings {
        horizon: Some(Span::Seconds(days * 86_400.0)),
        paths,
        ..Default::default()
    };
    let mut rows: Vec<_> = read(SAMPLE)
        .iter()
        .map(|s| {
            let p = prepare(s, &RegulariseOptions::default(), &[]).unwrap();
            let q = SaturationQuery::fixed(capacity, Direction::Up, settings.clone()).unwrap();
            q.answer(&p).unwrap().row
        })
        .collect();
    rank(&mut rows);
    rows
}

#[test]
fn fleet_chart_keeps_its_labels_inside() {
    let rows = sample_rows(450e9, 60.0, 500);
    let bytes = FleetChart::new(&rows).render_png_bytes().unwrap();
    check_png(&bytes, Some((1280, 180 + 36 * 4)), 6, "fleet.png");
    assert!(FleetChart::new(&[]).render_png_bytes().is_err());
}

#[test]
fn reliability_chart_of_known_probabilities() {
    // Probabilities on a grid, each outcome true in exactly that share of cases.
    let answers: Vec<(f64, bool)> = (0..=10)
        .flat_map(|k| (0..20).map(move |i| (k as f64 / 10.0, i < 2 * k)))
        .collect();
    let scores = common::scores_of(&answers);
    let bytes = ReliabilityChart::new()
        .curve("calibrated", &scores)
        .render_png_bytes()
        .unwrap();
    check_png(&bytes, Some((960, 900)), 6, "reliability.png");
    assert!(ReliabilityChart::new().render_png_bytes().is_err());
}

#[test]
fn the_value_axis_is_named_after_the_value_column() {
    // The same free memory under two headers: only the value axis (its title and
    // its tick labels, now in megabytes' units: left of the frame) may differ
    // between the two charts, and it must.
    let rows: String = (0..200)
        .map(|h| format!("host-1,{},{}\n", 1_704_067_200 + h * 3600, 8000 - 5 * h))
        .collect();
    let chart = |column: &str| {
        let csv = out(&format!("{column}.csv"));
        std::fs::write(&csv, format!("series,timestamp,{column}\n{rows}")).unwrap();
        let png = out(&format!("axis-{column}.png"));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_headroom"))
            .args(["plot", "--input", csv.to_str().unwrap(), "--horizon", "2d"])
            .args(["--model", "linear_trend", "--output", png.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        pixels(&std::fs::read(&png).unwrap())
    };
    let (named, width, _) = chart("mem_free_mb");
    let (plain, _, _) = chart("value");
    let columns: Vec<u32> = named
        .chunks(3)
        .zip(plain.chunks(3))
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| i as u32 % width)
        .collect();
    assert!(!columns.is_empty(), "the axis says `value` for mem_free_mb");
    assert!(
        columns.iter().all(|&x| x < 108),
        "{:?}",
        columns.iter().max()
    );
}

/// Pixels of exactly this colour in rows `from..` of a PNG.
fn count_colour(png_bytes: &[u8], colour: [u8; 3], from: u32) -> usize {
    let (rgb, w, _) = pixels(png_bytes);
    rgb.chunks(3)
        .skip((from * w) as usize)
        .filter(|p| *p == colour)
        .count()
}

/// The fill of the caution box and the trust colour (`plot::TRUST_FILL`,
/// `plot::TRUST_COLOR`).
const TRUST_FILL: [u8; 3] = [241, 234, 248];
const TRUST_COLOR: [u8; 3] = [117, 63, 160];

fn checked(skill: f64) -> headroom::saturation::SelfCheck {
    headroom::saturation::SelfCheck {
        origins: 2,
        crossings: 0,
        brier: 0.577,
        skill,
    }
}

/// Issue 20 item 6: a probability its own history says not to trust is said on
/// the chart, in a box under it with the sentence standard error prints; a
/// trusted one (or one not checked) has no box.
#[test]
fn forecast_chart_says_when_not_to_trust_its_probability() {
    let series = read(SAMPLE);
    let log = series.iter().find(|s| s.name() == "log-01").unwrap();
    let p = prepare(log, &RegulariseOptions::default(), &[]).unwrap();
    let (f, mut row) = assess(&p, Span::Seconds(30.0 * 86_400.0), 500e9);
    assert_eq!(headroom::plot::trust_caution(&row), None);
    row.self_check = Some(checked(0.4));
    assert_eq!(headroom::plot::trust_caution(&row), None);
    let trusted = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .render_png_bytes()
        .unwrap();
    row.self_check = Some(checked(-2.08));
    let caution = headroom::plot::trust_caution(&row).unwrap();
    assert_eq!(
        caution,
        "trust this probability little: on 2 origins of its own history it scored \
         Brier 0.577, skill -2.08 against climatology"
    );
    let warned = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .render_png_bytes()
        .unwrap();
    check_png(
        &warned,
        Some((1280, 720)),
        6,
        "sample_log-01_not_trusted.png",
    );
    // The box is in the bottom 46 pixels, and only on the warned chart.
    assert!(count_colour(&warned, TRUST_FILL, 720 - 46) > 10_000);
    assert_eq!(count_colour(&trusted, TRUST_FILL, 0), 0);
    // On a narrow chart the sentence is shortened, never drawn into the margin.
    let narrow = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .size(640, 480)
        .render_png_bytes()
        .unwrap();
    check_png(
        &narrow,
        Some((640, 480)),
        6,
        "sample_log-01_not_trusted_narrow.png",
    );
}

/// The fleet chart marks each series not to trust: its name followed by
/// "· not trusted" in the trust colour; the other rows are drawn as before.
#[test]
fn fleet_chart_marks_the_series_not_to_trust() {
    // Ranking does not read the self-check: marked after it, as before it.
    let mut rows = sample_rows(450e9, 60.0, 500);
    for row in &mut rows {
        row.self_check = Some(checked(0.3));
    }
    let plain = FleetChart::new(&rows).render_png_bytes().unwrap();
    assert_eq!(count_colour(&plain, TRUST_COLOR, 0), 0);
    rows[1].self_check = Some(checked(-0.5));
    let marked = FleetChart::new(&rows).render_png_bytes().unwrap();
    check_png(
        &marked,
        Some((1280, 180 + 36 * 4)),
        6,
        "fleet_not_trusted.png",
    );
    // The text is anti-aliased: count the purple of its strokes, a hue nothing
    // else on the fleet chart has.
    let purple = |png: &[u8]| {
        let (rgb, _, _) = pixels(png);
        rgb.chunks(3)
            .filter(|p| p[2] as i32 > p[0] as i32 + 20 && p[2] as i32 > p[1] as i32 + 40)
            .count()
    };
    assert_eq!(purple(&plain), 0);
    assert!(purple(&marked) > 100, "{}", purple(&marked));
}

/// `headroom plot --capacity C --self-check` on the flat cycle whose capacity
/// sits just above its peaks (the case `saturation --self-check` scores `low`):
/// the chart carries the caution and standard error says it; without the flag,
/// no box.
#[test]
fn plot_self_check_draws_the_caution() {
    let csv = out("cycle.csv");
    std::fs::write(&csv, common::cycle_csv("demand")).unwrap();
    let peak = common::cycle_csv("demand")
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    let capacity = format!("{}", (peak + 3.0).round());
    let plot = |extra: &[&str], name: &str| {
        let png = out(name);
        let o = common::headroom(
            &[
                &[
                    "plot",
                    "--input",
                    csv.to_str().unwrap(),
                    "--horizon",
                    "30d",
                    "--capacity",
                    &capacity,
                    "--output",
                    png.to_str().unwrap(),
                ][..],
                extra,
            ]
            .concat(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            std::fs::read(&png).unwrap(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (checked, stderr) = plot(&["--self-check"], "cycle_self_check.png");
    assert!(
        stderr.contains("series demand: trust this probability little"),
        "{stderr}"
    );
    check_png(&checked, Some((1280, 720)), 6, "cycle_self_check.png");
    assert!(count_colour(&checked, TRUST_FILL, 720 - 46) > 10_000);
    let (unchecked, _) = plot(&[], "cycle.png");
    assert_eq!(count_colour(&unchecked, TRUST_FILL, 0), 0);
    // The flag means nothing without a capacity: a wrong command line.
    let o = common::headroom(&[
        "plot",
        "--input",
        csv.to_str().unwrap(),
        "--horizon",
        "1d",
        "--self-check",
        "--output",
        out("never.png").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------------------
// Issue 28 item 4: legends where the data is not, text inside the frame, the
// unit on the value axis, dense data as an envelope, both crossings marked, the
// fleet's dots named.

use headroom::plot::{Layout, Rect};

/// Drawn pixels of `rgb` (an image `width` wide) in `r`: neither white nor the
/// grid's grey.
fn ink_in(rgb: &[u8], width: u32, r: &Rect) -> usize {
    let mut n = 0;
    for y in r.y0..r.y1 {
        for x in r.x0..r.x1 {
            let i = 3 * (y as usize * width as usize + x as usize);
            let p = &rgb[i..i + 3];
            if p != [255; 3] && p != [215; 3] {
                n += 1;
            }
        }
    }
    n
}

/// No legend covers drawn data (the pixels under its box, before it was
/// drawn, are blank but for the grid), and every label lies inside a frame.
fn check_layout(layout: &Layout, name: &str) {
    assert!(!layout.plots.is_empty(), "{name}: no frame recorded");
    assert!(!layout.legends.is_empty(), "{name}: no legend");
    for legend in &layout.legends {
        let under = ink_in(&layout.bare, layout.size.0, legend);
        assert_eq!(
            under, 0,
            "{name}: the legend {legend:?} covers {under} drawn pixels"
        );
    }
    check_labels(layout, name);
}

/// Every label lies inside a frame.
fn check_labels(layout: &Layout, name: &str) {
    for (text, r) in &layout.labels {
        assert!(
            layout.plots.iter().any(|p| p.contains(r)),
            "{name}: '{text}' at {r:?} is outside the frame {:?}",
            layout.plots
        );
    }
}

fn sample_row(
    name: &str,
    horizon_days: f64,
    capacity: f64,
) -> (
    Prepared,
    headroom::forecast::Forecast,
    headroom::saturation::Saturation,
) {
    let series = read(SAMPLE);
    let s = series.iter().find(|s| s.name() == name).unwrap();
    let p = prepare(s, &RegulariseOptions::default(), &[]).unwrap();
    let (f, row) = assess(&p, Span::Seconds(horizon_days * 86_400.0), capacity);
    (p, f, row)
}

#[test]
fn the_forecast_chart_keeps_legend_off_the_data_and_text_in_the_frame() {
    let (p, f, row) = sample_row("log-01", 30.0, 500e9);
    let chart = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .unit("bytes");
    let layout = chart.layout().unwrap();
    check_layout(&layout, "log-01");
    assert!(
        layout.labels[0].0.starts_with("crossing: reaches 500 GB"),
        "{:?}",
        layout.labels
    );
    // The same on a narrow chart, where the sentence is shortened to the frame.
    let narrow = chart.clone().size(640, 480);
    let bytes = narrow.render_png_bytes().unwrap();
    check_png(&bytes, Some((640, 480)), 6, "log-01_narrow.png");
    // A legend of ten entries has no free spot on so small a frame: only the
    // text is checked there, and that the sentence does not sit on the legend.
    let layout = narrow.layout().unwrap();
    check_labels(&layout, "log-01 narrow");
    assert!(!layout.labels[0].1.intersects(&layout.legends[0]));
}

/// A floor crossed near the start of a long forecast: the sentence, placed
/// left of the marker, used to run past the frame over the value axis' title
/// and over the history. On real CloudWatch CPU (`5f5533`, a stepwise decline).
#[test]
fn a_floor_crossing_keeps_its_sentence_inside_the_frame() {
    let Some(path) = common::shared("data/nab/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv")
    else {
        return;
    };
    let series = read(path.to_str().unwrap());
    let p = prepare(&series[0], &RegulariseOptions::default(), &[]).unwrap();
    let settings = ForecastSettings {
        horizon: Some(Span::Seconds(2.0 * 86_400.0)),
        paths: 300,
        ..Default::default()
    };
    let answer = SaturationQuery::fixed(36.0, Direction::Down, settings)
        .and_then(|q| q.answer(&p))
        .unwrap();
    for (w, h) in [(1280, 720), (800, 500)] {
        let chart = ForecastChart::new(&p.series, &answer.forecast)
            .saturation(&answer.row)
            .size(w, h);
        let bytes = chart.render_png_bytes().unwrap();
        check_png(&bytes, Some((w, h)), 6, &format!("floor_5f5533_{w}.png"));
        let layout = chart.layout().unwrap();
        if w == 1280 {
            check_layout(&layout, "5f5533");
        } else {
            check_labels(&layout, "5f5533 narrow");
        }
        let (text, r) = &layout.labels[0];
        assert!(text.starts_with("crossing"), "{text}");
        // Not over the history it describes: few drawn pixels under it (on the
        // narrow chart the sentence spans the frame and crosses the band).
        let under = ink_in(&layout.bare, w, r);
        let area = ((r.x1 - r.x0) * (r.y1 - r.y0)) as usize;
        if w == 1280 {
            assert!(
                under * 20 < area,
                "the sentence covers {under} of {area} pixels"
            );
        }
    }
}

/// The burn-down of a budget that lasts: its fan runs along the top right,
/// where the legend used to be drawn.
#[test]
fn the_budget_legend_leaves_the_fan_alone() {
    use headroom::budget::{forecast_budget, BurnDownChart, SliGenerator, Slo, Window};
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, 1, 6, 0, 0, 0).unwrap();
    let sli = SliGenerator::new("lasts", start)
        .days(35.0)
        .error_ratio(0.0001)
        .generate()
        .unwrap()
        .sli()
        .unwrap();
    let slo = Slo::new(99.9, Window::rolling_days(30.0)).unwrap();
    let settings = ForecastSettings {
        model: "seasonal_naive".parse().unwrap(),
        paths: 200,
        ..Default::default()
    };
    let b = forecast_budget(&sli, &slo, &settings, &[]).unwrap();
    let chart = BurnDownChart::new(&b);
    let layout = chart.layout().unwrap();
    check_layout(&layout, "budget");
    let bytes = chart.render_png_bytes().unwrap();
    check_png(&bytes, Some((1280, 720)), 6, "budget_lasts.png");
}

/// A reliability point in the upper left (low predicted, often observed),
/// where the legend used to be drawn.
#[test]
fn the_reliability_legend_leaves_the_points_alone() {
    let answers: Vec<(f64, bool)> = [(0.05, 19), (0.5, 10), (0.95, 19)]
        .iter()
        .flat_map(|&(p, crossed)| (0..20).map(move |i| (p, i < crossed)))
        .collect();
    let scores = common::scores_of(&answers);
    let chart = ReliabilityChart::new().curve("miscalibrated", &scores);
    check_layout(&chart.layout().unwrap(), "reliability");
    let bytes = chart.render_png_bytes().unwrap();
    check_png(&bytes, Some((960, 900)), 6, "reliability_upper_left.png");
}

/// The value axis says what the values are: bytes from `--unit` or from a
/// `_bytes`/`_mb` name, in SI or binary prefixes as the capacity was written,
/// percentages; never `value` with `1.27k` for megabytes.
#[test]
fn the_value_axis_carries_the_unit() {
    let (p, f, row) = sample_row("log-01", 30.0, 500e9);
    let plain = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .layout()
        .unwrap();
    assert_eq!(plain.y_title, "value");
    assert!(
        plain.y_ticks.iter().any(|t| t == "500G"),
        "{:?}",
        plain.y_ticks
    );
    let bytes = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .unit("bytes")
        .layout()
        .unwrap();
    assert_eq!(bytes.y_title, "bytes");
    assert!(
        bytes.y_ticks.iter().all(|t| t.ends_with(" GB")),
        "{:?}",
        bytes.y_ticks
    );
    assert!(
        bytes.y_ticks.contains(&"500 GB".to_string()),
        "{:?}",
        bytes.y_ticks
    );
    assert!(bytes
        .legend_entries
        .contains(&"capacity 500 GB".to_string()));
    let binary = ForecastChart::new(&p.series, &f)
        .saturation(&row)
        .value_name("disk_used_bytes")
        .binary_units(true)
        .layout()
        .unwrap();
    assert_eq!(binary.y_title, "disk_used_bytes (bytes)");
    assert!(
        binary.y_ticks.iter().all(|t| t.ends_with(" GiB")),
        "{:?}",
        binary.y_ticks
    );
    // Megabytes named by the column: 1270 MB is 1.27 GB, not 1.27k.
    let mb: Vec<String> = ForecastChart::new(&p.series, &f)
        .value_name("mem_free_mb")
        .layout()
        .unwrap()
        .y_ticks;
    assert!(
        mb.iter().all(|t| t.ends_with(" PB") || t.ends_with(" TB")),
        "{mb:?}"
    );

    // Through the command line: a `_mb` column, then `--unit %` on the same
    // file; a unit that is empty is a wrong command line.
    let rows: String = (0..200)
        .map(|h| format!("host-1,{},{}\n", 1_704_067_200 + h * 3600, 1000 + 2 * h))
        .collect();
    let csv = out("mem_used_mb.csv");
    std::fs::write(&csv, format!("series,timestamp,mem_used_mb\n{rows}")).unwrap();
    let plot = |extra: &[&str], name: &str| {
        let png = out(name);
        let o = common::headroom(
            &[
                &["plot", "--input", csv.to_str().unwrap(), "--horizon", "2d"][..],
                &["--model", "linear_trend", "--output", png.to_str().unwrap()],
                extra,
            ]
            .concat(),
        );
        (o, png)
    };
    // A capacity in the data's unit (megabytes), written in binary: 2.5Ki MB.
    let (o, named) = plot(&["--capacity", "2.5Ki"], "unit_mb.png");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (o, flagged) = plot(&["--capacity", "2.5Ki", "--unit", "%"], "unit_pct.png");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The flag changes the chart (the axis, the capacity's words).
    assert_ne!(
        std::fs::read(named).unwrap(),
        std::fs::read(flagged).unwrap()
    );
    let (o, _) = plot(&["--unit", " "], "never.png");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Thirty days ahead of five-minute CloudWatch data with a daily season:
/// 12,600 steps over 1,100 pixels. Drawn as daily ranges and means, and the
/// legend says so; the forecast line is a line, not a blob (few pixels of its
/// colour per column). The hourly sample over 30 days stays as it was.
#[test]
fn a_dense_forecast_is_drawn_as_daily_envelopes() {
    let Some(path) = common::shared("data/nab/realAWSCloudwatch/grok_asg_anomaly.csv") else {
        return;
    };
    let series = read(path.to_str().unwrap());
    let p = prepare(
        &series[0],
        &RegulariseOptions::default(),
        &[Span::Seconds(86_400.0)],
    )
    .unwrap();
    let settings = ForecastSettings {
        horizon: Some(Span::Seconds(30.0 * 86_400.0)),
        model: "seasonal_naive".parse().unwrap(),
        paths: 100,
        ..Default::default()
    };
    let f = headroom::query::forecast_under(&p, &settings, &Default::default()).unwrap();
    let chart = ForecastChart::new(&p.series, &f);
    let layout = chart.layout().unwrap();
    assert_eq!(layout.envelope.as_deref(), Some("daily"));
    assert!(
        layout
            .legend_entries
            .iter()
            .any(|e| e == "forecast: daily mean, shaded min–max"),
        "{:?}",
        layout.legend_entries
    );
    check_layout(&layout, "grok");
    let bytes = chart.render_png_bytes().unwrap();
    check_png(&bytes, Some((1280, 720)), 6, "grok_30d.png");
    // The forecast's colour, exactly: its line (2 pixels) and the legend swatch.
    let plot = layout.plots[0];
    let blue = count_colour(&bytes, [8, 81, 156], 0);
    assert!(
        blue < 4 * (plot.x1 - plot.x0) as usize,
        "{blue} pixels of the forecast's colour: a blob"
    );
    let (p, f, _) = sample_row("log-01", 30.0, 500e9);
    let sparse = ForecastChart::new(&p.series, &f).layout().unwrap();
    assert_eq!(sparse.envelope, None);
}

/// The dot is the median crossing of the simulated futures; where the forecast
/// line itself crosses is marked too (a ring in the line's colour), and the
/// legend says which is which.
#[test]
fn both_crossings_are_marked_and_named() {
    let (p, f, row) = sample_row("log-01", 30.0, 500e9);
    let (median, line) = (row.p50_at.unwrap(), row.saturation_at.unwrap());
    assert_ne!(median, line, "the sample's two crossings differ");
    let chart = ForecastChart::new(&p.series, &f).saturation(&row);
    let layout = chart.layout().unwrap();
    for entry in [
        "median crossing date of the simulated futures",
        "where the forecast line crosses capacity",
    ] {
        assert!(layout.legend_entries.iter().any(|e| e == entry), "{entry}");
    }
    let at = |name: &str| layout.markers.iter().find(|m| m.0 == name).unwrap().1;
    let (dot, ring) = (at("median crossing"), at("forecast crossing"));
    assert_eq!((median < line), (dot.0 < ring.0));
    assert_ne!(dot.0, ring.0);
    let bytes = chart.render_png_bytes().unwrap();
    let (rgb, w, _) = pixels(&bytes);
    let px = |(x, y): (i32, i32)| {
        let i = 3 * (y as usize * w as usize + x as usize);
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    };
    assert_eq!(px(dot), [203, 24, 29], "the dot is the capacity's red");
    // The ring's stroke, 10 pixels above its centre, in the forecast's blue.
    let top = (ring.0, ring.1 - 10);
    let [r, g, b] = px(top);
    assert!(b > 120 && r < 80 && g < 120, "ring pixel {:?}", [r, g, b]);
}

/// The fleet's dots (each series' last observation), bars and median marks are
/// named in a legend line under the title, outside the rows.
#[test]
fn the_fleet_chart_names_its_marks() {
    let rows = sample_rows(500e9, 30.0, 300);
    let chart = FleetChart::new(&rows);
    let layout = chart.layout().unwrap();
    assert_eq!(
        layout.legend_entries,
        [
            "last observation",
            "10th to 90th percentile of the crossing date",
            "median crossing date"
        ]
    );
    let legend = layout.legends[0];
    assert!(
        !layout.plots[0].intersects(&legend),
        "the legend is on the rows"
    );
    check_layout(&layout, "fleet");
    assert!(
        layout.labels.iter().any(|(t, _)| t == "clear"),
        "{:?}",
        layout.labels
    );
}
