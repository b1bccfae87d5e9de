#!/usr/bin/env bash
# A service center's mixed traffic through the gateway of the standalone binary (SQLite, demo
# data): `mixed` offers item guide and search pages, REST item reads, public case lookups,
# submissions, clerk inbox reads and acceptances open loop at each rate of RATES, and prints
# latency percentiles per step and per kind of request, then the highest rate held with p99
# under 100 ms and no errors. Also records the binary's resident size idle and right after
# the load. The load generator runs on the same machine and takes its share of the cores.
#
#   bash bench/mixed.sh [seconds-per-step]
#   RATES=100,200,400 SKIP_BUILD=1 bash bench/mixed.sh 20
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_PER_STEP=${1:-10}
RATES=${RATES:-50,100,200,300,400,600,800}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench >/dev/null
BIN=target/release
GRPC=127.0.0.1:50097
HTTP=127.0.0.1:8097
DATA=$(mktemp -d)
cleanup() {
  if [ -n "${APP:-}" ]; then kill "$APP" 2>/dev/null || true; wait "$APP" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Pages and case lookups are anonymous, and the gateway limits anonymous callers per address
# (20/s, burst 60, by default): every request here comes from 127.0.0.1, so the limit is
# raised far above the offered rates to measure the server rather than the limiter.
ONEWINDOW_GRPC_ADDR=$GRPC ONEWINDOW_GATEWAY__LISTEN_ADDR=$HTTP \
  ONEWINDOW_GATEWAY__LIMITS__ANONYMOUS_PER_SECOND=1000000 \
  ONEWINDOW_GATEWAY__LIMITS__ANONYMOUS_BURST=1000000 \
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
wait_ready "$HTTP"

echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r); load $(load)"
echo "# onewindow built $(date -u -r $BIN/onewindow +%Y-%m-%dT%H:%MZ); standalone on SQLite, demo data, log filter warn"
echo "# anonymous rate limit raised to 1000000/s (burst 1000000) through ONEWINDOW_GATEWAY__LIMITS__ANONYMOUS_*"
sleep 5
echo "standalone idle: RSS $(rss "$APP")"

# The clerk belongs to the department of the item submitted to (the first promised one).
DEPT=$(curl -fs "http://$HTTP/api/v1/items?pageSize=200" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(next(i["departmentId"] for i in items if i.get("itemClass") == "ITEM_CLASS_PROMISED"))')
APPLICANT=$($BIN/onewindow token --role applicant --data-dir "$DATA")
CLERK=$($BIN/onewindow token --role clerk --department "$DEPT" --data-dir "$DATA")

echo "\$ mixed --base http://$HTTP --rates $RATES --seconds $SECONDS_PER_STEP (clerk of $DEPT)"
ONEWINDOW_BENCH_TOKEN=$APPLICANT ONEWINDOW_BENCH_STAFF_TOKEN=$CLERK $BIN/mixed \
  --base "http://$HTTP" --rates "$RATES" --seconds "$SECONDS_PER_STEP"
echo "standalone right after the load: RSS $(rss "$APP")"
echo "# for comparison: Open Zaak sizes a city of one million people at 235 requests per second"
echo "# load $(load)"
