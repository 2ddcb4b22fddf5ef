"""Reading and checking an import file, in one pass or in two processes at once.

Checking a row is all the per-row work of an import: parsing, validating its codes and attributes
(``tremplin.core.validation.Cleaner``), scrubbing its note, and, for a row that is certainly new on SQLite,
turning it into the exact tuple the driver inserts and adding it to the roll-up. What is left to the
writing transaction is the driver's ``executemany`` and one upsert.

A large file is cut in two at a line break near its middle: a forked process checks the second half
while this one checks the first, so the machine's second core does half of that work. The cut is only
kept if the first half ends where a row ends (a quoted value may hold a line break); otherwise the file
is checked again in one pass. Line numbers, duplicate ids across the halves and the centres and sites
that ``--create-missing`` will create are put together afterwards, so what an import reports does not
depend on how it was checked.

Rows whose centre already holds imported rows are kept as record dicts instead: they must be
compared with what is stored (an import run again updates rows in place), which the writer does. On
other databases than SQLite, the new rows are spooled as record dicts.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import pickle
import shutil
import tempfile
import traceback
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tremplin.core.import_messages import ImportProblem, Reason
from tremplin.core.validation import Cleaner, Lookup, RecordError

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.rollup import DeltaKey
    from tremplin.core.rules import Problem

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
#: Files from this size are checked in two processes (about 70,000 contacts). Below it, starting a
#: process costs more than it saves.
SPLIT_FROM_BYTES = 8 * 1024 * 1024
#: The share of the file this process checks when it is cut in two. The other process must also
#: pickle its rows to send them, and that takes about a tenth of what checking them does.
FIRST_SHARE = 0.53
#: The share when this process also writes the rows while the other checks (``EarlyWriter``): it
#: inserts every row of the file, so it checks less, and both processes end at about the same time.
WRITING_SHARE = 0.12
#: Provisional ids of the centres and sites the second half would create: far from the first half's.
SECOND_HALF_IDS = -(1 << 40)

#: Distinct notes whose scrubbed text is remembered (exports repeat their notes).
SCRUB_CACHE = 50_000
#: Files from this size remember a hash of each id, not the id and its line (``Plan.exact_refs``).
HASHED_REFS_FROM_BYTES = SPLIT_FROM_BYTES
#: Checked rows kept in memory before they are spooled to disk: what a part holds at most.
SPOOL_CHUNK = 20_000


class Spool:
    """Checked rows (driver tuples, or record dicts), written to a temporary file in chunks as they are made.

    A million tuples held in memory took about a gigabyte in each process (and pickling the second
    half's to send them doubled it): spooled, an import's memory no longer grows with its file. The
    chunks come back in the order they were added (``batches``); the file is pickled chunks, read
    by the process that writes. A spool made in the forked process is sent back as its file name.
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory
        self.files: list[str] = []
        self.buffer: list[Any] = []
        self.count = 0
        self._out: Any = None
        #: Called after each chunk is written and flushed, with the file's name: the forked process
        #: announces its rows so that the importing process can write them while it checks on.
        self.on_spill: Callable[[str], None] | None = None

    def append(self, row: Any) -> None:
        self.buffer.append(row)
        self.count += 1
        if len(self.buffer) >= SPOOL_CHUNK:
            self._spill()

    def _spill(self) -> None:
        if not self.buffer:
            return
        if self.directory is None:  # no directory to spool to: keep the rows in memory
            return
        if self._out is None:
            fd, name = tempfile.mkstemp(suffix=".rows", dir=self.directory)
            self._out = os.fdopen(fd, "wb")
            self.files.append(name)
        pickle.dump(self.buffer, self._out, protocol=pickle.HIGHEST_PROTOCOL)
        self.buffer = []
        if self.on_spill is not None:
            self._out.flush()
            self.on_spill(self.files[-1])

    def seal(self) -> None:
        """Write what is left and close the file: the spool is complete."""
        self._spill()
        if self._out is not None:
            self._out.close()
            self._out = None

    def extend(self, other: Spool) -> None:
        """Take in ``other``'s rows after this one's."""
        self.seal()
        other.seal()
        if self.buffer:  # nowhere to spool: both kept in memory
            self.buffer.extend(other.buffer)
        else:
            self.buffer = other.buffer
        self.files.extend(other.files)
        self.count += other.count

    def batches(self) -> Iterator[list[Any]]:
        """The rows in chunks of at most ``SPOOL_CHUNK``, in the order they were added."""
        self.seal()
        for name in self.files:
            with open(name, "rb") as f:
                while True:
                    try:
                        yield pickle.load(f)
                    except EOFError:
                        break
        if self.buffer:
            yield self.buffer

    def clear(self) -> None:
        """Forget the rows (nothing of them will be written) and remove their files."""
        if self._out is not None:
            self._out.close()
            self._out = None
        # Chunks announced (``on_spill``) are the reader's: it may not have read them yet, and removes
        # them with their directory.
        for name in self.files if self.on_spill is None else ():
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass
        self.files, self.buffer, self.count = [], [], 0

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __getstate__(self) -> dict[str, Any]:
        self.seal()
        return {
            "directory": self.directory,
            "files": self.files,
            "buffer": self.buffer,
            "count": self.count,
            "_out": None,
            "on_spill": None,
        }


class RuleProblem(str):
    """``, column NAME: reason [rule]``: a value that breaks a rule of every way in (``tremplin.core.rules``),
    with its column and its ``Problem`` kept so that the command line can say it in the operator's language."""

    column: str
    problem: Problem

    def __new__(cls, column: str, problem: Problem) -> RuleProblem:
        self = super().__new__(cls, f", column {column}: {problem} [{problem.key}]")
        self.column = column
        self.problem = problem
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # the import's second process sends problems back
        return (RuleProblem, (self.column, self.problem))


class ProblemLine(str):
    """A line of ``Problems.lines()``: ``line 12, column headcount: ...``, with its parts: the rule broken, or
    the import's own reason (``tremplin.core.import_messages``) and the column it names, if any."""

    line: int
    rule: RuleProblem | None
    #: On the last line, the problems found beyond those listed.
    more: int
    reason: Reason | None
    column: str | None

    def __new__(
        cls,
        text: str,
        line: int = 0,
        rule: RuleProblem | None = None,
        more: int = 0,
        reason: Reason | None = None,
        column: str | None = None,
    ) -> ProblemLine:
        self = super().__new__(cls, text)
        self.line = line
        self.rule = rule
        self.more = more
        self.reason = reason
        self.column = column
        return self

    @classmethod
    def of(cls, line: int, reason: Reason, column: str | None = None) -> ProblemLine:
        """``line N, column NAME: reason``, ``line N: reason``, or the reason alone for the whole file (line 0)."""
        if not line:
            return cls(reason, 0, reason=reason)
        return cls(f"line {line}{ImportProblem(column, reason)}", line, reason=reason, column=column)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ProblemLine, (str(self), self.line, self.rule, self.more, self.reason, self.column))


