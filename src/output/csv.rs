//! CSV writers for the contract's outputs: inspect, forecast, decomposition and
//! saturation tables. Timestamps are RFC 3339 in UTC; missing numbers are empty
//! fields; numbers are written in Rust's shortest round-trip form.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::decompose::Decomposition;
use crate::error::{Error, Result};
use crate::evaluate::{Backtest, Scores};
use crate::forecast::Forecast;
use crate::forecast::ModelChoice;
use crate::saturation::Saturation;
use crate::series::{RegularSeries, RegularisationReport, Series};

/// One row of `headroom inspect`: what was read for one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// The series name.
    pub series: String,
    /// Observations kept (grid steps with a value).
    pub points: usize,
    /// First timestamp.
    pub first_timestamp: Option<DateTime<Utc>>,
    /// Last timestamp.
    pub last_timestamp: Option<DateTime<Utc>>,
    /// The inferred step in seconds (calendar months count 30.436875 days).
    pub step_seconds: f64,
    /// Grid steps with no value: gaps and missing markers.
    pub missing: usize,
    /// Timestamps that occurred more than once.
    pub duplicates: usize,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Labels as `key=value` pairs joined by `;`.
    pub labels: String,
}

impl Inspection {
    /// The inspection of a series from its regularisation report.
    pub fn new(series: &Series, report: &RegularisationReport) -> Self {
        let finite = series.values().iter().copied().filter(|v| !v.is_nan());
        let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        Inspection {
            series: series.name().to_string(),
            points: report.points,
            first_timestamp: report.first,
            last_timestamp: report.last,
            step_seconds: report.step.nominal_seconds(),
            missing: report.missing,
            duplicates: report.duplicates,
            min,
            max,
            labels: series
                .labels()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(";"),
        }
    }
}

/// A timestamp as RFC 3339 UTC with `Z`, with fractional seconds only when present.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The column suffix of a level: `80` for 80.0, `99.5` for 99.5.
pub fn level_label(level: f64) -> String {
    format!("{level}")
}

fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(format_time).unwrap_or_default()
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn io_error(e: std::io::Error) -> Error {
    Error::Io {
        path: "output".into(),
        source: e,
    }
}

fn write_row(w: &mut dyn Write, fields: &[String]) -> Result<()> {
    writeln!(w, "{}", fields.join(",")).map_err(io_error)
}

/// Write the inspect table.
pub fn write_inspections(w: &mut dyn Write, rows: &[Inspection]) -> Result<()> {
    let header = "series,points,first_timestamp,last_timestamp,step_seconds,missing,duplicates,min,max,labels";
    writeln!(w, "{header}").map_err(io_error)?;
    for r in rows {
        write_row(
            w,
            &[
                field(&r.series),
                r.points.to_string(),
                time(r.first_timestamp),
                time(r.last_timestamp),
                number(r.step_seconds),
                r.missing.to_string(),
                r.duplicates.to_string(),
                number(r.min),
                number(r.max),
                field(&r.labels),
            ],
        )?;
    }
    Ok(())
}

/// Write forecasts: `series,timestamp,forecast`, a `lower_L,upper_L` pair per level
/// in the order given, then `model`.
pub fn write_forecasts(w: &mut dyn Write, forecasts: &[Forecast], levels: &[f64]) -> Result<()> {
    write_forecast_header(w, levels)?;
    write_forecast_rows(w, forecasts, levels)
}

/// The header of [`write_forecasts`], for a writer that streams the rows.
pub fn write_forecast_header(w: &mut dyn Write, levels: &[f64]) -> Result<()> {
    let mut header = vec!["series".to_string(), "timestamp".into(), "forecast".into()];
    for &l in levels {
        header.push(format!("lower_{}", level_label(l)));
        header.push(format!("upper_{}", level_label(l)));
    }
    header.push("model".into());
    write_row(w, &header)
}

/// The rows of [`write_forecasts`], without the header.
pub fn write_forecast_rows(
    w: &mut dyn Write,
    forecasts: &[Forecast],
    levels: &[f64],
) -> Result<()> {
    for f in forecasts {
        let name = field(&f.series);
        let model = field(&f.model);
        for h in 0..f.horizon() {
            let mut row = vec![
                name.clone(),
                format_time(f.timestamps[h]),
                number(f.point[h]),
            ];
            for &l in levels {
                let interval = f.interval(l);
                row.push(interval.map(|i| number(i.lower[h])).unwrap_or_default());
                row.push(interval.map(|i| number(i.upper[h])).unwrap_or_default());
            }
            row.push(model.clone());
            write_row(w, &row)?;
        }
    }
    Ok(())
}

