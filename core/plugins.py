"""The plugin manager: built-in plugins plus the ``tremplin.plugins`` entry points, checked at start-up.

Built-ins are plugins like any other (as in datasette): the core features live in ``tremplin.core.builtins`` and
the centre's audiences in ``plugins/``. Outside packages declare::

    [project.entry-points."tremplin.plugins"]
    euroguidance = "tremplin_euroguidance"

Loading is lazy and happens once per manager; ``check_pending`` turns a misspelled hook into an error
that names it, and registering the same plugin twice is refused.
"""

from __future__ import annotations

import contextvars
import difflib
import importlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pluggy

from tremplin.core import (
    hookimpl,  # noqa: E402,F401  (re-exported for plugins)
    hookspecs,
)
from tremplin.core.registry import PluginError
from tremplin.plugins import AUDIENCE_PLUGINS

log = logging.getLogger("tremplin.plugins")

ENTRYPOINT_GROUP = "tremplin.plugins"

#: Core features first, then the audiences of the Brussels centre (listed beside them, in ``tremplin.plugins``).
BUILTIN_PLUGINS: tuple[str, ...] = (
    "tremplin.core.builtins.anonymity",
    "tremplin.core.builtins.general",
    "tremplin.core.builtins.shared",
    "tremplin.core.builtins.flows",
    "tremplin.core.builtins.reports",
    "tremplin.core.builtins.bot",
    "tremplin.core.builtins.surveys",
)
DEFAULT_PLUGINS: tuple[str, ...] = BUILTIN_PLUGINS + AUDIENCE_PLUGINS


def hook_names() -> list[str]:
    return sorted(
        name
        for name in dir(hookspecs)
        if not name.startswith("_") and hasattr(getattr(hookspecs, name), "tremplin_spec")
    )


def is_disabled(name: str, blocked: set[str]) -> bool:
    """A plugin is disabled by its full name (``tremplin.plugins.<audience>``), without the ``tremplin.``
    prefix (``plugins.<audience>``) or by its last part (``<audience>``), as people write it in settings."""
    return bool({name, name.removeprefix("tremplin."), name.rsplit(".", 1)[-1]} & blocked)


#: Set ``TREMPLIN_TRACE_PLUGINS=1`` to log every hook call: the hook, the plugin and how long it took.
TRACE_ENV = "TREMPLIN_TRACE_PLUGINS"

# The lists registration hooks returned during the current ``returned_by()`` block, by identity, with the
# plugin that returned each. A context variable, so that web workers' threads never mix their calls.
_returned: contextvars.ContextVar[dict[int, tuple[str, object]] | None] = contextvars.ContextVar(
    "tremplin_returned", default=None
)


@contextmanager
def returned_by() -> Iterator[dict[int, str]]:
    """Within the block, ``owners[id(value)]`` is the plugin whose implementation returned ``value``."""
    seen: dict[int, tuple[str, object]] = {}
    owners: dict[int, str] = {}
    token = _returned.set(seen)
    try:
        yield owners
    finally:
        _returned.reset(token)
        # The values are kept in ``seen`` until here, so no two of them can share an id.
        owners.update((key, plugin) for key, (plugin, _value) in seen.items())