class Problems:
    """Problems found, by line; keeps the first ``MAX_PROBLEMS`` in full and counts the rest."""

    def __init__(self) -> None:
        #: ``(line, text, other)``: ``text`` follows "line N" (", column x: ..." or ": ..."): a ``RuleProblem``
        #: or an ``ImportProblem``, whose parts let the command say it in the operator's language; line 0 is
        #: the file, and its text a ``Reason``. ``other`` is a second line the text names as ``{other}`` (where
        #: an id was first seen), filled in when the lines are listed, after both halves of a file are joined.
        self.items: list[tuple[int, str, int]] = []
        self.more = 0

    def add(self, line: int, text: str, other: int = 0) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append((line, text, other))
        else:
            self.more += 1

    def extend(self, part: Problems, offset: int = 0) -> None:
        """Adds the problems of a part of the file that starts ``offset`` lines into it."""
        for line, text, other in part.items:
            self.add(line + offset if line else 0, text, other + offset if other else 0)
        self.more += part.more

    def __bool__(self) -> bool:
        return bool(self.items)

    def lines(self) -> list[str]:
        out: list[str] = []
        for line, text, other in sorted(self.items, key=itemgetter(0)):
            if isinstance(text, ImportProblem):
                reason = text.reason.filled(other=other) if other else text.reason
                out.append(ProblemLine.of(line, reason, text.column))
                continue
            if isinstance(text, Reason):  # a problem of the whole file
                out.append(ProblemLine.of(line, text))
                continue
            rule = text if isinstance(text, RuleProblem) else None
            out.append(ProblemLine(f"line {line}{text}" if line else text, line, rule))
        if self.more:
            out.append(ProblemLine(f"... and {self.more:,} more problem(s)", more=self.more))
        return out


def utf8_problems(path: Path, limit: int = 20) -> list[str]:
    """Where a file is not UTF-8: line, byte and what to do about it."""
    problems: list[str] = []
    with open(path, "rb") as f:
        head = f.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return [ProblemLine.of(1, Reason("utf8.utf16"))]
        f.seek(0)
        offset = 0
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = line[exc.start]
                reason = Reason("utf8.byte", byte=f"0x{bad:02x}", position=exc.start + 1, offset=offset + exc.start + 1)
                problems.append(ProblemLine.of(number, reason))
                if len(problems) >= limit:
                    problems.append(ProblemLine.of(0, Reason("utf8.more")))
                    break
            offset += len(line)
    return problems or [ProblemLine.of(0, Reason("utf8.not"))]


