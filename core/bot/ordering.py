"""Each chat's updates in the order they came, different chats at once.

python-telegram-bot handles updates concurrently when asked to, which the bot needs (a thousand people
write at once, and each update waits on the database and on Telegram). But a conversation's state is
set when its handler returns, after its answer is sent: a person who answers at once (a button pressed
as soon as it shows) could have their next message handled in the old state. ``PerChatUpdates`` runs a
chat's updates one after the other and everything else concurrently, up to ``max_concurrent_updates``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import BaseUpdateProcessor


class PerChatUpdates(BaseUpdateProcessor):
    """Concurrent updates, in order within each chat."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        #: chat id -> (its lock, how many of its updates hold or wait for it)
        self._chats: dict[int, tuple[asyncio.Lock, list[int]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = getattr(update, "effective_chat", None)
        if chat is None:
            await coroutine
            return
        async with self.chat(chat.id):
            await coroutine

    @asynccontextmanager
    async def chat(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's turn: its updates wait meanwhile (a counsellor's answer changes its state too)."""
        lock, users = self._chats.setdefault(chat_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:  # nobody waits: the chat's lock goes, so the table stays small
                del self._chats[chat_id]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
