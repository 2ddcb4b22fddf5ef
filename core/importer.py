"""Importing history from CSV files: ``tremplin import contacts|activities FILE.csv``.

The format is described in ``docs/interchange.md``. An import is all or nothing: the whole file is read
and checked first (``tremplin.core.import_check``, in two processes for a large file), and only a file without a
single bad row is written, in one transaction. Every problem is reported with its line and column, so
that a file can be fixed in one go.

Importing the same file twice changes nothing: a row is identified by its centre and its ``id`` (the
source's own identifier, stored in ``source_ref``). Rows of a centre that already holds imported rows
are compared with what is stored: left alone when identical, updated in place when not, through the
ORM, so the roll-up listener subtracts the old figures and adds the new ones. New rows take the bulk
path: on SQLite the checking already made their driver tuples and roll-up deltas
(``tremplin.core.bulk.insert_rows``), elsewhere ``tremplin.core.bulk.insert_records``. Either way the
new rows of a centre without imported rows come from a spool on disk, a chunk at a time, so that an
import's memory does not grow with its file.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tremplin.core import bulk
from tremplin.core.import_check import (
    COLUMNS,
    REQUIRED,
    Checked,
    Pending,
    ProblemLine,
    Spool,
    check_file,
    holds_imported_rows,
    remap_deltas,
    remap_records,
    utf8_problems,
)
from tremplin.core.import_messages import Reason

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from tremplin.core.app import App

#: Rows compared or updated per query when a file is imported again.
CHUNK = 500
#: SQLite page cache during a large import (from that many rows), in KiB.
SQLITE_IMPORT_CACHE_KIB = 64 * 1024
SQLITE_CACHE_FROM_ROWS = 50_000


class ImportFailed(Exception):
    """Nothing was imported; ``problems`` says why, one line per problem (``line 12, column headcount: ...``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s): " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else "")
        )


@dataclass
class ImportResult:
    """What an import did."""

    kind: str
    path: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    created_centres: list[str] = field(default_factory=list)
    #: ``centre/site`` codes of the sites created.
    created_sites: list[str] = field(default_factory=list)
    #: Header columns the import does not know and left aside.
    ignored_columns: list[str] = field(default_factory=list)
    #: Notes mostly made of personal data, stored with it masked (without ``strict_notes``).
    masked_notes: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        lines = [
            (
                f"Imported {self.kind} from {self.path}: {self.read:,} rows read, {self.inserted:,} inserted, "
                f"{self.updated:,} updated, {self.unchanged:,} unchanged ({self.seconds:.1f} s)."
            )
        ]
        if self.created_centres:
            lines.append(f"Created {len(self.created_centres)} centre(s): {', '.join(self.created_centres)}")
        if self.created_sites:
            lines.append(f"Created {len(self.created_sites)} site(s): {', '.join(self.created_sites)}")
        if self.ignored_columns:
            lines.append(f"Ignored column(s) this import does not know: {', '.join(self.ignored_columns)}")
        if self.masked_notes:
            lines.append(
                f"Masked {self.masked_notes:,} note(s) made mostly of personal data "
                "(--strict-notes refuses them instead)."
            )
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Writing


def _compare_columns(kind: str) -> tuple[str, ...]:
    if kind == "contacts":
        return (
            "site_id",
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
        )
    return (
        "site_id",
        "starts_at",
        "day",
        "audience",
        "title",
        "workshop",
        "format",
        "capacity",
        "registered",
        "participants",
        "language",
        "themes",
        "attributes",
    )


