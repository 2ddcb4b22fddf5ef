"""What each loaded plugin is and registers, for ``tremplin plugins`` (and whoever debugs a plugin).

For every plugin: its version, the hooks it implements and everything it registers, from the registry
(audiences, roles and grants, codes, forms, counters, dimensions, fact sources, workflows, flows, scrubbers) and
from the hooks called when a part of the app starts (web routes, bot handlers, report sections), called here
the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tremplin.core.app import App


@dataclass
class PluginInfo:
    name: str
    version: str
    hooks: list[str]
    #: Kind (``audiences``, ``routes``, ``report_sections``...) -> what the plugin registers of that kind.
    registers: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "hooks": self.hooks, "registers": self.registers}


def _versions() -> dict[str, str]:
    """Entry-point plugins' distribution versions, by entry-point name."""
    from importlib.metadata import entry_points

    from tremplin.core.plugins import ENTRYPOINT_GROUP

    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRYPOINT_GROUP):
        dist = getattr(ep, "dist", None)
        if dist is not None:
            found[ep.name] = dist.version
    return found


def _version_of(name: str, plugin: object, versions: dict[str, str]) -> str:
    from tremplin.core import __version__

    own = getattr(plugin, "__version__", None)
    if isinstance(own, str):
        return own
    if name in versions:
        return versions[name]
    # The built-ins and the centre's audiences ship with the engine.
    return __version__ if name.startswith("tremplin.") else "unknown"


def _routes(router: Any) -> list[str]:
    out = []
    for route in getattr(router, "routes", ()):
        methods = ",".join(sorted(getattr(route, "methods", None) or ())) or "WS"
        out.append(f"{methods} {getattr(route, 'path', route)}")
    return out


def _bot_item(item: Any) -> str:
    from tremplin.core.bot.handlers import BotCommand

    if isinstance(item, BotCommand):
        return f"/{item.command} (help)"
    handler, group = item if isinstance(item, tuple) and len(item) == 2 else (item, 0)
    from tremplin.core.bot.app import _commands_of

    commands = sorted(_commands_of(handler))
    text = type(handler).__name__ + (f" /{' /'.join(commands)}" if commands else "")
    return text + (f" (group {group})" if group else "")


def report_keys(app: App) -> list[str]:
    """Every report whose sections plugins may add to."""
    return ["annual", "monthly", "esf", *(f"audience:{key}" for key in app.registry.audiences)]


def describe(app: App, parts: Iterable[str] = ("routes", "bot", "reports")) -> list[PluginInfo]:
    """One ``PluginInfo`` per loaded plugin, in registration order."""
    from tremplin.core.registry import collect

    reg = app.registry
    versions = _versions()
    infos: dict[str, PluginInfo] = {}
    for name, plugin in app.pm.list_name_plugin():
        if plugin is None:
            continue
        hooks = sorted(caller.name for caller in app.pm.get_hookcallers(plugin) or ())
        infos[name] = PluginInfo(name, _version_of(name, plugin, versions), hooks)

    def add(owner: str, kind: str, text: str) -> None:
        info = infos.get(owner)
        if info is not None:
            info.registers.setdefault(kind, []).append(text)

    keyed = (
        ("audiences", reg.audiences),
        ("roles", reg.roles),
        ("forms", reg.forms),
        ("counters", reg.counters),
        ("dimensions", reg.dimensions),
        ("workflows", reg.workflows),
        ("flows", reg.flows),
        ("scrubbers", reg.scrubbers),
        ("fact_sources", reg.fact_sources),
    )
    for kind, registry in keyed:
        for key in registry:
            add(registry.owner(key), kind, key)
    for owner, grant in reg.grants:
        add(owner, "grants", f"{grant.role}: {', '.join(grant.capabilities)}")
    for key in reg.code_items:
        add(reg.code_items.owner(key), "codes", key)
    from tremplin.core.migrate import plugin_heads

    # The plugin's Alembic branch (its ``migrations/`` folder): the tables ``tremplin init`` makes for it.
    for owner, heads in plugin_heads(app).items():
        for head in heads:
            add(owner, "migrations", head)
    wanted = set(parts)
    if "routes" in wanted:
        for owner, router in collect(app.pm, "register_routes", app=app):
            for route in _routes(router):
                add(owner, "routes", route)
    if "bot" in wanted:
        try:
            import telegram.ext  # noqa: F401
        except ImportError:  # pragma: no cover - python-telegram-bot is a dependency; a trimmed install may lack it
            pass
        else:
            for owner, item in collect(app.pm, "register_bot_handlers", app=app):
                add(owner, "bot_handlers", _bot_item(item))
    if "reports" in wanted:
        for report in report_keys(app):
            for owner, section in collect(app.pm, "register_report_sections", app=app, report=report):
                add(owner, "report_sections", f"{report}: {section.key} ({type(section).__name__})")
    return list(infos.values())
