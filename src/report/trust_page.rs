//! The page's "can you trust this?" section, and the caution its scores put on
//! the headline: the saturation backtest on the fleet's own history, in words
//! that match its numbers (a skill below zero said as such, one outcome only
//! said to be nothing to score).

use super::html::{escape, horizon_used, image, percent};
use super::{Report, Trust};
use crate::error::Result;
use crate::evaluate::SaturationScores;
use crate::plot::ReliabilityChart;
use crate::saturation::Direction;

/// The caution a probability in the headline needs when the fleet's own past
/// says such probabilities did worse than always answering the base rate.
pub(super) fn skill_caution(report: &Report) -> Option<String> {
    let Trust::Scored { scores, .. } = &report.trust else {
        return None;
    };
    let skill = scores.brier_skill.filter(|s| *s < 0.0)?;
    Some(format!(
        "Caution: on this fleet's own past these probabilities did worse than always saying \
         the base rate, {} (Brier skill {skill:.2}; see “Can you trust this?”): read them as the \
         model's view, not as a measured chance.",
        percent(base_rate(scores))
    ))
}

/// The share of the scored past answers whose series reached the limit.
fn base_rate(scores: &SaturationScores) -> f64 {
    scores.crossings as f64 / scores.cases.max(1) as f64
}

/// "Can you trust this": the saturation backtest on the fleet's own history.
pub(super) fn trust_section(report: &Report) -> Result<String> {
    let mut h = String::from("<h2 id=\"trust\">Can you trust this?</h2>\n");
    let (scores, own, series, skipped) = match &report.trust {
        Trust::Skipped(why) => {
            return Ok(h + &format!(
                "<p>The backtest was skipped: {}.</p>\n",
                escape(why.trim_end_matches('.'))
            ))
        }
        Trust::Scored {
            scores,
            own_capacity,
            series,
            skipped,
        } => (scores, *own_capacity, *series, skipped),
    };
    h += &format!(
        "<p>The same answer was computed as of {} earlier date{} in the history of {series}{} series \
         (each with the {} that followed kept back) and compared with what happened.{}</p>\n",
        scores.cases,
        if scores.cases == 1 { "" } else { "s" },
        if series < report.series.len() {
            format!(" (spread over the fleet) of the {}", report.series.len())
        } else {
            String::new()
        },
        horizon_used(report).0,
        if report.options.query.scenarios().is_empty() {
            ""
        } else {
            " The past had no such what-if, so this scores the forecast without the scenario."
        }
    );
    let halfway = match report.options.query.direction() {
        Direction::Up => "a limit halfway between the peak so far and the peak that followed",
        Direction::Down => "a limit halfway between the low so far and the low that followed",
    };
    if scores.crossings == 0 || scores.crossings == scores.cases {
        h += &nothing_to_score(scores, own, halfway);
        h += &not_backtested(skipped);
        return Ok(h);
    }
    if !own {
        h += &format!(
            "<p>No past stretch reached the real capacity (or every one did), which would leave \
             one outcome to score. So each earlier date was given {halfway} (the rule of the M4 \
             saturation benchmark): {} of the {} stretches passed it, and the scores say whether \
             the probabilities told them apart.</p>\n",
            scores.crossings, scores.cases
        );
    }
    h += &scores_table(scores);
    let png = ReliabilityChart::new()
        .curve(report.options.query.settings().model.to_string(), scores)
        .render_png_bytes()?;
    h += &format!(
        "<figure>{}<figcaption>Reliability: of the past answers that gave a probability in each band, \
         the share that did reach capacity. On the diagonal, a probability of 30 % comes true three \
         times in ten.</figcaption></figure>\n",
        image(&png, "reliability chart of the crossing probability").replacen("<img ", "<img class=\"small\" ", 1)
    );
    h += &not_backtested(skipped);
    Ok(h)
}

/// Every past stretch had the same outcome: no crossing to tell from a
/// non-crossing, so Brier, skill and AUC would score nothing. Say so, with
/// what the answers said, instead of a table that looks perfect.
fn nothing_to_score(scores: &SaturationScores, own: bool, halfway: &str) -> String {
    let limit = if own {
        "the real capacity".to_string()
    } else {
        format!("the limit it was given, {halfway}, since the real capacity left one outcome too")
    };
    let none = scores.crossings == 0;
    let which = match (scores.cases, none) {
        (1, true) => "The only past stretch did not reach".to_string(),
        (1, false) => "The only past stretch reached".to_string(),
        (n, true) => format!("None of the {n} past stretches reached"),
        (n, false) => format!("All {n} past stretches reached"),
    };
    let said = if none {
        "any probability above 0 was a false alarm"
    } else {
        "any probability below 100 % undersold it"
    };
    format!(
        "<p><b>The check had nothing to score.</b> {which} {limit}. With no crossing to tell from \
         a non-crossing, the Brier score, its skill and the AUC say nothing about these \
         probabilities. The past answers gave a mean probability of {} ({said}). A longer history, \
         more earlier dates (--trust-windows) or a shorter --horizon give the check stretches of \
         both kinds.</p>\n",
        percent(scores.mean_probability)
    )
}

/// The series the backtest skipped, each with its reason.
fn not_backtested(skipped: &[(String, String)]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let list = skipped
        .iter()
        .map(|(n, why)| format!("{} ({})", escape(n), escape(why)))
        .collect::<Vec<_>>()
        .join("; ");
    format!("<p class=\"note\">Not backtested: {list}.</p>\n")
}

fn scores_table(s: &SaturationScores) -> String {
    let opt = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map(f).unwrap_or_else(|| "–".into());
    let rows = [
        ("Past answers scored", s.cases.to_string(), "".to_string()),
        (
            "Of these, reached capacity",
            s.crossings.to_string(),
            String::new(),
        ),
        (
            "Brier score",
            format!("{:.3}", s.brier),
            "0 is perfect; 0.25 is a coin toss".into(),
        ),
        (
            "Brier skill",
            opt(s.brier_skill, &|v| format!("{v:.2}")),
            match s.brier_skill {
                Some(v) if v < 0.0 => format!(
                    "below 0: these answers did worse than always saying the base rate ({} of \
                     past answers reached the limit); do not take their probabilities at face value",
                    percent(base_rate(s))
                ),
                _ => format!(
                    "above 0: better than always saying the base rate ({} of past answers reached \
                     the limit); 1 is perfect",
                    percent(base_rate(s))
                ),
            },
        ),
        (
            "AUC",
            opt(s.auc, &|v| format!("{v:.3}")),
            if s.auc.is_none() {
                "not defined: every past answer had the same outcome".into()
            } else {
                "1 ranks every crossing above every non-crossing; 0.5 is chance".into()
            },
        ),
        (
            "Crossings the forecast saw",
            opt(s.hit_rate, &percent),
            "the point forecast reached capacity within the horizon".into(),
        ),
        (
            "False alarms",
            opt(s.false_alarm_rate, &percent),
            "the point forecast reached capacity, the series did not".into(),
        ),
        (
            "Crossings inside the 80 % range",
            opt(s.p10_p90_coverage, &percent),
            String::new(),
        ),
    ];
    let mut h = String::from("<table id=\"trust-scores\"><tbody>\n");
    for (name, value, note) in rows {
        h += &format!(
            "<tr><th>{name}</th><td class=\"num\">{value}</td><td class=\"note\">{}</td></tr>\n",
            escape(&note)
        );
    }
    h + "</tbody></table>\n"
}
