#!/usr/bin/env bash
# Case submission and acceptance against the engine's write ceiling in the same run: loadgen's
# cases-submit and cases-accept through the standalone binary's gRPC port, then, with the
# binary stopped, `insert-ceiling` writing the rows a submission writes in plain sqlx
# transactions into the same database; on PostgreSQL also pgbench's TPC-B-like transaction on
# the same server. Also records the binary's resident size idle and under the submission load.
#
#   bash bench/cases.sh [seconds-per-run] [runs]
#   ENGINE=postgres PG=postgres://postgres@127.0.0.1:5432 bash bench/cases.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_PER_RUN=${1:-10}
RUNS=${2:-3}
CONC=${CONCURRENCY:-32}
ENGINE=${ENGINE:-sqlite}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
# Cases submitted (untimed) before each acceptance run: more than a run can accept.
PREFILL=${PREFILL:-20000}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench >/dev/null
BIN=target/release
DATA=$(mktemp -d)
SUFFIX="bench_$$"
DATABASES=()
cleanup() {
  kill "${APP:-}" 2>/dev/null || true
  rm -rf "$DATA"
  drop_databases
}
trap cleanup EXIT

case "$ENGINE" in
  sqlite) CASES_URL="sqlite://$DATA/cases.db" ;;
  postgres)
    pg_databases "$SUFFIX"
    CASES_URL="$PG/ow_cases_$SUFFIX"
    ;;
  *) echo "ENGINE must be sqlite or postgres" >&2; exit 2 ;;
esac

ONEWINDOW_GRPC_ADDR=127.0.0.1:50098 ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:8098 \
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
wait_ready 127.0.0.1:8098
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $ENGINE on $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); ${RUNS} runs of ${SECONDS_PER_RUN}s, ${CONC} callers"
sleep 5
echo "standalone idle: RSS $(rss $APP)"
TOKEN=$($BIN/onewindow token --role applicant --data-dir "$DATA")
echo "\$ loadgen --target cases-submit --concurrency $CONC"
ONEWINDOW_BENCH_TOKEN=$TOKEN $BIN/loadgen --addr 127.0.0.1:50098 --target cases-submit \
  --concurrency "$CONC" --seconds "$SECONDS_PER_RUN" --runs "$RUNS" | tail -1 &
LOAD=$!
sleep $((SECONDS_PER_RUN / 2))
echo "standalone under submission load: RSS $(rss $APP)"
wait $LOAD

# Acceptance by a clerk of the department of the item loadgen submits to (the first promised).
DEPT=$(curl -fs 'http://127.0.0.1:8098/api/v1/items?pageSize=200' | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(next(i["departmentId"] for i in items if i.get("itemClass") == "ITEM_CLASS_PROMISED"))')
CLERK=$($BIN/onewindow token --role clerk --department "$DEPT" --data-dir "$DATA")
echo "\$ loadgen --target cases-accept --concurrency $CONC --prefill $PREFILL (clerk of $DEPT)"
ONEWINDOW_BENCH_TOKEN=$TOKEN ONEWINDOW_BENCH_STAFF_TOKEN=$CLERK $BIN/loadgen --addr 127.0.0.1:50098 \
  --target cases-accept --prefill "$PREFILL" --concurrency "$CONC" --seconds "$SECONDS_PER_RUN" \
  --runs "$RUNS" | tail -1

kill $APP; wait $APP 2>/dev/null || true; APP=
for i in $(seq 1 "$RUNS"); do
  echo "\$ insert-ceiling --url $CASES_URL --concurrency $CONC (run $i)"
  $BIN/insert-ceiling --url "$CASES_URL" --seconds "$SECONDS_PER_RUN" --concurrency "$CONC"
done
if [ "$ENGINE" = postgres ]; then
  db="ow_pgbench_$SUFFIX"
  psql "$PG/postgres" -qc "CREATE DATABASE $db"
  DATABASES+=("$db")
  pgbench -q -i -s 10 "$PG/$db" >/dev/null 2>&1
  for i in $(seq 1 "$RUNS"); do
    echo "\$ pgbench -c $CONC -j 2 -T $SECONDS_PER_RUN (TPC-B-like, scale 10; run $i)"
    pgbench -c "$CONC" -j 2 -T "$SECONDS_PER_RUN" "$PG/$db" 2>/dev/null | grep -E "^tps|latency average"
  done
fi
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
