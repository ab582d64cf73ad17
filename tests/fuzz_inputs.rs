//! Fuzzing every reader, the value parsers behind the command line's flags, and
//! the preparation of what was read, with generated inputs: random bytes, and
//! structure-aware mutations (of bytes, of lines and fields, of parsed JSON) of
//! the export samples in `../shared/data/export-samples` and of small inputs
//! written here in every format.
//!
//! Each input must come back as a value or an error: a panic, an input that takes
//! longer than the time limit, or one that holds more than the memory limit at
//! once is a finding. Findings are written to
//! `$CARGO_TARGET_TMPDIR/fuzz-findings/` and the test fails listing them; each one
//! fixed becomes a test of its own (see `tests/ingest_bad_input.rs`).
//!
//! Why not cargo-fuzz: libFuzzer's coverage feedback would need an instrumented
//! build of polars (another cold build, 15 minutes here) and its address sanitizer
//! a nightly compiler, which the machines that run CI do not have. This harness
//! runs on the stable toolchain inside `cargo test`; what it gives up, coverage
//! feedback, it makes up for with mutations that know the formats. Every case is
//! generated from the seed and its number alone, so a finding is replayed with
//! `HEADROOM_FUZZ_CASE=<number>`.
//!
//! `cargo test --test fuzz_inputs` runs a short campaign (2,000 cases, CI). The
//! long one, a million cases:
//!
//! ```text
//! HEADROOM_FUZZ_CASES=1000000 cargo test --release --test fuzz_inputs -- --nocapture
//! ```
//!
//! Other knobs: `HEADROOM_FUZZ_SEED`, `HEADROOM_FUZZ_FIRST` (first case number),
//! `HEADROOM_FUZZ_TIMEOUT_MS` (per input, default 20,000) and
//! `HEADROOM_FUZZ_MEMORY_MB` (per input, default 512).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use headroom::capacity::read_capacities_bytes;
use headroom::forecast::{IntervalMethod, ModelChoice};
use headroom::ingest::{parse_timestamp, parse_value, read_bytes, Format, ReadOptions};
use headroom::pipeline::{forecast, prepare, ForecastSettings};
use headroom::query::SaturationQuery;
use headroom::resample::{step_from_seconds, Aggregation, Hygiene};
use headroom::saturation::{Deadline, Direction};
use headroom::units::{parse_capacity, Span};
use headroom::{RegulariseOptions, Step};

// ---------------------------------------------------------------------------
// Memory: the system allocator, counting the bytes in use and their peak; an
// allocation past the hard cap fails (and aborts the run naming the case) rather
// than taking the machine down.

struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CAP: AtomicUsize = AtomicUsize::new(usize::MAX);
static CASE: AtomicU64 = AtomicU64::new(u64::MAX);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grow = new_size.saturating_sub(layout.size());
        if !reserve(grow) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            IN_USE.fetch_sub(grow, Ordering::Relaxed);
        } else if new_size < layout.size() {
            IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        p
    }
}

