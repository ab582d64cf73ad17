#!/usr/bin/env bash
# The README's main job: forecast, saturation table and chart for the sample in data/.
# Writes out/forecast.csv, out/saturation.csv and out/log-01.png.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin headroom
# Through cargo, so the binary is found wherever CARGO_TARGET_DIR (or a config) puts it.
headroom() { cargo run --quiet --bin headroom -- "$@"; }
mkdir -p out
headroom forecast   --input data/disk_used.csv --horizon 30d --output out/forecast.csv
headroom saturation --input data/disk_used.csv --capacity 500G --horizon 30d --output out/saturation.csv
headroom plot       --input data/disk_used.csv --series log-01 --horizon 30d --capacity 500G --output out/log-01.png
echo
if command -v column >/dev/null; then column -s, -t < out/saturation.csv; else cat out/saturation.csv; fi
echo
echo "wrote out/forecast.csv, out/saturation.csv and out/log-01.png"
