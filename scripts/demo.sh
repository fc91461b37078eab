#!/usr/bin/env bash
# Set up everything and bring up the demo stack in ./fig.yml:
#   bash scripts/demo.sh
# Installs dependencies when missing, builds, makes sure a Docker engine answers (starting
# Debian's docker.io when none does) and the busybox image exists, then runs tsfig.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
npm run -s build >&2
bash scripts/engine.sh >&2

tsfig() { node bin/tsfig.js "$@"; }
tsfig config -q
if tsfig help up >/dev/null 2>&1; then
  tsfig up -d
  tsfig ps
else
  echo "demo: this version validates and prints the stack (tsfig up arrives with the reconciler):" >&2
  tsfig config
fi
