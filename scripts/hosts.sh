#!/usr/bin/env bash
# Several Docker "hosts" on one machine, for the multi-host and overlay tests.
#
#   bash scripts/hosts.sh up [N]     N hosts (default 3), idempotent
#   bash scripts/hosts.sh down       stop the dockerds this script started, delete its namespaces
#   bash scripts/hosts.sh status     one line per host
#   bash scripts/hosts.sh tls        the directory of the TLS client files (ca.pem, cert.pem, key.pem)
#   bash scripts/hosts.sh ssh        (after up) an sshd per host on 192.168.77.I:22, idempotent;
#                                    prints the client key that root@192.168.77.I accepts
#                                    (`key PATH`) and a known_hosts file with every host's
#                                    host key (`known_hosts PATH`)
#
# Layout (root only):
# - an underlay switch: network namespace `tsfig-ul` holding the bridge `ul0` (a namespace of
#   its own, so dockerd's FORWARD DROP + br_netfilter of the root namespace never sees it);
# - host i: network namespace `tsfig-hI` with `eth0` = 192.168.77.I/24, a veth into `ul0`;
# - a dockerd per host, started with `nsenter --net=/var/run/netns/tsfig-hI` (not `ip netns
#   exec`, which remounts /sys and hides the cgroups) on unix:///run/tsfig-hostI.sock, with its
#   own data-root, exec-root, pidfile and --bip, and --ip-masq=false; it also serves
#   tcp://192.168.77.I:2376 with --tlsverify (reachable only from the rig's namespaces: run a
#   client with `nsenter --net=/var/run/netns/tsfig-h1 ...`);
# - TLS material, made once with openssl under $STATE/tls: a CA (ca.pem), a client certificate
#   (cert.pem, key.pem) and a server certificate per host (hI/server-cert.pem, with the IP SAN
#   192.168.77.I). A dockerd found running with other flags (e.g. from before TLS) is
#   restarted, by its pidfile;
# - busybox:latest (from the default engine, made by scripts/engine.sh when missing) loaded
#   into each.
#
# - with `ssh`: an sshd per host in its namespace (openssh-server, installed when missing), root
#   login with the key $STATE/ssh/id_ed25519 only, `SetEnv DOCKER_HOST=unix:///run/tsfig-hostI.sock`
#   so that `docker system dial-stdio` (what ssh:// clients run) reaches host I's engine; its
#   own config, pidfile ($RUN/hI/sshd.pid) and log, and the rig's host key
#   ($STATE/ssh/host_ed25519_key); $STATE/ssh/known_hosts has a `192.168.77.I <host key>` line
#   per host, for ssh clients that check host keys (tsfig does).
#
# `down` ends only the dockerds and sshds whose pidfiles this script wrote, and deletes only the
# namespaces it named. Traffic stays inside these namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly STATE=${TSFIG_HOSTS_STATE:-/var/lib/tsfig-hosts}
readonly RUN=${TSFIG_HOSTS_RUN:-/run/tsfig-hosts}
readonly UL=tsfig-ul
readonly SUBNET=192.168.77
readonly START_TIMEOUT=${TSFIG_ENGINE_TIMEOUT:-60}
readonly IMAGE=busybox:latest
readonly TLS=$STATE/tls
readonly TLS_PORT=2376
readonly SSH=$STATE/ssh

log() { printf 'hosts.sh: %s\n' "$*" >&2; }
die() { printf 'hosts.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  printf 'usage: %s up [N] | down | status | tls | ssh\n' "$0" >&2
  exit 2
}

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces and dockerd)"
for c in ip nsenter dockerd docker; do command -v "$c" >/dev/null 2>&1 || die "$c is missing (apt-get install -y docker.io iproute2 util-linux)"; done

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
  export DEBIAN_FRONTEND=noninteractive
  log "installing $*"
  local -a opts=(-y -q -o Dpkg::Use-Pty=0)
  if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -print -quit 2>/dev/null) ]]; then
    apt-get update -q >&2 || die "apt-get update failed"
  fi
  if ! apt-get install "${opts[@]}" "$@" >&2; then
    apt-get update -q >&2 || die "apt-get update failed"
    apt-get install "${opts[@]}" "$@" >&2 || die "apt-get install $* failed"
  fi
}

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

# ---------------------------------------------------------------- TLS material

# openssl req/x509 with a config of our own (no dependence on /etc/ssl/openssl.cnf defaults).
ossl() { openssl "$@" 2>>"$TLS/openssl.log" >/dev/null; }

