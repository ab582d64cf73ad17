//! Reading a large long CSV: headroom's streamed reader beside a plain reference
//! written here with the `csv` crate (records parsed one by one, timestamps with
//! chrono, values with `str::parse`, grouped into per-series vectors).
//!
//! The input, 1,000 series of 10,000 points (10 million rows, about 0.5 GB), is
//! generated once into the target directory. Sizes can be changed with
//! `HEADROOM_BENCH_SERIES` and `HEADROOM_BENCH_POINTS`.
//!
//! Besides criterion's timings (with rows per second as throughput), one measured
//! run of each reader prints its peak heap, counted by the global allocator below,
//! against the size of the values themselves (an 8-byte time and an 8-byte value
//! per row), and the process' peak resident set (`VmHWM`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use headroom::ingest::{read_path, ReadOptions};

/// The system allocator, counting bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

fn grew(bytes: usize) {
    let now = IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The benchmark input: `series,timestamp,value`, rows interleaved by time (every
/// row a different series from the one before, the harder order for grouping),
/// RFC 3339 timestamps a minute apart, values with three decimals.
fn input(series: usize, points: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("long_{series}x{points}.csv"));
    if path.exists() {
        return path;
    }
    let partial = path.with_extension("partial");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&partial).unwrap());
    writeln!(out, "series,timestamp,value").unwrap();
    let t0 = DateTime::from_timestamp(1_704_067_200, 0).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for p in 0..points {
        let t = (t0 + chrono::TimeDelta::minutes(p as i64)).format("%Y-%m-%dT%H:%M:%SZ");
        let t = t.to_string();
        for s in 0..series {
            // xorshift: cheap, reproducible noise.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64;
            let v = 100.0 + s as f64 + 0.01 * p as f64 + 10.0 * noise;
            writeln!(out, "host-{s:04},{t},{v:.3}").unwrap();
        }
    }
    out.flush().unwrap();
    drop(out);
    std::fs::rename(&partial, &path).unwrap();
    path
}

/// The reference: the `csv` crate, one record at a time.
fn reference(path: &Path) -> Vec<(String, Vec<DateTime<Utc>>, Vec<f64>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut series: Vec<(String, Vec<DateTime<Utc>>, Vec<f64>)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).unwrap() {
        let name = &record[0];
        let slot = match index.get(name) {
            Some(&slot) => slot,
            None => {
                index.insert(name.to_vec(), series.len());
                let text = String::from_utf8(name.to_vec()).unwrap();
                series.push((text, Vec::new(), Vec::new()));
                series.len() - 1
            }
        };
        let t = std::str::from_utf8(&record[1]).unwrap();
        let t = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        let v: f64 = std::str::from_utf8(&record[2]).unwrap().parse().unwrap();
        series[slot].1.push(t);
        series[slot].2.push(v);
    }
    series
}

fn headroom_read(path: &Path) -> usize {
    let read = read_path(path.to_str().unwrap(), &ReadOptions::default()).unwrap();
    assert!(read.failed.is_empty());
    read.series.iter().map(|s| s.len()).sum()
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One run with the peak heap measured from the current level.
fn measured<T>(label: &str, rows: usize, run: impl FnOnce() -> T) -> T {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let start = Instant::now();
    let out = run();
    let seconds = start.elapsed().as_secs_f64();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let retained = IN_USE.load(Ordering::Relaxed) - before;
    let values = rows * 16;
    println!(
        "{label}: {rows} rows in {seconds:.2} s = {:.2} M rows/s; peak heap {:.0} MB = {:.2} x \
         the values ({:.0} MB at 16 bytes a row); {:.0} MB retained; VmHWM so far {} MB",
        rows as f64 / seconds / 1e6,
        peak as f64 / 1e6,
        peak as f64 / values as f64,
        values as f64 / 1e6,
        retained as f64 / 1e6,
        vm_hwm_kib().map_or(0, |k| k / 1024),
    );
    out
}

fn bench(c: &mut Criterion) {
    let (series, points) = (
        size("HEADROOM_BENCH_SERIES", 1000),
        size("HEADROOM_BENCH_POINTS", 10_000),
    );
    let rows = series * points;
    let path = input(series, points);
    println!(
        "input: {} ({:.0} MB)",
        path.display(),
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6
    );

    // Headroom first, so that VmHWM at its end is its own peak.
    // HEADROOM_BENCH_ONLY=headroom|reference measures one reader (for profiling).
    let only = std::env::var("HEADROOM_BENCH_ONLY").unwrap_or_default();
    if only != "reference" {
        let read = measured("headroom", rows, || headroom_read(&path));
        assert_eq!(read, rows);
    }
    if only != "headroom" {
        let reference_rows = measured("reference (csv crate)", rows, || {
            reference(&path).iter().map(|s| s.2.len()).sum::<usize>()
        });
        assert_eq!(reference_rows, rows);
    }

    let mut group = c.benchmark_group("ingest_long_csv");
    group.throughput(Throughput::Elements(rows as u64));
    group.sample_size(10);
    group.bench_function("headroom", |b| b.iter(|| headroom_read(&path)));
    group.bench_function("reference_csv_crate", |b| b.iter(|| reference(&path)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
