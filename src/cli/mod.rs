//! The commands' glue: each file parses one command's flags and calls the library;
//! this one holds what they share (reading the input, preparing series, progress,
//! the exit-status tally and output files).

pub mod args;
pub mod backtest;
pub mod budget;
pub mod decompose;
pub mod forecast;
#[cfg(test)]
mod fuzz_args;
pub mod inspect;
pub mod live;
pub mod plot;
pub mod report;
pub mod saturation;
pub mod serve;
pub mod stream;

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use headroom::capacity::{read_capacities, Capacities};
use headroom::decompose::StlOptions;
use headroom::forecast::DEFAULT_LEVELS;
use headroom::ingest::{read_path, Ingested};
use headroom::pipeline::{
    self, failure_message, for_each_series, prepare, ForecastSettings, Prepared,
};
use headroom::query::{QueryBuilder, SaturationQuery};

use headroom::units::Span;
use headroom::{Error, RegulariseOptions, Series};

use args::{CapacityArgs, InputArgs, ModelArgs, QuestionArgs};

/// How a run ended: series written, series failed, and series not answered
/// because the input stopped in the middle of them.
#[derive(Default)]
pub struct Tally {
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Each failed series with its message, for the report's list.
    pub failures: Vec<(String, String)>,
}

impl Tally {
    pub fn fail(&mut self, name: &str, error: &Error) {
        self.failed += 1;
        let message = failure_message(name, error);
        eprintln!("headroom: {message}");
        self.failures.push((name.to_string(), message));
    }

    pub fn exit_code(&self) -> ExitCode {
        match (self.ok, self.failed + self.skipped) {
            (0, _) => ExitCode::from(1),
            (_, 0) => ExitCode::SUCCESS,
            _ => ExitCode::from(3),
        }
    }
}

/// Read the input; report series that could not be read and what the reader
/// dropped; then turn counters into rates and resample, as asked.
pub fn read(input: &InputArgs, tally: &mut Tally) -> Result<Vec<Series>, Error> {
    let options = input.read_options();
    let Ingested {
        series,
        failed,
        notes,
        ..
    } = match &input.live.prometheus {
        Some(_) => {
            let mut read = live::read(&input.live, input.step)?;
            if let Some(since) = input.since {
                since.apply_all(&mut read);
            }
            read
        }
        None => read_path(input.source(), &options)?,
    };
    for note in &notes {
        eprintln!("headroom: {}: {note}", input.source());
    }
    for (name, e) in &failed {
        tally.fail(name, e);
    }
    let hygiene = input.hygiene();
    if hygiene.is_identity() {
        return Ok(series);
    }
    let mut cleaned = Vec::with_capacity(series.len());
    for (s, r) in series
        .iter()
        .zip(for_each_series(&series, |s| hygiene.apply(s)))
    {
        match r {
            Ok((s, report)) => {
                eprintln!("headroom: {report}");
                cleaned.push(s);
            }
            Err(e) => tally.fail(s.name(), &e),
        }
    }
    Ok(cleaned)
}

pub fn regularise_options(input: &InputArgs) -> RegulariseOptions {
    pipeline::regularise_options(input.gaps, input.step)
}

/// Prepare one series, with what regularisation did as a line for standard error
/// when it changed anything.
pub fn prepare_one(
    s: &Series,
    input: &InputArgs,
    seasons: &[Span],
) -> (Vec<String>, Result<Prepared, Error>) {
    noted(prepare(s, &regularise_options(input), seasons))
}

/// A prepared series with what regularisation did, as a line for standard
/// error when it changed anything.
pub fn noted(prepared: Result<Prepared, Error>) -> (Vec<String>, Result<Prepared, Error>) {
    match prepared {
        Ok(p) => (notes_of(&p), Ok(p)),
        r => (Vec::new(), r),
    }
}

/// The lines for standard error about what preparing a series did: the
/// regularisation report when it changed anything, then what the models see
/// when it is not the whole series.
pub fn notes_of(p: &Prepared) -> Vec<String> {
    let modelling = p.notes.iter().map(|n| format!("headroom: {n}"));
    if p.report.is_clean() {
        return modelling.collect();
    }
    let view = p.view.iter().map(|v| format!("headroom: {}", v.note));
    std::iter::once(format!("headroom: {}", p.report))
        .chain(view)
        .chain(modelling)
        .collect()
}

