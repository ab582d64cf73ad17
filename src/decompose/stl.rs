//! STL: Seasonal-Trend decomposition using LOESS (Cleveland, Cleveland, McRae and
//! Terpenning, 1990, Journal of Official Statistics 6, 3-73).
//!
//! The algorithm follows the authors' Fortran (netlib `stl`) step for step, as
//! statsmodels' `STL` does, including its defaults, so that results agree with
//! statsmodels to rounding: inner loop (cycle-subseries smoothing, low-pass filter,
//! detrending), outer loop with bisquare robustness weights, LOESS of degree 0 or 1
//! with jumps and linear interpolation in between.

// The loops walk several equally long arrays in step, as the Fortran does; index
// loops keep them readable against the reference.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use super::Decomposition;
use crate::error::{Error, Result};

/// Settings of an STL decomposition other than the period. Every field left `None`
/// takes statsmodels' default, which the CLI contract also fixes:
///
/// | setting | default |
/// |---|---|
/// | seasonal window | 7 |
/// | trend window | smallest odd integer ≥ `1.5 * period / (1 - 1.5 / seasonal_window)` |
/// | low-pass window | smallest odd integer > period |
/// | degrees | 1 for all three smoothers |
/// | jumps | 1 for all three smoothers (a tenth of the window with `coarse_jumps`) |
/// | iterations | 5 inner, 0 outer; 2 inner, 15 outer when robust |
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StlOptions {
    /// Length of the seasonal (cycle-subseries) smoother; odd, at least 3.
    pub seasonal_window: Option<usize>,
    /// Length of the trend smoother; odd, at least 3, greater than the period.
    pub trend_window: Option<usize>,
    /// Length of the low-pass filter's smoother; odd, at least 3, greater than the period.
    pub low_pass_window: Option<usize>,
    /// Degree of the seasonal LOESS (0 or 1).
    pub seasonal_degree: Option<u8>,
    /// Degree of the trend LOESS (0 or 1).
    pub trend_degree: Option<u8>,
    /// Degree of the low-pass LOESS (0 or 1).
    pub low_pass_degree: Option<u8>,
    /// Evaluate the seasonal LOESS every this many points and interpolate between.
    pub seasonal_jump: Option<usize>,
    /// Evaluate the trend LOESS every this many points and interpolate between.
    pub trend_jump: Option<usize>,
    /// Evaluate the low-pass LOESS every this many points and interpolate between.
    pub low_pass_jump: Option<usize>,
    /// Use bisquare robustness weights (changes the iteration defaults).
    pub robust: bool,
    /// Passes of the inner loop.
    pub inner_iter: Option<usize>,
    /// Passes of the outer (robustness) loop.
    pub outer_iter: Option<usize>,
    /// Jumps not given default to a tenth of their window, rounded up, as in R's
    /// `stl`, instead of 1 as in statsmodels (the contract's default for
    /// `decompose`). The forecasters use this.
    #[serde(default)]
    pub coarse_jumps: bool,
}

/// An STL decomposition for one seasonal period, configured with `with_*`-free
/// builder methods that consume and return the value.
///
/// ```
/// use headroom::decompose::Stl;
/// let y: Vec<f64> = (0..96).map(|t| t as f64 * 0.1 + [0.0, 3.0, 1.0, -4.0][t % 4]).collect();
/// let d = Stl::new(4).seasonal_window(7).decompose(&y).unwrap();
/// assert!((d.seasonal[0][1] - 3.0).abs() < 0.5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stl {
    period: usize,
    options: StlOptions,
}

/// STL settings with every default resolved and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub period: usize,
    pub seasonal: usize,
    pub trend: usize,
    pub low_pass: usize,
    pub seasonal_deg: u8,
    pub trend_deg: u8,
    pub low_pass_deg: u8,
    pub seasonal_jump: usize,
    pub trend_jump: usize,
    pub low_pass_jump: usize,
    pub inner: usize,
    pub outer: usize,
}

impl Stl {
    /// STL with statsmodels' defaults for this period (in steps).
    pub fn new(period: usize) -> Self {
        Stl {
            period,
            options: StlOptions::default(),
        }
    }

