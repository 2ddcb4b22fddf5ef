"""The Formtruck's tours: the coordinator plans stops; the adviser's phone opens on today's stop."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from tests.web.conftest import Web, csrf_of, web  # noqa: F401  (the web fixture)
from tremplin.core.models import Contact, Site, Staff
from tremplin.plugins.formtruck.models import FormtruckStop
from tremplin.plugins.formtruck.tours import PlannedStop, current, site_code_for

FIELD = "/field/formtruck.contact"


def plan(client, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/formtruck/tours")
    assert page.status_code == 200
    return client.post("/formtruck/tours", data={"csrf_token": csrf_of(page.text), **fields})


def today_in_brussels() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def test_the_coordinator_plans_a_tour_and_the_phone_opens_on_today(web: Web) -> None:
    coordinator = web.client("formtruck_coordinator")
    today = today_in_brussels()
    answer = plan(
        coordinator,
        new_stop="Place Flagey",
        commune="ixelles",
        place="Près de la fontaine",
        day=today.isoformat(),
        starts="00:00",
        ends="23:59",
    )
    assert answer.status_code == 303, answer.text[:2000]
    assert (
        plan(
            coordinator,
            site="truck-flagey",
            commune="ixelles",
            day=(today + timedelta(days=7)).isoformat(),
            starts="10:00",
            ends="16:00",
        ).status_code
        == 303
    )
    tours = coordinator.get("/formtruck/tours").text
    assert tours.count("data-stop=") == 2 and "Près de la fontaine" in tours
    assert "La commune où le camion stationne aujourd" in tours, "the commune field says what it means"
    with web.app.session() as session:
        site = session.scalar(select(Site).where(Site.code == "truck-place-flagey"))
        assert site is not None and site.kind == "formtruck_stop" and site.name == "Place Flagey"

    # The adviser's phone: the stop is chosen, the commune and place too; one line says where.
    truck = web.client("formtruck_adviser")
    page = truck.get(FIELD).text
    assert 'id="stop-summary"' in page and "Près de la fontaine, Ixelles · 00:00–23:59" in page
    assert re.search(r'<option value="truck-place-flagey" selected>', page)
    assert re.search(r'<option value="ixelles" selected>', page)
    assert 'value="Près de la fontaine"' in page
    assert '<details class="setup" id="setup">' in page, "the setup is folded: nothing to scroll past"

    # A tally sent from there carries the stop and its commune: the per-stop figure counts it.
    token = truck.get("/field/state?form=formtruck.contact").json()["csrf"]
    entry = {
        "key": str(uuid.uuid4()),
        "at": datetime.now(UTC).isoformat(),
        "form": "formtruck.contact",
        "values": {
            "site": "truck-place-flagey",
            "attr.commune": "ixelles",
            "attr.place": "Près de la fontaine",
            "language": "fr",
            "theme": "work",
        },
    }
    result = truck.post("/field/sync", json={"entries": [entry]}, headers={"x-csrf-token": token}).json()
    assert result["results"][0]["status"] == "accepted"
    with web.app.session() as session:
        stored = session.scalar(select(Contact).where(Contact.audience == "formtruck"))
        assert stored is not None and stored.site_id == site.id and stored.attributes["commune"] == "ixelles"
    stops_page = truck.get("/formtruck").text
    assert 'data-code="truck-place-flagey"' in stops_page


def test_planning_refuses_what_is_wrong_in_the_users_language(web: Web) -> None:
    coordinator = web.client("formtruck_coordinator")
    yesterday = (today_in_brussels() - timedelta(days=1)).isoformat()
    answer = plan(coordinator, commune="atlantis", day=yesterday, starts="16:00", ends="10:00")
    assert answer.status_code == 422
    for message in (
        "Choisissez un arrêt ou nommez-en un nouveau.",
        "Choisissez la commune.",
        "Indiquez une date à partir d'aujourd'hui.",
        "la fin vient après le début.",
    ):
        assert message in answer.text.replace("\u202f", " ").replace("&#39;", "'"), message
    with web.app.session() as session:
        assert session.scalar(select(FormtruckStop.id)) is None, "nothing is half-written"


def test_only_the_coordinator_plans_and_removes(web: Web) -> None:
    assert web.client("formtruck_adviser").get("/formtruck/tours").status_code == 403
    assert web.client("neet_worker").get("/formtruck/tours").status_code == 403
    coordinator = web.client("formtruck_coordinator")
    day = (today_in_brussels() + timedelta(days=3)).isoformat()
    planned = plan(coordinator, site="truck-flagey", commune="ixelles", day=day, starts="10:00", ends="12:00")
    assert planned.status_code == 303
    with web.app.session() as session:
        stop_id = session.scalar(select(FormtruckStop.id))
    page = coordinator.get("/formtruck/tours")
    gone = coordinator.post(f"/formtruck/tours/{stop_id}/remove", data={"csrf_token": csrf_of(page.text)})
    assert gone.status_code == 303
    again = coordinator.post(f"/formtruck/tours/{stop_id}/remove", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 404
    with web.app.session() as session:
        assert session.get(FormtruckStop, stop_id) is None


def test_hook_field_defaults(web: Web) -> None:
    """The hook answers for the Formtruck's field form only, with today's stop of the account's centre."""
    from tremplin.core.web.common import local_today

    app = web.app
    with app.transaction() as session:
        site = session.scalar(select(Site).where(Site.code == "truck-flagey"))
        today = local_today(app, session, web.centre_id)
        session.add(
            FormtruckStop(
                centre_id=web.centre_id,
                site_id=site.id,
                day=today,
                starts=time(0, 0),
                ends=time(23, 59),
                commune="ixelles",
                place="",
            )
        )
    with app.session() as session:
        adviser = session.get(Staff, web.staff["formtruck_adviser"])
        truck_form = app.registry.forms["formtruck.contact"]

        def answers_for(form, day):  # type: ignore[no-untyped-def]
            found = app.pm.hook.field_defaults(app=app, session=session, staff=adviser, form=form, day=day)
            return [a for a in found if a]

        answers = answers_for(truck_form, today)
        assert answers == [
            {
                "site": "truck-flagey",
                "attr.commune": "ixelles",
                "attr.place": "",
                "summary": "Truck Flagey, Ixelles · 00:00–23:59",
            }
        ]
        neet_form = app.registry.forms["neet.awareness"]
        assert not answers_for(neet_form, today)
        tomorrow = today + timedelta(days=1)
        assert not answers_for(truck_form, tomorrow)


