//! Small numerical tools for maximum likelihood: a box-constrained Nelder-Mead
//! minimiser and a Cholesky solver for the small symmetric systems of Gauss-Newton
//! steps. Both are written for a handful of unknowns (up to a few hundred for the
//! solver) and allocate only once per call.

/// Settings of [`nelder_mead`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NelderMead {
    /// Stop after this many function evaluations in total.
    pub max_evals: usize,
    /// Converged when the simplex's function values differ by less than
    /// `f_tol * (1 + |f_best|)`...
    pub f_tol: f64,
    /// ...and every vertex is within `x_tol` of the best in every coordinate.
    pub x_tol: f64,
    /// After convergence, restart from the best point with a fresh simplex up to
    /// this many times while a restart still improves: a collapsed simplex is the
    /// classic failure of Nelder-Mead (Lagarias et al., 1998), and a restart is the
    /// usual remedy.
    pub restarts: usize,
}

impl Default for NelderMead {
    fn default() -> Self {
        NelderMead {
            max_evals: 2000,
            f_tol: 1e-10,
            x_tol: 1e-7,
            restarts: 2,
        }
    }
}

/// The best point found by a minimiser.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Minimum {
    /// Where.
    pub x: Vec<f64>,
    /// The function value there.
    pub f: f64,
    /// Function evaluations used.
    pub evals: usize,
}

