"""What the bot knows of a chat, and how it forgets it: ``/forget`` and the retention flow.

A returning person is recognised by the keyed hash of their chat (``BotChat``), never by the id. ``/forget``
deletes every row tied to the chat: state, visits, subscriptions, the text of its threads and their sealed
chat id, its flood count (a thread's bare figures, theme and language, stay: they no longer lead to the
chat). The
retention flow (``purge_expired``) deletes state and visits untouched for ``settings.bot_retention_days``
and the text of threads past their retention.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select

from tremplin.core.bot.models import BotChat, BotSubscription
from tremplin.core.bot.sealing import seal_for

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

    from tremplin.core.app import App

log = logging.getLogger("tremplin.bot")


def note_visits(app: App, visits: Mapping[str, int]) -> None:
    """Count conversations of many chats at once: ``{chat's keyed hash: conversations}``, one transaction."""
    from zoneinfo import ZoneInfo

    now = datetime.now(UTC)
    # The day as the centre counts days (a chat first seen at 00:30 in Brussels is seen that day, not the last).
    today = now.astimezone(ZoneInfo(app.settings.timezone)).date()
    keys = list(visits)
    with app.transaction() as session:
        rows = {row.chat_key: row for row in session.scalars(select(BotChat).where(BotChat.chat_key.in_(keys)))}
        for key, count in visits.items():
            row = rows.get(key)
            if row is None:
                session.add(BotChat(chat_key=key, first_seen_on=today, last_seen_at=now, conversations=count))
            else:
                row.conversations += count
                row.last_seen_at = now


class Visits:
    """The conversations the bot starts, counted in batches: every ``delay`` seconds at most one transaction
    for all the chats that started one, rather than one transaction before each greeting."""

    def __init__(self, app: App, delay: float = 0.25) -> None:
        self.app, self.delay = app, delay
        self.seal = seal_for(app.settings)
        self._pending: dict[str, int] = {}
        self._timer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def note(self, chat_id: int) -> None:
        """Count a conversation of the chat (written within ``delay`` seconds)."""
        key = self.seal.key(chat_id)
        self._pending[key] = self._pending.get(key, 0) + 1
        if self._timer is None:
            self._timer = asyncio.get_running_loop().create_task(self._write_later())

    async def _write_later(self) -> None:
        await asyncio.sleep(self.delay)
        self._timer = None
        try:
            await self.flush()
        except Exception as exc:  # a count lost is not worth stopping the bot for; the log says so
            log.error("could not count the bot's conversations: %r", exc)

    async def flush(self) -> None:
        """Write what is pending now, after any write in progress (``/forget`` calls it first: no count of
        the chat is written after it is forgotten)."""
        from tremplin.core.bot.handlers import in_thread

        async with self._lock:
            pending, self._pending = self._pending, {}
            if pending:
                await in_thread(note_visits, self.app, pending)


def forget_chat(app: App, chat_id: int) -> int:
    """Delete everything tied to the chat; returns how many rows went."""
    from tremplin.core.bot import persistence, threads
    from tremplin.core.bot.limits import forget_floods

    key = seal_for(app.settings).key(chat_id)
    with app.transaction() as session:
        count = persistence.forget(app, session, chat_id)
        for table in (BotChat, BotSubscription):
            result = cast("CursorResult[Any]", session.execute(delete(table).where(table.chat_key == key)))
            count += int(result.rowcount or 0)
        count += threads.forget_chat(app, session, chat_id)
        count += forget_floods(session, key)
    return count


def purge(app: App, session: Session, today: date) -> dict[str, int]:
    """The retention flow's share for the bot: what nobody touched for the retention period."""
    from tremplin.core.bot import persistence, threads
    from tremplin.core.bot.limits import purge_floods

    days = app.settings.bot_retention_days
    cut_off = datetime.combine(today - timedelta(days=days), datetime.min.time(), UTC)
    counts = threads.purge_threads(app, session, today)
    counts["bot.state"] = persistence.purge(app, session, days)
    result = cast("CursorResult[Any]", session.execute(delete(BotChat).where(BotChat.last_seen_at < cut_off)))
    counts["bot.chats"] = int(result.rowcount or 0)
    counts["bot.floods"] = purge_floods(session)
    return counts
