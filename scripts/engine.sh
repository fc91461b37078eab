#!/usr/bin/env bash
# Make a Docker engine answer, idempotently, and make sure `busybox:latest` exists.
#
#   bash scripts/engine.sh            engine + busybox:latest
#   bash scripts/engine.sh registry   also registries on 127.0.0.1:5000 (open) and 127.0.0.1:5001
#                                     (htpasswd login tsfig / tsfig-registry-pass), Debian's
#                                     docker-registry; logs and pidfiles in /var/log, /var/run
#
# When `docker info` already answers (DOCKER_HOST / the default socket), nothing is installed
# or started. Otherwise (root, Debian): apt-get install docker.io busybox-static iptables when
# missing, then `dockerd --ip-masq=false` in the background (log: /var/log/tsfig-dockerd.log,
# pidfile: /var/run/tsfig-dockerd.pid). busybox:latest is built from the static busybox when
# missing (no registry is needed). Progress goes to stderr; failure exits 1 with one line.
set -euo pipefail

readonly IMAGE=busybox:latest
readonly DOCKERD_LOG=${TSFIG_DOCKERD_LOG:-/var/log/tsfig-dockerd.log}
readonly DOCKERD_PIDFILE=${TSFIG_DOCKERD_PIDFILE:-/var/run/tsfig-dockerd.pid}
readonly START_TIMEOUT=${TSFIG_ENGINE_TIMEOUT:-60}
readonly REGISTRY_PORT=5000
readonly REGISTRY_DIR=${TSFIG_REGISTRY_DIR:-/var/lib/tsfig-registry}
readonly REGISTRY_LOG=${TSFIG_REGISTRY_LOG:-/var/log/tsfig-registry.log}
readonly REGISTRY_PIDFILE=${TSFIG_REGISTRY_PIDFILE:-/var/run/tsfig-registry.pid}
# The second registry wants a login: user `tsfig`, password `tsfig-registry-pass` (a test
# account of a loopback-only registry, not a secret; bcrypt as docker-registry's htpasswd wants).
readonly AUTH_REGISTRY_PORT=5001
readonly AUTH_REGISTRY_DIR=${TSFIG_AUTH_REGISTRY_DIR:-/var/lib/tsfig-registry-auth}
readonly AUTH_REGISTRY_LOG=${TSFIG_AUTH_REGISTRY_LOG:-/var/log/tsfig-registry-auth.log}
readonly AUTH_REGISTRY_PIDFILE=${TSFIG_AUTH_REGISTRY_PIDFILE:-/var/run/tsfig-registry-auth.pid}
readonly AUTH_REGISTRY_HTPASSWD='tsfig:$2b$05$Jar2iC7RkHw78NswpPfC8uKR5jHLHpv35F3w1X1yhu4JGlGzXToj6'

log() { printf 'engine.sh: %s\n' "$*" >&2; }
die() { printf 'engine.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  printf 'usage: %s [registry]\n' "$0" >&2
  exit 2
}

mode=engine
case "${1:-}" in
  '') ;;
  registry) mode=registry ;;
  -h | --help) usage ;;
  *) usage ;;
esac

