"""The runner: every flow the plugins register (``register_flows``), listed, run now, served or deployed.

A ``FlowSpec`` names its flow by import path, so nothing is imported until a flow runs or is served.
Each flow's schedule is its plugin's default or the centre's setting (``tremplin.flows.schedules``);
``collect`` checks every schedule first, so a wrong setting stops any ``tremplin flows`` command before
anything runs.

* ``serve`` turns each flow into a Prefect deployment named after the spec, scheduled in the centre's
  time zone, and serves them all from this process (``prefect.serve``): Prefect's local server on one
  machine, nothing to install; a Prefect server when ``PREFECT_API_URL`` names one.
* ``deploy`` creates the same deployments on a work pool of a Prefect server, for workers on other
  machines (``prefect worker start --pool P``) to run them. The deployments name their flows by module
  path (``tremplin.flows.referrals:referral_expiry``): a worker needs Tremplin installed, not a copy of
  the source.
* ``last_runs`` reads each flow's last run and its state from Prefect's API, for ``tremplin flows list``.

Flows take their database from ``TREMPLIN_DATABASE_URL``; ``use_database`` sets it for the flows this
process runs, so that no deployment carries a database URL (and its password) in its parameters.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tremplin.flows.schedules import Schedule, resolve

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.registry import FlowSpec


@dataclass(frozen=True)
class RegisteredFlow:
    spec: FlowSpec
    plugin: str
    #: The audience the flow serves (``FlowSpec.audience``, or its plugin's one audience); ``all``: every one.
    audience: str
    when: Schedule

    @property
    def name(self) -> str:
        return self.spec.name

    def schedule(self) -> str:
        return self.when.describe()


@dataclass(frozen=True)
class LastRun:
    """A flow's last run as Prefect's API knows it."""

    state: str  # Prefect's state name: Completed, Failed, Crashed, Running...
    at: datetime | None
    #: Why it failed (the exception's message), empty for a run that went well.
    message: str = ""

    def describe(self) -> str:
        when = self.at.astimezone().strftime("%Y-%m-%d %H:%M") if self.at else "?"
        text = f"{self.state} {when}"
        return f"{text}: {self.message}" if self.message else text


def _audience(app: App, spec: FlowSpec, plugin: str) -> str:
    if spec.audience:
        return spec.audience
    owned = [key for key in app.registry.audiences.keys() if app.registry.audiences.owner(key) == plugin]
    return owned[0] if len(owned) == 1 else "all"


def collect(app: App, environ: Mapping[str, str] | None = None) -> list[RegisteredFlow]:
    """Every registered flow, by name, with its schedule; ``FlowScheduleError`` names a wrong setting."""
    registry = app.registry.flows
    names = sorted(registry.keys())
    schedules = resolve({name: registry[name].cron for name in names}, environ)
    found = []
    for name in names:
        spec, plugin = registry[name], registry.owner(name)
        found.append(RegisteredFlow(spec, plugin, _audience(app, spec, plugin), schedules[name]))
    return found


def find(app: App, name: str) -> RegisteredFlow:
    items = collect(app)
    for item in items:
        if item.name == name:
            return item
    known = [item.name for item in items]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise KeyError(f"unknown flow {name!r}{hint}; known: {', '.join(known) or 'none'}")


def use_database(database_url: str | None) -> None:
    """Make the flows run by this process (and its subprocesses) use ``database_url``."""
    if database_url:
        os.environ["TREMPLIN_DATABASE_URL"] = database_url


def run(app: App, name: str, parameters: Mapping[str, Any] | None = None) -> Any:
    """Run one flow now, in this process; returns what the flow returns."""
    item = find(app, name)
    flow = item.spec.load()
    return flow(**{**dict(item.spec.parameters), **dict(parameters or {})})


def deployments(app: App, module_path: bool = False) -> list[Any]:
    """One Prefect deployment per registered flow, scheduled in the centre's time zone.

    ``module_path`` names each flow by its module (for workers that have Tremplin installed) rather than
    by the file this machine loaded it from.
    """
    from prefect.deployments.runner import EntrypointType

    built = []
    for item in collect(app):
        flow = item.spec.load()
        schedule = item.when.to_prefect(app.settings.timezone)
        deployment = flow.to_deployment(
            name=item.name,
            schedule=schedule,
            parameters=dict(item.spec.parameters),
            description=item.spec.description.get("en"),
            tags=["tremplin", item.plugin, f"audience:{item.audience}"],
            entrypoint_type=EntrypointType.MODULE_PATH if module_path else EntrypointType.FILE_PATH,
        )
        if module_path:
            # ``to_deployment`` derives the module path from the file; the import path the spec gives is
            # what an installed package answers to.
            deployment.entrypoint = item.spec.entrypoint
        built.append(deployment)
    return built


def serve(app: App, limit: int | None = None, on_server: Callable[[str], None] | None = None) -> None:
    """Serve every registered flow on its schedule until interrupted.

    With ``PREFECT_API_URL`` the flows are served against that Prefect server; without it, against
    Prefect's server started on this machine for as long as this runs (``tremplin.flows.local_server``).
    ``on_server`` is told the API's URL once it answers.
    """
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        if on_server:
            on_server(configured)
        prefect_serve(*deployments(app), limit=limit)
        return
    from tremplin.flows.local_server import local_server

    with local_server() as url:
        # The flow runs are subprocesses of this one: they find the server through the environment.
        os.environ["PREFECT_API_URL"] = url
        try:
            with temporary_settings({PREFECT_API_URL: url}):
                if on_server:
                    on_server(url)
                prefect_serve(*deployments(app), limit=limit)
        finally:
            os.environ.pop("PREFECT_API_URL", None)


def deploy(app: App, pool: str) -> list[str]:
    """Create (or update) every flow's deployment on the work pool ``pool``; returns their names.

    The pool must exist (``prefect work-pool create P --type process``).
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            from tremplin.core.web.i18n import Msg

            raise ValueError(
                Msg(
                    "Could not find work pool %(pool)r: create it first (prefect work-pool create %(pool)s --type "
                    "process)",
                    pool=pool,
                )
            ) from None
    built = deployments(app, module_path=True)
    # Each deployment is applied on its own: ``prefect.deploy`` would also look for the pool's workers,
    # which nothing here needs (and which its synchronous client asks for wrongly in Prefect 3.8).
    for deployment in built:
        deployment.apply(work_pool_name=pool)
    return [f"{d.flow_name}/{d.name}" for d in built]


def api_configured() -> bool:
    """Whether flow runs are recorded where ``last_runs`` can read them without starting a server:
    a Prefect server (``PREFECT_API_URL``), or the local database runs on this machine were kept in."""
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME

    if PREFECT_API_URL.value():
        return True
    return (Path(PREFECT_HOME.value()) / "prefect.db").exists()


def last_runs(items: list[RegisteredFlow]) -> dict[str, LastRun]:
    """Each flow's last finished run (completed, failed, crashed or cancelled), by flow name.

    Raises whatever the client raises when the API cannot be reached; the caller says so.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    finished = [StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED]
    found: dict[str, LastRun] = {}
    with get_client(sync_client=True) as client:
        for item in items:
            flow_name = item.spec.load().name
            runs = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=finished))),
                sort=FlowRunSort.END_TIME_DESC,
                limit=1,
            )
            if not runs:
                continue
            state = runs[0].state
            failed = state is not None and state.type in (StateType.FAILED, StateType.CRASHED)
            found[item.name] = LastRun(
                state=state.name if state and state.name is not None else "?",
                at=runs[0].end_time or runs[0].start_time,
                message=(state.message or "") if failed and state else "",
            )
    return found
