"""The outside plugin of ``examples/euroguidance``, installed as an outside author's users would install it.

It is pip-installed into a temporary folder (no venv, no dependencies: Tremplin is the one running), that
folder is put on ``PYTHONPATH`` and the ``tremplin`` command, entry points loaded, must list the plugin
with every registration hook and show its figures beside the others after a small demo year.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "euroguidance"
REGISTRATION_HOOKS = (
    "register_audiences",
    "register_roles",
    "register_codes",
    "register_forms",
    "register_counters",
    "register_dimensions",
    "register_demo",
    "register_routes",
    "register_menu_items",
    "register_report_sections",
    "register_flows",
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("euroguidance-site")
    build = tmp_path_factory.mktemp("euroguidance-src")
    # Built from a copy, so that pip's build folders never land in the checkout.
    source = build / "euroguidance"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
    out = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert (target / "tremplin_euroguidance" / "templates" / "euroguidance" / "destinations.html").is_file()
    return target


def tremplin(site: Path, home: Path, *args: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p),
        "TREMPLIN_DATABASE_URL": f"sqlite:///{home / 'tremplin.db'}",
        "TREMPLIN_HOME": str(home),
    }
    env.pop("TREMPLIN_DISABLED_PLUGINS", None)
    out = subprocess.run(
        [sys.executable, "-m", "tremplin.core.cli", *args],
        capture_output=True,
        text=True,
        cwd=home,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_example_is_not_part_of_the_main_distribution() -> None:
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = config["tool"]["setuptools"]["packages"]
    assert not [p for p in packages if "example" in p or "euroguidance" in p]
    assert not (REPO / "examples" / "__init__.py").exists()


def test_installed_plugin_is_listed_with_every_hook_and_its_figures_appear(installed: Path, tmp_path: Path) -> None:
    plugins: list[dict[str, Any]] = json.loads(tremplin(installed, tmp_path, "plugins", "--format", "json"))
    (ours,) = [p for p in plugins if p["name"] == "euroguidance"]
    assert ours["version"] == "0.1.0"
    assert set(REGISTRATION_HOOKS) <= set(ours["hooks"]), sorted(set(REGISTRATION_HOOKS) - set(ours["hooks"]))
    registers = json.dumps(ours["registers"])
    for what in (
        "euroguidance_adviser",
        "euroguidance.country",
        "euroguidance-destinations",
        "/euroguidance",
        "euroguidance.mobility",
        "euroguidance@euroguidance_0001",  # its Alembic branch, read from the installed package
    ):
        assert what in registers, (what, ours["registers"])
    # The centre's own plugins are still there beside it.
    assert {"tremplin.plugins.formtruck", "tremplin.plugins.neet"} <= {p["name"] for p in plugins}

    assert "euroguidance_0001 (euroguidance)" in tremplin(installed, tmp_path, "init")
    tremplin(installed, tmp_path, "demo", "--no-serve", "--year", "2019", "--scale", "0.02")
    figures: dict[str, Any] = json.loads(
        tremplin(installed, tmp_path, "counters", "show", "--year", "2019", "--format", "json")
    )
    assert figures["euroguidance.advised"] > 0
    assert 0 < figures["euroguidance.erasmus"] <= figures["euroguidance.advised"]
    by_country = {k: v for k, v in figures.items() if k.startswith("euroguidance.advised/euroguidance.country/")}
    assert by_country and sum(by_country.values()) == figures["euroguidance.advised"]
    # With the others: the centre's figures count the plugin's contacts too.
    assert figures["formtruck.users"] > 0
    assert figures["contacts.total"] > figures["euroguidance.advised"]
