#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs the whole suite.
# Safe to run again: every step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# The browser journeys drive Debian's Chromium (a browser cannot be downloaded by Playwright here).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed here: the browser tests will be skipped" >&2
  fi
fi
# axe-core, for the accessibility checks run inside the page.
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then
  mkdir -p .cache/npm && npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4 >/dev/null
fi

# Lint (ruff) and types (mypy, on the package under its installed names) before the tests: either fails the run.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
bash scripts/typecheck.sh

exec .venv/bin/python -m pytest -n "${TREMPLIN_TEST_WORKERS:-2}" "$@"