def test_the_stop_under_way_then_the_next() -> None:
    day = date(2026, 5, 5)
    morning = PlannedStop(1, day, time(9), time(12), "a", "A", "ixelles", "")
    afternoon = PlannedStop(2, day, time(13), time(17), "b", "B", "uccle", "")
    assert current([morning, afternoon], time(10)) is morning
    assert current([morning, afternoon], time(12, 30)) is afternoon
    assert current([morning, afternoon], time(18)) is afternoon
    assert current([], time(10)) is None
    assert site_code_for("Gare du Nord – côté Nord") == "truck-gare-du-nord-cote-nord"


def test_the_2019_demo_shows_the_919_users_by_stop_and_by_commune(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The demo plans the truck's tour and its tallies carry each day's stop and commune."""
    from argon2 import PasswordHasher

    from tests.conftest import make_app
    from tests.core.plugin_kit import CORE_ONLY
    from tremplin.core import demo, rollup

    hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr("tremplin.core.admin.hash_password", hasher.hash)
    app = make_app(db_url, plugins=CORE_ONLY + ["tremplin.plugins.formtruck"])
    try:
        demo.generate(app, year=2019, scale=1.0, seed=3)
        with app.session() as session:
            start, end = date(2019, 1, 1), date(2019, 12, 31)
            total = rollup.read(session, ["formtruck.users"], start, end)
            by_stop = rollup.read(session, ["formtruck.users"], start, end, dim="formtruck.stop")
            by_commune = rollup.read(session, ["formtruck.users"], start, end, dim="formtruck.commune")
            people = sum(total.values())
            assert abs(people - 919) < 919 * 0.05, people  # the 2019 report's figure, as the demo draws it
            assert sum(by_stop.values()) == sum(by_commune.values()) == people
            assert len(by_stop) == 5 and len(by_commune) == 5, (by_stop, by_commune)
            # Every day the truck logged people, a stop was planned there, in the commune its tallies carry.
            tour = {(s.day, s.site_id): s.commune for s in session.scalars(select(FormtruckStop))}
            logged = {
                (c.day, c.site_id, c.attributes["commune"])
                for c in session.scalars(select(Contact).where(Contact.audience == "formtruck"))
            }
            assert logged and all(tour.get((day, site)) == commune for day, site, commune in logged)
    finally:
        app.close()
