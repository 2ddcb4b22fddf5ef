"""Prefect's server on this machine, started and stopped by ``tremplin flows serve``.

Prefect's ephemeral mode (no ``PREFECT_API_URL``) records runs but never schedules them: its scheduler
service only runs in a real server. So on one machine ``tremplin flows serve`` starts Prefect's own
server (the same application ``prefect server start`` runs, scheduler included) on a free port of
127.0.0.1, with its database in ``PREFECT_HOME`` where ``tremplin flows list`` reads the runs back,
serves the flows against it, and stops it on the way out. Nothing to install or start by hand.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: How long the server may take to answer its health check (a first start creates its database).
STARTUP_TIMEOUT = float(os.environ.get("TREMPLIN_PREFECT_SERVER_STARTUP_TIMEOUT", "120"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def local_server(port: int | None = None, timeout: float = STARTUP_TIMEOUT) -> Iterator[str]:
    """Run Prefect's server on 127.0.0.1 for the duration of the block; yields its API URL."""
    import prefect

    port = port or free_port()
    env = {**os.environ}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT__SERVER_EPHEMERAL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(prefect.__module_path__.parent),
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None:
                raise RuntimeError(f"Prefect's server stopped at start-up (exit code {process.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Prefect's server did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
