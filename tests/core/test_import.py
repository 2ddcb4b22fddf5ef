"""``tremplin import contacts|activities``: exact figures, idempotent re-imports, all or nothing.

Every test runs on SQLite and, where ``TREMPLIN_TEST_DATABASE_URL`` is set, on PostgreSQL (the ``app``
fixture). Expected figures are computed here from the rows written into the file, not read back from
the code under test.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tremplin.core import bulk, import_check, importer
from tremplin.core.app import App
from tremplin.core.importer import COLUMNS, ImportFailed, import_file
from tremplin.core.models import Activity, AuditEvent, Centre, Contact, CounterValue, Site
from tremplin.core.rollup import rebuild, snapshot, totals
from tremplin.core.validation import Cleaner, Lookup

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EVER = (date(2000, 1, 1), date(2099, 12, 31))

# ------------------------------------------------------------------------------------------------
# Helpers


def csv_text(rows: Iterable[Mapping[str, str]], kind: str = "contacts", columns: list[str] | None = None) -> str:
    """A file of ``rows`` (centre ``bxl`` unless given), with the documented columns and the ``attr.*`` ones used."""
    rows = [{"centre": "bxl", **row} for row in rows]
    if columns is None:
        attrs = sorted({k for row in rows for k in row if k.startswith("attr.")})
        columns = list(COLUMNS[kind]) + attrs
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def write(tmp_path: Path, content: str | bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def state(app: App) -> dict[str, Any]:
    """Everything an import can touch."""
    with app.db.engine.connect() as conn:
        counts = {
            m.__tablename__: conn.scalar(select(func.count()).select_from(m))
            for m in (Contact, Activity, CounterValue, Centre, Site, AuditEvent)
        }
        contacts = sorted(
            tuple(r)
            for r in conn.execute(
                select(
                    Contact.source_ref, Contact.headcount, Contact.modality, Contact.audience, Contact.day, Contact.note
                )
            )
        )
        return {"counts": counts, "rollup": snapshot(conn), "contacts": contacts}


def figures(app: App, keys: Iterable[str], start: date = EVER[0], end: date = EVER[1]) -> dict[str, int]:
    with app.db.engine.connect() as conn:
        return totals(conn, list(keys), start, end)


def assert_rollup_exact(app: App) -> None:
    """The roll-up the import left equals the one recomputed from the rows."""
    with app.db.engine.connect() as conn:
        live = snapshot(conn)
    with app.db.engine.connect() as conn:
        trans = conn.begin()
        rebuild(app, conn)
        rebuilt = snapshot(conn)
        trans.rollback()
    assert live == rebuilt and live


def headcount(row: Mapping[str, str]) -> int:
    return int(row.get("headcount") or 1)


# ------------------------------------------------------------------------------------------------
# Contacts: a good file, exact figures

CONTACTS: list[dict[str, str]] = [
    {
        "id": "c-01",
        "occurred_at": "2024-03-04T09:15",
        "site": "reception",
        "audience": "general",
        "modality": "reception",
        "channel": "walk_in",
        "themes": "learn",
        "language": "fr",
        "headcount": "3",
    },
    {
        "id": "c-02",
        "occurred_at": "2024-03-04T10:30",
        "site": "advice",
        "audience": "general",
        "modality": "individual_advice",
        "channel": "walk_in",
        "themes": "work;choose",
        "language": "nl",
        "headcount": "",
        "gender": "woman",
        "age_band": "25_29",
        "education": "isced_5_8",
        "labour_status": "employed",
        "note": "Cherche une reconversion dans le social; rappeler au 0470 12 34 56",
        "attr.question": "orientation",
    },
    {
        "id": "c-03",
        "occurred_at": "2024-03-05T14:00+01:00",
        "site": "multimedia",
        "audience": "general",
        "modality": "multimedia",
        "headcount": "12",
    },
    {
        "id": "c-04",
        "occurred_at": "2024-03-06T16:45",
        "audience": "general",
        "modality": "remote_advice",
        "channel": "phone",
        "themes": "move",
        "language": "en",
        "headcount": "1",
    },
    {
        "id": "c-05",
        "occurred_at": "2024-03-07T11:00",
        "audience": "general",
        "modality": "reception",
        "channel": "event",
        "themes": "choose;learn",
        "language": "fr",
        "headcount": "40",
    },
    {
        "id": "n-01",
        "occurred_at": "2024-03-08T15:30",
        "audience": "neet",
        "modality": "field_awareness",
        "channel": "field",
        "themes": "work",
        "language": "fr",
        "headcount": "5",
        "age_band": "18_24",
        "attr.place": "street",
        "attr.partner": "amo",
    },
    {
        "id": "n-02",
        "occurred_at": "2024-03-09T10:00",
        "site": "advice",
        "audience": "neet",
        "modality": "individual_advice",
        "channel": "walk_in",
        "themes": "learn",
        "language": "fr",
        "attr.place": "youth_centre",
    },
    {
        "id": "f-01",
        "occurred_at": "2024-04-02T10:30",
        "site": "truck-flagey",
        "audience": "formtruck",
        "modality": "individual_advice",
        "channel": "field",
        "themes": "work;learn",
        "language": "fr",
        "headcount": "7",
        "attr.commune": "ixelles",
        "attr.place": "Place Flagey",
    },
    {
        "id": "d-01",
        "occurred_at": "2024-04-03T09:00",
        "audience": "disability",
        "modality": "reception",
        "channel": "event",
        "themes": "work",
        "language": "fr",
        "headcount": "20",
        "attr.public": "target",
        "attr.event": "transition_fair",
        "attr.adaptations": "easy_read;accessible_room",
    },
    {
        "id": "d-02",
        "occurred_at": "2024-04-03T09:00",
        "audience": "disability",
        "modality": "reception",
        "channel": "event",
        "themes": "work",
        "language": "fr",
        "headcount": "6",
        "attr.public": "professional",
    },
    {
        "id": "u-01",
        "occurred_at": "2024-04-04T09:30",
        "audience": "ukrainian",
        "modality": "individual_advice",
        "channel": "telegram",
        "themes": "work",
        "language": "uk",
        "headcount": "1",
        "attr.service_language": "uk",
        "attr.questions": "job_search;work_permit",
    },
    {
        "id": "p-01",
        "occurred_at": "2024-04-05T09:30",
        "audience": "prisons",
        "modality": "group_activity",
        "channel": "field",
        "themes": "learn",
        "language": "fr",
        "headcount": "8",
        "attr.prison": "haren",
        "attr.session": "group",
    },
    {
        "id": "p-02",
        "occurred_at": "2024-04-05T13:30",
        "audience": "prisons",
        "modality": "individual_advice",
        "channel": "field",
        "language": "fr",
        "headcount": "1",
        "attr.prison": "haren",
        "attr.session": "individual",
    },
    # Half an hour into the new year in Brussels is still 2023 in UTC: counted on 1 January 2024.
    {
        "id": "y-01",
        "occurred_at": "2024-01-01T00:30",
        "site": "reception",
        "audience": "general",
        "modality": "reception",
        "channel": "walk_in",
        "language": "fr",
        "headcount": "2",
    },
]

ADVICE = ("individual_advice", "remote_advice")

#: counter key -> (what a row adds, which rows): the documented meaning of each counter.
CONTACT_COUNTERS: dict[str, tuple[Callable[[Mapping[str, str]], int], Callable[[Mapping[str, str]], bool]]] = {
    "contacts.total": (headcount, lambda r: True),
    "contacts.records": (lambda r: 1, lambda r: True),
    "individual_advice.contacts": (headcount, lambda r: r["modality"] in ADVICE),
    "individual_advice.remote": (headcount, lambda r: r["modality"] == "remote_advice"),
    "multimedia.entries": (headcount, lambda r: r["modality"] == "multimedia"),
    "reception.contacts": (headcount, lambda r: r["modality"] == "reception"),
    "field_awareness.contacts": (headcount, lambda r: r["modality"] == "field_awareness"),
    "events.contacts": (headcount, lambda r: r.get("channel") == "event"),
    "general.reached": (headcount, lambda r: r["audience"] == "general"),
    "neet.reached": (headcount, lambda r: r["audience"] == "neet"),
    "neet.awareness": (headcount, lambda r: r["audience"] == "neet" and r["modality"] == "field_awareness"),
    "neet.individual_advice": (headcount, lambda r: r["audience"] == "neet" and r["modality"] in ADVICE),
    "formtruck.users": (headcount, lambda r: r["audience"] == "formtruck"),
    "disability.reached": (headcount, lambda r: r["audience"] == "disability"),
    "disability.public": (headcount, lambda r: r["audience"] == "disability" and r.get("attr.public") == "target"),
    "disability.professionals": (
        headcount,
        lambda r: r["audience"] == "disability" and r.get("attr.public") == "professional",
    ),
    "ukrainian.contacts": (headcount, lambda r: r["audience"] == "ukrainian"),
    "ukrainian.telegram": (headcount, lambda r: r["audience"] == "ukrainian" and r.get("channel") == "telegram"),
    "prisons.reached": (headcount, lambda r: r["audience"] == "prisons"),
    "prisons.group_sessions": (lambda r: 1, lambda r: r["audience"] == "prisons" and r.get("attr.session") == "group"),
}


def expected_contact_figures(rows: list[dict[str, str]]) -> dict[str, int]:
    return {key: sum(weight(r) for r in rows if which(r)) for key, (weight, which) in CONTACT_COUNTERS.items()}


def test_good_contacts_file_gives_exact_figures(app: App, centre: int, tmp_path: Path) -> None:
    path = write(tmp_path, csv_text(CONTACTS))
    result = import_file(app, "contacts", path)

    assert (result.read, result.inserted, result.updated, result.unchanged) == (14, 14, 0, 0)
    assert result.created_centres == [] and result.created_sites == []
    assert "14 rows read, 14 inserted, 0 updated, 0 unchanged" in result.describe()

    expected = expected_contact_figures(CONTACTS)
    assert expected["contacts.total"] == 108 and expected["disability.public"] == 20  # the test's own arithmetic
    assert figures(app, expected) == expected
    # Counted by local day: the New Year contact is in 2024, not in 2023.
    assert figures(app, ["contacts.total"], date(2024, 1, 1), date(2024, 1, 1)) == {"contacts.total": 2}
    assert figures(app, ["contacts.total"], date(2023, 1, 1), date(2023, 12, 31)) == {"contacts.total": 0}
    assert_rollup_exact(app)

    with app.session() as session:
        rows = {c.source_ref: c for c in session.scalars(select(Contact))}
        sites = {s.code: s.id for s in session.scalars(select(Site))}
    assert len(rows) == 14 and all(c.centre_id == centre for c in rows.values())
    c02 = rows["c-02"]
    assert (c02.headcount, c02.channel, c02.language, c02.gender, c02.site_id) == (
        1,
        "walk_in",
        "nl",
        "woman",
        sites["advice"],
    )
    assert c02.themes == ["choose", "work"]
    assert c02.attributes == {"question": "orientation"}
    assert "Cherche une reconversion" in c02.note and "0470" not in c02.note  # scrubbed on the way in
    c03 = rows["c-03"]  # empty channel, language and themes: the documented defaults
    assert (c03.channel, c03.language, c03.themes, c03.gender) == ("walk_in", "unknown", [], "unknown")
    assert c03.occurred_at == datetime(2024, 3, 5, 13, 0, tzinfo=UTC)
    y01 = rows["y-01"]
    assert y01.occurred_at == datetime(2023, 12, 31, 23, 30, tzinfo=UTC) and y01.day == date(2024, 1, 1)
    assert rows["d-01"].attributes == {
        "public": "target",
        "event": "transition_fair",
        "adaptations": ["easy_read", "accessible_room"],
    }
    assert rows["u-01"].attributes == {"service_language": "uk", "questions": ["job_search", "work_permit"]}
    assert rows["f-01"].site_id == sites["truck-flagey"] and rows["c-04"].site_id is None

    with app.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "import.contacts")).one()
    assert event.details["inserted"] == 14 and event.details["file"] == str(path)


def test_new_rows_are_written_from_a_spool_a_chunk_at_a_time(
    app: App, centre: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checked rows of a first import are not all held in memory: they go to a spool on disk in
    chunks and are written from it a chunk at a time (driver tuples on SQLite, record dicts elsewhere),
    to the same figures, in a new centre too."""
    monkeypatch.setattr(import_check, "SPOOL_CHUNK", 4)
    chunks: list[int] = []
    spilled: list[int] = []
    batches, spill = import_check.Spool.batches, import_check.Spool._spill

    def counted(self: import_check.Spool) -> Any:
        for chunk in batches(self):
            chunks.append(len(chunk))
            yield chunk

    def spied(self: import_check.Spool) -> None:
        spilled.append(len(self.buffer))
        spill(self)

    monkeypatch.setattr(import_check.Spool, "batches", counted)
    monkeypatch.setattr(import_check.Spool, "_spill", spied)
    rows = CONTACTS + [{**r, "centre": "lux", "site": ""} for r in CONTACTS[:5]]
    result = import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)

    assert (result.read, result.inserted, result.created_centres) == (19, 19, ["lux"])
    assert sum(chunks) == 19 and max(chunks) == 4 and 4 in spilled
    expected = expected_contact_figures(rows)
    assert figures(app, expected) == expected
    assert_rollup_exact(app)
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact).join(Centre).where(Centre.code == "lux")) == 5


