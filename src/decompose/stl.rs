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
/// | jumps | 1 for all three smoothers |
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
        let jump = |name: &str, j: Option<usize>| match j.unwrap_or(1) {
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
            seasonal_jump: jump("seasonal", o.seasonal_jump)?,
            trend_jump: jump("trend", o.trend_jump)?,
            low_pass_jump: jump("low-pass", o.low_pass_jump)?,
            inner,
            outer: o.outer_iter.unwrap_or(outer_default),
        })
    }

    /// Decompose `y` (finite values, at least two periods long) into trend, seasonal
    /// and remainder; the robustness weights are returned too (all 1 when not robust).
    pub fn decompose(&self, y: &[f64]) -> Result<Decomposition> {
        let settings = self.resolve()?;
        check_values(y, settings.period)?;
        let mut ws = Workspace::new(y.len(), settings.period);
        ws.run(y, &settings);
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

/// STL needs two full periods of finite values.
pub(crate) fn check_values(y: &[f64], period: usize) -> Result<()> {
    if y.len() < 2 * period {
        return Err(Error::invalid(format!(
            "{} points is shorter than two seasons of {period} steps ({} points needed)",
            y.len(),
            2 * period
        )));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!(
            "value {} at step {i} is not finite",
            y[i]
        )));
    }
    Ok(())
}

