#!/usr/bin/env bash
# gRPC unary calls driven by h2load (nghttp2-client), a client that is not tonic: the bare
# tonic hello-world server (`SayHello`) against the catalog's `GetItem` on the standalone
# binary, RUNS runs each, alternating, with the median of each and the ratio
# catalog / hello. A gRPC call over h2load is a POST of a length-prefixed message (one
# byte compressed flag 0, four bytes big-endian length, the protobuf bytes) with
# `content-type: application/grpc` and `te: trailers`. h2load counts every HTTP 200 as a
# success whatever the grpc-status trailer says, so one call of each is made first with
# curl and its grpc-status must be 0. Latency percentiles come from h2load's per-request
# log (`--log-file`).
#
#   bash bench/h2load.sh [requests-per-run] [runs]
#   CLIENTS=32 STREAMS=8 THREADS=2 SKIP_BUILD=1 bash bench/h2load.sh 200000 3
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
REQUESTS=${1:-200000}
RUNS=${2:-3}
CLIENTS=${CLIENTS:-32}
STREAMS=${STREAMS:-8}
THREADS=${THREADS:-2}
command -v h2load >/dev/null || {
  echo "h2load not installed (apt-get install nghttp2-client)" >&2
  exit 1
}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench >/dev/null
BIN=target/release
WORK=$(mktemp -d)
DATA=$WORK/data
cleanup() {
  kill "${HELLO:-}" "${APP:-}" 2>/dev/null || true
  wait "${HELLO:-}" "${APP:-}" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

P_HELLO=$(free_port) P_GRPC=$(free_port) P_HTTP=$(free_port)
HELLO_ADDR=127.0.0.1:$P_HELLO
APP_ADDR=127.0.0.1:$P_GRPC
$BIN/hello-server "$HELLO_ADDR" >/dev/null & HELLO=$!
ONEWINDOW_GRPC_ADDR=$APP_ADDR ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:$P_HTTP \
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
wait_ready "127.0.0.1:$P_HTTP"
ITEM=$(curl -fs "http://127.0.0.1:$P_HTTP/api/v1/items?pageSize=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

# A gRPC request body: the message with field 1 (a string) set, length-prefixed.
grpc_body() {
  python3 - "$1" "$2" <<'EOF'
import sys
path, value = sys.argv[1], sys.argv[2].encode()
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
message = b"\x0a" + varint(len(value)) + value  # field 1, wire type 2 (length-delimited)
with open(path, "wb") as f:
    f.write(b"\x00" + len(message).to_bytes(4, "big") + message)
EOF
}
HELLO_PATH=/onewindow.bench.v1.Hello/SayHello
ITEM_PATH=/onewindow.catalog.v1.CatalogService/GetItem
grpc_body "$WORK/hello.bin" world                 # HelloRequest { name: "world" }
grpc_body "$WORK/get-item.bin" "$ITEM"            # GetItemRequest { item_id }

echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r); load $(load); $(h2load --version | head -1)"
echo "# onewindow built $(date -u -r $BIN/onewindow +%Y-%m-%dT%H:%MZ); ${RUNS} runs of ${REQUESTS} requests each, alternating"
echo "# GetItem of $ITEM (the first item of the demo catalog), the same request every call"
echo "# request bodies: hello.bin $(od -An -tx1 "$WORK/hello.bin" | tr -s ' \n' ' ')"
echo "#                 get-item.bin $(od -An -tx1 "$WORK/get-item.bin" | tr -s ' \n' ' ')"

# One call with curl: HTTP 200, grpc-status 0 in the trailers, a non-empty message.
check() {
  local name=$1 url=$2 body=$3 status
  echo "\$ curl --http2-prior-knowledge -s -D $name.headers -o $name.out --data-binary @$(basename "$body") -H 'content-type: application/grpc' -H 'te: trailers' $url"
  curl --http2-prior-knowledge -s -D "$WORK/$name.headers" -o "$WORK/$name.out" \
    --data-binary "@$body" -H 'content-type: application/grpc' -H 'te: trailers' "$url"
  tr -d '\r' <"$WORK/$name.headers" | grep -iE '^(HTTP/|content-type|grpc-status|grpc-message)' | sed 's/^/    /'
  status=$(tr -d '\r' <"$WORK/$name.headers" | awk -F': *' 'tolower($1) == "grpc-status" {print $2}')
  if [ "$status" != 0 ]; then
    echo "$name: grpc-status is '${status}', not 0: the h2load figures would count failures" >&2
    exit 1
  fi
  echo "    reply: $(stat -c %s "$WORK/$name.out") bytes (5-byte prefix and message)"
}
check hello "http://$HELLO_ADDR$HELLO_PATH" "$WORK/hello.bin"
check catalog "http://$APP_ADDR$ITEM_PATH" "$WORK/get-item.bin"

H2=(-c "$CLIENTS" -m "$STREAMS" -t "$THREADS" -H 'content-type: application/grpc' -H 'te: trailers')
# Untimed warm-up of each server.
h2load -n 20000 "${H2[@]}" -d "$WORK/hello.bin" "http://$HELLO_ADDR$HELLO_PATH" >/dev/null
h2load -n 20000 "${H2[@]}" -d "$WORK/get-item.bin" "http://$APP_ADDR$ITEM_PATH" >/dev/null

# One run: h2load's summary lines, then percentiles and statuses from its per-request log;
# the req/s goes to $WORK/<name>.rps, one line per run.
bench() {
  local name=$1 url=$2 body=$3 out="$WORK/$1.txt" log="$WORK/$1.log"
  echo "\$ h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t $THREADS -H 'content-type: application/grpc' -H 'te: trailers' -d $(basename "$body") --log-file=$name.log $url (load $(load))"
  # h2load appends to its log: one log per run.
  rm -f "$log"
  h2load -n "$REQUESTS" "${H2[@]}" -d "$body" --log-file="$log" "$url" >"$out"
  grep -E '^(finished in|requests:|status codes:|time for request:)' "$out" | sed 's/^/    /'
  python3 - "$log" <<'EOF'
import sys
from collections import Counter
times, statuses = [], Counter()
with open(sys.argv[1]) as f:
    for line in f:
        cols = line.split("\t")
        if len(cols) >= 3:
            statuses[cols[1]] += 1
            times.append(int(cols[2]))
times.sort()
def q(p):
    return times[min(len(times) - 1, int(p * len(times)))] / 1000
print(f"    latency from the per-request log: p50 {q(0.50):.2f} ms, p90 {q(0.90):.2f} ms, "
      f"p99 {q(0.99):.2f} ms, max {times[-1] / 1000:.2f} ms; HTTP statuses {dict(statuses)}")
EOF
  sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out" >>"$WORK/$name.rps"
}
for i in $(seq 1 "$RUNS"); do
  echo "## run $i"
  bench hello "http://$HELLO_ADDR$HELLO_PATH" "$WORK/hello.bin"
  bench catalog "http://$APP_ADDR$ITEM_PATH" "$WORK/get-item.bin"
done

median() { sort -g "$WORK/$1.rps" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
HELLO_MEDIAN=$(median hello)
CATALOG_MEDIAN=$(median catalog)
echo
echo "| server, call | req/s per run | median req/s |"
echo "|---|---|---|"
echo "| hello-server, SayHello | $(paste -sd' ' "$WORK/hello.rps" | sed 's/ / \/ /g') | $HELLO_MEDIAN |"
echo "| onewindow serve, CatalogService/GetItem | $(paste -sd' ' "$WORK/catalog.rps" | sed 's/ / \/ /g') | $CATALOG_MEDIAN |"
awk -v c="$CATALOG_MEDIAN" -v h="$HELLO_MEDIAN" 'BEGIN { printf "catalog / hello (medians): %.3f\n", c / h }'
echo "load $(load)"
