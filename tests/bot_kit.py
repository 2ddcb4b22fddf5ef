"""Running the real bot against the test Bot API server (``tests.bot_api``), in a thread of its own.

``RunningBot(app, fake)`` is python-telegram-bot's ``Application`` as ``tremplin bot`` builds it, long
polling the fake server from its own event loop, so that tests talk to it with plain blocking calls.
``Person`` is one Telegram user: ``say`` sends a text and returns the bot's replies to them.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from tests.bot_api import TOKEN, FakeBotAPI, telegram_user
from tremplin.core.app import App


class RunningBot:
    """``with RunningBot(app, fake) as bot:`` the bot polls ``fake`` until the block ends."""

    def __init__(self, app: App, fake: FakeBotAPI, delivery_interval: float | None = 0.1, **options: Any) -> None:
        self.app, self.fake, self.delivery_interval, self.options = app, fake, delivery_interval, options
        self.application: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    async def _main(self) -> None:
        from tremplin.core.bot.app import ALLOWED_UPDATES, build_application

        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.application = build_application(
                self.app, TOKEN, base_url=self.fake.base_url, delivery_interval=self.delivery_interval, **self.options
            )
            await self.application.initialize()
            await self.application.start()
            # What run_polling() does around start and stop: the delivery of counsellors' answers.
            if self.application.post_init is not None:
                await self.application.post_init(self.application)
            await self.application.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        except BaseException as exc:
            self.error = exc
            self._ready.set()
            raise
        self._ready.set()
        await self._stop.wait()
        await self.application.updater.stop()
        await self.application.stop()
        if self.application.post_stop is not None:
            await self.application.post_stop(self.application)
        await self.application.shutdown()

    def __enter__(self) -> RunningBot:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("the bot did not start")
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def call(self, coro: Any, timeout: float = 10) -> Any:
        """Run a coroutine on the bot's loop (``deliver_once``...) and wait for its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


class Person:
    """One person writing to the bot from their Telegram app."""

    def __init__(self, fake: FakeBotAPI, user_id: int, language_code: str = "uk", **names: str) -> None:
        self.fake = fake
        self.user = telegram_user(user_id, language_code, **names)
        self.id = user_id
        #: How many of the bot's messages to this person the test has seen (replies, then answers).
        self.seen = 0

    def _wait(self, before: int, replies: int, settle: float = 0.15) -> list[dict[str, Any]]:
        got = self.fake.wait_sent(self.id, replies, before, settle=settle)
        self.seen = len(self.fake.wait_sent(self.id, 0, 0, settle=0))
        return got

    def say(self, text: str, replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.fake.sent)
        self.fake.send_text(text, self.user)
        return self._wait(before, replies)

    def say1(self, text: str) -> dict[str, Any]:
        [message] = self.say(text)
        return message

    def send(self, kind: str, replies: int = 1, **kwargs: Any) -> list[dict[str, Any]]:
        """Send something else: ``photo``, ``voice``, ``sticker``, ``document``, ``contact``, ``edit``, ``press``."""
        before = len(self.fake.sent)
        getattr(self.fake, kind if kind in ("edit", "press") else f"send_{kind}")(self.user, **kwargs)
        return self._wait(before, replies)

    def next_messages(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait for the next ``count`` messages the bot sends on its own (a counsellor's answer), after
        those the test has seen."""
        mine = self.fake.wait_sent(self.id, self.seen + count, 0, timeout=timeout)
        got = mine[self.seen :]
        self.seen = len(mine)
        return got


def labels(message: dict[str, Any]) -> list[str]:
    """The buttons of a message: a reply keyboard's texts or an inline keyboard's."""
    markup = message.get("reply_markup") or {}
    rows = markup.get("keyboard") or markup.get("inline_keyboard") or []
    return [button if isinstance(button, str) else button["text"] for row in rows for button in row]
