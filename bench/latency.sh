#!/usr/bin/env bash
# Latency figures in one run: hello-world and catalog GetItem in open loop at half of
# hello-world's closed-loop maximum (measured first in the same run), and the latency the
# gateway adds to GetItem with one caller at a time (REST through wrk vs direct gRPC).
#
#   bash bench/latency.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_PER_RUN=${1:-10}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench >/dev/null
BIN=target/release
DATA=$(mktemp -d)
cleanup() { kill "${HELLO:-}" "${APP:-}" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
$BIN/hello-server 127.0.0.1:50099 >/dev/null & HELLO=$!
ONEWINDOW_GRPC_ADDR=127.0.0.1:50098 ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:8098 \
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
wait_ready 127.0.0.1:8098
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
MAX=$($BIN/loadgen --addr 127.0.0.1:50099 --target hello --seconds "$SECONDS_PER_RUN" | tail -1 \
  | sed -E 's/^median: ([0-9]+) calls.*/\1/')
HALF=$((MAX / 2))
echo "hello-world closed-loop maximum: $MAX/s; open loop at $HALF/s"
for target in hello catalog-get-item; do
  port=50098; [ $target = hello ] && port=50099
  echo "\$ loadgen --target $target --rate $HALF"
  $BIN/loadgen --addr 127.0.0.1:$port --target $target --rate "$HALF" --seconds "$SECONDS_PER_RUN" | tail -1
done
ITEM=$(curl -fs 'http://127.0.0.1:8098/api/v1/items?pageSize=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
TOKEN=$($BIN/onewindow token --role supervisor --data-dir "$DATA")
echo "\$ loadgen --target catalog-get-item --concurrency 1 --connections 1"
$BIN/loadgen --addr 127.0.0.1:50098 --target catalog-get-item --concurrency 1 --connections 1 \
  --seconds "$SECONDS_PER_RUN" | tail -1
echo "\$ wrk -t1 -c1 --latency /api/v1/items/$ITEM"
wrk -t1 -c1 -d"${SECONDS_PER_RUN}s" --latency -H "authorization: Bearer $TOKEN" \
  "http://127.0.0.1:8098/api/v1/items/$ITEM" | grep -E "Requests/sec|50%|99%"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
