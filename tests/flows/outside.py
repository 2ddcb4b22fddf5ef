"""An outside plugin installed the way pip leaves a distribution: a ``.dist-info`` folder with its entry
point in a folder on ``PYTHONPATH``. The plugin is the Euroguidance example (``examples/euroguidance``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EUROGUIDANCE = REPO / "examples" / "euroguidance"


def install_euroguidance(site: Path) -> Path:
    """Make ``site`` hold the example's distribution metadata; its package is read from the example's folder."""
    info = site / "tremplin_euroguidance-0.1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tremplin-euroguidance\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[tremplin.plugins]\neuroguidance = tremplin_euroguidance\n")
    return site


def environment(site: Path, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``tremplin`` subprocess that sees the outside plugin, on a database in ``home``."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(site), str(EUROGUIDANCE), os.environ.get("PYTHONPATH", "")) if p),
        "TREMPLIN_DATABASE_URL": f"sqlite:///{home / 'tremplin.db'}",
        "TREMPLIN_HOME": str(home),
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_UI_ENABLED": "0",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        **extra,
    }
    for name in ("TREMPLIN_DISABLED_PLUGINS", "PREFECT_API_URL", "PREFECT__SERVER_EPHEMERAL"):
        env.pop(name, None)
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tremplin.core.cli", *args]