/// Minimise `f` over the box `lower <= x <= upper` by Nelder-Mead with the
/// standard coefficients (reflection 1, expansion 2, contraction 1/2, shrink 1/2),
/// starting from `start` with an initial simplex of one `step` along each axis.
///
/// Trial points outside the box are projected onto it, so optima on a bound (a
/// smoothing parameter at its limit) are reached exactly. `f` may return
/// `f64::INFINITY` for points where it is undefined; it must not return NaN
/// (NaN is treated as infinity).
pub(crate) fn nelder_mead(
    mut f: impl FnMut(&[f64]) -> f64,
    start: &[f64],
    step: &[f64],
    lower: &[f64],
    upper: &[f64],
    settings: &NelderMead,
) -> Minimum {
    let d = start.len();
    let clamp = |x: &mut [f64]| {
        for i in 0..d {
            x[i] = x[i].clamp(lower[i], upper[i]);
        }
    };
    let mut eval = |x: &[f64], evals: &mut usize| -> f64 {
        *evals += 1;
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let mut evals = 0;
    let mut best: Vec<f64> = start.to_vec();
    clamp(&mut best);
    let mut best_f = eval(&best, &mut evals);
    if d == 0 {
        return Minimum {
            x: best,
            f: best_f,
            evals,
        };
    }
    for round in 0..=settings.restarts {
        let before = best_f;
        let (x, fx) = simplex_search(&mut eval, &best, best_f, step, &clamp, settings, &mut evals);
        if fx <= best_f {
            best = x;
            best_f = fx;
        }
        let improved = before - best_f > settings.f_tol * (1.0 + best_f.abs());
        if round > 0 && !improved || evals >= settings.max_evals {
            break;
        }
    }
    Minimum {
        x: best,
        f: best_f,
        evals,
    }
}

/// One Nelder-Mead run from `start` (whose value is `start_f`) to convergence or
/// the evaluation budget.
fn simplex_search(
    eval: &mut impl FnMut(&[f64], &mut usize) -> f64,
    start: &[f64],
    start_f: f64,
    step: &[f64],
    clamp: &impl Fn(&mut [f64]),
    settings: &NelderMead,
    evals: &mut usize,
) -> (Vec<f64>, f64) {
    let d = start.len();
    let mut points: Vec<Vec<f64>> = vec![start.to_vec()];
    let mut values = vec![start_f];
    for i in 0..d {
        let mut p = start.to_vec();
        p[i] += step[i];
        clamp(&mut p);
        if p[i] == start[i] {
            // The start is on the upper bound: step inwards instead.
            p[i] -= step[i];
            clamp(&mut p);
        }
        values.push(eval(&p, evals));
        points.push(p);
    }
    let mut order: Vec<usize> = (0..=d).collect();
    let mut centroid = vec![0.0; d];
    let mut trial = vec![0.0; d];
    let mut trial2 = vec![0.0; d];
    while *evals < settings.max_evals {
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        let (lo, hi, second) = (order[0], order[d], order[d - 1]);
        if converged(&points, &values, lo, settings) {
            break;
        }
        centroid.iter_mut().for_each(|c| *c = 0.0);
        for &i in &order[..d] {
            for (c, p) in centroid.iter_mut().zip(&points[i]) {
                *c += p / d as f64;
            }
        }
        let along = |coef: f64, out: &mut Vec<f64>| {
            for j in 0..d {
                out[j] = centroid[j] + coef * (points[hi][j] - centroid[j]);
            }
            clamp(out);
        };
        along(-1.0, &mut trial);
        let fr = eval(&trial, evals);
        if fr < values[lo] {
            along(-2.0, &mut trial2);
            let fe = eval(&trial2, evals);
            if fe < fr {
                points[hi].copy_from_slice(&trial2);
                values[hi] = fe;
            } else {
                points[hi].copy_from_slice(&trial);
                values[hi] = fr;
            }
            continue;
        }
        if fr < values[second] {
            points[hi].copy_from_slice(&trial);
            values[hi] = fr;
            continue;
        }
        // Contract: outside when the reflection beat the worst, inside otherwise.
        let (coef, target) = if fr < values[hi] {
            (-0.5, fr)
        } else {
            (0.5, values[hi])
        };
        along(coef, &mut trial2);
        let fc = eval(&trial2, evals);
        if fc <= target {
            points[hi].copy_from_slice(&trial2);
            values[hi] = fc;
            continue;
        }
        // Shrink towards the best vertex.
        let best = points[lo].clone();
        for &i in &order[1..] {
            for j in 0..d {
                points[i][j] = best[j] + 0.5 * (points[i][j] - best[j]);
            }
            clamp(&mut points[i]);
            values[i] = eval(&points[i], evals);
        }
    }
    let lo = (0..=d)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    (points[lo].clone(), values[lo])
}

/// True when the simplex is small in both value and position.
fn converged(points: &[Vec<f64>], values: &[f64], lo: usize, settings: &NelderMead) -> bool {
    let f_lo = values[lo];
    if !f_lo.is_finite() {
        return false;
    }
    let f_spread = values.iter().fold(0.0_f64, |m, v| m.max(v - f_lo));
    let x_spread = points.iter().fold(0.0_f64, |m, p| {
        p.iter()
            .zip(&points[lo])
            .fold(m, |m, (a, b)| m.max((a - b).abs()))
    });
    f_spread <= settings.f_tol * (1.0 + f_lo.abs()) && x_spread <= settings.x_tol
}

/// Solve `a x = b` in place for a symmetric `a` (`k` by `k`, row-major, only the
/// lower triangle read) by Cholesky factorisation, adding a ridge where `a` is not
/// positive definite to working precision: `1e-10` times its largest absolute
/// diagonal element, growing tenfold until the factorisation succeeds. On a
/// singular positive semi-definite matrix this picks a least-norm-like solution
/// along flat directions; on an indefinite one, a step of a regularised
/// (Levenberg-Marquardt) Newton method. Returns `false` when no ridge helps (a
/// zero or non-finite matrix); `a` is overwritten by the factor.
pub(crate) fn solve_spd(a: &mut [f64], b: &mut [f64], k: usize) -> bool {
    let scale = (0..k).map(|i| a[i * k + i].abs()).fold(0.0_f64, f64::max);
    if !(scale.is_finite() && scale > 0.0) {
        return false;
    }
    let original: Vec<f64> = a.to_vec();
    let mut ridge = 0.0;
    for _ in 0..16 {
        a.copy_from_slice(&original);
        for i in 0..k {
            a[i * k + i] += ridge;
        }
        if cholesky_in_place(a, k, scale * 1e-14) {
            forward_backward(a, b, k);
            return b.iter().all(|v| v.is_finite());
        }
        ridge = if ridge == 0.0 {
            scale * 1e-10
        } else {
            ridge * 10.0
        };
    }
    false
}

/// Solve `a x = b` in place for a symmetric positive definite `a` (`k` by `k`,
/// row-major, lower triangle read); `false`, with `a` and `b` overwritten, when
/// `a` is not positive definite to working precision.
pub(crate) fn solve_pd(a: &mut [f64], b: &mut [f64], k: usize) -> bool {
    let scale = (0..k).map(|i| a[i * k + i]).fold(0.0_f64, f64::max);
    if !(scale.is_finite() && scale > 0.0 && cholesky_in_place(a, k, scale * 1e-12)) {
        return false;
    }
    forward_backward(a, b, k);
    b.iter().all(|v| v.is_finite())
}

/// Lower Cholesky factor of `a`, in place; `false` when a pivot falls below `tiny`.
fn cholesky_in_place(a: &mut [f64], k: usize, tiny: f64) -> bool {
    for j in 0..k {
        let mut d = a[j * k + j];
        for p in 0..j {
            d -= a[j * k + p] * a[j * k + p];
        }
        if d.is_nan() || d <= tiny {
            return false;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = s / d;
        }
    }
    true
}

/// Solve `L L' x = b` in place, `L` the lower factor stored in `a`.
fn forward_backward(a: &[f64], b: &mut [f64], k: usize) {
    for i in 0..k {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * k + p] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_the_rosenbrock_function() {
        let rosenbrock = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = nelder_mead(
            rosenbrock,
            &[-1.2, 1.0],
            &[0.1, 0.1],
            &[-5.0, -5.0],
            &[5.0, 5.0],
            &NelderMead::default(),
        );
        assert!(
            (m.x[0] - 1.0).abs() < 1e-5 && (m.x[1] - 1.0).abs() < 1e-5,
            "{m:?}"
        );
        assert!(m.f < 1e-10);
    }

    #[test]
    fn stops_exactly_on_an_active_bound() {
        // The unconstrained minimum (2, -3) lies outside the box.
        let f = |x: &[f64]| (x[0] - 2.0).powi(2) + (x[1] + 3.0).powi(2) + x[0] * x[1];
        let m = nelder_mead(
            f,
            &[0.5, 0.5],
            &[0.1, 0.1],
            &[0.0, 0.0],
            &[1.0, 1.0],
            &NelderMead::default(),
        );
        assert_eq!(m.x, vec![1.0, 0.0]);
    }

    #[test]
    fn survives_undefined_regions() {
        let f = |x: &[f64]| {
            if x[0] < 0.3 {
                f64::NAN
            } else {
                (x[0] - 0.4).powi(2)
            }
        };
        let m = nelder_mead(f, &[0.9], &[0.2], &[0.0], &[1.0], &NelderMead::default());
        assert!((m.x[0] - 0.4).abs() < 1e-6, "{m:?}");
    }

    #[test]
    fn cholesky_solves_and_regularises() {
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![2.0, 1.0];
        assert!(solve_spd(&mut a, &mut b, 2));
        assert!((b[0] - 0.5).abs() < 1e-14 && b[1].abs() < 1e-14);
        // Singular: the ridge picks a finite solution that still fits b.
        let mut a = vec![1.0, 1.0, 1.0, 1.0];
        let mut b = vec![2.0, 2.0];
        assert!(solve_spd(&mut a, &mut b, 2));
        assert!((b[0] + b[1] - 2.0).abs() < 1e-6, "{b:?}");
        let mut a = vec![0.0; 4];
        assert!(!solve_spd(&mut a, &mut [1.0, 1.0], 2));
    }
}