def test_importing_the_same_file_again_changes_nothing(app: App, centre: int, tmp_path: Path) -> None:
    path = write(tmp_path, csv_text(CONTACTS))
    import_file(app, "contacts", path)
    with app.session() as session:
        ids = dict(session.execute(select(Contact.source_ref, Contact.id)).all())
    before = state(app)

    again = import_file(app, "contacts", path)

    assert (again.read, again.inserted, again.updated, again.unchanged) == (14, 0, 0, 14)
    after = state(app)
    assert after["rollup"] == before["rollup"] and after["contacts"] == before["contacts"]
    assert after["counts"] == {**before["counts"], "audit_events": before["counts"]["audit_events"] + 1}
    with app.session() as session:
        assert dict(session.execute(select(Contact.source_ref, Contact.id)).all()) == ids
    assert figures(app, ["contacts.total"]) == {"contacts.total": 108}


def test_edited_rows_update_the_figures(app: App, centre: int, tmp_path: Path) -> None:
    import_file(app, "contacts", write(tmp_path, csv_text(CONTACTS)))
    edited = [dict(r) for r in CONTACTS]
    by_id = {r["id"]: r for r in edited}
    by_id["c-01"]["headcount"] = "30"  # 3 -> 30 reception entries
    by_id["d-01"]["attr.public"] = "professional"  # moves 20 people from one disability counter to the other
    by_id["c-04"].update(modality="individual_advice", channel="walk_in")  # no longer remote
    by_id["n-01"]["occurred_at"] = "2024-05-08T15:30"  # another day and month
    edited.append(
        {
            "id": "c-99",
            "occurred_at": "2024-06-01T10:00",
            "audience": "general",
            "modality": "multimedia",
            "headcount": "4",
        }
    )

    result = import_file(app, "contacts", write(tmp_path, csv_text(edited), "edited.csv"))

    assert (result.read, result.inserted, result.updated, result.unchanged) == (15, 1, 4, 10)
    expected = expected_contact_figures(edited)
    assert expected["contacts.total"] == 108 + 27 + 4
    assert expected["disability.public"] == 0 and expected["individual_advice.remote"] == 0
    assert figures(app, expected) == expected
    assert figures(app, ["neet.awareness"], date(2024, 3, 1), date(2024, 3, 31)) == {"neet.awareness": 0}
    assert figures(app, ["neet.awareness"], date(2024, 5, 8), date(2024, 5, 8)) == {"neet.awareness": 5}
    assert_rollup_exact(app)
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 15
        assert session.scalar(select(Contact.headcount).where(Contact.source_ref == "c-01")) == 30


