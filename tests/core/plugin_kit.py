"""Helpers for tests that need plugins: small modules made on the spot, and a centre to write into."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from tremplin.core import hookimpl
from tremplin.core.app import App

CORE_ONLY = ["tremplin.core.builtins.anonymity", "tremplin.core.builtins.general", "tremplin.core.builtins.shared"]


def fake_plugin(monkeypatch: pytest.MonkeyPatch, name: str, **hooks: Callable[..., Any]) -> str:
    """Put a module named ``name`` whose functions implement ``hooks`` in ``sys.modules``; returns its name.

    The plugin manager imports plugins by name, so this is loaded like any installed plugin.
    """
    module = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        fn.__name__ = hook_name
        setattr(module, hook_name, hookimpl(fn))
    monkeypatch.setitem(sys.modules, name, module)
    return name


def make_centre(app: App, code: str = "bxl") -> int:
    from tremplin.core.admin import ensure_centre, ensure_site

    with app.transaction() as session:
        centre, _ = ensure_centre(session, code, "Cité des métiers de Bruxelles")
        ensure_site(session, centre, "advice", "Advice", "advice")
        return centre.id


def totals(app: App, keys: list[str] | tuple[str, ...], year: int = 2024, dim: str = "*") -> dict[Any, int]:
    """Counter figures over a calendar year, read from the roll-up (totals, or one dimension's values)."""
    from datetime import date

    from tremplin.core import rollup

    with app.session() as session:
        if dim == "*":
            return rollup.totals(session, list(keys), date(year, 1, 1), date(year, 12, 31))
        return rollup.read(session, list(keys), date(year, 1, 1), date(year, 12, 31), dim=dim)


def contact(
    app: App, session: Any, audience: str, when: str, attributes: dict[str, Any] | None = None, **values: Any
) -> Any:
    from tremplin.core.records import log_contact

    return log_contact(app, session, {"centre": "bxl", "occurred_at": when, "audience": audience, **values}, attributes)


def activity(
    app: App, session: Any, audience: str, when: str, attributes: dict[str, Any] | None = None, **values: Any
) -> Any:
    from tremplin.core.records import log_activity

    return log_activity(app, session, {"centre": "bxl", "starts_at": when, "audience": audience, **values}, attributes)


def assert_rollup_exact(app: App) -> None:
    """The roll-up kept on every write equals the one rebuilt from the rows."""
    from tremplin.core import rollup

    with app.db.engine.begin() as conn:
        live = rollup.snapshot(conn)
        rollup.rebuild(app, conn)
        rebuilt = rollup.snapshot(conn)
    assert live == rebuilt


def refused_fields(exc: Any) -> dict[str, str]:
    return dict(exc.value.errors)
