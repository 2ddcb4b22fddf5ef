"""Fixtures for the flow tests: one Prefect test harness for the whole session.

``prefect_test_harness`` starts a throw-away Prefect server (its own SQLite database, a free port on
127.0.0.1) which takes many seconds: it is started once, when the first test that asks for it runs,
and stopped at the end of the session. Prefect's analytics are off so nothing leaves the machine.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="tremplin-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)

#: How long the harness took to start, for the curious (``pytest -s``).
HARNESS_START_SECONDS: list[float] = []


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=120):
        HARNESS_START_SECONDS.append(time.perf_counter() - started)
        print(f"\nPrefect test harness started in {HARNESS_START_SECONDS[0]:.1f} s")
        yield
