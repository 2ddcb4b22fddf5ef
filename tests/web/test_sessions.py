"""Sessions end on the server: logging out, a new password, a deactivation, "log out everywhere", idleness; the
secret key that signs them is generated at ``tremplin init`` and required before listening beyond loopback."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from tests.web.conftest import Web, csrf_of, post_form
from tremplin.core.cli import cli
from tremplin.core.models import StaffSession

CONTACT = {
    "audience": "general",
    "modality": "individual_advice",
    "channel": "walk_in",
    "themes": ["work"],
    "site": "reception",
}


def copy_of(web: Web, client: TestClient) -> TestClient:
    """Another browser holding a copy of ``client``'s session cookie (as an attacker who saved it would)."""
    thief = web.anonymous()
    thief.cookies.set("tremplin_session", client.cookies.get("tremplin_session") or "")
    return thief


def opens_nothing(thief: TestClient, csrf: str) -> None:
    page = thief.get("/dashboard")
    assert page.status_code == 303 and page.headers["location"].startswith("/login"), "the dashboard is closed"
    assert thief.get("/api/v1/me").status_code == 401, "the API is closed"
    posted = thief.post("/api/v1/contacts", json=CONTACT, headers={"X-CSRF-Token": csrf})
    assert posted.status_code == 401, posted.text


def sessions_of(web: Web, username: str) -> int:
    with web.app.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(StaffSession).where(StaffSession.staff_id == web.staff[username])
            )
            or 0
        )


def test_a_cookie_saved_before_logout_opens_nothing_afterwards(web: Web) -> None:
    client = web.client("reception")
    dashboard = client.get("/dashboard")
    csrf = csrf_of(dashboard.text)
    thief = copy_of(web, client)
    # Before the logout, the copy works like the original: that is what a saved cookie is.
    assert thief.get("/api/v1/me").json()["username"] == "reception"
    assert thief.post("/api/v1/contacts", json=CONTACT, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert sessions_of(web, "reception") == 1

    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert sessions_of(web, "reception") == 0, "the session ended on the server"
    opens_nothing(thief, csrf)
    assert client.get("/dashboard").status_code == 303


def test_a_new_password_ends_every_other_session(web: Web) -> None:
    here = web.client("counsellor")
    elsewhere = web.client("counsellor")
    csrf_elsewhere = csrf_of(elsewhere.get("/dashboard").text)
    assert sessions_of(web, "counsellor") == 2
    changed = post_form(
        here,
        "/account",
        "/account",
        {"language": "fr", "current_password": "tremplin-demo-counsellor", "new_password": "quiet-harbour-2026"},
    )
    assert changed.status_code == 303
    assert here.get("/dashboard").status_code == 200, "the browser that changed it goes on, in a new session"
    assert sessions_of(web, "counsellor") == 1
    opens_nothing(elsewhere, csrf_elsewhere)


def test_deactivation_by_an_administrator_ends_every_session(web: Web) -> None:
    worker = web.client("neet_worker")
    csrf = csrf_of(worker.get("/dashboard").text)
    admin = web.client("admin")
    account_id = web.staff["neet_worker"]
    page = admin.get(f"/admin/staff/{account_id}")
    assert page.status_code == 200
    saved = admin.post(
        f"/admin/staff/{account_id}",
        data={
            "csrf_token": csrf_of(page.text),
            "roles": ["neet_worker"],
            "audiences": ["neet"],
            "language": "fr",
            "display_name": "N",
        },
    )
    assert saved.status_code == 303
    assert sessions_of(web, "neet_worker") == 0
    opens_nothing(worker, csrf)


def test_log_out_everywhere(web: Web) -> None:
    laptop = web.client("programme_lead")
    phone = web.client("programme_lead")
    csrf_phone = csrf_of(phone.get("/dashboard").text)
    other = web.client("reception")
    assert sessions_of(web, "programme_lead") == 2
    page = laptop.get("/account")
    assert 'action="/account/logout-everywhere"' in page.text
    ended = laptop.post("/account/logout-everywhere", data={"csrf_token": csrf_of(page.text)})
    assert ended.status_code == 303 and ended.headers["location"] == "/login"
    assert sessions_of(web, "programme_lead") == 0
    opens_nothing(phone, csrf_phone)
    assert laptop.get("/dashboard").status_code == 303
    assert other.get("/dashboard").status_code == 200, "another account's sessions go on"


def test_an_idle_session_ends_and_a_used_one_goes_on(web: Web) -> None:
    assert web.app.settings.session_idle_minutes == 120, "two hours by default"
    busy = web.client("reception")
    idle = web.client("counsellor")
    now = datetime.now(UTC)
    with web.app.transaction() as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.staff_id == web.staff["reception"])
            .values(last_seen_at=now - timedelta(minutes=119))
        )
        session.execute(
            update(StaffSession)
            .where(StaffSession.staff_id == web.staff["counsellor"])
            .values(last_seen_at=now - timedelta(minutes=121))
        )
    assert busy.get("/dashboard").status_code == 200
    with web.app.session() as session:
        seen = session.scalar(select(StaffSession.last_seen_at).where(StaffSession.staff_id == web.staff["reception"]))
    assert seen is not None and seen > now - timedelta(minutes=1), "using a session notes its use"
    assert idle.get("/dashboard").status_code == 303
    assert idle.get("/api/v1/me").status_code == 401
    assert sessions_of(web, "counsellor") == 0


