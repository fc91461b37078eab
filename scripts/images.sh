#!/usr/bin/env bash
# Build the base image of the example stacks (examples/*/README.md) from Debian's packages,
# once per machine:
#
#   bash scripts/images.sh          build when missing or out of date, else nothing
#   bash scripts/images.sh --print  print the image's stable tag and exit
#   bash scripts/images.sh ENGINE...  also copy it into each engine (a DOCKER_HOST URL, e.g. the
#                                     rig's unix:///run/tsfig-host1.sock) that lacks it
#                                     (docker save | docker load; for examples/web-api-db-multihost)
#
# No image registry is needed: `mmdebstrap` (a Debian package, installed when missing) makes a
# bookworm root file system with the packages below already installed, and `docker import`
# turns it into an image. Containers here have no route out, so the examples' Dockerfiles only
# COPY and configure: every package an example needs is in this list.
#
# The image lives in a local namespace nobody mistakes for an official image:
#   tsfig.local/examples-base:bookworm-<hash>   (<hash>: of the recipe below: suite, package
#                                                 list, mmdebstrap options, image config)
#   tsfig.local/examples-base:bookworm          (the stable tag the examples use)
# The hash is stored as the label io.tsfig.examples-base.hash too. When the recipe changes, the
# next run builds a new image and removes the earlier one (unless something still uses it);
# otherwise the run only re-points the stable tag when needed.
#
# Debian mirror: TSFIG_DEBIAN_MIRROR, else the first deb.debian.org-style `debian` URI of this
# machine's apt sources, else http://deb.debian.org/debian. Progress: one line per image on
# stderr. Failure: one line, exit 1.
set -euo pipefail

readonly REPO=tsfig.local/examples-base
readonly SUITE=bookworm
readonly STABLE_TAG=$REPO:$SUITE
readonly HASH_LABEL=io.tsfig.examples-base.hash
# Everything the examples run. Keep it sorted; a change here rebuilds the image.
readonly PACKAGES=(
  ca-certificates
  curl
  nginx-light
  postgresql-15
  python3-flask
  python3-minimal
  python3-psycopg2
  python3-redis
  redis-server
)

# How the root file system is made and imported (part of the recipe: a change rebuilds).
# No main cluster from postgresql-common (the postgres example makes its own on a volume); no
# docs, man pages, translations or apt lists in the image.
readonly MMDEBSTRAP_OPTS=(
  --variant=minbase
  --essential-hook='mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.d/tsfig.conf"'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*'
)
# `docker import` keeps no CMD/ENV of its own: set them here. PATH has PostgreSQL's programs.
readonly IMPORT_CHANGES=(
  'LABEL org.opencontainers.image.description="tsfig example base: Debian bookworm with the packages of scripts/images.sh; not an official image"'
  'ENV LANG=C.UTF-8 PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PYTHONUNBUFFERED=1'
  'CMD ["bash"]'
)

log() { printf 'images.sh: %s\n' "$*" >&2; }
die() {
  printf 'images.sh: error: %s\n' "$*" >&2
  exit 1
}

hash=$(printf '%s\n' "$SUITE" "${PACKAGES[@]}" "${MMDEBSTRAP_OPTS[@]}" "${IMPORT_CHANGES[@]}" | sha256sum | cut -c1-12)
readonly HASHED_TAG=$REPO:$SUITE-$hash

if [[ ${1:-} == --print ]]; then
  printf '%s\n' "$STABLE_TAG"
  exit 0
