"""The plugin contract: every hook is documented and tested, and each behaves as ``tremplin.core.hookspecs`` says."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app
from tests.core import recording_plugin as rec
from tests.core.plugin_kit import CORE_ONLY, fake_plugin, make_centre
from tremplin.core import hookspecs, rollup
from tremplin.core.anonymity import Scrubber
from tremplin.core.app import App
from tremplin.core.counters import DIMENSIONS, Counter
from tremplin.core.forms import CORE_ACTIVITY_FIELDS, CORE_CONTACT_FIELDS, Form
from tremplin.core.models import Activity, AuditEvent, Case, CaseStageEvent, Contact, CounterValue, Referral, Staff
from tremplin.core.plugins import AUDIENCE_PLUGINS, DEFAULT_PLUGINS, hook_names
from tremplin.core.records import (
    WorkflowError,
    expire_referrals,
    issue_referral,
    log_activity,
    log_contact,
    move_case,
    open_case,
    record_participants,
    reenter_case,
    set_referral_status,
)
from tremplin.core.registry import FlowSpec, Grant, PluginError, Role, Workflow, collect
from tremplin.core.reports.sections import KeyFigures, ProgrammeIndicators

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent


# --------------------------------------------------------------------------------------------------
# The contract itself


def test_every_hook_has_a_real_docstring() -> None:
    names = hook_names()
    assert names
    poor = []
    for name in names:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        if len(doc.split()) < 8 or name.replace("_", " ") == doc.strip(". ").lower():
            poor.append(name)
    assert not poor, f"hooks without a real docstring: {', '.join(poor)}"


def test_every_hook_has_a_test() -> None:
    defined: set[str] = set()
    for path in TESTS.rglob("*.py"):
        defined.update(re.findall(r"^\s*(?:async\s+)?def (test_hook_\w+)\s*\(", path.read_text(encoding="utf-8"), re.M))
    missing = [name for name in hook_names() if f"test_hook_{name}" not in defined]
    assert not missing, "hooks without a test named test_hook_<name>: " + ", ".join(missing)


def test_hook_names_are_the_specs() -> None:
    assert set(hook_names()) == {
        "register_audiences",
        "register_roles",
        "register_codes",
        "register_forms",
        "register_counters",
        "register_workflows",
        "register_flows",
        "register_routes",
        "register_bot_handlers",
        "register_report_sections",
        "register_scrubbers",
        "register_demo",
        "register_dimensions",
        "register_fact_sources",
        "register_menu_items",
        "register_bot_texts",
        "purge_expired",
        "field_defaults",
        "contact_logged",
        "activity_logged",
        "referral_status_changed",
        "case_stage_changed",
    }


# --------------------------------------------------------------------------------------------------
# Registration hooks


@pytest.fixture
def full_app(tmp_path: Path) -> Iterator[App]:
    """The full app on a SQLite file that is never migrated: registration needs no tables."""
    application = make_app(f"sqlite:///{tmp_path / 'unused.db'}")
    yield application
    application.close()


def test_hook_register_audiences(full_app: App) -> None:
    audiences = full_app.registry.audiences
    assert audiences.keys() == ["general", "neet", "schools", "prisons", "disability", "formtruck", "ukrainian"]
    assert audiences.owner("general") == "tremplin.core.builtins.general"
    for key, plugin in zip(audiences.keys()[1:], AUDIENCE_PLUGINS):
        assert audiences.owner(key) == plugin
        assert audiences[key].label.get("fr") and audiences[key].label.get("nl") and audiences[key].label.get("uk")
    assert audiences["neet"].esf_cofinanced and audiences["neet"].case_prefix == "NEET"
    assert audiences["prisons"].case_prefix == "PRI"
    assert not audiences["general"].esf_cofinanced
    # What the hook returned is what the registry holds, plugin by plugin.
    returned = collect(full_app.pm, "register_audiences", app=full_app)
    assert [(p, a.key) for p, a in returned] == [(audiences.owner(k), k) for k in audiences]


def test_hook_register_roles(full_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    roles = full_app.registry.roles
    assert roles.keys() == [
        "admin",
        "programme_lead",
        "counsellor",
        "reception",
        "neet_worker",
        "schools_coordinator",
        "formtruck_adviser",
        "formtruck_coordinator",
    ]
    assert {k for k in roles if roles.owner(k) == "tremplin.core.builtins.shared"} == {
        "admin",
        "programme_lead",
        "counsellor",
        "reception",
    }
    assert (roles.owner("neet_worker"), roles.owner("schools_coordinator"), roles.owner("formtruck_adviser")) == (
        "tremplin.plugins.neet",
        "tremplin.plugins.schools",
        "tremplin.plugins.formtruck",
    )
    for key, role in roles.items():
        assert role.label.get("fr") and role.label.get("nl") and role.label.get("uk"), key
    # The capability table is derived from the roles.
    assert full_app.registry.roles_with("cases") == ("admin", "programme_lead", "counsellor", "neet_worker")
    assert full_app.registry.roles_with("admin") == ("admin",)
    assert full_app.registry.roles_with("a_plugin_page") == ("admin",)  # the administrator has every capability
    # A plugin's own capabilities, granted through the roles: its role's, and a grant to a core role.
    assert full_app.registry.roles_with("schools.bookings") == ("admin", "programme_lead", "schools_coordinator")
    assert full_app.registry.roles_with("schools.offer") == ("admin", "schools_coordinator")
    url = full_app.settings.database_url
    assert "schools.bookings" not in make_app(url, plugins=CORE_ONLY).registry.roles["programme_lead"].capabilities
    # A grant to a role nobody registers is passed over; a grant of a core capability is refused.
    lost = fake_plugin(monkeypatch, "tremplin_grant_lost", register_roles=lambda app: [Grant("nobody", ("x.page",))])
    assert "nobody" not in make_app(url, plugins=CORE_ONLY + [lost]).registry.roles
    grab = fake_plugin(monkeypatch, "tremplin_grant_core", register_roles=lambda app: [Grant("reception", ("cases",))])
    with pytest.raises(PluginError, match=r"tremplin_grant_core: a grant gives .* core's \(cases\) to 'reception'"):
        make_app(url, plugins=CORE_ONLY + [grab])
    # Default audiences: the role's own, plus the audiences that name the role; core roles name none.
    assert full_app.registry.default_audiences(["counsellor"]) == ["general", "prisons", "disability", "ukrainian"]
    assert full_app.registry.default_audiences(["reception", "formtruck_adviser"]) == [
        "general",
        "formtruck",
        "ukrainian",
    ]
    assert full_app.registry.default_audiences(["programme_lead"]) == ["*"]
    assert all(
        not role.default_audiences or role.default_audiences == ("*",)
        for k, role in roles.items()
        if k in ("admin", "programme_lead", "counsellor", "reception")
    )
    # A role naming an audience nobody registers is refused at start-up, naming the plugin.
    plugin = fake_plugin(
        monkeypatch,
        "tremplin_test_roles",
        register_roles=lambda app: [Role("erasmus_worker", T_("Erasmus"), ("log",), ("erasmus",))],
    )
    with pytest.raises(
        PluginError, match=r"role 'erasmus_worker' \(tremplin_test_roles\) names unknown audience 'erasmus'"
    ):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + [plugin])
    twice = fake_plugin(
        monkeypatch,
        "tremplin_test_roles_twice",
        register_roles=lambda app: [Role("neet_worker", T_("Again"), ("log",))],
    )
    with pytest.raises(
        PluginError,
        match="role 'neet_worker' is registered twice: by tremplin.plugins.neet and by tremplin_test_roles_twice",
    ):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + ["tremplin.plugins.neet", twice])


def test_hook_register_codes(full_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from tremplin.core import vocab
    from tremplin.core.vocab import CodeList

    codes = full_app.registry.codes
    # The core keeps what every centre shares; the audiences add their own.
    assert "field_awareness" not in vocab.MODALITY and "field_awareness" in codes["modality"]
    assert full_app.registry.code_items.owner("modality:field_awareness") == "tremplin.plugins.neet"
    assert {"explorama", "inforizon", "pass_avenir", "guidance_pathway"} <= set(codes["workshop"]) - set(vocab.WORKSHOP)
    assert {"escape_game", "career_game", "video_challenge"} <= set(codes["workshop"]) - set(vocab.WORKSHOP)
    assert {"formtruck_stop", "school", "prison"} <= set(codes["site_kind"]) - set(vocab.SITE_KIND)
    assert codes["workshop"].label == vocab.WORKSHOP.label and codes["workshop"].default == "info_session"
    assert codes["site_kind"].label_of("formtruck_stop", "nl") == "Halte van de Formtruck"
    # Without the plugins, their codes are gone and the shared ones stay.
    core = make_app(full_app.settings.database_url, plugins=CORE_ONLY)
    try:
        assert core.registry.codes["modality"].codes() == vocab.MODALITY.codes()
        assert core.registry.codes["workshop"].codes() == vocab.WORKSHOP.codes()
    finally:
        core.close()
    # Two plugins adding the same code, or a plugin changing a list every centre shares, are refused.
    twice = fake_plugin(
        monkeypatch,
        "tremplin_test_codes",
        register_codes=lambda app: [CodeList("workshop", items={"explorama": T_("Again")})],
    )
    with pytest.raises(
        PluginError,
        match="code 'workshop:explorama' is registered twice: by tremplin.plugins.schools and by tremplin_test_codes",
    ):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + ["tremplin.plugins.schools", twice])
    gender = fake_plugin(
        monkeypatch,
        "tremplin_test_gender",
        register_codes=lambda app: [CodeList("gender", items={"other": T_("Other")})],
    )
    with pytest.raises(PluginError, match="tremplin_test_gender: the code list 'gender' is shared by every centre"):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + [gender])
    # A form fixing a modality nobody registers is refused at start-up (its plugin's codes are left out).
    uses = fake_plugin(
        monkeypatch,
        "tremplin_test_uses_field",
        register_forms=lambda app: [
            Form("general.street", "general", T_("Street"), fixed={"modality": "field_awareness"})
        ],
    )
    with pytest.raises(
        PluginError, match=r"form 'general.street' \(tremplin_test_uses_field\) uses unknown modality 'field_awareness'"
    ):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + [uses])
    make_app(full_app.settings.database_url, plugins=CORE_ONLY + ["tremplin.plugins.neet", uses]).close()
    # A plugin's own list needs a label; with one, it is there for its forms and pages.
    own = fake_plugin(
        monkeypatch,
        "tremplin_test_own",
        register_codes=lambda app: [CodeList("stop", T_("Stop"), {"midi": T_("Gare du Midi")})],
    )
    app = make_app(full_app.settings.database_url, plugins=CORE_ONLY + [own])
    try:
        assert app.registry.code_list("stop").label_of("midi", "en") == "Gare du Midi"
    finally:
        app.close()


PERSONAL_FIELD = re.compile(r"name|birth|born|address|street|phone|mail|national|nrn|iban|passport", re.I)


def test_hook_register_forms(full_app: App) -> None:
    forms = full_app.registry.forms
    assert len(forms) >= 12
    for key, form in forms.items():
        assert isinstance(form, Form)
        assert form.audience in full_app.registry.audiences
        assert key.startswith(form.audience + "."), key
        allowed = CORE_CONTACT_FIELDS if form.record == "contact" else CORE_ACTIVITY_FIELDS
        assert set(form.core_fields) <= set(allowed), (key, set(form.core_fields) - set(allowed))
        codes = full_app.registry.codes
        for name, value in form.fixed.items():
            assert value in codes[name], (key, name, value)
        # Workshops may also be kinds a centre keeps in its database (admin page): not checked here.
        for name, choices in form.core_choices.items():
            if name in ("modality", "channel"):
                assert set(choices) <= set(codes[name]), (key, name)
        for f in form.fields:
            assert not PERSONAL_FIELD.search(f.name), f"{key} declares a personal field {f.name!r}"
            assert f.kind in ("choice", "multichoice", "int", "text", "bool")
            if f.kind in ("choice", "multichoice"):
                assert f.choices, (key, f.name)
    # Every audience has at least one form, and the form's model validates its own choices.
    for audience in full_app.registry.audiences:
        assert full_app.registry.forms_of(audience), audience
    advice = forms["general.advice"]
    assert advice.model(question="cv_letter").question == "cv_letter"
    assert forms.owner("neet.awareness") == "tremplin.plugins.neet"


DOCUMENTED_COUNTERS = (
    "contacts.total",
    "individual_advice.contacts",
    "group_activities.count",
    "group_activities.face_to_face",
    "group_activities.online",
    "group_activities.participants",
    "multimedia.entries",
    "events.contacts",
    "schools.visits",
    "schools.pupils",
    "prisons.reached",
    "disability.reached",
    "disability.public",
    "disability.professionals",
    "neet.reached",
    "neet.individual_advice",
    "neet.group_activities",
    "neet.group_participants",
    "formtruck.users",
    "ukrainian.contacts",
)


def test_hook_register_counters(full_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    counters = full_app.registry.counters
    assert set(DOCUMENTED_COUNTERS) <= set(counters.keys())
    known_fields = set(DIMENSIONS) | {"themes", "workshop", "format", "stage", "education", "labour_status"}
    known_fields |= {f for source in full_app.registry.fact_sources.values() for f in source.fields}
    for key, counter in counters.items():
        assert isinstance(counter, Counter) and counter.parts
        assert counter.audience is None or counter.audience in full_app.registry.audiences
        for part in counter.parts:
            for name in part.where:
                assert name.startswith("attr.") or name in known_fields, (key, name)
    assert counters.owner("contacts.total") == "tremplin.core.builtins.general"
    assert counters.owner("neet.reached") == "tremplin.plugins.neet"
    # A counter a plugin registers is compiled and evaluated on facts.
    plugin = fake_plugin(
        monkeypatch,
        "tremplin_test_counters",
        register_counters=lambda app: [
            Counter.simple("test.online_neet", T_("x"), "activities", {"audience": "neet", "format": "online"}),
            Counter.reached("test.neet_reached", T_("y"), "neet"),
        ],
    )
    app = make_app(full_app.settings.database_url, plugins=CORE_ONLY + ["tremplin.plugins.neet", plugin])
    try:
        compiled = app.compiled_counters
        fact = {"audience": "neet", "format": "online", "attributes": {}, "measures": {"rows": 1, "participants": 7}}
        assert ("test.online_neet", 1) in compiled.evaluate("activities", fact)
        assert ("test.online_neet", 1) not in compiled.evaluate("activities", {**fact, "format": "face_to_face"})
        assert "format" in compiled.extra_fields["activities"]
        # ``Counter.reached``: the audience's contacts' headcount plus its activities' participants, its own only.
        assert app.registry.counters["test.neet_reached"].audience == "neet"
        assert ("test.neet_reached", 7) in compiled.evaluate("activities", fact)
        contact = {"audience": "neet", "attributes": {}, "measures": {"rows": 1, "headcount": 3}}
        assert ("test.neet_reached", 3) in compiled.evaluate("contacts", contact)
        other = compiled.evaluate("contacts", {**contact, "audience": "general"})
        assert not [key for key, _value in other if key == "test.neet_reached"]
    finally:
        app.close()


def test_hook_register_dimensions(full_app: App, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    from tremplin.core.dimensions import Dimension

    dims = full_app.registry.dimensions
    assert dims.keys() == [
        "schools.year",
        "schools.education_type",
        "schools.workshop",
        "schools.place",
        "prisons.prison",
        "disability.public",
        "formtruck.stop",
        "formtruck.commune",
        "ukrainian.bot_language",
        "ukrainian.answer_time",
    ]
    assert dims.owner("formtruck.stop") == "tremplin.plugins.formtruck" and dims["formtruck.stop"].field == "site"
    for key, dim in dims.items():
        assert dim.audience in full_app.registry.audiences and key.startswith(dim.audience + ".")
        assert not dim.label.missing_languages() and (dim.title is None or not dim.title.missing_languages())
    assert full_app.compiled_counters.site_dimensions == frozenset({"formtruck.stop"})
    # An outside plugin's dimension on the walk-in public's question is kept in the roll-up.
    plugin = fake_plugin(
        monkeypatch,
        "tremplin_test_dimensions",
        register_dimensions=lambda app: [
            Dimension("test.question", T_("Question"), "attr.question", "general", records=("contacts",))
        ],
    )
    app = make_app(db_url, plugins=CORE_ONLY + [plugin])
    try:
        centre_id = make_centre(app)
        with app.transaction() as session:
            for question, headcount in (("cv_letter", 2), ("cv_letter", 3), ("orientation", 1), (None, 4)):
                attributes = {"question": question} if question else {}
                log_contact(
                    app,
                    session,
                    {
                        "centre": "bxl",
                        "occurred_at": "2024-05-02T10:00",
                        "audience": "general",
                        "modality": "individual_advice",
                        "headcount": headcount,
                    },
                    attributes,
                )
        with app.session() as session:
            got = rollup.read(session, ["general.reached"], date(2024, 1, 1), date(2024, 12, 31), dim="test.question")
        assert got == {
            ("general.reached", "cv_letter"): 5,
            ("general.reached", "orientation"): 1,
            ("general.reached", "unknown"): 4,
        }
        assert centre_id
    finally:
        app.close()
    # A dimension that names an unknown audience, a field no form has, or a key twice is refused at start-up.
    for name, declared, message in (
        ("tremplin_test_dim_audience", [Dimension("test.x", T_("x"), "site", "vip")], "names unknown audience 'vip'"),
        (
            "tremplin_test_dim_field",
            [Dimension("test.x", T_("x"), "attr.colour", "general")],
            "no form of 'general' has the field 'colour'",
        ),
        (
            "tremplin_test_dim_twice",
            [Dimension("test.x", T_("x"), "site"), Dimension("test.x", T_("y"), "site")],
            "dimension 'test.x' is registered twice",
        ),
    ):
        bad = fake_plugin(monkeypatch, name, register_dimensions=lambda app, d=declared: d)
        with pytest.raises(PluginError, match=re.escape(message)):
            make_app(full_app.settings.database_url, plugins=CORE_ONLY + [bad])


def T_(en: str) -> Any:
    from tremplin.core.i18n import T

    return T(en)


def test_hook_register_fact_sources(full_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from tremplin.core.counters import FactSource, Part
    from tremplin.plugins.schools.models import SchoolBooking

    sources = full_app.registry.fact_sources
    # The survey's answers are a built-in source (audiences count their bot's answers from it).
    assert sources.keys() == ["bot.threads", "surveys.answers", "neet.challenge", "schools.bookings"]
    assert sources.owner("surveys.answers") == "tremplin.core.builtins.surveys"
    assert sources.owner("schools.bookings") == "tremplin.plugins.schools"
    assert full_app.fact_builders[SchoolBooking] == sources["schools.bookings"].build
    part = full_app.registry.counters["schools.no_shows"].parts[0]
    assert (part.source, part.measure) == ("schools.bookings", "rows")
    assert dict(part.where) == {"audience": "schools", "status": "no_show"}
    # A fact is completed with the core's fields, so the roll-up reads it like a contact's.
    row = {"day": date(2025, 3, 4), "centre_id": 1, "status": "cancelled", "pupils": 20}
    fact = sources["schools.bookings"].build(row.get)
    assert fact is not None and fact["source"] == "schools.bookings" and fact["modality"] == "unknown"
    assert fact["themes"] == ()
    assert fact["measures"] == {"rows": 1, "pupils": 20} and fact["attributes"]["place"] == "at_centre"
    assert sources["schools.bookings"].build({"day": None}.get) is None, "a row without a day counts nowhere"
    with pytest.raises(ValueError, match="named after its audience"):
        FactSource("bookings", SchoolBooking, ("day",), lambda get: None)
    with pytest.raises(ValueError, match="'<source>:<measure>'"):
        Part("bookings")  # type: ignore[arg-type]
    # Without the plugin, no source: nothing of it is counted, and a counter of an unknown source is refused.
    assert len(make_app(full_app.settings.database_url, plugins=CORE_ONLY).registry.fact_sources) == 0
    stray = fake_plugin(
        monkeypatch,
        "tremplin_test_stray_counter",
        register_counters=lambda app: [
            Counter.simple("stray.enquiries", T_("Enquiries"), "stray.enquiries:rows"),
        ],
    )
    with pytest.raises(PluginError, match=r"\(tremplin_test_stray_counter\) counts unknown fact source 'stray"):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + [stray])
    wrong = fake_plugin(
        monkeypatch,
        "tremplin_test_wrong_measure",
        register_counters=lambda app: [
            Counter.simple("schools.minutes", T_("Minutes"), "schools.bookings:minutes"),
        ],
    )
    with pytest.raises(PluginError, match=r"counts 'minutes', not a measure of 'schools.bookings'"):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + ["tremplin.plugins.schools", wrong])


def test_hook_register_workflows(full_app: App) -> None:
    workflows = full_app.registry.workflows
    assert sorted(workflows.keys()) == ["neet", "prisons"]
    for audience, wf in workflows.items():
        assert isinstance(wf, Workflow) and wf.audience == audience
        keys = [s.key for s in wf.stages]
        assert len(keys) == len(set(keys))
        assert any(s.final for s in wf.stages)
        for stage in wf.stages:
            if stage.outcome:
                assert stage.outcome in wf.outcomes, (audience, stage.key)
            for target in wf.allowed_next(stage.key):
                assert target in keys
            if stage.final:
                assert wf.allowed_next(stage.key) == () or stage.key in wf.transitions
    neet = workflows["neet"]
    assert neet.initial == "identified"
    assert neet.allowed_next("identified") == ("engaged", "left")
    prisons = workflows["prisons"]
    # No explicit transitions: forward only, and the final stage from anywhere.
    assert prisons.allowed_next("project") == ("preparing_release", "released", "in_training", "in_employment", "left")
    assert prisons.allowed_next("left") == ()
    assert "intake" not in prisons.allowed_next("released")


def test_hook_register_flows(full_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    flows = full_app.registry.flows
    spec = flows["neet-instagram-reach"]
    assert flows.owner("neet-instagram-reach") == "tremplin.plugins.neet"
    assert isinstance(spec, FlowSpec)
    assert re.fullmatch(r"[\w.]+:\w+", spec.entrypoint)
    assert spec.cron is not None and len(spec.cron.split()) == 5
    for spec in flows.values():
        module, _, attr = spec.entrypoint.partition(":")
        assert module and attr
    # A flow is loaded by import path only when asked for.
    sentinel = object()
    plugin = fake_plugin(
        monkeypatch,
        "tremplin_test_flows",
        register_flows=lambda app: [
            FlowSpec("test-purge", "tremplin_test_flow_module:purge", T_("Purge"), cron="0 3 * * *")
        ],
    )
    import types

    flow_module = types.ModuleType("tremplin_test_flow_module")
    flow_module.purge = sentinel  # type: ignore[attr-defined]
    app = make_app(full_app.settings.database_url, plugins=CORE_ONLY + [plugin])
    try:
        assert "tremplin_test_flow_module" not in sys.modules
        monkeypatch.setitem(sys.modules, "tremplin_test_flow_module", flow_module)
        assert app.registry.flows["test-purge"].load() is sentinel
    finally:
        app.close()
    # Building the app with every plugin imports no Prefect.
    code = (
        "import sys; from tremplin.core.app import create_app; "
        f"app = create_app(database_url={full_app.settings.database_url!r}, entrypoints=False); "
        "assert 'neet-instagram-reach' in app.registry.flows; print('prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_hook_register_scrubbers(full_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    core_names = ["email", "iban", "national_number", "birth_date", "phone", "address", "name"]
    assert sorted(full_app.registry.scrubbers.keys()) == sorted(core_names)
    assert all(full_app.registry.scrubbers.owner(n) == "tremplin.core.builtins.anonymity" for n in core_names)
    seen: list[tuple[str, str]] = []

    def spy(label: str) -> Callable[[str], tuple[str, int]]:
        def run(text: str) -> tuple[str, int]:
            seen.append((label, text))
            return text, 0

        return run

    def mask_case_file(text: str) -> tuple[str, int]:
        out, n = re.subn(r"\bDOSSIER-\d+\b", "[case file]", text)
        return out, n

    plugin = fake_plugin(
        monkeypatch,
        "tremplin_test_scrubbers",
        register_scrubbers=lambda app: [
            Scrubber("first", spy("first"), order=1),
            Scrubber("case_file", mask_case_file, order=55),
            Scrubber("last", spy("last"), order=1000),
        ],
    )
    app = make_app(
        full_app.settings.database_url,
        plugins=["tremplin.core.builtins.anonymity", "tremplin.core.builtins.general", plugin],
    )
    try:
        result = app.scrub("Mail jan@example.be, dossier DOSSIER-12345, tél 0470 12 34 56, 3 rendez-vous.")
        assert result.text == "Mail [e-mail], dossier [case file], tél [phone], 3 rendez-vous."
        assert dict(result.removed) == {"email": 1, "case_file": 1, "phone": 1}
        # Each link receives what the previous returned, in order.
        assert seen == [
            ("first", "Mail jan@example.be, dossier DOSSIER-12345, tél 0470 12 34 56, 3 rendez-vous."),
            ("last", "Mail [e-mail], dossier [case file], tél [phone], 3 rendez-vous."),
        ]
    finally:
        app.close()
    # Two plugins naming the same link is a start-up error; a plugin's link replaces a built-in one.
    other = fake_plugin(
        monkeypatch, "tremplin_test_scrubbers_2", register_scrubbers=lambda app: [Scrubber("case_file", mask_case_file)]
    )
    with pytest.raises(
        PluginError,
        match=r"scrubber 'case_file' is registered twice: by tremplin_test_scrubbers and by tremplin_test_scrubbers_2",
    ):
        make_app(full_app.settings.database_url, plugins=CORE_ONLY + [plugin, other])
    gentler = fake_plugin(
        monkeypatch,
        "tremplin_test_scrubbers_3",
        register_scrubbers=lambda app: [Scrubber("email", lambda t: (t.replace("@", " at "), 0), order=10)],
    )
    app = make_app(full_app.settings.database_url, plugins=CORE_ONLY + [gentler])
    try:
        assert app.registry.scrubbers.owner("email") == "tremplin_test_scrubbers_3"
        assert app.scrub("jan@example.be").text == "jan at example.be"
    finally:
        app.close()


def test_hook_register_report_sections(full_app: App) -> None:
    annual = collect(full_app.pm, "register_report_sections", app=full_app, report="annual")
    neet = [section for plugin, section in annual if plugin == "tremplin.plugins.neet"]
    assert [type(s).__name__ for s in neet] == ["KeyFigures", "MoreFigures"]
    section, more = neet
    assert isinstance(section, KeyFigures)
    # The field encounters join the built-in fairs-and-events figures.
    assert (more.key, more.counters) == ("events", ("field_awareness.contacts",))
    assert section.key == "neet.touchngo"
    assert section.counters[0] == "neet.reached"
    assert all(key in full_app.registry.counters for key in section.counters)
    assert all(full_app.registry.counters[key].audience == "neet" for key in section.counters)
    # The cofinanced audience's plugin brings the ESF+ report's programme-specific indicators.
    esf = collect(full_app.pm, "register_report_sections", app=full_app, report="esf")
    [programme] = [s for plugin, s in esf if plugin == "tremplin.plugins.neet"]
    assert isinstance(programme, ProgrammeIndicators) and programme.audience == "neet"
    own = collect(full_app.pm, "register_report_sections", app=full_app, report="audience:neet")
    assert [s.key for plugin, s in own if plugin == "tremplin.plugins.neet"] == [
        "neet.touchngo",
        "neet.bot",
        "neet.challenge",
    ]
    schools = collect(full_app.pm, "register_report_sections", app=full_app, report="audience:schools")
    assert not [s for plugin, s in schools if plugin == "tremplin.plugins.neet"]
    # Through pluggy directly, as the reports call it: one list per implementation.
    lists = full_app.hook.register_report_sections(app=full_app, report="annual")
    assert any(section in group for group in lists)


def test_hook_register_demo(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every plugin writes its own share of the demo; an outside plugin's share is written like the others."""
    from argon2 import PasswordHasher

    from tremplin.core import demo, rollup
    from tremplin.core.i18n import T
    from tremplin.core.registry import Audience

    monkeypatch.setattr("tremplin.core.admin.hash_password", PasswordHasher(time_cost=1, memory_cost=64).hash)
    keys = [share.key for share in demo.shares(app)]
    assert keys == ["general", "neet", "schools", "prisons", "disability", "formtruck", "ukrainian"]
    assert all(isinstance(share, demo.DemoShare) for group in app.hook.register_demo(app=app) for share in group)
    for share in demo.shares(app):  # each share aims at counters that exist
        assert share.expected and set(share.expected) <= set(app.registry.counters), share.key

    def advice(ctx: demo.DemoContext) -> list[demo.Rec]:
        rng = ctx.rng("advice")
        days = ctx.calendar.days(only=ctx.calendar.is_school_day).draw_many(rng, ctx.count(400))
        return [
            demo.contact(
                "mobility.advice",
                "mobility",
                ctx.calendar.moment(rng, day),
                ctx.staff_id("counsellor"),
                site="mobility-desk",
                channel="walk_in",
                themes=["move"],
                language="en",
                modality="individual_advice",
            )
            for day in days
        ]

    share = demo.DemoShare(
        "mobility",
        advice,
        expected={"contacts.total": 400, "individual_advice.contacts": 400},
        sites=(demo.Place("mobility-desk", "Mobility desk", "advice"),),
    )
    plugin = fake_plugin(
        monkeypatch,
        "tremplin_test_demo",
        register_audiences=lambda app: [Audience("mobility", T("Mobility"))],
        register_forms=lambda app: [
            Form(
                "mobility.advice",
                "mobility",
                T("Mobility advice"),
                core_fields=("site", "channel", "themes", "language"),
                fixed={"modality": "individual_advice"},
            )
        ],
        register_demo=lambda app: [share],
    )
    other = make_app(app.settings.database_url, plugins=CORE_ONLY + [plugin])
    try:
        assert [s.key for s in demo.shares(other)] == ["general", "mobility"]
        summary = demo.generate(other, year=2019, scale=0.05, seed=3)
        assert summary.shares == ["general", "mobility"]
        assert demo.expected_figures(other, 0.05)["individual_advice.contacts"] == pytest.approx((16_270 + 400) * 0.05)
        with other.session() as session:
            by_audience = rollup.read(
                session, ["individual_advice.contacts"], date(2019, 1, 1), date(2019, 12, 31), dim="audience"
            )
            desk = session.scalar(select(func.count()).select_from(Contact).where(Contact.audience == "mobility"))
        assert 19 <= by_audience[("individual_advice.contacts", "mobility")] == desk <= 21
        # The walk-in public's accounts only: no role without a registered audience gets one.
        assert {u for u, _, _ in summary.logins} == {"admin", "programme_lead", "counsellor", "reception"}
    finally:
        other.close()

    # A share that is not a DemoShare, or a key taken twice, is refused when the demo starts.
    twice = fake_plugin(monkeypatch, "tremplin_test_demo_twice", register_demo=lambda app: [share])
    broken = fake_plugin(monkeypatch, "tremplin_test_demo_broken", register_demo=lambda app: [("mobility", advice)])
    for extra in ([plugin, twice], [broken]):
        bad = make_app(app.settings.database_url, plugins=CORE_ONLY + extra)
        try:
            with pytest.raises(PluginError, match="registered twice|DemoShare"):
                demo.shares(bad)
        finally:
            bad.close()


