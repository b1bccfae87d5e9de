#!/usr/bin/env bash
# Supervision at scale, in one run:
#  1. event propagation: `propagation` submits cases open loop through the standalone
#     binary at each rate of RATES and times each case from its acknowledgement to
#     supervision's record of it; then once more at SUSTAINED submissions per second
#     (default: 80 % of what the fastest rate got acknowledged, rounded down to 50);
#  2. for each size of SIZES: a fresh data directory whose supervision database
#     `bulk-supervision` fills with that many case records; `supervision-scan` times the
#     deadline scan with NEWLY_DUE deadlines newly due; then, the standalone binary serving
#     that database, `loadgen` times the dashboard (`WatchDashboard`'s first message),
#     `GetPerformance` and `GetMailroomReport` with one caller, and `supervision-queries` the
#     store queries behind them. Each data directory is removed after its size.
#
#   bash bench/scale.sh [seconds-per-run]
#   RATES="100 1000" SIZES="100000 1000000" NEWLY_DUE=0,100,1000,10000 bash bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
RATES=${RATES:-100 1000}
SIZES=${SIZES:-100000 1000000}
NEWLY_DUE=${NEWLY_DUE:-0,100,1000,10000}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench >/dev/null
BIN=target/release
GRPC=127.0.0.1:50096
HTTP=127.0.0.1:8096
DATA=
cleanup() {
  kill "${APP:-}" 2>/dev/null || true
  [ -z "$DATA" ] || rm -rf "$DATA"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

start_app() {
  ONEWINDOW_GRPC_ADDR=$GRPC ONEWINDOW_GATEWAY__LISTEN_ADDR=$HTTP \
    ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
  for _ in $(seq 1 600); do
    curl -fs "http://$HTTP/readyz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "the standalone binary did not become ready" >&2
  exit 1
}
stop_app() { kill "$APP"; wait "$APP" 2>/dev/null || true; APP=; }

# Supervision has recorded every demo case: its offset on the cases stream is the head.
wait_caught_up() {
  for _ in $(seq 1 120); do
    head=$(sqlite3 -readonly "$DATA/cases.db" "SELECT COALESCE(MAX(seq), 0) FROM kit_outbox")
    at=$(sqlite3 -readonly "$DATA/supervision.db" \
      "SELECT COALESCE(MAX(last_seq), 0) FROM kit_consumer_offset WHERE consumer = 'supervision<-cases'")
    [ "$head" = "$at" ] && return 0
    sleep 0.5
  done
  echo "supervision did not catch up with the demo cases" >&2
  exit 1
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r); load $(load)"
echo "# onewindow built $(date -u -r $BIN/onewindow +%Y-%m-%dT%H:%MZ)"

# ---------------------------------------------------------------- 1. propagation
DATA=$(mktemp -d)
start_app
wait_caught_up
APPLICANT=$($BIN/onewindow token --role applicant --data-dir "$DATA")
SUPERVISOR=$($BIN/onewindow token --role supervisor --data-dir "$DATA")
propagate() {
  echo "\$ propagation --rate $1 --seconds $SECONDS_PER_RUN (load $(load))"
  ONEWINDOW_BENCH_TOKEN=$APPLICANT ONEWINDOW_BENCH_SUPERVISOR_TOKEN=$SUPERVISOR \
    $BIN/propagation --addr $GRPC --rate "$1" --seconds "$SECONDS_PER_RUN" \
    --cases-url "sqlite://$DATA/cases.db" --supervision-url "sqlite://$DATA/supervision.db" \
    | tee "$DATA/last.txt"
}
best=0
for rate in $RATES; do
  propagate "$rate"
  acked=$(sed -n 's/.*acknowledged (\([0-9]*\)\/s).*/\1/p' "$DATA/last.txt")
  [ "${acked:-0}" -gt "$best" ] && best=$acked
done
SUSTAINED=${SUSTAINED:-$((best * 8 / 10 / 50 * 50))}
[ "$SUSTAINED" -gt 0 ] && propagate "$SUSTAINED"
stop_app
rm -rf "$DATA"
DATA=

# ---------------------------------------------------------------- 2. scan and dashboard
for size in $SIZES; do
  DATA=$(mktemp -d)
  start_app
  wait_caught_up
  stop_app
  echo "\$ bulk-supervision --cases $size (load $(load))"
  $BIN/bulk-supervision --url "sqlite://$DATA/supervision.db" --cases "$size" | grep -Ev "^[0-9]+ case records in"
  echo "supervision.db: $(du -h "$DATA/supervision.db" | cut -f1)"
  echo "\$ supervision-scan --newly-due $NEWLY_DUE --runs 3 (load $(load))"
  $BIN/supervision-scan --url "sqlite://$DATA/supervision.db" --newly-due "$NEWLY_DUE" --runs 3
  start_app
  SUPERVISOR=$($BIN/onewindow token --role supervisor --data-dir "$DATA")
  for target in supervision-dashboard supervision-performance supervision-mailroom; do
    echo "\$ loadgen --target $target --concurrency 1 --connections 1 (30 days; load $(load))"
    ONEWINDOW_BENCH_TOKEN=$SUPERVISOR $BIN/loadgen --addr $GRPC --target "$target" \
      --concurrency 1 --connections 1 --seconds "$SECONDS_PER_RUN" | tail -1
  done
  stop_app
  echo "\$ supervision-queries --calls 100 (load $(load))"
  $BIN/supervision-queries --url "sqlite://$DATA/supervision.db" --calls 100
  rm -rf "$DATA"
  DATA=
done
echo "load $(load)"
