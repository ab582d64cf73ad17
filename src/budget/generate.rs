//! Realistic SLI series for trying error budgets: request counts with daily and
//! weekly cycles, a baseline error ratio, and incidents as bursts of failures.

use std::io::Write;

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc, Weekday};
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Binomial, Distribution, Poisson};
use serde::{Deserialize, Serialize};

use super::Sli;
use crate::error::{Error, Result};
use crate::output::{field, format_time};
use crate::series::{Series, Step};

/// A burst of failures: from `start`, for `steps` steps, `error_ratio` of the
/// requests fail (the baseline's failures included).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// When it begins (the step starting at or after this instant is the first).
    pub start: DateTime<Utc>,
    /// How many steps it lasts.
    pub steps: usize,
    /// The share of requests failing meanwhile (0 to 1).
    pub error_ratio: f64,
}

/// A generator of one service's good and total request counts per step.
///
/// Traffic is `requests_per_second` on average, times a daily cycle (a cosine
/// peaking at 15:00 UTC with relative amplitude `daily_amplitude`) and a weekly
/// one (weekends at `weekend_factor` of weekdays). The total of a step is drawn
/// from a Poisson distribution with that mean, its failures from a binomial
/// with the error ratio of the moment (the baseline, or an incident's). With
/// [`noiseless`](SliGenerator::noiseless) the counts are the means themselves,
/// for tests that need exact answers. The same seed gives the same counts.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use headroom::budget::SliGenerator;
/// let start = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
/// let g = SliGenerator::new("search", start).days(14.0).error_ratio(0.001).generate()?;
/// assert_eq!(g.total.len(), 14 * 24);
/// let (bad, total): (f64, f64) = (g.bad().iter().sum(), g.total.iter().sum());
/// assert!((bad / total - 0.001).abs() < 0.0002);
/// # Ok::<(), headroom::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SliGenerator {
    service: String,
    start: DateTime<Utc>,
    step: Step,
    days: f64,
    requests_per_second: f64,
    daily_amplitude: f64,
    weekend_factor: f64,
    error_ratio: f64,
    incidents: Vec<Incident>,
    seed: u64,
    noise: bool,
}

impl SliGenerator {
    /// A generator for `service` from `start`. Defaults: hourly steps, 60 days,
    /// 50 requests a second, daily amplitude 0.5, weekends at 0.7 of weekdays,
    /// baseline error ratio 0.0002 (a fifth of a 99.9 % budget), no incident,
    /// Poisson and binomial noise, seed 1.
    pub fn new(service: impl Into<String>, start: DateTime<Utc>) -> Self {
        SliGenerator {
            service: service.into(),
            start,
            step: Step::seconds(3600),
            days: 60.0,
            requests_per_second: 50.0,
            daily_amplitude: 0.5,
            weekend_factor: 0.7,
            error_ratio: 0.0002,
            incidents: Vec::new(),
            seed: 1,
            noise: true,
        }
    }

    /// The step between counts (default 1 hour).
    pub fn step(mut self, step: Step) -> Self {
        self.step = step;
        self
    }

    /// Days of history (default 60).
    pub fn days(mut self, days: f64) -> Self {
        self.days = days;
        self
    }

    /// Mean requests per second (default 50).
    pub fn requests_per_second(mut self, rps: f64) -> Self {
        self.requests_per_second = rps;
        self
    }

    /// Relative amplitude of the daily cycle, 0 to below 1 (default 0.5: from half
    /// the mean at 03:00 to one and a half times it at 15:00).
    pub fn daily_amplitude(mut self, amplitude: f64) -> Self {
        self.daily_amplitude = amplitude;
        self
    }

    /// Weekend traffic as a share of weekday traffic (default 0.7).
    pub fn weekend_factor(mut self, factor: f64) -> Self {
        self.weekend_factor = factor;
        self
    }

    /// The share of requests failing outside incidents (default 0.0002).
    pub fn error_ratio(mut self, ratio: f64) -> Self {
        self.error_ratio = ratio;
        self
    }

    /// Add an incident: from `start`, `steps` steps with `error_ratio` failing.
    pub fn incident(mut self, start: DateTime<Utc>, steps: usize, error_ratio: f64) -> Self {
        self.incidents.push(Incident {
            start,
            steps,
            error_ratio,
        });
        self
    }

    /// The seed of the noise (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Counts equal to their means, without noise.
    pub fn noiseless(mut self) -> Self {
        self.noise = false;
        self
    }

    fn check(&self) -> Result<()> {
        let ratio_ok = |r: f64| (0.0..=1.0).contains(&r);
        let problem = if !(self.requests_per_second > 0.0 && self.requests_per_second.is_finite()) {
            Some(format!(
                "requests per second must be positive, got {}",
                self.requests_per_second
            ))
        } else if !(0.0..1.0).contains(&self.daily_amplitude) {
            Some(format!(
                "the daily amplitude is between 0 and 1, got {}",
                self.daily_amplitude
            ))
        } else if !(self.weekend_factor > 0.0 && self.weekend_factor.is_finite()) {
            Some(format!(
                "the weekend factor must be positive, got {}",
                self.weekend_factor
            ))
        } else if !ratio_ok(self.error_ratio) {
            Some(format!(
                "the error ratio is between 0 and 1, got {}",
                self.error_ratio
            ))
        } else if let Some(i) = self.incidents.iter().find(|i| !ratio_ok(i.error_ratio)) {
            Some(format!(
                "an incident's error ratio is between 0 and 1, got {}",
                i.error_ratio
            ))
        } else if !(self.days > 0.0 && self.days.is_finite()) {
            Some(format!("days must be positive, got {}", self.days))
        } else if self.step.nominal_seconds() <= 0.0 {
            Some(format!("the step {} is not positive", self.step))
        } else {
            None
        };
        match problem {
            Some(p) => Err(Error::invalid(format!(
                "SLI generator {}: {p}",
                self.service
            ))),
            None => Ok(()),
        }
    }

