# Helpers the bench scripts share; sourced, not run.

# Waits up to 300 s for a gateway at host:port to answer /readyz; stops the script otherwise.
wait_ready() {
  for _ in $(seq 1 600); do
    curl -fs "http://$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "nothing ready at http://$1/readyz" >&2
  exit 1
}

# CPU time (user + system) a process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# A process's resident size.
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$1/status"; }

# Writes a configuration of onewindow-gateway to $1: listening at $2, signing with the
# private key file $3, each package routed to the address given: catalog $4, cases $5 (also
# whatever no package names), trading $6, supervision $7.
gateway_toml() {
  cat >"$1" <<EOF
[gateway]
listen_addr = "$2"

[gateway.upstreams]
default = "http://$5"

[gateway.upstreams.packages]
"onewindow.catalog.v1" = "http://$4"
"onewindow.cases.v1" = "http://$5"
"onewindow.trading.v1" = "http://$6"
"onewindow.supervision.v1" = "http://$7"

[auth]
private_key_file = "$3"
EOF
}

# Creates one database per service on the PostgreSQL server at $PG, named ow_<service>_$1,
# and points the standalone binary at them (ONEWINDOW_<SERVICE>__URL), as in a deployment.
# Their names go into the array DATABASES, which drop_databases drops.
pg_databases() {
  local service db
  for service in catalog cases trading supervision; do
    db="ow_${service}_$1"
    psql "$PG/postgres" -qc "CREATE DATABASE $db"
    DATABASES+=("$db")
    export "ONEWINDOW_${service^^}__URL=$PG/$db"
  done
}
drop_databases() {
  local db
  for db in "${DATABASES[@]}"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" || true; done
}

# The dashboard (first message of WatchDashboard) and the two reports over 30 days, each
# for $3 seconds with one caller, through the gRPC port $1 with the supervisor's token $2.
supervision_reads() {
  local target
  for target in supervision-dashboard supervision-performance supervision-mailroom; do
    echo "\$ loadgen --target $target --concurrency 1 --connections 1 (30 days; load $(cut -d' ' -f1-3 /proc/loadavg))"
    ONEWINDOW_BENCH_TOKEN=$2 $BIN/loadgen --addr "$1" --target "$target" \
      --concurrency 1 --connections 1 --seconds "$3" | tail -1
  done
}
