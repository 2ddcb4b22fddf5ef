"""The API is as narrow as the web: counters under the role's disclosure control, and a record the account may not
see answers exactly as a missing one (404), so that no account can count what it must not see."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.web.conftest import Web

GENERAL = {
    "audience": "general",
    "modality": "individual_advice",
    "channel": "walk_in",
    "themes": ["work"],
    "site": "reception",
}


def log_contacts(web: Web, count: int, **values: Any) -> list[int]:
    api = web.api("admin")
    ids = []
    for _ in range(count):
        created = api.post("/api/v1/contacts", json={**GENERAL, **values})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def counters(web: Web, account: str, **params: Any) -> dict[str, Any]:
    today = date.today().isoformat()
    response = web.api(account).get("/api/v1/counters", params={"start": today, "end": today, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_counters_follow_the_roles_disclosure_control(web: Web) -> None:
    log_contacts(web, 3)
    exact = counters(web, "programme_lead", counter="general.reached")
    assert exact["published"] is False and exact["values"]["general.reached"] == 3
    published = counters(web, "counsellor", counter="general.reached")
    assert published["published"] is True
    assert published["values"]["general.reached"] is None, "a count of 3 is hidden, as in the counsellor's reports"

    log_contacts(web, 9, channel="phone")  # 12 in all: shown, but 3 walk-ins and 9 calls
    total = counters(web, "counsellor", counter="general.reached")["values"]["general.reached"]
    assert total == 12
    by_channel = counters(web, "counsellor", counter="general.reached", dim="channel")["values"]["general.reached"]
    assert by_channel["walk_in"] is None, "3 is under the threshold"
    assert by_channel["phone"] is None, "12 - 9 would give the 3 away: hidden too (secondary suppression)"
    lead = counters(web, "programme_lead", counter="general.reached", dim="channel")["values"]["general.reached"]
    assert lead == {"walk_in": 3, "phone": 9}
    # Zero describes nobody; large counts stay.
    log_contacts(web, 5)
    shown = counters(web, "counsellor", counter="general.reached", dim="channel")["values"]["general.reached"]
    assert shown == {"walk_in": 8, "phone": 9}


def same_refusal(hidden: Any, missing: Any) -> None:
    assert hidden.status_code == missing.status_code == 404, (hidden.status_code, hidden.text, missing.text)
    assert set(hidden.json()) == set(missing.json())


def test_a_record_of_another_audience_answers_as_a_missing_one(web: Web) -> None:
    (contact_id,) = log_contacts(web, 1)
    neet = web.api("neet_worker")  # sees the neet audience only
    same_refusal(neet.get(f"/api/v1/contacts/{contact_id}"), neet.get("/api/v1/contacts/999999"))
    hidden_detail = neet.get(f"/api/v1/contacts/{contact_id}").json()["detail"]
    assert hidden_detail == f"there is no contact {contact_id}", "the words of a missing record"
    same_refusal(
        neet.put(f"/api/v1/contacts/{contact_id}", json={**GENERAL, "reason": "typo"}),
        neet.put("/api/v1/contacts/999999", json={**GENERAL, "reason": "typo"}),
    )
    same_refusal(neet.delete(f"/api/v1/contacts/{contact_id}"), neet.delete("/api/v1/contacts/999999"))

    admin = web.api("admin")
    referral = admin.post("/api/v1/referrals", json={"audience": "general"})
    assert referral.status_code == 201
    token = referral.json()["token"]
    from tremplin.core.anonymity import format_token, new_referral_token

    unknown = format_token(new_referral_token())  # well formed, issued to nobody
    same_refusal(neet.get(f"/api/v1/referrals/{token}"), neet.get(f"/api/v1/referrals/{unknown}"))
    same_refusal(
        neet.post(f"/api/v1/referrals/{token}/status", json={"status": "received"}),
        neet.post(f"/api/v1/referrals/{unknown}/status", json={"status": "received"}),
    )

    case = admin.post(
        "/api/v1/cases", json={"audience": "prisons", "consent": True, "consent_on": date.today().isoformat()}
    )
    assert case.status_code == 201, case.text
    code = case.json()["code"]
    same_refusal(neet.get(f"/api/v1/cases/{code}"), neet.get("/api/v1/cases/NOPE-0000"))
    # A role without the capability at all is still told so (403): that says nothing about any record.
    assert web.api("reception").get("/api/v1/cases/NOPE-0000").status_code == 403
