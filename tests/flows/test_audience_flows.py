"""Each audience's flows, registered by its plugin: the neet team's weekly digest, the prisons' and
disability's monthly summaries for partner institutions (disclosure control: their counts are small),
the Ukrainian desk's weekly summary, the Formtruck's line per stop. The digests are built as plain
functions (no Prefect), in the centre's language (French by default), then two are sent under Prefect
through loopback SMTP, twice: sent once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tests.core.plugin_kit import contact
from tests.core.test_mail import Inbox, free_port
from tremplin.core.app import App
from tremplin.core.models import AuditEvent, OutboxMessage

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

#: Tuesday 8 December 2026: "last week" is 30 November to 6 December, "last month" is November.
TODAY = date(2026, 12, 8)
#: The Formtruck stop's day: a Friday already past, as the rules refuse a record dated after the real today.
STOP_DAY = date(2026, 12, 4)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    for name, value in {"HOST": "127.0.0.1", "PORT": str(controller.port), "SECURITY": "none"}.items():
        monkeypatch.setenv(f"TREMPLIN_SMTP_{name}", value)
    yield inbox
    controller.stop()


def build(app: App, fn: Any, today: date = TODAY) -> Any:
    with app.session() as session:
        return fn(app, session, today)


def test_every_audience_registers_its_flows(app: App) -> None:
    from tremplin.flows.runner import collect

    flows = {item.name: item for item in collect(app)}
    expected = {
        "neet-weekly-digest": "neet",
        "prisons-monthly-summary": "prisons",
        "disability-monthly-summary": "disability",
        "ukrainian-weekly-summary": "ukrainian",
        "formtruck-stops-digest": "formtruck",
        "formtruck-tour-plan": "formtruck",
        "schools-reminders": "schools",
    }
    for name, audience in expected.items():
        assert flows[name].audience == audience and flows[name].plugin == f"tremplin.plugins.{audience}", name
        assert not flows[name].when.on_demand


def test_prisons_summary_hides_small_counts(app: App, centre: int) -> None:
    from tremplin.flows.digest import render_lines
    from tremplin.plugins.prisons.flows import build_monthly_summary

    with app.transaction() as session:
        for prison, kind, people, day in [
            ("haren", "group", 12, "2026-11-04"),
            ("saint_gilles", "individual", 3, "2026-11-10"),
            ("forest", "group", 9, "2026-10-28"),
        ]:
            contact(
                app,
                session,
                "prisons",
                f"{day}T10:00",
                {"prison": prison, "session": kind},
                modality="group_activity",
                channel="field",
                headcount=people,
                themes=["work"],
                language="fr",
            )
    digest = build(app, build_monthly_summary)
    assert digest.period == "2026-11" and digest.published
    assert digest.tables[0].counts == {"Haren": 12, "Saint-Gilles": 3}, "October's session is not November's"
    assert digest.tables[2].counts == {"Haren": 1, "Saint-Gilles": 1}, "sessions held, whoever attended"
    lines = render_lines(digest, threshold=5)
    # Saint-Gilles' 3 is hidden, and Haren too, or the total would give it away.
    assert "  Saint-Gilles: <5" in lines and "  Haren: x" in lines and "  Total: 15" in lines
    assert not any(line.endswith(": 3") or line.endswith(": 12") for line in lines)


def test_disability_and_ukrainian_and_formtruck_digests(app: App, centre: int) -> None:
    from tremplin.flows.digest import render_lines
    from tremplin.plugins.disability.flows import build_monthly_summary
    from tremplin.plugins.formtruck.flows import stop_lines
    from tremplin.plugins.ukrainian.flows import build_weekly_summary

    with app.transaction() as session:
        for public, people in [("target", 7), ("professional", 6)]:
            contact(
                app,
                session,
                "disability",
                "2026-11-20T14:00",
                {"public": public, "event": "transition_fair"},
                modality="individual_advice",
                channel="walk_in",
                headcount=people,
                themes=["work"],
                language="fr",
            )
        for channel, questions in [("telegram", ["work_permit", "job_search"]), ("walk_in", ["work_permit"])]:
            contact(
                app,
                session,
                "ukrainian",
                "2026-12-02T11:00",
                {"service_language": "uk", "questions": questions},
                modality="individual_advice",
                channel=channel,
                themes=["work"],
                language="uk",
            )
        contact(
            app,
            session,
            "formtruck",
            f"{STOP_DAY.isoformat()}T10:00",
            {"commune": "anderlecht"},
            modality="individual_advice",
            channel="field",
            headcount=4,
            themes=["learn", "work"],
            language="fr",
            site="advice",
        )
    disability = render_lines(build(app, build_monthly_summary), threshold=5)
    assert "  Personne en situation de handicap: 7" in disability and "  Salon de la transition: 13" in disability

    ukrainian = build(app, build_weekly_summary)
    assert ukrainian.period == "2026-W49"
    assert ukrainian.tables[1].counts == {"Permis de travail": 2, "Recherche d'emploi": 1}
    assert sum(ukrainian.tables[0].counts.values()) == 2

    with app.session() as session:
        [line] = stop_lines(app, session, STOP_DAY)
    assert line.startswith("Advice: 4 · Anderlecht · ")


def test_neet_digest_and_prisons_summary_are_sent_once(
    prefect_harness: None, app: App, centre: int, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.core.records import move_case, open_case
    from tremplin.plugins.neet.flows import weekly_digest
    from tremplin.plugins.prisons.flows import monthly_summary

    monkeypatch.setenv("TREMPLIN_NEET_WEEKLY_RECIPIENTS", "touchngo@cdm.example")
    monkeypatch.setenv("TREMPLIN_PRISONS_MONTHLY_RECIPIENTS", "reintegration@prison.example")
    with app.transaction() as session:
        for place, partner in [("street", "amo"), ("street", "none"), ("youth_centre", "youth_centre")]:
            contact(
                app,
                session,
                "neet",
                "2026-12-01T16:00",
                {"place": place, "partner": partner},
                modality="field_awareness",
                channel="field",
                headcount=2,
                themes=["work"],
                language="fr",
            )
        case = open_case(app, session, centre, "neet", consent_on=date(2026, 12, 2))
        move_case(app, session, case, "engaged", on=date(2026, 12, 3))
        contact(
            app,
            session,
            "prisons",
            "2026-11-04T10:00",
            {"prison": "haren", "session": "group"},
            modality="group_activity",
            channel="field",
            headcount=2,
            themes=["work"],
            language="fr",
        )

    first = weekly_digest(day=TODAY.isoformat(), database_url=app.db.url)
    again = weekly_digest(day=TODAY.isoformat(), database_url=app.db.url)
    assert (first["new_messages"], again["new_messages"]) == (1, 0)
    assert "  Rue: 4" in first["lines"] and "Nouveaux dossiers: 1" in first["lines"]
    assert monthly_summary(day=TODAY.isoformat(), database_url=app.db.url)["new_messages"] == 1
    assert monthly_summary(day=TODAY.isoformat(), database_url=app.db.url)["new_messages"] == 0

    assert sorted(m["To"] for m in smtp.messages) == ["reintegration@prison.example", "touchngo@cdm.example"]
    prisons = next(m for m in smtp.messages if m["To"] == "reintegration@prison.example")
    body = prisons.get_body(("plain",)).get_content()
    assert "Haren: <5" in body and "Total: <5" in body and ": 2" not in body
    with app.session() as session:
        keys = sorted(session.scalars(select(OutboxMessage.key)))
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "digest.sent")).all()
    assert keys == [
        "digest:neet-weekly:2026-W49:touchngo@cdm.example",
        "digest:prisons-monthly:2026-11:reintegration@prison.example",
    ]
    assert [e.details["new_messages"] for e in events] == [1, 0, 1, 0]


def test_by_code_names_the_form_choice_a_contact_holds() -> None:
    from types import SimpleNamespace

    from tremplin.flows.digest import by_code
    from tremplin.plugins.prisons import PRISONS

    label = by_code("prison", PRISONS, "nl")
    assert label(SimpleNamespace(attributes={"prison": "forest"})) == "Vorst"
    assert label(SimpleNamespace(attributes={"prison": "elsewhere"})) is None
    assert label(SimpleNamespace(attributes=None)) is None
