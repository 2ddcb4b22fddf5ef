"""Turning raw values (a CSV row, a JSON body, a form post) into clean records, with clear errors.

One code path for every way in, so the import, the API, the web forms, the bot and the demo refuse the
same things with the same words: the rules themselves (lengths, bounds, scrubbing) are in
``tremplin.core.rules``; this module parses values and applies them. Functions here are plain Python on
purpose: the import validates a million rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tremplin.core import rules, vocab
from tremplin.core.forms import FormError, validate_attributes
from tremplin.core.import_messages import Reason
from tremplin.core.personal_data import YEAR_HINT
from tremplin.core.rules import Problem

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.registry import KeyedRegistry


class RecordError(ValueError):
    """A record with invalid values; ``errors`` lists ``(field, reason)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {r}" for f, r in errors))

    @property
    def questions_only(self) -> bool:
        """Every problem is a question: the record is saved once the person confirms it."""
        return rules.only_questions(self.errors)

    @property
    def rules(self) -> dict[str, str]:
        """Field -> the key of the rule it breaks (``tremplin.core.rules.MESSAGES``)."""
        return rules.rule_keys(self.errors)


MAX_HEADCOUNT = rules.MAX_HEADCOUNT
#: Distinct notes whose checked text a ``Cleaner`` remembers (exports repeat their notes).
NOTE_CACHE = 16_384


