#!/usr/bin/env bash
# What uploads cost in memory: the peak resident size (VmHWM) of the standalone binary and of
# `onewindow-gateway` in a process of its own (in front of the standalone's gRPC port, as in
# the cluster) after one online submission carrying the most a submission may (two files of
# 20 MiB, 56 MB of JSON), then after AT_ONCE more sent at once. The gateways receive
# `max_concurrent_uploads` of them at a time (4 unless set in ONEWINDOW_GATEWAY__LIMITS__*).
#
#   bash bench/uploads.sh
#   AT_ONCE=8 bash bench/uploads.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
AT_ONCE=${AT_ONCE:-5}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p onewindow -p onewindow-gateway >/dev/null
BIN=target/release
DATA=$(mktemp -d)
cleanup() { kill "${APP:-}" "${GATEWAY:-}" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
peak() { awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$1/status"; }

ONEWINDOW_GRPC_ADDR=127.0.0.1:50094 ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:8094 \
  ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow serve --data-dir "$DATA" >/dev/null & APP=$!
wait_ready 127.0.0.1:8094
A=127.0.0.1:50094
gateway_toml "$DATA/gateway.toml" 127.0.0.1:8093 "$DATA/issuer-key.pem" $A $A $A $A
ONEWINDOW_TELEMETRY__LOG_FILTER=warn $BIN/onewindow-gateway --config "$DATA/gateway.toml" \
  >/dev/null & GATEWAY=$!
wait_ready 127.0.0.1:8093
TOKEN=$($BIN/onewindow token --role applicant --data-dir "$DATA")
# 企业名称预先核准: materials m1 and m2 are required at intake.
ITEM=11140200017179254H010171001000
python3 - "$DATA" "$ITEM" "$((AT_ONCE * 2 + 2))" <<'PYEOF'
import base64, json, sys
data, item, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = 20 * 1024 * 1024 - 100
scan = bytearray(b"%PDF-1.7\n")
scan.extend(i % 251 for i in range(len(scan), size))
content = base64.b64encode(bytes(scan)).decode()
for i in range(n):
    body = {"requestId": "uploads-%d" % i, "itemId": item,
            "applicant": {"kind": "APPLICANT_KIND_PERSON", "name": "李四",
                          "idType": "ID_TYPE_RESIDENT_ID_CARD", "idNumber": "14021319900307123X",
                          "phone": "13912345678"},
            "materials": [{"materialId": m, "fileName": "申请书扫描件.pdf",
                           "contentType": "application/pdf", "content": content}
                          for m in ("m1", "m2")]}
    with open("%s/upload-%d.json" % (data, i), "w") as f:
        json.dump(body, f)
PYEOF
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); body $(stat -c %s "$DATA/upload-0.json") bytes"
echo "idle: standalone $(peak $APP), gateway apart $(peak $GATEWAY)"
post() { # port file
  curl -s -o /dev/null -w "%{http_code} in %{time_total} s\n" -H "authorization: Bearer $TOKEN" \
    -H "content-type: application/json" --data-binary "@$DATA/$2" "http://127.0.0.1:$1/api/v1/cases"
}
n=0
for port in 8093 8094; do
  label=$([ $port = 8093 ] && echo "gateway apart" || echo "standalone's own gateway")
  echo "\$ curl -X POST /api/v1/cases (one, through the $label)"
  post $port "upload-$n.json"; n=$((n + 1))
  echo "peak after one: standalone $(peak $APP), gateway apart $(peak $GATEWAY)"
  echo "\$ curl -X POST /api/v1/cases ($AT_ONCE at once, through the $label)"
  posts=()
  for _ in $(seq 1 "$AT_ONCE"); do post $port "upload-$n.json" & posts+=($!); n=$((n + 1)); done
  wait "${posts[@]}"
  echo "peak after $AT_ONCE at once: standalone $(peak $APP), gateway apart $(peak $GATEWAY)"
done
