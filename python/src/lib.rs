//! `headroom._headroom`: the native half of the Python package.
//!
//! Bindings convert and delegate: every function here reads its options with the
//! crate's parsers (so a bad option gets the command line's message), releases the
//! GIL, runs the crate's per-series steps in parallel with each series failing
//! alone, and hands back the crate's result table ([`headroom::frame`]) column by
//! column, with the series that failed and the notes the command line would print
//! on standard error. The Python side (`headroom/__init__.py`) turns pandas or
//! polars frames into [`input::Batch`]es and the columns back into frames.

mod input;
mod output;

use std::panic::{catch_unwind, AssertUnwindSafe};

use headroom::capacity::{read_capacities, Capacities};
use headroom::decompose::StlOptions;
use headroom::evaluate::{backtest_models, backtest_prepared, overall_scores, Backtest};
use headroom::forecast::{Bounds, Forecast, IntervalMethod, ModelChoice, DEFAULT_LEVELS};
use headroom::frame::{
    backtests_table, decompositions_table, forecasts_table, inspections_table, saturations_table,
};
use headroom::output::Inspection;
use headroom::pipeline::{
    self, choose_series, decompose_prepared, for_each_series, prepare, ForecastSettings, Prepared,
    DEFAULT_PATHS,
};
use headroom::plot::ForecastChart;
use headroom::query::{forecast_under, QueryBuilder, SaturationQuery, DEFAULT_RISK};
use headroom::report::{build, ReportOptions};
use headroom::saturation::{rank, Deadline};
use headroom::scenario::Scenarios;
use headroom::units::{parse_horizon, parse_level, parse_risk, Span};
use headroom::{Error, GapPolicy, Series};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use input::{capacity_table, Batch, FRAME};
use output::Columns;

create_exception!(
    _headroom,
    HeadroomError,
    PyValueError,
    "An input or option headroom cannot use; the message is the command line's."
);

/// A crate error as the Python exception, with the command line's message.
pub(crate) fn to_py(e: Error) -> PyErr {
    HeadroomError::new_err(e.to_string())
}

/// Run one series' work; a panic fails that series instead of the whole call.
pub(crate) fn guarded<T>(name: &str, work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(Error::series(
            name,
            format!("internal error (please report it): {what}"),
        ))
    })
}

