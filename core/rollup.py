"""The roll-up: counters kept by day, month and year, and by dimension, in the writing transaction.

Every contact, activity and case is turned into a *fact* (a flat dict of its dimensions, filter fields
and measures). ``CompiledCounters.evaluate`` says which counters a fact adds to; each addition lands
on the total row (``dim="*"``) of its day, month and year, and on one row per dimension value of its
month and year: the core dimensions, and the plugins' (``tremplin.core.dimensions``) for the facts of
their audience, whose values ride at the end of a fact's signature. Writes through an
app session keep the roll-up exact (an ``after_flush`` listener adds new records, subtracts deleted
ones and does both for edited ones, in the same transaction); bulk imports aggregate in memory and
upsert once; ``rebuild`` recomputes everything from the rows with the very same functions.

Reading a period decomposes it into whole years, whole months and the remaining days, so a report over
ten years reads ten year rows per counter and dimension value. A dimension read over part of a month
counts those days (62 at most) from their records with the same functions: keeping every dimension
value of every day would make the roll-up ten times larger for the sake of the edges of a range.
"""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tremplin.core.counters import CompiledCounters, FactSource
from tremplin.core.dimensions import reader, values_of
from tremplin.core.models import Activity, Case, Contact, CounterValue

if TYPE_CHECKING:
    from tremplin.core.app import App

Fact = dict[str, Any]
DeltaKey = tuple[str, str, date, int, str, str]  # counter, grain, period, centre, dim, value
#: What a contact adds to the roll-up but its day and centre: profile, (measure, amount) pairs, core
#: dimension values, plugin dimension values (``Accumulator.contact_part``).
ContactPart = tuple[int, tuple[tuple[str, int], ...], tuple[Any, ...], Any]
GRAINS = ("d", "m", "y")
UNKNOWN = "unknown"
_UNSEEN = object()


# ----------------------------------------------------------------------------------------------
# Facts


def contact_fact(get: Callable[[str], Any]) -> Fact:
    headcount = get("headcount") or 0
    return {
        "source": "contacts",
        "day": get("day"),
        "centre_id": get("centre_id"),
        "site_id": get("site_id"),
        "audience": get("audience"),
        "modality": get("modality"),
        "channel": get("channel"),
        "themes": tuple(sorted(get("themes") or ())),
        "language": get("language"),
        "gender": get("gender") or UNKNOWN,
        "age_band": get("age_band") or UNKNOWN,
        "education": get("education") or UNKNOWN,
        "labour_status": get("labour_status") or UNKNOWN,
        "attributes": get("attributes") or {},
        "measures": {"rows": 1, "headcount": headcount},
    }


def activity_channel(format_: str | None) -> str:
    return "video" if format_ == "online" else "walk_in"


def activity_fact(get: Callable[[str], Any]) -> Fact:
    return {
        "source": "activities",
        "day": get("day"),
        "centre_id": get("centre_id"),
        "site_id": get("site_id"),
        "audience": get("audience"),
        "modality": "group_activity",
        "channel": activity_channel(get("format")),
        "themes": tuple(sorted(get("themes") or ())),
        "language": get("language"),
        "gender": UNKNOWN,
        "age_band": UNKNOWN,
        "workshop": get("workshop"),
        "format": get("format"),
        "attributes": get("attributes") or {},
        "measures": {"rows": 1, "participants": get("participants") or 0, "registered": get("registered") or 0},
    }


def case_fact(get: Callable[[str], Any]) -> Fact:
    return {
        "source": "cases",
        "day": get("entered_on"),
        "centre_id": get("centre_id"),
        "audience": get("audience"),
        "modality": UNKNOWN,
        "channel": UNKNOWN,
        "themes": (),
        "language": UNKNOWN,
        "gender": get("gender") or UNKNOWN,
        "age_band": get("age_band") or UNKNOWN,
        "education": get("education") or UNKNOWN,
        "labour_status": get("labour_status") or UNKNOWN,
        "stage": get("stage"),
        "attributes": get("profile") or {},
        "measures": {"rows": 1},
    }


