"""The login lasts a working day offline: a phone's field-sync token, over real HTTP.

The token is given to a live session, kept hashed, opens the sync of field entries only, outlives the
session's two idle hours until the end of the day, and ends with a logout, a new password or a deactivation.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update

from tests.web.conftest import Web, csrf_of, post_form
from tests.web.test_field import FORM, contacts, entry
from tremplin.core.models import FieldToken, Staff, StaffSession, SyncedEntry


def day_token(client: Any) -> dict[str, Any]:
    state = client.get(f"/field/state?form={FORM}").json()
    assert state["signed_in"] and state["device"] is False
    answer = client.post("/field/token", headers={"x-csrf-token": state["csrf"]})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def sync_with(web: Web, token: str, entries: list[dict[str, Any]]) -> Any:
    """A phone whose session is gone: no cookie at all, only the day's token."""
    return web.anonymous().post("/field/sync", json={"entries": entries}, headers={"authorization": f"Bearer {token}"})


def idle_out(web: Web, username: str) -> None:
    """Every session of the account idled out on the server (the phone still holds its cookie)."""
    with web.app.transaction() as session:
        old = datetime.now(UTC) - timedelta(hours=3)
        session.execute(
            update(StaffSession).where(StaffSession.staff_id == web.staff[username]).values(last_seen_at=old)
        )


def test_the_days_token_sends_the_queue_after_the_session_idled_out(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    given = day_token(truck)
    token = given["token"]
    assert token.startswith("tfs_") and given["staff"] == web.staff["formtruck_adviser"]
    expires = datetime.fromisoformat(given["expires"])
    now = datetime.now(UTC)
    assert now < expires <= now + timedelta(hours=18)
    local = expires.astimezone(ZoneInfo(web.app.settings.timezone))
    assert (local.hour, local.minute) == (0, 0) or expires - now > timedelta(hours=17), "the end of the day"
    with web.app.session() as session:
        row = session.scalars(select(FieldToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest(), "only its hash is kept"
        assert token not in repr(row.__dict__)

    idle_out(web, "formtruck_adviser")
    state = truck.get(f"/field/state?form={FORM}", headers={"authorization": f"Bearer {token}"}).json()
    assert state == {"signed_in": False, "staff": web.staff["formtruck_adviser"], "device": True}
    # The morning's taps, sent in the evening: accepted once, with their own time, by the same rules.
    morning = [entry("learn", at=now - timedelta(hours=6)), entry("work", at=now - timedelta(hours=5))]
    bad = entry("move", **{"attr.commune": "atlantis"})
    answer = sync_with(web, token, [*morning, bad])
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted", "refused"]
    assert answer.json()["results"][2]["rules"] == {"attr.commune": "choice"}
    again = sync_with(web, token, morning)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert contacts(web) == 2
    with web.app.session() as session:
        made = dict(session.execute(select(SyncedEntry.key, SyncedEntry.made_at)).tuples().all())
        assert made[morning[0]["key"]] == datetime.fromisoformat(morning[0]["at"])
    # The token opens the sync and the page's state, nothing else.
    phone = web.anonymous(authorization=f"Bearer {token}")
    assert phone.get(f"/field/{FORM}").status_code in (303, 401)
    assert phone.get("/dashboard").status_code in (303, 401)
    assert phone.get("/api/v1/me").status_code == 401
    assert phone.post("/field/token").status_code == 401, "a token never gives itself a successor"


def test_a_token_ends_at_the_end_of_the_day_and_never_opens_with_a_wrong_one(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    token = day_token(truck)["token"]
    assert sync_with(web, "tfs_" + "x" * 43, [entry()]).status_code == 401
    assert sync_with(web, "tpl_not-a-field-token", [entry()]).status_code == 401
    with web.app.transaction() as session:
        session.execute(update(FieldToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    refused = sync_with(web, token, [entry()])
    assert refused.status_code == 401 and refused.json()["signed_in"] is False
    assert "reconnectez-vous" in refused.json()["message"].lower()
    assert contacts(web) == 0
    # A header with a bad token is judged on the token: the session cookie beside it does not count.
    csrf = truck.get(f"/field/state?form={FORM}").json()["csrf"]
    mixed = truck.post(
        "/field/sync", json={"entries": [entry()]}, headers={"authorization": f"Bearer {token}", "x-csrf-token": csrf}
    )
    assert mixed.status_code == 401 and contacts(web) == 0
    # Without the session's CSRF token, no token is given.
    assert truck.post("/field/token").status_code == 403


def test_logging_out_ends_the_token_of_that_browser_only(web: Web) -> None:
    phone = web.client("formtruck_adviser")
    laptop = web.client("formtruck_adviser")
    on_phone = day_token(phone)["token"]
    on_laptop = day_token(laptop)["token"]
    post_form(laptop, "/account", "/logout", {})
    assert sync_with(web, on_laptop, [entry()]).status_code == 401
    assert sync_with(web, on_phone, [entry()]).json()["results"][0]["status"] == "accepted"
    # The phone logs out after its session idled out: it ends its token itself.
    assert web.anonymous().delete("/field/token", headers={"authorization": f"Bearer {on_phone}"}).status_code == 204
    assert sync_with(web, on_phone, [entry()]).status_code == 401
    assert contacts(web) == 1


def test_a_new_password_or_a_deactivation_ends_every_token(web: Web) -> None:
    from tremplin.core.admin import hash_password

    truck = web.client("formtruck_adviser")
    first = day_token(truck)["token"]
    page = truck.get("/account")
    changed = truck.post(
        "/account",
        data={
            "csrf_token": csrf_of(page.text),
            "language": "fr",
            "current_password": "tremplin-demo-formtruck_adviser",
            "new_password": "a-longer-new-passphrase-2026",
        },
    )
    assert changed.status_code == 303, changed.text[:500]
    assert sync_with(web, first, [entry()]).status_code == 401
    # A password changed by any other way (the command line) ends it too: its fingerprint no longer matches.
    second = day_token(truck)["token"]
    with web.app.transaction() as session:
        staff = session.get(Staff, web.staff["formtruck_adviser"])
        assert staff is not None
        staff.password_hash = hash_password("yet-another-passphrase-2026")
    assert sync_with(web, second, [entry()]).status_code == 401
    # A deactivated account's tokens open nothing, even if a row were left.
    with web.app.transaction() as session:
        session.execute(delete(FieldToken))
        staff = session.get(Staff, web.staff["formtruck_adviser"])
        assert staff is not None
        staff.password_hash = hash_password("tremplin-demo-formtruck_adviser")
    again = web.client("formtruck_adviser")
    third = day_token(again)["token"]
    with web.app.transaction() as session:
        session.execute(update(Staff).where(Staff.id == web.staff["formtruck_adviser"]).values(active=False))
    assert sync_with(web, third, [entry()]).status_code == 401
    with web.app.session() as session:
        assert session.scalar(select(func.count()).select_from(FieldToken)) == 1, "the row stays, refused"
    assert contacts(web) == 0