# One run at a time (a second concurrent run waits, then finds everything in place).
lock=/run/lock/tsfig-engine.lock
if [[ -e $lock && ! -w $lock ]] || [[ ! -e $lock && ! -w ${lock%/*} ]]; then
  lock=${TMPDIR:-/tmp}/tsfig-engine-$(id -u).lock
fi
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$lock"
  flock 9
fi

is_root() { [[ $(id -u) -eq 0 ]]; }

engine_answers() {
  command -v docker >/dev/null 2>&1 || return 1
  timeout 15 docker info >/dev/null 2>&1
}

# The docker CLI's complaint, on one line (for messages).
engine_error() {
  command -v docker >/dev/null 2>&1 || {
    printf 'no docker CLI'
    return 0
  }
  timeout 15 docker info 2>&1 >/dev/null | grep -v '^\s*$' | tail -n 1 | tr -s ' \t' ' ' || true
}

engine_label() { printf '%s' "${DOCKER_HOST:-unix:///var/run/docker.sock}"; }

static_busybox() {
  # Debian's busybox-static installs /bin/busybox (the same file as /usr/bin/busybox on usrmerge).
  local bb=/bin/busybox
  [[ -x $bb ]] || return 1
  # A dynamic busybox (package `busybox`) would not run in an empty image.
  if command -v ldd >/dev/null 2>&1; then
    local out
    out=$(ldd "$bb" 2>&1 || true)
    [[ $out == *'not a dynamic executable'* || $out == *'statically linked'* ]] || return 1
  fi
  printf '%s\n' "$bb"
}

apt_install() {
  is_root || die "need root to install $* (or start a Docker engine yourself)"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
  export DEBIAN_FRONTEND=noninteractive
  log "installing $*"
  local -a opts=(-y -q -o Dpkg::Use-Pty=0)
  if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -print -quit 2>/dev/null) ]]; then
    log "package lists are empty: apt-get update"
    apt-get update -q >&2 || die "apt-get update failed"
  fi
  if ! apt-get install "${opts[@]}" "$@" >&2; then
    log "install failed: apt-get update, then retry"
    apt-get update -q >&2 || die "apt-get update failed"
    apt-get install "${opts[@]}" "$@" >&2 || die "apt-get install $* failed"
  fi
}

dockerd_pid() {
  local pid
  [[ -r $DOCKERD_PIDFILE ]] || return 1
  pid=$(<"$DOCKERD_PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

log_tail() {
  local file=$1
  [[ -r $file ]] || return 0
  log "last lines of $file:"
  tail -n 15 "$file" | sed 's/^/  | /' >&2
}

start_dockerd() {
  local -a args=(--ip-masq=false --pidfile "$DOCKERD_PIDFILE")
  case "${DOCKER_HOST:-}" in
    '' | unix:///var/run/docker.sock) ;;
    unix://?*) args+=(-H "$DOCKER_HOST") ;;
    *) die "the engine at DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local one" ;;
  esac
  is_root || die "no Docker engine answers at $(engine_label) ($(engine_error)); starting dockerd needs root"

  local pid
  if pid=$(dockerd_pid); then
    log "dockerd (pid $pid) is already starting"
  else
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    log "starting dockerd ${args[*]} (log: $DOCKERD_LOG)"
    # setsid + nohup: the daemon outlives this script and its terminal; fd 9 (the lock) is
    # closed so a running daemon does not hold it.
    setsid nohup dockerd "${args[@]}" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
    pid=$!
  fi

  local deadline=$((SECONDS + START_TIMEOUT))
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null && ! dockerd_pid >/dev/null; then
      log_tail "$DOCKERD_LOG"
      die "dockerd exited before answering (see $DOCKERD_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$DOCKERD_LOG"
      die "dockerd did not answer within ${START_TIMEOUT}s (see $DOCKERD_LOG)"
    fi
    sleep 0.5
  done
  log "dockerd answers (pid $(dockerd_pid || printf '%s' "$pid"))"
}

ensure_engine() {
  if engine_answers; then
    log "the engine at $(engine_label) answers"
    return 0
  fi
  local -a missing=()
  command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  static_busybox >/dev/null || missing+=(busybox-static)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}"
    # On a machine with systemd the package starts its own service.
    if engine_answers; then
      log "the engine at $(engine_label) answers"
      return 0
    fi
  fi
  start_dockerd
}

ensure_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "image $IMAGE present"
    return 0
  fi
  local bb
  if ! bb=$(static_busybox); then
    apt_install busybox-static
    bb=$(static_busybox) || die "no static busybox at /bin/busybox after installing busybox-static"
  fi
  log "building $IMAGE from $bb"
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tsfig-busybox.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$dir'" EXIT
  mkdir -p "$dir"/{bin,etc,root,home,var,tmp}
  chmod 1777 "$dir/tmp"
  chmod 0700 "$dir/root"
  cp "$bb" "$dir/bin/busybox"
  local applet
  while IFS= read -r applet; do
    [[ -n $applet && $applet != busybox && $applet != */* ]] || continue
    ln -s busybox "$dir/bin/$applet"
  done < <("$bb" --list)
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'daemon:x:1:1:daemon:/usr/sbin:/bin/false' \
    'nobody:x:65534:65534:nobody:/home:/bin/false' >"$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'daemon:x:1:' 'nogroup:x:65534:' >"$dir/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$dir" -c . |
    docker import -c 'CMD ["sh"]' - "$IMAGE" >/dev/null ||
    die "docker import of $IMAGE failed"
  rm -rf "$dir"
  trap - EXIT
  docker image inspect "$IMAGE" >/dev/null 2>&1 || die "$IMAGE is still missing after the import"
  log "image $IMAGE built"
}

