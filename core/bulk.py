"""Writing many records at once (imports, the demo): one INSERT per batch and one roll-up upsert.

The per-record path (``tremplin.core.records``) flushes each record and lets the flush listener update the
roll-up; that is right for people typing, and far too slow for a million rows. Here records are
inserted with the driver's ``executemany`` and their facts are added up in memory first, so the roll-up
costs one upsert per distinct (counter, period, dimension value), not one per record. Notes are
scrubbed here too: the listener that scrubs on flush does not see Core inserts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, Date
from sqlalchemy.engine import Connection

from tremplin.core.anonymity import run_chain
from tremplin.core.db import UTCDateTime
from tremplin.core.models import Activity, Contact
from tremplin.core.personal_data import YEAR_HINT
from tremplin.core.rollup import Accumulator, activity_fact, apply_deltas

if TYPE_CHECKING:
    from tremplin.core.app import App

BATCH = 20_000
#: The table each kind of record goes to.
MODELS: dict[str, Any] = {"contacts": Contact, "activities": Activity}


class SQLiteRows:
    """Converts records to the exact values SQLAlchemy's SQLite types would store, for ``executemany``.

    SQLAlchemy converts every value of every row through its type processors, which costs more than
    the insert itself at a million rows. The conversions are the same (naive UTC timestamps with
    microseconds, ISO dates, JSON text), done with C calls, and repeated values (the same
    ``created_at`` on every row, the same few theme lists) are converted once;
    ``tests/core/test_bulk.py`` proves the stored text is identical.
    """

    def __init__(self, table: Any) -> None:
        plain, stamps, days, documents = [], [], [], []
        for column in table.columns:
            if column.name == "id":
                continue
            if isinstance(column.type, UTCDateTime):
                stamps.append(column.name)
            elif isinstance(column.type, Date):
                days.append(column.name)
            elif isinstance(column.type, JSON):
                documents.append(column.name)
            else:
                plain.append(column.name)
        self.plain, self.stamps, self.days, self.documents = plain, stamps, days, documents
        self.table = table.name
        self.columns = plain + stamps + days + documents
        self.sql = self.insert_sql()
        self._json: dict[Any, str] = {}
        self._offsets: dict[tuple[Any, ...], Any] = {}
        # The last two moments converted: a row's own time, and the created_at every row shares.
        self._last_stamp: datetime | None = None
        self._last_text: str | None = None
        self._other_stamp: datetime | None = None
        self._other_text: str | None = None
        self.convert = self._compile()

    @classmethod
    def for_kind(cls, kind: str) -> SQLiteRows:
        return cls(MODELS[kind].__table__)

    def position(self, column: str) -> int:
        """Where a column's value is in the tuples ``convert`` makes."""
        return self.columns.index(column)

    def insert_sql(self, ids: Mapping[int, int] | None = None) -> str:
        """The INSERT of a converted row; ``ids`` maps provisional centre and site ids to real ones.

        The mapping is done by SQLite (a ``CASE`` on a numbered parameter), so rows checked before
        their centre existed need no second pass in Python.
        """
        values = []
        for n, column in enumerate(self.columns, start=1):
            if ids and column in ("centre_id", "site_id"):
                cases = " ".join(f"WHEN {int(old)} THEN {int(new)}" for old, new in ids.items())
                values.append(f"CASE ?{n} {cases} ELSE ?{n} END")
            else:
                values.append(f"?{n}")
        return f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({', '.join(values)})"

    def _stamp(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value is self._last_stamp:
            return self._last_text
        if value is self._other_stamp:  # the created_at every row of a batch shares
            self._other_stamp, self._last_stamp = self._last_stamp, value
            self._other_text, self._last_text = self._last_text, self._other_text
            return self._last_text
        zone = value.tzinfo
        if zone is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        # Asking a zone for its offset is the costly part: an offset holds for a whole local hour
        # (fold included), so it is asked once per hour of the file.
        local = value.replace(tzinfo=None)
        hour = (zone, local.year, local.month, local.day, local.hour, value.fold)
        offset = self._offsets.get(hour)
        if offset is None:
            offset = self._offsets[hour] = value.utcoffset()
        assert offset is not None  # the value has a zone (checked above), so an offset
        text = (local - offset).isoformat(" ", "microseconds")
        self._other_stamp, self._other_text = self._last_stamp, self._last_text
        self._last_stamp, self._last_text = value, text
        return text

    def _dumps(self, value: Any) -> str | None:
        if value is None:
            return None
        try:
            # Theme lists and flat attribute dicts, the usual values, freeze in one C call.
            key: Any = (type(value), tuple(value.items()) if isinstance(value, dict) else tuple(value))
            text = self._json.get(key)
        except TypeError:  # a nested list inside: freeze it the slow way
            key = _freeze(value)
            text = self._json.get(key)
        if text is None:
            text = json.dumps(value)
            if len(self._json) < 100_000:
                self._json[key] = text
        return text

    def _compile(self) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """``convert(row)``: one generated expression per table, no loop over columns at run time.

        (Written out rather than looped because it runs once per row: a million times per import.)
        """
        parts = [f"get({name!r})" for name in self.plain]
        parts += [f"stamp(get({name!r}))" for name in self.stamps]
        parts += [f"day(get({name!r}))" for name in self.days]
        parts += [f"dumps(get({name!r}))" for name in self.documents]
        source = "def convert(row):\n    get = row.get\n    return (" + ", ".join(parts) + ",)\n"
        namespace: dict[str, Any] = {"stamp": self._stamp, "day": _iso_day, "dumps": self._dumps}
        exec(compile(source, f"<convert {self.sql.split()[2]}>", "exec"), namespace)  # noqa: S102 - column names from our own models
        return namespace["convert"]


def _iso_day(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return ("l",) + tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return ("d",) + tuple((k, _freeze(v)) for k, v in value.items())
    return value


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]], sqlite_rows: SQLiteRows | None) -> None:
    if sqlite_rows is not None:
        conn.exec_driver_sql(sqlite_rows.sql, [sqlite_rows.convert(r) for r in rows])
        return
    for i in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[i : i + BATCH])


