"""The demo year: every audience filled, figures of the right order, deterministic, rolled up exactly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import full_registry
from tremplin.core import demo
from tremplin.core.app import App
from tremplin.core.forms import FormError, validate_attributes
from tremplin.core.queries import counter_figures

YEAR = 2019
SCALE = 0.1


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2 hashes, with the lightest parameters: the demo's seven accounts hash in no time."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr("tremplin.core.admin.hash_password", hasher.hash)


def figures(app: App, year: int = YEAR) -> dict[str, int]:
    with app.session() as session:
        return counter_figures(app, session, year=year)


def close_to(actual: int, expected: float, share: float, floor: float = 3) -> bool:
    return abs(actual - expected) <= max(expected * share, floor)


def fits_a_form(app: App, audience: str, record: str, row: Any) -> bool:
    """Whether one of the audience's forms could have produced the row (fixed values, strict attributes)."""
    for form in app.registry.forms_of(audience, record):
        if any(getattr(row, name) != value for name, value in form.fixed.items()):
            continue
        if any(getattr(row, name) not in choices for name, choices in form.core_choices.items()):
            continue
        try:
            validate_attributes(form.fields, row.attributes, form.model)
        except FormError:
            continue
        return True
    return False


def test_a_demo_year_fills_every_audience_with_plausible_figures(app: App) -> None:
    from tremplin.core.admin import verify_password
    from tremplin.core.models import (
        Activity,
        Case,
        CaseStageEvent,
        Centre,
        ClosurePeriod,
        Contact,
        Partner,
        Referral,
        Site,
        Staff,
    )
    from tremplin.core.rollup import rebuild, snapshot

    summary = demo.generate(app, year=YEAR, scale=SCALE, seed=11)
    figs = figures(app)

    # Every audience's counters have something in them, but what only the bot writes (its satisfaction
    # answers, its referral codes, its threads, the weekly challenge's subscriptions): the demo year has no
    # bot conversations.
    bot_only = (
        "bot_satisfaction",
        "bot_satisfied",
        "bot_referrals",
        "bot_threads_opened",
        "challenge_subscribed",
        "challenge_ended",
    )
    for key, counter in app.registry.counters.items():
        if counter.audience is not None and not key.endswith(bot_only):
            assert figs[key] > 0, key
    assert figs["contacts.total"] > 0 and figs["events.contacts"] > 0

    # The key figures are of the order of the scaled 2019 report.
    expected = demo.expected_figures(app, SCALE)
    loose = {
        "schools.visits",
        "prisons.reached",
        "disability.reached",
        "events.contacts",
        "neet.awareness",
        "neet.reached",
    }
    for key, value in expected.items():
        share = 0.25 if key in loose else 0.08
        assert close_to(figs[key], value, share), (key, figs[key], value)
    assert figs["individual_advice.contacts"] < figs["contacts.total"] / 2
    assert 0 < figs["group_activities.online"] < figs["group_activities.face_to_face"] / 5
    assert 0 < figs["individual_advice.remote"] < figs["individual_advice.contacts"] / 10
    assert figs["ukrainian.telegram"] > 0 and figs["schools.at_school"] > 0 and figs["prisons.group_sessions"] > 0
    assert summary.written["contacts"] == figs["contacts.records"]
    assert summary.written["activities"] == figs["group_activities.count"]

    # The live roll-up is exactly what a rebuild from the rows gives.
    with app.db.engine.begin() as conn:
        before = snapshot(conn)
        rebuild(app, conn)
        assert snapshot(conn) == before

    with app.session() as session:
        centre = session.scalar(select(Centre).where(Centre.code == "bxl"))
        assert centre is not None and centre.timezone == "Europe/Brussels"
        kinds = {s.kind for s in session.scalars(select(Site))}
        assert {"reception", "multimedia", "advice", "group_room", "formtruck_stop", "online"} <= kinds
        assert {p.name for p in session.scalars(select(Partner))} >= {"Actiris", "Bruxelles Formation", "VDAB Brussel"}

        # One account per role: username = role, password tremplin-demo-<role>, the role's default audiences.
        accounts = {s.username: s for s in session.scalars(select(Staff))}
        assert set(accounts) == set(full_registry().roles)
        for role, account in accounts.items():
            assert account.roles == [role]
            assert account.audiences == sorted(full_registry().default_audiences([role]))
            assert account.password_hash.startswith("$argon2")
        assert verify_password(accounts["admin"].password_hash, "tremplin-demo-admin")
        assert verify_password(accounts["neet_worker"].password_hash, "tremplin-demo-neet_worker")
        assert ("admin", "tremplin-demo-admin", "Administrator") in summary.logins
        text = summary.describe()
        assert "tremplin-demo-counsellor" in text and "formtruck_adviser" in text

        # Cases opened with consent and moved along their workflow, with their history.
        cases = session.scalars(select(Case)).all()
        assert {c.audience for c in cases} == {"neet", "prisons"}
        assert all(c.consent_on <= c.entered_on for c in cases)
        events = session.scalars(select(CaseStageEvent)).all()
        assert len(events) > len(cases)  # the openings, and moves
        assert any(c.stage not in ("identified", "intake") for c in cases)
        assert {r.status for r in session.scalars(select(Referral))} >= {"issued", "received", "completed", "expired"}
        closure = session.scalars(select(ClosurePeriod)).one()
        assert closure.scope == "all" and closure.starts_on.month == 12

        contacts = session.scalars(select(Contact)).all()
        activities = session.scalars(select(Activity)).all()

    # Weekdays only, never on a holiday or during the closure; Thursday's late opening.
    holidays = demo.public_holidays(YEAR)
    for row_day in {c.day for c in contacts} | {a.day for a in activities}:
        assert row_day.weekday() < 5 and row_day not in holidays
        assert not closure.starts_on <= row_day <= closure.ends_on
    tz = demo.TZ
    late = [
        c
        for c in contacts
        if c.modality == "individual_advice" and c.channel == "walk_in" and c.occurred_at.astimezone(tz).hour >= 17
    ]
    assert late and all(c.day.weekday() == 3 for c in late)

    # Summer is quieter than the autumn.
    def per_day(months: tuple[int, ...]) -> float:
        days = [d for d in demo.Calendar(YEAR).open_days if d.month in months]
        return sum(c.headcount for c in contacts if c.day.month in months) / len(days)

    assert per_day((7, 8)) < 0.8 * per_day((9, 10))

    # Every record could have been entered on its audience's form; notes hold nothing identifying.
    for c in contacts:
        assert fits_a_form(app, c.audience, "contact", c), (c.audience, c.modality, c.attributes)
    for a in activities:
        assert fits_a_form(app, a.audience, "activity", a), (a.audience, a.workshop, a.attributes)
    notes = [c.note for c in contacts if c.note]
    assert notes
    for note in notes:
        assert "@" not in note
        assert not app.scrub(note).changed, note

    # A profile mix of the centre's public: men slightly more, French first, learning the first theme.
    from tremplin.core import rollup

    with app.session() as session:
        by = lambda dim: {
            v: n
            for (_, v), n in rollup.read(
                session, ["individual_advice.contacts"], date(YEAR, 1, 1), date(YEAR, 12, 31), dim=dim
            ).items()
        }  # noqa: E731
        gender, language = by("gender"), by("language")
        themes = by("theme")
    assert 0.49 < gender["man"] / (gender["man"] + gender["woman"]) < 0.58
    assert max(language, key=language.get) == "fr"
    assert {"fr", "nl", "en", "uk", "other"} <= set(language)
    assert max(themes, key=themes.get) == "learn"


