"""Importing history from CSV files: ``tremplin import contacts|activities FILE.csv``.

The format is described in ``docs/interchange.md``. An import is all or nothing: the whole file is read
and validated first (streamed; the validated records are small dicts kept in memory), and only a file
without a single bad row is written, in one transaction. Every problem is reported with its line and
column, so that a file can be fixed in one go.

Importing the same file twice changes nothing: a row is identified by its centre and its ``id`` (the
source's own identifier, stored in ``source_ref``). Rows already in the database are left alone when
identical and updated in place when not, through the ORM, so the roll-up listener subtracts the old
figures and adds the new ones; new rows take the bulk path (``core.bulk.insert_records``).
"""

from __future__ import annotations

import csv
import gc
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import bulk
from core.validation import Cleaner, Lookup, RecordError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from core.app import App

#: The documented columns of each kind of file, in their documented order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": (
        "id",
        "occurred_at",
        "centre",
        "site",
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
        "note",
    ),
    "activities": (
        "id",
        "starts_at",
        "centre",
        "site",
        "audience",
        "title",
        "workshop",
        "format",
        "capacity",
        "registered",
        "participants",
        "language",
        "themes",
    ),
}

#: Columns the header must have: a row cannot be valid without them. The others may be left out
#: (a missing column is the same as an empty one: unknown, or the documented default).
REQUIRED: dict[str, tuple[str, ...]] = {
    "contacts": ("id", "occurred_at", "centre", "audience", "modality"),
    "activities": ("id", "starts_at", "centre", "audience"),
}

ATTR_PREFIX = "attr."
#: Lengths in the schema: ``source_ref``, a centre's code, a site's code.
MAX_ID_LENGTH = 64
MAX_CENTRE_CODE = 32
MAX_SITE_CODE = 64
#: Problems listed in full; beyond that they are only counted.
MAX_PROBLEMS = 1000
#: Rows compared or updated per query when a file is imported again.
CHUNK = 500
#: SQLite page cache during a large import (from that many rows), in KiB.
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
SQLITE_CACHE_FROM_ROWS = 50_000


