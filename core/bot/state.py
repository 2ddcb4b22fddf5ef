"""Each update with its chat's current state, whichever process handles it.

python-telegram-bot reads the persistence once, when the application starts, and keeps ``user_data``,
``chat_data`` and every ``ConversationHandler``'s states in memory. That is right for one poller. Behind
``tremplin serve --bot-webhook`` several web workers receive the updates of one conversation in turn:
each worker's memory is then out of date as soon as another answered. ``BotApplication`` with
``shared_state`` reads the chat's rows (one transaction) before each update and writes what changed
(one transaction) right after it, so the next message finds the state wherever it lands. In between it
holds the chat's turn (``DatabasePersistence.read``): the bot answers before its state is written, and
the person's next update, on another worker, waits for the turn rather than reading the old state.

``change_user_data`` changes a person's data outside any update of theirs (a counsellor's answer
delivered, the question asked after a thread closes), in turn with the chat's updates and, when the
state is shared, on the database's current data.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, cast

from telegram import Update
from telegram.ext import Application, ConversationHandler

from tremplin.core.bot.ordering import PerChatUpdates

if TYPE_CHECKING:
    from tremplin.core.bot.persistence import DatabasePersistence

#: Seconds between two looks at a chat's turn held by another process.
TURN_POLL = 0.02


class BotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """python-telegram-bot's ``Application``; with ``shared_state``, each update reads and writes its chat's
    state in the database (``tremplin.core.bot.persistence.DatabasePersistence`` with ``shared``)."""

    __slots__ = ("shared_state",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shared_state = False

    async def process_update(self, update: object) -> None:
        if not (self.shared_state and self.persistence is not None and isinstance(update, Update)):
            await super().process_update(update)
            return
        chat, user = update.effective_chat, update.effective_user
        async with self.chat_state(user.id if user else None, chat.id if chat else None, update):
            await super().process_update(update)

    @contextlib.asynccontextmanager
    async def chat_state(
        self, user_id: int | None, chat_id: int | None, update: Update | None = None
    ) -> AsyncIterator[None]:
        """Take the chat's turn and its current state; write what changed and give the turn back after."""
        from tremplin.core.bot.handlers import in_thread

        persistence = cast("DatabasePersistence", self.persistence)
        held = await self.load_state(user_id, chat_id, update)
        try:
            yield
        finally:
            # Written before the next update of the chat can reach another worker.
            await self.update_persistence()
            if held is not None:
                await in_thread(persistence.release_turn, held)

    def persistent_conversations(self) -> list[ConversationHandler[Any]]:
        return [
            handler
            for group in self.handlers.values()
            for handler in group
            if isinstance(handler, ConversationHandler) and handler.persistent and handler.name
        ]

    async def load_state(self, user_id: int | None, chat_id: int | None, update: Update | None = None) -> int | None:
        """Replace what the process holds of this user, chat and conversations with the database's rows,
        once the chat's turn is taken; returns the chat whose turn it holds (``None``: none)."""
        from tremplin.core.bot.handlers import in_thread

        persistence = cast("DatabasePersistence", self.persistence)
        wanted: dict[str, tuple[str, Any, Any]] = {}
        if user_id is not None:
            wanted[persistence.hash("user", user_id)] = ("user", user_id, None)
        if chat_id is not None:
            wanted[persistence.hash("chat", chat_id)] = ("chat", chat_id, None)
        for handler in self.persistent_conversations():
            if update is None:
                break
            try:
                key = handler._get_key(update)  # noqa: SLF001  (the key python-telegram-bot files the state under)
            except RuntimeError:  # an update this conversation cannot be about
                continue
            wanted[persistence.hash(f"conversation:{handler.name}", list(key))] = ("conversation", key, handler)
        if not wanted:
            return None
        turn = chat_id if chat_id is not None else user_id
        # Until the turn is free: the holder gives it back when its update is handled, or it frees itself
        # after ``TURN_SECONDS`` (a worker that stopped). A thousand people at once keep a turn as long as
        # the bot takes to answer, seconds under load.
        while (found := await in_thread(persistence.read, list(wanted), turn)) is None:
            await asyncio.sleep(TURN_POLL)
        for key_hash, (kind, key, handler) in wanted.items():
            data = found.get(key_hash)
            if kind == "conversation":
                # Set without marking the state as changed: it is the database's already.
                states = handler._conversations  # noqa: SLF001
                state = (data or {}).get("state")
                if state is None:
                    states.data.pop(key, None)
                else:
                    states.update_no_track({key: state})
                continue
            held = self.user_data[key] if kind == "user" else self.chat_data[key]
            held.clear()
            held.update(data or {})
        return turn


def chat_turn(
    application: Application[Any, Any, Any, Any, Any, Any], chat_id: int
) -> contextlib.AbstractAsyncContextManager[None]:
    """Wait for the chat's update being handled in this process, and hold off its next ones meanwhile."""
    processor = application.update_processor
    if isinstance(processor, PerChatUpdates):
        return processor.chat(chat_id)
    return contextlib.nullcontext()


async def change_user_data(
    application: Application[Any, Any, Any, Any, Any, Any], user_id: int, change: Callable[[dict[Any, Any]], bool]
) -> None:
    """Apply ``change`` to the person's ``user_data`` (it returns whether it changed anything) and have it
    kept: at once when the state is shared, else with the next write of the persistence."""
    shared = isinstance(application, BotApplication) and application.shared_state and application.persistence
    async with chat_turn(application, user_id):
        state: contextlib.AbstractAsyncContextManager[None] = contextlib.nullcontext()
        if shared:
            state = cast("BotApplication", application).chat_state(user_id, user_id)
        async with state:
            if change(application.user_data[user_id]):
                application.mark_data_for_update_persistence(user_ids=user_id)
