#!/usr/bin/env bash
# The README's main job: forecast, saturation table and chart for the sample in data/.
# Writes out/forecast.csv, out/saturation.csv and out/log-01.png, and the error budgets
# of data/sli_requests.csv: out/budget.csv, out/budget-<service>.png, out/slo-rules.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin headroom
# Through cargo, so the binary is found wherever CARGO_TARGET_DIR (or a config) puts it.
headroom() { cargo run --quiet --bin headroom -- "$@"; }
mkdir -p out
headroom forecast   --input data/disk_used.csv --horizon 30d --output out/forecast.csv
headroom saturation --input data/disk_used.csv --capacity 500G --horizon 30d --output out/saturation.csv
headroom plot       --input data/disk_used.csv --series log-01 --horizon 30d --capacity 500G --unit bytes --output out/log-01.png
# Months ahead: three years of a cluster's daily disk use, asked a year ahead.
headroom saturation --input data/cluster_daily.csv --capacity 2.5T --horizon 365d --output out/cluster.csv
headroom plot       --input data/cluster_daily.csv --capacity 2.5T --horizon 365d --unit bytes --output out/cluster-a.png
# Error budgets of the request sample: the table, a burn-down chart per service, the alert rules.
headroom budget     --input data/sli_requests.csv --good good --total total --objective 99.9 --window 30d \
                    --output out/budget.csv --plot out/budget.png
headroom budget     --rules --objective 99.9 --good 'http_requests_total{job="search",code!~"5.."}' \
                    --total 'http_requests_total{job="search"}' --output out/slo-rules.yaml
echo
if command -v column >/dev/null; then column -s, -t < out/saturation.csv; else cat out/saturation.csv; fi
echo
echo "wrote out/forecast.csv, out/saturation.csv and out/log-01.png"
echo "wrote out/cluster.csv and out/cluster-a.png (months ahead)"
echo "wrote out/budget.csv, out/budget-<service>.png and out/slo-rules.yaml"
