"""The bot's state in the database, through python-telegram-bot's persistence interface.

``DatabasePersistence`` keeps each person's ``user_data`` and ``chat_data`` (the language, the theme
chosen, the open thread) and every persistent ``ConversationHandler``'s states in ``bot_state``, so a
restarted bot (or another web worker) takes a conversation up where it was. Keys are Telegram ids: each
row is found by a keyed hash of its key and carries the key itself sealed (``tremplin.core.bot.sealing``),
never in clear. ``forget`` deletes every row of a chat; ``purge`` those untouched for the retention period.

A process alone with the bot (long polling) loads every row at start and writes changes every
``update_interval`` seconds. Processes sharing the bot (the web workers of ``serve --bot-webhook``) are
``shared``: they load nothing at start, read a chat's rows before each of its updates and write them
after it (``tremplin.core.bot.state.BotApplication``), so any worker takes the next message. Meanwhile
the worker holds the chat's **turn** (a ``turn`` row, ``take_turn``): the bot answers before its state is
written, and a person quick on a button must not have their next update read the old state elsewhere.
Either way a row is written only when its data changed since it was last read or written.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from telegram.ext import BasePersistence, PersistenceInput

from tremplin.core.bot.models import BotState
from tremplin.core.bot.sealing import seal_for

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

    from tremplin.core.app import App

#: Seconds between two writes of the changed state (python-telegram-bot writes on stop too).
UPDATE_INTERVAL = 2.0
#: Rows looked up in one statement when a batch of changes is written.
LOOKUP_CHUNK = 500
#: The kind of the row a process holds while it handles one of the chat's updates (shared state).
TURN = "turn"
#: Seconds after which a turn is free again whoever took it (a worker stopped in the middle of an update).
TURN_SECONDS = 30.0


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """``user_data``, ``chat_data`` and conversations in ``bot_state``; no bot or callback data."""

    def __init__(self, app: App, update_interval: float = UPDATE_INTERVAL, shared: bool = False) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False), update_interval=update_interval
        )
        self.app = app
        self.seal = seal_for(app.settings)
        #: Other processes write the rows too: nothing is loaded at start, each update reads its own.
        self.shared = shared
        # What the database holds, by hashed key, as last read or written (None: no row). A change equal
        # to it is not written: most updates leave user_data and chat_data as they were, and every one
        # of them would otherwise cost a statement. Kinds loaded whole at start are known for every key.
        self._known: dict[str, Any] = {}
        self._loaded_kinds: set[str] = set()
        # Changes waiting for the write in progress: python-telegram-bot hands them over one call per
        # chat, user and conversation, all at once every ``update_interval``; they are written together,
        # in one transaction, rather than one transaction (and, on SQLite, one sync to disk) each.
        self._pending: dict[str, tuple[str, Any, int, Any]] = {}
        self._batch: asyncio.Future[None] | None = None

    # -- rows ------------------------------------------------------------------------------------

    def _load(self, kind: str) -> list[tuple[Any, Any]]:
        with self.app.session() as session:
            rows = session.execute(select(BotState.sealed, BotState.data).where(BotState.kind == kind)).all()
        out = []
        for sealed, data in rows:
            try:
                key = self.seal.open(sealed)
            except Exception:  # sealed under another key: unreadable, hence useless
                continue
            self._known[self.hash(kind, key)] = copy.deepcopy(data)
            out.append((key, data))
        self._loaded_kinds.add(kind)
        return out

    def hash(self, kind: str, key: Any) -> str:
        """The row's key: a keyed hash of its kind and Telegram key (a conversation's key as a list)."""
        return self.seal.key([kind, key])

    def read(self, hashes: Sequence[str], turn_of: int | None = None) -> dict[str, Any] | None:
        """The data of the rows of these hashed keys, now (absent rows are left out).

        With ``turn_of`` (a chat id), first take the chat's turn, in the same transaction: ``None`` when
        another process holds it (read nothing: try again later); ``release_turn`` gives it back."""
        now = datetime.now(UTC)
        with self.app.transaction() as session:
            if turn_of is not None:
                turn = self.hash(TURN, turn_of)
                session.execute(
                    delete(BotState).where(
                        BotState.kind == TURN,
                        BotState.key == turn,
                        BotState.updated_at < now - timedelta(seconds=TURN_SECONDS),
                    )
                )
                try:
                    with session.begin_nested():
                        session.add(BotState(kind=TURN, key=turn, chat_key=self.seal.key(turn_of), data={}))
                except IntegrityError:  # another process handles one of the chat's updates
                    return None
            rows = session.execute(select(BotState.key, BotState.data).where(BotState.key.in_(hashes)))
            found = {key: data for key, data in rows}
        for key_hash in hashes:
            self._known[key_hash] = copy.deepcopy(found.get(key_hash))
        return found

    def release_turn(self, chat_id: int) -> None:
        with self.app.transaction() as session:
            session.execute(delete(BotState).where(BotState.kind == TURN, BotState.key == self.hash(TURN, chat_id)))

    def _store_many(self, changes: dict[str, tuple[str, Any, int, Any]]) -> None:
        """Write ``{hashed key: (kind, key, chat, data)}`` in one transaction: empty data deletes the row."""
        now = datetime.now(UTC)
        hashed = list(changes)
        with self.app.transaction() as session:
            rows: dict[tuple[str, str], BotState] = {}
            for start in range(0, len(hashed), LOOKUP_CHUNK):
                found = session.scalars(select(BotState).where(BotState.key.in_(hashed[start : start + LOOKUP_CHUNK])))
                rows.update(((row.kind, row.key), row) for row in found)
            for key_hash, (kind, key, chat, data) in changes.items():
                row = rows.get((kind, key_hash))
                if data in (None, {}):
                    if row is not None:
                        session.delete(row)
                    continue
                if row is None:
                    row = BotState(kind=kind, key=key_hash, chat_key=self.seal.key(chat), sealed=self.seal.seal(key))
                    session.add(row)
                row.data = data
                row.updated_at = now
        for key_hash, (_kind, _key, _chat, data) in changes.items():
            self._known[key_hash] = None if data in (None, {}) else data

    def _unchanged(self, kind: str, key_hash: str, data: Any) -> bool:
        missing = None if kind in self._loaded_kinds else self  # ``self``: not known
        known = self._known.get(key_hash, missing)
        if known is self:
            return False
        return (None if known in (None, {}) else known) == (None if data in (None, {}) else data)

    async def _queue(self, kind: str, key: Any, chat: int, data: Any) -> None:
        """Add a change to the next batch and wait until the batch is written (its error, if any, is ours)."""
        key_hash = self.hash(kind, key)
        if key_hash not in self._pending and self._unchanged(kind, key_hash, data):
            return
        self._pending[key_hash] = (kind, key, chat, data)
        if self._batch is None:
            self._batch = asyncio.ensure_future(self._write_batch())
        await asyncio.shield(self._batch)

    async def _write_batch(self) -> None:
        await asyncio.sleep(0)  # the other changes handed over at the same moment join the batch
        changes, self._pending, self._batch = self._pending, {}, None
        await asyncio.to_thread(self._store_many, changes)

    def _drop(self, kind: str, key: Any) -> None:
        key_hash = self.hash(kind, key)
        with self.app.transaction() as session:
            session.execute(delete(BotState).where(BotState.kind == kind, BotState.key == key_hash))
        self._known[key_hash] = None

    # -- BasePersistence -------------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        if self.shared:
            return {}
        return {int(k): dict(v) for k, v in await asyncio.to_thread(self._load, "user")}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        if self.shared:
            return {}
        return {int(k): dict(v) for k, v in await asyncio.to_thread(self._load, "chat")}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        if self.shared:
            return {}
        rows = await asyncio.to_thread(self._load, f"conversation:{name}")
        return {tuple(k): v.get("state") for k, v in rows}

    async def update_conversation(self, name: str, key: tuple[int | str, ...], new_state: object | None) -> None:
        data = None if new_state is None else {"state": new_state}
        await self._queue(f"conversation:{name}", list(key), int(key[0]), data)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self._queue("user", user_id, user_id, dict(data))

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        await self._queue("chat", chat_id, chat_id, dict(data))

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await asyncio.to_thread(self._drop, "chat", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        await asyncio.to_thread(self._drop, "user", user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None


def forget(app: App, session: Session, chat_id: int) -> int:
    """Delete every state row of the chat; returns how many."""
    key = seal_for(app.settings).key(chat_id)
    result = cast("CursorResult[Any]", session.execute(delete(BotState).where(BotState.chat_key == key)))
    return int(result.rowcount or 0)


def purge(app: App, session: Session, older_than_days: int, kinds: Iterable[str] | None = None) -> int:
    """Delete state rows nobody touched for ``older_than_days``; returns how many."""
    cut_off = datetime.now(UTC) - timedelta(days=older_than_days)
    stmt = delete(BotState).where(BotState.updated_at < cut_off)
    if kinds is not None:
        stmt = stmt.where(BotState.kind.in_(list(kinds)))
    return int(cast("CursorResult[Any]", session.execute(stmt)).rowcount or 0)
