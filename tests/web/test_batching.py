"""Contacts posted at the same moment share transactions; each keeps its own answer."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from tests.web.conftest import Web
from tremplin.core import rollup
from tremplin.core.batching import batcher_of
from tremplin.core.models import Contact
from tremplin.core.records import check_contact, log_contact
from tremplin.core.validation import RecordError

GOOD = {
    "site": "truck-flagey",
    "occurred_at": "2024-05-06T10:30:00",
    "audience": "formtruck",
    "modality": "individual_advice",
    "channel": "field",
    "themes": ["work"],
    "language": "fr",
    "attributes": {"commune": "ixelles"},
}


async def _post_all(web: Web, token: str, bodies: list[dict]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=web.asgi)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"authorization": f"Bearer {token}"}
    ) as client:
        return await asyncio.gather(*(client.post("/api/v1/contacts", json=body) for body in bodies))


def test_concurrent_posts_are_written_together_and_answered_one_by_one(web: Web) -> None:
    bodies = []
    for i in range(60):
        if i % 10 == 3:
            bodies.append({**GOOD, "themes": ["astrology"]})  # refused: 422
        elif i % 10 == 7:
            bodies.append(
                {**GOOD, "audience": "neet", "modality": "field_awareness", "attributes": {}}
            )  # not this account's audience: 403
        else:
            bodies.append({**GOOD, "headcount": 1 + i % 3})
    responses = asyncio.run(_post_all(web, web.token("formtruck_adviser"), bodies))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 48 and statuses.count(422) == 6 and statuses.count(403) == 6, statuses
    for body, response in zip(bodies, responses, strict=True):
        if response.status_code == 201:
            assert (
                response.json()["headcount"] == body["headcount"]
                and response.json()["staff_id"] == web.staff["formtruck_adviser"]
            )
        else:
            assert response.json()["detail"]
    ids = [r.json()["id"] for r in responses if r.status_code == 201]
    assert len(set(ids)) == 48
    expected = sum(b["headcount"] for b, r in zip(bodies, responses, strict=True) if r.status_code == 201)
    with web.app.session() as session:
        assert session.scalar(select(func.count(Contact.id))) == 48
        assert (
            rollup.totals(session, ["formtruck.users"], date(2024, 5, 6), date(2024, 5, 6))["formtruck.users"]
            == expected
        )
        from tremplin.core.rollup import rebuild, snapshot

        live = snapshot(session.connection())
    with web.app.db.engine.begin() as conn:
        rebuild(web.app, conn)
        assert snapshot(conn) == live, "the batched roll-up is exactly the rebuilt one"
    sizes = list(batcher_of(web.app).batch_sizes)
    assert sum(sizes) == 54 and max(sizes) > 1, f"concurrent posts shared transactions: {sizes}"  # the 403s never queue


def test_a_failing_batch_is_written_again_one_by_one(web: Web, monkeypatch) -> None:
    calls = {"n": 0}
    original = web.app.hook.contact_logged

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a plugin failed once")
        return original(**kwargs)

    monkeypatch.setattr(web.app.hook, "contact_logged", flaky)
    responses = asyncio.run(_post_all(web, web.token("formtruck_adviser"), [GOOD] * 5))
    assert all(r.status_code == 201 for r in responses), [r.status_code for r in responses]
    with web.app.session() as session:
        assert session.scalar(select(func.count(Contact.id))) == 5


def test_the_shared_cleaner_refuses_what_log_contact_refuses(web: Web) -> None:
    """The batch validates with ``check_contact`` and a shared Cleaner: same answers as ``log_contact``."""
    from tremplin.core.validation import Cleaner, Lookup

    cases = [
        ({**GOOD, "centre": "bxl"}, GOOD["attributes"], None),
        ({**GOOD, "centre": "bxl", "headcount": 0}, GOOD["attributes"], None),
        ({**GOOD, "centre": "bxl", "note": "Marie Dupont, 0470 12 34 56, rue Haute 12"}, GOOD["attributes"], None),
        ({**GOOD, "centre": "bxl", "channel": "phone"}, GOOD["attributes"], "formtruck.contact"),
        ({**GOOD, "centre": "bxl"}, {}, "formtruck.contact"),
        ({**GOOD, "centre": "nowhere"}, GOOD["attributes"], None),
    ]
    with web.app.session() as session:
        cleaner = Cleaner(web.app, Lookup.load(web.app, session))
        for values, attributes, form in cases:
            shared = single = None
            try:
                shared = check_contact(web.app, session, dict(values), attributes, form, cleaner=cleaner)
            except RecordError as exc:
                shared = sorted(exc.errors)
            try:
                single = check_contact(web.app, session, dict(values), attributes, form)
            except RecordError as exc:
                single = sorted(exc.errors)
            assert shared == single, values
        session.rollback()
    with web.app.transaction() as session:
        log_contact(web.app, session, {**GOOD, "centre": "bxl"}, GOOD["attributes"])


def test_codes_are_read_again_when_a_contact_names_one_not_yet_known(web: Web) -> None:
    """The batcher keeps the centre and site codes for a second; a site added meanwhile still works."""
    from tremplin.core.admin import ensure_site
    from tremplin.core.models import Centre, Site

    token = web.token("formtruck_adviser")
    first = asyncio.run(_post_all(web, token, [GOOD]))
    assert first[0].status_code == 201
    with web.app.transaction() as session:
        ensure_site(session, session.get(Centre, web.centre_id), "truck-midi", "Gare du Midi", "formtruck_stop")
    responses = asyncio.run(_post_all(web, token, [{**GOOD, "site": "truck-midi"}, {**GOOD, "site": "truck-nowhere"}]))
    assert [r.status_code for r in responses] == [201, 422]
    assert "truck-nowhere" in str(responses[1].json())
    with web.app.session() as session:
        midi = session.scalar(select(Site.id).where(Site.code == "truck-midi"))
        assert session.scalar(select(Contact.site_id).where(Contact.id == responses[0].json()["id"])) == midi


def test_an_expired_token_is_looked_up_once_for_the_requests_carrying_it(web: Web, monkeypatch) -> None:
    """Fifty devices whose token's cached account just expired make one lookup between them, not fifty."""
    from tremplin.core.web import deps
    from tremplin.core.web.security import forget_tokens

    token = web.token("formtruck_adviser")
    calls: list[str] = []
    original = deps.staff_for_token

    def counted(session, value):
        calls.append(value)
        return original(session, value)

    monkeypatch.setattr(deps, "staff_for_token", counted)
    forget_tokens()
    responses = asyncio.run(_post_all(web, token, [GOOD] * 20))
    assert [r.status_code for r in responses] == [201] * 20
    assert calls == [token]
    forget_tokens()
    refused = asyncio.run(_post_all(web, token + "x", [GOOD] * 5))
    assert [r.status_code for r in refused] == [401] * 5 and calls[1:] == [token + "x"]


