#!/usr/bin/env bash
# Several Docker "hosts" on one machine, for the multi-host and overlay tests.
#
#   bash scripts/hosts.sh up [N]     N hosts (default 3), idempotent
#   bash scripts/hosts.sh down       stop the dockerds this script started, delete its namespaces
#   bash scripts/hosts.sh status     one line per host
#
# Layout (root only):
# - an underlay switch: network namespace `tsfig-ul` holding the bridge `ul0` (a namespace of
#   its own, so dockerd's FORWARD DROP + br_netfilter of the root namespace never sees it);
# - host i: network namespace `tsfig-hI` with `eth0` = 192.168.77.I/24, a veth into `ul0`;
# - a dockerd per host, started with `nsenter --net=/var/run/netns/tsfig-hI` (not `ip netns
#   exec`, which remounts /sys and hides the cgroups) on unix:///run/tsfig-hostI.sock, with its
#   own data-root, exec-root, pidfile and --bip, and --ip-masq=false;
# - busybox:latest (from the default engine, made by scripts/engine.sh when missing) loaded
#   into each.
#
# `down` ends only the dockerds whose pidfiles this script wrote, and deletes only the
# namespaces it named. Traffic stays inside these namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly STATE=${TSFIG_HOSTS_STATE:-/var/lib/tsfig-hosts}
readonly RUN=${TSFIG_HOSTS_RUN:-/run/tsfig-hosts}
readonly UL=tsfig-ul
readonly SUBNET=192.168.77
readonly START_TIMEOUT=${TSFIG_ENGINE_TIMEOUT:-60}
readonly IMAGE=busybox:latest

log() { printf 'hosts.sh: %s\n' "$*" >&2; }
die() { printf 'hosts.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  printf 'usage: %s up [N] | down | status\n' "$0" >&2
  exit 2
}

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces and dockerd)"
for c in ip nsenter dockerd docker; do command -v "$c" >/dev/null 2>&1 || die "$c is missing (apt-get install -y docker.io iproute2 util-linux)"; done

# One run at a time.
mkdir -p "$RUN"
exec 9>>"$RUN/lock"
command -v flock >/dev/null 2>&1 && flock 9

sock() { printf '/run/tsfig-host%s.sock' "$1"; }
pidfile() { printf '%s/h%s/dockerd.pid' "$RUN" "$1"; }

ns_exists() { [[ -e /var/run/netns/$1 ]]; }

dockerd_alive() {
  local pf
  pf=$(pidfile "$1")
  [[ -f $pf ]] || return 1
  local pid
  pid=$(cat "$pf" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

answers() { DOCKER_HOST="unix://$(sock "$1")" timeout 10 docker info >/dev/null 2>&1; }

underlay() {
  if ! ns_exists "$UL"; then
    ip netns add "$UL"
  fi
  ip -n "$UL" link set lo up
  if ! ip -n "$UL" link show ul0 >/dev/null 2>&1; then
    ip -n "$UL" link add ul0 type bridge
  fi
  # No br_netfilter filtering on the switch (reference/overlay.md E6).
  nsenter --net=/var/run/netns/$UL sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
  ip -n "$UL" link set ul0 up
}

host_netns() {
  local i=$1 ns=tsfig-h$1
  ns_exists "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link del "tsfu$i" 2>/dev/null || true
    ip -n "$UL" link del "tsfu$i" 2>/dev/null || true
    ip link add "tsfu$i" netns "$UL" type veth peer name eth0 netns "$ns"
  fi
  ip -n "$UL" link set "tsfu$i" master ul0 up
  ip -n "$ns" addr replace "$SUBNET.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
}

start_dockerd() {
  local i=$1 ns=tsfig-h$1
  local data=$STATE/h$i exec_root=$RUN/h$i/exec
  mkdir -p "$data" "$exec_root" "$RUN/h$i"
  if dockerd_alive "$i"; then
    return 0
  fi
  rm -f "$(sock "$i")" "$(pidfile "$i")"
  log "starting dockerd for host $i on unix://$(sock "$i")"
  # setsid: its own session, so the caller's Ctrl-C or process group does not reach it.
  setsid nsenter --net="/var/run/netns/$ns" dockerd \
    --data-root "$data/data" --exec-root "$exec_root" --pidfile "$(pidfile "$i")" \
    -H "unix://$(sock "$i")" --bip "172.31.$i.1/24" --ip-masq=false --iptables=true \
    --default-address-pool "base=10.$((200 + i)).0.0/16,size=24" \
    >"$RUN/h$i/dockerd.log" 2>&1 </dev/null 9>&- &
}

wait_for() {
  local i=$1 t=0
  until answers "$i"; do
    t=$((t + 1))
    if ((t > START_TIMEOUT)); then
      tail -n 20 "$RUN/h$i/dockerd.log" >&2 || true
      die "dockerd of host $i did not answer within ${START_TIMEOUT}s (log: $RUN/h$i/dockerd.log)"
    fi
    sleep 1
  done
}

vxlan_udp_accept() {
  # A bridged underlay with br_netfilter and dockerd's FORWARD DROP drops VXLAN UDP (E6): accept
  # it in each host's DOCKER-USER chain too. Harmless when not needed.
  local ns=tsfig-h$1
  nsenter --net="/var/run/netns/$ns" sh -c \
    'iptables -C DOCKER-USER -p udp --dport 4789 -j ACCEPT 2>/dev/null || iptables -I DOCKER-USER -p udp --dport 4789 -j ACCEPT' \
    >/dev/null 2>&1 || true
}

load_image() {
  local i=$1
  if DOCKER_HOST="unix://$(sock "$i")" docker image inspect "$IMAGE" >/dev/null 2>&1; then return 0; fi
  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    bash scripts/engine.sh >&2
  fi
  docker save "$IMAGE" | DOCKER_HOST="unix://$(sock "$i")" docker load >/dev/null
}

cmd_up() {
  local n=${1:-3}
  [[ $n =~ ^[1-9]$ ]] || die "N must be 1 to 9"
  underlay
  for ((i = 1; i <= n; i++)); do host_netns "$i"; done
  for ((i = 1; i <= n; i++)); do start_dockerd "$i"; done
  for ((i = 1; i <= n; i++)); do wait_for "$i"; done
  for ((i = 1; i <= n; i++)); do
    vxlan_udp_accept "$i"
    load_image "$i"
  done
  printf '%s\n' "$n" >"$RUN/count"
  for ((i = 1; i <= n; i++)); do printf 'host%s unix://%s %s.%s\n' "$i" "$(sock "$i")" "$SUBNET" "$i"; done
}

cmd_down() {
  local pids=()
  for pf in "$RUN"/h*/dockerd.pid; do
    [[ -f $pf ]] || continue
    local pid
    pid=$(cat "$pf" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^tsfig-(h[0-9]+|ul)$' || true); do
    ip netns del "$ns"
  done
  rm -f "$RUN/count"
  for i in 1 2 3 4 5 6 7 8 9; do rm -f "$(sock "$i")"; done
  log "down"
}

cmd_status() {
  for pf in "$RUN"/h*/dockerd.pid; do
    [[ -f $pf ]] || continue
    local d=${pf%/dockerd.pid}
    local i=${d##*/h}
    if answers "$i"; then echo "host$i up unix://$(sock "$i")"; else echo "host$i down"; fi
  done
}

case "${1:-}" in
  up) cmd_up "${2:-3}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage ;;
esac