    /// STL for this period with the given settings.
    pub fn with_options(period: usize, options: StlOptions) -> Self {
        Stl { period, options }
    }

    /// The period in steps.
    pub fn period(&self) -> usize {
        self.period
    }

    /// The settings as given (unresolved defaults are `None`).
    pub fn options(&self) -> &StlOptions {
        &self.options
    }

    /// Set the seasonal smoother length (odd, ≥ 3; default 7).
    pub fn seasonal_window(mut self, window: usize) -> Self {
        self.options.seasonal_window = Some(window);
        self
    }

    /// Set the trend smoother length (odd, ≥ 3, > period).
    pub fn trend_window(mut self, window: usize) -> Self {
        self.options.trend_window = Some(window);
        self
    }

    /// Set the low-pass smoother length (odd, ≥ 3, > period).
    pub fn low_pass_window(mut self, window: usize) -> Self {
        self.options.low_pass_window = Some(window);
        self
    }

    /// Set the LOESS degrees (each 0 or 1) of the seasonal, trend and low-pass smoothers.
    pub fn degrees(mut self, seasonal: u8, trend: u8, low_pass: u8) -> Self {
        self.options.seasonal_degree = Some(seasonal);
        self.options.trend_degree = Some(trend);
        self.options.low_pass_degree = Some(low_pass);
        self
    }

    /// Set the jumps (each ≥ 1) of the seasonal, trend and low-pass smoothers.
    pub fn jumps(mut self, seasonal: usize, trend: usize, low_pass: usize) -> Self {
        self.options.seasonal_jump = Some(seasonal);
        self.options.trend_jump = Some(trend);
        self.options.low_pass_jump = Some(low_pass);
        self
    }

    /// Use robustness weights (default false).
    pub fn robust(mut self, robust: bool) -> Self {
        self.options.robust = robust;
        self
    }

    /// Set the numbers of inner and outer iterations.
    pub fn iterations(mut self, inner: usize, outer: usize) -> Self {
        self.options.inner_iter = Some(inner);
        self.options.outer_iter = Some(outer);
        self
    }

    /// Resolve defaults and check every setting, as statsmodels' `STL.__init__` does.
    pub(crate) fn resolve(&self) -> Result<Resolved> {
        let o = &self.options;
        let period = self.period;
        if period < 2 {
            return Err(Error::invalid(format!(
                "the seasonal period must be at least 2 steps, got {period}"
            )));
        }
        let seasonal = o.seasonal_window.unwrap_or(7);
        check_window("seasonal", seasonal, None)?;
        let trend = o.trend_window.unwrap_or_else(|| {
            // statsmodels: ceil(1.5 * period / (1 - 1.5 / seasonal)), made odd.
            let t = (1.5 * period as f64 / (1.0 - 1.5 / seasonal as f64)).ceil() as usize;
            t + usize::from(t.is_multiple_of(2))
        });
        check_window("trend", trend, Some(period))?;
        let low_pass = o
            .low_pass_window
            .unwrap_or(period + 1 + usize::from(period % 2 == 1));
        check_window("low-pass", low_pass, Some(period))?;
        let degree = |name: &str, d: Option<u8>| match d.unwrap_or(1) {
            d @ (0 | 1) => Ok(d),
            d => Err(Error::invalid(format!(
                "the {name} degree must be 0 or 1, got {d}"
            ))),
        };
        // R's `stl` evaluates every tenth of a window and interpolates; statsmodels
        // evaluates every point. The coarse jumps are for forecasting, where the
        // difference is far below the noise and the speed-up is about fivefold.
        let coarse = o.coarse_jumps;
        let jump = |name: &str, j: Option<usize>, window: usize| match j.unwrap_or(if coarse {
            window.div_ceil(10)
        } else {
            1
        }) {
            0 => Err(Error::invalid(format!(
                "the {name} jump must be at least 1"
            ))),
            j => Ok(j),
        };
        let (inner_default, outer_default) = if o.robust { (2, 15) } else { (5, 0) };
        let inner = o.inner_iter.unwrap_or(inner_default);
        if inner == 0 {
            return Err(Error::invalid("STL needs at least one inner iteration"));
        }
        Ok(Resolved {
            period,
            seasonal,
            trend,
            low_pass,
            seasonal_deg: degree("seasonal", o.seasonal_degree)?,
            trend_deg: degree("trend", o.trend_degree)?,
            low_pass_deg: degree("low-pass", o.low_pass_degree)?,
            seasonal_jump: jump("seasonal", o.seasonal_jump, seasonal)?,
            trend_jump: jump("trend", o.trend_jump, trend)?,
            low_pass_jump: jump("low-pass", o.low_pass_jump, low_pass)?,
            inner,
            outer: o.outer_iter.unwrap_or(outer_default),
        })
    }

