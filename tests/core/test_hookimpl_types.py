"""Hook implementations are typed with the engine's ``App``, never ``Any``: mypy then checks what a plugin
reads from the app (settings, registry, database) against the engine's own types."""

from __future__ import annotations

import inspect

from tremplin.core.plugins import DEFAULT_PLUGINS, make_plugin_manager


def untyped_implementations() -> list[str]:
    pm = make_plugin_manager(entrypoints=False)
    found = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        for caller in pm.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                function = inspect.unwrap(impl.function)
                parameter = inspect.signature(function).parameters.get("app")
                if parameter is not None and parameter.annotation not in ("App", "App | None"):
                    found.append(f"{name}.{caller.name}(app: {parameter.annotation})")
    return found


def test_every_builtin_and_audience_plugin_is_loaded() -> None:
    pm = make_plugin_manager(entrypoints=False)
    assert [name for name, plugin in pm.list_name_plugin() if plugin is not None] == list(DEFAULT_PLUGINS)


def test_hook_implementations_take_app_typed_as_app() -> None:
    assert untyped_implementations() == []