def test_the_same_seed_gives_the_same_counters(app: App) -> None:
    """Twice the same demo (the current year, which stops today): the same counters, nothing doubled."""
    from tremplin.core.models import Activity, Contact

    year = date.today().year
    first = demo.generate(app, year=year, scale=0.02, seed=5)
    once = figures(app, year)
    second = demo.generate(app, year=year, scale=0.02, seed=5, reset=True)
    assert figures(app, year) == once
    assert first.written == second.written
    with app.session() as session:
        assert len(session.scalars(select(Contact.id)).all()) == second.written["contacts"]
        days = [*session.scalars(select(Contact.day)), *session.scalars(select(Activity.day))]
    assert days and max(days) <= max(date.today(), date(year, 1, 31))
    assert once["ukrainian.contacts"] > 0 and once["cases.opened"] > 0


def context(seed: int, year: int = YEAR, scale: float = SCALE) -> demo.DemoContext:
    """A context without a database: enough for the shares that write no case or referral."""
    staff = {role: i for i, role in enumerate(full_registry().roles, start=1)}
    calendar = demo.Calendar(year)
    return demo.DemoContext(None, year, scale, seed, calendar, 1, staff, {}, date(year, 12, 31))  # type: ignore[arg-type]


def without_referrals(share: demo.DemoShare) -> demo.DemoShare:
    """The share as drawn without a database: its referrals (which need one) left out."""
    from dataclasses import replace

    def records(ctx: demo.DemoContext) -> Any:
        ctx.issue_referrals = lambda *args, **kwargs: 0  # type: ignore[method-assign]
        return share.records(ctx)

    return replace(share, records=records)


