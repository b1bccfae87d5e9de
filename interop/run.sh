#!/usr/bin/env bash
# Interoperability test: a department's system written in Python (grpcio) against the
# standalone binary, through the contracts in proto/ only.
#
#   bash interop/run.sh
#
# Creates target/interop-venv (PyPI: interop/requirements.txt), builds target/debug/onewindow
# with cargo (unless ONEWINDOW_BINARY names a built one), generates Python stubs from proto/ into a temporary directory, starts the
# binary on free ports in a temporary data directory, runs interop/test_department_system.py
# and stops the binary. Exits non-zero when a test fails or anything on the way does.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/interop-venv"
# ONEWINDOW_BINARY: a standalone binary already built (CI passes the one its tests built).
binary="${ONEWINDOW_BINARY:-$root/target/debug/onewindow}"

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import grpc, grpc_tools, grpc_reflection, grpc_status" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/interop/requirements.txt"
fi

if [[ -z "${ONEWINDOW_BINARY:-}" ]]; then
  (cd "$root" && cargo build --quiet -p onewindow --bin onewindow)
fi

work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Stubs from the contracts, never committed. google/api/* comes from googleapis-common-protos
# (the same messages and extension as proto/google/api), so only onewindow/ is generated.
mkdir -p "$work/stubs"
protos=()
while IFS= read -r f; do protos+=("$f"); done < <(cd "$root/proto/proto" && find onewindow -name '*.proto' | sort)
"$venv/bin/python" -m grpc_tools.protoc -I "$root/proto/proto" \
  --python_out="$work/stubs" --grpc_python_out="$work/stubs" "${protos[@]}"

free_port() {
  "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
grpc_port="$(free_port)"
http_port="$(free_port)"
data="$work/data"

ONEWINDOW_GRPC_ADDR="127.0.0.1:$grpc_port" \
ONEWINDOW_GATEWAY__LISTEN_ADDR="127.0.0.1:$http_port" \
  "$binary" --data-dir "$data" serve >"$work/server.log" 2>&1 &
server=$!

# The binary loads its demo data before it opens its ports.
ready=""
for _ in $(seq 1 240); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the standalone binary exited:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  if "$venv/bin/python" -c "import socket,sys; socket.create_connection(('127.0.0.1', $grpc_port), 1)" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "the standalone binary did not open 127.0.0.1:$grpc_port in two minutes" >&2
  tail -n 50 "$work/server.log" >&2
  exit 1
fi

status=0
ONEWINDOW_INTEROP_GRPC="127.0.0.1:$grpc_port" \
ONEWINDOW_INTEROP_TOKEN_CMD="$binary --data-dir $data token" \
PYTHONPATH="$work/stubs" \
  "$venv/bin/python" "$root/interop/test_department_system.py" || status=$?
if [[ "$status" != 0 ]]; then
  echo "--- server log (last 40 lines)" >&2
  tail -n 40 "$work/server.log" >&2
fi
exit "$status"