FACT_BUILDERS: dict[type, Callable[[Callable[[str], Any]], Fact]] = {
    Contact: contact_fact,
    Activity: activity_fact,
    Case: case_fact,
}


# ----------------------------------------------------------------------------------------------
# Periods


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def decompose(start: date, end: date, use_years: bool = True) -> dict[str, list[date]]:
    """Cover [start, end] with as few whole years, months and days as possible."""
    out: dict[str, list[date]] = {"y": [], "m": [], "d": []}
    cursor = start
    while cursor <= end:
        if use_years and cursor.month == 1 and cursor.day == 1 and date(cursor.year, 12, 31) <= end:
            out["y"].append(cursor)
            cursor = date(cursor.year + 1, 1, 1)
        elif cursor.day == 1 and month_end(cursor) <= end:
            out["m"].append(cursor)
            last = month_end(cursor)
            cursor = date.fromordinal(last.toordinal() + 1)
        else:
            out["d"].append(cursor)
            cursor = date.fromordinal(cursor.toordinal() + 1)
    return out


# ----------------------------------------------------------------------------------------------
# Accumulating deltas


#: Month groups (or day totals) an ``Accumulator`` holds before it adds them up by counter.
FOLD_GROUPS = 50_000


class Accumulator:
    """Adds facts up, first by signature (cheap), then expands them into roll-up rows."""

    def __init__(self, compiled: CompiledCounters) -> None:
        self.compiled = compiled
        self._signatures: dict[tuple[Any, ...], dict[str, int]] = {}
        # Profiles: which (counter, measure) pairs a set of filter fields adds to (see ``deltas``).
        self._profile_of: dict[tuple[Any, ...], int] = {}
        self._profile_ids: dict[tuple[tuple[str, str], ...], int] = {}
        self._profiles: list[tuple[tuple[str, str], ...]] = []
        self._profile_measures: list[tuple[str, ...]] = []
        # What ``add_contact_row`` folds straight in: totals by day, dimension values by month.
        self._day_totals: dict[tuple[int, str, date, int], int] = defaultdict(int)
        self._month_groups: dict[tuple[Any, ...], int] = defaultdict(int)
        # Plugin dimension values by month, apart from the core ones: their product with the core
        # dimensions would multiply the groups of an audience with dimensions for nothing.
        self._month_dims: dict[tuple[Any, ...], int] = defaultdict(int)
        # Day totals and month groups already added up by counter (``_fold``): groups of every combination
        # of dimensions keep appearing as rows come, the counter rows they add up to do not.
        self._counter_rows: dict[tuple[str, str, date, int, str, str], int] = defaultdict(int)
        self._months: dict[date, date] = {}
        # What reads the plugin dimensions of each audience's contacts (most audiences have none).
        self._contact_readers: dict[str, Any] = {}

    def _profile(self, match_key: tuple[Any, ...], sig: tuple[Any, ...]) -> int:
        """The profile id of a signature (``match_key`` is the signature without day and centre)."""
        pid = self._profile_of.get(match_key)
        if pid is None:
            fact = self._rebuild_fact(sig, {})
            profile = tuple(
                (key, part.measure) for key, part in self.compiled.by_source.get(sig[0], ()) if part.matches(fact)
            )
            pid = self._profile_ids.get(profile)
            if pid is None:
                pid = self._profile_ids[profile] = len(self._profiles)
                self._profiles.append(profile)
                self._profile_measures.append(tuple(dict.fromkeys(m for _, m in profile)))
            self._profile_of[match_key] = pid
        return pid

    def _signature(self, fact: Fact) -> tuple[Any, ...]:
        """The fact's fields that matter: what counters filter on, then the plugin dimensions' values."""
        source = fact["source"]
        attrs = fact["attributes"]
        extras = tuple(fact.get(name) for name in self.compiled.extra_fields.get(source, ()))
        attr_values = tuple(_hashable(attrs.get(name)) for name in self.compiled.attr_names.get(source, ()))
        specs = self.compiled.specs(source, fact["audience"])
        return (
            source,
            fact["day"],
            fact["centre_id"],
            fact["audience"],
            fact["modality"],
            fact["channel"],
            fact["themes"],
            fact["language"],
            fact["gender"],
            fact["age_band"],
            extras,
            attr_values,
            values_of(specs, fact.get, attrs) if specs else (),
        )

    def add(self, fact: Fact, sign: int = 1) -> None:
        sig = self._signature(fact)
        measures = self._signatures.get(sig)
        if measures is None:
            measures = self._signatures[sig] = defaultdict(int)
        for name, value in fact["measures"].items():
            if value:
                measures[name] += sign * value

    def _rebuild_fact(self, sig: tuple[Any, ...], measures: Mapping[str, int]) -> Fact:
        source, day, centre_id, audience, modality, channel, themes, language, gender, age_band = sig[:10]
        extras, attrs = sig[10], sig[11]
        fact: Fact = {
            "source": source,
            "day": day,
            "centre_id": centre_id,
            "audience": audience,
            "modality": modality,
            "channel": channel,
            "themes": themes,
            "language": language,
            "gender": gender,
            "age_band": age_band,
            "attributes": dict(zip(self.compiled.attr_names.get(source, ()), attrs)),
            "measures": measures,
        }
        fact.update(zip(self.compiled.extra_fields.get(source, ()), extras))
        return fact

    def add_contact_row(self, row: Mapping[str, Any], sign: int = 1) -> None:
        """``add(contact_fact(row.get))``, folded straight into day totals and month groups.

        The bulk path's inner loop: no fact, no signature, four additions per row.
        """
        part = self.contact_part(row, sign)
        if part is not None:
            self.add_contact_part(part, row["day"], row["centre_id"])

    def contact_part(self, row: Mapping[str, Any], sign: int = 1) -> ContactPart | None:
        """What a contact adds to the roll-up, apart from its day and centre (``None``: nothing).

        Rows that differ only by their day (an import's rows, mostly) share it: ``add_contact_part``
        then adds each of them in a few dictionary updates.
        """
        pid, dims, extra = self.contact_base(row)
        amounts = self.contact_amounts(pid, row.get("headcount"), sign)
        if not amounts:
            return None
        return pid, amounts, dims, extra

    def contact_base(self, row: Mapping[str, Any]) -> tuple[int, tuple[Any, ...], Any]:
        """``contact_part`` but its amounts: the profile id, the core dimensions and the plugin dimensions'
        values. It does not depend on the headcount (unless a counter or a dimension reads it)."""
        attrs = row.get("attributes") or {}
        compiled = self.compiled
        extras = tuple(map(row.get, compiled.extra_fields.get("contacts", ())))
        attr_values = tuple(map(attrs.get, compiled.attr_names.get("contacts", ())))
        try:
            hash(attr_values)
        except TypeError:  # a many-valued attribute: lists become tuples
            attr_values = tuple(map(_hashable, attr_values))
        themes = row.get("themes") or ()
        themes = tuple(themes) if len(themes) < 2 or themes == sorted(themes) else tuple(sorted(themes))
        audience = row["audience"]
        gender, age_band = row.get("gender") or UNKNOWN, row.get("age_band") or UNKNOWN
        dims = (audience, row["modality"], row["channel"], themes, row["language"], gender, age_band)
        match_key = ("contacts",) + dims + (extras, attr_values)
        pid = self._profile_of.get(match_key)
        if pid is None:
            pid = self._profile(match_key, ("contacts", None, None) + dims + (extras, attr_values, ()))
        if not self._profile_measures[pid]:
            return pid, dims, None
        # Only the records of an audience that declared dimensions pay for them.
        read = self._contact_readers.get(audience, _UNSEEN)
        if read is _UNSEEN:
            specs = compiled.specs("contacts", audience)
            read = self._contact_readers[audience] = reader(specs) if specs else None
        extra = read(row.get, attrs) if read is not None else None
        return pid, dims, extra

    def contact_amounts(self, pid: int, headcount: Any, sign: int = 1) -> tuple[tuple[str, int], ...]:
        """What a contact of profile ``pid`` adds to each measure its counters count (none that adds nothing)."""
        amounts = []
        for measure in self._profile_measures[pid]:
            amount = sign if measure == "rows" else sign * (headcount or 0) if measure == "headcount" else 0
            if amount:
                amounts.append((measure, amount))
        return tuple(amounts)

    def add_contact_part(self, part: ContactPart, day: date, centre_id: int) -> None:
        """Add a contact's ``contact_part`` on its day, in its centre."""
        pid, amounts, dims, extra = part
        month = self._months.get(day)
        if month is None:
            month = self._months[day] = day.replace(day=1)
        day_totals, month_groups = self._day_totals, self._month_groups
        for measure, amount in amounts:
            day_totals[(pid, measure, day, centre_id)] += amount
            month_groups[(pid, measure, month, centre_id) + dims] += amount
            if extra:
                self._month_dims[(pid, measure, month, centre_id, extra)] += amount
        if len(month_groups) >= FOLD_GROUPS or len(day_totals) >= FOLD_GROUPS:
            self._fold()

    def _fold(self) -> None:
        """Add what was folded in so far to the counter rows now, so that it does not grow with the rows.

        A month group is one combination of every core dimension in a month, a day total one profile
        (set of filter fields) on a day: a million rows make hundreds of thousands of them, where the
        counter rows they add up to are bounded by the counters, the periods and the values of each
        dimension. The sums are the same whenever they are added up (``deltas`` adds what is left).
        """
        marginals: dict[tuple[Any, ...], int] = defaultdict(int)
        _spread(self._month_groups, self._month_dims, marginals)
        self._by_counter(self._day_totals, marginals, "m", self._counter_rows)
        self._month_groups.clear()
        self._month_dims.clear()
        self._day_totals.clear()

    def _by_counter(
        self,
        day_totals: Mapping[tuple[int, str, date, int], int],
        marginals: Mapping[tuple[Any, ...], int],
        grain: str,
        counter_rows: dict[tuple[str, str, date, int, str, str], int],
    ) -> None:
        """Add day totals and dimension values, by profile, to the counters each profile adds to."""
        profiles = self._profiles
        for (pid, measure, day, centre_id), amount in day_totals.items():
            if amount:
                for counter, m in profiles[pid]:
                    if m == measure:
                        counter_rows[(counter, "d", day, centre_id, "*", "*")] += amount
        for (pid, measure, period, centre_id, dim, value), amount in marginals.items():
            if amount:
                for counter, m in profiles[pid]:
                    if m == measure:
                        counter_rows[(counter, grain, period, centre_id, dim, str(value))] += amount

    def deltas(self, day_dimensions: bool = False) -> dict[DeltaKey, int]:
        """Expand the signatures into roll-up rows.

        Day rows hold totals only (``dim="*"``); dimension values are kept by month and year. With
        ``day_dimensions`` day rows carry every dimension too (for reading part of a month from the
        records, see ``read``): storing those for every day would multiply the roll-up by the number
        of dimension values for the sake of the two edge months of a range.

        Which counters a signature adds to depends only on its filter fields, not on its day, centre
        or measures: that *profile* is worked out once per distinct set of fields. Signatures are then
        added up by (profile, measure, day, centre, dimension value) — a handful of additions each —
        and only those sums are multiplied out into counters and grains.
        """
        if day_dimensions and (self._day_totals or self._counter_rows):
            raise ValueError("rows folded by add_contact_row are kept by month: read them without day_dimensions")
        profile_measures = self._profile_measures
        months = self._months
        # Totals by day, and the dimension values by month (by day with ``day_dimensions``): the
        # signatures of a month are added up before they are spread over the dimensions.
        day_totals: dict[tuple[int, str, date, int], int] = defaultdict(int, self._day_totals)
        grouped: dict[tuple[Any, ...], int] = defaultdict(int, self._month_groups)
        grouped_dims: dict[tuple[Any, ...], int] = defaultdict(int, self._month_dims)
        for sig, measures in self._signatures.items():
            match_key = (sig[0],) + sig[3:12]
            pid = self._profile_of.get(match_key)
            if pid is None:
                pid = self._profile(match_key, sig)
            wanted = profile_measures[pid]
            if not wanted:
                continue
            day, centre_id = sig[1], sig[2]
            if day_dimensions:
                period = day
            else:
                period = months.get(day)
                if period is None:
                    period = months[day] = day.replace(day=1)
            for measure in wanted:
                amount = measures.get(measure)
                if amount:
                    day_totals[(pid, measure, day, centre_id)] += amount
                    grouped[(pid, measure, period, centre_id) + sig[3:10]] += amount
                    if sig[12]:
                        grouped_dims[(pid, measure, period, centre_id, sig[12])] += amount
        counter_rows: dict[tuple[str, str, date, int, str, str], int] = defaultdict(int, self._counter_rows)
        marginals: dict[tuple[Any, ...], int] = defaultdict(int)
        _spread(grouped, grouped_dims, marginals)
        self._by_counter(day_totals, marginals, "d" if day_dimensions else "m", counter_rows)
        out: dict[DeltaKey, int] = defaultdict(int)
        for (counter, grain, period, centre_id, dim, value), amount in counter_rows.items():
            if not amount:
                continue
            if grain == "d":
                if dim == "*" or day_dimensions:
                    out[(counter, "d", period, centre_id, dim, value)] += amount
                if dim != "*":
                    month = months.get(period) or period.replace(day=1)
                    out[(counter, "m", month, centre_id, dim, value)] += amount
                    out[(counter, "y", period.replace(month=1, day=1), centre_id, dim, value)] += amount
                else:
                    out[(counter, "m", period.replace(day=1), centre_id, dim, value)] += amount
                    out[(counter, "y", period.replace(month=1, day=1), centre_id, dim, value)] += amount
            else:  # a month of one dimension value
                out[(counter, "m", period, centre_id, dim, value)] += amount
                out[(counter, "y", period.replace(month=1), centre_id, dim, value)] += amount
        return {k: v for k, v in out.items() if v}


