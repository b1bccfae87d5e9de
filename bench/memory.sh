#!/usr/bin/env bash
# Resident memory of each service as a process of its own, idle and under load, and of the
# standalone binary idle, in one run:
#  1. a key pair (`keys generate`), then onewindow-catalog (demo catalog loaded at start),
#     onewindow-cases (following the catalog, demo cases), onewindow-trading (demo
#     projects), onewindow-supervision (following cases, catalog and trading) and
#     onewindow-gateway (each package routed to its service) on SQLite files in a temp dir;
#  2. idle: once every demo event has been followed, VmRSS and VmHWM (the start-up peak)
#     of each process from /proc/PID/status;
#  3. load, one phase after the other, each process's peak (VmHWM, reset before each phase
#     through /proc/PID/clear_refs) recorded per phase: `loadgen --target catalog-get-item`
#     against the catalog, `loadgen --target cases-submit` and `--target cases-accept`
#     against cases (the item looked up at the catalog with `--catalog-addr`), `wrk`
#     against the gateway's REST GetItem when wrk is installed; supervision follows the
#     submissions meanwhile;
#  4. after the load, once supervision has caught up and IDLE_SECS have passed, VmRSS again;
#  5. the five stopped, `onewindow serve` on a fresh data directory (demo data loaded),
#     idle, the same way.
# Prints each command, then a table in MB (MiB of /proc's kB).
#
#   bash bench/memory.sh [seconds-per-phase]
#   CONCURRENCY=32 PREFILL=10000 IDLE_SECS=5 SKIP_BUILD=1 bash bench/memory.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_PER_PHASE=${1:-10}
CONC=${CONCURRENCY:-32}
PREFILL=${PREFILL:-10000}
IDLE_SECS=${IDLE_SECS:-5}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-bench \
  -p onewindow-catalog -p onewindow-cases -p onewindow-trading -p onewindow-supervision \
  -p onewindow-gateway >/dev/null
