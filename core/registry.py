"""What plugins register, and the registry that holds it.

The registry is filled once, when the app starts, by calling the registration hooks
(``tremplin.core.hookspecs``). Each item keeps the name of the plugin that registered it so that an error can
say who is in conflict with whom. Built-in plugins (``tremplin.core.builtins.*``) yield: when an audience plugin
registers a key a built-in also registered, the audience plugin's item wins. Two other plugins
registering the same key is an error at start-up, never a silent override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tremplin.core.i18n import Text
from tremplin.core.vocab import CodeList, Vocabulary

if TYPE_CHECKING:
    import pluggy

    from tremplin.core.anonymity import Scrubber
    from tremplin.core.counters import Counter, FactSource
    from tremplin.core.dimensions import Dimension
    from tremplin.core.forms import Form


class PluginError(RuntimeError):
    """A plugin broke the contract: a misspelled hook, a duplicate, a dangling reference."""


@dataclass(frozen=True)
class Audience:
    """A public the centre serves through a programme: the walk-in public, young people, pupils' classes..."""

    key: str
    label: Text
    description: Text | None = None
    #: Prefix of the pseudonymous case codes of this audience (``NEET-4K7P2XQ``).
    case_prefix: str = ""
    #: Co-financed by the European Social Fund: its consenting cases are ESF+ participants, and it is the
    #: default operation of the ESF+ report.
    esf_cofinanced: bool = False
    colour: str = "#4a6fa5"
    #: Roles whose new accounts see this audience unless told otherwise (``("counsellor", "reception")``):
    #: an audience says which of the core's roles serve it, so that core's roles never name an audience.
    #: A role that is not registered (its plugin is left out) is passed over.
    default_roles: tuple[str, ...] = ()


#: A role with this capability has them all (the administrator's, pages a plugin adds included).
EVERY_CAPABILITY = "*"
#: An account with this audience sees every audience.
EVERY_AUDIENCE = "*"


@dataclass(frozen=True)
class Role:
    """A kind of staff account: what it may use and, by default, which audiences it sees.

    ``capabilities`` name the parts of the app the role may use; each page and API route names the one
    it needs (``tremplin.core.web.policy``: ``dashboard``, ``log``, ``contacts``, ``activities``,
    ``referrals``, ``cases``, ``reports``, ``admin``; a plugin's pages may name their own).
    ``default_audiences`` are the audiences a new account of this role sees unless told otherwise
    (``("*",)``: every audience); audiences may add themselves through ``Audience.default_roles``.
    """

    key: str
    label: Text
    capabilities: tuple[str, ...]
    default_audiences: tuple[str, ...] = ()

    def has(self, capability: str) -> bool:
        return capability in self.capabilities or EVERY_CAPABILITY in self.capabilities


@dataclass(frozen=True)
class Grant:
    """Capabilities a plugin's own pages check, given to a role another plugin registered.

    Returned by ``register_roles`` beside the plugin's roles: ``Grant("programme_lead",
    ("euroguidance.destinations",))`` lets programme leads into a plugin's page without the core's
    role naming the plugin. A grant to a role nobody registers (its plugin is left out) is passed over; a
    grant of one of the core's capabilities (``tremplin.core.web.policy.CAPABILITIES``) is refused.
    """

    role: str
    capabilities: tuple[str, ...]


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
    #: The audience the flow serves; left out, the one audience its plugin registers (or all of them).
    audience: str | None = None

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

    def replace(self, key: str, item: T) -> None:
        """Put a new version of an item in place (its owner stays)."""
        self._items[key] = item

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {key!r}") from None

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[str]:
        return list(self._items)

    def values(self) -> list[T]:
        return list(self._items.values())

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())