# --------------------------------------------------------------------------------------------------
# Event hooks, through a recording plugin registered by name

RECORDING = list(DEFAULT_PLUGINS) + ["tests.core.recording_plugin"]


@pytest.fixture
def rec_app(db_url: str) -> Iterator[App]:
    rec.reset()
    application = make_app(db_url, plugins=RECORDING)
    yield application
    application.close()
    rec.reset()


@pytest.fixture
def rec_centre(rec_app: App) -> int:
    return make_centre(rec_app)


def _staff(app: App, username: str = "amina") -> int:
    with app.transaction() as session:
        staff = Staff(username=username, display_name="Amina", roles=["neet_worker"], audiences=["*"])
        session.add(staff)
        session.flush()
        return staff.id


def _events(hook: str) -> list[dict[str, Any]]:
    return [e for e in rec.EVENTS if e["hook"] == hook]


CONTACT = {
    "centre": "bxl",
    "occurred_at": "2024-03-12T10:30",
    "audience": "general",
    "modality": "individual_advice",
    "headcount": 2,
}


def test_hook_purge_expired(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """The retention flow's task asks every plugin to purge, inside its transaction, and sums what they say."""
    from tremplin.core.models import Partner
    from tremplin.flows.retention import purge_plugin_data

    seen: list[tuple[Any, date]] = []
    setup = make_app(db_url)
    centre_id = make_centre(setup)
    setup.close()

    def purge_expired(app: App, session: Any, today: date) -> dict[str, int]:
        seen.append((session.in_transaction(), today))
        session.add(Partner(centre_id=centre_id, code="purged-marker", name="written by the hook", kind="other"))
        return {"tests.things": 2}

    name = fake_plugin(monkeypatch, "tests_purge_plugin", purge_expired=purge_expired)
    monkeypatch.setattr(
        "tremplin.core.app.create_app",
        lambda database_url=None: make_app(db_url, plugins=list(DEFAULT_PLUGINS) + [name]),
    )
    counts = purge_plugin_data.fn(db_url, today=date(2031, 5, 6))
    assert seen == [(True, date(2031, 5, 6))]
    assert counts == {
        "tests.things": 2,
        "schools.teacher_contacts": 0,
        "bot.threads_abandoned": 0,
        "bot.thread_messages": 0,
        "bot.state": 0,
        "bot.chats": 0,
        "bot.floods": 0,
    }
    check = make_app(db_url)
    with check.session() as session:
        assert session.scalar(select(func.count()).select_from(Partner).where(Partner.code == "purged-marker")) == 1, (
            "the hook's writes commit"
        )
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "plugin.purge")).one()
        assert event.details == {
            "today": "2031-05-06",
            "tests.things": 2,
            "schools.teacher_contacts": 0,
            "bot.threads_abandoned": 0,
            "bot.thread_messages": 0,
            "bot.state": 0,
            "bot.chats": 0,
            "bot.floods": 0,
        }
    check.close()


