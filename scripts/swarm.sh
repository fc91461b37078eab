#!/usr/bin/env bash
# A three-node Docker swarm on one machine, for the swarm backend's tests.
#
#   bash scripts/swarm.sh up       idempotent: namespaces, dockerds, the swarm, busybox loaded
#   bash scripts/swarm.sh down     stop the dockerds this script started, delete its namespaces
#   bash scripts/swarm.sh status   one line per node
#
# Layout (root only), modelled on scripts/hosts.sh but with names of its own (never tsfig-hI,
# tsfig-ul or 192.168.77.0/24):
# - an underlay switch: network namespace `tsfig-swul` holding the bridge `swul0`;
# - node i: network namespace `tsfig-swI` with `eth0` = 192.168.78.I/24, a veth into `swul0`;
# - a dockerd per node, started with `nsenter --net=/var/run/netns/tsfig-swI` (not `ip netns
#   exec`, which remounts /sys) on unix:///run/tsfig-swarmI.sock, with its own data-root,
#   exec-root, pidfile and --bip, and --ip-masq=false;
# - node 1: `swarm init --advertise-addr 192.168.78.1 --listen-addr 192.168.78.1:2377`;
#   nodes 2 and 3 join as workers with their own address;
# - busybox:latest (from the default engine) loaded into each.
#
# `down` ends only the dockerds whose pidfiles this script wrote, and deletes only the
# namespaces it named. Traffic stays inside these namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly STATE=${TSFIG_SWARM_STATE:-/var/lib/tsfig-swarm}
readonly RUN=${TSFIG_SWARM_RUN:-/run/tsfig-swarm}
readonly UL=tsfig-swul
readonly SUBNET=192.168.78
readonly NODES=3
readonly START_TIMEOUT=${TSFIG_ENGINE_TIMEOUT:-60}
readonly IMAGE=busybox:latest

log() { printf 'swarm.sh: %s\n' "$*" >&2; }
die() { printf 'swarm.sh: error: %s\n' "$*" >&2; exit 1; }
usage() { printf 'usage: %s up | down | status\n' "$0" >&2; exit 2; }

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces and dockerd)"
for c in ip nsenter dockerd docker; do command -v "$c" >/dev/null 2>&1 || die "$c is missing (apt-get install -y docker.io iproute2 util-linux)"; done

# One run at a time.
mkdir -p "$RUN"
exec 9>>"$RUN/lock"
command -v flock >/dev/null 2>&1 && flock 9

sock() { printf '/run/tsfig-swarm%s.sock' "$1"; }
pidfile() { printf '%s/n%s/dockerd.pid' "$RUN" "$1"; }
ns_exists() { [[ -e /var/run/netns/$1 ]]; }
dk() { local i=$1; shift; DOCKER_HOST="unix://$(sock "$i")" timeout 30 docker "$@"; }
answers() { DOCKER_HOST="unix://$(sock "$1")" timeout 10 docker info >/dev/null 2>&1; }

