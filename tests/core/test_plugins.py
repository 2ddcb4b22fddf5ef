"""Finding and checking plugins.

Built-ins, audiences, conflicts, and an outside plugin installed through an entry point.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, fake_plugin, make_centre
from tremplin.core import hookimpl
from tremplin.core.app import create_app
from tremplin.core.cli import cli
from tremplin.core.counters import Counter, Part
from tremplin.core.forms import Form
from tremplin.core.i18n import T
from tremplin.core.plugins import (
    AUDIENCE_PLUGINS,
    BUILTIN_PLUGINS,
    DEFAULT_PLUGINS,
    ENTRYPOINT_GROUP,
    make_plugin_manager,
)
from tremplin.core.records import log_activity, log_contact
from tremplin.core.registry import Audience, PluginError
from tremplin.core.settings import Settings
from tremplin.core.validation import RecordError


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A database URL for apps that only need their registry (nothing is written)."""
    return f"sqlite:///{tmp_path / 'registry-only.db'}"


def registered(pm: object) -> list[str]:
    """Names of the plugins a manager holds (blocked names are listed by pluggy with no plugin)."""
    return [name for name, plugin in pm.list_name_plugin() if plugin is not None]  # type: ignore[attr-defined]


def test_default_manager_loads_core_six_audiences_and_general(url: str) -> None:
    assert BUILTIN_PLUGINS[:2] == ("tremplin.core.builtins.anonymity", "tremplin.core.builtins.general")
    assert all(name.startswith("tremplin.core.builtins.") for name in BUILTIN_PLUGINS)
    assert AUDIENCE_PLUGINS == (
        "tremplin.plugins.neet",
        "tremplin.plugins.schools",
        "tremplin.plugins.prisons",
        "tremplin.plugins.disability",
        "tremplin.plugins.formtruck",
        "tremplin.plugins.ukrainian",
    )
    assert DEFAULT_PLUGINS == BUILTIN_PLUGINS + AUDIENCE_PLUGINS
    pm = make_plugin_manager(entrypoints=False)
    assert registered(pm) == list(DEFAULT_PLUGINS)
    app = make_app(url)
    try:
        assert app.plugin_names() == list(DEFAULT_PLUGINS)
        assert app.registry.audiences.keys() == [
            "general",
            "neet",
            "schools",
            "prisons",
            "disability",
            "formtruck",
            "ukrainian",
        ]
        assert app.registry.audiences.owner("general") == "tremplin.core.builtins.general"
        assert {app.registry.audiences.owner(k) for k in app.registry.audiences.keys()[1:]} == set(AUDIENCE_PLUGINS)
    finally:
        app.close()


