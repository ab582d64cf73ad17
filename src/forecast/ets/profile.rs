//! Profiling out the initial states: for given smoothing parameters, the initial
//! states with the best likelihood, found by Gauss-Newton or Newton steps on the
//! predictions and their derivatives with respect to the states.

use super::likelihood::{log_sum, variance_floor, EtsState, LogSum, PassSums, Recursion};
use super::spec::{EtsErrorType, EtsSeason, EtsSpec};
use crate::forecast::optim::{solve_pd, solve_spd};

/// Which initial states are free in a fit: the level, the trend when there is one,
/// and all seasonal states but the oldest (`seasonal[m - 1]`, the first one used),
/// which stays at its starting value because level and season are only identified
/// up to a shift (a scale, for a multiplicative season). statsmodels fixes the
/// same state, at 0 or 1; the fitted states are normalised afterwards.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    trend: bool,
    /// Seasonal period, 0 without a season.
    m: usize,
}

impl Layout {
    pub(super) fn of(spec: &EtsSpec) -> Self {
        Layout {
            trend: spec.has_trend(),
            m: if spec.is_seasonal() { spec.period } else { 0 },
        }
    }

    /// Number of free initial states.
    fn k(&self) -> usize {
        1 + usize::from(self.trend) + self.m.saturating_sub(1)
    }

    fn season_offset(&self) -> usize {
        1 + usize::from(self.trend)
    }

    /// The free states of `state`.
    pub(super) fn free(&self, state: &EtsState) -> Vec<f64> {
        let mut x = vec![state.level];
        if self.trend {
            x.push(state.trend);
        }
        if self.m > 0 {
            x.extend_from_slice(&state.seasonal[..self.m - 1]);
        }
        x
    }

    /// Level, trend and the seasonal ring from free states `x` and the fixed
    /// oldest seasonal state.
    fn unpack(&self, x: &[f64], fixed: f64, ring: &mut [f64]) -> (f64, f64) {
        let b = if self.trend { x[1] } else { 0.0 };
        if self.m > 0 {
            let off = self.season_offset();
            ring[0] = fixed;
            for i in 1..self.m {
                ring[i] = x[off + self.m - 1 - i];
            }
        } else {
            ring[0] = 0.0;
        }
        (x[0], b)
    }

    pub(super) fn state(&self, x: &[f64], fixed: f64) -> EtsState {
        let mut seasonal = Vec::new();
        if self.m > 0 {
            seasonal.extend_from_slice(&x[self.season_offset()..]);
            seasonal.push(fixed);
        }
        EtsState {
            level: x[0],
            trend: if self.trend { x[1] } else { 0.0 },
            seasonal,
        }
    }
}

/// Derivatives with respect to one free initial state, carried through a pass.
#[derive(Clone, Copy, Debug, Default)]
struct Tangent {
    level: f64,
    trend: f64,
    /// Of `L = l + phi b` at the current step.
    big_l: f64,
}

/// Scratch space for the passes of one fit, allocated once.
///
/// A linearisation leaves the predictions `pred` and their derivatives `jac`
/// with respect to the `k` free initial states (column-major: column `i` is
/// `jac[i n .. (i + 1) n]`), and from them the gradient terms `g1`, `g2` and the
/// Gauss-Newton matrix `h`, computed column by column so that the sums vectorise.
pub(super) struct Workspace<'a> {
    y: &'a [f64],
    layout: Layout,
    floor: f64,
    mul_error: bool,
    /// With multiplicative error and no multiplicative season the predictions are
    /// affine in the initial states, so `pred + jac delta` is exact for any change
    /// `delta` and the profile iterates on the stored arrays.
    in_memory: bool,
    ring: Vec<f64>,
    /// Derivatives of the seasonal ring, one row of `k` per slot.
    d_ring: Vec<f64>,
    tangents: Vec<Tangent>,
    pred: Vec<f64>,
    jac: Vec<f64>,
    /// Per-step weights: `r dr/dp`, `(dr/dp)^2` and `1 / p` (multiplicative
    /// error only), and a scratch column.
    w_r: Vec<f64>,
    w_q: Vec<f64>,
    w_i: Vec<f64>,
    scratch: Vec<f64>,
    /// `sum r dr`, `sum dp / p` and `sum dr dr'` (lower triangle, row-major).
    g1: Vec<f64>,
    g2: Vec<f64>,
    h: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<f64>,
    delta: Vec<f64>,
}