BIN=target/release
HALL=$(mktemp -d)
DATA=$(mktemp -d)
NAMES=(catalog cases trading supervision gateway)
declare -A PID=()
cleanup() {
  local p
  for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PID[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$HALL" "$DATA"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
alive() {
  local name
  for name in "$@"; do
    if ! kill -0 "${PID[$name]}" 2>/dev/null; then
      echo "$name exited; the end of its log:" >&2
      tail -30 "$HALL/$name.log" >&2
      exit 1
    fi
  done
}

# Starts a process in the background, its output to $HALL/<name>.log, after printing the
# command: launch NAME VAR=value... -- COMMAND ARGS...
launch() {
  local name=$1 envs=()
  shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  printf '$ %s&\n' "$(printf '%q ' "${envs[@]}" "$@")" | sed -e "s|$HALL|"'$HALL|g' -e "s|$DATA|"'$DATA|g'
  env "${envs[@]}" "$@" >"$HALL/$name.log" 2>&1 &
  PID[$name]=$!
}

head_of() { sqlite3 -readonly "$1" "SELECT COALESCE(MAX(seq), 0) FROM kit_outbox"; }
offset_of() {
  sqlite3 -readonly "$1" "SELECT COALESCE(MAX(last_seq), 0) FROM kit_consumer_offset WHERE consumer = '$2'"
}
# Every stream followed to its head in the databases of directory $1, the same heads on two
# polls a second apart, and the demo cases created (cases' stream not empty).
caught_up() {
  local dir=$1 before= now
  for _ in $(seq 1 300); do
    if [ -f "$dir/supervision.db" ] && [ -f "$dir/cases.db" ]; then
      local catalog cases trading
      catalog=$(head_of "$dir/catalog.db" 2>/dev/null || echo x)
      cases=$(head_of "$dir/cases.db" 2>/dev/null || echo x)
      trading=$(head_of "$dir/trading.db" 2>/dev/null || echo x)
      now="$catalog $cases $trading"
      if [ "$cases" != x ] && [ "$cases" != 0 ] && [ "$catalog" != x ] && [ "$trading" != x ] &&
        [ "$(offset_of "$dir/cases.db" 'cases<-catalog' 2>/dev/null)" = "$catalog" ] &&
        [ "$(offset_of "$dir/supervision.db" 'supervision<-catalog' 2>/dev/null)" = "$catalog" ] &&
        [ "$(offset_of "$dir/supervision.db" 'supervision<-cases' 2>/dev/null)" = "$cases" ] &&
        [ "$(offset_of "$dir/supervision.db" 'supervision<-trading' 2>/dev/null)" = "$trading" ] &&
        [ "$now" = "$before" ]; then
        return 0
      fi
      before=$now
    fi
    sleep 1
  done
  echo "the streams in $dir were not followed to their heads within 300 s" >&2
  exit 1
}

# VmHWM can be reset (Linux: `echo 5 > /proc/PID/clear_refs`, as the process's owner).
reset_peaks() {
  local name
  for name in "$@"; do echo 5 >"/proc/${PID[$name]}/clear_refs"; done
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r); load $(load)"
echo "# binaries built $(date -u -r $BIN/onewindow-catalog +%Y-%m-%dT%H:%MZ) (services), $(date -u -r $BIN/onewindow +%Y-%m-%dT%H:%MZ) (onewindow)"
echo "# phases of ${SECONDS_PER_PHASE}s, $CONC callers; idle readings ${IDLE_SECS}s after the demo events are followed"

# ---------------------------------------------------------------- 1. five processes
echo "\$ keys generate --dir \$HALL"
$BIN/keys generate --dir "$HALL"
P_CATALOG=$(free_port) P_CASES=$(free_port) P_TRADING=$(free_port) P_SUPERVISION=$(free_port)
P_GATEWAY=$(free_port)
CATALOG=127.0.0.1:$P_CATALOG
CASES=127.0.0.1:$P_CASES
TRADING=127.0.0.1:$P_TRADING
SUPERVISION=127.0.0.1:$P_SUPERVISION
GATEWAY=127.0.0.1:$P_GATEWAY
COMMON=("ONEWINDOW_AUTH__PUBLIC_KEY_FILES=[\"$HALL/issuer-public.pem\"]"
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn)
launch catalog "${COMMON[@]}" ONEWINDOW_GRPC_ADDR=$CATALOG \
  "ONEWINDOW_DATABASE__URL=sqlite://$HALL/catalog.db" ONEWINDOW_DEMO_DATA=true \
  -- $BIN/onewindow-catalog
launch cases "${COMMON[@]}" ONEWINDOW_GRPC_ADDR=$CASES \
  "ONEWINDOW_DATABASE__URL=sqlite://$HALL/cases.db" ONEWINDOW_DEMO_DATA=true \
  "ONEWINDOW_PEERS__TOKEN_FILE=$HALL/service-token" \
  "ONEWINDOW_PEERS__CATALOG__ENDPOINTS=http://$CATALOG" -- $BIN/onewindow-cases
launch trading "${COMMON[@]}" ONEWINDOW_GRPC_ADDR=$TRADING \
  "ONEWINDOW_DATABASE__URL=sqlite://$HALL/trading.db" ONEWINDOW_DEMO_DATA=true \
  "ONEWINDOW_MASTER_KEY_FILE=$HALL/master.key" -- $BIN/onewindow-trading
launch supervision "${COMMON[@]}" ONEWINDOW_GRPC_ADDR=$SUPERVISION \
  "ONEWINDOW_DATABASE__URL=sqlite://$HALL/supervision.db" \
  "ONEWINDOW_PEERS__TOKEN_FILE=$HALL/service-token" \
  "ONEWINDOW_PEERS__CASES__ENDPOINTS=http://$CASES" \
  "ONEWINDOW_PEERS__CATALOG__ENDPOINTS=http://$CATALOG" \
  "ONEWINDOW_PEERS__TRADING__ENDPOINTS=http://$TRADING" -- $BIN/onewindow-supervision
gateway_toml "$HALL/gateway.toml" "$GATEWAY" "$HALL/issuer-key.pem" \
  "$CATALOG" "$CASES" "$TRADING" "$SUPERVISION"
echo "\$ cat \$HALL/gateway.toml"
sed "s|$HALL|\$HALL|g" "$HALL/gateway.toml" | sed 's/^/    /'
launch gateway ONEWINDOW_TELEMETRY__LOG_FILTER=warn -- $BIN/onewindow-gateway --config "$HALL/gateway.toml"
wait_ready "$GATEWAY"
caught_up "$HALL"
alive "${NAMES[@]}"
sleep "$IDLE_SECS"

declare -A IDLE=() START_PEAK=() PEAK=() AFTER=() LIFE_PEAK=()
for name in "${NAMES[@]}"; do
  IDLE[$name]=$(status_kb "${PID[$name]}" VmRSS)
  START_PEAK[$name]=$(status_kb "${PID[$name]}" VmHWM)
  PEAK[$name]=0
done
echo "idle (load $(load)):$(for n in "${NAMES[@]}"; do printf ' %s %s MB;' "$n" "$(mb "${IDLE[$n]}")"; done)"

RESETTABLE=1
if ! (reset_peaks "${NAMES[@]}") 2>/dev/null; then
  RESETTABLE=0
  echo "VmHWM cannot be reset here: the peaks under load include the start-up peak"
fi

# Runs one load phase (the command after the label), then folds each process's VmHWM into
# its peak under load and prints the phase's peaks.
phase() {
  local label=$1 name hwm line=
  shift
  [ "$RESETTABLE" = 0 ] || reset_peaks "${NAMES[@]}"
  echo "\$ $label (load $(load))"
  "$@"
  alive "${NAMES[@]}"
  for name in "${NAMES[@]}"; do
    hwm=$(status_kb "${PID[$name]}" VmHWM)
    [ "$hwm" -gt "${PEAK[$name]}" ] && PEAK[$name]=$hwm
    line+=" $name $(mb "$hwm");"
  done
  echo "  peak during the phase (MB):$line"
}

APPLICANT=$($BIN/keys token --key "$HALL/issuer-key.pem" --role applicant)
SUPERVISOR=$($BIN/keys token --key "$HALL/issuer-key.pem" --role supervisor)
# A clerk of the department of the item the submissions go to (the first promised).
DEPT=$(curl -fs "http://$GATEWAY/api/v1/items?pageSize=200" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(next(i["departmentId"] for i in items if i.get("itemClass") == "ITEM_CLASS_PROMISED"))')
CLERK=$($BIN/keys token --key "$HALL/issuer-key.pem" --role clerk --department "$DEPT")
ITEM=$(curl -fs "http://$GATEWAY/api/v1/items?pageSize=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

phase "loadgen --addr $CATALOG --target catalog-get-item --concurrency $CONC --seconds $SECONDS_PER_PHASE" \
  bash -c "$BIN/loadgen --addr $CATALOG --target catalog-get-item --concurrency $CONC \
    --seconds $SECONDS_PER_PHASE | tail -1"
phase "loadgen --addr $CASES --catalog-addr $CATALOG --target cases-submit --concurrency $CONC --seconds $SECONDS_PER_PHASE (an applicant's token)" \
  bash -c "ONEWINDOW_BENCH_TOKEN=$APPLICANT $BIN/loadgen --addr $CASES --catalog-addr $CATALOG \
    --target cases-submit --concurrency $CONC --seconds $SECONDS_PER_PHASE | tail -1"
phase "loadgen --addr $CASES --catalog-addr $CATALOG --target cases-accept --prefill $PREFILL --concurrency $CONC --seconds $SECONDS_PER_PHASE (an applicant's token; a clerk's of $DEPT)" \
  bash -c "ONEWINDOW_BENCH_TOKEN=$APPLICANT ONEWINDOW_BENCH_STAFF_TOKEN=$CLERK $BIN/loadgen \
    --addr $CASES --catalog-addr $CATALOG --target cases-accept --prefill $PREFILL \
    --concurrency $CONC --seconds $SECONDS_PER_PHASE | tail -1"
if command -v wrk >/dev/null; then
  phase "wrk -t2 -c$CONC -d${SECONDS_PER_PHASE}s --latency -H 'authorization: Bearer <supervisor>' http://$GATEWAY/api/v1/items/$ITEM" \
    bash -c "wrk -t2 -c$CONC -d${SECONDS_PER_PHASE}s --latency -H 'authorization: Bearer $SUPERVISOR' \
      http://$GATEWAY/api/v1/items/$ITEM | grep -E '^Requests/sec|Non-2xx|^ +(50|90|99)%'"
else
  echo "wrk not installed (apt-get install wrk): the gateway's REST phase skipped"
fi

echo "waiting for supervision to follow every submission (load $(load))"
caught_up "$HALL"
sleep "$IDLE_SECS"
alive "${NAMES[@]}"
for name in "${NAMES[@]}"; do
  AFTER[$name]=$(status_kb "${PID[$name]}" VmRSS)
done
echo "cases submitted in all: $(sqlite3 -readonly "$HALL/cases.db" "SELECT COUNT(*) FROM kit_outbox WHERE kind LIKE '%submitted%'") (submission events in cases' outbox)"
for name in "${NAMES[@]}"; do kill "${PID[$name]}"; done
for name in "${NAMES[@]}"; do wait "${PID[$name]}" 2>/dev/null || true; unset "PID[$name]"; done

# ---------------------------------------------------------------- 2. the standalone binary
P_GRPC=$(free_port) P_HTTP=$(free_port)
launch standalone ONEWINDOW_GRPC_ADDR=127.0.0.1:$P_GRPC \
  ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:$P_HTTP ONEWINDOW_TELEMETRY__LOG_FILTER=warn \
  -- $BIN/onewindow serve --data-dir "$DATA"
wait_ready "127.0.0.1:$P_HTTP"
caught_up "$DATA"
alive standalone
sleep "$IDLE_SECS"
S_IDLE=$(status_kb "${PID[standalone]}" VmRSS)
S_PEAK=$(status_kb "${PID[standalone]}" VmHWM)

# ---------------------------------------------------------------- table
echo
echo "| process | idle MB | start-up peak MB (VmHWM) | under-load peak MB (VmHWM) | after-load MB |"
echo "|---|---|---|---|---|"
sum_idle=0 sum_start=0 sum_peak=0 sum_after=0
for name in "${NAMES[@]}"; do
  echo "| onewindow-$name | $(mb "${IDLE[$name]}") | $(mb "${START_PEAK[$name]}") | $(mb "${PEAK[$name]}") | $(mb "${AFTER[$name]}") |"
  sum_idle=$((sum_idle + IDLE[$name])) sum_start=$((sum_start + START_PEAK[$name]))
  sum_peak=$((sum_peak + PEAK[$name])) sum_after=$((sum_after + AFTER[$name]))
done
echo "| the five together | $(mb $sum_idle) | $(mb $sum_start) | $(mb $sum_peak) (sum of peaks) | $(mb $sum_after) |"
echo "| onewindow serve (standalone) | $(mb "$S_IDLE") | $(mb "$S_PEAK") | | |"
awk -v a="$sum_idle" -v b="$S_IDLE" 'BEGIN { printf "idle: the five together / the standalone binary = %.2f\n", a / b }'
echo "load $(load)"
