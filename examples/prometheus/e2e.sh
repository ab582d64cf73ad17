#!/usr/bin/env bash
# headroom against a real Prometheus (issue 11), run by .ci/run:
#   1. the example alert rules pass their promtool unit tests;
#   2. 30 days of generated disk and memory history are backfilled with
#      `promtool tsdb create-blocks-from openmetrics`, and Prometheus is started
#      on 127.0.0.1 over them;
#   3. (a) `--prometheus` reads give the same forecast, saturation and inspect
#      CSV as the same range exported to a file, byte for byte (one request;
#      and four requests at a 1m step, against four exported pieces joined);
#      `--output-format openmetrics` passes `promtool check metrics`;
#   4. (b) Prometheus scrapes `headroom serve`, and the example alert
#      HeadroomFillsWithin7Days fires for the two series that fill within a
#      week, read back from /api/v1/alerts, and for no other.
# Everything it starts is stopped on exit. Needs `prometheus`, `promtool`,
# `curl` and `jq`: installed with apt-get when missing; without them the test
# is SKIPPED with the reason.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD

need_install=()
for tool in prometheus promtool curl jq; do
    command -v "$tool" >/dev/null 2>&1 || need_install+=("$tool")
done
if ((${#need_install[@]})); then
    packages=()
    for tool in "${need_install[@]}"; do
        case $tool in promtool) packages+=(prometheus) ;; *) packages+=("$tool") ;; esac
    done
    # The package must not start a Prometheus service of its own: where no
    # policy-rc.d says so already, one says so during the install.
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ] && [ -w /usr/sbin ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        policy=/usr/sbin/policy-rc.d
    fi
    installed=0
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${packages[@]}") >/dev/null 2>&1; then
        installed=1
    fi
    [ -n "$policy" ] && rm -f "$policy"
    if [ "$installed" = 0 ]; then
        echo "SKIPPED: real-Prometheus test (apt-get could not install ${packages[*]})"
        exit 0
    fi
fi

# The binary `cargo test` built (building it alone would resolve features
# apart from the tests and compile polars a second time).
BIN="$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)/debug/headroom"
[ -x "$BIN" ] || cargo build --quiet --bin headroom

WORK=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

started=$(date +%s)
step() { echo "prometheus e2e: $* ($(( $(date +%s) - started ))s)"; }
fail() {
    echo "prometheus e2e: FAILED: $*" >&2
    for log in "$WORK"/*.log; do
        [ -e "$log" ] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
    done
    exit 1
}

# 1. The alert rules and their unit tests.
promtool check rules examples/prometheus/alerts.yml >/dev/null
promtool test rules examples/prometheus/alerts_test.yml >/dev/null || fail "promtool test rules"
step "alert rules pass promtool test rules"

# 2. Thirty days of history at 5 minutes, ending on the last whole hour:
#    db-01's disk (+6 GB a day, 20 GB left of 500G) and memory (+1.4 GB a day,
#    2 GB left of 64G) fill within a week; the others do not.
END=$(( $(date +%s) / 3600 * 3600 ))
awk -v end="$END" '
function series(name, labels, base, per_day, cycle, noise,    t, day, v) {
    for (t = end - 30 * 86400 + 300; t <= end; t += 300) {
        day = (t - (end - 30 * 86400)) / 86400
        v = base + per_day * day + cycle * sin(6.283185307179586 * day) + noise * (rand() - 0.5)
        printf "%s{%s} %.0f %d\n", name, labels, v, t
    }
}
BEGIN {
    srand(11)
    print "# TYPE disk_used_bytes gauge"
    series("disk_used_bytes", "host=\"db-01\",mount=\"/data\"", 300e9, 6e9, 2e9, 1e9)
    series("disk_used_bytes", "host=\"db-02\",mount=\"/data\"", 200e9, 0, 5e9, 1e9)
    series("disk_used_bytes", "host=\"web-01\",mount=\"/\"", 100e9, 0.2e9, 1e9, 0.5e9)
    print "# TYPE memory_used_bytes gauge"
    series("memory_used_bytes", "host=\"db-01\"", 20e9, 1.4e9, 1e9, 0.3e9)
    series("memory_used_bytes", "host=\"web-01\"", 8e9, 0, 1e9, 0.3e9)
    print "# EOF"
}' > "$WORK/history.om"
promtool tsdb create-blocks-from openmetrics -q "$WORK/history.om" "$WORK/tsdb" >"$WORK/backfill.log" 2>&1 \
    || fail "promtool tsdb create-blocks-from openmetrics"
step "backfilled $(grep -c '^[a-z]' "$WORK/history.om") samples"

free_port() {
    local port
    for port in $(seq "$1" $(($1 + 200))); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    fail "no free port from $1"
}

# headroom serve first (its rules fail until Prometheus answers, and recover).
PROM_PORT=$(free_port 19390)
PROM="http://127.0.0.1:$PROM_PORT"
cat > "$WORK/headroom.yml" <<EOF
listen: 127.0.0.1:0
prometheus:
  url: $PROM
  timeout: 30s
  retries: 1
rules:
  - name: disk
    query: disk_used_bytes
    range: 30d
    step: 1h
    capacity: 500G
    horizon: 7d
    interval: 10s
    model: linear_trend
    paths: 500
  - name: memory
    query: memory_used_bytes
    range: 30d
    step: 1h
    capacity: 64G
    horizon: 7d
    interval: 10s
    model: linear_trend
    paths: 500
EOF
"$BIN" serve --config "$WORK/headroom.yml" 2>"$WORK/serve.log" &
pids+=($!)
for _ in $(seq 100); do
    grep -q "listening on" "$WORK/serve.log" && break
    sleep 0.1
done
SERVE_ADDR=$(sed -n 's|^headroom serve: listening on http://\(.*\)/metrics$|\1|p' "$WORK/serve.log")
[ -n "$SERVE_ADDR" ] || fail "headroom serve did not start"

cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
  evaluation_interval: 2s
rule_files:
  - $REPO/examples/prometheus/alerts.yml
scrape_configs:
  - job_name: headroom
    honor_labels: true
    static_configs:
      - targets: ['$SERVE_ADDR']
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --storage.tsdb.retention.time=400d --web.listen-address="127.0.0.1:$PROM_PORT" \
    --log.level=warn >"$WORK/prometheus.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
    curl -sf "$PROM/-/ready" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -sf "$PROM/-/ready" >/dev/null || fail "Prometheus did not become ready"
step "Prometheus ready on $PROM, headroom serve on $SERVE_ADDR"

# 3a. One request: a live read and the exported reply give the same bytes.
export_range() { # query start end step
    curl -sf "$PROM/api/v1/query_range" --data-urlencode "query=$1" \
        -d "start=$2" -d "end=$3" -d "step=$4"
}
Q='{__name__=~"disk_used_bytes|memory_used_bytes"}'
START=$((END - 30 * 86400))
export_range "$Q" "$START" "$END" 300 > "$WORK/export.json" || fail "export"
live=(--prometheus "$PROM" --query "$Q" --range 30d --end "$END" --step 5m)
file=(--input "$WORK/export.json" --step 5m)
same() { # name, then the command's own arguments
    local name=$1
    shift
    "$BIN" "$@" "${live[@]}" >"$WORK/$name.live" 2>"$WORK/$name.live.log" || fail "$name (live)"
    "$BIN" "$@" "${file[@]}" >"$WORK/$name.file" 2>"$WORK/$name.file.log" || fail "$name (file)"
    [ -s "$WORK/$name.live" ] || fail "$name: empty output"
    cmp -s "$WORK/$name.live" "$WORK/$name.file" \
        || { diff "$WORK/$name.live" "$WORK/$name.file" | head >&2; fail "$name: live and file outputs differ"; }
    step "$name: live and file outputs are byte-identical ($(wc -l <"$WORK/$name.live") lines)"
}
printf 'series,capacity\n' > "$WORK/capacities.csv"
for host in db-01 db-02; do
    printf '"disk_used_bytes{host=""%s"",mount=""/data""}",500G\n' "$host" >> "$WORK/capacities.csv"
done
printf '"disk_used_bytes{host=""web-01"",mount=""/""}",500G\n' >> "$WORK/capacities.csv"
printf '"memory_used_bytes{host=""%s""}",64G\n' db-01 web-01 >> "$WORK/capacities.csv"
same forecast forecast --horizon 1d --model linear_trend
same saturation saturation --capacities "$WORK/capacities.csv" --horizon 7d --model linear_trend --paths 500
same inspect inspect

# 3a. Four requests at 1m (43,201 points a series): the live read joins them
# as the exported pieces joined by jq (concatenated, ordered by label set as
# Prometheus orders a reply).
for i in 0 1 2 3; do
    from=$((START + i * 11000 * 60))
    to=$((from + 10999 * 60)); [ "$to" -gt "$END" ] && to=$END
    export_range "$Q" "$from" "$to" 60 > "$WORK/part$i.json" || fail "export part $i"
done
jq -s '{status: "success", data: {resultType: "matrix", result: (
        [.[].data.result[]] | group_by(.metric)
        | map({metric: .[0].metric, values: (map(.values) | add)})
        | sort_by(.metric | to_entries | sort_by(.key) | map(.key, .value)))}}' \
    "$WORK"/part?.json > "$WORK/export_1m.json"
live=(--prometheus "$PROM" --query "$Q" --range 30d --end "$END" --step 1m)
file=(--input "$WORK/export_1m.json" --step 1m)
same inspect_1m inspect
# A trend fitted to every value: any value that differs changes the bytes.
same forecast_1m forecast --horizon 1h --model linear_trend --intervals model --season 1d

# OpenMetrics output: promtool's linter accepts it.
"$BIN" saturation --prometheus "$PROM" --query "$Q" --range 30d --end "$END" --step 5m --capacities "$WORK/capacities.csv" --horizon 7d \
    --model linear_trend --paths 500 --output-format openmetrics --output "$WORK/saturation.prom" \
    2>"$WORK/openmetrics.log" || fail "saturation --output-format openmetrics"
tail -n 1 "$WORK/saturation.prom" | grep -qx '# EOF' || fail "no # EOF"
promtool check metrics < "$WORK/saturation.prom" || fail "promtool check metrics"
curl -sf "http://$SERVE_ADDR/metrics" > "$WORK/serve.prom" || fail "GET /metrics of headroom serve"
promtool check metrics < "$WORK/serve.prom" || fail "promtool check metrics on /metrics"
step "openmetrics output and headroom serve's /metrics pass promtool check metrics"

# 4. Prometheus scrapes headroom serve; the example alert fires for exactly the
# two series that fill within a week. Their labels stay labels: `series` is the
# metric name alone.
expected='disk_used_bytes db-01 /data
memory_used_bytes db-01'
firing=""
for _ in $(seq 240); do
    evaluated=$(curl -sf "$PROM/api/v1/query" --data-urlencode 'query=count(headroom_rule_series > 0)' \
        | jq -r '.data.result[0].value[1] // "0"')
    firing=$(curl -sf "$PROM/api/v1/alerts" | jq -r '.data.alerts[]
        | select(.labels.alertname == "HeadroomFillsWithin7Days" and .state == "firing")
        | [.labels.series, .labels.host, .labels.mount] | map(select(. != null)) | join(" ")' | sort)
    [ "$evaluated" = 2 ] && [ "$firing" = "$expected" ] && break
    sleep 0.5
done
[ "$firing" = "$expected" ] || fail "HeadroomFillsWithin7Days fires for [$firing], expected [$expected]"
curl -sf "$PROM/api/v1/query" --data-urlencode 'query=headroom_saturation_probability' \
    | jq -r '.data.result[] | "  \(.metric.series) \(.metric | del(.__name__, .series, .rule, .job, .instance)
        | to_entries | map("\(.key)=\(.value)") | join(",")) \(.value[1])"'
step "HeadroomFillsWithin7Days fires for the two filling series and no other"

# A clean stop: SIGTERM ends headroom serve with status 0.
kill -TERM "${pids[0]}"
wait "${pids[0]}" || fail "headroom serve exited with $? on SIGTERM"
pids=("${pids[@]:1}")
grep -q "headroom serve: stopped" "$WORK/serve.log" || fail "headroom serve did not say it stopped"
step "headroom serve stopped cleanly on SIGTERM"
echo "prometheus e2e: passed"
