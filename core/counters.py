"""Counter definitions: what a figure counts, declared by a plugin under a stable key.

A counter says what it counts (``counts``) and which records (``where``). Composite figures, such as
``contacts.total`` (the headcount of all contacts plus the participants of group activities, as the
centre counts them), are the sum of several parts. Counters are evaluated on *facts* (see
``tremplin.core.rollup``), the same way when a record is written and when the roll-up is rebuilt, so the two
can never disagree.

``where`` maps a fact field (``audience``, ``modality``, ``channel``, ``language``, ``workshop``,
``format``, ``gender``..., or ``attr.NAME`` for an audience attribute) to a value or a tuple of values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tremplin.core.i18n import Text

if TYPE_CHECKING:
    from tremplin.core.dimensions import Dimension, Spec

Counts = Literal["contacts", "headcount", "activities", "participants", "registered", "cases"]

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
        if self.counts not in COUNTS:
            raise ValueError(f"a counter counts one of {', '.join(COUNTS)}, not {self.counts!r}")

    @property
    def source(self) -> str:
        return COUNTS[self.counts][0]

    @property
    def measure(self) -> str:
        return COUNTS[self.counts][1]

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
    ) -> "Counter":
        return cls(key, label, (Part(counts, dict(where or {})),), description, audience)

    @property
    def sources(self) -> set[str]:
        return {p.source for p in self.parts}


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
    def build(cls, counters: Iterable[Counter], dimensions: Iterable[Dimension] = ()) -> "CompiledCounters":
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
