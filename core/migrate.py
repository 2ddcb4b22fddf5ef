"""Applying the Alembic migrations (``tremplin init``): the core's chain, and a branch for each plugin with tables.

The core's revisions are in ``core/migrations/versions``. A plugin that owns tables keeps its revisions in a
``migrations/`` folder beside its ``__init__.py`` (found as its ``templates/`` and ``static/`` are): its first
revision has no ``down_revision``, names the plugin in ``branch_labels`` and ``depends_on`` the core revision
that creates the tables it refers to. ``upgrade`` brings the core and every enabled plugin's branch to its
head; a disabled plugin's tables are not created. A disabled plugin's folder is still read, so that a database
it once upgraded is understood (its branch stays where it was, its tables and their rows are kept).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tremplin.core.app import App

MIGRATIONS = Path(__file__).with_name("migrations")
#: The core's revisions: one chain, labelled ``core``.
CORE_VERSIONS = MIGRATIONS / "versions"
#: The folder of a plugin package that holds its revisions.
PLUGIN_FOLDER = "migrations"


def alembic_config(url: str, locations: Iterable[Path] = ()) -> Config:
    """A configuration reading the core's revisions and those in ``locations`` (plugins' folders)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", _escaped(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    folders = [CORE_VERSIONS, *(p for p in locations if p.resolve() != CORE_VERSIONS.resolve())]
    cfg.set_main_option("version_locations", os.pathsep.join(_escaped(p) for p in folders))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _escaped(path: Path) -> str:
    return str(path).replace("%", "%%")  # the configuration interpolates ``%(name)s``


def plugin_migrations(app: App) -> dict[str, Path]:
    """The ``migrations/`` folder of each enabled plugin that has one, by plugin name, in registration order."""
    from tremplin.core.pages import package_dir

    out: dict[str, Path] = {}
    for name, plugin in app.pm.list_name_plugin():
        package = package_dir(plugin)
        if package is not None and (package / PLUGIN_FOLDER).is_dir():
            out[name] = (package / PLUGIN_FOLDER).resolve()
    return out


def disabled_plugin_migrations(app: App) -> dict[str, Path]:
    """The ``migrations/`` folders of the built-in and installed plugins this app leaves out.

    Found without importing the plugins: a left-out plugin runs no code, not even its module's.
    """
    from importlib.util import find_spec

    from tremplin.core.plugins import DEFAULT_PLUGINS, ENTRYPOINT_GROUP

    loaded = {name for name, _ in app.pm.list_name_plugin()}
    modules = {name: name for name in DEFAULT_PLUGINS}
    if app.settings.load_entrypoints:
        from importlib.metadata import entry_points

        modules.update({ep.name: ep.module for ep in entry_points(group=ENTRYPOINT_GROUP)})
    out: dict[str, Path] = {}
    for name, module in modules.items():
        if name in loaded:
            continue
        try:
            spec = find_spec(module)
        except (ImportError, ValueError):
            continue  # an entry point whose distribution is broken: nothing of it can be migrated
        for folder in (spec.submodule_search_locations or []) if spec else []:
            if (Path(folder) / PLUGIN_FOLDER).is_dir():
                out[name] = (Path(folder) / PLUGIN_FOLDER).resolve()
    return out


def script_directory(app: App) -> ScriptDirectory:
    """Every revision this app can read: the core's, its plugins' and its left-out plugins'."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(app))


def _config(app: App) -> Config:
    locations = [*plugin_migrations(app).values(), *disabled_plugin_migrations(app).values()]
    return alembic_config(app.db.url, dict.fromkeys(locations))


def target_heads(app: App, script: ScriptDirectory | None = None) -> list[str]:
    """The heads ``upgrade`` goes to: the core's first, then each enabled plugin's, in registration order."""
    script = script or script_directory(app)
    folders = [CORE_VERSIONS.resolve(), *plugin_migrations(app).values()]
    heads = [(Path(rev.path).resolve().parent, rev.revision) for rev in script.get_revisions("heads") if rev]
    return [revision for folder in folders for (where, revision) in heads if where == folder]


def plugin_heads(app: App) -> dict[str, list[str]]:
    """Each enabled plugin's branch heads (``euroguidance@euroguidance_0001``), by plugin name."""
    script = script_directory(app)
    folders = {folder: name for name, folder in plugin_migrations(app).items()}
    out: dict[str, list[str]] = {}
    for rev in script.get_revisions("heads"):
        name = folders.get(Path(rev.path).resolve().parent) if rev else None
        if rev and name:
            out.setdefault(name, []).append(f"{'/'.join(sorted(rev.branch_labels)) or '?'}@{rev.revision}")
    return out


