//! `headroom budget`.

use std::io::{IsTerminal, Write as _};
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use headroom::budget::rules::{prometheus_rules, RuleSpec, SliQuery};
use headroom::budget::{
    describe, find_series, forecast_budget, pair_series, write_budgets, BudgetForecast,
    BurnDownChart, EventUnit, Sli, Slo, Window,
};
use headroom::forecast::{IntervalMethod, ModelChoice};
use headroom::pipeline::{for_each_series, ForecastSettings, DEFAULT_PATHS};
use headroom::units::Span;
use headroom::{Error, RegularSeries, Series};

use super::args::{parse_intervals, parse_model, parse_span, InputArgs, OutputArg};
use super::{finish, open_output, read, regularise_options, Progress, Tally};

/// The shared input flags with `--input` optional: `--rules` reads no input.
pub struct OptionalInput(pub Option<InputArgs>);

impl clap::FromArgMatches for OptionalInput {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let given = |id| matches.try_contains_id(id).unwrap_or(false);
        if given("input") || given("prometheus") {
            InputArgs::from_arg_matches(matches).map(|a| OptionalInput(Some(a)))
        } else {
            Ok(OptionalInput(None))
        }
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for OptionalInput {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        InputArgs::augment_args(cmd).mut_arg("input", |a| {
            // Still required unless --prometheus (from InputArgs) or --rules.
            a.required_unless_present("rules")
                .help("Metric history to read (`-` for standard input); not needed with --rules")
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

#[derive(Args)]
pub struct BudgetArgs {
    #[command(flatten)]
    pub input: OptionalInput,
    /// Series (or CSV value column) of good events; `<service>/good` series give
    /// one row per service. Counters need --rate.
    #[arg(long, requires = "total", conflicts_with = "error_ratio")]
    pub good: Option<String>,
    /// Series (or CSV value column) of total events.
    #[arg(long, requires = "good")]
    pub total: Option<String>,
    /// Series (or CSV value column) of the error ratio (0 to 1), instead of
    /// --good and --total; every second then weighs the same.
    #[arg(long, required_unless_present = "good")]
    pub error_ratio: Option<String>,
    /// The objective in percent of good events, strictly between 0 and 100.
    #[arg(long, value_parser = parse_objective, allow_hyphen_values = true)]
    pub objective: f64,
    /// The rolling window (30d, 4w, 720h).
    #[arg(long, default_value = "30d", value_parser = parse_window)]
    pub window: Window,
    /// Use the calendar month (UTC) as the window instead: the budget resets on the 1st.
    #[arg(long, value_parser = ["month"])]
    pub calendar: Option<String>,
    /// Print Prometheus recording and alerting rules (YAML) for the SLO instead:
    /// --good and --total (or --error-ratio) are then Prometheus series selectors,
    /// and no input is read.
    #[arg(long)]
    pub rules: bool,
    /// The service's name: in the rules, and for series named exactly as --good and
    /// --total (default: the input file's name).
    #[arg(long)]
    pub service: Option<String>,
    /// Draw each service's burn-down to this PNG (with several services, the
    /// service's name is added before the extension, or replaces `{service}`).
    #[arg(long)]
    pub plot: Option<String>,
    /// Seasonal period as steps (24) or a duration (1d); repeat for several.
    /// Without it, daily and weekly periods are detected on the total events.
    #[arg(long = "season", value_parser = parse_span)]
    pub seasons: Vec<Span>,
    /// Model of the bad and total events: auto, or a model name (see docs/cli.md).
    #[arg(long, default_value = "auto", value_parser = parse_model)]
    pub model: ModelChoice,
    /// Intervals behind the simulated futures: auto, model or conformal.
    #[arg(long, default_value = "auto", value_parser = parse_intervals)]
    pub intervals: IntervalMethod,
    /// Futures simulated per service.
    #[arg(long, default_value_t = DEFAULT_PATHS)]
    pub paths: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
    #[command(flatten)]
    pub output: OutputArg,
}

fn parse_objective(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('%').trim().parse::<f64>() {
        Ok(o) if o > 0.0 && o < 100.0 => Ok(o),
        _ => Err(format!(
            "the objective is a percentage strictly between 0 and 100 (such as 99.9), got '{s}'"
        )),
    }
}

fn parse_window(s: &str) -> Result<Window, String> {
    s.parse::<Window>().map_err(|e| e.to_string())
}

impl BudgetArgs {
    fn slo(&self) -> Result<Slo, Error> {
        let window = match self.calendar.as_deref() {
            Some(_) => Window::CalendarMonth,
            None => self.window,
        };
        Slo::new(self.objective, window)
    }

    fn query(&self) -> Result<SliQuery, Error> {
        match (&self.good, &self.total, &self.error_ratio) {
            (Some(good), Some(total), None) => Ok(SliQuery::Events {
                good: good.clone(),
                total: total.clone(),
            }),
            (None, None, Some(ratio)) => Ok(SliQuery::ErrorRatio {
                ratio: ratio.clone(),
            }),
            _ => Err(Error::invalid("give --good and --total, or --error-ratio")),
        }
    }
}

pub fn run(a: BudgetArgs) -> Result<ExitCode, Error> {
    let slo = a.slo()?;
    if a.rules {
        return rules(&a, slo);
    }
    let Some(input) = &a.input.0 else {
        clap::Error::raw(
            clap::error::ErrorKind::MissingRequiredArgument,
            "headroom budget needs --input FILE (only --rules works without one)\n",
        )
        .exit();
    };
    let mut tally = Tally::default();
    let series = read(input, &mut tally)?;
    let default_service = match &a.service {
        Some(s) => s.clone(),
        None => input
            .input
            .as_deref()
            .and_then(|path| Path::new(path).file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty() && s != "-")
            .unwrap_or_else(|| "sli".to_string()),
    };
    let unit = if input.rate {
        EventUnit::PerSecond
    } else {
        EventUnit::PerStep
    };
    let regular = |s: &Series| -> Result<RegularSeries, Error> {
        let (r, report) = s.regularise(&regularise_options(input))?;
        if !report.is_clean() {
            eprintln!("headroom: {report}");
        }
        Ok(r)
    };
    let slis: Vec<(String, Result<Sli, Error>)> = match a.query()? {
        SliQuery::Events { good, total } => pair_series(&series, &good, &total, &default_service)
            .into_iter()
            .map(|(service, pair)| {
                let sli = pair.and_then(|(g, t)| {
                    if !input.rate && looks_like_counter(g) && looks_like_counter(t) {
                        eprintln!(
                            "headroom: {service}: good and total only grow, like counters; \
                             pass --rate if they are (they are read as counts per step)"
                        );
                    }
                    Sli::from_series(service.clone(), &regular(g)?, &regular(t)?, unit)
                });
                (service, sli)
            })
            .collect(),
        SliQuery::ErrorRatio { ratio } => find_series(&series, &ratio, &default_service)
            .into_iter()
            .map(|(service, s)| {
                let sli = regular(s).and_then(|r| Sli::from_error_ratio(service.clone(), &r));
                (service, sli)
            })
            .collect(),
    };
    if slis.is_empty() {
        let names: Vec<&str> = series.iter().map(|s| s.name()).take(12).collect();
        let wanted = match (&a.good, &a.total, &a.error_ratio) {
            (Some(g), Some(t), _) => format!("'{g}' and '{t}'"),
            (_, _, Some(r)) => format!("'{r}'"),
            _ => String::new(),
        };
        return Err(Error::invalid(format!(
            "{}: no series named {wanted} (or '<service>/{}'); the series are: {}",
            input.source(),
            a.good
                .as_deref()
                .or(a.error_ratio.as_deref())
                .unwrap_or("good"),
            names.join(", ")
        )));
    }
    let mut ready = Vec::new();
    for (service, sli) in slis {
        match sli {
            Ok(sli) => ready.push(sli),
            Err(e) => tally.fail(&service, &e),
        }
    }
    let settings = ForecastSettings {
        model: a.model,
        intervals: a.intervals,
        paths: a.paths.max(1),
        seed: a.seed,
        ..Default::default()
    };
    let progress = Progress::new(ready.len());
    let results = for_each_series(&ready, |sli| {
        let r = forecast_budget(sli, &slo, &settings, &a.seasons);
        progress.tick();
        r
    });
    let mut done: Vec<BudgetForecast> = Vec::new();
    for (sli, r) in ready.iter().zip(results) {
        match r {
            Ok(f) => {
                if f.status.coverage < 0.999 {
                    eprintln!(
                        "headroom: {}: the history covers {:.0} % of the window so far; the budget \
                         counts only the events it holds",
                        sli.service(),
                        100.0 * f.status.coverage
                    );
                }
                done.push(f);
            }
            Err(e) => tally.fail(sli.service(), &e),
        }
    }
    done.sort_by(|x, y| {
        let (x, y) = (&x.row, &y.row);
        match (x.exhausted_at, y.exhausted_at) {
            (Some(p), Some(q)) => p.cmp(&q),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| y.probability.total_cmp(&x.probability))
        .then_with(|| x.service.cmp(&y.service))
    });
    tally.ok = done.len();
    let rows: Vec<_> = done.iter().map(|f| f.row.clone()).collect();
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    write_budgets(&mut out, &rows)?;
    finish(out, path)?;
    if let Some(png) = &a.plot {
        for f in &done {
            let file = chart_path(png, &f.row.service, done.len());
            if let Err(e) = BurnDownChart::new(f).render_png(&file) {
                tally.ok -= 1;
                tally.fail(&f.row.service, &e);
            }
        }
    }
    if std::io::stdout().is_terminal() {
        if path.is_none() || path == Some("-") {
            println!();
        }
        for row in &rows {
            println!("{}", describe(row));
        }
    }
    Ok(tally.exit_code())
}

/// The PNG of one service: `{service}` replaced, or with several services the
/// name added before the extension.
fn chart_path(template: &str, service: &str, services: usize) -> String {
    let safe: String = service
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if template.contains("{service}") {
        return template.replace("{service}", &safe);
    }
    if services == 1 {
        return template.to_string();
    }
    match template.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => format!("{stem}-{safe}.{ext}"),
        _ => format!("{template}-{safe}"),
    }
}

/// Whether a raw series never decreases over most of its steps, as a counter
/// does between resets (per-step counts rise and fall with traffic).
fn looks_like_counter(s: &Series) -> bool {
    let v: Vec<f64> = s
        .values()
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if v.len() < 10 {
        return false;
    }
    let rising = v.windows(2).filter(|w| w[1] >= w[0]).count();
    rising as f64 >= 0.98 * (v.len() - 1) as f64 && v[v.len() - 1] > v[0]
}

fn rules(a: &BudgetArgs, slo: Slo) -> Result<ExitCode, Error> {
    let sli = a.query()?;
    let service = match &a.service {
        Some(s) => s.clone(),
        None => default_rule_service(&sli),
    };
    let yaml = prometheus_rules(&[RuleSpec { service, slo, sli }])?;
    let path = a.output.output.as_deref();
    let mut out = open_output(path)?;
    out.write_all(yaml.as_bytes()).map_err(|source| Error::Io {
        path: path.unwrap_or("<stdout>").into(),
        source,
    })?;
    finish(out, path)?;
    Ok(ExitCode::SUCCESS)
}

/// The service of rules without --service: the `job` (or `service`) label of the
/// total selector, else its metric name.
fn default_rule_service(sli: &SliQuery) -> String {
    let selector = match sli {
        SliQuery::Events { total, .. } => total,
        SliQuery::ErrorRatio { ratio } => ratio,
    };
    for label in ["service", "job"] {
        for opening in ['{', ','] {
            let key = format!("{opening}{label}=\"");
            if let Some(i) = selector.find(&key) {
                let rest = &selector[i + key.len()..];
                if let Some(end) = rest.find('"') {
                    return rest[..end].to_string();
                }
            }
        }
    }
    let name: String = selector.chars().take_while(|&c| c != '{').collect();
    if name.trim().is_empty() {
        "service".to_string()
    } else {
        name.trim().to_string()
    }
}
