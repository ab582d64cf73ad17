#!/usr/bin/env bash
# The fleet measurement of issue 13: saturation (30-day horizon, default model,
# 80/95 intervals) of N hourly series of 90 days, end to end from a long CSV
# sorted by series to the saturation CSV, with wall time and peak resident memory.
#
#   benches/fleet.sh 2000 20000 100000    # sizes (default: 2000)
#
# FLEET_DIR says where the CSVs go (default: /tmp/headroom-fleet; 100,000 series
# take 9.9 GB: check `df -h` first). Each CSV is deleted after its run unless
# FLEET_KEEP=1. FLEET_PIPE=1 writes no file: the generator's CSV goes through a
# pipe into `--input -` (the generator's own CPU time is then part of the run).
# FLEET_PROFILE=K also times the stages on the first K series (needs the file).
# FLEET_ARGS adds flags to the saturation command (FLEET_ARGS=--adaptive-paths).
# FLEET_PERF=1 records the run with `perf` (Debian's linux-perf package) and prints
# the functions that took the most samples (a flat profile: inlined code is
# counted in its caller).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${FLEET_DIR:-/tmp/headroom-fleet}
mkdir -p "$dir"
cargo build --quiet --release --bin headroom --example fleet
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/release/headroom"
fleet="$target/release/examples/fleet"
read -ra extra <<< "${FLEET_ARGS:-}"
for n in "${@:-2000}"; do
    if [ -n "${FLEET_PIPE:-}" ]; then
        /usr/bin/time -f "fleet $n (piped): %e s wall, %U s user, %S s system, peak RSS %M kB" \
            bash -c "'$fleet' generate $n - | '$bin' saturation --input - --capacity 100 \
            --horizon 30d ${FLEET_ARGS:-} --output '$dir/saturation-$n.csv'" 2> >(grep -v '^headroom: series' >&2)
        echo "fleet $n: $(($(wc -l < "$dir/saturation-$n.csv") - 1)) rows written"
        rm -f "$dir/saturation-$n.csv"
        continue
    fi
    csv="$dir/fleet-$n.csv"
    [ -s "$csv" ] || "$fleet" generate "$n" "$csv"
    if [ -n "${FLEET_PROFILE:-}" ]; then
        "$fleet" profile "$csv" "$FLEET_PROFILE"
    fi
    perf=()
    [ -z "${FLEET_PERF:-}" ] || perf=(perf record -q -F 499 -o "$dir/perf-$n.data" --)
    /usr/bin/time -f "fleet $n: %e s wall, %U s user, %S s system, peak RSS %M kB" \
        "${perf[@]}" "$bin" saturation --input "$csv" --capacity 100 --horizon 30d \
        "${extra[@]}" --output "$dir/saturation-$n.csv" 2> >(grep -v '^headroom: series' >&2)
    echo "fleet $n: $(($(wc -l < "$dir/saturation-$n.csv") - 1)) rows written"
    if [ -n "${FLEET_PERF:-}" ]; then
        perf report -i "$dir/perf-$n.data" --no-children --sort symbol --stdio 2>/dev/null \
            | grep -E '^ +[0-9]' | head -n 15 | cut -c1-110
        rm -f "$dir/perf-$n.data"
    fi
    [ -n "${FLEET_KEEP:-}" ] || rm -f "$csv"
    rm -f "$dir/saturation-$n.csv"
done
