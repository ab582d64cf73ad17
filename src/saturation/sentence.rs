//! The terminal sentence of a saturation row: what the table says, in words.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::{Saturation, Status};

/// One sentence a person reads, saying what the row says: its status first, then
/// when, how sure, and the answers to the questions.
///
/// `db-03 (crossing): reaches 500G around 14 Mar 2025 09:00 (80 % between 9 Mar
/// 2025 02:00 and 22 Mar 2025 17:00); 62 % chance by the date asked.`
pub fn describe(row: &Saturation) -> String {
    let day = |t: DateTime<Utc>| t.format("%-d %b %Y %H:%M").to_string();
    let cap = crate::units::si(row.capacity);
    let percent = crate::units::probability_words;
    let chance = || {
        format!(
            "a {} chance of reaching {cap} within the horizon",
            percent(row.probability)
        )
    };
    let said = match (row.status, row.p50_at) {
        (Status::Saturated, _) => {
            // Saturated means reached in the row's direction: the last value is
            // at capacity or beyond it on the capacity side.
            let side = match row.last_value.total_cmp(&row.capacity) {
                Ordering::Equal => "at",
                Ordering::Greater => "above",
                Ordering::Less => "below",
            };
            format!(
                "last value {}, already {side} the capacity {cap}",
                crate::units::si(row.last_value)
            )
        }
        (_, Some(median)) => {
            let range = match (row.p10_at, row.p90_at) {
                (Some(a), Some(b)) => format!(" (80 % between {} and {})", day(a), day(b)),
                (Some(a), None) => format!(
                    " (10 % by {}, {} within the horizon)",
                    day(a),
                    percent(row.probability)
                ),
                _ => String::new(),
            };
            match row.saturation_at {
                Some(_) => format!("reaches {cap} around {}{range}", day(median)),
                // The forecast line itself stays short: say what does reach it.
                None => format!(
                    "half the simulated futures reach {cap} by {}{range}; the point forecast does not within the horizon",
                    day(median)
                ),
            }
        }
        (Status::Crossing | Status::Possible, None) if row.probability > 0.0 => chance(),
        (Status::Possible, None) => match row.earliest_at.or(row.saturation_at) {
            Some(t) => format!(
                "no simulated future reaches {cap} within the horizon, but the widest band does from {}",
                day(t)
            ),
            None => chance(),
        },
        _ => format!("stays clear of {cap} within the horizon"),
    };
    let mut text = format!("{} ({}): {said}", row.series, row.status);
    if let Some(p) = row.probability_by {
        text += &format!("; {} chance by the date asked", percent(p));
    }
    if let Some(c) = row.capacity_needed {
        text += &format!(
            "; {} needed to stay under the risk asked",
            crate::units::si(c)
        );
    }
    if let Some(check) = row.self_check.filter(|c| !c.trusted()) {
        text += &format!(
            "; trust this probability little: on its own history it did worse than \
             climatology (skill {:.2} on {} origins)",
            check.skill, check.origins
        );
    }
    text + "."
}
