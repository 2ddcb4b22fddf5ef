"""The schools pages through HTTP: bad input answered clearly in the visitor's language with nothing
changed, the cancellation link, the coordinator's calendar, actions, export, outbox, and the API's schema."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.plugins.schools_kit import book, class_form, form_of, read_bookings, slot, workshop
from tests.web.conftest import Web, csrf_of, web  # noqa: F401  (the web fixture)
from tremplin.core.models import Activity, OutboxMessage
from tremplin.plugins.schools import booking as bk
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot


@pytest.fixture(autouse=True)
def no_time_trap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREMPLIN_SCHOOLS_MIN_FORM_SECONDS", "0")


def _count(web: Web) -> tuple[int, int]:
    with web.app.session() as session:
        return session.scalar(select(func.count(SchoolBooking.id))) or 0, session.scalar(
            select(func.count(OutboxMessage.id))
        ) or 0


def _errors(html: str) -> list[str]:
    return re.findall(r'<p class="error" id="[^"]+">([^<]+)</p>', html)


@pytest.mark.parametrize(
    ("lang", "values", "expected"),
    [
        ("fr", {"pupils": "40"}, "Ce créneau accueille au plus 25 élèves."),
        ("nl", {"pupils": "40"}, "Dit tijdslot biedt plaats aan hoogstens 25 leerlingen."),
        ("fr", {"school_year": "6"}, "Cet atelier n&#39;est pas proposé pour cette année scolaire."),
        ("uk", {"teacher_email": "benali@"}, "Введіть дійсну адресу електронної пошти"),
        ("en", {"teacher_email": "not an address"}, "Enter a valid e-mail address, such as name@school.be."),
    ],
)
def test_bad_input_is_answered_in_the_visitors_language_and_books_nothing(
    web: Web, lang: str, values: dict, expected: str
) -> None:
    sid = slot(web.app, web.centre_id, workshop(web.app, web.centre_id))
    client = web.anonymous(**{"accept-language": lang})
    form = form_of(client.get(f"/book/s/{sid}").text)
    answer = client.post(f"/book/s/{sid}", data={**form, **class_form(**values)})
    assert answer.status_code == 422
    assert any(expected in e for e in _errors(answer.text)), _errors(answer.text)
    assert 'value="k.benali@lycee-max.be"' in answer.text or "teacher_email" in values, "what was typed is kept"
    assert _count(web) == (0, 0)


def test_a_past_slot_a_deleted_slot_and_a_double_submission(web: Web) -> None:
    app = web.app
    wid = workshop(app, web.centre_id)
    sid = slot(app, web.centre_id, wid)
    client = web.anonymous()
    form = {**form_of(client.get(f"/book/s/{sid}").text), **class_form()}
    first = client.post(f"/book/s/{sid}", data=form)
    second = client.post(f"/book/s/{sid}", data=form)
    assert first.status_code == second.status_code == 303 and first.headers["location"] == second.headers["location"]
    assert _count(web)[0] == 1
    done = client.get(first.headers["location"])
    assert 'data-status="confirmed"' in done.text
    # The slot is removed while another teacher fills the form.
    other = slot(app, web.centre_id, wid, days=12)
    form = {**form_of(client.get(f"/book/s/{other}").text), **class_form()}
    with app.transaction() as session:
        bk.delete_slot(app, session, session.get(SchoolSlot, other))
    gone = client.post(f"/book/s/{other}", data=form)
    assert gone.status_code == 409 and "Ce créneau n&#39;existe plus" in gone.text
    # A slot whose time has come.
    with app.transaction() as session:
        s = session.get(SchoolSlot, sid)
        s.starts_at = s.starts_at - timedelta(days=20)
        s.day = s.day - timedelta(days=20)
    form = {**form_of(client.get(f"/book/s/{sid}").text), **class_form()}
    past = client.post(f"/book/s/{sid}", data=form)
    assert past.status_code == 422 and "Ce créneau est déjà passé" in past.text
    assert _count(web)[0] == 1


def test_bots_get_nowhere(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    sid = slot(web.app, web.centre_id, workshop(web.app, web.centre_id))
    client = web.anonymous()
    form = {**form_of(client.get(f"/book/s/{sid}").text), **class_form()}
    assert client.post(f"/book/s/{sid}", data={**form, "website": "http://spam.example"}).status_code == 400
    assert client.post(f"/book/s/{sid}", data={**form, "started": form["started"][:-3] + "xyz"}).status_code == 400
    monkeypatch.setenv("TREMPLIN_SCHOOLS_MIN_FORM_SECONDS", "30")
    quick = client.post(f"/book/s/{sid}", data=form)
    assert quick.status_code == 400 and "C&#39;était rapide" in quick.text
    assert _count(web) == (0, 0)


def test_the_cancellation_link_cancels_and_a_tampered_one_does_not(web: Web) -> None:
    app = web.app
    sid = slot(app, web.centre_id, workshop(app, web.centre_id))
    booking_id, _ = book(app, sid)
    waiting, _ = book(app, sid, pupils=10)
    with app.session() as session:
        token = bk.cancel_token(app, session.get(SchoolBooking, booking_id))
    client = web.anonymous(**{"accept-language": "nl"})
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token.replace(".", "x", 1), ""):
        page = client.get(f"/book/cancel?t={bad}")
        assert page.status_code == 400 and "Deze link is niet geldig" in page.text
    page = client.get(f"/book/cancel?t={token}")
    assert page.status_code == 200
    refused = client.post("/book/cancel", data={"csrf_token": csrf_of(page.text), "t": token[:-1]})
    assert refused.status_code == 400
    with app.session() as session:
        assert session.get(SchoolBooking, booking_id).status == "confirmed"
    done = client.post("/book/cancel", data={"csrf_token": csrf_of(page.text), "t": token})
    assert done.status_code == 200 and "Uw boeking is geannuleerd" in done.text
    again = client.post("/book/cancel", data={"csrf_token": csrf_of(page.text), "t": token})
    assert again.status_code == 409
    with app.session() as session:
        assert session.get(SchoolBooking, booking_id).status == "cancelled"
        assert session.get(SchoolBooking, waiting).status == "confirmed"


def test_the_public_calendar_shows_the_slots_that_fit(web: Web) -> None:
    app = web.app
    wid = workshop(app, web.centre_id)
    small = slot(app, web.centre_id, wid, days=8, pupils=15)
    large = slot(app, web.centre_id, wid, days=9, pupils=30)
    client = web.anonymous()
    month = (date.today() + timedelta(days=8)).isoformat()[:7]
    fits = client.get(f"/book/w/{wid}?pupils=20&year=3&language=fr&month={month}").text
    assert f'id="slot-{large}"' in fits and f'id="slot-{small}"' not in fits
    wrong_year = client.get(f"/book/w/{wid}?year=6&month={month}")
    assert (
        "Cet atelier n&#39;est pas proposé pour cette année scolaire." in wrong_year.text
        and 'class="slot' not in wrong_year.text
    )
    assert f'id="slot-{large}"' not in client.get(f"/book/w/{wid}?language=uk&month={month}").text
    assert "Explorama" in client.get("/book").text


def test_the_coordinator_confirms_moves_enters_pupils_and_exports(web: Web) -> None:
    app = web.app
    wid = workshop(app, web.centre_id)
    sid = slot(app, web.centre_id, wid, days=1)
    other = slot(app, web.centre_id, wid, days=8)
    requested, status = book(app, sid, needs_interpreter=True)
    assert status == "requested"
    coordinator = web.client("schools_coordinator")
    page = coordinator.get(f"/schools?day={(date.today() + timedelta(days=1)).isoformat()}")
    assert (
        page.status_code == 200 and "Demandes en attente" in page.text and f"/schools/bookings/{requested}" in page.text
    )
    detail = coordinator.get(f"/schools/bookings/{requested}")
    assert "c.dupont@ar-ixelles.be" in detail.text
    csrf = csrf_of(detail.text)
    assert coordinator.post(f"/schools/bookings/{requested}/confirm", data={"csrf_token": csrf}).status_code == 303
    assert (
        coordinator.post(
            f"/schools/bookings/{requested}/move", data={"csrf_token": csrf, "slot": str(other)}
        ).status_code
        == 303
    )
    coordinator.get(f"/schools/bookings/{requested}")  # the messages of the moves above, read
    early = coordinator.post(
        f"/schools/bookings/{requested}/attendance", data={"csrf_token": csrf, "as_booked": "1"}, follow_redirects=True
    )
    assert "une fois la visite commencée" in early.text, "the pupils who came are not entered before the visit"
    with app.transaction() as session:
        assert session.get(SchoolBooking, requested).pupils_came is None
        moved = session.get(SchoolSlot, other)  # the visit takes place (this morning)
        moved.starts_at = datetime.now(UTC) - timedelta(minutes=5)
    assert (
        coordinator.post(
            f"/schools/bookings/{requested}/attendance", data={"csrf_token": csrf, "as_booked": "1"}
        ).status_code
        == 303
    )
    with app.session() as session:
        b = session.get(SchoolBooking, requested)
        assert (b.status, b.slot_id, b.pupils_came, b.ics_sequence) == ("done", other, 20, 1)
        assert session.scalar(select(Activity.participants).where(Activity.id == b.activity_id)) == 20
    exported = coordinator.get(
        f"/schools/export?from={date.today().isoformat()}&to={(date.today() + timedelta(days=30)).isoformat()}"
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = read_bookings(exported)
    assert [(r["reference"], r["status"], r["pupils_came"], r["interpreter"]) for r in rows] == [
        (f"{requested:05d}", "Réalisé", "20", "Oui")
    ]
    assert "dupont" not in exported.text.lower() and "@" not in exported.text, "never the teacher's name or e-mail"
    xlsx = coordinator.get("/schools/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert web.client("counsellor").get("/schools").status_code == 403
    assert web.client("programme_lead").get("/schools").status_code == 200
    assert web.client("programme_lead").get("/schools/offer").status_code == 403


def test_the_coordinator_opens_the_offer(web: Web) -> None:
    coordinator = web.client("schools_coordinator")
    page = coordinator.get("/schools/offer")
    from tremplin.plugins.schools.models import SchoolHoliday

    with web.app.session() as session:
        copied = session.scalars(select(SchoolHoliday).where(SchoolHoliday.centre_id == web.centre_id)).all()
    import json
    from pathlib import Path

    import tremplin.plugins.schools as plugin

    shipped = json.loads((Path(plugin.__file__).parent / "school_holidays.json").read_text(encoding="utf-8"))
    assert page.status_code == 200 and len(copied) == sum(map(len, shipped["communities"].values())) == 55, (
        "the shipped holidays are copied in"
    )
    coming = [h for h in copied if h.ends_on >= date.today() - timedelta(days=31)]
    assert all(h.label.replace("'", "&#39;") in page.text for h in coming) and 'id="holiday-form"' in page.text
    csrf = csrf_of(page.text)
    bad = coordinator.post("/schools/offer/workshops", data={"csrf_token": csrf, "code": "x y", "name_fr": ""})
    assert bad.status_code == 422 and "Donnez un nom à l&#39;atelier." in bad.text
    made = coordinator.post(
        "/schools/offer/workshops",
        data={
            "csrf_token": csrf,
            "code": "inforizon",
            "name_fr": "Inforizon",
            "name_nl": "Inforizon",
            "languages": ["fr", "nl"],
            "school_years": ["5", "6"],
            "min_pupils": "5",
            "max_pupils": "25",
            "duration_minutes": "90",
            "place": "at_school",
        },
    )
    assert made.status_code == 303
    from tremplin.plugins.schools.models import SchoolWorkshop

    with web.app.session() as session:
        wid = session.scalar(select(SchoolWorkshop.id).where(SchoolWorkshop.code == "inforizon"))
    start = date.today() + timedelta(days=(7 - date.today().weekday()))  # next Monday
    series = coordinator.post(
        "/schools/offer/slots",
        data={
            "csrf_token": csrf,
            "workshop": str(wid),
            "day": start.isoformat(),
            "start": "10:00",
            "at_school": "1",
            "capacity_classes": "1",
            "capacity_pupils": "25",
            "languages": ["fr"],
            "weekdays": ["0", "2"],
            "until": (start + timedelta(days=13)).isoformat(),
            "communities": ["fr", "nl"],
        },
    )
    assert series.status_code == 303
    with web.app.session() as session:
        days = session.scalars(select(SchoolSlot.day).where(SchoolSlot.workshop_id == wid)).all()
    assert days and all(d.weekday() in (0, 2) for d in days) and len(days) <= 4


def test_the_api_is_in_the_schema_and_keeps_the_rules(web: Web) -> None:
    schema = web.anonymous().get("/openapi.json").json()
    for path in ("/api/v1/workshops", "/api/v1/slots", "/api/v1/bookings", "/api/v1/bookings/{booking_id}/cancel"):
        assert path in schema["paths"], path
    assert "teacher_email" in schema["components"]["schemas"]["BookingIn"]["properties"]
    assert "teacher_email" not in schema["components"]["schemas"]["BookingOut"]["properties"]
    api = web.api("schools_coordinator")
    made = api.post(
        "/api/v1/workshops",
        json={
            "code": "pass_avenir",
            "name_fr": "Pass'Avenir",
            "languages": ["fr"],
            "school_years": ["6", "7"],
            "min_pupils": 5,
            "max_pupils": 25,
        },
    )
    assert made.status_code == 201, made.text
    wid = made.json()["id"]
    opened = api.post(
        "/api/v1/slots",
        json={
            "workshop_id": wid,
            "day": (date.today() + timedelta(days=5)).isoformat(),
            "start": "13:30",
            "room": "Agora",
            "capacity_pupils": 25,
            "languages": ["fr"],
        },
    )
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]
    booking = {
        "slot_id": sid,
        "school_name": "Collège Saint-Pierre",
        "teacher_name": "M. Leroy",
        "teacher_email": "leroy@csp.be",
        "school_year": "4",
        "education_type": "general",
        "pupils": 20,
        "language": "fr",
        "idempotency_key": "api-key-0001",
    }
    refused = api.post("/api/v1/bookings", json=booking)
    assert refused.status_code == 422 and refused.json()["errors"] == {
        "school_year": "This workshop is not given for this school year."
    }
    created = api.post("/api/v1/bookings", json={**booking, "school_year": "6"})
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    listed = api.get("/api/v1/bookings").json()
    assert [b["id"] for b in listed] == [created.json()["id"]] and "teacher_email" not in listed[0]
    assert api.get(f"/api/v1/slots?workshop_id={wid}").json()[0]["booked_pupils"] == 20
    cancelled = api.post(f"/api/v1/bookings/{created.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.post(f"/api/v1/bookings/{created.json()['id']}/cancel").status_code == 409
    assert web.api("counsellor").get("/api/v1/bookings").status_code == 403


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "uk"])
def test_far_more_pupils_than_booked_asks_before_it_is_saved(web: Web, lang: str) -> None:
    """300 pupils for a class of 20: the coordinator is asked "really 300?" in their language (the core's rule,
    as on every headcount form), nothing is saved, and the confirm button saves it; the API asks the same."""
    from tests.web.test_mistakes_caught import plain, said
    from tremplin.core.web.i18n import translator

    app = web.app
    wid = workshop(app, web.centre_id)
    sid = slot(app, web.centre_id, wid, days=1)
    booking_id, _status = book(app, sid)
    with app.transaction() as session:
        session.get(SchoolSlot, sid).starts_at = datetime.now(UTC) - timedelta(minutes=30)  # the visit took place
        booked = session.get(SchoolBooking, booking_id).pupils
    coordinator = web.client("schools_coordinator")
    coordinator.get(f"/lang/{lang}")
    csrf = csrf_of(coordinator.get(f"/schools/bookings/{booking_id}").text)
    asked = coordinator.post(
        f"/schools/bookings/{booking_id}/attendance", data={"csrf_token": csrf, "pupils_came": "300"}
    )
    question = said(lang, "count.above_registered", True, value=300, registered=booked)
    assert asked.status_code == 422 and question in plain(re.sub(r"<[^>]+>", " ", asked.text))
    assert plain(translator(lang)("Yes, save it as it is")) in plain(asked.text)
    assert 'name="confirm" value="300"' in asked.text and 'name="pupils_came" value="300"' in asked.text
    with app.session() as session:
        assert session.get(SchoolBooking, booking_id).pupils_came is None, "nothing is saved before the answer"
        assert session.scalar(select(func.count(Activity.id))) == 0
    changed = coordinator.post(
        f"/schools/bookings/{booking_id}/attendance",
        data={"csrf_token": csrf, "pupils_came": "400", "confirm": "300"},
    )
    assert changed.status_code == 422 and 'name="confirm" value="400"' in changed.text, "a changed number asks again"
    with app.session() as session:
        assert session.get(SchoolBooking, booking_id).pupils_came is None
    confirmed = coordinator.post(
        f"/schools/bookings/{booking_id}/attendance",
        data={"csrf_token": csrf, "pupils_came": "300", "confirm": "300"},
    )
    assert confirmed.status_code == 303
    with app.session() as session:
        b = session.get(SchoolBooking, booking_id)
        assert (b.status, b.pupils_came) == ("done", 300)
        assert session.scalar(select(Activity.participants).where(Activity.id == b.activity_id)) == 300

    api = web.api("schools_coordinator")
    api.headers["accept-language"] = lang
    refused = api.post(f"/api/v1/bookings/{booking_id}/attendance", json={"pupils_came": 600})
    assert refused.status_code == 422 and refused.json()["rules"] == {"participants": "count.above_registered"}
    saved = api.post(f"/api/v1/bookings/{booking_id}/attendance", json={"pupils_came": 600, "confirm": True})
    assert saved.status_code == 200 and saved.json()["pupils_came"] == 600


#: The first headings of the bookings export in each language, and a booking's words.
BOOKING_WORDS = {
    "fr": (["Réservation", "Jour", "Heure", "Atelier"], "Général", "Oui"),
    "nl": (["Reservering", "Dag", "Uur", "Workshop"], "Algemeen", "Ja"),
    "en": (["Booking", "Day", "Time", "Workshop"], "General", "Yes"),
    "uk": (["Бронювання", "День", "Час", "Майстерня"], "Загальна", "Так"),
}


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "uk"])
def test_the_bookings_export_is_in_the_readers_language(web: Web, lang: str) -> None:
    """The coordinator's export reads as the core's list exports do: headings and values in the reader's
    language (the labels the booking page shows), days as the reader writes them, the file named after the
    moment on the centre's clock; a mistyped day is refused, not replaced by the term's."""
    from zoneinfo import ZoneInfo

    from openpyxl import load_workbook

    from tremplin.core.web.i18n import translator
    from tremplin.plugins.schools.export import headings

    wid = workshop(web.app, web.centre_id)
    booked, _status = book(web.app, slot(web.app, web.centre_id, wid, days=3), needs_interpreter=True)
    coordinator = web.client("schools_coordinator")
    coordinator.get(f"/lang/{lang}")
    _ = translator(lang).gettext
    first, general, yes = BOOKING_WORDS[lang]
    period = {"from": date.today().isoformat(), "to": (date.today() + timedelta(days=30)).isoformat()}
    answer = coordinator.get("/schools/export", params=period)
    rows = read_bookings(answer, lang)
    assert headings(lang)[:4] == first
    row = next(r for r in rows if int(r["reference"]) == booked)
    assert row["education_type"] == general and row["interpreter"] == yes and row["accessibility"] == _("No")
    assert row["status"] in {_("Requested"), _("Confirmed"), _("Waiting list")}, row["status"]
    assert not re.search(r"\b(general|requested|confirmed|at_centre|at_school|yes|no)\b", answer.text), answer.text
    visit = date.today() + timedelta(days=3)
    assert row["day"] == visit.strftime("%d.%m.%Y" if lang == "uk" else "%d/%m/%Y"), row["day"]
    stamp = datetime.now(ZoneInfo("Europe/Brussels")).strftime("%Y%m%d")
    assert re.search(rf'tremplin-school-bookings-.*-{stamp}-\d{{4}}\.csv"', answer.headers["content-disposition"])

    xlsx = coordinator.get("/schools/export", params={**period, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    header, *cells = list(sheet.iter_rows(values_only=True))
    assert list(header) == headings(lang) and sheet.title == _("Bookings")
    assert [(r[0], r[1]) for r in cells if int(r[0]) == booked] == [(f"{booked:05d}", datetime(*visit.timetuple()[:3]))]
    assert re.search(rf"-{stamp}-\d{{4}}\.xlsx", xlsx.headers["content-disposition"])

    refused = coordinator.get("/schools/export", params={"from": "junk"})
    assert refused.status_code == 422 and "junk" in refused.text and _("From") in refused.text
