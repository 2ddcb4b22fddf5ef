"""Helpers for tests that need plugins: small modules made on the spot, and a centre to write into."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from core import hookimpl
from core.app import App

CORE_ONLY = ["core.builtins.anonymity", "core.builtins.general"]


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
    from core.admin import ensure_centre, ensure_site

    with app.transaction() as session:
        centre, _ = ensure_centre(session, code, "Cité des métiers de Bruxelles")
        ensure_site(session, centre, "advice", "Advice", "advice")
        return centre.id
