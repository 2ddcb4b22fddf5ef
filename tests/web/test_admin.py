"""Administration: centres, sites, partners, staff accounts, closure periods, workshop kinds; list filters."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.web.conftest import Web, csrf_of, login
from tremplin.core.models import (
    Centre,
    ClosurePeriod,
    Partner,
    Site,
    Staff,
    WorkshopKind,
)
from tremplin.core.records import log_contact


def test_sites_and_partners(web: Web) -> None:
    client = web.client("admin")
    page = client.get("/admin/sites")
    token = csrf_of(page.text)
    created = client.post(
        "/admin/sites",
        data={
            "csrf_token": token,
            "centre": "bxl",
            "code": "truck-midi",
            "name": "Formtruck Gare du Midi",
            "kind": "formtruck_stop",
        },
    )
    assert created.status_code == 303
    duplicate = client.post(
        "/admin/sites",
        data={"csrf_token": token, "centre": "bxl", "code": "truck-midi", "name": "Again", "kind": "formtruck_stop"},
    )
    assert duplicate.status_code == 422 and "déjà utilisé" in duplicate.text
    bad = client.post(
        "/admin/sites", data={"csrf_token": token, "centre": "bxl", "code": "Bad Code!", "name": "", "kind": "castle"}
    )
    assert bad.status_code == 422 and bad.text.count('class="error"') >= 3
    with web.app.session() as session:
        site = session.scalar(select(Site).where(Site.code == "truck-midi"))
        assert site.kind == "formtruck_stop" and site.active
    # Deactivating a site takes it out of the quick-log forms.
    assert (
        client.post(
            f"/admin/sites/{site.id}", data={"csrf_token": token, "name": "Formtruck Midi", "kind": "formtruck_stop"}
        ).status_code
        == 303
    )
    with web.app.session() as session:
        assert session.get(Site, site.id).active is False
    assert 'value="truck-midi"' not in client.get("/log/formtruck.contact").text

    assert (
        client.post(
            "/admin/partners",
            data={
                "csrf_token": token,
                "centre": "bxl",
                "code": "bruxelles-formation",
                "name": "Bruxelles Formation",
                "kind": "training",
            },
        ).status_code
        == 303
    )
    assert "Bruxelles Formation" in client.get("/referrals/new").text

    # Both pages come from one template: each names its own fields, forms and addresses.
    for entity, heading in (("site", "Sites"), ("partner", "Partenaires")):
        page = client.get(f"/admin/{entity}s").text
        assert f"<h1>{heading}</h1>" in page
        for marker in (
            f'id="{entity}s"',
            f'action="/admin/{entity}s"',
            f'id="new-{entity}-code"',
            f'for="new-{entity}-kind"',
            f'id="{entity}-new"',
        ):
            assert marker in page, (entity, marker)
        assert f'action="/admin/{entity}s/' in page and '-name"' in page
    with web.app.session() as session:
        assert session.scalar(select(Partner.kind).where(Partner.code == "bruxelles-formation")) == "training"


def test_a_partners_contact_address_is_set_checked_and_audited(web: Web) -> None:
    """The address referral reminders go to (an organisation's mailbox) is edited on the partners' page:
    a wrong one is refused in the administrator's language, nothing saved; each change is audited."""
    from tremplin.core.models import AuditEvent

    client = web.client("admin")
    token = csrf_of(client.get("/admin/partners").text)
    new = {"csrf_token": token, "centre": "bxl", "code": "pes-office", "name": "Actiris", "kind": "pes"}
    refused = client.post("/admin/partners", data={**new, "contact_email": "actiris at example"})
    assert refused.status_code == 422 and "comme info@partenaire.be" in refused.text
    assert 'value="actiris at example"' in refused.text, "what was typed is kept"
    with web.app.session() as session:
        assert session.scalar(select(Partner.id).where(Partner.code == "pes-office")) is None
    assert (
        client.post("/admin/partners", data={**new, "contact_email": " orientation@actiris.example "}).status_code
        == 303
    )
    with web.app.session() as session:
        partner = session.scalars(select(Partner).where(Partner.code == "pes-office")).one()
        assert partner.contact_email == "orientation@actiris.example"
    page = client.get("/admin/partners").text
    assert f'id="partner-{partner.id}-contact_email"' in page and 'value="orientation@actiris.example"' in page

    # Edited in Dutch: a wrong address is refused in Dutch, the row keeps it, the saved one stays.
    web.add_account("admin_nl", ["admin"], language="nl")
    dutch = web.client("admin_nl")
    row = {"csrf_token": csrf_of(dutch.get("/admin/partners").text), "name": "Actiris", "kind": "pes", "active": "1"}
    wrong = dutch.post(f"/admin/partners/{partner.id}", data={**row, "contact_email": "info@actiris"})
    assert wrong.status_code == 422 and "Geef het e-mailadres van de organisatie" in wrong.text
    assert 'value="info@actiris"' in wrong.text and 'aria-invalid="true"' in wrong.text
    changed = dutch.post(f"/admin/partners/{partner.id}", data={**row, "contact_email": "info@actiris.example"})
    assert changed.status_code == 303
    emptied = dutch.post(f"/admin/partners/{partner.id}", data={**row, "contact_email": ""})
    assert emptied.status_code == 303
    with web.app.session() as session:
        assert session.get(Partner, partner.id).contact_email is None, "an empty address: no reminder"
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "partner.contact").order_by(AuditEvent.id)
        ).all()
    assert [e.details["contact_email"] for e in events] == [
        "orientation@actiris.example",
        "info@actiris.example",
        "",
    ]
    assert [e.actor for e in events] == ["admin", "admin_nl", "admin_nl"]


