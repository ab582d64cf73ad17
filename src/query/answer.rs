//! The answer to one series' saturation question: fit, forecast, simulate the
//! futures a block of paths at a time, and assess them against the capacity.

use crate::error::{Error, Result};
use crate::forecast::{bound_forecast, bound_paths, remove_level_shifts, Forecast};
use crate::pipeline::{bounds_of, fit, ForecastSettings, Prepared, CLEAR_EXPECTED_PATHS};
use crate::saturation::{
    assess_unreached, history_frequency, steps_until, Direction, Questions, Saturation,
};
use crate::scenario::{PathTally, Scenarios};

/// Path values per block: every question up to 2,000 paths of 4,000 steps is
/// one block, its paths those of one seeded simulation.
use crate::forecast::MAX_PATH_VALUES as PATH_VALUES_PER_BLOCK;

/// With `adaptive_paths`, the share of the paths simulated first: a quarter, as
/// three standard errors settle a probability of one to within 0.02 only from
/// about 440 paths (`9 (1 - 0.02) / 0.02`), a quarter of the default 2,000.
const ADAPTIVE_FIRST_SHARE: usize = 4;

/// The blocks `n_paths` paths of `horizon` steps are simulated in: `(paths,
/// seed)`, the first with `seed` itself, later ones with seeds derived from it.
pub(crate) fn path_blocks(horizon: usize, n_paths: usize, seed: u64) -> Vec<(usize, u64)> {
    let per_block = (PATH_VALUES_PER_BLOCK / horizon.max(1)).clamp(1, n_paths.max(1));
    (0..n_paths.div_ceil(per_block))
        .map(|i| {
            let n = per_block.min(n_paths - i * per_block);
            // A golden-ratio stride keeps the derived seeds far apart.
            let seed = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            (n, seed)
        })
        .collect()
}

/// Forecast a prepared series and assess it against `capacity` under
/// `scenarios`: dates from the forecast, probability and crossing percentiles
/// from sample paths; the horizon reaches at least the questions' dates. The
/// forecast returned is the scenario's.
pub(crate) fn assess(
    prepared: &Prepared,
    settings: &ForecastSettings,
    capacity: f64,
    direction: Direction,
    questions: &Questions,
    scenarios: &Scenarios,
) -> Result<(Forecast, Saturation)> {
    let s = &prepared.series;
    let last = s.last_timestamp();
    let steps_to = |t: chrono::DateTime<chrono::Utc>| {
        ((t - last).num_milliseconds() as f64 / 1000.0 / s.step().nominal_seconds()).ceil() as usize
    };
    let reach = questions
        .by
        .into_iter()
        .chain(questions.need_until.map(|n| n.0))
        .map(steps_to)
        .max()
        .unwrap_or(0);
    // A probability asked by a date is answered by the model chosen for that
    // date, whatever the horizon printed beside it.
    let question = questions.by.map(steps_to);
    let (model, horizon) = fit(prepared, settings, reach, question)?;
    let in_series = |e: Error| e.in_series(s.name());
    let mut f = model
        .predict(horizon, &settings.levels)
        .map_err(in_series)?;
    let bounds = bounds_of(prepared, settings);
    let (v, q) = (s.last_value(), questions);
    if !settings.all_paths && scenarios.is_empty() && q.need_until.is_none() {
        let up = direction == Direction::Up;
        let bound = model.crossing_bound(horizon, capacity, up);
        if let Some(b) = bound.map_err(in_series)? {
            if b * settings.paths as f64 <= CLEAR_EXPECTED_PATHS {
                bound_forecast(&mut f, bounds);
                let row = assess_unreached(&f, settings.paths, last, v, capacity, direction, q)
                    .map_err(in_series)?;
                return Ok((f, row));
            }
        }
    }
    let tally_of = |n_paths: usize| -> Result<PathTally> {
        let mut tally = PathTally::new(scenarios, &f, last, v, capacity, direction);
        for (n, seed) in path_blocks(horizon, n_paths, settings.seed) {
            let mut block = model.simulate(horizon, n, seed).map_err(in_series)?;
            bound_paths(&mut block, bounds);
            tally.add(&mut block, q).map_err(in_series)?;
        }
        Ok(tally)
    };
    // The quarter is simulated as a run of that many paths would be (the same
    // seed); where it does not settle the answer, every path is simulated again
    // from the start, so the row is exactly the one without adapting. The
    // capacity needed is a quantile of extremes no bound here covers: all paths.
    let first = settings.paths.div_ceil(ADAPTIVE_FIRST_SHARE);
    let early = if settings.adaptive_paths && q.need_until.is_none() && first < settings.paths {
        let tally = tally_of(first)?;
        let by_step = q.by.and_then(|by| steps_until(&f, by).checked_sub(1));
        tally.crossings().settled(by_step).then_some(tally)
    } else {
        None
    };
    let tally = match early {
        Some(tally) => tally,
        None => tally_of(settings.paths)?,
    };
    bound_forecast(&mut f, bounds);
    // What-if scenarios change the future the history never saw: not pooled.
    // A cleanup is an operator's event, not the metric's (as for the errors,
    // docs/method.md "Level shifts"): the history is asked without its shifts.
    let continuous =
        (settings.pool_history && scenarios.is_empty()).then(|| remove_level_shifts(s.values()));
    let history = |steps: usize| {
        let values = continuous.as_deref()?;
        history_frequency(values, capacity, direction, steps)
    };
    let pool = continuous
        .is_some()
        .then_some(&history as &dyn Fn(usize) -> Option<f64>);
    let row = tally.finish(&mut f, q, pool).map_err(in_series)?;
    Ok((f, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_block_with_the_seed_itself_unless_the_paths_are_too_many() {
        assert_eq!(path_blocks(720, 2000, 7), [(2000, 7)]);
        let blocks = path_blocks(100_000, 2000, 7);
        assert_eq!(blocks[0], (83, 7));
        assert_eq!(blocks.iter().map(|b| b.0).sum::<usize>(), 2000);
        assert!(blocks
            .iter()
            .all(|b| b.0 * 100_000 <= PATH_VALUES_PER_BLOCK));
        let seeds: std::collections::HashSet<u64> = blocks.iter().map(|b| b.1).collect();
        assert_eq!(seeds.len(), blocks.len());
        // A horizon longer than a block still gets one path at a time.
        assert_eq!(path_blocks(PATH_VALUES_PER_BLOCK * 2, 3, 1).len(), 3);
    }
}