    /// Decompose `y` (finite values, at least two periods long) into trend, seasonal
    /// and remainder; the robustness weights are returned too (all 1 when not robust).
    pub fn decompose(&self, y: &[f64]) -> Result<Decomposition> {
        let settings = self.resolve()?;
        check_values(y, settings.period)?;
        let mut ws = Workspace::new(y.len(), settings);
        ws.run(y);
        Ok(Decomposition {
            periods: vec![settings.period],
            remainder: (0..y.len())
                .map(|i| y[i] - ws.season[i] - ws.trend[i])
                .collect(),
            seasonal: vec![ws.season],
            trend: ws.trend,
            weights: ws.rw,
        })
    }
}

fn check_window(name: &str, window: usize, above: Option<usize>) -> Result<()> {
    if window < 3 || window.is_multiple_of(2) {
        return Err(Error::invalid(format!(
            "the {name} window must be an odd integer of at least 3, got {window}"
        )));
    }
    if let Some(period) = above.filter(|&p| window <= p) {
        return Err(Error::invalid(format!(
            "the {name} window ({window}) must be greater than the period ({period})"
        )));
    }
    Ok(())
}

/// STL needs two full periods, no infinite values, and at least one observed
/// value in every phase of the period (missing values are `NaN`).
pub(crate) fn check_values(y: &[f64], period: usize) -> Result<()> {
    if y.len() < 2 * period {
        return Err(Error::too_short(format!(
            "{} points is shorter than two seasons of {period} steps ({} points needed)",
            y.len(),
            2 * period
        )));
    }
    if let Some(i) = y.iter().position(|v| v.is_infinite()) {
        return Err(Error::invalid(format!(
            "value {} at step {i} is not finite",
            y[i]
        )));
    }
    if let Some(phase) = (0..period).find(|&j| y.iter().skip(j).step_by(period).all(|v| v.is_nan()))
    {
        return Err(Error::invalid(format!(
            "every value at phase {phase} of the period {period} is missing"
        )));
    }
    Ok(())
}

/// Buffers of one STL run, reused across iterations so the loops do not allocate.
pub(crate) struct Workspace {
    pub trend: Vec<f64>,
    pub season: Vec<f64>,
    pub rw: Vec<f64>,
    settings: Resolved,
    seasonal: Smoother,
    trend_smoother: Smoother,
    low_pass_smoother: Smoother,
    /// The series minus trend, then minus season.
    detrended: Vec<f64>,
    /// Smoothed cycle-subseries, one period longer at each end (n + 2 * period).
    cycle: Vec<f64>,
    /// Moving-average stages of the low-pass filter.
    ma_a: Vec<f64>,
    ma_b: Vec<f64>,
    /// The low-pass filtered cycle-subseries.
    low_pass: Vec<f64>,
    /// One cycle-subseries, its robustness weights and its smoothed values.
    sub_y: Vec<f64>,
    sub_rw: Vec<f64>,
    sub_out: Vec<f64>,
    /// LOESS neighbourhood weights.
    loess_w: Vec<f64>,
    /// Absolute residuals for the robustness weights.
    abs_res: Vec<f64>,
}

