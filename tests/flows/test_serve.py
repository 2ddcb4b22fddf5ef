"""``tremplin flows serve`` as a centre runs it: a subprocess, no Prefect server installed or started by
hand, every flow served with its schedule. An outside plugin's flow (the Euroguidance example, installed
with its entry point) is given a schedule of a few seconds in a setting; the test waits until a run of it
has completed in Prefect's API, reads it back with ``tremplin flows list``, and stops the server."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.flows.outside import command, environment, install_euroguidance

pytestmark = pytest.mark.slow

#: The whole test's bound: start-up of Prefect's server, the first scheduled run, its subprocess.
DEADLINE_SECONDS = 360


class Output:
    """The served process's output, read on a thread so that its pipe never fills up."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)


def completed_runs(api: str, flow_name: str) -> list[dict]:
    body = {
        "flows": {"name": {"any_": [flow_name]}},
        "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
    }
    response = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10)
    response.raise_for_status()
    return list(response.json())


def test_flows_serve_runs_an_outside_plugins_flow_on_its_schedule(tmp_path: Path) -> None:
    site = install_euroguidance(tmp_path / "site")
    env = environment(
        site,
        tmp_path,
        TREMPLIN_FLOW_SCHEDULE_EUROGUIDANCE_DESTINATIONS="every 10s",
        # The every-minute delivery would only add load here.
        TREMPLIN_FLOW_SCHEDULE_OUTBOX_DELIVERY="off",
        PREFECT_RUNNER_POLL_FREQUENCY="2",
    )

    def tremplin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command(*args), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    init = tremplin("init", "--centre", "bxl")
    assert init.returncode == 0, init.stderr

    listed = tremplin("flows", "list", "--no-history")
    assert listed.returncode == 0, listed.stderr
    line = next(li for li in listed.stdout.splitlines() if li.startswith("euroguidance-destinations"))
    assert line.split()[1:5] == ["euroguidance", "every", "10s", "euroguidance"], line  # audience, schedule, plugin

    started = time.monotonic()
    process = subprocess.Popen(
        # One run at a time: a slow machine must not pile the schedule's runs up.
        command("flows", "serve", "--limit", "1"),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process)
    try:
        api = ""
        while not api:
            assert process.poll() is None, f"flows serve stopped:\n{output.text()}"
            assert time.monotonic() - started < DEADLINE_SECONDS, f"no Prefect API announced:\n{output.text()}"
            api = next((li.split()[2] for li in output.lines if li.startswith("Prefect API: ")), "")
            time.sleep(0.5)
        assert "Serving euroguidance-destinations (every 10s, Europe/Brussels)" in output.text()
        assert "Serving outbox-delivery (on demand, Europe/Brussels)" in output.text()

        runs: list[dict] = []
        while not runs:
            assert process.poll() is None, f"flows serve stopped:\n{output.text()}"
            assert time.monotonic() - started < DEADLINE_SECONDS, f"no completed run:\n{output.text()}"
            time.sleep(2)
            runs = completed_runs(api, "euroguidance-destinations")
        assert runs[0]["deployment_id"] is not None, "the run came from the served deployment's schedule"

        # ``flows list`` reads the run back from the same server.
        listed = subprocess.run(
            command("flows", "list"),
            env={**env, "PREFECT_API_URL": api},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert listed.returncode == 0, listed.stderr
        line = next(li for li in listed.stdout.splitlines() if li.startswith("euroguidance-destinations"))
        assert "Completed" in line, listed.stdout
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # The local Prefect server went with it.
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{api}/health", timeout=2)
