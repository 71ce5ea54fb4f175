#!/usr/bin/env bash
# Runs a command with a Docker engine answering. When none answers, installs Debian's docker.io
# if needed and starts dockerd without a bridge (every container here uses host networking),
# then stops that dockerd when the command ends. An engine that was already running is left
# alone. If no engine can be had, the command still runs: tests that need Docker then skip
# with the reason (or fail under CI).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log_dir="$root/.tmp/dockerd"
started=""

if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "with-docker: installing docker.io" >&2
    mkdir -p "$log_dir"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io; } \
      >"$log_dir/apt.log" 2>&1 || echo "with-docker: installing docker.io failed; see $log_dir/apt.log" >&2
  fi
  if command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    mkdir -p "$log_dir"
    dockerd --bridge=none --iptables=false --ip-masq=false >"$log_dir/dockerd.log" 2>&1 &
    started=$!
    # A stale socket file can exist without a daemon: wait for a real answer.
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    if docker info >/dev/null 2>&1; then
      echo "with-docker: started dockerd (pid $started)" >&2
    else
      echo "with-docker: dockerd did not answer; last log lines:" >&2
      tail -5 "$log_dir/dockerd.log" >&2
    fi
  else
    echo "with-docker: no Docker engine answers and none can be started here" >&2
  fi
fi

stop() {
  if [ -n "$started" ]; then
    kill "$started" 2>/dev/null
    wait "$started" 2>/dev/null
    echo "with-docker: stopped dockerd (pid $started)" >&2
  fi
}
trap stop EXIT
"$@"