/// What a command hands back: the result columns, the number of results that
/// succeeded, the series that failed (`(series, message)`) and the notes.
type Outcome = (
    Vec<(String, &'static str, Py<PyAny>)>,
    usize,
    Vec<(String, String)>,
    Vec<String>,
);

/// Failures and notes of one call, starting with those of reading, and the
/// number of results kept.
struct Log {
    ok: usize,
    failed: Vec<(String, String)>,
    notes: Vec<String>,
}

impl Log {
    fn of(batch: &Batch) -> Log {
        Log {
            ok: 0,
            failed: batch.failed.clone(),
            notes: batch.notes.clone(),
        }
    }

    fn fail(&mut self, name: &str, error: &Error) {
        self.failed
            .push((name.to_string(), pipeline::failure_message(name, error)));
    }

    /// Keep the successes of `results` (one per item of `of`), logging the rest.
    fn keep<T, U>(
        &mut self,
        of: &[T],
        name: impl Fn(&T) -> &str,
        results: Vec<Result<U, Error>>,
    ) -> Vec<U> {
        let mut kept = Vec::with_capacity(results.len());
        for (item, r) in of.iter().zip(results) {
            match r {
                Ok(u) => kept.push(u),
                Err(e) => self.fail(name(item), &e),
            }
        }
        kept
    }

    fn outcome(self, py: Python<'_>, columns: Columns) -> PyResult<Outcome> {
        Ok((columns.into_py(py)?, self.ok, self.failed, self.notes))
    }
}

/// Regularise every series and settle its periods, as every command does first.
fn prepare_all(series: &[Series], batch: &Batch, seasons: &[Span], log: &mut Log) -> Vec<Prepared> {
    let results = for_each_series(series, |s| {
        guarded(s.name(), || prepare(s, &batch.regularise, seasons))
    });
    let prepared = log.keep(series, |s| s.name(), results);
    log.notes.extend(
        prepared
            .iter()
            .filter(|p| !p.report.is_clean())
            .map(|p| p.report.to_string()),
    );
    prepared
}

/// The model options every forecasting command shares, read as the flags are.
struct ModelOptions {
    seasons: Vec<Span>,
    levels: Vec<f64>,
    model: ModelChoice,
    intervals: IntervalMethod,
    bounds: Bounds,
}

impl ModelOptions {
    fn read(
        seasons: &[String],
        levels: Option<Vec<String>>,
        model: &str,
        intervals: &str,
        bounds: &str,
    ) -> Result<ModelOptions, Error> {
        let levels = match levels {
            Some(l) if !l.is_empty() => {
                l.iter().map(|l| parse_level(l)).collect::<Result<_, _>>()?
            }
            _ => DEFAULT_LEVELS.to_vec(),
        };
        Ok(ModelOptions {
            seasons: seasons
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()?,
            levels,
            model: model.parse()?,
            intervals: intervals.parse()?,
            bounds: bounds
                .parse()
                .map_err(|e: Error| Error::invalid(format!("bounds={e}")))?,
        })
    }

    fn settings(&self, horizon: Option<Span>) -> ForecastSettings {
        ForecastSettings {
            model: self.model,
            horizon,
            levels: self.levels.clone(),
            stl: StlOptions::default(),
            intervals: self.intervals,
            bounds: self.bounds,
            ..Default::default()
        }
    }
}

/// The inspect table.
#[pyfunction]
fn inspect(py: Python<'_>, batch: &Batch) -> PyResult<Outcome> {
    let mut log = Log::of(batch);
    let columns = py.detach(|| {
        let options = batch.regularise.with_gaps(GapPolicy::Interpolate);
        let results = for_each_series(&batch.series, |s| {
            guarded(s.name(), || s.regularise(&options)).map(|(_, r)| Inspection::new(s, &r))
        });
        let rows = log.keep(&batch.series, |s| s.name(), results);
        log.ok = rows.len();
        Columns::of(inspections_table(&rows))
    });
    log.outcome(py, columns)
}

/// Forecasts with intervals.
#[pyfunction]
#[pyo3(signature = (batch, horizon, seasons, levels, model, intervals, bounds="auto"))]
#[allow(clippy::too_many_arguments)]
fn forecast(
    py: Python<'_>,
    batch: &Batch,
    horizon: &str,
    seasons: Vec<String>,
    levels: Option<Vec<String>>,
    model: &str,
    intervals: &str,
    bounds: &str,
) -> PyResult<Outcome> {
    let horizon = parse_horizon(horizon).map_err(to_py)?;
    let options = ModelOptions::read(&seasons, levels, model, intervals, bounds).map_err(to_py)?;
    let mut log = Log::of(batch);
    let columns = py.detach(|| {
        let prepared = prepare_all(&batch.series, batch, &options.seasons, &mut log);
        let settings = options.settings(Some(horizon));
        let results = for_each_series(&prepared, |p| {
            guarded(p.series.name(), || pipeline::forecast(p, &settings))
        });
        let forecasts: Vec<Forecast> = log.keep(&prepared, |p| p.series.name(), results);
        log.ok = forecasts.len();
        Columns::of(forecasts_table(&forecasts, &settings.levels))
    });
    log.outcome(py, columns)
}

/// Trend, seasonal components and remainder.
#[pyfunction]
#[pyo3(signature = (batch, seasons, robust, stl))]
fn decompose(
    py: Python<'_>,
    batch: &Batch,
    seasons: Vec<String>,
    robust: bool,
    stl: &Bound<'_, PyDict>,
) -> PyResult<Outcome> {
    let seasons: Vec<Span> = seasons
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, Error>>()
        .map_err(to_py)?;
    let get = |key: &str| -> PyResult<Option<usize>> {
        stl.get_item(key)?.map(|v| v.extract()).transpose()
    };
    let degree =
        |key: &str| -> PyResult<Option<u8>> { stl.get_item(key)?.map(|v| v.extract()).transpose() };
    let options = StlOptions {
        seasonal_window: get("seasonal_window")?,
        trend_window: get("trend_window")?,
        low_pass_window: get("low_pass_window")?,
        seasonal_degree: degree("seasonal_degree")?,
        trend_degree: degree("trend_degree")?,
        low_pass_degree: degree("low_pass_degree")?,
        seasonal_jump: get("seasonal_jump")?,
        trend_jump: get("trend_jump")?,
        low_pass_jump: get("low_pass_jump")?,
        robust,
        inner_iter: get("inner_iter")?,
        outer_iter: get("outer_iter")?,
        coarse_jumps: false,
    };
    let mut log = Log::of(batch);
    let columns = py.detach(|| {
        let prepared = prepare_all(&batch.series, batch, &seasons, &mut log);
        let results = for_each_series(&prepared, |p| {
            guarded(p.series.name(), || decompose_prepared(p, &options))
        });
        let mut parts = Vec::new();
        for (p, r) in prepared.into_iter().zip(results) {
            match r {
                Ok(d) => {
                    log.notes.extend(d.notes);
                    parts.push((p.series, d.decomposition));
                }
                Err(e) => log.fail(p.series.name(), &e),
            }
        }
        log.ok = parts.len();
        Columns::of(decompositions_table(&parts, robust))
    });
    log.outcome(py, columns)
}

/// Where the capacities come from: one number, a table, or a `series,capacity`
/// CSV file read as `--capacities` reads it.
fn capacities(
    capacity: Option<String>,
    table: Option<std::collections::HashMap<String, String>>,
    path: Option<String>,
) -> Result<Capacities, Error> {
    match (capacity, table, path) {
        (Some(c), None, None) => c.parse(),
        (None, Some(t), None) => Ok(Capacities::PerSeries(capacity_table(t)?)),
        (None, None, Some(p)) => Ok(Capacities::PerSeries(read_capacities(&p)?)),
        (None, None, None) => Err(Error::invalid("capacity or capacities is required")),
        _ => Err(Error::invalid("give capacity or capacities, not both")),
    }
}

/// What-if scenarios, read as `--scenario` reads them.
fn read_scenarios(texts: &[String]) -> Result<Scenarios, Error> {
    let list = texts
        .iter()
        .map(|t| t.parse())
        .collect::<Result<_, Error>>()?;
    Ok(Scenarios(list))
}

/// The question `saturation`, `plot` and `report` ask, read from their options
/// as the command line reads its flags.
#[allow(clippy::too_many_arguments)]
fn question(
    capacities: Capacities,
    direction: &str,
    horizon: Option<&str>,
    by: Option<&str>,
    need_until: Option<&str>,
    risk: &str,
    scenarios: &[String],
    self_check: bool,
    options: &ModelOptions,
    paths: usize,
    seed: u64,
    pool_history: bool,
) -> Result<QueryBuilder, Error> {
    let horizon = horizon.map(parse_horizon).transpose()?;
    Ok(SaturationQuery::builder(capacities)
        .direction(direction.parse()?)
        .by(by.map(str::parse::<Deadline>).transpose()?)
        .need_until(need_until.map(str::parse::<Deadline>).transpose()?)
        .risk(parse_risk(risk)?)
        .scenarios(read_scenarios(scenarios)?)
        .self_check(self_check)
        .seasons(options.seasons.clone())
        .settings(ForecastSettings {
            paths,
            seed,
            pool_history,
            ..options.settings(horizon)
        }))
}

/// Answer `query` for every prepared series; a scenario that does not fit one
/// of them is a wrong option for the whole call.
fn answers(
    query: &SaturationQuery,
    prepared: &[Prepared],
    log: &mut Log,
) -> Result<Vec<headroom::query::Answer>, Error> {
    let results = for_each_series(prepared, |p| guarded(p.series.name(), || query.answer(p)));
    if let Some(Err(e)) = results
        .iter()
        .find(|r| matches!(r, Err(Error::InvalidArgument(_))))
    {
        return Err(Error::invalid(e.to_string()));
    }
    Ok(log.keep(prepared, |p| p.series.name(), results))
}

/// The saturation table, most urgent first.
#[pyfunction]
#[pyo3(signature = (batch, capacity, capacities_table, capacities_path, direction, horizon, by, need_until, risk, paths, seed, seasons, levels, model, intervals, scenarios=Vec::new(), bounds="auto", self_check=false, pool_history=true))]
#[allow(clippy::too_many_arguments)]
fn saturation(
    py: Python<'_>,
    batch: &Batch,
    capacity: Option<String>,
    capacities_table: Option<std::collections::HashMap<String, String>>,
    capacities_path: Option<String>,
    direction: &str,
    horizon: Option<&str>,
    by: Option<&str>,
    need_until: Option<&str>,
    risk: &str,
    paths: usize,
    seed: u64,
    seasons: Vec<String>,
    levels: Option<Vec<String>>,
    model: &str,
    intervals: &str,
    scenarios: Vec<String>,
    bounds: &str,
    self_check: bool,
    pool_history: bool,
) -> PyResult<Outcome> {
    let read = || -> Result<_, Error> {
        let limits = capacities(capacity, capacities_table, capacities_path)?;
        let options = ModelOptions::read(&seasons, levels, model, intervals, bounds)?;
        let query = question(
            limits,
            direction,
            horizon,
            by,
            need_until,
            risk,
            &scenarios,
            self_check,
            &options,
            paths,
            seed,
            pool_history,
        )?;
        Ok((query.build()?, options.seasons))
    };
    let (query, seasons) = read().map_err(to_py)?;
    let mut log = Log::of(batch);
    let columns = py.detach(|| {
        let prepared = prepare_all(&batch.series, batch, &seasons, &mut log);
        let mut rows: Vec<_> = answers(&query, &prepared, &mut log)?
            .into_iter()
            .map(|a| a.row)
            .collect();
        let names = batch.series.iter().map(|s| s.name());
        let unused = query.capacities().unused(names);
        if !unused.is_empty() {
            log.notes.push(format!(
                "capacities names {} series not in the input, ignored: {}",
                unused.len(),
                unused.join(", ")
            ));
        }
        rank(&mut rows);
        log.ok = rows.len();
        Ok(Columns::of(saturations_table(&rows)))
    });
    log.outcome(py, columns.map_err(to_py)?)
}

/// Rolling-origin scores per series and model, then over all series.
#[pyfunction]
#[pyo3(signature = (batch, horizon, seasons, levels, models, windows, bounds="auto"))]
#[allow(clippy::too_many_arguments)]
fn backtest(
    py: Python<'_>,
    batch: &Batch,
    horizon: &str,
    seasons: Vec<String>,
    levels: Option<Vec<String>>,
    models: Vec<String>,
    windows: usize,
    bounds: &str,
) -> PyResult<Outcome> {
    if windows == 0 {
        return Err(to_py(Error::invalid("--windows must be at least 1")));
    }
    let read = || -> Result<_, Error> {
        let horizon = parse_horizon(horizon)?;
        let options = ModelOptions::read(&seasons, levels, "auto", "auto", bounds)?;
        let models = models
            .iter()
            .map(|m| m.parse())
            .collect::<Result<Vec<ModelChoice>, Error>>()?;
        Ok((horizon, options, backtest_models(&models)))
    };
    let (horizon, options, models) = read().map_err(to_py)?;
    let mut log = Log::of(batch);
    let columns = py.detach(|| {
        let prepared = prepare_all(&batch.series, batch, &options.seasons, &mut log);
        let results = for_each_series(&prepared, |p| {
            guarded(p.series.name(), || {
                Ok(backtest_prepared(
                    p,
                    &models,
                    horizon,
                    windows,
                    &options.levels,
                    None,
                    options.bounds,
                ))
            })
        });
        let mut rows: Vec<Backtest> = Vec::new();
        for (p, r) in prepared.iter().zip(results) {
            match r {
                Ok(scored) => {
                    for (m, outcome) in models.iter().zip(scored) {
                        match outcome {
                            Ok(b) => rows.push(b),
                            Err(e) => log.fail(&format!("{} ({m})", p.series.name()), &e),
                        }
                    }
                }
                Err(e) => log.fail(p.series.name(), &e),
            }
        }
        log.ok = rows.len();
        let overall = overall_scores(&rows, &models);
        Columns::of(backtests_table(&rows, &overall, &options.levels))
    });
    log.outcome(py, columns)
}

/// A chart's PNG bytes, the series that failed and the notes.
type Chart = (Py<PyBytes>, Vec<(String, String)>, Vec<String>);

/// One series' forecast chart as PNG bytes, with the notes and failures.
#[pyfunction]
#[pyo3(signature = (batch, series, horizon, capacity, direction, seasons, levels, model, intervals, width, height, scenarios=Vec::new(), bounds="auto", self_check=false))]
#[allow(clippy::too_many_arguments)]
fn plot(
    py: Python<'_>,
    batch: &Batch,
    series: Option<&str>,
    horizon: &str,
    capacity: Option<String>,
    direction: &str,
    seasons: Vec<String>,
    levels: Option<Vec<String>>,
    model: &str,
    intervals: &str,
    width: u32,
    height: u32,
    scenarios: Vec<String>,
    bounds: &str,
    self_check: bool,
) -> PyResult<Chart> {
    let read = || -> Result<_, Error> {
        let options = ModelOptions::read(&seasons, levels, model, intervals, bounds)?;
        // Without a capacity the chart is the forecast alone, under the
        // scenarios; with one, the question's answer.
        let query = match capacity {
            Some(c) => Some(
                question(
                    c.parse()?,
                    direction,
                    Some(horizon),
                    None,
                    None,
                    &DEFAULT_RISK.to_string(),
                    &scenarios,
                    self_check,
                    &options,
                    DEFAULT_PATHS,
                    ForecastSettings::default().seed,
                    ForecastSettings::default().pool_history,
                )?
                .build()?,
            ),
            None => None,
        };
        let settings = options.settings(Some(parse_horizon(horizon)?));
        let scenarios = read_scenarios(&scenarios)?;
        let names: Vec<&str> = batch.series.iter().map(|s| s.name()).collect();
        // A series that could not be read: its reason, not "no series named".
        let unread = match series {
            Some(s) => batch.failed.iter().find(|(n, _)| n == s),
            None if names.is_empty() => batch.failed.first(),
            None => None,
        };
        if let Some((_, message)) = unread {
            return Err(Error::invalid(message.clone()));
        }
        let (chosen, note) = choose_series(&names, series, FRAME)?;
        Ok((query, settings, scenarios, options.seasons, chosen, note))
    };
    let (query, settings, scenarios, seasons, chosen, note) = read().map_err(to_py)?;
    let mut log = Log {
        ok: 0,
        failed: Vec::new(),
        notes: note.into_iter().collect(),
    };
    let png = py.detach(|| {
        let one = &batch.series[chosen];
        let prepared = prepare_all(std::slice::from_ref(one), batch, &seasons, &mut log);
        let Some(p) = prepared.first() else {
            let (_, message) = log.failed.first().cloned().unwrap_or_default();
            return Err(Error::invalid(message));
        };
        let s = &p.series;
        scenarios.check(
            s.name(),
            s.last_timestamp(),
            s.last_value(),
            direction.parse()?,
        )?;
        guarded(one.name(), || {
            let (f, row) = if let Some(query) = &query {
                let answer = query.answer(p)?;
                if let Some(caution) = answer.row.self_check.and_then(|c| c.caution()) {
                    log.notes
                        .push(format!("series {}: {caution}", answer.row.series));
                }
                let drawn = answer.drawn();
                (answer.forecast, Some(drawn))
            } else {
                (forecast_under(p, &settings, &scenarios)?, None)
            };
            let mut chart = ForecastChart::new(&p.series, &f).size(width, height);
            if let Some(row) = &row {
                chart = chart.saturation(row);
            }
            chart.render_png_bytes()
        })
    });
    let png = png.map_err(to_py)?;
    Ok((PyBytes::new(py, &png).unbind(), log.failed, log.notes))
}

/// The capacity report's HTML (`headroom report`), the series that failed and
/// the notes.
type Page = (String, Vec<(String, String)>, Vec<String>);

/// The capacity report as one self-contained HTML page.
#[pyfunction]
#[pyo3(signature = (batch, capacity, capacities_table, capacities_path, direction, horizon, by, need_until, risk, paths, seed, seasons, levels, model, intervals, scenarios, charts, trust_windows, title, bounds="auto", self_check=false))]
#[allow(clippy::too_many_arguments)]
fn report(
    py: Python<'_>,
    batch: &Batch,
    capacity: Option<String>,
    capacities_table: Option<std::collections::HashMap<String, String>>,
    capacities_path: Option<String>,
    direction: &str,
    horizon: Option<&str>,
    by: Option<&str>,
    need_until: Option<&str>,
    risk: &str,
    paths: usize,
    seed: u64,
    seasons: Vec<String>,
    levels: Option<Vec<String>>,
    model: &str,
    intervals: &str,
    scenarios: Vec<String>,
    charts: usize,
    trust_windows: usize,
    title: String,
    bounds: &str,
    self_check: bool,
) -> PyResult<Page> {
    let read = || -> Result<_, Error> {
        let limits = capacities(capacity, capacities_table, capacities_path)?;
        let model_options = ModelOptions::read(&seasons, levels, model, intervals, bounds)?;
        let query = question(
            limits,
            direction,
            horizon,
            by,
            need_until,
            risk,
            &scenarios,
            self_check,
            &model_options,
            paths,
            seed,
            ForecastSettings::default().pool_history,
        )?
        .build()?;
        let mut options = ReportOptions::new(query);
        options.charts = charts;
        options.trust_windows = trust_windows;
        options.title = title;
        options.source = FRAME.to_string();
        Ok((options, model_options.seasons))
    };
    let (options, seasons) = read().map_err(to_py)?;
    let mut log = Log::of(batch);
    let html = py.detach(|| {
        let prepared = prepare_all(&batch.series, batch, &seasons, &mut log);
        let page = guarded("(report)", || {
            let built = build(&prepared, log.failed.clone(), &options)?;
            Ok((built.to_html()?, built.failures))
        })?;
        log.failed = page.1;
        Ok::<_, Error>(page.0)
    });
    Ok((html.map_err(to_py)?, log.failed, log.notes))
}

/// The columns of a command's result, `[(name, kind)]`, as an empty result has
/// them (the Spark schema): `forecast` with its levels, `saturation`.
#[pyfunction]
#[pyo3(signature = (command, levels=None))]
fn result_columns(command: &str, levels: Option<Vec<String>>) -> PyResult<Vec<(String, String)>> {
    let options = ModelOptions::read(&[], levels, "auto", "auto", "auto").map_err(to_py)?;
    let table = match command {
        "forecast" => forecasts_table(&[], &options.levels),
        "saturation" => saturations_table(&[]),
        other => {
            return Err(to_py(Error::invalid(format!(
                "no result columns for {other}"
            ))))
        }
    };
    Ok(Columns::of(table)
        .kinds()
        .into_iter()
        .map(|(n, k)| (n, k.to_string()))
        .collect())
}

/// The crate's own time, in seconds, for the benchmark's reference: prepare and
/// forecast (or assess against `capacity`) every series of the batch in parallel,
/// as the commands do, with no conversion to or from frames.
#[pyfunction]
#[pyo3(signature = (batch, horizon, seasons, model, capacity=None))]
fn crate_seconds(
    py: Python<'_>,
    batch: &Batch,
    horizon: Option<&str>,
    seasons: Vec<String>,
    model: &str,
    capacity: Option<f64>,
) -> PyResult<f64> {
    let horizon = horizon.map(parse_horizon).transpose().map_err(to_py)?;
    let options = ModelOptions::read(&seasons, None, model, "auto", "auto").map_err(to_py)?;
    let settings = options.settings(horizon);
    Ok(py.detach(|| {
        let start = std::time::Instant::now();
        let prepared: Vec<Prepared> = for_each_series(&batch.series, |s| {
            prepare(s, &batch.regularise, &options.seasons)
        })
        .into_iter()
        .flatten()
        .collect();
        match capacity {
            None => {
                let done = for_each_series(&prepared, |p| pipeline::forecast(p, &settings));
                std::hint::black_box(done);
            }
            Some(c) => {
                let Ok(query) = SaturationQuery::builder(Capacities::fixed(c))
                    .settings(settings)
                    .build()
                else {
                    return f64::NAN;
                };
                let mut rows: Vec<_> = query
                    .answer_all(&prepared)
                    .into_iter()
                    .flatten()
                    .map(|a| a.row)
                    .collect();
                rank(&mut rows);
                std::hint::black_box(rows);
            }
        }
        start.elapsed().as_secs_f64()
    }))
}

/// The command line's defaults, for the Python signatures to be checked against.
#[pyfunction]
fn defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let f = ForecastSettings::default();
    d.set_item("levels", f.levels)?;
    d.set_item("paths", DEFAULT_PATHS)?;
    d.set_item("seed", f.seed)?;
    d.set_item("risk", DEFAULT_RISK)?;
    d.set_item(
        "windows",
        headroom::evaluate::BacktestSettings::default().windows,
    )?;
    d.set_item("model", ModelChoice::Auto.to_string())?;
    d.set_item("intervals", "auto")?;
    d.set_item("direction", "up")?;
    d.set_item("gaps", "auto")?;
    d.set_item("agg", "mean")?;
    d.set_item("bounds", "auto")?;
    d.set_item(
        "duplicates",
        headroom::ingest::Duplicates::default().to_string(),
    )?;
    Ok(d)
}

#[pymodule]
fn _headroom(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("HeadroomError", m.py().get_type::<HeadroomError>())?;
    m.add_class::<Batch>()?;
    m.add_function(wrap_pyfunction!(input::layout, m)?)?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add_function(wrap_pyfunction!(forecast, m)?)?;
    m.add_function(wrap_pyfunction!(decompose, m)?)?;
    m.add_function(wrap_pyfunction!(saturation, m)?)?;
    m.add_function(wrap_pyfunction!(backtest, m)?)?;
    m.add_function(wrap_pyfunction!(plot, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(defaults, m)?)?;
    m.add_function(wrap_pyfunction!(result_columns, m)?)?;
    m.add_function(wrap_pyfunction!(crate_seconds, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