impl<'a> Workspace<'a> {
    pub(super) fn new(spec: &EtsSpec, y: &'a [f64]) -> Self {
        let layout = Layout::of(spec);
        let k = layout.k();
        let n = y.len();
        let slots = layout.m.max(1);
        let mul_error = spec.error == EtsErrorType::Multiplicative;
        let in_memory = mul_error && spec.season != EtsSeason::Multiplicative;
        Workspace {
            y,
            layout,
            floor: variance_floor(spec, y),
            mul_error,
            in_memory,
            ring: vec![0.0; slots],
            d_ring: vec![0.0; slots * k],
            tangents: vec![Tangent::default(); k],
            pred: vec![0.0; n],
            jac: vec![0.0; n * k],
            w_r: vec![0.0; n],
            w_q: vec![0.0; n],
            w_i: vec![0.0; n],
            scratch: vec![0.0; n],
            g1: vec![0.0; k],
            g2: vec![0.0; k],
            h: vec![0.0; k * k],
            step: vec![0.0; k],
            trial: vec![0.0; k],
            delta: vec![0.0; k],
        }
    }

    fn n(&self) -> usize {
        self.y.len()
    }

    fn k(&self) -> usize {
        self.layout.k()
    }

    /// The objective at free states `x`.
    fn objective(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> f64 {
        let (l, b) = self.layout.unpack(x, fixed, &mut self.ring);
        let sums = rec.filter(l, b, &mut self.ring, self.y, |_, _| {});
        sums.objective(self.n(), self.floor)
    }

    /// A pass that also carries the derivatives of the predictions with respect
    /// to the free states (forward mode) and leaves `g1`, `g2` and `h`.
    fn linearise(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> PassSums {
        match (self.layout.m, self.layout.trend) {
            (0, false) => self.linearise_flat::<1>(rec, x),
            (0, true) => self.linearise_flat::<2>(rec, x),
            _ => self.linearise_seasonal(rec, x, fixed),
        }
    }

    /// [`Workspace::linearise`] without a season. The recursion runs on the
    /// prediction and the trend, `yhat' = (1 - alpha - phi beta) yhat +
    /// (alpha + phi beta) y + phi^2 b` and `b' = phi b + beta (y - yhat)`, which is
    /// the same model with one multiply-add per step on the critical path instead
    /// of three; the sums are taken afterwards, column by column.
    #[allow(clippy::needless_range_loop)] // several fixed-size arrays per index
    fn linearise_flat<const K: usize>(&mut self, rec: &Recursion, x: &[f64]) -> PassSums {
        let (alpha, beta, phi) = (rec.alpha, rec.beta, rec.phi);
        let (c1, c2, phi2) = (1.0 - alpha - phi * beta, alpha + phi * beta, phi * phi);
        let n = self.n();
        let mut b = if K == 2 { x[1] } else { 0.0 };
        let mut yhat = x[0] + phi * b;
        // Derivatives of the prediction and trend with respect to x.
        let mut dy = [0.0; K];
        let mut db = [0.0; K];
        dy[0] = 1.0;
        if K == 2 {
            dy[K - 1] = phi;
            db[K - 1] = 1.0;
        }
        let (pred, jac) = (&mut self.pred, &mut self.jac);
        for (t, &yt) in self.y.iter().enumerate() {
            pred[t] = yhat;
            for i in 0..K {
                jac[i * n + t] = dy[i];
            }
            let b_next = phi * b + beta * (yt - yhat);
            yhat = c1 * yhat + c2 * yt + phi2 * b;
            b = b_next;
            for i in 0..K {
                let db_next = phi * db[i] - beta * dy[i];
                dy[i] = c1 * dy[i] + phi2 * db[i];
                db[i] = db_next;
            }
        }
        let mut sums = self.weigh();
        sums.valid &= yhat.is_finite() && b.is_finite();
        if !self.in_memory {
            self.accumulate_columns();
        }
        sums
    }

    /// Unit derivatives at the start: each free state is its own variable.
    fn seed_tangents(&mut self) {
        let lay = self.layout;
        let k = lay.k();
        self.d_ring.iter_mut().for_each(|v| *v = 0.0);
        self.tangents
            .iter_mut()
            .for_each(|t| *t = Tangent::default());
        self.tangents[0].level = 1.0;
        if lay.trend {
            self.tangents[1].trend = 1.0;
        }
        let off = lay.season_offset();
        for slot in 1..lay.m {
            self.d_ring[slot * k + off + lay.m - 1 - slot] = 1.0;
        }
    }

    /// [`Workspace::linearise`] with a season: the pass stores predictions,
    /// derivatives and weights; the sums are taken column by column afterwards.
    fn linearise_seasonal(&mut self, rec: &Recursion, x: &[f64], fixed: f64) -> PassSums {
        let k = self.k();
        let n = self.n();
        let (mut l, mut b) = self.layout.unpack(x, fixed, &mut self.ring);
        self.seed_tangents();
        let slots = self.ring.len();
        let (alpha, beta, phi) = (rec.alpha, rec.beta, rec.phi);
        let mut positive = true;
        let mut idx = 0;
        for (t, &yt) in self.y.iter().enumerate() {
            let s = self.ring[idx];
            let (big_l, yhat) = rec.predict(l, b, s);
            if rec.mul_error && yhat <= 0.0 {
                positive = false;
                if !self.in_memory {
                    break;
                }
            }
            self.pred[t] = yhat;
            let ds = &mut self.d_ring[idx * k..(idx + 1) * k];
            for (i, (tan, &d_s)) in self.tangents.iter_mut().zip(ds.iter()).enumerate() {
                tan.big_l = tan.level + phi * tan.trend;
                self.jac[i * n + t] = if rec.mul_season {
                    s * tan.big_l + big_l * d_s
                } else {
                    tan.big_l + d_s
                };
            }
            // State update and its derivative; du is the derivative of the
            // correction u of `Recursion::update`.
            let (l1, b1, s1) = rec.update(big_l, b, s, yt);
            let du_ds = if rec.mul_season { -yt / (s * s) } else { -1.0 };
            let ds_dl1 = -yt / (l1 * l1);
            for (tan, d_s) in self.tangents.iter_mut().zip(ds.iter_mut()) {
                let du = du_ds * *d_s - tan.big_l;
                tan.level = tan.big_l + alpha * du;
                tan.trend = phi * tan.trend + beta * du;
                *d_s += if rec.mul_season {
                    rec.gamma_star * (ds_dl1 * tan.level - *d_s)
                } else {
                    rec.gamma * du
                };
            }
            l = l1;
            b = b1;
            self.ring[idx] = s1;
            idx += 1;
            if idx == slots {
                idx = 0;
            }
        }
        if !positive && !self.in_memory {
            return PassSums::invalid();
        }
        let mut sums = self.weigh();
        sums.valid &= l.is_finite() && b.is_finite();
        if !self.in_memory {
            self.accumulate_columns();
        }
        sums
    }

    /// Residual weights (see the fields) and the sums of the objective for the
    /// predictions in `pred`.
    fn weigh(&mut self) -> PassSums {
        let p = &self.pred;
        let y = self.y;
        if !self.mul_error {
            let mut sse = 0.0;
            for ((w_r, w_q), (&p, &yt)) in
                self.w_r.iter_mut().zip(&mut self.w_q).zip(p.iter().zip(y))
            {
                let r = yt - p;
                sse += r * r;
                *w_r = -r;
                *w_q = 1.0;
            }
            return PassSums::new(sse, false, LogSum::new(), true, 0.0, 0.0);
        }
        let mut sse = 0.0;
        let mut positive = true;
        let weights = self.w_r.iter_mut().zip(&mut self.w_q).zip(&mut self.w_i);
        for (((w_r, w_q), w_i), (&p, &yt)) in weights.zip(p.iter().zip(y)) {
            positive &= p > 0.0;
            let inv = 1.0 / p;
            let r = yt * inv - 1.0;
            let q = -yt * inv * inv;
            sse += r * r;
            *w_r = r * q;
            *w_q = q * q;
            *w_i = inv;
        }
        if !positive {
            return PassSums::invalid();
        }
        PassSums::new(sse, true, log_sum(p), true, 0.0, 0.0)
    }

    /// `g1 = jac' w_r`, `g2 = jac' w_i` and `h = jac' diag(w_q) jac` (lower).
    fn accumulate_columns(&mut self) {
        let (n, k) = (self.n(), self.k());
        for i in 0..k {
            let col_i = &self.jac[i * n..(i + 1) * n];
            self.g1[i] = dot(&self.w_r, col_i);
            self.g2[i] = if self.mul_error {
                dot(&self.w_i, col_i)
            } else {
                0.0
            };
            for ((s, w), c) in self.scratch.iter_mut().zip(&self.w_q).zip(col_i) {
                *s = w * c;
            }
            for j in 0..=i {
                self.h[i * k + j] = dot(&self.scratch, &self.jac[j * n..(j + 1) * n]);
            }
        }
    }

    /// The Gauss-Newton step for `f = n/2 ln(sse) + sum ln yhat` from the last
    /// linearisation, into `self.step`: solve `H d = -(g1 + (sse / n) g2)`, which
    /// is `(n / sse) H d = -grad f`. `false` when the system cannot be solved.
    fn gauss_newton_step(&mut self, sse: f64) -> bool {
        let k = self.k();
        let ratio = sse.max(self.floor * self.n() as f64) / self.n() as f64;
        for ((d, g1), g2) in self.step.iter_mut().zip(&self.g1).zip(&self.g2) {
            *d = -(g1 + ratio * g2);
        }
        solve_spd(&mut self.h, &mut self.step, k)
    }

    /// Move the free states `x` to the best ones for these smoothing parameters
    /// (Gauss-Newton with step halving; one exact step for the linear models) and
    /// return the objective there, or infinity when the model is undefined at `x`.
    pub(super) fn profile(
        &mut self,
        rec: &Recursion,
        x: &mut [f64],
        fixed: f64,
        max_iter: usize,
    ) -> f64 {
        let n = self.n() as f64;
        let linear = !rec.mul_error && !rec.mul_season;
        let sums = self.linearise(rec, x, fixed);
        if self.in_memory {
            return self.profile_in_memory(x, sums, max_iter);
        }
        if !sums.valid {
            return f64::INFINITY;
        }
        let mut f = sums.objective(self.n(), self.floor);
        let mut sse = sums.sse;
        for _ in 0..max_iter {
            if !self.gauss_newton_step(sse) {
                return f;
            }
            if linear {
                // The residuals are linear in x: the step is exact, and so is the
                // new sum of squares, sse + g1' step, with no further pass.
                let gain: f64 = self.g1.iter().zip(&self.step).map(|(g, d)| g * d).sum();
                let predicted = sse + gain;
                x.iter_mut().zip(&self.step).for_each(|(x, d)| *x += d);
                // Cancellation loses about eps * sse / predicted relative accuracy.
                if predicted > 1e-8 * sse {
                    return 0.5 * n * (predicted / n).max(self.floor).ln();
                }
                // Most of the sum of squares cancelled: recompute it exactly.
                let sums = self.linearise(rec, x, fixed);
                sse = sums.sse;
                f = sums.objective(self.n(), self.floor);
                continue;
            }
            let Some(ft) = self.line_search(rec, x, fixed, f) else {
                return f;
            };
            x.copy_from_slice(&self.trial);
            let gain = f - ft;
            f = ft;
            if gain <= PROFILE_TOLERANCE * (1.0 + f.abs()) {
                return f;
            }
            let sums = self.linearise(rec, x, fixed);
            if !sums.valid {
                return f;
            }
            sse = sums.sse;
        }
        f
    }

    /// The profile with affine predictions (see `in_memory`), starting from the
    /// better of no change and the least-squares fit of the relative errors
    /// `(y - prediction) / y` (a convex problem whose solution is close to the
    /// likelihood's, and which needs no valid starting point).
    fn profile_in_memory(&mut self, x: &mut [f64], first: PassSums, max_iter: usize) -> f64 {
        let n = self.n();
        let mut delta = std::mem::take(&mut self.delta);
        let mut trial = std::mem::take(&mut self.trial);
        delta.iter_mut().for_each(|d| *d = 0.0);
        // `scratch` holds the predictions at `delta`, `sse` their sum of squares,
        // `step` the Newton step there when `stepped`.
        let (mut f, mut sse) = (f64::INFINITY, f64::INFINITY);
        let mut stepped = None;
        if first.valid {
            f = first.objective(n, self.floor);
            sse = first.sse;
            self.scratch.copy_from_slice(&self.pred);
            stepped = self.newton_step_in_memory(sse);
        }
        // A start that is invalid, or where the objective is not convex, is
        // replaced by the relative least-squares fit if that is better.
        if !stepped.is_some_and(f64::is_finite) && self.relative_least_squares() {
            trial.copy_from_slice(&self.step);
            let (f_ls, sse_ls) = self.objective_in_memory(&trial);
            if f_ls < f {
                (f, sse) = (f_ls, sse_ls);
                delta.copy_from_slice(&trial);
                stepped = None;
            } else if f.is_finite() {
                self.scratch.copy_from_slice(&self.pred);
                stepped = self.newton_step_in_memory(sse);
            }
        }
        if !f.is_finite() {
            self.delta = delta;
            self.trial = trial;
            return f64::INFINITY;
        }
        for _ in 0..max_iter {
            let predicted = match stepped.take() {
                Some(p) => p,
                None => match self.newton_step_in_memory(sse) {
                    Some(p) => p,
                    None => break,
                },
            };
            if predicted <= PROFILE_TOLERANCE * (1.0 + f.abs()) {
                break;
            }
            let mut accepted = None;
            let mut t = 1.0;
            for _ in 0..30 {
                for ((v, d), s) in trial.iter_mut().zip(&delta).zip(&self.step) {
                    *v = d + t * s;
                }
                let (ft, sse_t) = self.objective_in_memory(&trial);
                if ft <= f {
                    accepted = Some((ft, sse_t));
                    break;
                }
                t *= 0.5;
            }
            let Some((ft, sse_t)) = accepted else {
                break;
            };
            delta.copy_from_slice(&trial);
            let gain = f - ft;
            f = ft;
            sse = sse_t;
            // After a full Newton step what remains is about the quadratic
            // model's error, `gain - predicted`.
            let tolerance = PROFILE_TOLERANCE * (1.0 + f.abs());
            if gain <= tolerance || (t == 1.0 && (gain - predicted).abs() <= tolerance) {
                break;
            }
        }
        self.delta = delta;
        self.trial = trial;
        x.iter_mut().zip(&self.delta).for_each(|(x, d)| *x += d);
        f
    }

    /// The Newton step at the predictions in `scratch` (with sum of squared
    /// relative residuals `sse`), into `self.step`, and the decrease of the
    /// objective its quadratic model predicts. The exact Hessian of the objective
    /// is `(n / sse)` times `sum (q^2 + r q' - (sse/n)/p^2) J J' - (2 / sse) g1 g1'`
    /// with `q = dr/dp = -y/p^2` and `q' = 2 y/p^3`. (Its Gauss-Newton part
    /// `sum q^2 J J'` is no substitute: one prediction near zero makes it huge
    /// and the step vanish.)
    fn newton_step_in_memory(&mut self, sse: f64) -> Option<f64> {
        let n = self.n() as f64;
        let sse = sse.max(self.floor * n);
        let ratio = sse / n;
        let weights = self.w_r.iter_mut().zip(&mut self.w_q).zip(&mut self.w_i);
        for (((w_r, w_q), w_i), (&p, &yt)) in weights.zip(self.scratch.iter().zip(self.y)) {
            let inv = 1.0 / p;
            let r = yt * inv - 1.0;
            let q = -yt * inv * inv;
            *w_r = r * q;
            *w_i = inv;
            *w_q = q * q + r * 2.0 * yt * inv * inv * inv - ratio * inv * inv;
        }
        self.accumulate_columns();
        let k = self.k();
        for i in 0..k {
            for j in 0..=i {
                self.h[i * k + j] -= 2.0 / sse * self.g1[i] * self.g1[j];
            }
        }
        for ((d, g1), g2) in self.step.iter_mut().zip(&self.g1).zip(&self.g2) {
            *d = -(g1 + ratio * g2);
        }
        let rhs = self.step.clone();
        let hessian = self.h.clone();
        if !solve_pd(&mut self.h, &mut self.step, k) {
            // Not positive definite (far from the optimum): a ridge makes it so,
            // and the line search keeps the step honest. Its prediction is not
            // a convergence test.
            self.h.copy_from_slice(&hessian);
            self.step.copy_from_slice(&rhs);
            return solve_spd(&mut self.h, &mut self.step, k).then_some(f64::INFINITY);
        }
        let decrease = 0.5 / ratio * rhs.iter().zip(&self.step).map(|(r, d)| r * d).sum::<f64>();
        Some(decrease.max(0.0))
    }

    /// `scratch = pred + jac delta`.
    fn shifted_predictions(&mut self, delta: &[f64]) {
        let n = self.n();
        self.scratch.copy_from_slice(&self.pred);
        for (i, d) in delta.iter().enumerate() {
            for (p, j) in self.scratch.iter_mut().zip(&self.jac[i * n..(i + 1) * n]) {
                *p += d * j;
            }
        }
    }

    /// The objective and sum of squares at predictions `pred + jac delta` (left in
    /// `scratch`).
    fn objective_in_memory(&mut self, delta: &[f64]) -> (f64, f64) {
        self.shifted_predictions(delta);
        let mut sse = 0.0;
        let mut positive = true;
        for (&p, &yt) in self.scratch.iter().zip(self.y) {
            positive &= p > 0.0;
            let r = yt / p - 1.0;
            sse += r * r;
        }
        if !positive {
            return (f64::INFINITY, sse);
        }
        let sums = PassSums::new(sse, true, log_sum(&self.scratch), true, 0.0, 0.0);
        (sums.objective(self.n(), self.floor), sse)
    }

    /// The change of initial states minimising `sum ((y - pred - jac delta) / y)^2`,
    /// into `self.step`; `false` if it cannot be solved.
    fn relative_least_squares(&mut self) -> bool {
        for (((w_r, w_q), w_i), (&p, &yt)) in self
            .w_r
            .iter_mut()
            .zip(&mut self.w_q)
            .zip(&mut self.w_i)
            .zip(self.pred.iter().zip(self.y))
        {
            let w = 1.0 / (yt * yt);
            *w_r = -w * (yt - p);
            *w_q = w;
            *w_i = 0.0;
        }
        self.accumulate_columns();
        self.g2.iter_mut().for_each(|g| *g = 0.0);
        self.gauss_newton_step(0.0)
    }

    /// Halve the step from `x` until the objective does not increase; the
    /// accepted point is left in `self.trial`.
    fn line_search(&mut self, rec: &Recursion, x: &[f64], fixed: f64, f: f64) -> Option<f64> {
        let mut t = 1.0;
        for _ in 0..30 {
            let mut trial = std::mem::take(&mut self.trial);
            for ((v, x), d) in trial.iter_mut().zip(x).zip(&self.step) {
                *v = x + t * d;
            }
            let ft = self.objective(rec, &trial, fixed);
            self.trial = trial;
            if ft <= f {
                return Some(ft);
            }
            t *= 0.5;
        }
        None
    }
}

/// Relative decrease of the objective below which the profile stops iterating.
const PROFILE_TOLERANCE: f64 = 1e-10;

/// The dot product, with four running sums so that it vectorises.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a4.zip(b4) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ets::estimation::{
        fix_oldest_season, heuristic_state, neutral_season, Search, START_PARAMS,
    };
    use crate::forecast::ets::likelihood::EtsParams;
    use crate::forecast::ets::tests::noisy;
    use crate::forecast::rng;
    use rand::RngExt;

