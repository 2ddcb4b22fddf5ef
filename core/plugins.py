"""The plugin manager: built-in plugins plus the ``tremplin.plugins`` entry points, checked at start-up.

Built-ins are plugins like any other (as in datasette): the core features live in ``tremplin.core.builtins`` and
the centre's audiences in ``plugins/``. Outside packages declare::

    [project.entry-points."tremplin.plugins"]
    euroguidance = "tremplin_euroguidance"

Loading is lazy and happens once per manager; ``check_pending`` turns a misspelled hook into an error
that names it, and registering the same plugin twice is refused.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable

import pluggy

from tremplin.core import hookspecs
from tremplin.core.registry import PluginError

from tremplin.core import hookimpl  # noqa: E402,F401  (re-exported for plugins)

ENTRYPOINT_GROUP = "tremplin.plugins"

#: Core features first, then the audiences of the Brussels centre.
BUILTIN_PLUGINS: tuple[str, ...] = ("tremplin.core.builtins.anonymity", "tremplin.core.builtins.general", "tremplin.core.builtins.flows", "tremplin.core.builtins.reports")
AUDIENCE_PLUGINS: tuple[str, ...] = (
    "tremplin.plugins.neet",
    "tremplin.plugins.schools",
    "tremplin.plugins.prisons",
    "tremplin.plugins.disability",
    "tremplin.plugins.formtruck",
    "tremplin.plugins.ukrainian",
)
DEFAULT_PLUGINS: tuple[str, ...] = BUILTIN_PLUGINS + AUDIENCE_PLUGINS


def hook_names() -> list[str]:
    return sorted(
        name for name in dir(hookspecs) if not name.startswith("_") and hasattr(getattr(hookspecs, name), "tremplin_spec")
    )


def is_disabled(name: str, blocked: set[str]) -> bool:
    """A plugin is disabled by its full name (``tremplin.plugins.prisons``), without the ``tremplin.``
    prefix (``plugins.prisons``) or by its last part (``prisons``), as people write it in settings."""
    return bool({name, name.removeprefix("tremplin."), name.rsplit(".", 1)[-1]} & blocked)


def make_plugin_manager(
    plugins: Iterable[str] = DEFAULT_PLUGINS,
    entrypoints: bool = True,
    disabled: Iterable[str] = (),
) -> pluggy.PluginManager:
    """Build and check a plugin manager.

    ``plugins`` are module paths registered under their own names; ``disabled`` names are blocked,
    whether built-in or entry point.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    # Not ``pm.set_blocked``: pluggy lists blocked names among the plugins (with ``None``), and a
    # disabled plugin must not show up anywhere.
    blocked = set(disabled)
    for name in plugins:
        if is_disabled(name, blocked):
            continue
        module = importlib.import_module(name)
        _register(pm, module, name)
    if entrypoints:
        _load_entrypoints(pm, blocked)
    _check(pm)
    return pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    if pm.get_plugin(name) is not None:
        raise PluginError(f"plugin {name!r} is registered twice")
    if pm.is_registered(plugin):
        raise PluginError(f"plugin {name!r} is already registered as {pm.get_name(plugin)!r}")
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:  # e.g. a hook implemented with wrong argument names
        raise PluginError(f"plugin {name!r} cannot be registered: {exc}") from exc


def _load_entrypoints(pm: pluggy.PluginManager, blocked: set[str]) -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRYPOINT_GROUP):
        if is_disabled(ep.name, blocked):
            continue
        plugin = ep.load()
        _register(pm, plugin, ep.name)


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
