#!/usr/bin/env bash
# docker compose v2 for the benchmarks, beside Debian bookworm's docker-compose 1.29 (Python).
# Docker Hub and GitHub are out of reach here; Debian trixie packages compose v2
# (`docker-compose`, a static Go binary needing only libc6 >= 2.34, which bookworm has). This
# fetches that package from deb.debian.org over https, checks its SHA-256 against trixie's
# package index, and unpacks the binary into its own folder without installing anything: the
# machine's `docker-compose` (1.29) stays as it is.
#
#   bash scripts/compose-v2.sh     prints the binary's path (fetching it the first time)
#
# Where: $TSFIG_COMPOSE_V2_DIR, default /var/cache/tsfig/compose-v2. The benchmarks find it
# through `BENCH_COMPOSE_V2` (a path) or run this script (bench/compose.ts).
set -euo pipefail

readonly DIR=${TSFIG_COMPOSE_V2_DIR:-/var/cache/tsfig/compose-v2}
readonly MIRROR=${TSFIG_DEBIAN_MIRROR:-https://deb.debian.org/debian}
readonly SUITE=trixie
readonly BIN=$DIR/docker-compose

die() { printf 'compose-v2.sh: error: %s\n' "$*" >&2; exit 1; }

if [[ -x $BIN ]] && "$BIN" version --short >/dev/null 2>&1; then
  printf '%s\n' "$BIN"
  exit 0
fi
for c in curl xz dpkg-deb sha256sum awk; do command -v "$c" >/dev/null 2>&1 || die "$c is missing"; done
arch=$(dpkg --print-architecture)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

curl -fsS --max-time 120 -o "$tmp/Packages.xz" "$MIRROR/dists/$SUITE/main/binary-$arch/Packages.xz" \
  || die "cannot read $SUITE's package index from $MIRROR"
# The stanza of the package docker-compose: its file and checksum.
read -r file sum < <(xz -dc "$tmp/Packages.xz" | awk '
  /^Package: / { p = ($2 == "docker-compose") }
  p && /^Filename: / { f = $2 }
  p && /^SHA256: / { s = $2 }
  /^$/ && p && f != "" { print f, s; done = 1; exit }
  END { if (!done && p && f != "") print f, s }') || true
[[ -n ${file:-} && -n ${sum:-} ]] || die "no docker-compose in $SUITE's index"
curl -fsS --max-time 300 -o "$tmp/pkg.deb" "$MIRROR/$file" || die "cannot fetch $MIRROR/$file"
printf '%s  %s\n' "$sum" "$tmp/pkg.deb" | sha256sum -c --quiet - >/dev/null 2>&1 || die "$file: SHA-256 differs from $SUITE's index"
dpkg-deb -x "$tmp/pkg.deb" "$tmp/root"
src=$tmp/root/usr/libexec/docker/cli-plugins/docker-compose
[[ -x $src ]] || die "$file holds no docker-compose binary"
"$src" version --short >/dev/null 2>&1 || die "$file's binary does not run here"
mkdir -p "$DIR"
install -m 0755 "$src" "$BIN.new"
mv -f "$BIN.new" "$BIN"
printf 'compose-v2.sh: %s from %s\n' "$("$BIN" version --short)" "$file" >&2
printf '%s\n' "$BIN"