impl Workspace {
    pub fn new(n: usize, settings: Resolved) -> Self {
        let period = settings.period;
        let sub = n / period + 3;
        Workspace {
            trend: vec![0.0; n],
            season: vec![0.0; n],
            rw: vec![1.0; n],
            settings,
            seasonal: Smoother::new(
                settings.seasonal,
                settings.seasonal_deg,
                settings.seasonal_jump,
            ),
            trend_smoother: Smoother::new(settings.trend, settings.trend_deg, settings.trend_jump),
            low_pass_smoother: Smoother::new(
                settings.low_pass,
                settings.low_pass_deg,
                settings.low_pass_jump,
            ),
            detrended: vec![0.0; n],
            cycle: vec![0.0; n + 2 * period],
            ma_a: vec![0.0; n + 2 * period],
            ma_b: vec![0.0; n + 2 * period],
            low_pass: vec![0.0; n],
            sub_y: vec![0.0; sub],
            sub_rw: vec![0.0; sub],
            sub_out: vec![0.0; sub],
            loess_w: vec![0.0; n.max(sub)],
            abs_res: vec![0.0; n],
        }
    }

    /// The outer loop of `stl`: inner passes, then robustness weights, repeated.
    pub fn run(&mut self, y: &[f64]) {
        self.trend.fill(0.0);
        self.season.fill(0.0);
        self.rw.fill(1.0);
        let mut use_rw = false;
        for k in 0..=self.settings.outer {
            self.inner_loop(y, use_rw);
            if k == self.settings.outer {
                break;
            }
            self.robustness_weights(y);
            use_rw = true;
        }
    }

    /// `stlstp`: `inner` passes of seasonal smoothing, low-pass filtering and trend
    /// smoothing.
    fn inner_loop(&mut self, y: &[f64], use_rw: bool) {
        let n = y.len();
        let np = self.settings.period;
        for _ in 0..self.settings.inner {
            for i in 0..n {
                self.detrended[i] = y[i] - self.trend[i];
            }
            self.smooth_cycle_subseries(use_rw);
            low_pass_average(&self.cycle, np, &mut self.ma_a, &mut self.ma_b);
            self.low_pass_smoother.smooth(
                &self.ma_b[..n],
                None,
                &mut self.low_pass,
                &mut self.loess_w,
            );
            for i in 0..n {
                self.season[i] = self.cycle[np + i] - self.low_pass[i];
                self.detrended[i] = y[i] - self.season[i];
            }
            let rw = use_rw.then_some(&self.rw[..]);
            self.trend_smoother
                .smooth(&self.detrended, rw, &mut self.trend, &mut self.loess_w);
        }
    }

    /// `stlss`: smooth each cycle-subseries and extend it by one value at each end.
    fn smooth_cycle_subseries(&mut self, use_rw: bool) {
        let n = self.detrended.len();
        let np = self.settings.period;
        for j in 0..np {
            let k = (n - (j + 1)) / np + 1;
            for i in 0..k {
                self.sub_y[i] = self.detrended[i * np + j];
                if use_rw {
                    self.sub_rw[i] = self.rw[i * np + j];
                }
            }
            let sub_y = &self.sub_y[..k];
            let rw = use_rw.then_some(&self.sub_rw[..k]);
            let w = &mut self.loess_w;
            let smoother = &self.seasonal;
            smoother.smooth(sub_y, rw, &mut self.sub_out[1..=k], w);
            let missing = sub_y.iter().any(|v| v.is_nan());
            let (left, right) = smoother.window(sub_y, 0, missing);
            self.sub_out[0] = smoother
                .fit_beyond(sub_y, -1.0, left, right, w, rw)
                .unwrap_or(self.sub_out[1]);
            let (left, right) = smoother.window(sub_y, k - 1, missing);
            self.sub_out[k + 1] = smoother
                .fit_beyond(sub_y, k as f64, left, right, w, rw)
                .unwrap_or(self.sub_out[k]);
            for m in 0..k + 2 {
                self.cycle[m * np + j] = self.sub_out[m];
            }
        }
    }