# A registry's /v2/ answer: 200 (open) or 401 (it wants credentials) means it serves.
registry_answers() {
  local port=$1 status
  # bash's /dev/tcp: no curl or wget needed on a fresh machine.
  status=$(
    timeout 5 bash -c '
      exec 3<>/dev/tcp/127.0.0.1/'"$port"' || exit 1
      printf "GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
      IFS= read -r line <&3 && printf "%s" "$line"
    ' 2>/dev/null
  ) || return 1
  [[ $status == HTTP/1.?\ 200* || $status == HTTP/1.?\ 401* ]]
}

# start_registry NAME PORT DIR LOG PIDFILE [HTPASSWD-LINE]
start_registry() {
  local name=$1 port=$2 dir=$3 logfile=$4 pidfile=$5 htpasswd=${6:-}
  local addr=127.0.0.1:$port pid
  if registry_answers "$port"; then
    log "$name at $addr answers"
    return 0
  fi
  is_root || die "starting the $name needs root (it stores into $dir)"
  if [[ -r $pidfile ]] && pid=$(<"$pidfile") && [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) is already starting"
  else
    mkdir -p "$dir/data" "$(dirname "$logfile")"
    {
      printf '%s\n' 'version: 0.1' 'log:' '  level: warn' 'storage:' '  filesystem:' \
        "    rootdirectory: $dir/data" '  delete:' '    enabled: true' 'http:' "  addr: $addr"
      if [[ -n $htpasswd ]]; then
        printf '%s\n' "$htpasswd" >"$dir/htpasswd"
        printf '%s\n' 'auth:' '  htpasswd:' '    realm: tsfig-test' "    path: $dir/htpasswd"
      fi
    } >"$dir/config.yml"
    log "starting $name on $addr (log: $logfile)"
    setsid nohup docker-registry serve "$dir/config.yml" </dev/null >>"$logfile" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$pidfile"
  fi
  local deadline=$((SECONDS + 30))
  until registry_answers "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail "$logfile"
      die "$name exited before answering (see $logfile)"
    fi
    ((SECONDS < deadline)) || {
      log_tail "$logfile"
      die "$name did not answer on $addr within 30s"
    }
    sleep 0.5
  done
  log "$name at $addr answers (pid $pid)"
}

ensure_registry() {
  if ! registry_answers "$REGISTRY_PORT" || ! registry_answers "$AUTH_REGISTRY_PORT"; then
    command -v docker-registry >/dev/null 2>&1 || apt_install docker-registry
    # The package starts its own service on :5000 where systemd runs.
  fi
  start_registry registry "$REGISTRY_PORT" "$REGISTRY_DIR" "$REGISTRY_LOG" "$REGISTRY_PIDFILE"
  start_registry 'registry with authentication' "$AUTH_REGISTRY_PORT" "$AUTH_REGISTRY_DIR" \
    "$AUTH_REGISTRY_LOG" "$AUTH_REGISTRY_PIDFILE" "$AUTH_REGISTRY_HTPASSWD"
}

ensure_engine
ensure_image
if [[ $mode == registry ]]; then
  ensure_registry
fi
