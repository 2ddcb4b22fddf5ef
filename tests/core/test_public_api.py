"""``tremplin`` is the plugin API: what plugins need is there, cheap to import, and the centre's plugins use it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tremplin

REPO = Path(__file__).resolve().parents[2]
#: Engine modules whose public names a plugin takes from ``tremplin`` instead.
API_MODULES = (
    "registry",
    "counters",
    "forms",
    "i18n",
    "vocab",
    "reports.sections",
    "bot.handlers",
    "records",
    "anonymity",
)
ENGINE_IMPORT = re.compile(
    r"^\s*from tremplin\.core(?:\.(" + "|".join(re.escape(m) for m in API_MODULES) + r"))? import ", re.M
)


def test_every_public_name_resolves() -> None:
    assert tremplin.__all__[:2] == ["__version__", "hookimpl"]
    assert tremplin.__all__[2:] == sorted(tremplin._EXPORTS)
    for name in tremplin.__all__:
        assert getattr(tremplin, name) is not None, name
    assert (
        tremplin.Role.__module__ == "tremplin.core.registry" and tremplin.CodeList.__module__ == "tremplin.core.vocab"
    )


def test_import_tremplin_is_cheap() -> None:
    heavy = "('sqlalchemy', 'fastapi', 'telegram', 'prefect', 'jinja2')"
    code = f"import sys, tremplin; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_the_centres_plugins_import_the_public_api_from_tremplin() -> None:
    offending = []
    for path in sorted((REPO / "plugins").rglob("*.py")):
        for match in ENGINE_IMPORT.finditer(path.read_text(encoding="utf-8")):
            line = path.read_text(encoding="utf-8")[match.start() :].splitlines()[0].strip()
            offending.append(f"{path.relative_to(REPO)}: {line}")
    assert not offending, "plugins import the public API from the engine's modules:\n" + "\n".join(offending)
