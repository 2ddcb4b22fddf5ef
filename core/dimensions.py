"""Report dimensions that plugins declare: a truck's stop and commune, a type of education.

Every counter is kept in the roll-up by the core dimensions (``tremplin.core.counters.DIMENSIONS``).
An audience adds its own through ``register_dimensions``: a ``Dimension`` names a record field (the
``site``, a column such as ``workshop``) or one of the audience's attributes (``attr.commune``), and
the roll-up keeps every counter by its values, by month and year, like the core dimensions.

A dimension is kept only for the records of its audience (``audience=None``: every record), and only
the fields declared as dimensions join the aggregation key, so a dimension costs the records it
describes and nothing else. A record of the audience without a value counts as ``unknown``, so the
values add up to the audience's total.

Values are stored as the record holds them; a site is stored by its id (stable when a site is renamed)
and shown by its code (the JSON key) and its name.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tremplin.core.i18n import Text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App

#: The core's record kinds a dimension may describe (the roll-up's fact sources); a plugin's own
#: ``FactSource`` (``tremplin.core.counters``) may be described too, by its name.
SOURCES = ("contacts", "activities", "cases")
#: Record columns a dimension may name besides ``site`` and ``attr.<name>``.
FIELDS = {
    "contacts": ("education", "labour_status"),
    "activities": ("workshop", "format"),
    "cases": ("education", "labour_status", "stage"),
}
#: ``counter_values.dim`` is 24 characters wide.
MAX_KEY = 24
_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Dimension:
    """A report dimension: counters are kept by the values of ``field`` on the records of ``audience``.

    ``key`` is stable: it is the roll-up's ``dim``, the breakdown sections' ``dim`` and part of the
    JSON keys of ``tremplin counters show``; prefix it with the audience (``euroguidance.country``).
    ``field`` is ``site`` (values labelled with the site names), ``attr.<name>`` (an attribute of
    the audience's forms: labelled with the field's choices) or a record column (``workshop``...:
    labelled with the core code lists). ``values`` labels the codes when the plugin knows better.
    ``counter`` is the figure dashboards and the audience report show by this dimension (default:
    the audience's people counter). ``many_valued`` says a record may hold several values (a
    multiple-choice attribute): then the values do not add up to the total.
    """

    key: str
    label: Text
    field: str
    audience: str | None = None
    records: tuple[str, ...] = ("contacts", "activities")
    # Spelled in full: the class's own ``field`` attribute hides the function's name in its body.
    values: Mapping[str, Text] = dataclasses.field(default_factory=dict)
    counter: str | None = None
    title: Text | None = None
    many_valued: bool = False

    def __post_init__(self) -> None:
        from tremplin.core.counters import DIMENSIONS

        if not _KEY.match(self.key) or len(self.key) > MAX_KEY:
            raise ValueError(
                f"dimension key {self.key!r}: lower-case words joined by dots, at most {MAX_KEY} characters"
            )
        if self.key in DIMENSIONS or self.key == "*":
            raise ValueError(f"dimension key {self.key!r} is a core dimension")
        # A plugin's fact source (``euroguidance.enquiries``) is checked when the registry is loaded.
        unknown = [r for r in self.records if r not in SOURCES and "." not in r]
        if not self.records or unknown:
            raise ValueError(
                f"dimension {self.key!r}: records are some of {', '.join(SOURCES)} or a plugin's fact source, "
                f"not {', '.join(unknown) or 'none'}"
            )
        core_records = [r for r in self.records if r in SOURCES]
        if self.field != "site" and not self.field.startswith("attr.") and core_records:
            allowed = {f for r in core_records for f in FIELDS[r]}
            if self.field not in allowed:
                raise ValueError(
                    f"dimension {self.key!r}: field is 'site', 'attr.<name>' or one of "
                    f"{', '.join(sorted(allowed))}, not {self.field!r}"
                )

    @property
    def kind(self) -> str:
        """``site``, ``attr`` or ``field``: how a record's value is found."""
        if self.field == "site":
            return "site"
        return "attr" if self.field.startswith("attr.") else "field"

    @property
    def name(self) -> str:
        """The attribute or column read (``site_id`` for the site)."""
        if self.kind == "site":
            return "site_id"
        return self.field[5:] if self.kind == "attr" else self.field


#: (dimension key, kind, name) of each dimension a fact is kept by.
Spec = tuple[str, str, str]


def compile_specs(dimensions: Iterable[Dimension]) -> dict[str, dict[str | None, tuple[Spec, ...]]]:
    """Per source, per audience, the dimensions a record is kept by (``None``: an audience with none of its own)."""
    out: dict[str, dict[str | None, tuple[Spec, ...]]] = {}
    dims = list(dimensions)
    plugin_sources = [r for d in dims for r in d.records if r not in SOURCES]
    for source in (*SOURCES, *dict.fromkeys(plugin_sources)):
        everyone = tuple((d.key, d.kind, d.name) for d in dims if source in d.records and d.audience is None)
        by_audience: dict[str | None, tuple[Spec, ...]] = {}
        for d in dims:
            if source in d.records and d.audience is not None and d.audience not in by_audience:
                own = tuple((x.key, x.kind, x.name) for x in dims if source in x.records and x.audience == d.audience)
                by_audience[d.audience] = everyone + own
        if everyone or by_audience:
            by_audience[None] = everyone
            out[source] = by_audience
    return out


#: Values kept as they are (a site id stays an int until the roll-up row is written).
_PLAIN = frozenset({str, int})


