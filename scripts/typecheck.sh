#!/usr/bin/env bash
# Type-checks the package as it is installed: tremplin, tremplin.core, tremplin.plugins.*, tremplin.flows.
# setuptools maps those names onto the top-level folders (pyproject.toml's package-dir), which mypy cannot
# follow; a tree of links under .cache/typecheck gives it the installed layout without copying anything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=.cache/typecheck
rm -rf "$root" && mkdir -p "$root/tremplin"
for f in tremplin/*.py; do ln -s "../../../$f" "$root/tremplin/"; done
for d in core plugins flows; do ln -s "../../../$d" "$root/tremplin/$d"; done
cd "$root"
exec ../../.venv/bin/python -m mypy --config-file ../../pyproject.toml --cache-dir ../mypy -p tremplin "$@"