def package_of(folder: Path) -> Path:
    """The package whose models a folder of revisions migrates: the core for the core's chain, else the plugin
    package the ``migrations/`` folder sits in."""
    folder = folder.resolve()
    return Path(__file__).resolve().parent if folder == CORE_VERSIONS.resolve() else folder.parent


def owned_tables(package: Path) -> set[str]:
    """The tables of the models defined in ``package`` (its modules must be imported: a plugin's are)."""
    import sys

    from tremplin.core.models import Base

    package = package.resolve()
    out: set[str] = set()
    for mapper in Base.registry.mappers:
        file = getattr(sys.modules.get(mapper.class_.__module__), "__file__", None)
        name = getattr(mapper.local_table, "name", None)  # a mapped Table (not a join or a select)
        if file and name and Path(file).resolve().is_relative_to(package):
            out.add(name)
    return out


def revision_tables(script: ScriptDirectory, head: str | None, version_path: str | None = None) -> set[str] | None:
    """The tables an autogenerated revision on ``head`` (or written into ``version_path``) compares: those of the
    package the revisions migrate, so that a plugin author's revision lists only the plugin's own changes, not
    other plugins' tables nor the core's. ``None`` (compare everything) when the branch cannot be told."""
    folders: set[Path] = set()
    if version_path:
        folders.add(Path(version_path).resolve())
    else:
        from alembic.util import CommandError

        try:
            revisions = script.get_revisions(head or "head")
        except CommandError:
            return None
        folders = {Path(rev.path).resolve().parent for rev in revisions if rev is not None}
    if len(folders) != 1:
        return None
    return owned_tables(package_of(folders.pop()))


def revision(app: App, branch: str, message: str, autogenerate: bool = True) -> str:
    """Write the next revision of ``branch`` into its folder; returns the new file's path.

    ``branch`` is ``core``, a plugin's name (its module's name, or the last part of it) or its branch label.
    With ``autogenerate``, the revision holds what the branch's models have that the database (upgraded to
    every head) lacks, for its own tables only (``revision_tables``)."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    cfg = _config(app)
    script = ScriptDirectory.from_config(cfg)
    check_installed(app, script)
    folders = {"core": CORE_VERSIONS.resolve(), **plugin_migrations(app)}
    heads = [rev for rev in script.get_revisions("heads") if rev is not None]
    folder = folders.get(branch)
    if folder is None:
        folder = next((Path(rev.path).resolve().parent for rev in heads if branch in rev.branch_labels), None)
    head = next((rev.revision for rev in heads if folder and Path(rev.path).resolve().parent == folder), None)
    if folder is None or folder not in folders.values() or head is None:
        raise CommandError(f"no enabled plugin has a branch of revisions named {branch!r}")
    with app.db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        written = command.revision(cfg, message, autogenerate=autogenerate, head=head, version_path=str(folder))
    assert written is not None and not isinstance(written, list)
    return str(written.path)


class NotInstalledError(RuntimeError):
    """The database records revisions that neither the core nor any installed plugin has: a plugin with tables
    was uninstalled (not merely left out, whose revisions are still read). Alembic cannot work out the
    database's state then, so nothing can be upgraded until the plugin is back or its branch forgotten."""

    def __init__(self, revisions: Sequence[str]) -> None:
        self.revisions = list(revisions)
        core = [rev for rev in self.revisions if rev[:1].isdigit()]  # the core's ids start with a number
        plugins = [rev for rev in self.revisions if rev not in core]
        parts = []
        if plugins:
            names = sorted(dict.fromkeys(plugin_of_revision(rev) for rev in plugins))
            parts.append(
                f"the database records revision {', '.join(plugins)} of a plugin branch that no installed plugin "
                f"has (uninstalled plugin: {', '.join(names)}?). Reinstall the plugin and run the command again; "
                f"or, if it is gone for good, run `tremplin plugins forget {names[0]}`: its branch is taken out of "
                "the database's alembic_version, its tables and their rows are kept."
            )
        if core:
            parts.append(
                f"the database records revision {', '.join(core)}, which this version of Tremplin does not have "
                "(was it upgraded by a newer version?): install that version or a later one."
            )
        super().__init__(" ".join(parts))