def test_staff_accounts_and_tokens(web: Web) -> None:
    client = web.client("admin")
    page = client.get("/admin/staff")
    token = csrf_of(page.text)
    created = client.post(
        "/admin/staff",
        data={
            "csrf_token": token,
            "username": "amina",
            "display_name": "Amina",
            "password": "long-enough-pw",
            "centre": "bxl",
            "roles": ["neet_worker"],
            "language": "nl",
        },
    )
    assert created.status_code == 303
    with web.app.session() as session:
        amina = session.scalar(select(Staff).where(Staff.username == "amina"))
        assert amina.audiences == ["neet"] and amina.language == "nl" and amina.centre_id == web.centre_id
    assert login(web.anonymous(), "amina", "long-enough-pw").status_code == 303
    short = client.post(
        "/admin/staff", data={"csrf_token": token, "username": "bob", "password": "short", "roles": ["reception"]}
    )
    assert short.status_code == 422 and "12 à 200" in short.text
    common = client.post(
        "/admin/staff",
        data={"csrf_token": token, "username": "bob", "password": "qwerty123456", "roles": ["reception"]},
    )
    assert common.status_code == 422 and "trop courant" in common.text, "a password among the common ones is refused"
    odd = client.post(
        "/admin/staff",
        data={"csrf_token": token, "username": "<b>bob</b>", "password": "long-enough-pw", "roles": ["reception"]},
    )
    assert odd.status_code == 422 and "lettres, chiffres" in odd.text, "usernames use a safe character set"
    norole = client.post("/admin/staff", data={"csrf_token": token, "username": "bob", "password": "long-enough-pw"})
    assert norole.status_code == 422

    edit = client.get(f"/admin/staff/{amina.id}")
    assert edit.status_code == 200
    changed = client.post(
        f"/admin/staff/{amina.id}",
        data={
            "csrf_token": token,
            "roles": ["neet_worker", "counsellor"],
            "audiences": ["neet", "general"],
            "language": "fr",
            "display_name": "Amina B.",
        },
    )
    assert changed.status_code == 303
    with web.app.session() as session:
        amina = session.get(Staff, amina.id)
        assert (
            amina.roles == ["neet_worker", "counsellor"]
            and amina.audiences == ["neet", "general"]
            and amina.active is False
        ), "unchecked 'active' deactivates"
    issued = client.post(f"/admin/staff/{amina.id}/token", data={"csrf_token": token})
    assert issued.status_code == 200 and 'id="api-token"' in issued.text
    import re

    api_token = re.search(r'id="api-token">([^<]+)<', issued.text).group(1)
    api = web.anonymous()
    api.headers["authorization"] = f"Bearer {api_token}"
    assert api.get("/api/v1/me").status_code == 401, "the account was deactivated above"
    client.post(
        f"/admin/staff/{amina.id}",
        data={"csrf_token": token, "roles": ["neet_worker"], "audiences": ["neet"], "language": "fr", "active": "1"},
    )
    assert api.get("/api/v1/me").json()["roles"] == ["neet_worker"]
    client.post(
        f"/admin/staff/{amina.id}",
        data={"csrf_token": token, "roles": ["neet_worker"], "audiences": ["neet"], "language": "fr"},
    )
    assert api.get("/api/v1/me").status_code == 401, "deactivating ends its token at once"
    with web.app.session() as session:
        assert session.get(Staff, amina.id).api_token_hash is not None
    me = client.post(
        f"/admin/staff/{web.staff['admin']}", data={"csrf_token": token, "roles": ["reception"], "language": "fr"}
    )
    assert me.status_code == 422, "an administrator cannot remove their own administrator role"