def _spread(
    grouped: Mapping[tuple[Any, ...], int],
    grouped_dims: Mapping[tuple[Any, ...], int],
    marginals: dict[tuple[Any, ...], int],
) -> None:
    """Add month groups (every core dimension at once) to ``marginals``, one dimension value at a time."""
    for key, amount in grouped.items():
        if not amount:
            continue
        pid, measure, period, centre_id, audience, modality, channel, themes, language, gender, age_band = key
        head = (pid, measure, period, centre_id)
        marginals[head + ("audience", audience)] += amount
        marginals[head + ("modality", modality)] += amount
        marginals[head + ("channel", channel)] += amount
        marginals[head + ("language", language)] += amount
        marginals[head + ("gender", gender)] += amount
        marginals[head + ("age_band", age_band)] += amount
        for theme in themes or (UNKNOWN,):
            marginals[head + ("theme", theme)] += amount
    for (pid, measure, period, centre_id, extra), amount in grouped_dims.items():
        if not amount:
            continue
        head = (pid, measure, period, centre_id)
        for dim, value in extra:
            if type(value) is tuple:
                for one in value:
                    marginals[head + (dim, one)] += amount
            else:
                marginals[head + (dim, value)] += amount


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


# ----------------------------------------------------------------------------------------------
# Writing