    #[test]
    fn derivatives_of_the_predictions_match_finite_differences() {
        let y: Vec<f64> = noisy(60, 0.3, 4, 5.0, 1.0, 10);
        for code in ["ANN", "AAdN", "MAdN", "AAdA", "MAdM", "ANM"] {
            let spec = EtsSpec::parse(code, 4).unwrap();
            let params = EtsParams {
                alpha: 0.4,
                beta: 0.1,
                gamma: 0.2,
                phi: 0.9,
            };
            let rec = Recursion::new(&spec, &params);
            let start = fix_oldest_season(&spec, heuristic_state(&spec, &y));
            let layout = Layout::of(&spec);
            let x = layout.free(&start);
            let fixed = neutral_season(&spec);
            let mut ws = Workspace::new(&spec, &y);
            ws.linearise(&rec, &x, fixed);
            let (n, k) = (y.len(), layout.k());
            let predictions = |x: &[f64]| {
                let mut ring = vec![0.0; spec.season_length()];
                let (l, b) = layout.unpack(x, fixed, &mut ring);
                let mut p = vec![0.0; n];
                rec.filter(l, b, &mut ring, &y, |t, v| p[t] = v);
                p
            };
            assert!(ws
                .pred
                .iter()
                .zip(&predictions(&x))
                .all(|(a, b)| (a - b).abs() < 1e-9));
            for i in 0..k {
                let h = 1e-6 * x[i].abs().max(1.0);
                let (mut up, mut down) = (x.clone(), x.clone());
                up[i] += h;
                down[i] -= h;
                let (pu, pd) = (predictions(&up), predictions(&down));
                for t in 0..n {
                    let numeric = (pu[t] - pd[t]) / (2.0 * h);
                    let analytic = ws.jac[i * n + t];
                    assert!(
                        (numeric - analytic).abs() < 1e-5 * (1.0 + analytic.abs()),
                        "{code} state {i} step {t}: {numeric} vs {analytic}"
                    );
                }
            }
        }
    }

