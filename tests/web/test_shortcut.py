"""The short path of ``POST /api/v1/contacts`` answers as the full route does, and leaves it every other request."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.web.conftest import Web
from tests.web.test_batching import GOOD
from tremplin.core.models import Contact
from tremplin.core.web.shortcut import MAX_BODY, ContactShortcut

#: A cookie the session middleware does not read: it sends the request the full way and changes nothing else.
FULL_WAY = {"cookie": "unrelated=1"}


def shortcut_of(web: Web) -> ContactShortcut:
    """The shortcut in the built middleware stack (built by the first request), its count set back to 0 (the
    web app serves test after test)."""
    web.anonymous().get("/login")
    layer: Any = web.asgi.middleware_stack
    while not isinstance(layer, ContactShortcut):
        layer = getattr(layer, "app", None) or getattr(layer, "asgi", None)
        assert layer is not None, "no ContactShortcut in the middleware stack"
    layer.served = 0
    return layer


def contacts(web: Web) -> int:
    with web.app.session() as session:
        return session.scalar(select(func.count(Contact.id))) or 0


def same_answer(short: httpx.Response, full: httpx.Response) -> None:
    """Same status, headers (but the date and length) and body (but the contact's id)."""
    assert short.status_code == full.status_code, (short.text, full.text)
    ignore = {"date", "content-length"}
    assert {k: v for k, v in short.headers.items() if k not in ignore} == {
        k: v for k, v in full.headers.items() if k not in ignore
    }
    a, b = short.json(), full.json()
    if isinstance(a, dict) and "id" in a:
        assert a.pop("id") != b.pop("id")
    assert a == b


def test_a_known_token_is_answered_on_the_short_path_as_the_route_answers(web: Web) -> None:
    shortcut = shortcut_of(web)
    api = web.api("formtruck_adviser")
    first = api.post("/api/v1/contacts", json=GOOD)  # the token is read, then kept: the full way
    assert first.status_code == 201, first.text
    assert shortcut.served == 0
    short = api.post("/api/v1/contacts", json=GOOD)
    assert shortcut.served == 1
    full = api.post("/api/v1/contacts", json=GOOD, headers=FULL_WAY)
    assert shortcut.served == 1
    same_answer(short, full)
    assert short.headers["x-content-type-options"] == "nosniff", "the security headers still apply"
    assert short.json()["staff_id"] == web.staff["formtruck_adviser"]
    with web.app.session() as session:
        written = session.get(Contact, short.json()["id"])
        assert (
            written is not None
            and written.attributes == {"commune": "ixelles"}
            and written.day.isoformat() == ("2024-05-06")
        )
    assert contacts(web) == 3


@pytest.mark.parametrize(
    "body",
    [
        {**GOOD, "note": "x" * 6000},
        {**GOOD, "modality": "no_such_modality"},
        {**GOOD, "note": "Rappeler au 0475 12 34 56"},
        {**GOOD, "headcount": 0},
        {**GOOD, "attributes": {"commune": "atlantis"}},
        {k: v for k, v in GOOD.items() if k != "audience"},
    ],
    ids=["long-note", "unknown-choice", "phone-in-note", "headcount", "unknown-attribute-choice", "no-audience"],
)
def test_a_refusal_is_the_full_routes_in_the_askers_language(web: Web, body: dict[str, Any]) -> None:
    shortcut = shortcut_of(web)
    api = web.api("formtruck_adviser")
    assert api.post("/api/v1/contacts", json=GOOD).status_code == 201  # the token is kept from now on
    before = contacts(web)
    for language in ("fr", "nl"):
        short = api.post("/api/v1/contacts", json=body, headers={"accept-language": language})
        full = api.post("/api/v1/contacts", json=body, headers={"accept-language": language, **FULL_WAY})
        same_answer(short, full)
    assert short.status_code in (201, 409, 422), short.text
    if short.status_code == 201:  # a phone number in the note is scrubbed, not refused
        assert "0475" not in short.json()["note"]
        assert shortcut.served == 2
        assert contacts(web) == before + 4
    else:
        assert shortcut.served == 0, "a refused contact always goes the full way"
        assert contacts(web) == before


def test_whatever_the_shortcut_may_not_answer_goes_the_full_way(web: Web) -> None:
    shortcut = shortcut_of(web)
    web.add_account("no_log", [], audiences=["formtruck"])
    web.add_account("neet_only", ["formtruck_adviser"], audiences=["neet"])
    for username in ("formtruck_adviser", "no_log", "neet_only"):
        web.api(username).get("/api/v1/contacts")  # each token is now kept
    api = web.api("formtruck_adviser")
    not_json = api.post("/api/v1/contacts", content=b"{not json", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    as_text = api.post("/api/v1/contacts", content=json.dumps(GOOD), headers={"content-type": "text/plain"})
    assert as_text.status_code == 422, "FastAPI reads a body as JSON only when it says it is"
    assert web.api("no_log").post("/api/v1/contacts", json=GOOD).status_code == 403
    assert web.api("neet_only").post("/api/v1/contacts", json=GOOD).status_code == 403
    assert web.anonymous(authorization="Bearer not-a-token").post("/api/v1/contacts", json=GOOD).status_code == 401
    assert web.anonymous(authorization="Basic eDp5").post("/api/v1/contacts", json=GOOD).status_code == 401
    assert shortcut.served == 0


def test_a_body_in_pieces_and_a_body_too_long_are_read_whole(web: Web) -> None:
    """The short path reads the body itself; what it hands on, the full route reads whole."""
    shortcut = shortcut_of(web)
    token = web.token("formtruck_adviser")
    web.api("formtruck_adviser").get("/api/v1/contacts")
    raw = json.dumps(GOOD).encode()
    oversized = json.dumps({**GOOD, "note": "x" * (MAX_BODY + 10)}).encode()

    async def post(body: bytes, piece: int) -> tuple[int, dict[str, Any]]:
        messages = [
            {"type": "http.request", "body": body[i : i + piece], "more_body": i + piece < len(body)}
            for i in range(0, len(body), piece)
        ] + [{"type": "http.disconnect"}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/contacts",
            "raw_path": b"/api/v1/contacts",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }
        await web.asgi(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], json.loads(payload)

    status, answer = asyncio.run(post(raw, 7))
    assert status == 201 and answer["attributes"] == {"commune": "ixelles"}
    assert shortcut.served == 1
    status, answer = asyncio.run(post(oversized, 4096))
    assert status == 422, answer
    assert "note" in json.dumps(answer)
    assert shortcut.served == 1
    assert contacts(web) == 1