@functools.cache
def _upsert_statement(dialect: str) -> Any:
    table: Any = CounterValue.__table__
    stmt: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"amount": table.c.amount + stmt.excluded.amount},
    )


def apply_deltas(conn: Connection, deltas: Mapping[DeltaKey, int], fresh: bool = False, chunk: int = 20_000) -> int:
    """Add ``deltas`` to the roll-up. Keys are sorted so concurrent writers lock rows in one order."""
    if not deltas:
        return 0
    keys = sorted(deltas)
    if conn.dialect.name == "postgresql" and len(keys) > 1_000:
        _apply_by_copy(conn, keys, deltas, fresh)
        return len(keys)
    if conn.dialect.name == "sqlite":
        # The driver's own executemany with the text SQLite stores (ISO dates): a write of one contact
        # upserts about a hundred rows, and SQLAlchemy's per-value processing cost more than SQLite.
        sql = _SQLITE_INSERT if fresh else _SQLITE_UPSERT
        for i in range(0, len(keys), chunk):
            conn.exec_driver_sql(
                sql,
                [
                    (c, g, p.isoformat(), centre, d, v, deltas[(c, g, p, centre, d, v)])
                    for c, g, p, centre, d, v in keys[i : i + chunk]
                ],
            )
    else:
        table: Any = CounterValue.__table__
        stmt = table.insert() if fresh else _upsert_statement(conn.dialect.name)
        for i in range(0, len(keys), chunk):
            batch = [
                {
                    "counter": k[0],
                    "grain": k[1],
                    "period": k[2],
                    "centre_id": k[3],
                    "dim": k[4],
                    "value": k[5],
                    "amount": deltas[k],
                }
                for k in keys[i : i + chunk]
            ]
            conn.execute(stmt, batch)
    if not fresh and any(v < 0 for v in deltas.values()):
        counters = sorted({k[0] for k in keys})
        conn.execute(delete(CounterValue).where(CounterValue.amount == 0, CounterValue.counter.in_(counters)))
    return len(keys)