# A key and a certificate signed by the rig's CA. $1 = path prefix, $2 = CN, $3 = extensions.
sign() {
  local out=$1 cn=$2 ext=$3
  ossl genrsa -out "$out-key.pem" 2048
  chmod 600 "$out-key.pem"
  ossl req -new -key "$out-key.pem" -subj "/CN=$cn" -out "$out.csr"
  printf '%s\n' "$ext" >"$out.ext"
  ossl x509 -req -in "$out.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca-key.pem" -CAcreateserial \
    -days 3650 -sha256 -extfile "$out.ext" -out "$out-cert.pem"
  rm -f "$out.csr" "$out.ext"
}

valid_cert() { [[ -s $1 && -s $2 ]] && openssl verify -CAfile "$TLS/ca.pem" "$1" >/dev/null 2>&1; }

tls_material() {
  local n=$1
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  if [[ ! -s $TLS/ca.pem || ! -s $TLS/ca-key.pem ]]; then
    log "making the rig's TLS CA and client certificate in $TLS"
    rm -rf "$TLS"
    mkdir -p "$TLS"
    chmod 700 "$TLS"
    ossl genrsa -out "$TLS/ca-key.pem" 2048
    chmod 600 "$TLS/ca-key.pem"
    ossl req -new -x509 -days 3650 -sha256 -key "$TLS/ca-key.pem" -subj "/CN=tsfig rig CA" -out "$TLS/ca.pem"
  fi
  if ! valid_cert "$TLS/cert.pem" "$TLS/key.pem"; then
    sign "$TLS/client" "tsfig rig client" 'extendedKeyUsage = clientAuth'
    mv "$TLS/client-cert.pem" "$TLS/cert.pem"
    mv "$TLS/client-key.pem" "$TLS/key.pem"
  fi
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$TLS/h$i"
    if ! valid_cert "$TLS/h$i/server-cert.pem" "$TLS/h$i/server-key.pem"; then
      sign "$TLS/h$i/server" "tsfig-h$i" "$(printf 'subjectAltName = IP:%s.%s\nextendedKeyUsage = serverAuth' "$SUBNET" "$i")"
    fi
  done
}

# ---------------------------------------------------------------- dockerd

# The arguments of host i's dockerd (one per line, for comparing with a running one).
dockerd_args() {
  local i=$1
  printf '%s\n' dockerd \
    --data-root "$STATE/h$i/data" --exec-root "$RUN/h$i/exec" --pidfile "$(pidfile "$i")" \
    -H "unix://$(sock "$i")" -H "tcp://$SUBNET.$i:$TLS_PORT" \
    --tlsverify --tlscacert "$TLS/ca.pem" --tlscert "$TLS/h$i/server-cert.pem" --tlskey "$TLS/h$i/server-key.pem" \
    --bip "172.31.$i.1/24" --ip-masq=false --iptables=true \
    --default-address-pool "base=10.$((200 + i)).0.0/16,size=24"
}

# Stop host i's dockerd (the pid of its pidfile) and wait until it is gone.
stop_dockerd() {
  local i=$1 pid
  pid=$(cat "$(pidfile "$i")" 2>/dev/null || true)
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 10); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
}

start_dockerd() {
  local i=$1 ns=tsfig-h$1
  local data=$STATE/h$i exec_root=$RUN/h$i/exec
  mkdir -p "$data" "$exec_root" "$RUN/h$i"
  local -a args
  mapfile -t args < <(dockerd_args "$i")
  if dockerd_alive "$i"; then
    # Running with the same arguments: nothing to do. Otherwise (an older rig, without TLS): restart.
    local pid running
    pid=$(cat "$(pidfile "$i")")
    running=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null || true)
    [[ $running == "$(printf '%s\n' "${args[@]}")" ]] && return 0
    # Only a dockerd that writes this very pidfile is ours to stop (not a process that reused the pid).
    if [[ ${running%%$'\n'*} == dockerd && $running == *$'\n'"$(pidfile "$i")"$'\n'* ]]; then
      log "restarting dockerd of host $i (pid $pid): its flags differ (e.g. no TLS yet)"
      stop_dockerd "$i"
    fi
  fi
  rm -f "$(sock "$i")" "$(pidfile "$i")"
  log "starting dockerd for host $i on unix://$(sock "$i") and tcp://$SUBNET.$i:$TLS_PORT (TLS)"
  # setsid: its own session, so the caller's Ctrl-C or process group does not reach it.
  setsid nsenter --net="/var/run/netns/$ns" "${args[@]}" \
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