def test_the_idle_limit_is_a_setting(db_url: str, centre: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from tremplin.core.settings import Settings

    monkeypatch.setenv("TREMPLIN_SESSION_IDLE_MINUTES", "15")
    assert Settings.from_env().session_idle_minutes == 15
    from tests.conftest import make_app

    app = make_app(db_url, session_idle_minutes=15)
    try:
        web = Web(app, centre)
        web.add_account("reception", ["reception"])
        client = web.client("reception")
        with app.transaction() as session:
            session.execute(update(StaffSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=16)))
        assert client.get("/dashboard").status_code == 303
        web.close()
    finally:
        app.close()


def test_init_generates_an_owner_only_secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tremplin.core.settings import DEFAULT_SECRET_KEY, Settings

    key_file = tmp_path / "secret_key"
    monkeypatch.delenv("TREMPLIN_SECRET_KEY", raising=False)
    monkeypatch.setenv("TREMPLIN_SECRET_KEY_FILE", str(key_file))
    url = f"sqlite:///{tmp_path}/tremplin.db"
    result = CliRunner().invoke(cli, ["--database-url", url, "init"])
    assert result.exit_code == 0, result.output
    assert key_file.exists() and "Secret key generated" in result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "readable by its owner only"
    key = key_file.read_text().strip()
    assert len(key) >= 48
    assert Settings.from_env().secret_key == key != DEFAULT_SECRET_KEY
    again = CliRunner().invoke(cli, ["--database-url", url, "init"])
    assert again.exit_code == 0 and key_file.read_text().strip() == key, "an existing key is kept"
    monkeypatch.setenv("TREMPLIN_SECRET_KEY", "from-the-environment-" + "x" * 20)
    assert Settings.from_env().secret_key.startswith("from-the-environment-"), "the environment wins"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_serve_refuses_to_listen_beyond_loopback_with_the_default_key(
    db_url: str, host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    monkeypatch.setenv("TREMPLIN_SECRET_KEY", "")
    monkeypatch.delenv("TREMPLIN_SECRET_KEY")
    monkeypatch.setenv("TREMPLIN_SECRET_KEY_FILE", str(tmp_path / "none-yet"))
    refused = CliRunner().invoke(cli, ["--database-url", db_url, "serve", "--host", host])
    assert refused.exit_code == 1 and "secret key" in refused.output and not calls
    # On loopback, a development server starts (with a random key of its own).
    local = CliRunner().invoke(cli, ["--database-url", db_url, "serve", "--host", "127.0.0.1"])
    assert local.exit_code == 0, local.output
    assert calls and calls[-1]["proxy_headers"] is False, "proxy headers are the app's business (trusted proxies only)"
    # With the key `tremplin init` stores, it listens anywhere.
    key_file = tmp_path / "none-yet"
    key_file.write_text("k" * 64)
    os.chmod(key_file, 0o600)
    served = CliRunner().invoke(cli, ["--database-url", db_url, "serve", "--host", host])
    assert served.exit_code == 0, served.output
    assert len(calls) == 2 and calls[-1]["host"] == host