def test_hook_contact_logged(rec_app: App, rec_centre: int) -> None:
    assert "tests.core.recording_plugin" in rec_app.plugin_names()
    with rec_app.transaction() as session:
        contact = log_contact(rec_app, session, {**CONTACT, "note": "Rappeler au 0470 12 34 56 pour l'atelier CV"})
        (event,) = _events("contact_logged")
        assert event["app"] is rec_app and event["session"] is session and event["object"] is contact
    assert event["in_transaction"] and event["persistent"]
    assert event["id"] == contact.id and event["id"] is not None
    assert event["seen_outside"] == 0  # called before the commit
    assert event["note"] == "Rappeler au [phone] pour l'atelier CV"  # the handler sees the scrubbed note
    assert event["headcount"] == 2
    with rec_app.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
    # A refused contact fires nothing.
    from tremplin.core.validation import RecordError

    with pytest.raises(RecordError):
        with rec_app.transaction() as session:
            log_contact(rec_app, session, {**CONTACT, "audience": "nobody"})
    assert len(_events("contact_logged")) == 1


def test_hook_activity_logged(rec_app: App, rec_centre: int) -> None:
    with rec_app.transaction() as session:
        activity = log_activity(
            rec_app,
            session,
            {
                "centre": "bxl",
                "starts_at": "2024-03-12T14:00",
                "audience": "neet",
                "workshop": "escape_game",
                "registered": 14,
            },
        )
        activity_id = activity.id
    (created,) = _events("activity_logged")
    assert created["in_transaction"] and created["persistent"] and created["id"] == activity_id
    assert created["participants"] is None
    with rec_app.transaction() as session:
        activity = session.get(Activity, activity_id)
        assert activity is not None
        record_participants(rec_app, session, activity, 12)
    first, headcount = _events("activity_logged")
    assert headcount["participants"] == 12 and headcount["id"] == activity_id
    assert headcount["in_transaction"]


