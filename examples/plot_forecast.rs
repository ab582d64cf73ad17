//! The chart `headroom plot` draws, made through the library API: read the sample
//! data, forecast one host 30 days ahead, assess it against a 500 GB disk and draw
//! the PNG.
//!
//! ```sh
//! cargo run --example plot_forecast            # writes out/log-01.png
//! cargo run --example plot_forecast -- db-01   # another host
//! ```

use headroom::ingest::{read_path, ReadOptions};
use headroom::pipeline::{prepare, ForecastSettings};
use headroom::plot::ForecastChart;
use headroom::query::SaturationQuery;
use headroom::saturation::Direction;
use headroom::units::Span;
use headroom::RegulariseOptions;

fn main() -> headroom::Result<()> {
    let host = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "log-01".to_string());
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/data/disk_used.csv");
    let read = read_path(input, &ReadOptions::default())?;
    let series = read
        .series
        .iter()
        .find(|s| s.name() == host)
        .ok_or_else(|| headroom::Error::invalid(format!("no host {host} in {input}")))?;

    let prepared = prepare(
        series,
        &RegulariseOptions::default(),
        &[Span::Steps(24), Span::Steps(168)],
    )?;
    let settings = ForecastSettings {
        horizon: Some(Span::Seconds(30.0 * 86_400.0)),
        ..Default::default()
    };
    let answer = SaturationQuery::fixed(500e9, Direction::Up, settings)?.answer(&prepared)?;
    let (forecast, row) = (answer.forecast, answer.row);

    std::fs::create_dir_all("out").map_err(|source| headroom::Error::Io {
        path: "out".into(),
        source,
    })?;
    let path = format!("out/{host}.png");
    ForecastChart::new(&prepared.series, &forecast)
        .saturation(&row)
        .unit("bytes")
        .render_png(&path)?;
    println!(
        "{host}: {} (model {}), chart in {path}",
        row.status, forecast.model
    );
    Ok(())
}