def plugin_of_revision(revision: str) -> str:
    """The plugin a revision id names: plugins start their ids with their name and a number
    (``euroguidance_0001``, ``schools_0002_booking_counts``)."""
    import re

    found = re.match(r"(.+?)_\d", revision)
    return found.group(1) if found else revision


def not_installed(app: App, script: ScriptDirectory | None = None) -> list[str]:
    """The revisions the database is at that no revision folder of this installation holds."""
    from alembic.util import CommandError

    script = script or script_directory(app)
    missing = []
    for head in current_heads(app):
        try:
            found = script.get_revision(head)
        except CommandError:
            found = None
        if found is None:
            missing.append(head)
    return missing


def check_installed(app: App, script: ScriptDirectory | None = None) -> None:
    """Raise ``NotInstalledError`` when the database records a branch this installation does not have."""
    missing = not_installed(app, script)
    if missing:
        raise NotInstalledError(missing)


def forget(app: App, name: str) -> list[str]:
    """Take the branch of an uninstalled plugin out of ``alembic_version``: the rows of the revisions that no
    folder holds and that are ``name`` or start with ``name_``. Its tables and their rows are left as they are.
    Returns the revisions removed; refuses (``ValueError``) a branch this installation has."""
    from sqlalchemy import column, delete, table

    script = script_directory(app)
    wanted = [head for head in current_heads(app) if head == name or plugin_of_revision(head) == name]
    installed = [head for head in wanted if head not in not_installed(app, script)]
    if installed:
        raise ValueError(
            f"the branch at {', '.join(installed)} belongs to an installed plugin: leave the plugin out with "
            "TREMPLIN_DISABLED_PLUGINS instead (its branch is then kept where it is)"
        )
    if wanted:
        versions = table("alembic_version", column("version_num"))
        with app.db.engine.begin() as connection:
            connection.execute(delete(versions).where(versions.c.version_num.in_(wanted)))
    return wanted


def upgrade(app: App, revision: str | None = None) -> None:
    """Bring the database to ``revision`` (an Alembic target: ``euroguidance@head``...), by default to the head of
    the core and of every enabled plugin's branch, in one transaction. Raises ``NotInstalledError`` when the
    database records the branch of a plugin that is not installed."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _config(app)
    check_installed(app, ScriptDirectory.from_config(cfg))
    targets = [revision] if revision else target_heads(app, ScriptDirectory.from_config(cfg))
    with app.db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        for target in targets:
            command.upgrade(cfg, target)


def current_heads(app: App) -> tuple[str, ...]:
    """The revisions the database is at: one for the core's chain and one for each plugin branch it has."""
    from alembic.runtime.migration import MigrationContext

    with app.db.engine.connect() as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


def current_revision(app: App) -> str | None:
    """The revision of the core's chain the database is at (``None``: no schema yet)."""
    from alembic.script import ScriptDirectory

    core = {rev.revision for rev in ScriptDirectory.from_config(alembic_config(app.db.url)).walk_revisions()}
    return next((head for head in current_heads(app) if head in core), None)


def pending(app: App) -> list[str]:
    """The heads of the core and of the enabled plugins the database has not reached (``tremplin init`` does)."""
    current = set(current_heads(app))
    return [head for head in target_heads(app) if head not in current]


def describe(app: App, heads: Sequence[str] | None = None) -> str:
    """``0004_sessions (core), euroguidance_0001 (euroguidance)...``: where each branch of the database stands."""
    from alembic.util import CommandError

    script = script_directory(app)
    parts = []
    for head in current_heads(app) if heads is None else heads:
        try:
            rev = script.get_revision(head)
        except CommandError:
            parts.append(f"{head} (not installed)")
            continue
        labels = sorted(rev.branch_labels) if rev is not None else []
        parts.append(f"{head} ({', '.join(labels)})" if labels else head)
    return ", ".join(parts)
