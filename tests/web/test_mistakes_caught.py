"""Mistakes caught when typed: each refusal and each question, through the routes, in the four languages.

Dates in the future or before the centre opened, a headcount far above what a form expects ("really
100 000?"), far more participants than registered, participants before an activity took place, empty
forms, an expired referral on the public page, a case without ticked consent, closing a case, the same
outcome twice on one day. Each answer says so in the reader's language (the rules' messages, from the
catalogs), beside the field, with an error summary linking to it.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import Web, csrf_of, form_values
from tests.web.test_quicklog import as_data
from tremplin.core.i18n import LANGUAGES
from tremplin.core.models import Activity, Case, Contact, Referral
from tremplin.core.records import issue_referral, log_activity, open_case
from tremplin.core.rules import Problem
from tremplin.core.web.i18n import BABEL_LOCALES, translator

ANSWERS = {
    "themes": ["work"],
    "language": "fr",
    "gender": "unknown",
    "age_band": "unknown",
    "education": "unknown",
    "labour_status": "unknown",
}


def plain(text: str) -> str:
    return " ".join(html.unescape(text).replace("\u202f", " ").replace("\xa0", " ").split())


def said(lang: str, key: str, question: bool = False, **params: Any) -> str:
    """The rule's message as a reader of ``lang`` reads it."""
    return plain(Problem(key, "", question, **params).message(translator(lang).gettext, BABEL_LOCALES[lang]))


def says(page: str, lang: str, key: str, question: bool = False, **params: Any) -> bool:
    return said(lang, key, question, **params) in plain(re.sub(r"<[^>]+>", " ", page).replace(" ", " "))


def client_in(web: Web, username: str, lang: str) -> Any:
    client = web.client(username)
    client.get(f"/lang/{lang}")
    return client


def advice_post(client: Any, **changes: Any) -> Any:
    page = client.get("/log/general.advice")
    data = as_data(form_values(page.text, "log-form"), site="advice", **ANSWERS)
    data.update(changes)
    return client.post("/log/general.advice", data=data)


def contacts(web: Web) -> list[Contact]:
    with web.app.session() as session:
        return list(session.scalars(select(Contact)))