/// Write decompositions: `series,timestamp,value,trend,seasonal_<S>...,remainder`,
/// one seasonal column per period found in any series (empty where a series has no
/// such component); `value` and `remainder` are empty at interpolated steps. With
/// `weights`, a last column `robust_weight` holds the robustness weights (near 0
/// for points treated as outliers).
pub fn write_decompositions(
    w: &mut dyn Write,
    parts: &[(RegularSeries, Decomposition)],
    weights: bool,
) -> Result<()> {
    let periods = crate::decompose::all_periods(parts.iter().map(|(_, d)| d));
    let mut header = vec![
        "series".to_string(),
        "timestamp".into(),
        "value".into(),
        "trend".into(),
    ];
    header.extend(periods.iter().map(|p| format!("seasonal_{p}")));
    header.push("remainder".into());
    if weights {
        header.push("robust_weight".into());
    }
    write_row(w, &header)?;
    for (s, d) in parts {
        let name = field(s.name());
        let mut imputed = s.imputed().iter().peekable();
        for i in 0..s.len() {
            let missing = imputed.next_if_eq(&&i).is_some();
            let mut row = vec![
                name.clone(),
                format_time(s.timestamp(i)),
                if missing {
                    String::new()
                } else {
                    number(s.values()[i])
                },
                number(d.trend[i]),
            ];
            for p in &periods {
                let component = d.periods.iter().position(|q| q == p);
                row.push(
                    component
                        .map(|c| number(d.seasonal[c][i]))
                        .unwrap_or_default(),
                );
            }
            row.push(if missing {
                String::new()
            } else {
                number(d.remainder[i])
            });
            if weights {
                row.push(number(d.weights[i]));
            }
            write_row(w, &row)?;
        }
    }
    Ok(())
}

/// Write the saturation table in the order given (use
/// [`rank`](crate::saturation::rank) first): the contract's columns, then
/// `p10_at,p50_at,p90_at,time_left`, then `probability_by` and `capacity_needed`
/// when any row answers them, then `trust,trust_skill` when any row was
/// self-checked (`ok` or `low`, the Brier skill on its own history).
pub fn write_saturations(w: &mut dyn Write, rows: &[Saturation]) -> Result<()> {
    write_saturations_scenario(w, rows, None)
}

/// [`write_saturations`] with a last column `scenario` naming the what-if every
/// row answers ([`crate::scenario::Scenarios::label`]), when there is one.
pub fn write_saturations_scenario(
    w: &mut dyn Write,
    rows: &[Saturation],
    scenario: Option<&str>,
) -> Result<()> {
    let by = rows.iter().any(|r| r.probability_by.is_some());
    let needed = rows.iter().any(|r| r.capacity_needed.is_some());
    let checked = rows.iter().any(|r| r.self_check.is_some());
    let mut header = String::from(
        "series,capacity,status,last_timestamp,last_value,saturation_at,earliest_at,latest_at,probability,p10_at,p50_at,p90_at,time_left",
    );
    if by {
        header += ",probability_by";
    }
    if needed {
        header += ",capacity_needed";
    }
    if checked {
        header += ",trust,trust_skill";
    }
    if scenario.is_some() {
        header += ",scenario";
    }
    writeln!(w, "{header}").map_err(io_error)?;
    for r in rows {
        let mut row = vec![
            field(&r.series),
            number(r.capacity),
            r.status.to_string(),
            format_time(r.last_timestamp),
            number(r.last_value),
            time(r.saturation_at),
            time(r.earliest_at),
            time(r.latest_at),
            number(r.probability),
            time(r.p10_at),
            time(r.p50_at),
            time(r.p90_at),
            r.time_left().map(format_time_left).unwrap_or_default(),
        ];
        if by {
            row.push(r.probability_by.map(number).unwrap_or_default());
        }
        if needed {
            row.push(r.capacity_needed.map(number).unwrap_or_default());
        }
        if checked {
            let trust = r.self_check.map(|c| if c.trusted() { "ok" } else { "low" });
            row.push(trust.unwrap_or_default().to_string());
            row.push(r.self_check.map(|c| number(c.skill)).unwrap_or_default());
        }
        if let Some(label) = scenario {
            row.push(field(label));
        }
        write_row(w, &row)?;
    }
    Ok(())
}

