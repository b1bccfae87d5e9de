#!/usr/bin/env bash
# Cases and supervision at a city's size on PostgreSQL, in one run: the standalone binary
# creates its databases on the server (one per service, as deployed) with the demo data;
# `bulk-cases` then fills the cases database and `bulk-supervision` supervision's with SIZE
# cases each. Then the queries measured on SQLite by scale.sh: the approver's inbox and
# the public lookup (`case-queries`), the deadline scan with NEWLY_DUE deadlines newly due
# (`supervision-scan`), the dashboard and the reports through the binary's gRPC port
# (`loadgen`, one caller), and the store queries behind them (`supervision-queries`). The
# databases are dropped at the end.
#
#   bash bench/scale-postgres.sh [seconds-per-run]
#   PG=postgres://postgres@127.0.0.1:5432 SIZE=1000000 NEWLY_DUE=0,1000,10000 \
#     bash bench/scale-postgres.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_PER_RUN=${1:-10}
SIZE=${SIZE:-1000000}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
NEWLY_DUE=${NEWLY_DUE:-0,100,1000,10000}
SCAN_RUNS=${SCAN_RUNS:-3}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench >/dev/null
BIN=target/release
GRPC=127.0.0.1:50095
HTTP=127.0.0.1:8095
DATA=$(mktemp -d)
SUFFIX="bench_$$"
DATABASES=()
cleanup() {
  kill "${APP:-}" 2>/dev/null || true
  rm -rf "$DATA"
  drop_databases
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

pg_databases "$SUFFIX"
CASES_URL="$PG/ow_cases_$SUFFIX"
SUPERVISION_URL="$PG/ow_supervision_$SUFFIX"

start_app() {
  ONEWINDOW_GRPC_ADDR=$GRPC ONEWINDOW_GATEWAY__LISTEN_ADDR=$HTTP \
    ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
  wait_ready "$HTTP"
}
stop_app() { kill "$APP"; wait "$APP" 2>/dev/null || true; APP=; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ) PostgreSQL $(psql "$PG/postgres" -Atc 'SHOW server_version') on $(nproc) cores, $(uname -r); load $(load)"
echo "# onewindow built $(date -u -r $BIN/onewindow +%Y-%m-%dT%H:%MZ)"
start_app
# Supervision has recorded every demo case before the copies are made of them.
for _ in $(seq 1 120); do
  head=$(psql "$CASES_URL" -Atc "SELECT COALESCE(MAX(seq), 0) FROM kit_outbox")
  at=$(psql "$SUPERVISION_URL" -Atc \
    "SELECT COALESCE(MAX(last_seq), 0) FROM kit_consumer_offset WHERE consumer = 'supervision<-cases'")
  [ "$head" = "$at" ] && break
  sleep 0.5
done
stop_app

echo "\$ bulk-cases --url $CASES_URL --cases $SIZE (load $(load))"
$BIN/bulk-cases --url "$CASES_URL" --cases "$SIZE" | grep -Ev "^[0-9]+ cases in"
echo "cases database: $(psql "$CASES_URL" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
echo "\$ case-queries --url $CASES_URL --calls 2000 (load $(load))"
$BIN/case-queries --url "$CASES_URL" --calls 2000

echo "\$ bulk-supervision --url $SUPERVISION_URL --cases $SIZE (load $(load))"
$BIN/bulk-supervision --url "$SUPERVISION_URL" --cases "$SIZE" | grep -Ev "^[0-9]+ case records in"
echo "supervision database: $(psql "$SUPERVISION_URL" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
# Untimed: a first scan, so that the timed ones find a database scanned before.
$BIN/supervision-scan --url "$SUPERVISION_URL" --newly-due 10000 --runs 3 >/dev/null
echo "\$ supervision-scan --newly-due $NEWLY_DUE --runs $SCAN_RUNS (load $(load))"
$BIN/supervision-scan --url "$SUPERVISION_URL" --newly-due "$NEWLY_DUE" --runs "$SCAN_RUNS"

start_app
SUPERVISOR=$($BIN/onewindow token --role supervisor --data-dir "$DATA")
supervision_reads "$GRPC" "$SUPERVISOR" "$SECONDS_PER_RUN"
stop_app
echo "\$ supervision-queries --calls 100 (load $(load))"
$BIN/supervision-queries --url "$SUPERVISION_URL" --calls 100
echo "load $(load)"
