"""Built-in plugin: the bot's share of the retention flow (state, visits, threads' text past retention)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from tremplin.core import hookimpl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App


@hookimpl
def purge_expired(app: App, session: Session, today: date) -> dict[str, int]:
    from tremplin.core.bot.privacy import purge

    return purge(app, session, today)