def insert_rows(
    conn: Connection,
    kind: str,
    rows: list[tuple[Any, ...]] | Iterable[list[tuple[Any, ...]]],
    ids: Mapping[int, int] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Insert rows already converted by ``SQLiteRows.convert`` (SQLite), in batches.

    ``rows`` is a list of rows, or an iterable of batches of them (the import streams its spooled
    rows so). Their roll-up is the caller's (``apply_deltas``): the rows were added up when they were
    made. ``ids`` maps provisional centre and site ids to real ones (see ``SQLiteRows.insert_sql``).
    """
    sql = SQLiteRows.for_kind(kind).insert_sql(ids)
    # A list of rows is one batch; anything else is already an iterable of batches (the test is on the items).
    one_batch = isinstance(rows, list) and (not rows or isinstance(rows[0], tuple))
    chunks = cast("Iterable[list[tuple[Any, ...]]]", [rows] if one_batch else rows)
    total = 0
    for chunk in chunks:
        for start in range(0, len(chunk), BATCH):
            batch = chunk[start : start + BATCH] if len(chunk) > BATCH else chunk
            conn.exec_driver_sql(sql, batch)
            total += len(batch)
            if on_batch:
                on_batch(len(batch))
    return total


def insert_records(
    app: App,
    conn: Connection,
    kind: str,
    records: Iterable[dict[str, Any]],
    on_batch: Callable[[int], None] | None = None,
    notes_scrubbed: bool = False,
) -> int:
    """Insert validated records (as ``tremplin.core.validation.Cleaner`` returns them) and roll them up.

    The record dicts are used as the rows, not copied: pass dicts the caller no longer needs.
    ``notes_scrubbed`` says the caller already passed every note and activity title through the chain
    (the import does, to refuse notes that are mostly personal data), so it is not done twice.

    ``kind`` is ``contacts`` or ``activities``. Runs in the caller's transaction: if anything fails,
    nothing of it remains.
    """
    table = MODELS[kind].__table__
    acc = Accumulator(app.compiled_counters)
    chain = list(app.registry.scrubbers.values())
    sqlite_rows = SQLiteRows(table) if conn.dialect.name == "sqlite" else None
    scrubbed: dict[Any, str] = {}

    def scrub(text: str, day: Any) -> str:
        # Exports repeat their notes ("RDV CV", "Suivi"): scrub each distinct text once (with its day
        # when it holds a year: a date is judged against the day it was written).
        key = (text, day) if YEAR_HINT.search(text) else text
        clean = scrubbed.get(key)
        if clean is None:
            clean = run_chain(text, chain, today=day).text
            if len(scrubbed) < 50_000:
                scrubbed[key] = clean
        return clean

    now = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    total = 0
    for row in records:
        # Records are used as the rows: they gain their created_at and lose their unscrubbed note.
        if "created_at" not in row:
            row["created_at"] = now
        if kind == "contacts":
            note = None if notes_scrubbed else row.get("note")
            if note:
                row["note"] = scrub(note, row.get("day"))
            acc.add_contact_row(row)
        else:
            if row.get("title") and not notes_scrubbed:
                row["title"] = scrub(row["title"], row.get("day"))
            acc.add(activity_fact(row.get))
        batch.append(row)
        if len(batch) >= BATCH:
            _insert(conn, table, batch, sqlite_rows)
            total += len(batch)
            if on_batch:
                on_batch(len(batch))
            batch = []
    if batch:
        _insert(conn, table, batch, sqlite_rows)
        total += len(batch)
        if on_batch:
            on_batch(len(batch))
    apply_deltas(conn, acc.deltas())
    return total


__all__ = ["SQLiteRows", "insert_records", "insert_rows"]