_COLUMNS = "counter, grain, period, centre_id, dim, value, amount"
_KEY = "counter, grain, period, centre_id, dim, value"
_SQLITE_INSERT = f"INSERT INTO counter_values ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
_SQLITE_UPSERT = (
    _SQLITE_INSERT + f" ON CONFLICT ({_KEY}) DO UPDATE SET amount = counter_values.amount + excluded.amount"
)


def _apply_by_copy(conn: Connection, keys: list[DeltaKey], deltas: Mapping[DeltaKey, int], fresh: bool) -> None:
    """PostgreSQL: stream the rows with COPY, then upsert them in one statement (in key order)."""
    target = "counter_values" if fresh else "counter_deltas"
    if not fresh:
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS counter_deltas (LIKE counter_values) ON COMMIT DROP")
        conn.exec_driver_sql("TRUNCATE counter_deltas")
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {target} ({_COLUMNS}) FROM STDIN") as copy:
            for k in keys:
                copy.write_row((*k, deltas[k]))
    if not fresh:
        conn.exec_driver_sql(
            f"INSERT INTO counter_values ({_COLUMNS}) SELECT {_COLUMNS} FROM counter_deltas ORDER BY {_KEY} "
            f"ON CONFLICT ({_KEY}) DO UPDATE SET amount = counter_values.amount + EXCLUDED.amount"
        )
        if any(v < 0 for v in deltas.values()):
            conn.exec_driver_sql("DELETE FROM counter_values WHERE amount = 0")


