#!/usr/bin/env bash
# The whole test suite, as the README says: `npm test`.
# Installs dependencies when they are missing, makes sure a Docker engine answers (starting
# Debian's docker.io when none does) and the busybox image exists, builds, then runs vitest
# (unit and e2e) with a JSON report in test-results.json and a plain summary line last.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tsfig test: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

bash scripts/engine.sh >&2
# The ~/.ssh/config tests compare with OpenSSH's own reading (ssh -G); graph --format svg
# runs Graphviz's dot; the completion scripts run in bash, zsh and fish.
missing=()
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
  echo "tsfig test: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
npm run -s build >&2

status=0
rm -f test-results.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results.json "$@" || status=$?

node scripts/summary.mjs test-results.json
exit $status
