"""The Formtruck's flows under Prefect, through loopback SMTP: the week's tour plan reaches each adviser
in their language and only once; after each planned stop, one line of its contacts, once, and not
before the stop is over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.core.plugin_kit import contact
from tests.core.test_mail import Inbox, free_port
from tremplin.core.app import App
from tremplin.core.models import AuditEvent, OutboxMessage, Site, Staff

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

#: A week to come: Monday 14 to Sunday 20 December 2026 (planning is open to future days).
WEEK_DAY = date(2026, 12, 16)
#: A stop already held: the rules refuse a contact dated after the real today.
HELD = date(2026, 12, 4)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    for name, value in {"HOST": "127.0.0.1", "PORT": str(controller.port), "SECURITY": "none"}.items():
        monkeypatch.setenv(f"TREMPLIN_SMTP_{name}", value)
    yield inbox
    controller.stop()


def plan(app: App, centre: int, day: date, starts: str, ends: str, site: str = "truck-flagey", **where: str) -> int:
    from tremplin.plugins.formtruck.tours import plan_stop

    with app.transaction() as session:
        found = session.scalar(select(Site).where(Site.centre_id == centre, Site.code == site))
        assert found is not None
        stop = plan_stop(
            session,
            centre,
            found,
            day,
            time.fromisoformat(starts),
            time.fromisoformat(ends),
            where.get("commune", "ixelles"),
            where.get("place", "Près de la fontaine"),
        )
        return stop.id


def body(message: object) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]


def test_the_weeks_tour_plan_reaches_each_adviser_once_in_their_language(
    prefect_harness: None, app: App, centre: int, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.plugins.formtruck.flows import tour_plan

    plan(app, centre, date(2026, 12, 17), "14:00", "17:30", commune="anderlecht", place="Place de la Vaillance")
    plan(app, centre, date(2026, 12, 14), "10:00", "13:00")
    plan(app, centre, date(2026, 12, 21), "10:00", "13:00", place="La semaine d'après")
    with app.transaction() as session:
        # An adviser whose account's username is the address reads Dutch; the team's box, the centre's French.
        session.add(Staff(username="Ana@CDM.example", language="nl", roles=["formtruck_adviser"], centre_id=centre))
    monkeypatch.setenv("TREMPLIN_FORMTRUCK_TOURS_RECIPIENTS", "ana@cdm.example, truck@cdm.example")

    first = tour_plan(day=WEEK_DAY.isoformat(), database_url=app.db.url)
    again = tour_plan(day=WEEK_DAY.isoformat(), database_url=app.db.url)
    assert (first["weeks"], first["stops"], first["new_messages"], first["sent"]) == (["2026-W51"], 2, 2, 2)
    assert (again["new_messages"], again["sent"]) == (0, 0), "a repeated run sends nothing twice"

    mails = {m["To"]: m for m in smtp.messages}
    assert sorted(mails) == ["ana@cdm.example", "truck@cdm.example"] and len(smtp.messages) == 2
    french, dutch = body(mails["truck@cdm.example"]), body(mails["ana@cdm.example"])
    assert mails["truck@cdm.example"]["Subject"] == "Tournée du Formtruck, semaine du lundi 14 décembre 2026"
    # In day order, whatever order they were planned in; the next week's stop is not this week's.
    assert french.index("- lundi 14 décembre · 10:00–13:00 · Près de la fontaine, Ixelles") < french.index(
        "- jeudi 17 décembre · 14:00–17:30 · Place de la Vaillance, Anderlecht"
    )
    assert "La semaine d'après" not in french
    assert mails["ana@cdm.example"]["Subject"].startswith("Ronde van de Formtruck")
    assert "- maandag 14 december · 10:00–13:00 · Près de la fontaine, Elsene" in dutch
    with app.session() as session:
        keys = sorted(session.scalars(select(OutboxMessage.key)))
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "formtruck.tour_plan")).all()
    assert keys == [
        "formtruck.tour:bxl:2026-W51:ana@cdm.example",
        "formtruck.tour:bxl:2026-W51:truck@cdm.example",
    ]
    assert [e.details["new_messages"] for e in events] == [2, 0]


def test_a_week_without_stops_sends_nothing(prefect_harness: None, app: App, centre: int, smtp: Inbox) -> None:
    from tremplin.plugins.formtruck.flows import tour_plan

    plan(app, centre, date(2026, 12, 21), "10:00", "13:00")
    result = tour_plan(day=WEEK_DAY.isoformat(), database_url=app.db.url)
    assert (result["stops"], result["new_messages"]) == (0, 0) and smtp.messages == []


def test_after_each_stop_one_line_of_its_contacts_once(
    prefect_harness: None, app: App, centre: int, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.plugins.formtruck.flows import ended_stops, stops_digest

    morning = plan(app, centre, HELD, "10:00", "12:00")
    plan(app, centre, HELD, "14:00", "16:00", site="advice", commune="forest", place="Gare du Midi")
    with app.transaction() as session:
        for people, commune, themes in [(3, "ixelles", ["work"]), (2, "bruxelles", ["learn", "work"])]:
            contact(
                app,
                session,
                "formtruck",
                f"{HELD.isoformat()}T10:30",
                {"commune": commune},
                modality="individual_advice",
                channel="field",
                headcount=people,
                themes=themes,
                language="fr",
                site="truck-flagey",
            )
    brussels = ZoneInfo("Europe/Brussels")
    with app.session() as session:
        # At half past noon the morning stop is over, the afternoon's not yet.
        noon = datetime.combine(HELD, time(12, 30), brussels)
        assert [stop.id for stop in ended_stops(app, session, now=noon)] == [morning]
        assert len(ended_stops(app, session, now=datetime.combine(HELD, time(16, 0), brussels))) == 2
        assert ended_stops(app, session, day=HELD, now=datetime.combine(HELD, time(9), brussels) - timedelta(1)) == []

    monkeypatch.setenv("TREMPLIN_FORMTRUCK_STOPS_RECIPIENTS", "truck@cdm.example")
    first = stops_digest(day=HELD.isoformat(), database_url=app.db.url)
    again = stops_digest(day=HELD.isoformat(), database_url=app.db.url)
    assert (first["stops"], first["new_messages"], again["new_messages"]) == (2, 2, 0)
    assert len(smtp.messages) == 2
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects == [
        "Arrêt du Formtruck: Gare du Midi, Forest, 14:00–16:00 : 2026-12-04",
        "Arrêt du Formtruck: Près de la fontaine, Ixelles, 10:00–12:00 : 2026-12-04",
    ]
    flagey = next(m for m in smtp.messages if "Ixelles" in m["Subject"])
    assert "Truck Flagey: 5 · Ixelles, Bruxelles · Travailler, Se former" in body(flagey)
    midi = next(m for m in smtp.messages if "Forest" in m["Subject"])
    assert "aucun contact enregistré" in body(midi), "a stop where nobody was met says so"
