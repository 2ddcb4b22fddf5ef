"""Personal data typed into a note survives no path to the database: the web form, the API (contacts,
activity titles, referrals), the referral page, the CSV import and the bot (``test_ukrainian_bot.py``).

Each path gets the same note, built around the strings that used to survive every one of them; after
each, every text and JSON column of every table is read back and none of the strings is there, not
even with its separators taken out, while the note's ordinary words are.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, Text, select

from tests.core.test_import import csv_text, write
from tests.core.test_scrubber_corpus import ISSUE_EXAMPLES
from tests.web.conftest import Web, csrf_of, form_values, post_form
from tremplin.core.importer import ImportFailed, import_file
from tremplin.core.models import Activity, Base, Contact, Partner, Referral

SECRETS = [value for value, _ in ISSUE_EXAMPLES]
#: What must stay of the note: the situation, the course, the appointment.
CLEAN = (
    "Cherche une formation qualifiante d'aide-comptable chez Bruxelles Formation, module BF-2026-117, "
    "frais d'inscription 250 EUR pris en charge par le CPAS. Niveau de français B2, néerlandais A2, "
    "bachelier obtenu au Maroc, équivalence demandée. Orientée vers Actiris pour un contrat d'insertion "
    "de 12 mois; atelier CV collectif la semaine prochaine; en Belgique depuis 2019, deux enfants."
)


def note(next_week: date) -> str:
    personal = (
        "Vu Jean Dupont, GSM 32 470 12 34 56, mail jean.dupont[at]example[dot]be ou jean.dupont at example "
        "dot be ou jean.dupont＠example.be, compte BE68-5390-0754-7034, 30/07/1985 (1985-07-30)."
    )
    return f"{personal} {CLEAN} Rendez-vous le {next_week:%d/%m/%Y}."


def stored_text(web: Web) -> str:
    """Every value of every text or JSON column of every table."""
    values: list[str] = []
    with web.app.session() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if columns:
                for row in session.execute(select(*columns)):
                    values += [
                        v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in row if v is not None
                    ]
    return "\n".join(values)


def assert_nothing_survives(web: Web, *, kept: str = "aide-comptable") -> None:
    stored = stored_text(web)
    compact = re.sub(r"[\W_]", "", stored).lower()
    for secret in SECRETS:
        assert secret not in stored, secret
        assert re.sub(r"[\W_]", "", secret).lower() not in compact, secret
    for word in ("Dupont", "jean.dupont", "5390", "1985"):
        assert word not in stored, word
    assert kept in stored


def test_the_web_form(web: Web) -> None:
    client = web.client("counsellor")
    page = client.get("/log/general.advice")
    data: dict[str, object] = {}
    for name, value in form_values(page.text, "log-form"):
        data.setdefault(name, value)
    today = datetime.now()
    data.update(
        themes=["work"],
        note=note(today.date() + timedelta(days=7)),
        occurred_at=today.strftime("%Y-%m-%dT%H:%M"),
        site="advice",
        language="fr",
        gender="unknown",
        age_band="unknown",
        education="unknown",
        labour_status="unknown",
    )
    response = client.post("/log/general.advice", data={**data, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303, response.text[-2000:]
    with web.app.session() as session:
        stored = session.scalars(select(Contact.note)).one()
    assert "[name]" in stored and "[phone]" in stored and "[e-mail]" in stored and "[IBAN]" in stored
    assert "[birth date]" in stored and f"{today.date() + timedelta(days=7):%d/%m/%Y}" in stored
    assert_nothing_survives(web)


def test_the_api_contacts_activities_and_referrals(web: Web) -> None:
    api = web.api("counsellor")
    when = datetime(2026, 3, 12, 10, 30)
    contact = {
        "occurred_at": when.isoformat(),
        "site": "advice",
        "audience": "general",
        "modality": "individual_advice",
        "channel": "walk_in",
        "themes": ["work"],
        "language": "fr",
        "note": note(date(2026, 3, 19)),
    }
    created = api.post("/api/v1/contacts", json=contact)
    assert created.status_code == 201, created.text
    assert "[phone]" in created.json()["note"] and "19/03/2026" in created.json()["note"]
    edited = api.put(f"/api/v1/contacts/{created.json()['id']}", json={**contact, "note": note(date(2026, 3, 26))})
    assert edited.status_code == 200, edited.text

    title = "Atelier CV aide-comptable avec Jean Dupont (32 470 12 34 56), module BF-2026-117, salle 2, 12 places"
    activity = api.post(
        "/api/v1/activities",
        json={
            "starts_at": when.isoformat(),
            "audience": "general",
            "workshop": "workshop",
            "title": title,
            "registered": 12,
        },
    )
    # A title is shown in lists and exports, where a mask says nothing: one that names a person is refused.
    assert activity.status_code == 422, activity.text
    assert activity.json()["rules"] == {"title": "text.personal"}

    referral = api.post(
        "/api/v1/referrals",
        json={
            "audience": "general",
            "to_partner": "actiris",
            "theme": "work",
            "note": note(date.today() + timedelta(days=7)),
        },
    )
    assert referral.status_code == 201, referral.text
    assert_nothing_survives(web)


def test_the_referral_page(web: Web) -> None:
    client = web.client("counsellor")
    with web.app.session() as session:
        actiris = session.scalars(select(Partner.id).where(Partner.code == "actiris")).one()
    response = post_form(
        client,
        "/referrals/new",
        "/referrals",
        {
            "audience": "general",
            "to_partner": str(actiris),
            "theme": "work",
            "note": note(date.today() + timedelta(days=7)),
        },
    )
    assert response.status_code == 303, response.text[-2000:]
    with web.app.session() as session:
        stored = session.scalars(select(Referral.note)).one()
    assert "[name]" in stored and "[IBAN]" in stored
    assert_nothing_survives(web)


def test_the_import(web: Web, tmp_path: Path) -> None:
    contacts = [
        {
            "id": "n-01",
            "occurred_at": "2026-03-12T10:00",
            "site": "advice",
            "audience": "general",
            "modality": "individual_advice",
            "channel": "walk_in",
            "themes": "work",
            "language": "fr",
            "headcount": "1",
            "note": note(date(2026, 3, 19)),
        }
    ]
    result = import_file(web.app, "contacts", write(tmp_path, csv_text(contacts)))
    assert result.inserted == 1
    activities = [
        {
            "id": "t-01",
            "starts_at": "2026-03-12T14:00",
            "audience": "general",
            "workshop": "workshop",
            "title": "Atelier aide-comptable, Jean Dupont au 32 470 12 34 56, module BF-2026-117, salle 2",
            "language": "fr",
            "registered": "12",
        }
    ]
    with pytest.raises(ImportFailed, match=r"column title: contains personal data .*\[text.personal\]"):
        import_file(web.app, "activities", write(tmp_path, csv_text(activities, "activities"), "activities.csv"))
    with web.app.session() as session:
        stored = session.scalars(select(Contact.note)).one()
        assert session.scalars(select(Activity.title)).all() == [], "nothing of a refused import is written"
    assert "19/03/2026" in stored and "[birth date]" in stored, "the appointment stays, the birth date goes"
    assert_nothing_survives(web)