def test_times_of_the_clock_changes_are_unchanged_when_imported_again(app: App, centre: int, tmp_path: Path) -> None:
    rows = [
        {
            "id": "dst-1",
            "occurred_at": "2024-10-27T02:30",
            "audience": "general",
            "modality": "reception",
        },  # the hour that happens twice
        {
            "id": "dst-2",
            "occurred_at": "2024-03-31T02:30",
            "audience": "general",
            "modality": "reception",
        },  # the hour that never happens
        {"id": "dst-3", "occurred_at": "2024-10-27T02:30+01:00", "audience": "general", "modality": "reception"},
    ]
    path = write(tmp_path, csv_text(rows))
    import_file(app, "contacts", path)
    before = state(app)
    again = import_file(app, "contacts", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert state(app)["rollup"] == before["rollup"]
    with app.session() as session:
        stored = dict(session.execute(select(Contact.source_ref, Contact.occurred_at)).all())
    assert stored["dst-1"] == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # the first 02:30, still summer time
    assert stored["dst-3"] == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


def test_same_id_in_two_centres_is_two_contacts(app: App, centre: int, tmp_path: Path) -> None:
    rows = [
        {
            "id": "x-1",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "2",
        },
        {
            "id": "x-1",
            "centre": "lux",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "5",
        },
    ]
    result = import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)
    assert (result.inserted, result.created_centres) == (2, ["lux"])
    with app.session() as session:
        lux = session.scalar(select(Centre.id).where(Centre.code == "lux"))
    assert figures(app, ["contacts.total"]) == {"contacts.total": 7}
    with app.db.engine.connect() as conn:
        assert totals(conn, ["contacts.total"], *EVER, centre_ids=[lux]) == {"contacts.total": 5}


# ------------------------------------------------------------------------------------------------
# Bad files: a clear error, and nothing imported

HEADER = ",".join(COLUMNS["contacts"])
OK1 = "a-1,2024-03-04T09:15,bxl,reception,general,reception,walk_in,learn,fr,3,,,,,"
OK2 = "a-2,2024-03-04T10:00,bxl,advice,general,individual_advice,walk_in,work,fr,1,woman,25_29,,,"
OK3 = "a-3,2024-03-05T10:00,bxl,,general,multimedia,,,,12,,,,,"
# The shared modalities, then those the plugins add (the NEET plugin's field awareness).
MODALITIES = "individual_advice, group_activity, multimedia, reception, remote_advice, field_awareness"