def parse_timestamp(raw: Any, tz: ZoneInfo) -> datetime:
    """ISO 8601; a timestamp without offset is local time in ``tz`` (Brussels by default)."""
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime(raw.year, raw.month, raw.day)
    else:
        text = str(raw).strip()
        if not text:
            raise ValueError(Problem("required", "is empty"))
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            reason = f"{text!r} is not an ISO 8601 date or timestamp (e.g. 2019-03-05T10:30)"
            raise ValueError(Problem("datetime", reason)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def parse_int(raw: Any, minimum: int = 0, maximum: int = MAX_HEADCOUNT) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a whole number")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        try:
            value = int(text)
        except ValueError:
            raise ValueError(Problem("number", f"{text!r} is not a whole number")) from None
    if value < minimum:
        raise ValueError(Problem("range", f"{value} is below {minimum}", min=minimum, max=maximum))
    if value > maximum:
        raise ValueError(Problem("range", f"{value} is above {maximum}", min=minimum, max=maximum))
    return value


def code_text(raw: Any) -> str:
    """A code as typed, trimmed: ``""`` for nothing."""
    return "" if raw is None else str(raw).strip()


def parse_code(
    raw: Any, codes: Mapping[str, Any] | vocab.CodeList | KeyedRegistry[Any], default: str | None, name: str
) -> str:
    text = code_text(raw)
    if not text:
        if default is None:
            raise ValueError(Problem("required", "is required"))
        return default
    if text not in codes:
        raise ValueError(Problem("choice", f"{text!r} is not a {name}; use one of: {', '.join(codes)}"))
    return text


def parse_themes(raw: Any) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(";")
    themes: list[str] = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        if item not in vocab.THEME:
            reason = f"{item!r} is not a theme; use ;-separated codes from: {', '.join(vocab.THEME)}"
            raise ValueError(Problem("choice", reason))
        if item not in themes:
            themes.append(item)
    return sorted(themes)


@dataclass
class Lookup:
    """Resolves centre and site codes to ids (the import and the API give codes, not ids)."""

    centres: dict[str, int]
    sites: dict[tuple[int, str], int]
    timezones: dict[int, ZoneInfo]

    @classmethod
    def load(cls, app: App, session: Any) -> Lookup:
        from sqlalchemy import select

        from tremplin.core.models import Centre, Site

        centres = {}
        tzs = {}
        for c in session.execute(select(Centre.id, Centre.code, Centre.timezone)):
            centres[c.code] = c.id
            tzs[c.id] = ZoneInfo(c.timezone or app.settings.timezone)
        sites = {(s.centre_id, s.code): s.id for s in session.execute(select(Site.id, Site.centre_id, Site.code))}
        return cls(centres, sites, tzs)

    @classmethod
    def load_for(cls, app: App, session: Any, values: Mapping[str, Any]) -> Lookup:
        """The codes one record names (its centre, its site), read alone: a record written by itself (a form,
        the bot) has no use for every site of every centre. A code it does not name is unknown to it,
        exactly as an unknown code is to ``load``."""
        from sqlalchemy import select

        from tremplin.core.models import Centre, Site

        # The codes as the Cleaner reads them (``_centre``, ``_site``).
        centre, site = code_text(values.get("centre")), code_text(values.get("site"))
        if not centre:
            return cls({}, {}, {})
        row = session.execute(select(Centre.id, Centre.code, Centre.timezone).where(Centre.code == centre)).first()
        if row is None:
            return cls({}, {}, {})
        sites: dict[tuple[int, str], int] = {}
        if site:
            site_id = session.scalar(select(Site.id).where(Site.centre_id == row.id, Site.code == site))
            if site_id is not None:
                sites[(row.id, site)] = site_id
        return cls({row.code: row.id}, sites, {row.id: ZoneInfo(row.timezone or app.settings.timezone)})


class Cleaner:
    """Validates contacts and activities against the vocabulary and the registered audiences."""

    def __init__(
        self, app: App, lookup: Lookup, on_missing: Callable[[str, str, str | None], int] | None = None
    ) -> None:
        self.app = app
        self.lookup = lookup
        #: Called as ``on_missing(kind, centre_code, site_code)`` for an unknown code; returns the new
        #: id, or is ``None`` to refuse unknown codes.
        self.on_missing = on_missing
        self.default_tz = ZoneInfo(app.settings.timezone)
        self._attr_fields: dict[tuple[str, str], tuple[Any, Any]] = {}
        # Caches of the fast path (``_fast_contact``): valid values seen before, and what they gave.
        self._themes_seen: dict[str, tuple[str, ...]] = {}
        self._codes_seen: dict[tuple[Any, ...], dict[str, str]] = {}
        # Modalities and channels include those the plugins add (``register_codes``).
        self.modalities = app.registry.codes["modality"]
        self.channels = app.registry.codes["channel"]
        self._fast_codes = _fast_codes(self.modalities, self.channels)
        self._attrs_seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.scrub = app.scrub
        #: ``False``: a note mostly made of personal data is stored masked (an import of old records),
        #: not refused; ``masked`` counts them.
        self.strict_notes = True
        self.masked = 0
        self._notes: dict[str, tuple[str, Problem | None, bool]] = {}
        self.opening: date | None = app.settings.opening_date
        self._todays: dict[ZoneInfo, date] = {}
        self._centre_todays: dict[int, date] = {}
        self._limit: int | None = rules.PLAUSIBLE_HEADCOUNT
        self._todays_until = 0.0

    # -- shared pieces ------------------------------------------------------------------------

    def _centre(self, raw: Any, errors: list[tuple[str, str]]) -> int | None:
        code = code_text(raw)
        if not code:
            errors.append(("centre", Reason("required")))
            return None
        centre_id = self.lookup.centres.get(code)
        if centre_id is None:
            if self.on_missing is None:
                errors.append(("centre", Reason("centre.unknown", code=code)))
                return None
            centre_id = self.on_missing("centre", code, None)
        return centre_id

    def _site(self, raw: Any, centre_id: int | None, centre_code: str, errors: list[tuple[str, str]]) -> int | None:
        code = code_text(raw)
        if not code or centre_id is None:
            return None
        site_id = self.lookup.sites.get((centre_id, code))
        if site_id is None:
            if self.on_missing is None:
                errors.append(("site", Reason("site.unknown", code=code, centre=centre_code)))
                return None
            site_id = self.on_missing("site", centre_code, code)
        return site_id

    def _audience(self, raw: Any, errors: list[tuple[str, str]]) -> str | None:
        try:
            return parse_code(raw, self.app.registry.audiences, None, "known audience")
        except ValueError as exc:
            errors.append(("audience", str(exc)))
            return None

    def _attributes(
        self, audience: str | None, record: str, values: Mapping[str, Any], errors: list[tuple[str, str]]
    ) -> dict[str, Any]:
        present = {k: v for k, v in values.items() if v not in (None, "", [])}
        if not present:
            return {}
        if audience is None:
            return {}
        key = (audience, record)
        if key not in self._attr_fields:
            # Building a pydantic model costs milliseconds: it is built once per registry, not per
            # Cleaner (the bot and the web forms make a Cleaner for each record they write).
            derived = self.app.registry.derived
            built = derived.get(("validation.attributes", key))
            if built is None:
                from tremplin.core.forms import build_attribute_model

                fields = tuple(self.app.registry.attribute_fields(audience, record).values())
                # Attributes are optional in an import or an API call: "empty means unknown".
                relaxed = tuple(_optional(f) for f in fields)
                built = derived[("validation.attributes", key)] = (
                    relaxed,
                    build_attribute_model(f"{audience}_{record}", relaxed),
                )
            self._attr_fields[key] = built
        fields, model = self._attr_fields[key]
        # Free-text attributes (a place, a school's name): the length rule first, in the rules' words.
        too_long = [
            (f"attr.{f.name}", problem)
            for f in fields
            if f.kind == "text" and isinstance(present.get(f.name), str)
            for problem in (rules.too_long(present[f.name].strip(), f.max_length),)
            if problem is not None
        ]
        if too_long:
            errors.extend(too_long)
            return {}
        try:
            cleaned = validate_attributes(fields, present, model)
        except FormError as exc:
            errors.extend((f"attr.{name}", reason) for name, reason in exc.errors.items())
            return {}
        # ... then the scrubber chain, like notes.
        for field in fields:
            if field.kind == "text" and cleaned.get(field.name):
                cleaned[field.name] = rules.masked_text(self.scrub, cleaned[field.name], field.max_length)[0]
        return cleaned

    def _step(self, errors: list[tuple[str, str]], name: str, fn: Callable[[], Any], default: Any = None) -> Any:
        try:
            return fn()
        except ValueError as exc:
            reason = exc.args[0] if exc.args and isinstance(exc.args[0], Problem) else str(exc)
            errors.append((name, reason))
            return default

    def today(self, tz: ZoneInfo) -> date:
        """Today in ``tz``, read again every half minute (the import checks a million rows)."""
        now = time.monotonic()
        if now >= self._todays_until:
            self._todays.clear()
            self._centre_todays.clear()
            self._todays_until = now + 30
        day = self._todays.get(tz)
        if day is None:
            day = self._todays[tz] = datetime.now(tz).date()
        return day

    def _today_of(self, centre_id: int) -> date:
        """``today`` in the time zone of a centre, by its id (the fast path's lookup)."""
        day = self._centre_todays.get(centre_id)
        if day is None or time.monotonic() >= self._todays_until:
            day = self._centre_todays[centre_id] = self.today(self.lookup.timezones.get(centre_id, self.default_tz))
        return day

    def _note(self, text: str, day: date | None = None) -> tuple[str, Problem | None, bool]:
        # A note with a year in it is judged against its own day (a birth date, or an appointment?), so it is
        # remembered with that day; most notes have none and are remembered by their text alone.
        key: Any = (text, day) if day is not None and YEAR_HINT.search(text) else text
        checked = self._notes.get(key)
        if checked is None:
            checked = rules.note(lambda t: self.scrub(t, today=day), text, self.strict_notes)
            if len(self._notes) < NOTE_CACHE:
                self._notes[key] = checked
        return checked

    def _contact_rules(
        self, record: dict[str, Any], note: Any, tz: ZoneInfo, plausible: int | None, confirmed: bool
    ) -> list[tuple[str, str]]:
        """The rules of ``tremplin.core.rules`` on a parsed contact; fixes its note in place."""
        errors: list[tuple[str, str]] = []
        text = "" if note is None else str(note)
        if text:
            stored, problem, masked = self._note(text, record.get("day"))
            if problem is not None:
                errors.append(("note", problem))
            else:
                record["note"] = stored
                self.masked += masked
        day = record.get("day")
        if day is not None:
            problem = rules.day_in_bounds(day, self.today(tz), self.opening)
            if problem is not None:
                errors.append(("occurred_at", problem))
        headcount = record.get("headcount")
        if headcount is not None:
            limit = rules.PLAUSIBLE_HEADCOUNT if plausible is None else plausible
            problem = rules.plausible_count(headcount, limit, confirmed)
            if problem is not None:
                errors.append(("headcount", problem))
        return errors

    # -- records ------------------------------------------------------------------------------

    def contact(
        self,
        raw: Mapping[str, Any],
        attributes: Mapping[str, Any] | None = None,
        plausible: int | None = None,
        confirmed: bool = False,
    ) -> dict[str, Any]:
        """Validate a contact; returns the column values, or raises ``RecordError`` listing every problem.

        ``plausible``: the headcount above which a confirmation is asked (the form's); ``confirmed``: it was.
        """
        # The headcount the fast way lets through (``None`` once confirmed): read by ``_fast_contact``.
        self._limit = None if confirmed else (rules.PLAUSIBLE_HEADCOUNT if plausible is None else plausible)
        record = self._fast_contact(raw, attributes)
        if record is not None:
            return record
        errors: list[tuple[str, str]] = []
        centre_code = str(raw.get("centre") or "").strip()
        centre_id = self._centre(raw.get("centre"), errors)
        tz = self.lookup.timezones.get(centre_id, self.default_tz) if centre_id is not None else self.default_tz
        step = self._step
        occurred = step(errors, "occurred_at", lambda: parse_timestamp(raw.get("occurred_at"), tz))
        audience = self._audience(raw.get("audience"), errors)
        record = {
            "centre_id": centre_id,
            "site_id": self._site(raw.get("site"), centre_id, centre_code, errors),
            "occurred_at": occurred,
            "day": occurred.astimezone(tz).date() if occurred else None,
            "audience": audience,
            "modality": step(
                errors, "modality", lambda: parse_code(raw.get("modality"), self.modalities, None, "modality")
            ),
            "channel": step(
                errors, "channel", lambda: parse_code(raw.get("channel"), self.channels, "walk_in", "channel")
            ),
            "themes": step(errors, "themes", lambda: parse_themes(raw.get("themes")), []),
            "language": step(
                errors, "language", lambda: parse_code(raw.get("language"), vocab.LANGUAGE, "unknown", "language")
            ),
            "headcount": step(
                errors, "headcount", lambda: parse_int(_default_if_blank(raw.get("headcount"), 1), minimum=1)
            ),
            "gender": step(errors, "gender", lambda: parse_code(raw.get("gender"), vocab.GENDER, "unknown", "gender")),
            "age_band": step(
                errors, "age_band", lambda: parse_code(raw.get("age_band"), vocab.AGE_BAND, "unknown", "age band")
            ),
            "education": step(
                errors,
                "education",
                lambda: parse_code(raw.get("education"), vocab.EDUCATION, "unknown", "education band"),
            ),
            "labour_status": step(
                errors,
                "labour_status",
                lambda: parse_code(raw.get("labour_status"), vocab.LABOUR_STATUS, "unknown", "labour-market status"),
            ),
            "attributes": self._attributes(audience, "contact", attributes or {}, errors),
            "note": "",
        }
        errors += self._contact_rules(record, raw.get("note"), tz, plausible, confirmed)
        if errors:
            raise RecordError(errors)
        return record

    def _fast_contact(self, raw: Mapping[str, Any], attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The same record as ``contact`` for a valid contact given as text, at a fraction of the cost.

        Returns ``None`` at the first value it is not sure of (not text, unknown, out of range, against a
        rule...): ``contact`` then goes the general way, which finds and words the errors. Whatever it
        accepts, the general way accepts too, with the same result.
        """
        limit = self._limit
        get = raw.get
        centre = get("centre")
        if type(centre) is not str:
            return None
        centre_id = self.lookup.centres.get(centre.strip())
        if centre_id is None:
            return None
        tz = self.lookup.timezones.get(centre_id, self.default_tz)
        text = get("occurred_at")
        if type(text) is not str:
            return None
        try:
            occurred = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        if occurred.tzinfo is None:
            # ``occurred.replace(tzinfo=tz)``, three times cheaper (``fromisoformat`` gives fold=0).
            occurred = datetime(
                occurred.year,
                occurred.month,
                occurred.day,
                occurred.hour,
                occurred.minute,
                occurred.second,
                occurred.microsecond,
                tz,
            )

        site = get("site")
        if site is None:
            site_id = None
        elif type(site) is not str:
            return None
        else:
            site = site.strip()
            if site:
                site_id = self.lookup.sites.get((centre_id, site))
                if site_id is None:
                    return None
            else:
                site_id = None

        # The six codes of a row come in few combinations: each combination is checked once.
        raw_codes = tuple(map(get, _FAST_CODE_NAMES))
        try:
            values = self._codes_seen.get(raw_codes)
        except TypeError:  # a list or a dict where a code should be: the general way words it
            return None
        if values is None:
            values = {}
            for (name, allowed, default), value in zip(self._fast_codes, raw_codes):
                if value is None:
                    value = ""
                elif type(value) is not str:
                    return None
                else:
                    value = value.strip()
                if not value:
                    if default is None:
                        return None
                    value = default
                elif value not in allowed:
                    return None
                values[name] = value
            if len(self._codes_seen) < 65_536:
                self._codes_seen[raw_codes] = values
        audience = get("audience")
        if type(audience) is not str:
            return None
        audience = audience.strip()
        if audience not in self.app.registry.audiences:
            return None

        themes_raw = get("themes")
        if themes_raw is None:
            themes: list[str] = []
        elif type(themes_raw) is not str:
            return None
        else:
            seen = self._themes_seen.get(themes_raw)
            if seen is None:
                try:
                    seen = tuple(parse_themes(themes_raw))
                except ValueError:
                    return None
                if len(self._themes_seen) < 4096:
                    self._themes_seen[themes_raw] = seen
            themes = list(seen)

        headcount: Any = get("headcount")
        if headcount is None or headcount == "":
            headcount = 1
        elif type(headcount) is str:
            try:
                headcount = int(headcount)
            except ValueError:
                return None
        elif type(headcount) is not int:
            return None
        if not 1 <= headcount <= MAX_HEADCOUNT or (limit is not None and headcount > limit):
            return None
        # The rules (``tremplin.core.rules``) on the day and the note, with the cleaner's caches.
        day = occurred.astimezone(tz).date()
        if day > self._today_of(centre_id) or (self.opening is not None and day < self.opening):
            return None

        attrs: dict[str, Any] = {}
        if attributes:
            # The same values give the same attributes: validate each combination once.
            key = (audience, tuple(attributes.items()))
            try:
                cached = self._attrs_seen.get(key)
            except TypeError:  # unhashable values (lists from JSON): the general way
                return None
            if cached is None:
                errors: list[tuple[str, str]] = []
                cached = self._attributes(audience, "contact", attributes, errors)
                if errors:
                    return None
                if len(self._attrs_seen) < 4096:
                    self._attrs_seen[key] = cached
            if cached:
                attrs = {k: list(v) if type(v) is list else v for k, v in cached.items()}

        # The note last: a record given up before it would count a masked note twice.
        note = get("note")
        if note:
            if type(note) is not str:
                return None
            checked = self._note(note, day)
            if checked[1] is not None:
                return None
            self.masked += checked[2]
            note = checked[0]
        else:
            note = ""
        return {
            "centre_id": centre_id,
            "site_id": site_id,
            "occurred_at": occurred,
            "day": day,
            "audience": audience,
            "modality": values["modality"],
            "channel": values["channel"],
            "themes": themes,
            "language": values["language"],
            "headcount": headcount,
            "gender": values["gender"],
            "age_band": values["age_band"],
            "education": values["education"],
            "labour_status": values["labour_status"],
            "attributes": attrs,
            "note": note,
        }

    def activity(
        self,
        raw: Mapping[str, Any],
        attributes: Mapping[str, Any] | None = None,
        plausible: int | None = None,
        confirmed: bool = False,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Validate an activity, as ``contact`` a contact. An activity may be planned (a day to come), but
        its participants are entered once it has started (``now``: the present moment)."""
        errors: list[tuple[str, str]] = []
        centre_code = str(raw.get("centre") or "").strip()
        centre_id = self._centre(raw.get("centre"), errors)
        tz = self.lookup.timezones.get(centre_id, self.default_tz) if centre_id is not None else self.default_tz
        step = self._step

        def optional_int(name: str) -> int | None:
            value = raw.get(name)
            if value is None or str(value).strip() == "":
                return None
            return parse_int(value)

        starts = step(errors, "starts_at", lambda: parse_timestamp(raw.get("starts_at"), tz))
        audience = self._audience(raw.get("audience"), errors)
        record = {
            "centre_id": centre_id,
            "site_id": self._site(raw.get("site"), centre_id, centre_code, errors),
            "starts_at": starts,
            "day": starts.astimezone(tz).date() if starts else None,
            "audience": audience,
            "title": self._title(raw.get("title"), errors),
            "workshop": step(errors, "workshop", lambda: _workshop(raw.get("workshop"))),
            "format": step(
                errors, "format", lambda: parse_code(raw.get("format"), vocab.FORMAT, "face_to_face", "format")
            ),
            "capacity": step(errors, "capacity", lambda: optional_int("capacity")),
            "registered": step(errors, "registered", lambda: optional_int("registered")),
            "participants": step(errors, "participants", lambda: optional_int("participants")),
            "language": step(
                errors, "language", lambda: parse_code(raw.get("language"), vocab.LANGUAGE, "unknown", "language")
            ),
            "themes": step(errors, "themes", lambda: parse_themes(raw.get("themes")), []),
            "attributes": self._attributes(audience, "activity", attributes or {}, errors),
        }
        errors += self._activity_rules(record, tz, plausible, confirmed, now)
        if errors:
            raise RecordError(errors)
        return record

    def _title(self, raw: Any, errors: list[tuple[str, str]]) -> str:
        title, problem = rules.short_text(self.scrub, "" if raw is None else str(raw), rules.TITLE_MAX)
        if problem is not None:
            errors.append(("title", problem))
        return title

    def _activity_rules(
        self, record: dict[str, Any], tz: ZoneInfo, plausible: int | None, confirmed: bool, now: datetime | None
    ) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        day, starts = record.get("day"), record.get("starts_at")
        if day is not None:
            problem = rules.day_in_bounds(day, self.today(tz), self.opening, future_allowed=True)
            if problem is not None:
                errors.append(("starts_at", problem))
        participants = record.get("participants")
        if participants is not None and starts is not None:
            problem = rules.participants_after_start(starts, now or datetime.now(UTC))
            if problem is None:
                problem = rules.plausible_count(participants, plausible, confirmed)
            if problem is None:
                problem = rules.plausible_participants(participants, record.get("registered"), confirmed)
            if problem is not None:
                errors.append(("participants", problem))
        return errors


#: The coded fields of a contact as ``contact`` reads them: name, allowed codes, default when empty
#: (``None``: required).
def _fast_codes(
    modalities: vocab.CodeList, channels: vocab.CodeList
) -> tuple[tuple[str, frozenset[str], str | None], ...]:
    return (
        ("modality", frozenset(modalities), None),
        ("channel", frozenset(channels), "walk_in"),
        ("language", frozenset(vocab.LANGUAGE), "unknown"),
        ("gender", frozenset(vocab.GENDER), "unknown"),
        ("age_band", frozenset(vocab.AGE_BAND), "unknown"),
        ("education", frozenset(vocab.EDUCATION), "unknown"),
        ("labour_status", frozenset(vocab.LABOUR_STATUS), "unknown"),
    )


_FAST_CODE_NAMES: tuple[str, ...] = (
    "modality",
    "channel",
    "language",
    "gender",
    "age_band",
    "education",
    "labour_status",
)


def _default_if_blank(value: Any, default: Any) -> Any:
    """Empty means unknown (or the usual default); a 0 stays a 0 and is judged as one."""
    return default if value is None or (isinstance(value, str) and not value.strip()) else value


def _workshop(raw: Any) -> str:
    text = code_text(raw)
    if not text:
        return "info_session"
    if not all(ch.isalnum() or ch in "_-" for ch in text) or len(text) > 40:
        raise ValueError(f"{text!r} is not a workshop code (letters, digits, _ and -)")
    return text


def _optional(field: Any) -> Any:
    from dataclasses import replace

    return replace(field, required=False) if field.required else field