    /// Mean requests per second at `t`.
    fn traffic(&self, t: DateTime<Utc>) -> f64 {
        let hour = t.hour() as f64 + t.minute() as f64 / 60.0;
        let daily =
            1.0 + self.daily_amplitude * ((hour - 15.0) / 24.0 * std::f64::consts::TAU).cos();
        let weekly = match t.weekday() {
            Weekday::Sat | Weekday::Sun => self.weekend_factor,
            _ => 1.0,
        };
        self.requests_per_second * daily * weekly
    }

    /// The error ratio of the step starting at `t`.
    fn error_ratio_at(&self, t: DateTime<Utc>) -> f64 {
        let step = TimeDelta::milliseconds((self.step.nominal_seconds() * 1000.0) as i64);
        self.incidents
            .iter()
            .filter(|i| {
                let first = i.start;
                let end = first + step * i.steps as i32;
                t >= first && t < end
            })
            .map(|i| i.error_ratio)
            .fold(self.error_ratio, f64::max)
    }

    /// Draw the series.
    pub fn generate(&self) -> Result<GeneratedSli> {
        self.check()?;
        let step_seconds = self.step.nominal_seconds();
        let steps = ((self.days * 86_400.0 / step_seconds) + 1e-9).floor() as usize;
        if steps == 0 {
            return Err(Error::invalid(format!(
                "SLI generator {}: {} days hold no step of {}",
                self.service, self.days, self.step
            )));
        }
        let mut rng = crate::forecast::rng(self.seed);
        let mut good = Vec::with_capacity(steps);
        let mut total = Vec::with_capacity(steps);
        for i in 0..steps {
            let t = self.step.advance(self.start, i as i64);
            let mean = self.traffic(t) * step_seconds;
            let ratio = self.error_ratio_at(t);
            let (n, bad) = if self.noise {
                let n = draw_poisson(&mut rng, mean)?;
                (n, draw_binomial(&mut rng, n, ratio)?)
            } else {
                (mean, mean * ratio)
            };
            good.push(n - bad);
            total.push(n);
        }
        Ok(GeneratedSli {
            service: self.service.clone(),
            start: self.start,
            step: self.step,
            good,
            total,
        })
    }
}

fn draw_poisson(rng: &mut Xoshiro256PlusPlus, mean: f64) -> Result<f64> {
    Poisson::new(mean)
        .map(|d| d.sample(rng))
        .map_err(|e| Error::invalid(format!("Poisson mean {mean}: {e}")))
}

fn draw_binomial(rng: &mut Xoshiro256PlusPlus, n: f64, p: f64) -> Result<f64> {
    Binomial::new(n as u64, p)
        .map(|d| d.sample(rng) as f64)
        .map_err(|e| Error::invalid(format!("binomial ({n}, {p}): {e}")))
}

/// Generated counts of one service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratedSli {
    /// The service.
    pub service: String,
    /// Timestamp of the first step.
    pub start: DateTime<Utc>,
    /// The step.
    pub step: Step,
    /// Good requests per step.
    pub good: Vec<f64>,
    /// Total requests per step.
    pub total: Vec<f64>,
}

impl GeneratedSli {
    /// Failed requests per step.
    pub fn bad(&self) -> Vec<f64> {
        self.total
            .iter()
            .zip(&self.good)
            .map(|(t, g)| t - g)
            .collect()
    }

    /// The counts as an [`Sli`].
    pub fn sli(&self) -> Result<Sli> {
        Sli::from_counts(
            self.service.clone(),
            self.start,
            self.step,
            &self.good,
            &self.total,
        )
    }

    /// The counts as two raw series, `<service>/good` and `<service>/total`, as
    /// the CSV reader names the columns of [`write_csv`](GeneratedSli::write_csv).
    pub fn series(&self) -> Result<(Series, Series)> {
        let times: Vec<DateTime<Utc>> = (0..self.total.len())
            .map(|i| self.step.advance(self.start, i as i64))
            .collect();
        Ok((
            Series::new(
                format!("{}/good", self.service),
                times.clone(),
                self.good.clone(),
            )?,
            Series::new(format!("{}/total", self.service), times, self.total.clone())?,
        ))
    }

    /// Write services as CSV `series,timestamp,good,total`: the layout
    /// `headroom budget --good good --total total` reads, one service per series.
    pub fn write_csv(w: &mut dyn Write, services: &[GeneratedSli]) -> Result<()> {
        let io = |source| Error::Io {
            path: "output".into(),
            source,
        };
        writeln!(w, "series,timestamp,good,total").map_err(io)?;
        for s in services {
            for (i, (g, t)) in s.good.iter().zip(&s.total).enumerate() {
                let at = format_time(s.step.advance(s.start, i as i64));
                writeln!(w, "{},{at},{g},{t}", field(&s.service)).map_err(io)?;
            }
        }
        Ok(())
    }
}
