//! The shared M4 sets as the examples and benchmarks read them: the folder of the
//! shared data, the Hourly long CSV, and the Weekly training file (one row per
//! series: its name, then its values), whose series M4 gives no dates for.

use std::path::{Path, PathBuf};

use chrono::{TimeDelta, TimeZone, Utc};

use crate::error::{Error, Result};
use crate::ingest::{read_path, ReadOptions};
use crate::series::Series;

/// The shared data folder: `HEADROOM_SHARED_DATA`, else `../shared/data` beside
/// the crate.
pub fn shared_data() -> PathBuf {
    std::env::var_os("HEADROOM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// The M4 Hourly training set (`m4/Hourly-train-long.csv` of the shared data).
pub fn hourly(shared: &Path) -> Result<Vec<Series>> {
    let path = shared.join("m4/Hourly-train-long.csv");
    let name = path.to_string_lossy().into_owned();
    Ok(read_path(&name, &ReadOptions::default())?.series)
}

/// The M4 Weekly training set (`m4/Weekly-train.csv` of the shared data), every
/// series starting on Monday 2000-01-03 with a 7-day step, as the shared
/// baselines lay it out (`../shared/baselines/m4_weekly_validation.md`).
pub fn weekly(shared: &Path) -> Result<Vec<Series>> {
    let path = shared.join("m4/Weekly-train.csv");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?;
    let start = Utc
        .with_ymd_and_hms(2000, 1, 3, 0, 0, 0)
        .single()
        .ok_or_else(|| Error::invalid("the M4 Weekly start date"))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let mut cells = line.split(',').map(|c| c.trim().trim_matches('"'));
        let name = cells.next().unwrap_or_default();
        let values = cells
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse::<f64>().map_err(|e| {
                    Error::invalid(format!("{}: line {}: '{c}': {e}", path.display(), i + 1))
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        let times = (0..values.len())
            .map(|k| start + TimeDelta::weeks(k as i64))
            .collect();
        out.push(Series::new(name, times, values)?);
    }
    Ok(out)
}

/// `series` without its last `holdout` values, and those values: the validation
/// split of the shared baselines. `None` when the series is not longer than that.
pub fn split(series: &Series, holdout: usize) -> Option<(Series, Vec<f64>)> {
    let n = series.len().checked_sub(holdout).filter(|&n| n >= 3)?;
    let head = Series::new(
        series.name(),
        series.timestamps()[..n].to_vec(),
        series.values()[..n].to_vec(),
    )
    .ok()?;
    Some((head, series.values()[n..].to_vec()))
}
