"""Benchmark: Telegram updates handled per second end to end, with 1,000 people talking to the bot.

Run by hand (it is not part of the test suite)::

    .venv/bin/python bench/bench_bot.py                 # 1,000 chats, SQLite, paced phase at 300 updates/s
    .venv/bin/python bench/bench_bot.py --chats 200     # a quicker look
    .venv/bin/python bench/bench_bot.py --rate 200      # the latency at another load
    TREMPLIN_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_bot.py
    TREMPLIN_BENCH_DATABASE_URL=... .venv/bin/python bench/bench_bot.py --webhook --workers 2

What it does, in one run:

1. starts the test Bot API server (``tests.bot_api``: uvicorn on 127.0.0.1, ``getUpdates`` by long
   polling, ``sendMessage`` recorded) and a migrated database with one centre; the server and the people
   run in a process of their own, so that they do not share the bot's interpreter lock;
2. the floor: a bare python-telegram-bot application, on the bot's HTTP transport, whose only handler
   answers every message with one ``sendMessage``; every person sends their four messages, each as soon
   as the previous one is answered;
3. the real bot (``tremplin.core.bot.app.build_application``: every handler, the guard, the state in the
   database, the delivery task) polling the server, **all at once**: ``--chats`` people each go through a
   conversation of the Ukrainian plugin in their own language (``/start``, a theme, a question: the bot
   logs an anonymous contact and answers twice; "No, thank you": a goodbye and the satisfaction
   question), each message sent as soon as the bot answered the previous one. This gives the most
   updates a second the bot handles; its latencies are queueing, a thousand people waiting on one bot;
4. the same bot, **paced**: each person thinks before each message (exponentially distributed, on average
   ``chats / --rate`` seconds) and, a conversation over, starts another, until ``chats * 4`` updates were
   sent: a thousand conversations are under way at every step and the updates arrive at ``--rate`` a
   second. Its p99 is the latency a person sees at that load;
5. prints updates/s, p50, p90 and p99 latency (from the moment an update is available to ``getUpdates``
   to the bot's last reply to it) and the CPU per update of each, and the ratio to the floor; checks that
   every person got every answer and that the database holds one contact per conversation.

With ``--webhook --workers N`` the bot is ``tremplin serve --bot-webhook`` instead: uvicorn with N worker
processes (``tremplin.core.web.app:asgi_factory``), each registering the webhook; the server POSTs each
update to it with the secret token, as Telegram does, and the operating system hands each connection to
one worker. With several workers each update then reads and writes its chat's state and flood count in
the database (any worker may get the next message); a single worker keeps them in memory, as the poller.
The CPU figure is the workers' (read from ``/proc``). PostgreSQL is the engine for several workers.

The target: at least 300 updates/s all at once, and p99 under 200 ms at 300 updates/s. Exit status 1 when
it is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import os
import random
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
    "uk": [("/start", 1), ("Мовні курси", 1), ("Де вчити нідерландську?", 2), ("Ні, дякую", 2)],
    "fr": [("/start", 1), ("Cours de langue", 1), ("Où apprendre le néerlandais ?", 2), ("Non, merci", 2)],
    "nl": [("/start", 1), ("Taallessen", 1), ("Waar leer ik Nederlands?", 2), ("Nee, bedankt", 2)],
    "en": [("/start", 1), ("Language courses", 1), ("Where can I learn Dutch?", 2), ("No, thank you", 2)],
}
LANGUAGES = ("uk", "fr", "nl", "en")
SECRET_KEY = "bench-not-a-secret-0123456789abcdef"


class Driver(FakeBotAPI):
    """The Bot API server that also plays the people: each reply may trigger the person's next message."""

    def __init__(
        self, chats: int, first_id: int, script: dict[str, list[tuple[str, int]]], rate: float | None = None
    ) -> None:
        super().__init__()
        self.script = script
        #: Paced: each person thinks before each message, on average ``chats / rate`` seconds (drawn from an
        #: exponential distribution, as independent people's are), so that the updates arrive at about ``rate``
        #: a second; a person whose conversation is over starts another (``/start``) until ``quota`` updates
        #: were sent, so that a thousand conversations are under way all along, at every step.
        #: ``None``: each person answers at once and has one conversation (all-out).
        self.think = chats / rate if rate else None
        self.quota = chats * len(next(iter(script.values())))
        self.sent_count = 0
        #: When the quota was reached (paced): the rate is measured up to it, before the last conversations end.
        self.quota_at = 0.0
        self.conversations = 0
        self._due: list[tuple[float, int]] = []
        self._due_ready = threading.Condition()
        self._random = random.Random(chats)
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
        self._pool: Any = None
        self._client: Any = None

    def _push(self, update: dict[str, Any]) -> None:
        """POST the update to the webhook (as Telegram does), on a pool of threads and kept-alive
        connections rather than a thread and a connection each: the people must not be the bottleneck."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            import httpx

            self._pool = ThreadPoolExecutor(32)
            self._client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=32))
        hook = dict(self.webhook or {})

        def post() -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": hook.get("secret_token", "")}
            status = self._client.post(hook["url"], json=update, headers=headers).status_code
            with self._lock:
                self.webhook_answers.append(status)
                self.updates = [u for u in self.updates if u["update_id"] != update["update_id"]]

        self._pool.submit(post)

    def begin(self) -> None:
        self.first_queued = time.perf_counter()
        if self.think is None:
            for chat in self.people:
                self._next(chat)
            return
        threading.Thread(target=self._pace, daemon=True).start()
        for chat in self.people:
            self._at(chat, self.first_queued + self._random.uniform(0, self.think))

    def _at(self, chat: int, due: float) -> None:
        with self._due_ready:
            heapq.heappush(self._due, (due, chat))
            self._due_ready.notify()

    def _pace(self) -> None:
        """Sends each paced message when it is due (a thread of its own)."""
        while not self.done.is_set():
            with self._due_ready:
                if not self._due:
                    self._due_ready.wait(0.05)
                    continue
                due, chat = self._due[0]
                wait = due - time.perf_counter()
                if wait > 0:
                    self._due_ready.wait(min(wait, 0.05))
                    continue
                heapq.heappop(self._due)
            self._next(chat)

    def _then(self, chat: int) -> None:
        """The bot answered ``chat``'s message: its next message, at once or after thinking."""
        if self.think is None:
            self._next(chat)
        else:
            self._at(chat, time.perf_counter() + self._random.expovariate(1 / self.think))

    def _next(self, chat: int) -> None:
        user = self.people[chat]
        text, _ = self.script[user["language_code"]][self.step[chat]]
        self.queued_at[chat] = time.perf_counter()
        with self._lock:
            self.sent_count += 1
            if self.sent_count == self.quota:
                self.quota_at = time.perf_counter()
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
                    with self._lock:
                        self.conversations += 1
                        again = self.think is not None and self.sent_count < self.quota
                        if again:
                            self.step[chat] = 0
                    if again:
                        self._then(chat)
                        return result
                    self.finished += 1
                    if self.finished == len(self.people):
                        self.done.set()
                else:
                    self._then(chat)
        return result