def test_centres_closures_and_workshop_kinds(web: Web) -> None:
    client = web.client("admin")
    page = client.get("/admin/centres")
    token = csrf_of(page.text)
    assert (
        client.post("/admin/centres", data={"csrf_token": token, "code": "lux", "name": "Luxembourg"}).status_code
        == 403
    ), "a centre's admin creates no centre"
    assert (
        client.post(
            f"/admin/centres/{web.centre_id}",
            data={"csrf_token": token, "name": "Cité des métiers de Bruxelles", "timezone": "Mars/Olympus"},
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/admin/centres/{web.centre_id}",
            data={"csrf_token": token, "name": "CDM Bruxelles", "timezone": "Europe/Brussels"},
        ).status_code
        == 303
    )
    web.add_account("network", ["admin"], audiences=["*"], centre=False)
    network = web.client("network")
    assert (
        network.post(
            "/admin/centres",
            data={
                "csrf_token": csrf_of(network.get("/admin/centres").text),
                "code": "lux",
                "name": "Luxembourg",
                "timezone": "Europe/Luxembourg",
            },
        ).status_code
        == 303
    )
    with web.app.session() as session:
        assert session.scalar(select(Centre.timezone).where(Centre.code == "lux")) == "Europe/Luxembourg"
        assert session.get(Centre, web.centre_id).name == "CDM Bruxelles"

    assert (
        client.post(
            "/admin/closures",
            data={
                "csrf_token": token,
                "centre": "bxl",
                "starts_on": "2020-05-17",
                "ends_on": "2020-03-16",
                "scope": "all",
            },
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/admin/closures",
            data={
                "csrf_token": token,
                "centre": "lux",
                "starts_on": "2020-03-16",
                "ends_on": "2020-05-17",
                "scope": "all",
            },
        ).status_code
        == 422
    ), "not this admin's centre"
    assert (
        client.post(
            "/admin/closures",
            data={
                "csrf_token": token,
                "centre": "bxl",
                "starts_on": "2020-03-16",
                "ends_on": "2020-05-17",
                "scope": "multimedia",
                "label": "Confinement",
            },
        ).status_code
        == 303
    )
    with web.app.session() as session:
        closure = session.scalars(select(ClosurePeriod)).one()
        assert (closure.scope, closure.label) == ("multimedia", "Confinement")
    assert 'class="closure"' in client.get("/dashboard?on=2020-12-31").text
    assert client.post(f"/admin/closures/{closure.id}/delete", data={"csrf_token": token}).status_code == 303

    assert (
        client.post(
            "/admin/workshops", data={"csrf_token": token, "centre": "bxl", "code": "explorama", "label_fr": "Doublon"}
        ).status_code
        == 422
    ), "built-in codes are taken"
    assert (
        client.post(
            "/admin/workshops",
            data={
                "csrf_token": token,
                "centre": "bxl",
                "code": "cv-clinic",
                "label_fr": "Atelier CV",
                "label_en": "CV clinic",
                "audience": "",
            },
        ).status_code
        == 303
    )
    assert (
        client.post(
            "/admin/workshops",
            data={
                "csrf_token": token,
                "centre": "bxl",
                "code": "neet-rap",
                "label_fr": "Atelier rap",
                "audience": "neet",
            },
        ).status_code
        == 303
    )
    general = client.get("/log/general.activity").text
    assert 'value="cv-clinic"' in general and "Atelier CV" in general and 'value="neet-rap"' not in general
    neet = client.get("/log/neet.group").text
    assert 'value="neet-rap"' in neet and 'value="cv-clinic"' not in neet, (
        "a form that narrows its workshops gets only its audience's"
    )
    with web.app.session() as session:
        kind = session.scalar(select(WorkshopKind).where(WorkshopKind.code == "cv-clinic"))
    assert (
        client.post(
            f"/admin/workshops/{kind.id}",
            data={"csrf_token": token, "label_fr": "Atelier CV", "label_nl": "Cv-atelier"},
        ).status_code
        == 303
    )
    assert 'value="cv-clinic"' not in client.get("/log/general.activity").text, (
        "a deactivated kind is no longer offered"
    )


