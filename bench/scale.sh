#!/usr/bin/env bash
# Supervision at scale, in one run:
#  1. event propagation: `propagation` submits cases open loop through the standalone
#     binary at each rate of RATES and times each case from its acknowledgement to
#     supervision's record of it; then once more at SUSTAINED submissions per second
#     (default: 80 % of what the fastest rate got acknowledged, rounded down to 50);
#  2. for each size of SIZES, a fresh data directory whose supervision database
#     `bulk-supervision` fills with that many case records. `supervision-scan` times the
#     deadline scan with NEWLY_DUE deadlines newly due, and how long a one-row write waits
#     behind it; again with the smaller scan transactions of SCAN_BATCHES. Then, with the
#     standalone binary serving that database, `loadgen` times the dashboard (the first
#     message of `WatchDashboard`), `GetPerformance` and `GetMailroomReport` with one caller,
#     and the binary's CPU time is read while cases are submitted at 100/s with no big
#     screen and with two following the dashboard. Last, `supervision-queries` times the
#     store queries behind the dashboard and reports, then again with two covering indexes
#     the service does not have (WHAT_IF=0 skips that). Each data directory is removed after
#     its size.
#
#   bash bench/scale.sh [seconds-per-run]
#   RATES="100 1000" SIZES="100000 1000000" NEWLY_DUE=0,100,1000,10000 SCAN_RUNS=3 \
#     bash bench/scale.sh
#   PARTS=scale SCAN_RUNS=5 bash bench/scale.sh 20     # scan and dashboard only
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_PER_RUN=${1:-10}
PARTS=${PARTS:-propagation scale}
RATES=${RATES-100 1000}
SIZES=${SIZES:-100000 1000000}
NEWLY_DUE=${NEWLY_DUE:-0,100,1000,10000}
SCAN_RUNS=${SCAN_RUNS:-3}
SCAN_BATCHES=${SCAN_BATCHES-100 50}
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
  wait_ready "$HTTP"
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

propagate() {
  echo "\$ propagation --rate $1 --seconds $SECONDS_PER_RUN (load $(load))"
  ONEWINDOW_BENCH_TOKEN=$APPLICANT ONEWINDOW_BENCH_SUPERVISOR_TOKEN=$SUPERVISOR \
    $BIN/propagation --addr $GRPC --rate "$1" --seconds "$SECONDS_PER_RUN" \
    --cases-url "sqlite://$DATA/cases.db" --supervision-url "sqlite://$DATA/supervision.db" \
    | tee "$DATA/last.txt"
}

# The standalone binary's CPU time while cases are submitted at 100/s for a run, with $1 big
# screens following the dashboard (`WatchDashboard` through the gateway) meanwhile.
screens() {
  local watchers=() i
  for i in $(seq 1 "$1"); do
    curl -sN -H "authorization: Bearer $SUPERVISOR" \
      "http://$HTTP/api/v1/supervision/dashboard:watch" >"$DATA/screen-$i.txt" &
    watchers+=($!)
  done
  sleep 2
  local c0 t0 c1 t1
  c0=$(cpu_ticks "$APP"); t0=$(date +%s.%N)
  echo "\$ propagation --rate 100 --seconds $SECONDS_PER_RUN, $1 screens watching (load $(load))"
  ONEWINDOW_BENCH_TOKEN=$APPLICANT ONEWINDOW_BENCH_SUPERVISOR_TOKEN=$SUPERVISOR \
    $BIN/propagation --addr $GRPC --rate 100 --seconds "$SECONDS_PER_RUN" --verify 0 \
    --cases-url "sqlite://$DATA/cases.db" --supervision-url "sqlite://$DATA/supervision.db" \
    | grep '^propagation'
  c1=$(cpu_ticks "$APP"); t1=$(date +%s.%N)
  for w in "${watchers[@]}"; do kill "$w" 2>/dev/null || true; done
  awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" -v n="$1" \
    'BEGIN { printf "standalone CPU with %d screens: %.2f s in %.2f s\n", n, c / hz, t1 - t0 }'
  echo "dashboard messages sent: $(cat "$DATA"/screen-*.txt 2>/dev/null | grep -c '^data:' || true)"
  rm -f "$DATA"/screen-*.txt
}

# ---------------------------------------------------------------- 1. propagation
if [[ " $PARTS " == *" propagation "* ]]; then
DATA=$(mktemp -d)
start_app
wait_caught_up
APPLICANT=$($BIN/onewindow token --role applicant --data-dir "$DATA")
SUPERVISOR=$($BIN/onewindow token --role supervisor --data-dir "$DATA")
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
fi

# ---------------------------------------------------------------- 2. scan and dashboard
[[ " $PARTS " == *" scale "* ]] || SIZES=
for size in $SIZES; do
  DATA=$(mktemp -d)
  start_app
  wait_caught_up
  stop_app
  echo "\$ bulk-supervision --cases $size (load $(load))"
  $BIN/bulk-supervision --url "sqlite://$DATA/supervision.db" --cases "$size" | grep -Ev "^[0-9]+ case records in"
  echo "supervision.db: $(du -h "$DATA/supervision.db" | cut -f1)"
  # The load's pages reach the disk before anything is timed.
  sync
  # Untimed: one scanning process first, so that the timed ones find a database that has been
  # scanned before (outbox and audit trail not empty), as a running service's has.
  $BIN/supervision-scan --url "sqlite://$DATA/supervision.db" --newly-due 10000 --runs 3 >/dev/null
  echo "\$ supervision-scan --newly-due $NEWLY_DUE --runs $SCAN_RUNS (load $(load))"
  $BIN/supervision-scan --url "sqlite://$DATA/supervision.db" --newly-due "$NEWLY_DUE" \
    --runs "$SCAN_RUNS"
  # Smaller scan transactions: how long an event waits behind the scan, against its total.
  for batch in $SCAN_BATCHES; do
    echo "\$ supervision-scan --newly-due 10000 --runs $SCAN_RUNS --batch $batch (load $(load))"
    $BIN/supervision-scan --url "sqlite://$DATA/supervision.db" --newly-due 10000 \
      --runs "$SCAN_RUNS" --batch "$batch" | grep -A1 '^newly due'
  done
  start_app
  APPLICANT=$($BIN/onewindow token --role applicant --data-dir "$DATA")
  SUPERVISOR=$($BIN/onewindow token --role supervisor --data-dir "$DATA")
  supervision_reads "$GRPC" "$SUPERVISOR" "$SECONDS_PER_RUN"
  screens 0
  screens 2
  stop_app
  echo "\$ supervision-queries --calls 100 (load $(load))"
  $BIN/supervision-queries --url "sqlite://$DATA/supervision.db" --calls 100
  if [ "${WHAT_IF:-1}" = 1 ]; then
    # Not the service's schema: two covering indexes it does not have, on this throw-away
    # copy, to show what they would change.
    sqlite3 "$DATA/supervision.db" \
      "CREATE INDEX bench_warning_open ON sup_warning (is_open, region_code, department_id, level);
       CREATE INDEX bench_case_accepted ON sup_case (accepted_on, region_code, department_id,
         accept_only, concluded_on, working_days_used);"
    echo "\$ supervision-queries --calls 100, with two covering indexes the service does not have (load $(load))"
    $BIN/supervision-queries --url "sqlite://$DATA/supervision.db" --calls 100
  fi
  rm -rf "$DATA"
  DATA=
done
echo "load $(load)"
