"""Counter definitions: what a figure counts, declared by a plugin under a stable key.

A counter says what it counts (``counts``) and which records (``where``). Composite figures, such as
``contacts.total`` (the headcount of all contacts plus the participants of group activities, as the
centre counts them), are the sum of several parts. Counters are evaluated on *facts* (see
``tremplin.core.rollup``), the same way when a record is written and when the roll-up is rebuilt, so the two
can never disagree.

``where`` maps a fact field (``audience``, ``modality``, ``channel``, ``language``, ``workshop``,
``format``, ``gender``..., or ``attr.NAME`` for an audience attribute) to a value or a tuple of values.

A plugin may count the rows of its own tables too: it declares them as a ``FactSource``
(``register_fact_sources``) and its counters count ``"<source>:<measure>"`` (``"euroguidance.enquiries:rows"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tremplin.core.i18n import Text

if TYPE_CHECKING:
    from tremplin.core.dimensions import Dimension, Spec

#: What a counter counts: one of ``COUNTS``, or ``"<source>:<measure>"`` of a plugin's ``FactSource``.
Counts = Literal["contacts", "headcount", "activities", "participants", "registered", "cases"] | str

#: What each ``counts`` reads: the fact source and the measure summed.
COUNTS: dict[str, tuple[str, str]] = {
    "contacts": ("contacts", "rows"),
    "headcount": ("contacts", "headcount"),
    "activities": ("activities", "rows"),
    "participants": ("activities", "participants"),
    "registered": ("activities", "registered"),
    "cases": ("cases", "rows"),
}

#: The dimensions every counter is kept by, besides the total. ``theme`` is many-valued: a contact
#: with two themes adds to both theme rows but only once to the total. Plugins add their own
#: (``register_dimensions``, ``tremplin.core.dimensions``), kept for their audience's records only.
DIMENSIONS: tuple[str, ...] = ("audience", "modality", "channel", "theme", "language", "gender", "age_band")


@dataclass(frozen=True)
class Part:
    counts: Counts
    where: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A plugin's source is checked against the registered ones when the registry is loaded.
        if self.counts not in COUNTS and self.counts.count(":") != 1:
            raise ValueError(
                f"a counter counts one of {', '.join(COUNTS)} or '<source>:<measure>' of a plugin's fact source, "
                f"not {self.counts!r}"
            )

    @property
    def source(self) -> str:
        return COUNTS[self.counts][0] if self.counts in COUNTS else self.counts.partition(":")[0]

    @property
    def measure(self) -> str:
        return COUNTS[self.counts][1] if self.counts in COUNTS else self.counts.partition(":")[2]

    def matches(self, fact: Mapping[str, Any]) -> bool:
        for name, wanted in self.where.items():
            if name.startswith("attr."):
                value = fact["attributes"].get(name[5:])
            else:
                value = fact.get(name)
            if isinstance(wanted, tuple):
                if isinstance(value, (list, tuple)):
                    if not set(value) & set(wanted):
                        return False
                elif value not in wanted:
                    return False
            elif isinstance(value, (list, tuple)):
                if wanted not in value:
                    return False
            elif value != wanted:
                return False
        return True


@dataclass(frozen=True)
class Counter:
    """A figure of the reports. ``key`` is stable and documented: it is the JSON and XLSX key."""

    key: str
    label: Text
    parts: tuple[Part, ...]
    description: Text | None = None
    #: The audience the figure belongs to, for access control; ``None`` for centre-wide figures.
    audience: str | None = None

    @classmethod
    def simple(
        cls,
        key: str,
        label: Text,
        counts: Counts,
        where: Mapping[str, str | tuple[str, ...]] | None = None,
        description: Text | None = None,
        audience: str | None = None,
    ) -> Counter:
        return cls(key, label, (Part(counts, dict(where or {})),), description, audience)

    @classmethod
    def reached(cls, key: str, label: Text, audience: str, description: Text | None = None) -> Counter:
        """The people an audience reached: its contacts' headcount plus its activities' participants (the
        figure each audience's plugin reports first)."""
        where = {"audience": audience}
        return cls(key, label, (Part("headcount", where), Part("participants", where)), description, audience)

    @property
    def sources(self) -> set[str]:
        return {p.source for p in self.parts}


#: The fields of every fact (``tremplin.core.rollup``): what a plugin's fact leaves out is filled in.
FACT_DEFAULTS: dict[str, Any] = {
    "audience": None,
    "modality": "unknown",
    "channel": "unknown",
    "themes": (),
    "language": "unknown",
    "gender": "unknown",
    "age_band": "unknown",
    "attributes": {},
}


@dataclass(frozen=True)
class FactSource:
    """A plugin's own table whose rows the roll-up counts, like the core's contacts and activities.

    ``fact(get)`` turns a row into a fact: ``get(column)`` reads one of ``columns`` (the row's values as
    they are now, or as they were before an edit or a deletion). It returns a dict with at least
    ``day`` (the day the row counts on), ``centre_id`` and ``measures`` (``{"rows": 1, ...}``, some of
    ``measures``), and any of the core fields (``audience``, ``language``, ``attributes``...: the others
    count as ``unknown``) and of its own ``fields``, which counters may filter on and dimensions name;
    or ``None`` for a row that counts nowhere. Counters count ``"<name>:<measure>"``.

    Rows written through an app session are kept in step in the writing transaction (added, edited,
    deleted), and ``tremplin counters rebuild`` recounts them from ``model``, whose first ``columns``
    entry is the day column and which has a ``centre_id`` column. Rows changed by plain SQL (a cascade
    of the database) are counted again by the next rebuild only.
    """

    name: str
    model: type
    columns: tuple[str, ...]
    fact: Callable[[Callable[[str], Any]], dict[str, Any] | None]
    measures: tuple[str, ...] = ("rows",)
    fields: tuple[str, ...] = ()
    label: Text | None = None

    def __post_init__(self) -> None:
        if "." not in self.name or ":" in self.name or self.name in COUNTS:
            raise ValueError(
                f"a fact source is named after its audience, such as 'euroguidance.enquiries', not {self.name!r}"
            )
        if not self.columns:
            raise ValueError(f"fact source {self.name!r}: name the columns it reads, the day column first")

    def build(self, get: Callable[[str], Any]) -> dict[str, Any] | None:
        """The row's fact with every field the roll-up reads, or ``None``."""
        made = self.fact(get)
        if made is None:
            return None
        fact = {**FACT_DEFAULTS, **made, "source": self.name}
        fact["themes"] = tuple(sorted(fact["themes"] or ()))
        return fact


@dataclass
class CompiledCounters:
    """Counters grouped by fact source, for fast evaluation over many facts."""

    by_source: dict[str, list[tuple[str, Part]]]
    #: Attribute names some counter filters on, per source: they join the aggregation key.
    attr_names: dict[str, tuple[str, ...]]
    #: Other fact fields some counter filters on that are not dimensions (``workshop``, ``format``...).
    extra_fields: dict[str, tuple[str, ...]]
    #: Plugin dimensions per source and audience (``tremplin.core.dimensions.compile_specs``).
    dimension_specs: dict[str, dict[str | None, tuple[Spec, ...]]] = field(default_factory=dict)
    #: Plugin dimensions whose values are site ids (an import maps provisional ids in them).
    site_dimensions: frozenset[str] = frozenset()

    @classmethod
    def build(cls, counters: Iterable[Counter], dimensions: Iterable[Dimension] = ()) -> CompiledCounters:
        from tremplin.core.dimensions import compile_specs

        dimensions = list(dimensions)
        by_source: dict[str, list[tuple[str, Part]]] = {}
        attrs: dict[str, set[str]] = {}
        extras: dict[str, set[str]] = {}
        for counter in counters:
            for part in counter.parts:
                by_source.setdefault(part.source, []).append((counter.key, part))
                for name in part.where:
                    if name.startswith("attr."):
                        attrs.setdefault(part.source, set()).add(name[5:])
                    elif name not in DIMENSIONS and name != "themes":
                        extras.setdefault(part.source, set()).add(name)
        return cls(
            by_source,
            {s: tuple(sorted(v)) for s, v in attrs.items()},
            {s: tuple(sorted(v)) for s, v in extras.items()},
            compile_specs(dimensions),
            frozenset(d.key for d in dimensions if d.kind == "site"),
        )

    def specs(self, source: str, audience: str | None) -> tuple[Spec, ...]:
        """The plugin dimensions a record of ``source`` and ``audience`` is kept by."""
        by_audience = self.dimension_specs.get(source)
        if not by_audience:
            return ()
        found = by_audience.get(audience)
        return by_audience[None] if found is None else found

    def evaluate(self, source: str, fact: Mapping[str, Any]) -> list[tuple[str, int]]:
        """The (counter key, amount) pairs a fact adds; zero amounts are left out."""
        out: list[tuple[str, int]] = []
        measures = fact["measures"]
        for key, part in self.by_source.get(source, ()):
            amount = measures.get(part.measure) or 0
            if amount and part.matches(fact):
                out.append((key, amount))
        return out
