"""The kinds of section a report is made of. Plugins return these from ``register_report_sections``.

A section declares *what* to show (counter keys, a dimension); ``tremplin.core.reports.build`` resolves it into
figures read from the roll-up, for the report's period, centres and language. Table and Note carry
figures or text computed elsewhere (the ESF+ indicators) and pass through as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from tremplin.core.i18n import Text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App


@dataclass(frozen=True)
class KeyFigures:
    """A row of headline figures, each with its change against the previous period.

    ``sums`` declares figures that add up (``("group_activities.count", ("group_activities.face_to_face",
    "group_activities.online"))``): disclosure control then makes sure a hidden part cannot be worked
    out from the total and the other parts.
    """

    key: str
    title: Text
    counters: tuple[str, ...]
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Figures that are part of another without adding up to it (``("individual_advice.contacts",
    #: ("individual_advice.remote",))``): shown as "of which" under the whole, never side by side as
    #: if they did not overlap. The parts of ``sums`` are shown that way too.
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Breakdown:
    """One counter split by one dimension (gender, age band, language, theme, channel...)."""

    key: str
    title: Text
    counter: str
    dim: str


@dataclass(frozen=True)
class MonthlyChart:
    """Counters month by month, closure periods shaded.

    One series per counter; or, with ``dim``, one series per value of that dimension of the first
    counter. ``closure_scope`` picks the closures shaded: those of scope ``all`` and of this scope
    (``multimedia``, ``individual_advice``...); ``*`` shades every closure. ``months`` shows the
    ``months`` months ending with the report's last month instead of the report's own period (the
    monthly dashboard's trend).
    """

    key: str
    title: Text
    counters: tuple[str, ...]
    closure_scope: str = "all"
    dim: str | None = None
    months: int | None = None


@dataclass(frozen=True)
class FreeText:
    key: str
    title: Text
    text: Text


@dataclass(frozen=True)
class Table:
    """Figures computed elsewhere (an ESF+ indicator table, a per-participant file), as rows.

    ``columns`` are stable keys (the JSON keys); ``labels`` their headings for people.
    ``disclose`` says whether disclosure control applies when the report is published. Columns named
    in ``machine`` hold keys for automation: the JSON has them, pages and spreadsheets leave them out.
    ``values`` gives the label of a column's coded values (``{"basis": {"estimate": T("Estimate")}}``).
    """

    key: str
    title: Text
    columns: tuple[str, ...]
    labels: tuple[Text, ...]
    rows: tuple[dict[str, object], ...]
    disclose: bool = True
    machine: tuple[str, ...] = ()
    values: dict[str, dict[str, Text]] = field(default_factory=dict)


@dataclass(frozen=True)
class Computed:
    """A section computed from the database when the report is built, for figures the roll-up does not
    keep (the satisfaction survey's answers). ``build(ctx)`` gets the report's context
    (``tremplin.core.reports.build.Context``: ``session``, ``report`` with its period and centres,
    ``all_centres``, ``published``, ``text()``) and returns a model section, or ``None`` when it has
    nothing to show. A table it returns with ``disclose=True`` goes through disclosure control."""

    key: str
    build: Callable[[Any], Any]


@dataclass(frozen=True)
class Note:
    """A method note: how an indicator was computed or estimated."""

    key: str
    title: Text
    text: Text


@dataclass(frozen=True)
class AudienceFigures:
    """Each audience's own counters as a row of key figures (the "specific audiences" of a report).

    Audiences in ``exclude`` are left out (and all but those in ``only``, when given). An audience
    whose counters another section of the same report already shows is left out too (a plugin's own
    section wins over this generic one); with ``remaining`` only those counters are left out.
    """

    key: str
    title: Text | None
    exclude: tuple[str, ...] = ("general",)
    only: tuple[str, ...] | None = None
    remaining: bool = False


@dataclass(frozen=True)
class OnlineFigures:
    """Online figures (``OnlineMetric``): the latest value within the period, per source and metric."""

    key: str
    title: Text


@dataclass(frozen=True)
class MoreFigures:
    """Figures a plugin adds to a key-figures section another plugin declared for the same report.

    ``key`` is the other section's (``MoreFigures("events", ("euroguidance.fairs",))`` adds a plugin's
    counter to the annual report's fairs and events); a key no section of the report has is an error. The figures
    come after the section's own, in plugin order.
    """

    key: str
    counters: tuple[str, ...]


@dataclass(frozen=True)
class ProgrammeQuery:
    """What a programme-indicator function is asked for: one ESF+ operation over a period."""

    app: App
    session: Session
    operation: str
    start: date
    end: date
    centre_ids: Sequence[int] | None
    language: str


@dataclass(frozen=True)
class ProgrammeIndicators:
    """Programme-specific rows a cofinanced audience's plugin adds to its ESF+ report (report ``esf``).

    ESF+ counts only consenting cases as participants; what a programme does with anonymous people
    (awareness actions in the field, its reach on social media) goes into the ``esf.programme`` table as
    programme-specific indicators. ``rows(query)`` returns ``{"key", "indicator", "value"}`` rows for
    ``query.operation``'s period; it is called only when ``audience`` is the report's operation.
    """

    key: str
    audience: str
    rows: Callable[[ProgrammeQuery], list[dict[str, Any]]]
