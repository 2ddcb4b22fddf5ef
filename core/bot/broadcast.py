"""Messages the bot sends on its own to the chats that subscribed (``BotSubscription``): a weekly challenge.

``subscribe``/``unsubscribe``/``is_subscribed`` keep the subscription under the chat's keyed hash, its id
sealed. ``broadcast`` sends one period's message (``2026-W49``) to every subscriber not yet sent it,
spaced to stay under Telegram's limit of about 30 messages a second: a 429 waits what Telegram asks, a
blocked bot or a deleted chat ends the subscription, anything else is left for the next run. Each chat
is marked as soon as its message is sent, so a run repeated after a crash sends nobody twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select, update

from tremplin.core.bot.models import BotSubscription
from tremplin.core.bot.sealing import seal_for

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from tremplin.core.app import App

log = logging.getLogger("tremplin.bot")

#: Messages a second a broadcast sends at most (Telegram allows about 30).
BROADCAST_PER_SECOND = 25.0


def subscribe(app: App, topic: str, chat_id: int, language: str) -> bool:
    """Subscribe the chat; returns whether it was not subscribed yet."""
    seal = seal_for(app.settings)
    key = seal.key(chat_id)
    with app.transaction() as session:
        row = session.scalar(
            select(BotSubscription).where(BotSubscription.topic == topic, BotSubscription.chat_key == key)
        )
        if row is not None:
            row.language = language
            return False
        session.add(
            BotSubscription(
                topic=topic,
                chat_key=key,
                sealed_chat=seal.seal(chat_id),
                language=language,
                subscribed_at=datetime.now(UTC),
            )
        )
        return True


def unsubscribe(app: App, topic: str, chat_id: int) -> bool:
    key = seal_for(app.settings).key(chat_id)
    with app.transaction() as session:
        return bool(
            cast(
                "CursorResult[Any]",
                session.execute(
                    delete(BotSubscription).where(BotSubscription.topic == topic, BotSubscription.chat_key == key)
                ),
            ).rowcount
        )


def is_subscribed(app: App, topic: str, chat_id: int) -> bool:
    key = seal_for(app.settings).key(chat_id)
    with app.session() as session:
        return (
            session.scalar(
                select(BotSubscription.id).where(BotSubscription.topic == topic, BotSubscription.chat_key == key)
            )
            is not None
        )


def subscribers(app: App, topic: str) -> int:
    from sqlalchemy import func

    with app.session() as session:
        return int(
            session.scalar(select(func.count()).select_from(BotSubscription).where(BotSubscription.topic == topic)) or 0
        )


async def broadcast(
    app: App,
    bot: Any,
    topic: str,
    period: str,
    text_for: Callable[[str], str],
    per_second: float = BROADCAST_PER_SECOND,
) -> dict[str, int]:
    """Send ``text_for(language)`` to every subscriber of ``topic`` not yet sent ``period``.

    ``bot`` is a python-telegram-bot ``Bot`` (``ExtBot`` with a ``RetryingLimiter``: it retries 429s);
    returns how many were ``sent``, ``ended`` (blocked, deleted) and ``failed`` (left for the next run)."""
    import asyncio

    from telegram.error import BadRequest, Forbidden

    from tremplin.core.bot.handlers import in_thread

    seal = seal_for(app.settings)

    def due() -> list[tuple[int, str, str]]:
        with app.session() as session:
            return [
                (row.id, row.sealed_chat, row.language)
                for row in session.scalars(
                    select(BotSubscription)
                    .where(BotSubscription.topic == topic, BotSubscription.last_sent != period)
                    .order_by(BotSubscription.id)
                )
            ]

    def mark(ids: list[int]) -> None:
        with app.transaction() as session:
            session.execute(update(BotSubscription).where(BotSubscription.id.in_(ids)).values(last_sent=period))

    def end(subscription_id: int) -> None:
        with app.transaction() as session:
            session.execute(delete(BotSubscription).where(BotSubscription.id == subscription_id))

    counts = {"sent": 0, "ended": 0, "failed": 0}
    failures: Counter[str] = Counter()
    gap = 1.0 / per_second if per_second else 0.0
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    for subscription_id, sealed, language in await in_thread(due):
        wait = next_at - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        next_at = max(next_at, loop.time()) + gap
        try:
            await bot.send_message(int(seal.open(sealed)), text_for(language))
        except (Forbidden, BadRequest):
            await in_thread(end, subscription_id)
            counts["ended"] += 1
            continue
        except Exception as exc:
            failures[type(exc).__name__] += 1
            counts["failed"] += 1
            continue
        await in_thread(mark, [subscription_id])
        counts["sent"] += 1
    if failures:
        # By kind only, never with a chat. InvalidToken: chats sealed under another key (the secret key
        # changed, or the sender reads another key than the bot that sealed them).
        kinds = ", ".join(f"{kind} x{n}" for kind, n in failures.most_common())
        log.warning("%s %s: %d message(s) left for the next run (%s)", topic, period, counts["failed"], kinds)
    return counts
