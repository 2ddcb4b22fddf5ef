"""The bulk path stores exactly what the ORM would, and keeps the roll-up exact."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tremplin.core import bulk, records, rollup
from tremplin.core.models import Contact
from tremplin.core.validation import Cleaner, Lookup

COLUMNS = (
    "occurred_at",
    "day",
    "audience",
    "modality",
    "channel",
    "themes",
    "language",
    "headcount",
    "gender",
    "age_band",
    "education",
    "labour_status",
    "attributes",
    "note",
    "site_id",
    "centre_id",
)


def test_bulk_rows_read_back_like_orm_rows(app, centre):
    raw = [
        (
            {
                "centre": "bxl",
                "site": "advice",
                "occurred_at": "2024-03-31T02:30",
                "audience": "neet",
                "modality": "field_awareness",
                "channel": "field",
                "themes": "work;learn",
                "headcount": "3",
                "language": "fr",
                "note": "Rappeler au 0470 12 34 56",
            },
            {"place": "street", "partner": "amo"},
        ),
        (
            {
                "centre": "bxl",
                "occurred_at": "2024-12-31T23:59:59.123456+00:00",
                "audience": "ukrainian",
                "modality": "individual_advice",
                "channel": "telegram",
                "language": "uk",
            },
            {"service_language": "uk", "questions": "work_permit;language_courses"},
        ),
    ]
    with app.transaction() as session:
        for values, attrs in raw:
            records.log_contact(app, session, values, attrs)
    with app.db.engine.begin() as conn:
        cleaner = Cleaner(app, Lookup.load(app, conn))
        bulk.insert_records(app, conn, "contacts", [cleaner.contact(values, attrs) for values, attrs in raw])
    with app.session() as session:
        stored = session.scalars(select(Contact).order_by(Contact.id)).all()
        assert len(stored) == 4
        orm_values = [tuple(getattr(c, name) for name in COLUMNS) for c in stored[:2]]
        bulk_values = [tuple(getattr(c, name) for name in COLUMNS) for c in stored[2:]]
        # Read back, exactly the same values, timestamps to the microsecond and JSON included.
        assert bulk_values == orm_values
        assert stored[3].occurred_at == datetime(2024, 12, 31, 23, 59, 59, 123456, tzinfo=UTC)
        assert "0470" not in stored[2].note
        # The same timestamp is found by a range query whichever path stored it.
        moment = stored[2].occurred_at
        assert (
            session.scalar(select(Contact.id).where(Contact.occurred_at == moment, Contact.id == stored[2].id))
            == stored[2].id
        )
    with app.db.engine.begin() as conn:
        live = rollup.snapshot(conn)
        rollup.rebuild(app, conn)
        assert rollup.snapshot(conn) == live


def test_bulk_rows_are_stored_as_the_same_text_on_sqlite(app, centre):
    """On SQLite the values are text: the bulk path must write the very same strings as SQLAlchemy."""
    if app.db.dialect != "sqlite":
        return
    from sqlalchemy import text

    values = {
        "centre": "bxl",
        "occurred_at": "2025-06-02T09:15",
        "audience": "general",
        "modality": "reception",
        "themes": "move;choose",
    }
    with app.transaction() as session:
        records.log_contact(app, session, values, {"question": "mobility"})
    with app.db.engine.begin() as conn:
        bulk.insert_records(
            app, conn, "contacts", [Cleaner(app, Lookup.load(app, conn)).contact(values, {"question": "mobility"})]
        )
        raw = conn.execute(text("SELECT occurred_at, day, themes, attributes FROM contacts ORDER BY id")).all()
    assert raw[0] == raw[1]
    assert raw[0][0] == "2025-06-02 07:15:00.000000"


def test_driver_conversion_of_timestamps_across_clock_changes():
    """The per-hour offset cache gives what ``astimezone(utc)`` gives, in the gap and in the fold too."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from tremplin.core.bulk import SQLiteRows

    rows = SQLiteRows(Contact.__table__)
    brussels, kyiv = ZoneInfo("Europe/Brussels"), ZoneInfo("Europe/Kyiv")
    start = datetime(2024, 3, 30, tzinfo=UTC)
    moments = [start + timedelta(minutes=17 * i) for i in range(400)]  # two days around the spring change
    moments += [datetime(2024, 10, 27, 2, 30, fold=f, tzinfo=brussels) for f in (0, 1)]
    moments += [datetime(2024, 3, 31, 2, 30, tzinfo=brussels)]  # in the gap
    for moment in moments:
        for zone in (brussels, kyiv, UTC):
            local = moment.astimezone(zone) if moment.tzinfo is UTC else moment
            expected = local.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            assert rows._stamp(local) == expected, local