    #[test]
    fn profile_finds_the_best_initial_states() {
        // At fixed smoothing parameters, no small change of the profiled states
        // improves the objective.
        let y: Vec<f64> = noisy(96, 0.4, 8, 6.0, 1.5, 11);
        for code in ["AAN", "MAdN", "MNA", "MAM"] {
            let spec = EtsSpec::parse(code, 8).unwrap();
            let search = Search::of(&spec);
            let rec = Recursion::new(&spec, &search.params(&search.theta(&START_PARAMS)));
            let layout = Layout::of(&spec);
            let fixed = neutral_season(&spec);
            let mut x = layout.free(&fix_oldest_season(&spec, heuristic_state(&spec, &y)));
            let mut ws = Workspace::new(&spec, &y);
            let f = ws.profile(&rec, &mut x, fixed, 100);
            assert!(f.is_finite(), "{code}");
            assert!(
                (ws.objective(&rec, &x, fixed) - f).abs() < 1e-8 * f.abs(),
                "{code}"
            );
            let mut r = rng(12);
            for _ in 0..50 {
                let moved: Vec<f64> = x
                    .iter()
                    .map(|v| v + 1e-3 * (1.0 + v.abs()) * (r.random::<f64>() - 0.5))
                    .collect();
                assert!(
                    ws.objective(&rec, &moved, fixed) >= f - 1e-9 * f.abs(),
                    "{code}"
                );
            }
        }
    }
}
