#!/usr/bin/env bash
# Case submission on SQLite against the engine's write ceiling in the same run: loadgen's
# cases-submit through the standalone binary's gRPC port, then, with the binary stopped,
# `insert-ceiling` writing the same rows in plain sqlx transactions into the same file.
# Also records the binary's resident size idle and under the submission load.
#
#   bash bench/cases.sh [seconds-per-run] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
RUNS=${2:-3}
CONC=${CONCURRENCY:-32}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench >/dev/null
BIN=target/release
DATA=$(mktemp -d)
cleanup() { kill "${APP:-}" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$1/status"; }

ONEWINDOW_GRPC_ADDR=127.0.0.1:50098 ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:8098 \
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
for _ in $(seq 1 120); do
  curl -fs http://127.0.0.1:8098/readyz >/dev/null 2>&1 && break
  sleep 0.5
done
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); ${RUNS} runs of ${SECONDS_PER_RUN}s, ${CONC} callers"
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
kill $APP; wait $APP 2>/dev/null || true; APP=
for i in $(seq 1 "$RUNS"); do
  echo "\$ insert-ceiling --url sqlite://$DATA/cases.db (run $i)"
  $BIN/insert-ceiling --url "sqlite://$DATA/cases.db" --seconds "$SECONDS_PER_RUN" --concurrency "$CONC"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