def _committed(obj: Any) -> Callable[[str], Any]:
    """The values an object had in the database before this flush."""
    from sqlalchemy import inspect

    state = inspect(obj)

    def get(name: str) -> Any:
        attr = state.attrs[name]
        hist = attr.history
        if hist.deleted:
            return hist.deleted[0]
        if hist.unchanged:
            return hist.unchanged[0]
        if hist.added:
            # Changed from a value that was never loaded: it was the committed one.
            return state.committed_state.get(name, None)
        return attr.value

    return get


def _current(obj: Any) -> Callable[[str], Any]:
    return lambda name: getattr(obj, name)


def fact_builders(app: App) -> dict[type, Callable[[Callable[[str], Any]], Fact | None]]:
    """The fact builder of each model the roll-up counts: the core's records and the plugins' sources."""
    builders: dict[type, Callable[[Callable[[str], Any]], Fact | None]] = dict(FACT_BUILDERS)
    for source in app.registry.fact_sources.values():
        builders[source.model] = source.build
    return builders


def after_flush(session: Session, _flush_context: Any) -> None:
    """Keep the roll-up exact for whatever this flush wrote (listener installed by ``App``)."""
    app: App | None = session.info.get("app")
    if app is None or session.info.get("skip_rollup"):
        return
    builders = app.fact_builders
    acc = Accumulator(app.compiled_counters)
    touched = False

    def add(fact: Fact | None, sign: int) -> None:
        nonlocal touched
        if fact is not None:
            acc.add(fact, sign)
            touched = True

    for obj in session.new:
        builder = builders.get(type(obj))
        if builder:
            add(builder(_current(obj)), +1)
    for obj in session.deleted:
        builder = builders.get(type(obj))
        if builder:
            add(builder(_committed(obj)), -1)
    for obj in session.dirty:
        builder = builders.get(type(obj))
        if builder and session.is_modified(obj, include_collections=False):
            add(builder(_committed(obj)), -1)
            add(builder(_current(obj)), +1)
    if touched:
        apply_deltas(session.connection(), acc.deltas())


