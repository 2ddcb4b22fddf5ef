"""A programme lead corrects a typo that went into the figures, in a real browser: finds the contact in
the list, changes the headcount, is asked for a reason, gives it, and sees the correction kept."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tremplin.core import rollup
from tremplin.core.models import AuditEvent, Contact, Staff
from tremplin.core.records import log_contact

from .conftest import login, visible_text

pytestmark = pytest.mark.slow


def test_a_programme_lead_corrects_a_contact_with_a_reason(
    new_page: Any, axe: Any, db: Any, live_server: Any, tmp_path: Path
) -> None:
    app = live_server.app
    with app.transaction() as session:
        reception = session.get(Staff, live_server.seeded["staff"]["reception"])
        contact = log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "site": "reception",
                "occurred_at": datetime.now(UTC) - timedelta(minutes=1),
                "audience": "general",
                "modality": "reception",
                "channel": "walk_in",
                "themes": ["work"],
                "language": "fr",
                "headcount": 100_000,
            },
            staff=reception,
            confirmed=True,  # the typo was confirmed when typed: it is corrected afterwards
        )
        contact.created_at = datetime.now(UTC) - timedelta(days=3)
        contact_id = contact.id
    with db() as session:
        before = rollup.totals(session, ["reception.contacts"], date.today(), date.today())["reception.contacts"]

    page = new_page()
    login(page, "programme_lead")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^contacts$", re.I)).first.click()
    with page.expect_navigation():
        page.locator(f'a[href="/contacts/{contact_id}"]').click()
    assert re.search(r"corriger ce contact", visible_text(page), re.I), (
        "a programme lead may correct someone else's contact"
    )
    axe(page, "contact page")

    headcount = page.get_by_label(re.compile(r"^nombre de personnes", re.I))
    assert headcount.input_value() == "100000"
    headcount.fill("10")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"enregistrer la correction", re.I)).click()
    assert "Indiquez la raison de cette correction." in visible_text(page), "the reason is asked for"
    assert page.get_by_label(re.compile(r"^nombre de personnes", re.I)).input_value() == "10", "what was typed is kept"
    with db() as session:
        assert session.get(Contact, contact_id).headcount == 100_000, "nothing is saved without a reason"

    reason = page.locator("#edit-reason")
    assert reason.get_attribute("aria-invalid") == "true"
    reason.fill("Faute de frappe : 10 visiteurs, pas 100 000")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"enregistrer la correction", re.I)).click()
    text = visible_text(page)
    assert "Corrigé" in text and "Faute de frappe" in text, "the page confirms and lists the correction with its reason"
    page.screenshot(path=str(tmp_path / "contact-corrected.png"), full_page=True)
    print(f"corrected contact screenshot: {tmp_path / 'contact-corrected.png'}")
    axe(page, "contact page after the correction")

    with db() as session:
        assert session.get(Contact, contact_id).headcount == 10
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "contact", AuditEvent.object_id == str(contact_id))
        ).all()[-1]
        assert event.action == "contact.edit" and event.actor == "programme_lead"
        assert event.details["changes"] == {"headcount": [100_000, 10]} and event.details["reason"].startswith(
            "Faute de frappe"
        )
        after = rollup.totals(session, ["reception.contacts"], date.today(), date.today())["reception.contacts"]
    assert before - after == 99_990, "the day's figure follows the correction"