def test_misspelled_hook_fails_at_start_up(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    bad = fake_plugin(monkeypatch, "tremplin_typo", register_counter=lambda app: [])
    with pytest.raises(PluginError) as caught:
        make_app(url, plugins=CORE_ONLY + [bad])
    message = str(caught.value)
    assert "tremplin_typo" in message
    assert "'register_counter'" in message
    assert "did you mean 'register_counters'?" in message

    # An event hook misspelled with a wrong argument name is refused as well, naming the argument.
    def contact_logged(app: object, session: object, contcat: object) -> None: ...

    wrong_args = fake_plugin(monkeypatch, "tremplin_wrong_args", contact_logged=contact_logged)
    with pytest.raises(PluginError, match=r"plugin .tremplin_wrong_args. cannot be registered: (?s:.*)contcat"):
        make_plugin_manager(CORE_ONLY + [wrong_args], entrypoints=False)


def test_same_plugin_twice_is_refused() -> None:
    with pytest.raises(PluginError, match="plugin 'tremplin.plugins.neet' is registered twice"):
        make_plugin_manager(
            CORE_ONLY + ["tremplin.plugins.neet", "tremplin.plugins.schools", "tremplin.plugins.neet"],
            entrypoints=False,
        )


def test_same_counter_key_from_two_plugins(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    counter = Counter.simple("neet.reached", T("Reached again"), "headcount", {"audience": "neet"})
    rival = fake_plugin(monkeypatch, "tremplin_rival_counter", register_counters=lambda app: [counter])
    with pytest.raises(
        PluginError,
        match=r"counter 'neet.reached' is registered twice: by tremplin.plugins.neet and by tremplin_rival_counter",
    ):
        make_app(url, plugins=CORE_ONLY + ["tremplin.plugins.neet", rival])


def test_same_audience_key_from_two_plugins(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    rival = fake_plugin(
        monkeypatch, "tremplin_rival_schools", register_audiences=lambda app: [Audience("schools", T("Schools too"))]
    )
    with pytest.raises(
        PluginError,
        match=r"audience 'schools' is registered twice: by tremplin.plugins.schools and by tremplin_rival_schools",
    ):
        make_app(url, plugins=CORE_ONLY + ["tremplin.plugins.schools", rival])


@pytest.mark.parametrize("builtin_first", [True, False])
def test_builtin_default_yields_to_audience_plugin(
    monkeypatch: pytest.MonkeyPatch, url: str, builtin_first: bool
) -> None:
    mine = Counter.simple(
        "multimedia.entries", T("Multimedia, counted our way"), "contacts", {"modality": "multimedia"}
    )
    general = Audience("general", T("Walk-in public of this centre"), colour="#000000")
    plugin = fake_plugin(
        monkeypatch,
        "tremplin_local_overrides",
        register_counters=lambda app: [mine],
        register_audiences=lambda app: [general],
    )
    order = CORE_ONLY + [plugin] if builtin_first else [plugin] + CORE_ONLY
    app = make_app(url, plugins=order)
    try:
        assert app.registry.counters["multimedia.entries"] is mine
        assert app.registry.counters.owner("multimedia.entries") == plugin
        assert app.registry.audiences["general"] is general
        # The rest of the built-in's counters stay, once each.
        assert app.registry.counters.owner("contacts.total") == "tremplin.core.builtins.general"
        assert app.registry.counters.keys().count("multimedia.entries") == 1
    finally:
        app.close()


def test_counter_on_unknown_audience_fails_at_start_up(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    dangling = Counter("erasmus.reached", T("Erasmus"), (Part("headcount", {"audience": ("general", "erasmus")}),))
    plugin = fake_plugin(monkeypatch, "tremplin_dangling", register_counters=lambda app: [dangling])
    with pytest.raises(
        PluginError, match=r"counter 'erasmus.reached' \(tremplin_dangling\) filters on unknown audience 'erasmus'"
    ):
        make_app(url, plugins=CORE_ONLY + [plugin])
    # Disabling the plugin of an audience another plugin's counter needs is caught the same way.
    needs_neet = fake_plugin(
        monkeypatch,
        "tremplin_needs_neet",
        register_counters=lambda app: [Counter.simple("x.neet", T("x"), "cases", {"audience": "neet"})],
    )
    with pytest.raises(
        PluginError, match=r"counter 'x.neet' \(tremplin_needs_neet\) filters on unknown audience 'neet'"
    ):
        make_app(url, plugins=list(DEFAULT_PLUGINS) + [needs_neet], disabled_plugins=("tremplin.plugins.neet",))


def test_form_on_unknown_audience_fails_at_start_up(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    plugin = fake_plugin(
        monkeypatch,
        "tremplin_orphan_form",
        register_forms=lambda app: [Form("erasmus.contact", "erasmus", T("Erasmus"))],
    )
    with pytest.raises(
        PluginError, match=r"form 'erasmus.contact' \(tremplin_orphan_form\) names unknown audience 'erasmus'"
    ):
        make_app(url, plugins=CORE_ONLY + [plugin])


def test_broken_registration_hooks_name_the_plugin(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    def explode(app: object) -> list[Counter]:
        raise KeyError("missing setting")

    plugin = fake_plugin(monkeypatch, "tremplin_explodes", register_counters=explode)
    with pytest.raises(
        PluginError, match=r"plugin tremplin_explodes failed in register_counters: KeyError\('missing setting'\)"
    ):
        make_app(url, plugins=CORE_ONLY + [plugin])
    plugin = fake_plugin(monkeypatch, "tremplin_not_a_list", register_audiences=lambda app: Audience("x", T("x")))
    with pytest.raises(PluginError, match="tremplin_not_a_list: register_audiences must return a list, not Audience"):
        make_app(url, plugins=CORE_ONLY + [plugin])


def test_disabled_plugins_are_left_out(url: str) -> None:
    app = make_app(url, disabled_plugins=("tremplin.plugins.prisons", "tremplin.plugins.formtruck"))
    try:
        assert (
            "tremplin.plugins.prisons" not in app.plugin_names()
            and "tremplin.plugins.formtruck" not in app.plugin_names()
        )
        assert registered(app.pm) == app.plugin_names()
        assert "prisons" not in app.registry.audiences and "formtruck" not in app.registry.audiences
        assert "prisons.reached" not in app.registry.counters and "formtruck.users" not in app.registry.counters
        assert "prisons" not in app.registry.workflows
        assert "neet" in app.registry.workflows and "schools.visits" in app.registry.counters
    finally:
        app.close()
    # A built-in can be disabled too: without the anonymity plugin there is no core scrubber.
    app = make_app(url, disabled_plugins=("tremplin.core.builtins.anonymity",))
    try:
        assert len(app.registry.scrubbers) == 0
        assert "general" in app.registry.audiences
    finally:
        app.close()


def test_disabled_plugins_from_the_environment(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("TREMPLIN_DISABLED_PLUGINS", "tremplin.plugins.ukrainian, tremplin.plugins.schools")
    app = create_app(database_url=url, entrypoints=False)
    try:
        assert set(app.registry.audiences.keys()) == {"general", "neet", "prisons", "disability", "formtruck"}
    finally:
        app.close()


def test_staff_add_with_a_plugin_left_out(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """A counsellor's default audiences are those loaded: no "unknown audience(s) prisons"."""
    url = db_url
    monkeypatch.setenv("TREMPLIN_DISABLED_PLUGINS", "plugins.prisons")
    monkeypatch.setenv("TREMPLIN_STAFF_PASSWORD", "a long password")
    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", url, "staff", "add", "lea", "--role", "counsellor"])
    assert result.exit_code == 0, result.output
    assert "audiences: disability, general, ukrainian" in result.output
    refused = runner.invoke(
        cli, ["--database-url", url, "staff", "add", "max", "--role", "counsellor", "--audience", "prisons"]
    )
    assert refused.exit_code != 0 and "unknown audience(s) prisons" in refused.output
    monkeypatch.setenv("TREMPLIN_DISABLED_PLUGINS", "formtruck")
    gone = runner.invoke(cli, ["--database-url", url, "staff", "add", "tom", "--role", "formtruck_adviser"])
    assert gone.exit_code != 0 and "unknown role(s) formtruck_adviser" in gone.output


class RenamingWrapper:
    """A hook wrapper around a registration hook: it sees every plugin's results and changes them."""

    @hookimpl(wrapper=True)
    def register_audiences(self, app: object) -> Iterator[None]:
        results = yield
        for group in results:  # changed in place, each list stays its plugin's
            group[:] = [a if a.key != "general" else replace(a, label=T("Walk-in public")) for a in group]
        return [*results, [Audience("wrapped", T("Added by a wrapper"))]]


def test_a_hook_wrapper_around_a_registration_hook_takes_effect(url: str) -> None:
    from tremplin.core.plugins import register

    app = make_app(url, plugins=CORE_ONLY + ["tremplin.plugins.neet"])
    try:
        register(app.pm, RenamingWrapper(), "tests.renaming_wrapper")
        from tremplin.core.registry import Registry

        registry = Registry.load(app)
    finally:
        app.close()
    assert registry.audiences["general"].label.get("en") == "Walk-in public"
    # Each item still knows who registered it: the wrapper's addition is the wrapper's.
    assert registry.audiences.owner("general") == "tremplin.core.builtins.general"
    assert registry.audiences.owner("neet") == "tremplin.plugins.neet"
    assert registry.audiences.owner("wrapped") == "tests.renaming_wrapper"
    assert set(registry.audiences.keys()) == {"general", "neet", "wrapped"}


def test_trace_plugins_logs_each_hook_call(
    monkeypatch: pytest.MonkeyPatch, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TREMPLIN_TRACE_PLUGINS", "1")
    with caplog.at_level("INFO", logger="tremplin.plugins"):
        app = make_app(url, plugins=CORE_ONLY + ["tremplin.plugins.neet"])
        app.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "tremplin.plugins"]
    assert any(
        re.fullmatch(r"hook register_audiences: plugin tremplin\.plugins\.neet took \d+\.\d\d ms", line)
        for line in lines
    ), lines
    assert any(line.startswith("hook register_roles: plugin tremplin.core.builtins.shared took ") for line in lines)
    assert any(line.startswith("hook register_counters: plugin tremplin.core.builtins.general took ") for line in lines)
    # Without the setting, nothing is logged.
    monkeypatch.delenv("TREMPLIN_TRACE_PLUGINS")
    caplog.clear()
    with caplog.at_level("INFO", logger="tremplin.plugins"):
        make_app(url, plugins=CORE_ONLY).close()
    assert not [r for r in caplog.records if r.name == "tremplin.plugins"]


# --------------------------------------------------------------------------------------------------
# An outside plugin, installed as a distribution with a ``tremplin.plugins`` entry point

EUROGUIDANCE = '''
"""Euroguidance: advice on studying and working elsewhere in Europe (an outside Tremplin plugin)."""

from tremplin import Audience, Counter, Field, Form, Part, T, hookimpl

DESTINATIONS = {"de": T("Germany"), "fr": T("France"), "nl": T("Netherlands"), "other": T("Elsewhere")}


@hookimpl
def register_audiences(app):
    return [Audience("euroguidance", T("Euroguidance", fr="Euroguidance"), case_prefix="EURO")]


@hookimpl
def register_forms(app):
    return [
        Form(
            "euroguidance.contact",
            "euroguidance",
            T("Mobility advice", fr="Conseil mobilité"),
            fields=(Field("destination", T("Destination"), choices=DESTINATIONS, required=True),),
            core_fields=("channel", "themes", "language", "headcount"),
            fixed={"modality": "individual_advice"},
        )
    ]


@hookimpl
def register_counters(app):
    return [
        Counter(
            "euroguidance.reached",
            T("People advised on European mobility"),
            (Part("headcount", {"audience": "euroguidance"}), Part("participants", {"audience": "euroguidance"})),
            audience="euroguidance",
        )
    ]
'''


@pytest.fixture
def euroguidance_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site-packages"
    package = site / "tremplin_euroguidance"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(EUROGUIDANCE), encoding="utf-8")
    dist = site / "tremplin_euroguidance-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tremplin-euroguidance\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        f"[{ENTRYPOINT_GROUP}]\neuroguidance = tremplin_euroguidance\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("tremplin_euroguidance", None)


def test_entry_point_is_found(euroguidance_installed: Path) -> None:
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group=ENTRYPOINT_GROUP) if ep.name == "euroguidance"]
    assert ep.value == "tremplin_euroguidance"
    assert ep.dist is not None and ep.dist.version == "0.1"
    pm = make_plugin_manager(entrypoints=True)
    assert registered(pm) == list(DEFAULT_PLUGINS) + ["euroguidance"]
    assert pm.get_plugin("euroguidance") is sys.modules["tremplin_euroguidance"]
    # Without entry points, or with it disabled, it stays out.
    assert "euroguidance" not in registered(make_plugin_manager(entrypoints=False))
    assert registered(make_plugin_manager(entrypoints=True, disabled=["euroguidance"])) == list(DEFAULT_PLUGINS)


def test_entry_point_registering_a_loaded_module_again_is_refused(euroguidance_installed: Path) -> None:
    dist = euroguidance_installed / "tremplin_euroguidance-0.1.dist-info"
    (dist / "entry_points.txt").write_text(
        f"[{ENTRYPOINT_GROUP}]\nneet_again = tremplin.plugins.neet\n", encoding="utf-8"
    )
    with pytest.raises(PluginError, match="plugin 'neet_again' is already registered as 'tremplin.plugins.neet'"):
        make_plugin_manager(entrypoints=True)


def test_outside_plugin_through_entry_point_counts(euroguidance_installed: Path, db_url: str) -> None:
    app = create_app(Settings(database_url=db_url, load_entrypoints=True))
    try:
        assert app.plugin_names()[-1] == "euroguidance"
        # The six audiences of the centre, the walk-in public, and the outside plugin's.
        assert app.registry.audiences.keys() == [
            "general",
            "neet",
            "schools",
            "prisons",
            "disability",
            "formtruck",
            "ukrainian",
            "euroguidance",
        ]
        assert app.registry.counters.owner("euroguidance.reached") == "euroguidance"
        assert app.registry.forms.owner("euroguidance.contact") == "euroguidance"
        make_centre(app)
        with app.transaction() as session:
            for i, (headcount, destination) in enumerate([(1, "de"), (3, "fr"), (2, "nl")]):
                log_contact(
                    app,
                    session,
                    {
                        "centre": "bxl",
                        "occurred_at": f"2024-05-{10 + i}T11:00",
                        "audience": "euroguidance",
                        "modality": "individual_advice",
                        "headcount": headcount,
                    },
                    {"destination": destination},
                )
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": "2024-05-13T09:00",
                    "audience": "general",
                    "modality": "reception",
                    "headcount": 4,
                },
            )
            log_activity(
                app,
                session,
                {"centre": "bxl", "starts_at": "2024-05-14T14:00", "audience": "euroguidance", "participants": 10},
            )
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": "2023-05-13T09:00",
                    "audience": "euroguidance",
                    "modality": "individual_advice",
                },
                {"destination": "other"},
            )
        # Its form validates its attributes like any audience's.
        with pytest.raises(RecordError, match="attr.destination"):
            with app.transaction() as session:
                log_contact(
                    app,
                    session,
                    {
                        "centre": "bxl",
                        "occurred_at": "2024-05-15T11:00",
                        "audience": "euroguidance",
                        "modality": "individual_advice",
                    },
                    {"destination": "mars"},
                )
    finally:
        app.close()

    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", db_url, "counters", "show", "--year", "2024", "--format", "json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["euroguidance.reached"] == 1 + 3 + 2 + 10
    assert figures["contacts.total"] == 1 + 3 + 2 + 4 + 10
    assert figures["individual_advice.contacts"] == 6
    assert figures["general.reached"] == 4
    assert {"neet.reached", "schools.pupils", "formtruck.users"} <= set(figures)
    keys = list(figures)
    assert keys.index("euroguidance.reached") > keys.index("ukrainian.contacts")  # after the built-in plugins' counters
    result = runner.invoke(cli, ["--database-url", db_url, "counters", "show", "--format", "json"])
    assert json.loads(result.output)["euroguidance.reached"] == 17
    result = runner.invoke(
        cli,
        [
            "--database-url",
            db_url,
            "counters",
            "show",
            "--audience",
            "euroguidance",
            "--format",
            "json",
            "--year",
            "2024",
        ],
    )
    assert json.loads(result.output) == {"euroguidance.reached": 16}