def lines(*items: str) -> str:
    return "\n".join(items) + "\n"


BAD_FILES: list[tuple[str, str | bytes, list[str]]] = [
    (
        "value out of range",
        lines(HEADER, OK1, "a-2,2024-03-04T10:00,bxl,advice,general,individual_advice,walk_in,work,fr,-2,,,,,", OK3),
        ["line 3, column headcount: -2 is below 1"],
    ),
    (
        "several bad rows, several bad values",
        lines(
            HEADER,
            "a-1,2024-03-04T09:15,bxl,reception,general,coffee,walk_in,learn,fr,3,,,,,",
            OK2,
            "a-3,04/03/2024,bxl,,general,multimedia,walk_in,learn;astrology,fr,2,,,,,",
            "a-4,2024-03-05T10:00,bxl,,general,multimedia,,,,many,,elderly,,,",
        ),
        [
            f"line 2, column modality: 'coffee' is not a modality; use one of: {MODALITIES}",
            "line 4, column occurred_at: '04/03/2024' is not an ISO 8601 date or timestamp (e.g. 2019-03-05T10:30)",
            "line 4, column themes: 'astrology' is not a theme; use ;-separated codes from: choose, learn, work, "
            "move, self_employment",
            "line 5, column headcount: 'many' is not a whole number",
            "line 5, column age_band: 'elderly' is not a age band; use one of: under_18, 18_24, 25_29, 30_49, "
            "50_54, 55_64, 65_plus, unknown",
        ],
    ),
    (
        "missing required columns",
        lines("id,centre,site,modality,headcount", "a-1,bxl,reception,reception,3"),
        [
            "line 1: missing required column(s) occurred_at, audience; the header must have at least "
            "id,occurred_at,centre,audience,modality"
        ],
    ),
    (
        "no id column",
        lines(HEADER.replace("id,", "ref,", 1), OK1),
        ["line 1: missing required column(s) id;"],
    ),
    (
        "duplicate header column",
        lines(HEADER + ",site", OK1 + ",reception"),
        ["line 1, column site: the column appears twice (columns 4 and 16)"],
    ),
    (
        "truncated row",
        lines(HEADER, OK1, "a-2,2024-03-04T10:00,bxl,advice,general", OK3),
        [
            "line 3: 5 values where the header has 15 columns (the row is truncated, or a line break inside a "
            "value is not quoted)"
        ],
    ),
    (
        "truncated file, in the middle of a quoted value",
        HEADER
        + "\n"
        + OK1
        + '\na-2,2024-03-04T10:00,bxl,advice,general,individual_advice,walk_in,work,fr,1,,,,,"Cherche un stage en\n',
        [
            'line 3: a quoted value opened on this line is never closed (the file is truncated, or a closing " '
            "is missing)"
        ],
    ),
    (
        "too many values",
        lines(
            HEADER,
            OK1,
            "a-2,2024-03-04T10:00,bxl,advice,general,individual_advice,walk_in,work,fr,1,,,,,Cherche un emploi, "
            "vendeuse",
        ),
        ["line 3: 16 values where the header has 15 columns (a value with a comma must be quoted)"],
    ),
    (
        "not UTF-8",
        lines(HEADER, OK1, OK2 + "Diplôme reconnu", OK3).encode("latin-1"),
        ["line 3: byte 0xf4 at position "],
    ),
    (
        "UTF-16",
        lines(HEADER, OK1).encode("utf-16"),
        ["line 1: the file is in UTF-16; it must be in UTF-8"],
    ),
    ("empty file", b"", ["the file is empty: it must start with a header row (id,occurred_at,centre,"]),
    ("blank lines only", "\n\n\n", ["the file is empty"]),
    ("header only", lines(HEADER), ["the file has a header but no rows"]),
    (
        "duplicate id",
        lines(HEADER, OK1, OK2, OK1.replace("09:15", "11:15")),
        ["line 4, column id: 'a-1' already appears on line 2 for the same centre"],
    ),
    ("missing id", lines(HEADER, OK1, "," + OK2.split(",", 1)[1]), ["line 3, column id: is required"]),
    (
        "id too long",
        lines(HEADER, "x" * 65 + OK1[3:]),
        ["line 2, column id: 'xxxxxxxxxxxxxxxxxxxx'... is longer than 64 characters"],
    ),
    (
        "unknown centre",
        lines(HEADER, OK1, OK2.replace(",bxl,", ",lux,")),
        ["line 3, column centre: unknown centre code 'lux' (use --create-missing to create it)"],
    ),
    (
        "unknown site",
        lines(HEADER, OK1.replace("reception,general", "attic,general")),
        ["line 2, column site: unknown site code 'attic' in centre 'bxl' (use --create-missing to create it)"],
    ),
    (
        "bad attribute value",
        lines(HEADER + ",attr.place", "n-1,2024-03-08T15:30,bxl,,neet,field_awareness,field,work,fr,5,,,,,,moon"),
        [
            "line 2, column attr.place: 'moon' is not one of: street, youth_centre, neighbourhood_centre, "
            "social_media, school, public_service, event, other"
        ],
    ),
    (
        "attribute of another audience",
        lines(HEADER + ",attr.commune", OK1 + ",ixelles"),
        ["line 2, column attr.commune: is not a field of this audience"],
    ),
]


@pytest.mark.parametrize(
    ("content", "expected"), [(c, e) for _, c, e in BAD_FILES], ids=[name for name, _, _ in BAD_FILES]
)
def test_bad_file_imports_nothing_and_says_why(
    app: App, centre: int, tmp_path: Path, content: str | bytes, expected: list[str]
) -> None:
    before = state(app)
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, content))
    problems = failed.value.problems
    assert len(problems) == len(expected), problems
    for problem, wanted in zip(problems, expected):
        assert problem.startswith(wanted), (problem, wanted)
    after = state(app)
    assert after["counts"]["contacts"] == 0 and after["rollup"] == {}
    assert after == before