/// Count `bytes` as in use; false (and a message naming the case) past the cap.
fn reserve(bytes: usize) -> bool {
    let now = IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    if now > CAP.load(Ordering::Relaxed) {
        IN_USE.fetch_sub(bytes, Ordering::Relaxed);
        // No allocation here: the message is written from the stack.
        let mut buf = *b"fuzz_inputs: memory cap exceeded in case                     \n";
        let mut n = CASE.load(Ordering::Relaxed);
        let mut i = buf.len() - 2;
        loop {
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            i -= 1;
            if n == 0 {
                break;
            }
        }
        use std::io::Write;
        let _ = std::io::stderr().write_all(&buf);
        return false;
    }
    PEAK.fetch_max(now, Ordering::Relaxed);
    true
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------
// Randomness: splitmix64, seeded per case so that a case is its number.

struct Rng(u64);

impl Rng {
    fn for_case(seed: u64, case: u64) -> Self {
        Rng(seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------
// Seeds: the shared samples (the large ones cut to their first lines) and small
// inputs in every format.

const BUILT_IN: &[&str] = &[
    "series,timestamp,value\na,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,2\n\
     b,2024-01-01T00:00:00Z,3\nb,2024-01-01T01:00:00Z,4\na,2024-01-01T02:00:00Z,3\n",
    "timestamp,value\n1700000000,1.5\n1700003600,2.5\n1700007200,NaN\n1700010800,4\n",
    "\u{feff}sep=;\r\n\"Time\";\"a\";\"b\"\r\nTime,a,b\r\n\"2019-01-15T14:10:00+02:00\";null;1\r\n\
     \"2019-01-15T14:15:00+02:00\";2;undefined\r\n\"2019-01-15T14:20:00+02:00\";3;4\r\n",
    "ds;y\n2024-01-01;1,5\n2024-01-02;2,5\n2024-01-03;3,5\n",
    "time,cpu,mem\n2024-01-01 00:00,1,2\n2024-01-01 00:05,1.1,2.2\n2024-01-01 00:10,1.2,2.1\n",
    "series,capacity\na,500G\nb,1Ti\nc,1e3\n",
    r#"{"status":"success","data":{"resultType":"matrix","result":[
{"metric":{"__name__":"up","job":"a"},"values":[[1700000000,"1"],[1700000010,"1"],[1700000020,"2"]]},
{"metric":{"__name__":"up","job":"b"},"values":[[1700000000,"1"],[1700000010,"+Inf"]]}]}}"#,
    r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1700000000.5,"3"]}]}}"#,
    r#"{"Label":"CPUUtilization","Datapoints":[{"Timestamp":"2014-02-19T00:00:00Z","Average":1.5,"Unit":"Percent"},{"Timestamp":"2014-02-19T01:00:00Z","Average":2.5,"Unit":"Percent"},{"Timestamp":"2014-02-19T02:00:00Z","Maximum":9,"Unit":"Percent"}]}"#,
    r#"{"MetricDataResults":[{"Id":"m1","Label":"cpu","Timestamps":["2024-01-01T02:00:00Z","2024-01-01T01:00:00Z"],"Values":[2.0,1.0],"StatusCode":"Complete"}],"Messages":[]}"#,
    "#group,false,false,true,true,false,false,true,true\n\
     #datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string\n\
     #default,_result,,,,,,,\n\
     ,result,table,_start,_stop,_time,_value,_field,_measurement\n\
     ,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:00Z,1.5,used,disk\n\
     ,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T01:00:00Z,2.5,used,disk\n\
     ,,1,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:00Z,7,free,disk\n",
];

/// How much of a large sample is kept as a seed: enough for a few hundred
/// rows, small enough for a million cases.
const SEED_BYTES: usize = 24 << 10;

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = BUILT_IN.iter().map(|s| s.as_bytes().to_vec()).collect();
    if let Some(dir) = common::shared_else("data/export-samples", "the export samples as seeds") {
        let mut files = Vec::new();
        for format in std::fs::read_dir(&dir).expect("samples readable") {
            for file in std::fs::read_dir(format.unwrap().path()).expect("format folder") {
                files.push(file.unwrap().path());
            }
        }
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).expect("sample readable");
            // A small JSON reply is kept whole, so that its nodes can be mutated.
            let json = bytes.first() == Some(&b'{') && bytes.len() <= 4 * SEED_BYTES;
            if json {
                seeds.push(bytes);
            } else {
                seeds.push(cut_at_line(&bytes, SEED_BYTES));
            }
        }
    }
    seeds
}

/// The first `max` bytes, cut after a line break (JSON too: a cut document is
/// itself a case worth reading).
fn cut_at_line(bytes: &[u8], max: usize) -> Vec<u8> {
    if bytes.len() <= max {
        return bytes.to_vec();
    }
    let end = bytes[..max]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(max, |i| i + 1);
    bytes[..end].to_vec()
}

// ---------------------------------------------------------------------------
// Mutations.

