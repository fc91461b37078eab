#!/usr/bin/env bash
# Set up everything and bring up the demo stack in ./fig.yml:
#   bash scripts/demo.sh
# Installs dependencies when missing, builds, makes sure a Docker engine answers (starting
# Debian's docker.io when none does) and the busybox image exists, makes the example base image
# from Debian's packages when it is missing (scripts/images.sh: a few minutes, once per
# machine), then runs tsfig. The stack is examples/fig-counter (Fig 1.0's quick start).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
npm run -s build >&2
bash scripts/engine.sh >&2
tsfig() { node bin/tsfig.js "$@"; }
if ! bash scripts/images.sh; then
  # No Debian tools here (Docker Desktop, another distribution): the official images instead.
  echo "demo.sh: no example base image; using the official images from Docker Hub (examples/fig-counter/fig.hub.yml)" >&2
  tsfig() { node bin/tsfig.js -p "${TSFIG_PROJECT_NAME:-tsfigdemo}" -f examples/fig-counter/fig.yml -f examples/fig-counter/fig.hub.yml "$@"; }
fi

tsfig config -q
tsfig up -d
tsfig ps
echo >&2
url="http://127.0.0.1:${FIG_COUNTER_PORT:-8000}/"
echo "The demo stack is up: open $url (curl -s $url): each visit is counted in Redis." >&2
echo "  Edit examples/fig-counter/app.py and reload: the code is mounted into the container." >&2
echo "  node bin/tsfig.js ps      # what runs" >&2
echo "  node bin/tsfig.js plan    # what up would change, and why" >&2
echo "  node bin/tsfig.js down    # remove it" >&2