def test_not_utf8_names_the_line_and_byte(app: App, centre: int, tmp_path: Path) -> None:
    content = lines(HEADER, OK1, OK2 + "Diplôme reconnu", OK3).encode("latin-1")
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, content))
    offset = content.index(b"\xf4") + 1
    column = len(OK2 + "Dipl") + 1
    (problem,) = failed.value.problems
    assert problem.startswith(
        f"line 3: byte 0xf4 at position {column} of the line (byte {offset} of the file) is not UTF-8;"
    )
    assert 'the file must be in UTF-8 (in a spreadsheet, save it as "CSV UTF-8")' in problem


def test_utf8_bom_and_crlf_are_accepted(app: App, centre: int, tmp_path: Path) -> None:
    content = "\ufeff" + "\r\n".join([HEADER, OK1, OK2.replace(",,,", ",,,Diplôme reconnu"), OK3]) + "\r\n"
    result = import_file(app, "contacts", write(tmp_path, content))
    assert result.inserted == 3
    with app.session() as session:
        assert session.scalar(select(Contact.note).where(Contact.source_ref == "a-2")) == "Diplôme reconnu"
    assert figures(app, ["contacts.total", "multimedia.entries"]) == {"contacts.total": 16, "multimedia.entries": 12}


def test_many_problems_are_listed_then_counted(
    app: App, centre: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_check, "MAX_PROBLEMS", 5)
    bad = [f"b-{i},2024-03-04T09:15,bxl,,general,reception,,,,0,,,,," for i in range(12)]
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, lines(HEADER, *bad)))
    assert failed.value.problems[:5] == [f"line {n}, column headcount: 0 is below 1 [range]" for n in range(2, 7)]
    assert failed.value.problems[5:] == ["... and 7 more problem(s)"]


def test_unknown_columns_are_ignored_and_reported(app: App, centre: int, tmp_path: Path) -> None:
    result = import_file(app, "contacts", write(tmp_path, lines(HEADER + ",exported_by,,", OK1 + ",nadia,,")))
    assert result.inserted == 1 and result.ignored_columns == ["exported_by"]
    assert "Ignored column(s) this import does not know: exported_by" in result.describe()


def test_optional_columns_may_be_left_out(app: App, centre: int, tmp_path: Path) -> None:
    content = lines("modality,audience,centre,occurred_at,id", "multimedia,general,bxl,2024-03-04T09:15,m-1")
    result = import_file(app, "contacts", write(tmp_path, content))
    assert result.inserted == 1
    with app.session() as session:
        contact = session.scalars(select(Contact)).one()
    assert (contact.headcount, contact.channel, contact.site_id, contact.note) == (1, "walk_in", None, "")


# ------------------------------------------------------------------------------------------------
# All or nothing, even when something breaks half-way


def failing_after_first_batch(monkeypatch: pytest.MonkeyPatch, app: App) -> list[int]:
    """Make the bulk inserts write batches of 3 rows and break once the first one is in.

    New rows go through ``insert_rows`` (SQLite: rows made while checking) or ``insert_records``.
    """
    written: list[int] = []

    def boom_after(conn: Any) -> Callable[[int], None]:
        def boom(n: int) -> None:
            written.append(conn.scalar(select(func.count()).select_from(Contact)))
            raise RuntimeError("disk full")

        return boom

    real_records, real_rows = bulk.insert_records, bulk.insert_rows

    def insert_records(app_: App, conn: Any, kind: str, records: Any, on_batch: Any = None, **options: Any) -> int:
        return real_records(app_, conn, kind, records, on_batch=boom_after(conn), **options)

    def insert_rows(conn: Any, kind: str, rows: Any, ids: Any = None, on_batch: Any = None) -> int:
        return real_rows(conn, kind, rows, ids=ids, on_batch=boom_after(conn))

    monkeypatch.setattr(bulk, "BATCH", 3)
    monkeypatch.setattr(bulk, "insert_records", insert_records)
    monkeypatch.setattr(bulk, "insert_rows", insert_rows)
    return written