/// Buffers of one STL run, reused across iterations so the loops do not allocate.
pub(crate) struct Workspace {
    pub trend: Vec<f64>,
    pub season: Vec<f64>,
    pub rw: Vec<f64>,
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
    pub fn new(n: usize, period: usize) -> Self {
        let sub = n / period + 3;
        Workspace {
            trend: vec![0.0; n],
            season: vec![0.0; n],
            rw: vec![1.0; n],
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
    pub fn run(&mut self, y: &[f64], s: &Resolved) {
        self.trend.fill(0.0);
        self.season.fill(0.0);
        self.rw.fill(1.0);
        let mut use_rw = false;
        for k in 0..=s.outer {
            self.inner_loop(y, s, use_rw);
            if k == s.outer {
                break;
            }
            self.robustness_weights(y);
            use_rw = true;
        }
    }

    /// `stlstp`: `inner` passes of seasonal smoothing, low-pass filtering and trend
    /// smoothing.
    fn inner_loop(&mut self, y: &[f64], s: &Resolved, use_rw: bool) {
        let n = y.len();
        let np = s.period;
        for _ in 0..s.inner {
            for i in 0..n {
                self.detrended[i] = y[i] - self.trend[i];
            }
            self.smooth_cycle_subseries(s, use_rw);
            low_pass_average(&self.cycle, np, &mut self.ma_a, &mut self.ma_b);
            loess(
                &self.ma_b[..n],
                s.low_pass,
                s.low_pass_deg,
                s.low_pass_jump,
                None,
                &mut self.low_pass,
                &mut self.loess_w,
            );
            for i in 0..n {
                self.season[i] = self.cycle[np + i] - self.low_pass[i];
                self.detrended[i] = y[i] - self.season[i];
            }
            let rw = use_rw.then_some(&self.rw[..]);
            loess(
                &self.detrended,
                s.trend,
                s.trend_deg,
                s.trend_jump,
                rw,
                &mut self.trend,
                &mut self.loess_w,
            );
        }
    }

    /// `stlss`: smooth each cycle-subseries and extend it by one value at each end.
    fn smooth_cycle_subseries(&mut self, s: &Resolved, use_rw: bool) {
        let n = self.detrended.len();
        let np = s.period;
        let ns = s.seasonal;
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
            loess(
                sub_y,
                ns,
                s.seasonal_deg,
                s.seasonal_jump,
                rw,
                &mut self.sub_out[1..=k],
                w,
            );
            let right = ns.min(k) - 1;
            self.sub_out[0] = loess_at(sub_y, ns, s.seasonal_deg, -1.0, 0, right, w, rw)
                .unwrap_or(self.sub_out[1]);
            let left = k.saturating_sub(ns);
            self.sub_out[k + 1] = loess_at(sub_y, ns, s.seasonal_deg, k as f64, left, k - 1, w, rw)
                .unwrap_or(self.sub_out[k]);
            for m in 0..k + 2 {
                self.cycle[m * np + j] = self.sub_out[m];
            }
        }
    }

    /// `stlrwt`: bisquare weights on the residuals scaled by six times their median.
    fn robustness_weights(&mut self, y: &[f64]) {
        let n = y.len();
        for i in 0..n {
            self.abs_res[i] = (y[i] - self.trend[i] - self.season[i]).abs();
        }
        let mid0 = n / 2;
        let mid1 = n - mid0 - 1;
        let (below, upper, _) = self.abs_res.select_nth_unstable_by(mid0, f64::total_cmp);
        let upper = *upper;
        let lower = if mid1 == mid0 {
            upper
        } else {
            below.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        };
        let cmad = 3.0 * (upper + lower);
        // Residuals at rounding level (a constant or exactly seasonal series) carry no
        // outliers; weighting them would only amplify rounding noise.
        let scale = y.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let cmad = if cmad <= 1e-12 * scale { 0.0 } else { cmad };
        for i in 0..n {
            let r = (y[i] - self.trend[i] - self.season[i]).abs();
            self.rw[i] = if cmad == 0.0 || r <= 0.001 * cmad {
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

/// `stless`: LOESS of `y` at every point (or every `jump` points with linear
/// interpolation between), written to `ys`. `w` is scratch of at least `y.len()`.
pub(crate) fn loess(
    y: &[f64],
    len: usize,
    deg: u8,
    jump: usize,
    rw: Option<&[f64]>,
    ys: &mut [f64],
    w: &mut [f64],
) {
    let n = y.len();
    if n < 2 {
        ys[0] = y[0];
        return;
    }
    let jump = jump.min(n - 1);
    let half = len.div_ceil(2);
    // The neighbourhood of `len` points around 0-based position i, clamped to the ends.
    let window = |i: usize| -> (usize, usize) {
        if len >= n {
            (0, n - 1)
        } else if i + 1 < half {
            (0, len - 1)
        } else if i + 1 > n - half {
            (n - len, n - 1)
        } else {
            (i + 1 - half, i + len - half)
        }
    };
    let mut i = 0;
    while i < n {
        let (left, right) = window(i);
        ys[i] = loess_at(y, len, deg, i as f64, left, right, w, rw).unwrap_or(y[i]);
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
        let (left, right) = window(n - 1);
        ys[n - 1] = loess_at(y, len, deg, (n - 1) as f64, left, right, w, rw).unwrap_or(y[n - 1]);
        let delta = (ys[n - 1] - ys[last]) / (n - 1 - last) as f64;
        for j in last + 1..n - 1 {
            ys[j] = ys[last] + delta * (j - last) as f64;
        }
    }
}

/// `stlest`: the LOESS fit at position `xs` (0-based, may lie one step outside the
/// data) from the points `left..=right`, with tricube neighbourhood weights times
/// the robustness weights. `None` when every weight is zero.
#[allow(clippy::too_many_arguments)]
pub(crate) fn loess_at(
    y: &[f64],
    len: usize,
    deg: u8,
    xs: f64,
    left: usize,
    right: usize,
    w: &mut [f64],
    rw: Option<&[f64]>,
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - left as f64).max(right as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let h9 = 0.999 * h;
    let h1 = 0.001 * h;
    let mut total = 0.0;
    for j in left..=right {
        let r = (j as f64 - xs).abs();
        let mut wj = 0.0;
        if r <= h9 {
            wj = if r <= h1 {
                1.0
            } else {
                (1.0 - (r / h).powi(3)).powi(3)
            };
            if let Some(rw) = rw {
                wj *= rw[j];
            }
            total += wj;
        }
        w[j] = wj;
    }
    if total <= 0.0 {
        return None;
    }
    for wj in &mut w[left..=right] {
        *wj /= total;
    }
    if h > 0.0 && deg > 0 {
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
    Some((left..=right).map(|j| w[j] * y[j]).sum())
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