# The engine answers on tcp://192.168.77.I:2376 with the rig's client certificate (from host 1's namespace).
tls_answers() {
  local i=$1
  nsenter --net=/var/run/netns/tsfig-h1 timeout 10 docker -H "tcp://$SUBNET.$i:$TLS_PORT" --tlsverify \
    --tlscacert "$TLS/ca.pem" --tlscert "$TLS/cert.pem" --tlskey "$TLS/key.pem" version >/dev/null 2>&1 ||
    die "dockerd of host $i does not answer on tcp://$SUBNET.$i:$TLS_PORT with TLS (log: $RUN/h$i/dockerd.log)"
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
  tls_material "$n"
  for ((i = 1; i <= n; i++)); do host_netns "$i"; done
  for ((i = 1; i <= n; i++)); do start_dockerd "$i"; done
  for ((i = 1; i <= n; i++)); do wait_for "$i"; done
  for ((i = 1; i <= n; i++)); do tls_answers "$i"; done
  for ((i = 1; i <= n; i++)); do
    vxlan_udp_accept "$i"
    load_image "$i"
  done
  printf '%s\n' "$n" >"$RUN/count"
  for ((i = 1; i <= n; i++)); do printf 'host%s unix://%s tcp://%s.%s:%s %s.%s\n' "$i" "$(sock "$i")" "$SUBNET" "$i" "$TLS_PORT" "$SUBNET" "$i"; done
  printf 'tls %s\n' "$TLS"
}

# ---------------------------------------------------------------- sshd

sshd_pidfile() { printf '%s/h%s/sshd.pid' "$RUN" "$1"; }

sshd_alive() {
  local pid
  pid=$(cat "$(sshd_pidfile "$1")" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$RUN/h$1/sshd_config"* ]]
}

ssh_material() {
  if [[ ! -x /usr/sbin/sshd ]]; then
    # Debian's postinst would start the machine's own sshd: a policy-rc.d that says no, for the install.
    local policy=/usr/sbin/policy-rc.d made=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made=1; fi
    apt_install openssh-server
    ((made)) && rm -f "$policy"
  fi
  command -v ssh-keygen >/dev/null 2>&1 || die "ssh-keygen is missing (apt-get install -y openssh-client)"
  mkdir -p "$SSH"
  chmod 700 "$SSH"
  [[ -s $SSH/host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C 'tsfig rig host key' -f "$SSH/host_ed25519_key"
  [[ -s $SSH/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C 'tsfig rig client' -f "$SSH/id_ed25519"
  cp "$SSH/id_ed25519.pub" "$SSH/authorized_keys"
  chmod 600 "$SSH/authorized_keys"
  # The privilege separation directory sshd insists on.
  mkdir -p /run/sshd
  chmod 755 /run/sshd
}

start_sshd() {
  local i=$1 conf=$RUN/h$1/sshd_config
  mkdir -p "$RUN/h$i"
  sshd_alive "$i" && return 0
  cat >"$conf" <<EOF_CONF
ListenAddress $SUBNET.$i:22
HostKey $SSH/host_ed25519_key
PidFile $(sshd_pidfile "$i")
AuthorizedKeysFile $SSH/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
# ssh:// clients open a connection per request, several at a time.
MaxStartups 200
MaxSessions 200
SetEnv DOCKER_HOST=unix://$(sock "$i")
EOF_CONF
  /usr/sbin/sshd -t -f "$conf" || die "sshd rejects $conf"
  rm -f "$(sshd_pidfile "$i")"
  log "starting sshd for host $i on $SUBNET.$i:22"
  # sshd daemonizes itself (its own session) and writes its pidfile.
  nsenter --net="/var/run/netns/tsfig-h$i" /usr/sbin/sshd -f "$conf" -E "$RUN/h$i/sshd.log" 9>&-
  local t=0
  until sshd_alive "$i"; do
    t=$((t + 1))
    ((t > 50)) && die "sshd of host $i did not start (log: $RUN/h$i/sshd.log)"
    sleep 0.1
  done
}

cmd_ssh() {
  local n
  n=$(cat "$RUN/count" 2>/dev/null || true)
  [[ -n $n ]] || die "the rig is not up: bash scripts/hosts.sh up first"
  ssh_material
  for ((i = 1; i <= n; i++)); do start_sshd "$i"; done
  # Every host's sshd shows the same host key. Written whole, then renamed: readers never see half a file.
  local type blob _
  read -r type blob _ <"$SSH/host_ed25519_key.pub"
  for ((i = 1; i <= n; i++)); do printf '%s.%s %s %s\n' "$SUBNET" "$i" "$type" "$blob"; done >"$SSH/known_hosts.tmp"
  mv -f "$SSH/known_hosts.tmp" "$SSH/known_hosts"
  printf 'key %s\n' "$SSH/id_ed25519"
  printf 'known_hosts %s\n' "$SSH/known_hosts"
}

cmd_down() {
  local pids=()
  for pf in "$RUN"/h*/sshd.pid; do
    [[ -f $pf ]] || continue
    local d=${pf%/sshd.pid}
    if sshd_alive "${d##*/h}"; then
      local pid
      pid=$(cat "$pf")
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$pf"
  done
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
  tls) printf '%s\n' "$TLS" ;;
  ssh) cmd_ssh ;;
  *) usage ;;
esac