def test_a_crash_half_way_leaves_the_database_unchanged(
    app: App, centre: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(app)
    written = failing_after_first_batch(monkeypatch, app)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(app, "contacts", write(tmp_path, csv_text(CONTACTS)), create_missing=True)
    assert written == [3]  # the first batch was in the database when it broke
    assert state(app) == before
    assert state(app)["counts"]["contacts"] == 0


def test_a_crash_after_updates_rolls_them_back_too(
    app: App, centre: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(app, "contacts", write(tmp_path, csv_text(CONTACTS)))
    before = state(app)
    edited = [dict(r, headcount="9") for r in CONTACTS] + [
        {
            "id": f"new-{i}",
            "centre": "lux",
            "occurred_at": "2024-06-01T10:00",
            "audience": "general",
            "modality": "multimedia",
            "site": "hall",
        }
        for i in range(7)
    ]
    written = failing_after_first_batch(monkeypatch, app)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(app, "contacts", write(tmp_path, csv_text(edited), "edited.csv"), create_missing=True)
    assert written == [17]  # 14 updated in place, 3 new, then it broke
    assert state(app) == before  # no update, no new row, no new centre or site, the same roll-up


# ------------------------------------------------------------------------------------------------
# --create-missing


def test_create_missing_creates_centres_and_sites_and_says_so(app: App, centre: int, tmp_path: Path) -> None:
    rows = [
        {
            "id": "l-1",
            "centre": "lux",
            "site": "truck-1",
            "occurred_at": "2024-03-04T09:15",
            "audience": "formtruck",
            "modality": "individual_advice",
            "channel": "field",
            "headcount": "4",
            "attr.commune": "outside_brussels",
        },
        {
            "id": "l-2",
            "centre": "lux",
            "site": "truck-1",
            "occurred_at": "2024-03-04T11:15",
            "audience": "formtruck",
            "modality": "individual_advice",
            "channel": "field",
            "headcount": "2",
            "attr.commune": "outside_brussels",
        },
        {
            "id": "l-3",
            "centre": "lux",
            "occurred_at": "2024-03-05T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "3",
        },
        {
            "id": "b-1",
            "site": "rooftop",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "multimedia",
            "headcount": "5",
        },
    ]
    path = write(tmp_path, csv_text(rows))
    before = state(app)
    with pytest.raises(ImportFailed) as refused:
        import_file(app, "contacts", path)
    assert refused.value.problems == [
        "line 2, column centre: unknown centre code 'lux' (use --create-missing to create it)",
        "line 3, column centre: unknown centre code 'lux' (use --create-missing to create it)",
        "line 4, column centre: unknown centre code 'lux' (use --create-missing to create it)",
        "line 5, column site: unknown site code 'rooftop' in centre 'bxl' (use --create-missing to create it)",
    ]
    assert state(app) == before

    result = import_file(app, "contacts", path, create_missing=True)

    assert result.created_centres == ["lux"]
    assert result.created_sites == ["lux/truck-1", "bxl/rooftop"]
    text = result.describe()
    assert "Created 1 centre(s): lux" in text and "Created 2 site(s): lux/truck-1, bxl/rooftop" in text
    with app.session() as session:
        lux = session.scalars(select(Centre).where(Centre.code == "lux")).one()
        truck = session.scalars(select(Site).where(Site.centre_id == lux.id, Site.code == "truck-1")).one()
        rooftop = session.scalars(select(Site).where(Site.centre_id == centre, Site.code == "rooftop")).one()
        placed = dict(session.execute(select(Contact.source_ref, Contact.site_id)).all())
        centres = dict(session.execute(select(Contact.source_ref, Contact.centre_id)).all())
    assert lux.timezone == "Europe/Brussels"
    assert placed == {"l-1": truck.id, "l-2": truck.id, "l-3": None, "b-1": rooftop.id}
    assert centres == {"l-1": lux.id, "l-2": lux.id, "l-3": lux.id, "b-1": centre}
    with app.db.engine.connect() as conn:
        assert totals(conn, ["formtruck.users", "contacts.total"], *EVER, centre_ids=[lux.id]) == {
            "formtruck.users": 6,
            "contacts.total": 9,
        }
        assert totals(conn, ["contacts.total"], *EVER, centre_ids=[centre]) == {"contacts.total": 5}

    again = import_file(app, "contacts", path, create_missing=True)
    assert (again.unchanged, again.created_centres, again.created_sites) == (4, [], [])


def test_create_missing_creates_nothing_when_a_row_is_bad(app: App, centre: int, tmp_path: Path) -> None:
    rows = [
        {
            "id": "l-1",
            "centre": "lux",
            "site": "hall",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
        },
        {
            "id": "l-2",
            "centre": "lux",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "-1",
        },
    ]
    before = state(app)
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)
    assert failed.value.problems == ["line 3, column headcount: -1 is below 1 [range]"]
    assert state(app) == before


def test_create_missing_refuses_codes_that_cannot_be_codes(app: App, centre: int, tmp_path: Path) -> None:
    long_centre = "cite-des-metiers-de-la-region-de-bruxelles-capitale"
    rows = [
        {
            "id": "l-1",
            "centre": long_centre,
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
        },
        {
            "id": "l-2",
            "centre": long_centre,
            "occurred_at": "2024-03-04T09:16",
            "audience": "general",
            "modality": "reception",
        },
        {
            "id": "l-3",
            "site": "s" * 65,
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
        },
        {
            "id": "l-4",
            "site": "hall",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
        },
    ]
    before = state(app)
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)
    assert failed.value.problems == [
        f"line 2, column centre: {long_centre[:40]!r} cannot be a centre code (at most 32 printable characters)",
        f"line 4, column site: {'s' * 40!r} cannot be a site code (at most 64 printable characters)",
    ]
    assert state(app) == before


# ------------------------------------------------------------------------------------------------
# Activities

ACTIVITIES: list[dict[str, str]] = [
    {
        "id": "a-01",
        "starts_at": "2024-01-17T09:00",
        "site": "group-room",
        "audience": "schools",
        "title": "Explorama, 6e",
        "workshop": "explorama",
        "capacity": "25",
        "registered": "24",
        "participants": "22",
        "language": "fr",
        "themes": "choose;learn",
        "attr.school": "Athénée royal d'Uccle 1",
        "attr.education_type": "general",
        "attr.year": "6",
        "attr.place": "at_centre",
    },
    {
        "id": "a-02",
        "starts_at": "2024-01-24T13:30",
        "audience": "schools",
        "title": "Inforizon",
        "workshop": "inforizon",
        "format": "face_to_face",
        "capacity": "30",
        "registered": "28",
        "participants": "27",
        "language": "fr",
        "themes": "choose",
        "attr.school": "Institut Saint-Luc",
        "attr.education_type": "technical_qualification",
        "attr.year": "5",
        "attr.place": "at_school",
    },
    {
        "id": "a-03",
        "starts_at": "2024-02-15T14:00",
        "site": "group-room",
        "audience": "neet",
        "title": "Escape game",
        "workshop": "escape_game",
        "capacity": "10",
        "registered": "9",
        "participants": "8",
        "language": "fr",
        "themes": "work",
        "attr.partner": "amo",
    },
    {
        "id": "a-04",
        "starts_at": "2024-03-20T14:00",
        "audience": "neet",
        "title": "Jeu des métiers",
        "workshop": "career_game",
        "capacity": "12",
        "registered": "10",
        "language": "fr",
        "attr.partner": "youth_centre",
    },
    {
        "id": "a-05",
        "starts_at": "2024-02-22T12:30",
        "audience": "general",
        "title": "Atelier CV",
        "workshop": "workshop",
        "format": "online",
        "capacity": "20",
        "registered": "18",
        "participants": "15",
        "language": "fr",
        "themes": "work",
    },
    {
        "id": "a-06",
        "starts_at": "2024-03-21T09:00+01:00",
        "audience": "general",
        "title": "Salon SIEP",
        "workshop": "fair",
        "participants": "850",
        "language": "fr",
        "themes": "choose;learn",
    },
]


def number(row: Mapping[str, str], name: str) -> int:
    return int(row.get(name) or 0)


