"""The import's short way for contact rows made of values it has already checked.

A contact row is made of independent parts: its place (centre and site), its codes (audience,
modality, channel, language, headcount and profile), its themes, its attributes (checked against its
audience), and what changes on every row: its id, its moment and its note. An export repeats each
part's values over and over, but rarely the whole row. ``Shortcut`` remembers, for each part's raw
values, what the rules (``tremplin.core.validation.Cleaner``, the one rule set) made of them the first
time a row carrying them was checked the usual way, and makes a later row of known parts straight
into the driver's tuple (``tremplin.core.bulk.SQLiteRows``) and its roll-up part, with the rules that
depend on the row's own day applied to it: the day within bounds and the note, through the cleaner's
own functions and caches. Any part it has not seen, any moment not written ``YYYY-MM-DDTHH:MM``, any
rule the row might break: ``row`` answers ``None`` and the row goes the usual way, which words the
problem, or accepts the row and teaches the shortcut its parts (``learn``).

It never decides alone: every part it holds is what the usual way made of the same values, and the
first tuple it makes from a new combination of parts (``learn``) must equal what ``convert`` made of
the checked record, or the shortcut turns itself off for the rest of the file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from tremplin.core.bulk import SQLiteRows
    from tremplin.core.rollup import Accumulator
    from tremplin.core.validation import Cleaner

#: The codes of a contact, each checked on its own: no rule ties two of them. They are remembered in two
#: groups (``GROUPS``), the row's kind and the person's profile: an export has some hundred combinations of
#: each, but some ten thousand of the two together.
CODES = (
    "audience",
    "modality",
    "channel",
    "language",
    "headcount",
    "gender",
    "age_band",
    "education",
    "labour_status",
)
GROUPS = (CODES[:5], CODES[5:])
#: The codes a contact's roll-up part depends on: the core dimensions (its amounts also depend on the headcount,
#: and are remembered apart: the headcount would multiply the combinations of parts by ten).
COUNTED = frozenset({"audience", "modality", "channel", "language", "gender", "age_band"})
#: The columns the short way fills, besides the codes.
FILLED = frozenset(CODES) | {
    "centre_id",
    "site_id",
    "source_ref",
    "note",
    "occurred_at",
    "created_at",
    "day",
    "themes",
    "attributes",
}
#: Columns a checked contact leaves empty.
EMPTY = frozenset({"case_id", "staff_id"})
MINUTES = frozenset(f"{m:02d}" for m in range(60))
#: Combinations of parts whose roll-up part is remembered (about 500 bytes each); beyond that it is
#: worked out for each row. The caches are bounded so that the import's memory does not grow with its file:
#: an export of a million contacts has some 60,000 combinations, and the 16,384 met first make four rows
#: in five; they are met in the first 60,000 rows.
PARTS = 16_384
#: Distinct values remembered per part.
VALUES = 4_096
#: Hours of a time zone remembered (about three months); when full they are forgotten (a history comes in order
#: of time).
HOURS = 2_048


def _getter(indexes: list[int]) -> Callable[[list[str]], Any]:
    """``row -> tuple of row[i]``; a single index still gives a tuple (a key that cannot be confused)."""
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return itemgetter(*indexes)


def hour_of(prefix: str, tz: ZoneInfo) -> tuple[str, date, str] | None:
    """``YYYY-MM-DDTHH`` (or a space for the T), local time in ``tz``: the UTC text of its first minute up
    to the hour, its day and the day's ISO text; ``None`` unless every minute of that hour has the same
    offset, a whole number of hours (then a minute's UTC text is the prefix, its minutes and ``:00.000000``).
    """
    try:
        start = datetime.fromisoformat(prefix + ":00")
    except ValueError:
        return None
    if (
        start.tzinfo is not None
        or prefix != f"{start:%Y-%m-%d}{prefix[10:11]}{start.hour:02d}"
        or prefix[10] not in "T "
    ):
        return None
    first = start.replace(tzinfo=tz)
    offset = first.utcoffset()
    if offset is None or offset != first.replace(minute=59).utcoffset() or offset % timedelta(hours=1):
        return None
    day = start.date()
    return (start - offset).isoformat(" ", "microseconds")[:13], day, day.isoformat()


class Shortcut:
    """Makes a contact row of known parts into its driver tuple and adds it to the roll-up (see the module)."""

    def __init__(
        self,
        cleaner: Cleaner,
        acc: Accumulator,
        maker: SQLiteRows,
        index: dict[str, int],
        attrs: list[tuple[str, int]],
        now: datetime,
    ) -> None:
        self.cleaner, self.acc, self.maker = cleaner, acc, maker
        # The roll-up part is worked out from the fields a part holds: a counter or a dimension reading
        # another field (the note, the day...) would need the whole record.
        compiled = acc.compiled
        read = set(compiled.extra_fields.get("contacts", ()))
        for specs in compiled.dimension_specs.get("contacts", {}).values():
            read |= {"site_id" if kind == "site" else name for _, kind, name in specs if kind != "attr"}
        self.enabled = set(maker.columns) <= FILLED | EMPTY and read <= set(CODES) | {"centre_id", "site_id"}
        # Rows whose roll-up part is the same share it: it depends on the core dimensions, the headcount,
        # the themes and attributes, and on the site or other codes only when a counter or dimension reads them.
        self.place_counts = "site_id" in read
        self.counted = [[i for i, name in enumerate(group) if name in COUNTED or name in read] for group in GROUPS]
        self.counted_codes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.occurred_at = index["occurred_at"]
        self.note_at = index.get("note")
        self.themes_at = index.get("themes")
        self.place_key = _getter([index[n] for n in ("centre", "site") if n in index])
        self.kind_key, self.profile_key = (_getter([index[n] for n in group if n in index]) for group in GROUPS)
        attr_at = [i for _, i in attrs]
        self.attr_key: Callable[[list[str]], Any] = _getter(attr_at) if attr_at else (lambda row: ())
        self.created = maker.convert({"created_at": now})[maker.position("created_at")]
        self.places: dict[Any, tuple[int, int | None, dict[str, Any], ZoneInfo, dict[str, Any]]] = {}
        #: Raw codes of each group -> (checked codes, the counted ones: one object for each distinct value).
        self.kinds: dict[Any, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
        self.profiles: dict[Any, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
        self.themes: dict[Any, tuple[list[str], str | None]] = {}
        self.attrs: dict[Any, tuple[dict[str, Any], str | None]] = {}
        self.parts: dict[tuple[int, ...], tuple[int, tuple[Any, ...], Any]] = {}
        #: ``(profile id, headcount) -> amounts`` of the roll-up part (``Accumulator.contact_amounts``).
        self.amounts: dict[tuple[int, Any], tuple[tuple[str, int], ...]] = {}
        self.headcount_at = GROUPS[0].index("headcount")
        self._hours: dict[ZoneInfo, dict[str, Any]] = {}
        self.assemble = self._compile()

    def _compile(self) -> Callable[..., tuple[Any, ...]]:
        """``assemble(centre_id, site_id, ref, kind, profile, note, occurred, day, themes, attributes)``: the
        tuple in the driver's column order (``kind`` and ``profile``: the checked codes of each of ``GROUPS``),
        written out once (it runs once per row)."""
        names = {
            "centre_id": "centre_id",
            "site_id": "site_id",
            "source_ref": "ref",
            "note": "note",
            "occurred_at": "occurred",
            "created_at": "created",
            "day": "day",
            "themes": "themes",
            "attributes": "attributes",
        }
        names |= {name: f"kind[{i}]" for i, name in enumerate(GROUPS[0])}
        names |= {name: f"profile[{i}]" for i, name in enumerate(GROUPS[1])}
        parts = [names.get(column, "None") for column in self.maker.columns]
        source = (
            "def assemble(centre_id, site_id, ref, kind, profile, note, occurred, day, themes, attributes):\n"
            f"    return ({', '.join(parts)},)\n"
        )
        namespace: dict[str, Any] = {"created": self.created}
        exec(compile(source, "<assemble contacts>", "exec"), namespace)  # noqa: S102 - column names from our models
        return namespace["assemble"]

    def row(self, row: list[str], ref: str) -> tuple[Any, ...] | None:
        """The driver's tuple of a row whose parts are all known and that keeps the rules, added to the
        roll-up; ``None`` otherwise (nothing done: the row goes the usual way)."""
        place = self.places.get(self.place_key(row))
        if place is None:
            return None
        text = row[self.occurred_at]
        if len(text) != 16 or text[13] != ":" or text[14:] not in MINUTES:
            return None
        centre_id, site_id, hours, tz, _ = place
        hour = hours.get(text[:13])
        if hour is None:
            # A new hour: its UTC text is worked out as ``learn`` did for the hours it met (an hour whose
            # minutes do not all have the same offset, around a clock change, goes the usual way).
            # An hour is remembered once its day is within the bounds of the rules (not after today, not
            # before the opening): it stays so, as today only moves on.
            hour = hour_of(text[:13], tz)
            if hour is None:
                return None
            cleaner = self.cleaner
            day = hour[1]
            if day > cleaner._today_of(centre_id) or (cleaner.opening is not None and day < cleaner.opening):
                return None
            if len(hours) >= HOURS:
                hours.clear()
            hours[text[:13]] = hour
        utc, day, day_text = hour
        cleaner = self.cleaner
        known = self.kinds.get(self.kind_key(row))
        if known is None:
            return None
        kind, kind_counted = known
        known = self.profiles.get(self.profile_key(row))
        if known is None:
            return None
        profile, profile_counted = known
        themes = self.themes.get(row[self.themes_at]) if self.themes_at is not None else self.themes.get(None)
        if themes is None:
            return None
        attrs = self.attrs.get((kind[0], self.attr_key(row)))
        if attrs is None:
            return None
        note = row[self.note_at] if self.note_at is not None else ""
        masked = False
        if note:
            note, problem, masked = cleaner._note(note, day)
            if problem is not None:
                return None
        # Every rule kept: from here on the row counts.
        combination = (
            id(kind_counted),
            id(profile_counted),
            id(themes),
            id(attrs),
            id(place) if self.place_counts else 0,
        )
        base = self.parts.get(combination)
        if base is None:
            base = self.acc.contact_base(self._record(place, kind + profile, themes, attrs))
            if len(self.parts) < PARTS:
                self.parts[combination] = base
        headcount = kind[self.headcount_at]
        amounts = self.amounts.get((base[0], headcount))
        if amounts is None:
            amounts = self.acc.contact_amounts(base[0], headcount)
            if len(self.amounts) < VALUES:
                self.amounts[(base[0], headcount)] = amounts
        if amounts:
            self.acc.add_contact_part((base[0], amounts, base[1], base[2]), day, centre_id)
        cleaner.masked += masked
        return self.assemble(
            centre_id,
            site_id,
            ref,
            kind,
            profile,
            note,
            utc + text[13:] + ":00.000000",
            day_text,
            themes[1],
            attrs[1],
        )

    @staticmethod
    def _record(
        place: tuple[Any, ...],
        codes: tuple[Any, ...],
        themes: tuple[list[str], str | None],
        attrs: tuple[dict[str, Any], str | None],
    ) -> dict[str, Any]:
        """The fields of a record the roll-up reads, but its day."""
        record = dict(place[4])
        record.update(zip(CODES, codes))
        record["themes"], record["attributes"] = themes[0], attrs[0]
        return record

    def learn(self, row: list[str], record: dict[str, Any], converted: tuple[Any, ...]) -> None:
        """Remember the parts of a row the usual way accepted (``record``, made into ``converted``)."""
        if not self.enabled:
            return
        tz = self.cleaner.lookup.timezones.get(record["centre_id"], self.cleaner.default_tz)
        hours = self._hours.setdefault(tz, {})
        text = row[self.occurred_at]
        if len(text) == 16 and text[13] == ":" and text[14:] in MINUTES and text[:13] not in hours:
            hour = hour_of(text[:13], tz)
            if hour is not None and hour[1] == record["day"]:
                if len(hours) >= HOURS:
                    hours.clear()
                hours[text[:13]] = hour
        key = self.place_key(row)
        place = self.places.get(key)
        if place is None:
            fields = {"centre_id": record["centre_id"], "site_id": record["site_id"]}
            place = (record["centre_id"], record["site_id"], hours, tz, fields)
            if len(self.places) < VALUES:
                self.places[key] = place
        kind, profile = (
            self._codes(known, key(row), record, group, counted)
            for known, key, group, counted in zip(
                (self.kinds, self.profiles), (self.kind_key, self.profile_key), GROUPS, self.counted, strict=True
            )
        )
        key = row[self.themes_at] if self.themes_at is not None else None
        themes = self.themes.get(key)
        if themes is None:
            themes = (record["themes"], self.maker._dumps(record["themes"]))
            if len(self.themes) < VALUES:
                self.themes[key] = themes
        key = (kind[0], self.attr_key(row))
        attrs = self.attrs.get(key)
        if attrs is None:
            attrs = (record["attributes"], self.maker._dumps(record["attributes"]))
            if len(self.attrs) < VALUES:
                self.attrs[key] = attrs
        # What the short way would make of this very row must be what the usual way made of it.
        hour = hours.get(text[:13]) if len(text) == 16 else None
        occurred = hour[0] + text[13:] + ":00.000000" if hour is not None else converted[self._occurred]
        made = self.assemble(
            place[0],
            place[1],
            record["source_ref"],
            kind,
            profile,
            record["note"],
            occurred,
            hour[2] if hour is not None else converted[self._day],
            themes[1],
            attrs[1],
        )
        if made != converted or place[0] != record["centre_id"] or place[1] != record["site_id"]:
            self.enabled = False
            self.places.clear()

    def _codes(
        self,
        known: dict[Any, tuple[tuple[Any, ...], tuple[Any, ...]]],
        key: Any,
        record: dict[str, Any],
        group: tuple[str, ...],
        counted: list[int],
    ) -> tuple[Any, ...]:
        """The checked codes of one of ``GROUPS`` in ``record``, remembered under their raw values ``key``."""
        found = known.get(key)
        if found is None:
            checked = tuple(record[name] for name in group)
            some = tuple(checked[i] for i in counted)
            found = (checked, self.counted_codes.setdefault(some, some))
            if len(known) < VALUES:
                known[key] = found
        return found[0]

    @property
    def _occurred(self) -> int:
        return self.maker.position("occurred_at")

    @property
    def _day(self) -> int:
        return self.maker.position("day")