def test_hook_referral_status_changed(rec_app: App, rec_centre: int) -> None:
    with rec_app.transaction() as session:
        first = issue_referral(rec_app, session, rec_centre, theme="work", audience="neet")
        second = issue_referral(rec_app, session, rec_centre)
        set_referral_status(rec_app, session, first, "received")
        set_referral_status(rec_app, session, first, "completed")
        with pytest.raises(WorkflowError, match="a referral that is completed cannot become received"):
            set_referral_status(rec_app, session, first, "received")
        set_referral_status(rec_app, session, first, "completed")  # no change, no event
        expire_referrals(rec_app, session, now=datetime(2999, 1, 1, tzinfo=UTC))
        first_id, second_id = first.id, second.id
    moves = [(e["id"], e["old_status"], e["new_status"], e["status"]) for e in _events("referral_status_changed")]
    assert moves == [
        (first_id, None, "issued", "issued"),
        (second_id, None, "issued", "issued"),
        (first_id, "issued", "received", "received"),
        (first_id, "received", "completed", "completed"),
        (second_id, "issued", "expired", "expired"),
    ]
    assert all(e["in_transaction"] and e["persistent"] for e in _events("referral_status_changed"))


def test_hook_case_stage_changed(rec_app: App, rec_centre: int) -> None:
    staff_id = _staff(rec_app)
    with rec_app.transaction() as session:
        staff = session.get(Staff, staff_id)
        case = open_case(rec_app, session, rec_centre, "neet", consent_on=date(2024, 3, 1), staff=staff)
        move_case(rec_app, session, case, "engaged", staff=staff, on=date(2024, 3, 8))
        with pytest.raises(WorkflowError, match="cannot move to 'in_employment'; allowed: guided, referred, left"):
            move_case(rec_app, session, case, "in_employment", staff=staff)
        move_case(rec_app, session, case, "left", staff=None, on=date(2024, 4, 2))
        reenter_case(rec_app, session, case, on=date(2024, 9, 1), staff=staff)
        case_id = case.id
    events = _events("case_stage_changed")
    assert [(e["old_stage"], e["new_stage"], e["stage"]) for e in events] == [
        (None, "identified", "identified"),
        ("identified", "engaged", "engaged"),
        ("engaged", "left", "left"),
        ("left", "identified", "identified"),
    ]
    assert [e["last_move"] for e in events] == [
        (None, "identified"),
        ("identified", "engaged"),
        ("engaged", "left"),
        ("left", "identified"),
    ]
    assert [e["staff"].id if e["staff"] else None for e in events] == [staff_id, staff_id, None, staff_id]
    assert all(e["id"] == case_id and e["in_transaction"] and e["persistent"] for e in events)


