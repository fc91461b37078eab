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
tsfig up -d
tsfig ps
echo >&2
echo "The demo stack is up: open http://127.0.0.1:8080/ (curl -s http://127.0.0.1:8080/)" >&2
echo "  node bin/tsfig.js ps      # what runs" >&2
echo "  node bin/tsfig.js plan    # what up would change, and why" >&2
echo "  node bin/tsfig.js down    # remove it (-v: and its volume)" >&2
