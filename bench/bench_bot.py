"""Benchmark: Telegram updates handled per second end to end, with 1,000 people talking at once.

Run by hand (it is not part of the test suite)::

    .venv/bin/python bench/bench_bot.py                 # 1,000 chats, 4 updates each, SQLite
    .venv/bin/python bench/bench_bot.py --chats 200     # a quicker look
    TREMPLIN_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_bot.py

What it does, in one run:

1. starts the test Bot API server (``tests.bot_api``: uvicorn on 127.0.0.1, ``getUpdates`` by long
   polling, ``sendMessage`` recorded) and a migrated database with one centre;
2. runs the real bot (``tremplin.core.bot.app.build_application``: every handler, the guard, the state
   in the database, the delivery task) polling it, while ``--chats`` people each go through a
   conversation of the Ukrainian plugin in their own language: ``/start``, a theme, a question (the
   bot logs an anonymous contact and answers twice), "No, thank you". Each person sends their next
   message as soon as the bot has answered the previous one, as a person would; all start at once;
3. the floor, same server, same people, same run: a bare python-telegram-bot application whose only
   handler answers every message with one ``sendMessage`` and does nothing else;
4. prints updates/s, p50 and p99 latency (from the moment an update is available to ``getUpdates``
   to the bot's last reply to it) for both, and the ratio; checks that every person got every answer
   and that the database holds one contact per person.

The target: at least 300 updates/s with p99 under 200 ms. Exit status 1 when it is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bot_api import TOKEN, FakeBotAPI, telegram_user  # noqa: E402

#: Each step: what the person sends (by language) and how many messages the bot answers with.
SCRIPT: dict[str, list[tuple[str, int]]] = {
    "uk": [("/start", 1), ("Мовні курси", 1), ("Де вчити нідерландську?", 2), ("Ні, дякую", 1)],
    "fr": [("/start", 1), ("Cours de langue", 1), ("Où apprendre le néerlandais ?", 2), ("Non, merci", 1)],
    "nl": [("/start", 1), ("Taallessen", 1), ("Waar leer ik Nederlands?", 2), ("Nee, bedankt", 1)],
    "en": [("/start", 1), ("Language courses", 1), ("Where can I learn Dutch?", 2), ("No, thank you", 1)],
}
LANGUAGES = ("uk", "fr", "nl", "en")


class Driver(FakeBotAPI):
    """The Bot API server that also plays the people: each reply may trigger the person's next message."""

    def __init__(self, chats: int, first_id: int, script: dict[str, list[tuple[str, int]]]) -> None:
        super().__init__()
        self.script = script
        self.people = {first_id + n: telegram_user(first_id + n, LANGUAGES[n % 4]) for n in range(chats)}
        self.step = {chat: 0 for chat in self.people}
        self.got = {chat: 0 for chat in self.people}
        self.queued_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.done = threading.Event()
        self.finished = 0
        self.first_queued = 0.0
        self.last_reply = 0.0
        #: Messages the bot sent after a person's conversation was over (there should be none).
        self.extra: list[str] = []

    def begin(self) -> None:
        self.first_queued = time.perf_counter()
        for chat in self.people:
            self._next(chat)

    def _next(self, chat: int) -> None:
        user = self.people[chat]
        text, _ = self.script[user["language_code"]][self.step[chat]]
        self.queued_at[chat] = time.perf_counter()
        self.send_text(text, user)

    def _record(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        result = super()._record(method, params)
        chat = int(params["chat_id"])
        if chat in self.people:
            with self._lock:
                step = self.step[chat]
                if step >= len(self.script[self.people[chat]["language_code"]]):
                    self.extra.append(params["text"])
                    return result
                self.got[chat] += 1
                expected = self.script[self.people[chat]["language_code"]][step][1]
                complete = self.got[chat] == expected
                if complete:
                    now = time.perf_counter()
                    self.latencies.append(now - self.queued_at[chat])
                    self.last_reply = now
                    self.got[chat] = 0
                    self.step[chat] = step + 1
                    last = self.step[chat] == len(self.script[self.people[chat]["language_code"]])
            if complete:
                if last:
                    self.finished += 1
                    if self.finished == len(self.people):
                        self.done.set()
                else:
                    self._next(chat)
        return result


def run_bot(app: Any, driver: Driver, build: Any, timeout: float) -> dict[str, float]:
    """Start ``build()``'s application polling ``driver``, let every person finish, stop it."""
    ready = threading.Event()
    stop: dict[str, Any] = {}

    async def main() -> None:
        application = build()
        await application.initialize()
        await application.start()
        if application.post_init is not None:
            await application.post_init(application)
        await application.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=["message"])
        stop["event"] = asyncio.Event()
        stop["loop"] = asyncio.get_running_loop()
        ready.set()
        await stop["event"].wait()
        await application.updater.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    if not ready.wait(30):
        raise SystemExit("the bot did not start")
    driver.begin()
    finished = driver.done.wait(timeout)
    stop["loop"].call_soon_threadsafe(stop["event"].set)
    thread.join(timeout=60)
    if not finished:
        raise SystemExit(f"only {driver.finished} of {len(driver.people)} people got every answer within {timeout:.0f} s")
    elapsed = driver.last_reply - driver.first_queued
    latencies = sorted(driver.latencies)
    return {
        "updates": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "extra": len(driver.extra),
    }


