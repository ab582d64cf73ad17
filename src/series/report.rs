//! What regularising a series did: the report behind the stderr note and the
//! report's cleaning line.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Step;

/// What [`Series::regularise`] did to a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegularisationReport {
    /// The series name.
    pub series: String,
    /// Rows read.
    pub rows: usize,
    /// Grid steps that received at least one value.
    pub points: usize,
    /// The grid step.
    pub step: Step,
    /// Whether the rows were already in time order.
    pub was_sorted: bool,
    /// Distinct timestamps that occurred more than once.
    pub duplicates: usize,
    /// Rows merged into another row of the same step (duplicates and snapped rows).
    pub merged_rows: usize,
    /// Rows whose timestamp was off the grid and moved to the nearest step.
    pub snapped: usize,
    /// Grid steps with no value (gaps and missing markers), before any filling.
    pub missing: usize,
    /// Runs of consecutive missing steps inside the series.
    pub gaps: usize,
    /// Length of the longest run of missing steps.
    pub longest_gap: usize,
    /// Missing steps filled by linear interpolation (holes not counted).
    pub filled: usize,
    /// Gaps longer than a season ([`crate::gaps::long_gap_limit`]), holes.
    #[serde(default)]
    pub long_gaps: usize,
    /// Missing steps in those long gaps.
    #[serde(default)]
    pub long_gap_steps: usize,
    /// Missing steps in closed hours, holes.
    #[serde(default)]
    pub closed_steps: usize,
    /// The opening hours found, in words (`Mon-Fri 07:00-21:00`).
    #[serde(default)]
    pub open_hours: Option<String>,
    /// Missing steps before the first or after the last value, removed.
    pub trimmed: usize,
    /// First timestamp of the regular series.
    pub first: Option<DateTime<Utc>>,
    /// Last timestamp of the regular series.
    pub last: Option<DateTime<Utc>>,
}

impl RegularisationReport {
    pub(super) fn new(series: &str, rows: usize, step: Step, was_sorted: bool) -> Self {
        RegularisationReport {
            series: series.to_string(),
            rows,
            points: 0,
            step,
            was_sorted,
            duplicates: 0,
            merged_rows: 0,
            snapped: 0,
            missing: 0,
            gaps: 0,
            longest_gap: 0,
            filled: 0,
            long_gaps: 0,
            long_gap_steps: 0,
            closed_steps: 0,
            open_hours: None,
            trimmed: 0,
            first: None,
            last: None,
        }
    }

    /// True when nothing had to be changed: sorted, no duplicates, on the grid, no
    /// missing steps.
    pub fn is_clean(&self) -> bool {
        self.was_sorted && self.merged_rows == 0 && self.snapped == 0 && self.missing == 0
    }
}

impl fmt::Display for RegularisationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "series {}: {} rows, step {}",
            self.series, self.rows, self.step
        )?;
        if !self.was_sorted {
            write!(f, ", sorted by time")?;
        }
        if self.duplicates > 0 {
            write!(
                f,
                ", {} duplicated timestamp(s) merged by their mean",
                self.duplicates
            )?;
        }
        if self.snapped > 0 {
            write!(
                f,
                ", {} off-grid row(s) moved to the nearest step",
                self.snapped
            )?;
        }
        let snapped_merges = self.merged_rows.saturating_sub(self.duplicates);
        if self.snapped > 0 && snapped_merges > 0 {
            write!(f, " ({snapped_merges} merged with a neighbour)")?;
        }
        if let Some(hours) = &self.open_hours {
            write!(
                f,
                ", opening hours {hours}: {} closed step(s) are not data (forecast on open \
                 steps only; --gaps fill to interpolate them)",
                self.closed_steps
            )?;
        }
        if self.long_gaps > 0 {
            write!(
                f,
                ", {} missing step(s) in {} gap(s) longer than a season not learnt from \
                 (drawn as gaps; --gaps fill to interpolate them)",
                self.long_gap_steps, self.long_gaps
            )?;
        }
        let holes = self.long_gaps > 0 || self.open_hours.is_some();
        if self.filled > 0 && holes {
            write!(
                f,
                ", {} other missing step(s) filled by linear interpolation",
                self.filled
            )?;
        } else if self.filled > 0 {
            write!(
                f,
                ", {} missing step(s) in {} gap(s) filled by linear interpolation (longest {})",
                self.filled, self.gaps, self.longest_gap
            )?;
        }
        if self.trimmed > 0 {
            write!(f, ", {} missing step(s) at the ends dropped", self.trimmed)?;
        }
        Ok(())
    }
}