def serve_people(
    conn: Any,
    chats: int,
    first_id: int,
    script: dict[str, list[tuple[str, int]]],
    timeout: float,
    rate: float | None = None,
) -> None:
    """In a process of its own (its own interpreter lock): the Bot API server playing the people."""
    driver = Driver(chats, first_id, script, rate).start()
    conn.send(driver.base_url)
    conn.recv()  # the bot polls: go
    driver.begin()
    finished = driver.done.wait(timeout)
    latencies = sorted(driver.latencies)
    conn.send(
        {
            "finished": driver.finished if not finished else chats,
            "latencies": latencies,
            # Paced: the rate up to the quota, not diluted by the last conversations ending one by one.
            "seconds": (driver.quota_at if driver.think else driver.last_reply) - driver.first_queued,
            "counted": driver.quota if driver.think else len(latencies),
            "conversations": driver.conversations,
            "extra": driver.extra[:3],
            "extras": len(driver.extra),
        }
    )
    conn.recv()
    driver.stop()


def run_bot(
    chats: int,
    first_id: int,
    script: dict[str, list[tuple[str, int]]],
    build: Any,
    timeout: float,
    profile: str | None = None,
    rate: float | None = None,
) -> dict[str, Any]:
    """Start the people's server in another process, ``build(base_url)``'s application polling it in this
    one, let every person finish (at once or paced at ``rate`` updates/s), stop both."""
    import multiprocessing

    ready = threading.Event()
    stop: dict[str, Any] = {}
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=serve_people, args=(theirs, chats, first_id, script, timeout, rate), daemon=True
    )
    server.start()
    base_url = ours.recv()

    from tremplin.core.bot.app import settle_heap

    async def main() -> None:
        application = build(base_url)
        await application.initialize()
        await application.start()
        if application.post_init is not None:
            await application.post_init(application)
        settle_heap()  # as ``tremplin bot`` does before it polls
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

    def serve() -> None:
        from tremplin.core.bot.app import new_event_loop

        loop = new_event_loop()  # the loop ``tremplin bot`` runs on
        try:
            if profile is None:
                loop.run_until_complete(main())
                return
            import cProfile

            profiler = cProfile.Profile()
            profiler.runcall(loop.run_until_complete, main())
            profiler.dump_stats(profile)
        finally:
            loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(30):
        raise SystemExit("the bot did not start")
    # CPU seconds of this process only: the bot (its threads included); the people run in another one.
    cpu_before = time.process_time()
    ours.send("go")
    result = ours.recv()
    cpu = time.process_time() - cpu_before
    stop["loop"].call_soon_threadsafe(stop["event"].set)
    thread.join(timeout=60)
    ours.send("stop")
    server.join(timeout=30)
    if result["finished"] < chats:
        raise SystemExit(f"only {result['finished']} of {chats} people got every answer within {timeout:.0f} s")
    return figures_of(result, cpu)


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and its children, from ``/proc`` (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run_webhook(
    chats: int,
    first_id: int,
    script: dict[str, list[tuple[str, int]]],
    url: str,
    workers: int,
    timeout: float,
    profile: str | None = None,
    rate: float | None = None,
) -> dict[str, Any]:
    """``serve_people`` in another process, and ``tremplin serve --bot-webhook``'s uvicorn with ``workers``
    processes receiving its updates; every person finishes, then both stop."""
    import multiprocessing
    import signal
    import subprocess

    import httpx

    from tests.bot_api import free_port

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=serve_people, args=(theirs, chats, first_id, script, timeout, rate), daemon=True
    )
    server.start()
    base_url = ours.recv()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/webhook"
    env = {
        **os.environ,
        "TREMPLIN_DATABASE_URL": url,
        "TREMPLIN_SECRET_KEY": SECRET_KEY,
        "TREMPLIN_BOT_RATE_LIMIT": "100",
        "TREMPLIN_BOT_WEBHOOK": "1",
        "TREMPLIN_BOT_WEBHOOK_WORKERS": str(workers),  # as ``tremplin serve --workers`` says it
        "TREMPLIN_TELEGRAM_TOKEN": TOKEN,
        "TREMPLIN_TELEGRAM_BASE_URL": base_url,
        "TREMPLIN_TELEGRAM_WEBHOOK_URL": hook,
    }
    command = [sys.executable, "-m", "uvicorn", "tremplin.core.web.app:asgi_factory", "--factory"]
    if profile:  # one worker only: uvicorn runs it in its own process
        command[1:1] = ["-m", "cProfile", "-o", profile]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    web = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:  # up when the webhook answers (403: no secret), then a moment for every worker
            try:
                if httpx.post(hook, json={}).status_code == 403:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or web.poll() is not None:
                raise SystemExit("the web workers did not start")
            time.sleep(0.2)
        time.sleep(3)
        cpu_before = tree_cpu_seconds(web.pid)
        ours.send("go")
        result = ours.recv()
        cpu = tree_cpu_seconds(web.pid) - cpu_before
    finally:
        web.send_signal(signal.SIGINT)
        web.wait(timeout=60)
        ours.send("stop")
        server.join(timeout=30)
    if result["finished"] < chats:
        raise SystemExit(f"only {result['finished']} of {chats} people got every answer within {timeout:.0f} s")
    return figures_of(result, cpu)


