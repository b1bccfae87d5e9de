#!/usr/bin/env bash
# OpenAPI-driven test of the gateway: schemathesis generates requests for every operation of
# /api/v1/openapi.json against the standalone binary (debug build, fresh data dir, free
# ports) and checks that no answer is a 5xx, that answers conform to the document, and that
# every 4xx is a problem document (hooks.py). Run anonymously, then with a clerk's token.
#
#   gateway/tests/openapi/run.sh                # from anywhere in the repository
#   MAX_EXAMPLES=10 gateway/tests/openapi/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"

max_examples="${MAX_EXAMPLES:-5}"
max_time="${MAX_TIME:-60}"
venv="${SCHEMATHESIS_VENV:-$root/target/schemathesis-venv}"
schemathesis_version="${SCHEMATHESIS_VERSION:-4.32.5}"

if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
fi
echo "schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}')"

# ONEWINDOW_BINARY: a standalone binary already built (CI passes the one its tests built).
if [ -n "${ONEWINDOW_BINARY:-}" ]; then
    bin="$ONEWINDOW_BINARY"
else
    cargo build -p onewindow
    bin="$root/target/debug/onewindow"
fi

work="$(mktemp -d)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0 everywhere: the binary reports the addresses it bound. The anonymous rate limit is
# lifted, else the generated requests mostly meet 429.
export ONEWINDOW_GRPC_ADDR=127.0.0.1:0
export ONEWINDOW_GATEWAY__LISTEN_ADDR=127.0.0.1:0
export ONEWINDOW_GATEWAY__LIMITS__ANONYMOUS_PER_SECOND=100000
export ONEWINDOW_GATEWAY__LIMITS__ANONYMOUS_BURST=100000
export RUST_LOG="${RUST_LOG:-warn}"
"$bin" --data-dir "$work/data" serve >"$work/out.log" 2>&1 &
pid=$!

base=""
for _ in $(seq 1 240); do
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$work/out.log"
        echo "onewindow exited before it was ready" >&2
        exit 1
    fi
    addr="$(sed -n 's|.*open http://\([^/]*\)/ in a browser.*|\1|p' "$work/out.log" | head -n1)"
    if [ -n "$addr" ] && curl -fsS "http://$addr/readyz" >/dev/null 2>&1; then
        base="http://$addr"
        break
    fi
    sleep 0.5
done
if [ -z "$base" ]; then
    cat "$work/out.log"
    echo "onewindow did not become ready" >&2
    exit 1
fi
echo "gateway at $base"

token="$("$bin" --data-dir "$work/data" token --role clerk --department gsj)"

run() {
    local label="$1"
    shift
    echo "== schemathesis, $label"
    SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here" "$venv/bin/schemathesis" run \
        "$base/api/v1/openapi.json" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,problem_details \
        --max-examples "$max_examples" \
        --max-time "$max_time" \
        --phases examples,coverage,fuzzing \
        --generation-deterministic \
        --seed 1 \
        --request-timeout 10 \
        --workers 2 \
        --no-color \
        "$@"
}

status=0
run anonymous || status=1
run "clerk token" -H "Authorization: Bearer $token" || status=1
exit "$status"
