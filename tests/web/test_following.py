"""Following people without knowing them: referral tokens and their public confirmation, cases."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.web.conftest import Web, csrf_of, form_values
from tremplin.core.anonymity import ALPHABET, format_token
from tremplin.core.models import AuditEvent, Case, CaseOutcome, CaseStageEvent, Referral

TOKEN = re.compile(r'<p class="token" id="token"[^>]*>([0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3})</p>')


def mistype(token: str) -> str:
    raw = token.replace("-", "")
    slipped = raw[:4] + ALPHABET[(ALPHABET.index(raw[4]) + 1) % len(ALPHABET)] + raw[5:]
    return format_token(slipped)


def issue(web: Web, username: str = "counsellor") -> tuple[str, int]:
    client = web.client(username)
    page = client.get("/referrals/new")
    assert page.status_code == 200 and 'label for="to-partner"' in page.text
    with web.app.session() as session:
        from tremplin.core.models import Partner

        actiris = session.scalar(select(Partner.id).where(Partner.code == "actiris"))
    # The note tells the situation, with a name and a number in it: the rules refuse a note that is mostly
    # personal data, and scrub the rest.
    note = "Looking for a first job in logistics after her training: call Marie Dupont at 0470 12 34 56"
    form = {"to_partner": str(actiris), "theme": "work", "audience": "general", "note": note}
    response = client.post("/referrals", data={"csrf_token": csrf_of(page.text), **form})
    assert response.status_code == 303
    shown = client.get(response.headers["location"])
    token = TOKEN.search(shown.text)
    assert token, "the token is shown large"
    assert "<svg" in shown.text and 'class="qr"' in shown.text, "and as a QR code"
    assert "http://127.0.0.1:8000/r" in shown.text, "the address of the public page (the public base URL)"
    return token.group(1), int(response.headers["location"].rsplit("/", 1)[1])


def test_issue_a_referral_then_the_partner_confirms_it_publicly(web: Web) -> None:
    token, referral_id = issue(web)
    with web.app.session() as session:
        referral = session.get(Referral, referral_id)
        assert referral.status == "issued" and referral.staff_id == web.staff["counsellor"] and referral.theme == "work"
        assert "0470" not in referral.note, "the note was scrubbed"

    partner = web.anonymous()
    page = partner.get(f"/r?t={token}")
    assert page.status_code == 200 and f'value="{token}"' in page.text, "the QR code's address fills the code in"
    assert "Actiris" not in page.text

    refused = partner.post("/r", data={"csrf_token": csrf_of(page.text), "token": mistype(token)})
    assert refused.status_code == 400
    assert "mal tapé" in refused.text, "the check-character message"
    for secret in ("Actiris", "Counsellor", "counsellor", "Travailler", "Marie"):
        assert secret not in refused.text, f"a refused code reveals nothing ({secret})"
    with web.app.session() as session:
        assert session.get(Referral, referral_id).status == "issued"

    unknown_but_valid = format_token(_valid_other(token))
    answer = partner.post("/r", data={"csrf_token": csrf_of(page.text), "token": unknown_but_valid})
    assert answer.status_code == 404 and "pas connu" in answer.text

    confirmed = partner.post("/r", data={"csrf_token": csrf_of(page.text), "token": token.lower().replace("-", " ")})
    assert confirmed.status_code == 200 and "Merci" in confirmed.text and "confirmée" in confirmed.text
    for secret in ("Actiris", "Counsellor", "counsellor", "Travailler"):
        assert secret not in confirmed.text
    again = partner.post("/r", data={"csrf_token": csrf_of(page.text), "token": token})
    assert again.status_code == 200 and "déjà" in again.text
    with web.app.session() as session:
        referral = session.get(Referral, referral_id)
        assert referral.status == "received" and referral.received_at is not None
        assert (
            session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "referral.check_failed")) == 2
        )

    # The counsellor closes the loop.
    client = web.client("counsellor")
    page = client.get(f"/referrals/{referral_id}")
    assert 'id="mark-completed"' in page.text and 'id="mark-received"' not in page.text
    assert (
        client.post(
            f"/referrals/{referral_id}/status", data={"csrf_token": csrf_of(page.text), "status": "completed"}
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/referrals/{referral_id}/status", data={"csrf_token": csrf_of(page.text), "status": "received"}
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/referrals/{referral_id}/status", data={"csrf_token": csrf_of(page.text), "status": "lost"}
        ).status_code
        == 422
    )
    listed = client.get("/referrals?status=completed")
    assert token in listed.text


def _valid_other(token: str) -> str:
    from tremplin.core.anonymity import check_character

    payload = token.replace("-", "")[:8]
    other = ("0" if payload[0] != "0" else "1") + payload[1:]
    return other + check_character(other)


def test_the_public_page_slows_down_guessing(web: Web) -> None:
    partner = web.anonymous()
    page = partner.get("/r")
    for _ in range(10):
        assert partner.post("/r", data={"csrf_token": csrf_of(page.text), "token": "AAA-AAA-AAA"}).status_code == 400
    assert partner.post("/r", data={"csrf_token": csrf_of(page.text), "token": "AAA-AAA-AAA"}).status_code == 429
    assert partner.post("/r", data={"token": "AAA-AAA-AAA"}).status_code == 403, (
        "the public form has its CSRF token too"
    )


def test_a_referral_in_an_audience_the_account_does_not_see(web: Web) -> None:
    _token, referral_id = issue(web, "counsellor")
    assert web.client("neet_worker").get(f"/referrals/{referral_id}").status_code == 404, "answered as missing"
    assert web.client("schools_coordinator").get(f"/referrals/{referral_id}").status_code == 403, "no referrals role"
    page = web.client("formtruck_adviser").get("/referrals")
    assert page.status_code == 200 and f"/referrals/{referral_id}" not in page.text


def test_open_a_case_move_it_record_outcomes_close_it(web: Web) -> None:
    client = web.client("neet_worker")
    page = client.get("/cases/new?audience=neet")
    assert 'label for="consent-on"' in page.text
    assert 'name="consent" value="1" required' in page.text, "consent is a box to tick, not ticked"
    no_consent = client.post("/cases", data={**_as_data(form_values(page.text, "case-form")), "consent_on": ""})
    assert no_consent.status_code == 422 and "consentement" in no_consent.text
    future = client.post(
        "/cases",
        data={
            **_as_data(form_values(page.text, "case-form")),
            "consent": "1",
            "consent_on": (date.today() + timedelta(days=3)).isoformat(),
        },
    )
    assert future.status_code == 422
    data = {
        **_as_data(form_values(page.text, "case-form")),
        "consent": "1",
        "gender": "woman",
        "age_band": "18_24",
        "profile.homeless": "declined",
    }
    opened = client.post("/cases", data=data)
    assert opened.status_code == 303
    code = opened.headers["location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"NEET-[0-9A-Z]{7}", code)
    case_page = client.get(f"/cases/{code}")
    assert code in case_page.text and "Identifié" in case_page.text

    move = lambda stage: client.post(
        f"/cases/{code}/move", data={"csrf_token": csrf_of(case_page.text), "stage": stage}
    )  # noqa: E731
    assert move("in_employment").status_code == 409, "the workflow does not allow jumping from identified to employment"
    assert move("engaged").status_code == 303
    assert move("guided").status_code == 303
    assert move("in_training").status_code == 303
    outcome = client.post(
        f"/cases/{code}/outcome",
        data={"csrf_token": csrf_of(case_page.text), "kind": "qualification", "on": date.today().isoformat()},
    )
    assert outcome.status_code == 303
    again = client.post(
        f"/cases/{code}/outcome",
        data={"csrf_token": csrf_of(case_page.text), "kind": "qualification", "on": date.today().isoformat()},
    )
    assert again.status_code == 422 and "déjà enregistré ce jour-là" in again.text, (
        "the same outcome on the same day is recorded once"
    )
    assert (
        client.post(
            f"/cases/{code}/outcome", data={"csrf_token": csrf_of(case_page.text), "kind": "astronaut"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/cases/{code}/outcome",
            data={"csrf_token": csrf_of(case_page.text), "kind": "qualification", "on": "2999-01-01"},
        ).status_code
        == 422
    )

    history = client.get(f"/cases/{code}").text
    for label in ("Identifié", "Accroché", "Accompagné", "En formation"):
        assert label in history
    assert history.count("Neet Worker") >= 4, "the history shows who moved it"
    assert 'id="close-case"' in history

    assert '<option value="left"' not in history, "closing sits apart from moving"
    asked = client.post(f"/cases/{code}/close", data={"csrf_token": csrf_of(case_page.text), "stage": "left"})
    assert asked.status_code == 200 and 'id="close-confirm"' in asked.text, "closing asks for a confirmation"
    assert move("left").status_code == 200, "a move to a final stage asks too"
    with web.app.session() as session:
        assert session.scalar(select(Case.stage).where(Case.code == code)) == "in_training"
    closed = client.post(
        f"/cases/{code}/move", data={"csrf_token": csrf_of(asked.text), "stage": "left", "confirm": "1"}
    )
    assert closed.status_code == 303
    with web.app.session() as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert case.stage == "left" and case.left_on == date.today() and case.closed_at is not None
        assert case.gender == "woman" and case.profile["homeless"] == "declined"
        moves = session.scalars(
            select(CaseStageEvent).where(CaseStageEvent.case_id == case.id).order_by(CaseStageEvent.id)
        ).all()
        assert [(m.from_stage, m.to_stage) for m in moves] == [
            (None, "identified"),
            ("identified", "engaged"),
            ("engaged", "guided"),
            ("guided", "in_training"),
            ("in_training", "left"),
        ]
        assert all(m.staff_id == web.staff["neet_worker"] for m in moves)
        kinds = sorted(o.kind for o in session.scalars(select(CaseOutcome).where(CaseOutcome.case_id == case.id)))
        assert kinds == ["in_training", "qualification"]
    assert code not in client.get("/cases").text and code in client.get("/cases?state=closed").text
    reopened = client.post(f"/cases/{code}/reenter", data={"csrf_token": csrf_of(case_page.text)})
    assert reopened.status_code == 303
    assert code in client.get("/cases").text


def test_only_audiences_with_a_workflow_and_that_the_account_sees(web: Web) -> None:
    client = web.client("counsellor")
    page = client.get("/cases/new")
    assert 'value="prisons"' in page.text and 'value="neet"' not in page.text and 'value="general"' not in page.text
    refused = client.post(
        "/cases", data={"csrf_token": csrf_of(page.text), "audience": "neet", "consent_on": date.today().isoformat()}
    )
    assert refused.status_code == 422
    assert client.get("/cases/NEET-0000000").status_code == 404


def _as_data(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return dict(pairs)