    /// `stlrwt`: bisquare weights on the residuals scaled by six times their median
    /// (over the observed points; missing points keep weight 1, they are skipped).
    fn robustness_weights(&mut self, y: &[f64]) {
        let mut m = 0;
        for i in 0..y.len() {
            let r = (y[i] - self.trend[i] - self.season[i]).abs();
            if !r.is_nan() {
                self.abs_res[m] = r;
                m += 1;
            }
        }
        let residuals = &mut self.abs_res[..m];
        let mid0 = m / 2;
        let mid1 = m - mid0 - 1;
        let (below, upper, _) = residuals.select_nth_unstable_by(mid0, f64::total_cmp);
        let upper = *upper;
        let lower = if mid1 == mid0 {
            upper
        } else {
            below.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        };
        let cmad = 3.0 * (upper + lower);
        // Residuals at rounding level (a constant or exactly seasonal series) carry no
        // outliers; weighting them would only amplify rounding noise.
        let scale = y
            .iter()
            .filter(|v| !v.is_nan())
            .fold(0.0_f64, |m, v| m.max(v.abs()));
        let cmad = if cmad <= 1e-12 * scale { 0.0 } else { cmad };
        for i in 0..y.len() {
            let r = (y[i] - self.trend[i] - self.season[i]).abs();
            self.rw[i] = if cmad == 0.0 || r.is_nan() || r <= 0.001 * cmad {
                1.0
            } else if r <= 0.999 * cmad {
                (1.0 - (r / cmad).powi(2)).powi(2)
            } else {
                0.0
            };
        }
    }
}

/// `stlfts`: moving averages of lengths `np`, `np` and 3 over the extended
/// cycle-subseries (length n + 2np), leaving n values in the front of `out`.
fn low_pass_average(x: &[f64], np: usize, scratch: &mut [f64], out: &mut [f64]) {
    let n2 = x.len();
    moving_average(x, np, scratch);
    moving_average(&scratch[..n2 - np + 1], np, out);
    moving_average(&out[..n2 - 2 * np + 2], 3, scratch);
    let n = n2 - 2 * np;
    out[..n].copy_from_slice(&scratch[..n]);
}

/// `stlma`: running mean of length `len`; writes `x.len() - len + 1` values.
fn moving_average(x: &[f64], len: usize, ave: &mut [f64]) {
    let new_n = x.len() - len + 1;
    let flen = len as f64;
    let mut v: f64 = x[..len].iter().sum();
    ave[0] = v / flen;
    for j in 1..new_n {
        v += x[len + j - 1] - x[j - 1];
        ave[j] = v / flen;
    }
}

/// A LOESS smoother of one length, degree and jump: the `stless` and `stlest`
/// routines. Missing values (`NaN`) are skipped: each fit uses the `len` observed
/// points nearest to it, as statsmodels' missing-value-aware STL does and as
/// Cleveland et al. (1990, section 3.6) describe.
#[derive(Clone, Debug)]
pub(crate) struct Smoother {
    len: usize,
    deg: u8,
    jump: usize,
    /// Tricube weights at distances `0..=(len - 1) / 2` for a full interior window,
    /// computed once: most fits use them, and the powers are the costly part.
    kernel: Vec<f64>,
}

impl Smoother {
    pub fn new(len: usize, deg: u8, jump: usize) -> Self {
        let half = (len - 1) / 2;
        let h = half as f64;
        let kernel = (0..=half).map(|d| tricube(d as f64, h)).collect();
        Smoother {
            len,
            deg,
            jump,
            kernel,
        }
    }

    /// Smooth `y` into `ys` (every `jump` points, linear in between). `w` is
    /// scratch of at least `y.len()`.
    pub fn smooth(&self, y: &[f64], rw: Option<&[f64]>, ys: &mut [f64], w: &mut [f64]) {
        let n = y.len();
        if n < 2 {
            ys[0] = y[0];
            return;
        }
        let missing = y.iter().any(|v| v.is_nan());
        let jump = self.jump.min(n - 1);
        let mut i = 0;
        while i < n {
            ys[i] = self.fit_at(y, i, rw, w, missing);
            i += jump;
        }
        if jump == 1 {
            return;
        }
        let mut i = 0;
        while i + jump < n {
            let delta = (ys[i + jump] - ys[i]) / jump as f64;
            for j in i + 1..i + jump {
                ys[j] = ys[i] + delta * (j - i) as f64;
            }
            i += jump;
        }
        let last = ((n - 1) / jump) * jump;
        if last != n - 1 {
            ys[n - 1] = self.fit_at(y, n - 1, rw, w, missing);
            let delta = (ys[n - 1] - ys[last]) / (n - 1 - last) as f64;
            for j in last + 1..n - 1 {
                ys[j] = ys[last] + delta * (j - last) as f64;
            }
        }
    }