class Header:
    """The header row: where each known column is, the ``attr.*`` columns, and what is ignored."""

    def __init__(self, kind: str, names: list[str], problems: Problems) -> None:
        self.kind = kind
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
                problems.add(1, ImportProblem(name, Reason("column.twice", first=seen[name] + 1, second=i + 1)))
                continue
            seen[name] = i
            if name.startswith(ATTR_PREFIX):
                attr = name[len(ATTR_PREFIX) :]
                if not attr:
                    problems.add(1, ImportProblem(str(i + 1), Reason("column.no_attribute", name=name)))
                else:
                    self.attrs.append((attr, i))
            elif name not in known:
                self.ignored.append(name)
        missing = [c for c in REQUIRED[kind] if c not in seen]
        if missing:
            reason = Reason(
                "columns.missing",
                missing=", ".join(missing),
                required=",".join(REQUIRED[kind]),
                columns=",".join(COLUMNS[kind]),
            )
            problems.add(1, ImportProblem(None, reason))
        self.index = seen


class _OpenQuote(Exception):
    """A part of the file ended inside a quoted value: the cut was not where a row ends."""


class _RepeatedHash(Exception):
    """Two rows' ``(centre, id)`` hashes are equal: check again remembering the ids of those hashes."""

    def __init__(self, hashes: frozenset[int]) -> None:
        super().__init__(f"{len(hashes)} repeated hash(es)")
        self.hashes = hashes


#: Buckets the hashes are shared out into to look for a repeated one (``_repeats``).
HASH_BUCKETS = 64


def _repeats(hashes: array[int]) -> frozenset[int]:
    """The hashes that appear more than once (none, usually).

    The hashes are shared out by their low bits into compact arrays, and each bucket is looked at as a
    set in turn: a set (or a sorted list) of all of them at once would be a Python int a row, about
    five times the array, at the very end of the check, when the process holds the most.
    """
    buckets = [array("q") for _ in range(HASH_BUCKETS)]
    appends = [b.append for b in buckets]
    mask = HASH_BUCKETS - 1
    for h in hashes:
        appends[h & mask](h)
    repeated: set[int] = set()
    for i, bucket in enumerate(buckets):
        distinct = set(bucket)
        if len(distinct) != len(bucket):
            for h in bucket:
                if h in distinct:
                    distinct.discard(h)
                else:
                    repeated.add(h)
        buckets[i] = array("q")
    return frozenset(repeated)


def _rows(reader: Any, problems: Problems, last_part: bool) -> Iterator[tuple[int, list[str]]]:
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
                if not last_part:
                    raise _OpenQuote from None
                problems.add(line, ImportProblem(None, Reason("csv.unclosed_quote")))
                return
            if "field larger than field limit" in message:
                problems.add(line, ImportProblem(None, Reason("csv.too_long", limit=csv.field_size_limit())))
                return
            problems.add(line, ImportProblem(None, Reason("csv.malformed", detail=message)))
            continue
        if row:
            yield line, row


@dataclass
class Pending:
    """Centres and sites ``--create-missing`` will create, under provisional (negative) ids."""

    centres: dict[str, int] = field(default_factory=dict)
    sites: dict[tuple[str, str], int] = field(default_factory=dict)
    next_id: int = -1
    #: The line being checked, and the codes that cannot be created, as problems.
    line: int = 0
    problems: list[tuple[int, ImportProblem]] = field(default_factory=list)
    #: Provisional ids of the second half that stand for one of the first half's.
    aliases: dict[int, int] = field(default_factory=dict)

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
            reason = Reason(f"code.{column}", code=code[:40], longest=longest)
            self.problems.append((self.line, ImportProblem(column, reason)))

    def merge(self, other: Pending) -> None:
        """Takes in the second half's codes. Those this half has too become ``aliases``: the real id
        of an alias is the real id of the provisional id it stands for."""
        for code, pid in other.centres.items():
            if code in self.centres:
                self.aliases[pid] = self.centres[code]
            else:
                self.centres[code] = pid
        for key, pid in other.sites.items():
            if key in self.sites:
                self.aliases[pid] = self.sites[key]
            else:
                self.sites[key] = pid


