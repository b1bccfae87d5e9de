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