    /// The fit at point `i`, or `y[i]` when no neighbour carries weight.
    fn fit_at(&self, y: &[f64], i: usize, rw: Option<&[f64]>, w: &mut [f64], missing: bool) -> f64 {
        let n = y.len();
        let half = self.kernel.len() - 1;
        if !missing && self.len <= n && i >= half && i + half < n {
            return self.fit_interior(y, i, rw).unwrap_or(y[i]);
        }
        let (left, right) = self.window(y, i, missing);
        self.fit_beyond(y, i as f64, left, right, w, rw)
            .unwrap_or(y[i])
    }

    /// The neighbourhood of point `i` (or, for an extrapolation, of the nearest end).
    pub fn window(&self, y: &[f64], i: usize, missing: bool) -> (usize, usize) {
        let n = y.len();
        let len = self.len;
        if missing {
            return observed_window(y, i.min(n - 1), len);
        }
        let half = len.div_ceil(2);
        if len >= n {
            (0, n - 1)
        } else if i + 1 < half {
            (0, len - 1)
        } else if i + 1 > n - half {
            (n - len, n - 1)
        } else {
            (i + 1 - half, i + len - half)
        }
    }

    /// A fit at an interior point whose window is symmetric and complete, with the
    /// precomputed kernel. Without robustness weights the weights are symmetric,
    /// so the local line passes through their weighted mean at `i` and the slope
    /// correction of degree 1 vanishes.
    fn fit_interior(&self, y: &[f64], i: usize, rw: Option<&[f64]>) -> Option<f64> {
        let half = self.kernel.len() - 1;
        let Some(rw) = rw else {
            let mut total = self.kernel[0];
            let mut sum = self.kernel[0] * y[i];
            for d in 1..=half {
                let k = self.kernel[d];
                total += 2.0 * k;
                sum += k * (y[i - d] + y[i + d]);
            }
            return (total > 0.0).then(|| sum / total);
        };
        let weight = |j: usize| self.kernel[j.abs_diff(i)] * rw[j];
        let (left, right) = (i - half, i + half);
        let total: f64 = (left..=right).map(weight).sum();
        if total <= 0.0 {
            return None;
        }
        let mut fit: f64 = (left..=right).map(|j| weight(j) * y[j]).sum::<f64>() / total;
        if self.deg > 0 && half > 0 {
            let mean = (left..=right).map(|j| weight(j) * j as f64).sum::<f64>() / total;
            let spread = (left..=right)
                .map(|j| weight(j) * (j as f64 - mean).powi(2))
                .sum::<f64>()
                / total;
            let range = y.len() as f64 - 1.0;
            if spread.sqrt() > 0.001 * range {
                let slope = (i as f64 - mean) / spread;
                let correction: f64 = (left..=right)
                    .map(|j| weight(j) * slope * (j as f64 - mean) * y[j])
                    .sum::<f64>()
                    / total;
                fit += correction;
            }
        }
        Some(fit)
    }

