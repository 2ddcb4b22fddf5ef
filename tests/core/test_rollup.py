"""The roll-up stays exact whatever the writes, reads add up like the rows do, and days are local days."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.core.plugin_kit import assert_rollup_exact, totals
from tremplin.core import rollup, vocab
from tremplin.core.admin import ensure_centre
from tremplin.core.app import App
from tremplin.core.models import Activity, Case, Contact
from tremplin.core.records import (
    delete_contact,
    log_activity,
    log_contact,
    move_case,
    open_case,
    record_participants,
    reenter_case,
    update_contact,
)
from tremplin.core.rollup import decompose

START, END = date(2023, 1, 1), date(2024, 12, 31)
AUDIENCES = ["general", "neet", "schools", "prisons", "disability", "formtruck", "ukrainian"]
MODALITIES = list(vocab.MODALITY)
CHANNELS = list(vocab.CHANNEL)
THEMES = list(vocab.THEME)
LANGUAGES = list(vocab.LANGUAGE)
GENDERS = list(vocab.GENDER)
AGE_BANDS = list(vocab.AGE_BAND)
WORKSHOPS = ["info_session", "workshop", "fair", "explorama", "escape_game", "career_game"]


@pytest.fixture
def centres(app: App) -> dict[str, int]:
    with app.transaction() as session:
        return {code: ensure_centre(session, code, code.upper())[0].id for code in ("bxl", "lge")}


class Random:
    """Random but valid records, with moments that like to fall near midnight and year ends."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def moment(self) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            # Around a boundary, in UTC: 23:30 UTC on the last day of a month is the next day in Brussels.
            year = rng.choice([2023, 2024])
            month = rng.randint(1, 12)
            first_next = date(year + (month == 12), month % 12 + 1, 1)
            last = first_next - timedelta(days=1)
            hour, minute = rng.choice([(21, 45), (22, 30), (23, 30), (23, 59)])
            return datetime(last.year, last.month, last.day, hour, minute, tzinfo=UTC).isoformat()
        day = START + timedelta(days=rng.randrange((END - START).days + 1))
        return f"{day.isoformat()}T{rng.randint(0, 23):02d}:{rng.choice([0, 15, 30, 45]):02d}"

    def contact(self, centre: str) -> tuple[dict[str, Any], dict[str, Any]]:
        rng = self.rng
        audience = rng.choice(AUDIENCES)
        values = {
            "centre": centre,
            "occurred_at": self.moment(),
            "audience": audience,
            "modality": rng.choice(MODALITIES),
            "channel": rng.choice(CHANNELS),
            "themes": rng.sample(THEMES, rng.choice([0, 0, 1, 1, 1, 2, 3])),
            "language": rng.choice(LANGUAGES),
            "headcount": rng.choice([1, 1, 1, 2, 3, 5, 12]),
            "gender": rng.choice(GENDERS),
            "age_band": rng.choice(AGE_BANDS),
        }
        attributes: dict[str, Any] = {}
        if audience == "disability" and rng.random() < 0.7:
            attributes = {"public": rng.choice(["target", "professional"])}
        elif audience == "prisons" and rng.random() < 0.7:
            attributes = {"prison": "haren", "session": rng.choice(["individual", "group"])}
        elif audience == "ukrainian":
            attributes = {"service_language": rng.choice(["uk", "ru"])}
        return values, attributes

    def activity(self, centre: str) -> tuple[dict[str, Any], dict[str, Any]]:
        rng = self.rng
        audience = rng.choice(AUDIENCES)
        values = {
            "centre": centre,
            "starts_at": self.moment(),
            "audience": audience,
            "workshop": rng.choice(WORKSHOPS),
            "format": rng.choice(["face_to_face", "online"]),
            "participants": rng.choice([None, 0, 4, 9, 15, 22]),
            "registered": rng.choice([None, 10, 20]),
            "themes": rng.sample(THEMES, rng.choice([0, 1, 2])),
            "language": rng.choice(LANGUAGES),
        }
        attributes = (
            {"place": rng.choice(["at_centre", "at_school"])} if audience == "schools" and rng.random() < 0.8 else {}
        )
        return values, attributes


class Abort(Exception):
    pass