def bare_application(base_url: str) -> Any:
    """The floor: python-telegram-bot answering every message once, nothing else."""
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    async def echo(update: Any, context: Any) -> None:
        await context.bot.send_message(update.effective_chat.id, "ok")

    application = ApplicationBuilder().token(TOKEN).base_url(base_url).concurrent_updates(True).build()
    application.add_handler(MessageHandler(filters.ALL, echo))
    return application


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    import logging

    logging.basicConfig(level=logging.WARNING)
    from tremplin.core.admin import ensure_centre
    from tremplin.core.app import create_app
    from tremplin.core.bot.app import build_application
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings

    url = os.environ.get("TREMPLIN_BENCH_DATABASE_URL")
    folder = tempfile.mkdtemp(prefix="tremplin-bench-bot-")
    url = url or f"sqlite:///{folder}/bench.db"
    # A flood limit above what one person sends here: the guard runs, it never refuses.
    app = create_app(Settings(database_url=url, load_entrypoints=False, secret_key="bench-not-a-secret", bot_rate_limit=100))
    if url.startswith("postgresql"):
        from sqlalchemy import text

        with app.db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(app)
    with app.transaction() as session:
        ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")

    steps = len(SCRIPT["en"])
    print(f"{args.chats} people at once, {steps} updates each, on {app.db.dialect}")

    floor_driver = Driver(args.chats, 10_000_000, {lang: [(text, 1) for text, _ in steps_] for lang, steps_ in SCRIPT.items()}).start()
    floor = run_bot(app, floor_driver, lambda: bare_application(floor_driver.base_url), args.timeout)
    floor_driver.stop()

    driver = Driver(args.chats, 20_000_000, SCRIPT).start()
    bot = run_bot(app, driver, lambda: build_application(app, TOKEN, base_url=driver.base_url), args.timeout)
    driver.stop()

    from sqlalchemy import func, select

    from tremplin.core.models import Contact

    with app.session() as session:
        contacts = session.scalar(select(func.count()).select_from(Contact))
    app.close()
    for name, figures in (("floor (bare handler)", floor), ("Tremplin bot", bot)):
        print(f"{name:22} {figures['updates']:6d} updates in {figures['seconds']:6.2f} s: {figures['per_second']:7.1f} updates/s, "
              f"p50 {figures['p50_ms']:6.1f} ms, p99 {figures['p99_ms']:6.1f} ms")
    print(f"ratio bot/floor: {bot['per_second'] / floor['per_second']:.2f} of the floor's throughput")
    print(f"contacts logged: {contacts} (one per person expected: {args.chats}); messages after the end: {bot['extra']}")
    if driver.extra:
        print("  e.g.", driver.extra[:3])
    ok = bot["per_second"] >= 300 and bot["p99_ms"] < 200 and contacts == args.chats
    print("target (>= 300 updates/s, p99 < 200 ms):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