/// Fragments that the readers treat specially.
const TOKENS: &[&str] = &[
    ",",
    ";",
    "\t",
    "|",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "sep=;\n",
    "sep=",
    "\u{feff}",
    "null",
    "NULL",
    "undefined",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "+Inf",
    "1e308",
    "1e309",
    "-1e308",
    "1e-320",
    "4.9e-324",
    "0",
    "-0",
    "-1",
    "18446744073709551616",
    "9223372036854775807",
    "1.7976931348623157e308",
    "0x10",
    "1,234",
    "1.5",
    "",
    " ",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T00:00:00.000000001Z",
    "2024-01-01T00:00:00+14:00",
    "2024-01-01 00:00",
    "1700000000",
    "1700000000000",
    "1700000000000000000",
    "-62135596800",
    "253402300800",
    "{",
    "}",
    "[",
    "]",
    ":",
    "\"values\"",
    "\"value\"",
    "\"result\"",
    "\"metric\"",
    "\"resultType\"",
    "\"matrix\"",
    "\"vector\"",
    "\"scalar\"",
    "\"Datapoints\"",
    "\"Timestamps\"",
    "\"Values\"",
    "\"MetricDataResults\"",
    "\"status\"",
    "#datatype",
    "#group",
    "#default",
    ",result,table,",
    "_time",
    "_value",
    "series",
    "timestamp",
    "value",
    "time",
    "capacity",
    "é",
    "\u{2028}",
    "\u{0}",
    "\\",
    "\\u0000",
    "\\ud800",
    "500G",
    "1Ti",
    "-5k",
    "1e400Ti",
];

/// A few stacked mutations of `input`, another seed at hand for splicing.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        match rng.below(12) {
            0 => flip_bit(rng, &mut data),
            1 => set_byte(rng, &mut data),
            2 => insert_token(rng, &mut data),
            3 => delete_range(rng, &mut data),
            4 => duplicate_range(rng, &mut data),
            5 => splice(rng, &mut data, other),
            6 | 7 => data = mutate_field(rng, &data),
            8 => data = mutate_lines(rng, &data),
            9 | 10 => data = mutate_json(rng, &data),
            _ => data = shift_a_timestamp(rng, &data),
        }
    }
    data
}

fn flip_bit(rng: &mut Rng, data: &mut [u8]) {
    if !data.is_empty() {
        let i = rng.below(data.len());
        data[i] ^= 1 << rng.below(8);
    }
}

fn set_byte(rng: &mut Rng, data: &mut [u8]) {
    if !data.is_empty() {
        let i = rng.below(data.len());
        data[i] = *rng.pick(b",;\"\n\r0123456789.-+eE:TZ {}[]\x00\xff\xc3");
    }
}

fn insert_token(rng: &mut Rng, data: &mut Vec<u8>) {
    let at = rng.below(data.len() + 1);
    let token = rng.pick(TOKENS).as_bytes();
    data.splice(at..at, token.iter().copied());
}

fn delete_range(rng: &mut Rng, data: &mut Vec<u8>) {
    if !data.is_empty() {
        let at = rng.below(data.len());
        let len = 1 + rng.below((data.len() - at).min(64));
        data.drain(at..at + len);
    }
}

fn duplicate_range(rng: &mut Rng, data: &mut Vec<u8>) {
    if !data.is_empty() && data.len() < 1 << 20 {
        let at = rng.below(data.len());
        let len = 1 + rng.below((data.len() - at).min(256));
        let copy = data[at..at + len].to_vec();
        let to = rng.below(data.len() + 1);
        data.splice(to..to, copy);
    }
}

fn splice(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    if !other.is_empty() {
        let from = rng.below(other.len());
        let len = 1 + rng.below((other.len() - from).min(512));
        let at = rng.below(data.len() + 1);
        data.splice(at..at, other[from..from + len].iter().copied());
    }
}

/// Replace one field of one line (fields split on `,` `;` or tab) with a token or
/// with a neighbouring field.
fn mutate_field(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(data);
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let i = rng.below(lines.len());
    let sep = [',', ';', '\t']
        .into_iter()
        .max_by_key(|&c| lines[i].matches(c).count())
        .unwrap_or(',');
    let mut fields: Vec<String> = lines[i].split(sep).map(str::to_string).collect();
    let j = rng.below(fields.len());
    fields[j] = if rng.chance(4) && fields.len() > 1 {
        fields[rng.below(fields.len())].clone()
    } else {
        rng.pick(TOKENS).to_string()
    };
    if rng.chance(8) {
        fields.push(rng.pick(TOKENS).to_string());
    }
    lines[i] = fields.join(&sep.to_string());
    lines.join("\n").into_bytes()
}

