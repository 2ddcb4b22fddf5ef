"""One way to check a record: the same invalid records through every way in get the same refusal.

A 6,000-character note, a 500-character title, a title carrying a phone number and an unknown choice are
sent through the web form, the API, the CSV import, the bot's writer and the demo's writer. Each answers
with the same rule key (``tremplin.core.rules``) for the same field, and nothing is written.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.web.conftest import Web, csrf_of, form_values
from tests.web.test_quicklog import as_data
from tremplin.core import rules
from tremplin.core.demo.check import FormCheck
from tremplin.core.demo.run import checked_rows
from tremplin.core.demo.share import Rec
from tremplin.core.importer import ImportFailed, import_file
from tremplin.core.models import Activity, Contact
from tremplin.core.validation import Cleaner, Lookup, RecordError
from tremplin.core.web.i18n import translator

YESTERDAY = (datetime.now() - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
CONTACT = {
    "centre": "bxl",
    "site": "advice",
    "occurred_at": YESTERDAY.strftime("%Y-%m-%dT%H:%M"),
    "audience": "general",
    "modality": "individual_advice",
    "channel": "walk_in",
    "themes": ["work"],
    "language": "fr",
}
ACTIVITY = {
    "centre": "bxl",
    "site": "group-room",
    "starts_at": YESTERDAY.strftime("%Y-%m-%dT%H:%M"),
    "audience": "general",
    "title": "Atelier CV",
    "workshop": "info_session",
    "format": "face_to_face",
    "language": "fr",
}
LONG_NOTE = ("Cherche une formation en soudure, suivi prévu. " * 130)[:6000]
LONG_TITLE = ("Atelier CV et lettre de motivation " * 15)[:500]
PHONE_TITLE = "Atelier CV, inscriptions au 0470 12 34 56"

#: (name, contact or activity, changes, field, rule key)
INVALID = [
    ("6,000-character note", "contact", {"note": LONG_NOTE}, "note", "text.too_long"),
    ("unknown choice", "contact", {"channel": "carrier_pigeon"}, "channel", "choice"),
    (
        "500-character title",
        "activity",
        {"title": LONG_TITLE},
        "title",
        "text.too_long",
    ),
    (
        "title carrying a phone number",
        "activity",
        {"title": PHONE_TITLE},
        "title",
        "text.personal",
    ),
    ("unknown format", "activity", {"format": "hologram"}, "format", "choice"),
]
FORMS = {"contact": "general.advice", "activity": "general.activity"}


def plain(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def counts(web: Web) -> tuple[int, int]:
    with web.app.session() as session:
        return session.scalar(select(func.count(Contact.id))), session.scalar(select(func.count(Activity.id)))


# -- each way in, answering {field: rule key} --------------------------------------------------------------


def through_the_web_form(web: Web, kind: str, changes: dict[str, Any], field: str) -> dict[str, str]:
    client = web.client("programme_lead")
    page = client.get(f"/log/{FORMS[kind]}")
    assert page.status_code == 200
    data = as_data(
        form_values(page.text, "log-form"),
        **{
            k: v
            for k, v in {
                **(CONTACT if kind == "contact" else ACTIVITY),
                **changes,
            }.items()
            if k not in ("centre", "audience", "modality")
        },
    )
    data["csrf_token"] = csrf_of(page.text)
    answer = client.post(f"/log/{FORMS[kind]}", data=data)
    assert answer.status_code == 422, answer.text[:500]
    element = "f-" + field.replace("_", "-")
    found = re.search(rf'id="{element}-error" data-rule="([\w.]+)">([^<]*)<', answer.text)
    assert found, f"no error beside {field}"
    key, message = found.group(1), found.group(2)
    params = {"max": rules.NOTE_MAX if field == "note" else rules.TITLE_MAX} if key == "text.too_long" else {}
    expected = translator("fr")(rules.MESSAGES[key], **params)
    assert plain(html.unescape(message)) == plain(expected), "the rule's message, in the reader's language"
    assert f'href="#{element}' in answer.text, "the error summary links to the field"
    return {field: key}


def through_the_api(web: Web, kind: str, changes: dict[str, Any], field: str) -> dict[str, str]:
    body = {**(CONTACT if kind == "contact" else ACTIVITY), **changes}
    answer = web.api("programme_lead").post(
        f"/api/v1/{kind}s" if kind == "contact" else "/api/v1/activities", json=body
    )
    assert answer.status_code == 422, answer.text[:500]
    return {field: answer.json()["rules"][field]}


def through_the_import(web: Web, kind: str, changes: dict[str, Any], field: str, tmp_path: Path) -> dict[str, str]:
    row = {"id": "row-1", **(CONTACT if kind == "contact" else ACTIVITY), **changes}
    row["themes"] = ";".join(row.get("themes") or [])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    path = tmp_path / "rows.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_file(web.app, "contacts" if kind == "contact" else "activities", path)
    found = {}
    for problem in failed.value.problems:
        match = re.match(r"line 2, column ([\w.]+): .* \[([\w.]+)\]$", problem)
        if match:
            found[match.group(1)] = match.group(2)
    assert field in found, failed.value.problems
    return {field: found[field]}


def through_the_bot(web: Web, kind: str, changes: dict[str, Any], field: str) -> dict[str, str]:
    import asyncio

    from tremplin import log_contact_batched

    values = {
        **CONTACT,
        "audience": "ukrainian",
        "modality": "remote_advice",
        "channel": "telegram",
        **changes,
    }
    values.pop("site")
    with pytest.raises(RecordError) as refused:
        # The way the bot's conversations write their contact.
        asyncio.run(log_contact_batched(web.app, values, {"service_language": "uk"}))
    return {field: refused.value.rules[field]}


def through_the_demo(web: Web, kind: str, changes: dict[str, Any], field: str) -> dict[str, str]:
    app = web.app
    base = CONTACT if kind == "contact" else ACTIVITY
    raw = {**base, **changes}
    if kind == "contact":
        raw = {k: v for k, v in raw.items() if k != "modality"} | {"modality": "individual_advice"}
    raw[("occurred_at" if kind == "contact" else "starts_at")] = YESTERDAY
    with app.session() as session:
        cleaner = Cleaner(app, Lookup.load(app, session))
    record = Rec(FORMS[kind], raw)
    with pytest.raises(RecordError) as refused:
        list(
            checked_rows(
                app,
                cleaner,
                FormCheck(app),
                [record],
                "contacts" if kind == "contact" else "activities",
            )
        )
    return {field: refused.value.rules[field]}


@pytest.mark.parametrize(("case", "kind", "changes", "field", "key"), INVALID, ids=[c[0] for c in INVALID])
def test_the_same_invalid_record_gets_the_same_refusal_every_way_in(
    web: Web,
    tmp_path: Path,
    case: str,
    kind: str,
    changes: dict[str, Any],
    field: str,
    key: str,
) -> None:
    before = counts(web)
    answers = {
        "web form": through_the_web_form(web, kind, changes, field),
        "api": through_the_api(web, kind, changes, field),
        "import": through_the_import(web, kind, changes, field, tmp_path),
        "demo": through_the_demo(web, kind, changes, field),
    }
    if kind == "contact":  # the bot logs contacts only
        answers["bot"] = through_the_bot(web, kind, changes, field)
    assert answers == {way: {field: key} for way in answers}, answers
    assert counts(web) == before, "nothing is written"


def test_a_long_title_is_refused_not_cut(web: Web) -> None:
    answer = web.api("programme_lead").post("/api/v1/activities", json={**ACTIVITY, "title": "A" * 301})
    assert answer.status_code == 422 and answer.json()["rules"] == {"title": "text.too_long"}
    fits = web.api("programme_lead").post("/api/v1/activities", json={**ACTIVITY, "title": "A" * 300})
    assert fits.status_code == 201 and fits.json()["title"] == "A" * 300


def test_the_schema_takes_its_limits_from_the_rules(web: Web) -> None:
    schema = web.anonymous().get("/openapi.json").json()["components"]["schemas"]
    assert schema["ContactIn"]["properties"]["note"]["maxLength"] == rules.NOTE_MAX
    assert schema["ActivityIn"]["properties"]["title"]["maxLength"] == rules.TITLE_MAX
    assert "confirm" in schema["ContactIn"]["properties"] and "confirm" in schema["ActivityIn"]["properties"]
    # Each form's attributes are typed: the choices of the general advice form's question, for one.
    advice = schema["Attributes_general_advice"]["properties"]["question"]
    assert "job_search" in advice["anyOf"][0]["enum"]
    refs = {ref["$ref"].rsplit("/", 1)[1] for ref in schema["ContactIn"]["properties"]["attributes"]["anyOf"]}
    assert {"Attributes_general_advice", "Attributes_formtruck_contact"} <= refs
    assert "Attributes_general_activity" not in refs, "an activity form's attributes are not a contact's"


def test_an_organisation_name_is_refused_when_too_long_and_scrubbed(web: Web) -> None:
    client = web.client("admin")
    page = client.get("/admin/partners")
    base = {"csrf_token": csrf_of(page.text), "centre": "bxl", "kind": "pes"}
    long = client.post("/admin/partners", data={**base, "code": "long", "name": "Mission locale " * 20})
    assert long.status_code == 422
    assert plain(translator("fr")(rules.MESSAGES["text.too_long"], max=rules.NAME_MAX)) in plain(
        html.unescape(long.text)
    )
    named = client.post(
        "/admin/partners", data={**base, "code": "jobcoach", "name": "Jobcoach, appeler le 0470 12 34 56"}
    )
    assert named.status_code == 303
    from tremplin.core.models import Partner

    with web.app.session() as session:
        stored = session.scalar(select(Partner.name).where(Partner.code == "jobcoach"))
        assert (
            stored == "Jobcoach, appeler le [phone]"
            and session.scalar(select(Partner.id).where(Partner.code == "long")) is None
        )
