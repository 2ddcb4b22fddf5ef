"""The runner: every flow the plugins register (``register_flows``), listed, run now, or served on schedule.

A ``FlowSpec`` names its flow by import path, so nothing is imported until a flow runs or is served.
``serve`` turns each into a Prefect deployment named after the spec, scheduled with its cron
expression in the centre's time zone, and serves them all from this process with ``prefect.serve``:
Prefect's local server on one machine, a Prefect server and work pools at scale.

Flows take their database from ``TREMPLIN_DATABASE_URL``; ``use_database`` sets it for the flows this
process runs, so that no deployment carries a database URL (and its password) in its parameters.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.registry import FlowSpec


@dataclass(frozen=True)
class RegisteredFlow:
    spec: FlowSpec
    plugin: str

    @property
    def name(self) -> str:
        return self.spec.name

    def schedule(self) -> str:
        return self.spec.cron or "on demand"


def collect(app: App) -> list[RegisteredFlow]:
    """Every registered flow, by name."""
    registry = app.registry.flows
    return [RegisteredFlow(registry[name], registry.owner(name)) for name in sorted(registry.keys())]


def find(app: App, name: str) -> RegisteredFlow:
    for item in collect(app):
        if item.name == name:
            return item
    known = [item.name for item in collect(app)]
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


def deployments(app: App) -> list[Any]:
    """One Prefect deployment per registered flow, scheduled in the centre's time zone."""
    from prefect.schedules import Cron

    built = []
    for item in collect(app):
        flow = item.spec.load()
        built.append(
            flow.to_deployment(
                name=item.name,
                schedule=Cron(item.spec.cron, timezone=app.settings.timezone) if item.spec.cron else None,
                parameters=dict(item.spec.parameters),
                description=item.spec.description.get("en"),
                tags=["tremplin", item.plugin],
            )
        )
    return built


def serve(app: App, limit: int | None = None) -> None:
    """Serve every registered flow on its schedule until interrupted."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(app), limit=limit)
