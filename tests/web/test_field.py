"""Field pages over real HTTP: the page, its manifest and worker, and the sync of entries made offline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.web.conftest import Web, csrf_of
from tremplin.core.models import Contact, SyncedEntry

FORM = "formtruck.contact"
SETUP = {"site": "truck-flagey", "attr.commune": "ixelles", "attr.place": "Place Flagey", "language": "fr"}


def entry(theme: str = "learn", at: datetime | None = None, **values: Any) -> dict[str, Any]:
    moment = at or datetime.now(UTC) - timedelta(minutes=30)
    values = {**SETUP, "theme": theme, **values}
    return {"key": str(uuid.uuid4()), "at": moment.isoformat(), "form": FORM, "values": values}


def send(client: Any, entries: list[dict[str, Any]]) -> Any:
    token = client.get(f"/field/state?form={FORM}").json()["csrf"]
    return client.post("/field/sync", json={"entries": entries}, headers={"x-csrf-token": token})


def contacts(web: Web) -> int:
    with web.app.session() as session:
        return session.scalar(select(func.count()).select_from(Contact).where(Contact.audience == "formtruck")) or 0


def test_the_field_page_is_light_and_installs(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    page = truck.get(f"/field/{FORM}")
    assert page.status_code == 200
    html = page.text
    assert 'rel="manifest"' in html and f"/field/{FORM}/manifest.webmanifest" in html
    for theme in ("choose", "learn", "work", "move", "self_employment"):
        assert f'id="tap-{theme}"' in html
    assert "htmx" not in html and "tremplin.css" not in html, "the field page carries only its own small assets"
    assert "La commune où le camion stationne aujourd" in html, "the commune field says what it means"
    manifest = web.anonymous().get(f"/field/{FORM}/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == f"/field/{FORM}" and body["display"] == "standalone"
    for icon in body["icons"]:
        image = web.anonymous().get(icon["src"])
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        assert "immutable" in image.headers["cache-control"]
    worker = web.anonymous().get("/field/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert worker.headers["cache-control"] == "no-cache"
    assert web.anonymous().get(f"/field/{FORM}/manifest.webmanifest".replace(FORM, "neet.advice")).status_code == 404
    # A form no plugin marks for field use has no field page.
    assert web.client("reception").get("/field/general.advice").status_code == 404


def test_assets_are_fingerprinted_compressed_and_kept_a_year(web: Web) -> None:
    from tremplin.core.web import assets

    client = web.anonymous(**{"accept-encoding": "gzip"})
    url = assets.asset_url("field.js")
    digest = url.split("/")[2]
    assert len(digest) == 12 and url.endswith("/field.js")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(response.headers["content-length"]) < len(response.content), "sent compressed (httpx unpacked it)"
    stale = client.get("/assets/000000000000/field.js")
    assert stale.status_code == 307 and stale.headers["location"] == url
    assert client.get(f"/assets/{digest}/nothing.js").status_code == 404
    # Pages leave compressed too.
    page = web.client("formtruck_adviser", **{"accept-encoding": "gzip"}).get(f"/field/{FORM}")
    assert page.headers.get("content-encoding") == "gzip"


def test_entries_are_recorded_once_with_their_own_time(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    made = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    batch = [entry("learn", made + timedelta(minutes=i)) for i in range(5)]
    answer = send(truck, batch)
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()["results"]] == ["accepted"] * 5
    assert contacts(web) == 5
    # The answer was lost: the phone sends the same entries again, and a second tab sends two of them.
    again = send(truck, batch + batch[:2])
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 7
    assert contacts(web) == 5
    with web.app.session() as session:
        times = sorted(c.occurred_at for c in session.scalars(select(Contact).where(Contact.audience == "formtruck")))
        assert times == [made + timedelta(minutes=i) for i in range(5)], "each contact keeps the moment of its tap"
        stored = session.scalars(select(Contact).where(Contact.audience == "formtruck")).first()
        assert stored.attributes == {"commune": "ixelles", "place": "Place Flagey"} and stored.themes == ["learn"]
        assert stored.channel == "field" and stored.headcount == 1
        assert session.scalar(select(func.count()).select_from(SyncedEntry)) == 5
    figures = truck.get(f"/field/state?form={FORM}").json()["figures"]
    assert figures["learn"] >= 0  # today's figure; the entries were made three hours ago (maybe yesterday)


def test_the_same_rules_as_online_refuse_with_a_reason(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    now = datetime.now(UTC)
    batch = [
        entry("learn"),
        entry("learn", **{"attr.commune": "atlantis"}),  # the form changed: no such commune any more
        entry("work", now + timedelta(hours=2)),
        entry("work", now - timedelta(days=8)),
        entry("nothing"),
        {**entry("learn"), "form": "neet.awareness"},  # not this account's audience
        {**entry("learn"), "key": "x"},
    ]
    results = send(truck, batch).json()["results"]
    assert [r["status"] for r in results] == ["accepted"] + ["refused"] * 6
    reasons = [r["reason"] for r in results[1:]]
    assert reasons[0] == "Commune\u202f: Choisissez une des options."
    assert "futur" in reasons[1]
    assert "7 jours" in reasons[2]
    assert reasons[3].endswith("Choisissez une des options."), reasons[3]
    assert "n'est plus proposé" in reasons[4]
    assert "illisible" in reasons[5]
    # The rule each field breaks, by the keys the API gives (``tremplin.core.rules``).
    assert results[1]["rules"] == {"attr.commune": "choice"} and results[4]["rules"] == {"themes": "choice"}
    assert results[2]["rules"] == {} and results[0]["rules"] == {}
    assert contacts(web) == 1


def test_the_records_rules_refuse_offline_with_their_keys(web: Web) -> None:
    """The rules of every way in apply offline too: a note that is mostly personal data and a count far above
    the usual are refused by the keys the API gives; the phone has no confirmation to send back."""
    worker = web.client("neet_worker")
    token = worker.get("/field/state?form=neet.awareness").json()["csrf"]
    answers = {
        "attr.place": "street",
        "themes": ["work"],
        "language": "fr",
        "gender": "unknown",
        "age_band": "unknown",
        "headcount": "1",
        "note": "",
    }
    moment = datetime.now(UTC).isoformat()
    cases = [
        {"note": "Jean Dupont, 0470 12 34 56, jean.dupont@example.com"},
        {"headcount": "5000"},
        {},
    ]
    batch = [
        {"key": str(uuid.uuid4()), "at": moment, "form": "neet.awareness", "values": {**answers, **case}}
        for case in cases
    ]
    results = worker.post("/field/sync", json={"entries": batch}, headers={"x-csrf-token": token}).json()["results"]
    assert [r["status"] for r in results] == ["refused", "refused", "accepted"], results
    assert results[0]["rules"] == {"note": "note.personal"}, results[0]
    assert results[1]["rules"] == {"headcount": "count.implausible"}, results[1]
    assert "5 000" in results[1]["reason"].replace("\u202f", " "), "the count as the reader writes it"
    with web.app.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact).where(Contact.audience == "neet")) == 1


def test_an_ended_session_keeps_the_entries_waiting(web: Web) -> None:
    anonymous = web.anonymous()
    assert anonymous.get(f"/field/state?form={FORM}").json() == {"signed_in": False, "staff": None, "device": False}
    page = anonymous.get("/login")
    refused = anonymous.post("/field/sync", json={"entries": [entry()]}, headers={"x-csrf-token": csrf_of(page.text)})
    assert refused.status_code == 401 and refused.json()["signed_in"] is False
    assert "reconnectez-vous" in refused.json()["message"].lower()
    assert contacts(web) == 0
    # Without the CSRF token the request is refused before anything is read.
    truck = web.client("formtruck_adviser")
    assert truck.post("/field/sync", json={"entries": [entry()]}).status_code == 403
    assert contacts(web) == 0


def test_a_batch_too_long_is_refused_whole(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    answer = send(truck, [entry() for _ in range(201)])
    assert answer.status_code == 422 and "200" in answer.json()["message"]
    assert contacts(web) == 0


def test_neet_field_encounters_sync_too(web: Web) -> None:
    worker = web.client("neet_worker")
    assert worker.get("/field/neet.awareness").status_code == 200
    token = worker.get("/field/state?form=neet.awareness").json()["csrf"]
    one = {
        "key": str(uuid.uuid4()),
        "at": datetime.now(UTC).isoformat(),
        "form": "neet.awareness",
        "values": {"attr.place": "street", "theme": "work", "language": "fr"},
    }
    answer = worker.post("/field/sync", json={"entries": [one]}, headers={"x-csrf-token": token})
    assert answer.json()["results"][0]["status"] == "accepted", answer.json()


def test_a_key_committed_meanwhile_by_another_tab_sets_only_that_entry_aside(web: Web) -> None:
    """The batch's transaction fails on the one key a second request wrote first; the others are written."""
    from zoneinfo import ZoneInfo

    from tremplin.core.models import Centre, Site, Staff
    from tremplin.core.web import formkit
    from tremplin.core.web.fieldsync import Receiver
    from tremplin.core.web.i18n import translator

    app = web.app
    batch = [entry("learn"), entry("work"), entry("move")]
    raced = batch[1]["key"]

    class Racing(Receiver):
        def write(self, prepared):  # type: ignore[no-untyped-def]
            with app.transaction() as other:  # the second tab's request, committed first
                other.add(
                    SyncedEntry(
                        key=raced,
                        staff_id=self.staff.id,
                        form=FORM,
                        record_kind="contact",
                        record_id=None,
                        made_at=datetime.now(UTC),
                    )
                )
            return super().write(prepared)

    with app.session() as session:
        staff = session.get(Staff, web.staff["formtruck_adviser"])
        centre = session.get(Centre, web.centre_id)

        sites = [(site.code, site.name) for site in session.scalars(select(Site).where(Site.centre_id == centre.id))]
        ctx = formkit.FormContext(
            "fr", translator("fr").gettext, sites, tz=ZoneInfo("Europe/Brussels"), codes=app.registry.codes
        )
        receiver = Racing(app, session, staff, translator("fr").gettext, lambda code, form: (centre, ctx))
        outcomes = receiver.receive(batch)
    assert [o.status for o in outcomes] == ["accepted", "duplicate", "accepted"]
    assert contacts(web) == 2


def test_the_detailed_page_of_a_field_form_leads_to_the_phone_page(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    assert f'href="/field/{FORM}"' in truck.get(f"/log/{FORM}").text
    page = web.client("reception").get("/log/general.advice")
    assert page.status_code == 200 and "/field/" not in page.text


def test_the_truck_offers_its_stops_only(web: Web) -> None:
    """The Formtruck's forms list the truck's stops, not the centre's desks and rooms; the rule holds offline."""
    truck = web.client("formtruck_adviser")
    for path in (f"/field/{FORM}", f"/log/{FORM}"):
        html = truck.get(path).text
        assert 'value="truck-flagey"' in html and 'value="reception"' not in html and 'value="advice"' not in html
    results = send(truck, [entry("work", site="reception"), entry("work")]).json()["results"]
    assert [r["status"] for r in results] == ["refused", "accepted"]
    assert results[0]["errors"] == {"site": "Choisissez une des options."}
    assert results[0]["rules"] == {"site": "choice"}
    # Forms that name no kind offer every site.
    assert 'value="reception"' in web.client("reception").get("/log/general.advice").text