def run_random_operations(app: App, centres: dict[str, int], seed: int, operations: int) -> dict[str, int]:
    gen = Random(seed)
    rng = gen.rng
    contacts: list[int] = []
    activities: list[int] = []
    cases: list[int] = []
    done: dict[str, int] = defaultdict(int)
    while sum(done.values()) < operations:
        saved = (list(contacts), list(activities), list(cases))
        abort = rng.random() < 0.1
        try:
            with app.transaction() as session:
                for _ in range(rng.randint(1, 8)):
                    op = rng.choices(
                        ["contact", "activity", "edit", "participants", "delete", "open", "move", "reschedule"],
                        weights=[30, 12, 15, 10, 8, 7, 12, 6],
                    )[0]
                    centre = rng.choice(["bxl", "bxl", "lge"])
                    if op == "contact" or (op in ("edit", "delete") and not contacts):
                        values, attributes = gen.contact(centre)
                        contacts.append(log_contact(app, session, values, attributes).id)
                        op = "contact"
                    elif op == "edit":
                        contact = session.get(Contact, rng.choice(contacts))
                        assert contact is not None
                        values, attributes = gen.contact(centre)
                        update_contact(app, session, contact, values, attributes)
                    elif op == "delete":
                        contact_id = rng.choice(contacts)
                        contacts.remove(contact_id)
                        delete_contact(app, session, session.get(Contact, contact_id))
                    elif op == "activity" or (op in ("participants", "reschedule") and not activities):
                        values, attributes = gen.activity(centre)
                        # Random counts, confirmed: the roll-up is tested here, not the rules' questions.
                        activities.append(log_activity(app, session, values, attributes, confirmed=True).id)
                        op = "activity"
                    elif op == "participants":
                        activity = session.get(Activity, rng.choice(activities))
                        record_participants(app, session, activity, rng.randint(0, 40), confirmed=True)
                    elif op == "reschedule":
                        # A direct write, not through tremplin.core.records: the roll-up follows it all the same.
                        activity = session.get(Activity, rng.choice(activities))
                        assert activity is not None
                        activity.starts_at = datetime.fromisoformat(gen.moment()).replace(tzinfo=UTC)
                        activity.format = rng.choice(["face_to_face", "online"])
                        session.flush()
                    elif op == "open" or not cases:
                        entered = START + timedelta(days=rng.randrange(700))
                        case = open_case(
                            app,
                            session,
                            centres[centre],
                            rng.choice(["neet", "prisons"]),
                            consent_on=entered,
                            gender=rng.choice(GENDERS),
                            age_band=rng.choice(AGE_BANDS),
                        )
                        cases.append(case.id)
                        op = "open"
                    else:
                        case = session.get(Case, rng.choice(cases))
                        assert case is not None
                        allowed = app.registry.workflows[case.audience].allowed_next(case.stage)
                        if allowed:
                            move_case(app, session, case, rng.choice(allowed), on=date(2024, 6, 1))
                        else:
                            reenter_case(app, session, case, on=date(2024, 7, 1))
                    done[op] += 1
                if abort:
                    raise Abort
        except Abort:
            contacts[:], activities[:], cases[:] = saved
            done["aborted_batches"] += 1
    return dict(done)


def test_random_writes_keep_rollup_exact_and_reads_equal_naive_sums(app: App, centres: dict[str, int]) -> None:
    """A few hundred seeded writes of every kind; then the live roll-up must equal a rebuild, and reads
    over mixed periods must equal sums computed from the rows (the history is shared: it is the slow part)."""
    random_history = run_random_operations(app, centres, seed=20240612, operations=320)
    for op in (
        "contact",
        "activity",
        "edit",
        "participants",
        "delete",
        "open",
        "move",
        "reschedule",
        "aborted_batches",
    ):
        assert random_history.get(op, 0) > 0, random_history
    with app.db.engine.begin() as conn:
        live = rollup.snapshot(conn)
        stats = rollup.rebuild(app, conn)
        rebuilt = rollup.snapshot(conn)
    assert stats["facts"] > 100
    assert len(live) > 1000
    missing = {k: v for k, v in rebuilt.items() if live.get(k) != v}
    extra = {k: v for k, v in live.items() if k not in rebuilt}
    assert not missing and not extra, (list(missing.items())[:5], list(extra.items())[:5])
    assert all(amount > 0 for amount in live.values())  # edits and deletions leave no zero or negative rows
    check_reads_equal_naive_sums(app)


# --------------------------------------------------------------------------------------------------
# Reading: decomposed periods add up like the rows