def test_records_depend_on_the_seed_only() -> None:
    from tremplin.core.builtins.general_demo import share as general
    from tremplin.plugins.formtruck.demo import share as formtruck
    from tremplin.plugins.schools.demo import share as schools

    def draw(seed: int, *shares: demo.DemoShare) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        contacts, activities = demo.draw_records(context(seed), shares)
        return [(r.form, r.raw, r.attrs) for r in contacts + activities]

    walk_in = without_referrals(general())
    assert draw(1, walk_in) == draw(1, walk_in)
    assert draw(1, walk_in) != draw(2, walk_in)
    # A share draws from its own streams: the others present or not, its records are the same.
    together = draw(1, walk_in, schools(), formtruck())
    assert [r for r in together if r[0].startswith("general.")] == draw(1, walk_in)
    assert [r for r in together if r[0].startswith("schools.")] == draw(1, schools())


def test_the_calendar_knows_the_belgian_year() -> None:
    assert demo.easter(2019) == date(2019, 4, 21)
    assert demo.easter(2024) == date(2024, 3, 31)
    cal = demo.Calendar(2019)
    assert date(2019, 4, 22) in cal.holidays and date(2019, 5, 30) in cal.holidays and date(2019, 6, 10) in cal.holidays
    assert (
        not cal.is_open(date(2019, 7, 21)) and not cal.is_open(date(2019, 12, 27)) and not cal.is_open(date(2019, 3, 9))
    )
    assert cal.is_open(date(2019, 3, 7)) and not cal.is_school_day(date(2019, 7, 10))
    rng = demo.stream(1, "test")
    thursday = [cal.moment(rng, date(2019, 3, 7)) for _ in range(300)]
    assert all(9 <= m.hour < 19 for m in thursday) and any(m.hour >= 17 for m in thursday)
    assert all(9 <= cal.moment(rng, date(2019, 3, 6)).hour < 17 for _ in range(300))


def test_demo_notes_pass_the_scrubbers_unchanged(app: App) -> None:
    notes = [note for share in demo.shares(app) for note in share.notes] + list(demo.REFERRAL_NOTES.values())
    assert len(notes) > 30
    for note in notes:
        assert not app.scrub(note).changed, note


def test_a_record_its_form_could_not_produce_is_refused(app: App) -> None:
    check = demo.FormCheck(app)
    when = datetime(2019, 3, 7, 10, tzinfo=demo.TZ)
    where = {"prison": "forest", "session": "group"}

    def session(attrs: dict[str, Any] = where, **values: Any) -> demo.Rec:
        return demo.contact("prisons.session", "prisons", when, None, attrs, **values)

    check(session(headcount=5, modality="group_activity", channel="field"))
    for bad in (
        session(headcount=5, modality="group_activity"),
        session({"prison": "forest"}, modality="group_activity", channel="field"),
        session(modality="multimedia", channel="field"),
        session(modality="group_activity", channel="field", site="advice"),
        demo.contact(
            "general.multimedia",
            "general",
            when,
            None,
            {},
            site="multimedia",
            headcount=3,
            modality="multimedia",
            channel="phone",
        ),
    ):
        with pytest.raises((ValueError, FormError)):
            check(bad)