@dataclass
class Plan:
    """What checking needs to know, fixed before the file is cut in two."""

    kind: str
    header: Header
    lookup: Lookup
    create_missing: bool
    #: Centres that already hold imported rows: their rows are compared, not converted.
    imported_centres: frozenset[int]
    #: Convert new rows to driver tuples (SQLite; other databases take the record dicts).
    convert: bool
    now: datetime
    #: Where the checked rows are spooled (removed with the import).
    spool_dir: str | None = None
    #: Remember every id with its line, to name both lines of an id used twice. Otherwise only a
    #: 64-bit hash of each (centre, id) is kept (8 bytes a row instead of about 130); a file whose
    #: hashes repeat is checked again this way, so what it reports is the same.
    exact_refs: bool = True
    #: With ``exact_refs``, after a first pass found hashes used twice: only the ids of these hashes are
    #: remembered with their line (the others cannot be used twice), so the second pass does not hold
    #: every id of a large file either.
    suspects: frozenset[int] | None = None
    #: Refuse notes that are mostly personal data (as a form does) instead of storing them masked.
    strict_notes: bool = False
    #: Counts the rules question (``tremplin.core.rules``) were confirmed (``--confirm``).
    confirmed: bool = False
    #: The second half announces each chunk of rows it spools, so they can be written meanwhile.
    stream: bool = False


class EarlyWriter(Protocol):
    """Writes checked rows while the rest of the file is still being checked (``tremplin.core.importer``).

    An import is all or nothing, and stays so: the rows go into one open transaction, which ``abandon``
    rolls back when any problem is found later in the file (or anything fails). Only rows of centres
    that hold no imported rows yet come this way (``Checked.rows``): they are all new.
    """

    def first(self, part: Checked, estimate: int) -> None:
        """Begin the transaction and write the first half (checked without a problem), its centres and
        sites to create included; ``estimate``: about how many rows the whole file has."""

    def more(self, rows: list[tuple[Any, ...]], pending: Pending, centres: set[int]) -> None:
        """Write a chunk of the second half's rows; ``pending`` and ``centres`` are the second half's so far."""

    def abandon(self) -> None:
        """Roll back whatever was written: the import will not be committed."""


@dataclass
class Checked:
    """A checked part of a file, or the whole file once its parts are put together."""

    read: int = 0
    #: Physical lines the part spans (the next part's line numbers start after them).
    lines: int = 0
    problems: Problems = field(default_factory=Problems)
    #: New rows as driver tuples (``tremplin.core.bulk.SQLiteRows`` order), with their roll-up deltas.
    rows: Spool = field(default_factory=Spool)
    deltas: dict[DeltaKey, int] = field(default_factory=dict)
    #: Validated records to compare with what is stored.
    records: list[dict[str, Any]] = field(default_factory=list)
    #: Validated records of centres without imported rows, where rows are not converted (PostgreSQL):
    #: all new, spooled like ``rows`` and written by ``tremplin.core.bulk.insert_records``.
    new_records: Spool = field(default_factory=Spool)
    #: ``centre code -> id -> line``, to find an id used twice (``Plan.exact_refs``).
    refs: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Otherwise the hash of each row's ``(centre code, id)``.
    ref_hashes: array[int] = field(default_factory=lambda: array("q"))
    pending: Pending = field(default_factory=Pending)
    not_utf8: bool = False
    #: Header columns the import does not know and left aside.
    ignored: list[str] = field(default_factory=list)
    #: The ids of the centres whose rows are in ``rows``.
    centres: set[int] = field(default_factory=set)
    #: The temporary directory of the spooled rows: ``close`` removes it.
    spool_dir: str | None = None
    #: Notes mostly made of personal data, stored masked (``Plan.strict_notes`` off).
    masked_notes: int = 0
    #: ``rows`` are already inserted, in the ``EarlyWriter``'s open transaction.
    written: bool = False

    def close(self) -> None:
        """Remove the spooled rows' files."""
        self.rows.clear()
        self.new_records.clear()
        if self.spool_dir is not None:
            shutil.rmtree(self.spool_dir, ignore_errors=True)
            self.spool_dir = None


class _Slice(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file, as a file of their own (what a part of the file reads)."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed with the slice
        self._file.seek(start)
        self._left = end - start
        #: Bytes read so far, for the progress bar.
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._left)
        if wanted <= 0:
            return 0
        got = self._file.readinto(memoryview(buffer)[:wanted]) or 0
        self._left -= got
        self.position += got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def _text(raw: _Slice, first: bool) -> io.TextIOWrapper:
    # The first part may start with a byte-order mark, which spreadsheets write.
    return io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding="utf-8-sig" if first else "utf-8", newline="")