def naive(
    app: App, start: date, end: date, dim: str = "*", by_centre: bool = False, by_month: bool = False
) -> dict[tuple[Any, ...], int]:
    """The same figures, summed in Python from the rows."""
    out: dict[tuple[Any, ...], int] = defaultdict(int)

    def add(counter: str, values: list[str], amount: int, day: date, centre_id: int) -> None:
        if not amount or not start <= day <= end:
            return
        for value in values:
            key: tuple[Any, ...] = (counter, value)
            if by_centre:
                key += (centre_id,)
            if by_month:
                key += (day.replace(day=1),)
            out[key] += amount

    with app.session() as session:
        for c in session.scalars(select(Contact)):
            values = ["*"] if dim == "*" else (list(c.themes) or ["unknown"]) if dim == "theme" else [getattr(c, dim)]
            add("contacts.total", values, c.headcount, c.day, c.centre_id)
            add("contacts.records", values, 1, c.day, c.centre_id)
            if c.audience == "neet":
                add("neet.reached", values, c.headcount, c.day, c.centre_id)
            if c.modality in ("individual_advice", "remote_advice"):
                add("individual_advice.contacts", values, c.headcount, c.day, c.centre_id)
        for a in session.scalars(select(Activity)):
            if dim == "*":
                values = ["*"]
            elif dim == "theme":
                values = list(a.themes) or ["unknown"]
            else:
                values = [
                    {"modality": "group_activity", "channel": "video" if a.format == "online" else "walk_in"}.get(dim)
                    or getattr(a, dim, "unknown")
                ]
            add("contacts.total", values, a.participants or 0, a.day, a.centre_id)
            add("group_activities.count", values, 1, a.day, a.centre_id)
            if a.audience == "neet":
                add("neet.reached", values, a.participants or 0, a.day, a.centre_id)
        for case in session.scalars(select(Case)):
            values = ["*"] if dim == "*" else ["unknown"] if dim == "theme" else [getattr(case, dim, "unknown")]
            add("cases.opened", values, 1, case.entered_on, case.centre_id)
    return {k: v for k, v in out.items() if v}


READ_COUNTERS = [
    "contacts.total",
    "contacts.records",
    "neet.reached",
    "individual_advice.contacts",
    "group_activities.count",
    "cases.opened",
]


def check_reads_equal_naive_sums(app: App) -> None:
    rng = random.Random(99)
    ranges = [
        (date(2023, 1, 1), date(2024, 12, 31)),  # two whole years
        (date(2023, 1, 1), date(2023, 12, 31)),
        (date(2023, 3, 1), date(2024, 2, 29)),  # whole months across a year end, leap February
        (date(2022, 12, 17), date(2024, 1, 3)),  # days, months, a year, days
        (date(2023, 12, 31), date(2024, 1, 1)),
        (date(2024, 2, 29), date(2024, 2, 29)),
        (date(2024, 5, 1), date(2024, 4, 30)),  # empty
    ]
    for _ in range(12):
        a = date(2022, 12, 1) + timedelta(days=rng.randrange(800))
        b = a + timedelta(days=rng.randrange(500))
        ranges.append((a, b))
    with app.session() as session:
        for start, end in ranges:
            assert rollup.read(session, READ_COUNTERS, start, end) == naive(app, start, end), (start, end)
        for start, end in ranges[:6] + ranges[-4:]:
            for dim in ("theme", "audience", "modality", "channel"):
                assert rollup.read(session, READ_COUNTERS, start, end, dim=dim) == naive(app, start, end, dim=dim), (
                    start,
                    end,
                    dim,
                )
            assert rollup.read(session, READ_COUNTERS, start, end, by_centre=True) == naive(
                app, start, end, by_centre=True
            )
            assert rollup.read(session, READ_COUNTERS, start, end, by_month=True) == naive(
                app, start, end, by_month=True
            )
            centre_ids = [session.scalar(select(Contact.centre_id).limit(1))]
            only = rollup.read(session, READ_COUNTERS, start, end, centre_ids=centre_ids, by_centre=True)
            assert only == {k: v for k, v in naive(app, start, end, by_centre=True).items() if k[2] in centre_ids}
        whole = rollup.totals(session, READ_COUNTERS, START, END)
        assert whole == {c: naive(app, START, END).get((c, "*"), 0) for c in READ_COUNTERS}
        assert whole["contacts.total"] > 0 and whole["cases.opened"] > 0


