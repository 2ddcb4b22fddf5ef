"""Limits both ways: a person sending too much is slowed down; the bot's own calls retry Telegram's errors.

``ChatRateLimit`` counts each chat's messages over the last minute in the process: enough where one
process answers every chat (``tremplin bot``: Telegram hands updates to one poller only).
``SharedChatRateLimit`` keeps the count in the database (``bot_floods``, by the chat's keyed hash),
so that the web workers of ``tremplin serve --bot-webhook``, which share a bot's updates, hold one
limit between them; each worker keeps its own count in front of it, so that a flood past the limit
costs the database one statement a minute per worker, not one per message. ``RetryingLimiter`` is
python-telegram-bot's rate-limiter hook around every Bot API call: a 429 waits the ``retry_after``
Telegram asks for, a time-out or a network error is tried again after a short pause (a message only
when it surely did not arrive), and, when ``per_second`` is set (broadcasts), calls are spaced to stay
under Telegram's limit of about 30 messages a second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import text
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

log = logging.getLogger("tremplin.bot")


class ChatRateLimit:
    """At most ``per_minute`` messages per chat in any minute; the first refused one is told so."""

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.per_minute, self.window = per_minute, window
        self._seen: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}

    def allow(self, chat_id: int, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        seen = self._seen.setdefault(chat_id, deque())
        while seen and seen[0] <= moment - self.window:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return False
        seen.append(moment)
        self._told.pop(chat_id, None)
        if len(self._seen) > 50_000:  # forget idle chats rather than grow without end
            for key in [k for k, v in self._seen.items() if not v or v[-1] <= moment - self.window][:25_000]:
                self._seen.pop(key, None)
        return True

    def check(self, chat_id: int, now: float | None = None) -> tuple[bool, bool]:
        """``(allowed, tell)``: whether the message goes on, and whether to tell the chat to slow down."""
        if self.allow(chat_id, now):
            return True, False
        return False, self.first_refusal(chat_id, now)

    def first_refusal(self, chat_id: int, now: float | None = None) -> bool:
        """Whether this refusal is the first since the chat was last allowed (tell once, not each time)."""
        moment = time.monotonic() if now is None else now
        if chat_id in self._told:
            return False
        self._told[chat_id] = moment
        return True


class SharedChatRateLimit:
    """At most ``per_minute`` messages per chat in each minute, counted in the database by every process.

    The count is per calendar minute (one row per chat, reset when the minute changes): a statement per
    message, with the chat known only by its keyed hash. ``check`` runs that statement; call it in a
    worker thread."""

    def __init__(self, app: Any, per_minute: int) -> None:
        from tremplin.core.bot.sealing import seal_for

        self.app, self.per_minute = app, per_minute
        self.seal = seal_for(app.settings)
        # This process's own count first: what it refuses, the shared count refuses too.
        self.local = ChatRateLimit(per_minute)

    def check(self, chat_id: int, now: float | None = None) -> tuple[bool, bool]:
        """``(allowed, tell)``: whether the message goes on, and whether to tell the chat to slow down (the
        first refusal of the minute, whichever process refuses it)."""
        moment = time.time() if now is None else now
        if not self.local.allow(chat_id, moment):
            if not self.local.first_refusal(chat_id, moment):
                return False, False
        return self._count(self.seal.key(chat_id), int(moment // 60))

    def _count(self, key: str, minute: int) -> tuple[bool, bool]:
        from sqlalchemy import update

        from tremplin.core.bot.models import BotFlood

        with self.app.db.engine.begin() as conn:
            count = int(conn.execute(_COUNT, {"key": key, "minute": minute, "no": False}).scalar_one())
            if count <= self.per_minute:
                return True, False
            # One process only wins the right to tell: a conditional UPDATE.
            told = conn.execute(
                update(BotFlood)
                .where(BotFlood.chat_key == key, BotFlood.minute == minute, BotFlood.told.is_(False))
                .values(told=True)
            ).rowcount
        return False, told == 1


#: The chat's count in this minute, one more: the same SQL on SQLite and PostgreSQL (``ON CONFLICT ... DO
#: UPDATE ... RETURNING``). Written as text because SQLAlchemy cannot cache its ``on_conflict_do_update``
#: constructs, and compiling the statement anew cost more than running it, once per message of every chat.
#: In ``DO UPDATE`` every ``bot_floods.*`` is the row's value before the update, whatever the order.
_COUNT = text(
    "INSERT INTO bot_floods (chat_key, minute, count, told) VALUES (:key, :minute, 1, :no) "
    "ON CONFLICT (chat_key) DO UPDATE SET "
    "count = CASE WHEN bot_floods.minute = :minute THEN bot_floods.count + 1 ELSE 1 END, "
    "told = CASE WHEN bot_floods.minute = :minute THEN bot_floods.told ELSE :no END, "
    "minute = :minute "
    "RETURNING count"
)


def forget_floods(session: Any, chat_key: str) -> int:
    """Delete the chat's shared count (``/forget``)."""
    from sqlalchemy import delete

    from tremplin.core.bot.models import BotFlood

    return int(session.execute(delete(BotFlood).where(BotFlood.chat_key == chat_key)).rowcount or 0)


