"""A visitor answers the satisfaction survey in a real browser (Debian's Chromium), in Dutch on a
360 px phone, through a one-time link; the same link cannot be answered twice; the answer is in the
annual report's JSON. At the desk, the reception's tablet offers a fresh survey to each person."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from .conftest import login, visible_text

pytestmark = pytest.mark.slow


def test_a_survey_answered_in_the_browser_is_in_the_annual_report(
    live_server: Any, new_page: Callable[..., Any], axe: Callable[..., Any]
) -> None:
    from sqlalchemy import select

    from tremplin.core.models import Centre
    from tremplin.core.reports.build import annual_report
    from tremplin.core.reports.render import render_bytes
    from tremplin.core.surveys import new_link

    app = live_server.app
    with app.transaction() as session:
        centre = session.scalars(select(Centre).order_by(Centre.id)).first()
        code = new_link(session, "general", centre_id=centre.id).code

    phone = new_page(phone=True, locale="nl-BE")
    phone.goto(f"/survey/{code}")
    assert phone.get_by_role("heading", level=1).inner_text() == "Hoe was uw bezoek?"
    axe(phone, "survey form")
    phone.get_by_role("button", name="Mijn antwoorden versturen").click()
    assert "Kies één antwoord." in visible_text(phone), "an empty form is refused, in Dutch"
    phone.get_by_role("radio", name="Zeer tevreden").check()
    phone.get_by_role("group", name="Zou u ons aanraden aan iemand die u kent?").get_by_role("radio", name="Ja").check()
    phone.get_by_role("group", name="Was dit uw eerste bezoek?").get_by_role("radio", name="Ja").check()
    phone.get_by_role("button", name="Mijn antwoorden versturen").click()
    assert phone.locator("#outcome").inner_text() == "Uw antwoorden zijn anoniem opgeslagen."

    phone.goto(f"/survey/{code}")
    assert "Deze enquête werd al beantwoord." in visible_text(phone)

    with app.session() as session:
        report = json.loads(render_bytes(annual_report(app, session, date.today().year), "json"))
    rows = {
        row["key"]: row for row in next(s for s in report["sections"] if s["key"] == "surveys.satisfaction")["rows"]
    }
    assert rows["answers"]["count"] >= 1 and rows["satisfied"]["count"] >= 1 and rows["first_visit"]["count"] >= 1

    # The desk: the reception's tablet, one fresh survey per person.
    tablet = new_page(locale="fr-BE")
    login(tablet, "reception")
    tablet.goto("/surveys/desk?service=general")
    assert tablet.get_by_role("img", name="Code QR de cette enquête").is_visible()
    tablet.get_by_role("radio", name="Satisfait·e", exact=True).check()
    tablet.get_by_role("group", name="Nous recommanderiez-vous à une personne de votre entourage ?").get_by_role(
        "radio", name="Oui"
    ).check()
    tablet.get_by_role("group", name="Était-ce votre première visite ?").get_by_role("radio", name="Non").check()
    tablet.get_by_role("button", name="Envoyer mes réponses").click()
    assert tablet.locator("#outcome").inner_text() == "Vos réponses ont été enregistrées, anonymement."
    tablet.get_by_role("link", name="Personne suivante").click()
    # French typography puts a narrow no-break space before the question mark.
    assert (
        tablet.get_by_role("heading", level=1).inner_text().replace("\u202f", " ")
        == "Comment s'est passée votre visite ?"
    )