def test_two_themes_count_once_in_total_and_once_per_theme(app: App, centres: dict[str, int]) -> None:
    with app.transaction() as session:
        log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": "2024-03-05T10:00",
                "audience": "general",
                "modality": "individual_advice",
                "themes": "work;learn",
                "headcount": 3,
            },
        )
        log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": "2024-03-05T11:00",
                "audience": "general",
                "modality": "individual_advice",
                "themes": ["work"],
            },
        )
        log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": "2024-03-05T12:00",
                "audience": "general",
                "modality": "individual_advice",
            },
        )
        log_activity(
            app,
            session,
            {
                "centre": "bxl",
                "starts_at": "2024-03-06T14:00",
                "audience": "general",
                "themes": "move;learn",
                "participants": 10,
            },
        )
    keys = ("contacts.total", "contacts.records", "individual_advice.contacts")
    assert totals(app, keys) == {"contacts.total": 15, "contacts.records": 3, "individual_advice.contacts": 5}
    assert totals(app, keys, dim="theme") == {
        ("contacts.total", "work"): 4,
        ("contacts.total", "learn"): 13,
        ("contacts.total", "move"): 10,
        ("contacts.total", "unknown"): 1,
        ("contacts.records", "work"): 2,
        ("contacts.records", "learn"): 1,
        ("contacts.records", "unknown"): 1,
        ("individual_advice.contacts", "work"): 4,
        ("individual_advice.contacts", "learn"): 3,
        ("individual_advice.contacts", "unknown"): 1,
    }
    # Every other dimension splits the total exactly.
    for dim in ("audience", "modality", "channel", "language", "gender", "age_band"):
        split = totals(app, keys, dim=dim)
        for key in keys:
            assert sum(v for (c, _), v in split.items() if c == key) == totals(app, keys)[key], dim
    # Dropping a theme on edit moves the contact out of that theme's row only.
    with app.transaction() as session:
        contact = session.scalars(select(Contact).where(Contact.headcount == 3)).one()
        update_contact(
            app,
            session,
            contact,
            {
                "centre": "bxl",
                "occurred_at": "2024-03-05T10:00",
                "audience": "general",
                "modality": "individual_advice",
                "themes": "work",
                "headcount": 3,
            },
        )
    assert totals(app, ("contacts.total",), dim="theme") == {
        ("contacts.total", "work"): 4,
        ("contacts.total", "learn"): 10,
        ("contacts.total", "move"): 10,
        ("contacts.total", "unknown"): 1,
    }
    assert totals(app, ("contacts.total",)) == {"contacts.total": 15}
    assert_rollup_exact(app)


# --------------------------------------------------------------------------------------------------
# Periods


def _covered(parts: dict[str, list[date]]) -> list[date]:
    days: list[date] = []
    for start in parts["y"]:
        days += [start + timedelta(days=i) for i in range((date(start.year + 1, 1, 1) - start).days)]
    for start in parts["m"]:
        days += [start + timedelta(days=i) for i in range((rollup.month_end(start) - start).days + 1)]
    days += parts["d"]
    return sorted(days)


def test_decompose_covers_exact_ranges() -> None:
    rng = random.Random(31)
    cases = [
        (date(2024, 1, 1), date(2024, 12, 31)),
        (date(2023, 12, 31), date(2025, 1, 1)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 5), date(2024, 3, 4)),
    ]
    for _ in range(300):
        start = date(2015, 1, 1) + timedelta(days=rng.randrange(4000))
        end = start + timedelta(days=rng.choice([0, 1, 27, 30, 31, 59, 364, 365, 366, rng.randrange(3000)]))
        if rng.random() < 0.5:
            start = start.replace(day=1)
        if rng.random() < 0.3:
            end = rollup.month_end(end)
        cases.append((start, end))
    for start, end in cases:
        for use_years in (True, False):
            parts = decompose(start, end, use_years=use_years)
            days = _covered(parts)
            expected = [start + timedelta(days=i) for i in range((end - start).days + 1)]
            assert days == expected, (start, end, use_years)  # every day once, nothing outside
            if not use_years:
                assert parts["y"] == []
            else:
                # As few rows as possible: no month of a whole year, no day of a whole month.
                assert not any(date(m.year, 1, 1) >= start and date(m.year, 12, 31) <= end for m in parts["m"])
            assert not any(d.replace(day=1) >= start and rollup.month_end(d) <= end for d in parts["d"])
    assert decompose(date(2024, 1, 1), date(2024, 12, 31)) == {"y": [date(2024, 1, 1)], "m": [], "d": []}
    assert decompose(date(2023, 12, 30), date(2024, 2, 2)) == {
        "y": [],
        "m": [date(2024, 1, 1)],
        "d": [date(2023, 12, 30), date(2023, 12, 31), date(2024, 2, 1), date(2024, 2, 2)],
    }


# --------------------------------------------------------------------------------------------------
# Local days


