"""What the bot knows of a chat, and how it forgets it: ``/forget`` and the retention flow.

A returning person is recognised by the keyed hash of their chat (``BotChat``), never by the id. ``/forget``
deletes every row tied to the chat: state, visits, subscriptions, the text of its threads and their sealed
chat id, its flood count (a thread's bare figures, theme and language, stay: they no longer lead to the
chat). The
retention flow (``purge_expired``) deletes state and visits untouched for ``settings.bot_retention_days``
and the text of threads past their retention.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select

from tremplin.core.bot.models import BotChat, BotSubscription
from tremplin.core.bot.sealing import seal_for

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

    from tremplin.core.app import App


def note_visit(app: App, chat_id: int) -> bool:
    """Count a conversation of the chat; returns whether the person came before (a returning person)."""
    key = seal_for(app.settings).key(chat_id)
    now = datetime.now(UTC)
    with app.transaction() as session:
        row = session.scalar(select(BotChat).where(BotChat.chat_key == key))
        if row is None:
            session.add(BotChat(chat_key=key, first_seen_on=now.date(), last_seen_at=now, conversations=1))
            return False
        row.conversations += 1
        row.last_seen_at = now
        return True


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