/// The saturation question of `saturation`, `report` and `plot`, from their
/// flags (built by the caller, after any option of its own).
pub fn query(
    limit: &CapacityArgs,
    question: &QuestionArgs,
    scenario: &args::ScenarioArgs,
    model: &ModelArgs,
    input: &InputArgs,
) -> Result<QueryBuilder, Error> {
    let capacities = match (&limit.capacities, limit.capacity) {
        (Some(path), _) => Capacities::PerSeries(read_capacities(path)?),
        (None, Some(rule)) => Capacities::All(rule),
        (None, None) => return Err(Error::invalid("--capacity or --capacities is required")),
    };
    Ok(SaturationQuery::builder(capacities)
        .direction(question.direction)
        .by(question.by)
        .need_until(question.need_until)
        .risk(question.risk)
        .scenarios(scenario.scenarios())
        .seasons(model.seasons.clone())
        .regularise(regularise_options(input))
        .settings(ForecastSettings {
            paths: question.paths,
            seed: question.seed,
            all_paths: question.all_paths,
            adaptive_paths: question.adaptive_paths,
            pool_history: question.pool_history,
            ..settings(model, question.horizon)
        }))
}

/// Say which rows of a capacities table name no series that was read: a typo
/// there otherwise leaves a series silently without its limit.
pub fn warn_unused_capacities<'a>(
    capacities: &Capacities,
    series: impl IntoIterator<Item = &'a str>,
) {
    let unused = capacities.unused(series);
    if !unused.is_empty() {
        let shown: Vec<String> = unused.iter().take(10).map(|n| format!("'{n}'")).collect();
        let more = match unused.len() {
            n if n > 10 => format!(" and {} more", n - 10),
            _ => String::new(),
        };
        eprintln!(
            "headroom: --capacities names {} series not in the input, ignored: {}{more}",
            unused.len(),
            shown.join(", ")
        );
    }
}

/// Prepare every series in parallel, print what regularisation did, and keep the
/// series that could be prepared.
pub fn prepare_all(
    series: &[Series],
    input: &InputArgs,
    seasons: &[Span],
    tally: &mut Tally,
) -> Vec<Prepared> {
    let options = regularise_options(input);
    let results = for_each_series(series, |s| prepare(s, &options, seasons));
    let mut prepared = Vec::with_capacity(results.len());
    for (s, r) in series.iter().zip(results) {
        match r {
            Ok(p) => {
                for line in notes_of(&p) {
                    eprintln!("{line}");
                }
                prepared.push(p);
            }
            Err(e) => tally.fail(s.name(), &e),
        }
    }
    prepared
}

/// A count of finished series on standard error, redrawn in place, when standard
/// error is a terminal and there are several series.
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    shown: bool,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            done: AtomicUsize::new(0),
            shown: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    pub fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.shown {
            let end = if done == self.total { "\n" } else { "" };
            eprint!("\rheadroom: {done}/{} series{end}", self.total);
        }
    }
}

pub fn open_output(path: Option<&str>) -> Result<Box<dyn Write>, Error> {
    match path {
        None | Some("-") => Ok(Box::new(BufWriter::new(std::io::stdout().lock()))),
        Some(p) => {
            let file = File::create(p).map_err(|source| Error::Io {
                path: p.into(),
                source,
            })?;
            Ok(Box::new(BufWriter::new(file)))
        }
    }
}

pub fn finish(mut out: Box<dyn Write>, path: Option<&str>) -> Result<(), Error> {
    out.flush().map_err(|source| Error::Io {
        path: path.unwrap_or("<stdout>").into(),
        source,
    })
}

pub fn settings(model: &ModelArgs, horizon: Option<Span>) -> ForecastSettings {
    ForecastSettings {
        model: model.model,
        horizon,
        levels: if model.levels.is_empty() {
            DEFAULT_LEVELS.to_vec()
        } else {
            model.levels.clone()
        },
        stl: StlOptions::default(),
        intervals: model.intervals,
        bounds: model.bounds,
        ..Default::default()
    }
}