    /// `stlest`: the fit at position `xs` (0-based, possibly one step outside the
    /// data) from the observed points of `left..=right`, with tricube weights times
    /// the robustness weights. `None` when every weight is zero.
    #[allow(clippy::too_many_arguments)]
    pub fn fit_beyond(
        &self,
        y: &[f64],
        xs: f64,
        left: usize,
        right: usize,
        w: &mut [f64],
        rw: Option<&[f64]>,
    ) -> Option<f64> {
        let n = y.len();
        let range = n as f64 - 1.0;
        let mut h = (xs - left as f64).max(right as f64 - xs);
        if self.len > n {
            h += ((self.len - n) / 2) as f64;
        }
        let mut total = 0.0;
        for j in left..=right {
            let mut wj = if y[j].is_nan() {
                0.0
            } else {
                tricube((j as f64 - xs).abs(), h)
            };
            if let Some(rw) = rw {
                wj *= rw[j];
            }
            total += wj;
            w[j] = wj;
        }
        if total <= 0.0 {
            return None;
        }
        for wj in &mut w[left..=right] {
            *wj /= total;
        }
        if h > 0.0 && self.deg > 0 {
            let mean: f64 = (left..=right).map(|j| w[j] * j as f64).sum();
            let spread: f64 = (left..=right)
                .map(|j| w[j] * (j as f64 - mean).powi(2))
                .sum();
            if spread.sqrt() > 0.001 * range {
                let slope = (xs - mean) / spread;
                for j in left..=right {
                    w[j] *= slope * (j as f64 - mean) + 1.0;
                }
            }
        }
        Some(
            (left..=right)
                .filter(|&j| w[j] != 0.0)
                .map(|j| w[j] * y[j])
                .sum(),
        )
    }
}

/// The tricube weight of a point at distance `r` in a neighbourhood of radius `h`,
/// with the Fortran's thresholds: full weight within 0.1 % of the radius, none
/// beyond 99.9 %.
fn tricube(r: f64, h: f64) -> f64 {
    if r > 0.999 * h {
        0.0
    } else if r <= 0.001 * h {
        1.0
    } else {
        (1.0 - (r / h).powi(3)).powi(3)
    }
}

