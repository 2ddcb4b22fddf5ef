"""The kinds of section a report is made of. Plugins return these from ``register_report_sections``."""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import Text


@dataclass(frozen=True)
class KeyFigures:
    """A row of headline figures, each with its change against the previous period."""

    key: str
    title: Text
    counters: tuple[str, ...]


@dataclass(frozen=True)
class Breakdown:
    """One counter split by one dimension (gender, age band, language, theme, channel...)."""

    key: str
    title: Text
    counter: str
    dim: str


@dataclass(frozen=True)
class MonthlyChart:
    """Counters month by month, closure periods shaded."""

    key: str
    title: Text
    counters: tuple[str, ...]
    closure_scope: str = "all"


@dataclass(frozen=True)
class FreeText:
    key: str
    title: Text
    text: Text


@dataclass(frozen=True)
class Table:
    """Figures computed elsewhere (an ESF+ indicator table, a per-participant file), as rows.

    ``columns`` are stable keys (the JSON and CSV keys); ``labels`` their headings for people.
    ``disclose`` says whether disclosure control applies when the report is published.
    """

    key: str
    title: Text
    columns: tuple[str, ...]
    labels: tuple[Text, ...]
    rows: tuple[dict[str, object], ...]
    disclose: bool = True


@dataclass(frozen=True)
class Note:
    """A method note: how an indicator was computed or estimated."""

    key: str
    title: Text
    text: Text
