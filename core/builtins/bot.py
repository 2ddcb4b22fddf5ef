"""Built-in plugin: the bot's share of the retention flow (state, visits, threads' text past retention), and
the figure of threads opened with a counsellor."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from tremplin.core import hookimpl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.counters import Counter, FactSource


@hookimpl
def purge_expired(app: App, session: Session, today: date) -> dict[str, int]:
    from tremplin.core.bot.privacy import purge

    return purge(app, session, today)


@hookimpl
def register_fact_sources(app: App) -> list[FactSource]:
    """Threads with a counsellor, counted the moment they open (``tremplin.core.bot.threads``)."""
    from tremplin.core.bot.threads import thread_source

    return [thread_source()]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    """The threads opened in every audience's chat (``bot.threads_opened``), by language and theme."""
    from tremplin.core.bot.threads import threads_opened_counters

    return threads_opened_counters(app)
