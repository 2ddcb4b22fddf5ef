"""Correcting contacts and activities: one rule for the pages and the API, every correction audited, the
counters following (the live roll-up equals a rebuild afterwards), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import Web, csrf_of, form_values
from tremplin.core import rollup
from tremplin.core.models import Activity, AuditEvent, Contact

CONTACT = {
    "site": "reception",
    "audience": "general",
    "modality": "reception",
    "channel": "walk_in",
    "themes": ["work"],
    "language": "fr",
    "headcount": 2,
}
ACTIVITY = {
    "site": "group-room",
    "audience": "general",
    "title": "Atelier CV",
    "workshop": "info_session",
    "registered": 12,
    "themes": ["work"],
}

#: The refusal of a record entered by someone else, and of a missing reason, as each language says it.
NOT_AUTHOR = {
    "fr": "Seul l'auteur peut corriger cet enregistrement",
    "nl": "Alleen de auteur kan deze registratie corrigeren",
    "en": "Only the author may correct this record",
    "uk": "Лише автор може виправити цей запис",
}
TOO_LATE = {
    "fr": "que le jour même",
    "nl": "alleen corrigeren op de dag dat u ze invoerde",
    "en": "only on the day you made them",
    "uk": "лише в день їх внесення",
}
NO_REASON = {
    "fr": "Indiquez la raison de cette correction.",
    "nl": "Geef de reden voor deze correctie op.",
    "en": "Give the reason for this correction.",
    "uk": "Вкажіть причину цього виправлення.",
}


def rollup_equals_rebuild(web: Web) -> None:
    with web.app.db.engine.begin() as conn:
        live = rollup.snapshot(conn)
        rollup.rebuild(web.app, conn)
        assert live == rollup.snapshot(conn), "the live roll-up equals a rebuild from the rows"


def total(web: Web, counter: str, day: date | None = None) -> int:
    day = day or date.today()
    with web.app.session() as session:
        return rollup.totals(session, [counter], date(day.year, 1, 1), date(day.year, 12, 31))[counter]


def corrections_of(web: Web, kind: str, record_id: int) -> list[AuditEvent]:
    with web.app.session() as session:
        stmt = (
            select(AuditEvent)
            .where(AuditEvent.object_type == kind, AuditEvent.object_id == str(record_id))
            .order_by(AuditEvent.id)
        )
        return list(session.scalars(stmt))


def entered_days_ago(web: Web, model: Any, record_id: int, days: int) -> None:
    with web.app.transaction() as session:
        session.get(model, record_id).created_at = datetime.now(UTC) - timedelta(days=days)


def new_contact(web: Web, username: str, **changes: Any) -> int:
    response = web.api(username).post("/api/v1/contacts", json={**CONTACT, **changes})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# ------------------------------------------------------------------------------------------------
# The API


def test_the_api_lets_the_author_correct_the_days_entry_and_nobody_else(web: Web) -> None:
    web.add_account("reception2", ["reception"])
    contact_id = new_contact(web, "reception")
    mine, theirs = web.api("reception"), web.api("reception2")
    assert total(web, "reception.contacts") == 2

    assert theirs.patch(f"/api/v1/contacts/{contact_id}", json={"headcount": 40}).status_code == 403
    assert theirs.delete(f"/api/v1/contacts/{contact_id}").status_code == 403
    refused = theirs.put(f"/api/v1/contacts/{contact_id}", json={**CONTACT, "headcount": 40})
    assert refused.status_code == 403 and "only the author" in refused.json()["detail"]

    fixed = mine.patch(f"/api/v1/contacts/{contact_id}", json={"headcount": 3})
    assert fixed.status_code == 200 and fixed.json()["headcount"] == 3 and fixed.json()["themes"] == ["work"], (
        "a PATCH keeps what it does not name"
    )
    assert total(web, "reception.contacts") == 3
    event = corrections_of(web, "contact", contact_id)[-1]
    assert event.action == "contact.edit" and event.actor == "reception"
    assert (
        event.details["changes"] == {"headcount": [2, 3]}
        and event.details["ground"] == "author"
        and event.details["reason"] == ""
    )

    entered_days_ago(web, Contact, contact_id, 2)
    late = mine.patch(f"/api/v1/contacts/{contact_id}", json={"headcount": 4})
    assert late.status_code == 403 and "on the day it was entered" in late.json()["detail"]
    assert mine.delete(f"/api/v1/contacts/{contact_id}").status_code == 403
    rollup_equals_rebuild(web)


def test_programme_leads_correct_any_record_at_any_time_with_a_scrubbed_reason(web: Web) -> None:
    contact_id = new_contact(web, "reception", headcount=100_000, confirm=True)
    entered_days_ago(web, Contact, contact_id, 40)
    lead = web.api("programme_lead")
    missing = lead.patch(f"/api/v1/contacts/{contact_id}", json={"headcount": 1})
    assert missing.status_code == 422 and "reason" in missing.json()["errors"]
    assert total(web, "reception.contacts") == 100_000, "nothing changed"

    fixed = lead.patch(
        f"/api/v1/contacts/{contact_id}",
        json={"headcount": 1, "reason": "Typo: one visitor, not 100000. Call Marc at +32 470 12 34 56"},
    )
    assert fixed.status_code == 200, fixed.text
    assert total(web, "reception.contacts") == 1
    event = corrections_of(web, "contact", contact_id)[-1]
    assert event.actor == "programme_lead" and event.details["ground"] == "lead"
    assert event.details["changes"] == {"headcount": [100_000, 1]}
    assert event.details["reason"].startswith("Typo: one visitor") and "470" not in event.details["reason"], (
        "the reason is scrubbed"
    )

    assert lead.delete(f"/api/v1/contacts/{contact_id}").status_code == 422, "a deletion needs a reason too"
    assert lead.delete(f"/api/v1/contacts/{contact_id}", params={"reason": "Entered twice"}).status_code == 204
    assert total(web, "reception.contacts") == 0
    deleted = corrections_of(web, "contact", contact_id)[-1]
    assert deleted.action == "contact.delete" and deleted.details["reason"] == "Entered twice"
    assert deleted.details["before"]["headcount"] == 1 and deleted.details["before"]["site"] == "reception"
    rollup_equals_rebuild(web)


def test_an_edit_is_checked_as_a_new_record_is(web: Web) -> None:
    contact_id = new_contact(web, "reception")
    api = web.api("reception")
    bad = api.patch(f"/api/v1/contacts/{contact_id}", json={"modality": "teleportation"})
    assert bad.status_code == 422 and "modality" in bad.json()["errors"]
    personal = api.patch(
        f"/api/v1/contacts/{contact_id}", json={"note": "Jean Dupont, +32 470 12 34 56, jean@example.be, rue Haute 12"}
    )
    assert personal.status_code == 422 and "note" in personal.json()["errors"], (
        "a note that is mostly personal data is refused, as on creation"
    )
    unknown_site = api.patch(f"/api/v1/contacts/{contact_id}", json={"site": "nowhere"})
    assert unknown_site.status_code == 422 and "site" in unknown_site.json()["errors"]
    with web.app.session() as session:
        assert session.get(Contact, contact_id).headcount == 2


def test_activities_follow_the_same_rule_through_the_api(web: Web) -> None:
    counsellor, lead = web.api("counsellor"), web.api("programme_lead")
    created = counsellor.post(
        "/api/v1/activities",
        json={**ACTIVITY, "starts_at": (date.today() - timedelta(days=1)).isoformat() + "T10:00:00"},
    )
    assert created.status_code == 201, created.text
    activity_id = created.json()["id"]
    assert (
        counsellor.post(f"/api/v1/activities/{activity_id}/participants", json={"participants": 9}).status_code == 200
    )
    assert total(web, "group_activities.participants") == 9

    fixed = counsellor.patch(
        f"/api/v1/activities/{activity_id}", json={"participants": 10, "title": "Atelier CV et lettre"}
    )
    assert fixed.status_code == 200 and fixed.json()["participants"] == 10
    assert corrections_of(web, "activity", activity_id)[-1].details["changes"] == {
        "participants": [9, 10],
        "title": ["Atelier CV", "Atelier CV et lettre"],
    }
    entered_days_ago(web, Activity, activity_id, 3)
    assert counsellor.patch(f"/api/v1/activities/{activity_id}", json={"participants": 11}).status_code == 403
    assert (
        counsellor.post(f"/api/v1/activities/{activity_id}/participants", json={"participants": 11}).status_code == 403
    ), "changing a headcount already entered is a correction"
    assert web.api("neet_worker").get(f"/api/v1/activities/{activity_id}").status_code == 404, "not its audience"
    assert lead.post(f"/api/v1/activities/{activity_id}/participants", json={"participants": 11}).status_code == 422
    assert (
        lead.post(
            f"/api/v1/activities/{activity_id}/participants",
            json={"participants": 11, "reason": "Sign-in sheet recount"},
        ).status_code
        == 200
    )
    assert total(web, "group_activities.participants") == 11
    put = lead.put(
        f"/api/v1/activities/{activity_id}",
        json={**ACTIVITY, "starts_at": "2020-02-03T10:00:00", "participants": 12, "reason": "Wrong year"},
    )
    assert put.status_code == 200 and put.json()["day"] == "2020-02-03"
    assert (
        total(web, "group_activities.participants") == 0
        and total(web, "group_activities.participants", date(2020, 2, 3)) == 12
    ), "the figure moved to its year"
    assert counsellor.delete(f"/api/v1/activities/{activity_id}").status_code == 403
    assert (
        lead.delete(f"/api/v1/activities/{activity_id}", params={"reason": "Cancelled, never took place"}).status_code
        == 204
    )
    assert total(web, "group_activities.participants", date(2020, 2, 3)) == 0
    assert [e.action for e in corrections_of(web, "activity", activity_id)][-1] == "activity.delete"
    rollup_equals_rebuild(web)


def test_a_planned_activity_stays_open_to_its_author_until_it_takes_place(web: Web) -> None:
    counsellor = web.api("counsellor")
    created = counsellor.post(
        "/api/v1/activities",
        json={**ACTIVITY, "starts_at": (date.today() + timedelta(days=10)).isoformat() + "T10:00:00"},
    )
    activity_id = created.json()["id"]
    entered_days_ago(web, Activity, activity_id, 5)
    assert counsellor.patch(f"/api/v1/activities/{activity_id}", json={"registered": 15}).status_code == 200


# ------------------------------------------------------------------------------------------------
# The pages


def edit_data(html: str, form_id: str, **changes: str) -> dict[str, Any]:
    """What submitting the form ``form_id`` would send, with ``changes`` typed in (lists for repeated names)."""
    data: dict[str, Any] = {}
    for name, value in form_values(html, form_id):
        data.setdefault(name, []).append(value)
    out = {k: v if len(v) > 1 or k == "themes" else v[0] for k, v in data.items()}
    out.update(changes)
    return out


def contact_page(client: Any, contact_id: int) -> Any:
    page = client.get(f"/contacts/{contact_id}")
    assert page.status_code == 200, page.text[:300]
    return page


def test_the_author_corrects_the_days_entry_from_its_page(web: Web) -> None:
    contact_id = new_contact(web, "reception")
    client = web.client("reception")
    page = contact_page(client, contact_id)
    assert 'id="contact-form"' in page.text and 'id="delete-form"' in page.text
    response = client.post(f"/contacts/{contact_id}", data=edit_data(page.text, "contact-form", headcount="5"))
    assert response.status_code == 303, response.text[:500]
    with web.app.session() as session:
        contact = session.get(Contact, contact_id)
        assert contact.headcount == 5 and contact.site_id is not None and contact.themes == ["work"]
    event = corrections_of(web, "contact", contact_id)[-1]
    assert event.details["changes"] == {"headcount": [2, 5]}, (
        "an unchanged form changes nothing else (not even the seconds of the time)"
    )
    listed = unescape(contact_page(client, contact_id).text)
    assert re.search(r"Nombre de personnes\W+2 → 5", listed), "the page lists its corrections, fields by their label"
    rollup_equals_rebuild(web)


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "uk"])
def test_refusals_in_the_users_language(web: Web, lang: str) -> None:
    web.add_account(f"reception_{lang}", ["reception"], language=lang)
    web.add_account(f"lead_{lang}", ["programme_lead"], language=lang)
    contact_id = new_contact(web, "reception")

    other = web.client(f"reception_{lang}")
    page = contact_page(other, contact_id)
    assert NOT_AUTHOR[lang] in unescape(page.text) and 'id="contact-form"' not in page.text
    csrf = csrf_of(page.text)
    refused = other.post(f"/contacts/{contact_id}", data={"csrf_token": csrf, "headcount": "9"})
    assert refused.status_code == 403 and NOT_AUTHOR[lang] in unescape(refused.text)
    assert other.post(f"/contacts/{contact_id}/delete", data={"csrf_token": csrf}).status_code == 403

    lead = web.client(f"lead_{lang}")
    page = contact_page(lead, contact_id)
    missing = lead.post(f"/contacts/{contact_id}", data=edit_data(page.text, "contact-form", headcount="9"))
    assert missing.status_code == 422 and NO_REASON[lang] in unescape(missing.text) and 'value="9"' in missing.text, (
        "what was typed is kept"
    )
    no_reason_delete = lead.post(f"/contacts/{contact_id}/delete", data={"csrf_token": csrf_of(page.text)})
    assert no_reason_delete.status_code == 422 and NO_REASON[lang] in unescape(no_reason_delete.text)

    entered_days_ago(web, Contact, contact_id, 2)
    author = web.client("reception")
    author.cookies.set("tremplin_lang", lang)
    late = author.post(f"/contacts/{contact_id}", data={"csrf_token": csrf_of(contact_page(author, contact_id).text)})
    assert late.status_code == 403 and TOO_LATE[lang] in unescape(late.text)
    with web.app.session() as session:
        assert session.get(Contact, contact_id).headcount == 2, "nothing changed"


def test_a_programme_lead_corrects_and_deletes_from_the_pages(web: Web) -> None:
    contact_id = new_contact(web, "reception", headcount=300, confirm=True)
    entered_days_ago(web, Contact, contact_id, 30)
    lead = web.client("programme_lead")
    page = contact_page(lead, contact_id)
    response = lead.post(
        f"/contacts/{contact_id}", data=edit_data(page.text, "contact-form", headcount="30", reason="One zero too many")
    )
    assert response.status_code == 303
    assert total(web, "reception.contacts") == 30
    assert "One zero too many" in contact_page(lead, contact_id).text
    deleted = lead.post(
        f"/contacts/{contact_id}/delete", data={"csrf_token": csrf_of(page.text), "reason": "Test entry"}
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/contacts"
    assert total(web, "reception.contacts") == 0
    assert lead.get(f"/contacts/{contact_id}").status_code == 404
    assert [e.action for e in corrections_of(web, "contact", contact_id)][-2:] == ["contact.edit", "contact.delete"]
    rollup_equals_rebuild(web)


def test_activities_are_corrected_and_deleted_from_their_page(web: Web) -> None:
    created = web.api("neet_worker").post(
        "/api/v1/activities",
        json={"audience": "neet", "starts_at": "2025-03-04T14:00:00", "workshop": "escape_game", "participants": 8},
    )
    activity_id = created.json()["id"]
    entered_days_ago(web, Activity, activity_id, 200)
    worker = web.client("neet_worker")
    page = worker.get(f"/activities/{activity_id}")
    assert 'id="activity-form"' not in page.text and 'id="correction-refusal"' in page.text
    assert worker.post(f"/activities/{activity_id}", data={"csrf_token": csrf_of(page.text)}).status_code == 403

    lead = web.client("programme_lead")
    page = lead.get(f"/activities/{activity_id}")
    missing = lead.post(f"/activities/{activity_id}", data=edit_data(page.text, "activity-form", participants="18"))
    assert missing.status_code == 422 and NO_REASON["fr"] in missing.text
    saved = lead.post(
        f"/activities/{activity_id}",
        data=edit_data(page.text, "activity-form", participants="18", reason="Two groups, one sheet"),
    )
    assert saved.status_code == 303
    assert total(web, "neet.group_participants", date(2025, 3, 4)) == 18
    assert corrections_of(web, "activity", activity_id)[-1].details["changes"] == {"participants": [8, 18]}
    deleted = lead.post(
        f"/activities/{activity_id}/delete", data={"csrf_token": csrf_of(page.text), "reason": "Duplicate"}
    )
    assert deleted.status_code == 303
    assert total(web, "neet.group_participants", date(2025, 3, 4)) == 0
    rollup_equals_rebuild(web)
