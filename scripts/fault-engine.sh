#!/usr/bin/env bash
# A Docker engine of the fault tests' own, to stop and start under a running tsfig (issue 15,
# item 2: the engine restarted mid-up). Never the machine's default engine.
#
#   bash scripts/fault-engine.sh up        start it (idempotent); prints its endpoint
#   bash scripts/fault-engine.sh down      stop it (only the dockerd of its pidfile), delete its namespace
#   bash scripts/fault-engine.sh restart   stop it and start it again (same data: containers survive)
#   bash scripts/fault-engine.sh stop      stop it, keep the namespace and data
#   bash scripts/fault-engine.sh status    `up unix:///run/tsfig-fault.sock` or `down`
#
# Layout (root only): network namespace `tsfig-f1` (only loopback: nothing leaves it), a dockerd
# started there with `nsenter --net` (as scripts/hosts.sh does) with its own data-root,
# exec-root, pidfile and --bip, --ip-masq=false, on unix:///run/tsfig-fault.sock; busybox:latest
# loaded from the default engine. `down`/`restart` end only the pid its pidfile names, and only
# when that process is a dockerd writing that pidfile.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly NS=tsfig-f1
readonly STATE=${TSFIG_FAULT_STATE:-/var/lib/tsfig-fault}
readonly RUN=${TSFIG_FAULT_RUN:-/run/tsfig-fault}
readonly SOCK=/run/tsfig-fault.sock
readonly PIDFILE=$RUN/dockerd.pid
readonly IMAGE=busybox:latest
readonly START_TIMEOUT=60

log() { printf 'fault-engine.sh: %s\n' "$*" >&2; }
die() { printf 'fault-engine.sh: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (a network namespace and a dockerd)"
for c in ip nsenter dockerd docker; do command -v "$c" >/dev/null 2>&1 || die "$c is missing"; done

mkdir -p "$RUN" "$STATE"
exec 9>>"$RUN/lock"
command -v flock >/dev/null 2>&1 && flock 9

# The pid of our dockerd, when the pidfile names a live dockerd that writes this pidfile.
our_pid() {
  local pid cmd
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  [[ $cmd == dockerd* && $cmd == *"--pidfile $PIDFILE "* ]] || return 1
  printf '%s\n' "$pid"
}

answers() { DOCKER_HOST="unix://$SOCK" timeout 10 docker version >/dev/null 2>&1; }

netns() {
  [[ -e /var/run/netns/$NS ]] || ip netns add "$NS"
  ip -n "$NS" link set lo up
}

start() {
  netns
  if our_pid >/dev/null; then return 0; fi
  rm -f "$SOCK" "$PIDFILE"
  mkdir -p "$STATE/data" "$RUN/exec"
  log "starting dockerd in namespace $NS on unix://$SOCK"
  setsid nsenter --net="/var/run/netns/$NS" dockerd \
    --data-root "$STATE/data" --exec-root "$RUN/exec" --pidfile "$PIDFILE" \
    -H "unix://$SOCK" --bip 172.30.99.1/24 --ip-masq=false \
    --default-address-pool base=10.199.0.0/16,size=24 \
    >>"$RUN/dockerd.log" 2>&1 </dev/null 9>&- &
  local t=0
  until answers; do
    t=$((t + 1))
    if ((t > START_TIMEOUT * 5)); then
      tail -n 20 "$RUN/dockerd.log" >&2 || true
      die "dockerd did not answer within ${START_TIMEOUT}s (log: $RUN/dockerd.log)"
    fi
    sleep 0.2
  done
}

stop() {
  local pid
  pid=$(our_pid) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
}

load_image() {
  DOCKER_HOST="unix://$SOCK" docker image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  docker image inspect "$IMAGE" >/dev/null 2>&1 || bash scripts/engine.sh >&2
  docker save "$IMAGE" | DOCKER_HOST="unix://$SOCK" docker load >/dev/null
}

case "${1:-}" in
  up) start; load_image; printf 'unix://%s\n' "$SOCK" ;;
  stop) stop ;;
  restart) stop; start ;;
  down) stop; [[ -e /var/run/netns/$NS ]] && ip netns del "$NS"; rm -f "$SOCK"; log down ;;
  status) if our_pid >/dev/null && answers; then printf 'up unix://%s\n' "$SOCK"; else echo down; fi ;;
  *) printf 'usage: %s up | down | restart | stop | status\n' "$0" >&2; exit 2 ;;
esac