# The pid of node i's dockerd when it runs and is the one this script started (its command line
# names its pidfile: a pid reused by another process is never taken for it).
owned_pid() {
  local pf pid
  pf=$(pidfile "$1")
  pid=$(cat "$pf" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$pf"* ]] && printf '%s' "$pid"
}

dockerd_alive() { [[ -n $(owned_pid "$1") ]]; }

underlay() {
  ns_exists "$UL" || ip netns add "$UL"
  ip -n "$UL" link set lo up
  ip -n "$UL" link show swul0 >/dev/null 2>&1 || ip -n "$UL" link add swul0 type bridge
  nsenter --net=/var/run/netns/$UL sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
  ip -n "$UL" link set swul0 up
}

node_netns() {
  local i=$1 ns=tsfig-sw$1
  ns_exists "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link del "tsfsw$i" 2>/dev/null || true
    ip -n "$UL" link del "tsfsw$i" 2>/dev/null || true
    ip link add "tsfsw$i" netns "$UL" type veth peer name eth0 netns "$ns"
  fi
  ip -n "$UL" link set "tsfsw$i" master swul0 up
  ip -n "$ns" addr replace "$SUBNET.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
}

start_dockerd() {
  local i=$1 ns=tsfig-sw$1
  dockerd_alive "$i" && return 0
  mkdir -p "$STATE/n$i/data" "$RUN/n$i/exec"
  rm -f "$(sock "$i")" "$(pidfile "$i")"
  log "starting dockerd for node $i on unix://$(sock "$i")"
  # setsid: its own session, so the caller's Ctrl-C or process group does not reach it.
  setsid nsenter --net="/var/run/netns/$ns" dockerd \
    --data-root "$STATE/n$i/data" --exec-root "$RUN/n$i/exec" --pidfile "$(pidfile "$i")" \
    -H "unix://$(sock "$i")" --bip "172.30.$i.1/24" --ip-masq=false --iptables=true \
    --default-address-pool "base=10.$((210 + i)).0.0/16,size=24" \
    >"$RUN/n$i/dockerd.log" 2>&1 </dev/null 9>&- &
}

wait_for() {
  local i=$1 t=0
  until answers "$i"; do
    t=$((t + 1))
    if ((t > START_TIMEOUT)); then
      tail -n 20 "$RUN/n$i/dockerd.log" >&2 || true
      die "dockerd of node $i did not answer within ${START_TIMEOUT}s (log: $RUN/n$i/dockerd.log)"
    fi
    sleep 1
  done
}

# The node's swarm state: inactive, pending, active, error, locked.
swarm_state() { dk "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown; }

vxlan_udp_accept() {
  # Overlay data (VXLAN, UDP 4789) and gossip (7946) through dockerd's FORWARD/INPUT rules.
  nsenter --net="/var/run/netns/tsfig-sw$1" sh -c \
    'iptables -C DOCKER-USER -p udp --dport 4789 -j ACCEPT 2>/dev/null || iptables -I DOCKER-USER -p udp --dport 4789 -j ACCEPT' \
    >/dev/null 2>&1 || true
}

form_swarm() {
  if [[ $(swarm_state 1) != active ]]; then
    log "swarm init on node 1 ($SUBNET.1)"
    dk 1 swarm init --advertise-addr "$SUBNET.1" --listen-addr "$SUBNET.1:2377" >/dev/null
  fi
  # A worker that joins before the manager's gossip (networkdb, TCP 7946) listens never learns
  # the manager's network records (dockerd 20.10: "Failed to join 192.168.78.1: connection
  # refused", retried in the background without effect): names of tasks on other nodes then
  # never resolve. So the workers join once it listens.
  wait_gossip_listening 1
  local token
  token=$(dk 1 swarm join-token -q worker)
  for ((i = 2; i <= NODES; i++)); do
    local st
    st=$(swarm_state "$i")
    if [[ $st != active && $st != pending ]]; then
      [[ $st == inactive ]] || dk "$i" swarm leave --force >/dev/null 2>&1 || true
      log "node $i joins as a worker"
      dk "$i" swarm join --token "$token" --advertise-addr "$SUBNET.$i" --listen-addr "$SUBNET.$i:2377" "$SUBNET.1:2377" >/dev/null
    fi
  done
  # Every node ready in the manager's view (a rejoined node leaves a down entry: remove it).
  local t=0
  while :; do
    local ready
    ready=$(dk 1 node ls --format '{{.Status}}' | grep -c '^Ready$' || true)
    ((ready >= NODES)) && break
    t=$((t + 1))
    ((t > START_TIMEOUT)) && die "the swarm has $ready of $NODES nodes ready after ${START_TIMEOUT}s"
    sleep 1
  done
  for id in $(dk 1 node ls --filter role=worker --format '{{.ID}} {{.Status}}' | awk '$2=="Down"{print $1}'); do
    dk 1 node rm --force "$id" >/dev/null 2>&1 || true
  done
  gossip_complete
}

# Node i's networkdb listens (TCP 7946 in its namespace).
wait_gossip_listening() {
  local t=0
  until nsenter --net="/var/run/netns/tsfig-sw$1" ss -Hltn 'sport = :7946' 2>/dev/null | grep -q .; do
    t=$((t + 1))
    ((t > START_TIMEOUT * 5)) && die "node $1's gossip (TCP 7946) does not listen after ${START_TIMEOUT}s (log: $RUN/n$1/dockerd.log)"
    sleep 0.2
  done
}

# Whether node i's dockerd (its log starts with its start) saw every node join its gossip cluster.
gossip_knows_all() {
  local i=$1 j
  for ((j = 1; j <= NODES; j++)); do
    grep -q "/$SUBNET.$j, joined gossip cluster" "$RUN/n$i/dockerd.log" 2>/dev/null || return 1
  done
}

# Whether node 1 and worker j know each other, and j knows every node.
gossip_pair() {
  grep -q "/$SUBNET.$1, joined gossip cluster" "$RUN/n1/dockerd.log" 2>/dev/null && gossip_knows_all "$1"
}

# Every node's gossip knows every node. A worker whose first join failed retries only a minute
# later (dockerd 20.10), so a worker still missing after 10 s is restarted once (its networkdb
# joins again at start); still missing 30 s after that, it is an error naming the node.
gossip_complete() {
  local j t
  for ((j = 2; j <= NODES; j++)); do
    t=0
    until gossip_pair "$j"; do
      t=$((t + 1))
      if ((t == 50)); then
        log "node $j and node 1 do not know each other's gossip yet: restarting node $j's dockerd"
        restart_dockerd "$j"
      elif ((t > 200)); then
        die "node $j's gossip (networkdb) has not joined node 1's after 40s (logs: $RUN/n1/dockerd.log, $RUN/n$j/dockerd.log)"
      fi
      sleep 0.2
    done
  done
}

# TERM to the pids, then up to 30 s for each to end, then KILL.
stop_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
}

restart_dockerd() {
  local i=$1 pid
  pid=$(owned_pid "$i" || true)
  [[ -z $pid ]] || stop_pids "$pid"
  start_dockerd "$i"
  wait_for "$i"
  vxlan_udp_accept "$i"
}

load_image() {
  local i=$1
  dk "$i" image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  docker image inspect "$IMAGE" >/dev/null 2>&1 || bash scripts/engine.sh >&2
  docker save "$IMAGE" | DOCKER_HOST="unix://$(sock "$i")" docker load >/dev/null
}

cmd_up() {
  underlay
  for ((i = 1; i <= NODES; i++)); do node_netns "$i"; done
  # Node 1 first: workers of a swarm kept from an earlier run rejoin its gossip at their start,
  # which fails (and is retried only a minute later) while node 1's does not listen yet.
  start_dockerd 1
  wait_for 1
  [[ $(swarm_state 1) == active ]] && wait_gossip_listening 1
  for ((i = 2; i <= NODES; i++)); do start_dockerd "$i"; done
  for ((i = 2; i <= NODES; i++)); do wait_for "$i"; done
  for ((i = 1; i <= NODES; i++)); do vxlan_udp_accept "$i"; load_image "$i"; done
  form_swarm
  for ((i = 1; i <= NODES; i++)); do printf 'node%s unix://%s %s.%s\n' "$i" "$(sock "$i")" "$SUBNET" "$i"; done
}

cmd_down() {
  local pids=() pid
  for ((i = 1; i <= NODES; i++)); do
    pid=$(owned_pid "$i" || true)
    [[ -z $pid ]] || pids+=("$pid")
  done
  ((${#pids[@]} == 0)) || stop_pids "${pids[@]}"
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^tsfig-(sw[0-9]+|swul)$' || true); do
    ip netns del "$ns"
  done
  for ((i = 1; i <= NODES; i++)); do rm -f "$(sock "$i")"; done
  log "down"
}

cmd_status() {
  for ((i = 1; i <= NODES; i++)); do
    if answers "$i"; then echo "node$i up unix://$(sock "$i") swarm=$(swarm_state "$i")"; else echo "node$i down"; fi
  done
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage ;;
esac