/// Time left in whole days from two days on, whole hours from an hour on, whole
/// minutes below: `14d`, `36h`, `45m`; `0` when none is left (a saturated
/// series is at capacity now).
pub fn format_time_left(left: chrono::TimeDelta) -> String {
    let minutes = left.num_minutes().max(0);
    if left <= chrono::TimeDelta::zero() {
        "0".to_string()
    } else if minutes >= 48 * 60 {
        format!("{}d", (minutes as f64 / 1440.0).round() as i64)
    } else if minutes >= 60 {
        format!("{}h", (minutes as f64 / 60.0).round() as i64)
    } else {
        format!("{minutes}m")
    }
}

/// The series name of the rows that average every series (as M4 averages).
pub const OVERALL: &str = "(all)";

/// Write backtest scores: `series,model,windows,smape,mase,msis` and a
/// `coverage_L` column per level, one row per series and model (the mean over its
/// windows), then one row per model over all series, named [`OVERALL`].
pub fn write_backtests(
    w: &mut dyn Write,
    rows: &[Backtest],
    overall: &[(ModelChoice, Scores)],
    levels: &[f64],
) -> Result<()> {
    let mut header: Vec<String> = ["series", "model", "windows", "smape", "mase", "msis"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(
        levels
            .iter()
            .map(|l| format!("coverage_{}", level_label(*l))),
    );
    write_row(w, &header)?;
    let line = |series: &str, model: &ModelChoice, windows: usize, s: &Scores| -> Vec<String> {
        let mut row = vec![
            field(series),
            field(&model.to_string()),
            windows.to_string(),
            number(s.smape),
            number(s.mase),
            number(s.msis),
        ];
        row.extend(
            levels
                .iter()
                .map(|&l| s.coverage_at(l).map(number).unwrap_or_default()),
        );
        row
    };
    for b in rows {
        write_row(w, &line(&b.series, &b.model, b.windows.len(), &b.scores))?;
    }
    for (model, scores) in overall {
        let windows = rows
            .iter()
            .filter(|b| b.model == *model)
            .map(|b| b.windows.len())
            .sum();
        write_row(w, &line(OVERALL, model, windows, scores))?;
    }
    Ok(())
}

/// Write saturation backtest scores, one row per series and model, then one row
/// per model pooling every origin of every series, named [`OVERALL`]:
/// `series,model,origins,scored,crossings,brier,brier_skill,auc,hit_rate,
/// false_alarm_rate,p10_p90_coverage,band_coverage,date_mae_steps,mean_probability,
/// date_mae_hours` (the last the date error in hours, so series of different
/// steps compare and pool).
/// Shares are 0 to 1; a score that is undefined (AUC with one outcome only, hit
/// rate without crossings) is empty.
pub fn write_saturation_backtests(
    w: &mut dyn Write,
    rows: &[crate::evaluate::SaturationBacktest],
    overall: &[(ModelChoice, crate::evaluate::SaturationScores)],
) -> Result<()> {
    use crate::evaluate::SaturationScores;
    writeln!(
        w,
        "series,model,origins,scored,crossings,brier,brier_skill,auc,hit_rate,false_alarm_rate,p10_p90_coverage,band_coverage,date_mae_steps,mean_probability,date_mae_hours"
    )
    .map_err(io_error)?;
    let opt = |v: Option<f64>| v.map(number).unwrap_or_default();
    let line = |series: &str, model: &ModelChoice, origins: usize, s: &SaturationScores| {
        vec![
            field(series),
            field(&model.to_string()),
            origins.to_string(),
            s.cases.to_string(),
            s.crossings.to_string(),
            number(s.brier),
            opt(s.brier_skill),
            opt(s.auc),
            opt(s.hit_rate),
            opt(s.false_alarm_rate),
            opt(s.p10_p90_coverage),
            opt(s.band_coverage),
            opt(s.date_mae),
            number(s.mean_probability),
            opt(s.date_mae_seconds.map(|x| x / 3600.0)),
        ]
    };
    for b in rows {
        write_row(w, &line(&b.series, &b.model, b.cases.len(), &b.scores))?;
    }
    for (model, scores) in overall {
        let origins = rows
            .iter()
            .filter(|b| b.model == *model)
            .map(|b| b.cases.len())
            .sum();
        write_row(w, &line(OVERALL, model, origins, scores))?;
    }
    Ok(())
}

/// Write reliability tables, every bin of every series and model, then the pooled
/// ones named [`OVERALL`]: `series,model,bin_lower,bin_upper,count,events,
/// mean_probability,observed_frequency,observed_low_95,observed_high_95` (the last
/// two the Wilson 95 % interval of the observed frequency; empty bins have empty
/// means and frequencies).
pub fn write_reliability(
    w: &mut dyn Write,
    rows: &[crate::evaluate::SaturationBacktest],
    overall: &[(ModelChoice, crate::evaluate::SaturationScores)],
) -> Result<()> {
    writeln!(
        w,
        "series,model,bin_lower,bin_upper,count,events,mean_probability,observed_frequency,observed_low_95,observed_high_95"
    )
    .map_err(io_error)?;
    let tables = rows
        .iter()
        .map(|b| (b.series.as_str(), &b.model, &b.scores))
        .chain(overall.iter().map(|(m, s)| (OVERALL, m, s)));
    for (series, model, scores) in tables {
        for bin in &scores.reliability {
            let (low, high) = bin.observed_interval(95.0);
            write_row(
                w,
                &[
                    field(series),
                    field(&model.to_string()),
                    number(bin.lower),
                    number(bin.upper),
                    bin.count.to_string(),
                    bin.events.to_string(),
                    number(bin.mean_probability),
                    number(bin.observed_frequency()),
                    number(low),
                    number(high),
                ],
            )?;
        }
    }
    Ok(())
}

/// Write every origin of saturation backtests: the assessment as the `saturation`
/// table has it, then what happened: `series,model,last_timestamp,last_value,
/// capacity,status,probability,saturation_at,earliest_at,latest_at,p10_at,p50_at,
/// p90_at,actual_at,crossed,scored` (`crossed` and `scored` are `true` or `false`;
/// an origin already at capacity is not scored).
pub fn write_saturation_origins(
    w: &mut dyn Write,
    rows: &[crate::evaluate::SaturationBacktest],
) -> Result<()> {
    writeln!(
        w,
        "series,model,last_timestamp,last_value,capacity,status,probability,saturation_at,earliest_at,latest_at,p10_at,p50_at,p90_at,actual_at,crossed,scored"
    )
    .map_err(io_error)?;
    for b in rows {
        for c in &b.cases {
            let r = &c.assessment;
            write_row(
                w,
                &[
                    field(&b.series),
                    field(&b.model.to_string()),
                    format_time(r.last_timestamp),
                    number(r.last_value),
                    number(r.capacity),
                    r.status.to_string(),
                    number(r.probability),
                    time(r.saturation_at),
                    time(r.earliest_at),
                    time(r.latest_at),
                    time(r.p10_at),
                    time(r.p50_at),
                    time(r.p90_at),
                    time(c.actual_at),
                    c.actual_at.is_some().to_string(),
                    c.scored.to_string(),
                ],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Interval;
    use chrono::TimeZone;

    #[test]
    fn forecast_table_follows_the_contract() {
        let t = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
        let f = Forecast {
            series: "db,1".into(),
            model: "naive".into(),
            timestamps: vec![t],
            point: vec![1.5],
            intervals: vec![
                Interval {
                    level: 80.0,
                    lower: vec![1.0],
                    upper: vec![2.0],
                },
                Interval {
                    level: 95.0,
                    lower: vec![0.5],
                    upper: vec![2.5],
                },
            ],
        };
        let mut out = Vec::new();
        write_forecasts(&mut out, &[f], &[80.0, 95.0]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "series,timestamp,forecast,lower_80,upper_80,lower_95,upper_95,model\n\
             \"db,1\",2024-03-01T12:00:00Z,1.5,1,2,0.5,2.5,naive\n"
        );
    }

    #[test]
    fn labels_of_levels() {
        assert_eq!(level_label(80.0), "80");
        assert_eq!(level_label(99.5), "99.5");
    }
}