def _getter(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """A fast ``lambda row: tuple(row[i] for i in indexes)``."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return itemgetter(*indexes)


def _check_rows(
    app: App,
    plan: Plan,
    rows: Iterator[tuple[int, list[str]]],
    out: Checked,
    advance: Callable[[int], None] | None,
) -> None:
    """Check every row of a part; fills ``out``."""
    from tremplin.core import bulk
    from tremplin.core.import_rows import Shortcut
    from tremplin.core.rollup import Accumulator, activity_fact
    from tremplin.core.rules import Problem

    kind, header, problems, pending = plan.kind, plan.header, out.problems, out.pending
    lookup = plan.lookup
    cleaner = Cleaner(app, lookup)
    if plan.create_missing:
        cleaner.on_missing = pending.on_missing(lookup, cleaner.default_tz)
    # The rules of every way in (``tremplin.core.rules``): the cleaner scrubs notes, masks or refuses
    # those mostly made of personal data, and questions implausible counts.
    cleaner.strict_notes = plan.strict_notes
    clean = cleaner.contact if kind == "contacts" else cleaner.activity
    confirmed = plan.confirmed

    # The rows of centres without imported rows go straight to driver tuples and the roll-up.
    acc = Accumulator(app.compiled_counters)
    add_to_rollup: Callable[[dict[str, Any]], None] = (
        acc.add_contact_row if kind == "contacts" else (lambda record: acc.add(activity_fact(record.get)))
    )
    maker = bulk.SQLiteRows.for_kind(kind)
    convert = maker.convert if plan.convert else None
    imported = plan.imported_centres
    now = plan.now

    width = header.width
    # Only the documented columns go to the cleaner; ``attr.*`` ones go as the attributes.
    known = [(name, header.index[name]) for name in COLUMNS[kind] if name in header.index]
    known_names = tuple(name for name, _ in known)
    known_values = _getter([i for _, i in known])
    attr_names = tuple(name for name, _ in header.attrs)
    attr_values = _getter([i for _, i in header.attrs]) if header.attrs else None
    id_at, centre_at = header.index["id"], header.index["centre"]
    seen: dict[str, dict[str, int]] = defaultdict(dict)
    # New contacts of known parts are made without a record (``tremplin.core.import_rows``).
    shortcut = (
        Shortcut(cleaner, acc, maker, header.index, header.attrs, now)
        if convert is not None and kind == "contacts"
        else None
    )
    if shortcut is not None and not shortcut.enabled:
        shortcut = None
    hashes = None if plan.exact_refs else out.ref_hashes
    suspects = plan.suspects
    tick = 0
    for line, row in rows:
        out.read += 1
        tick += 1
        if tick == 10_000:
            tick = 0
            if advance is not None:
                advance(out.read)
        if len(row) != width:
            key = "row.long" if len(row) > width else "row.short.one" if len(row) == 1 else "row.short"
            problems.add(line, ImportProblem(None, Reason(key, count=len(row), width=width)))
            continue
        bad = False
        ref = row[id_at].strip()
        if not ref:
            problems.add(line, ImportProblem("id", Reason("required")))
            bad = True
        elif len(ref) > MAX_ID_LENGTH:
            problems.add(line, ImportProblem("id", Reason("id.too_long", ref=ref[:20], longest=MAX_ID_LENGTH)))
            bad = True
        elif "\x00" in ref:
            problems.add(line, ImportProblem("id", Reason("id.nul")))
            bad = True
        elif hashes is not None:
            hashes.append(hash((row[centre_at].strip(), ref)))
        elif suspects is None or hash((row[centre_at].strip(), ref)) in suspects:
            refs = seen[row[centre_at].strip()]
            earlier = refs.get(ref)
            if earlier is not None:
                problems.add(line, ImportProblem("id", Reason("id.repeated", ref=ref)), earlier)
                bad = True
            else:
                refs[ref] = line
        if shortcut is not None and not problems:
            made = shortcut.row(row, ref)
            if made is not None:
                out.rows.append(made)
                continue
        raw = dict(zip(known_names, known_values(row)))
        values = dict(zip(attr_names, attr_values(row))) if attr_values else None
        pending.line = line
        try:
            record = clean(raw, values, confirmed=confirmed)
        except RecordError as exc:
            # Each problem names its rule (``tremplin.core.rules``), as the API and the forms do.
            for name, reason in exc.errors:
                if isinstance(reason, Problem):
                    problems.add(line, RuleProblem(name, reason))
                elif isinstance(reason, Reason):  # a centre or a site code, which the import says in its language
                    problems.add(line, ImportProblem(name, reason))
                else:
                    problems.add(line, f", column {name}: {reason}")
            continue
        finally:
            if pending.problems:
                for problem in pending.problems:
                    problems.add(*problem)
                pending.problems.clear()
                bad = True
        if bad or problems:
            continue
        record["source_ref"] = ref
        centre_id = record["centre_id"]
        if centre_id in imported:
            out.records.append(record)
        elif convert is not None:
            record["created_at"] = now
            add_to_rollup(record)
            made = convert(record)
            if shortcut is not None:
                shortcut.learn(row, record, made)
            out.centres.add(centre_id)  # before the row: a chunk announced names the centres of its rows
            out.rows.append(made)
        else:
            out.new_records.append(record)
            out.centres.add(centre_id)
    out.refs = dict(seen)
    out.masked_notes = cleaner.masked
    if not problems:
        out.deltas = acc.deltas()
        out.rows.seal()
        out.new_records.seal()
    else:  # nothing of it will be written: free the memory now
        out.rows.clear()
        out.new_records.clear()
        out.records = []


def _check_part(app: App, plan: Plan, path: Path, start: int, end: int, sender: Any = None) -> Checked:
    """Check bytes ``start`` to ``end``, the second half: its line numbers count from its start.

    With ``sender`` (``Plan.stream``), each chunk of rows spooled is announced as it is written.
    """
    out = Checked(
        pending=Pending(next_id=SECOND_HALF_IDS), rows=Spool(plan.spool_dir), new_records=Spool(plan.spool_dir)
    )
    if sender is not None:
        out.rows.on_spill = _announcer(sender, out)
    raw = _Slice(path, start, end)
    with _text(raw, first=False) as f:
        reader = csv.reader(f, strict=True)
        try:
            _check_rows(app, plan, _rows(reader, out.problems, last_part=True), out, None)
        except UnicodeDecodeError:
            out.not_utf8 = True
        out.lines = reader.line_num
    return out


def _announcer(sender: Any, out: Checked) -> Callable[[str], None]:
    """``on_spill`` of the second half's rows: ``("rows", file, codes, centres)``, where the codes to create
    (``Pending``'s, as two dicts) and the centres are ``None`` when unchanged since the last chunk, so the
    messages stay small and the pipe never fills while the importing process is busy."""
    sizes = (-1, -1, -1)

    def announce(name: str) -> None:
        nonlocal sizes
        pending = out.pending
        now = (len(pending.centres), len(pending.sites), len(out.centres))
        changed = now != sizes
        sizes = now
        codes = (dict(pending.centres), dict(pending.sites)) if changed else None
        sender.send(("rows", name, codes, set(out.centres) if changed else None))

    return announce


def _second_half(sender: Any, app: App, plan: Plan, path: Path, start: int, end: int) -> None:
    """The forked process: checks the second half and sends back what it found."""
    try:
        sender.send(("ok", _check_part(app, plan, path, start, end, sender if plan.stream else None)))
    except BaseException:  # noqa: BLE001 - whatever it was, the parent must hear of it
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def _cut(path: Path, size: int, share: float = FIRST_SHARE) -> int | None:
    """Where to cut the file in two: just after the first line break from ``share`` of it."""
    position = int(size * share)
    with open(path, "rb") as f:
        f.seek(position)
        while True:
            block = f.read(1 << 16)
            if not block:
                return None
            found = block.find(b"\n")
            if found >= 0:
                cut = position + found + 1
                return cut if cut < size else None
            position += len(block)


def holds_imported_rows(conn: Any, kind: str, centre_id: int) -> bool:
    """Whether a centre already holds rows from an import (one index lookup)."""
    from sqlalchemy import select

    from tremplin.core.bulk import MODELS

    model = MODELS[kind]
    return (
        conn.execute(
            select(model.id).where(model.centre_id == centre_id, model.source_ref.is_not(None)).limit(1)
        ).first()
        is not None
    )


def _imported_centres(app: App, kind: str, lookup: Lookup) -> frozenset[int]:
    """The centres that already hold rows from an import."""
    with app.db.engine.connect() as conn:
        return frozenset(
            centre_id for centre_id in lookup.centres.values() if holds_imported_rows(conn, kind, centre_id)
        )


def check_file(
    app: App,
    kind: str,
    path: Path,
    create_missing: bool,
    reading: Callable[[int], Callable[[int, int], None] | None] | None = None,
    strict_notes: bool = False,
    confirmed: bool = False,
    early: EarlyWriter | None = None,
) -> Checked:
    """Read and check a whole file; in two processes when it is large and the machine can fork.

    ``reading(total_bytes)`` returns the progress callback ``(bytes read, rows)``, or ``None``.
    ``strict_notes`` and ``confirmed``: see ``Plan``. With ``early``, when the file is checked in two
    processes, this one writes the rows (``EarlyWriter``) while the other checks the rest of the file;
    ``Checked.written`` then says they are in ``early``'s open transaction. Whenever a problem is found,
    ``early`` has rolled back.
    """
    with app.db.engine.connect() as conn:
        lookup = Lookup.load(app, conn)
    convert = app.db.dialect == "sqlite"
    imported = _imported_centres(app, kind, lookup)
    size = path.stat().st_size
    cut = None
    if (
        convert
        and size >= SPLIT_FROM_BYTES
        and "fork" in multiprocessing.get_all_start_methods()
        and (os.cpu_count() or 1) > 1
    ):
        cut = _cut(path, size, FIRST_SHARE if early is None else WRITING_SHARE)
    now = datetime.now(UTC)
    # The new rows are spooled (driver tuples, or record dicts); the caller removes the directory
    # (``Checked.close``).
    spool_dir = tempfile.mkdtemp(prefix="tremplin-import-")
    exact = size < HASHED_REFS_FROM_BYTES
    suspects: frozenset[int] | None = None
    try:
        while True:
            try:
                return _check_from_start(
                    app,
                    kind,
                    path,
                    create_missing,
                    lookup,
                    imported,
                    convert,
                    now,
                    spool_dir,
                    exact,
                    suspects,
                    size,
                    cut,
                    reading,
                    strict_notes=strict_notes,
                    confirmed=confirmed,
                    early=early,
                )
            except _OpenQuote:
                # The middle of the file fell inside a quoted value: check it in one pass.
                cut = None
            except _RepeatedHash as repeated:
                # An id used twice (or, once in billions, two ids of the same hash): find which lines.
                exact, suspects = True, repeated.hashes
            with app.db.engine.connect() as conn:
                lookup = Lookup.load(app, conn)
    except BaseException:
        if spool_dir is not None:
            shutil.rmtree(spool_dir, ignore_errors=True)
        raise


def _check_from_start(
    app: App,
    kind: str,
    path: Path,
    create_missing: bool,
    lookup: Lookup,
    imported: frozenset[int],
    convert: bool,
    now: datetime,
    spool_dir: str | None,
    exact_refs: bool,
    suspects: frozenset[int] | None,
    size: int,
    cut: int | None,
    reading: Callable[[int], Callable[[int, int], None] | None] | None,
    strict_notes: bool = False,
    confirmed: bool = False,
    early: EarlyWriter | None = None,
) -> Checked:
    end = size if cut is None else cut
    out = Checked(rows=Spool(spool_dir), new_records=Spool(spool_dir), spool_dir=spool_dir)
    problems = out.problems
    raw = _Slice(path, 0, end)
    advance = reading(end) if reading is not None else None
    process = receiver = None
    chunks: _Chunks | None = None
    try:
        with _text(raw, first=True) as f:
            reader = csv.reader(f, strict=True)
            try:
                rows = _rows(reader, problems, last_part=cut is None)
                first = next(rows, None)
                if first is None:
                    if not problems:
                        problems.add(0, Reason("file.empty", columns=",".join(COLUMNS[kind])))
                    return out
                header = Header(kind, first[1], problems)
                out.ignored = header.ignored
                if problems:
                    return out
                plan = Plan(
                    kind, header, lookup, create_missing, imported, convert, now, spool_dir, exact_refs, suspects
                )
                plan.strict_notes, plan.confirmed = strict_notes, confirmed
                plan.stream = early is not None
                if cut is not None:
                    context = multiprocessing.get_context("fork")
                    receiver, sender = context.Pipe(duplex=False)
                    process = context.Process(
                        target=_second_half, args=(sender, app, plan, path, cut, size), daemon=True
                    )
                    process.start()
                    sender.close()
                tick = (lambda n: advance(raw.position, n)) if advance is not None else None
                _check_rows(app, plan, rows, out, tick)
            except UnicodeDecodeError:
                out.not_utf8 = True
            out.lines = reader.line_num
        if out.not_utf8:
            return out
        if process is not None and receiver is not None:
            if early is not None and not problems:
                # This half is sound: write it while the other process checks on, then each chunk of the
                # other half as it is announced. A problem found later rolls it all back.
                chunks = _Chunks(early)
                early.first(out, int(out.read * size / max(end, 1)))
            second = _receive(process, receiver, chunks)
            if second.not_utf8:
                out.not_utf8 = True
                return _abandoned(out, chunks)
            if chunks is not None and not second.problems and chunks.count != len(second.rows):
                raise RuntimeError(f"{chunks.count:,} of the second half's {len(second.rows):,} rows were written")
            _join(out, second)
        repeated = frozenset() if exact_refs else _repeats(out.ref_hashes)
        if repeated:
            out.rows.clear()
            out.new_records.clear()
            _abandoned(out, chunks)
            raise _RepeatedHash(repeated)
        out.ref_hashes = array("q")
        if not problems and out.read == 0:
            problems.add(0, Reason("file.no_rows"))
        if problems:
            return _abandoned(out, chunks)
        out.written = chunks is not None
        return out
    except BaseException:
        _abandoned(out, chunks)
        raise
    finally:
        if chunks is not None:
            chunks.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join()
        if receiver is not None:
            receiver.close()


class _Chunks:
    """Reads the chunks of rows the second half announces, and hands each to the ``EarlyWriter``."""

    def __init__(self, early: EarlyWriter) -> None:
        self.early = early
        self.files: dict[str, Any] = {}
        self.pending = Pending()
        self.centres: set[int] = set()
        #: Rows handed to the writer.
        self.count = 0
        self.abandoned = False

    def take(self, name: str, codes: tuple[dict[str, int], dict[tuple[str, str], int]] | None, centres: Any) -> None:
        if codes is not None:
            self.pending.centres, self.pending.sites = codes
        if centres is not None:
            self.centres = centres
        if self.abandoned:
            return
        f = self.files.get(name)
        if f is None:
            try:
                f = self.files[name] = open(name, "rb")  # noqa: SIM115 - closed with the chunks
            except FileNotFoundError:  # the other process found a problem and removed its rows
                self.abandon()
                return
        rows = pickle.load(f)
        self.count += len(rows)
        self.early.more(rows, self.pending, self.centres)

    def abandon(self) -> None:
        if not self.abandoned:
            self.abandoned = True
            self.early.abandon()

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.files = {}


def _abandoned(out: Checked, chunks: _Chunks | None) -> Checked:
    """Nothing of ``out`` is written: roll back what was."""
    if chunks is not None:
        chunks.abandon()
    return out


def _receive(process: Any, receiver: Any, chunks: _Chunks | None = None) -> Checked:
    """What the second half found; meanwhile, its chunks of rows go to ``chunks`` (when given) as announced."""
    while True:
        try:
            status, *payload = receiver.recv()
        except EOFError:
            process.join()
            raise RuntimeError(
                f"the process checking the second half of the file stopped (exit code {process.exitcode})"
            ) from None
        if status == "rows":
            if chunks is not None:
                chunks.take(*payload)
            continue
        if status != "ok":
            raise RuntimeError(f"checking the second half of the file failed:\n{payload[0]}")
        return payload[0]


def _join(first: Checked, second: Checked) -> None:
    """Put the second half's findings after the first's, in the first's line numbers and ids."""
    offset = first.lines
    first.read += second.read
    first.lines += second.lines
    first.masked_notes += second.masked_notes
    first.problems.extend(second.problems, offset)
    first.ref_hashes.extend(second.ref_hashes)
    for code, refs in second.refs.items():
        earlier = first.refs.get(code)
        if not earlier:
            continue
        for ref in refs.keys() & earlier.keys():
            first.problems.add(refs[ref] + offset, ImportProblem("id", Reason("id.repeated", ref=ref)), earlier[ref])
    if first.problems:
        first.rows.clear()
        second.rows.clear()
        first.new_records.clear()
        second.new_records.clear()
        first.records, first.deltas = [], {}
        return
    # Codes both halves would create become aliases: the writer maps every provisional id, aliases
    # included, to its real one in the rows, the records and the roll-up deltas alike.
    first.pending.merge(second.pending)
    first.rows.extend(second.rows)
    first.new_records.extend(second.new_records)
    first.records.extend(second.records)
    first.centres |= second.centres
    for key, amount in second.deltas.items():
        total = first.deltas.get(key, 0) + amount
        if total:
            first.deltas[key] = total
        else:
            first.deltas.pop(key, None)


def remap_records(records: list[dict[str, Any]], ids: dict[int, int]) -> None:
    """Replace provisional centre and site ids (negative) by ``ids[...]``, in place."""
    for record in records:
        for name in ("centre_id", "site_id"):
            value = record.get(name)
            if value is not None and value < 0:
                record[name] = ids.get(value, value)


def remap_deltas(
    deltas: dict[DeltaKey, int], ids: dict[int, int], site_dims: frozenset[str] = frozenset()
) -> dict[DeltaKey, int]:
    """The roll-up deltas with provisional centre ids replaced, and provisional site ids in ``site_dims``."""
    out: dict[DeltaKey, int] = defaultdict(int)
    for (counter, grain, period, centre_id, dim, value), amount in deltas.items():
        if dim in site_dims and value.startswith("-"):
            value = str(ids.get(int(value), value))
        out[(counter, grain, period, ids.get(centre_id, centre_id), dim, value)] += amount
    return {k: v for k, v in out.items() if v}


__all__ = [
    "COLUMNS",
    "REQUIRED",
    "Checked",
    "Problems",
    "check_file",
    "holds_imported_rows",
    "remap_deltas",
    "remap_records",
    "utf8_problems",
]