# ----------------------------------------------------------------------------------------------
# Rebuilding


def iter_facts(
    conn: Connection | Session,
    batch: int = 50_000,
    days: Iterable[date] | None = None,
    centre_ids: Iterable[int] | None = None,
    plugin_sources: Iterable[FactSource] = (),
) -> Iterator[Fact]:
    """Every fact, streamed from the rows (only those of ``days`` and ``centre_ids`` when given): the
    core's records, then those of the plugins' ``plugin_sources``."""
    sources: tuple[tuple[Any, Callable[[Callable[[str], Any]], Fact | None], tuple[str, ...]], ...] = (
        (
            Contact,
            contact_fact,
            ("day", "centre_id", "site_id", "audience", "modality", "channel", "themes", "language", "headcount")
            + ("gender", "age_band", "education", "labour_status", "attributes"),
        ),
        (
            Activity,
            activity_fact,
            ("day", "centre_id", "site_id", "audience", "themes", "language", "workshop", "format", "participants")
            + ("registered", "attributes"),
        ),
        (
            Case,
            case_fact,
            (
                "entered_on",
                "centre_id",
                "audience",
                "gender",
                "age_band",
                "education",
                "labour_status",
                "stage",
                "profile",
            ),
        ),
    ) + tuple((s.model, s.build, s.columns) for s in plugin_sources)
    day_list = sorted(set(days)) if days is not None else None
    centre_list = list(centre_ids) if centre_ids is not None else None
    for model, builder, columns in sources:
        stmt = select(*(getattr(model, c) for c in columns)).execution_options(yield_per=batch)
        if day_list is not None:
            stmt = stmt.where(getattr(model, columns[0]).in_(day_list))
        if centre_list is not None:
            stmt = stmt.where(model.centre_id.in_(centre_list))
        for row in conn.execute(stmt):
            fact = builder(row._mapping.get)
            if fact is not None:
                yield fact


def rebuild(app: App, conn: Connection) -> dict[str, int]:
    """Recompute the whole roll-up from the rows (``tremplin counters rebuild``)."""
    acc = Accumulator(app.compiled_counters)
    facts = 0
    for fact in iter_facts(conn, plugin_sources=app.registry.fact_sources.values()):
        acc.add(fact)
        facts += 1
    deltas = acc.deltas()
    conn.execute(delete(CounterValue))
    rows = apply_deltas(conn, deltas, fresh=True)
    return {"facts": facts, "rows": rows}