def collect(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a registration hook through pluggy and return ``(plugin, item)`` pairs in registration order.

    The call goes through ``pm.hook`` so that hook wrappers (``@hookimpl(wrapper=True)``) see and may change
    the results; ``tremplin.core.plugins`` instruments each implementation so that every list it returns is
    known by the plugin that returned it. A wrapper that changes a list in place leaves it its plugin's; a
    list a wrapper adds (or builds anew) is the wrapper's plugin's.
    """
    from tremplin.core.plugins import instrument_hook, returned_by

    instrument_hook(pm, hook_name)
    hook = getattr(pm.hook, hook_name)
    with returned_by() as owners:
        results = hook(**kwargs)
    wrappers = [impl.plugin_name for impl in hook.get_hookimpls() if impl.wrapper or impl.hookwrapper]
    found: list[tuple[str, Any]] = []
    # pluggy calls the last registered plugin first; the registry keeps registration order.
    for value in reversed(results):
        plugin = owners.get(id(value)) or " + ".join(wrappers) or "?"
        if not isinstance(value, (list, tuple)):
            raise PluginError(f"plugin {plugin}: {hook_name} must return a list, not {type(value).__name__}")
        found.extend((plugin, item) for item in value)
    return found


#: Who the shared vocabulary (``tremplin.core.vocab``) is registered as: a built-in, so plugins' labels win.
VOCABULARY_OWNER = "tremplin.core.builtins.vocab"


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
    fact_sources: KeyedRegistry[FactSource] = field(default_factory=lambda: KeyedRegistry("fact source"))
    roles: KeyedRegistry[Role] = field(default_factory=lambda: KeyedRegistry("role"))
    #: The grants of ``register_roles``, as ``(plugin, grant)``: already merged into ``roles``.
    grants: list[tuple[str, Grant]] = field(default_factory=list)
    #: Every code of every code list, keyed ``"<list>:<code>"``, as ``(list name, code, label)``.
    code_items: KeyedRegistry[tuple[str, str, Text]] = field(default_factory=lambda: KeyedRegistry("code"))
    #: The code lists as the app uses them: the core's shared codes plus those plugins add.
    codes: dict[str, CodeList] = field(default_factory=dict)
    #: What is derived from the registrations and costly to build, kept for the registry's life, by the
    #: module that derives it (``tremplin.core.validation`` keeps its attribute models here).
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, app: Any) -> Registry:
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
            ("register_fact_sources", reg.fact_sources, lambda f: f.name),
            ("register_roles", reg.roles, lambda r: r.key),
        ]
        for hook_name, target, key_of in loaders:
            for plugin, item in collect(pm, hook_name, app=app):
                if isinstance(item, Grant):
                    reg.grants.append((plugin, item))
                    continue
                target.add(key_of(item), item, plugin, _is_builtin(plugin))
        reg._apply_grants()
        reg._load_codes(collect(pm, "register_codes", app=app))
        reg.check()
        return reg

    def _apply_grants(self) -> None:
        """Add each grant's capabilities to its role, once every role is known."""
        from dataclasses import replace

        from tremplin.core.web.policy import CAPABILITIES

        for plugin, grant in self.grants:
            core = [c for c in grant.capabilities if c in CAPABILITIES or c == EVERY_CAPABILITY]
            if core:
                raise PluginError(
                    f"plugin {plugin}: a grant gives the capabilities of the plugin's own pages, "
                    f"not the core's ({', '.join(core)}) to {grant.role!r}"
                )
            role = self.roles.get(grant.role)
            if role is None:
                continue
            extra = tuple(c for c in grant.capabilities if c not in role.capabilities)
            self.roles.replace(grant.role, replace(role, capabilities=role.capabilities + extra))

    def _load_codes(self, found: list[tuple[str, CodeList]]) -> None:
        """Merge the code lists: the core's vocabulary, then what plugins add. A list is described (label,
        default) by the first that names it with a label; every plugin may add codes to it, never twice the same."""
        from dataclasses import replace

        from tremplin.core.vocab import CODE_LISTS, EXTENSIBLE

        heads: dict[str, CodeList] = {}
        # The shared vocabulary is the engine's, present whichever plugins are loaded.
        core: list[tuple[str, CodeList]] = [(VOCABULARY_OWNER, c) for c in CODE_LISTS.values()]
        for plugin, code_list in core + found:
            if not isinstance(code_list, CodeList):
                raise PluginError(f"plugin {plugin}: register_codes returned {code_list!r}, not a CodeList")
            if code_list.name in CODE_LISTS and code_list.name not in EXTENSIBLE and plugin != VOCABULARY_OWNER:
                # Profile bands, themes and languages are what reports compare across centres and the ESF+
                # breakdowns: the same everywhere.
                raise PluginError(
                    f"plugin {plugin}: the code list {code_list.name!r} is shared by every centre; "
                    f"plugins may add codes to {', '.join(EXTENSIBLE)} or declare lists of their own"
                )
            if code_list.name not in heads or (heads[code_list.name].label is None and code_list.label is not None):
                heads[code_list.name] = code_list
            for code, label in code_list.items.items():
                self.code_items.add(
                    f"{code_list.name}:{code}", (code_list.name, code, label), plugin, _is_builtin(plugin)
                )
        items: dict[str, dict[str, Text]] = {name: {} for name in heads}
        for name, code, label in self.code_items.values():
            items[name][code] = label
        for name, head in heads.items():
            if head.label is None:
                raise PluginError(
                    f"code list {name!r} ({self.code_items.owner(f'{name}:{next(iter(items[name]))}')}) has no label"
                )
            if head.default is not None and head.default not in items[name]:
                raise PluginError(f"code list {name!r}: its default {head.default!r} is not one of its codes")
            self.codes[name] = replace(head, items=items[name])

    @property
    def vocabulary(self) -> Vocabulary:
        """The code lists as templates name them (``vocab.MODALITY``)."""
        return Vocabulary(self.codes)

    def code_list(self, name: str) -> CodeList:
        try:
            return self.codes[name]
        except KeyError:
            raise KeyError(f"unknown code list {name!r}; known: {', '.join(self.codes)}") from None

    def esf_operations(self) -> list[str]:
        """The audiences declared ESF+-cofinanced (``Audience.esf_cofinanced``), in registration order."""
        return [key for key, audience in self.audiences.items() if audience.esf_cofinanced]

    def default_esf_operation(self) -> str:
        """The ESF+ report's operation when none is named: the one audience declared cofinanced."""
        from tremplin.core.web.i18n import Msg

        operations = self.esf_operations()
        if len(operations) == 1:
            return operations[0]
        if not operations:
            raise PluginError(
                Msg("no audience is declared ESF+-cofinanced (Audience.esf_cofinanced), so there is no ESF+ operation")
            )
        raise PluginError(
            Msg(
                "several audiences are ESF+-cofinanced (%(operations)s): name the operation",
                operations=", ".join(operations),
            )
        )

    def roles_with(self, capability: str) -> tuple[str, ...]:
        """The roles that have ``capability``, in registration order: the capability table, derived."""
        return tuple(key for key, role in self.roles.items() if role.has(capability))

    def default_audiences(self, roles: Iterable[str]) -> list[str]:
        """The audiences a new account with ``roles`` sees unless told otherwise (``["*"]``: all of them)."""
        wanted = set(roles)
        keys: set[str] = set()
        for key in wanted:
            keys.update(self.roles[key].default_audiences)
        if EVERY_AUDIENCE in keys:
            return [EVERY_AUDIENCE]
        keys.update(a.key for a in self.audiences.values() if wanted & set(a.default_roles))
        return [key for key in self.audiences if key in keys]

    def check(self) -> None:
        """Dangling references are start-up errors, not surprises at the first contact logged."""
        from tremplin.core.counters import COUNTS
        from tremplin.core.dimensions import SOURCES

        problems: list[str] = []
        for key, form in self.forms.items():
            if form.audience not in self.audiences:
                problems.append(f"form {key!r} ({self.forms.owner(key)}) names unknown audience {form.audience!r}")
            # A modality or channel a form fixes or offers must be registered: with the plugin that adds it
            # left out, the form would refuse every entry.
            coded = [(name, (value,)) for name, value in form.fixed.items()] + list(form.core_choices.items())
            for name, values in coded:
                if name in ("modality", "channel") and name in self.codes:
                    for value in values:
                        if value not in self.codes[name]:
                            problems.append(f"form {key!r} ({self.forms.owner(key)}) uses unknown {name} {value!r}")
        for key, wf in self.workflows.items():
            if wf.audience not in self.audiences:
                problems.append(f"workflow of {key!r} ({self.workflows.owner(key)}) names an unknown audience")
        for key, counter in self.counters.items():
            for part in counter.parts:
                if part.counts not in COUNTS:
                    who = f"counter {key!r} ({self.counters.owner(key)})"
                    source = self.fact_sources.get(part.source)
                    if source is None:
                        problems.append(f"{who} counts unknown fact source {part.source!r}")
                    elif part.measure not in source.measures:
                        problems.append(f"{who} counts {part.measure!r}, not a measure of {part.source!r}")
                audiences = part.where.get("audience")
                names = (audiences,) if isinstance(audiences, str) else (audiences or ())
                for name in names:
                    if name not in self.audiences:
                        problems.append(
                            f"counter {key!r} ({self.counters.owner(key)}) filters on unknown audience {name!r}"
                        )
        for key, dim in self.dimensions.items():
            who = f"dimension {key!r} ({self.dimensions.owner(key)})"
            if dim.audience is not None and dim.audience not in self.audiences:
                problems.append(f"{who} names unknown audience {dim.audience!r}")
            for record in dim.records:
                if record in SOURCES:
                    continue
                source = self.fact_sources.get(record)
                if source is None:
                    problems.append(f"{who} describes unknown records {record!r}")
                elif dim.kind == "field" and dim.name not in source.fields:
                    problems.append(f"{who}: the fact source {record!r} has no field {dim.name!r}")
            if dim.counter is not None and dim.counter not in self.counters:
                problems.append(f"{who} names unknown counter {dim.counter!r}")
            if dim.kind == "attr" and dim.audience is not None and dim.audience in self.audiences:
                declared = {f.name for form in self.forms_of(dim.audience) for f in form.fields}
                if dim.name not in declared:
                    problems.append(f"{who}: no form of {dim.audience!r} has the field {dim.name!r}")
        for key, role in self.roles.items():
            for name in role.default_audiences:
                if name != EVERY_AUDIENCE and name not in self.audiences:
                    problems.append(f"role {key!r} ({self.roles.owner(key)}) names unknown audience {name!r}")
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
