//! STL and MSTL speed beside the `stlrs` crate, the Rust reference, on the same
//! input with the same settings (statsmodels' defaults written out in full, since
//! stlrs's own defaults differ: its jumps follow R's `stl`).
//!
//! `cargo bench --bench stl`; criterion prints both timings per size, and their
//! ratio is the figure we track (target: headroom at least 1.5 times faster).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use headroom::decompose::{Mstl, Stl};

/// Hourly-looking data: trend, daily and weekly cycles, deterministic noise.
fn series(n: usize) -> Vec<f64> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n)
        .map(|t| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let tau = std::f64::consts::TAU;
            100.0
                + 0.01 * t as f64
                + 10.0 * (tau * t as f64 / 24.0).sin()
                + 5.0 * (tau * t as f64 / 168.0).cos()
                + 3.0 * noise
        })
        .collect()
}

fn stlrs_params(period: usize, seasonal: usize) -> stlrs::StlParams {
    let trend = {
        let t = (1.5 * period as f64 / (1.0 - 1.5 / seasonal as f64)).ceil() as usize;
        t + usize::from(t.is_multiple_of(2))
    };
    let mut p = stlrs::params();
    p.seasonal_length(seasonal)
        .trend_length(trend)
        .low_pass_length(period + 1 + usize::from(period % 2 == 1))
        .seasonal_degree(1)
        .trend_degree(1)
        .low_pass_degree(1)
        .seasonal_jump(1)
        .trend_jump(1)
        .low_pass_jump(1)
        .inner_loops(5)
        .outer_loops(0)
        .robust(false);
    p
}

fn stl(c: &mut Criterion) {
    let mut group = c.benchmark_group("stl_period_24");
    group.sample_size(10);
    for n in [10_000, 100_000, 1_000_000] {
        let y = series(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("headroom", n), &y, |b, y| {
            b.iter(|| Stl::new(24).decompose(black_box(y)).unwrap())
        });
        let params = stlrs_params(24, 7);
        group.bench_with_input(BenchmarkId::new("stlrs", n), &y, |b, y| {
            b.iter(|| params.fit(black_box(y), 24).unwrap())
        });
    }
    group.finish();
}

fn mstl(c: &mut Criterion) {
    let mut group = c.benchmark_group("mstl_24_168_one_year_hourly");
    group.sample_size(10);
    let y = series(365 * 24);
    group.bench_function("headroom", |b| {
        b.iter(|| Mstl::new(vec![24, 168]).decompose(black_box(&y)).unwrap())
    });
    group.bench_function("stlrs", |b| {
        b.iter(|| {
            // stlrs takes one set of STL parameters for every period; run its STL per
            // period with statsmodels' MSTL windows (11 and 15), two iterations, as
            // our MSTL does, so the two do the same work.
            let mut seasonal = [vec![0.0; y.len()], vec![0.0; y.len()]];
            let mut deseason = y.clone();
            for _ in 0..2 {
                for (i, (period, window)) in [(24, 11), (168, 15)].into_iter().enumerate() {
                    for t in 0..y.len() {
                        deseason[t] += seasonal[i][t];
                    }
                    let fit = stlrs_params(period, window).fit(&deseason, period).unwrap();
                    seasonal[i].copy_from_slice(fit.seasonal());
                    for t in 0..y.len() {
                        deseason[t] -= seasonal[i][t];
                    }
                }
            }
            black_box(seasonal)
        })
    });
    group.finish();
}

criterion_group!(benches, stl, mstl);
criterion_main!(benches);
