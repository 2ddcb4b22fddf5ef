"""The app object every hook receives: settings, database, plugin manager and registries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from tremplin.core.db import Database
from tremplin.core.settings import Settings


class App:
    """One Tremplin instance. Build it with ``create_app``; plugins get it in every hook."""

    def __init__(
        self, settings: Settings, plugins: Iterable[str] | None = None, entrypoints: bool | None = None
    ) -> None:
        from tremplin.core.plugins import DEFAULT_PLUGINS, make_plugin_manager
        from tremplin.core.registry import Registry

        self.settings = settings
        self.pm = make_plugin_manager(
            plugins=DEFAULT_PLUGINS if plugins is None else plugins,
            entrypoints=settings.load_entrypoints if entrypoints is None else entrypoints,
            disabled=settings.disabled_plugins,
        )
        self.db = Database(settings.database_url, echo=settings.echo_sql)
        self.registry = Registry.load(self)
        self._tz_cache: dict[int, ZoneInfo] = {}
        from tremplin.core import rollup, writes

        event.listen(self.db.sessionmaker, "before_flush", writes.before_flush)
        event.listen(self.db.sessionmaker, "after_flush", rollup.after_flush)

    # -- registries -------------------------------------------------------------------------------

    @cached_property
    def compiled_counters(self) -> Any:
        from tremplin.core.counters import CompiledCounters

        return CompiledCounters.build(self.registry.counters.values(), self.registry.dimensions.values())

    @cached_property
    def fact_builders(self) -> dict[type, Any]:
        """Model -> fact builder of every record the roll-up counts (``tremplin.core.rollup``)."""
        from tremplin.core.rollup import fact_builders

        return fact_builders(self)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def plugin_names(self) -> list[str]:
        return [name for name, _ in self.pm.list_name_plugin()]

    # -- database ---------------------------------------------------------------------------------

    def session(self, **info: Any) -> Session:
        """A session whose writes keep the roll-up exact and whose notes are scrubbed."""
        return self.db.session(app=self, **info)

    @contextmanager
    def transaction(self, **info: Any) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on any error."""
        session = self.session(**info)
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def timezone_of(self, session: Session, centre_id: int) -> ZoneInfo:
        tz = self._tz_cache.get(centre_id)
        if tz is None:
            from tremplin.core.models import Centre

            with session.no_autoflush:
                centre = session.get(Centre, centre_id)
            tz = ZoneInfo(centre.timezone if centre and centre.timezone else self.settings.timezone)
            self._tz_cache[centre_id] = tz
        return tz

    # -- anonymity --------------------------------------------------------------------------------

    def scrub(self, text: str, today: date | None = None) -> Any:
        """Run the scrubber chain on ``text``; returns a ``ScrubResult``. ``today``: the day the text was
        written (a contact's day), which tells a birth date from an appointment; by default today."""
        from tremplin.core.anonymity import run_chain

        return run_chain(text, self.registry.scrubbers.values(), today=today)

    def close(self) -> None:
        self.db.dispose()


def create_app(
    settings: Settings | None = None,
    plugins: Iterable[str] | None = None,
    entrypoints: bool | None = None,
    **overrides: Any,
) -> App:
    settings = settings or Settings.from_env(**overrides)
    return App(settings, plugins=plugins, entrypoints=entrypoints)
