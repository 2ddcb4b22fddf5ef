"""The audit page: filtered by person, record, action and period, paged, exported (CSV and XLSX) and audited."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.web.conftest import Web
from tests.web.test_lists import read_csv, read_xlsx
from tremplin.core.models import AuditEvent, Staff

CONTACT = {"site": "reception", "audience": "general", "modality": "reception", "themes": ["work"], "headcount": 2}


def event_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="event-(\d+)"', html)]


def corrections(web: Web) -> dict[str, int]:
    """A contact edited by its author, corrected by a programme lead a year later, then deleted."""
    reception, lead = web.api("reception"), web.api("programme_lead")
    first = reception.post("/api/v1/contacts", json=CONTACT).json()["id"]
    second = reception.post("/api/v1/contacts", json=CONTACT).json()["id"]
    assert reception.patch(f"/api/v1/contacts/{first}", json={"headcount": 3}).status_code == 200
    assert lead.patch(f"/api/v1/contacts/{second}", json={"headcount": 1, "reason": "Counted twice"}).status_code == 200
    assert lead.delete(f"/api/v1/contacts/{second}", params={"reason": "Not a visit"}).status_code == 204
    with web.app.transaction() as session:
        # The author's edit happened last year: the period filter must leave it out of this year.
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "contact.edit", AuditEvent.object_id == str(first))
        )
        event.at = datetime.now(UTC) - timedelta(days=400)
    return {"first": first, "second": second}


def test_the_audit_page_filters_by_person_record_action_and_period(web: Web) -> None:
    made = corrections(web)
    admin = web.client("admin")
    page = admin.get("/admin/audit")
    assert page.status_code == 200 and 'id="flt-actor"' in page.text and "Counted twice" in page.text

    with web.app.session() as session:
        by_lead = set(session.scalars(select(AuditEvent.id).where(AuditEvent.actor == "programme_lead")))
        edits = set(session.scalars(select(AuditEvent.id).where(AuditEvent.action == "contact.edit")))
        of_second = set(
            session.scalars(
                select(AuditEvent.id).where(
                    AuditEvent.object_type == "contact", AuditEvent.object_id == str(made["second"])
                )
            )
        )
    assert (
        set(event_ids(admin.get("/admin/audit", params={"actor": "programme_lead"}).text)) == by_lead
        and len(by_lead) == 3
    )  # its token, a correction, a deletion
    assert (
        set(event_ids(admin.get("/admin/audit", params={"action": "contact.edit"}).text)) == edits and len(edits) == 2
    )
    assert (
        set(event_ids(admin.get("/admin/audit", params={"object_type": "contact", "object_id": made["second"]}).text))
        == of_second
    )
    this_year = admin.get(
        "/admin/audit", params={"action": "contact.edit", "from": date.today().replace(month=1, day=1).isoformat()}
    ).text
    assert len(event_ids(this_year)) == 1 and "Counted twice" in this_year
    last_year = admin.get(
        "/admin/audit", params={"action": "contact.edit", "to": (date.today() - timedelta(days=300)).isoformat()}
    ).text
    assert len(event_ids(last_year)) == 1 and "Counted twice" not in last_year
    assert admin.get("/admin/audit", params={"from": "2025-13-01"}).status_code == 422, "a day that is not one"
    assert web.client("programme_lead").get("/admin/audit").status_code == 403


def test_the_audit_page_is_paged(web: Web) -> None:
    from tremplin.core.audit import audit

    with web.app.transaction() as session:
        for i in range(60):
            audit(session, "report.view", None, "report", f"annual-{i}")
        session.flush()
    web.add_account("network_admin", ["admin"], audiences=["*"], centre=False)
    admin = web.client("network_admin")  # a network administrator also sees what scripts did
    first = admin.get("/admin/audit", params={"action": "report.view"})
    ids = event_ids(first.text)
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    next_url = re.search(r'href="([^"]+)" id="page-next"', first.text).group(1).replace("&amp;", "&")
    assert "action=report.view" in next_url
    rest = event_ids(admin.get(next_url).text)
    assert len(rest) == 10 and max(rest) < min(ids)
    assert event_ids(web.client("admin").get("/admin/audit", params={"action": "report.view"}).text) == [], (
        "an administrator bound to a centre sees what that centre's accounts did"
    )


def test_the_audit_export_applies_the_filters_and_is_audited(web: Web) -> None:
    made = corrections(web)
    admin = web.client("admin")
    rows = read_csv(
        admin.get("/admin/audit/export", params={"format": "csv", "actor": "programme_lead", "object_type": "contact"}),
        ";",
    )
    assert [r["action"] for r in rows] == ["Contact : suppression", "Contact : correction"]
    assert rows[0]["reason"] == "Not a visit" and rows[1]["reason"] == "Counted twice" and rows[1]["ground"] == "lead"
    assert '"headcount": [2, 1]' in rows[1]["details"] and rows[0]["object_id"] == str(made["second"])
    rows_x: list[dict[str, Any]] = read_xlsx(
        admin.get("/admin/audit/export", params={"format": "xlsx", "object_id": made["first"]})
    )
    assert [r["action"] for r in rows_x] == ["Contact : correction"] and rows_x[0]["actor"] == "reception"
    with web.app.session() as session:
        exports = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "list.export", AuditEvent.object_type == "audit")
            )
        )
    assert [e.details["filters"].get("actor") for e in exports] == ["programme_lead", None] and exports[
        0
    ].actor == "admin"


def visible(html: str) -> str:
    """The words a reader sees: the page without its tags (and so without attributes such as ``title``)."""
    import html as markup

    # French pages set a narrow no-break space before a colon: compare with the labels' plain space.
    return markup.unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")


def test_the_audit_page_names_actions_and_records_in_the_readers_language(web: Web) -> None:
    from tremplin.core.audit import audit

    corrections(web)
    admin = web.client("admin")
    with web.app.transaction() as session:
        # Done by the administrator, so that its centre's audit page lists them.
        staff = session.scalar(select(Staff).where(Staff.username == "admin"))
        audit(session, "staff.create", staff, "staff", "newcomer")
        audit(session, "referral.expired", staff, "referral", "7")
        audit(session, "someplugin.unheard_of", staff, "someplugin", "1")
    expected = {
        "fr": ("Contact : correction", "Compte : création", "Orientation : expiration", "Orientation"),
        "nl": ("Contact: gecorrigeerd", "Account: aangemaakt", "Doorverwijzing: verlopen", "Doorverwijzing"),
        "uk": ("Контакт: виправлення", "Обліковий запис: створення", "Направлення: закінчення строку", "Направлення"),
        "en": ("Contact: corrected", "Account: created", "Referral: expired", "Referral"),
    }
    for lang, (edit, create, expired, referral) in expected.items():
        assert admin.get(f"/lang/{lang}?next=/admin/audit").status_code == 303
        html = admin.get("/admin/audit").text
        text = visible(html)
        assert edit in text and create in text and expired in text, lang
        assert referral in visible(html.split('id="flt-object-type"')[1].split("</select>")[0]), lang
        for code in ("contact.edit", "contact.delete", "staff.create", "referral.expired", "login.ok"):
            assert code not in text, (lang, code)
            # The code stays the filter's value and the label's title: an administrator can still filter by it.
            assert f'value="{code}"' in html and f'title="{code}"' in html, (lang, code)
        assert "someplugin.unheard_of" in text, "an action nobody labelled shows as its code"
        assert event_ids(admin.get("/admin/audit", params={"action": "staff.create"}).text), lang
        rows = read_csv(admin.get("/admin/audit/export", params={"format": "csv"}), "," if lang == "en" else ";", lang)
        actions = {r["action"] for r in rows}
        assert {edit, create, expired} <= actions and not actions & {"contact.edit", "staff.create"}, lang
        assert {r["object_type"] for r in rows if r["object_id"] == "newcomer"} == {create.split(":")[0].strip()}


def test_an_audiences_own_events_are_named_by_its_plugin(web: Web) -> None:
    """The core cannot name ``formtruck.tour_plan``: the Formtruck and schools plugins label their events
    (``register_codes``: ``audit_action`` and ``audit_kind``), on the page and in the export."""
    from tremplin.core.audit import audit

    with web.app.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.username == "admin"))
        audit(session, "formtruck.tour_plan", staff, "formtruck", "2026-W10")
        audit(session, "schools.export", staff, "school_bookings", "")
    admin = web.client("admin")
    expected = {
        "fr": ("Formtruck : planning de la tournée envoyé", "Réservations des écoles : exportées"),
        "nl": ("Formtruck: rondeplanning verstuurd", "Schoolboekingen: geëxporteerd"),
        "uk": ("Formtruck: план маршруту надіслано", "Бронювання шкіл: експортовано"),
        "en": ("Formtruck: tour plan sent", "School bookings: exported"),
    }
    for lang, (tour_plan, export) in expected.items():
        assert admin.get(f"/lang/{lang}?next=/admin/audit").status_code == 303
        html = admin.get("/admin/audit").text
        text = visible(html)
        assert tour_plan.replace("\u202f", " ") in text and export.replace("\u202f", " ") in text, lang
        assert "formtruck.tour_plan" not in text and "schools.export" not in text, lang
        assert 'value="formtruck.tour_plan"' in html, "the filter keeps the code"
        kinds = visible(html.split('id="flt-object-type"')[1].split("</select>")[0])
        assert export.split(":")[0].strip() in kinds, lang
        rows = read_csv(admin.get("/admin/audit/export", params={"format": "csv"}), "," if lang == "en" else ";", lang)
        assert {tour_plan, export} <= {r["action"].replace("\u202f", " ") for r in rows}, lang