def value_of(value: Any) -> Any:
    """A record's value as the roll-up keeps it: a string, ``unknown`` when blank, a tuple for several."""
    if value.__class__ is str:
        return value or UNKNOWN
    if value is None:
        return UNKNOWN
    if isinstance(value, (list, tuple)):
        return tuple(sorted({str(v) for v in value})) or UNKNOWN
    return str(value)


def values_of(specs: tuple[Spec, ...], get: Any, attrs: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The (dimension key, value) pairs of a record; a value is a string, or a tuple for several."""
    return reader(specs)(get, attrs)


@functools.cache
def reader(specs: tuple[Spec, ...]) -> Any:
    """``read(get, attrs)``: ``values_of`` for one set of dimensions, one generated expression.

    (Written out rather than looped because the import runs it for every row of an audience with
    dimensions; a plain code or a site id, the usual values, is kept as it is without a call: the
    roll-up writes every value as text.)
    """
    parts = []
    for n, (key, kind, name) in enumerate(specs):
        fetch = f"attrs.get({name!r})" if kind == "attr" else f"get({name!r})"
        parts.append(f"({key!r}, v{n} if (v{n} := {fetch}).__class__ in PLAIN and v{n} != '' else value_of(v{n}))")
    source = "def read(get, attrs):\n    return (" + ", ".join(parts) + ",)\n"
    namespace: dict[str, Any] = {"value_of": value_of, "PLAIN": _PLAIN}
    exec(compile(source, "<dimension reader>", "exec"), namespace)  # noqa: S102 - keys and names checked by Dimension
    return namespace["read"]


# ------------------------------------------------------------------------------------------------
# Codes and labels


class Values:
    """How one dimension's stored values are shown: their public code and their label.

    Core dimensions and plugin ones alike: the reports, the dashboard and ``tremplin counters show``
    go through this, so a value reads the same everywhere.
    """

    def __init__(self, app: App, session: Session | None, dim: str) -> None:
        from tremplin.core import vocab

        self.dim = dim
        self.declared: Dimension | None = app.registry.dimensions.get(dim)
        self._codes: dict[str, str] = {}
        self._labels: dict[str, Text | str] = {}
        self._order: list[str] = []
        d = self.declared
        if d is None:
            if dim == "audience":
                items: Mapping[str, Any] = {k: a.label for k, a in app.registry.audiences.items()}
            else:
                code_list = vocab.CODE_LISTS.get(dim)
                items = code_list.items if code_list else {}
            self._labels.update(items)
            self._order = list(items)
            return
        if d.kind == "site":
            if session is not None:
                from sqlalchemy import select

                from tremplin.core.models import Site

                for site_id, code, name in session.execute(select(Site.id, Site.code, Site.name)):
                    self._codes[str(site_id)] = code
                    self._labels.setdefault(code, name)
        elif d.kind == "attr":
            records = {"contacts": "contact", "activities": "activity"}
            audiences = [d.audience] if d.audience else list(app.registry.audiences)
            for audience in audiences:
                for record in d.records:
                    if record not in records:
                        continue
                    f = app.registry.attribute_fields(audience, records[record]).get(d.name)
                    if f is not None:
                        for code, text in f.choices.items():
                            self._labels.setdefault(code, text)
        else:
            code_list = vocab.CODE_LISTS.get(d.field)
            if code_list is not None:
                self._labels.update(code_list.items)
        self._labels.update(d.values)
        # Every site of every audience would make a table of zeros: sites are listed when they occur.
        if d.kind != "site":
            self._order = list(self._labels)

    @property
    def label(self) -> Text | None:
        """The dimension's own label (the heading of its column)."""
        from tremplin.core import vocab

        if self.declared is not None:
            return self.declared.label
        code_list = vocab.CODE_LISTS.get(self.dim)
        return code_list.label if code_list else None

    @property
    def additive(self) -> bool:
        if self.declared is not None:
            return not self.declared.many_valued
        return self.dim != "theme"

    def code(self, stored: str) -> str:
        """The public code of a stored value (a site's code for its id)."""
        return self._codes.get(stored, stored)

    def text(self, code: str, language: str | None) -> str:
        from tremplin.core import vocab

        if code == UNKNOWN:
            return vocab.UNKNOWN.get(language)
        label = self._labels.get(code)
        if label is None:
            return code
        return label.get(language) if isinstance(label, Text) else label

    def order(self, present: Iterable[str]) -> list[str]:
        """Known codes in their declared order, then the others, then ``unknown``."""
        known = [c for c in self._order if c != UNKNOWN]
        extra = sorted(
            (v for v in set(present) if v not in known and v != UNKNOWN), key=lambda v: (self.text(v, None), v)
        )
        return known + extra + [UNKNOWN]


def dimension_counter(app: App, dim: Dimension) -> str | None:
    """The figure shown by ``dim``: its own ``counter``, else its audience's people counter."""
    if dim.counter:
        return dim.counter if dim.counter in app.registry.counters else None
    if dim.audience is None:
        return "contacts.total" if "contacts.total" in app.registry.counters else None
    return people_counter(app, dim.audience)


def people_counter(app: App, audience: str) -> str | None:
    """The audience's counter of people (its ``<key>.reached``, else the first counting people)."""
    counters = [(k, c) for k, c in app.registry.counters.items() if c.audience == audience]
    for k, _ in counters:
        if k == f"{audience}.reached":
            return k
    for k, c in counters:
        if any(p.counts in ("headcount", "participants") for p in c.parts):
            return k
    return counters[0][0] if counters else None


def of_audience(app: App, audience: str) -> list[Dimension]:
    return [d for d in app.registry.dimensions.values() if d.audience == audience]