def test_days_are_local_brussels_days(app: App, centres: dict[str, int]) -> None:
    with app.transaction() as session:
        kyiv, _ = ensure_centre(session, "kyiv", "Kyiv desk", timezone="Europe/Kyiv")
        moments = {
            "2023-12-31T23:30:00+00:00": date(2024, 1, 1),  # 00:30 in Brussels (CET)
            "2023-12-31T22:30:00+00:00": date(2023, 12, 31),  # 23:30 in Brussels
            "2024-06-30T22:30:00+00:00": date(2024, 7, 1),  # 00:30 in Brussels (CEST)
            "2024-03-31T22:15:00Z": date(2024, 4, 1),  # the night clocks went forward
            "2024-10-27T00:30:00+00:00": date(2024, 10, 27),
            "2023-12-31T23:30": date(2023, 12, 31),  # no offset: already local time
        }
        ids = {}
        for moment in moments:
            ids[moment] = log_contact(
                app, session, {"centre": "bxl", "occurred_at": moment, "audience": "general", "modality": "reception"}
            ).id
        activity = log_activity(
            app,
            session,
            {"centre": "bxl", "starts_at": "2023-12-31T23:30:00+00:00", "audience": "general", "participants": 7},
        )
        # A centre in another time zone counts its own local days: 22:30 UTC is already tomorrow in Kyiv.
        in_kyiv = log_contact(
            app,
            session,
            {
                "centre": "kyiv",
                "occurred_at": "2024-12-31T22:30:00+00:00",
                "audience": "ukrainian",
                "modality": "individual_advice",
                "headcount": 4,
            },
        )
        kyiv_id = kyiv.id
    with app.session() as session:
        for moment, expected in moments.items():
            assert session.get(Contact, ids[moment]).day == expected, moment
        assert session.get(Activity, activity.id).day == date(2024, 1, 1)
        assert session.get(Contact, in_kyiv.id).day == date(2025, 1, 1)
    assert totals(app, ("contacts.total", "contacts.records"), year=2023) == {
        "contacts.total": 2,
        "contacts.records": 2,
    }
    assert totals(app, ("contacts.total", "contacts.records"), year=2024) == {
        "contacts.total": 4 + 7,
        "contacts.records": 4,
    }
    assert totals(app, ("ukrainian.contacts",), year=2025) == {"ukrainian.contacts": 4}
    with app.session() as session:
        jan = rollup.read(session, ["contacts.total"], date(2024, 1, 1), date(2024, 1, 1), by_centre=True)
        assert jan == {("contacts.total", "*", centres["bxl"]): 8}
        assert rollup.read(session, ["ukrainian.contacts"], date(2025, 1, 1), date(2025, 1, 1), by_centre=True) == {
            ("ukrainian.contacts", "*", kyiv_id): 4
        }
    # Moving a contact across midnight moves it across the year.
    with app.transaction() as session:
        contact = session.get(Contact, ids["2023-12-31T23:30:00+00:00"])
        contact.occurred_at = datetime(2023, 12, 31, 22, 59, tzinfo=UTC)
        session.flush()
        assert contact.day == date(2023, 12, 31)
    assert totals(app, ("contacts.records",), year=2023) == {"contacts.records": 3}
    assert totals(app, ("contacts.records",), year=2024) == {"contacts.records": 3}
    assert_rollup_exact(app)


def test_month_groups_spread_early_add_up_the_same(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk path adds its month groups and day totals up by counter every ``FOLD_GROUPS`` groups, so
    that its memory does not grow with the rows: the deltas are the same as when they are added up once."""
    rng = random.Random(7)
    rows = []
    for n in range(3000):
        audience = rng.choice(AUDIENCES)
        rows.append(
            {
                "centre_id": rng.choice((1, 2)),
                "site_id": rng.choice((None, 3, 4)),
                "day": START + timedelta(days=rng.randrange(730)),
                "audience": audience,
                "modality": rng.choice(MODALITIES),
                "channel": rng.choice(CHANNELS),
                "themes": sorted(rng.sample(THEMES, rng.randint(0, 2))),
                "language": rng.choice(LANGUAGES),
                "gender": rng.choice(GENDERS),
                "age_band": rng.choice(AGE_BANDS),
                "headcount": rng.randint(1, 5),
                "attributes": {"commune": rng.choice(("ixelles", "molenbeek"))} if audience == "formtruck" else {},
                "note": "",
                "source_ref": f"r{n}",
            }
        )
    once = rollup.Accumulator(app.compiled_counters)
    for row in rows:
        once.add_contact_row(row)
    expected = once.deltas()

    monkeypatch.setattr(rollup, "FOLD_GROUPS", 50)
    folded = rollup.Accumulator(app.compiled_counters)
    for row in rows:
        folded.add_contact_row(row)
    assert len(folded._month_groups) < 50 and folded._counter_rows, "the groups were added up as they came"
    assert folded.deltas() == expected
    assert len(expected) > 1000