fi
for e in "$@"; do
  [[ $e == unix://* || $e == tcp://* || $e == ssh://* ]] || die "usage: bash scripts/images.sh [--print | ENGINE-URL...]"
done

command -v docker >/dev/null 2>&1 || die "no docker CLI: run bash scripts/engine.sh first"
timeout 15 docker info >/dev/null 2>&1 || die "no Docker engine answers: run bash scripts/engine.sh first"

# One build at a time per machine: a second run waits, then finds the image.
lock=/run/lock/tsfig-images.lock
[[ -w ${lock%/*} ]] || lock=${TMPDIR:-/tmp}/tsfig-images-$(id -u).lock
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$lock"
  flock 9
fi

image_hash() { docker image inspect -f "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$1" 2>/dev/null || true; }

# Copy the image into the engines named on the command line that lack it (by its hashed tag).
copy_to_engines() {
  local e
  for e in "$@"; do
    if [[ $(DOCKER_HOST=$e image_hash "$HASHED_TAG") != "$hash" ]]; then
      log "copying $HASHED_TAG to $e"
      docker save "$HASHED_TAG" | DOCKER_HOST=$e docker load >/dev/null || die "copying $HASHED_TAG to $e failed"
    fi
    if [[ $(DOCKER_HOST=$e image_hash "$STABLE_TAG") != "$hash" ]]; then
      DOCKER_HOST=$e docker tag "$HASHED_TAG" "$STABLE_TAG" || die "tagging $STABLE_TAG on $e failed"
    fi
    log "$STABLE_TAG up to date on $e"
  done
}

# The images of earlier recipes go, unless a container or an image built on them still needs
# them (docker then refuses, and they stay).
prune_old() {
  local ref
  while IFS= read -r ref; do
    [[ $ref != "$HASHED_TAG" ]] || continue
    if docker image rm "$ref" >/dev/null 2>&1; then log "removed $ref (an earlier recipe)"; fi
  done < <(docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep -E "^$REPO:$SUITE-[0-9a-f]{12}\$" || true)
}

if [[ $(image_hash "$HASHED_TAG") == "$hash" ]]; then
  if [[ $(image_hash "$STABLE_TAG") != "$hash" ]]; then
    docker tag "$HASHED_TAG" "$STABLE_TAG"
  fi
  size=$(docker image inspect -f '{{ .Size }}' "$HASHED_TAG")
  log "$STABLE_TAG up to date ($HASHED_TAG, $((size / 1000000)) MB)"
  prune_old
  copy_to_engines "$@"
  exit 0
fi

mirror() {
  if [[ -n ${TSFIG_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$TSFIG_DEBIAN_MIRROR"
    return
  fi
  local uri
  # deb822 sources (URIs: ...) and one-line sources (deb URI suite ...), security archives skipped.
  uri=$(
    {
      cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }'
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }'
    } | grep -E '/debian/?$' | grep -v security | head -n 1
  ) || true
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

if ! command -v mmdebstrap >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 ||
    die "mmdebstrap is missing: apt-get install mmdebstrap as root on Debian, or use the official images (examples/*/README.md)"
  log "installing mmdebstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q -o Dpkg::Use-Pty=0 mmdebstrap >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q -o Dpkg::Use-Pty=0 mmdebstrap >&2; } ||
    die "apt-get install mmdebstrap failed"
fi

src=$(mirror)
work=$(mktemp -d "${TMPDIR:-/tmp}/tsfig-images.XXXXXX")
# shellcheck disable=SC2064 # expand now: the path is fixed
trap "rm -rf '$work'" EXIT
pkgs=$(IFS=,; printf '%s' "${PACKAGES[*]}")
log "building $HASHED_TAG from $src ($SUITE, ${#PACKAGES[@]} packages; a few minutes)"
start=$SECONDS
if ! mmdebstrap "${MMDEBSTRAP_OPTS[@]}" --include="$pkgs" "$SUITE" "$work/rootfs.tar" "$src" >"$work/mmdebstrap.log" 2>&1; then
  tail -n 15 "$work/mmdebstrap.log" | sed 's/^/  | /' >&2
  die "mmdebstrap failed (packages: $pkgs; mirror: $src)"
fi
changes=(-c "LABEL $HASH_LABEL=$hash")
for c in "${IMPORT_CHANGES[@]}"; do changes+=(-c "$c"); done
docker import "${changes[@]}" "$work/rootfs.tar" "$HASHED_TAG" >/dev/null || die "docker import of $HASHED_TAG failed"
rm -f "$work/rootfs.tar"
docker tag "$HASHED_TAG" "$STABLE_TAG"
size=$(docker image inspect -f '{{ .Size }}' "$HASHED_TAG")
log "built $HASHED_TAG (also $STABLE_TAG) in $((SECONDS - start)) s, $((size / 1000000)) MB"
prune_old
copy_to_engines "$@"