/// The `len` observed points nearest to `i`, grown outwards one step at a time on
/// both sides (right first) and trimmed on the side that gave more when it
/// overshoots: statsmodels' rule for series with missing values.
fn observed_window(y: &[f64], i: usize, len: usize) -> (usize, usize) {
    let n = y.len();
    let observed = |j: usize| !y[j].is_nan();
    let (mut lo, mut hi, mut count) = if observed(i) {
        (i, i, 1)
    } else {
        (i + 1, i.saturating_sub(1), 0)
    };
    let (mut above, mut below) = (0, 0);
    let mut distance = 0;
    while count < len && distance <= n {
        distance += 1;
        if i + distance < n && observed(i + distance) {
            hi = i + distance;
            count += 1;
            above += 1;
        }
        if distance <= i && observed(i - distance) {
            lo = i - distance;
            count += 1;
            below += 1;
        }
    }
    if count > len {
        if above <= below {
            lo += 1;
            while !observed(lo) {
                lo += 1;
            }
        } else {
            hi -= 1;
            while !observed(hi) {
                hi -= 1;
            }
        }
    }
    (lo.min(hi), hi.max(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_statsmodels() {
        let r = Stl::new(24).resolve().unwrap();
        assert_eq!((r.seasonal, r.trend, r.low_pass), (7, 47, 25));
        let r = Stl::new(12).seasonal_window(13).resolve().unwrap();
        assert_eq!((r.trend, r.low_pass), (21, 13));
        let r = Stl::new(288).resolve().unwrap();
        assert_eq!((r.trend, r.low_pass), (551, 289));
        let r = Stl::new(24).robust(true).resolve().unwrap();
        assert_eq!((r.inner, r.outer), (2, 15));
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(Stl::new(1).resolve().is_err());
        assert!(Stl::new(12).seasonal_window(8).resolve().is_err());
        assert!(Stl::new(12).trend_window(11).resolve().is_err());
        assert!(Stl::new(12).degrees(2, 1, 1).resolve().is_err());
        assert!(Stl::new(12).jumps(0, 1, 1).resolve().is_err());
        assert!(Stl::new(12).decompose(&[1.0; 23]).is_err());
        let mut y = vec![1.0; 48];
        y[3] = f64::INFINITY;
        assert!(Stl::new(12).decompose(&y).is_err());
    }

    #[test]
    fn constant_series_decomposes_flat() {
        let d = Stl::new(12).robust(true).decompose(&[5.0; 60]).unwrap();
        for i in 0..60 {
            assert!((d.trend[i] - 5.0).abs() < 1e-9);
            assert!(d.seasonal[0][i].abs() < 1e-9);
            assert!(d.remainder[i].abs() < 1e-9);
            assert_eq!(d.weights[i], 1.0);
        }
    }

    /// A trend, a period-12 season and deterministic noise.
    fn seasonal_series(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let season = [
            3.0, 2.0, 0.5, -1.0, -2.5, -3.0, -2.0, -0.5, 0.5, 1.0, 1.5, 0.5,
        ];
        let trend: Vec<f64> = (0..n).map(|t| 50.0 + 0.1 * t as f64).collect();
        let s: Vec<f64> = (0..n).map(|t| season[t % 12]).collect();
        let y = (0..n)
            .map(|t| trend[t] + s[t] + 0.2 * (((t * 7919) % 17) as f64 / 17.0 - 0.5))
            .collect();
        (y, trend, s)
    }

    #[test]
    fn observed_window_is_the_fortran_window_without_gaps() {
        let y = vec![1.0; 40];
        for len in [3, 7, 13, 39, 41] {
            let smoother = Smoother::new(len, 1, 1);
            for i in 0..40 {
                assert_eq!(
                    observed_window(&y, i, len),
                    smoother.window(&y, i, false),
                    "len {len} at {i}"
                );
            }
        }
    }

    #[test]
    fn missing_values_are_skipped_not_invented() {
        let (y, trend, season) = seasonal_series(240);
        let mut gappy = y.clone();
        let missing = [0, 5, 17, 18, 19, 20, 60, 61, 150, 239];
        for &i in &missing {
            gappy[i] = f64::NAN;
        }
        for robust in [false, true] {
            let full = Stl::new(12).robust(robust).decompose(&y).unwrap();
            let d = Stl::new(12).robust(robust).decompose(&gappy).unwrap();
            for t in 0..240 {
                assert!(
                    d.trend[t].is_finite() && d.seasonal[0][t].is_finite(),
                    "step {t}"
                );
                assert_eq!(d.remainder[t].is_nan(), missing.contains(&t), "step {t}");
                // The gaps cost little: components stay as close to the truth as
                // STL gets at the ends without gaps (0.14 for this noise), and
                // within 0.1 of the decomposition without gaps.
                assert!((d.trend[t] - trend[t]).abs() < 0.25, "trend at {t}");
                assert!((d.seasonal[0][t] - season[t]).abs() < 0.25, "season at {t}");
                assert!((d.trend[t] - full.trend[t]).abs() < 0.1, "vs full at {t}");
            }
        }
    }

    #[test]
    fn a_phase_with_no_observation_is_an_error() {
        let (mut y, _, _) = seasonal_series(48);
        for t in (3..48).step_by(12) {
            y[t] = f64::NAN;
        }
        let err = Stl::new(12).decompose(&y).unwrap_err().to_string();
        assert!(err.contains("phase 3"), "{err}");
        assert!(Stl::new(12).decompose(&[f64::NAN; 48]).is_err());
    }

    #[test]
    fn strengths() {
        let (y, _, _) = seasonal_series(240);
        let d = Stl::new(12).decompose(&y).unwrap();
        assert!(d.trend_strength() > 0.99);
        assert!(d.seasonal_strength()[0] > 0.99);
        let flat = Stl::new(12).decompose(&[2.0; 48]).unwrap();
        assert_eq!(flat.trend_strength(), 0.0);
        assert_eq!(flat.seasonal_strength(), vec![0.0]);
    }

    #[test]
    fn components_add_up() {
        let y: Vec<f64> = (0..200)
            .map(|t| {
                (t as f64 * 0.7).sin() * 3.0 + t as f64 * 0.05 + ((t * 7919) % 13) as f64 * 0.1
            })
            .collect();
        let d = Stl::new(10).jumps(2, 3, 2).decompose(&y).unwrap();
        for i in 0..y.len() {
            let sum = d.trend[i] + d.seasonal[0][i] + d.remainder[i];
            assert!((sum - y[i]).abs() < 1e-9);
        }
    }
}