def test_a_request_gone_while_the_writer_lingers_is_not_written_and_blocks_nobody(web: Web) -> None:
    """Under steady load the writer waits a moment for more contacts; a request cancelled meanwhile leaves
    the queue, and the next request still becomes the writer (nothing waits forever)."""
    from tremplin.core.models import Staff

    batcher = batcher_of(web.app)
    batcher.linger = 0.5  # long enough to cancel the request in the middle of it
    with web.app.session() as session:
        staff = session.get(Staff, web.staff["formtruck_adviser"])
        session.expunge(staff)

    async def scenario() -> int:
        batcher._last_batch = __import__("time").monotonic()  # a batch just ended: steady load
        gone = asyncio.create_task(batcher.log(dict(GOOD), GOOD["attributes"], staff))
        await asyncio.sleep(0.05)
        assert not gone.done(), "the writer lingers"
        gone.cancel()
        try:
            await gone
        except asyncio.CancelledError:
            pass
        batcher.linger = 0.0
        kept = await asyncio.wait_for(batcher.log({**GOOD, "headcount": 2}, GOOD["attributes"], staff), 10)
        return kept.headcount

    assert asyncio.run(scenario()) == 2
    with web.app.session() as session:
        assert session.scalars(select(Contact.headcount)).all() == [2]