def an_activity(web: Web, starts: datetime, registered: int = 24) -> int:
    with web.app.transaction() as session:
        values = {
            "centre": "bxl",
            "starts_at": starts,
            "audience": "general",
            "title": "Visite",
            "registered": registered,
        }
        return log_activity(web.app, session, values).id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dates_in_the_future_or_before_the_opening_are_refused(web: Web, lang: str) -> None:
    client = client_in(web, "programme_lead", lang)
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    future = advice_post(client, occurred_at=tomorrow)
    assert future.status_code == 422 and says(future.text, lang, "date.future")
    assert 'data-rule="date.future"' in future.text
    assert 'href="#f-occurred-at"' in future.text, "the error summary links to the field"
    assert re.search(r'id="f-occurred-at"[^>]*autofocus', future.text), "the page opens on the first field in error"
    opened = web.app.settings.opening_date
    assert opened is not None
    before = advice_post(client, occurred_at="1999-01-01T10:00")
    assert before.status_code == 422 and says(before.text, lang, "date.before_opening", opening=opened.isoformat())
    assert contacts(web) == []
    api = web.api("programme_lead")
    body = {
        "audience": "general",
        "modality": "individual_advice",
        "occurred_at": tomorrow,
    }
    assert api.post("/api/v1/contacts", json=body).json()["rules"] == {"occurred_at": "date.future"}
    body["occurred_at"] = "1999-01-01T10:00"
    assert api.post("/api/v1/contacts", json=body).json()["rules"] == {"occurred_at": "date.before_opening"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_headcount_above_the_forms_maximum_asks_before_it_is_saved(web: Web, lang: str) -> None:
    client = client_in(web, "reception", lang)
    page = client.get("/log/general.reception")
    data = as_data(
        form_values(page.text, "log-form"),
        site="reception",
        themes=["work"],
        headcount="100000",
    )
    asked = client.post("/log/general.reception", data=data)
    assert asked.status_code == 422 and says(asked.text, lang, "count.implausible", True, value=100_000, max=30)
    assert plain(translator(lang)("Yes, save it as it is")) in plain(asked.text)
    assert 'name="confirm" value="headcount=100000"' in asked.text
    assert contacts(web) == [], "nothing is saved before the answer"
    # Changed after the question, the value is asked about again; confirmed as it is, it is saved.
    changed = client.post(
        "/log/general.reception",
        data={
            **data,
            "headcount": "50000",
            "confirm": "headcount=100000",
            "csrf_token": csrf_of(asked.text),
        },
    )
    assert changed.status_code == 422 and says(changed.text, lang, "count.implausible", True, value=50_000, max=30)
    saved = client.post(
        "/log/general.reception",
        data={**data, "confirm": "headcount=100000", "csrf_token": csrf_of(asked.text)},
    )
    assert saved.status_code == 303
    assert [c.headcount for c in contacts(web)] == [100_000]
    api = web.api("reception")
    body = {
        "form": "general.reception",
        "audience": "general",
        "modality": "reception",
        "site": "reception",
        "headcount": 100_000,
    }
    question = api.post("/api/v1/contacts", json=body)
    assert (
        question.status_code == 422
        and question.json()["rules"] == {"headcount": "count.implausible"}
        and question.json()["confirm"] is True
    )
    assert api.post("/api/v1/contacts", json={**body, "confirm": True}).status_code == 201


@pytest.mark.parametrize("lang", LANGUAGES)
def test_far_more_participants_than_registered_asks_first(web: Web, lang: str) -> None:
    activity_id = an_activity(web, datetime.now(UTC) - timedelta(hours=3), registered=24)
    client = client_in(web, "programme_lead", lang)
    page = client.get(f"/activities/{activity_id}")
    asked = client.post(
        f"/activities/{activity_id}/participants",
        data={"csrf_token": csrf_of(page.text), "participants": "300"},
    )
    assert asked.status_code == 422 and says(asked.text, lang, "count.above_registered", True, value=300, registered=24)
    assert 'name="confirm" value="300"' in asked.text
    saved = client.post(
        f"/activities/{activity_id}/participants",
        data={
            "csrf_token": csrf_of(page.text),
            "participants": "300",
            "confirm": "300",
        },
    )
    assert saved.status_code == 303
    with web.app.session() as session:
        assert session.get(Activity, activity_id).participants == 300
    other = an_activity(web, datetime.now(UTC) - timedelta(hours=3), registered=24)
    api = web.api("programme_lead")
    question = api.post(f"/api/v1/activities/{other}/participants", json={"participants": 300})
    assert question.status_code == 422 and question.json()["rules"] == {"participants": "count.above_registered"}
    assert (
        api.post(
            f"/api/v1/activities/{other}/participants",
            json={"participants": 300, "confirm": True},
        ).status_code
        == 200
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_participants_wait_until_the_activity_took_place(web: Web, lang: str) -> None:
    activity_id = an_activity(web, datetime.now(UTC) + timedelta(days=2))
    client = client_in(web, "programme_lead", lang)
    page = client.get(f"/activities/{activity_id}")
    refused = client.post(
        f"/activities/{activity_id}/participants",
        data={"csrf_token": csrf_of(page.text), "participants": "12"},
    )
    assert refused.status_code == 422 and says(refused.text, lang, "participants.not_happened")
    with web.app.session() as session:
        assert session.get(Activity, activity_id).participants is None
    api = web.api("programme_lead")
    answer = api.post(f"/api/v1/activities/{activity_id}/participants", json={"participants": 12})
    assert answer.status_code == 422 and answer.json()["rules"] == {"participants": "participants.not_happened"}
    planned = {
        "centre": "bxl",
        "audience": "general",
        "starts_at": (date.today() + timedelta(days=3)).isoformat() + "T10:00",
    }
    assert api.post("/api/v1/activities", json=planned).status_code == 201, "an activity may be planned"
    assert api.post("/api/v1/activities", json={**planned, "participants": 9}).json()["rules"] == {
        "participants": "participants.not_happened"
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_empty_forms_are_refused_and_unknown_is_a_choice(web: Web, lang: str) -> None:
    client = client_in(web, "counsellor", lang)
    page = client.get("/log/general.advice")
    assert 'value="unknown"' in page.text and 'value="unknown" checked' not in page.text, (
        "unknown is offered, not assumed"
    )
    empty = client.post("/log/general.advice", data={"csrf_token": csrf_of(page.text)})
    assert empty.status_code == 422 and says(empty.text, lang, "required")
    for field in ("themes", "site", "gender", "age_band"):
        assert re.search(rf'id="f-{field.replace("_", "-")}-error" data-rule="required"', empty.text), field
        assert f'href="#f-{field.replace("_", "-")}' in empty.text, f"the summary links to {field}"
    assert contacts(web) == []
    referral_page = client.get("/referrals/new")
    no_partner = client.post(
        "/referrals",
        data={"csrf_token": csrf_of(referral_page.text), "audience": "general"},
    )
    assert no_partner.status_code == 422 and says(no_partner.text, lang, "partner.required")
    assert 'href="#to-partner"' in no_partner.text
    with web.app.session() as session:
        assert session.scalars(select(Referral)).first() is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_expired_referral_is_not_confirmed(web: Web, lang: str) -> None:
    from tremplin.core.anonymity import format_token

    with web.app.transaction() as session:
        referral = issue_referral(web.app, session, web.centre_id, audience="general")
        referral.issued_at = datetime.now(UTC) - timedelta(days=360)
        referral.expires_at = datetime.now(UTC) - timedelta(days=300)  # ten months ago; no flow came by
        token, referral_id = format_token(referral.token), referral.id
    partner = web.anonymous()
    partner.get(f"/lang/{lang}")
    page = partner.get(f"/r?t={token}")
    answer = partner.post("/r", data={"csrf_token": csrf_of(page.text), "token": token})
    assert answer.status_code == 409 and plain(translator(lang)("This code has expired.")) in plain(answer.text)
    with web.app.session() as session:
        assert session.get(Referral, referral_id).status == "expired", "expiry applied as it was read"
    assert web.api("counsellor").get(f"/api/v1/referrals/{token}").json()["status"] == "expired"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cases_consent_closing_and_outcomes(web: Web, lang: str) -> None:
    client = client_in(web, "neet_worker", lang)
    page = client.get("/cases/new?audience=neet")
    assert 'name="consent" value="1" checked' not in page.text and 'name="consent_on" value=""' in page.text
    refused = client.post("/cases", data={"csrf_token": csrf_of(page.text), "audience": "neet"})
    assert refused.status_code == 422 and says(refused.text, lang, "consent.required")
    assert 'href="#consent"' in refused.text and re.search(r'id="consent"[^>]*autofocus', refused.text)
    opened = client.post(
        "/cases",
        data={"csrf_token": csrf_of(page.text), "audience": "neet", "consent": "1"},
    )
    assert opened.status_code == 303
    code = opened.headers["location"].rsplit("/", 1)[1]
    case_page = client.get(f"/cases/{code}")
    csrf = csrf_of(case_page.text)
    asked = client.post(f"/cases/{code}/close", data={"csrf_token": csrf, "stage": "left"})
    assert asked.status_code == 200 and plain(translator(lang)("Yes, close the case")) in plain(asked.text)
    with web.app.session() as session:
        assert session.scalar(select(Case.left_on).where(Case.code == code)) is None, "asking closes nothing"
    today = date.today().isoformat()
    assert client.post(f"/cases/{code}/move", data={"csrf_token": csrf, "stage": "engaged"}).status_code == 303
    first = client.post(
        f"/cases/{code}/outcome",
        data={"csrf_token": csrf, "kind": "qualification", "on": today},
    )
    assert first.status_code == 303
    twice = client.post(
        f"/cases/{code}/outcome",
        data={"csrf_token": csrf, "kind": "qualification", "on": today},
    )
    assert twice.status_code == 422 and says(twice.text, lang, "outcome.duplicate")
    with web.app.session() as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert [o.kind for o in case.outcomes] == ["qualification"]


def test_an_outcome_recorded_then_implied_by_a_move_on_the_same_day_is_kept_once(
    web: Web,
) -> None:
    from tremplin.core.records import move_case, record_outcome
    from tremplin.core.validation import RecordError

    with web.app.transaction() as session:
        case = open_case(web.app, session, web.centre_id, "neet", consent_on=date.today())
        record_outcome(web.app, session, case, "in_training", date.today())
        with pytest.raises(RecordError) as twice:
            record_outcome(web.app, session, case, "in_training", date.today())
        assert twice.value.rules == {"kind": "outcome.duplicate"}
        for stage in ("engaged", "guided", "in_training"):
            move_case(web.app, session, case, stage, on=date.today())
        assert [o.kind for o in case.outcomes] == ["in_training"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_correction_asks_too_before_saving_a_count_far_above_the_usual(web: Web, lang: str) -> None:
    from tests.web.test_corrections import CONTACT, edit_data, new_contact

    contact_id = new_contact(web, "reception", **{**CONTACT, "form": "general.reception", "headcount": 3})
    client = client_in(web, "reception", lang)
    page = client.get(f"/contacts/{contact_id}")
    asked = client.post(f"/contacts/{contact_id}", data=edit_data(page.text, "contact-form", headcount="3000"))
    assert asked.status_code == 422 and says(asked.text, lang, "count.implausible", True, value=3000, max=30)
    assert 'name="confirm" value="headcount=3000"' in asked.text and 'href="#f-headcount"' in asked.text
    with web.app.session() as session:
        assert session.get(Contact, contact_id).headcount == 3
    confirmed = edit_data(asked.text, "contact-form", headcount="3000")
    assert client.post(f"/contacts/{contact_id}", data=confirmed).status_code == 303
    with web.app.session() as session:
        assert session.get(Contact, contact_id).headcount == 3000


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_api_opens_a_case_only_with_consent_confirmed(web: Web, lang: str) -> None:
    """As the web form's unticked box: ``consent: true`` is required, and its absence answered in the language
    of the request, by the same rule."""
    api = web.api("neet_worker")
    api.headers["accept-language"] = lang
    schema = web.anonymous().get("/openapi.json").json()["components"]["schemas"]["CaseIn"]
    assert "consent" in schema["required"] and schema["properties"]["consent"]["type"] == "boolean"
    assert "consent.required" in schema["properties"]["consent"]["description"]
    today = date.today().isoformat()
    for body in ({"audience": "neet", "consent_on": today}, {"audience": "neet", "consent": False}):
        refused = api.post("/api/v1/cases", json=body)
        assert refused.status_code == 422 and refused.json()["rules"] == {"consent": "consent.required"}
        assert plain(refused.json()["messages"]["consent"]) == said(lang, "consent.required")
    with web.app.session() as session:
        assert session.scalars(select(Case)).first() is None
    future = (date.today() + timedelta(days=1)).isoformat()
    later = api.post("/api/v1/cases", json={"audience": "neet", "consent": True, "consent_on": future})
    assert later.status_code == 422 and later.json()["rules"] == {"consent_on": "date.future"}
    assert plain(later.json()["messages"]["consent_on"]) == said(lang, "date.future")
    opened = api.post("/api/v1/cases", json={"audience": "neet", "consent": True})
    assert opened.status_code == 201 and opened.json()["consent_on"] == today, "consent given today when no day"
