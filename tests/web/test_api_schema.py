"""The API keeps the word of its OpenAPI schema: schemathesis, every check it has, against every operation.

A bounded run (``EXAMPLES`` schema-valid and schema-violating requests per operation, a fixed seed) as an
administrator, on every engine, and as a counsellor (a role limited in audiences, without exact figures), on
SQLite: what the counsellor's run adds is refusals, decided the same way on either database, while the
administrator's deeper run is what sends every kind of odd value to PostgreSQL. It finds
no undocumented status code, no answer unlike its schema (the 422's ``detail`` included), no valid request
refused (but with 422 naming a code this installation does not know: the schema cannot list the plugins' rules),
no invalid one accepted (``true`` as a count), and 401, never 403, without a token.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.web.conftest import Web

#: Examples per operation. The administrator may call every operation, so every operation is fuzzed in
#: depth with that account; the counsellor's run is about refusals (what a narrower role may not do), which
#: show in fewer examples.
EXAMPLES = {"admin": 25, "counsellor": 10}
#: Examples per operation for a plain read: a GET whose only input is its path (one id or code) and the token.
#: A single path parameter, valid or not, is covered in a few examples; lists and counters, with their
#: filters, are fuzzed as deeply as the writes.
PLAIN_READ_EXAMPLES = 8

#: A schema-valid request may still name a code (an audience, a modality...) unknown to this installation or
#: break a rule between fields: it is refused with 422 and the field named. Anything else is a failure.
CONFIG = """
[auth.openapi.HTTPBearer]
bearer = "{token}"

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422"]
"""


def seed_records(web: Web) -> None:
    """A contact, an activity, a referral and a case, so that some generated requests find a record."""
    admin = web.api("admin")
    contact = {"audience": "general", "modality": "individual_advice", "channel": "walk_in", "themes": ["work"]}
    assert admin.post("/api/v1/contacts", json={**contact, "site": "reception"}).status_code == 201
    activity = admin.post(
        "/api/v1/activities", json={"audience": "general", "starts_at": "2024-05-06T10:00:00", "title": "CV"}
    )
    assert activity.status_code == 201, activity.text
    assert admin.post("/api/v1/referrals", json={"audience": "general"}).status_code == 201
    case = admin.post(
        "/api/v1/cases", json={"audience": "prisons", "consent": True, "consent_on": date.today().isoformat()}
    )
    assert case.status_code == 201, case.text


def is_plain_read(operation: Any) -> bool:
    """A GET with no query string and no body: its inputs are its path parameters (and the token)."""
    locations = {parameter.location for parameter in operation.iter_parameters()}
    return operation.method.upper() == "GET" and locations <= {"path", "header"} and not operation.body


def failures_of(web: Web, account: str) -> dict[str, str]:
    """Run every check on every operation; the distinct failures found, by operation and kind."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    checks = [CHECKS.get_one(name) for name in CHECKS.get_all_names()]
    config = schemathesis.Config.from_str(CONFIG.format(token=web.token(account)))
    schema = schemathesis.openapi.from_asgi("/openapi.json", web.asgi, config=config)
    found: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the core's API and the plugins' are in the schema"
    for operation in operations:
        examples = EXAMPLES[account]
        if is_plain_read(operation):
            examples = min(examples, PLAIN_READ_EXAMPLES)
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | operation.as_strategy(
            generation_mode=GenerationMode.NEGATIVE
        )

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            try:
                case.call_and_validate(checks=checks)
            except BaseException as exc:  # a FailureGroup: one per distinct failure
                for failure in getattr(exc, "exceptions", [exc]):
                    # run() is called at once, within this iteration: ``operation`` is this one.
                    key = f"{operation.label}: {type(failure).__name__}"  # noqa: B023
                    found.setdefault(key, str(failure)[:800])

        run()
    return found


@pytest.mark.slow
@pytest.mark.postgresql_with(account="admin")
@pytest.mark.parametrize("account", ["admin", "counsellor"])
def test_schemathesis_finds_nothing(web: Web, account: str) -> None:
    seed_records(web)
    found = failures_of(web, account)
    assert not found, "\n\n".join(f"{key}\n{text}" for key, text in found.items())


def test_a_boolean_is_not_a_count(web: Web) -> None:
    api = web.api("admin")
    created = api.post(
        "/api/v1/activities", json={"audience": "general", "starts_at": "2024-05-06T10:00:00", "participants": True}
    )
    assert created.status_code == 422 and "participants" in created.json()["errors"]
    activity = api.post("/api/v1/activities", json={"audience": "general", "starts_at": "2024-05-06T10:00:00"}).json()
    refused = api.post(f"/api/v1/activities/{activity['id']}/participants", json={"participants": True})
    assert refused.status_code == 422
    assert api.get(f"/api/v1/activities/{activity['id']}").json()["participants"] is None, "nothing stored"
    contact = {"audience": "general", "modality": "individual_advice", "channel": "walk_in", "headcount": True}
    assert api.post("/api/v1/contacts", json=contact).status_code == 422


def test_no_token_is_401_even_for_a_post(web: Web) -> None:
    anonymous = web.anonymous()
    for method, path in (("post", "/api/v1/contacts"), ("post", "/api/v1/cases"), ("get", "/api/v1/me")):
        response = getattr(anonymous, method)(path, **({"json": {}} if method == "post" else {}))
        assert response.status_code == 401, (path, response.status_code, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
    bad = web.anonymous(authorization="Bearer tpl_not-a-token")
    assert bad.post("/api/v1/contacts", json={}).status_code == 401
    # A browser session still needs its CSRF token: it carries an ambient credential.
    session = web.client("reception")
    assert session.post("/api/v1/contacts", json={}).status_code == 403


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_an_out_of_range_date_is_a_documented_refusal(web: Web, day: str) -> None:
    api = web.api("admin")
    counters = api.get("/api/v1/counters", params={"start": day, "end": day})
    assert counters.status_code in (404, 422) and "detail" in counters.json()
    for path in ("/api/v1/contacts", "/api/v1/activities"):
        listed = api.get(path, params={"from": day, "to": day})
        assert listed.status_code in (200, 404, 422), (path, listed.status_code)
    schema = web.anonymous().get("/openapi.json").json()
    documented = schema["paths"]["/api/v1/counters"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(documented)
    assert documented["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