def tracing() -> bool:
    return os.environ.get(TRACE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _instrumented(
    function: Callable[..., Any], plugin: str, hook: str, registration: bool, trace: bool
) -> Callable[..., Any]:
    """``function`` as pluggy will call it: its result remembered by plugin, its errors and time told."""

    def call(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter() if trace else 0.0
        try:
            value = function(*args, **kwargs)
        except PluginError:
            raise
        except Exception as exc:
            if not registration:
                raise  # an event handler's error rolls its transaction back, as it is
            raise PluginError(f"plugin {plugin} failed in {hook}: {exc!r}") from exc
        finally:
            if trace:
                log.info("hook %s: plugin %s took %.2f ms", hook, plugin, (time.perf_counter() - started) * 1000)
        seen = _returned.get()
        if seen is not None and value is not None:
            seen[id(value)] = (plugin, value)
        return value

    call.__name__ = getattr(function, "__name__", hook)
    call.__wrapped__ = function  # type: ignore[attr-defined]
    call.tremplin_instrumented = True  # type: ignore[attr-defined]
    return call


def instrument_hook(pm: pluggy.PluginManager, hook_name: str) -> None:
    """Instrument the implementations of one hook that were registered straight on ``pm`` (``pm.register``)."""
    registration = hook_name.startswith("register_")
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        if not (impl.wrapper or impl.hookwrapper or getattr(impl.function, "tremplin_instrumented", False)):
            impl.function = _instrumented(impl.function, impl.plugin_name, hook_name, registration, tracing())


def _instrument(pm: pluggy.PluginManager, plugin: object, trace: bool) -> None:
    for caller in pm.get_hookcallers(plugin) or ():
        registration = caller.name.startswith("register_")
        if not (registration or trace):
            continue  # event hooks run on every record: left as they are unless traced
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin and not (
                impl.wrapper or impl.hookwrapper or getattr(impl.function, "tremplin_instrumented", False)
            ):
                # pluggy keeps the function it calls on the implementation; wrapping it there keeps
                # ``pm.hook.<name>(...)`` the one way hooks are called, wrappers and all.
                impl.function = _instrumented(impl.function, impl.plugin_name, caller.name, registration, trace)  # type: ignore[misc]


def make_plugin_manager(
    plugins: Iterable[str] = DEFAULT_PLUGINS,
    entrypoints: bool = True,
    disabled: Iterable[str] = (),
    trace: bool | None = None,
) -> pluggy.PluginManager:
    """Build and check a plugin manager.

    ``plugins`` are module paths registered under their own names; ``disabled`` names are blocked,
    whether built-in or entry point. ``trace`` (default: ``TREMPLIN_TRACE_PLUGINS``) logs each hook call.
    """
    trace = tracing() if trace is None else trace
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    # Not ``pm.set_blocked``: pluggy lists blocked names among the plugins (with ``None``), and a
    # disabled plugin must not show up anywhere.
    blocked = set(disabled)
    for name in plugins:
        if is_disabled(name, blocked):
            continue
        module = importlib.import_module(name)
        _register(pm, module, name, trace)
    if entrypoints:
        _load_entrypoints(pm, blocked, trace)
    _check(pm)
    return pm


def register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register one more plugin on a built manager (tests, an embedding program), instrumented like the others."""
    _register(pm, plugin, name, tracing())
    _check(pm)


def _register(pm: pluggy.PluginManager, plugin: object, name: str, trace: bool) -> None:
    if pm.get_plugin(name) is not None:
        raise PluginError(f"plugin {name!r} is registered twice")
    if pm.is_registered(plugin):
        raise PluginError(f"plugin {name!r} is already registered as {pm.get_name(plugin)!r}")
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:  # e.g. a hook implemented with wrong argument names
        raise PluginError(f"plugin {name!r} cannot be registered: {exc}") from exc
    _instrument(pm, plugin, trace)


def _load_entrypoints(pm: pluggy.PluginManager, blocked: set[str], trace: bool) -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRYPOINT_GROUP):
        if is_disabled(ep.name, blocked):
            continue
        plugin = ep.load()
        _register(pm, plugin, ep.name, trace)


def _check(pm: pluggy.PluginManager) -> None:
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        known = hook_names()
        plugin_name = pm.get_name(exc.plugin) if exc.plugin is not None else "?"
        bad = [
            name
            for name in dir(exc.plugin)
            if callable(getattr(exc.plugin, name, None))
            and hasattr(getattr(exc.plugin, name), hookspecs.PROJECT + "_impl")
            and name not in known
        ]
        hints = []
        for name in bad:
            close = difflib.get_close_matches(name, known, n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise PluginError(f"plugin {plugin_name} implements unknown hooks: {', '.join(hints) or exc}") from exc