/// Swap, repeat, drop or blank lines, or make one very long.
fn mutate_lines(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let n = lines.len();
    let (i, j) = (rng.below(n), rng.below(n));
    match rng.below(5) {
        0 => lines.swap(i, j),
        1 => {
            let copy = lines[i].clone();
            for _ in 0..1 + rng.below(3) {
                lines.insert(j, copy.clone());
            }
        }
        2 if n > 1 => {
            lines.remove(i);
        }
        3 => lines[i].clear(),
        _ => {
            let piece = lines[i].clone();
            let times = 1 + rng.below(200);
            for _ in 0..times {
                lines[i].extend_from_slice(&piece);
            }
        }
    }
    lines.join(&b'\n')
}

/// Parse as JSON and change one node: its type, its number, a key removed, an
/// array element repeated or dropped.
fn mutate_json(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return mutate_field(rng, data);
    };
    let nodes = count_nodes(&value);
    let target = rng.below(nodes);
    let mut seen = 0;
    mutate_node(rng, &mut value, target, &mut seen);
    serde_json::to_vec(&value).unwrap_or_else(|_| data.to_vec())
}

fn count_nodes(v: &serde_json::Value) -> usize {
    1 + match v {
        serde_json::Value::Array(a) => a.iter().map(count_nodes).sum(),
        serde_json::Value::Object(o) => o.values().map(count_nodes).sum(),
        _ => 0,
    }
}

fn mutate_node(rng: &mut Rng, v: &mut serde_json::Value, target: usize, seen: &mut usize) {
    use serde_json::{json, Value};
    if *seen == target {
        let current = v.clone();
        *v = match rng.below(10) {
            0 => Value::Null,
            1 => json!(rng.pick(TOKENS)),
            2 => json!(f64::from_bits(rng.next()).clamp(-1e308, 1e308)),
            3 => json!(rng.next() as i64),
            4 => json!([]),
            5 => json!({}),
            6 => json!([current.clone(), current.clone()]),
            7 => match &current {
                Value::Array(a) if !a.is_empty() => {
                    let mut a = a.clone();
                    let k = rng.below(a.len());
                    if rng.chance(2) {
                        a.remove(k);
                    } else {
                        let copy = a[k].clone();
                        a.insert(k, copy);
                    }
                    Value::Array(a)
                }
                Value::Object(o) if !o.is_empty() => {
                    let mut o = o.clone();
                    let key = o.keys().nth(rng.below(o.len())).cloned().unwrap();
                    o.remove(&key);
                    Value::Object(o)
                }
                other => other.clone(),
            },
            8 => json!(rng.pick(TOKENS).to_string() + &current.to_string()),
            _ => match &current {
                Value::String(s) => json!(format!("{s}{}", rng.pick(TOKENS))),
                Value::Number(n) => json!(n.as_f64().unwrap_or(0.0) * 1e300),
                other => other.clone(),
            },
        };
        *seen += 1;
        return;
    }
    *seen += 1;
    match v {
        Value::Array(a) => a.iter_mut().for_each(|x| mutate_node(rng, x, target, seen)),
        Value::Object(o) => o
            .values_mut()
            .for_each(|x| mutate_node(rng, x, target, seen)),
        _ => {}
    }
}

/// Move one timestamp-looking field years on (or back): the finding of a Grafana
/// export whose gap filling invented 70,029 steps per series.
fn shift_a_timestamp(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(data).into_owned();
    let starts: Vec<usize> = text
        .match_indices("20")
        .map(|(i, _)| i)
        .filter(|&i| {
            text[i..].len() >= 4 && text.as_bytes()[i..i + 4].iter().all(u8::is_ascii_digit)
        })
        .collect();
    if starts.is_empty() {
        return data.to_vec();
    }
    let at = *rng.pick(&starts);
    let year: i64 = text[at..at + 4].parse().unwrap_or(2000);
    let shifted = (year + [1, 4, 50, -30, 7000][rng.below(5)]).clamp(0, 9999);
    format!("{}{shifted:04}{}", &text[..at], &text[at + 4..]).into_bytes()
}

