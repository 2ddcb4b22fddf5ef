"""Pages from plugins: their templates, their static files and their menu entries.

As datasette finds a plugin's ``templates/`` and ``static/``, the web app looks beside each plugin
package's ``__init__.py``:

* ``templates/`` joins the Jinja loader after the core's folder, so a plugin's template may extend
  ``base.html`` but never replaces a core page; keep them under a folder named after the plugin
  (``templates/euroguidance/mobility.html``, rendered as ``euroguidance/mobility.html``);
* ``static/`` is served under ``/static/plugins/<name>/`` (``<name>``: the last part of the plugin's
  name, ``euroguidance`` for ``tremplin_euroguidance.plugin``, an entry point's own name otherwise);
* ``register_menu_items`` adds entries to the main menu; each names the capability (and the audience)
  an account needs to see it, and links only to a page that exists.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tremplin.core.i18n import Text

if TYPE_CHECKING:
    from tremplin.core.app import App


@dataclass(frozen=True)
class MenuItem:
    """An entry of the main menu, shown to the accounts that have ``capability`` (and see ``audience``)."""

    label: Text
    path: str
    capability: str
    audience: str | None = None

    def __post_init__(self) -> None:
        if not self.path.startswith("/") or self.path.startswith("//"):
            raise ValueError(f"menu entry {self.path!r}: a path on this site, starting with a single '/'")


@dataclass(frozen=True)
class PluginFolders:
    """The folders a plugin package ships beside its ``__init__.py``."""

    plugin: str
    name: str
    templates: Path | None
    static: Path | None

    @property
    def static_url(self) -> str:
        return f"/static/plugins/{self.name}"


def short_name(plugin: str) -> str:
    """``tremplin.plugins.euroguidance`` → ``euroguidance``: the name in a plugin's static URL."""
    return plugin.rsplit(".", 1)[-1]


def plugin_folders(app: App) -> list[PluginFolders]:
    """The ``templates/`` and ``static/`` folders of every plugin package, in registration order."""
    out = []
    for name, plugin in app.pm.list_name_plugin():
        package = package_dir(plugin)
        if package is None:
            continue
        templates, static = package / "templates", package / "static"
        found = PluginFolders(
            name, short_name(name), templates if templates.is_dir() else None, static if static.is_dir() else None
        )
        if found.templates or found.static:
            out.append(found)
    return out


def package_dir(plugin: Any) -> Path | None:
    """The folder of a plugin that is a package (its ``__init__.py``); ``None`` for plain modules and objects."""
    module = plugin if hasattr(plugin, "__path__") else sys.modules.get(getattr(plugin, "__module__", "") or "")
    if module is None or not hasattr(module, "__path__"):
        return None
    file = getattr(module, "__file__", None)
    if not file or Path(file).name != "__init__.py":
        return None
    return Path(file).parent


def install(app: App, web: Any) -> list[PluginFolders]:
    """Mount the plugins' static folders and add their template folders (before ``/static`` is mounted)."""
    from fastapi.staticfiles import StaticFiles

    from tremplin.core.registry import PluginError
    from tremplin.core.web.templating import template_dirs

    folders = plugin_folders(app)
    names: dict[str, str] = {}
    for found in folders:
        if found.name in names and found.static:
            raise PluginError(f"plugins {names[found.name]} and {found.plugin} would both serve {found.static_url}/")
        if found.static:
            names[found.name] = found.plugin
            web.mount(found.static_url, StaticFiles(directory=found.static), name=f"static-{found.name}")
        if found.templates and found.templates not in template_dirs:
            template_dirs.append(found.templates)
    return folders


def menu_items(app: App, staff: Any) -> list[MenuItem]:
    """The plugins' menu entries the account may use, in plugin order."""
    from tremplin.core.registry import PluginError, collect
    from tremplin.core.web.policy import can

    out = []
    for plugin, item in collect(app.pm, "register_menu_items", app=app, staff=staff):
        if not isinstance(item, MenuItem):
            raise PluginError(
                f"plugin {plugin} returned {type(item).__name__} from register_menu_items: not a MenuItem"
            )
        try:
            allowed = can(app, staff, item.capability)
        except KeyError as exc:
            raise PluginError(f"plugin {plugin}: menu entry {item.path}: {exc.args[0]}") from None
        if not allowed:
            continue
        if item.audience is not None and (
            item.audience not in app.registry.audiences or not staff.may_see(item.audience)
        ):
            continue
        out.append(item)
    return out