# Each event, triggered the ordinary way.
def _trigger(app: App, session: Any, hook: str) -> None:
    if hook == "contact_logged":
        log_contact(app, session, CONTACT)
    elif hook == "activity_logged":
        log_activity(
            app, session, {"centre": "bxl", "starts_at": "2024-03-12T14:00", "audience": "general", "participants": 9}
        )
    elif hook == "referral_status_changed":
        issue_referral(app, session, _centre_id(session))
    else:
        open_case(app, session, _centre_id(session), "neet", consent_on=date(2024, 3, 1))


def _centre_id(session: Any) -> int:
    from tremplin.core.models import Centre

    return session.scalar(select(Centre.id))


def _counts(app: App) -> dict[str, int]:
    with app.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Contact, Activity, Referral, Case, CaseStageEvent, CounterValue)
        } | {
            "test_audit": session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("test.%"))
            )
        }


EVENT_HOOKS = ["contact_logged", "activity_logged", "referral_status_changed", "case_stage_changed"]


@pytest.mark.parametrize("hook", EVENT_HOOKS)
def test_event_handler_writes_commit_with_the_record(rec_app: App, rec_centre: int, hook: str) -> None:
    rec.BEHAVIOUR["write"] = {hook}
    before = _counts(rec_app)
    with rec_app.transaction() as session:
        _trigger(rec_app, session, hook)
    after = _counts(rec_app)
    assert after["test_audit"] == before["test_audit"] + 1
    (event,) = _events(hook)
    with rec_app.session() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == f"test.{hook}")).one()
    assert audit.object_id == str(event["id"])
    changed = {k for k in after if after[k] != before[k]}
    assert len(changed) >= 2, changed  # the record and the handler's write


@pytest.mark.parametrize("hook", EVENT_HOOKS)
def test_event_handler_exception_rolls_everything_back(rec_app: App, rec_centre: int, hook: str) -> None:
    rec.BEHAVIOUR["fail"] = {hook}
    before = _counts(rec_app)
    with pytest.raises(rec.HandlerFailed, match=f"{hook} handler failed on purpose"):
        with rec_app.transaction() as session:
            _trigger(rec_app, session, hook)
    assert len(_events(hook)) == 1  # it did run, with the record flushed
    assert _counts(rec_app) == before  # record, roll-up, audit trail and the handler's write: all gone
