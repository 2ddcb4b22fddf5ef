"""The JSON API: CRUD with a token, the same access rules, and a 4xx with a message for anything invalid."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.web.conftest import Web
from tremplin.core import rollup

CONTACT = {
    "site": "truck-flagey",
    "audience": "formtruck",
    "modality": "individual_advice",
    "channel": "field",
    "themes": ["work"],
    "language": "uk",
    "headcount": 3,
    "attributes": {"commune": "ixelles"},
}


def test_contacts_crud(web: Web) -> None:
    api = web.api("formtruck_adviser")
    created = api.post("/api/v1/contacts", json={**CONTACT, "occurred_at": "2024-05-06T10:30:00"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["audience"] == "formtruck" and body["day"] == "2024-05-06" and body["headcount"] == 3
    assert datetime.fromisoformat(body["occurred_at"]).astimezone(UTC) == datetime(2024, 5, 6, 8, 30, tzinfo=UTC), (
        "a time without offset is Brussels time"
    )
    contact_id = body["id"]
    assert api.get(f"/api/v1/contacts/{contact_id}").json()["attributes"] == {"commune": "ixelles"}
    with web.app.session() as session:
        assert rollup.totals(session, ["formtruck.users"], date(2024, 1, 1), date(2024, 12, 31))["formtruck.users"] == 3

    updated = api.put(
        f"/api/v1/contacts/{contact_id}", json={**CONTACT, "headcount": 5, "occurred_at": "2024-05-07T09:00:00+02:00"}
    )
    assert updated.status_code == 200 and updated.json()["headcount"] == 5 and updated.json()["day"] == "2024-05-07"
    page = api.get("/api/v1/contacts?from=2024-01-01&to=2024-12-31&audience=formtruck&theme=work&language=uk")
    assert [c["id"] for c in page.json()["items"]] == [contact_id] and page.json()["next"] is None
    assert api.get("/api/v1/contacts?from=2024-01-01&to=2024-12-31&theme=move").json()["items"] == []
    with web.app.session() as session:
        assert rollup.totals(session, ["formtruck.users"], date(2024, 1, 1), date(2024, 12, 31))["formtruck.users"] == 5

    assert api.delete(f"/api/v1/contacts/{contact_id}").status_code == 204
    assert api.get(f"/api/v1/contacts/{contact_id}").status_code == 404
    with web.app.session() as session:
        assert rollup.totals(session, ["formtruck.users"], date(2024, 1, 1), date(2024, 12, 31))["formtruck.users"] == 0

    assert api.post("/api/v1/contacts", json=CONTACT).status_code == 201, "without a time: now"


def test_contacts_in_an_audience_the_token_does_not_see(web: Web) -> None:
    api = web.api("formtruck_adviser")
    refused = api.post(
        "/api/v1/contacts", json={**CONTACT, "audience": "neet", "modality": "field_awareness", "attributes": {}}
    )
    assert refused.status_code == 403 and refused.json()["detail"]


def test_keyset_pages_through_a_year(web: Web) -> None:
    from tremplin.core.bulk import insert_records
    from tremplin.core.validation import Cleaner, Lookup

    app = web.app
    start = date(2023, 1, 1)
    with app.transaction() as session:
        cleaner = Cleaner(app, Lookup.load(app, session))
        rows = [
            cleaner.contact(
                {
                    "centre": "bxl",
                    "occurred_at": f"{start + timedelta(days=i % 365)}T10:00:00",
                    "audience": "general",
                    "modality": "reception",
                    "themes": "work",
                }
            )
            for i in range(130)
        ]
        insert_records(app, session.connection(), "contacts", rows)
    api = web.api("reception")
    seen: list[int] = []
    url = "/api/v1/contacts?from=2023-01-01&to=2023-12-31"
    pages = 0
    while url:
        page = api.get(url).json()
        seen += [c["id"] for c in page["items"]]
        days = [c["day"] for c in page["items"]]
        assert days == sorted(days, reverse=True)
        pages += 1
        url = f"/api/v1/contacts?from=2023-01-01&to=2023-12-31&after={page['next']}" if page["next"] else ""
    assert pages == 3 and len(seen) == len(set(seen)) == 130
    # The page lists follow the same cursor.
    html = web.client("reception").get("/contacts?from=2023-01-01&to=2023-12-31").text
    assert 'id="page-next"' in html and html.count('<tr id="contact-') == 50


def test_activities_referrals_cases_and_counters(web: Web) -> None:
    neet = web.api("neet_worker")
    activity = neet.post(
        "/api/v1/activities",
        json={
            "starts_at": "2024-03-05T14:00:00",
            "audience": "neet",
            "workshop": "escape_game",
            "registered": 12,
            "attributes": {"partner": "amo"},
        },
    )
    assert activity.status_code == 201, activity.text
    activity_id = activity.json()["id"]
    assert (
        neet.post(f"/api/v1/activities/{activity_id}/participants", json={"participants": 9}).json()["participants"]
        == 9
    )
    replaced = neet.put(
        f"/api/v1/activities/{activity_id}",
        json={"starts_at": "2024-03-05T14:00:00", "audience": "neet", "workshop": "career_game", "participants": 11},
    )
    assert replaced.status_code == 200 and replaced.json()["workshop"] == "career_game"
    assert neet.get("/api/v1/activities?from=2024-01-01&to=2024-12-31").json()["items"][0]["id"] == activity_id

    referral = neet.post("/api/v1/referrals", json={"audience": "neet", "to_partner": "actiris", "theme": "learn"})
    assert referral.status_code == 201, referral.text
    token = referral.json()["token_display"]
    assert referral.json()["to_partner"] == "actiris" and referral.json()["status"] == "issued"
    assert neet.get(f"/api/v1/referrals/{token.lower()}").json()["id"] == referral.json()["id"]
    assert neet.post(f"/api/v1/referrals/{token}/status", json={"status": "received"}).json()["status"] == "received"
    assert neet.post(f"/api/v1/referrals/{token}/status", json={"status": "received"}).status_code == 200, (
        "no change is no error"
    )
    assert neet.post(f"/api/v1/referrals/{token}/status", json={"status": "expired"}).status_code == 409
    mistyped = token[:-1] + ("0" if token[-1] != "0" else "1")
    bad = neet.get(f"/api/v1/referrals/{mistyped}")
    assert bad.status_code == 404 and "check character" in bad.json()["detail"], "names no referral, and says why"
    assert neet.post("/api/v1/referrals", json={"audience": "neet", "to_partner": "nobody"}).status_code == 422

    case = neet.post(
        "/api/v1/cases",
        json={
            "audience": "neet",
            "consent": True,
            "consent_on": "2024-02-01",
            "gender": "man",
            "profile": {"rural": "no"},
        },
    )
    assert case.status_code == 201, case.text
    code = case.json()["code"]
    assert case.json()["stage"] == "identified" and case.json()["history"][0]["to_stage"] == "identified"
    assert neet.post(f"/api/v1/cases/{code}/moves", json={"stage": "in_employment"}).status_code == 409
    moved = neet.post(f"/api/v1/cases/{code}/moves", json={"stage": "engaged", "on": "2024-02-10"})
    assert moved.status_code == 200 and moved.json()["history"][-1]["staff_id"] == web.staff["neet_worker"]
    assert (
        neet.post(f"/api/v1/cases/{code}/outcomes", json={"kind": "qualification", "on": "2024-06-01"}).status_code
        == 201
    )
    assert (
        neet.post(f"/api/v1/cases/{code}/outcomes", json={"kind": "astronaut", "on": "2024-06-01"}).status_code == 422
    )
    assert [c["code"] for c in neet.get("/api/v1/cases?audience=neet").json()["items"]] == [code]
    assert neet.post("/api/v1/cases", json={"audience": "neet"}).status_code == 422, "no case without a consent date"
    assert (
        neet.post(
            "/api/v1/cases",
            json={"audience": "neet", "consent": True, "consent_on": (date.today() + timedelta(days=1)).isoformat()},
        ).status_code
        == 422
    )

    counters = neet.get("/api/v1/counters?start=2024-01-01&end=2024-12-31")
    assert counters.status_code == 200
    values = counters.json()["values"]
    # The worker's reports are disclosure-controlled, and so are its counters: one case is not shown.
    assert values["neet.group_participants"] == 11 and values["neet.cases"] is None and counters.json()["published"]
    exact = web.api("admin").get("/api/v1/counters?start=2024-01-01&end=2024-12-31&counter=neet.cases").json()
    assert exact["values"] == {"neet.cases": 1} and not exact["published"]
    assert set(values) == {k for k, c in web.app.registry.counters.items() if c.audience == "neet"}
    by_month = neet.get("/api/v1/counters?start=2024-03-01&end=2024-03-31&dim=audience&counter=neet.reached").json()
    assert by_month["values"] == {"neet.reached": {"neet": 11}}
    lead = web.api("programme_lead").get("/api/v1/counters?start=2024-01-01&end=2024-12-31").json()["values"]
    with web.app.session() as session:
        assert lead == rollup.totals(
            session, list(web.app.registry.counters.keys()), date(2024, 1, 1), date(2024, 12, 31)
        )


MALFORMED: list[tuple[str, str, Any]] = [
    ("POST", "/api/v1/contacts", {}),
    ("POST", "/api/v1/contacts", {**CONTACT, "headcount": "many"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "headcount": 10**30}),
    ("POST", "/api/v1/contacts", {**CONTACT, "headcount": -1}),
    ("POST", "/api/v1/contacts", {**CONTACT, "themes": "work"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "themes": ["astrology"]}),
    ("POST", "/api/v1/contacts", {**CONTACT, "modality": "telepathy"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "audience": "martians"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "site": "x" * 5000}),
    ("POST", "/api/v1/contacts", {**CONTACT, "site": "nowhere"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "centre": "atlantis"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "occurred_at": "yesterday"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "occurred_at": "99999-01-01T00:00:00"}),
    ("POST", "/api/v1/contacts", {**CONTACT, "attributes": {"commune": "atlantis"}}),
    ("POST", "/api/v1/contacts", {**CONTACT, "attributes": {"commune": {"nested": [1, 2]}}}),
    ("POST", "/api/v1/contacts", {**CONTACT, "attributes": {"name": "Marie Dupont"}}),
    ("POST", "/api/v1/contacts", {**CONTACT, "note": "x" * 10_000}),
    ("POST", "/api/v1/contacts", {**CONTACT, "surname": "Dupont"}),
    ("POST", "/api/v1/contacts", [1, 2, 3]),
    ("POST", "/api/v1/contacts", "not json"),
    ("POST", "/api/v1/contacts", None),
    ("PUT", "/api/v1/contacts/1", {}),
    ("GET", "/api/v1/contacts/abc", None),
    ("GET", "/api/v1/contacts/99999999999999999999", None),
    ("GET", "/api/v1/contacts/0", None),
    ("GET", "/api/v1/contacts/2147483647", None),
    ("DELETE", "/api/v1/contacts/2147483647", None),
    ("GET", "/api/v1/contacts?from=2024-13-45", None),
    ("GET", "/api/v1/contacts?theme=astrology", None),
    ("GET", "/api/v1/contacts?audience=martians", None),
    ("GET", "/api/v1/contacts?language=klingon", None),
    ("POST", "/api/v1/activities", {"audience": "formtruck", "starts_at": "2024-01-01T10:00:00", "capacity": 10**12}),
    (
        "POST",
        "/api/v1/activities",
        {"audience": "formtruck", "starts_at": "2024-01-01T10:00:00", "workshop": "drop table;"},
    ),
    ("POST", "/api/v1/activities", {"audience": "formtruck", "starts_at": "2024-01-01T10:00:00", "format": "hologram"}),
    ("POST", "/api/v1/activities/1/participants", {"participants": -5}),
    ("GET", "/api/v1/referrals/%20", None),
    ("GET", "/api/v1/referrals/K7P-4X2-M9Q-EXTRA", None),
    ("GET", "/api/v1/referrals/" + "Z" * 39, None),
    ("POST", "/api/v1/referrals", {"audience": "formtruck", "theme": "astrology"}),
    ("POST", "/api/v1/referrals", {"audience": "formtruck", "valid_days": 10**9}),
    ("POST", "/api/v1/referrals/AAAAAAAAA/status", {"status": "lost"}),
    ("GET", "/api/v1/referrals?after=abc", None),
    ("POST", "/api/v1/cases", {"audience": "formtruck", "consent": True, "consent_on": "2024-01-01"}),
    ("POST", "/api/v1/cases", {"audience": "neet", "consent": True, "consent_on": "not a date"}),
    ("POST", "/api/v1/cases", {"audience": "neet", "consent": True, "consent_on": "2024-01-01", "gender": "robot"}),
    (
        "POST",
        "/api/v1/cases",
        {"audience": "neet", "consent": True, "consent_on": "2024-01-01", "profile": {"religion": "yes"}},
    ),
    ("GET", "/api/v1/cases/NOPE", None),
    ("POST", "/api/v1/cases/NOPE/moves", {"stage": "left"}),
    ("GET", "/api/v1/cases?state=sleeping", None),
    ("GET", "/api/v1/counters", None),
    ("GET", "/api/v1/counters?start=0001-01-01&end=9999-12-31", None),
    ("GET", "/api/v1/counters?start=2024-12-31&end=2024-01-01", None),
    ("GET", "/api/v1/counters?start=2024-01-01&end=2024-12-31&dim=horoscope", None),
    ("GET", "/api/v1/counters?start=2024-01-01&end=2024-12-31&counter=nope", None),
    ("GET", "/api/v1/counters?start=2024-01-01&end=2024-12-31&audience=martians", None),
    ("GET", "/api/v1/nothing-here", None),
    ("PATCH", "/api/v1/contacts", {}),
]


def test_every_invalid_request_gets_a_4xx_with_a_message(web: Web) -> None:
    api = web.api("admin")
    for method, url, body in MALFORMED:
        if body is None:
            response = api.request(method, url)
        elif isinstance(body, str):
            response = api.request(method, url, content=body, headers={"content-type": "application/json"})
        else:
            response = api.request(method, url, json=body)
        assert 400 <= response.status_code < 500, (method, url, response.status_code, response.text[:300])
        detail = response.json().get("detail")
        assert detail, (method, url, response.text[:300])
    field_errors = api.post(
        "/api/v1/contacts", json={**CONTACT, "themes": ["astrology"], "modality": "telepathy"}
    ).json()
    assert set(field_errors["errors"]) == {"themes", "modality"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bodies_never_make_a_500(web: Web, seed: int) -> None:
    import random

    rng = random.Random(seed)
    values: list[Any] = [
        None,
        "",
        "x",
        "work",
        0,
        -1,
        1,
        10**40,
        3.5,
        True,
        [],
        ["work", 1],
        {},
        {"a": {"b": []}},
        "2024-02-30",
        "2024-01-01T25:00",
        "\u0000",
        "💥" * 50,
    ]
    fields = list(CONTACT) + [
        "occurred_at",
        "centre",
        "note",
        "gender",
        "age_band",
        "starts_at",
        "participants",
        "consent",
        "consent_on",
        "stage",
        "status",
        "to_partner",
    ]
    api = web.api("admin")
    for _ in range(40):
        body = {name: rng.choice(values) for name in rng.sample(fields, rng.randint(1, 8))}
        for url in ("/api/v1/contacts", "/api/v1/activities", "/api/v1/cases", "/api/v1/referrals"):
            response = api.post(url, json=body)
            assert response.status_code < 500, (url, body, response.text[:300])


def test_openapi_schema(web: Web) -> None:
    schema = web.anonymous().get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/contacts", "/api/v1/activities", "/api/v1/referrals", "/api/v1/cases", "/api/v1/counters"):
        assert path in paths
    assert not any(p.startswith("/admin") or p.startswith("/log") for p in paths), "pages stay out of the API schema"
    assert "HTTPBearer" in schema.json()["components"]["securitySchemes"]


def test_the_api_answers_in_json_and_pages_in_html(web: Web) -> None:
    anonymous = web.anonymous()
    assert anonymous.get("/api/v1/me").status_code == 401
    assert anonymous.get("/api/v1/me").json()["detail"]
    missing = web.client("admin").get("/no-such-page")
    assert missing.status_code == 404 and "<html" in missing.text and "n&#39;existe pas" in missing.text
    assert web.client("admin").get("/activities/99999999999999999999").status_code == 404
    assert web.client("admin").get("/contacts?theme=astrology").status_code == 422


def test_the_fast_contact_answer_is_the_models(web: Web) -> None:
    from tremplin.core.models import Contact
    from tremplin.core.web.routes.api import ContactOut, contact_json, contact_out

    created = web.api("formtruck_adviser").post("/api/v1/contacts", json={**CONTACT, "note": "Came back"})
    with web.app.session() as session:
        contact = session.get(Contact, created.json()["id"])
        assert contact_json(contact) == contact_out(contact).model_dump(mode="json")
    assert ContactOut.model_validate(created.json()).id == contact.id


def test_counters_by_a_plugin_dimension(web: Web) -> None:
    """``dim`` takes the plugins' dimensions too; a stop is keyed by its site code, as in the reports."""
    from tremplin.core.records import log_contact

    app = web.app
    with app.transaction() as session:
        for site, headcount in (("truck-flagey", 3), ("truck-flagey", 4), ("", 2)):
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "site": site,
                    "occurred_at": "2024-06-04T10:00",
                    "audience": "formtruck",
                    "modality": "individual_advice",
                    "channel": "field",
                    "headcount": headcount,
                },
                {"commune": "evere"},
            )
    truck = web.api("formtruck_adviser")
    got = truck.get("/api/v1/counters?start=2024-01-01&end=2024-12-31&dim=formtruck.stop").json()
    # 2 is under the threshold, and 7 would give it away against the total: both hidden for the adviser.
    assert got["dim"] == "formtruck.stop" and got["values"] == {
        "formtruck.users": {"truck-flagey": None, "unknown": None}
    }
    exact = web.api("admin").get(
        "/api/v1/counters?start=2024-01-01&end=2024-12-31&dim=formtruck.stop&counter=formtruck.users"
    )
    assert exact.json()["values"] == {"formtruck.users": {"truck-flagey": 7, "unknown": 2}}
    communes = truck.get("/api/v1/counters?start=2024-06-01&end=2024-06-10&dim=formtruck.commune").json()["values"]
    assert communes == {"formtruck.users": {"evere": 9}}
    refused = truck.get("/api/v1/counters?start=2024-01-01&end=2024-12-31&dim=formtruck.colour")
    assert refused.status_code == 422 and "formtruck.stop" in refused.json()["detail"]