def test_steady_traffic_lingers_into_larger_batches(web: Web, monkeypatch) -> None:
    """Contacts arriving one after another, each a moment after the last (no two at once), share batches
    when the writer lingers, and are written one per batch when it does not.

    The pace follows this machine's own write time: contacts arrive two writes apart, so a writer that
    does not linger has finished each one before the next comes, on a quick laptop as on a loaded CI
    database, and a lingering writer waits six arrivals."""
    import time

    from tremplin.core import batching
    from tremplin.core.models import Staff

    batcher = batcher_of(web.app)
    with web.app.session() as session:
        staff = session.get(Staff, web.staff["formtruck_adviser"])
        session.expunge(staff)

    async def one_by_one(n: int) -> float:
        batcher.linger = 0.0
        took = []
        for _ in range(n):
            began = time.perf_counter()
            await batcher.log(dict(GOOD), GOOD["attributes"], staff)
            took.append(time.perf_counter() - began)
        return sorted(took)[n // 2]

    write = asyncio.run(one_by_one(5))
    spacing = max(0.003, 2.5 * write)
    monkeypatch.setattr(batching, "STEADY", 4 * spacing)

    async def trickle(linger: float) -> list[int]:
        batcher.linger = linger
        batcher.batch_sizes.clear()

        async def one(delay: float) -> None:
            await asyncio.sleep(delay)
            await batcher.log(dict(GOOD), GOOD["attributes"], staff)

        await asyncio.gather(*(one(i * spacing) for i in range(30)))
        return list(batcher.batch_sizes)

    eager = asyncio.run(trickle(0.0))
    lingering = asyncio.run(trickle(6 * spacing))
    assert sum(eager) == sum(lingering) == 30
    assert len(lingering) * 2 <= len(eager), (write, eager, lingering)
    assert max(lingering) >= 3, lingering
    with web.app.session() as session:
        assert session.scalar(select(func.count(Contact.id))) == 65


def test_a_known_token_logs_a_contact_without_a_session_of_its_own_and_a_cookie_still_works(
    web: Web, monkeypatch
) -> None:
    """The contact route reads the account only when it must: a device's token kept in memory costs no
    session, only the batch's own; a person logged in by cookie (the field pages) is read and let in."""
    from tests.web.conftest import csrf_of

    api = web.api("formtruck_adviser")
    assert api.post("/api/v1/contacts", json=GOOD).status_code == 201  # the token is now kept
    opened = {"n": 0}
    original = type(web.app).session

    def counting(self):  # type: ignore[no-untyped-def]
        opened["n"] += 1
        return original(self)

    monkeypatch.setattr(type(web.app), "session", counting)
    assert api.post("/api/v1/contacts", json={**GOOD, "headcount": 2}).status_code == 201
    assert opened["n"] == 1, "only the batch's transaction"

    browser = web.client("formtruck_adviser")
    token = csrf_of(browser.get("/", follow_redirects=True).text)
    opened["n"] = 0
    answer = browser.post("/api/v1/contacts", json={**GOOD, "headcount": 3}, headers={"x-csrf-token": token})
    assert answer.status_code == 201, answer.text
    assert answer.json()["staff_id"] == web.staff["formtruck_adviser"]
    assert opened["n"] == 2, "the cookie's account read in a session closed at once, then the batch's"
    refused = browser.post("/api/v1/contacts", json=GOOD)  # no CSRF token: the cookie alone is not enough
    assert refused.status_code == 403
    with web.app.session() as session:
        assert sorted(session.scalars(select(Contact.headcount)).all()) == [1, 2, 3]


def test_a_bot_logs_contacts_through_the_same_batches_with_nobody_of_the_staff(web: Web) -> None:
    """``log_contact_batched`` (the bot's way): concurrent conversations share transactions, no account is
    recorded, and a contact the rules refuse gets ``log_contact``'s own refusal."""
    from tremplin import log_contact_batched

    batcher = batcher_of(web.app)
    batcher.batch_sizes.clear()
    values = {**GOOD, "centre": "bxl", "audience": "ukrainian", "channel": "telegram", "modality": "remote_advice"}
    values.pop("site")
    values.pop("attributes")

    async def conversations() -> list[Contact]:
        return await asyncio.gather(*(log_contact_batched(web.app, dict(values), {}) for _ in range(20)))

    contacts = asyncio.run(conversations())
    assert len({c.id for c in contacts}) == 20 and all(c.staff_id is None for c in contacts)
    assert sum(batcher.batch_sizes) == 20 and max(batcher.batch_sizes) > 1, list(batcher.batch_sizes)
    long_note = {**values, "note": "x" * 6000}
    with pytest.raises(RecordError) as batched:
        asyncio.run(log_contact_batched(web.app, dict(long_note), {}))
    with web.app.session() as session, pytest.raises(RecordError) as alone:
        log_contact(web.app, session, dict(long_note), {})
    assert batched.value.errors == alone.value.errors
    with web.app.session() as session:
        assert session.scalar(select(func.count(Contact.id)).where(Contact.audience == "ukrainian")) == 20