/// Bytes from nowhere, sometimes dressed as text.
fn random_input(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(512);
    if rng.chance(2) {
        (0..len).map(|_| rng.next() as u8).collect()
    } else {
        let mut text = Vec::new();
        while text.len() < len {
            text.extend_from_slice(rng.pick(TOKENS).as_bytes());
        }
        text
    }
}

// ---------------------------------------------------------------------------
// One case: every reader, every flag parser, and preparing what was read.

const FORMATS: [Option<Format>; 6] = [
    None,
    Some(Format::Long),
    Some(Format::Wide),
    Some(Format::Prometheus),
    Some(Format::Influx),
    Some(Format::Cloudwatch),
];

/// Run everything on one input; what came back does not matter, only that it
/// came back. Returns how many reads succeeded (to report coverage of sorts).
fn exercise(case: u64, input: &[u8]) -> usize {
    let mut read_ok = 0;
    for format in FORMATS {
        let options = ReadOptions {
            format,
            ..ReadOptions::default()
        };
        let Ok(read) = read_bytes("fuzz.csv", "fuzz", input, &options) else {
            continue;
        };
        read_ok += 1;
        if format.is_some() {
            continue;
        }
        for s in read.series.iter().take(4) {
            let mut hygiene = Hygiene::default().with_rate(case.is_multiple_of(3));
            if case % 5 == 1 {
                hygiene = hygiene.with_step(Step::seconds(3600));
            }
            let Ok((s, _)) = hygiene.apply(s) else {
                continue;
            };
            let Ok(p) = prepare(&s, &RegulariseOptions::default(), &[]) else {
                continue;
            };
            // Models are costly next to reading: one case in 32 goes on to them.
            if case.is_multiple_of(32) {
                let settings = ForecastSettings {
                    horizon: Some(Span::Steps(5)),
                    paths: 50,
                    ..ForecastSettings::default()
                };
                let _ = forecast(&p, &settings);
                let q = SaturationQuery::fixed(100.0, Direction::Up, settings.clone());
                let _ = q.and_then(|q| q.answer(&p));
            }
        }
    }
    if read_capacities_bytes("capacities.csv", input).is_ok() {
        read_ok += 1;
    }
    parse_flag_values(input);
    read_ok
}

/// The value parsers behind the command line's flags, on the first line.
fn parse_flag_values(input: &[u8]) {
    let text = String::from_utf8_lossy(&input[..input.len().min(256)]);
    let word = text.lines().next().unwrap_or("");
    let _ = Span::from_str(word);
    let _ = Deadline::from_str(word);
    let _ = Direction::from_str(word);
    let _ = Format::from_str(word);
    let _ = ModelChoice::from_str(word);
    let _ = IntervalMethod::from_str(word);
    let _ = Aggregation::from_str(word);
    let _ = parse_capacity(word);
    let _ = parse_timestamp(word);
    let _ = parse_value(word);
    if let Ok(x) = word.trim().parse::<f64>() {
        let _ = step_from_seconds(x);
    }
}

// ---------------------------------------------------------------------------
// The campaign.

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn findings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings")
}

fn save(case: u64, kind: &str, input: &[u8]) -> PathBuf {
    let dir = findings_dir();
    std::fs::create_dir_all(&dir).expect("findings folder");
    let path = dir.join(format!("case-{case}-{kind}.bin"));
    std::fs::write(&path, input).expect("finding written");
    path
}

/// The case's input: random bytes (one in eight), or mutations of a seed.
fn generate(seed: u64, case: u64, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut rng = Rng::for_case(seed, case);
    if rng.chance(8) {
        return random_input(&mut rng);
    }
    let base = rng.pick(seeds).clone();
    let other = rng.pick(seeds).clone();
    let mut input = mutate(&mut rng, &base, &other);
    // Stacked repetitions can grow an input to megabytes; those are read in
    // linear time (tests/streaming.rs reads a 16 MB line) but would take most of
    // the campaign's time.
    input.truncate(MAX_INPUT_BYTES);
    input
}

/// The largest input generated.
const MAX_INPUT_BYTES: usize = 64 << 10;

/// Watch the case in progress; past the time limit, save it and abort (a thread
/// stuck in a reader cannot be stopped otherwise).
fn watchdog(limit: Duration, current: Arc<Mutex<(u64, Instant, Vec<u8>)>>, done: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            let guard = current.lock().unwrap_or_else(|e| e.into_inner());
            let (case, started, input) = &*guard;
            if started.elapsed() > limit {
                let path = save(*case, "timeout", input);
                eprintln!(
                    "fuzz_inputs: case {case} ran past {limit:?}; input in {}",
                    path.display()
                );
                std::process::abort();
            }
        }
    });
}

#[test]
fn readers_survive_generated_inputs() {
    let cases = env_u64("HEADROOM_FUZZ_CASES", 2_000);
    let first = env_u64("HEADROOM_FUZZ_FIRST", 0);
    let seed = env_u64("HEADROOM_FUZZ_SEED", 0x5eed);
    let limit = Duration::from_millis(env_u64("HEADROOM_FUZZ_TIMEOUT_MS", 20_000));
    let memory = env_u64("HEADROOM_FUZZ_MEMORY_MB", 512) as usize * (1 << 20);
    let only = std::env::var("HEADROOM_FUZZ_CASE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let seeds = seeds();
    let range = match only {
        Some(c) => c..c + 1,
        None => first..first + cases,
    };

    // Quiet panics: each is caught, counted and saved.
    let message = Arc::new(Mutex::new(String::new()));
    let hook_message = message.clone();
    std::panic::set_hook(Box::new(move |info| {
        *hook_message.lock().unwrap_or_else(|e| e.into_inner()) = info.to_string();
    }));

    let current = Arc::new(Mutex::new((0, Instant::now(), Vec::new())));
    let done = Arc::new(AtomicBool::new(false));
    watchdog(limit, current.clone(), done.clone());

    let started = Instant::now();
    let (mut findings, mut read_ok, mut bytes, mut slowest) = (Vec::new(), 0, 0, (0, 0.0));
    let mut peak_case = (0, 0);
    for case in range.clone() {
        let input = generate(seed, case, &seeds);
        bytes += input.len();
        *current.lock().unwrap() = (case, Instant::now(), input.clone());
        let before = IN_USE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        CASE.store(case, Ordering::Relaxed);
        CAP.store(before + memory.max(64 * input.len()), Ordering::Relaxed);
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| exercise(case, &input)));
        let secs = t.elapsed().as_secs_f64();
        CAP.store(usize::MAX, Ordering::Relaxed);
        let held = PEAK.load(Ordering::Relaxed).saturating_sub(before);
        if held > peak_case.1 {
            peak_case = (case, held);
        }
        if secs > slowest.1 {
            slowest = (case, secs);
        }
        match outcome {
            Ok(n) => read_ok += n,
            Err(_) => {
                let what = message.lock().unwrap().clone();
                let path = save(case, "panic", &input);
                findings.push(format!("case {case}: {what} (input in {})", path.display()));
            }
        }
    }
    done.store(true, Ordering::Relaxed);
    let _ = std::panic::take_hook();
    let elapsed = started.elapsed().as_secs_f64();
    let n = range.end - range.start;
    println!(
        "fuzz_inputs: {n} cases ({} seeds, {:.1} MB generated) in {elapsed:.1} s, \
         {:.0} cases/s; {read_ok} successful reads; slowest case {} ({:.3} s); \
         most memory held by case {} ({:.1} MB); {} finding(s)",
        seeds.len(),
        bytes as f64 / 1e6,
        n as f64 / elapsed,
        slowest.0,
        slowest.1,
        peak_case.0,
        peak_case.1 as f64 / 1e6,
        findings.len()
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