def figures_of(result: dict[str, Any], cpu: float) -> dict[str, Any]:
    latencies = result["latencies"]
    return {
        "updates": len(latencies),
        "seconds": result["seconds"],
        "per_second": result["counted"] / result["seconds"],
        "conversations": result["conversations"],
        "p90_ms": latencies[int(len(latencies) * 0.90) - 1] * 1000,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "cpu_ms_per_update": cpu / len(latencies) * 1000,
        "extra": result["extras"],
        "extra_examples": result["extra"],
    }


def bare_application(base_url: str) -> Any:
    """The floor: python-telegram-bot answering every message once, nothing else, on the same HTTP
    transport and connections as the bot (``tremplin.core.bot.transport``), so that the ratio is what the
    bot's own work costs."""
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    from tremplin.core.bot.app import CONNECTIONS
    from tremplin.core.bot.transport import AiohttpRequest

    async def echo(update: Any, context: Any) -> None:
        await context.bot.send_message(update.effective_chat.id, "ok")

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .request(AiohttpRequest(connection_pool_size=CONNECTIONS, pool_timeout=30.0))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    return application


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--profile", help="write the bot's cProfile statistics to this file (pstats)")
    parser.add_argument("--webhook", action="store_true", help="the bot behind `tremplin serve --bot-webhook`")
    parser.add_argument("--workers", type=int, default=2, help="web workers with --webhook")
    parser.add_argument(
        "--rate", type=float, default=300.0, help="updates/s of the paced phase, where p99 is measured (default 300)"
    )
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
    app = create_app(Settings(database_url=url, load_entrypoints=False, secret_key=SECRET_KEY, bot_rate_limit=100))
    if url.startswith("postgresql"):
        from sqlalchemy import text

        with app.db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(app)
    with app.transaction() as session:
        ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")

    steps = len(SCRIPT["en"])
    mode = f"webhook, {args.workers} web workers" if args.webhook else "long polling"
    print(f"{args.chats} people, {steps} updates each, on {app.db.dialect}, {mode}", flush=True)

    echo_script = {lang: [(text, 1) for text, _ in steps_] for lang, steps_ in SCRIPT.items()}
    floor = run_bot(args.chats, 10_000_000, echo_script, bare_application, args.timeout)
    app.db.dispose()  # no connection crosses the fork

    def bot(first_id: int, rate: float | None, profile: str | None = None) -> dict[str, Any]:
        if args.webhook:
            return run_webhook(args.chats, first_id, SCRIPT, url, args.workers, args.timeout, profile, rate)
        return run_bot(
            args.chats,
            first_id,
            SCRIPT,
            lambda base: build_application(app, TOKEN, base_url=base),
            args.timeout,
            profile=profile,
            rate=rate,
        )

    if args.webhook and args.profile and args.workers != 1:
        raise SystemExit("--profile with --webhook profiles one worker: give --workers 1")
    all_out = bot(20_000_000, None, args.profile)
    app.db.dispose()
    paced = bot(30_000_000, args.rate)

    from sqlalchemy import func, select

    from tremplin.core.models import Contact

    with app.session() as session:
        contacts = session.scalar(select(func.count()).select_from(Contact))
    app.close()
    rows = (
        ("floor, all at once", floor),
        ("bot, all at once", all_out),
        (f"bot, paced {args.rate:.0f}/s", paced),
    )
    for name, figures in rows:
        print(
            f"{name:22} {figures['updates']:6d} updates in {figures['seconds']:6.2f} s: "
            f"{figures['per_second']:7.1f} updates/s, "
            f"p50 {figures['p50_ms']:6.1f} ms, p90 {figures['p90_ms']:6.1f} ms, p99 {figures['p99_ms']:6.1f} ms, "
            f"CPU {figures['cpu_ms_per_update']:5.2f} ms/update"
        )
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"ratio bot/floor, all at once: {all_out['per_second'] / floor['per_second']:.2f} of the floor's "
        f"throughput, {all_out['cpu_ms_per_update'] / floor['cpu_ms_per_update']:.2f} times its CPU per update"
    )
    extra = all_out["extra"] + paced["extra"]
    conversations = all_out["conversations"] + paced["conversations"]
    print(
        f"contacts logged: {contacts} (one per conversation expected: {conversations}); messages after the end: {extra}"
    )
    if extra:
        print("  e.g.", all_out["extra_examples"] or paced["extra_examples"])
    throughput_ok = all_out["per_second"] >= 300
    latency_ok = paced["p99_ms"] < 200 and paced["per_second"] >= 0.9 * args.rate
    ok = throughput_ok and latency_ok and contacts == conversations and not extra
    print(
        f"target: >= 300 updates/s all at once ({all_out['per_second']:.0f}: {'met' if throughput_ok else 'MISSED'}), "
        f"p99 < 200 ms at {args.rate:.0f} updates/s ({paced['p99_ms']:.0f} ms: {'met' if latency_ok else 'MISSED'})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
