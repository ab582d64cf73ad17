#!/usr/bin/env bash
# The README's main job: forecast, saturation table and chart for the sample in data/.
# Writes out/forecast.csv, out/saturation.csv and out/log-01.png.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/headroom
mkdir -p out
"$bin" forecast   --input data/disk_used.csv --horizon 30d --output out/forecast.csv
"$bin" saturation --input data/disk_used.csv --capacity 500G --horizon 30d --output out/saturation.csv
"$bin" plot       --input data/disk_used.csv --series log-01 --horizon 30d --capacity 500G --output out/log-01.png
echo
if command -v column >/dev/null; then column -s, -t < out/saturation.csv; else cat out/saturation.csv; fi
echo
echo "wrote out/forecast.csv, out/saturation.csv and out/log-01.png"
