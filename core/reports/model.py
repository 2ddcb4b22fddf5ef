"""A resolved report: the figures of every section, computed once, rendered to every format.

``tremplin.core.reports.build`` turns a report's declared sections (``tremplin.core.reports.sections``) into the objects
below, reading the roll-up. Every number is a ``Num``: its exact value, and whether disclosure control
hid it (``tremplin.core.disclosure``). Renderers never print ``Num.value`` directly: they ask ``Num.shown`` so a
hidden value cannot leak into a published file.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass
class Num:
    """A figure of a report. ``hidden`` is ``"primary"`` (a small count) or ``"secondary"`` (hidden so
    that a small count cannot be worked out by subtraction); ``None`` when it is shown."""

    value: int | float | None
    hidden: str | None = None

    def shown(self, marks: Marks) -> int | float | str | None:
        if self.hidden == PRIMARY:
            return marks.primary
        if self.hidden == SECONDARY:
            return marks.secondary
        return self.value

    @property
    def is_count(self) -> bool:
        return isinstance(self.value, int) and not isinstance(self.value, bool)


@dataclass(frozen=True)
class Marks:
    """What a hidden figure shows instead of its value."""

    primary: str = "<5"
    secondary: str = "x"

    @classmethod
    def for_threshold(cls, threshold: int) -> Marks:
        return cls(primary=f"<{threshold}")


@dataclass(frozen=True)
class CentreRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        s, e = self.start, self.end
        if s.month == 1 and s.day == 1 and e.month == 12 and e.day == 31:
            return str(s.year) if s.year == e.year else f"{s.year}–{e.year}"
        if s.day == 1 and s.year == e.year and s.month == e.month and e.day == calendar.monthrange(e.year, e.month)[1]:
            return f"{s.year}-{s.month:02d}"
        return f"{s.isoformat()} – {e.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


# ------------------------------------------------------------------------------------------------
# Sections


@dataclass
class Figure:
    key: str
    label: str
    value: Num
    previous: Num
    #: Relative change against the previous period (0.125 is +12.5 %); ``None`` without a base.
    change: Num
    #: Value per centre code (network reports only).
    centres: dict[str, Num] = field(default_factory=dict)
    #: The key of the figure this one is a part of ("of which"), if any.
    part_of: str | None = None


@dataclass
class KeyFiguresSection:
    key: str
    title: str
    figures: list[Figure]
    sums: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    kind: str = "key_figures"

    @property
    def previous_empty(self) -> bool:
        """Nothing at all was counted in the previous period: "no data" rather than zeros."""
        return all(f.previous.value in (0, None) for f in self.figures)

    def parts(self, key: str) -> list[Figure]:
        return [f for f in self.figures if f.part_of == key]


@dataclass
class Row:
    """A row of a breakdown: one value of a dimension."""

    key: str
    label: str
    value: Num
    share: Num
    centres: dict[str, Num] = field(default_factory=dict)


@dataclass
class BreakdownSection:
    key: str
    title: str
    counter: str
    counter_label: str
    dim: str
    dim_label: str
    #: Whether the rows add up to the total (``theme`` does not: a contact may have several themes).
    additive: bool
    rows: list[Row]
    total: Row
    kind: str = "breakdown"


@dataclass
class Series:
    key: str
    label: str
    values: list[Num]
    #: The series' total over the chart's months (used by disclosure control; shown in tables).
    total: Num


@dataclass
class Closure:
    start: date
    end: date
    scope: str
    label: str
    centre: str


@dataclass
class ChartSection:
    key: str
    title: str
    dim: str | None
    months: list[date]
    series: list[Series]
    closures: list[Closure]
    closure_scope: str = "all"
    kind: str = "monthly_chart"


@dataclass
class Column:
    key: str
    label: str
    #: A key for automation only (the JSON keeps it; pages and spreadsheets, made for people, do not).
    machine: bool = False
    #: How the column's coded values read in the report's language (``{"estimate": "Estimation"}``).
    values: dict[str, str] | None = None

    def show(self, value: Any) -> Any:
        """``value`` as people read it: a coded value's label, anything else as it is."""
        if self.values and isinstance(value, str):
            return self.values.get(value, value)
        return value


@dataclass
class TableSection:
    key: str
    title: str
    columns: list[Column]
    #: Dicts keyed by column key; numbers are ``Num`` when disclosure control applies to the table.
    #: May be a one-pass iterator for a large per-participant table (streamed by the renderers).
    rows: Iterable[dict[str, Any]]
    disclose: bool = True
    kind: str = "table"


@dataclass
class OnlineRow:
    source: str
    metric: str
    label: str
    value: Num
    day: date | None
    previous: Num
    centres: dict[str, Num] = field(default_factory=dict)


@dataclass
class OnlineSection:
    key: str
    title: str
    rows: list[OnlineRow]
    kind: str = "online_figures"


@dataclass
class TextSection:
    key: str
    title: str
    text: str
    #: ``text`` (free text) or ``note`` (a method note).
    kind: str = "text"


Section = KeyFiguresSection | BreakdownSection | ChartSection | TableSection | OnlineSection | TextSection


@dataclass
class Report:
    key: str
    title: str
    language: str
    period: Period
    previous: Period
    centres: list[CentreRef]
    sections: list[Section]
    published: bool = False
    threshold: int = 5
    generated_at: datetime | None = None
    #: Audiences whose figures the report may show (``None``: all).
    audiences: frozenset[str] | None = None
    #: Parameters the report was asked with (recorded in the audit log and the JSON).
    parameters: dict[str, Any] = field(default_factory=dict)
    #: The centre's time zone: times are shown in it.
    timezone: str = "Europe/Brussels"

    @property
    def network(self) -> bool:
        """Several centres: tables get a column per centre next to the total."""
        return len(self.centres) > 1

    @property
    def marks(self) -> Marks:
        return Marks.for_threshold(self.threshold)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def iter_nums(self) -> Iterator[Num]:
        for s in self.sections:
            if isinstance(s, KeyFiguresSection):
                for f in s.figures:
                    yield f.value
                    yield f.previous
                    yield from f.centres.values()
            elif isinstance(s, BreakdownSection):
                for r in [*s.rows, s.total]:
                    yield r.value
                    yield from r.centres.values()
            elif isinstance(s, ChartSection):
                for series in s.series:
                    yield from series.values
                    yield series.total