def snapshot(conn: Connection) -> dict[DeltaKey, int]:
    """The roll-up as a dict of non-zero rows (to compare a live roll-up with a rebuilt one)."""
    table = CounterValue.__table__
    return {
        (r.counter, r.grain, r.period, r.centre_id, r.dim, r.value): r.amount
        for r in conn.execute(select(table).where(table.c.amount != 0))
    }


# ----------------------------------------------------------------------------------------------
# Reading


def read(
    session: Session | Connection,
    counters: Iterable[str],
    start: date,
    end: date,
    centre_ids: Iterable[int] | None = None,
    dim: str = "*",
    by_centre: bool = False,
    by_month: bool = False,
) -> dict[tuple[Any, ...], int]:
    """Sum counters over [start, end].

    Keys are ``(counter, value)``, followed by the centre id with ``by_centre`` and by the month's
    first day with ``by_month``. ``dim="*"`` gives totals (value ``"*"``).
    """
    counters = list(counters)
    if not counters or end < start:
        return {}
    parts = decompose(start, end, use_years=not by_month)
    out: dict[tuple[Any, ...], int] = defaultdict(int)
    if dim != "*" and parts["d"]:
        # Day rows hold totals only: the days of a partial month are counted from their records.
        for key, amount in _read_days_from_records(session, counters, parts.pop("d"), centre_ids, dim).items():
            counter, value, centre_id, day = key
            out_key: tuple[Any, ...] = (counter, value)
            if by_centre:
                out_key += (centre_id,)
            if by_month:
                out_key += (day.replace(day=1),)
            out[out_key] += amount
    conditions = [
        and_(CounterValue.grain == g, CounterValue.period.in_(periods)) for g, periods in parts.items() if periods
    ]
    if not conditions:
        return dict(out)
    stmt = select(
        CounterValue.counter, CounterValue.value, CounterValue.centre_id, CounterValue.period, CounterValue.amount
    ).where(CounterValue.counter.in_(counters), CounterValue.dim == dim, or_(*conditions))
    if centre_ids is not None:
        stmt = stmt.where(CounterValue.centre_id.in_(list(centre_ids)))
    for counter, value, centre_id, period, amount in session.execute(stmt):
        row_key: tuple[Any, ...] = (counter, value)
        if by_centre:
            row_key += (centre_id,)
        if by_month:
            row_key += (period.replace(day=1),)
        out[row_key] += amount
    return dict(out)


def _read_days_from_records(
    session: Session | Connection, counters: list[str], days: list[date], centre_ids: Iterable[int] | None, dim: str
) -> dict[tuple[str, str, int, date], int]:
    """Counters by ``dim`` on a few days, computed from the records with the roll-up's own functions."""
    app = session.info.get("app")
    if app is None:
        raise RuntimeError("reading a dimension over part of a month needs a session made by the app (app.session())")
    acc = Accumulator(app.compiled_counters)
    plugin_sources = app.registry.fact_sources.values()
    for fact in iter_facts(session, days=days, centre_ids=centre_ids, plugin_sources=plugin_sources):
        acc.add(fact)
    wanted = set(counters)
    return {
        (counter, value, centre_id, period): amount
        for (counter, grain, period, centre_id, d, value), amount in acc.deltas(day_dimensions=True).items()
        if grain == "d" and d == dim and counter in wanted
    }


def totals(
    session: Session | Connection,
    counters: Iterable[str],
    start: date,
    end: date,
    centre_ids: Iterable[int] | None = None,
) -> dict[str, int]:
    counters = list(counters)
    values = read(session, counters, start, end, centre_ids)
    return {c: values.get((c, "*"), 0) for c in counters}
