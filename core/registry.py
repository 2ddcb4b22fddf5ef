"""What plugins register, and the registry that holds it.

The registry is filled once, when the app starts, by calling the registration hooks
(``tremplin.core.hookspecs``). Each item keeps the name of the plugin that registered it so that an error can
say who is in conflict with whom. Built-in plugins (``tremplin.core.builtins.*``) yield: when an audience plugin
registers a key a built-in also registered, the audience plugin's item wins. Two other plugins
registering the same key is an error at start-up, never a silent override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tremplin.core.i18n import Text

if TYPE_CHECKING:
    import pluggy

    from tremplin.core.anonymity import Scrubber
    from tremplin.core.counters import Counter
    from tremplin.core.dimensions import Dimension
    from tremplin.core.forms import Form


class PluginError(RuntimeError):
    """A plugin broke the contract: a misspelled hook, a duplicate, a dangling reference."""


@dataclass(frozen=True)
class Audience:
    """A public the centre serves through a programme: the walk-in public, NEET youth, schools..."""

    key: str
    label: Text
    description: Text | None = None
    #: Prefix of the pseudonymous case codes of this audience (``NEET-4K7P2XQ``).
    case_prefix: str = ""
    #: Co-financed by the European Social Fund: its consenting cases are ESF+ participants.
    esf_cofinanced: bool = False
    colour: str = "#4a6fa5"


@dataclass(frozen=True)
class Stage:
    key: str
    label: Text
    #: A stage that records an outcome when a case enters it (``in_employment`` → outcome).
    outcome: str | None = None
    #: Entering this stage ends the pathway (the case has left).
    final: bool = False


@dataclass(frozen=True)
class Workflow:
    """The stages a case of an audience goes through, in order.

    ``transitions`` lists, for a stage, where a case may go next; a stage missing from it may go to
    any later stage and to any final stage (the common "forward only, leave any time" rule).
    """

    audience: str
    stages: tuple[Stage, ...]
    outcomes: Mapping[str, Text] = field(default_factory=dict)
    transitions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def initial(self) -> str:
        return self.stages[0].key

    def stage(self, key: str) -> Stage:
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(key)

    def allowed_next(self, current: str) -> tuple[str, ...]:
        if current in self.transitions:
            return self.transitions[current]
        keys = [s.key for s in self.stages]
        if current not in keys or self.stage(current).final:
            return ()
        later = keys[keys.index(current) + 1 :]
        finals = [s.key for s in self.stages if s.final and s.key != current]
        return tuple(dict.fromkeys(later + finals))


@dataclass(frozen=True)
class FlowSpec:
    """A Prefect flow a plugin offers, named by import path so Prefect loads only when it runs."""

    name: str
    entrypoint: str  # "package.module:flow_function"
    description: Text
    cron: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> Any:
        import importlib

        module, _, attr = self.entrypoint.partition(":")
        return getattr(importlib.import_module(module), attr)


T = TypeVar("T")


class KeyedRegistry(Generic[T]):
    """Items by key, with the plugin that registered each."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._owner: dict[str, str] = {}

    def add(self, key: str, item: T, plugin: str, builtin: bool) -> None:
        if key in self._items:
            owner = self._owner[key]
            owner_builtin = owner.startswith("tremplin.core.builtins.")
            if owner_builtin and not builtin:
                pass  # the audience plugin's item replaces the built-in default
            elif builtin and not owner_builtin:
                return  # keep the plugin's item
            else:
                raise PluginError(f"{self.kind} {key!r} is registered twice: by {owner} and by {plugin}")
        self._items[key] = item
        self._owner[key] = plugin

    def owner(self, key: str) -> str:
        return self._owner[key]

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {key!r}") from None

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[str]:
        return list(self._items)

    def values(self) -> list[T]:
        return list(self._items.values())

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call every implementation of a hook and keep who returned what, in registration order."""
    hook = getattr(pm.hook, hook_name)
    results: list[tuple[str, Any]] = []
    for impl in hook.get_hookimpls():  # registration order (pluggy calls them in reverse)
        args = {name: kwargs[name] for name in impl.argnames}
        try:
            value = impl.function(**args)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"plugin {impl.plugin_name} failed in {hook_name}: {exc!r}") from exc
        if value is None:
            continue
        if not isinstance(value, (list, tuple)):
            raise PluginError(f"plugin {impl.plugin_name}: {hook_name} must return a list, not {type(value).__name__}")
        results.extend((impl.plugin_name, item) for item in value)
    return results


def _is_builtin(plugin_name: str) -> bool:
    return plugin_name.startswith("tremplin.core.builtins.")


@dataclass
class Registry:
    audiences: KeyedRegistry[Audience] = field(default_factory=lambda: KeyedRegistry("audience"))
    forms: KeyedRegistry[Form] = field(default_factory=lambda: KeyedRegistry("form"))
    counters: KeyedRegistry[Counter] = field(default_factory=lambda: KeyedRegistry("counter"))
    workflows: KeyedRegistry[Workflow] = field(default_factory=lambda: KeyedRegistry("workflow"))
    flows: KeyedRegistry[FlowSpec] = field(default_factory=lambda: KeyedRegistry("flow"))
    scrubbers: KeyedRegistry[Scrubber] = field(default_factory=lambda: KeyedRegistry("scrubber"))
    dimensions: KeyedRegistry[Dimension] = field(default_factory=lambda: KeyedRegistry("dimension"))

    @classmethod
    def load(cls, app: Any) -> "Registry":
        reg = cls()
        pm = app.pm
        loaders: list[tuple[str, KeyedRegistry[Any], Callable[[Any], str]]] = [
            ("register_audiences", reg.audiences, lambda a: a.key),
            ("register_forms", reg.forms, lambda f: f.key),
            ("register_counters", reg.counters, lambda c: c.key),
            ("register_workflows", reg.workflows, lambda w: w.audience),
            ("register_flows", reg.flows, lambda f: f.name),
            ("register_scrubbers", reg.scrubbers, lambda s: s.name),
            ("register_dimensions", reg.dimensions, lambda d: d.key),
        ]
        for hook_name, target, key_of in loaders:
            for plugin, item in call_each(pm, hook_name, app=app):
                target.add(key_of(item), item, plugin, _is_builtin(plugin))
        reg.check()
        return reg

    def check(self) -> None:
        """Dangling references are start-up errors, not surprises at the first contact logged."""
        problems: list[str] = []
        for key, form in self.forms.items():
            if form.audience not in self.audiences:
                problems.append(f"form {key!r} ({self.forms.owner(key)}) names unknown audience {form.audience!r}")
        for key, wf in self.workflows.items():
            if wf.audience not in self.audiences:
                problems.append(f"workflow of {key!r} ({self.workflows.owner(key)}) names an unknown audience")
        for key, counter in self.counters.items():
            for part in counter.parts:
                audiences = part.where.get("audience")
                names = (audiences,) if isinstance(audiences, str) else (audiences or ())
                for name in names:
                    if name not in self.audiences:
                        problems.append(f"counter {key!r} ({self.counters.owner(key)}) filters on unknown audience {name!r}")
        for key, dim in self.dimensions.items():
            who = f"dimension {key!r} ({self.dimensions.owner(key)})"
            if dim.audience is not None and dim.audience not in self.audiences:
                problems.append(f"{who} names unknown audience {dim.audience!r}")
            if dim.counter is not None and dim.counter not in self.counters:
                problems.append(f"{who} names unknown counter {dim.counter!r}")
            if dim.kind == "attr" and dim.audience in self.audiences:
                declared = {f.name for form in self.forms_of(dim.audience) for f in form.fields}
                if dim.name not in declared:
                    problems.append(f"{who}: no form of {dim.audience!r} has the field {dim.name!r}")
        if problems:
            raise PluginError("; ".join(problems))

    def forms_of(self, audience: str, record: str | None = None) -> list[Form]:
        return [f for f in self.forms.values() if f.audience == audience and (record is None or f.record == record)]

    def attribute_fields(self, audience: str, record: str) -> dict[str, Any]:
        """Every attribute field the audience's forms of that record kind declare, by name."""
        fields: dict[str, Any] = {}
        for form in self.forms_of(audience, record):
            for f in form.fields:
                fields.setdefault(f.name, f)
        return fields


def flatten(items: Iterable[Iterable[T]]) -> list[T]:
    return [x for group in items for x in group]