def test_lists_filter_by_period_audience_site_theme_and_language(web: Web) -> None:
    app = web.app
    bxl = ZoneInfo("Europe/Brussels")
    with app.transaction() as session:
        for day, audience, site, theme, language in (
            (date(2024, 3, 1), "general", "reception", "work", "fr"),
            (date(2024, 3, 2), "general", "advice", "learn", "nl"),
            (date(2024, 4, 1), "formtruck", "truck-flagey", "work", "uk"),
            (date(2023, 12, 31), "general", "reception", "work", "fr"),
        ):
            attributes = {"commune": "jette"} if audience == "formtruck" else None
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "site": site,
                    "occurred_at": datetime.combine(day, time(11), tzinfo=bxl),
                    "audience": audience,
                    "modality": "individual_advice",
                    "themes": [theme],
                    "language": language,
                },
                attributes,
            )
    client = web.client("programme_lead")

    def rows(query: str) -> int:
        page = client.get("/contacts?" + query)
        assert page.status_code == 200
        return page.text.count('<tr id="contact-')

    assert rows("from=2024-01-01&to=2024-12-31") == 3
    assert rows("from=2024-01-01&to=2024-12-31&audience=general") == 2
    assert rows("from=2024-01-01&to=2024-12-31&site=advice") == 1
    assert rows("from=2024-01-01&to=2024-12-31&theme=work") == 2
    assert rows("from=2024-01-01&to=2024-12-31&language=uk") == 1
    assert rows("from=2023-01-01&to=2024-12-31&theme=work&language=fr") == 2
    assert rows("from=2024-03-02&to=2024-03-01") == 2, "a reversed period is read the right way round"
    # A day that cannot be read is refused (named, in the reader's language), not replaced by a default.
    refused = client.get("/contacts?from=not-a-date&to=2024-12-31")
    assert refused.status_code == 422 and "not-a-date" in refused.text
    truck = web.client("formtruck_adviser")
    assert truck.get("/contacts?from=2024-01-01&to=2024-12-31").text.count('<tr id="contact-') == 1, (
        "an adviser lists its audience only"
    )
    assert truck.get("/contacts?audience=general").status_code == 403