ACTIVITY_COUNTERS: dict[str, tuple[Callable[[Mapping[str, str]], int], Callable[[Mapping[str, str]], bool]]] = {
    "group_activities.count": (lambda r: 1, lambda r: True),
    "group_activities.online": (lambda r: 1, lambda r: r.get("format") == "online"),
    "group_activities.face_to_face": (lambda r: 1, lambda r: r.get("format", "face_to_face") in ("", "face_to_face")),
    "group_activities.participants": (lambda r: number(r, "participants"), lambda r: True),
    "group_activities.registered": (lambda r: number(r, "registered"), lambda r: True),
    "contacts.total": (lambda r: number(r, "participants"), lambda r: True),
    "events.contacts": (lambda r: number(r, "participants"), lambda r: r.get("workshop") == "fair"),
    "schools.visits": (lambda r: 1, lambda r: r["audience"] == "schools"),
    "schools.pupils": (lambda r: number(r, "participants"), lambda r: r["audience"] == "schools"),
    "schools.at_school": (lambda r: 1, lambda r: r["audience"] == "schools" and r.get("attr.place") == "at_school"),
    "neet.group_activities": (lambda r: 1, lambda r: r["audience"] == "neet"),
    "neet.group_participants": (lambda r: number(r, "participants"), lambda r: r["audience"] == "neet"),
    "general.reached": (lambda r: number(r, "participants"), lambda r: r["audience"] == "general"),
    "neet.reached": (lambda r: number(r, "participants"), lambda r: r["audience"] == "neet"),
    "disability.reached": (lambda r: number(r, "participants"), lambda r: r["audience"] == "disability"),
    "prisons.reached": (lambda r: number(r, "participants"), lambda r: r["audience"] == "prisons"),
}


def expected_activity_figures(rows: list[dict[str, str]]) -> dict[str, int]:
    return {key: sum(weight(r) for r in rows if which(r)) for key, (weight, which) in ACTIVITY_COUNTERS.items()}