def purge_floods(session: Any, now: float | None = None) -> int:
    """Delete the counts of minutes past: a flood is a burst, nothing to keep (the retention flow)."""
    from sqlalchemy import delete

    from tremplin.core.bot.models import BotFlood

    minute = int((time.time() if now is None else now) // 60)
    return int(session.execute(delete(BotFlood).where(BotFlood.minute < minute - 1)).rowcount or 0)


def safe_to_retry(endpoint: str, exc: Exception) -> bool:
    """Whether a failed call may be sent again without risking a message sent twice: any call that only
    reads or edits, and a message that surely did not reach Telegram (no free connection, no connection,
    or an error status such as 502 in answer). A message whose answer was lost on the way back (a read
    time-out, a dropped connection) may have been sent: sending it again could show it twice."""
    import httpx

    if not endpoint.startswith(("send", "copyMessage", "forwardMessage")):
        return True
    cause = exc.__cause__
    if cause is None:  # Telegram answered with an error status
        return True
    return isinstance(cause, (httpx.PoolTimeout, httpx.ConnectTimeout, httpx.ConnectError))


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (an int or a timedelta, depending on the library's version)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)


class RetryingLimiter(BaseRateLimiter[int]):
    """Retries what Telegram asks to retry; spaces calls to ``per_second`` when set; at most
    ``max_in_flight`` calls at once when set (``getUpdates`` aside: it has its own connection).

    Calls beyond ``max_in_flight`` wait their turn here, in an asyncio semaphore, rather than in the HTTP
    connection pool: httpcore's pool looks through every waiting request each time one is sent or done,
    which with hundreds waiting (a thousand people at once) cost more CPU than the requests themselves."""

    def __init__(
        self,
        attempts: int = 4,
        per_second: float | None = None,
        max_wait: float = 60.0,
        max_in_flight: int | None = None,
    ) -> None:
        self.attempts, self.per_second, self.max_wait = attempts, per_second, max_wait
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(max_in_flight) if max_in_flight else None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _space(self) -> None:
        if not self.per_second:
            return
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + 1.0 / self.per_second
        if wait > 0:
            await asyncio.sleep(wait)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        for attempt in range(1, self.attempts + 1):
            await self._space()
            try:
                if self._in_flight is None or endpoint == "getUpdates":
                    return await callback(*args, **kwargs)
                async with self._in_flight:
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                delay = retry_seconds(exc)
                if attempt == self.attempts or delay > self.max_wait:
                    raise
                log.warning("Telegram asks to wait %.1f s before %s (attempt %d)", delay, endpoint, attempt)
                await asyncio.sleep(delay)
            except BadRequest:  # a NetworkError in python-telegram-bot, but trying again changes nothing
                raise
            except (TimedOut, NetworkError) as exc:
                if attempt == self.attempts or endpoint == "getUpdates" or not safe_to_retry(endpoint, exc):
                    raise
                log.warning("%s failed (%r), trying again (attempt %d)", endpoint, exc, attempt)
                await asyncio.sleep(0.2 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover
