//! Fuzzing the command line: a million generated argument lists (the long run)
//! must each parse or be refused by clap, never panic. The lists are built from
//! the commands' real flags (read from clap's own description of them), with
//! values that the flags' parsers treat specially, mutated, or random text.
//!
//! `cargo test --bin headroom fuzz_args` runs 5,000 lists; the long run:
//! `HEADROOM_FUZZ_CASES=1000000 cargo test --release --bin headroom fuzz_args -- --nocapture`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use clap::{CommandFactory, Parser};

use crate::Cli;

/// Values the flags' parsers treat specially.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "5",
    "24",
    "168",
    "1e400",
    "-0",
    "NaN",
    "inf",
    "1.5",
    "99.99",
    "100",
    "0.05",
    "1",
    "30d",
    "1h",
    "5m",
    "1w",
    "1d",
    "2d",
    "0d",
    "-3d",
    "1.5h",
    "1mo",
    "1y",
    "1e9d",
    "18446744073709551616",
    "9223372036854775807d",
    "2025-06-30",
    "2025-02-30",
    "9999-12-31",
    "0000-01-01",
    "2025-06-30T12:00:00Z",
    "auto",
    "naive",
    "seasonal_naive",
    "drift",
    "stl_linear",
    "linear_trend",
    "ets",
    "ets(AAdN)",
    "ets(MMM)",
    "ets(",
    "stl_ets",
    "model",
    "conformal",
    "long",
    "wide",
    "prometheus",
    "influx",
    "cloudwatch",
    "up",
    "down",
    "mean",
    "max",
    "min",
    "last",
    "sum",
    "p95",
    "p0",
    "p100",
    "p1000",
    "500G",
    "1Ti",
    "-5k",
    "1e400Ti",
    "interpolate",
    "refuse",
    "80%",
    "%",
    "",
    " ",
    "-",
    "--",
    "=",
    "é",
    "\u{0}",
    "a,b",
    "Average",
    "p99.9",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Each subcommand's name and its flags (`--long` and `-s` forms).
fn flags() -> Vec<(String, Vec<String>)> {
    Cli::command()
        .get_subcommands()
        .map(|sub| {
            let mut names: Vec<String> = sub
                .get_arguments()
                .flat_map(|a| {
                    let long = a.get_long().map(|l| format!("--{l}"));
                    let short = a.get_short().map(|s| format!("-{s}"));
                    long.into_iter().chain(short)
                })
                .collect();
            names.extend(["--help".to_string(), "-h".to_string()]);
            (sub.get_name().to_string(), names)
        })
        .collect()
}

/// A value: a special one, one with a piece changed, or random text.
fn value(rng: &mut Rng) -> String {
    let base = VALUES[rng.below(VALUES.len())];
    match rng.below(6) {
        0 => {
            let mut chars: Vec<char> = base.chars().collect();
            let at = rng.below(chars.len() + 1);
            chars.insert(at, char::from_u32(rng.below(0x3000) as u32).unwrap_or('x'));
            chars.into_iter().collect()
        }
        1 => (0..rng.below(40))
            .map(|_| char::from_u32(32 + rng.below(0x250) as u32).unwrap_or('?'))
            .collect(),
        2 => base.repeat(1 + rng.below(300)),
        _ => base.to_string(),
    }
}

/// One argument list: a command (sometimes a wrong one), then flags and values in
/// any order, `--flag=value` forms included.
fn arguments(rng: &mut Rng, commands: &[(String, Vec<String>)]) -> Vec<String> {
    let mut args = vec!["headroom".to_string()];
    let (name, flags) = &commands[rng.below(commands.len())];
    args.push(match rng.below(20) {
        0 => value(rng),
        _ => name.clone(),
    });
    for _ in 0..rng.below(10) {
        let flag = &flags[rng.below(flags.len())];
        match rng.below(8) {
            0 => args.push(format!("{flag}={}", value(rng))),
            1 => args.push(flag.clone()),
            2 => args.push(value(rng)),
            _ => {
                args.push(flag.clone());
                args.push(value(rng));
            }
        }
    }
    args
}

#[test]
fn fuzz_args_parse_or_refuse() {
    let cases: u64 = std::env::var("HEADROOM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(5_000);
    let commands = flags();
    assert!(commands.len() >= 6, "every command is described");
    let message = Arc::new(Mutex::new(String::new()));
    let hook_message = message.clone();
    std::panic::set_hook(Box::new(move |info| {
        *hook_message.lock().unwrap_or_else(|e| e.into_inner()) = info.to_string();
    }));
    let mut findings = Vec::new();
    let mut parsed = 0;
    for case in 0..cases {
        let mut rng = Rng(0x5eed ^ case.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let args = arguments(&mut rng, &commands);
        match catch_unwind(AssertUnwindSafe(|| Cli::try_parse_from(&args))) {
            Ok(Ok(_)) => parsed += 1,
            Ok(Err(_)) => {}
            Err(_) => findings.push(format!(
                "case {case}: {args:?}: {}",
                message.lock().unwrap()
            )),
        }
    }
    let _ = std::panic::take_hook();
    println!(
        "fuzz_args: {cases} argument lists, {parsed} parsed, {} panic(s)",
        findings.len()
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