def test_activities_import_update_and_figures(app: App, centre: int, tmp_path: Path) -> None:
    result = import_file(app, "activities", write(tmp_path, csv_text(ACTIVITIES, "activities")))
    assert (result.read, result.inserted) == (6, 6)
    expected = expected_activity_figures(ACTIVITIES)
    assert (expected["schools.pupils"], expected["events.contacts"], expected["group_activities.face_to_face"]) == (
        49,
        850,
        5,
    )
    assert figures(app, expected) == expected
    with app.session() as session:
        rows = {a.source_ref: a for a in session.scalars(select(Activity))}
    assert rows["a-04"].participants is None and rows["a-04"].format == "face_to_face"
    assert rows["a-01"].attributes == {
        "school": "Athénée royal d'Uccle 1",
        "education_type": "general",
        "year": "6",
        "place": "at_centre",
    }
    assert rows["a-06"].starts_at == datetime(2024, 3, 21, 8, 0, tzinfo=UTC)

    # The career game took place: its participants are entered in the source and imported again.
    edited = [dict(r) for r in ACTIVITIES]
    edited[3]["participants"] = "9"
    again = import_file(app, "activities", write(tmp_path, csv_text(edited, "activities"), "edited.csv"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 5)
    expected = expected_activity_figures(edited)
    assert expected["neet.group_participants"] == 17
    assert figures(app, expected) == expected
    assert_rollup_exact(app)


def test_bad_activities_are_refused(app: App, centre: int, tmp_path: Path) -> None:
    rows = [
        dict(ACTIVITIES[0], participants="-4"),
        dict(ACTIVITIES[2], workshop="escape room!", format="hybrid"),
        {k: v for k, v in ACTIVITIES[1].items() if k != "starts_at"},
    ]
    with pytest.raises(ImportFailed) as failed:
        import_file(app, "activities", write(tmp_path, csv_text(rows, "activities")))
    assert failed.value.problems == [
        "line 2, column participants: -4 is below 0 [range]",
        "line 3, column workshop: 'escape room!' is not a workshop code (letters, digits, _ and -)",
        "line 3, column format: 'hybrid' is not a format; use one of: face_to_face, online [choice]",
        "line 4, column starts_at: is empty [required]",
    ]
    assert state(app)["counts"]["activities"] == 0 and state(app)["rollup"] == {}


# ------------------------------------------------------------------------------------------------
# The example files


def read_example(name: str) -> list[dict[str, str]]:
    with open(EXAMPLES / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_example_files_import_on_a_fresh_database(app: App) -> None:
    contacts, activities = read_example("contacts.csv"), read_example("activities.csv")
    assert len(contacts) == 40 and len({r["audience"] for r in contacts}) == 7
    assert len(activities) == 15

    first = import_file(app, "contacts", EXAMPLES / "contacts.csv", create_missing=True)
    second = import_file(app, "activities", EXAMPLES / "activities.csv", create_missing=True)

    assert (first.inserted, first.created_centres) == (40, ["bxl"])
    assert "bxl/truck-flagey" in first.created_sites and "bxl/prison-haren" in first.created_sites
    assert (second.inserted, second.created_centres, second.created_sites) == (15, [], ["bxl/group-room"])
    expected = expected_contact_figures(contacts)
    for key, value in expected_activity_figures(activities).items():
        expected[key] = expected.get(key, 0) + value  # people reached: contacts' headcount + participants
    assert expected["contacts.total"] == sum(headcount(r) for r in contacts) + sum(
        number(r, "participants") for r in activities
    )
    assert (expected["schools.visits"], expected["schools.at_school"], expected["neet.group_activities"]) == (5, 2, 3)
    assert figures(app, expected) == expected
    assert_rollup_exact(app)

    again = import_file(app, "contacts", EXAMPLES / "contacts.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 40)


# ------------------------------------------------------------------------------------------------
# The command line


def run(*args: str) -> Any:
    from tremplin.core.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_imports_the_examples_and_refuses_a_bad_file(db_url: str, tmp_path: Path) -> None:
    refused = run("--database-url", db_url, "import", "contacts", str(EXAMPLES / "contacts.csv"))
    assert refused.exit_code == 1
    assert "Nothing was imported: 40 problem(s) in" in refused.stderr
    assert "line 2, column centre: unknown centre code 'bxl' (use --create-missing to create it)" in refused.stderr

    done = run("--database-url", db_url, "import", "contacts", str(EXAMPLES / "contacts.csv"), "--create-missing")
    assert done.exit_code == 0, done.output
    assert "40 rows read, 40 inserted, 0 updated, 0 unchanged" in done.stdout
    assert "Created 1 centre(s): bxl" in done.stdout

    activities = run(
        "--database-url", db_url, "import", "activities", str(EXAMPLES / "activities.csv"), "--create-missing"
    )
    assert activities.exit_code == 0, activities.output
    assert "15 rows read, 15 inserted" in activities.stdout and "Created 1 site(s): bxl/group-room" in activities.stdout

    bad = write(
        tmp_path,
        lines(HEADER, OK1, "a-2,2024-03-04T10:00,bxl,advice,general,individual_advice,walk_in,work,fr,-2,,,,,"),
    )
    failed = run("--database-url", db_url, "import", "contacts", str(bad))
    assert failed.exit_code == 1
    assert f"Nothing was imported: 1 problem(s) in {bad}" in failed.stderr
    assert "line 3, column headcount: -2 is below 1" in failed.stderr

    again = run("--database-url", db_url, "import", "activities", str(EXAMPLES / "activities.csv"))
    assert again.exit_code == 0 and "0 inserted, 0 updated, 15 unchanged" in again.stdout

    from tests.conftest import make_app

    check = make_app(db_url)
    try:
        assert state(check)["counts"]["contacts"] == 40
        assert figures(check, ["schools.visits"]) == {"schools.visits": 5}
    finally:
        check.close()


# ------------------------------------------------------------------------------------------------
# Odds and ends


def test_progress_bar_on_a_terminal(app: App, centre: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    result = import_file(app, "contacts", write(tmp_path, csv_text(CONTACTS)), progress=True)
    assert result.inserted == 14


def test_large_sqlite_imports_restore_the_page_cache(
    app: App, centre: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if app.db.dialect != "sqlite":
        pytest.skip("a SQLite setting")
    monkeypatch.setattr(importer, "SQLITE_CACHE_FROM_ROWS", 1)
    with app.db.engine.connect() as conn:
        default = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    import_file(app, "contacts", write(tmp_path, csv_text(CONTACTS)))
    with app.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == default


def test_unknown_kind_is_refused(app: App, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown kind of file 'cases'"):
        import_file(app, "cases", write(tmp_path, lines(HEADER, OK1)))


FAST_PATH_CASES: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "3",
        },
        None,
    ),
    (
        {
            "centre": " bxl ",
            "site": " advice ",
            "occurred_at": " 2024-03-04T09:15:30.250 ",
            "audience": " neet ",
            "modality": " individual_advice ",
            "channel": " phone ",
            "themes": " work ; learn ;work;",
            "language": " nl ",
            "headcount": " 12 ",
            "gender": " woman ",
            "age_band": "18_24",
            "education": "isced_3_4",
            "labour_status": "unemployed",
            "note": "Suivi",
        },
        {"place": "street", "partner": ""},
    ),
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-31T02:30",
            "audience": "general",
            "modality": "multimedia",
            "headcount": "",
        },
        {},
    ),  # a time that never was (summer time)
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-10-27T02:30",
            "audience": "general",
            "modality": "multimedia",
            "headcount": 0,
        },
        None,
    ),  # a time that was twice
    (
        {"centre": "bxl", "occurred_at": "2024-03-04", "audience": "general", "modality": "multimedia", "headcount": 7},
        None,
    ),
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15-05:00",
            "audience": "disability",
            "modality": "reception",
            "channel": "event",
            "headcount": "20",
        },
        {"public": "target", "adaptations": "easy_read;sign_language"},
    ),
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15",
            "audience": "ukrainian",
            "modality": "individual_advice",
            "language": "uk",
        },
        {"service_language": "uk", "questions": ["job_search"]},
    ),
    (
        {
            "centre": "bxl",
            "site": "truck-flagey",
            "occurred_at": "2024-03-04T09:15",
            "audience": "formtruck",
            "modality": "individual_advice",
            "channel": "field",
        },
        {"commune": "ixelles", "place": "Place Flagey"},
    ),
    # Refused: each must give the general way's errors.
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "0",
        },
        None,
    ),
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": True,
        },
        None,
    ),
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "1.5",
        },
        None,
    ),
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "headcount": "100001",
        },
        None,
    ),
    ({"centre": "bxl", "occurred_at": "", "audience": "general", "modality": "reception"}, None),
    ({"centre": "bxl", "occurred_at": "2024-03-04T09:15", "audience": "General", "modality": "reception"}, None),
    (
        {
            "centre": "bxl",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
            "themes": "work;Learn",
        },
        None,
    ),
    (
        {
            "centre": "bxl",
            "site": "attic",
            "occurred_at": "2024-03-04T09:15",
            "audience": "general",
            "modality": "reception",
        },
        None,
    ),
    ({"centre": "nowhere", "occurred_at": "2024-03-04T09:15", "audience": "general", "modality": "reception"}, None),
    (
        {"centre": "bxl", "occurred_at": "2024-03-04T09:15", "audience": "neet", "modality": "field_awareness"},
        {"place": "moon"},
    ),
    (
        {"centre": "bxl", "occurred_at": "2024-03-04T09:15", "audience": "general", "modality": "reception"},
        {"commune": "ixelles"},
    ),
]


@pytest.mark.parametrize(("raw", "attributes"), FAST_PATH_CASES)
def test_the_fast_way_and_the_general_way_agree(
    app: App, centre: int, raw: dict[str, Any], attributes: dict[str, Any] | None
) -> None:
    """``Cleaner.contact`` takes a shortcut for clean rows; it must give what the general way gives."""
    with app.db.engine.connect() as conn:
        lookup = Lookup.load(app, conn)
    fast = Cleaner(app, lookup)
    general = Cleaner(app, lookup)
    general._fast_contact = lambda raw, attributes: None  # type: ignore[method-assign]

    def outcome(cleaner: Cleaner) -> Any:
        try:
            return cleaner.contact(raw, attributes)
        except ValueError as exc:
            return ("refused", str(exc))

    expected = outcome(general)
    assert outcome(fast) == expected
    assert outcome(fast) == expected  # and again, from its caches
    took_shortcut = fast._fast_contact(raw, attributes) is not None
    if isinstance(expected, tuple):
        assert not took_shortcut
    elif not isinstance((attributes or {}).get("questions"), list):
        assert took_shortcut, "a clean text row should not need the general way"