def _split(
    app: App, conn: Connection, kind: str, records: list[dict[str, Any]], fresh: set[int]
) -> tuple[list[int], list[tuple[int, int]], int]:
    """New records (indexes), changed ones (database id, index) and how many are unchanged."""
    from sqlalchemy import select

    model = bulk.MODELS[kind]
    columns = _compare_columns(kind)
    by_centre: dict[int, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        by_centre[record["centre_id"]].append(i)
    new: list[int] = []
    changed: list[tuple[int, int]] = []
    unchanged = 0
    for centre_id, indexes in by_centre.items():
        if centre_id in fresh or not holds_imported_rows(conn, kind, centre_id):
            new.extend(indexes)
            continue
        stmt = select(model.id, model.source_ref, *(getattr(model, c) for c in columns))
        for start in range(0, len(indexes), CHUNK):
            chunk = indexes[start : start + CHUNK]
            by_ref = {records[i]["source_ref"]: i for i in chunk}
            found: set[str] = set()
            for row in conn.execute(stmt.where(model.centre_id == centre_id, model.source_ref.in_(list(by_ref)))):
                i = by_ref[row.source_ref]
                found.add(row.source_ref)
                if _same(records[i], row._mapping, columns):
                    unchanged += 1
                else:
                    changed.append((row.id, i))
            new.extend(i for ref, i in by_ref.items() if ref not in found)
    return new, changed, unchanged


def _same(record: dict[str, Any], stored: Any, columns: Sequence[str]) -> bool:
    for name in columns:
        value = record[name]
        if isinstance(value, datetime):
            # Compared in UTC, as stored: an aware time in the hour a clock change repeats or skips
            # never equals a time in another zone (PEP 495), even the very same instant.
            value = value.astimezone(UTC)
        if value != stored[name]:
            return False
    return True


def _update(
    app: App,
    session: Session,
    kind: str,
    records: list[dict[str, Any]],
    changed: list[tuple[int, int]],
    advance: Callable[[int], None] | None,
) -> None:
    """Update changed rows through the ORM: the flush listener takes the old figures out and puts the new ones in."""
    from sqlalchemy import select

    model = bulk.MODELS[kind]
    for start in range(0, len(changed), CHUNK):
        chunk = dict(changed[start : start + CHUNK])
        for obj in session.scalars(select(model).where(model.id.in_(list(chunk)))):
            for name, value in records[chunk[obj.id]].items():
                if name not in ("centre_id", "source_ref"):
                    setattr(obj, name, value)
        session.flush()
        session.expunge_all()
        if advance is not None:
            advance(len(chunk))


# ------------------------------------------------------------------------------------------------
# The import


class _Progress:
    """A rich progress bar on stderr when it is a terminal, and nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description:<9}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rows]:>12,} rows"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()

    def reading(self, size: int) -> Callable[[int, int], None] | None:
        """Called with the bytes read so far (of ``size``) and the rows checked."""
        if self.bar is None:
            return None
        task = self.bar.add_task("Checking", total=max(size, 1), rows=0)
        return lambda position, rows: self.bar.update(task, completed=position, rows=rows)

    def writing(self, total: int) -> Callable[[int], None] | None:
        if self.bar is None:
            return None
        task = self.bar.add_task("Writing", total=max(total, 1), rows=0)
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            # After the last batch the counters are added up: say so rather than sit at 100%.
            self.bar.update(task, advance=n, rows=done[0], description="Counting" if done[0] >= total else "Writing")

        return advance

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def import_file(
    app: App,
    kind: str,
    path: str | os.PathLike[str],
    create_missing: bool = False,
    progress: bool = False,
    strict_notes: bool = False,
    confirmed: bool = False,
) -> ImportResult:
    """Import a CSV file of ``contacts`` or ``activities``; all or nothing.

    Raises ``ImportFailed`` listing every problem when any row is bad: then nothing is written. With
    ``create_missing`` unknown centre and site codes are created (and listed in the result) instead of
    being refused. The rows pass the rules of every way in (``tremplin.core.rules``), except that a note
    mostly made of personal data is stored masked and counted (years of history should not be refused
    for a few such notes), unless ``strict_notes``. ``confirmed``: the counts the rules question (a
    headcount far above the usual) are confirmed; otherwise their rows are listed as problems.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown kind of file {kind!r}; use one of: {', '.join(COLUMNS)}")
    started = time.perf_counter()
    path = Path(path)
    result = ImportResult(kind=kind, path=str(path))
    bar = _Progress(progress)
    # A million checked rows are a million live objects: the cyclic garbage collector would walk
    # them again and again (they hold no cycles), and that costs more than the import itself.
    collecting = gc.isenabled()
    gc.disable()
    checked: Checked | None = None
    writer = _Writer(app, kind, result, bar)
    try:
        checked = check_file(
            app,
            kind,
            path,
            create_missing,
            bar.reading,
            strict_notes=strict_notes,
            confirmed=confirmed,
            early=writer,
        )
        result.read = checked.read
        result.masked_notes = checked.masked_notes
        result.ignored_columns = checked.ignored
        if checked.not_utf8:
            raise ImportFailed(utf8_problems(path))
        if checked.problems:
            raise ImportFailed(checked.problems.lines())
        writer.finish(checked)
    finally:
        writer.close()
        if checked is not None:
            checked.close()
        if collecting:
            gc.enable()
        bar.stop()
    result.seconds = time.perf_counter() - started
    return result


class _Writer:
    """The import's one transaction (``tremplin.core.import_check.EarlyWriter``).

    A large file's new rows may be written while its second half is still being checked (``first`` and
    ``more``): the transaction then stays open until the whole file is known to be sound (``finish``
    commits), and anything found meanwhile rolls it back (``abandon``), so the import stays all or
    nothing. Otherwise ``finish`` does all the writing once the file is checked.
    """

    def __init__(self, app: App, kind: str, result: ImportResult, bar: _Progress) -> None:
        self.app, self.kind, self.result, self.bar = app, kind, result, bar
        self.conn: Connection | None = None
        self._reset()

    def _reset(self) -> None:
        self.conn = None
        self.transaction: Any = None
        self.session: Session | None = None
        self.restore_cache: int | None = None
        #: The real id of each provisional centre and site id, and the ids of the centres created.
        self.real: dict[int, int] = {}
        self.fresh: set[int] = set()
        self.centres: dict[str, Any] = {}
        self.sites: dict[tuple[str, str], int] = {}
        #: Centres found still without imported rows (``_still_first_import``) before rows went in.
        self.verified: set[int] = set()
        self.advance: Callable[[int], None] | None = None
        self.result.inserted = 0
        self.result.created_centres = []
        self.result.created_sites = []

    def _begin(self, rows: int) -> None:
        conn = self.app.db.engine.connect()
        self.conn = conn
        self.transaction = conn.begin()
        session = self.app.db.sessionmaker(bind=conn)
        session.info["app"] = self.app
        self.session = session
        self.restore_cache = _grow_sqlite_cache(conn, rows)

    # ``EarlyWriter``

    def first(self, part: Checked, estimate: int) -> None:
        self.abandon()
        self._begin(estimate)
        self.advance = self.bar.writing(estimate)
        self._guarded(part.pending, part.rows.batches(), part.centres)

    def more(self, rows: list[tuple[Any, ...]], pending: Pending, centres: set[int]) -> None:
        if self.conn is not None:
            self._guarded(pending, [rows], centres)

    def abandon(self) -> None:
        if self.conn is None:
            return
        try:
            if self.session is not None:
                self.session.close()
            if self.transaction is not None and self.transaction.is_active:
                self.transaction.rollback()
            self._restore()
        finally:
            self.conn.close()
            self._reset()

    def _guarded(self, pending: Pending, batches: Iterable[list[tuple[Any, ...]]], centres: set[int]) -> None:
        from sqlalchemy.exc import DBAPIError

        try:
            self._create(pending)
            self._insert(batches, centres)
        except (ImportFailed, DBAPIError):
            # An id used twice in a large file (its hashes are compared once it is all read), another import
            # writing to the same centre meanwhile, a locked database...: stop writing early. The check goes
            # on, and either finds the problem, or ``finish`` writes the whole file again from the start,
            # which meets (or not) what stopped this.
            self.abandon()

    # Writing

    def _create(self, pending: Pending) -> None:
        """Create the centres and sites ``--create-missing`` found, those not created yet."""
        from sqlalchemy import select

        from tremplin.core.admin import ensure_centre, ensure_site
        from tremplin.core.models import Centre

        assert self.session is not None
        session, result, real = self.session, self.result, self.real
        for code, pid in pending.centres.items():
            if pid in real:
                continue
            centre = self.centres.get(code)
            if centre is None:
                centre, created = ensure_centre(session, code, code, timezone=self.app.settings.timezone)
                self.centres[code] = centre
                if created:
                    self.fresh.add(centre.id)
                    result.created_centres.append(code)
            real[pid] = centre.id
        for (centre_code, site_code), pid in pending.sites.items():
            if pid in real:
                continue
            site_id = self.sites.get((centre_code, site_code))
            if site_id is None:
                known = self.centres.get(centre_code)
                if known is None:
                    known = session.scalars(select(Centre).where(Centre.code == centre_code)).one()
                site, created = ensure_site(session, known, site_code, site_code)
                site_id = self.sites[(centre_code, site_code)] = site.id
                if created:
                    result.created_sites.append(f"{centre_code}/{site_code}")
            real[pid] = site_id
        for alias, pid in pending.aliases.items():
            real[alias] = real[pid]

    def _insert(self, batches: Iterable[list[tuple[Any, ...]]], centres: set[int]) -> None:
        """Insert driver tuples, once their centres are known to hold no imported rows still."""
        assert self.conn is not None
        unseen = {c for c in centres if c > 0} - self.verified
        if unseen:
            _still_first_import(self.conn, self.kind, unseen)
            self.verified |= unseen
        maker = bulk.SQLiteRows.for_kind(self.kind)
        order = itemgetter(maker.position("centre_id"), maker.position("day"))
        # The rows stream from the spool a chunk at a time, so memory does not grow with the file;
        # each chunk is put in index order (a file in chronological order already is).
        in_order = (_in_index_order(batch, order) for batch in batches)
        self.result.inserted += bulk.insert_rows(self.conn, self.kind, in_order, ids=self.real, on_batch=self.advance)

    def finish(self, checked: Checked) -> None:
        """Write what is left to write, and commit."""
        from tremplin.core.audit import audit
        from tremplin.core.rollup import apply_deltas

        app, kind, result = self.app, self.kind, self.result
        records, rows = checked.records, checked.rows
        written = checked.written and self.conn is not None  # unless writing early stopped (``_guarded``)
        if not written:
            self.abandon()
            self._begin(len(records) + len(rows))
        conn, session = self.conn, self.session
        assert conn is not None and session is not None
        # The codes of both halves: those written early are created already (and aliases mapped).
        self._create(checked.pending)
        real = self.real
        if real:
            remap_records(records, real)
        new, changed, result.unchanged = _split(app, conn, kind, records, self.fresh)
        if self.advance is None:
            self.advance = self.bar.writing(len(new) + len(changed) + len(rows) + len(checked.new_records))
        advance = self.advance
        if checked.new_records:
            _still_first_import(conn, kind, checked.centres)
        if rows:
            if not written:
                self._insert(rows.batches(), checked.centres)
            site_dims = app.compiled_counters.site_dimensions
            apply_deltas(conn, remap_deltas(checked.deltas, real, site_dims) if real else checked.deltas)
        if checked.new_records:
            spooled = _spooled_records(checked.new_records, real)
            result.inserted += bulk.insert_records(app, conn, kind, spooled, on_batch=advance, notes_scrubbed=True)
        if changed:
            _update(app, session, kind, records, changed, advance)
        result.updated = len(changed)
        if new:
            records = [records[i] for i in new] if len(new) != len(records) else records
            records = _in_index_order(records, _index_order)
            result.inserted += bulk.insert_records(app, conn, kind, records, on_batch=advance, notes_scrubbed=True)
        audit(
            session,
            f"import.{kind}",
            object_type=kind,
            file=result.path,
            read=result.read,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            created_centres=result.created_centres,
            created_sites=result.created_sites,
        )
        session.flush()
        session.close()
        self.session = None
        self._restore()
        self.transaction.commit()
        self.transaction = None

    def _restore(self) -> None:
        if self.restore_cache is not None and self.conn is not None:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={self.restore_cache}")
            self.restore_cache = None

    def close(self) -> None:
        """Roll back unless ``finish`` committed; give the connection back."""
        if self.conn is None:
            return
        if self.transaction is not None:
            self.abandon()
        else:
            self.conn.close()
            self.conn = None


def _still_first_import(conn: Connection, kind: str, centres: set[int]) -> None:
    """Rows checked as new because their centre held no imported row: is that still so?

    Another import may have written to the same centre while this file was being checked.
    """
    if any(holds_imported_rows(conn, kind, centre_id) for centre_id in sorted(c for c in centres if c > 0)):
        raise ImportFailed([ProblemLine.of(0, Reason("file.changed_meanwhile"))])


def _spooled_records(spool: Spool, real: dict[int, int]) -> Iterator[dict[str, Any]]:
    """The spooled records a chunk at a time, with their real centre and site ids, each chunk in index order."""
    for batch in spool.batches():
        if real:
            remap_records(batch, real)
        yield from _in_index_order(batch, _index_order)


def _in_index_order(items: list[Any], key: Callable[[Any], Any]) -> list[Any]:
    """``items`` in the order of the indexes (centre, day): appending to a B-tree costs far less than
    inserting all over it. Linear for a file already in chronological order."""
    keys = list(map(key, items))
    if any(a > b for a, b in pairwise(keys)):
        order = sorted(range(len(items)), key=keys.__getitem__)
        return [items[i] for i in order]
    return items


def _index_order(record: dict[str, Any]) -> int:
    return (record["centre_id"] << 22) | record["day"].toordinal()


def _grow_sqlite_cache(conn: Connection, rows: int) -> int | None:
    """Give SQLite a bigger page cache for a big import; returns the size to restore after it.

    With the default 2 MB, index pages of a large table are written out and read back again and
    again when rows do not come in index order: a larger cache makes such an import several times
    faster. It is kept at 64 MB because the cache fills with every page the import writes, so a
    larger one made the import's memory grow with its file. The setting belongs to the connection,
    which goes back to the pool afterwards.
    """
    if conn.dialect.name != "sqlite" or rows < SQLITE_CACHE_FROM_ROWS:
        return None
    previous = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size={-SQLITE_IMPORT_CACHE_KIB}")
    return previous


__all__ = ["COLUMNS", "REQUIRED", "ImportFailed", "ImportResult", "import_file"]