class ImportFailed(Exception):
    """Nothing was imported; ``problems`` says why, one line per problem (``line 12, column headcount: ...``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))


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
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Reading


class _Problems:
    """Collects problems; keeps the first ``MAX_PROBLEMS`` in full and counts the rest."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0

    def add(self, text: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(text)
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def fail(self) -> ImportFailed:
        items = list(self.items)
        if self.more:
            items.append(f"... and {self.more:,} more problem(s)")
        return ImportFailed(items)


def _getter(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """A fast ``lambda row: tuple(row[i] for i in indexes)``."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return itemgetter(*indexes)  # type: ignore[return-value]


def _utf8_problems(path: Path, limit: int = 20) -> list[str]:
    """Where a file is not UTF-8: line, byte and what to do about it."""
    problems: list[str] = []
    with open(path, "rb") as f:
        head = f.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return ["line 1: the file is in UTF-16; it must be in UTF-8 (in a spreadsheet, save it as \"CSV UTF-8\")"]
        f.seek(0)
        offset = 0
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = line[exc.start]
                problems.append(
                    f"line {number}: byte 0x{bad:02x} at position {exc.start + 1} of the line (byte {offset + exc.start + 1} "
                    f"of the file) is not UTF-8; the file must be in UTF-8 (in a spreadsheet, save it as \"CSV UTF-8\")"
                )
                if len(problems) >= limit:
                    problems.append("... the file has more lines that are not UTF-8")
                    break
            offset += len(line)
    return problems or ["the file is not in UTF-8; it must be in UTF-8 (in a spreadsheet, save it as \"CSV UTF-8\")"]


class _Header:
    """The header row: where each known column is, the ``attr.*`` columns, and what is ignored."""

    def __init__(self, kind: str, names: list[str], problems: _Problems) -> None:
        self.names = [n.strip() for n in names]
        self.width = len(names)
        known = set(COLUMNS[kind])
        seen: dict[str, int] = {}
        self.attrs: list[tuple[str, int]] = []
        self.ignored: list[str] = []
        for i, name in enumerate(self.names):
            if not name:
                continue
            if name in seen:
                problems.add(f"line 1, column {name}: the column appears twice (columns {seen[name] + 1} and {i + 1})")
                continue
            seen[name] = i
            if name.startswith(ATTR_PREFIX):
                attr = name[len(ATTR_PREFIX) :]
                if not attr:
                    problems.add(f"line 1, column {i + 1}: {name!r} names no attribute (write attr.NAME)")
                else:
                    self.attrs.append((attr, i))
            elif name not in known:
                self.ignored.append(name)
        missing = [c for c in REQUIRED[kind] if c not in seen]
        if missing:
            problems.add(
                f"line 1: missing required column(s) {', '.join(missing)}; the header must have at least "
                f"{','.join(REQUIRED[kind])} (all columns: {','.join(COLUMNS[kind])})"
            )
        self.index = seen


def _rows(reader: Any, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """``(line, values)`` for each non-blank row; CSV syntax errors become problems."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "unexpected end of data" in message:
                problems.add(f"line {line}: a quoted value opened on this line is never closed (the file is truncated, or a closing \" is missing)")
                return
            if "field larger than field limit" in message:
                problems.add(f"line {line}: a value is longer than {csv.field_size_limit():,} characters (a quoted value that is never closed?)")
                return
            problems.add(f"line {line}: malformed CSV ({message})")
            continue
        if row:
            yield line, row


@dataclass
class _Pending:
    """Centres and sites ``--create-missing`` will create, under provisional (negative) ids."""

    centres: dict[str, int] = field(default_factory=dict)
    sites: dict[tuple[str, str], int] = field(default_factory=dict)
    next_id: int = -1
    #: The line being checked, and the codes that cannot be created, as problems.
    line: int = 0
    problems: list[str] = field(default_factory=list)

    def on_missing(self, lookup: Lookup, default_tz: Any) -> Callable[[str, str, str | None], int]:
        def create(kind: str, centre_code: str, site_code: str | None) -> int:
            pid = self.next_id
            self.next_id -= 1
            if kind == "centre":
                self._check("centre", centre_code, MAX_CENTRE_CODE)
                self.centres[centre_code] = pid
                lookup.centres[centre_code] = pid
                lookup.timezones[pid] = default_tz
            else:
                assert site_code is not None
                self._check("site", site_code, MAX_SITE_CODE)
                self.sites[(centre_code, site_code)] = pid
                lookup.sites[(lookup.centres[centre_code], site_code)] = pid
            return pid

        return create

    def _check(self, column: str, code: str, longest: int) -> None:
        if len(code) > longest or not code.isprintable():
            self.problems.append(f"line {self.line}, column {column}: {code[:40]!r} cannot be a {column} code (at most {longest} printable characters)")


def _validate(
    app: App,
    kind: str,
    path: Path,
    create_missing: bool,
    result: ImportResult,
    problems: _Problems,
    pending: _Pending,
    advance: Callable[[int, int], None] | None,
) -> list[dict[str, Any]]:
    """Read and validate the whole file; returns the validated records (empty when there are problems)."""
    with app.db.engine.connect() as conn:
        lookup = Lookup.load(app, conn)
    cleaner = Cleaner(app, lookup)
    if create_missing:
        cleaner.on_missing = pending.on_missing(lookup, cleaner.default_tz)
    clean = cleaner.contact if kind == "contacts" else cleaner.activity
    text_fields = ("note",) if kind == "contacts" else ("title",)
    from core.records import MAX_PERSONAL_SHARE

    scrub = app.scrub
    scrub_cache: dict[str, Any] = {}

    records: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, strict=True)
            rows = _rows(reader, problems)
            first = next(rows, None)
            if first is None:
                if not problems:
                    problems.add(f"the file is empty: it must start with a header row ({','.join(COLUMNS[kind])})")
                return []
            header = _Header(kind, first[1], problems)
            result.ignored_columns = header.ignored
            if problems:
                return []
            width = header.width
            # Only the documented columns go to the cleaner; ``attr.*`` ones go as the attributes.
            known = [(name, header.index[name]) for name in COLUMNS[kind] if name in header.index]
            known_names = tuple(name for name, _ in known)
            known_values = _getter([i for _, i in known])
            attr_names = tuple(name for name, _ in header.attrs)
            attr_values = _getter([i for _, i in header.attrs]) if header.attrs else None
            id_at, centre_at = header.index["id"], header.index["centre"]
            seen: dict[str, dict[str, int]] = defaultdict(dict)
            tick = 0
            for line, row in rows:
                result.read += 1
                tick += 1
                if tick == 10_000:
                    tick = 0
                    if advance is not None:
                        advance(f.buffer.tell(), result.read)
                if len(row) != width:
                    count = f"{len(row)} value{'' if len(row) == 1 else 's'} where the header has {width} columns"
                    if len(row) < width:
                        problems.add(f"line {line}: {count} (the row is truncated, or a line break inside a value is not quoted)")
                    else:
                        problems.add(f"line {line}: {count} (a value with a comma must be quoted)")
                    continue
                bad = False
                ref = row[id_at].strip()
                if not ref:
                    problems.add(f"line {line}, column id: is required")
                    bad = True
                elif len(ref) > MAX_ID_LENGTH:
                    problems.add(f"line {line}, column id: {ref[:20]!r}... is longer than {MAX_ID_LENGTH} characters")
                    bad = True
                elif "\x00" in ref:
                    problems.add(f"line {line}, column id: contains a NUL character")
                    bad = True
                else:
                    refs = seen[row[centre_at].strip()]
                    earlier = refs.get(ref)
                    if earlier is not None:
                        problems.add(f"line {line}, column id: {ref!r} already appears on line {earlier} for the same centre")
                        bad = True
                    else:
                        refs[ref] = line
                raw = dict(zip(known_names, known_values(row)))
                values = dict(zip(attr_names, attr_values(row))) if attr_values else None
                pending.line = line
                try:
                    record = clean(raw, values)
                except RecordError as exc:
                    for name, reason in exc.errors:
                        problems.add(f"line {line}, column {name}: {reason}")
                    continue
                finally:
                    if pending.problems:
                        for problem in pending.problems:
                            problems.add(problem)
                        pending.problems.clear()
                        bad = True
                for name in text_fields:
                    if "\x00" in record[name]:
                        problems.add(f"line {line}, column {name}: contains a NUL character")
                        bad = True
                note = record.get("note")
                if note:
                    # As when a note is typed in: scrubbed when stored, refused when there would be little left.
                    # Exports repeat their notes: each distinct text is scrubbed once.
                    scrubbed = scrub_cache.get(note)
                    if scrubbed is None:
                        scrubbed = scrub(note)
                        if len(scrub_cache) < 50_000:
                            scrub_cache[note] = scrubbed
                    record["note"] = scrubbed.text
                    if scrubbed.personal_share > MAX_PERSONAL_SHARE:
                        kinds = ", ".join(k.replace("_", " ") for k in sorted(scrubbed.removed))
                        problems.add(f"line {line}, column note: is mostly personal data ({kinds}): describe the situation, not the person")
                        bad = True
                if bad or problems:
                    continue
                record["source_ref"] = ref
                records.append(record)
    except UnicodeDecodeError:
        problems.items.clear()
        problems.more = 0
        for problem in _utf8_problems(path):
            problems.add(problem)
        return []
    if not problems and result.read == 0:
        problems.add("the file has a header but no rows")
    return [] if problems else records


# ------------------------------------------------------------------------------------------------
# Writing


def _compare_columns(kind: str) -> tuple[str, ...]:
    if kind == "contacts":
        return ("site_id", "occurred_at", "day", "audience", "modality", "channel", "themes", "language", "headcount", "gender", "age_band", "education", "labour_status", "attributes", "note")
    return ("site_id", "starts_at", "day", "audience", "title", "workshop", "format", "capacity", "registered", "participants", "language", "themes", "attributes")


def _create_pending(app: App, session: Session, pending: _Pending, records: list[dict[str, Any]], result: ImportResult) -> set[int]:
    """Create the centres and sites ``--create-missing`` found; give the records their real ids."""
    from core.admin import ensure_centre, ensure_site
    from core.models import Centre

    real: dict[int, int] = {}
    fresh: set[int] = set()
    centres: dict[str, Centre] = {}
    for code, pid in pending.centres.items():
        centre, created = ensure_centre(session, code, code, timezone=app.settings.timezone)
        centres[code] = centre
        real[pid] = centre.id
        if created:
            fresh.add(centre.id)
            result.created_centres.append(code)
    for (centre_code, site_code), pid in pending.sites.items():
        centre = centres.get(centre_code)
        if centre is None:
            from sqlalchemy import select

            centre = session.scalars(select(Centre).where(Centre.code == centre_code)).one()
        site, created = ensure_site(session, centre, site_code, site_code)
        real[pid] = site.id
        if created:
            result.created_sites.append(f"{centre_code}/{site_code}")
    if real:
        for record in records:
            if record["centre_id"] < 0:
                record["centre_id"] = real[record["centre_id"]]
            site_id = record["site_id"]
            if site_id is not None and site_id < 0:
                record["site_id"] = real[site_id]
    return fresh


def _split(
    app: App, conn: Connection, kind: str, records: list[dict[str, Any]], fresh: set[int]
) -> tuple[list[int], list[tuple[int, int]], int]:
    """New records (indexes), changed ones (database id, index) and how many are unchanged."""
    from sqlalchemy import select

    from core.models import Activity, Contact

    model: Any = Contact if kind == "contacts" else Activity
    columns = _compare_columns(kind)
    by_centre: dict[int, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        by_centre[record["centre_id"]].append(i)
    new: list[int] = []
    changed: list[tuple[int, int]] = []
    unchanged = 0
    for centre_id, indexes in by_centre.items():
        if centre_id in fresh or conn.execute(
            select(model.id).where(model.centre_id == centre_id, model.source_ref.is_not(None)).limit(1)
        ).first() is None:
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
                if _same(app, kind, records[i], row._mapping, columns):
                    unchanged += 1
                else:
                    changed.append((row.id, i))
            new.extend(i for ref, i in by_ref.items() if ref not in found)
    return new, changed, unchanged


def _same(app: App, kind: str, record: dict[str, Any], stored: Any, columns: Sequence[str]) -> bool:
    for name in columns:
        value = record[name]
        if name == "note" and value:
            value = app.scrub(value).text
        elif isinstance(value, datetime):
            # Compared in UTC, as stored: an aware time in the hour a clock change repeats or skips
            # never equals a time in another zone (PEP 495), even the very same instant.
            value = value.astimezone(timezone.utc)
        if value != stored[name]:
            return False
    return True


def _update(app: App, session: Session, kind: str, records: list[dict[str, Any]], changed: list[tuple[int, int]], advance: Callable[[int], None] | None) -> None:
    """Update changed rows through the ORM: the flush listener takes the old figures out and puts the new ones in."""
    from sqlalchemy import select

    from core.models import Activity, Contact

    model: Any = Contact if kind == "contacts" else Activity
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

    def __init__(self, enabled: bool, path: Path) -> None:
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
            self.size = max(path.stat().st_size, 1)

    def reading(self) -> Callable[[int, int], None] | None:
        """Called with the bytes read so far and the rows checked."""
        if self.bar is None:
            return None
        task = self.bar.add_task("Checking", total=self.size, rows=0)
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


def import_file(app: App, kind: str, path: str | os.PathLike[str], create_missing: bool = False, progress: bool = False) -> ImportResult:
    """Import a CSV file of ``contacts`` or ``activities``; all or nothing.

    Raises ``ImportFailed`` listing every problem when any row is bad: then nothing is written. With
    ``create_missing`` unknown centre and site codes are created (and listed in the result) instead of
    being refused.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown kind of file {kind!r}; use one of: {', '.join(COLUMNS)}")
    started = time.perf_counter()
    path = Path(path)
    result = ImportResult(kind=kind, path=str(path))
    problems = _Problems()
    pending = _Pending()
    bar = _Progress(progress, path)
    # A million validated records are a million live dicts: the cyclic garbage collector would walk
    # them again and again (they hold no cycles), and that costs more than the import itself.
    collecting = gc.isenabled()
    gc.disable()
    try:
        records = _validate(app, kind, path, create_missing, result, problems, pending, bar.reading())
        if problems:
            raise problems.fail()
        _write(app, kind, records, pending, result, bar)
    finally:
        if collecting:
            gc.enable()
        bar.stop()
    result.seconds = time.perf_counter() - started
    return result


def _write(app: App, kind: str, records: list[dict[str, Any]], pending: _Pending, result: ImportResult, bar: _Progress) -> None:
    from core.audit import audit

    with app.db.engine.begin() as conn:
        session = app.db.sessionmaker(bind=conn)
        session.info["app"] = app
        restore_cache = _grow_sqlite_cache(conn, len(records))
        try:
            fresh = _create_pending(app, session, pending, records, result)
            new, changed, result.unchanged = _split(app, conn, kind, records, fresh)
            advance = bar.writing(len(new) + len(changed))
            if changed:
                _update(app, session, kind, records, changed, advance)
            result.updated = len(changed)
            if new:
                records = [records[i] for i in new] if len(new) != len(records) else records
                # In the order of the indexes (centre, day): appending to a B-tree costs far less than
                # inserting all over it. Linear for a file already in chronological order.
                keys = list(map(_index_order, records))
                if any(a > b for a, b in zip(keys, keys[1:])):
                    order = sorted(range(len(records)), key=keys.__getitem__)
                    records = [records[i] for i in order]
                result.inserted = bulk.insert_records(app, conn, kind, records, on_batch=advance, notes_scrubbed=True)
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
        finally:
            session.close()
            if restore_cache is not None:
                conn.exec_driver_sql(f"PRAGMA cache_size={restore_cache}")


def _index_order(record: dict[str, Any]) -> int:
    return (record["centre_id"] << 22) | record["day"].toordinal()


def _grow_sqlite_cache(conn: Connection, rows: int) -> int | None:
    """Give SQLite a bigger page cache for a big import; returns the size to restore after it.

    With the default 2 MB, index pages of a large table are written out and read back again and
    again when rows do not come in index order: a 256 MB cache makes such an import several times
    faster. The setting belongs to the connection, which goes back to the pool afterwards.
    """
    if conn.dialect.name != "sqlite" or rows < SQLITE_CACHE_FROM_ROWS:
        return None
    previous = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size={-SQLITE_IMPORT_CACHE_KIB}")
    return previous


__all__ = ["COLUMNS", "REQUIRED", "ImportFailed", "ImportResult", "import_file"]
