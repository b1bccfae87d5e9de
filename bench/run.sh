#!/usr/bin/env bash
# Measures OneWindow against this machine's limit in one run: a bare tonic hello-world
# server, then the catalog's GetItem and ListItems over gRPC, then GetItem through the
# gateway's REST API twice: the standalone binary's gateway, which calls the services of
# its own process, and `onewindow-gateway` in a process of its own calling them over gRPC
# (as deployed on Kubernetes). Prints each figure with the command that produced it;
# figures are compared as ratios within the run (the machine is shared and noisy).
#
#   bash bench/run.sh [seconds-per-run] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_PER_RUN=${1:-10}
RUNS=${2:-3}
CONC=${CONCURRENCY:-32}

[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench \
  -p onewindow-gateway >/dev/null
BIN=target/release
DATA=$(mktemp -d)
cleanup() { kill "${HELLO:-}" "${APP:-}" "${GATEWAY:-}" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

$BIN/hello-server 127.0.0.1:50099 >/dev/null & HELLO=$!
ONEWINDOW_GRPC_ADDR=127.0.0.1:50098 ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:8098 \
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
wait_ready 127.0.0.1:8098

echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg); ${RUNS} runs of ${SECONDS_PER_RUN}s, ${CONC} callers"
# The server's CPU per call (`cpu_ticks`) is steadier than throughput on a shared machine,
# and shows what the client costs apart.
per_call() { # ticks-before ticks-after calls
  python3 -c "import sys; b,a,n=map(int,sys.argv[1:]); print('server CPU %.1f us per call' % ((a-b)/$(getconf CLK_TCK)*1e6/max(n,1)))" "$@"
}
run() { # server-pid loadgen-args...
  local pid=$1; shift
  echo "\$ loadgen $*"
  local before out
  before=$(cpu_ticks "$pid")
  out=$($BIN/loadgen "$@" --seconds "$SECONDS_PER_RUN" --runs "$RUNS")
  echo "$out" | tail -1
  per_call "$before" "$(cpu_ticks "$pid")" "$(echo "$out" | grep -v '^median' | grep -o '[0-9]* calls,' | awk '{n += $1} END {print n}')"
}
run "$HELLO" --addr 127.0.0.1:50099 --target hello --concurrency "$CONC"
run "$APP" --addr 127.0.0.1:50098 --target catalog-get-item --concurrency "$CONC"
run "$APP" --addr 127.0.0.1:50098 --target catalog-list-items --concurrency "$CONC"
run "$APP" --addr 127.0.0.1:50098 --target catalog-list-items-basic --concurrency "$CONC"

ITEM=$(curl -fs 'http://127.0.0.1:8098/api/v1/items?pageSize=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
# The standalone's gateway and one apart, in front of the standalone's gRPC port, signing
# with the same key (so the same token passes both).
A=127.0.0.1:50098
gateway_toml "$DATA/gateway.toml" 127.0.0.1:8097 "$DATA/issuer-key.pem" $A $A $A $A
ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow-gateway --config "$DATA/gateway.toml" \
  >/dev/null & GATEWAY=$!
wait_ready 127.0.0.1:8097
rest() { # label port pid...
  local label=$1 port=$2; shift 2
  echo "# REST GetItem, $label"
  echo "\$ wrk -t2 -c$CONC -d${SECONDS_PER_RUN}s --latency http://127.0.0.1:$port/api/v1/items/$ITEM"
  local before=0 after=0 p
  for p in "$@"; do before=$((before + $(cpu_ticks "$p"))); done
  # The gateway rate-limits anonymous callers; the benchmark signs in as a supervisor.
  out=$(wrk -t2 -c"$CONC" -d"${SECONDS_PER_RUN}s" --latency -H "authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$port/api/v1/items/$ITEM")
  for p in "$@"; do after=$((after + $(cpu_ticks "$p"))); done
  echo "$out" | grep -E "Requests/sec|50%|90%|99%"
  per_call "$before" "$after" "$(echo "$out" | awk '/requests in/ {print $1}')"
}
if command -v wrk >/dev/null; then
  TOKEN=$($BIN/onewindow token --role supervisor --data-dir "$DATA")
  for _ in $(seq 1 "$RUNS"); do
    rest "the standalone's gateway (in process)" 8098 "$APP"
    rest "onewindow-gateway apart (over gRPC; CPU of both processes)" 8097 "$GATEWAY" "$APP"
  done
else
  echo "wrk not installed (apt-get install wrk): REST figures skipped"
fi
