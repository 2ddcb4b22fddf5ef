"""Threads opened with a counsellor are counted the moment they open, and the roll-up stays exact.

Seeded random writes of threads (opened near midnight in two time zones, written in, answered, closed,
forgotten, purged by the retention flow, some batches rolled back): the live roll-up equals a rebuild,
and reads over mixed periods and dimensions equal sums made in Python from what was opened. Nothing a
thread goes through after it opens moves the figure.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.core.plugin_kit import assert_rollup_exact
from tremplin.core import rollup
from tremplin.core.admin import ensure_centre
from tremplin.core.app import App
from tremplin.core.bot import threads
from tremplin.core.bot.models import BotThread, BotThreadMessage
from tremplin.core.models import Staff

COUNTERS = ["bot.threads_opened", "ukrainian.bot_threads_opened", "neet.bot_threads_opened"]
ZONES = {"bxl": "Europe/Brussels", "tyo": "Asia/Tokyo"}
AUDIENCES = ("ukrainian", "neet")
THEMES = ("choose", "learn", "work", "move")
LANGUAGES = ("uk", "fr", "nl", "en")


class Abort(Exception):
    pass


#: What was opened and committed: (moment, centre code, audience, theme, language).
Opened = tuple[datetime, str, str, str, str]


def moment(rng: random.Random) -> datetime:
    """A UTC moment in 2023-2024 that likes to fall near midnight (in either zone) and year ends."""
    day = date(2023, 1, 1) + timedelta(days=rng.randrange(731))
    if rng.random() < 0.2:
        day = rng.choice([date(2023, 12, 31), date(2024, 1, 1), date(2024, 2, 29), date(2024, 12, 31)])
    hour = rng.choice([14, 15, 16, 21, 22, 23, 0, 1, rng.randrange(24)])
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=UTC)


def run_threads(
    app: App, centres: dict[str, int], staff_id: int, seed: int, operations: int, monkeypatch: pytest.MonkeyPatch
) -> list[Opened]:
    rng = random.Random(seed)
    opened: list[Opened] = []
    chats: dict[int, int] = {}  # the open threads' chats, and their thread
    done: dict[str, int] = defaultdict(int)
    next_chat = 1000
    while sum(done.values()) < operations:
        saved_opened, saved_chats = list(opened), dict(chats)
        abort = rng.random() < 0.1
        try:
            with app.transaction() as session:
                for _ in range(rng.randint(1, 6)):
                    op = rng.choices(["open", "write", "answer", "close", "forget", "purge"], [40, 12, 15, 15, 10, 4])[
                        0
                    ]
                    if op != "open" and op != "purge" and not chats:
                        op = "open"
                    at = moment(rng)
                    monkeypatch.setattr(threads, "now", lambda at=at: at)
                    if op == "open":
                        centre = rng.choice(["bxl", "bxl", "tyo"])
                        audience, theme, language = rng.choice(AUDIENCES), rng.choice(THEMES), rng.choice(LANGUAGES)
                        next_chat += 1
                        thread = threads.open_thread(
                            app,
                            session,
                            centre_id=centres[centre],
                            audience=audience,
                            theme=theme,
                            language=language,
                            chat_id=next_chat,
                            text="A question",
                        )
                        chats[next_chat] = thread.id
                        opened.append((at, centre, audience, theme, language))
                    elif op == "purge":
                        threads.purge_threads(app, session, at.date())
                        chats = {c: t for c, t in chats.items() if session.get(BotThread, t).status == "open"}
                    else:
                        chat = rng.choice(sorted(chats))
                        found = session.get(BotThread, chats[chat])
                        assert found is not None and found.status == "open"
                        thread = found
                        if op == "write":
                            threads.add_person_message(app, session, thread, "And another thing")
                        elif op == "answer":
                            threads.answer(app, session, thread, session.get(Staff, staff_id), "An answer")
                        elif op == "close":
                            outcome = rng.choice(["answered", "referred"])
                            threads.close(app, session, thread, outcome, session.get(Staff, staff_id), "Goodbye")
                            del chats[chat]
                        else:
                            threads.forget_chat(app, session, chat)
                            del chats[chat]
                    done[op] += 1
                if abort:
                    raise Abort
        except Abort:
            opened, chats = saved_opened, saved_chats
            done["aborted"] += 1
    assert all(done[op] for op in ("open", "write", "answer", "close", "forget", "purge", "aborted")), dict(done)
    return opened


def naive(
    opened: list[Opened], centres: dict[str, int], start: date, end: date, dim: str, **by: bool
) -> dict[Any, int]:
    """The figures summed in Python from what was opened, on the centres' local days."""
    out: dict[tuple[Any, ...], int] = defaultdict(int)
    for at, centre, audience, theme, language in opened:
        day = at.astimezone(ZoneInfo(ZONES[centre])).date()
        if not start <= day <= end:
            continue
        value = {"*": "*", "audience": audience, "theme": theme, "language": language, "channel": "telegram"}[dim]
        for counter in ("bot.threads_opened", f"{audience}.bot_threads_opened"):
            key: tuple[Any, ...] = (counter, value)
            if by.get("by_centre"):
                key += (centres[centre],)
            if by.get("by_month"):
                key += (day.replace(day=1),)
            out[key] += 1
    return dict(out)


@pytest.fixture
def setting(app: App) -> tuple[dict[str, int], int]:
    with app.transaction() as session:
        centres = {}
        for code, zone in ZONES.items():
            centre, _ = ensure_centre(session, code, code.upper())
            centre.timezone = zone
            centres[code] = centre.id
        staff = Staff(username="olena", roles=["counsellor"], audiences=["*"])
        session.add(staff)
        session.flush()
        return centres, staff.id


def test_threads_opened_are_counted_when_they_open_and_the_rollup_stays_exact(
    app: App, setting: tuple[dict[str, int], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    centres, staff_id = setting
    opened = run_threads(app, centres, staff_id, seed=20261207, operations=260, monkeypatch=monkeypatch)
    assert len(opened) > 60
    assert_rollup_exact(app)
    rng = random.Random(5)
    ranges = [
        (date(2023, 1, 1), date(2024, 12, 31)),
        (date(2023, 3, 1), date(2024, 2, 29)),
        (date(2022, 12, 17), date(2024, 1, 3)),
        (date(2023, 12, 31), date(2024, 1, 1)),
    ]
    for _ in range(6):
        a = date(2023, 1, 1) + timedelta(days=rng.randrange(700))
        ranges.append((a, a + timedelta(days=rng.randrange(300))))
    with app.session() as session:
        for start, end in ranges:
            for dim in ("*", "audience", "theme", "language", "channel"):
                assert rollup.read(session, COUNTERS, start, end, dim=dim) == naive(opened, centres, start, end, dim), (
                    start,
                    end,
                    dim,
                )
            for by in ({"by_centre": True}, {"by_month": True}):
                assert rollup.read(session, COUNTERS, start, end, **by) == naive(opened, centres, start, end, "*", **by)
        # Every thread is still there to count, but nothing of a chat: no chat id, no text past retention.
        threads_left = session.scalars(select(BotThread)).all()
        assert len(threads_left) == len(opened)
        closed = [t for t in threads_left if t.status == "closed" and t.retain_until is None]
        assert closed and all(t.chat_key is None and t.sealed_chat is None for t in closed)
        closed_ids = [t.id for t in closed]
        assert not session.scalars(select(BotThreadMessage).where(BotThreadMessage.thread_id.in_(closed_ids))).all()
